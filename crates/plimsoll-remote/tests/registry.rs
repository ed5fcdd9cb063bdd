//! The registry client against real `docker-registry` processes (open,
//! htpasswd, token auth, S3 storage behind moto) holding images built with
//! umoci and pushed with skopeo.

mod common;

use base64::Engine as _;
use common::*;
use plimsoll_oci::{Digest, Platform, media};
use plimsoll_remote::{Reference, Registry, RegistryOptions, RemoteError, Resolved};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Options with a private (empty unless written) Docker config directory,
/// so no test reads the machine's own credentials.
fn options(config_dir: &Path) -> RegistryOptions {
    RegistryOptions {
        docker_config_dir: Some(config_dir.to_path_buf()),
        helper_path: Some(config_dir.join("no-helpers").into_os_string()),
        ..RegistryOptions::default()
    }
}

fn reference(s: &str) -> Reference {
    Reference::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn read_blob(reg: &Registry, r: &Reference, d: &plimsoll_oci::Descriptor) -> Vec<u8> {
    let mut out = Vec::new();
    reg.open_blob(r, d)
        .unwrap_or_else(|e| panic!("{e}"))
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The resolved image is self-consistent and its one layer streams the
/// bytes umoci wrote.
fn check_image(reg: &Registry, r: &Reference, res: &Resolved, layout: &Layout) {
    assert_eq!(sha256(&res.manifest_bytes), res.manifest_digest);
    assert_eq!(sha256(&res.config_bytes), res.manifest.config.digest);
    assert_eq!(res.manifest.layers.len(), 1);
    let layer = &res.manifest.layers[0];
    let bytes = read_blob(reg, r, layer);
    assert_eq!(bytes.len() as u64, layer.size);
    assert_eq!(sha256(&bytes), layer.digest);
    assert_eq!(
        bytes,
        layout.blob(&layer.digest),
        "the exact bytes umoci stored"
    );
}

fn status(e: &RemoteError) -> u16 {
    match e {
        RemoteError::Status { status, .. } => *status,
        other => panic!("not a status error: {other}"),
    }
}

#[test]
fn resolves_oci_manifests_by_tag_and_by_digest() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let registry = start_registry(work.path(), &work.path().join("root"), "");
    layout.push("amd64", &format!("{}/test/img:1", registry.host), &[]);
    let reg = Registry::new(options(work.path())).unwrap();

    let by_tag = reference(&format!("{}/test/img:1", registry.host));
    let res = reg.resolve(&by_tag).unwrap();
    assert_eq!(res.manifest_digest, layout.amd64.digest);
    assert_eq!(res.manifest_bytes, layout.blob(&layout.amd64.digest));
    assert_eq!(res.platform, Platform::parse("linux/amd64").unwrap());
    assert_eq!(res.index_digest, None);
    assert_eq!(
        res.manifest.config.media_type.as_deref(),
        Some(media::OCI_CONFIG)
    );
    check_image(&reg, &by_tag, &res, &layout);

    let by_digest = reference(&format!(
        "{}/test/img@{}",
        registry.host, layout.amd64.digest
    ));
    let res2 = reg.resolve(&by_digest).unwrap();
    assert_eq!(res2.manifest_digest, layout.amd64.digest);
    assert_eq!(res2.config_bytes, res.config_bytes);

    let both = reference(&format!(
        "{}/test/img:1@{}",
        registry.host, layout.amd64.digest
    ));
    assert_eq!(
        reg.resolve(&both).unwrap().manifest_digest,
        layout.amd64.digest
    );
}

#[test]
fn resolves_docker_schema2_manifests() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let registry = start_registry(work.path(), &work.path().join("root"), "");
    layout.push(
        "amd64",
        &format!("{}/test/docker:v2s2", registry.host),
        &["--format", "v2s2"],
    );
    let reg = Registry::new(options(work.path())).unwrap();
    let r = reference(&format!("{}/test/docker:v2s2", registry.host));
    let res = reg.resolve(&r).unwrap();
    assert_eq!(
        res.manifest.media_type.as_deref(),
        Some(media::DOCKER_MANIFEST)
    );
    assert_eq!(
        res.manifest.config.media_type.as_deref(),
        Some(media::DOCKER_CONFIG)
    );
    assert_ne!(
        res.manifest_digest, layout.amd64.digest,
        "skopeo rewrote the manifest"
    );
    check_image(&reg, &r, &res, &layout);
}

#[test]
fn selects_the_platform_from_an_index() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let registry = start_registry(work.path(), &work.path().join("root"), "");
    layout.push(
        "multi",
        &format!("{}/test/multi:1", registry.host),
        &["--all"],
    );
    let r = reference(&format!("{}/test/multi:1", registry.host));

    let reg = Registry::new(options(work.path())).unwrap();
    let res = reg.resolve(&r).unwrap();
    assert_eq!(
        res.manifest_digest, layout.amd64.digest,
        "amd64 is the default"
    );
    assert_eq!(res.index_digest.as_ref(), Some(&layout.index.digest));
    assert_eq!(res.platform.architecture, "amd64");
    check_image(&reg, &r, &res, &layout);

    let arm = Registry::new(RegistryOptions {
        platform: Platform::parse("linux/arm64").unwrap(),
        ..options(work.path())
    })
    .unwrap();
    let res = arm.resolve(&r).unwrap();
    assert_eq!(res.manifest_digest, layout.arm64.digest);
    assert_eq!(res.platform.architecture, "arm64");
    assert_eq!(res.index_digest.as_ref(), Some(&layout.index.digest));

    // By the index's digest, too.
    let pinned = reference(&format!(
        "{}/test/multi@{}",
        registry.host, layout.index.digest
    ));
    assert_eq!(
        arm.resolve(&pinned).unwrap().manifest_digest,
        layout.arm64.digest
    );

    let s390 = Registry::new(RegistryOptions {
        platform: Platform::parse("linux/s390x").unwrap(),
        ..options(work.path())
    })
    .unwrap();
    let e = s390.resolve(&r).unwrap_err();
    assert!(matches!(e, RemoteError::NoPlatform { .. }), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("linux/s390x")
            && m.contains("linux/amd64, linux/arm64/v8")
            && m.contains("test/multi:1"),
        "{m}"
    );
}

#[test]
fn registry_errors_name_the_image_status_and_code() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let registry = start_registry(work.path(), &work.path().join("root"), "");
    layout.push("amd64", &format!("{}/test/img:1", registry.host), &[]);
    let reg = Registry::new(options(work.path())).unwrap();

    let e = reg
        .resolve(&reference(&format!("{}/test/img:nope", registry.host)))
        .unwrap_err();
    assert_eq!(status(&e), 404);
    assert!(
        e.registry_codes().iter().any(|c| c == "MANIFEST_UNKNOWN"),
        "{e}"
    );
    let m = e.to_string();
    assert!(
        m.contains(&registry.host) && m.contains("test/img:nope") && m.contains("404"),
        "{m}"
    );

    let e = reg
        .resolve(&reference(&format!("{}/no/such:1", registry.host)))
        .unwrap_err();
    assert_eq!(status(&e), 404);
    // distribution 2.8 says MANIFEST_UNKNOWN here, newer ones NAME_UNKNOWN.
    assert!(
        e.registry_codes()
            .iter()
            .any(|c| c == "NAME_UNKNOWN" || c == "MANIFEST_UNKNOWN"),
        "{e}"
    );
    assert!(e.to_string().contains("no/such:1"), "{e}");

    let r = reference(&format!("{}/test/img:1", registry.host));
    let missing = plimsoll_oci::Descriptor {
        media_type: None,
        digest: sha256(b"not a blob"),
        size: 10,
        platform: None,
        annotations: Default::default(),
    };
    let e = reg.open_blob(&r, &missing).err().unwrap();
    assert_eq!(status(&e), 404);
    assert!(
        e.registry_codes().iter().any(|c| c == "BLOB_UNKNOWN"),
        "{e}"
    );
    assert!(e.to_string().contains(missing.digest.as_str()), "{e}");

    // Nothing listens there.
    let dead = reference(&format!("127.0.0.1:{}/test/img:1", free_port()));
    let e = reg.resolve(&dead).unwrap_err();
    assert!(matches!(e, RemoteError::Transport { .. }), "{e}");
}

#[test]
fn tampered_registry_storage_is_detected() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let registry = start_registry(work.path(), &work.path().join("root"), "");
    layout.push("amd64", &format!("{}/test/img:1", registry.host), &[]);
    let reg = Registry::new(options(work.path())).unwrap();
    let by_tag = reference(&format!("{}/test/img:1", registry.host));
    let by_digest = reference(&format!(
        "{}/test/img@{}",
        registry.host, layout.amd64.digest
    ));
    let res = reg.resolve(&by_tag).unwrap();

    // A layer one byte longer than its descriptor.
    let layer = res.manifest.layers[0].clone();
    let mut bytes = std::fs::read(registry.blob_path(&layer.digest)).unwrap();
    bytes.push(0);
    std::fs::write(registry.blob_path(&layer.digest), &bytes).unwrap();
    match reg.open_blob(&by_tag, &layer) {
        Err(RemoteError::SizeMismatch {
            expected, actual, ..
        }) => {
            assert_eq!((expected, actual), (layer.size, layer.size + 1))
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a longer blob was accepted"),
    }

    // Config bytes that are not what the digest names.
    let config = res.manifest.config.clone();
    let mut bytes = std::fs::read(registry.blob_path(&config.digest)).unwrap();
    let pos = bytes.iter().position(|&b| b == b'4').unwrap();
    bytes[pos] = b'5';
    std::fs::write(registry.blob_path(&config.digest), &bytes).unwrap();
    let e = reg.resolve(&by_tag).unwrap_err();
    assert!(matches!(e, RemoteError::DigestMismatch { .. }), "{e}");
    assert!(
        e.to_string().contains(&format!("config {}", config.digest)),
        "{e}"
    );

    // A manifest with an extra byte, served by digest and by tag.
    let path = registry.blob_path(&layout.amd64.digest);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(b'\n');
    std::fs::write(&path, &bytes).unwrap();
    for r in [&by_digest, &by_tag] {
        match reg.resolve(r) {
            Err(RemoteError::DigestMismatch {
                expected,
                actual,
                what,
            }) => {
                assert_eq!(expected, layout.amd64.digest, "{what}");
                assert_eq!(actual, sha256(&bytes));
                assert!(what.contains("test/img"), "{what}");
            }
            Err(e) => panic!("{r}: {e}"),
            Ok(_) => panic!("{r}: a tampered manifest was accepted"),
        }
    }
}

fn htpasswd_line(user: &str, password: &str) -> String {
    format!("{user}:{}\n", bcrypt::hash(password, 5).unwrap())
}

fn write_config(dir: &Path, json: &serde_json::Value) {
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_vec_pretty(json).unwrap(),
    )
    .unwrap();
}

#[test]
fn basic_auth_from_docker_config_and_credential_helpers() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let root = work.path().join("root");
    let open = start_registry(work.path(), &root, "");
    layout.push("amd64", &format!("{}/test/img:1", open.host), &[]);
    let htpasswd = work.path().join("htpasswd");
    std::fs::write(&htpasswd, htpasswd_line("alice", "s3cret:with:colons")).unwrap();
    let auth = format!(
        "auth:\n  htpasswd:\n    realm: plimsoll-test\n    path: {}\n",
        htpasswd.display()
    );
    let locked = start_registry(work.path(), &root, &auth);
    let r = reference(&format!("{}/test/img:1", locked.host));

    // Anonymous: refused, with the registry's code and a hint.
    let anon = tempfile::tempdir().unwrap();
    let e = Registry::new(options(anon.path()))
        .unwrap()
        .resolve(&r)
        .unwrap_err();
    assert_eq!(status(&e), 401);
    assert!(
        e.registry_codes().iter().any(|c| c == "UNAUTHORIZED"),
        "{e}"
    );
    let m = e.to_string();
    assert!(
        m.contains(&locked.host) && m.contains("no credentials") && m.contains("docker login"),
        "{m}"
    );

    // `auth` (base64) keyed by host.
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &serde_json::json!({"auths": {locked.host.clone(): {"auth": b64.encode("alice:s3cret:with:colons")}}}),
    );
    let reg = Registry::new(options(dir.path())).unwrap();
    let res = reg.resolve(&r).unwrap();
    assert_eq!(res.manifest_digest, layout.amd64.digest);
    check_image(&reg, &r, &res, &layout);

    // `username`/`password` keyed by URL.
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &serde_json::json!({"auths": {format!("http://{}/", locked.host): {"username": "alice", "password": "s3cret:with:colons"}}}),
    );
    let reg = Registry::new(options(dir.path())).unwrap();
    assert_eq!(
        reg.resolve(&r).unwrap().manifest_digest,
        layout.amd64.digest
    );

    // Wrong password: refused, saying whose credentials.
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &serde_json::json!({"auths": {locked.host.clone(): {"auth": b64.encode("alice:wrong")}}}),
    );
    let e = Registry::new(options(dir.path()))
        .unwrap()
        .resolve(&r)
        .unwrap_err();
    assert_eq!(status(&e), 401);
    assert!(
        e.to_string().contains("were refused") && e.to_string().contains("config.json"),
        "{e}"
    );

    // A credential helper, found through the helper path.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let asked = dir.path().join("asked");
    let helper = bin.join("docker-credential-test");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\ncat > '{}'\n\
             printf '%s' '{{\"ServerURL\":\"x\",\"Username\":\"alice\",\"Secret\":\"s3cret:with:colons\"}}'\n",
            asked.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    write_config(
        dir.path(),
        &serde_json::json!({"credHelpers": {locked.host.clone(): "test"}, "auths": {locked.host.clone(): {}}}),
    );
    let reg = Registry::new(RegistryOptions {
        helper_path: Some(bin.clone().into_os_string()),
        ..options(dir.path())
    })
    .unwrap();
    let res = reg.resolve(&r).unwrap();
    check_image(&reg, &r, &res, &layout);
    assert_eq!(
        std::fs::read_to_string(&asked).unwrap(),
        locked.host,
        "the helper got the server URL on stdin"
    );

    // `credsStore` naming a helper that is not installed.
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &serde_json::json!({"credsStore": "nothere"}));
    let e = Registry::new(RegistryOptions {
        helper_path: Some(bin.into_os_string()),
        ..options(dir.path())
    })
    .unwrap()
    .resolve(&r)
    .unwrap_err();
    assert!(matches!(e, RemoteError::HelperMissing { .. }), "{e}");
    assert!(
        e.to_string().contains("docker-credential-nothere") && e.to_string().contains(&locked.host),
        "{e}"
    );
}

/// What the token service saw.
#[derive(Debug, Clone)]
struct TokenRequest {
    method: String,
    query: HashMap<String, String>,
    form: HashMap<String, String>,
    authorization: Option<String>,
}

/// A token service for the registry's `auth: token` block: it checks
/// Basic credentials (alice gets `token`, bob `access_token`) or an OAuth2
/// refresh token, and issues a JWT signed with the key whose certificate
/// the registry trusts.
struct TokenServer {
    port: u16,
    seen: Arc<Mutex<Vec<TokenRequest>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn parse_pairs(s: &str) -> HashMap<String, String> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn start_token_server(jwt: String) -> TokenServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (seen2, stop2) = (seen.clone(), stop.clone());
    let b64 = base64::engine::general_purpose::STANDARD;
    let alice = format!("Basic {}", b64.encode("alice:pw-a"));
    let bob = format!("Basic {}", b64.encode("bob:pw-b"));
    let thread = std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop2.load(Ordering::SeqCst) {
                return;
            }
            let Ok(mut conn) = conn else { continue };
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or("").to_string();
            let target = parts.next().unwrap_or("").to_string();
            let mut authorization = None;
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap_or((&h, ""));
                match k.trim().to_ascii_lowercase().as_str() {
                    "authorization" => authorization = Some(v.trim().to_string()),
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut body = vec![0u8; length];
            let _ = r.read_exact(&mut body);
            let query = parse_pairs(target.split_once('?').map(|(_, q)| q).unwrap_or(""));
            let form = parse_pairs(&String::from_utf8_lossy(&body));
            let (status, answer) = if method == "POST"
                && form.get("grant_type").map(String::as_str) == Some("refresh_token")
                && form.get("refresh_token").map(String::as_str) == Some("refresh-xyz")
            {
                ("200 OK", serde_json::json!({"access_token": jwt}))
            } else if method == "GET" && authorization.as_deref() == Some(alice.as_str()) {
                (
                    "200 OK",
                    serde_json::json!({"token": jwt, "expires_in": 300}),
                )
            } else if method == "GET" && authorization.as_deref() == Some(bob.as_str()) {
                ("200 OK", serde_json::json!({"access_token": jwt}))
            } else {
                (
                    "401 Unauthorized",
                    serde_json::json!({"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}),
                )
            };
            seen2.lock().unwrap().push(TokenRequest {
                method,
                query,
                form,
                authorization,
            });
            let body = answer.to_string();
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    TokenServer {
        port,
        seen,
        stop,
        thread: Some(thread),
    }
}

/// A JWT the registry accepts: RS256 over a certificate in its trusted
/// bundle (the `x5c` chain), signed with `openssl dgst`.
fn make_jwt(work: &Path, key: &Path, cert: &Path, repository: &str) -> String {
    let der = work.join("token.der");
    run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(cert)
        .arg("-out")
        .arg(&der));
    let std64 = base64::engine::general_purpose::STANDARD;
    let url64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = serde_json::json!({"typ": "JWT", "alg": "RS256", "x5c": [std64.encode(std::fs::read(&der).unwrap())]});
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({
        "iss": "plimsoll-test-issuer", "sub": "alice", "aud": "plimsoll-test-registry",
        "exp": now + 3600, "nbf": now - 60, "iat": now, "jti": "1",
        "access": [{"type": "repository", "name": repository, "actions": ["pull"]}]
    });
    let signing_input = format!(
        "{}.{}",
        url64.encode(header.to_string()),
        url64.encode(claims.to_string())
    );
    let input = work.join("token.input");
    std::fs::write(&input, &signing_input).unwrap();
    let sig = work.join("token.sig");
    run(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .arg("-out")
        .arg(&sig)
        .arg(&input));
    format!(
        "{signing_input}.{}",
        url64.encode(std::fs::read(&sig).unwrap())
    )
}

#[test]
fn bearer_tokens_from_the_challenge_realm() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());
    let root = work.path().join("root");
    let open = start_registry(work.path(), &root, "");
    layout.push("amd64", &format!("{}/test/img:1", open.host), &[]);

    let key = work.path().join("token.key");
    let cert = work.path().join("token.crt");
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=plimsoll-test-token",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    let tokens = start_token_server(make_jwt(work.path(), &key, &cert, "test/img"));
    let auth = format!(
        "auth:\n  token:\n    realm: http://127.0.0.1:{}/token\n    service: plimsoll-test-registry\n    issuer: plimsoll-test-issuer\n    rootcertbundle: {}\n",
        tokens.port,
        cert.display()
    );
    let locked = start_registry(work.path(), &root, &auth);
    let r = reference(&format!("{}/test/img:1", locked.host));

    for (user, password) in [("alice", "pw-a"), ("bob", "pw-b")] {
        tokens.seen.lock().unwrap().clear();
        let dir = tempfile::tempdir().unwrap();
        write_config(
            dir.path(),
            &serde_json::json!({"auths": {locked.host.clone(): {"username": user, "password": password}}}),
        );
        let reg = Registry::new(options(dir.path())).unwrap();
        let res = reg.resolve(&r).unwrap();
        assert_eq!(res.manifest_digest, layout.amd64.digest);
        check_image(&reg, &r, &res, &layout);
        let seen = tokens.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "one token for the session: {seen:?}");
        let t = &seen[0];
        assert_eq!(t.method, "GET");
        assert_eq!(
            t.query.get("scope").map(String::as_str),
            Some("repository:test/img:pull")
        );
        assert_eq!(
            t.query.get("service").map(String::as_str),
            Some("plimsoll-test-registry")
        );
        assert_eq!(t.query.get("account").map(String::as_str), Some(user));
        assert!(
            t.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Basic "))
        );
    }

    // An identity token is exchanged as an OAuth2 refresh token.
    tokens.seen.lock().unwrap().clear();
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &serde_json::json!({"auths": {locked.host.clone(): {"identitytoken": "refresh-xyz"}}}),
    );
    let reg = Registry::new(options(dir.path())).unwrap();
    assert_eq!(
        reg.resolve(&r).unwrap().manifest_digest,
        layout.amd64.digest
    );
    let seen = tokens.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "POST");
    assert_eq!(
        seen[0].form.get("scope").map(String::as_str),
        Some("repository:test/img:pull")
    );
    assert_eq!(
        seen[0].form.get("service").map(String::as_str),
        Some("plimsoll-test-registry")
    );

    // Anonymous: the token service refuses, and the error says where.
    let anon = tempfile::tempdir().unwrap();
    let e = Registry::new(options(anon.path()))
        .unwrap()
        .resolve(&r)
        .unwrap_err();
    assert!(matches!(e, RemoteError::Token { .. }), "{e}");
    let m = e.to_string();
    assert!(
        m.contains(&locked.host)
            && m.contains(&format!("127.0.0.1:{}/token", tokens.port))
            && m.contains("401")
            && m.contains("UNAUTHORIZED"),
        "{m}"
    );

    // A token for another repository is refused by the registry itself.
    let other = reference(&format!("{}/test/other:1", locked.host));
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &serde_json::json!({"auths": {locked.host.clone(): {"username": "alice", "password": "pw-a"}}}),
    );
    let e = Registry::new(options(dir.path()))
        .unwrap()
        .resolve(&other)
        .unwrap_err();
    assert_eq!(status(&e), 401, "{e}");
    assert!(e.to_string().contains("were refused"), "{e}");
}

#[test]
fn follows_blob_redirects_to_object_storage() {
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(work.path());

    let s3_port = free_port();
    let mut moto = Proc::spawn(
        "moto_server",
        Command::new(moto_server()).args(["-H", "127.0.0.1", "-p", &s3_port.to_string()]),
        &work.path().join("moto.log"),
    );
    wait_http(&mut moto, s3_port, "/");
    let created = ureq::put(&format!("http://127.0.0.1:{s3_port}/plimsoll-registry"))
        .send_empty()
        .unwrap();
    assert_eq!(created.status().as_u16(), 200);

    let storage = format!(
        "storage:\n  s3:\n    accesskey: test\n    secretkey: test\n    region: us-east-1\n    \
         regionendpoint: http://127.0.0.1:{s3_port}\n    bucket: plimsoll-registry\n    secure: false\n    v4auth: true\n"
    );
    // The registry's AWS SDK rejects a custom CA bundle with its transport.
    let registry = start_registry_with(
        work.path(),
        &work.path().join("unused"),
        &storage,
        "",
        &["AWS_CA_BUNDLE"],
    );
    layout.push("amd64", &format!("{}/test/s3:1", registry.host), &[]);
    let r = reference(&format!("{}/test/s3:1", registry.host));

    // The registry really redirects blob GETs to S3.
    let layer_digest: Digest = {
        let m: serde_json::Value =
            serde_json::from_slice(&layout.blob(&layout.amd64.digest)).unwrap();
        Digest::parse(m["layers"][0]["digest"].as_str().unwrap()).unwrap()
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let raw = agent
        .get(&format!(
            "http://{}/v2/test/s3/blobs/{layer_digest}",
            registry.host
        ))
        .call()
        .unwrap();
    assert_eq!(raw.status().as_u16(), 307);
    let location = raw
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with(&format!("http://127.0.0.1:{s3_port}/plimsoll-registry/")),
        "{location}"
    );

    let reg = Registry::new(options(work.path())).unwrap();
    let res = reg.resolve(&r).unwrap();
    assert_eq!(res.manifest_digest, layout.amd64.digest);
    check_image(&reg, &r, &res, &layout);
}
