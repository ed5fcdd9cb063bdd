//! `plimsoll k8s`: real manifests (the shared corpus), bad input, and the
//! cross-checks against real images built by `scripts/image-fixtures.sh`
//! (`PLIMSOLL_FIXTURES_DIR`, set by `scripts/test.sh`; without it the image
//! tests fail, they never skip).

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    c.env_remove("NO_COLOR")
        .current_dir(dir)
        .arg("k8s")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("plimsoll runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    run_in(dir.path(), args, None)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

/// (code, line) of every finding.
fn hits(v: &Value) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

const CLEAN: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: api
          image: registry.example.com/team/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          resources:
            requests: {cpu: 200m, memory: 512Mi}
            limits: {cpu: 800m, memory: 1536Mi}
";

#[test]
fn the_whole_corpus_loads_without_error_or_panic() {
    let base = std::env::var_os("PLIMSOLL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let corpus = std::fs::canonicalize(base.join("k8s")).expect("the shared corpus has k8s/");
    let o = run(&[corpus.to_str().unwrap(), "--format", "json", "--no-fail"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("internal error"), "{}", stderr(&o));
    let v = json(&o);
    assert!(
        v["summary"]["files"].as_u64().unwrap() >= 2400,
        "{}",
        v["summary"]
    );
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() > 1000, "the corpus has real findings");
    for f in findings {
        assert!(f["line"].as_u64().unwrap() >= 1, "{f}");
        assert!(f["column"].as_u64().unwrap() >= 1, "{f}");
        assert_eq!(f["category"], "kubernetes", "{f}");
    }
}

#[test]
fn positions_point_at_the_offending_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: app:1\n";
    write(dir.path(), "m/pod.yaml", text);
    let o = run_in(
        dir.path(),
        &["m", "--format", "json", "--select", "PK001"],
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(hits(&v), [("PK001".to_string(), 10)]);
    let f = &v["findings"][0];
    assert_eq!(
        (f["column"].as_u64(), f["end_column"].as_u64()),
        (Some(13), Some(16))
    );
    assert_eq!(f["file"], "m/pod.yaml");
}

#[test]
fn stdin_lists_json_and_clean_input() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_in(
        dir.path(),
        &["-", "--select", "PK001", "--format", "json"],
        Some(CLEAN),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(hits(&json(&o)).is_empty());
    let list = r#"{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
  "spec": {"containers": [{"name": "a", "image": "a:1"}]}}]}"#;
    let o = run_in(
        dir.path(),
        &["-", "--select", "PK001", "--format", "json"],
        Some(list),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(hits(&json(&o)), [("PK001".to_string(), 3)]);
}

#[test]
fn ignore_annotations_switch_rules_off() {
    let dir = tempfile::tempdir().unwrap();
    let pod = |ann: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    {ann}\nspec:\n  containers:\n    - name: a\n      image: a:1\n"
        )
    };
    for ann in [
        "plimsoll.dev/ignore: \"PK001\"",
        "ignore-check.kube-linter.io/unset-memory-requirements: \"measured elsewhere\"",
        "kube-score/ignore: container-resources",
    ] {
        let o = run_in(
            dir.path(),
            &["-", "--select", "PK001", "--format", "json"],
            Some(&pod(ann)),
        );
        assert_eq!(code(&o), 0, "{ann}: {}", stderr(&o));
    }
    let o = run_in(
        dir.path(),
        &["-", "--select", "PK001", "--format", "json"],
        Some(&pod("plimsoll.dev/ignore: \"PK002\"")),
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn bad_input_is_exit_2_with_a_position_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "broken.yaml",
            "kind: Pod\nspec:\n  containers: [\n".into(),
            "broken.yaml:",
        ),
        ("bomb.yaml", bomb, "alias"),
        ("deep.yaml", "[".repeat(200_000), "deep.yaml:"),
        (
            "tpl.yaml",
            "kind: Pod\nspec: {{ .Values.spec }\n".into(),
            "Helm",
        ),
        ("bin.yaml", "kind: Pod\0".into(), "binary"),
    ];
    for (name, text, want) in cases {
        write(dir.path(), name, &text);
        let o = run_in(dir.path(), &[name], None);
        assert_eq!(code(&o), 2, "{name}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(want) && !e.contains("internal error"),
            "{name}: {e}"
        );
    }
    let o = run_in(dir.path(), &["missing.yaml"], None);
    assert_eq!(code(&o), 2);
    write(dir.path(), "big.yaml", &"# padding\n".repeat(2000));
    let o = run_in(dir.path(), &["big.yaml", "--max-file-bytes", "1000"], None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("larger than 1000 bytes"),
        "{}",
        stderr(&o)
    );
    // A bad file does not hide the others' findings.
    write(
        dir.path(),
        "ok/pod.yaml",
        "kind: Pod\nspec:\n  containers: [{name: a, image: a}]\n",
    );
    write(dir.path(), "ok/bad.yaml", "a: [\n");
    let o = run_in(
        dir.path(),
        &["ok", "--format", "json", "--select", "PK001"],
        None,
    );
    assert_eq!(code(&o), 2);
    assert_eq!(hits(&json(&o)).len(), 1);
}

#[test]
fn settings_come_from_plimsoll_toml_and_bad_settings_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "plimsoll.toml",
        "[k8s]\nmax-limit-request-ratio = 2.5\nunknown_key = 1\n",
    );
    write(dir.path(), "d.yaml", CLEAN);
    let o = run_in(dir.path(), &["d.yaml"], None);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("unknown_key"), "{}", stderr(&o));
}

// ------------------------------------------------------------ cross-checks

fn fixtures() -> PathBuf {
    let d = std::env::var_os("PLIMSOLL_FIXTURES_DIR").map(PathBuf::from).expect(
        "PLIMSOLL_FIXTURES_DIR is not set: run the suite with scripts/test.sh, which builds the image fixtures",
    );
    assert!(
        d.join("fixtures.json").is_file(),
        "{} has no fixtures.json",
        d.display()
    );
    d
}

fn archive(name: &str) -> String {
    format!(
        "docker-archive:{}",
        fixtures().join(format!("{name}.docker.tar")).display()
    )
}

fn cross(image: &str, manifest: &str) -> Vec<(String, u64)> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", manifest);
    let o = run_in(
        dir.path(),
        &[
            "deploy.yaml",
            "--image",
            image,
            "--select",
            "PX",
            "--format",
            "json",
            "--no-fail",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["category"], "cross", "{f}");
    }
    hits(&v)
}

fn pod(security: &str, container: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  securityContext: {{{security}}}\n  containers:\n    - name: app\n      image: plimsoll-fixture/app:1\n{container}"
    )
}

#[test]
fn cross_root_image_under_run_as_non_root_is_refused() {
    // bloated-go has no USER: it runs as root.
    let h = cross(&archive("bloated-go"), &pod("runAsNonRoot: true", ""));
    assert!(h.contains(&("PX001".into(), 5)), "{h:?}");
    let h = cross(
        &archive("bloated-go"),
        &pod("runAsNonRoot: true, runAsUser: 1000", ""),
    );
    assert!(!h.iter().any(|(c, _)| c == "PX001"), "{h:?}");
    // static-go-scratch says USER 65532: numeric, non-root.
    let h = cross(
        &archive("static-go-scratch"),
        &pod("runAsNonRoot: true", ""),
    );
    assert!(!h.iter().any(|(c, _)| c == "PX001"), "{h:?}");
}

#[test]
fn cross_tmp_command_and_entrypoint_on_real_images() {
    // scratch: no /tmp and no shell.
    let h = cross(
        &archive("static-go-scratch"),
        &pod("", "      command: [/bin/sh, -c, 'exec /app/server']\n"),
    );
    assert!(h.contains(&("PX002".into(), 7)), "{h:?}");
    assert!(h.contains(&("PX005".into(), 9)), "{h:?}");
    // An emptyDir at /tmp and the image's own program: clean.
    let h = cross(
        &archive("static-go-scratch"),
        &pod(
            "",
            "      command: [/app/server]\n      volumeMounts: [{name: tmp, mountPath: /tmp}]\n  volumes: [{name: tmp, emptyDir: {}}]\n",
        ),
    );
    assert!(h.is_empty(), "{h:?}");
    // Debian has /bin/sh and a 1777 /tmp, unless the root is read-only.
    let h = cross(
        &archive("bloated-go"),
        &pod("", "      command: [sh, -c, 'exec /app/server']\n"),
    );
    assert!(h.is_empty(), "{h:?}");
    let h = cross(
        &archive("bloated-go"),
        &pod(
            "",
            "      securityContext: {readOnlyRootFilesystem: true}\n",
        ),
    );
    assert_eq!(h, [("PX002".to_string(), 7)]);
    // The glibc cgo binary on scratch: its entrypoint will not start.
    let h = cross(&archive("cgo-go-scratch"), &pod("", ""));
    assert!(h.contains(&("PX004".into(), 7)), "{h:?}");
}

#[test]
fn incidents_from_plimsoll_toml_travel_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "plimsoll.toml",
        "[incidents]\nPK001 = \"https://tickets.example.com/OPS-17\"\n",
    );
    write(
        dir.path(),
        "p.yaml",
        "kind: Pod\nspec:\n  containers: [{name: a, image: a}]\n",
    );
    for format in [
        "json",
        "sarif",
        "junit",
        "checkstyle",
        "gitlab",
        "github",
        "tty",
        "html",
    ] {
        let o = run_in(
            dir.path(),
            &["p.yaml", "--select", "PK001", "--format", format],
            None,
        );
        assert_eq!(code(&o), 1, "{format}: {}", stderr(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("OPS-17"), "{format}: {out}");
    }
}

#[test]
fn the_resource_table_and_classes_from_plimsoll_toml_apply() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "plimsoll.toml",
        "[k8s]\ntrusted-registries = [\"registry.example.com\"]\n\n[k8s.workloads.api]\nrequests = { cpu = \"200m\", memory = \"512Mi\" }\nlimits = { cpu = \"800m\", memory = \"1536Mi\" }\n",
    );
    write(dir.path(), "d.yaml", CLEAN);
    // CLEAN matches the table and the trusted registry.
    let o = run_in(
        dir.path(),
        &["d.yaml", "--select", "PK008,PK042", "--format", "json"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(hits(&json(&o)).is_empty());
    let drifted = CLEAN
        .replace("memory: 1536Mi", "memory: 1Gi")
        .replace("registry.example.com", "docker.io");
    write(dir.path(), "d.yaml", &drifted);
    let o = run_in(
        dir.path(),
        &["d.yaml", "--select", "PK008,PK042", "--format", "json"],
        None,
    );
    let got: Vec<String> = hits(&json(&o)).into_iter().map(|(c, _)| c).collect();
    assert!(
        got.contains(&"PK008".into()) && got.contains(&"PK042".into()),
        "{got:?}"
    );
    // Production classes need digests: CLEAN has one, a tag does not do.
    let tagged = CLEAN.replace(
        "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ":1.4.2",
    );
    write(dir.path(), "d.yaml", &tagged);
    let o = run_in(
        dir.path(),
        &[
            "d.yaml",
            "--select",
            "PK041",
            "--class",
            "production",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let o = run_in(
        dir.path(),
        &[
            "d.yaml", "--select", "PK041", "--class", "dev", "--format", "json",
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
