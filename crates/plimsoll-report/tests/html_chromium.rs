//! The HTML report in a real browser: Debian's headless Chromium loads the
//! page from disk, the DOM it builds holds the verdict, the findings and the
//! trend chart with a point per run, the page's CSP refuses nothing the page
//! itself uses, and a screenshot comes out.
//!
//! Chromium is required (`apt-get install -y chromium`): without it this
//! test fails rather than skips.

use plimsoll_core::{Category, Finding, Region, RuleInfo, Severity};
use plimsoll_report::{Format, Report, TtyOptions, render};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// How long one Chromium run may take.
const TIMEOUT: Duration = Duration::from_secs(120);

const TREND_RUNS: usize = 10;

fn finding(
    code: &str,
    severity: Severity,
    category: Category,
    file: &str,
    (line, column, end_line, end_column): (u32, u32, u32, u32),
    message: &str,
    fix: Option<&str>,
) -> Finding {
    Finding {
        code: code.into(),
        severity,
        category,
        message: message.into(),
        file: file.into(),
        region: Region {
            line,
            column,
            end_line,
            end_column,
        },
        fix: fix.map(Into::into),
    }
}

const DOCKERFILE: &str = "\
FROM node:20
WORKDIR /app
COPY . .
RUN npm ci && npm run build
RUN apt-get update && apt-get install -y curl
USER root
CMD [\"node\", \"server.js\"]
";

/// A report with findings in two files, their sources and rules, and the
/// facts of an image, its size budget, ten runs of history and stage times.
fn report() -> Report {
    let findings = vec![
        finding(
            "DL3008",
            Severity::Warning,
            Category::Hadolint,
            "Dockerfile",
            (5, 27, 5, 50),
            "Pin versions in apt-get install",
            Some("apt-get install -y curl=<version>"),
        ),
        finding(
            "DL3002",
            Severity::Error,
            Category::Hadolint,
            "Dockerfile",
            (6, 1, 6, 10),
            "Last USER should not be root <script>alert('x')</script>",
            Some("USER node"),
        ),
        finding(
            "PR001",
            Severity::Error,
            Category::Runnability,
            "registry.example/shop/api:2.4.0",
            (0, 0, 0, 0),
            "The entrypoint /app/server will not start: GLIBC_2.38 not found",
            None,
        ),
    ];
    let mut sources = BTreeMap::new();
    sources.insert("Dockerfile".to_string(), DOCKERFILE.to_string());
    let rules = vec![
        RuleInfo {
            code: "DL3008".into(),
            severity: Severity::Warning,
            category: Category::Hadolint,
            summary: "Pin versions in apt-get install".into(),
            doc: "# DL3008\n\nPin versions in `apt-get install`.\n".into(),
        },
        RuleInfo {
            code: "DL3002".into(),
            severity: Severity::Warning,
            category: Category::Hadolint,
            summary: "Last USER should not be root".into(),
            doc: String::new(),
        },
    ];
    let trend: Vec<Value> = (0..TREND_RUNS)
        .map(|i| {
            json!({
                "timestamp": format!("2024-06-{:02}T09:30:00Z", i + 1),
                "tag": format!("2.{i}.0"),
                "digest": format!("sha256:{:0>64}", format!("{i:x}")),
                "uncompressed_bytes": 180_000_000 + i as u64 * 1_500_000 + if i == TREND_RUNS - 1 { 14_000_000 } else { 0 },
                "compressed_bytes": 70_000_000 + i as u64 * 400_000,
                "branch": "main",
            })
        })
        .collect();
    let baseline = &trend[TREND_RUNS - 2];
    let candidate = &trend[TREND_RUNS - 1];
    let growth = candidate["uncompressed_bytes"].as_u64().unwrap()
        - baseline["uncompressed_bytes"].as_u64().unwrap();
    let facts = json!({
        "verdict": "fail",
        "image": {
            "reference": "registry.example/shop/api:2.4.0",
            "manifest_digest": "sha256:4f1c0ffee0000000000000000000000000000000000000000000000000000000",
            "platform": "linux/amd64",
            "os": "Debian GNU/Linux 12 (bookworm)",
            "user": {"spec": "", "uid": 0, "gid": 0, "name": "root"},
            "command": ["node", "server.js"],
            "compressed_bytes": 73_600_000u64,
            "uncompressed_bytes": 207_500_000u64,
            "visible_bytes": 190_000_000u64,
            "files": 18_234,
            "efficiency": 0.913,
            "wasted_bytes": 17_500_000u64,
            "user_wasted_percent": 0.084,
            "reclaimable_bytes": 9_800_000u64,
            "layers": [
                {"index": 0, "digest": "sha256:aaaa000000000000000000000000000000000000000000000000000000000000", "compression": "gzip",
                 "compressed_bytes": 50_000_000u64, "uncompressed_bytes": 140_000_000u64, "files_bytes": 139_000_000u64, "entries": 9000,
                 "created_by": "/bin/sh -c #(nop) ADD file:1234 in / "},
                {"index": 1, "digest": "sha256:bbbb000000000000000000000000000000000000000000000000000000000000", "compression": "gzip",
                 "compressed_bytes": 20_000_000u64, "uncompressed_bytes": 55_000_000u64, "files_bytes": 54_000_000u64, "entries": 8000,
                 "created_by": "RUN npm ci && npm run build"},
                {"index": 2, "digest": "sha256:cccc000000000000000000000000000000000000000000000000000000000000", "compression": "gzip",
                 "compressed_bytes": 3_600_000u64, "uncompressed_bytes": 12_500_000u64, "files_bytes": 12_000_000u64, "entries": 1234,
                 "created_by": "RUN apt-get update && apt-get install -y curl"}
            ],
            "top_wasted": [
                {"path": "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", "bytes": 8_900_000u64,
                 "layer": 2, "created_by": "RUN apt-get update && apt-get install -y curl", "hidden_by": 2, "hidden_by_command": null, "how": "overwritten"},
                {"path": "/root/.npm/_cacache/index-v5/3f/9a", "bytes": 900_000u64, "layer": 1, "created_by": "RUN npm ci && npm run build",
                 "hidden_by": 2, "hidden_by_command": "RUN apt-get update && apt-get install -y curl", "how": "deleted"}
            ],
            "binaries": [
                {"path": "/usr/local/bin/node", "verdict": "runs", "reason": "dynamic glibc binary; every library resolves", "cause": "none",
                 "entrypoint": false, "kind": "elf", "linkage": "dynamic", "libc": "glibc", "layer": 0, "size": 96_000_000u64},
                {"path": "/app/server", "verdict": "fails", "reason": "needs GLIBC_2.38; the image has glibc 2.36", "cause": "symbol_version",
                 "entrypoint": true, "kind": "elf", "linkage": "dynamic", "libc": "glibc", "layer": 1, "size": 12_000_000u64}
            ],
            "go_binaries": []
        },
        "budget": {
            "class": "service",
            "action": "block",
            "verdict": "block",
            "growth_bytes": growth,
            "threshold_bytes": 10_000_000u64,
            "threshold_percent": 5,
            "baseline": baseline,
            "candidate": candidate,
            "grew": {
                "layers": [{"index": 1, "created_by": "RUN npm ci && npm run build", "delta_bytes": 14_200_000i64}],
                "directories": [{"path": "/app/node_modules", "delta_bytes": 13_900_000i64}, {"path": "/tmp", "delta_bytes": -200_000i64}],
                "files": [{"path": "/app/node_modules/.bin/esbuild", "delta_bytes": 9_400_000i64}]
            }
        },
        "trend": trend,
        "stages": [
            {"name": "pull", "millis": 2_310, "findings": 0, "status": "ok"},
            {"name": "analyse", "millis": 840, "findings": 0, "status": "ok"},
            {"name": "rules", "millis": 12, "findings": 3, "status": "fail"},
            {"name": "budget", "millis": 4, "findings": 0, "status": "block"}
        ]
    });
    Report {
        findings,
        files: 2,
        sources,
        rules,
        tool_version: "0.1.0".into(),
        facts: Some(facts),
    }
}

/// A fresh directory under Cargo's temp dir for one test's files (the same
/// on every run, so that the last screenshot is easy to find).
fn work_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("html_chromium-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `file://` URL of an absolute path.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_str().expect("UTF-8 path").bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// What one Chromium run printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `args`, in its own profile, with
/// everything that would reach for the network switched off.
fn chromium(dir: &Path, page: &Path, args: &[&str]) -> Run {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install it with `apt-get install -y chromium`"
    );
    let profile = dir.join(format!("profile-{}", args.join("").len()));
    let stdout_path = dir.join("chromium.stdout");
    let stderr_path = dir.join("chromium.stderr");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(file_url(page))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium took longer than {TIMEOUT:?}; stderr:\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: std::fs::read_to_string(&stdout_path).unwrap(),
        stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    };
    assert!(
        status.success(),
        "chromium failed: {status}\n{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(&profile);
    run
}

/// Console messages that say the page's CSP refused something.
fn csp_refusals(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("Content Security Policy") || l.contains("Refused to"))
        .collect()
}

fn write_page(dir: &Path) -> (PathBuf, String) {
    let html = render(Format::Html, &report(), &TtyOptions::default());
    let path = dir.join("report.html");
    std::fs::write(&path, &html).unwrap();
    (path, html)
}

#[test]
fn chromium_renders_the_dom() {
    let dir = work_dir("dom");
    let (page, html) = write_page(&dir);
    // Nothing on the page points outside it.
    for external in ["http://", "https://", "src=", "@import", "url("] {
        let hits: Vec<&str> = html
            .lines()
            .filter(|l| l.contains(external) && !l.contains("xmlns=\"http://www.w3.org/2000/svg\""))
            .collect();
        assert!(hits.is_empty(), "{external}: {hits:?}");
    }

    let run = chromium(&dir, &page, &["--dump-dom"]);
    let dom = run.stdout;
    assert!(dom.contains("</html>"), "no DOM:\n{}", run.stderr);
    assert!(csp_refusals(&run.stderr).is_empty(), "{}", run.stderr);

    // The verdict, with the counts and the tool's version.
    assert!(dom.contains("<header class=\"verdict fail\" id=\"verdict\">"));
    assert!(dom.contains("<div class=\"verdict-word\">FAIL</div>"));
    assert!(dom.contains("2 errors, 1 warning, 0 infos, 0 styles in 2 files"));
    assert!(dom.contains("plimsoll 0.1.0"));

    // Findings grouped by file, a code frame with the line highlighted.
    assert!(dom.contains("<code>Dockerfile</code>"));
    assert!(dom.contains("<code>registry.example/shop/api:2.4.0</code>"));
    assert!(dom.contains(
        "<tr class=\"hl\"><td class=\"ln\">6</td><td class=\"src\"><mark>USER root</mark></td></tr>"
    ));
    assert!(dom.contains("Rule: Pin versions in apt-get install"));
    assert!(dom.contains("<pre><code>USER node</code></pre>"));
    // The message's script tag stayed text: the browser built no script.
    assert!(!dom.contains("<script"));
    assert!(dom.contains("&lt;script&gt;alert('x')&lt;/script&gt;"));

    // The chart: an SVG with one point per run, the candidate highlighted,
    // the budget's limit dashed.
    let start = dom.find("<svg id=\"size-trend\"").expect("the chart");
    let end = start + dom[start..].find("</svg>").expect("the chart's end");
    let svg = &dom[start..end];
    assert_eq!(svg.matches("<circle class=\"pt").count(), TREND_RUNS);
    assert_eq!(svg.matches("<circle class=\"pt candidate\"").count(), 1);
    assert_eq!(svg.matches("<title>").count(), TREND_RUNS + 2, "{svg}");
    assert!(svg.contains("<line class=\"limit\""));
    assert!(svg.contains("<polyline class=\"line\""));
    assert!(svg.contains(" MB</text>"));

    // The budget box, the image's tables, the stages.
    assert!(dom.contains("Size budget: <span class=\"budget-verdict\">BLOCK</span>"));
    assert!(dom.contains("<table class=\"data\" id=\"layers\">"));
    assert!(dom.contains("<table class=\"data\" id=\"waste\">"));
    let fails = dom.find("<tr class=\"fails\">").expect("a failing binary");
    let runs = dom.find("<tr class=\"runs\">").expect("a running binary");
    assert!(fails < runs, "failing binaries come first");
    assert!(dom.contains("<table class=\"data\" id=\"stage-table\">"));
}

#[test]
fn chromium_takes_a_screenshot() {
    let dir = work_dir("screenshot");
    let (page, _) = write_page(&dir);
    let png = dir.join("report.png");
    let arg = format!("--screenshot={}", png.display());
    let run = chromium(&dir, &page, &[&arg, "--window-size=1280,2000"]);
    assert!(csp_refusals(&run.stderr).is_empty(), "{}", run.stderr);

    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{}", png.display(), run.stderr));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    // The first chunk is IHDR: width and height, big-endian.
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    // A blank 1280×2000 page compresses to a few kilobytes; this one has
    // colour, text and a chart.
    assert!(
        bytes.len() > 60_000 && bytes.len() < 20_000_000,
        "{} bytes",
        bytes.len()
    );
    eprintln!("screenshot: {}", png.display());
}

/// The CSP check above is not vacuous: this Chromium logs what a page's CSP
/// refuses, and refuses a script under the report's policy.
#[test]
fn chromium_reports_csp_refusals() {
    let dir = work_dir("csp");
    let page = dir.join("control.html");
    let csp = render(Format::Html, &Report::default(), &TtyOptions::default())
        .lines()
        .find(|l| l.contains("Content-Security-Policy"))
        .expect("the page's CSP")
        .to_string();
    std::fs::write(
        &page,
        format!(
            "<!DOCTYPE html><html><head>{csp}<title>control</title></head><body>\
             <p id=\"p\">static</p><script>document.getElementById('p').textContent = 'ran';</script>\
             </body></html>"
        ),
    )
    .unwrap();
    let run = chromium(&dir, &page, &["--dump-dom"]);
    assert!(
        run.stdout.contains("<p id=\"p\">static</p>"),
        "{}",
        run.stdout
    );
    assert!(!csp_refusals(&run.stderr).is_empty(), "{}", run.stderr);
}
