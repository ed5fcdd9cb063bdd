//! OCI and Docker image documents, as every image source reads them.
//!
//! The OCI image spec and Docker's v2 schema 2 share one shape: an index
//! (Docker: manifest list) names per-platform manifests; a manifest names a
//! config blob and layer blobs by digest; the config carries the runtime
//! settings (`User`, `Env`, `Entrypoint`, …), the layers' uncompressed
//! digests (`rootfs.diff_ids`) and the build history. This crate parses the
//! three documents leniently where real tools are sloppy (umoci omits
//! `mediaType` in manifests; Docker writes `null` for empty lists) and
//! strictly where safety is at stake: a digest is only ever accepted as
//! `sha256:` followed by 64 lowercase hex digits, so it can name a file.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Largest manifest, index or config document read into memory.
pub const MAX_DOCUMENT_BYTES: usize = 8 << 20;

pub mod media {
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
}

/// Errors reading an image document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OciError {
    /// The document is not valid JSON of the expected shape.
    Json { what: String, detail: String },
    /// The document is larger than [`MAX_DOCUMENT_BYTES`].
    TooLarge { what: String, bytes: usize },
    /// A digest that is not `sha256:` + 64 lowercase hex digits.
    BadDigest(String),
    /// A media type this reader does not understand.
    UnknownMediaType { what: String, media_type: String },
}

impl fmt::Display for OciError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OciError::Json { what, detail } => {
                write!(f, "{what} is not a valid document: {detail}")
            }
            OciError::TooLarge { what, bytes } => write!(
                f,
                "{what} is {bytes} bytes, more than the {} MiB a document may have",
                MAX_DOCUMENT_BYTES >> 20
            ),
            OciError::BadDigest(d) => write!(
                f,
                "digest {:?} is not sha256:<64 hex digits> (the only algorithm accepted)",
                truncate(d, 100)
            ),
            OciError::UnknownMediaType { what, media_type } => {
                write!(f, "{what} has unknown media type {media_type:?}")
            }
        }
    }
}

impl std::error::Error for OciError {}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A validated `sha256:<hex>` digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Digest(String);

impl Digest {
    pub fn parse(s: &str) -> Result<Digest, OciError> {
        let hex = s
            .strip_prefix("sha256:")
            .ok_or_else(|| OciError::BadDigest(s.to_string()))?;
        if hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(Digest(s.to_string()))
        } else {
            Err(OciError::BadDigest(s.to_string()))
        }
    }

    /// Builds a digest from 32 raw hash bytes.
    pub fn from_sha256(bytes: &[u8; 32]) -> Digest {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(71);
        s.push_str("sha256:");
        for b in bytes {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        Digest(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits (safe as a file name: validated on construction).
    pub fn hex(&self) -> &str {
        &self.0[7..]
    }

    /// The first 12 hex digits, as tools show digests.
    pub fn short(&self) -> &str {
        &self.0[7..19]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `null` → default, as Docker writes empty lists and maps.
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An OS/architecture pair (and CPU variant) as images name them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`, e.g. `linux/amd64` or `linux/arm64/v8`.
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.trim().split('/');
        let os = parts.next().filter(|p| !p.is_empty())?;
        let arch = parts.next().filter(|p| !p.is_empty())?;
        let variant = parts.next().filter(|p| !p.is_empty()).map(str::to_string);
        if parts.next().is_some() {
            return None;
        }
        Some(Platform {
            os: os.to_ascii_lowercase(),
            architecture: normalise_arch(&arch.to_ascii_lowercase()).to_string(),
            variant,
        })
    }

    /// Does an image for `self` satisfy a request for `want`? Variants are
    /// compared only when both are given, except that arm64's default
    /// variant is v8 and an unstated one matches it.
    pub fn satisfies(&self, want: &Platform) -> bool {
        if !self.os.eq_ignore_ascii_case(&want.os)
            || normalise_arch(&self.architecture) != normalise_arch(&want.architecture)
        {
            return false;
        }
        let norm = |v: &Option<String>| -> Option<String> {
            match (normalise_arch(&self.architecture), v.as_deref()) {
                ("arm64", Some("v8")) | ("arm64", None) => None,
                (_, v) => v.map(str::to_ascii_lowercase),
            }
        };
        match (norm(&self.variant), norm(&want.variant)) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Maps architecture aliases onto the names images use.
pub fn normalise_arch(a: &str) -> &str {
    match a {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        other => other,
    }
}

/// A reference to a blob: what it is, its digest and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub digest: Digest,
    #[serde(default)]
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
}

/// An image manifest (OCI or Docker v2 schema 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    #[serde(default, deserialize_with = "nullable")]
    pub layers: Vec<Descriptor>,
}

/// An image index (OCI) or manifest list (Docker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub manifests: Vec<Descriptor>,
}

/// Either document a registry or layout may hand out for a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    Manifest(Manifest),
    Index(Index),
}

fn check_size(what: &str, bytes: &[u8]) -> Result<(), OciError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(OciError::TooLarge {
            what: what.to_string(),
            bytes: bytes.len(),
        });
    }
    Ok(())
}

fn json<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, OciError> {
    check_size(what, bytes)?;
    serde_json::from_slice(bytes).map_err(|e| OciError::Json {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

impl Document {
    /// Parses a manifest or an index. The media type (from the document or
    /// the transport) decides; without one, the shape does (`manifests` →
    /// index, `layers`/`config` → manifest), as umoci's manifests need.
    pub fn parse(what: &str, bytes: &[u8], media_type: Option<&str>) -> Result<Document, OciError> {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(rename = "mediaType", default)]
            media_type: Option<String>,
            #[serde(rename = "schemaVersion", default)]
            schema_version: Option<u32>,
            #[serde(default)]
            manifests: Option<serde_json::Value>,
            #[serde(default)]
            config: Option<serde_json::Value>,
        }
        let probe: Probe = json(what, bytes)?;
        let mt = probe
            .media_type
            .as_deref()
            .or(media_type)
            .map(|m| m.split(';').next().unwrap_or(m).trim().to_string());
        match mt.as_deref() {
            Some(media::OCI_INDEX) | Some(media::DOCKER_LIST) => {
                return Ok(Document::Index(json(what, bytes)?));
            }
            Some(media::OCI_MANIFEST) | Some(media::DOCKER_MANIFEST) => {
                return Ok(Document::Manifest(json(what, bytes)?));
            }
            Some(m)
                if m.starts_with("application/vnd.docker.distribution.manifest.v1")
                    || probe.schema_version == Some(1) =>
            {
                return Err(OciError::UnknownMediaType {
                    what: what.to_string(),
                    media_type: format!(
                        "{m} (Docker schema 1 is not supported; push the image again with a current tool)"
                    ),
                });
            }
            _ => {}
        }
        if probe.manifests.is_some() {
            Ok(Document::Index(json(what, bytes)?))
        } else if probe.config.is_some() {
            Ok(Document::Manifest(json(what, bytes)?))
        } else {
            Err(OciError::UnknownMediaType {
                what: what.to_string(),
                media_type: mt
                    .unwrap_or_else(|| "(none, and neither `manifests` nor `config`)".into()),
            })
        }
    }
}

impl Index {
    /// The manifest descriptor for `want`. Entries without a platform
    /// (attestations, unknown) are skipped unless nothing else exists and
    /// there is exactly one entry.
    pub fn select(&self, want: &Platform) -> Option<&Descriptor> {
        let usable = |d: &&Descriptor| {
            d.annotations
                .get("vnd.docker.reference.type")
                .is_none_or(|t| t != "attestation-manifest")
        };
        if let Some(d) = self
            .manifests
            .iter()
            .filter(usable)
            .find(|d| d.platform.as_ref().is_some_and(|p| p.satisfies(want)))
        {
            return Some(d);
        }
        let unplatformed: Vec<&Descriptor> = self.manifests.iter().filter(usable).collect();
        if unplatformed.len() == 1 && unplatformed[0].platform.is_none() {
            return Some(unplatformed[0]);
        }
        None
    }

    /// The platforms the index offers, for error messages.
    pub fn platforms(&self) -> Vec<String> {
        self.manifests
            .iter()
            .filter_map(|d| d.platform.as_ref().map(|p| p.to_string()))
            .collect()
    }
}

/// How a layer blob is compressed, judged from its media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    /// Media type absent or unknown: sniff the bytes.
    Sniff,
}

/// Classifies a layer media type. Errors on types that are not layers
/// (e.g. a config or a Helm chart) or that are encrypted.
pub fn layer_compression(media_type: Option<&str>) -> Result<Compression, String> {
    let Some(mt) = media_type else {
        return Ok(Compression::Sniff);
    };
    let mt = mt.trim();
    if mt.contains("+encrypted") {
        return Err(format!(
            "layer media type {mt:?} is encrypted (not supported)"
        ));
    }
    Ok(match mt {
        "application/vnd.oci.image.layer.v1.tar"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar"
        | "application/vnd.docker.image.rootfs.diff.tar" => Compression::None,
        "application/vnd.oci.image.layer.v1.tar+gzip"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
        | "application/vnd.docker.image.rootfs.diff.tar.gzip"
        | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => Compression::Gzip,
        "application/vnd.oci.image.layer.v1.tar+zstd"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd" => Compression::Zstd,
        "" => Compression::Sniff,
        other => return Err(format!("unknown layer media type {other:?}")),
    })
}

/// The image configuration (the `config` blob).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageConfig {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub config: RuntimeConfig,
    #[serde(default, deserialize_with = "nullable")]
    pub rootfs: RootFs,
    #[serde(default, deserialize_with = "nullable")]
    pub history: Vec<History>,
}

impl ImageConfig {
    pub fn parse(what: &str, bytes: &[u8]) -> Result<ImageConfig, OciError> {
        json(what, bytes)
    }

    pub fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: normalise_arch(&self.architecture).to_string(),
            variant: self.variant.clone(),
        }
    }

    /// The value of an environment variable in the image config.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.config.env.iter().rev().find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then_some(v)
        })
    }

    /// History entries that produced a layer, in layer order. When the
    /// history does not line up with the layers it is ignored.
    pub fn layer_history(&self, layers: usize) -> Vec<Option<&History>> {
        let with_layer: Vec<&History> = self.history.iter().filter(|h| !h.empty_layer).collect();
        if with_layer.len() == layers {
            with_layer.into_iter().map(Some).collect()
        } else {
            vec![None; layers]
        }
    }
}

/// The `config` object of an image configuration (Docker's field names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RuntimeConfig {
    #[serde(rename = "User", default, deserialize_with = "nullable")]
    pub user: String,
    #[serde(rename = "Env", default, deserialize_with = "nullable")]
    pub env: Vec<String>,
    #[serde(rename = "Entrypoint", default, deserialize_with = "nullable")]
    pub entrypoint: Vec<String>,
    #[serde(rename = "Cmd", default, deserialize_with = "nullable")]
    pub cmd: Vec<String>,
    #[serde(rename = "WorkingDir", default, deserialize_with = "nullable")]
    pub working_dir: String,
    #[serde(rename = "ExposedPorts", default, deserialize_with = "nullable")]
    pub exposed_ports: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "Volumes", default, deserialize_with = "nullable")]
    pub volumes: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "Labels", default, deserialize_with = "nullable")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "StopSignal", default, deserialize_with = "nullable")]
    pub stop_signal: String,
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<Healthcheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Healthcheck {
    #[serde(rename = "Test", default, deserialize_with = "nullable")]
    pub test: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RootFs {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, deserialize_with = "nullable")]
    pub diff_ids: Vec<Digest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub created_by: String,
    #[serde(default, deserialize_with = "nullable")]
    pub comment: String,
    #[serde(default)]
    pub empty_layer: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn digests_are_strict() {
        assert!(Digest::parse(D).is_ok());
        assert!(Digest::parse("sha256:../../etc/passwd").is_err());
        assert!(Digest::parse(&D.to_uppercase()).is_err());
        assert!(Digest::parse("sha512:00").is_err());
        assert_eq!(Digest::from_sha256(&[0xab; 32]).hex(), "ab".repeat(32));
    }

    #[test]
    fn platforms_parse_and_match() {
        let want = Platform::parse("linux/amd64").unwrap();
        let got = Platform::parse("linux/x86_64").unwrap();
        assert!(got.satisfies(&want));
        let arm = Platform::parse("linux/arm64").unwrap();
        assert!(Platform::parse("linux/arm64/v8").unwrap().satisfies(&arm));
        assert!(!arm.satisfies(&want));
        assert!(
            !Platform::parse("linux/arm/v6")
                .unwrap()
                .satisfies(&Platform::parse("linux/arm/v7").unwrap())
        );
        assert!(Platform::parse("linux").is_none());
        assert!(Platform::parse("a/b/c/d").is_none());
    }

    #[test]
    fn umoci_manifest_without_media_type() {
        let m = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"{}","digest":"{D}","size":3}},"layers":null}}"#,
            media::OCI_CONFIG
        );
        match Document::parse("m", m.as_bytes(), None).unwrap() {
            Document::Manifest(m) => assert!(m.layers.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn index_selects_platform_and_skips_attestations() {
        let idx = format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[
              {{"digest":"{D}","size":1,"platform":{{"os":"unknown","architecture":"unknown"}},"annotations":{{"vnd.docker.reference.type":"attestation-manifest"}}}},
              {{"digest":"{D}","size":2,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}},
              {{"digest":"{D}","size":3,"platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#,
            media::OCI_INDEX
        );
        let Document::Index(i) = Document::parse("i", idx.as_bytes(), None).unwrap() else {
            panic!()
        };
        assert_eq!(
            i.select(&Platform::parse("linux/amd64").unwrap())
                .unwrap()
                .size,
            3
        );
        assert_eq!(
            i.select(&Platform::parse("linux/arm64").unwrap())
                .unwrap()
                .size,
            2
        );
        assert!(i.select(&Platform::parse("linux/s390x").unwrap()).is_none());
        assert_eq!(i.platforms().len(), 3);
    }

    #[test]
    fn config_with_nulls_and_history() {
        let c = br#"{"architecture":"amd64","os":"linux","config":{"User":"","Env":["PATH=/bin","A=1"],"Entrypoint":null,"Cmd":["/x"]},
          "rootfs":{"type":"layers","diff_ids":[]},
          "history":[{"created_by":"FROM x"},{"created_by":"ENV A=1","empty_layer":true},{"created_by":"COPY x"}]}"#;
        let c = ImageConfig::parse("c", c).unwrap();
        assert_eq!(c.env("A"), Some("1"));
        assert!(c.config.entrypoint.is_empty());
        let h = c.layer_history(2);
        assert_eq!(h[1].unwrap().created_by, "COPY x");
        assert!(c.layer_history(3).iter().all(Option::is_none));
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(Document::parse("x", b"{}", None).is_err());
        assert!(Document::parse("x", b"[", None).is_err());
        assert!(Document::parse("x", br#"{"schemaVersion":1,"fsLayers":[]}"#, None).is_err());
        assert!(
            layer_compression(Some(
                "application/vnd.oci.image.layer.v1.tar+gzip+encrypted"
            ))
            .is_err()
        );
        assert!(layer_compression(Some("application/x-helm")).is_err());
    }
}
