//! Plimsoll's own JSON format, a contract later gates rely on:
//!
//! ```json
//! {"version": 1,
//!  "findings": [{"code", "severity", "category", "message", "file",
//!                "line", "column", "end_line", "end_column", "fix"}],
//!  "summary": {"errors", "warnings", "infos", "styles", "files"}}
//! ```
//!
//! `severity` is one of `error`, `warning`, `info`, `style`; `fix` is a
//! string or `null`. Keys appear in this order.

use crate::View;
use plimsoll_core::Finding;
use serde::Serialize;

/// The version of the JSON contract.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    facts: Option<&'a serde_json::Value>,
}

#[derive(Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    infos: usize,
    styles: usize,
    files: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: &'static str,
    category: &'static str,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    fix: Option<&'a str>,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            code: &f.code,
            severity: f.severity.as_str(),
            category: f.category.as_str(),
            message: &f.message,
            file: &f.file,
            line: f.region.line,
            column: f.region.column,
            end_line: f.region.end_line,
            end_column: f.region.end_column,
            fix: f.fix.as_deref(),
        }
    }
}

pub fn render(view: &View) -> String {
    let mut out = Vec::new();
    write(view, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Streams the report to `w` (a large report never exists twice in
/// memory).
pub fn write(view: &View, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Doc {
        version: VERSION,
        findings: view.findings.iter().map(JsonFinding::from).collect(),
        summary: JsonSummary {
            errors: view.summary.errors,
            warnings: view.summary.warnings,
            infos: view.summary.infos,
            styles: view.summary.styles,
            files: view.summary.files,
        },
        facts: view.report.facts.as_ref(),
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}
