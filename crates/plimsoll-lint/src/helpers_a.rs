//! Helpers shared by the DL3001-DL3021 rule files: package operands of
//! package-manager commands, resolving `$VAR` package lists through the
//! ARG/ENV scope, `RUN --mount` parsing and the final image's stages.

use crate::Context;
use plimsoll_dockerfile::Instruction;
use plimsoll_dockerfile::shell::{Command, ShWord};
use plimsoll_dockerfile::words::expand;
use std::borrow::Cow;

/// Whether a word is a flag (`-x`, `--xx`), not `-` or `--`.
pub fn is_flag_word(t: &str) -> bool {
    t.starts_with('-') && t != "-" && t != "--"
}

/// Flag names in one flag word: `-abc` gives `a`, `b`, `c`; `--foo=x`
/// gives `foo`.
pub fn flag_names(t: &str) -> Vec<&str> {
    if let Some(long) = t.strip_prefix("--") {
        return vec![long.split('=').next().unwrap_or(long)];
    }
    let Some(short) = t.strip_prefix('-') else {
        return Vec::new();
    };
    short
        .char_indices()
        .map(|(i, c)| &short[i..i + c.len_utf8()])
        .collect()
}

/// The operands of a command: arguments that are not flags, with the
/// separate value of every flag named in `value_flags` dropped
/// (`-t bookworm`, `--virtual .deps`). After `--` everything is an operand.
pub fn operands<'a>(cmd: &'a Command, value_flags: &[&str]) -> Vec<&'a ShWord> {
    let mut out = Vec::new();
    let mut skip_next = false;
    let mut dashdash = false;
    for w in cmd.args() {
        if skip_next {
            skip_next = false;
            continue;
        }
        let t = w.text.as_str();
        if dashdash {
            out.push(w);
            continue;
        }
        if t == "--" {
            dashdash = true;
            continue;
        }
        if is_flag_word(t) {
            if !t.contains('=') {
                let names = flag_names(t);
                // A value follows only the last letter of a short cluster
                // (`-yt stable`), or a long option without `=`.
                let takes = if t.starts_with("--") {
                    names.iter().any(|n| value_flags.contains(n))
                } else {
                    names.last().is_some_and(|n| value_flags.contains(n))
                };
                skip_next = takes;
            }
            continue;
        }
        out.push(w);
    }
    out
}

/// Whether a word as written is a shell assignment (`NAME=…`, quotes
/// allowed in the value).
pub fn is_assignment_word(raw: &str) -> bool {
    match raw.find('=') {
        None | Some(0) => false,
        Some(i) => {
            let name = raw[..i].strip_suffix('+').unwrap_or(&raw[..i]);
            !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    }
}

/// The command with leading `NAME="quoted value"` words moved into its
/// assignments: the tokenizer only recognises unquoted assignments, so
/// `DEBIAN_FRONTEND="noninteractive" apt-get install …` would otherwise be
/// a command named `DEBIAN_FRONTEND=noninteractive`.
pub fn normalize(cmd: &Command) -> Cow<'_, Command> {
    let n = cmd
        .words
        .iter()
        .take_while(|w| is_assignment_word(&w.raw))
        .count();
    if n == 0 {
        return Cow::Borrowed(cmd);
    }
    let mut c = cmd.clone();
    let moved: Vec<ShWord> = c.words.drain(..n).collect();
    c.assignments.extend(moved);
    Cow::Owned(c)
}

/// The commands of RUN `i` (all its scripts), normalized.
pub fn run_commands<'a>(cx: &Context<'a>, i: usize) -> Vec<Cow<'a, Command>> {
    cx.scripts(i)
        .iter()
        .flat_map(|s| s.commands.iter())
        .map(normalize)
        .collect()
}

/// Every shell command of every RUN (ONBUILD triggers and heredoc
/// scripts included), normalized, with its instruction index.
pub fn all_commands<'a>(cx: &Context<'a>) -> Vec<(usize, Cow<'a, Command>)> {
    cx.commands().map(|(i, c)| (i, normalize(c))).collect()
}

/// Names of the variables a word references (`$A`, `${B:-x}`).
pub fn var_names(raw: &str) -> Vec<String> {
    let b = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            if j < b.len() && b[j] == b'{' {
                j += 1;
            }
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > start {
                out.push(raw[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// A shell assignment seen in a RUN script: (offset, name, value as
/// written); `None` when the script sets the variable in a way whose value
/// cannot be read (`read X`, `X=$(cmd)` is kept and judged unknown later).
pub type ShellAssignment = (usize, String, Option<String>);

/// Assignments the scripts of RUN `i` make at shell level (`X=1;`,
/// `export X=…`, `read X`), in source order. Assignments that prefix a
/// command (`X=1 cmd`) only reach that command's environment and are left
/// out, as are those inside `$(…)`.
pub fn shell_assignments(cx: &Context, i: usize) -> Vec<ShellAssignment> {
    let mut out = Vec::new();
    for s in cx.scripts(i) {
        for c in s.commands.iter().map(normalize) {
            if c.nested {
                continue;
            }
            // Assignments before a special builtin (`X=1 set -e`) stay in
            // the shell, like bare ones.
            let special = [":", "set", "eval", "exec", "shift", "trap", "."];
            if c.words.is_empty() || special.iter().any(|b| c.is(b)) {
                for a in &c.assignments {
                    if let Some((n, v)) = a.raw.split_once('=') {
                        // `X+=more` appends to a value we may not know.
                        let v = if n.ends_with('+') {
                            None
                        } else {
                            Some(v.to_string())
                        };
                        out.push((a.span.start, n.trim_end_matches('+').to_string(), v));
                    }
                }
                if c.words.is_empty() {
                    continue;
                }
            }
            let decl = ["export", "declare", "local", "readonly", "typeset"];
            let is_decl = decl.iter().any(|d| c.is(d));
            if is_decl || c.is("read") || c.is("unset") {
                for w in c.args() {
                    if is_flag_word(&w.text) {
                        continue;
                    }
                    match w.raw.split_once('=') {
                        Some((n, v)) if is_decl => {
                            out.push((w.span.start, n.to_string(), Some(v.to_string())))
                        }
                        None if !is_decl => out.push((w.span.start, w.text.clone(), None)),
                        _ => {}
                    }
                }
            }
        }
    }
    out.sort_by_key(|a| a.0);
    out
}

/// A stand-in value for BuildKit's automatic platform ARGs
/// (`TARGETARCH`, `BUILDPLATFORM`, …) when no value is in scope: whatever
/// the real value, it is a platform name, never a URL, an archive name or
/// a version pin.
pub fn platform_value(name: &str) -> Option<String> {
    let v = match name {
        "TARGETARCH" | "BUILDARCH" => "amd64",
        "TARGETOS" | "BUILDOS" => "linux",
        "TARGETPLATFORM" | "BUILDPLATFORM" => "linux/amd64",
        "TARGETVARIANT" | "BUILDVARIANT" => "v8",
        _ => return None,
    };
    Some(v.to_string())
}

/// Expands `raw` (shell text) as it would be at offset `pos` of RUN `i`:
/// shell assignments before `pos` first, then ARG/ENV values in scope.
/// `None` when any part cannot be known.
fn eval_at(
    cx: &Context,
    i: usize,
    assigns: &[ShellAssignment],
    raw: &str,
    pos: usize,
    depth: usize,
) -> Option<String> {
    if depth > 8 || raw.contains("$(") || raw.contains('`') {
        return None;
    }
    let unknown = std::cell::Cell::new(false);
    let lookup = |n: &str| -> Option<String> {
        if let Some((p, _, v)) = assigns
            .iter()
            .rev()
            .find(|(p, name, _)| *p < pos && name == n)
        {
            let r = v
                .as_deref()
                .and_then(|v| eval_at(cx, i, assigns, v, *p, depth + 1));
            if r.is_none() {
                unknown.set(true);
            }
            return r;
        }
        let r = cx.facts.var(i, n).or_else(|| platform_value(n));
        if r.is_none() {
            unknown.set(true);
        }
        r
    };
    let ex = expand(raw, '\\', &lookup);
    if unknown.get() || !ex.unset.is_empty() {
        return None;
    }
    Some(ex.value)
}

/// What a shell word of RUN `i` stands for: the literal word, or the
/// words a `$VAR` expands to when its value can be read: a shell
/// assignment earlier in the same script, or an ARG/ENV in scope with a
/// known value (an unquoted expansion splits on whitespace). `None` when
/// the value cannot be known: an ARG without default, a variable from the
/// base image, `read`, a command substitution.
pub fn resolve_word(
    cx: &Context,
    i: usize,
    w: &ShWord,
    assigns: &[ShellAssignment],
) -> Option<Vec<String>> {
    if !w.text.contains('$') && !w.text.contains('`') {
        return Some(vec![w.text.clone()]);
    }
    if var_names(&w.raw).is_empty() && !w.raw.contains('`') {
        return Some(vec![w.text.clone()]);
    }
    let value = eval_at(cx, i, assigns, &w.raw, w.span.start, 0)?;
    let quoted = w.raw.len() >= 2 && w.raw.starts_with('"') && w.raw.ends_with('"');
    if quoted {
        return Some(vec![value]);
    }
    Some(value.split_whitespace().map(str::to_string).collect())
}

/// The arguments of a command of RUN `i` with variables expanded where
/// their value can be read; `None` when some argument's value cannot be
/// known (it might hold the very option a rule looks for).
pub fn expanded_args(cx: &Context, i: usize, cmd: &Command) -> Option<Vec<String>> {
    let assigns = shell_assignments(cx, i);
    let mut out = Vec::new();
    for w in cmd.args() {
        out.extend(resolve_word(cx, i, w, &assigns)?);
    }
    Some(out)
}

/// Flag names in a list of arguments (up to `--`).
pub fn flags_of(args: &[String]) -> Vec<&str> {
    args.iter()
        .take_while(|a| *a != "--")
        .filter(|a| is_flag_word(a))
        .flat_map(|a| flag_names(a))
        .collect()
}

/// A `RUN --mount=…` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `bind` unless given.
    pub kind: String,
    pub target: Option<String>,
}

/// The `--mount` options of a RUN.
pub fn mounts(ins: &Instruction) -> Vec<Mount> {
    let mut out = Vec::new();
    for f in &ins.flags {
        if !f.name.eq_ignore_ascii_case("mount") {
            continue;
        }
        let Some(v) = &f.value else { continue };
        let mut m = Mount {
            kind: "bind".to_string(),
            target: None,
        };
        for field in v.split(',') {
            let field = field.trim().trim_matches('"').trim_matches('\'');
            let (k, val) = field.split_once('=').unwrap_or((field, ""));
            let val = val.trim_matches('"').trim_matches('\'');
            match k.trim().to_ascii_lowercase().as_str() {
                "type" => m.kind = val.to_ascii_lowercase(),
                "target" | "dst" | "destination" => m.target = Some(val.to_string()),
                _ => {}
            }
        }
        out.push(m);
    }
    out
}

/// Whether `dir` is `path` or one of its parent directories.
pub fn covers(dir: &str, path: &str) -> bool {
    if dir.is_empty() {
        return false;
    }
    let d = dir.trim_end_matches('/');
    let p = path.trim_end_matches('/');
    d.is_empty() || p == d || p.strip_prefix(d).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether RUN `ins` mounts a cache or tmpfs over `path` (or a parent of
/// it): what it writes there never reaches the image.
pub fn cache_mount_covers(ins: &Instruction, path: &str) -> bool {
    mounts(ins).iter().any(|m| {
        (m.kind == "cache" || m.kind == "tmpfs")
            && m.target.as_deref().is_some_and(|t| covers(t, path))
    })
}

/// Whether instruction `i` belongs to a stage whose filesystem ends up in
/// the final image: the last stage, and the stages it is built `FROM`,
/// transitively.
pub fn in_final_lineage(cx: &Context, i: usize) -> bool {
    match cx.facts.stage_of.get(i).copied().flatten() {
        Some(s) => cx.facts.final_lineage().contains(&s),
        None => true,
    }
}

/// `apt-get … install …` (the subcommand may follow options).
pub fn is_apt_get_install(cmd: &Command) -> bool {
    cmd.is("apt-get") && cmd.has_arg("install")
}

/// Every `apt-get install` command in RUN instructions (ONBUILD triggers
/// and heredoc scripts included).
pub fn apt_get_installs<'a>(cx: &Context<'a>) -> Vec<(usize, Cow<'a, Command>)> {
    all_commands(cx)
        .into_iter()
        .filter(|(_, c)| is_apt_get_install(c))
        .collect()
}

/// The span from a command's name to its first argument equal to `sub`
/// (`apt-get -y install`), or the name alone.
pub fn command_span(cmd: &Command, sub: &str) -> Option<plimsoll_dockerfile::Span> {
    let first = cmd.words.first()?;
    Some(match cmd.args().iter().find(|w| w.text == sub) {
        Some(w) => first.span.cover(w.span),
        None => first.span,
    })
}

/// Instructions that ran before `i` in the image `i` builds on: earlier
/// instructions of its stage and every instruction of the stages it is
/// built `FROM`, transitively.
pub fn earlier_in_lineage(cx: &Context, i: usize) -> Vec<usize> {
    let f = cx.facts;
    let mut out = Vec::new();
    let Some(mut s) = f.stage_of.get(i).copied().flatten() else {
        return out;
    };
    let mut end = i;
    let mut seen = Vec::new();
    while let Some(st) = f.stages.get(s) {
        out.extend(st.from..end.min(st.end));
        seen.push(s);
        match st.base.stage {
            Some(p) if !seen.contains(&p) => {
                s = p;
                end = usize::MAX;
            }
            _ => break,
        }
    }
    out
}

/// Whether an earlier RUN of the image writes an apt configuration file
/// (`echo 'APT::Get::Assume-Yes "true";' > /etc/apt/apt.conf.d/…`) setting
/// `key` (case-insensitive) to one of `values`.
pub fn apt_conf_sets(cx: &Context, i: usize, key: &str, values: &[&str]) -> bool {
    let key = key.to_ascii_lowercase();
    earlier_in_lineage(cx, i).into_iter().any(|j| {
        let cmds = run_commands(cx, j);
        let writes_conf = cmds.iter().any(|c| {
            c.redirects
                .iter()
                .any(|r| r.text.contains("/etc/apt/apt.conf"))
                || (c.is("tee")
                    && c.args()
                        .iter()
                        .any(|a| a.text.contains("/etc/apt/apt.conf")))
        });
        writes_conf
            && cmds.iter().any(|c| {
                (c.is("echo") || c.is("printf"))
                    && c.args().iter().any(|a| {
                        let t = a.text.to_ascii_lowercase();
                        t.find(&key).is_some_and(|p| {
                            let rest = t[p + key.len()..].trim_start_matches([' ', '"', '=']);
                            values.iter().any(|v| rest.starts_with(v))
                        })
                    })
            })
    })
}

/// Backtick-quotes a list for a message: `` `a`, `b` and 3 more ``.
pub fn list_words(words: &[String], max: usize) -> String {
    let shown: Vec<String> = words.iter().take(max).map(|w| format!("`{w}`")).collect();
    let mut s = shown.join(", ");
    if words.len() > max {
        s.push_str(&format!(" and {} more", words.len() - max));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_words() {
        assert_eq!(flag_names("-yq"), vec!["y", "q"]);
        assert_eq!(flag_names("--target-release=x"), vec!["target-release"]);
        assert!(!is_flag_word("--") && !is_flag_word("-") && is_flag_word("-y"));
    }

    #[test]
    fn var_names_found() {
        assert_eq!(var_names("${A:-x}$B-c"), vec!["A", "B"]);
        assert!(var_names("plain").is_empty());
    }

    #[test]
    fn covers_parents() {
        assert!(covers("/var/lib/apt", "/var/lib/apt/lists"));
        assert!(covers("/var/lib/apt/lists/", "/var/lib/apt/lists"));
        assert!(!covers("/var/lib/ap", "/var/lib/apt/lists"));
        assert!(!covers("/var/lib/apt/lists/partial", "/var/lib/apt/lists"));
    }
}
