//! GitLab Code Quality, GitHub workflow commands, and determinism of every
//! format.

mod common;

use common::*;
use plimsoll_core::Severity;
use plimsoll_report::{Format, Report, TtyOptions, render};
use serde_json::Value;

#[test]
fn every_format_is_deterministic_and_sorts() {
    let report = tricky();
    let mut reversed = report.clone();
    reversed.findings.reverse();
    reversed.rules.reverse();
    for format in ALL_FORMATS {
        for color in [false, true] {
            let opts = TtyOptions { color };
            let a = render(format, &report, &opts);
            let b = render(format, &report, &opts);
            let c = render(format, &reversed, &opts);
            assert_eq!(a, b, "{format} differs between runs");
            assert_eq!(a, c, "{format} depends on input order");
            assert!(a.ends_with('\n'), "{format} ends with a newline");
        }
    }
}

#[test]
fn gitlab_code_quality() {
    let report = tricky();
    let out = plain(Format::Gitlab, &report);
    let v: Value = serde_json::from_str(&out).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), report.findings.len());
    let mut fingerprints = std::collections::HashSet::new();
    for i in issues {
        for k in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[k].is_string(), "{k} in {i}");
        }
        assert!(i["location"]["path"].is_string());
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        let fp = i["fingerprint"].as_str().unwrap();
        assert_eq!(fp.len(), 32);
        assert!(
            fp.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(
            fingerprints.insert(fp.to_string()),
            "fingerprints are unique"
        );
        assert!(["major", "minor", "info"].contains(&i["severity"].as_str().unwrap()));
    }
    let pd001 = issues.iter().find(|i| i["check_name"] == "PD001").unwrap();
    assert_eq!(pd001["severity"], "major");
    assert_eq!(pd001["description"], "Line one\nline two: ünïcödé ✓ 日本");
    assert_eq!(pd001["location"]["path"], "Dockerfile");
    assert_eq!(pd001["location"]["lines"]["begin"], 2);
    let dl3018 = issues.iter().find(|i| i["check_name"] == "DL3018").unwrap();
    assert_eq!(dl3018["severity"], "minor");
    let style = issues.iter().find(|i| i["check_name"] == "DL9999").unwrap();
    assert_eq!(style["severity"], "info");
    let broken = issues.iter().find(|i| i["check_name"] == "DL1000").unwrap();
    assert_eq!(broken["location"]["lines"]["begin"], 1);

    // Stable: the fingerprint depends on file, code, line and message only.
    let one = |line, column, fix: Option<&str>| {
        let r = Report {
            findings: vec![finding(
                "DL3008",
                Severity::Warning,
                "Dockerfile",
                (line, column, line, 9),
                "m",
                fix,
            )],
            files: 1,
            ..Report::default()
        };
        let v: Value = serde_json::from_str(&plain(Format::Gitlab, &r)).unwrap();
        v[0]["fingerprint"].as_str().unwrap().to_string()
    };
    assert_eq!(one(3, 1, None), one(3, 5, Some("x")));
    assert_ne!(one(3, 1, None), one(4, 1, None));
    // Pinned value (FNV-1a-128 of "Dockerfile\0DL3008\03\0m", checked with an
    // independent implementation): changing it makes GitLab see every issue as new.
    assert_eq!(one(3, 1, None), "c1b0bf6fdd276639e184fc4be20be2b0");
}

#[test]
fn github_workflow_commands() {
    let report = tricky();
    let out = plain(Format::Github, &report);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        report.findings.len(),
        "one line per finding:\n{out}"
    );
    assert_eq!(
        lines[0],
        "::notice file=-,line=1,col=1,endLine=1,endColumn=4,title=DL3006::Always tag the image — «explicitly»"
    );
    assert_eq!(
        lines[1],
        "::error file=Dockerfile,line=2,endLine=3,title=PD001::Line one%0Aline two: ünïcödé ✓ 日本"
    );
    assert_eq!(
        lines[2],
        "::warning file=Dockerfile,line=2,col=5,endLine=2,endColumn=11,title=DL3018::Pin versions in apk add. Instead of `apk add \"<package>\"` use `apk add <package>=<version>` & more%0Ahelp: apk add \"curl=8.0\" <pinned>"
    );
    assert!(lines.contains(
        &"::notice file=Dockerfile,line=4,col=50,endLine=4,endColumn=79,title=DL9999::ctl\u{FFFD}[31m red\u{FFFD}\u{FFFD} end\u{FFFF}%0Ahelp: first%0D%0Asecond 100%25"
    ), "{out}");
    assert!(
        lines.contains(&"::error file=broken,title=DL1000::unexpected end of file"),
        "{out}"
    );
    assert_eq!(
        lines[7],
        "::warning file=dir/a b%2Cc%3Ad.Dockerfile,line=1,col=6,endLine=1,endColumn=11,title=DL3006::100%25 sure: tag it, please%0Ahelp: FROM ubuntu:24.04"
    );
    assert_eq!(plain(Format::Github, &Report::default()), "");
}
