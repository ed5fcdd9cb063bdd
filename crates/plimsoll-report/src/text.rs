//! Text helpers shared by the reporters: source lines, character columns and
//! their display width.

use unicode_width::UnicodeWidthChar;

/// How many cells a tab takes in a code frame.
pub const TAB_WIDTH: usize = 4;

/// The lines of a source text, without their `\n` or `\r\n` ends.
/// Line `n` (1-based) is `lines[n - 1]`.
pub fn source_lines(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// One character of a source line as a code frame shows it.
struct Cell {
    shown: String,
    width: usize,
}

fn cell(c: char) -> Cell {
    match c {
        '\t' => Cell {
            shown: " ".repeat(TAB_WIDTH),
            width: TAB_WIDTH,
        },
        c if c.is_control() => Cell {
            shown: '\u{FFFD}'.to_string(),
            width: 1,
        },
        c => Cell {
            shown: c.to_string(),
            width: c.width().unwrap_or(0),
        },
    }
}

/// A source line made safe for a terminal (tabs expanded, control characters
/// replaced), with where a span of it sits on screen.
pub struct Shown {
    pub text: String,
    /// Screen cells before the span.
    pub start: usize,
    /// Screen cells the span covers (at least 1).
    pub width: usize,
}

/// Renders `line` and locates the characters `from..to` (0-based character
/// indices, `to` exclusive; `None` means to the end of the line) on screen.
/// Indices past the end are clamped; an empty span gets one cell.
pub fn show_span(line: &str, from: usize, to: Option<usize>) -> Shown {
    let cells: Vec<Cell> = line.chars().map(cell).collect();
    let n = cells.len();
    let from = from.min(n);
    let to = to.unwrap_or(n).clamp(from, n);
    let text: String = cells.iter().map(|c| c.shown.as_str()).collect();
    let start = cells[..from].iter().map(|c| c.width).sum();
    let width: usize = cells[from..to].iter().map(|c| c.width).sum();
    Shown {
        text: text.trim_end().to_string(),
        start,
        width: width.max(1),
    }
}

/// 0-based index of the first non-blank character of `line` (its length when
/// it is all blank).
pub fn first_non_blank(line: &str) -> usize {
    line.chars()
        .position(|c| !c.is_whitespace())
        .unwrap_or_else(|| line.chars().count())
}

/// Replaces control characters other than `\n` and `\t` (escape sequences
/// above all) so that text from a Dockerfile cannot drive the terminal.
/// `\r\n` counts as a line break.
pub fn sanitize(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_drop_crlf() {
        assert_eq!(source_lines("a\r\nb\nc"), vec!["a", "b", "c"]);
        assert_eq!(source_lines("a\n"), vec!["a", ""]);
    }

    #[test]
    fn spans_count_characters_and_cells() {
        // "é" is two bytes, one cell; "日" is three bytes, two cells.
        let s = show_span("é日x", 1, Some(2));
        assert_eq!((s.start, s.width), (1, 2));
        let s = show_span("\tRUN x", 1, Some(4));
        assert_eq!(s.text, "    RUN x");
        assert_eq!((s.start, s.width), (4, 3));
        // Past the end: clamped, still one caret.
        let s = show_span("ab", 10, Some(20));
        assert_eq!((s.start, s.width), (2, 1));
        let s = show_span("ab", 1, Some(0));
        assert_eq!((s.start, s.width), (1, 1));
        let s = show_span("a\u{1b}[31mb", 0, None);
        assert_eq!(s.text, "a\u{FFFD}[31mb");
        assert_eq!(s.width, 7);
    }
}
