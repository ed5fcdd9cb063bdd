//! GitHub Actions workflow commands, one per finding, which the runner turns
//! into annotations:
//!
//! ```text
//! ::warning file=Dockerfile,line=3,col=5,endLine=3,endColumn=24,title=DL3008::Pin versions
//! ```
//!
//! GitHub's `endColumn` is inclusive (it defaults to `col`), and columns are
//! only accepted when the annotation starts and ends on the same line.

use crate::View;
use plimsoll_core::{Finding, Severity};
use std::fmt::Write;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "notice",
    }
}

/// Escapes a command's data (the message). Control characters other than
/// line ends (an escape sequence, a NUL) are replaced: a log is a terminal.
fn escape_data(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\r' | '\n' | '\t') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect::<String>()
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn properties(f: &Finding) -> String {
    let r = f.region;
    let mut p = format!("file={}", escape_property(&f.file));
    if r.line > 0 {
        write!(p, ",line={}", r.line).unwrap();
        let end_line = r.end_line.max(r.line);
        if end_line == r.line && r.column > 0 {
            // Exclusive end → inclusive end, never before the start.
            let end_col = if r.end_line == r.line && r.end_column > r.column {
                r.end_column - 1
            } else {
                r.column
            };
            write!(
                p,
                ",col={},endLine={end_line},endColumn={end_col}",
                r.column
            )
            .unwrap();
        } else {
            write!(p, ",endLine={end_line}").unwrap();
        }
    }
    write!(p, ",title={}", escape_property(&f.code)).unwrap();
    p
}

pub fn render(view: &View) -> String {
    let mut out = String::new();
    for f in view.findings {
        let mut message = f.message.clone();
        if let Some(fix) = &f.fix {
            write!(message, "\nhelp: {fix}").unwrap();
        }
        writeln!(
            out,
            "::{} {}::{}",
            command(f.severity),
            properties(f),
            escape_data(&message)
        )
        .unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            escape_data("50% a\r\nb:c,d\u{1b}"),
            "50%25 a%0D%0Ab:c,d\u{FFFD}"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
