//! Fixtures and helpers shared by the reporter tests.
#![allow(dead_code)]

use plimsoll_core::{Category, Finding, Region, RuleInfo, Severity};
use plimsoll_report::{Format, Report, TtyOptions, render};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const ALL_FORMATS: [Format; 7] = [
    Format::Tty,
    Format::Json,
    Format::Sarif,
    Format::Junit,
    Format::Checkstyle,
    Format::Gitlab,
    Format::Github,
];

pub fn finding(
    code: &str,
    severity: Severity,
    file: &str,
    (line, column, end_line, end_column): (u32, u32, u32, u32),
    message: &str,
    fix: Option<&str>,
) -> Finding {
    Finding {
        code: code.into(),
        severity,
        category: if code.starts_with("PD") {
            Category::Dockerfile
        } else if code == "DL1000" {
            Category::Syntax
        } else {
            Category::Hadolint
        },
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

pub const DOCKERFILE: &str =
    "FROM alpine:3.20\r\nRUN\tapk add \"curl\" <x> & \\\n    echo héllo 日本\nUSER root\n";

/// A report full of awkward text: quotes, `<>&`, non-ASCII, newlines and
/// control characters in messages, tabs and CRLF in the source, spans past
/// the end, a whole-file finding, stdin, a file name with `, :` and a space,
/// and two identical findings.
pub fn tricky() -> Report {
    use Severity::*;
    let findings = vec![
        // Deliberately not in report order: render must sort.
        finding(
            "DL3002",
            Warning,
            "Dockerfile",
            (4, 1, 4, 10),
            "Last USER should not be root",
            None,
        ),
        finding(
            "DL3018",
            Warning,
            "Dockerfile",
            (2, 5, 2, 12),
            "Pin versions in apk add. Instead of `apk add \"<package>\"` use `apk add <package>=<version>` & more",
            Some("apk add \"curl=8.0\" <pinned>"),
        ),
        finding(
            "PD001",
            Error,
            "Dockerfile",
            (2, 1, 3, 20),
            "Line one\nline two: ünïcödé ✓ 日本",
            None,
        ),
        finding(
            "DL9999",
            Style,
            "Dockerfile",
            (4, 50, 4, 80),
            "ctl\u{1b}[31m red\u{0}\u{7} end\u{FFFF}",
            Some("first\r\nsecond 100%"),
        ),
        finding(
            "DL9998",
            Info,
            "Dockerfile",
            (99, 1, 99, 5),
            "past the end",
            None,
        ),
        finding(
            "DL3006",
            Info,
            "-",
            (1, 1, 1, 5),
            "Always tag the image — «explicitly»",
            None,
        ),
        finding(
            "DL3006",
            Warning,
            "dir/a b,c:d.Dockerfile",
            (1, 6, 1, 12),
            "100% sure: tag it, please",
            Some("FROM ubuntu:24.04"),
        ),
        finding(
            "DL3006",
            Warning,
            "dir/a b,c:d.Dockerfile",
            (1, 6, 1, 12),
            "100% sure: tag it, please",
            Some("FROM ubuntu:24.04"),
        ),
        finding(
            "DL1000",
            Error,
            "broken",
            (0, 0, 0, 0),
            "unexpected end of file",
            None,
        ),
    ];
    let mut sources = BTreeMap::new();
    sources.insert("Dockerfile".to_string(), DOCKERFILE.to_string());
    sources.insert("-".to_string(), "FROM\tdebian\n".to_string());
    sources.insert(
        "dir/a b,c:d.Dockerfile".to_string(),
        "FROM ubuntu\n".to_string(),
    );
    let rules = vec![
        RuleInfo {
            code: "PD001".into(),
            severity: Error,
            category: Category::Dockerfile,
            summary: "Images come from allowed registries".into(),
            doc: "# PD001\n\nImages must come from an allowed registry: \"<host>/<path>\" & co.\n\n```dockerfile\nFROM registry.example/base\n```\n".into(),
        },
        RuleInfo {
            code: "DL3018".into(),
            severity: Warning,
            category: Category::Hadolint,
            summary: "Pin versions in apk add".into(),
            doc: "# DL3018\n\nPin versions in `apk add`.\n".into(),
        },
        RuleInfo {
            code: "DL3006".into(),
            severity: Warning,
            category: Category::Hadolint,
            summary: "Always tag the version of an image explicitly".into(),
            doc: String::new(),
        },
        // A rule without findings: listed all the same.
        RuleInfo {
            code: "DL3000".into(),
            severity: Error,
            category: Category::Hadolint,
            summary: "Use absolute WORKDIR".into(),
            doc: "# DL3000\n\nUse absolute WORKDIR.\n".into(),
        },
    ];
    Report {
        findings,
        files: 4,
        sources,
        rules,
        tool_version: "0.1.0".into(),
        facts: None,
    }
}

pub fn plain(format: Format, report: &Report) -> String {
    render(format, report, &TtyOptions { color: false })
}

/// A file in the system temp dir that this process will not reuse.
pub fn temp_file(name: &str, contents: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "plimsoll-report-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The Python of the project's venv (`PLIMSOLL_VENV`, default
/// `~/.cache/plimsoll-venv`). Panics with what to do when it is missing.
pub fn venv_python() -> PathBuf {
    let venv = std::env::var_os("PLIMSOLL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/plimsoll-venv")
        });
    let py = venv.join("bin/python");
    assert!(
        py.exists(),
        "no Python at {} : set PLIMSOLL_VENV to a venv with `jsonschema` installed \
         (scripts/test.sh creates it)",
        py.display()
    );
    py
}

/// Runs `python -c script args…` with the venv's Python, returning
/// (success, stdout + stderr).
pub fn run_python(script: &str, args: &[&std::path::Path]) -> (bool, String) {
    run_python_with(&venv_python(), script, args)
}

/// The same with the venv's Python when there is one, else `python3` (for
/// scripts that need only the standard library).
pub fn run_any_python(script: &str, args: &[&std::path::Path]) -> (bool, String) {
    let venv = std::env::var_os("PLIMSOLL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/plimsoll-venv")
        });
    let py = venv.join("bin/python");
    let py = if py.exists() {
        py
    } else {
        PathBuf::from("python3")
    };
    run_python_with(&py, script, args)
}

fn run_python_with(
    py: &std::path::Path,
    script: &str,
    args: &[&std::path::Path],
) -> (bool, String) {
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
