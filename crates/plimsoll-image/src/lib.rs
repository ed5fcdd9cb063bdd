//! Plimsoll's image reader: any image → typed facts, without a container
//! engine and without unpacking anything to disk.
//!
//! [`analyse`] resolves a reference ([`source`]), streams every layer once
//! ([`layer`]: sha256 verified while reading, gzip/zstd/plain, tar read with
//! hard limits), merges the layers into one filesystem ([`tree`]), measures
//! size and waste ([`waste`], dive-compatible and correct), and predicts
//! whether the entrypoint and the binaries on `PATH` will start ([`run`]).
//! Rules (crate `plimsoll-image-rules`) turn these facts into findings.

pub mod facts;
pub mod layer;
pub mod run;
pub mod secrets;
pub mod source;
pub mod tar;
pub mod tree;
pub mod waste;

use layer::{Expect, Limits, Listing};
use plimsoll_oci::{Digest, ImageConfig, Platform};
use rayon::prelude::*;
use serde::Serialize;
use source::{Resolved, Source};
use std::fmt;
use std::io::Read;

/// Errors that stop an analysis (exit status 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// The reference or an option is wrong.
    Usage(String),
    /// The image cannot be read: missing file or blob, bad document, …
    Input(String),
    /// A layer could not be read.
    Layer { blob: String, detail: String },
    /// A blob's bytes do not hash to the digest that names it.
    DigestMismatch {
        blob: String,
        expected: Digest,
        actual: Digest,
    },
    /// Registry or engine failure.
    Remote(String),
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Usage(m) | ImageError::Input(m) | ImageError::Remote(m) => f.write_str(m),
            ImageError::Layer { blob, detail } => write!(f, "layer {blob}: {detail}"),
            ImageError::DigestMismatch {
                blob,
                expected,
                actual,
            } => write!(
                f,
                "{blob}: digest mismatch: expected {expected}, the bytes hash to {actual} (corrupt or tampered blob)"
            ),
        }
    }
}

impl std::error::Error for ImageError {}

/// How to read an image.
#[derive(Debug, Clone)]
pub struct Options {
    /// Platform picked from multi-platform images.
    pub platform: Platform,
    /// The user asked for `platform`: a single-platform image for another
    /// platform is then an error rather than analysed as it is.
    pub platform_explicit: bool,
    pub limits: Limits,
    pub insecure_registries: Vec<String>,
    /// Called with (layers done, layers total, bytes read) as layers finish.
    pub threads: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            platform: Platform {
                os: "linux".into(),
                architecture: "amd64".into(),
                variant: None,
            },
            platform_explicit: false,
            limits: Limits::default(),
            insecure_registries: Vec::new(),
            threads: None,
        }
    }
}

/// Per-layer facts, as reported.
#[derive(Debug, Clone, Serialize)]
pub struct LayerFacts {
    pub index: usize,
    pub digest: Digest,
    pub diff_id: Digest,
    pub compression: plimsoll_oci::Compression,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    /// Sum of the sizes of the files in the layer (dive's layer size).
    pub files_bytes: u64,
    pub entries: usize,
    /// The history line that created the layer (`empty_layer` entries skipped).
    pub created_by: Option<String>,
}

/// An analysed image.
pub struct Image {
    pub reference: String,
    pub manifest_digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub config: ImageConfig,
    pub listings: Vec<Listing>,
    pub layers: Vec<LayerFacts>,
    pub tree: tree::Tree,
}

impl Image {
    pub fn platform(&self) -> Platform {
        self.config.platform()
    }

    /// Builds an image from a config and already-read layers (tests and
    /// callers that read layers themselves).
    pub fn from_listings(reference: &str, config: ImageConfig, listings: Vec<Listing>) -> Image {
        assemble(
            reference,
            Resolved {
                manifest_digest: None,
                config_digest: None,
                config,
                layers: Vec::new(),
            },
            listings,
        )
    }
}

/// Called as layers finish: (done, total, bytes of the finished layer).
pub type Progress<'a> = &'a (dyn Fn(usize, usize, u64) + Sync);

/// Reads and analyses an image.
pub fn analyse(reference: &str, opts: &Options, progress: Progress) -> Result<Image, ImageError> {
    let src = Source::parse(reference)?;
    let (resolved, listings) = match &src {
        Source::DockerArchive(p) => {
            read_all(source::docker_archive(p, &opts.platform)?, opts, progress)?
        }
        Source::OciArchive(p) => read_all(source::oci_archive(p, &opts.platform)?, opts, progress)?,
        Source::OciDir { dir, tag } => read_all(
            source::oci_dir(dir, tag.as_deref(), &opts.platform)?,
            opts,
            progress,
        )?,
        Source::Registry(r) => read_all(remote::registry(r, opts)?, opts, progress)?,
        Source::Engine { engine, name } => remote::engine(*engine, name, opts, progress)?,
    };
    check_platform(&resolved, opts)?;
    Ok(assemble(reference, resolved, listings))
}

fn check_platform(resolved: &Resolved, opts: &Options) -> Result<(), ImageError> {
    let got = resolved.config.platform();
    if opts.platform_explicit && !got.satisfies(&opts.platform) {
        return Err(ImageError::Input(format!(
            "the image is for {got}, not the requested platform {}",
            opts.platform
        )));
    }
    Ok(())
}

fn read_all(
    resolved: Resolved,
    opts: &Options,
    progress: Progress,
) -> Result<(Resolved, Vec<Listing>), ImageError> {
    let total = resolved.layers.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        resolved
            .layers
            .par_iter()
            .map(|l| {
                let expect = Expect {
                    name: l.name.clone(),
                    digest: l.descriptor.as_ref().map(|d| d.digest.clone()),
                    diff_id: l.diff_id.clone(),
                    compression: Some(
                        plimsoll_oci::layer_compression(
                            l.descriptor.as_ref().and_then(|d| d.media_type.as_deref()),
                        )
                        .map_err(|e| ImageError::Input(format!("layer {}: {e}", l.name)))?,
                    ),
                };
                let r = (l.open)()?;
                let listing = layer::read_layer(r, &expect, &opts.limits)?;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total, listing.compressed_bytes);
                Ok(listing)
            })
            .collect::<Result<Vec<_>, ImageError>>()
    };
    let listings = match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| ImageError::Usage(e.to_string()))?
            .install(work)?,
        None => work()?,
    };
    Ok((resolved, listings))
}

fn assemble(reference: &str, resolved: Resolved, listings: Vec<Listing>) -> Image {
    let history = resolved.config.layer_history(listings.len());
    let layers = listings
        .iter()
        .enumerate()
        .map(|(i, l)| LayerFacts {
            index: i,
            digest: l.digest.clone(),
            diff_id: l.diff_id.clone(),
            compression: l.compression,
            compressed_bytes: l.compressed_bytes,
            uncompressed_bytes: l.uncompressed_bytes,
            files_bytes: l.entries.iter().map(|e| e.size).sum(),
            entries: l.entries.len(),
            created_by: history
                .get(i)
                .copied()
                .flatten()
                .map(|h| h.created_by.clone()),
        })
        .collect();
    let tree = tree::Tree::build(&listings);
    Image {
        reference: reference.to_string(),
        manifest_digest: resolved.manifest_digest,
        config_digest: resolved.config_digest,
        config: resolved.config,
        listings,
        layers,
        tree,
    }
}

mod remote {
    //! Registry and engine sources, over `plimsoll-remote`.
    use super::*;

    pub fn registry(r: &str, opts: &Options) -> Result<Resolved, ImageError> {
        let reference =
            plimsoll_remote::Reference::parse(r).map_err(|e| ImageError::Usage(e.to_string()))?;
        let client = std::sync::Arc::new(
            plimsoll_remote::Registry::new(plimsoll_remote::RegistryOptions {
                platform: opts.platform.clone(),
                insecure: opts.insecure_registries.clone(),
                ..Default::default()
            })
            .map_err(|e| ImageError::Remote(e.to_string()))?,
        );
        let res = client
            .resolve(&reference)
            .map_err(|e| ImageError::Remote(e.to_string()))?;
        let config = ImageConfig::parse(&format!("config of {r}"), &res.config_bytes)
            .map_err(|e| ImageError::Input(e.to_string()))?;
        let mut layers = Vec::new();
        for (i, d) in res.manifest.layers.iter().enumerate() {
            let (c, rf, dd) = (client.clone(), reference.clone(), d.clone());
            layers.push(source::LayerBlob {
                name: format!("{} in {r}", d.digest),
                descriptor: Some(d.clone()),
                diff_id: config.rootfs.diff_ids.get(i).cloned(),
                open: Box::new(move || {
                    c.open_blob(&rf, &dd)
                        .map_err(|e| ImageError::Remote(e.to_string()))
                }),
            });
        }
        Ok(Resolved {
            manifest_digest: Some(res.manifest_digest),
            config_digest: Some(res.manifest.config.digest.clone()),
            config,
            layers,
        })
    }

    /// Reads the engine's `docker save` stream in one pass: layers are
    /// analysed as they pass, documents kept, and the order and the
    /// verification applied at the end from `manifest.json`.
    pub fn engine(
        engine: plimsoll_remote::Engine,
        name: &str,
        opts: &Options,
        progress: Progress,
    ) -> Result<(Resolved, Vec<Listing>), ImageError> {
        let stream = plimsoll_remote::engine_export(engine, name)
            .map_err(|e| ImageError::Remote(e.to_string()))?;
        let origin = format!("{engine} image {name}");
        let mut t = tar::TarReader::new(
            std::io::BufReader::with_capacity(256 * 1024, stream),
            tar::TarLimits::default(),
        );
        let mut docs: std::collections::HashMap<String, Vec<u8>> = Default::default();
        let mut layers: std::collections::HashMap<String, Listing> = Default::default();
        let mut links: Vec<(String, String)> = Vec::new();
        loop {
            let h = match t.next_header() {
                Ok(Some(h)) => h,
                Ok(None) => break,
                Err(e) => return Err(ImageError::Input(format!("{origin}: {e}"))),
            };
            let member = crate::layer::normalise(&h.path)
                .map(|(p, _)| p)
                .unwrap_or_default();
            match h.kind {
                tar::EntryType::Symlink | tar::EntryType::Hardlink => {
                    let dir = member.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                    let target = if h.kind == tar::EntryType::Symlink && !h.link.starts_with('/') {
                        format!("{dir}/{}", h.link)
                    } else {
                        h.link.clone()
                    };
                    links.push((
                        member,
                        crate::layer::normalise(&target)
                            .map(|(p, _)| p)
                            .unwrap_or_default(),
                    ));
                    continue;
                }
                tar::EntryType::File => {}
                _ => continue,
            }
            let mut head = Vec::new();
            t.read_data_prefix(&mut head, 1)
                .map_err(|e| ImageError::Input(format!("{origin}: {e}")))?;
            if head.first() == Some(&b'{') || head.first() == Some(&b'[') || h.size < 512 {
                if h.size > plimsoll_oci::MAX_DOCUMENT_BYTES as u64 {
                    return Err(ImageError::Input(format!(
                        "{origin}: {member} is too large for a document"
                    )));
                }
                t.read_data_to_end(&mut head)
                    .map_err(|e| ImageError::Input(format!("{origin}: {e}")))?;
                docs.insert(member, head);
                continue;
            }
            let reader = Prefixed {
                head,
                pos: 0,
                tar: &mut t,
            };
            let expect = Expect {
                name: format!("{member} in {origin}"),
                digest: None,
                diff_id: None,
                compression: None,
            };
            let listing = layer::read_layer(reader, &expect, &opts.limits)?;
            progress(layers.len() + 1, 0, listing.compressed_bytes);
            layers.insert(member, listing);
        }
        for (from, to) in links {
            if let Some(l) = layers.get(&to).cloned() {
                layers.insert(from, l);
            } else if let Some(d) = docs.get(&to).cloned() {
                docs.insert(from, d);
            }
        }
        let manifest = docs.get("manifest.json").ok_or_else(|| {
            ImageError::Input(format!("{origin}: the export has no manifest.json"))
        })?;
        let list: Vec<source::ArchiveManifest> = serde_json::from_slice(manifest)
            .map_err(|e| ImageError::Input(format!("{origin}: manifest.json: {e}")))?;
        let m = list
            .into_iter()
            .next()
            .ok_or_else(|| ImageError::Input(format!("{origin}: manifest.json lists no image")))?;
        let cfg_name = crate::layer::normalise(&m.config)
            .map(|(p, _)| p)
            .unwrap_or_default();
        let cfg = docs.get(&cfg_name).ok_or_else(|| {
            ImageError::Input(format!("{origin}: config {} is missing", m.config))
        })?;
        let config = ImageConfig::parse(&format!("{origin}: config"), cfg)
            .map_err(|e| ImageError::Input(e.to_string()))?;
        let mut listings = Vec::new();
        for (i, l) in m.layers.iter().enumerate() {
            let key = crate::layer::normalise(l)
                .map(|(p, _)| p)
                .unwrap_or_default();
            let listing = layers.get(&key).cloned().ok_or_else(|| {
                ImageError::Input(format!("{origin}: layer {l} is missing from the export"))
            })?;
            if let Some(hex) = key.strip_prefix("blobs/sha256/")
                && listing.digest.hex() != hex
            {
                return Err(ImageError::DigestMismatch {
                    blob: format!("{l} in {origin}"),
                    expected: Digest::parse(&format!("sha256:{hex}"))
                        .map_err(|e| ImageError::Input(e.to_string()))?,
                    actual: listing.digest.clone(),
                });
            }
            if let Some(want) = config.rootfs.diff_ids.get(i)
                && *want != listing.diff_id
            {
                return Err(ImageError::DigestMismatch {
                    blob: format!("{l} in {origin} (diff_id)"),
                    expected: want.clone(),
                    actual: listing.diff_id.clone(),
                });
            }
            listings.push(listing);
        }
        Ok((
            Resolved {
                manifest_digest: None,
                config_digest: None,
                config,
                layers: Vec::new(),
            },
            listings,
        ))
    }

    /// The current tar member as a reader, with its first bytes already
    /// taken out.
    struct Prefixed<'a, R: tar::SkipRead> {
        head: Vec<u8>,
        pos: usize,
        tar: &'a mut tar::TarReader<R>,
    }

    impl<R: tar::SkipRead> Read for Prefixed<'_, R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pos < self.head.len() {
                let k = (self.head.len() - self.pos).min(buf.len());
                buf[..k].copy_from_slice(&self.head[self.pos..self.pos + k]);
                self.pos += k;
                return Ok(k);
            }
            self.tar
                .read_data(buf)
                .map_err(|e| std::io::Error::other(e.to_string()))
        }
    }
}
