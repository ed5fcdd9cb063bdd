//! A blocking client for the OCI distribution API (pull side only).
//!
//! Authentication follows the registry's `WWW-Authenticate` challenge:
//! anonymous first; on `401` with `Basic`, the configured user and password;
//! with `Bearer realm=…,service=…,scope=…`, a token from the realm (asked
//! with Basic credentials when there are some, or with the identity token as
//! an OAuth2 refresh token), cached per (registry, scope) for the life of
//! the [`Registry`].

use crate::credentials::{CredentialStore, Credentials, Secret};
use crate::reference::{DOCKER_HUB, Reference};
use crate::{RemoteError, excerpt, sha256};
use plimsoll_oci::{
    Descriptor, Digest, Document, ImageConfig, MAX_DOCUMENT_BYTES, Manifest, Platform, media,
};
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use ureq::http;

/// Largest error body or token answer read.
const MAX_SMALL_BODY: u64 = 1 << 20;

/// Every manifest kind this client reads, as the `Accept` header offers them.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// The platform picked from multi-platform images.
    pub platform: Platform,
    /// Registries (`host` or `host:port`) spoken to over plain HTTP. Loopback
    /// registries (`localhost`, `127.0.0.0/8`, `[::1]`) always are.
    pub insecure: Vec<String>,
    /// Where `config.json` is; `None`: `$DOCKER_CONFIG`, else `~/.docker`.
    pub docker_config_dir: Option<PathBuf>,
    /// Limit for connecting, for each response's headers and for each read.
    pub timeout: Duration,
    /// Directories (PATH syntax) searched for `docker-credential-*`
    /// helpers; `None`: `$PATH`.
    pub helper_path: Option<OsString>,
}

impl Default for RegistryOptions {
    fn default() -> RegistryOptions {
        RegistryOptions {
            platform: Platform {
                os: "linux".into(),
                architecture: "amd64".into(),
                variant: None,
            },
            insecure: Vec::new(),
            docker_config_dir: None,
            timeout: Duration::from_secs(60),
            helper_path: None,
        }
    }
}

/// An image resolved to one platform's manifest, with the manifest and
/// config bytes verified against their digests.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Digest of the platform manifest (not of the index).
    pub manifest_digest: Digest,
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    /// The config blob (verified against `manifest.config.digest`).
    pub config_bytes: Vec<u8>,
    /// The platform the config declares.
    pub platform: Platform,
    /// Digest of the index the manifest was picked from, if there was one.
    pub index_digest: Option<Digest>,
}

/// A registry client; cheap to share across threads.
pub struct Registry {
    agent: ureq::Agent,
    opts: RegistryOptions,
    /// `Authorization` values per (registry, scope).
    tokens: Mutex<HashMap<(String, String), String>>,
    /// The Docker configuration, loaded on the first challenge.
    store: Mutex<Option<Arc<CredentialStore>>>,
    /// Credentials per registry, looked up (helpers run) once.
    creds: Mutex<HashMap<String, Option<Credentials>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// Lower-cased scheme: `basic`, `bearer`, …
    pub scheme: String,
    /// Parameters with lower-cased names.
    pub params: BTreeMap<String, String>,
}

/// Parses `WWW-Authenticate` values: `Bearer realm="…",service="…"`, with
/// several challenges possibly in one value.
pub(crate) fn parse_challenges<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    for v in values {
        let b = v.as_bytes();
        let mut i = 0;
        let is_tchar = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&c);
        while i < b.len() {
            while b
                .get(i)
                .is_some_and(|&c| c == b' ' || c == b'\t' || c == b',')
            {
                i += 1;
            }
            let start = i;
            while b.get(i).is_some_and(|&c| is_tchar(c)) {
                i += 1;
            }
            if i == start {
                // Not a token: skip one byte so the loop always advances.
                i += 1;
                continue;
            }
            let token = v.get(start..i).unwrap_or("");
            let mut j = i;
            while b.get(j).is_some_and(|&c| c == b' ' || c == b'\t') {
                j += 1;
            }
            if b.get(j) == Some(&b'=') {
                i = j + 1;
                while b.get(i).is_some_and(|&c| c == b' ' || c == b'\t') {
                    i += 1;
                }
                let mut value = String::new();
                if b.get(i) == Some(&b'"') {
                    i += 1;
                    let mut bytes = Vec::new();
                    while let Some(&c) = b.get(i) {
                        i += 1;
                        match c {
                            b'"' => break,
                            b'\\' => {
                                if let Some(&n) = b.get(i) {
                                    bytes.push(n);
                                    i += 1;
                                }
                            }
                            c => bytes.push(c),
                        }
                    }
                    value = String::from_utf8_lossy(&bytes).into_owned();
                } else {
                    let vs = i;
                    while b
                        .get(i)
                        .is_some_and(|&c| c != b',' && c != b' ' && c != b'\t')
                    {
                        i += 1;
                    }
                    value.push_str(v.get(vs..i).unwrap_or(""));
                }
                if let Some(c) = out.last_mut() {
                    c.params.insert(token.to_ascii_lowercase(), value);
                }
            } else {
                out.push(Challenge {
                    scheme: token.to_ascii_lowercase(),
                    params: BTreeMap::new(),
                });
            }
        }
    }
    out
}

/// The registry's error codes and a readable summary of an error body.
fn registry_errors(body: &[u8]) -> (Vec<String>, String) {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<Item>,
    }
    #[derive(serde::Deserialize)]
    struct Item {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Errors>(body) {
        Ok(e) if !e.errors.is_empty() => {
            let codes: Vec<String> = e
                .errors
                .iter()
                .take(10)
                .map(|i| crate::truncate(&i.code, 60).to_string())
                .collect();
            let detail = e
                .errors
                .iter()
                .take(10)
                .map(|i| {
                    let code = crate::truncate(&i.code, 60);
                    if i.message.is_empty() {
                        code.to_string()
                    } else {
                        format!("{code} ({})", excerpt(i.message.as_bytes()))
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            (codes, detail)
        }
        _ => (Vec::new(), excerpt(body)),
    }
}

fn header<'a>(resp: &'a http::Response<ureq::Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

fn content_length(resp: &http::Response<ureq::Body>) -> Option<u64> {
    header(resp, "content-length").and_then(|v| v.trim().parse().ok())
}

/// Host part of `host[:port]` / `[v6][:port]`.
fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    registry.split(':').next().unwrap_or(registry)
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Registry {
    pub fn new(opts: RegistryOptions) -> Result<Registry, RemoteError> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(opts.timeout))
            .timeout_recv_response(Some(opts.timeout))
            .timeout_per_read(Some(opts.timeout))
            .max_redirects(10)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::SameHost)
            .user_agent(concat!("plimsoll/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Registry {
            agent: config.into(),
            opts,
            tokens: Mutex::new(HashMap::new()),
            store: Mutex::new(None),
            creds: Mutex::new(HashMap::new()),
        })
    }

    pub fn options(&self) -> &RegistryOptions {
        &self.opts
    }

    /// `http` for loopback and `insecure` registries, else `https`.
    fn scheme(&self, registry: &str) -> &'static str {
        let host = host_of(registry);
        if registry != DOCKER_HUB && is_loopback(host) {
            return "http";
        }
        let plain = self.opts.insecure.iter().any(|i| {
            let i = i.trim();
            let i = i
                .strip_prefix("http://")
                .or_else(|| i.strip_prefix("https://"))
                .unwrap_or(i)
                .trim_end_matches('/');
            i.eq_ignore_ascii_case(registry) || i.eq_ignore_ascii_case(host)
        });
        if plain { "http" } else { "https" }
    }

    fn url(&self, r: &Reference, kind: &str, reference: &str) -> String {
        format!(
            "{}://{}/v2/{}/{kind}/{reference}",
            self.scheme(&r.registry),
            r.api_host(),
            r.repository
        )
    }

    /// Resolves the reference to one platform's manifest; fetches and
    /// verifies the manifest (and index) and the config.
    pub fn resolve(&self, r: &Reference) -> Result<Resolved, RemoteError> {
        let image = r.to_string();
        let top_what = format!("manifest {image}");
        let (bytes, media_type, digest) = self.fetch_manifest(
            r,
            r.manifest_reference(),
            r.digest.as_ref(),
            None,
            &top_what,
        )?;
        let (manifest_digest, manifest, manifest_bytes, index_digest) =
            match Document::parse(&top_what, &bytes, media_type.as_deref())? {
                Document::Manifest(m) => (digest, m, bytes, None),
                Document::Index(idx) => {
                    let d =
                        idx.select(&self.opts.platform)
                            .ok_or_else(|| RemoteError::NoPlatform {
                                image: image.clone(),
                                want: self.opts.platform.clone(),
                                offered: idx.platforms(),
                            })?;
                    let what = format!(
                        "manifest {} of {} ({})",
                        d.digest, image, self.opts.platform
                    );
                    if let Some(mt) = d.media_type.as_deref()
                        && (mt == media::OCI_INDEX || mt == media::DOCKER_LIST)
                    {
                        return Err(RemoteError::Unsupported {
                            what,
                            detail: "an index inside an index is not supported".into(),
                        });
                    }
                    let (b, mt, dg) = self.fetch_manifest(
                        r,
                        d.digest.as_str(),
                        Some(&d.digest),
                        Some(d.size),
                        &what,
                    )?;
                    match Document::parse(&what, &b, mt.as_deref().or(d.media_type.as_deref()))? {
                        Document::Manifest(m) => (dg, m, b, Some(digest)),
                        Document::Index(_) => {
                            return Err(RemoteError::Unsupported {
                                what,
                                detail: "an index inside an index is not supported".into(),
                            });
                        }
                    }
                }
            };

        let cfg = &manifest.config;
        let what = format!("config {} of {}", cfg.digest, image);
        if let Some(mt) = cfg.media_type.as_deref() {
            let mt = mt.split(';').next().unwrap_or(mt).trim();
            if !mt.is_empty() && mt != media::OCI_CONFIG && mt != media::DOCKER_CONFIG {
                return Err(RemoteError::Unsupported {
                    what: format!("{image} (manifest {manifest_digest})"),
                    detail: format!(
                        "it is not a container image: its config has media type {:?}",
                        crate::truncate(mt, 100)
                    ),
                });
            }
        }
        let config_bytes = self.fetch_document_blob(r, cfg, &what)?;
        let config = ImageConfig::parse(&what, &config_bytes)?;
        Ok(Resolved {
            manifest_digest,
            manifest,
            manifest_bytes,
            config_bytes,
            platform: config.platform(),
            index_digest,
        })
    }

    /// Streams a blob. The reader fails if the blob is longer or shorter
    /// than the descriptor says (when it says); the caller verifies the
    /// digest. Redirects (to object storage) are followed.
    pub fn open_blob(
        &self,
        r: &Reference,
        d: &Descriptor,
    ) -> Result<Box<dyn Read + Send>, RemoteError> {
        let what = format!("blob {} of {}", d.digest, r.name());
        let url = self.url(r, "blobs", d.digest.as_str());
        let resp = self.get(r, &url, None, &what)?;
        let resp = self.expect_ok(r, resp, &what)?;
        if d.size > 0
            && let Some(len) = content_length(&resp)
            && len != d.size
        {
            return Err(RemoteError::SizeMismatch {
                what,
                expected: d.size,
                actual: len,
            });
        }
        Ok(Box::new(SizedReader {
            inner: resp.into_body().into_reader(),
            expected: d.size,
            seen: 0,
            what,
        }))
    }

    /// Fetches a manifest or index into memory; verifies it against
    /// `expect` (or the registry's `Docker-Content-Digest` when fetched by
    /// tag) and `size`.
    fn fetch_manifest(
        &self,
        r: &Reference,
        reference: &str,
        expect: Option<&Digest>,
        size: Option<u64>,
        what: &str,
    ) -> Result<(Vec<u8>, Option<String>, Digest), RemoteError> {
        let url = self.url(r, "manifests", reference);
        let resp = self.get(r, &url, Some(MANIFEST_ACCEPT), what)?;
        let resp = self.expect_ok(r, resp, what)?;
        let media_type = header(&resp, "content-type").map(str::to_string);
        let announced =
            header(&resp, "docker-content-digest").and_then(|d| Digest::parse(d.trim()).ok());
        let bytes = self.read_bounded(r, resp, MAX_DOCUMENT_BYTES as u64, what)?;
        let actual = sha256(&bytes);
        if let Some(want) = size
            && want != bytes.len() as u64
        {
            return Err(RemoteError::SizeMismatch {
                what: what.to_string(),
                expected: want,
                actual: bytes.len() as u64,
            });
        }
        match (expect, announced) {
            (Some(want), _) if *want != actual => Err(RemoteError::DigestMismatch {
                what: what.to_string(),
                expected: want.clone(),
                actual,
            }),
            (None, Some(said)) if said != actual => Err(RemoteError::DigestMismatch {
                what: format!("{what} (digest from the registry's Docker-Content-Digest header)"),
                expected: said,
                actual,
            }),
            _ => Ok((bytes, media_type, actual)),
        }
    }

    /// Fetches a small blob (a config) into memory and verifies it.
    fn fetch_document_blob(
        &self,
        r: &Reference,
        d: &Descriptor,
        what: &str,
    ) -> Result<Vec<u8>, RemoteError> {
        let limit = MAX_DOCUMENT_BYTES as u64;
        if d.size > limit {
            return Err(RemoteError::TooLarge {
                what: format!("{what} (descriptor size {})", d.size),
                limit,
            });
        }
        let url = self.url(r, "blobs", d.digest.as_str());
        let resp = self.get(r, &url, None, what)?;
        let resp = self.expect_ok(r, resp, what)?;
        let bytes = self.read_bounded(r, resp, limit, what)?;
        if d.size > 0 && d.size != bytes.len() as u64 {
            return Err(RemoteError::SizeMismatch {
                what: what.to_string(),
                expected: d.size,
                actual: bytes.len() as u64,
            });
        }
        let actual = sha256(&bytes);
        if actual != d.digest {
            return Err(RemoteError::DigestMismatch {
                what: what.to_string(),
                expected: d.digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    fn read_bounded(
        &self,
        r: &Reference,
        resp: http::Response<ureq::Body>,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>, RemoteError> {
        if content_length(&resp).is_some_and(|n| n > limit) {
            return Err(RemoteError::TooLarge {
                what: what.to_string(),
                limit,
            });
        }
        resp.into_body()
            .into_with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => RemoteError::TooLarge {
                    what: what.to_string(),
                    limit,
                },
                e => RemoteError::Transport {
                    registry: r.registry.clone(),
                    what: what.to_string(),
                    detail: e.to_string(),
                },
            })
    }

    fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        auth: Option<&str>,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let mut req = self.agent.get(url);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.call()
    }

    /// GET with authentication: the cached `Authorization` for this
    /// repository's pull scope; on `401`, answer the challenge and retry
    /// once.
    fn get(
        &self,
        r: &Reference,
        url: &str,
        accept: Option<&str>,
        what: &str,
    ) -> Result<http::Response<ureq::Body>, RemoteError> {
        let transport = |e: ureq::Error| RemoteError::Transport {
            registry: r.registry.clone(),
            what: what.to_string(),
            detail: e.to_string(),
        };
        let scope = format!("repository:{}:pull", r.repository);
        let key = (r.registry.clone(), scope.clone());
        let cached = lock(&self.tokens).get(&key).cloned();
        let resp = self
            .send(url, accept, cached.as_deref())
            .map_err(transport)?;
        if resp.status() != http::StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let challenges = parse_challenges(
            resp.headers()
                .get_all("www-authenticate")
                .iter()
                .filter_map(|v| v.to_str().ok()),
        );
        let Some(auth) = self.answer(r, &challenges, &scope)? else {
            // Nothing to answer with: report the registry's refusal.
            return Err(self.status_error(r, resp, what));
        };
        lock(&self.tokens).insert(key, auth.clone());
        self.send(url, accept, Some(&auth)).map_err(transport)
    }

    /// The `Authorization` value answering a challenge, or `None` when we
    /// have nothing to answer with.
    fn answer(
        &self,
        r: &Reference,
        challenges: &[Challenge],
        scope: &str,
    ) -> Result<Option<String>, RemoteError> {
        if let Some(c) = challenges.iter().find(|c| c.scheme == "bearer") {
            let creds = self.credentials(&r.registry)?;
            let token = self.fetch_token(r, c, scope, creds.as_ref())?;
            return Ok(Some(format!("Bearer {token}")));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            return Ok(self
                .credentials(&r.registry)?
                .and_then(|c| c.basic_header()));
        }
        Ok(None)
    }

    fn store(&self) -> Result<Arc<CredentialStore>, RemoteError> {
        let mut g = lock(&self.store);
        if let Some(s) = g.as_ref() {
            return Ok(s.clone());
        }
        let s = Arc::new(CredentialStore::load(
            self.opts.docker_config_dir.as_deref(),
            self.opts.helper_path.clone(),
        )?);
        *g = Some(s.clone());
        Ok(s)
    }

    fn credentials(&self, registry: &str) -> Result<Option<Credentials>, RemoteError> {
        if let Some(c) = lock(&self.creds).get(registry) {
            return Ok(c.clone());
        }
        let c = self.store()?.lookup(registry)?;
        lock(&self.creds).insert(registry.to_string(), c.clone());
        Ok(c)
    }

    fn fetch_token(
        &self,
        r: &Reference,
        challenge: &Challenge,
        our_scope: &str,
        creds: Option<&Credentials>,
    ) -> Result<String, RemoteError> {
        let realm = challenge.params.get("realm").cloned().unwrap_or_default();
        let fail = |detail: String| RemoteError::Token {
            registry: r.registry.clone(),
            realm: crate::truncate(&realm, 200).to_string(),
            detail,
        };
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(fail("the challenge's realm is not an http(s) URL".into()));
        }
        let service = challenge.params.get("service").map(String::as_str);
        // The challenge names the scope the registry wants; ours is the
        // fallback.
        let scope = challenge
            .params
            .get("scope")
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(our_scope);
        let resp = match creds.map(|c| &c.secret) {
            Some(Secret::IdentityToken { token }) => {
                let mut form: Vec<(&str, &str)> = vec![
                    ("grant_type", "refresh_token"),
                    ("client_id", "plimsoll"),
                    ("refresh_token", token),
                    ("scope", scope),
                ];
                if let Some(s) = service {
                    form.push(("service", s));
                }
                self.agent.post(&realm).send_form(form)
            }
            _ => {
                let mut req = self.agent.get(&realm).query("scope", scope);
                if let Some(s) = service {
                    req = req.query("service", s);
                }
                if let Some(c) = creds
                    && let (Some(h), Secret::Basic { username, .. }) = (c.basic_header(), &c.secret)
                {
                    req = req.query("account", username).header("Authorization", h);
                }
                req.call()
            }
        }
        .map_err(|e| fail(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .into_with_config()
            .limit(MAX_SMALL_BODY)
            .read_to_vec()
            .map_err(|e| fail(format!("cannot read the answer: {e}")))?;
        if status != 200 {
            let (codes, detail) = registry_errors(&body);
            let who = match creds {
                Some(c) => format!("with the credentials from {}", c.source),
                None => "anonymously".to_string(),
            };
            return Err(fail(format!(
                "HTTP {status} {who}: {}",
                if codes.is_empty() {
                    detail
                } else {
                    codes.join(", ") + ": " + &detail
                }
            )));
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let a: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("the answer is not a token document: {e}")))?;
        let token = a
            .token
            .filter(|t| !t.is_empty())
            .or(a.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| fail("the answer has neither `token` nor `access_token`".into()))?;
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(fail(
                "the token has characters not allowed in a header".into(),
            ));
        }
        Ok(token)
    }

    fn expect_ok(
        &self,
        r: &Reference,
        resp: http::Response<ureq::Body>,
        what: &str,
    ) -> Result<http::Response<ureq::Body>, RemoteError> {
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(self.status_error(r, resp, what))
        }
    }

    fn status_error(
        &self,
        r: &Reference,
        resp: http::Response<ureq::Body>,
        what: &str,
    ) -> RemoteError {
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .into_with_config()
            .limit(64 << 10)
            .read_to_vec()
            .unwrap_or_default();
        let (codes, detail) = registry_errors(&body);
        let hint = match status {
            401 | 403 => Some(match self.credentials(&r.registry) {
                Ok(Some(c)) => format!("the credentials from {} were refused", c.source),
                Ok(None) => {
                    let path = self
                        .store()
                        .map(|s| s.path().display().to_string())
                        .unwrap_or_else(|_| "config.json".into());
                    format!(
                        "no credentials for {} in {path}; log in with `docker login {}`",
                        r.registry, r.registry
                    )
                }
                Err(e) => e.to_string(),
            }),
            404 if r.registry == DOCKER_HUB => {
                Some("the repository or tag does not exist, or is private".into())
            }
            _ => None,
        };
        RemoteError::Status {
            registry: r.registry.clone(),
            what: what.to_string(),
            status,
            codes,
            detail,
            hint,
        }
    }
}

/// A blob stream held to its descriptor's size.
struct SizedReader<R> {
    inner: R,
    /// 0: unknown, not enforced.
    expected: u64,
    seen: u64,
    what: String,
}

impl<R: Read> Read for SizedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen = self.seen.saturating_add(n as u64);
        if self.expected > 0 {
            if self.seen > self.expected {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{} is longer than the {} bytes its descriptor says",
                        self.what, self.expected
                    ),
                ));
            }
            if n == 0 && !buf.is_empty() && self.seen < self.expected {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "{} ended after {} of its {} bytes",
                        self.what, self.seen, self.expected
                    ),
                ));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let c = parse_challenges([
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        ]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].params["realm"], "https://auth.docker.io/token");
        assert_eq!(c[0].params["scope"], "repository:library/alpine:pull");

        let c = parse_challenges([
            r#"Basic realm="a \"q\" b", Bearer realm=http://x/t, error=insufficient_scope"#,
        ]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].params["realm"], r#"a "q" b"#);
        assert_eq!(c[1].params["realm"], "http://x/t");
        assert_eq!(c[1].params["error"], "insufficient_scope");

        for junk in [
            "",
            "=",
            "\"",
            "Bearer realm=\"unterminated",
            ",,,",
            "\u{1f600} x=y",
        ] {
            let _ = parse_challenges([junk]);
        }
    }

    #[test]
    fn registry_error_bodies() {
        let (codes, detail) = registry_errors(
            br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#,
        );
        assert_eq!(codes, ["MANIFEST_UNKNOWN"]);
        assert_eq!(detail, "MANIFEST_UNKNOWN (manifest unknown)");
        let (codes, detail) = registry_errors(&[b'x'; 5000]);
        assert!(codes.is_empty());
        assert!(detail.chars().count() <= 301, "{}", detail.len());
    }

    #[test]
    fn shareable_across_threads() {
        fn check<T: Send + Sync>() {}
        check::<Registry>();
        check::<Resolved>();
    }

    #[test]
    fn schemes() {
        let reg = Registry::new(RegistryOptions {
            insecure: vec!["my.lan:5000".into(), "http://other.lan/".into()],
            ..RegistryOptions::default()
        })
        .unwrap();
        assert_eq!(reg.scheme("localhost:5000"), "http");
        assert_eq!(reg.scheme("127.0.0.1:5000"), "http");
        assert_eq!(reg.scheme("[::1]:5000"), "http");
        assert_eq!(reg.scheme("my.lan:5000"), "http");
        assert_eq!(reg.scheme("my.lan:5001"), "https");
        assert_eq!(reg.scheme("other.lan:443"), "http");
        assert_eq!(reg.scheme("docker.io"), "https");
        assert_eq!(reg.scheme("ghcr.io"), "https");
    }

    #[test]
    fn sized_reader_enforces_length() {
        let mut ok = SizedReader {
            inner: &b"abcd"[..],
            expected: 4,
            seen: 0,
            what: "blob".into(),
        };
        let mut v = Vec::new();
        ok.read_to_end(&mut v).unwrap();
        assert_eq!(v, b"abcd");
        for (data, want) in [(&b"abcde"[..], "longer"), (&b"ab"[..], "ended after 2")] {
            let mut r = SizedReader {
                inner: data,
                expected: 4,
                seen: 0,
                what: "blob".into(),
            };
            let e = r.read_to_end(&mut Vec::new()).unwrap_err();
            assert!(e.to_string().contains(want), "{e}");
        }
    }
}
