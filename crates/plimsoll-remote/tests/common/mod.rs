//! Real components for the integration tests: `docker-registry` processes,
//! OCI layouts built with `umoci`, pushes with `skopeo`, a `moto_server` S3
//! API, a `podman system service`. Every process is killed when its guard
//! drops. A missing tool fails the test (scripts/test.sh installs them).

#![allow(dead_code)]

use plimsoll_oci::Digest;
use sha2::Digest as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Startup allowance for a process to answer; a deadline for a wait loop,
/// not a timing assertion.
const STARTUP: Duration = Duration::from_secs(60);

pub fn sha256(bytes: &[u8]) -> Digest {
    let out = sha2::Sha256::digest(bytes);
    let mut raw = [0u8; 32];
    raw.copy_from_slice(out.as_slice());
    Digest::from_sha256(&raw)
}

/// Runs a tool to completion; panics with its output when it fails or is
/// missing.
pub fn run(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("cannot run {shown}: {e} (is the tool installed? see scripts/test.sh)")
    });
    assert!(
        out.status.success(),
        "{shown} failed with {}:\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A child process killed (and reaped) on drop.
pub struct Proc {
    child: Child,
    pub name: String,
    pub log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Proc {
        let out = std::fs::File::create(log).expect("create log");
        let err = out.try_clone().expect("clone log");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {name} ({cmd:?}): {e} (is it installed? see scripts/test.sh)")
            });
        Proc {
            child,
            name: name.to_string(),
            log: log.to_path_buf(),
        }
    }

    /// Panics with the log when the process has exited.
    pub fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited with {status}:\n{}",
                self.name,
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits until `GET path` on the port answers any HTTP status.
pub fn wait_http(p: &mut Proc, port: u16, path: &str) {
    let deadline = Instant::now() + STARTUP;
    loop {
        p.check_alive();
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let req =
                format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let mut buf = [0u8; 12];
            if s.write_all(req.as_bytes()).is_ok()
                && s.read_exact(&mut buf).is_ok()
                && buf.starts_with(b"HTTP/1.")
            {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} did not answer on port {port}",
            p.name
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `docker-registry serve` process.
pub struct TestRegistry {
    pub host: String,
    pub port: u16,
    pub root: PathBuf,
    proc: Proc,
}

/// Starts a registry storing under `root` (a filesystem root, shared by
/// registries started on the same root) with an optional `auth:` block
/// (YAML, indented two spaces) or a whole `storage:` block.
pub fn start_registry(work: &Path, root: &Path, auth: &str) -> TestRegistry {
    let storage = format!(
        "storage:\n  filesystem:\n    rootdirectory: {}\n",
        root.display()
    );
    start_registry_with(work, root, &storage, auth, &[])
}

pub fn start_registry_with(
    work: &Path,
    root: &Path,
    storage: &str,
    auth: &str,
    env_remove: &[&str],
) -> TestRegistry {
    let port = free_port();
    let tag = format!("registry-{port}");
    let config = work.join(format!("{tag}.yml"));
    let yaml = format!(
        "version: 0.1\nlog:\n  level: info\n{storage}http:\n  addr: 127.0.0.1:{port}\n{auth}"
    );
    std::fs::write(&config, yaml).expect("write registry config");
    let mut cmd = Command::new("docker-registry");
    cmd.arg("serve").arg(&config);
    for v in env_remove {
        cmd.env_remove(v);
    }
    let mut proc = Proc::spawn(
        "docker-registry",
        &mut cmd,
        &work.join(format!("{tag}.log")),
    );
    wait_http(&mut proc, port, "/v2/");
    TestRegistry {
        host: format!("127.0.0.1:{port}"),
        port,
        root: root.to_path_buf(),
        proc,
    }
}

impl TestRegistry {
    /// Where the registry keeps a blob's bytes.
    pub fn blob_path(&self, d: &Digest) -> PathBuf {
        self.root
            .join("docker/registry/v2/blobs/sha256")
            .join(&d.hex()[..2])
            .join(d.hex())
            .join("data")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.proc.log).unwrap_or_default()
    }
}

/// One manifest in the test layout.
#[derive(Debug, Clone)]
pub struct Entry {
    pub digest: Digest,
    pub size: u64,
}

/// An OCI layout with tags `amd64`, `arm64` (same layer, different config)
/// and `multi` (an index of both).
pub struct Layout {
    pub path: PathBuf,
    pub amd64: Entry,
    pub arm64: Entry,
    pub index: Entry,
    /// The bytes put into the image's one file.
    pub payload: Vec<u8>,
}

/// Deterministic incompressible bytes.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn layout_entry(layout: &Path, tag: &str) -> Entry {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let d = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("tag {tag} not in the layout"));
    Entry {
        digest: Digest::parse(d["digest"].as_str().unwrap()).unwrap(),
        size: d["size"].as_u64().unwrap(),
    }
}

pub fn build_layout(work: &Path) -> Layout {
    let path = work.join("layout");
    let image = |tag: &str| format!("{}:{tag}", path.display());
    run(Command::new("umoci").args(["init", "--layout"]).arg(&path));
    run(Command::new("umoci").args(["new", "--image", &image("amd64")]));
    // 1 MiB of noise: a layer larger than any single read buffer.
    let payload = noise(1 << 20, 0x9e37_79b9_7f4a_7c15);
    let file = work.join("payload.bin");
    std::fs::write(&file, &payload).unwrap();
    run(Command::new("umoci")
        .args(["insert", "--image", &image("amd64")])
        .arg(&file)
        .arg("/data/payload.bin"));
    run(Command::new("umoci").args([
        "config",
        "--image",
        &image("amd64"),
        "--config.entrypoint",
        "/data/payload.bin",
    ]));
    run(Command::new("umoci").args([
        "config",
        "--image",
        &image("amd64"),
        "--architecture",
        "arm64",
        "--tag",
        "arm64",
    ]));
    let amd64 = layout_entry(&path, "amd64");
    let arm64 = layout_entry(&path, "arm64");
    // An index of both, written by hand into the layout as tag `multi`.
    let index_doc = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd64.digest.as_str(),
             "size": amd64.size, "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": arm64.digest.as_str(),
             "size": arm64.size, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
        ]
    });
    let bytes = serde_json::to_vec(&index_doc).unwrap();
    let digest = sha256(&bytes);
    std::fs::write(path.join("blobs/sha256").join(digest.hex()), &bytes).unwrap();
    let mut top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path.join("index.json")).unwrap()).unwrap();
    top["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": digest.as_str(),
            "size": bytes.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi"}
        }));
    std::fs::write(path.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    Layout {
        path,
        amd64,
        arm64,
        index: Entry {
            digest,
            size: bytes.len() as u64,
        },
        payload,
    }
}

impl Layout {
    pub fn image(&self, tag: &str) -> String {
        format!("oci:{}:{tag}", self.path.display())
    }

    pub fn blob(&self, d: &Digest) -> Vec<u8> {
        std::fs::read(self.path.join("blobs/sha256").join(d.hex())).unwrap()
    }

    /// `skopeo copy` of a tag to `docker://HOST/REPO`, with extra flags.
    pub fn push(&self, tag: &str, dest: &str, flags: &[&str]) {
        run(Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .args(flags)
            .arg(self.image(tag))
            .arg(format!("docker://{dest}")));
    }
}

/// A `moto_server` S3 API: `$PLIMSOLL_MOTO_SERVER`, else the project venv's
/// `moto_server`, else `moto_server` on PATH.
pub fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("PLIMSOLL_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let venv = std::env::var_os("PLIMSOLL_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/plimsoll-venv"))
        });
    if let Some(v) = venv {
        let p = v.join("bin/moto_server");
        if p.exists() {
            return p;
        }
    }
    PathBuf::from("moto_server")
}
