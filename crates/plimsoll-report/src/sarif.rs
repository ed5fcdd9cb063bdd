//! SARIF 2.1.0: one run whose driver lists the rules (sorted by code) and
//! whose results point at them by `ruleId` and `ruleIndex`.
//!
//! Columns are Unicode character columns, which the run declares with
//! `columnKind: unicodeCodePoints` (SARIF's default would be UTF-16 code
//! units). SARIF's `endColumn` is exclusive, like Plimsoll's. A finding's fix
//! is a suggestion, not an exact replacement of a region, so it goes in the
//! result's `properties.fix` rather than in `fixes` (whose `artifactChanges`
//! and `replacements` are required by the schema).

use crate::View;
use plimsoll_core::{Finding, RuleInfo, Severity};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where users read about Plimsoll: the workspace's `repository`.
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// A file name as the URI reference SARIF wants: `-` is "stdin", absolute
/// paths become `file://` URIs, backslashes become slashes, and characters a
/// URI cannot hold are percent-encoded.
pub fn artifact_uri(file: &str) -> String {
    if file == "-" {
        return "stdin".to_string();
    }
    let path = file.replace('\\', "/");
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    } else if is_drive_path(&path) {
        // A Windows drive path: C:/x → file:///C:/x
        out.push_str("file:///");
    }
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A relative path whose first segment holds a colon would read as a scheme.
    if !out.starts_with("file:") {
        let first = out.split('/').next().unwrap_or("");
        if first.contains(':') {
            out = format!("./{out}");
        }
    }
    out
}

/// `C:/…`: a Windows path with a drive letter.
fn is_drive_path(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// The rule's documentation without its leading `# CODE` heading, for
/// `fullDescription`.
fn description(doc: &str) -> String {
    let mut lines = doc.lines().peekable();
    while let Some(l) = lines.peek() {
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            lines.next();
        } else {
            break;
        }
    }
    // The first paragraph.
    let para: Vec<&str> = lines
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    para.join(" ")
}

fn rule_json(r: &RuleInfo) -> Value {
    let summary = if r.summary.trim().is_empty() {
        r.code.clone()
    } else {
        r.summary.trim().to_string()
    };
    let full = match description(&r.doc) {
        d if d.is_empty() => summary.clone(),
        d => d,
    };
    let doc = if r.doc.trim().is_empty() {
        summary.clone()
    } else {
        r.doc.trim_end().to_string()
    };
    json!({
        "id": r.code,
        "name": r.code,
        "shortDescription": { "text": summary },
        "fullDescription": { "text": full },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "category": r.category.as_str(),
            "tags": [r.category.as_str()],
        },
    })
}

fn region(f: &Finding) -> Option<Value> {
    let r = f.region;
    if r.line == 0 {
        return None;
    }
    let mut m = Map::new();
    m.insert("startLine".into(), r.line.into());
    if r.column > 0 {
        m.insert("startColumn".into(), r.column.into());
    }
    if r.end_line >= r.line {
        m.insert("endLine".into(), r.end_line.into());
        let ordered = r.end_line > r.line || r.end_column >= r.column;
        if r.column > 0 && r.end_column > 0 && ordered {
            m.insert("endColumn".into(), r.end_column.into());
        }
    }
    Some(Value::Object(m))
}

pub fn render(view: &View) -> String {
    // Rules by code: the report's, plus a stand-in for any code with findings
    // but no metadata, so that every ruleIndex is valid.
    let mut rules: BTreeMap<&str, RuleInfo> = BTreeMap::new();
    for r in &view.report.rules {
        rules.entry(r.code.as_str()).or_insert_with(|| r.clone());
    }
    for f in view.findings {
        rules.entry(f.code.as_str()).or_insert_with(|| RuleInfo {
            code: f.code.clone(),
            severity: f.severity,
            category: f.category,
            summary: f.code.clone(),
            doc: String::new(),
        });
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, c)| (*c, i)).collect();

    let results: Vec<Value> = view
        .findings
        .iter()
        .map(|f| {
            let mut physical = Map::new();
            physical.insert(
                "artifactLocation".into(),
                json!({ "uri": artifact_uri(&f.file) }),
            );
            if let Some(r) = region(f) {
                physical.insert("region".into(), r);
            }
            let mut result = json!({
                "ruleId": f.code,
                "ruleIndex": index[f.code.as_str()],
                "level": level(f.severity),
                "message": { "text": f.message },
                "locations": [{ "physicalLocation": physical }],
            });
            let mut props = Map::new();
            props.insert("severity".into(), f.severity.as_str().into());
            props.insert("category".into(), f.category.as_str().into());
            if let Some(fix) = &f.fix {
                props.insert("fix".into(), fix.clone().into());
            }
            result["properties"] = Value::Object(props);
            result
        })
        .collect();

    let mut driver = json!({
        "name": "plimsoll",
        "version": view.report.tool_version,
        "rules": rules.values().map(rule_json).collect::<Vec<_>>(),
    });
    if !INFORMATION_URI.is_empty() {
        driver["informationUri"] = INFORMATION_URI.into();
    }
    if view.report.tool_version.is_empty() {
        driver.as_object_mut().expect("object").remove("version");
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    crate::canon::pretty(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(artifact_uri("-"), "stdin");
        assert_eq!(artifact_uri("Dockerfile"), "Dockerfile");
        assert_eq!(artifact_uri("a dir/Dockerfile"), "a%20dir/Dockerfile");
        assert_eq!(artifact_uri("/abs/x#1"), "file:///abs/x%231");
        assert_eq!(artifact_uri("dir\\é"), "dir/%C3%A9");
        assert_eq!(artifact_uri("C:\\x"), "file:///C:/x");
        assert_eq!(artifact_uri("a:b/c"), "./a:b/c");
        assert_eq!(artifact_uri("50%.Dockerfile"), "50%25.Dockerfile");
    }

    #[test]
    fn description_skips_heading() {
        assert_eq!(
            description("# DL3000\n\nUse absolute\nWORKDIR.\n\nMore.\n"),
            "Use absolute WORKDIR."
        );
        assert_eq!(description(""), "");
    }
}
