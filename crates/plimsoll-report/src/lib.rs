//! Plimsoll's reporters: the last link of input → facts → rules → findings →
//! report.
//!
//! Every format is rendered to a `String` by [`render`]; the CLI decides where
//! it goes. Output is deterministic: findings are sorted with
//! [`plimsoll_core::sort_findings`] and rules by code before rendering, and no
//! format carries a time stamp or anything else that varies between runs.
//!
//! | format       | what it is                                                        |
//! |--------------|-------------------------------------------------------------------|
//! | `tty`        | `file:line:col: severity[CODE] message`, a code frame, a summary  |
//! | `json`       | Plimsoll's own JSON contract (`"version": 1`)                     |
//! | `sarif`      | SARIF 2.1.0, one run                                              |
//! | `junit`      | JUnit XML: a testsuite per file, a testcase per rule and file     |
//! | `checkstyle` | Checkstyle XML 4.3                                                |
//! | `gitlab`     | GitLab Code Quality (Code Climate subset) JSON array              |
//! | `github`     | GitHub Actions workflow commands (`::error file=…::message`)      |
//! | `html`       | one self-contained HTML page: verdict, findings, facts, charts    |

mod canon;
mod checkstyle;
mod github;
mod gitlab;
mod html;
mod json;
mod junit;
mod sarif;
mod text;
mod tty;
mod xml;

use plimsoll_core::{Finding, RuleInfo, Severity, Summary, sort_findings};
use std::collections::BTreeMap;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Human-readable text with code frames (the default).
    #[default]
    Tty,
    Json,
    Sarif,
    Junit,
    Checkstyle,
    Gitlab,
    Github,
    /// One self-contained HTML page for people.
    Html,
}

impl Format {
    /// Every format's name, in the order `--help` lists them.
    pub const NAMES: &[&str] = &[
        "tty",
        "json",
        "sarif",
        "junit",
        "checkstyle",
        "gitlab",
        "github",
        "html",
    ];

    const ALL: [Format; 8] = [
        Format::Tty,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Checkstyle,
        Format::Gitlab,
        Format::Github,
        Format::Html,
    ];

    /// Parses a format name (case-insensitive, surrounding blanks ignored).
    pub fn parse(s: &str) -> Option<Format> {
        let s = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Tty => "tty",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Checkstyle => "checkstyle",
            Format::Gitlab => "gitlab",
            Format::Github => "github",
            Format::Html => "html",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a reporter needs.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// How many files were looked at (with or without findings).
    pub files: usize,
    /// File name (as in `Finding::file`) → its text, for code frames.
    pub sources: BTreeMap<String, String>,
    /// Metadata of rules (at least those with findings; SARIF lists them).
    pub rules: Vec<RuleInfo>,
    pub tool_version: String,
    /// Facts a gate reports beside its findings (`plimsoll image`); the
    /// `json` format carries them under `"facts"`.
    pub facts: Option<serde_json::Value>,
}

/// Options of the `tty` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct TtyOptions {
    /// Emit ANSI colours.
    pub color: bool,
}

/// Renders `report` in `format`. The result ends with a newline.
pub fn render(format: Format, report: &Report, tty: &TtyOptions) -> String {
    // Callers usually hand findings over sorted; copy only when not.
    let sorted = report
        .findings
        .is_sorted_by(|a, b| a.sort_key() <= b.sort_key());
    let findings: std::borrow::Cow<[Finding]> = if sorted {
        std::borrow::Cow::Borrowed(&report.findings)
    } else {
        let mut v = report.findings.clone();
        sort_findings(&mut v);
        std::borrow::Cow::Owned(v)
    };
    let summary = Summary::of(&findings, report.files);
    let view = View {
        findings: &findings,
        summary,
        report,
    };
    match format {
        Format::Tty => tty::render(&view, tty),
        Format::Json => json::render(&view),
        Format::Sarif => sarif::render(&view),
        Format::Junit => junit::render(&view),
        Format::Checkstyle => checkstyle::render(&view),
        Format::Gitlab => gitlab::render(&view),
        Format::Github => github::render(&view),
        Format::Html => html::render(&view),
    }
}

/// Renders `report` in `format` into `w`. The `json` format is streamed;
/// the others are rendered in memory first.
pub fn render_to(
    format: Format,
    report: &Report,
    tty: &TtyOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if format != Format::Json {
        return w.write_all(render(format, report, tty).as_bytes());
    }
    let sorted = report
        .findings
        .is_sorted_by(|a, b| a.sort_key() <= b.sort_key());
    let findings: std::borrow::Cow<[Finding]> = if sorted {
        std::borrow::Cow::Borrowed(&report.findings)
    } else {
        let mut v = report.findings.clone();
        sort_findings(&mut v);
        std::borrow::Cow::Owned(v)
    };
    let view = View {
        findings: &findings,
        summary: Summary::of(&findings, report.files),
        report,
    };
    json::write(&view, w)
}

/// A report with its findings sorted.
pub(crate) struct View<'a> {
    pub findings: &'a [Finding],
    pub summary: Summary,
    pub report: &'a Report,
}

impl View<'_> {
    /// Findings grouped by file, files in order (findings are sorted by file
    /// first, so each group is contiguous).
    pub fn by_file(&self) -> Vec<(&str, &[Finding])> {
        let mut out: Vec<(&str, &[Finding])> = Vec::new();
        let mut start = 0;
        for i in 1..=self.findings.len() {
            if i == self.findings.len() || self.findings[i].file != self.findings[start].file {
                out.push((self.findings[start].file.as_str(), &self.findings[start..i]));
                start = i;
            }
        }
        out
    }
}

/// "1 error" / "2 errors".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The words the summary uses for a severity.
pub(crate) fn severity_words(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("error", "errors"),
        Severity::Warning => ("warning", "warnings"),
        Severity::Info => ("info", "infos"),
        Severity::Style => ("style", "styles"),
    }
}

/// `N errors, N warnings, N infos, N styles in N files`, or
/// `No findings in N files`.
pub(crate) fn summary_line(s: &Summary) -> String {
    let files = plural(s.files, "file", "files");
    if s.errors + s.warnings + s.infos + s.styles == 0 {
        return format!("No findings in {files}");
    }
    let counts = [s.errors, s.warnings, s.infos, s.styles];
    let parts: Vec<String> = Severity::ALL
        .iter()
        .zip(counts)
        .map(|(sev, n)| {
            let (one, many) = severity_words(*sev);
            plural(n, one, many)
        })
        .collect();
    format!("{} in {files}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        assert_eq!(Format::NAMES.len(), Format::ALL.len());
        for (name, f) in Format::NAMES.iter().zip(Format::ALL) {
            assert_eq!(Format::parse(name), Some(f));
            assert_eq!(f.as_str(), *name);
        }
        assert_eq!(Format::parse(" SARIF "), Some(Format::Sarif));
        assert_eq!(Format::parse("xml"), None);
        assert_eq!(Format::default(), Format::Tty);
    }

    #[test]
    fn summary_words() {
        let s = Summary {
            errors: 1,
            warnings: 2,
            infos: 0,
            styles: 1,
            files: 1,
        };
        assert_eq!(
            summary_line(&s),
            "1 error, 2 warnings, 0 infos, 1 style in 1 file"
        );
        let none = Summary {
            files: 3,
            ..Summary::default()
        };
        assert_eq!(summary_line(&none), "No findings in 3 files");
    }
}
