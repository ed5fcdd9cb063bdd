//! The human format: headers, code frames (tabs, wide and multi-byte
//! characters, multi-line spans, spans past the end), help, summary, colour.

mod common;

use common::*;
use plimsoll_core::Severity;
use plimsoll_report::{Format, Report, TtyOptions, render};
use std::collections::BTreeMap;

fn report(source: &str, findings: Vec<plimsoll_core::Finding>, files: usize) -> Report {
    let mut sources = BTreeMap::new();
    sources.insert("Dockerfile".to_string(), source.to_string());
    Report {
        findings,
        files,
        sources,
        rules: vec![],
        tool_version: "0.1.0".into(),
        facts: None,
    }
}

const SRC: &str = "FROM alpine\nRUN\techo \"日本\" && \\\n    apk add curl\n";

#[test]
fn tty_exact_frames() {
    let r = report(
        SRC,
        vec![
            finding(
                "X2",
                Severity::Error,
                "Dockerfile",
                (2, 10, 3, 12),
                "multi-line span",
                None,
            ),
            finding(
                "X1",
                Severity::Warning,
                "Dockerfile",
                (2, 5, 2, 15),
                "say \"hi\" <b> & ünï",
                Some("fix \"it\"\nthen this"),
            ),
            finding(
                "X3",
                Severity::Info,
                "Dockerfile",
                (1, 1, 1, 5),
                "first\nsecond",
                None,
            ),
        ],
        2,
    );
    let out = render(Format::Tty, &r, &TtyOptions { color: false });
    let expected = "\
Dockerfile:1:1: info[X3] first
  second
  |
1 | FROM alpine
  | ^^^^

Dockerfile:2:5: warning[X1] say \"hi\" <b> & ünï
  |
2 | RUN    echo \"日本\" && \\
  |        ^^^^^^^^^^^^
  = help: fix \"it\"
          then this

Dockerfile:2:10: error[X2] multi-line span
  |
2 | RUN    echo \"日本\" && \\
  |             ^^^^^^^^^^^
3 |     apk add curl
  |     ^^^^^^^

1 error, 1 warning, 1 info, 0 styles in 2 files
";
    assert_eq!(out, expected, "\n{out}");
}

#[test]
fn tty_no_findings() {
    let out = render(Format::Tty, &report("", vec![], 3), &TtyOptions::default());
    assert_eq!(out, "No findings in 3 files\n");
    let out = render(Format::Tty, &report("", vec![], 1), &TtyOptions::default());
    assert_eq!(out, "No findings in 1 file\n");
}

#[test]
fn tty_long_span_is_elided() {
    let src = "RUN a \\\n  b \\\n  c \\\n  d \\\n  e \\\n  f\n";
    let r = report(
        src,
        vec![finding(
            "X",
            Severity::Style,
            "Dockerfile",
            (1, 5, 6, 4),
            "long",
            None,
        )],
        1,
    );
    let out = render(Format::Tty, &r, &TtyOptions::default());
    let expected = "\
Dockerfile:1:5: style[X] long
  |
1 | RUN a \\
  |     ^^^
2 |   b \\
  |   ^^^
...
6 |   f
  |   ^

0 errors, 0 warnings, 0 infos, 1 style in 1 file
";
    assert_eq!(out, expected, "\n{out}");
}

#[test]
fn tty_span_ending_at_column_one_of_next_line() {
    let r = report(
        "RUN a\nRUN b\n",
        vec![finding(
            "X",
            Severity::Info,
            "Dockerfile",
            (1, 1, 2, 1),
            "m",
            None,
        )],
        1,
    );
    let out = render(Format::Tty, &r, &TtyOptions::default());
    assert!(out.contains("1 | RUN a\n  | ^^^^^\n\n"), "\n{out}");
    assert!(!out.contains("2 |"), "\n{out}");
}

#[test]
fn tty_tricky_report_does_not_panic_and_is_sane() {
    let report = tricky();
    let out = plain(Format::Tty, &report);
    // Every finding has its header.
    for f in &report.findings {
        let head = if f.region.line == 0 {
            format!("{}: {}[{}]", f.file, f.severity, f.code)
        } else {
            format!(
                "{}:{}:{}: {}[{}]",
                f.file, f.region.line, f.region.column, f.severity, f.code
            )
        };
        assert!(out.contains(&head), "missing {head:?} in\n{out}");
    }
    // No raw control characters reach the terminal without colour…
    assert!(
        !out.chars().any(|c| c.is_control() && c != '\n'),
        "control characters in\n{out:?}"
    );
    // …(so the CRLF source shows without its CR), tabs expanded.
    assert!(
        out.contains("2 | RUN    apk add \"curl\" <x> & \\\n"),
        "\n{out}"
    );
    // The span past the end of line 4 gets one caret after the text.
    assert!(out.contains("4 | USER root\n  |          ^\n"), "\n{out}");
    // Line 99 is past the end of the file: header only.
    assert!(
        out.contains("Dockerfile:99:1: info[DL9998] past the end\n\n"),
        "\n{out}"
    );
    // A multi-line message is indented; the fix shows as help.
    assert!(
        out.contains("Line one\n  line two: ünïcödé ✓ 日本\n"),
        "\n{out}"
    );
    assert!(
        out.contains("  = help: apk add \"curl=8.0\" <pinned>\n"),
        "\n{out}"
    );
    // Stdin's source is used too, tab and all.
    assert!(out.contains("-:1:1: info[DL3006]"), "\n{out}");
    assert!(out.contains("1 | FROM    debian\n  | ^^^^\n"), "\n{out}");
    // CRLF in a fix is a line break, not a replacement character.
    assert!(
        out.contains("  = help: first\n          second 100%\n"),
        "\n{out}"
    );
    assert!(
        out.ends_with("\n2 errors, 4 warnings, 2 infos, 1 style in 4 files\n"),
        "\n{out}"
    );
}

#[test]
fn tty_colour_only_when_asked() {
    let report = tricky();
    let plain_out = render(Format::Tty, &report, &TtyOptions { color: false });
    let colour = render(Format::Tty, &report, &TtyOptions { color: true });
    assert!(!plain_out.contains('\x1b'));
    assert!(
        colour.contains("\x1b[1;31merror[PD001]\x1b[0m"),
        "{colour:?}"
    );
    assert!(colour.contains("\x1b[1;33mwarning[DL3018]\x1b[0m"));
    // Stripping the escapes gives the plain output back.
    let mut stripped = String::new();
    let mut chars = colour.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            stripped.push(c);
        }
    }
    assert_eq!(stripped, plain_out);
}

#[test]
fn tty_regions_never_panic() {
    let sources = ["", "\n", "a", "日本\t\r\n", "x\ny\n"];
    let vals = [0u32, 1, 2, 3, 7, u32::MAX];
    for src in sources {
        for line in vals {
            for col in vals {
                for end_line in vals {
                    for end_col in vals {
                        let r = report(
                            src,
                            vec![finding(
                                "X",
                                Severity::Error,
                                "Dockerfile",
                                (line, col, end_line, end_col),
                                "m",
                                Some("f"),
                            )],
                            1,
                        );
                        for format in ALL_FORMATS {
                            let _ = plain(format, &r);
                        }
                    }
                }
            }
        }
    }
}
