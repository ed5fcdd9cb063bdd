//! The `json` format is a contract every later gate reuses: every field,
//! its type and its order are checked here.

mod common;

use common::*;
use plimsoll_core::{Category, Severity};
use plimsoll_report::{Format, Report};
use serde_json::Value;

const FINDING_KEYS: [&str; 10] = [
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
];
const SUMMARY_KEYS: [&str; 5] = ["errors", "warnings", "infos", "styles", "files"];

/// The keys of the JSON object that starts at `text[at..]`, in order, read
/// from the text itself (serde_json's map would sort them).
fn keys_in_order(text: &str, keys: &[&str]) -> Vec<usize> {
    keys.iter()
        .map(|k| {
            text.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("key {k} missing in {text}"))
        })
        .collect()
}

#[test]
fn json_contract_field_by_field() {
    let report = tricky();
    let out = plain(Format::Json, &report);
    assert!(out.ends_with('\n'));
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    let top = v.as_object().unwrap();
    assert_eq!(
        top.keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        ["findings", "summary", "version"].into_iter().collect()
    );
    assert_eq!(v["version"], Value::from(1));

    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), report.findings.len());

    let mut sorted = report.findings.clone();
    plimsoll_core::sort_findings(&mut sorted);
    for (j, f) in findings.iter().zip(&sorted) {
        let obj = j.as_object().unwrap();
        assert_eq!(obj.len(), FINDING_KEYS.len(), "{j}");
        for k in FINDING_KEYS {
            assert!(obj.contains_key(k), "missing {k} in {j}");
        }
        assert_eq!(j["code"], Value::from(f.code.as_str()));
        assert_eq!(j["severity"], Value::from(f.severity.as_str()));
        assert!(["error", "warning", "info", "style"].contains(&j["severity"].as_str().unwrap()));
        assert_eq!(j["category"], Value::from(f.category.as_str()));
        assert_eq!(j["message"], Value::from(f.message.as_str()));
        assert_eq!(j["file"], Value::from(f.file.as_str()));
        assert_eq!(j["line"], Value::from(f.region.line));
        assert_eq!(j["column"], Value::from(f.region.column));
        assert_eq!(j["end_line"], Value::from(f.region.end_line));
        assert_eq!(j["end_column"], Value::from(f.region.end_column));
        match &f.fix {
            Some(fix) => assert_eq!(j["fix"], Value::from(fix.as_str())),
            None => assert!(j["fix"].is_null(), "fix must be null: {j}"),
        }
        for k in ["line", "column", "end_line", "end_column"] {
            assert!(j[k].is_u64(), "{k} is a number");
        }
    }

    let s = &v["summary"];
    assert_eq!(s.as_object().unwrap().len(), SUMMARY_KEYS.len());
    assert_eq!(s["errors"], Value::from(2));
    assert_eq!(s["warnings"], Value::from(4));
    assert_eq!(s["infos"], Value::from(2));
    assert_eq!(s["styles"], Value::from(1));
    assert_eq!(s["files"], Value::from(4));

    // Key order as the contract lists it.
    let first = &out[out.find("\"findings\"").unwrap()..];
    let first = &first[..first.find('}').unwrap()];
    let pos = keys_in_order(first, &FINDING_KEYS);
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "finding key order: {first}"
    );
    let summary = &out[out.find("\"summary\"").unwrap()..];
    let pos = keys_in_order(summary, &SUMMARY_KEYS);
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "summary key order: {summary}"
    );
    let pos = keys_in_order(&out, &["version", "findings", "summary"]);
    assert!(pos.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn json_exact_for_one_finding() {
    let report = Report {
        findings: vec![finding(
            "DL3018",
            Severity::Warning,
            "Dockerfile",
            (2, 5, 2, 12),
            "say \"hi\" <&>\n日本",
            None,
        )],
        files: 1,
        ..Report::default()
    };
    assert_eq!(report.findings[0].category, Category::Hadolint);
    let out = plain(Format::Json, &report);
    // Pretty-printed from structs: key order is the contract's, whatever
    // features serde_json is built with.
    let expected = r#"{
  "version": 1,
  "findings": [
    {
      "code": "DL3018",
      "severity": "warning",
      "category": "hadolint",
      "message": "say \"hi\" <&>\n日本",
      "file": "Dockerfile",
      "line": 2,
      "column": 5,
      "end_line": 2,
      "end_column": 12,
      "fix": null
    }
  ],
  "summary": {
    "errors": 0,
    "warnings": 1,
    "infos": 0,
    "styles": 0,
    "files": 1
  }
}
"#;
    assert_eq!(out, expected);
}

#[test]
fn json_without_findings() {
    let out = plain(
        Format::Json,
        &Report {
            files: 2,
            ..Report::default()
        },
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"], Value::Array(vec![]));
    assert_eq!(v["summary"]["files"], Value::from(2));
    assert_eq!(v["summary"]["errors"], Value::from(0));
}
