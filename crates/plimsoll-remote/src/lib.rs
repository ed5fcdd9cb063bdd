//! Fetching images from where they live: an OCI distribution registry
//! (Docker Hub, GHCR, a `registry:2` on loopback, …) or a running container
//! engine that speaks the Docker-compatible API (Docker, Podman).
//!
//! The registry client resolves a reference to one platform's manifest and
//! config, hashes both in memory against the digests that named them, and
//! hands out layer blobs as streams; the caller hashes the layers while it
//! reads them. The engine client streams `docker save` output (a
//! docker-archive tar) from the engine's unix socket.
//!
//! Nothing here trusts the remote side: every in-memory read is bounded,
//! every digest is checked, and every error names the registry, repository
//! or digest involved together with the HTTP status and the registry's own
//! error codes.

mod credentials;
mod engine;
mod reference;
mod registry;

use plimsoll_oci::{Digest, OciError, Platform};
use std::fmt;
use std::path::PathBuf;

pub use engine::{
    Engine, EngineOptions, engine_export, engine_export_with, engine_inspect, engine_inspect_with,
    engine_socket,
};
pub use reference::Reference;
pub use registry::{Registry, RegistryOptions, Resolved};

/// Longest part of an error body quoted in an error message.
const MAX_QUOTED: usize = 300;

/// Everything that can go wrong fetching an image.
#[derive(Debug)]
pub enum RemoteError {
    /// An image reference that does not follow the reference grammar.
    BadReference { input: String, reason: String },
    /// The Docker client configuration (`config.json`) could not be used.
    DockerConfig { path: PathBuf, detail: String },
    /// A credential helper named in the Docker configuration is not installed.
    HelperMissing { helper: String, registry: String },
    /// A credential helper ran but failed or answered something unreadable.
    HelperFailed {
        helper: String,
        registry: String,
        detail: String,
    },
    /// The exchange with the registry failed below HTTP (DNS, connect, TLS,
    /// timeout, a body cut short).
    Transport {
        registry: String,
        what: String,
        detail: String,
    },
    /// The registry answered with an error status. `codes` holds the
    /// registry's error codes (`MANIFEST_UNKNOWN`, `UNAUTHORIZED`, …).
    Status {
        registry: String,
        what: String,
        status: u16,
        codes: Vec<String>,
        detail: String,
        hint: Option<String>,
    },
    /// The token service named by the registry's challenge failed.
    Token {
        registry: String,
        realm: String,
        detail: String,
    },
    /// A document or response is larger than this client reads into memory.
    TooLarge { what: String, limit: u64 },
    /// Content does not hash to the digest that named it.
    DigestMismatch {
        what: String,
        expected: Digest,
        actual: Digest,
    },
    /// Content is not as long as its descriptor says.
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },
    /// A manifest, index or config that does not parse.
    Document(OciError),
    /// An index without a manifest for the requested platform.
    NoPlatform {
        image: String,
        want: Platform,
        offered: Vec<String>,
    },
    /// Something valid that is not a container image this client reads
    /// (an artifact, a nested index, a foreign digest algorithm).
    Unsupported { what: String, detail: String },
    /// The engine address (`DOCKER_HOST`, `CONTAINER_HOST`) cannot be used.
    EngineHost {
        engine: Engine,
        host: String,
        detail: String,
    },
    /// The engine's socket could not be reached, or its answer broke off or
    /// was not HTTP.
    EngineIo {
        engine: Engine,
        socket: PathBuf,
        detail: String,
    },
    /// The engine has no image by that name.
    NoSuchImage { engine: Engine, name: String },
    /// The engine answered with another error status.
    EngineStatus {
        engine: Engine,
        name: String,
        status: u16,
        message: String,
    },
}

impl RemoteError {
    /// The registry error codes carried by a [`RemoteError::Status`].
    pub fn registry_codes(&self) -> &[String] {
        match self {
            RemoteError::Status { codes, .. } => codes,
            _ => &[],
        }
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteError::BadReference { input, reason } => write!(
                f,
                "invalid image reference {:?}: {reason}",
                truncate(input, 200)
            ),
            RemoteError::DockerConfig { path, detail } => write!(
                f,
                "cannot use the Docker configuration {}: {detail}",
                path.display()
            ),
            RemoteError::HelperMissing { helper, registry } => write!(
                f,
                "the Docker configuration names the credential helper {helper} for {registry}, \
                 but {helper} is not installed (not found on PATH)"
            ),
            RemoteError::HelperFailed {
                helper,
                registry,
                detail,
            } => write!(
                f,
                "credential helper {helper} failed for {registry}: {detail}"
            ),
            RemoteError::Transport {
                registry,
                what,
                detail,
            } => write!(f, "cannot fetch {what} from registry {registry}: {detail}"),
            RemoteError::Status {
                registry,
                what,
                status,
                codes: _,
                detail,
                hint,
            } => {
                write!(f, "registry {registry} answered HTTP {status} for {what}")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
                if let Some(h) = hint {
                    write!(f, " ({h})")?;
                }
                Ok(())
            }
            RemoteError::Token {
                registry,
                realm,
                detail,
            } => write!(
                f,
                "cannot get a token for registry {registry} from {realm}: {detail}"
            ),
            RemoteError::TooLarge { what, limit } => {
                write!(
                    f,
                    "{what} is larger than the {limit} bytes read into memory"
                )
            }
            RemoteError::DigestMismatch {
                what,
                expected,
                actual,
            } => write!(
                f,
                "{what} does not match its digest: expected {expected}, content hashes to {actual} \
                 (the registry served different bytes than the digest names)"
            ),
            RemoteError::SizeMismatch {
                what,
                expected,
                actual,
            } => write!(
                f,
                "{what} is {actual} bytes but its descriptor says {expected}"
            ),
            RemoteError::Document(e) => e.fmt(f),
            RemoteError::NoPlatform {
                image,
                want,
                offered,
            } => {
                write!(f, "{image} has no image for platform {want}; it offers ")?;
                if offered.is_empty() {
                    f.write_str("no platform-tagged manifests")
                } else {
                    f.write_str(&offered.join(", "))
                }
            }
            RemoteError::Unsupported { what, detail } => write!(f, "{what}: {detail}"),
            RemoteError::EngineHost {
                engine,
                host,
                detail,
            } => write!(
                f,
                "cannot reach {engine} at {:?}: {detail}",
                truncate(host, 200)
            ),
            RemoteError::EngineIo {
                engine,
                socket,
                detail,
            } => write!(f, "{engine} at {}: {detail}", socket.display()),
            RemoteError::NoSuchImage { engine, name } => {
                write!(f, "no such image {name} in {engine}")
            }
            RemoteError::EngineStatus {
                engine,
                name,
                status,
                message,
            } => write!(
                f,
                "{engine} answered HTTP {status} for image {name}: {message}"
            ),
        }
    }
}

impl std::error::Error for RemoteError {}

impl From<OciError> for RemoteError {
    fn from(e: OciError) -> RemoteError {
        RemoteError::Document(e)
    }
}

/// The first `n` characters of `s`.
pub(crate) fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// Printable excerpt of an untrusted body for an error message.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let t = one_line.trim();
    let short = truncate(t, MAX_QUOTED);
    if short.len() < t.len() {
        format!("{short}…")
    } else {
        short.to_string()
    }
}

/// The sha256 digest of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> Digest {
    use sha2::Digest as _;
    let out = sha2::Sha256::digest(bytes);
    let mut raw = [0u8; 32];
    raw.copy_from_slice(out.as_slice());
    Digest::from_sha256(&raw)
}
