//! Shell scripts in RUN: split into commands with word positions.
//!
//! This is a tokenizer for the POSIX shell language as it appears in
//! Dockerfiles, not an interpreter: it understands quoting, escapes,
//! command and arithmetic substitution, `&&`/`||`/`;`/`|`/`&`, subshells,
//! redirections, assignments before a command, shell heredocs and the
//! compound-command keywords, and yields every simple command (including
//! those inside `$(...)`) with the span of each word in the Dockerfile.

use crate::span::{OffsetMap, Span};

/// A word of a shell command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShWord {
    /// Quotes removed, escapes resolved, `$VAR` kept as written.
    pub text: String,
    /// As written.
    pub raw: String,
    pub span: Span,
}

/// A simple command: `name arg…` with its assignments and redirections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command name followed by its arguments.
    pub words: Vec<ShWord>,
    /// `NAME=value` words before the command name.
    pub assignments: Vec<ShWord>,
    /// Redirection operators and their targets (`>`, `/dev/null`, …).
    pub redirects: Vec<ShWord>,
    /// Which pipeline (a run of commands joined by `|`) it is in.
    pub pipeline: usize,
    /// The pipeline has more than one command.
    pub piped: bool,
    /// Found inside a `$(...)` or backquote substitution.
    pub nested: bool,
    pub span: Span,
}

impl Command {
    pub fn name(&self) -> Option<&str> {
        self.words.first().map(|w| w.text.as_str())
    }

    /// The command name without its directory (`/usr/bin/apt-get` → `apt-get`).
    pub fn base_name(&self) -> Option<&str> {
        self.name().map(|n| n.rsplit('/').next().unwrap_or(n))
    }

    pub fn is(&self, name: &str) -> bool {
        // `name` or `…/name`, without scanning the whole word.
        self.name().is_some_and(|n| {
            n == name
                || (n.len() > name.len()
                    && n.ends_with(name)
                    && n.as_bytes()[n.len() - name.len() - 1] == b'/')
        })
    }

    /// Arguments after the command name.
    pub fn args(&self) -> &[ShWord] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// Arguments that are not flags (do not start with `-`), stopping flag
    /// recognition after `--`.
    pub fn args_no_flags(&self) -> Vec<&ShWord> {
        let mut out = Vec::new();
        let mut dashdash = false;
        for w in self.args() {
            if !dashdash && w.text == "--" {
                dashdash = true;
                continue;
            }
            if dashdash || !w.text.starts_with('-') || w.text == "-" {
                out.push(w);
            }
        }
        out
    }

    /// Flags given, as names: `-abc` gives `a`, `b`, `c`; `--foo=x` gives
    /// `foo`. Values attached with `=` are split off.
    pub fn flags(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for w in self.args() {
            let t = w.text.as_str();
            if t == "--" {
                break;
            }
            if let Some(long) = t.strip_prefix("--") {
                out.push(long.split('=').next().unwrap_or(long));
            } else if let Some(short) = t.strip_prefix('-') {
                if short.is_empty() {
                    continue;
                }
                for (i, _) in short.char_indices() {
                    let c = &short[i..];
                    let end = c.chars().next().map(char::len_utf8).unwrap_or(1);
                    out.push(&short[i..i + end]);
                }
            }
        }
        out
    }

    pub fn has_flag(&self, name: &str) -> bool {
        self.flags().contains(&name)
    }

    pub fn has_any_flag(&self, names: &[&str]) -> bool {
        let f = self.flags();
        names.iter().any(|n| f.contains(n))
    }

    /// The value of `--name=value`, `--name value` or `-n value`.
    pub fn flag_value(&self, names: &[&str]) -> Option<&ShWord> {
        let args = self.args();
        for (i, w) in args.iter().enumerate() {
            let t = w.text.as_str();
            for n in names {
                let dash = if n.len() == 1 { "-" } else { "--" };
                let f = format!("{dash}{n}");
                if t == f {
                    return args.get(i + 1);
                }
                if t.len() > f.len() && t.starts_with(&f) && t.as_bytes()[f.len()] == b'=' {
                    return Some(w);
                }
            }
        }
        None
    }

    /// Whether any argument equals `s`.
    pub fn has_arg(&self, s: &str) -> bool {
        self.args().iter().any(|w| w.text == s)
    }
}

/// A tokenized script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub commands: Vec<Command>,
}

impl Script {
    /// Tokenizes `text`; `map` turns offsets in `text` into source offsets.
    pub fn parse(text: &str, map: &OffsetMap) -> Script {
        let mut script = Script::default();
        let mut pipeline = 0;
        tokenize_into(
            text,
            0,
            text.len(),
            map,
            false,
            &mut script,
            &mut pipeline,
            0,
        );
        script
    }

    /// Commands with the given base name.
    pub fn find<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Command> + 'a {
        self.commands.iter().filter(move |c| c.is(name))
    }

    pub fn has_pipe(&self) -> bool {
        self.commands.iter().any(|c| c.piped && !c.nested)
    }
}

#[derive(Debug)]
enum Tok {
    Word(ShWord, Vec<(usize, usize)>),
    /// Control operator or newline.
    Op(&'static str),
    /// Redirection operator (with any fd prefix) as written.
    Redir(ShWord, bool),
}

const MAX_DEPTH: usize = 32;

#[allow(clippy::too_many_arguments)]
fn tokenize_into(
    text: &str,
    from: usize,
    to: usize,
    map: &OffsetMap,
    nested: bool,
    script: &mut Script,
    pipeline: &mut usize,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let toks = tokenize(text, from, to, map);
    let mut cur: Option<Command> = None;
    let mut subs: Vec<(usize, usize)> = Vec::new();
    let mut pending_heredocs: Vec<(String, bool)> = Vec::new();
    let mut skip_header = false; // inside `for x in …` / `case … in`
    let mut in_case = false;
    let mut case_pattern = false; // between `in`/`;;` and a pattern's `)`
    let mut expect_redir_target = false;
    let mut piped_next = false;
    let mut pipeline_len = 0usize;
    let pipeline_start = script.commands.len();
    let mut this_pipeline_first = pipeline_start;

    let finish = |cur: &mut Option<Command>, script: &mut Script| {
        if let Some(c) = cur.take()
            && (!c.words.is_empty() || !c.assignments.is_empty())
        {
            script.commands.push(c);
        }
    };

    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Op(op) if case_pattern => {
                // `a|b)` in a case: the pattern, not a pipe.
                if *op == ")" {
                    case_pattern = false;
                }
            }
            Tok::Op(op) => {
                expect_redir_target = false;
                if *op == ";;" && in_case {
                    case_pattern = true;
                }
                let was_cmd = cur.as_ref().is_some_and(|c| !c.words.is_empty());
                finish(&mut cur, script);
                match *op {
                    "|" | "|&" => {
                        if was_cmd {
                            pipeline_len += 1;
                        }
                        piped_next = true;
                    }
                    _ => {
                        if piped_next || pipeline_len > 0 {
                            let total = pipeline_len + usize::from(was_cmd);
                            if total > 1 {
                                for c in &mut script.commands[this_pipeline_first..] {
                                    if c.nested == nested {
                                        c.piped = true;
                                    }
                                }
                            }
                        }
                        piped_next = false;
                        pipeline_len = 0;
                        *pipeline += 1;
                        this_pipeline_first = script.commands.len();
                        if *op == "\n" || *op == ";" || *op == ";;" {
                            skip_header = false;
                        }
                        if *op == "\n" && !pending_heredocs.is_empty() {
                            // handled by the tokenizer (bodies were skipped)
                            pending_heredocs.clear();
                        }
                    }
                }
            }
            Tok::Redir(w, is_heredoc) => {
                let c = cur.get_or_insert_with(|| new_cmd(*pipeline, nested, w.span));
                c.redirects.push(w.clone());
                c.span = c.span.cover(w.span);
                expect_redir_target = true;
                if *is_heredoc {
                    pending_heredocs.push((String::new(), false));
                }
            }
            Tok::Word(w, _) if case_pattern => {
                if w.text == "esac" {
                    case_pattern = false;
                    in_case = false;
                }
            }
            Tok::Word(w, inner) => {
                subs.extend(inner.iter().copied());
                if expect_redir_target {
                    expect_redir_target = false;
                    if let Some(c) = cur.as_mut() {
                        c.redirects.push(w.clone());
                        c.span = c.span.cover(w.span);
                        i += 1;
                        continue;
                    }
                }
                let at_start = cur.as_ref().is_none_or(|c| c.words.is_empty());
                let t = w.text.as_str();
                let keyword = w.raw == w.text; // unquoted
                // `NAME=value` before the command name, the value possibly
                // quoted (`DEBIAN_FRONTEND="noninteractive" apt-get …`).
                if at_start
                    && !skip_header
                    && !(in_case && t.ends_with(')'))
                    && is_assignment(&w.raw)
                {
                    let c = cur.get_or_insert_with(|| new_cmd(*pipeline, nested, w.span));
                    c.assignments.push(w.clone());
                    c.span = c.span.cover(w.span);
                    i += 1;
                    continue;
                }
                if at_start && keyword {
                    if skip_header {
                        if in_case && t == "in" {
                            skip_header = false;
                            case_pattern = true;
                        } else if t == "do" {
                            skip_header = false;
                        }
                        i += 1;
                        continue;
                    }
                    match t {
                        "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{"
                        | "}" | "fi" | "done" | "esac" | "(" | ")" | "function" => {
                            if t == "esac" {
                                in_case = false;
                            }
                            i += 1;
                            continue;
                        }
                        "for" | "select" => {
                            skip_header = true;
                            in_case = false;
                            i += 1;
                            continue;
                        }
                        "case" => {
                            skip_header = true;
                            in_case = true;
                            i += 1;
                            continue;
                        }
                        _ => {}
                    }
                }
                if skip_header {
                    i += 1;
                    continue;
                }
                let c = cur.get_or_insert_with(|| new_cmd(*pipeline, nested, w.span));
                c.words.push(w.clone());
                c.span = c.span.cover(w.span);
            }
        }
        i += 1;
    }
    let was_cmd = cur.as_ref().is_some_and(|c| !c.words.is_empty());
    finish(&mut cur, script);
    if pipeline_len + usize::from(was_cmd) > 1 {
        for c in &mut script.commands[this_pipeline_first..] {
            if c.nested == nested {
                c.piped = true;
            }
        }
    }
    *pipeline += 1;
    for (s, e) in subs {
        tokenize_into(text, s, e, map, true, script, pipeline, depth + 1);
    }
}

fn new_cmd(pipeline: usize, nested: bool, span: Span) -> Command {
    Command {
        words: Vec::new(),
        assignments: Vec::new(),
        redirects: Vec::new(),
        pipeline,
        piped: false,
        nested,
        span,
    }
}

fn is_assignment(raw: &str) -> bool {
    match raw.find('=') {
        Some(0) | None => false,
        Some(i) => {
            let name = raw[..i].strip_suffix('+').unwrap_or(&raw[..i]);
            let name = name.split('[').next().unwrap_or(name);
            !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    }
}

fn tokenize(text: &str, from: usize, to: usize, map: &OffsetMap) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut pos = from;
    let mut heredocs: Vec<(String, bool)> = Vec::new();
    let mut expect_heredoc_word: Option<bool> = None;
    while pos < to {
        let c = b[pos];
        match c {
            b' ' | b'\t' | b'\r' => pos += 1,
            b'\\' if pos + 1 < to && b[pos + 1] == b'\n' => pos += 2,
            b'\n' => {
                toks.push(Tok::Op("\n"));
                pos += 1;
                // Skip shell heredoc bodies opened on the line just ended.
                for (delim, strip) in heredocs.drain(..) {
                    while pos < to {
                        let line_end = text[pos..to].find('\n').map(|x| pos + x).unwrap_or(to);
                        let mut line = &text[pos..line_end];
                        line = line.strip_suffix('\r').unwrap_or(line);
                        if strip {
                            line = line.trim_start_matches('\t');
                        }
                        pos = (line_end + 1).min(to);
                        if line == delim {
                            break;
                        }
                    }
                }
            }
            b'#' => {
                while pos < to && b[pos] != b'\n' {
                    pos += 1;
                }
            }
            b'&' | b'|' | b';' | b'(' | b')' => {
                let two = if pos + 1 < to {
                    text.get(pos..pos + 2).unwrap_or("")
                } else {
                    ""
                };
                let op: &'static str = match two {
                    "&&" => "&&",
                    "||" => "||",
                    ";;" => ";;",
                    "|&" => "|&",
                    "&>" => {
                        let (w, n) = redir_word(text, pos, to, map);
                        toks.push(Tok::Redir(w, false));
                        pos = n;
                        continue;
                    }
                    _ => match c {
                        b'&' => "&",
                        b'|' => "|",
                        b';' => ";",
                        b'(' => "(",
                        _ => ")",
                    },
                };
                pos += op.len();
                toks.push(Tok::Op(op));
            }
            b'<' | b'>' => {
                let (w, n) = redir_word(text, pos, to, map);
                let is_heredoc = w.text == "<<" || w.text == "<<-";
                if is_heredoc {
                    expect_heredoc_word = Some(w.text == "<<-");
                }
                toks.push(Tok::Redir(w, is_heredoc));
                pos = n;
            }
            b'0'..=b'9' if starts_redir_after_digits(b, pos, to) => {
                let (w, n) = redir_word(text, pos, to, map);
                let is_heredoc = w.text.ends_with("<<") || w.text.ends_with("<<-");
                if is_heredoc {
                    expect_heredoc_word = Some(w.text.ends_with('-'));
                }
                toks.push(Tok::Redir(w, is_heredoc));
                pos = n;
            }
            _ => {
                let (w, inner, n) = read_word(text, pos, to, map);
                if let Some(strip) = expect_heredoc_word.take() {
                    heredocs.push((w.text.clone(), strip));
                }
                toks.push(Tok::Word(w, inner));
                pos = n.max(pos + 1);
            }
        }
    }
    toks
}

fn starts_redir_after_digits(b: &[u8], mut pos: usize, to: usize) -> bool {
    // `2>` or `2>&1` or `10<`: digits immediately followed by < or >,
    // and the digits start a word.
    if pos > 0 && !matches!(b[pos - 1], b' ' | b'\t' | b'\n' | b';' | b'&' | b'|') {
        return false;
    }
    while pos < to && b[pos].is_ascii_digit() {
        pos += 1;
    }
    pos < to && (b[pos] == b'<' || b[pos] == b'>')
}

fn redir_word(text: &str, start: usize, to: usize, map: &OffsetMap) -> (ShWord, usize) {
    let b = text.as_bytes();
    let mut pos = start;
    while pos < to && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < to && b[pos] == b'&' {
        pos += 1; // &> / &>>
    }
    while pos < to && matches!(b[pos], b'<' | b'>' | b'|' | b'-' | b'&') {
        // `>&` followed by a fd number is part of the operator
        pos += 1;
        if pos - start >= 4 {
            break;
        }
    }
    if pos > start && b[pos - 1] == b'&' {
        while pos < to && (b[pos].is_ascii_digit() || b[pos] == b'-') {
            pos += 1;
        }
    }
    let raw = &text[start..pos];
    let w = ShWord {
        text: raw.to_string(),
        raw: raw.to_string(),
        span: map.span(start, pos),
    };
    (w, pos)
}

/// Reads one word starting at `start`; returns it, the ranges of command
/// substitutions inside it, and the offset after it.
fn read_word(
    text: &str,
    start: usize,
    to: usize,
    map: &OffsetMap,
) -> (ShWord, Vec<(usize, usize)>, usize) {
    let b = text.as_bytes();
    let mut pos = start;
    let mut out = String::new();
    let mut inner = Vec::new();
    while pos < to {
        let c = b[pos];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => break,
            b'\\' => {
                if pos + 1 < to {
                    if b[pos + 1] == b'\n' {
                        pos += 2;
                        continue;
                    }
                    let ch = next_char(text, pos + 1);
                    out.push_str(ch);
                    pos += 1 + ch.len();
                } else {
                    pos += 1;
                }
            }
            b'\'' => {
                let end = text[pos + 1..to]
                    .find('\'')
                    .map(|x| pos + 1 + x)
                    .unwrap_or(to);
                out.push_str(&text[pos + 1..end]);
                pos = (end + 1).min(to);
            }
            b'"' => {
                pos += 1;
                while pos < to && b[pos] != b'"' {
                    match b[pos] {
                        b'\\' if pos + 1 < to => {
                            let n = b[pos + 1];
                            if matches!(n, b'"' | b'\\' | b'$' | b'`') {
                                out.push(n as char);
                                pos += 2;
                            } else if n == b'\n' {
                                pos += 2;
                            } else {
                                out.push('\\');
                                pos += 1;
                            }
                        }
                        b'$' if pos + 1 < to && b[pos + 1] == b'(' => {
                            let e = balanced(b, pos + 1, to, b'(', b')');
                            inner.push((pos + 2, close_inner(b, pos + 2, e)));
                            out.push_str(&text[pos..e]);
                            pos = e;
                        }
                        b'`' => {
                            let e = text[pos + 1..to]
                                .find('`')
                                .map(|x| pos + 1 + x)
                                .unwrap_or(to);
                            inner.push((pos + 1, e));
                            out.push_str(&text[pos..(e + 1).min(to)]);
                            pos = (e + 1).min(to);
                        }
                        _ => {
                            let ch = next_char(text, pos);
                            out.push_str(ch);
                            pos += ch.len();
                        }
                    }
                }
                pos = (pos + 1).min(to);
            }
            b'$' if pos + 1 < to && b[pos + 1] == b'(' => {
                let e = balanced(b, pos + 1, to, b'(', b')');
                let arith = pos + 2 < to && b[pos + 2] == b'(';
                if !arith {
                    inner.push((pos + 2, close_inner(b, pos + 2, e)));
                }
                out.push_str(&text[pos..e]);
                pos = e;
            }
            b'$' if pos + 1 < to && b[pos + 1] == b'{' => {
                let e = balanced(b, pos + 1, to, b'{', b'}');
                out.push_str(&text[pos..e]);
                pos = e;
            }
            b'`' => {
                let e = text[pos + 1..to]
                    .find('`')
                    .map(|x| pos + 1 + x)
                    .unwrap_or(to);
                inner.push((pos + 1, e));
                out.push_str(&text[pos..(e + 1).min(to)]);
                pos = (e + 1).min(to);
            }
            _ => {
                let ch = next_char(text, pos);
                out.push_str(ch);
                pos += ch.len();
            }
        }
    }
    let w = ShWord {
        text: out,
        raw: text[start..pos].to_string(),
        span: map.span(start, pos),
    };
    (w, inner, pos)
}

fn next_char(text: &str, pos: usize) -> &str {
    let mut e = pos + 1;
    while e < text.len() && !text.is_char_boundary(e) {
        e += 1;
    }
    &text[pos..e.min(text.len())]
}

/// End of the text inside `$( … )` whose `balanced` end is `e`: before
/// the `)`, or `e` itself when the substitution is not closed.
fn close_inner(b: &[u8], start: usize, e: usize) -> usize {
    if e > start && b.get(e - 1) == Some(&b')') {
        e - 1
    } else {
        e.max(start)
    }
}

/// Given `b[open_pos] == open`, returns the offset just past the matching
/// close, skipping quoted text.
fn balanced(b: &[u8], open_pos: usize, to: usize, open: u8, close: u8) -> usize {
    let mut depth = 0usize;
    let mut pos = open_pos;
    while pos < to {
        let c = b[pos];
        if c == b'\\' {
            pos += 2;
            continue;
        }
        if c == b'\'' && open == b'(' {
            pos += 1;
            while pos < to && b[pos] != b'\'' {
                pos += 1;
            }
        } else if c == b'"' {
            pos += 1;
            while pos < to && b[pos] != b'"' {
                if b[pos] == b'\\' {
                    pos += 1;
                }
                pos += 1;
            }
        } else if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return pos + 1;
            }
        }
        pos += 1;
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(s: &str) -> Vec<Vec<String>> {
        Script::parse(s, &OffsetMap::identity(0, s.len()))
            .commands
            .iter()
            .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
            .collect()
    }

    #[test]
    fn splits_on_operators() {
        assert_eq!(
            cmds("apt-get update && apt-get install -y curl; rm -rf /var/lib/apt/lists/*"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["rm", "-rf", "/var/lib/apt/lists/*"]
            ]
        );
    }

    #[test]
    fn quotes_assignments_redirects() {
        let s = Script::parse(
            "FOO=1 echo \"a b\" 'c' >/dev/null 2>&1",
            &OffsetMap::identity(0, 40),
        );
        let c = &s.commands[0];
        assert_eq!(c.assignments[0].text, "FOO=1");
        assert_eq!(
            c.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["echo", "a b", "c"]
        );
        assert_eq!(c.redirects.len(), 3);
    }

    #[test]
    fn quoted_assignments_are_assignments() {
        let s = "DEBIAN_FRONTEND=\"noninteractive\" apt-get install -y x && deps='a b' && echo";
        let sc = Script::parse(s, &OffsetMap::identity(0, s.len()));
        assert_eq!(sc.commands[0].name(), Some("apt-get"));
        assert_eq!(
            sc.commands[0].assignments[0].text,
            "DEBIAN_FRONTEND=noninteractive"
        );
        assert_eq!(sc.commands[1].assignments[0].text, "deps=a b");
        assert!(sc.commands[1].words.is_empty());
        assert_eq!(sc.commands[2].name(), Some("echo"));
    }

    #[test]
    fn pipes_and_substitutions() {
        let s = "curl -s x | tar xz && echo $(cat /etc/os-release | grep ID)";
        let sc = Script::parse(s, &OffsetMap::identity(0, s.len()));
        assert!(sc.commands[0].piped && sc.commands[1].piped);
        assert!(!sc.commands[2].piped);
        let nested: Vec<_> = sc
            .commands
            .iter()
            .filter(|c| c.nested)
            .map(|c| c.name().unwrap())
            .collect();
        assert_eq!(nested, ["cat", "grep"]);
        assert!(sc.has_pipe());
    }

    #[test]
    fn compound_commands() {
        let c = cmds("if [ -f x ]; then apt-get install -y a; fi; for i in 1 2; do echo $i; done");
        assert_eq!(c[0][0], "[");
        assert_eq!(c[1][0], "apt-get");
        assert_eq!(c[2], vec!["echo", "$i"]);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn case_patterns_are_not_pipes() {
        let s = "case \"$a\" in x86_64|amd64) arch=x ;; aarch64) echo arm ;; *) exit 1 ;; esac; echo done";
        let sc = Script::parse(s, &OffsetMap::identity(0, s.len()));
        let names: Vec<_> = sc
            .commands
            .iter()
            .map(|c| c.name().unwrap_or("="))
            .collect();
        assert_eq!(names, ["=", "echo", "exit", "echo"]);
        assert!(!sc.has_pipe());
        let s = "(cd /x && make) | tee log; V=$(a | b)";
        let sc = Script::parse(s, &OffsetMap::identity(0, s.len()));
        let nested: Vec<_> = sc
            .commands
            .iter()
            .filter(|c| c.nested)
            .map(|c| c.piped)
            .collect();
        assert_eq!(nested, [true, true]);
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let c = cmds("cat <<EOF > /x\nnot a command\nEOF\necho done\n");
        assert_eq!(c, vec![vec!["cat"], vec!["echo", "done"]]);
    }

    #[test]
    fn multibyte_text_after_operators_and_unclosed_substitutions() {
        for s in [
            "a &é",
            "x |é b",
            "(é",
            "echo $(é",
            "echo \"$(éé",
            "a;é",
            "a&&é||ü",
        ] {
            let _ = Script::parse(s, &OffsetMap::identity(0, s.len()));
        }
    }

    #[test]
    fn flags() {
        let s = "apt-get install -qy --no-install-recommends foo=1.0 -- -bar";
        let sc = Script::parse(s, &OffsetMap::identity(0, s.len()));
        let c = &sc.commands[0];
        assert!(c.has_flag("y") && c.has_flag("q") && c.has_flag("no-install-recommends"));
        let a: Vec<_> = c.args_no_flags().iter().map(|w| w.text.as_str()).collect();
        assert_eq!(a, ["install", "foo=1.0", "-bar"]);
    }

    #[test]
    fn spans_point_at_words() {
        let s = "echo  'hi there'";
        let sc = Script::parse(s, &OffsetMap::identity(100, s.len()));
        assert_eq!(sc.commands[0].words[1].span, Span::new(106, 116));
    }
}
