//! Where an image comes from, and how its blobs are reached.
//!
//! | reference                 | read as                                           |
//! |---------------------------|---------------------------------------------------|
//! | `docker-archive:PATH`     | `docker save`/`podman save` tar (legacy `manifest.json`, or the OCI layout newer Docker writes inside) |
//! | `oci-archive:PATH`        | a tar of an OCI image layout                      |
//! | `oci:DIR[:TAG]`           | an OCI image layout directory                     |
//! | `docker:NAME`, `podman:NAME` | the engine's Docker-compatible API (`/images/NAME/get`), streamed |
//! | `HOST/NAME:TAG`, `…@sha256:…` | an OCI distribution registry                  |
//!
//! Archives on disk are indexed once (headers only, data skipped by
//! seeking), then each layer is read from its own file handle so layers are
//! analysed in parallel. The engine's export is a single stream and is read
//! in one pass.

use crate::ImageError;
use crate::tar::{SeekingFile, TarLimits, TarReader};
use plimsoll_oci::{
    Descriptor, Digest, Document, ImageConfig, Index, MAX_DOCUMENT_BYTES, Manifest, Platform,
};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    DockerArchive(PathBuf),
    OciArchive(PathBuf),
    OciDir {
        dir: PathBuf,
        tag: Option<String>,
    },
    Engine {
        engine: plimsoll_remote::Engine,
        name: String,
    },
    Registry(String),
}

impl Source {
    pub fn parse(s: &str) -> Result<Source, ImageError> {
        let bad = |m: &str| ImageError::Usage(format!("image reference {s:?}: {m}"));
        if let Some(p) = s.strip_prefix("docker-archive:") {
            // `docker-archive:PATH[:name:tag]` as skopeo writes it: keep
            // the path part that exists.
            return Ok(Source::DockerArchive(
                existing_prefix(p).ok_or_else(|| bad("no such file"))?,
            ));
        }
        if let Some(p) = s.strip_prefix("oci-archive:") {
            return Ok(Source::OciArchive(
                existing_prefix(p).ok_or_else(|| bad("no such file"))?,
            ));
        }
        if let Some(p) = s.strip_prefix("oci:") {
            if Path::new(p).is_dir() {
                return Ok(Source::OciDir {
                    dir: p.into(),
                    tag: None,
                });
            }
            if let Some((d, tag)) = p.rsplit_once(':')
                && Path::new(d).is_dir()
            {
                return Ok(Source::OciDir {
                    dir: d.into(),
                    tag: Some(tag.to_string()),
                });
            }
            return Err(bad("no such OCI layout directory"));
        }
        for (prefix, engine) in [
            ("docker:", plimsoll_remote::Engine::Docker),
            ("podman:", plimsoll_remote::Engine::Podman),
        ] {
            if let Some(name) = s.strip_prefix(prefix) {
                let name = name.trim_start_matches("//");
                if name.is_empty() {
                    return Err(bad("no image name after the engine prefix"));
                }
                return Ok(Source::Engine {
                    engine,
                    name: name.to_string(),
                });
            }
        }
        let r = s.strip_prefix("docker://").unwrap_or(s);
        if r.is_empty() {
            return Err(bad("empty"));
        }
        if Path::new(r).is_file() {
            return Err(bad(
                "is a file; say docker-archive:PATH or oci-archive:PATH",
            ));
        }
        if Path::new(r).is_dir() {
            return Err(bad("is a directory; say oci:DIR for an OCI layout"));
        }
        Ok(Source::Registry(r.to_string()))
    }
}

fn existing_prefix(p: &str) -> Option<PathBuf> {
    if Path::new(p).is_file() {
        return Some(p.into());
    }
    let mut cut = p;
    while let Some((head, _)) = cut.rsplit_once(':') {
        if Path::new(head).is_file() {
            return Some(head.into());
        }
        cut = head;
    }
    None
}

/// Opens a blob for reading, as many times as asked.
pub type Opener = Box<dyn Fn() -> Result<Box<dyn Read + Send>, ImageError> + Send + Sync>;

/// A readable layer: how to open it and what it must hash to.
pub struct LayerBlob {
    pub name: String,
    pub descriptor: Option<Descriptor>,
    pub diff_id: Option<Digest>,
    pub open: Opener,
}

/// The image's documents, with its layers not yet read.
pub struct Resolved {
    pub manifest_digest: Option<Digest>,
    pub config: ImageConfig,
    pub config_digest: Option<Digest>,
    pub layers: Vec<LayerBlob>,
}

/// Members of a tar file on disk: name → (data offset, size).
struct TarIndex {
    path: PathBuf,
    members: HashMap<String, (u64, u64)>,
}

fn clean_member(name: &str) -> String {
    crate::layer::normalise(name)
        .map(|(p, _)| p)
        .unwrap_or_default()
}

impl TarIndex {
    fn open(path: &Path) -> Result<TarIndex, ImageError> {
        let f =
            File::open(path).map_err(|e| ImageError::Input(format!("{}: {e}", path.display())))?;
        let mut t = TarReader::new(
            SeekingFile(BufReader::with_capacity(64 * 1024, f)),
            TarLimits::default(),
        );
        let mut members = HashMap::new();
        let mut links = Vec::new();
        let archive = || path.display().to_string();
        loop {
            let h = match t.next_header() {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(e) => return Err(ImageError::Input(format!("{}: {e}", archive()))),
            };
            let name = clean_member(&h.path);
            match h.kind {
                crate::tar::EntryType::File => {
                    members.insert(name, (t.data_offset(), h.size));
                }
                crate::tar::EntryType::Symlink => {
                    let dir = name.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                    let target = if h.link.starts_with('/') {
                        h.link.clone()
                    } else {
                        format!("{dir}/{}", h.link)
                    };
                    links.push((name, clean_member(&target)));
                }
                crate::tar::EntryType::Hardlink => links.push((name, clean_member(&h.link))),
                _ => {}
            }
        }
        for (name, target) in links {
            if let Some(v) = members.get(&target).copied() {
                members.insert(name, v);
            }
        }
        Ok(TarIndex {
            path: path.to_path_buf(),
            members,
        })
    }

    fn read_small(&self, name: &str, what: &str) -> Result<Vec<u8>, ImageError> {
        let (off, size) = self.member(name, what)?;
        if size > MAX_DOCUMENT_BYTES as u64 {
            return Err(ImageError::Input(format!(
                "{}: {what} {name} is {size} bytes, more than a document may have",
                self.path.display()
            )));
        }
        let mut r = self.reader(off, size)?;
        let mut v = Vec::with_capacity(size as usize);
        r.read_to_end(&mut v)
            .map_err(|e| ImageError::Input(format!("{}: {name}: {e}", self.path.display())))?;
        Ok(v)
    }

    fn member(&self, name: &str, what: &str) -> Result<(u64, u64), ImageError> {
        self.members
            .get(&clean_member(name))
            .copied()
            .ok_or_else(|| {
                ImageError::Input(format!(
                    "{}: {what} {name} is missing from the archive",
                    self.path.display()
                ))
            })
    }

    fn reader(&self, off: u64, size: u64) -> Result<Box<dyn Read + Send>, ImageError> {
        let mut f = File::open(&self.path)
            .map_err(|e| ImageError::Input(format!("{}: {e}", self.path.display())))?;
        f.seek(SeekFrom::Start(off))
            .map_err(|e| ImageError::Input(format!("{}: {e}", self.path.display())))?;
        Ok(Box::new(f.take(size)))
    }
}

/// Blob access shared by OCI layouts in a directory or in a tar.
trait Blobs: Send + Sync + 'static {
    fn read_small(&self, name: &str, what: &str) -> Result<Vec<u8>, ImageError>;
    fn has(&self, name: &str) -> bool;
    fn opener(self: &std::sync::Arc<Self>, name: &str, what: &str) -> Result<Opener, ImageError>;
}

impl Blobs for TarIndex {
    fn read_small(&self, name: &str, what: &str) -> Result<Vec<u8>, ImageError> {
        TarIndex::read_small(self, name, what)
    }
    fn has(&self, name: &str) -> bool {
        self.members.contains_key(&clean_member(name))
    }
    fn opener(self: &std::sync::Arc<Self>, name: &str, what: &str) -> Result<Opener, ImageError> {
        let (off, size) = self.member(name, what)?;
        let me = self.clone();
        Ok(Box::new(move || me.reader(off, size)))
    }
}

struct DirBlobs(PathBuf);

impl Blobs for DirBlobs {
    fn read_small(&self, name: &str, what: &str) -> Result<Vec<u8>, ImageError> {
        let p = self.0.join(name);
        let f = File::open(&p)
            .map_err(|e| ImageError::Input(format!("{what} {}: {e}", p.display())))?;
        let mut v = Vec::new();
        f.take(MAX_DOCUMENT_BYTES as u64 + 1)
            .read_to_end(&mut v)
            .map_err(|e| ImageError::Input(format!("{what} {}: {e}", p.display())))?;
        if v.len() > MAX_DOCUMENT_BYTES {
            return Err(ImageError::Input(format!(
                "{what} {} is larger than a document may be",
                p.display()
            )));
        }
        Ok(v)
    }
    fn has(&self, name: &str) -> bool {
        self.0.join(name).is_file()
    }
    fn opener(self: &std::sync::Arc<Self>, name: &str, what: &str) -> Result<Opener, ImageError> {
        let p = self.0.join(name);
        if !p.is_file() {
            return Err(ImageError::Input(format!(
                "{what} {} is missing",
                p.display()
            )));
        }
        Ok(Box::new(move || {
            let f =
                File::open(&p).map_err(|e| ImageError::Input(format!("{}: {e}", p.display())))?;
            Ok(Box::new(f) as Box<dyn Read + Send>)
        }))
    }
}

fn blob_path(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

fn verify_doc(bytes: &[u8], d: &Digest, what: &str) -> Result<(), ImageError> {
    use sha2::Digest as _;
    let got: [u8; 32] = sha2::Sha256::digest(bytes).into();
    let got = Digest::from_sha256(&got);
    if got != *d {
        return Err(ImageError::DigestMismatch {
            blob: what.to_string(),
            expected: d.clone(),
            actual: got,
        });
    }
    Ok(())
}

fn oci_err(e: plimsoll_oci::OciError) -> ImageError {
    ImageError::Input(e.to_string())
}

/// Resolves an OCI layout (index.json → [index →] manifest → config).
fn resolve_layout<B: Blobs>(
    b: std::sync::Arc<B>,
    tag: Option<&str>,
    platform: &Platform,
    origin: &str,
) -> Result<Resolved, ImageError> {
    let index_bytes = b.read_small("index.json", "index")?;
    let index: Index = match Document::parse(&format!("{origin} index.json"), &index_bytes, None)
        .map_err(oci_err)?
    {
        Document::Index(i) => i,
        Document::Manifest(_) => {
            return Err(ImageError::Input(format!(
                "{origin}: index.json is a manifest, not an index"
            )));
        }
    };
    let candidates: Vec<&Descriptor> = match tag {
        Some(t) => index
            .manifests
            .iter()
            .filter(|d| {
                d.annotations
                    .get("org.opencontainers.image.ref.name")
                    .map(String::as_str)
                    == Some(t)
            })
            .collect(),
        None => index.manifests.iter().collect(),
    };
    let desc = match candidates.as_slice() {
        [one] => (*one).clone(),
        [] => {
            let tags: Vec<&str> = index
                .manifests
                .iter()
                .filter_map(|d| {
                    d.annotations
                        .get("org.opencontainers.image.ref.name")
                        .map(String::as_str)
                })
                .collect();
            return Err(ImageError::Input(format!(
                "{origin}: no image {} in the layout (tags: {})",
                tag.map(|t| format!("tagged {t:?}")).unwrap_or_default(),
                if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                }
            )));
        }
        many => {
            // Several entries: a multi-platform layout; pick the platform.
            let sub = Index {
                schema_version: 2,
                media_type: None,
                manifests: many.iter().map(|d| (*d).clone()).collect(),
            };
            sub.select(platform)
                .cloned()
                .ok_or_else(|| no_platform(origin, &sub, platform, tag))?
        }
    };
    let mut desc = desc;
    for _ in 0..4 {
        let bytes = b.read_small(&blob_path(&desc.digest), "manifest")?;
        verify_doc(&bytes, &desc.digest, &format!("manifest {}", desc.digest))?;
        match Document::parse(
            &format!("manifest {}", desc.digest),
            &bytes,
            desc.media_type.as_deref(),
        )
        .map_err(oci_err)?
        {
            Document::Index(i) => {
                desc = i
                    .select(platform)
                    .cloned()
                    .ok_or_else(|| no_platform(origin, &i, platform, tag))?;
            }
            Document::Manifest(m) => return finish_manifest(b, desc.digest.clone(), m),
        }
    }
    Err(ImageError::Input(format!(
        "{origin}: indexes nested too deeply"
    )))
}

fn no_platform(origin: &str, i: &Index, p: &Platform, _tag: Option<&str>) -> ImageError {
    ImageError::Input(format!(
        "{origin}: no image for platform {p} (the index offers: {}); choose one with --platform",
        {
            let v = i.platforms();
            if v.is_empty() {
                "no platforms".to_string()
            } else {
                v.join(", ")
            }
        }
    ))
}

fn finish_manifest<B: Blobs>(
    b: std::sync::Arc<B>,
    digest: Digest,
    m: Manifest,
) -> Result<Resolved, ImageError> {
    let cfg_bytes = b.read_small(&blob_path(&m.config.digest), "config")?;
    verify_doc(
        &cfg_bytes,
        &m.config.digest,
        &format!("config {}", m.config.digest),
    )?;
    let config =
        ImageConfig::parse(&format!("config {}", m.config.digest), &cfg_bytes).map_err(oci_err)?;
    let mut layers = Vec::new();
    for (i, d) in m.layers.iter().enumerate() {
        plimsoll_oci::layer_compression(d.media_type.as_deref())
            .map_err(|e| ImageError::Input(format!("layer {i} ({}): {e}", d.digest)))?;
        layers.push(LayerBlob {
            name: d.digest.to_string(),
            descriptor: Some(d.clone()),
            diff_id: config.rootfs.diff_ids.get(i).cloned(),
            open: b.opener(&blob_path(&d.digest), &format!("layer {}", d.digest))?,
        });
    }
    Ok(Resolved {
        manifest_digest: Some(digest),
        config_digest: Some(m.config.digest.clone()),
        config,
        layers,
    })
}

/// One image of a docker-archive's `manifest.json`.
#[derive(serde::Deserialize)]
pub(crate) struct ArchiveManifest {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "Layers", default)]
    pub layers: Vec<String>,
}

fn digest_of_member(name: &str) -> Option<Digest> {
    let hex = name.strip_prefix("blobs/sha256/")?;
    Digest::parse(&format!("sha256:{hex}")).ok()
}

/// Resolves a docker-archive on disk.
pub fn docker_archive(path: &Path, platform: &Platform) -> Result<Resolved, ImageError> {
    let idx = std::sync::Arc::new(TarIndex::open(path)?);
    let origin = path.display().to_string();
    if !idx.members.contains_key("manifest.json") {
        if idx.members.contains_key("index.json") {
            return resolve_layout(idx, None, platform, &origin);
        }
        return Err(ImageError::Input(format!(
            "{origin}: not a docker-archive (no manifest.json or index.json inside)"
        )));
    }
    let bytes = idx.read_small("manifest.json", "manifest")?;
    let list: Vec<ArchiveManifest> = serde_json::from_slice(&bytes)
        .map_err(|e| ImageError::Input(format!("{origin}: manifest.json: {e}")))?;
    let Some(m) = list.into_iter().next() else {
        return Err(ImageError::Input(format!(
            "{origin}: manifest.json lists no image"
        )));
    };
    let cfg_bytes = idx.read_small(&m.config, "config")?;
    let config_digest = digest_of_member(&m.config).or_else(|| {
        m.config
            .strip_suffix(".json")
            .and_then(|h| Digest::parse(&format!("sha256:{h}")).ok())
    });
    if let Some(d) = &config_digest {
        verify_doc(&cfg_bytes, d, &format!("{origin}: config {}", m.config))?;
    }
    let config = ImageConfig::parse(&format!("{origin}: config"), &cfg_bytes).map_err(oci_err)?;
    let mut layers = Vec::new();
    for (i, name) in m.layers.iter().enumerate() {
        let diff_id = config.rootfs.diff_ids.get(i).cloned();
        let digest = digest_of_member(name);
        layers.push(LayerBlob {
            name: format!("{name} in {origin}"),
            descriptor: digest.map(|d| Descriptor {
                media_type: None,
                digest: d,
                size: 0,
                platform: None,
                annotations: Default::default(),
            }),
            diff_id,
            open: idx.opener(name, "layer")?,
        });
    }
    Ok(Resolved {
        manifest_digest: None,
        config,
        config_digest,
        layers,
    })
}

pub fn oci_archive(path: &Path, platform: &Platform) -> Result<Resolved, ImageError> {
    let idx = std::sync::Arc::new(TarIndex::open(path)?);
    resolve_layout(idx, None, platform, &path.display().to_string())
}

pub fn oci_dir(dir: &Path, tag: Option<&str>, platform: &Platform) -> Result<Resolved, ImageError> {
    let b = std::sync::Arc::new(DirBlobs(dir.to_path_buf()));
    if !b.has("index.json") {
        return Err(ImageError::Input(format!(
            "{}: not an OCI layout (no index.json)",
            dir.display()
        )));
    }
    resolve_layout(b, tag, platform, &dir.display().to_string())
}
