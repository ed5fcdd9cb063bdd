//! The Dockerfile parser: BuildKit's frontend grammar, with spans.
//!
//! It follows BuildKit's `parser.Parse` step by step (directives, comment
//! stripping, line continuation, heredocs, builder flags, per-instruction
//! argument forms) and adds what a linter needs: a span on every part, and
//! recovery after a syntax error so the rest of the file is still linted.

use crate::ast::*;
use crate::span::{LineIndex, OffsetMap, Span, Spanned};
use crate::words::{expand, split_words};

/// BuildKit reads lines with a 64 KiB scanner buffer; longer lines fail.
pub const MAX_LINE: usize = 65535;

/// A parsed Dockerfile.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub source: String,
    pub lines: LineIndex,
    pub directives: Directives,
    pub instructions: Vec<Instruction>,
    pub comments: Vec<Comment>,
    /// Errors of BuildKit's parser: the file does not parse (DL1000).
    pub errors: Vec<SyntaxError>,
    /// Instructions the parser accepts but BuildKit's instruction layer
    /// rejects when building (unknown instruction, bad FROM, …).
    pub invalid: Vec<SyntaxError>,
}

impl Dockerfile {
    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        self.lines.position(&self.source, offset)
    }

    /// Text of a span.
    pub fn text(&self, span: Span) -> &str {
        self.source.get(span.start..span.end).unwrap_or("")
    }
}

#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// End of the text, line ending excluded.
    end: usize,
}

fn split_lines(src: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            let mut end = i;
            if end > start && bytes[end - 1] == b'\r' {
                end -= 1;
            }
            out.push(Line { start, end });
            start = i + 1;
        }
    }
    if start < bytes.len() {
        let mut end = bytes.len();
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        out.push(Line { start, end });
    }
    out
}

fn is_go_space(c: char) -> bool {
    c.is_whitespace()
}

/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` → (name, value, value offset)
fn directive(text: &str) -> Option<(String, String, usize, usize)> {
    let rest = text.strip_prefix('#')?;
    let off = 1 + rest.len() - rest.trim_start().len();
    let rest = rest.trim_start();
    let name_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let name = &rest[..name_len];
    let after = rest[name_len..].trim_start();
    let after = after.strip_prefix('=')?;
    let value = after.trim();
    if value.is_empty() {
        return None;
    }
    let vstart = text.len() - after.trim_start().len();
    let _ = off;
    Some((
        name.to_ascii_lowercase(),
        value.to_string(),
        vstart,
        vstart + value.len(),
    ))
}

/// Strips BuildKit's continuation marker: the escape character as the
/// last character of the line (trailing blanks allowed), unless it is
/// itself escaped (`\\` at the end is a literal backslash).
fn strip_continuation(text: &str, escape: char) -> (&str, bool) {
    let t = text.trim_end_matches([' ', '\t']);
    match t.strip_suffix(escape) {
        Some(s) if !s.ends_with(escape) => (s, true),
        _ => (text, false),
    }
}

/// Parses a Dockerfile. Never fails: syntax errors are collected in
/// [`Dockerfile::errors`] and parsing resumes at the next instruction.
pub fn parse(source: &str) -> Dockerfile {
    let lines = split_lines(source);
    let mut p = Parser {
        src: source,
        lines: &lines,
        directives: Directives::default(),
        instructions: Vec::new(),
        comments: Vec::new(),
        errors: Vec::new(),
        invalid: Vec::new(),
    };
    p.run();
    let Parser {
        directives,
        instructions,
        comments,
        errors,
        invalid,
        ..
    } = p;
    Dockerfile {
        source: source.to_string(),
        lines: LineIndex::new(source),
        directives,
        instructions,
        comments,
        errors,
        invalid,
    }
}

struct Parser<'a> {
    src: &'a str,
    lines: &'a [Line],
    directives: Directives,
    instructions: Vec<Instruction>,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
    invalid: Vec<SyntaxError>,
}

impl<'a> Parser<'a> {
    fn line_text(&self, i: usize) -> &'a str {
        let l = self.lines[i];
        let mut s = l.start;
        if i == 0 && self.src[s..l.end].starts_with('\u{feff}') {
            s += 3;
        }
        &self.src[s..l.end]
    }

    fn line_span(&self, i: usize) -> Span {
        let l = self.lines[i];
        Span::new(l.start, l.end)
    }

    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    fn comment(&mut self, i: usize, text: &str) {
        let t = text.trim_start();
        let start = self.lines[i].end - t.len();
        self.comments.push(Comment {
            text: t[1..].trim().to_string(),
            line: i as u32 + 1,
            span: Span::new(start, self.lines[i].end),
        });
    }

    fn run(&mut self) {
        let mut directives_done = false;
        let mut seen: Vec<String> = Vec::new();
        let mut i = 0;
        let n = self.lines.len();
        while i < n {
            let text = self.line_text(i);
            if text.len() > MAX_LINE {
                self.error(
                    format!("dockerfile line greater than max allowed size of {MAX_LINE}"),
                    self.line_span(i),
                );
                i += 1;
                continue;
            }
            if !directives_done {
                match directive(text) {
                    Some((name, value, vs, ve))
                        if matches!(name.as_str(), "syntax" | "escape" | "check") =>
                    {
                        let base = self.lines[i].end - text.len();
                        let span = Span::new(base + vs, base + ve);
                        if seen.contains(&name) {
                            self.error(
                                format!("only one {name} parser directive can be used"),
                                self.line_span(i),
                            );
                        } else {
                            seen.push(name.clone());
                            let sp = Spanned {
                                value: value.clone(),
                                span,
                            };
                            match name.as_str() {
                                "syntax" => self.directives.syntax = Some(sp),
                                "check" => self.directives.check = Some(sp),
                                _ => {
                                    if value == "`" || value == "\\" {
                                        self.directives.escape_char =
                                            value.chars().next().unwrap_or('\\');
                                    } else {
                                        self.error(
                                            format!(
                                                "invalid escape token '{value}' does not match ` or \\"
                                            ),
                                            span,
                                        );
                                    }
                                    self.directives.escape = Some(sp);
                                }
                            }
                        }
                        self.comment(i, text);
                        i += 1;
                        continue;
                    }
                    _ => directives_done = true,
                }
            }
            let trimmed = text.trim_start_matches(is_go_space);
            if trimmed.starts_with('#') {
                self.comment(i, text);
                i += 1;
                continue;
            }
            if trimmed.is_empty() {
                i += 1;
                continue;
            }
            i = self.instruction(i);
        }
        if self.instructions.is_empty() && self.errors.is_empty() {
            let end = self.src.len();
            self.error("file with no instructions", Span::new(end, end));
        }
    }

    /// Reads one instruction starting at line `i`; returns the next line.
    fn instruction(&mut self, first: usize) -> usize {
        let esc = self.directives.escape_char;
        let text = self.line_text(first);
        let lead = text.len() - text.trim_start_matches(is_go_space).len();
        let base = self.lines[first].end - text.len();
        let mut logical = String::new();
        let mut map = OffsetMap::default();
        let piece = &text[lead..];
        let (piece, mut cont) = strip_continuation(piece, esc);
        map.push(0, base + lead);
        logical.push_str(piece);
        let mut end_src = base + lead + piece.len();
        let mut i = first + 1;
        while cont && i < self.lines.len() {
            let t = self.line_text(i);
            if t.len() > MAX_LINE {
                self.error(
                    format!("dockerfile line greater than max allowed size of {MAX_LINE}"),
                    self.line_span(i),
                );
                i += 1;
                continue;
            }
            let tt = t.trim_start_matches(is_go_space);
            if tt.starts_with('#') {
                self.comment(i, t);
                i += 1;
                continue;
            }
            if tt.is_empty() {
                i += 1;
                continue;
            }
            let b = self.lines[i].end - t.len();
            let (p, c) = strip_continuation(t, esc);
            map.push(logical.len(), b);
            logical.push_str(p);
            end_src = b + p.len();
            cont = c;
            i += 1;
        }
        map.push(logical.len(), end_src);
        map.set_end(end_src);
        let mut last_line_end = self.lines[i - 1].end;
        let (mut ins, err) = build(&logical, &map, esc);
        match err {
            Some(Problem::Parse(message, span)) => self.error(message, span),
            Some(Problem::Build(message, span)) => self.invalid.push(SyntaxError { message, span }),
            None => {}
        }
        // Heredocs: bodies follow the instruction line.
        if ins.kind.takes_heredoc() && logical.contains("<<") {
            let markers = heredoc_markers(&ins.args, esc);
            for (name, quoted, chomp, fd, ms, me) in markers {
                let body_start = self.lines.get(i).map(|l| l.start).unwrap_or(self.src.len());
                let mut terminated = false;
                let mut body_end = body_start;
                while i < self.lines.len() {
                    let l = self.lines[i];
                    let raw = &self.src[l.start..l.end];
                    let cand = if chomp {
                        raw.trim_start_matches('\t')
                    } else {
                        raw
                    };
                    i += 1;
                    if cand == name {
                        terminated = true;
                        last_line_end = l.end;
                        break;
                    }
                    // Body keeps line endings as in the file.
                    body_end = self.lines.get(i).map(|n| n.start).unwrap_or(self.src.len());
                    last_line_end = l.end;
                }
                let marker = ins.args_map.span(ms, me);
                if !terminated {
                    self.error(
                        format!(
                            "unterminated heredoc: no line `{name}` closes the heredoc opened here"
                        ),
                        marker,
                    );
                }
                ins.heredocs.push(Heredoc {
                    name,
                    quoted,
                    chomp,
                    fd,
                    marker,
                    body: self.src[body_start..body_end].to_string(),
                    body_span: Span::new(body_start, body_end),
                });
            }
        }
        ins.span = Span::new(base + lead, last_line_end.max(end_src));
        self.instructions.push(ins);
        i
    }
}

/// Why an instruction is wrong: BuildKit's parser fails (`Parse`), or the
/// parser accepts it and the build fails (`Build`).
enum Problem {
    Parse(String, Span),
    Build(String, Span),
}

/// Builds an instruction from its logical line (keyword, flags, arguments).
fn build(logical: &str, map: &OffsetMap, esc: char) -> (Instruction, Option<Problem>) {
    let t_end = logical.trim_end_matches(is_go_space).len();
    let line = &logical[..t_end];
    let kw_end = line
        .find([' ', '\t', '\u{b}', '\u{c}', '\r'])
        .unwrap_or(line.len());
    let keyword = &line[..kw_end];
    let kind = Kind::from_keyword(keyword);
    let rest_start =
        kw_end + (line[kw_end..].len() - line[kw_end..].trim_start_matches(is_go_space).len());
    let (flags, args_start) = extract_flags(line, rest_start, map);
    let args = line[args_start..].to_string();
    let args_map = map.shifted(args_start);
    let mut ins = Instruction {
        kind,
        keyword: Spanned {
            value: keyword.to_string(),
            span: map.span(0, kw_end),
        },
        span: map.span(0, line.len()),
        flags,
        args,
        args_map,
        json: None,
        heredocs: Vec::new(),
        onbuild: None,
        escape: esc,
    };
    let whole = ins.span;
    let err = check_args(&mut ins, esc).map(|c| match c {
        Check::Parse(m) => Problem::Parse(m, whole),
        Check::Build(m) => Problem::Build(m, whole),
    });
    (ins, err)
}

/// BuildKit's `extractBuilderFlags`: leading `--flag[=value]` words.
fn extract_flags(line: &str, from: usize, map: &OffsetMap) -> (Vec<Flag>, usize) {
    let b = line.as_bytes();
    let mut flags = Vec::new();
    let mut pos = from;
    loop {
        while pos < b.len() && (b[pos] as char).is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= b.len() || !(b[pos] == b'-' && pos + 1 < b.len() && b[pos + 1] == b'-') {
            return (flags, pos.min(b.len()));
        }
        let start = pos;
        let mut word = String::new();
        let mut quote: Option<u8> = None;
        while pos < b.len() {
            let c = b[pos];
            match quote {
                None if (c as char).is_ascii_whitespace() => break,
                None if c == b'\'' || c == b'"' => quote = Some(c),
                Some(q) if c == q => quote = None,
                _ if c == b'\\' => {
                    if pos + 1 < b.len() {
                        pos += 1;
                        word.push(b[pos] as char);
                    }
                }
                _ => {
                    // Push whole UTF-8 characters.
                    let ch_len = utf8_len(c);
                    word.push_str(&line[pos..(pos + ch_len).min(line.len())]);
                    pos += ch_len;
                    continue;
                }
            }
            pos += 1;
        }
        if word == "--" {
            return (flags, pos);
        }
        let body = &word[2..];
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        flags.push(Flag {
            name,
            value,
            span: map.span(start, pos),
        });
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The strings of a JSON array, each with its start and end offsets.
pub type JsonStrings = Vec<(String, usize, usize)>;

/// A JSON array whose items are not all strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAllStrings;

/// Parses a JSON array of strings with spans. `Ok(None)`: not JSON (the
/// caller falls back to the shell form). `Err`: JSON, but not all strings.
pub fn parse_json_array(text: &str) -> Result<Option<JsonStrings>, NotAllStrings> {
    let lead = text.len() - text.trim_start().len();
    let t = &text[lead..];
    if !t.starts_with('[') {
        return Ok(None);
    }
    let mut stream = serde_json::Deserializer::from_str(t).into_iter::<serde_json::Value>();
    let value = match stream.next() {
        Some(Ok(v)) => v,
        _ => return Ok(None),
    };
    // Like Go's json.Unmarshal: only whitespace may follow the array.
    if !t[stream.byte_offset()..]
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .is_empty()
    {
        return Ok(None);
    }
    let serde_json::Value::Array(items) = value else {
        return Ok(None);
    };
    if !items.iter().all(|v| v.is_string()) {
        return Err(NotAllStrings);
    }
    // Valid JSON holding only strings: find each string's extent.
    let b = t.as_bytes();
    let mut out = Vec::with_capacity(items.len());
    let mut pos = 1;
    for item in items {
        while pos < b.len() && b[pos] != b'"' {
            pos += 1;
        }
        let s = pos;
        pos += 1;
        while pos < b.len() && b[pos] != b'"' {
            if b[pos] == b'\\' {
                pos += 1;
            }
            pos += 1;
        }
        pos += 1;
        let serde_json::Value::String(v) = item else {
            unreachable!("checked above")
        };
        out.push((v, lead + s, lead + pos.min(b.len())));
    }
    Ok(Some(out))
}

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

enum Check {
    Parse(String),
    Build(String),
}

/// The per-instruction argument rules of BuildKit's parser (`Parse`) and
/// of its instruction layer (`Build`) that make a build fail.
fn check_args(ins: &mut Instruction, esc: char) -> Option<Check> {
    let r = check_args_inner(ins, esc);
    match r {
        Some(Err(m)) => Some(Check::Parse(m)),
        Some(Ok(m)) => Some(Check::Build(m)),
        None => None,
    }
}

/// `Some(Err)`: parser error; `Some(Ok)`: build-time error.
fn check_args_inner(ins: &mut Instruction, esc: char) -> Option<Result<String, String>> {
    let kind = ins.kind;
    let kw = ins.keyword.value.to_ascii_uppercase();
    if kind.takes_json() {
        match parse_json_array(&ins.args) {
            Err(NotAllStrings) => return Some(Err(NOT_STRINGS.into())),
            Ok(Some(items)) => {
                ins.json = Some(
                    items
                        .into_iter()
                        .map(|(v, s, e)| Spanned {
                            value: v,
                            span: ins.args_map.span(s, e),
                        })
                        .collect(),
                );
            }
            Ok(None) => {}
        }
    }
    if let Some(m) = check_flags(ins) {
        return Some(Ok(m));
    }
    let words = || split_words(&ins.args, esc);
    match kind {
        Kind::Unknown => return Some(Ok(format!("unknown instruction: {kw}"))),
        Kind::From => {
            let w = words();
            let ok = w.len() == 1 || (w.len() == 3 && w[1].0.eq_ignore_ascii_case("as"));
            if !ok {
                return Some(Ok("FROM requires either one or three arguments".into()));
            }
            if w.len() == 3 {
                let name = w[2].0.to_ascii_lowercase();
                let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
                if !valid {
                    return Some(Ok(format!(
                        "invalid name for build stage: \"{}\", name can't start with a number or contain symbols",
                        w[2].0
                    )));
                }
            }
        }
        Kind::Env | Kind::Label => {
            let w = words();
            if w.is_empty() {
                return Some(Ok(format!("{kw} requires at least one argument")));
            }
            if !w[0].0.contains('=') {
                let rest = ins.args.trim();
                if !rest.contains([' ', '\t', '\u{b}', '\u{c}', '\r']) {
                    return Some(Err(format!("{kw} must have two arguments")));
                }
            } else {
                for (word, _, _) in &w {
                    if !word.contains('=') {
                        return Some(Err(format!(
                            "Syntax error - can't find = in {word:?}. Must be of the form: name=value"
                        )));
                    }
                }
            }
        }
        Kind::Arg => {
            if words().is_empty() {
                return Some(Ok("ARG requires exactly one argument".into()));
            }
        }
        Kind::Copy | Kind::Add => {
            let n = match &ins.json {
                Some(j) => j.len(),
                None => words().len(),
            };
            if n < 2 {
                return Some(Ok(format!("{kw} requires at least two arguments")));
            }
        }
        Kind::Expose
        | Kind::Volume
        | Kind::User
        | Kind::Workdir
        | Kind::Stopsignal
        | Kind::Maintainer
        | Kind::Shell => {
            let empty = match &ins.json {
                Some(j) => j.is_empty() && kind == Kind::Shell,
                None => ins.args.trim().is_empty(),
            };
            if empty {
                return Some(Ok(format!("{kw} requires at least one argument")));
            }
        }
        Kind::Healthcheck => {
            let a = ins.args.trim_start();
            let off = ins.args.len() - a.len();
            let typ_len = a.find(char::is_whitespace).unwrap_or(a.len());
            let typ = &a[..typ_len];
            if typ.is_empty() {
                return Some(Ok("HEALTHCHECK requires at least one argument".into()));
            }
            let rest = &a[typ_len..];
            let rest_off = off + typ_len + (rest.len() - rest.trim_start().len());
            if typ.eq_ignore_ascii_case("cmd") {
                match parse_json_array(&ins.args[rest_off..]) {
                    Err(NotAllStrings) => return Some(Err(NOT_STRINGS.into())),
                    Ok(Some(items)) => {
                        ins.json = Some(
                            items
                                .into_iter()
                                .map(|(v, s, e)| Spanned {
                                    value: v,
                                    span: ins.args_map.span(rest_off + s, rest_off + e),
                                })
                                .collect(),
                        )
                    }
                    Ok(None) => {}
                }
                if ins.args[rest_off..].trim().is_empty() {
                    return Some(Ok("Missing command after HEALTHCHECK CMD".into()));
                }
            } else if !typ.eq_ignore_ascii_case("none") {
                return Some(Ok(format!("Unknown type {typ:?} in HEALTHCHECK (try CMD)")));
            }
        }
        Kind::Onbuild => {
            let rest = ins.args.trim_start();
            if rest.is_empty() {
                return Some(Ok("ONBUILD requires at least one argument".into()));
            }
            let off = ins.args.len() - rest.len();
            let sub_map = ins.args_map.shifted(off);
            let (sub, err) = build(rest, &sub_map, esc);
            let trig = sub.keyword.value.to_ascii_uppercase();
            let bad = matches!(sub.kind, Kind::Onbuild | Kind::From | Kind::Maintainer);
            ins.onbuild = Some(Box::new(sub));
            match err {
                Some(Problem::Parse(m, _)) => return Some(Err(m)),
                Some(Problem::Build(m, _)) => return Some(Ok(m)),
                None => {}
            }
            if bad {
                return Some(Ok(format!("{trig} isn't allowed as an ONBUILD trigger")));
            }
        }
        Kind::Run | Kind::Cmd | Kind::Entrypoint => {}
    }
    None
}

/// The flags BuildKit's instruction layer accepts: (name, takes a value).
fn known_flags(kind: Kind) -> &'static [(&'static str, bool)] {
    match kind {
        Kind::From => &[("platform", true)],
        Kind::Run => &[
            ("mount", true),
            ("network", true),
            ("security", true),
            ("device", true),
        ],
        Kind::Copy => &[
            ("from", true),
            ("chown", true),
            ("chmod", true),
            ("link", false),
            ("parents", false),
            ("exclude", true),
        ],
        Kind::Add => &[
            ("chown", true),
            ("chmod", true),
            ("link", false),
            ("keep-git-dir", false),
            ("checksum", true),
            ("exclude", true),
            ("parents", false),
            ("unpack", false),
        ],
        Kind::Healthcheck => &[
            ("interval", true),
            ("timeout", true),
            ("start-period", true),
            ("start-interval", true),
            ("retries", true),
        ],
        _ => &[],
    }
}

/// BuildKit's flag checks: unknown flags, and string flags without `=value`.
fn check_flags(ins: &Instruction) -> Option<String> {
    let known = known_flags(ins.kind);
    for f in &ins.flags {
        match known.iter().find(|(n, _)| *n == f.name) {
            None => return Some(format!("unknown flag: {}", f.name)),
            Some((_, true)) if f.value.is_none() => {
                return Some(format!("missing a value on flag: {}", f.name));
            }
            Some((_, false)) => {
                if let Some(v) = &f.value
                    && !matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "")
                {
                    return Some(format!(
                        "expecting boolean value for flag {}, not: {v}",
                        f.name
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Heredoc markers on an instruction's argument text, as BuildKit finds
/// them: words matching `^(\d*)<<(-?)([^<]*)$` with a non-empty name.
/// Returns (name, quoted, chomp, fd, start, end).
#[allow(clippy::type_complexity)]
pub fn heredoc_markers(
    args: &str,
    esc: char,
) -> Vec<(String, bool, bool, Option<u32>, usize, usize)> {
    let mut out = Vec::new();
    for (w, s, e) in split_words(args, esc) {
        let digits = w.len() - w.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let Some(rest) = w[digits..].strip_prefix("<<") else {
            continue;
        };
        let (chomp, rest) = match rest.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if rest.is_empty() || rest.contains('<') {
            continue;
        }
        let first = rest.chars().next().unwrap_or(' ');
        let last = rest.chars().last().unwrap_or(' ');
        let quoted = (first == '"' || first == '\'') && first == last && rest.len() > 1;
        let name = expand(rest, '\\', &|_| None).value;
        if name.is_empty() {
            continue;
        }
        let fd = if digits > 0 {
            w[..digits].parse().ok()
        } else {
            None
        };
        out.push((name, quoted, chomp, fd, s, e));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(d: &Dockerfile) -> Vec<Kind> {
        d.instructions.iter().map(|i| i.kind).collect()
    }

    #[test]
    fn continuation_with_comments_and_blank_lines() {
        let src = "FROM alpine\nRUN apk add \\\n  # a comment\n\n  curl\n";
        let d = parse(src);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(kinds(&d), vec![Kind::From, Kind::Run]);
        let run = &d.instructions[1];
        assert_eq!(run.args, "apk add   curl");
        let w = run.words();
        assert_eq!(d.text(w[2].span), "curl");
        assert_eq!(d.position(w[2].span.start), (5, 3));
        assert_eq!(d.comments.len(), 1);
    }

    #[test]
    fn directives_and_backtick_escape() {
        let src = "# escape=`\n# syntax=docker/dockerfile:1\nFROM windows\nRUN dir `\n  c:\\\n";
        let d = parse(src);
        assert_eq!(d.directives.escape_char, '`');
        // syntax after escape still counts as a directive
        assert!(d.directives.syntax.is_some());
        assert_eq!(d.instructions[1].args, "dir   c:\\");
    }

    #[test]
    fn bad_escape_is_positioned_error() {
        let d = parse("# escape = ``\nFROM x\n");
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].message.contains("invalid escape token"));
        assert_eq!(d.position(d.errors[0].span.start).0, 1);
    }

    #[test]
    fn heredocs() {
        let src = "FROM x\nRUN <<EOF bash\nset -e\necho hi\nEOF\nCOPY <<-\"A\" /a <<B /b\n\tone\n\tA\ntwo\nB\nUSER x\n";
        let d = parse(src);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(
            kinds(&d),
            vec![Kind::From, Kind::Run, Kind::Copy, Kind::User]
        );
        let run = &d.instructions[1];
        assert_eq!(run.heredocs.len(), 1);
        assert_eq!(run.heredocs[0].body, "set -e\necho hi\n");
        let cp = &d.instructions[2];
        assert_eq!(cp.heredocs.len(), 2);
        assert!(cp.heredocs[0].quoted && cp.heredocs[0].chomp);
        assert_eq!(cp.heredocs[0].content(), "one\n");
        assert_eq!(cp.heredocs[1].body, "two\n");
    }

    #[test]
    fn unterminated_heredoc() {
        let d = parse("FROM x\nRUN <<EOF\necho\n");
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].message.contains("unterminated heredoc"));
    }

    #[test]
    fn json_forms() {
        let d =
            parse("FROM x\nCMD [\"a\", \"b c\"]\nCMD [ \"echo\", [ \"nested\" ] ]\nCMD ['a']\n");
        assert_eq!(d.instructions[1].json.as_ref().unwrap()[1].value, "b c");
        assert_eq!(
            d.text(d.instructions[1].json.as_ref().unwrap()[1].span),
            "\"b c\""
        );
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].message.contains("strings only"));
        assert!(d.instructions[3].json.is_none());
    }

    #[test]
    fn flags() {
        let d = parse(
            "FROM --platform=$BUILDPLATFORM golang AS b\nRUN --mount=type=cache,target=/root/.cache --network=none go build\n",
        );
        let run = &d.instructions[1];
        assert_eq!(run.flags.len(), 2);
        assert_eq!(run.flag_value("network"), Some("none"));
        assert_eq!(run.args, "go build");
        assert_eq!(
            d.text(run.flags[0].span),
            "--mount=type=cache,target=/root/.cache"
        );
    }

    #[test]
    fn escaped_trailing_backslash_is_not_continuation() {
        let d = parse("FROM x\nENV C a\\\\\nENV D b\nENV E h\\\n\\\nw\n");
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(d.instructions.len(), 4);
        assert_eq!(d.instructions[3].args, "E hw");
    }

    #[test]
    fn build_time_errors_are_separate() {
        let d = parse("FROM x\nBOGUS y\nHEALTHCHECK\n");
        assert!(d.errors.is_empty());
        assert_eq!(d.invalid.len(), 2);
        assert_eq!(d.invalid[0].message, "unknown instruction: BOGUS");
    }

    #[test]
    fn flag_checks_and_trailing_json() {
        let d = parse(
            "FROM x\nADD --chmod 777 a /b\nCOPY --bogus=1 a /b\nCOPY --link a /b\nENTRYPOINT [\"x\"] # note\nFROM y AS ${N}\n",
        );
        let m: Vec<&str> = d.invalid.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(m[0], "missing a value on flag: chmod");
        assert_eq!(m[1], "unknown flag: bogus");
        assert!(m[2].starts_with("invalid name for build stage"));
        assert_eq!(m.len(), 3);
        assert!(d.instructions[4].json.is_none());
    }

    #[test]
    fn env_errors_and_recovery() {
        let d = parse("FROM x\nENV foo\nRUN true\n");
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].message, "ENV must have two arguments");
        assert_eq!(d.instructions.len(), 3);
    }

    #[test]
    fn onbuild_trigger() {
        let d = parse("FROM x\nONBUILD RUN echo hi\n");
        let ob = d.instructions[1].onbuild.as_ref().unwrap();
        assert_eq!(ob.kind, Kind::Run);
        assert_eq!(d.text(ob.keyword.span), "RUN");
    }

    #[test]
    fn only_comments() {
        let d = parse("# a\n# b\n");
        assert_eq!(d.errors[0].message, "file with no instructions");
    }

    #[test]
    fn crlf_and_bom() {
        let d = parse("\u{feff}FROM x\r\nRUN a \\\r\n b\r\n");
        assert!(d.errors.is_empty());
        assert_eq!(d.instructions[1].args, "a  b");
    }
}
