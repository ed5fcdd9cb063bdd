//! The human format: a header line per finding, a code frame with the span
//! underlined, the fix as `help:`, and a summary line.
//!
//! ```text
//! Dockerfile:3:5: warning[DL3008] Pin versions in apt-get install
//!   |
//! 3 | RUN apt-get install curl
//!   |     ^^^^^^^^^^^^^^^^^^^^
//!   = help: apt-get install curl=<version>
//!
//! 0 errors, 1 warning, 0 infos, 0 styles in 1 file
//! ```

use crate::text::{first_non_blank, sanitize, show_span, source_lines};
use crate::{TtyOptions, View, summary_line};
use plimsoll_core::{Finding, Severity};
use std::fmt::Write;

/// Spans longer than this many lines show their first and last lines only.
const MAX_FRAME_LINES: usize = 4;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on && !s.is_empty() {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
            Severity::Style => "1;35",
        };
        self.wrap(code, s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn gutter(&self, s: &str) -> String {
        self.wrap("1;34", s)
    }
}

pub fn render(view: &View, opts: &TtyOptions) -> String {
    let paint = Paint { on: opts.color };
    let mut out = String::new();
    for f in view.findings {
        finding(&mut out, f, view.report.sources.get(&f.file), &paint);
        out.push('\n');
    }
    out.push_str(&paint.bold(&summary_line(&view.summary)));
    out.push('\n');
    out
}

fn location(f: &Finding) -> String {
    let mut s = sanitize(&f.file).replace('\n', " ");
    if f.region.line > 0 {
        write!(s, ":{}", f.region.line).unwrap();
        if f.region.column > 0 {
            write!(s, ":{}", f.region.column).unwrap();
        }
    }
    s.push(':');
    s
}

/// A frame line: the source line (`Some(n)`) or an underline (`None`).
struct FrameLine {
    number: Option<usize>,
    text: String,
    sev_colored: bool,
}

fn finding(out: &mut String, f: &Finding, source: Option<&String>, paint: &Paint) {
    let message = sanitize(&f.message).replace('\n', "\n  ");
    writeln!(
        out,
        "{} {} {}",
        paint.bold(&location(f)),
        paint.severity(
            f.severity,
            &format!("{}[{}]", f.severity, sanitize(&f.code))
        ),
        message
    )
    .unwrap();

    let frame = source.map(|s| frame(f, s)).unwrap_or_default();
    let last_number = frame.iter().filter_map(|l| l.number).max().unwrap_or(0);
    let width = last_number.to_string().len();
    let blank = " ".repeat(width);
    if !frame.is_empty() {
        writeln!(out, "{}", paint.gutter(&format!("{blank} |"))).unwrap();
    }
    for line in &frame {
        let gutter = match line.number {
            Some(n) => format!("{n:>width$} |"),
            None if line.text == "..." => format!("{:>width$}", "..."),
            None => format!("{blank} |"),
        };
        let text = if line.sev_colored {
            paint.severity(f.severity, &line.text)
        } else {
            line.text.clone()
        };
        if line.text.is_empty() || line.text == "..." {
            writeln!(out, "{}", paint.gutter(&gutter)).unwrap();
        } else {
            writeln!(out, "{} {}", paint.gutter(&gutter), text).unwrap();
        }
    }
    if let Some(fix) = &f.fix {
        let indent = " ".repeat(width + 9);
        let fix = sanitize(fix).replace('\n', &format!("\n{indent}"));
        writeln!(
            out,
            "{} {} {}",
            paint.gutter(&format!("{blank} =")),
            paint.bold("help:"),
            fix
        )
        .unwrap();
    }
}

/// The code frame of a finding: its source lines, each followed by the
/// underline of the part of it the span covers. Empty when the span is not
/// in the source.
fn frame(f: &Finding, source: &str) -> Vec<FrameLine> {
    let lines = source_lines(source);
    let r = f.region;
    let first = r.line as usize;
    if first == 0 || first > lines.len() {
        return Vec::new();
    }
    let col = r.column as usize;
    // A span that ends at column 1 of a later line ends with the line before.
    let (mut last, mut end_col) = (r.end_line as usize, Some(r.end_column as usize));
    if last > first && r.end_column <= 1 {
        last -= 1;
        end_col = None;
    }
    if last > lines.len() {
        last = lines.len();
        end_col = None;
    }

    let mut shown: Vec<usize> = Vec::new();
    if last <= first {
        shown.push(first);
    } else if last - first < MAX_FRAME_LINES {
        shown.extend(first..=last);
    } else {
        shown.extend([first, first + 1, 0, last]);
    }

    let mut out = Vec::new();
    for n in shown {
        if n == 0 {
            out.push(FrameLine {
                number: None,
                text: "...".into(),
                sev_colored: false,
            });
            continue;
        }
        let line = lines[n - 1];
        let (from, to) = if last <= first {
            // One line: the span, or one caret when it has no sensible end.
            if col == 0 {
                (first_non_blank(line), None)
            } else if r.end_line as usize == first && r.end_column as usize > col {
                (col - 1, Some(r.end_column as usize - 1))
            } else if r.end_line as usize > first {
                (col - 1, None)
            } else {
                (col - 1, Some(col))
            }
        } else if n == first {
            (col.saturating_sub(1), None)
        } else if n == last {
            (first_non_blank(line), end_col.map(|c| c.saturating_sub(1)))
        } else {
            (first_non_blank(line), None)
        };
        let (clipped, from, to) = clip(line, from, to);
        let s = show_span(&clipped, from, to);
        out.push(FrameLine {
            number: Some(n),
            text: s.text,
            sev_colored: false,
        });
        out.push(FrameLine {
            number: None,
            text: format!("{}{}", " ".repeat(s.start), "^".repeat(s.width)),
            sev_colored: true,
        });
    }
    out
}

/// Longest source line shown whole in a frame; longer lines are shown as a
/// window around the span (a 145 KB `RUN` line must not flood a terminal).
const MAX_SHOWN_CHARS: usize = 160;

/// Clips a long line to a window around character `from`; returns the
/// shown text and the span's character range within it.
fn clip(line: &str, from: usize, to: Option<usize>) -> (String, usize, Option<usize>) {
    let n = line.chars().count();
    if n <= MAX_SHOWN_CHARS {
        return (line.to_string(), from, to);
    }
    let start = from.min(n).saturating_sub(20);
    let end = (start + MAX_SHOWN_CHARS).min(n);
    let lead = usize::from(start > 0);
    let mut s = String::new();
    if start > 0 {
        s.push('…');
    }
    s.extend(line.chars().skip(start).take(end - start));
    if end < n {
        s.push('…');
    }
    let from = from.min(n) - start + lead;
    let to = to.map(|t| t.clamp(start, end) - start + lead);
    (s, from, to)
}

#[cfg(test)]
mod clip_tests {
    use super::clip;

    #[test]
    fn long_lines_are_windowed() {
        let line = format!("RUN {}", "x ".repeat(50_000));
        let (s, from, to) = clip(&line, 60_000, Some(60_003));
        assert!(s.chars().count() <= 162);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert_eq!((from, to), (21, Some(24)));
        let (s, from, _) = clip("short", 2, None);
        assert_eq!((s.as_str(), from), ("short", 2));
    }
}
