//! The `plimsoll` binary end to end: exit codes, inputs, formats, config.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    c.env_remove("NO_COLOR")
        .env("XDG_CONFIG_HOME", "/nonexistent-plimsoll-test");
    c
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

const BAD: &str = "FROM debian\nRUN apt-get update && apt-get install -y curl\n";
const CLEAN: &str = "FROM debian:12@sha256:0000000000000000000000000000000000000000000000000000000000000000\nUSER 1000\nCMD [\"true\"]\n";

#[test]
fn exit_codes_clean_findings_and_threshold() {
    let o = run_stdin(&["lint", "-", "--format", "json"], CLEAN.as_bytes());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["findings"].as_array().unwrap().len(), 0);

    let o = run_stdin(&["lint", "-", "--format", "json"], BAD.as_bytes());
    assert_eq!(code(&o), 1);
    let j = json(&o);
    let codes: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"DL3006"), "{codes:?}");

    // Only errors fail: DL3006 is a warning.
    let o = run_stdin(
        &[
            "lint",
            "-",
            "--select",
            "DL3006",
            "--failure-threshold",
            "error",
        ],
        BAD.as_bytes(),
    );
    assert_eq!(code(&o), 0);
    let o = run_stdin(&["lint", "-", "--no-fail"], BAD.as_bytes());
    assert_eq!(code(&o), 0);
    let o = run_stdin(
        &[
            "lint",
            "-",
            "--select",
            "DL3006",
            "--severity",
            "DL3006=error",
            "-t",
            "error",
            "-f",
            "json",
        ],
        BAD.as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)["findings"][0]["severity"], "error");
}

#[test]
fn json_contract() {
    let o = run_stdin(
        &["lint", "-", "--format", "json", "--select", "DL3006"],
        BAD.as_bytes(),
    );
    let j = json(&o);
    assert_eq!(j["version"], 1);
    let f = &j["findings"][0];
    for k in [
        "code",
        "severity",
        "category",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "fix",
    ] {
        assert!(f.get(k).is_some(), "finding lacks {k}: {f}");
    }
    assert_eq!(f["file"], "-");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(6))
    );
    assert_eq!(f["end_column"].as_u64(), Some(12));
    let s = &j["summary"];
    assert_eq!(
        (s["warnings"].as_u64(), s["files"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn usage_and_input_errors_exit_2_with_clear_messages() {
    let d = tempfile::tempdir().unwrap();
    // unknown flag / format / rule / severity
    assert_eq!(code(&run(&["lint", "--bogus"], d.path())), 2);
    let o = run(&["lint", "--format", "yaml", "x"], d.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("unknown format"), "{}", stderr(&o));
    assert_eq!(code(&run(&["lint", "--select", "XX9", "-"], d.path())), 2);
    assert_eq!(code(&run(&["rule", "DL9999"], d.path())), 2);
    // missing file
    let o = run(&["lint", "nope/Dockerfile"], d.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nope/Dockerfile"));
    // binary garbage, bad UTF-8, directory without Dockerfiles
    std::fs::write(
        d.path().join("bin.Dockerfile"),
        b"\x7fELF\x02\x01\x00\x00garbage",
    )
    .unwrap();
    let o = run(&["lint", "bin.Dockerfile"], d.path());
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("bin.Dockerfile") && stderr(&o).contains("binary"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        d.path().join("latin1.Dockerfile"),
        b"FROM a:1\nLABEL x=\xe9\n",
    )
    .unwrap();
    let o = run(&["lint", "latin1.Dockerfile"], d.path());
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("UTF-8") && stderr(&o).contains("line 2"),
        "{}",
        stderr(&o)
    );
    std::fs::create_dir(d.path().join("empty")).unwrap();
    assert_eq!(code(&run(&["lint", "empty"], d.path())), 2);
    // never a panic or backtrace
    {
        let o = run(&["lint", "bin.Dockerfile"], d.path());
        assert!(!stderr(&o).contains("panicked") && !stderr(&o).contains("RUST_BACKTRACE"));
    }
}

#[test]
fn syntax_error_is_dl1000_and_rest_is_linted() {
    let o = run_stdin(
        &["lint", "-", "-f", "json"],
        b"FROM debian\nENV X\nRUN sudo true\n",
    );
    assert_eq!(code(&o), 1);
    let j = json(&o);
    let f: Vec<(String, u64)> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(f.contains(&("DL1000".into(), 2)), "{f:?}");
    assert!(f.contains(&("DL3006".into(), 1)), "{f:?}");
    let dl1000 = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["code"] == "DL1000")
        .unwrap();
    assert_eq!(dl1000["category"], "syntax");
    assert_eq!(dl1000["severity"], "error");
}

#[test]
fn directories_are_searched_and_pragmas_and_configs_apply() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join("svc/a")).unwrap();
    std::fs::write(p.join("svc/a/Dockerfile"), BAD).unwrap();
    std::fs::write(
        p.join("svc/api.Dockerfile"),
        "# hadolint ignore=DL3006\nFROM debian\n",
    )
    .unwrap();
    std::fs::write(p.join("svc/Containerfile"), CLEAN).unwrap();
    std::fs::write(p.join("svc/notes.txt"), "FROM x\n").unwrap();
    let o = run(&["lint", "svc", "-f", "json", "--select", "DL3006"], p);
    let j = json(&o);
    assert_eq!(j["summary"]["files"], 3, "{j}");
    let files: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["svc/a/Dockerfile"]);

    // .hadolint.yaml beside the files is honoured; plimsoll.toml wins over it.
    std::fs::write(
        p.join("svc/.hadolint.yaml"),
        "ignored: [DL3006]\nfailure-threshold: error\n",
    )
    .unwrap();
    let o = run(&["lint", "svc", "-f", "json", "--select", "DL3006"], p);
    assert_eq!(json(&o)["findings"].as_array().unwrap().len(), 0);
    assert_eq!(code(&o), 0);
    std::fs::write(
        p.join("svc/plimsoll.toml"),
        "[lint]\nfailure-threshold = \"warning\"\n[lint.severity]\nDL3008 = \"error\"\n",
    )
    .unwrap();
    let o = run(&["lint", "svc/a/Dockerfile", "-f", "json"], p);
    let j = json(&o);
    let dl3008 = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "DL3008");
    if let Some(f) = dl3008 {
        assert_eq!(f["severity"], "error");
    }
    // a broken config is exit 2 naming the file
    std::fs::write(p.join("svc/plimsoll.toml"), "[lint\n").unwrap();
    let o = run(&["lint", "svc"], p);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("plimsoll.toml"));
}

#[test]
fn every_format_renders() {
    for f in [
        "tty",
        "json",
        "sarif",
        "junit",
        "checkstyle",
        "gitlab",
        "github",
    ] {
        let o = run_stdin(&["lint", "-", "--format", f], BAD.as_bytes());
        assert_eq!(code(&o), 1, "{f}: {}", stderr(&o));
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(
            out.contains("DL3006"),
            "{f} output lacks the finding:\n{out}"
        );
        if matches!(f, "json" | "sarif" | "gitlab") {
            serde_json::from_str::<serde_json::Value>(&out).unwrap();
        }
    }
}

#[test]
fn tty_has_code_frame_and_respects_no_color() {
    let o = run_stdin(&["lint", "-", "--select", "DL3006"], BAD.as_bytes());
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("FROM debian"), "{out}");
    assert!(out.contains("^^^^^^"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "colours when not a terminal:\n{out}"
    );
}

#[test]
fn rules_and_rule_docs() {
    let d = tempfile::tempdir().unwrap();
    let o = run(&["rules"], d.path());
    assert_eq!(code(&o), 0);
    let out = String::from_utf8(o.stdout).unwrap();
    for c in ["DL1000", "DL3000", "DL3006", "PD000"] {
        assert!(out.contains(c), "{c} missing from rules list");
    }
    let o = run(&["rule", "dl3006"], d.path());
    assert_eq!(code(&o), 0);
    let doc = String::from_utf8(o.stdout).unwrap();
    assert!(
        doc.contains("# DL3006") && doc.contains("## Bad") && doc.contains("## Fix"),
        "{doc}"
    );
    let o = run(&["rules", "--format", "json"], d.path());
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j.as_array().unwrap().len() >= 4);
}

#[test]
fn output_file() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("r.json");
    let o = run_stdin(
        &["lint", "-", "-f", "json", "-o", out.to_str().unwrap()],
        BAD.as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty());
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    assert_eq!(j["version"], 1);
}

#[test]
fn readme_lists_every_rule() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let o = bin().args(["rules", "--format", "json"]).output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for r in j.as_array().unwrap() {
        let code = r["code"].as_str().unwrap();
        assert!(
            readme.contains(&format!("| {code} |")),
            "README's rule table lacks {code}: regenerate it with `plimsoll rules --format markdown`"
        );
    }
}

/// The SARIF the binary writes for the bundled example validates against
/// the official SARIF 2.1.0 schema (installed by scripts/test.sh).
#[test]
fn cli_sarif_validates_against_official_schema() {
    let schema = std::env::var("PLIMSOLL_SARIF_SCHEMA")
        .expect("PLIMSOLL_SARIF_SCHEMA is not set: run the suite through scripts/test.sh");
    assert!(
        Path::new(&schema).is_file(),
        "SARIF schema missing at {schema}: run scripts/test.sh"
    );
    let venv = std::env::var("PLIMSOLL_VENV").unwrap_or_else(|_| {
        format!(
            "{}/.cache/plimsoll-venv",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let python = format!("{venv}/bin/python");
    assert!(
        Path::new(&python).is_file(),
        "{python} missing: run scripts/test.sh"
    );
    let d = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/go-service");
    // The image gate's findings have no line: SARIF must still validate.
    let fixtures = std::env::var("PLIMSOLL_FIXTURES_DIR")
        .expect("PLIMSOLL_FIXTURES_DIR is not set: run the suite through scripts/test.sh");
    let image = format!("docker-archive:{fixtures}/cgo-go-scratch.docker.tar");
    let check = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\njsonschema.validate(doc, schema)\nassert doc['runs'][0]['results'], 'no results'\nprint('valid')\n";
    let deploy = example.join("deploy");
    let v11 = format!(
        "oci-archive:{}",
        example.join("images/orders-1.1.oci.tar").display()
    );
    let v10 = format!(
        "oci-archive:{}",
        example.join("images/orders-1.0.oci.tar").display()
    );
    for (i, args) in [
        vec!["lint", example.to_str().unwrap()],
        vec!["image", image.as_str()],
        vec!["k8s", deploy.to_str().unwrap(), "-t", "warning"],
        vec![
            "check",
            "--manifests",
            deploy.to_str().unwrap(),
            "--image",
            v11.as_str(),
            "--baseline",
            v10.as_str(),
            "--no-record",
            "--class",
            "base",
        ],
    ]
    .into_iter()
    .enumerate()
    {
        let out = d.path().join(format!("r{i}.sarif"));
        let o = bin()
            .args(&args)
            .args(["--format", "sarif", "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        let v = Command::new(&python)
            .args(["-c", check, &schema, out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            v.status.success(),
            "{args:?}: SARIF invalid: {}",
            String::from_utf8_lossy(&v.stderr)
        );
    }
}
