//! Helpers shared by the DL3022-DL3045 rule files.
//!
//! - [`runs`]: the commands of every RUN, grouped per instruction and in
//!   order: shell form, heredocs, exec form (`["yum", "install", "x"]` runs
//!   `yum`; `["sh", "-c", "…"]` runs the script too), ONBUILD triggers.
//! - [`subcommand`], [`has_sub`], [`sub_word`], [`after_sub`]: a package
//!   manager's subcommand and its operands, flag values skipped.
//! - [`resolve_word`], [`known_packages`]: what a package word stands for
//!   once `$VAR`s are expanded, or nothing when a linter cannot know
//!   (hadolint #928).
//! - [`operands`]: the non-flag words of a command, skipping the values of
//!   flags known to take one.
//! - [`mounts`], [`has_cache_mount`], [`removes_dir`]: `--mount`
//!   specifications of a RUN, and cache clean-up.
//! - [`rpm_version_fixed`]: the `name-version` test of yum/dnf packages.

use crate::Context;
use plimsoll_dockerfile::facts::is_posix_shell;
use plimsoll_dockerfile::shell::{Command, Script, ShWord};
use plimsoll_dockerfile::words::expand;
use plimsoll_dockerfile::{Instruction, Kind, OffsetMap, Span};
use std::borrow::Cow;

/// The commands one RUN instruction executes, in source order.
pub struct Run<'a> {
    /// Instruction index (an ONBUILD whose trigger is a RUN included).
    pub index: usize,
    /// The RUN (the trigger, for ONBUILD).
    pub ins: &'a Instruction,
    pub commands: Vec<Cow<'a, Command>>,
}

impl Run<'_> {
    /// Position of the first command matching `f`.
    pub fn position(&self, f: impl Fn(&Command) -> bool) -> Option<usize> {
        self.commands.iter().position(|c| f(c))
    }

    /// Position of the last command matching `f`.
    pub fn rposition(&self, f: impl Fn(&Command) -> bool) -> Option<usize> {
        self.commands.iter().rposition(|c| f(c))
    }
}

/// Every RUN (and ONBUILD RUN) with its commands. Shell-form RUNs and
/// shell heredocs come from the facts; an exec-form RUN is the command it
/// names, and when that is `sh -c SCRIPT` the script is tokenized too.
///
/// Computed once per lint run and shared by the rules that ask.
pub fn runs<'c, 'a>(cx: &'c Context<'a>) -> &'c [Run<'a>] {
    cx.runs_memo.get_or_init(|| compute_runs(cx))
}

fn compute_runs<'a>(cx: &Context<'a>) -> Vec<Run<'a>> {
    let mut out = Vec::new();
    for (i, ins) in cx.of_kind(Kind::Run) {
        let mut commands: Vec<Cow<'a, Command>> = Vec::new();
        match &ins.json {
            None => {
                let scripts = cx.scripts(i);
                if scripts.is_empty() {
                    // A non-POSIX SHELL (PowerShell, cmd): simple commands
                    // such as `pip install x` read the same.
                    let s = Script::parse(&ins.args, &ins.args_map);
                    commands.extend(s.commands.into_iter().map(|c| normalize(Cow::Owned(c))));
                }
                for s in scripts {
                    commands.extend(s.commands.iter().map(|c| normalize(Cow::Borrowed(c))));
                }
            }
            Some(items) => {
                commands.extend(exec_commands(items).into_iter().map(Cow::Owned));
            }
        }
        out.push(Run {
            index: i,
            ins,
            commands,
        });
    }
    out
}

/// Moves leading `NAME="quoted value"` words, which the tokenizer leaves
/// among the words, to the assignments: in `A="x" pip install y` the
/// command is `pip`.
fn normalize(c: Cow<'_, Command>) -> Cow<'_, Command> {
    let n = c.words.iter().take_while(|w| is_assignment(&w.raw)).count();
    if n == 0 {
        return c;
    }
    let mut owned = c.into_owned();
    let moved: Vec<ShWord> = owned.words.drain(..n).collect();
    owned.assignments.extend(moved);
    Cow::Owned(owned)
}

fn exec_commands(items: &[plimsoll_dockerfile::Spanned<String>]) -> Vec<Command> {
    let Some(first) = items.first() else {
        return Vec::new();
    };
    let words: Vec<ShWord> = items
        .iter()
        .map(|s| ShWord {
            text: s.value.clone(),
            raw: s.value.clone(),
            span: s.span,
        })
        .collect();
    let whole = items.iter().fold(first.span, |acc, s| acc.cover(s.span));
    let mut out = vec![Command {
        words,
        assignments: Vec::new(),
        redirects: Vec::new(),
        pipeline: 0,
        piped: false,
        nested: false,
        span: whole,
    }];
    // `["sh", "-c", "script"]`: the script's commands too.
    let script = items
        .iter()
        .position(|s| s.value == "-c" || s.value == "-ec")
        .and_then(|pos| items.get(pos + 1));
    if let Some(script) = script.filter(|_| is_posix_shell(&first.value)) {
        // The string's first character sits after the opening quote.
        let map = OffsetMap::identity(script.span.start + 1, script.value.len());
        out.extend(Script::parse(&script.value, &map).commands);
    }
    out
}

/// Shell variables assigned by earlier commands of the same RUN
/// (`PKGS="a b" && yum install $PKGS`, `export V=1`): (name, raw value).
fn shell_assignments<'a>(before: &[Cow<'a, Command>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in before {
        let words: Vec<&ShWord> = if c.words.is_empty() {
            c.assignments.iter().collect()
        } else if matches!(
            c.name(),
            Some("export" | "declare" | "local" | "readonly" | "typeset")
        ) {
            c.args()
                .iter()
                .filter(|w| !w.text.starts_with('-'))
                .collect()
        } else {
            Vec::new()
        };
        for w in words {
            if let Some((k, v)) = w.raw.split_once('=') {
                out.push((k.to_string(), v.to_string()));
            }
        }
    }
    out
}

fn is_assignment(raw: &str) -> bool {
    raw.split_once('=').is_some_and(|(k, _)| {
        k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// What a command word stands for: the word itself when it has no
/// variable, the expansion (split into words) when every variable has a
/// known value — from ARG/ENV in scope at instruction `i`, or from an
/// assignment earlier in the same RUN — and `None` when some value cannot
/// be known (no default, command substitution, loop variable, …).
pub fn resolve_word(
    cx: &Context,
    i: usize,
    before: &[Cow<'_, Command>],
    w: &ShWord,
) -> Option<Vec<String>> {
    if !w.raw.contains('$') && !w.raw.contains('`') {
        return Some(vec![w.text.clone()]);
    }
    if w.raw.contains("$(") || w.raw.contains('`') {
        return None;
    }
    let shell = shell_assignments(before);
    let facts = cx.facts;
    let lookup = |n: &str| -> Option<String> {
        if let Some((_, v)) = shell.iter().rev().find(|(k, _)| k == n) {
            if v.contains("$(") || v.contains('`') {
                return None;
            }
            // One level: the assigned value may use ARG/ENV values.
            let e = expand(v, '\\', &|m| facts.var(i, m));
            return e.unset.is_empty().then_some(e.value);
        }
        facts.var(i, n)
    };
    let e = expand(&w.raw, '\\', &lookup);
    if !e.unset.is_empty() {
        return None;
    }
    Some(e.value.split_whitespace().map(str::to_string).collect())
}

/// The packages named by `words` (operands of command `k` of `run`), each
/// with the word it comes from; variables are expanded where their values
/// are known and words whose value cannot be known are left out. Flags
/// that come out of an expansion (`$OPTS`) are dropped.
pub fn known_packages<'w>(
    cx: &Context,
    run: &Run<'_>,
    k: usize,
    words: &[&'w ShWord],
) -> Vec<(&'w ShWord, String)> {
    let before = run.commands.get(..k).unwrap_or(&[]);
    let mut out = Vec::new();
    for w in words {
        let Some(values) = resolve_word(cx, run.index, before, w) else {
            continue;
        };
        for v in values {
            if !v.is_empty() && !v.starts_with('-') {
                out.push((*w, v));
            }
        }
    }
    out
}

/// The non-flag words of a command after its name, skipping the value of
/// every flag in `value_flags` written as a separate word (`-r repo`,
/// `--enablerepo epel`). Names are given without dashes; one-letter names
/// are short flags. Everything after `--` is an operand.
pub fn operands<'a>(cmd: &'a Command, value_flags: &[&str]) -> Vec<&'a ShWord> {
    let mut out = Vec::new();
    let mut skip = false;
    let mut dashdash = false;
    for w in cmd.args() {
        let t = w.text.as_str();
        if skip {
            skip = false;
            continue;
        }
        if dashdash {
            out.push(w);
            continue;
        }
        if t == "--" {
            dashdash = true;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            if !long.contains('=') && value_flags.iter().any(|f| f.len() > 1 && *f == long) {
                skip = true;
            }
            continue;
        }
        if let Some(short) = t.strip_prefix('-') {
            if short.is_empty() {
                out.push(w);
                continue;
            }
            // `-x value` or a cluster ending in a value flag (`-yx value`);
            // in `-xvalue` the value is attached.
            let first_value_flag = short.char_indices().find(|(_, c)| {
                value_flags
                    .iter()
                    .any(|f| f.len() == c.len_utf8() && f.starts_with(*c))
            });
            if first_value_flag.is_some_and(|(p, c)| p + c.len_utf8() == short.len()) {
                skip = true;
            }
            continue;
        }
        out.push(w);
    }
    out
}

/// Separate-word value flags of a package manager, by command name.
pub fn value_flags_for(cmd: &Command) -> &'static [&'static str] {
    match cmd.base_name() {
        Some("yum" | "dnf" | "dnf5" | "microdnf") => RPM_VALUE_FLAGS,
        Some("zypper") => ZYPPER_VALUE_FLAGS,
        _ => &[],
    }
}

/// The subcommand of a package manager: its first operand (`install` in
/// `yum -y --enablerepo epel install x`). A leading `$OPTS` word is taken
/// for options and skipped.
pub fn subcommand(cmd: &Command) -> Option<&ShWord> {
    operands(cmd, value_flags_for(cmd))
        .into_iter()
        .find(|w| !w.raw.starts_with('$'))
}

/// Whether `cmd` is one of `names` (by base name) running one of `subs`.
pub fn has_sub(cmd: &Command, names: &[&str], subs: &[&str]) -> bool {
    names.iter().any(|n| cmd.is(n))
        && subcommand(cmd).is_some_and(|w| subs.contains(&w.text.as_str()))
}

/// The subcommand word of `cmd` when it is one of `subs`.
pub fn sub_word<'a>(cmd: &'a Command, subs: &[&str]) -> Option<&'a ShWord> {
    subcommand(cmd).filter(|w| subs.contains(&w.text.as_str()))
}

/// The operands after the subcommand (`yum -y install a b` → `a`, `b`;
/// `dnf module install x` → `install`, `x`).
pub fn after_sub(cmd: &Command) -> Vec<&ShWord> {
    let ops = operands(cmd, value_flags_for(cmd));
    let Some(sub) = subcommand(cmd) else {
        return Vec::new();
    };
    ops.into_iter()
        .filter(|w| w.span.start > sub.span.start)
        .collect()
}

/// `yum group install …`, `dnf groups install …`, `dnf module install …`:
/// installs that download packages as `install` does.
pub fn is_nested_install(cmd: &Command, names: &[&str]) -> bool {
    has_sub(cmd, names, &["group", "groups", "module"])
        && after_sub(cmd).first().is_some_and(|w| w.text == "install")
}

/// One `--mount=` of a RUN.
#[derive(Debug, Clone, Default)]
pub struct Mount {
    pub typ: String,
    pub target: Option<String>,
    pub from: Option<String>,
    pub span: Span,
}

/// The `--mount` flags of a RUN (BuildKit's CSV syntax; `type` defaults
/// to `bind`).
pub fn mounts(ins: &Instruction) -> Vec<Mount> {
    let mut out = Vec::new();
    for f in &ins.flags {
        if !f.name.eq_ignore_ascii_case("mount") {
            continue;
        }
        let mut m = Mount {
            typ: "bind".into(),
            span: f.span,
            ..Mount::default()
        };
        for field in f.value.as_deref().unwrap_or("").split(',') {
            let (k, v) = field.split_once('=').unwrap_or((field, ""));
            let v = v.trim_matches(|c| c == '"' || c == '\'').to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "type" => m.typ = v.to_ascii_lowercase(),
                "target" | "dst" | "destination" => m.target = Some(v),
                "from" => m.from = Some(v),
                _ => {}
            }
        }
        out.push(m);
    }
    out
}

/// Whether the RUN has a cache or tmpfs mount whose target contains one of
/// `fragments` (the cache then never lands in the image layer).
pub fn has_cache_mount(ins: &Instruction, fragments: &[&str]) -> bool {
    mounts(ins).iter().any(|m| {
        (m.typ == "cache" || m.typ == "tmpfs")
            && m.target
                .as_deref()
                .is_some_and(|t| fragments.iter().any(|f| t.contains(f)))
    })
}

/// Whether `cmd` is an `rm` that deletes one of the given directories (or
/// everything below one of them).
pub fn removes_dir(cmd: &Command, dirs: &[&str]) -> bool {
    cmd.is("rm")
        && cmd.args_no_flags().iter().any(|w| {
            let t = w.text.trim_end_matches('*').trim_end_matches('/');
            dirs.iter().any(|d| {
                let d = d.trim_end_matches('/');
                t == d || t.starts_with(&format!("{d}/"))
            })
        })
}

/// hadolint's test for a yum/dnf package with a version: `name-version`
/// where the parts after the first `-` are version characters and one
/// starts with a digit; `.rpm` files always carry one.
pub fn rpm_version_fixed(package: &str) -> bool {
    if package.ends_with(".rpm") {
        return true;
    }
    let mut parts = package.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return false;
    }
    let valid =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '~' | '^' | '_' | ':' | '+');
    rest.iter().all(|p| p.chars().all(valid))
        && rest
            .iter()
            .any(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// Separate-word value flags of yum, dnf and microdnf (global and install
/// options).
pub const RPM_VALUE_FLAGS: &[&str] = &[
    "c",
    "config",
    "d",
    "debuglevel",
    "e",
    "errorlevel",
    "x",
    "exclude",
    "excludepkgs",
    "R",
    "randomwait",
    "enablerepo",
    "disablerepo",
    "repo",
    "repoid",
    "setopt",
    "installroot",
    "releasever",
    "downloaddir",
    "destdir",
    "forcearch",
    "disableplugin",
    "enableplugin",
    "color",
    "comment",
    "advisory",
    "advisories",
    "bz",
    "bzs",
    "cve",
    "cves",
    "sec-severity",
    "secseverity",
    "repofrompath",
    "rpmverbosity",
    "module-platform-id",
    "platform-id",
    "use-host-config",
    "from-repo",
];

/// zypper options (global and `install`) that take a separate value.
pub const ZYPPER_VALUE_FLAGS: &[&str] = &[
    "c",
    "config",
    "R",
    "root",
    "reposd-root",
    "cache-dir",
    "raw-cache-dir",
    "solv-cache-dir",
    "pkg-cache-dir",
    "r",
    "repo",
    "from",
    "t",
    "type",
    "download",
    "releasever",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DockerIgnore, Settings};
    use plimsoll_dockerfile::{Facts, parse};

    fn with_runs(src: &str, f: impl Fn(&Context, &[Run])) {
        let facts = Facts::new(parse(src));
        let settings = Settings::default();
        let cx = Context::new(&facts, &settings, &DockerIgnore::Unknown);
        let r = runs(&cx);
        f(&cx, r);
    }

    #[test]
    fn exec_form_runs_are_commands() {
        with_runs(
            "FROM a\nRUN [\"yum\", \"install\", \"x\"]\nRUN [\"/bin/sh\", \"-c\", \"apt install y && true\"]\n",
            |_, r| {
                assert_eq!(r.len(), 2);
                assert_eq!(r[0].commands[0].name(), Some("yum"));
                let names: Vec<_> = r[1].commands.iter().filter_map(|c| c.name()).collect();
                assert_eq!(names, vec!["/bin/sh", "apt", "true"]);
            },
        );
    }

    #[test]
    fn resolves_known_variables_only() {
        with_runs(
            "FROM a\nENV P=\"x y\"\nARG N\nRUN Q=z && gem install $P $N $Q $(ls) $HOME\n",
            |cx, r| {
                let run = &r[0];
                let gem = run.position(|c| c.is("gem")).unwrap();
                let before = &run.commands[..gem];
                let args = run.commands[gem].args();
                let got: Vec<_> = args
                    .iter()
                    .map(|w| resolve_word(cx, run.index, before, w))
                    .collect();
                assert_eq!(got[0], Some(vec!["install".to_string()]));
                assert_eq!(got[1], Some(vec!["x".to_string(), "y".to_string()]));
                assert_eq!(got[2], None);
                assert_eq!(got[3], Some(vec!["z".to_string()]));
                assert_eq!(got[4], None);
                assert_eq!(got[5], None);
            },
        );
    }

    #[test]
    fn operands_skip_flag_values() {
        with_runs(
            "FROM a\nRUN yum -y --enablerepo epel --setopt=a=b -x foo install -q httpd -- -odd\n",
            |_, r| {
                let ops: Vec<_> = operands(&r[0].commands[0], RPM_VALUE_FLAGS)
                    .iter()
                    .map(|w| w.text.clone())
                    .collect();
                assert_eq!(ops, vec!["install", "httpd", "-odd"]);
            },
        );
    }

    #[test]
    fn mounts_and_versions() {
        let df = parse(
            "FROM a\nRUN --mount=type=cache,target=/var/cache/dnf --mount=from=x,src=/a,dst=/b true\n",
        );
        let m = mounts(&df.instructions[1]);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].typ, "cache");
        assert_eq!(m[1].typ, "bind");
        assert_eq!(m[1].from.as_deref(), Some("x"));
        assert!(has_cache_mount(&df.instructions[1], &["/var/cache/dnf"]));
        assert!(rpm_version_fixed("httpd-2.4.6"));
        assert!(rpm_version_fixed("./x.rpm"));
        assert!(!rpm_version_fixed("python3-pip"));
        assert!(!rpm_version_fixed("httpd"));
        assert!(!rpm_version_fixed("gcc-c++"));
    }
}
