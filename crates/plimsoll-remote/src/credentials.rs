//! Registry credentials from the Docker client configuration.
//!
//! `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`) may hold:
//! `auths` (per registry: base64 `auth` of `user:password`, or `username`
//! and `password`, or an `identitytoken`), `credHelpers` (per registry: the
//! NAME of a `docker-credential-NAME` program) and `credsStore` (the helper
//! for every other registry). Keys in `auths` are written as `host`,
//! `https://host` or, for Docker Hub, `https://index.docker.io/v1/`; they are
//! compared by host name.
//!
//! Order of lookup: a `credHelpers` entry for the registry; else an `auths`
//! entry that carries credentials; else `credsStore`. A helper is run as
//! `docker-credential-NAME get` with the server URL on stdin and answers
//! `{"Username": …, "Secret": …}`; the user name `<token>` marks an
//! identity (refresh) token.

use crate::reference::{DOCKER_HUB, DOCKER_HUB_AUTH_KEY};
use crate::{RemoteError, excerpt};
use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Largest `config.json` read.
const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// Largest answer read from a credential helper.
const MAX_HELPER_OUTPUT: u64 = 64 << 10;

/// Credentials for one registry.
#[derive(Clone)]
pub(crate) enum Secret {
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh token (`identitytoken`, or a helper's `<token>`).
    IdentityToken {
        token: String,
    },
}

#[derive(Clone)]
pub(crate) struct Credentials {
    pub secret: Secret,
    /// Where they came from, for error messages (never the secret itself).
    pub source: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials(from {})", self.source)
    }
}

impl Credentials {
    /// The `Authorization` value for HTTP Basic, when these are a user and
    /// password.
    pub fn basic_header(&self) -> Option<String> {
        match &self.secret {
            Secret::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            Secret::IdentityToken { .. } => None,
        }
    }
}

#[derive(Deserialize, Default)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The loaded Docker configuration and where helpers are looked up.
pub(crate) struct CredentialStore {
    path: PathBuf,
    config: DockerConfig,
    helper_path: Option<OsString>,
}

/// Where the Docker configuration is: the given directory, else
/// `$DOCKER_CONFIG`, else `~/.docker`.
pub(crate) fn config_path(dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = dir {
        return Some(d.join("config.json"));
    }
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// The host a configuration key names: `https://host/v1/` → `host`.
fn key_host(key: &str) -> String {
    let k = key.trim();
    let k = k
        .strip_prefix("https://")
        .or_else(|| k.strip_prefix("http://"))
        .unwrap_or(k);
    k.split('/').next().unwrap_or(k).to_ascii_lowercase()
}

/// Does a configuration key name this registry?
fn key_matches(key: &str, registry: &str) -> bool {
    let host = key_host(key);
    if registry == DOCKER_HUB {
        matches!(
            host.as_str(),
            "index.docker.io" | "docker.io" | "registry-1.docker.io"
        )
    } else {
        host == registry.to_ascii_lowercase()
    }
}

impl CredentialStore {
    /// Loads the configuration; a missing file means no credentials.
    pub fn load(
        dir: Option<&Path>,
        helper_path: Option<OsString>,
    ) -> Result<CredentialStore, RemoteError> {
        let Some(path) = config_path(dir) else {
            return Ok(CredentialStore {
                path: PathBuf::from("~/.docker/config.json"),
                config: DockerConfig::default(),
                helper_path,
            });
        };
        let fail = |detail: String| RemoteError::DockerConfig {
            path: path.clone(),
            detail,
        };
        let config = match std::fs::File::open(&path) {
            Ok(f) => {
                let mut bytes = Vec::new();
                f.take(MAX_CONFIG_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| fail(e.to_string()))?;
                if bytes.len() as u64 > MAX_CONFIG_BYTES {
                    return Err(fail(format!(
                        "it is larger than {} MiB",
                        MAX_CONFIG_BYTES >> 20
                    )));
                }
                serde_json::from_slice(&bytes)
                    .map_err(|e| fail(format!("it is not valid JSON of the expected shape: {e}")))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => DockerConfig::default(),
            Err(e) => return Err(fail(e.to_string())),
        };
        Ok(CredentialStore {
            path,
            config,
            helper_path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Credentials for `registry` (`docker.io` or `host[:port]`), if any.
    pub fn lookup(&self, registry: &str) -> Result<Option<Credentials>, RemoteError> {
        if let Some((key, helper)) = self
            .config
            .cred_helpers
            .iter()
            .find(|(k, _)| key_matches(k, registry))
        {
            let server = if registry == DOCKER_HUB {
                DOCKER_HUB_AUTH_KEY.to_string()
            } else {
                key.clone()
            };
            return self.run_helper(helper, registry, &server);
        }
        // An exact key first, then any key naming the same host.
        let exact = self.config.auths.get(registry);
        let entry = exact.into_iter().chain(
            self.config
                .auths
                .iter()
                .filter(|(k, _)| key_matches(k, registry))
                .map(|(_, v)| v),
        );
        for e in entry {
            if let Some(c) = self.entry_credentials(registry, e)? {
                return Ok(Some(c));
            }
        }
        if let Some(store) = self.config.creds_store.as_deref().filter(|s| !s.is_empty()) {
            let server = if registry == DOCKER_HUB {
                DOCKER_HUB_AUTH_KEY
            } else {
                registry
            };
            return self.run_helper(store, registry, server);
        }
        Ok(None)
    }

    fn entry_credentials(
        &self,
        registry: &str,
        e: &AuthEntry,
    ) -> Result<Option<Credentials>, RemoteError> {
        let source = format!("{} (auths)", self.path.display());
        if let Some(token) = e.identitytoken.as_deref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credentials {
                secret: Secret::IdentityToken {
                    token: token.to_string(),
                },
                source,
            }));
        }
        if let Some(auth) = e.auth.as_deref().filter(|a| !a.trim().is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| RemoteError::DockerConfig {
                    path: self.path.clone(),
                    detail: format!("the `auth` of {registry} is not base64 of UTF-8 text"),
                })?;
            let (u, p) = decoded
                .split_once(':')
                .ok_or_else(|| RemoteError::DockerConfig {
                    path: self.path.clone(),
                    detail: format!("the `auth` of {registry} is not base64 of USER:PASSWORD"),
                })?;
            return Ok(Some(Credentials {
                secret: Secret::Basic {
                    username: u.to_string(),
                    password: p.to_string(),
                },
                source,
            }));
        }
        if let (Some(u), Some(p)) = (&e.username, &e.password)
            && !u.is_empty()
        {
            return Ok(Some(Credentials {
                secret: Secret::Basic {
                    username: u.clone(),
                    password: p.clone(),
                },
                source,
            }));
        }
        Ok(None)
    }

    fn find_helper(&self, exe: &str) -> Option<PathBuf> {
        let dirs = self
            .helper_path
            .clone()
            .or_else(|| std::env::var_os("PATH"))
            .unwrap_or_default();
        std::env::split_paths(&dirs)
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join(exe))
            .find(|p| is_executable(p))
    }

    fn run_helper(
        &self,
        name: &str,
        registry: &str,
        server: &str,
    ) -> Result<Option<Credentials>, RemoteError> {
        let helper = format!("docker-credential-{name}");
        let failed = |detail: String| RemoteError::HelperFailed {
            helper: helper.clone(),
            registry: registry.to_string(),
            detail,
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(RemoteError::DockerConfig {
                path: self.path.clone(),
                detail: format!("credential helper name {name:?} is not a plain program name"),
            });
        }
        let Some(exe) = self.find_helper(&helper) else {
            return Err(RemoteError::HelperMissing {
                helper,
                registry: registry.to_string(),
            });
        };
        let mut child = Command::new(&exe)
            .arg("get")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed(format!("cannot run {}: {e}", exe.display())))?;
        let write = child
            .stdin
            .take()
            .map(|mut stdin| stdin.write_all(server.as_bytes()));
        let mut out = Vec::new();
        let read = child
            .stdout
            .take()
            .map(|s| s.take(MAX_HELPER_OUTPUT + 1).read_to_end(&mut out));
        // Reap the helper even when it answered too much.
        if out.len() as u64 > MAX_HELPER_OUTPUT {
            let _ = child.kill();
        }
        let status = child.wait().map_err(|e| failed(e.to_string()))?;
        if let Some(Err(e)) = read {
            return Err(failed(format!("cannot read its answer: {e}")));
        }
        if out.len() as u64 > MAX_HELPER_OUTPUT {
            return Err(failed(format!(
                "its answer is larger than {} KiB",
                MAX_HELPER_OUTPUT >> 10
            )));
        }
        if !status.success() {
            let text = String::from_utf8_lossy(&out);
            if text.contains("credentials not found") {
                return Ok(None);
            }
            return Err(failed(format!(
                "it exited with {status}: {}",
                excerpt(&out)
            )));
        }
        // A helper that exits early without reading stdin is not an error in
        // itself; its answer decides.
        if let Some(Err(e)) = write
            && out.is_empty()
        {
            return Err(failed(format!("cannot write the server URL to it: {e}")));
        }
        #[derive(Deserialize)]
        struct Answer {
            #[serde(rename = "Username", default)]
            username: String,
            #[serde(rename = "Secret", default)]
            secret: String,
        }
        let a: Answer = serde_json::from_slice(&out).map_err(|e| {
            failed(format!(
                "its answer is not the expected JSON ({e}): {}",
                excerpt(&out)
            ))
        })?;
        if a.secret.is_empty() {
            return Ok(None);
        }
        let source = format!("credential helper {helper}");
        Ok(Some(Credentials {
            secret: if a.username == "<token>" {
                Secret::IdentityToken { token: a.secret }
            } else {
                Secret::Basic {
                    username: a.username,
                    password: a.secret,
                }
            },
            source,
        }))
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(json: &str) -> (tempfile::TempDir, CredentialStore) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), json).unwrap();
        let s =
            CredentialStore::load(Some(dir.path()), Some(OsString::from("/nonexistent"))).unwrap();
        (dir, s)
    }

    fn basic(c: Option<Credentials>) -> (String, String) {
        match c.map(|c| c.secret) {
            Some(Secret::Basic { username, password }) => (username, password),
            _ => panic!("not basic credentials"),
        }
    }

    #[test]
    fn auths_keys_in_every_spelling() {
        // "user:pa:ss" — passwords may contain ':'
        let (_d, s) = store(
            r#"{"auths":{
                "https://index.docker.io/v1/":{"auth":"dXNlcjpwYTpzcw=="},
                "https://ghcr.io":{"username":"u2","password":"p2"},
                "127.0.0.1:5000":{"identitytoken":"tok"},
                "quay.io":{}
            }}"#,
        );
        assert_eq!(
            basic(s.lookup("docker.io").unwrap()),
            ("user".into(), "pa:ss".into())
        );
        assert_eq!(
            basic(s.lookup("ghcr.io").unwrap()),
            ("u2".into(), "p2".into())
        );
        assert!(matches!(
            s.lookup("127.0.0.1:5000").unwrap().map(|c| c.secret),
            Some(Secret::IdentityToken { token }) if token == "tok"
        ));
        assert!(s.lookup("quay.io").unwrap().is_none());
        assert!(s.lookup("127.0.0.1:5001").unwrap().is_none());
    }

    #[test]
    fn missing_helpers_are_named() {
        let (_d, s) = store(r#"{"credHelpers":{"gcr.io":"gcloud"},"credsStore":"desktop"}"#);
        let e = s.lookup("gcr.io").unwrap_err().to_string();
        assert!(
            e.contains("docker-credential-gcloud") && e.contains("gcr.io"),
            "{e}"
        );
        let e = s.lookup("ghcr.io").unwrap_err().to_string();
        assert!(e.contains("docker-credential-desktop"), "{e}");
        let (_d, s) = store(r#"{"credsStore":"../evil"}"#);
        assert!(
            s.lookup("x.io")
                .unwrap_err()
                .to_string()
                .contains("plain program name")
        );
    }

    #[test]
    fn broken_configs_are_errors_and_missing_ones_are_empty() {
        let (_d, s) = store(r#"{"auths":{"x.io":{"auth":"!!!"}}}"#);
        assert!(s.lookup("x.io").unwrap_err().to_string().contains("base64"));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{").unwrap();
        let e = CredentialStore::load(Some(dir.path()), None).err().unwrap();
        assert!(e.to_string().contains("config.json"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        let s = CredentialStore::load(Some(empty.path()), None).unwrap();
        assert!(s.lookup("docker.io").unwrap().is_none());
    }
}
