//! `plimsoll check` and `plimsoll history` end to end: real images from
//! `scripts/image-fixtures.sh` (`PLIMSOLL_FIXTURES_DIR`), a real SQLite
//! file, a real PostgreSQL server (`PLIMSOLL_POSTGRES_URL`, started by
//! `scripts/test.sh`), and a real HTTP listener for webhooks that fails on
//! purpose. Without the fixtures or the server these tests fail; they never
//! skip.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

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

fn plimsoll(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .env_remove("GITHUB_REF_NAME")
        .env_remove("GITHUB_HEAD_REF")
        .env_remove("CI_COMMIT_REF_NAME")
        .env("XDG_DATA_HOME", dir.join("xdg"))
        .args(args)
        .output()
        .expect("plimsoll runs")
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

fn codes(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// `plimsoll check --image IMAGE` recording under `name` into `store`.
fn check(dir: &Path, image: &str, name: &str, store: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "check", "--image", image, "--name", name, "--branch", "main", "--store", store,
        "--format", "json",
    ];
    args.extend_from_slice(extra);
    plimsoll(dir, &args)
}

fn history(dir: &Path, name: &str, store: &str) -> Vec<Value> {
    let o = plimsoll(
        dir,
        &[
            "history", name, "--store", store, "--format", "json", "--limit", "1000",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)["runs"].as_array().unwrap().clone()
}

/// Only the budget's findings matter in these tests; the image rules have
/// their own.
fn budget_findings(v: &Value) -> Vec<(String, String)> {
    codes(v)
        .into_iter()
        .filter(|(c, _)| c.starts_with("PB"))
        .collect()
}

#[test]
fn class_budgets_block_notify_and_record_with_the_growth_explained() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db").display().to_string();
    let small = archive("static-go-scratch");
    let big = archive("bloated-go");
    for (class, want) in [("base", "error"), ("app", "warning"), ("model", "info")] {
        let name = format!("svc-{class}");
        // First run: no baseline, recorded, passes.
        let o = check(
            dir.path(),
            &small,
            &name,
            &store,
            &["--class", class, "--no-fail"],
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let v = json(&o);
        assert!(
            v["facts"]["budget"]["note"]
                .as_str()
                .unwrap()
                .contains("no baseline")
        );
        assert!(budget_findings(&v).is_empty());
        // Second run: the bloated image, far over every class's budget.
        let o = check(dir.path(), &big, &name, &store, &["--class", class]);
        let v = json(&o);
        let b = budget_findings(&v);
        assert_eq!(
            b,
            [("PB001".to_string(), want.to_string())],
            "{class}: {b:?}"
        );
        let budget = &v["facts"]["budget"];
        assert_eq!(budget["class"], class);
        let growth = budget["growth_bytes"].as_i64().unwrap();
        assert!(growth > 100_000_000, "{growth}");
        // The growth is explained: the Go SDK and caches under /usr/local, /root.
        let dirs: Vec<&str> = budget["grew"]["directories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap())
            .collect();
        assert!(
            dirs.contains(&"/usr/local") || dirs.contains(&"/root/go"),
            "{dirs:?}"
        );
        assert!(!budget["grew"]["files"].as_array().unwrap().is_empty());
        assert!(!budget["grew"]["layers"].as_array().unwrap().is_empty());
        // --baseline REF judges against that image, analysed on the fly.
        let o = check(
            dir.path(),
            &big,
            &name,
            &store,
            &["--class", class, "--no-record", "--baseline", &small],
        );
        let v = json(&o);
        assert_eq!(
            budget_findings(&v).len(),
            1,
            "--baseline judges against the given image"
        );
        assert_eq!(
            history(dir.path(), &name, &store).len(),
            2,
            "--no-record records nothing"
        );
    }
    // Block really fails the gate; notify does not, whatever else is found.
    let o = check(
        dir.path(),
        &big,
        "svc-app",
        &store,
        &[
            "--class",
            "app",
            "--no-record",
            "--baseline",
            &small,
            "-t",
            "error",
        ],
    );
    let image_errors = codes(&json(&o))
        .iter()
        .any(|(c, s)| !c.starts_with("PB") && s == "error");
    assert_eq!(code(&o), if image_errors { 1 } else { 0 });
    let o = check(
        dir.path(),
        &big,
        "svc-base",
        &store,
        &["--class", "base", "--no-record", "--baseline", &small],
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn unknown_class_is_exit_2_listing_the_valid_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db").display().to_string();
    let o = check(
        dir.path(),
        &archive("static-go-scratch"),
        "x",
        &store,
        &["--class", "gpu"],
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("app, base, model"), "{}", stderr(&o));
    // New classes come from plimsoll.toml.
    std::fs::write(
        dir.path().join("plimsoll.toml"),
        "[budget.classes.gpu]\ngrowth = \"1GB\"\naction = \"block\"\n",
    )
    .unwrap();
    let o = check(
        dir.path(),
        &archive("static-go-scratch"),
        "x",
        &store,
        &["--class", "gpu", "--no-fail"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// A listener on 127.0.0.1 that answers each request with the next status
/// of `script` (then 200) and keeps the bodies.
fn listener(script: Vec<u16>) -> (String, Arc<Mutex<Vec<Value>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (i, conn) in l.incoming().enumerate() {
            let Ok(mut s) = conn else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut len = 0;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("content-length")
                {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            seen.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
            let status = script.get(i).copied().unwrap_or(200);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, bodies)
}

#[test]
fn webhooks_notify_and_a_failed_one_never_loses_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db").display().to_string();
    let (small, big) = (archive("static-go-scratch"), archive("bloated-go"));
    let o = check(
        dir.path(),
        &small,
        "svc",
        &store,
        &["--class", "app", "--no-fail"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Slack-shaped notification, delivered after two failures.
    let (url, bodies) = listener(vec![500, 503]);
    let o = check(
        dir.path(),
        &big,
        "svc",
        &store,
        &[
            "--class",
            "app",
            "--webhook",
            &url,
            "--webhook-format",
            "slack",
            "-t",
            "none",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let got = bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(
        got[2]["text"].as_str().unwrap().contains("notify"),
        "{got:?}"
    );
    assert_eq!(json(&o)["facts"]["budget"]["webhook"]["delivered"], true);
    // A webhook that always fails (judged against the small image again, as
    // the baseline is now the big one): a warning, the row is recorded, the
    // gate keeps its verdict.
    let (url, _) = listener(vec![500; 20]);
    let o = check(
        dir.path(),
        &big,
        "svc",
        &store,
        &[
            "--class",
            "app",
            "--webhook",
            &url,
            "-t",
            "none",
            "--baseline",
            &small,
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning") && stderr(&o).contains("not delivered"),
        "{}",
        stderr(&o)
    );
    assert_eq!(history(dir.path(), "svc", &store).len(), 3);
    // Unless the configuration requires it: PB002 fails the gate, the row
    // is still recorded.
    std::fs::write(
        dir.path().join("plimsoll.toml"),
        format!("[budget]\nwebhook = \"{url}\"\nwebhook-required = true\n"),
    )
    .unwrap();
    let o = check(
        dir.path(),
        &big,
        "svc",
        &store,
        &["--class", "app", "-t", "error", "--baseline", &small],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(codes(&json(&o)).contains(&("PB002".into(), "error".into())));
    assert_eq!(history(dir.path(), "svc", &store).len(), 4);
}

fn parallel_runs(store: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let image = archive("static-go-scratch");
    let children: Vec<_> = (0..16)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_plimsoll"))
                .current_dir(dir.path())
                .args([
                    "check",
                    "--image",
                    &image,
                    "--name",
                    name,
                    "--branch",
                    "main",
                    "--commit",
                    &format!("c{i:02}"),
                    "--store",
                    store,
                    "--format",
                    "json",
                    "--no-fail",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let runs = history(dir.path(), name, store);
    let mut commits: Vec<&str> = runs.iter().map(|r| r["commit"].as_str().unwrap()).collect();
    commits.sort_unstable();
    let want: Vec<String> = (0..16).map(|i| format!("c{i:02}")).collect();
    assert_eq!(commits, want, "every one of the 16 runs is recorded once");
    assert!(
        runs.iter()
            .all(|r| !r["layers"].as_array().unwrap().is_empty())
    );
}

#[test]
fn sixteen_parallel_checks_lose_no_row_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    parallel_runs(
        &dir.path().join("shared.db").display().to_string(),
        "par-sqlite",
    );
}

#[test]
fn sixteen_parallel_checks_lose_no_row_in_postgres() {
    let url = std::env::var("PLIMSOLL_POSTGRES_URL")
        .expect("PLIMSOLL_POSTGRES_URL is not set: run the suite with scripts/test.sh, which starts PostgreSQL");
    let name = format!("par-postgres-{}", std::process::id());
    parallel_runs(&url, &name);
}

#[test]
fn no_arguments_finds_the_dockerfile_and_manifests_and_reports_stages() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM debian:latest\nRUN apt-get update\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(
        dir.path().join("deploy/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: a}]\n",
    )
    .unwrap();
    let o = plimsoll(dir.path(), &["check", "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let stages: Vec<&str> = v["facts"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["dockerfile", "kubernetes"]);
    let c = codes(&v);
    assert!(
        c.iter().any(|(k, _)| k == "DL3007") && c.iter().any(|(k, _)| k == "PK001"),
        "{c:?}"
    );
    // Nothing to check at all is a usage error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(code(&plimsoll(empty.path(), &["check"])), 2);
}

#[test]
fn incidents_travel_with_findings_and_html_has_the_trend() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("plimsoll.toml"),
        "[incidents]\nPB001 = \"INC-4211\"\nPR = \"https://tickets.example.com/INC-77\"\n",
    )
    .unwrap();
    let store = dir.path().join("h.db").display().to_string();
    check(
        dir.path(),
        &archive("static-go-scratch"),
        "svc",
        &store,
        &["--class", "base", "--no-fail"],
    );
    let o = check(
        dir.path(),
        &archive("cgo-go-scratch"),
        "svc",
        &store,
        &["--class", "base", "--no-fail"],
    );
    let v = json(&o);
    let msgs: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        msgs.iter().any(|(c, m)| c.starts_with("PR")
            && m.contains("[incident: https://tickets.example.com/INC-77]")),
        "{msgs:?}"
    );
    let out = dir.path().join("report.html");
    let o = plimsoll(
        dir.path(),
        &[
            "check",
            "--image",
            &archive("static-go-scratch"),
            "--name",
            "svc",
            "--branch",
            "main",
            "--store",
            &store,
            "--class",
            "base",
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
            "--no-fail",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(
        html.contains("id=\"size-trend\""),
        "the size trend chart is there"
    );
    assert_eq!(
        html.matches("class=\"pt").count(),
        3,
        "one point per recorded run"
    );
    // `plimsoll history` shows the same runs.
    let o = plimsoll(dir.path(), &["history", "svc", "--store", &store]);
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(t.contains("3 runs") && t.lines().count() == 5, "{t}");
}

/// The README's full run on the bundled example images does what the
/// README says.
#[test]
fn the_readme_example_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ex = root.join("examples/go-service");
    let dir = tempfile::tempdir().unwrap();
    let image = |v: &str| {
        format!(
            "oci-archive:{}",
            ex.join(format!("images/orders-{v}.oci.tar")).display()
        )
    };
    let run = |class: &str| {
        plimsoll(
            dir.path(),
            &[
                "check",
                "--dockerfile",
                ex.join("fixed/Dockerfile").to_str().unwrap(),
                "--manifests",
                ex.join("deploy").to_str().unwrap(),
                "--image",
                &image("1.1"),
                "--baseline",
                &image("1.0"),
                "--class",
                class,
                "--name",
                "orders",
                "--no-record",
                "--format",
                "json",
            ],
        )
    };
    let o = run("app");
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let c = codes(&v);
    assert!(c.contains(&("PB001".into(), "warning".into())), "{c:?}");
    assert!(c.contains(&("PX002".into(), "error".into())), "{c:?}");
    assert!(c.contains(&("PI007".into(), "warning".into())), "{c:?}");
    // 20 MB of cache files plus their tar headers.
    let g = v["facts"]["budget"]["growth_bytes"].as_i64().unwrap();
    assert!((20_000_000..20_100_000).contains(&g), "{g}");
    let o = run("base");
    assert!(codes(&json(&o)).contains(&("PB001".into(), "error".into())));
    assert!(
        !dir.path().join("xdg/plimsoll/history.db").exists()
            || history(
                dir.path(),
                "orders",
                &dir.path()
                    .join("xdg/plimsoll/history.db")
                    .display()
                    .to_string()
            )
            .is_empty(),
        "--no-record records nothing"
    );
}
