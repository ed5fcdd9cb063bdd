//! SARIF 2.1.0: the structure Plimsoll promises, and validation against the
//! official OASIS schema with Python's `jsonschema`.
//!
//! The schema's path comes from `PLIMSOLL_SARIF_SCHEMA` (set by
//! scripts/test.sh from crates/plimsoll-report/INSTALL-SCHEMA.sh) and the
//! Python from the venv at `PLIMSOLL_VENV`. When either is missing these tests
//! fail: they never skip.

mod common;

use common::*;
use plimsoll_core::Severity;
use plimsoll_report::{Format, Report};
use serde_json::Value;
use std::path::PathBuf;

const VALIDATE: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
doc = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
for e in errors:
    print("/".join(map(str, e.absolute_path)) + ": " + e.message)
print("validated with %s: %d error(s)" % (cls.__name__, len(errors)))
sys.exit(1 if errors else 0)
"#;

fn schema_path() -> PathBuf {
    let Some(path) = std::env::var_os("PLIMSOLL_SARIF_SCHEMA") else {
        panic!(
            "PLIMSOLL_SARIF_SCHEMA is not set: it must name the official SARIF 2.1.0 schema. \
             Run `export PLIMSOLL_SARIF_SCHEMA=$(bash crates/plimsoll-report/INSTALL-SCHEMA.sh | tail -n 1)` \
             (scripts/test.sh does)"
        );
    };
    let path = PathBuf::from(path);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "PLIMSOLL_SARIF_SCHEMA={}: cannot read the SARIF schema ({e}); \
             run crates/plimsoll-report/INSTALL-SCHEMA.sh",
            path.display()
        )
    });
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let id = schema["id"]
        .as_str()
        .or(schema["$id"].as_str())
        .unwrap_or("");
    assert!(
        id.ends_with("/sarif-schema-2.1.0.json")
            && schema["properties"]["version"]["enum"][0] == "2.1.0",
        "{} is not the official SARIF 2.1.0 schema (id {id:?})",
        path.display()
    );
    path
}

/// Validates `sarif` against the official schema; Err(report) when invalid.
fn validate(sarif: &str) -> Result<String, String> {
    let schema = schema_path();
    let doc = temp_file("report.sarif", sarif);
    let (ok, out) = run_python(VALIDATE, &[&schema, &doc]);
    let _ = std::fs::remove_dir_all(doc.parent().unwrap());
    assert!(
        out.contains("validated with"),
        "the validator did not run (is `jsonschema` installed in the venv?):\n{out}"
    );
    if ok { Ok(out) } else { Err(out) }
}

#[test]
fn sarif_validates_against_official_schema() {
    let out = plain(Format::Sarif, &tricky());
    if let Err(errors) = validate(&out) {
        panic!("SARIF output is not valid SARIF 2.1.0:\n{errors}\n{out}");
    }
    // No findings at all is valid too.
    let empty = plain(Format::Sarif, &Report::default());
    if let Err(errors) = validate(&empty) {
        panic!("empty SARIF output is not valid:\n{errors}\n{empty}");
    }
}

#[test]
fn sarif_schema_check_catches_errors() {
    // The validation is real: a level SARIF does not know is rejected.
    let out =
        plain(Format::Sarif, &tricky()).replacen("\"level\": \"note\"", "\"level\": \"fatal\"", 1);
    let errors = validate(&out).expect_err("an invalid level must not validate");
    assert!(errors.contains("fatal"), "{errors}");
}

#[test]
fn sarif_regions_always_validate() {
    // Odd regions (unset, reversed, huge) still give valid SARIF.
    let vals = [0u32, 1, 5, u32::MAX];
    let mut findings = Vec::new();
    for line in vals {
        for column in vals {
            for end_line in vals {
                for end_column in vals {
                    findings.push(finding(
                        "DL3000",
                        Severity::Error,
                        "Dockerfile",
                        (line, column, end_line, end_column),
                        "m",
                        None,
                    ));
                }
            }
        }
    }
    let out = plain(
        Format::Sarif,
        &Report {
            findings,
            files: 1,
            ..Report::default()
        },
    );
    if let Err(errors) = validate(&out) {
        panic!("{errors}");
    }
}

#[test]
fn sarif_structure() {
    let report = tricky();
    let out = plain(Format::Sarif, &report);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(v["version"], "2.1.0");
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "plimsoll");
    assert_eq!(driver["version"], "0.1.0");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("http")
    );

    // Rules: the report's plus stand-ins for codes with findings, by code.
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "DL1000", "DL3000", "DL3002", "DL3006", "DL3018", "DL9998", "DL9999", "PD001"
        ]
    );
    let pd001 = &rules[7];
    assert_eq!(pd001["name"], "PD001");
    assert_eq!(
        pd001["shortDescription"]["text"],
        "Images come from allowed registries"
    );
    assert_eq!(
        pd001["fullDescription"]["text"],
        "Images must come from an allowed registry: \"<host>/<path>\" & co."
    );
    assert!(
        pd001["help"]["text"]
            .as_str()
            .unwrap()
            .starts_with("# PD001\n")
    );
    assert!(
        pd001["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("```dockerfile")
    );
    assert_eq!(pd001["defaultConfiguration"]["level"], "error");
    assert_eq!(pd001["properties"]["category"], "dockerfile");
    // A rule without doc falls back to its summary.
    assert_eq!(
        rules[3]["help"]["text"],
        "Always tag the version of an image explicitly"
    );

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at ruleId");
    }
    let by_rule =
        |id: &str| -> Vec<&Value> { results.iter().filter(|r| r["ruleId"] == id).collect() };

    let dl3018 = by_rule("DL3018")[0];
    assert_eq!(dl3018["level"], "warning");
    assert!(
        dl3018["message"]["text"]
            .as_str()
            .unwrap()
            .contains("\"<package>\"` use")
    );
    let loc = &dl3018["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "Dockerfile");
    assert_eq!(
        loc["region"],
        serde_json::json!({"startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 12})
    );
    assert_eq!(dl3018["properties"]["fix"], "apk add \"curl=8.0\" <pinned>");
    assert!(dl3018.get("fixes").is_none());

    assert_eq!(by_rule("PD001")[0]["level"], "error");
    assert_eq!(
        by_rule("PD001")[0]["message"]["text"],
        "Line one\nline two: ünïcödé ✓ 日本"
    );
    assert_eq!(by_rule("DL9998")[0]["level"], "note");
    assert_eq!(by_rule("DL9999")[0]["level"], "note");
    assert_eq!(by_rule("DL9999")[0]["properties"]["severity"], "style");

    let dl3006 = by_rule("DL3006");
    let uris: Vec<&str> = dl3006
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "stdin",
            "dir/a%20b,c:d.Dockerfile",
            "dir/a%20b,c:d.Dockerfile"
        ]
    );

    // A whole-file finding has no region.
    let dl1000 = by_rule("DL1000")[0];
    assert!(
        dl1000["locations"][0]["physicalLocation"]
            .get("region")
            .is_none()
    );
}
