//! Helpers shared by the DL3046-DL3067 and DL4xxx rule files: LABEL
//! pairs and the value formats of hadolint's `label-schema` (URL, RFC 3339
//! time, SPDX expression, git hash, semantic version, e-mail address),
//! `RUN --mount` options, and shell-script questions (how many commands a
//! RUN runs, where its pipes are).

use crate::Context;
use plimsoll_dockerfile::facts::pairs_with_spans;
use plimsoll_dockerfile::shell::{Command, Script};
use plimsoll_dockerfile::{Instruction, Kind, Span};

/// One `key=value` (or `key value`) pair of a LABEL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelPair {
    /// Quotes removed.
    pub key: String,
    /// The value as written (quotes kept); `None` for a bare key.
    pub raw: Option<String>,
    pub key_span: Span,
    /// The whole pair.
    pub span: Span,
}

/// The pairs of a LABEL instruction (empty for anything else).
pub fn label_pairs(ins: &Instruction) -> Vec<LabelPair> {
    if ins.kind != Kind::Label {
        return Vec::new();
    }
    pairs_with_spans(ins)
        .into_iter()
        .map(|(key, raw, key_span, span)| LabelPair {
            key,
            raw,
            key_span,
            span,
        })
        .collect()
}

/// The value a label gets at instruction `i`: quotes removed, build
/// arguments and environment variables in scope expanded. `None` when it
/// depends on a variable with no known value (a linter cannot judge it).
pub fn label_value(cx: &Context, i: usize, raw: &str) -> Option<String> {
    let ex = cx.facts.expand(i, raw);
    ex.unset.is_empty().then_some(ex.value)
}

/// Every LABEL instruction (not ONBUILD triggers) with its index.
pub fn labels<'a>(cx: &Context<'a>) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
    cx.df()
        .instructions
        .iter()
        .enumerate()
        .filter(|(_, ins)| ins.kind == Kind::Label)
}

/// The names `label-schema` gives the type `ty`.
pub fn schema_labels<'a, 'b>(cx: &Context<'a>, ty: &'b str) -> impl Iterator<Item = &'a str> + 'b
where
    'a: 'b,
{
    cx.settings
        .label_schema
        .iter()
        .filter(move |(_, t)| t.trim().eq_ignore_ascii_case(ty))
        .map(|(k, _)| k.as_str())
}

/// Checks every LABEL pair whose key has schema type `ty`: `valid` judges
/// the expanded value. Returns (pair span, key, value) of the bad ones.
pub fn bad_typed_labels(
    cx: &Context,
    ty: &str,
    valid: fn(&str) -> bool,
) -> Vec<(Span, String, String)> {
    let names: Vec<&str> = schema_labels(cx, ty).collect();
    if names.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, ins) in labels(cx) {
        for p in label_pairs(ins) {
            if !names.contains(&p.key.as_str()) {
                continue;
            }
            let raw = p.raw.as_deref().unwrap_or("");
            let Some(v) = label_value(cx, i, raw) else {
                continue;
            };
            if !valid(&v) {
                out.push((p.span, p.key.clone(), v));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Value formats

/// An absolute URI (RFC 3986): `scheme:` followed by URI characters, with
/// well-formed `%XX` escapes and at most one `#`.
pub fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.chars();
    if !sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return false;
    }
    if rest.matches('#').count() > 1 {
        return false;
    }
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return false;
            }
            i += 3;
            continue;
        }
        let allowed = c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c);
        if !allowed {
            return false;
        }
        i += 1;
    }
    true
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// An RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with
/// real calendar dates (`T` and `Z` may be lower case; a leap second is
/// allowed).
pub fn is_rfc3339(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, dd] = d.as_slice() else {
        return false;
    };
    let (Some(y), Some(m), Some(dd)) = (digits(y, 4), digits(m, 2), digits(dd, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if dd == 0 || dd > days {
        return false;
    }
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, None)
    } else {
        match time.rfind(['+', '-']) {
            Some(p) => (&time[..p], Some(&time[p + 1..])),
            None => return false,
        }
    };
    if let Some(off) = offset {
        let Some((h, mi)) = off.split_once(':') else {
            return false;
        };
        match (digits(h, 2), digits(mi, 2)) {
            (Some(h), Some(mi)) if h < 24 && mi < 60 => {}
            _ => return false,
        }
    }
    let (hms, frac) = match clock.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (clock, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let t: Vec<&str> = hms.split(':').collect();
    let [h, mi, sec] = t.as_slice() else {
        return false;
    };
    matches!(
        (digits(h, 2), digits(mi, 2), digits(sec, 2)),
        (Some(h), Some(mi), Some(sec)) if h < 24 && mi < 60 && sec <= 60
    )
}

/// A git commit id: 7 (abbreviated) or 40 lower-case hex digits.
pub fn is_git_hash(s: &str) -> bool {
    (s.len() == 7 || s.len() == 40) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A Semantic Versioning 2.0.0 version: `MAJOR.MINOR.PATCH`, optional
/// `-pre.release` and `+build` identifiers, no leading zeros in numbers.
pub fn is_semver(s: &str) -> bool {
    let (rest, build) = match s.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let numeric = |x: &str| {
        !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()) && (x == "0" || !x.starts_with('0'))
    };
    let ident =
        |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
        return false;
    }
    if let Some(p) = pre {
        let ok = p
            .split('.')
            .all(|x| ident(x) && (!x.bytes().all(|b| b.is_ascii_digit()) || numeric(x)));
        if !ok {
            return false;
        }
    }
    build.is_none_or(|b| b.split('.').all(ident))
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// An RFC 5322 `addr-spec` (`local@domain`, no display name): the local
/// part a dot-atom or a quoted string, the domain a host name (labels of
/// letters, digits and inner hyphens; a final dot allowed) or an address
/// literal in brackets.
pub fn is_email(s: &str) -> bool {
    let Some(at) = s.rfind('@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        let mut esc = false;
        let mut ok = true;
        for c in inner.chars() {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' || c.is_control() {
                ok = false;
            }
        }
        ok && !esc
    } else {
        !local.is_empty()
            && local
                .split('.')
                .all(|a| !a.is_empty() && a.chars().all(is_atext))
    };
    if !local_ok || domain.is_empty() {
        return false;
    }
    if let Some(lit) = domain.strip_prefix('[') {
        return lit.strip_suffix(']').is_some_and(|x| {
            !x.is_empty()
                && x.chars()
                    .all(|c| c.is_ascii_graphic() && !"[]\\".contains(c))
        });
    }
    let d = domain.strip_suffix('.').unwrap_or(domain);
    !d.is_empty()
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// An SPDX license expression: identifiers from the SPDX license list
/// (deprecated ones excluded; matched without regard to case, as the SPDX
/// specification says), `LicenseRef-…`/`DocumentRef-…:LicenseRef-…`,
/// an optional `+`, combined with `AND`, `OR`, `WITH <exception>` and
/// parentheses.
pub fn is_spdx_expression(s: &str) -> bool {
    let toks = spdx_tokens(s);
    if toks.is_empty() {
        return false;
    }
    let mut pos = 0;
    spdx_or(&toks, &mut pos) && pos == toks.len()
}

fn spdx_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_whitespace() || c == '(' || c == ')' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if c != ' ' && !c.is_whitespace() {
                out.push(c.to_string());
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn spdx_or(t: &[String], pos: &mut usize) -> bool {
    if !spdx_and(t, pos) {
        return false;
    }
    while t.get(*pos).is_some_and(|x| x.eq_ignore_ascii_case("OR")) {
        *pos += 1;
        if !spdx_and(t, pos) {
            return false;
        }
    }
    true
}

fn spdx_and(t: &[String], pos: &mut usize) -> bool {
    if !spdx_with(t, pos) {
        return false;
    }
    while t.get(*pos).is_some_and(|x| x.eq_ignore_ascii_case("AND")) {
        *pos += 1;
        if !spdx_with(t, pos) {
            return false;
        }
    }
    true
}

fn spdx_with(t: &[String], pos: &mut usize) -> bool {
    let Some(tok) = t.get(*pos) else {
        return false;
    };
    if tok == "(" {
        *pos += 1;
        if !spdx_or(t, pos) || t.get(*pos).map(String::as_str) != Some(")") {
            return false;
        }
        *pos += 1;
        return true;
    }
    if !is_spdx_license_ref(tok) {
        return false;
    }
    *pos += 1;
    if t.get(*pos).is_some_and(|x| x.eq_ignore_ascii_case("WITH")) {
        *pos += 1;
        let ok = t.get(*pos).is_some_and(|e| {
            SPDX_EXCEPTIONS.iter().any(|x| x.eq_ignore_ascii_case(e))
                || e.strip_prefix("AdditionRef-").is_some_and(is_idstring)
        });
        if !ok {
            return false;
        }
        *pos += 1;
    }
    true
}

fn is_idstring(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

fn is_spdx_license_ref(tok: &str) -> bool {
    if let Some(r) = tok.strip_prefix("LicenseRef-") {
        return is_idstring(r);
    }
    if let Some(r) = tok.strip_prefix("DocumentRef-") {
        return r
            .split_once(":LicenseRef-")
            .is_some_and(|(a, b)| is_idstring(a) && is_idstring(b));
    }
    let id = tok.strip_suffix('+').unwrap_or(tok);
    is_spdx_license_id(id)
}

/// Whether `id` is on the SPDX license list (case-insensitive).
pub fn is_spdx_license_id(id: &str) -> bool {
    SPDX_LICENSES.iter().any(|x| x.eq_ignore_ascii_case(id))
}

// ---------------------------------------------------------------------------
// RUN flags and scripts

/// One `--mount=` of a RUN: its type (`bind` when not given) and target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: String,
    pub target: String,
}

/// The `--mount` flags of an instruction.
pub fn mounts(ins: &Instruction) -> Vec<Mount> {
    let mut out = Vec::new();
    for f in &ins.flags {
        if !f.name.eq_ignore_ascii_case("mount") {
            continue;
        }
        let mut m = Mount {
            kind: "bind".to_string(),
            target: String::new(),
        };
        for part in f.value.as_deref().unwrap_or("").split(',') {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            match k.trim().to_ascii_lowercase().as_str() {
                "type" => m.kind = v.to_ascii_lowercase(),
                "target" | "dst" | "destination" => m.target = v.to_string(),
                _ => {}
            }
        }
        out.push(m);
    }
    out
}

/// Whether a cache or tmpfs mount's target contains `fragment`.
pub fn has_cache_mount_with(ins: &Instruction, fragment: &str) -> bool {
    mounts(ins)
        .iter()
        .any(|m| (m.kind == "cache" || m.kind == "tmpfs") && m.target.contains(fragment))
}

/// Commands that run a program (assignments-only commands excluded),
/// across all scripts of a RUN.
pub fn named_commands(scripts: &[Script]) -> impl Iterator<Item = &Command> {
    scripts
        .iter()
        .flat_map(|s| s.commands.iter())
        .filter(|c| !c.words.is_empty())
}

/// The next character of `src` at or after `pos` that is not a blank or a
/// line continuation, with its offset.
fn next_sig(src: &[u8], mut pos: usize) -> Option<(usize, u8)> {
    while let Some(&c) = src.get(pos) {
        match c {
            b' ' | b'\t' | b'\r' => pos += 1,
            b'\\' if src.get(pos + 1) == Some(&b'\n') => pos += 2,
            b'\\' if src.get(pos + 1) == Some(&b'\r') && src.get(pos + 2) == Some(&b'\n') => {
                pos += 3
            }
            _ => return Some((pos, c)),
        }
    }
    None
}

/// The previous character of `src` before `pos` that is not a blank or a
/// line continuation, with its offset.
fn prev_sig(src: &[u8], mut pos: usize) -> Option<(usize, u8)> {
    while pos > 0 {
        let c = src[pos - 1];
        match c {
            b' ' | b'\t' | b'\r' => pos -= 1,
            b'\n' if pos >= 2 && src[pos - 2] == b'\\' => pos -= 2,
            b'\n' if pos >= 3 && src[pos - 2] == b'\r' && src[pos - 3] == b'\\' => pos -= 3,
            _ => return Some((pos - 1, c)),
        }
    }
    None
}

/// A `|` operator (not `||`) at `pos`.
fn pipe_at(src: &[u8], pos: usize) -> bool {
    src.get(pos) == Some(&b'|')
        && src.get(pos + 1) != Some(&b'|')
        && (pos == 0 || src[pos - 1] != b'|')
}

/// Whether a command is written followed by a `|` operator.
fn followed_by_pipe(src: &[u8], c: &Command) -> bool {
    next_sig(src, c.span.end).is_some_and(|(p, _)| pipe_at(src, p))
}

/// Whether a command is written right after a `|` operator.
fn preceded_by_pipe(src: &[u8], c: &Command) -> bool {
    match prev_sig(src, c.span.start) {
        Some((p, b'|')) => pipe_at(src, p),
        Some((p, b'&')) => p > 0 && src[p - 1] == b'|',
        _ => false,
    }
}

/// Whether a one-word "command" is really the start of a `case` pattern
/// with alternatives (`amd64|x86_64) …`).
fn is_case_alternative(src: &[u8], c: &Command) -> bool {
    if c.words.len() != 1 || !c.assignments.is_empty() || !c.redirects.is_empty() {
        return false;
    }
    let mut pos = c.span.end;
    // The last alternative (`…|aarch64)`); inside `$(…)` a closing
    // parenthesis ends the substitution instead.
    if !c.nested && matches!(next_sig(src, pos), Some((_, b')'))) {
        return true;
    }
    loop {
        let Some((p, b'|')) = next_sig(src, pos) else {
            return false;
        };
        let Some((mut q, _)) = next_sig(src, p + 1) else {
            return false;
        };
        while let Some(&ch) = src.get(q) {
            if ch.is_ascii_whitespace() || matches!(ch, b'|' | b')' | b';' | b'&' | b'(') {
                break;
            }
            q += 1;
        }
        match next_sig(src, q) {
            Some((_, b')')) => return true,
            Some((r, b'|')) if pipe_at(src, r) => pos = q,
            _ => return false,
        }
    }
}

/// The pipelines (commands joined by `|`) of a script whose exit status
/// matters, as spans in source order: top-level pipelines, and those inside
/// a command substitution assigned to a variable (`V=$(a | b)`). A pipeline
/// inside a command's argument (`echo "$(a | b)"`) is not one: the command
/// ignores the substitution's status anyway. `src` is the Dockerfile
/// source the script's spans point into; it settles what the tokenizer
/// leaves open (`{ …; } | cmd`, `case` patterns such as `a|b)`).
pub fn pipelines(script: &Script, src: &str) -> Vec<Span> {
    let src = src.as_bytes();
    let cmds: Vec<&Command> = script
        .commands
        .iter()
        .filter(|c| !c.words.is_empty())
        .collect();
    let in_assignment = |c: &Command| {
        script.commands.iter().any(|p| {
            !p.nested
                && p.words.is_empty()
                && p.assignments
                    .iter()
                    .any(|a| a.span.start <= c.span.start && c.span.end <= a.span.end)
        })
    };
    let mut groups: Vec<(usize, Span, bool)> = Vec::new();
    for c in &cmds {
        if c.nested && !in_assignment(c) {
            continue;
        }
        let same: Vec<&&Command> = cmds.iter().filter(|o| o.pipeline == c.pipeline).collect();
        let tokenizer_pipe = c.piped || (c.nested && same.len() > 1);
        let real = !is_case_alternative(src, c)
            && (preceded_by_pipe(src, c) || (tokenizer_pipe && followed_by_pipe(src, c)));
        match groups.iter_mut().find(|(p, _, _)| *p == c.pipeline) {
            Some((_, s, r)) => {
                *s = s.cover(c.span);
                *r |= real;
            }
            None => groups.push((c.pipeline, c.span, real)),
        }
    }
    let mut spans: Vec<Span> = groups.into_iter().filter(|g| g.2).map(|g| g.1).collect();
    spans.sort_by_key(|s| s.start);
    spans
}

/// Whether a shell invocation (`bash -eo pipefail -c`, as written in a
/// SHELL or a `set` command's words) turns on `pipefail`.
pub fn words_set_pipefail<'a>(words: impl IntoIterator<Item = &'a str>) -> bool {
    let mut expect_opt = false;
    for w in words {
        if expect_opt {
            if w == "pipefail" {
                return true;
            }
            expect_opt = false;
        }
        if let Some(f) = w.strip_prefix('-')
            && !f.starts_with('-')
            && f.ends_with('o')
        {
            expect_opt = true;
        }
        if w == "-opipefail" {
            return true;
        }
    }
    false
}

/// Whether the stage that instruction `i` is in builds on a Windows image
/// (followed through earlier stages to the external base).
pub fn windows_stage(cx: &Context, i: usize) -> bool {
    let f = cx.facts;
    let mut cur = f.stage_of.get(i).copied().flatten();
    let mut hops = 0;
    while let Some(s) = cur {
        let Some(st) = f.stages.get(s) else {
            return false;
        };
        match st.base.stage {
            Some(p) if hops < f.stages.len() => {
                cur = Some(p);
                hops += 1;
            }
            _ => {
                let n = st.base.resolved.to_ascii_lowercase();
                return ["windows", "nanoserver", "servercore"]
                    .iter()
                    .any(|w| n.contains(w));
            }
        }
    }
    false
}

/// For each instruction: whether a RUN there runs under a non-POSIX shell
/// — a `SHELL` such as PowerShell, or a Windows stage with no POSIX
/// `SHELL` (the default there is `cmd`). Its text is not a POSIX script.
pub fn non_posix_runs(cx: &Context) -> Vec<bool> {
    let f = cx.facts;
    let n = f.df.instructions.len();
    let mut out = vec![false; n];
    for st in &f.stages {
        let windows = windows_stage(cx, st.from);
        let mut shell: Option<bool> = None;
        for i in st.instructions() {
            let Some(ins) = f.df.instructions.get(i) else {
                continue;
            };
            if ins.kind == Kind::Shell {
                shell = Some(
                    ins.json
                        .as_ref()
                        .and_then(|j| j.first())
                        .is_some_and(|p| plimsoll_dockerfile::facts::is_posix_shell(&p.value)),
                );
            }
            if let Some(x) = out.get_mut(i) {
                *x = match shell {
                    Some(posix) => !posix,
                    None => windows,
                };
            }
        }
    }
    out
}

/// Whether RUN `i` runs under a non-POSIX shell (see [`non_posix_runs`]).
pub fn non_posix_run(cx: &Context, i: usize) -> bool {
    non_posix_runs(cx).get(i).copied().unwrap_or(false)
}

/// Every shell command of every RUN that runs under a POSIX shell, with
/// its instruction index.
pub fn posix_commands<'a>(cx: &Context<'a>) -> Vec<(usize, &'a Command)> {
    let np = non_posix_runs(cx);
    cx.commands()
        .filter(|(i, _)| !np.get(*i).copied().unwrap_or(false))
        .collect()
}

/// Statements of a cmd or PowerShell command line: pieces separated by
/// `;`, `&`, `&&`, `||` or a newline outside quotes and brackets.
pub fn windows_statements(text: &str) -> usize {
    let mut count = 0;
    let mut cur_empty = true;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                cur_empty = false;
            }
            '(' | '{' | '[' => {
                depth += 1;
                cur_empty = false;
            }
            ')' | '}' | ']' => {
                depth -= 1;
                cur_empty = false;
            }
            ';' | '&' | '\n' if depth <= 0 => {
                if !cur_empty {
                    count += 1;
                }
                cur_empty = true;
            }
            c if c.is_whitespace() => {}
            _ => cur_empty = false,
        }
    }
    if !cur_empty {
        count += 1;
    }
    count
}

/// The base name of a program path (`/usr/bin/pwsh.exe` → `pwsh.exe`).
pub fn program_base(p: &str) -> &str {
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

// Identifiers of the SPDX License List (deprecated ones excluded) and of its
// license exceptions.
pub const SPDX_LICENSES: &[&str] = &[
    "0BSD",
    "3D-Slicer-1.0",
    "AAL",
    "ADSL",
    "AFL-1.1",
    "AFL-1.2",
    "AFL-2.0",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "ALGLIB-Documentation",
    "AMD-newlib",
    "AMDPLPA",
    "AML",
    "AML-glslang",
    "AMPAS",
    "ANTLR-PD",
    "ANTLR-PD-fallback",
    "APAFML",
    "APL-1.0",
    "APSL-1.0",
    "APSL-1.1",
    "APSL-1.2",
    "APSL-2.0",
    "ASWF-Digital-Assets-1.0",
    "ASWF-Digital-Assets-1.1",
    "Abstyles",
    "AdaCore-doc",
    "Adobe-2006",
    "Adobe-Display-PostScript",
    "Adobe-Glyph",
    "Adobe-Utopia",
    "Advanced-Cryptics-Dictionary",
    "Afmparse",
    "Aladdin",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "App-s2p",
    "Arphic-1999",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-1.0-cl8",
    "Artistic-2.0",
    "Artistic-dist",
    "Aspell-RU",
    "BOLA-1.1",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Darwin",
    "BSD-2-Clause-Patent",
    "BSD-2-Clause-Views",
    "BSD-2-Clause-first-lines",
    "BSD-2-Clause-pkgconf-disclaimer",
    "BSD-3-Clause",
    "BSD-3-Clause-Attribution",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-HP",
    "BSD-3-Clause-LBNL",
    "BSD-3-Clause-Modification",
    "BSD-3-Clause-No-Military-License",
    "BSD-3-Clause-No-Nuclear-License",
    "BSD-3-Clause-No-Nuclear-License-2014",
    "BSD-3-Clause-No-Nuclear-Warranty",
    "BSD-3-Clause-Open-MPI",
    "BSD-3-Clause-Sun",
    "BSD-3-Clause-Tso",
    "BSD-3-Clause-acpica",
    "BSD-3-Clause-flex",
    "BSD-4-Clause",
    "BSD-4-Clause-Shortened",
    "BSD-4-Clause-UC",
    "BSD-4.3RENO",
    "BSD-4.3TAHOE",
    "BSD-Advertising-Acknowledgement",
    "BSD-Attribution-HPND-disclaimer",
    "BSD-Inferno-Nettverk",
    "BSD-Mark-Modifications",
    "BSD-Protection",
    "BSD-Source-Code",
    "BSD-Source-beginning-file",
    "BSD-Systemics",
    "BSD-Systemics-W3Works",
    "BSL-1.0",
    "BUSL-1.1",
    "Baekmuk",
    "Bahyph",
    "Barr",
    "Beerware",
    "BitTorrent-1.0",
    "BitTorrent-1.1",
    "Bitstream-Charter",
    "Bitstream-Vera",
    "BlueOak-1.0.0",
    "Boehm-GC",
    "Boehm-GC-without-fee",
    "Borceux",
    "Brian-Gladman-2-Clause",
    "Brian-Gladman-3-Clause",
    "Buddy",
    "C-UDA-1.0",
    "CAL-1.0",
    "CAL-1.0-Combined-Work-Exception",
    "CAPEC-tou",
    "CATOSL-1.1",
    "CC-BY-1.0",
    "CC-BY-2.0",
    "CC-BY-2.5",
    "CC-BY-2.5-AU",
    "CC-BY-3.0",
    "CC-BY-3.0-AT",
    "CC-BY-3.0-AU",
    "CC-BY-3.0-DE",
    "CC-BY-3.0-IGO",
    "CC-BY-3.0-NL",
    "CC-BY-3.0-US",
    "CC-BY-4.0",
    "CC-BY-NC-1.0",
    "CC-BY-NC-2.0",
    "CC-BY-NC-2.5",
    "CC-BY-NC-3.0",
    "CC-BY-NC-3.0-DE",
    "CC-BY-NC-4.0",
    "CC-BY-NC-ND-1.0",
    "CC-BY-NC-ND-2.0",
    "CC-BY-NC-ND-2.5",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-3.0-DE",
    "CC-BY-NC-ND-3.0-IGO",
    "CC-BY-NC-ND-4.0",
    "CC-BY-NC-SA-1.0",
    "CC-BY-NC-SA-2.0",
    "CC-BY-NC-SA-2.0-DE",
    "CC-BY-NC-SA-2.0-FR",
    "CC-BY-NC-SA-2.0-UK",
    "CC-BY-NC-SA-2.5",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-3.0-DE",
    "CC-BY-NC-SA-3.0-IGO",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-1.0",
    "CC-BY-ND-2.0",
    "CC-BY-ND-2.5",
    "CC-BY-ND-3.0",
    "CC-BY-ND-3.0-DE",
    "CC-BY-ND-4.0",
    "CC-BY-SA-1.0",
    "CC-BY-SA-2.0",
    "CC-BY-SA-2.0-UK",
    "CC-BY-SA-2.1-JP",
    "CC-BY-SA-2.5",
    "CC-BY-SA-3.0",
    "CC-BY-SA-3.0-AT",
    "CC-BY-SA-3.0-DE",
    "CC-BY-SA-3.0-IGO",
    "CC-BY-SA-4.0",
    "CC-PDDC",
    "CC-PDM-1.0",
    "CC-SA-1.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CDL-1.0",
    "CDLA-Permissive-1.0",
    "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0",
    "CECILL-1.0",
    "CECILL-1.1",
    "CECILL-2.0",
    "CECILL-2.1",
    "CECILL-B",
    "CECILL-C",
    "CERN-OHL-1.1",
    "CERN-OHL-1.2",
    "CERN-OHL-P-2.0",
    "CERN-OHL-S-2.0",
    "CERN-OHL-W-2.0",
    "CFITSIO",
    "CMU-Mach",
    "CMU-Mach-nodoc",
    "CNRI-Jython",
    "CNRI-Python",
    "CNRI-Python-GPL-Compatible",
    "COIL-1.0",
    "CPAL-1.0",
    "CPL-1.0",
    "CPOL-1.02",
    "CUA-OPL-1.0",
    "Caldera",
    "Caldera-no-preamble",
    "Catharon",
    "ClArtistic",
    "Clips",
    "Community-Spec-1.0",
    "Condor-1.1",
    "Cornell-Lossless-JPEG",
    "Cronyx",
    "Crossword",
    "CryptoSwift",
    "CrystalStacker",
    "Cube",
    "D-FSL-1.0",
    "DEC-3-Clause",
    "DL-DE-BY-2.0",
    "DL-DE-ZERO-2.0",
    "DOC",
    "DRL-1.0",
    "DRL-1.1",
    "DSDP",
    "DocBook-DTD",
    "DocBook-Schema",
    "DocBook-Stylesheet",
    "DocBook-XML",
    "Dotseqn",
    "ECL-1.0",
    "ECL-2.0",
    "EFL-1.0",
    "EFL-2.0",
    "EPICS",
    "EPL-1.0",
    "EPL-2.0",
    "ESA-PL-permissive-2.4",
    "ESA-PL-strong-copyleft-2.4",
    "ESA-PL-weak-copyleft-2.4",
    "EUDatagrid",
    "EUPL-1.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "Elastic-2.0",
    "Entessa",
    "ErlPL-1.1",
    "Eurosym",
    "FBM",
    "FDK-AAC",
    "FSFAP",
    "FSFAP-no-warranty-disclaimer",
    "FSFUL",
    "FSFULLR",
    "FSFULLRSD",
    "FSFULLRWD",
    "FSL-1.1-ALv2",
    "FSL-1.1-MIT",
    "FTL",
    "Fair",
    "Ferguson-Twofish",
    "Frameworx-1.0",
    "FreeBSD-DOC",
    "FreeImage",
    "Furuseth",
    "GCR-docs",
    "GD",
    "GFDL-1.1-invariants-only",
    "GFDL-1.1-invariants-or-later",
    "GFDL-1.1-no-invariants-only",
    "GFDL-1.1-no-invariants-or-later",
    "GFDL-1.1-only",
    "GFDL-1.1-or-later",
    "GFDL-1.2-invariants-only",
    "GFDL-1.2-invariants-or-later",
    "GFDL-1.2-no-invariants-only",
    "GFDL-1.2-no-invariants-or-later",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3-invariants-only",
    "GFDL-1.3-invariants-or-later",
    "GFDL-1.3-no-invariants-only",
    "GFDL-1.3-no-invariants-or-later",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GL2PS",
    "GLWTPL",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "Game-Programming-Gems",
    "Giftware",
    "Glide",
    "Glulxe",
    "Graphics-Gems",
    "Gutmann",
    "HDF5",
    "HIDAPI",
    "HP-1986",
    "HP-1989",
    "HPND",
    "HPND-DEC",
    "HPND-Fenneberg-Livingston",
    "HPND-INRIA-IMAG",
    "HPND-Intel",
    "HPND-Kevlin-Henney",
    "HPND-MIT-disclaimer",
    "HPND-Markus-Kuhn",
    "HPND-Netrek",
    "HPND-Pbmplus",
    "HPND-SMC",
    "HPND-UC",
    "HPND-UC-export-US",
    "HPND-doc",
    "HPND-doc-sell",
    "HPND-export-US",
    "HPND-export-US-acknowledgement",
    "HPND-export-US-modify",
    "HPND-export2-US",
    "HPND-merchantability-variant",
    "HPND-sell-MIT-disclaimer-xserver",
    "HPND-sell-regexpr",
    "HPND-sell-variant",
    "HPND-sell-variant-MIT-disclaimer",
    "HPND-sell-variant-MIT-disclaimer-rev",
    "HPND-sell-variant-critical-systems",
    "HTMLTIDY",
    "HaskellReport",
    "Hippocratic-2.1",
    "IBM-pibs",
    "ICU",
    "IEC-Code-Components-EULA",
    "IJG",
    "IJG-short",
    "IPA",
    "IPL-1.0",
    "ISC",
    "ISC-Veillard",
    "ISO-permission",
    "ImageMagick",
    "Imlib2",
    "Info-ZIP",
    "Inner-Net-2.0",
    "InnoSetup",
    "Intel",
    "Intel-ACPI",
    "Interbase-1.0",
    "JPL-image",
    "JPNIC",
    "JSON",
    "Jam",
    "JasPer-2.0",
    "Kastrup",
    "Kazlib",
    "Knuth-CTAN",
    "LAL-1.2",
    "LAL-1.3",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LGPLLR",
    "LOOP",
    "LPD-document",
    "LPL-1.0",
    "LPL-1.02",
    "LPPL-1.0",
    "LPPL-1.1",
    "LPPL-1.2",
    "LPPL-1.3a",
    "LPPL-1.3c",
    "LZMA-SDK-9.11-to-9.20",
    "LZMA-SDK-9.22",
    "Latex2e",
    "Latex2e-translated-notice",
    "Leptonica",
    "LiLiQ-P-1.1",
    "LiLiQ-R-1.1",
    "LiLiQ-Rplus-1.1",
    "Libpng",
    "Linux-OpenIB",
    "Linux-man-pages-1-para",
    "Linux-man-pages-copyleft",
    "Linux-man-pages-copyleft-2-para",
    "Linux-man-pages-copyleft-var",
    "Lucida-Bitmap-Fonts",
    "MIPS",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MIT-Click",
    "MIT-Festival",
    "MIT-Khronos-old",
    "MIT-Modern-Variant",
    "MIT-STK",
    "MIT-Wu",
    "MIT-advertising",
    "MIT-enna",
    "MIT-feh",
    "MIT-open-group",
    "MIT-testregex",
    "MITNFA",
    "MMIXware",
    "MMPL-1.0.1",
    "MPEG-SSG",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-LPL",
    "MS-PL",
    "MS-RL",
    "MTLL",
    "Mackerras-3-Clause",
    "Mackerras-3-Clause-acknowledgment",
    "MakeIndex",
    "Martin-Birgmeier",
    "McPhee-slideshow",
    "Minpack",
    "MirOS",
    "Motosoto",
    "MulanPSL-1.0",
    "MulanPSL-2.0",
    "Multics",
    "Mup",
    "NAIST-2003",
    "NASA-1.3",
    "NBPL-1.0",
    "NCBI-PD",
    "NCGL-UK-2.0",
    "NCL",
    "NCSA",
    "NGPL",
    "NICTA-1.0",
    "NIST-PD",
    "NIST-PD-TNT",
    "NIST-PD-fallback",
    "NIST-Software",
    "NLOD-1.0",
    "NLOD-2.0",
    "NLPL",
    "NOSL",
    "NPL-1.0",
    "NPL-1.1",
    "NPOSL-3.0",
    "NRL",
    "NTIA-PD",
    "NTP",
    "NTP-0",
    "Naumen",
    "NetCDF",
    "Newsletr",
    "Nokia",
    "Noweb",
    "O-UDA-1.0",
    "OAR",
    "OCCT-PL",
    "OCLC-2.0",
    "ODC-By-1.0",
    "ODbL-1.0",
    "OFFIS",
    "OFL-1.0",
    "OFL-1.0-RFN",
    "OFL-1.0-no-RFN",
    "OFL-1.1",
    "OFL-1.1-RFN",
    "OFL-1.1-no-RFN",
    "OGC-1.0",
    "OGDL-Taiwan-1.0",
    "OGL-Canada-2.0",
    "OGL-UK-1.0",
    "OGL-UK-2.0",
    "OGL-UK-3.0",
    "OGTSL",
    "OLDAP-1.1",
    "OLDAP-1.2",
    "OLDAP-1.3",
    "OLDAP-1.4",
    "OLDAP-2.0",
    "OLDAP-2.0.1",
    "OLDAP-2.1",
    "OLDAP-2.2",
    "OLDAP-2.2.1",
    "OLDAP-2.2.2",
    "OLDAP-2.3",
    "OLDAP-2.4",
    "OLDAP-2.5",
    "OLDAP-2.6",
    "OLDAP-2.7",
    "OLDAP-2.8",
    "OLFL-1.3",
    "OML",
    "OPL-1.0",
    "OPL-UK-3.0",
    "OPUBL-1.0",
    "OSC-1.0",
    "OSET-PL-2.1",
    "OSL-1.0",
    "OSL-1.1",
    "OSL-2.0",
    "OSL-2.1",
    "OSL-3.0",
    "OSSP",
    "OpenMDW-1.0",
    "OpenPBS-2.3",
    "OpenSSL",
    "OpenSSL-standalone",
    "OpenVision",
    "PADL",
    "PDDL-1.0",
    "PHP-3.0",
    "PHP-3.01",
    "PPL",
    "PSF-2.0",
    "ParaType-Free-Font-1.3",
    "Parity-6.0.0",
    "Parity-7.0.0",
    "Pixar",
    "Plexus",
    "PolyForm-Noncommercial-1.0.0",
    "PolyForm-Small-Business-1.0.0",
    "PostgreSQL",
    "Python-2.0",
    "Python-2.0.1",
    "QPL-1.0",
    "QPL-1.0-INRIA-2004",
    "Qhull",
    "RHeCos-1.1",
    "RPL-1.1",
    "RPL-1.5",
    "RPSL-1.0",
    "RSA-MD",
    "RSCPL",
    "Rdisc",
    "Ruby",
    "Ruby-pty",
    "SAX-PD",
    "SAX-PD-2.0",
    "SCEA",
    "SGI-B-1.0",
    "SGI-B-1.1",
    "SGI-B-2.0",
    "SGI-OpenGL",
    "SGMLUG-PM",
    "SGP4",
    "SHL-0.5",
    "SHL-0.51",
    "SISSL",
    "SISSL-1.2",
    "SL",
    "SMAIL-GPL",
    "SMLNJ",
    "SMPPL",
    "SNIA",
    "SOFA",
    "SPL-1.0",
    "SSH-OpenSSH",
    "SSH-short",
    "SSLeay-standalone",
    "SSPL-1.0",
    "SUL-1.0",
    "SWL",
    "Saxpath",
    "SchemeReport",
    "Sendmail",
    "Sendmail-8.23",
    "Sendmail-Open-Source-1.1",
    "SimPL-2.0",
    "Sleepycat",
    "Soundex",
    "Spencer-86",
    "Spencer-94",
    "Spencer-99",
    "SugarCRM-1.1.3",
    "Sun-PPP",
    "Sun-PPP-2000",
    "SunPro",
    "Symlinks",
    "TAPR-OHL-1.0",
    "TCL",
    "TCP-wrappers",
    "TGPPL-1.0",
    "TMate",
    "TORQUE-1.1",
    "TOSL",
    "TPDL",
    "TPL-1.0",
    "TTWL",
    "TTYP0",
    "TU-Berlin-1.0",
    "TU-Berlin-2.0",
    "TekHVC",
    "TermReadKey",
    "ThirdEye",
    "TrustedQSL",
    "UCAR",
    "UCL-1.0",
    "UMich-Merit",
    "UPL-1.0",
    "URT-RLE",
    "Ubuntu-font-1.0",
    "UnRAR",
    "Unicode-3.0",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unicode-TOU",
    "UnixCrypt",
    "Unlicense",
    "Unlicense-libtelnet",
    "Unlicense-libwhirlpool",
    "VOSTROM",
    "VSL-1.0",
    "Vim",
    "Vixie-Cron",
    "W3C",
    "W3C-19980720",
    "W3C-20150513",
    "WTFNMFPL",
    "WTFPL",
    "Watcom-1.0",
    "Widget-Workshop",
    "WordNet",
    "Wsuipa",
    "X11",
    "X11-distribute-modifications-variant",
    "X11-no-permit-persons",
    "X11-swapped",
    "XFree86-1.1",
    "XSkat",
    "Xdebug-1.03",
    "Xerox",
    "Xfig",
    "Xnet",
    "YPL-1.0",
    "YPL-1.1",
    "ZPL-1.1",
    "ZPL-2.0",
    "ZPL-2.1",
    "Zed",
    "Zeeff",
    "Zend-2.0",
    "Zimbra-1.3",
    "Zimbra-1.4",
    "Zlib",
    "any-OSI",
    "any-OSI-perl-modules",
    "bcrypt-Solar-Designer",
    "blessing",
    "bzip2-1.0.6",
    "check-cvs",
    "checkmk",
    "copyleft-next-0.3.0",
    "copyleft-next-0.3.1",
    "curl",
    "cve-tou",
    "diffmark",
    "dtoa",
    "dvipdfm",
    "eGenix",
    "etalab-2.0",
    "fwlw",
    "gSOAP-1.3b",
    "generic-xts",
    "gnuplot",
    "gtkbook",
    "hdparm",
    "hyphen-bulgarian",
    "iMatix",
    "jove",
    "libpng-1.6.35",
    "libpng-2.0",
    "libselinux-1.0",
    "libtiff",
    "libutil-David-Nugent",
    "lsof",
    "magaz",
    "mailprio",
    "man2html",
    "metamail",
    "mpi-permissive",
    "mpich2",
    "mplus",
    "ngrep",
    "pkgconf",
    "pnmstitch",
    "psfrag",
    "psutils",
    "python-ldap",
    "radvd",
    "snprintf",
    "softSurfer",
    "ssh-keyscan",
    "swrule",
    "threeparttable",
    "ulem",
    "w3m",
    "wwl",
    "xinetd",
    "xkeyboard-config-Zinoviev",
    "xlock",
    "xpp",
    "xzoom",
    "zlib-acknowledgement",
];

pub const SPDX_EXCEPTIONS: &[&str] = &[
    "389-exception",
    "Asterisk-exception",
    "Autoconf-exception-2.0",
    "Autoconf-exception-3.0",
    "Autoconf-exception-generic",
    "Autoconf-exception-generic-3.0",
    "Autoconf-exception-macro",
    "Bison-exception-1.24",
    "Bison-exception-2.2",
    "Bootloader-exception",
    "CLISP-exception-2.0",
    "Classpath-exception-2.0",
    "DigiRule-FOSS-exception",
    "FLTK-exception",
    "Fawkes-Runtime-exception",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-2.0-note",
    "GCC-exception-3.1",
    "GNAT-exception",
    "GNOME-examples-exception",
    "GNU-compiler-exception",
    "GPL-3.0-interface-exception",
    "GPL-3.0-linking-exception",
    "GPL-3.0-linking-source-exception",
    "GPL-CC-1.0",
    "GStreamer-exception-2005",
    "GStreamer-exception-2008",
    "Gmsh-exception",
    "KiCad-libraries-exception",
    "LGPL-3.0-linking-exception",
    "LLGPL",
    "LLVM-exception",
    "LZMA-exception",
    "Libtool-exception",
    "Linux-syscall-note",
    "OCCT-exception-1.0",
    "OCaml-LGPL-linking-exception",
    "OpenJDK-assembly-exception-1.0",
    "PS-or-PDF-font-exception-20170817",
    "QPL-1.0-INRIA-2004-exception",
    "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "Qwt-exception-1.0",
    "SANE-exception",
    "SHL-2.0",
    "SHL-2.1",
    "SWI-exception",
    "Swift-exception",
    "Texinfo-exception",
    "UBDL-exception",
    "Universal-FOSS-exception-1.0",
    "WxWindows-exception-3.1",
    "cryptsetup-OpenSSL-exception",
    "eCos-exception-2.0",
    "fmt-exception",
    "freertos-exception-2.0",
    "gnu-javamail-exception",
    "i2p-gpl-java-exception",
    "libpri-OpenH323-exception",
    "mif-exception",
    "openvpn-openssl-exception",
    "stunnel-exception",
    "u-boot-exception-2.0",
    "vsftpd-openssl-exception",
    "x11vnc-openssl-exception",
];

/// Every instruction of `kind` after the first in its stage (DL4003 CMD,
/// DL4004 ENTRYPOINT): only the last one takes effect.
pub fn repeated_in_stage(cx: &Context, kind: Kind) -> Vec<crate::Hit> {
    let name = kind.name();
    let mut out = Vec::new();
    for st in &cx.facts.stages {
        let mut seen = false;
        for ins in cx.facts.stage_instructions(st) {
            if ins.kind != kind {
                continue;
            }
            if seen {
                out.push(
                    crate::Hit::new(
                        ins.keyword.span,
                        format!("Multiple `{name}` instructions in this stage: only the last one takes effect"),
                    )
                    .with_fix(format!("keep only the last `{name}` of the stage")),
                );
            }
            seen = true;
        }
    }
    out
}
