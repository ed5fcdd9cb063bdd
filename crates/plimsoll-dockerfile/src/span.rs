//! Byte spans and the line index that turns them into line/column.

/// A half-open byte range `[start, end)` into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A value with the span it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// Maps byte offsets to 1-based line and 1-based character column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Byte offset where the 1-based `line` starts.
    pub fn line_start(&self, line: u32) -> usize {
        let i = (line.max(1) - 1) as usize;
        *self
            .starts
            .get(i)
            .unwrap_or(self.starts.last().unwrap_or(&0))
    }

    /// 1-based (line, column) of a byte offset; columns count characters.
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text[start..end].chars().count() + 1;
        (line as u32 + 1, col as u32)
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text<'a>(&self, text: &'a str, line: u32) -> &'a str {
        let i = (line.max(1) - 1) as usize;
        let Some(&s) = self.starts.get(i) else {
            return "";
        };
        let e = self.starts.get(i + 1).copied().unwrap_or(text.len());
        let mut t = &text[s..e];
        t = t.strip_suffix('\n').unwrap_or(t);
        t.strip_suffix('\r').unwrap_or(t)
    }
}

/// Maps offsets in a logical (joined) string back to source offsets.
///
/// A Dockerfile instruction spread over continuation lines is joined into
/// one logical line; each piece of it came from a contiguous source range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// (logical start, source start), sorted by logical start.
    segments: Vec<(usize, usize)>,
    /// Source offset that maps from the logical end.
    end: usize,
}

impl OffsetMap {
    pub fn push(&mut self, logical: usize, source: usize) {
        if let Some(last) = self.segments.last_mut()
            && last.0 == logical
        {
            last.1 = source;
            return;
        }
        self.segments.push((logical, source));
    }

    pub fn set_end(&mut self, source_end: usize) {
        self.end = source_end;
    }

    /// A map for text copied verbatim from `source_start`.
    pub fn identity(source_start: usize, len: usize) -> OffsetMap {
        OffsetMap {
            segments: vec![(0, source_start)],
            end: source_start + len,
        }
    }

    /// Source offset of logical offset `off`.
    pub fn source(&self, off: usize) -> usize {
        if self.segments.is_empty() {
            return self.end;
        }
        let i = match self.segments.binary_search_by(|s| s.0.cmp(&off)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let (l, s) = self.segments[i];
        s + off.saturating_sub(l)
    }

    /// Source span of the logical range `[start, end)`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            let s = self.source(start);
            return Span::new(s, s);
        }
        // The end maps from the last character inside the range, plus one,
        // so a range ending at a segment boundary does not jump lines.
        Span::new(self.source(start), self.source(end - 1) + 1)
    }

    /// A map for the sub-string starting at logical offset `from`.
    pub fn shifted(&self, from: usize) -> OffsetMap {
        let mut out = OffsetMap {
            segments: Vec::new(),
            end: self.end,
        };
        out.segments.push((0, self.source(from)));
        for &(l, s) in &self.segments {
            if l > from {
                out.segments.push((l - from, s));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let t = "ab\néx\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.position(t, 0), (1, 1));
        assert_eq!(ix.position(t, 3), (2, 1));
        assert_eq!(ix.position(t, 5), (2, 2));
        assert_eq!(ix.line_text(t, 2), "éx");
    }

    #[test]
    fn offset_map_segments() {
        let mut m = OffsetMap::default();
        m.push(0, 10);
        m.push(5, 30);
        assert_eq!(m.source(0), 10);
        assert_eq!(m.source(4), 14);
        assert_eq!(m.source(6), 31);
        assert_eq!(m.span(3, 5), Span::new(13, 15));
        let s = m.shifted(2);
        assert_eq!(s.source(0), 12);
        assert_eq!(s.source(4), 31);
    }
}
