//! The documented disagreement classes between Plimsoll and hadolint
//! 2.15.1, each with a mechanical classifier.
//!
//! A class names one reason why the two linters disagree on a (file, line,
//! code) key, for one side (a finding only Plimsoll reports, or only
//! hadolint). The classifier looks at the instruction the key points at
//! (through Plimsoll's parser and facts: stages, variable scopes, the
//! tokenized RUN script) and says whether the disagreement is of that kind.
//! The first class that matches wins; a disagreement no class matches is
//! "unclassified" and counts against agreement, like our own bugs.
//!
//! Verdicts:
//! - `Deliberate`: Plimsoll's rule documents the different behaviour (its
//!   `//!` doc says so), usually a hadolint false positive or negative.
//! - `HadolintBug`: hadolint is demonstrably wrong (misreads the file or
//!   the command) and Plimsoll is right, whether or not the rule's doc
//!   spells it out.
//! - `OurBug`: Plimsoll is wrong; to fix in the rule named.

use super::{Case, Class, Side, Verdict};
use plimsoll_dockerfile::shell::{Command, Script};
use plimsoll_dockerfile::{Instruction, Kind, Stage};

use Side::{Hadolint as Theirs, Ours};
use Verdict::{Deliberate, HadolintBug, OurBug};

// ---------------------------------------------------------------------------
// What the classifiers look at

fn idx(c: &Case) -> Option<usize> {
    c.doc.ins_at(c.line).map(|(i, _)| i)
}

/// The instruction at the key's line (the ONBUILD itself for a trigger).
fn ins<'a>(c: &'a Case) -> Option<&'a Instruction> {
    c.doc.ins_at(c.line).map(|(_, i)| i)
}

/// The instruction, or its ONBUILD trigger.
fn eff<'a>(c: &'a Case) -> Option<&'a Instruction> {
    idx(c).map(|i| c.doc.facts.effective(i))
}

fn is(c: &Case, k: Kind) -> bool {
    eff(c).is_some_and(|i| i.kind == k)
}

fn is_onbuild(c: &Case) -> bool {
    ins(c).is_some_and(|i| i.kind == Kind::Onbuild)
}

fn stage<'a>(c: &'a Case) -> Option<&'a Stage> {
    let i = idx(c)?;
    let s = (*c.doc.facts.stage_of.get(i)?)?;
    c.doc.facts.stages.get(s)
}

/// Arguments of the instruction (of the trigger for ONBUILD), trimmed.
fn args<'a>(c: &'a Case) -> &'a str {
    eff(c).map_or("", |i| i.args.trim())
}

/// Expands `word` with the variables in scope at the instruction.
fn expand(c: &Case, word: &str) -> Option<String> {
    let i = idx(c)?;
    let e = c.doc.facts.expand(i, word);
    e.unset.is_empty().then_some(e.value)
}

/// Expands `word` with the global ARGs (those before the first FROM).
fn expand_global(c: &Case, word: &str) -> String {
    let g = &c.doc.facts.global_args;
    plimsoll_dockerfile::words::expand(word, '\\', &|n| {
        g.iter()
            .rev()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.clone())
    })
    .value
}

fn has_unset_var(c: &Case, word: &str) -> bool {
    idx(c).is_some_and(|i| !c.doc.facts.expand(i, word).unset.is_empty())
}

/// The commands of a RUN as the tokenizer reads them (heredoc scripts
/// included), whatever the SHELL.
fn commands(c: &Case) -> Vec<Command> {
    let Some(i) = idx(c) else { return Vec::new() };
    let scripts = &c.doc.facts.scripts[i];
    if !scripts.is_empty() {
        return scripts.iter().flat_map(|s| s.commands.clone()).collect();
    }
    let e = c.doc.facts.effective(i);
    if e.kind != Kind::Run || e.json.is_some() {
        return Vec::new();
    }
    Script::parse(&e.args, &e.args_map).commands
}

fn any_cmd(c: &Case, f: impl Fn(&Command) -> bool) -> bool {
    commands(c).iter().any(f)
}

/// A command called by a path (`/usr/local/go/bin/go`) whose base name
/// is one of `names`: hadolint matches command names exactly.
fn by_path(c: &Case, names: &[&str]) -> bool {
    any_cmd(c, |k| {
        k.name().is_some_and(|n| n.contains('/'))
            && k.base_name().is_some_and(|b| names.contains(&b))
    })
}

fn lc(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The SHELL in force at instruction `i` (its JSON words), following
/// `FROM <stage>` to the parent stage; `None` for the default shell.
fn shell_at(c: &Case, i: usize) -> Option<Vec<String>> {
    let f = &c.doc.facts;
    let mut i = i;
    let mut hops = 0;
    loop {
        let s = (*f.stage_of.get(i)?)?;
        let st = &f.stages[s];
        for j in (st.from..i.min(st.end)).rev() {
            let x = &f.df.instructions[j];
            if x.kind == Kind::Shell {
                return Some(
                    x.json
                        .as_ref()
                        .map(|v| v.iter().map(|w| w.value.clone()).collect())
                        .unwrap_or_default(),
                );
            }
        }
        let p = st.base.stage?;
        hops += 1;
        if hops > 64 || f.stages[p].end == 0 {
            return None;
        }
        i = f.stages[p].end;
    }
}

fn is_non_posix_prog(p: &str) -> bool {
    let b = lc(p.rsplit(['/', '\\']).next().unwrap_or(p));
    let b = b.trim_end_matches(".exe");
    matches!(b, "powershell" | "pwsh" | "cmd")
}

/// The RUN runs under PowerShell or cmd (a SHELL says so).
fn non_posix_shell(c: &Case) -> bool {
    idx(c)
        .and_then(|i| shell_at(c, i))
        .and_then(|v| v.first().cloned())
        .is_some_and(|p| is_non_posix_prog(&p))
}

fn windows_ref(s: &str) -> bool {
    let s = lc(s);
    [
        "windows",
        "nanoserver",
        "servercore",
        "ltsc20",
        "dotnet/framework",
        "win32",
    ]
    .iter()
    .any(|m| s.contains(m))
}

/// A Windows stage: a Windows base image (through `FROM <stage>`), a
/// PowerShell/cmd SHELL, or the backtick escape of Windows Dockerfiles.
fn windows(c: &Case) -> bool {
    if non_posix_shell(c) || c.doc.facts.df.directives.escape_char == '`' {
        return true;
    }
    let f = &c.doc.facts;
    let mut s = stage(c).map(|s| s.index);
    let mut hops = 0;
    while let Some(k) = s {
        let st = &f.stages[k];
        if windows_ref(&st.base.resolved) || windows_ref(&st.base.raw) {
            return true;
        }
        s = st.base.stage;
        hops += 1;
        if hops > 64 {
            break;
        }
    }
    false
}

/// PowerShell is run as a command (`RUN powershell -Command …`).
fn powershell_command(c: &Case) -> bool {
    any_cmd(c, |k| k.name().is_some_and(is_non_posix_prog))
}

fn in_final_lineage(c: &Case) -> bool {
    let Some(s) = stage(c) else { return true };
    c.doc.facts.final_lineage().contains(&s.index)
}

/// FROM: the image reference as written.
fn from_image<'a>(c: &'a Case) -> Option<&'a Stage> {
    if !is(c, Kind::From) {
        return None;
    }
    stage(c)
}

/// A cache or tmpfs mount of the RUN whose target is `dir` or above it.
fn mount_covers(c: &Case, dir: &str) -> bool {
    let Some(i) = eff(c) else { return false };
    i.flags.iter().filter(|f| lc(&f.name) == "mount").any(|f| {
        let v = f.value.as_deref().unwrap_or("");
        let cache = v
            .split(',')
            .any(|kv| matches!(kv.trim(), "type=cache" | "type=tmpfs"));
        let target = v.split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            matches!(k.trim(), "target" | "dst" | "destination")
                .then(|| v.trim().trim_end_matches('/'))
        });
        cache
            && target
                .is_some_and(|t| !t.is_empty() && (dir == t || dir.starts_with(&format!("{t}/"))))
    })
}

fn words_of(c: &Case) -> Vec<String> {
    eff(c).map_or(Vec::new(), |i| {
        i.words().into_iter().map(|w| w.raw).collect()
    })
}

// ---------------------------------------------------------------------------
// Shared classes (several rules)

/// Every RUN-reading rule: under PowerShell or cmd.
fn c_non_posix(c: &Case) -> bool {
    is(c, Kind::Run) && (non_posix_shell(c) || (windows(c) && powershell_command(c)))
}

// ---------------------------------------------------------------------------
// Per-rule classifiers

// DL3000
fn dl3000_var_relative(c: &Case) -> bool {
    let a = args(c);
    a.contains('$') && expand(c, a).is_some_and(|v| !v.starts_with('/') && !v.starts_with('\\'))
}

// DL3002
/// A USER in a stage whose user is not the final image's: a stage outside
/// the final lineage, or one whose USER a later stage of the lineage
/// overrides.
fn dl3002_not_final(c: &Case) -> bool {
    let Some(s) = stage(c) else { return false };
    if !is(c, Kind::User) {
        return false;
    }
    let f = &c.doc.facts;
    let lineage = f.final_lineage();
    if !lineage.contains(&s.index) {
        return true;
    }
    lineage.iter().any(|&l| {
        l > s.index
            && f.stage_instructions(&f.stages[l])
                .iter()
                .any(|x| x.kind == Kind::User)
    })
}
fn dl3002_var_root(c: &Case) -> bool {
    let a = args(c);
    is(c, Kind::User)
        && a.contains('$')
        && expand(c, a).is_some_and(|v| {
            let u = v.split(':').next().unwrap_or("");
            u == "root" || u == "0"
        })
}

// DL3003
fn onbuild_run(c: &Case) -> bool {
    is_onbuild(c) && is(c, Kind::Run)
}

// DL3006 / DL3007
fn from_var_resolved(c: &Case) -> bool {
    from_image(c).is_some_and(|s| s.base.raw.contains('$') && s.base.unresolved.is_empty())
}
fn from_var_unknown(c: &Case) -> bool {
    from_image(c).is_some_and(|s| s.base.raw.contains('$') && !s.base.unresolved.is_empty())
}
fn from_stage_other_case(c: &Case) -> bool {
    let Some(s) = from_image(c) else { return false };
    let name = &s.base.raw;
    c.doc.facts.stages[..s.index].iter().any(|p| {
        p.alias
            .as_ref()
            .is_some_and(|a| a.value != *name && a.value.eq_ignore_ascii_case(name))
    })
}
fn from_alias_variable(c: &Case) -> bool {
    let Some(s) = from_image(c) else { return false };
    c.doc.facts.stages[..s.index].iter().any(|p| {
        p.alias
            .as_ref()
            .is_some_and(|a| a.value.contains('$') && expand_global(c, &a.value) == s.base.resolved)
    })
}

// DL3009
fn apt_dist_clean(c: &Case) -> bool {
    any_cmd(c, |k| {
        (k.is("apt-get") || k.is("apt")) && (k.has_arg("dist-clean") || k.has_arg("distclean"))
    })
}
fn side_stage(c: &Case) -> bool {
    !is_onbuild(c) && !in_final_lineage(c)
}
fn apt_lists_mount(c: &Case) -> bool {
    mount_covers(c, "/var/lib/apt/lists")
}
/// The directories a rule wants cleaned.
fn cache_dirs(code: &str) -> &'static [&'static str] {
    match code {
        "DL3009" => &["/var/lib/apt/lists"],
        "DL3032" => &["/var/cache/yum", "/var/cache/dnf"],
        "DL3040" => &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"],
        _ => &[],
    }
}

/// An `rm` operand that removes `dir` (`dir`, `dir/*`, or a parent).
fn rm_covers(c: &Case, dir: &str) -> bool {
    any_cmd(c, |k| {
        k.is("rm")
            && k.args_no_flags().iter().any(|w| {
                let mut p = w.text.as_str();
                while let Some(q) = p.strip_suffix("/*").or_else(|| p.strip_suffix('/')) {
                    p = q;
                }
                p == dir || dir.starts_with(&format!("{p}/")) || glob_covers(p, dir)
            })
    })
}

/// `/var/cache/dnf*` covers `/var/cache/dnf`.
fn glob_covers(p: &str, dir: &str) -> bool {
    p.strip_suffix('*')
        .is_some_and(|pre| dir.starts_with(pre) && !pre.is_empty())
}

/// hadolint takes any `rm -rf` (or `rm` of the lists glob) as the cleanup;
/// here none of the removals covers the cache the rule wants cleaned.
fn rm_rf_any(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("rm") && k.args().iter().any(|w| w.text == "-rf" || w.text == "-fr")
    }) && !cache_dirs(c.code).iter().any(|d| rm_covers(c, d))
}

// DL3013 / DL3016 / DL3018 / DL3008 …: package lists in variables (#928)
/// The words of an install command after its verbs, flags left out (the
/// values of flags stay: a rough cut, enough to see a variable).
fn package_words(k: &Command) -> Vec<String> {
    const VERBS: &[&str] = &[
        "install",
        "add",
        "i",
        "in",
        "get",
        "run",
        "-m",
        "pip",
        "upgrade",
        "update",
        "reinstall",
        "module",
        "group",
        "localinstall",
    ];
    k.args_no_flags()
        .into_iter()
        .map(|w| w.raw.clone())
        .skip_while(|w| VERBS.contains(&w.as_str()))
        .collect()
}

fn install_word_has_var(c: &Case, tool: &[&str]) -> bool {
    any_cmd(c, |k| {
        k.base_name()
            .is_some_and(|b| tool.iter().any(|t| b == *t || b.starts_with(t)))
            && package_words(k)
                .iter()
                .any(|w| w.contains('$') || w.contains('`'))
    })
}

/// `go install -tags 'a b' -ldflags "…" .`: the only remote-looking words
/// are flag values; the packages are local (or pinned).
fn go_flag_value(c: &Case) -> bool {
    const VALUE_FLAGS: &[&str] = &[
        "-tags",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-o",
        "-mod",
        "-modfile",
        "-p",
        "-pkgdir",
        "-toolexec",
        "-overlay",
        "-buildmode",
        "-compiler",
        "-exec",
    ];
    commands(c).iter().any(|k| {
        if !k.is("go") || !["install", "get", "run"].iter().any(|v| k.has_arg(v)) {
            return false;
        }
        let mut skip = false;
        let mut had_value_flag = false;
        let mut pkgs = Vec::new();
        for w in k.args().iter().skip(1) {
            if skip {
                skip = false;
                continue;
            }
            let t = w.text.as_str();
            if VALUE_FLAGS.contains(&t) || VALUE_FLAGS.iter().any(|f| t == format!("-{f}")) {
                skip = true;
                had_value_flag = true;
            } else if !t.starts_with('-') {
                pkgs.push(t.to_string());
            }
        }
        had_value_flag
            && pkgs.iter().all(|p| {
                p.starts_with('.') || p.starts_with('/') || p.ends_with(".go") || p.contains('@')
            })
    })
}

// DL3020
fn add_var_src(c: &Case) -> bool {
    if !is(c, Kind::Add) {
        return false;
    }
    let w = words_of(c);
    if w.len() < 2 {
        return false;
    }
    let srcs = &w[..w.len() - 1];
    srcs.iter().any(|s| s.contains('$'))
        && srcs.iter().all(|s| match expand(c, s) {
            None => true,
            Some(v) => {
                let v = lc(&v);
                v.starts_with("http://")
                    || v.starts_with("https://")
                    || v.starts_with("git@")
                    || v.contains(".git#")
                    || v.ends_with(".git")
                    || [
                        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip",
                        ".gz", ".bz2", ".xz", ".tar.zst", ".zst",
                    ]
                    .iter()
                    .any(|e| v.ends_with(e))
            }
        })
}

// DL3025
fn json_with_escaped_quote(c: &Case) -> bool {
    let a = args(c);
    a.starts_with('[') && a.contains("\\\"") && eff(c).is_some_and(|i| i.json.is_some())
}
fn invalid_json(c: &Case) -> bool {
    let a = args(c);
    a.starts_with('[') && a.ends_with(']') && eff(c).is_some_and(|i| i.json.is_none())
}

// DL3028
fn gem_local_file(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("gem") && k.args().iter().any(|w| w.text.ends_with(".gem"))
    })
}

// DL3029
fn platform_auto_args(c: &Case) -> bool {
    let Some(i) = eff(c) else { return false };
    i.kind == Kind::From
        && i.flag_value("platform").is_some_and(|p| {
            [
                "BUILDOS",
                "BUILDARCH",
                "BUILDVARIANT",
                "TARGETOS",
                "TARGETARCH",
                "TARGETVARIANT",
            ]
            .iter()
            .any(|a| p.contains(a))
                || (p.contains('$') && has_unset_var(c, p))
        })
}

// DL3033
fn yum_group(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("yum") && (k.has_arg("group") || k.has_arg("groupinstall") || k.has_arg("groups"))
    })
}

// DL3040 / DL3032
fn dnf_update(c: &Case) -> bool {
    any_cmd(c, |k| {
        (k.is("dnf") || k.is("microdnf") || k.is("dnf5")) && k.has_arg("update")
    })
}
fn dnf_clean_after_last_install(c: &Case) -> bool {
    let cmds = commands(c);
    let is_dnf = |k: &Command| k.is("dnf") || k.is("microdnf") || k.is("dnf5");
    let last_install = cmds.iter().rposition(|k| {
        is_dnf(k)
            && [
                "install",
                "in",
                "upgrade",
                "up",
                "update",
                "reinstall",
                "rei",
            ]
            .iter()
            .any(|a| k.has_arg(a))
    });
    let last_clean = cmds.iter().rposition(|k| is_dnf(k) && k.has_arg("clean"));
    matches!((last_install, last_clean), (Some(i), Some(j)) if j > i)
}

// DL3042
fn pip_no_cache_falsy(c: &Case) -> bool {
    let Some(i) = idx(c) else { return false };
    c.doc
        .facts
        .var(i, "PIP_NO_CACHE_DIR")
        .is_some_and(|v| matches!(lc(v.trim()).as_str(), "0" | "false" | "off" | "no"))
}

// DL3046
fn useradd_uid_var(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("useradd")
            && k.flag_value(&["u", "uid"])
                .is_some_and(|w| w.raw.contains('$'))
    })
}

// DL3060
fn bare_yarn(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("yarn") && k.args().iter().all(|w| w.text.starts_with('-'))
    })
}

// DL3062
fn go_run_file(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("go") && k.has_arg("run") && k.args().iter().any(|w| w.text.ends_with(".go"))
    })
}

// DL3066
fn user_root_name(c: &Case) -> bool {
    is(c, Kind::User) && {
        let a = args(c);
        let u = a.split(':').next().unwrap_or("");
        u == "root"
    }
}
fn user_var(c: &Case) -> bool {
    is(c, Kind::User) && args(c).contains('$')
}
fn user_var_unknown(c: &Case) -> bool {
    user_var(c) && has_unset_var(c, args(c))
}
fn user_var_numeric(c: &Case) -> bool {
    user_var(c)
        && expand(c, args(c)).is_some_and(|v| {
            let u = v.split(':').next().unwrap_or("");
            !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit())
        })
}
fn user_windows(c: &Case) -> bool {
    is(c, Kind::User) && windows(c)
}

// DL4006
fn pipes_only_in_substitutions(c: &Case) -> bool {
    let cmds = commands(c);
    cmds.iter().any(|k| k.piped)
        && cmds.iter().all(|k| !k.piped || k.nested)
        // not `V=$(a | b)`, whose status is the RUN's
        && !cmds.iter().any(|k| k.words.is_empty() && k.assignments.iter().any(|a| a.raw.contains('|')))
}
fn sets_pipefail(c: &Case) -> bool {
    any_cmd(c, |k| {
        k.is("set")
            && (k.has_arg("pipefail") || k.args().iter().any(|w| w.text.contains("pipefail")))
    })
}
fn shell_pipefail_inherited_or_path(c: &Case) -> bool {
    let Some(i) = idx(c) else { return false };
    shell_at(c, i).is_some_and(|v| v.iter().any(|w| w.contains("pipefail")))
}

// ---------------------------------------------------------------------------

const PKG_RULES: &[&str] = &[
    "DL3008", "DL3013", "DL3016", "DL3018", "DL3028", "DL3033", "DL3041", "DL3062",
];
const RUN_RULES: &[&str] = &[
    "DL3001", "DL3003", "DL3004", "DL3008", "DL3009", "DL3013", "DL3014", "DL3015", "DL3016",
    "DL3018", "DL3019", "DL3027", "DL3028", "DL3030", "DL3032", "DL3033", "DL3034", "DL3035",
    "DL3036", "DL3037", "DL3038", "DL3040", "DL3041", "DL3042", "DL3046", "DL3047", "DL3059",
    "DL3060", "DL3062", "DL4001", "DL4005", "DL4006",
];

pub static CLASSES: &[Class] = &[
    // --- our bugs first: a bug must not hide in a deliberate class ------
    Class {
        id: "stage-alias-variable",
        codes: &["DL3006", "DL3007"],
        side: Ours,
        verdict: OurBug,
        why: "`FROM ${FIRST_STAGE}` where an earlier stage is named `AS ${FIRST_STAGE}` \
              (a buildah idiom: buildah expands stage names). BuildKit does not: it rejects \
              `AS ${FIRST_STAGE}` when it builds (\"invalid name for build stage\"), so the \
              file should get PD000 on both FROM lines. Plimsoll's parser lets any stage \
              name containing `$` through as valid, keeps the alias unexpanded, and so takes \
              `FROM ${FIRST_STAGE}` (= `first-stage`) for an untagged image. Fix in \
              `plimsoll-dockerfile` (stage-name validation), not in DL3006.",
        test: from_alias_variable,
    },
    // --- shared -----------------------------------------------------------
    Class {
        id: "non-posix-shell",
        // The rules whose docs say so.
        codes: &["DL3003", "DL3013", "DL3016", "DL3047", "DL3059", "DL4006"],
        side: Theirs,
        verdict: Deliberate,
        why: "The RUN runs under PowerShell or `cmd` (a `SHELL [\"powershell\", …]` in \
              force, or `powershell -Command …` in a Windows stage). hadolint parses every \
              RUN as bash, so PowerShell's `wget` alias, `cd`, `$env:PATH` and `;`-joined \
              statements read as shell commands. Plimsoll does not read a non-POSIX script \
              as a shell script (DL3003, DL3013, DL3016, DL3047, DL3059 and DL4006 say so in \
              their docs).",
        test: c_non_posix,
    },
    Class {
        id: "go-flag-value",
        codes: &["DL3062"],
        side: Theirs,
        verdict: Deliberate,
        why: "`go install -tags 'netgo osusergo' -ldflags \"-X …\" ./cmd/x`: the packages \
              are local; hadolint takes the values of `-tags`/`-ldflags` for packages \
              (DL3062's doc).",
        test: go_flag_value,
    },
    Class {
        id: "command-by-path",
        codes: RUN_RULES,
        side: Ours,
        verdict: HadolintBug,
        why: "The command is called by path (`/usr/local/go/bin/go get`, `/venv/bin/pip \
              install`, `[\"/busybox/ln\", …]`). hadolint matches command names exactly, so it \
              never sees them; Plimsoll matches the base name (documented in DL3004, DL3008, \
              DL3013, DL4005).",
        test: |c| {
            by_path(
                c,
                &[
                    "apt-get", "apt", "pip", "pip3", "python", "python3", "npm", "go", "ln", "gem",
                    "yum", "dnf", "microdnf", "apk", "zypper", "sudo", "wget", "curl", "useradd",
                ],
            ) || any_cmd(c, |k| {
                k.name().is_some_and(|n| n.contains('/'))
                    && k.base_name()
                        .is_some_and(|b| b.starts_with("pip") || b.starts_with("python"))
            })
        },
    },
    Class {
        id: "package-variable",
        codes: PKG_RULES,
        side: Theirs,
        verdict: Deliberate,
        why: "A package list held in a variable (`apt-get install $PKGS`, `npm install \
              ${NPM_CLI_PACKAGE}`, `dnf install cuda-toolkit-${V//./-}`). hadolint reads the \
              variable as one unpinned package named `$PKGS` (hadolint #928). Plimsoll \
              expands a variable whose value it can read and judges the real packages; one \
              it cannot read is not judged.",
        test: |c| {
            install_word_has_var(
                c,
                &[
                    "apt-get", "apt", "pip", "python", "npm", "apk", "gem", "yum", "dnf",
                    "microdnf", "go",
                ],
            )
        },
    },
    Class {
        id: "rm-rf-anything",
        codes: &["DL3009", "DL3032", "DL3040"],
        side: Ours,
        verdict: Deliberate,
        why: "The RUN removes something with `rm -rf`, but not the package cache. hadolint \
              accepts any `rm -rf` as the cleanup (`rm -rf /tmp/build` passes); Plimsoll \
              requires the removal to cover the cache directory (documented in DL3009, \
              DL3032, DL3040).",
        test: rm_rf_any,
    },
    // --- DL3000 -----------------------------------------------------------
    Class {
        id: "workdir-variable",
        codes: &["DL3000"],
        side: Ours,
        verdict: Deliberate,
        why: "`WORKDIR $DIR` where the variable's value is relative. hadolint accepts any \
              value starting with `$`; Plimsoll expands ARG/ENV values in scope and judges \
              the path (DL3000's doc).",
        test: dl3000_var_relative,
    },
    // --- DL3002 -----------------------------------------------------------
    Class {
        id: "user-root-not-final",
        codes: &["DL3002"],
        side: Theirs,
        verdict: Deliberate,
        why: "The last `USER root` of a stage that is not the final image. hadolint \
              reports every stage (hadolint #405, #1068); only the final image's user \
              matters, and Plimsoll judges that one, following `FROM <stage>` inheritance \
              (DL3002's doc).",
        test: dl3002_not_final,
    },
    Class {
        id: "user-variable-root",
        codes: &["DL3002"],
        side: Ours,
        verdict: Deliberate,
        why: "`USER $IMAGE_USER` whose value is `root`. hadolint compares the text as \
              written; Plimsoll resolves the variable (DL3002's doc).",
        test: dl3002_var_root,
    },
    // --- DL3003 -----------------------------------------------------------
    Class {
        id: "onbuild-trigger",
        codes: &["DL3003", "DL3004", "DL3001", "DL3025"],
        side: Ours,
        verdict: Deliberate,
        why: "An `ONBUILD RUN …` trigger. hadolint does not check ONBUILD triggers for \
              this rule; Plimsoll does, since the child build has the same problem \
              (DL3003's doc).",
        test: onbuild_run,
    },
    // --- DL3006 / DL3007 --------------------------------------------------
    Class {
        id: "from-variable-judged",
        codes: &["DL3006", "DL3007"],
        side: Ours,
        verdict: Deliberate,
        why: "`FROM ${BASE}` (or `FROM ${REGISTRY}/app:${TAG}`) whose ARG default gives an \
              untagged or `:latest` reference. hadolint skips an image that starts with `$` \
              and reads only the tag written in the line; Plimsoll resolves the ARG default \
              as BuildKit does and judges the real reference (DL3006's and DL3007's docs, \
              hadolint #979, #1078).",
        test: from_var_resolved,
    },
    Class {
        id: "from-variable-tagged",
        codes: &["DL3006"],
        side: Theirs,
        verdict: Deliberate,
        why: "A FROM built from variables (`FROM base-${TARGETARCH}`, \
              `FROM ${REG}/img${DIGEST}`) whose value is a tagged reference or an earlier \
              stage once expanded, or depends on an ARG without default (BuildKit's \
              automatic platform ARGs included). hadolint reads the text as an untagged \
              image (hadolint #979, #1078); Plimsoll resolves ARG defaults and does not \
              judge a reference it cannot know (DL3006's doc).",
        test: |c| from_var_resolved(c) || from_var_unknown(c),
    },
    Class {
        id: "stage-name-case",
        codes: &["DL3006"],
        side: Theirs,
        verdict: HadolintBug,
        why: "`FROM base` after `FROM debian:12 AS Base`: BuildKit matches stage names \
              case-insensitively, so `base` is the earlier stage. hadolint compares \
              case-sensitively and reports an untagged image `base`.",
        test: from_stage_other_case,
    },
    // --- DL3009 -----------------------------------------------------------
    Class {
        id: "apt-dist-clean",
        codes: &["DL3009"],
        side: Theirs,
        verdict: Deliberate,
        why: "The RUN ends with `apt-get dist-clean` (apt 2.7.8+), which deletes the lists; \
              Docker's official images use it for exactly that. hadolint only knows \
              `rm -rf /var/lib/apt/lists/*` (DL3009's doc).",
        test: apt_dist_clean,
    },
    Class {
        id: "side-stage",
        codes: &["DL3009"],
        side: Theirs,
        verdict: Deliberate,
        why: "The RUN is in a stage that does not end up in the final image, but that some \
              other stage is built `FROM` (a test or tooling stage). hadolint checks every \
              stage named by a later FROM; Plimsoll checks the final stage and the chain it \
              is built from (DL3009's doc, \"Stages\").",
        test: side_stage,
    },
    Class {
        id: "apt-lists-cache-mount",
        codes: &["DL3009"],
        side: Theirs,
        verdict: Deliberate,
        why: "`RUN --mount=type=cache,target=/var/lib/apt …`: the lists live in a cache \
              mount and never reach the layer. hadolint accepts the mount only together \
              with one on `/var/cache/apt` (DL3009's doc).",
        test: apt_lists_mount,
    },
    // --- DL3020 -----------------------------------------------------------
    Class {
        id: "add-variable-source",
        codes: &["DL3020"],
        side: Theirs,
        verdict: Deliberate,
        why: "`ADD $URL /dst` / `ADD ${REPO}#${REF} /`: the source is a variable whose value \
              is a URL, a git repository or an archive, or unknown. hadolint reports any \
              source that is not written as an `http(s)` URL or an archive name; Plimsoll \
              expands variables and knows BuildKit's git sources (DL3020's doc).",
        test: add_var_src,
    },
    // --- DL3025 -----------------------------------------------------------
    Class {
        id: "json-escaped-quote",
        codes: &["DL3025"],
        side: Theirs,
        verdict: HadolintBug,
        why: "An exec-form array with an escaped quote inside a string \
              (`\"/Path:\\\"C:\\\\Program Files\\\"\"`). It is valid JSON and BuildKit runs \
              it in exec form; hadolint's parser fails on it and reads the line as shell \
              form.",
        test: json_with_escaped_quote,
    },
    Class {
        id: "invalid-json-is-shell-form",
        codes: &["DL3025"],
        side: Ours,
        verdict: HadolintBug,
        why: "`CMD [\"C:\\Ruby30-x64\\bin\\ruby.exe --version\"]` is not valid JSON (`\\R` is \
              no JSON escape), so BuildKit runs it in shell form, under `cmd /S /C` or \
              `/bin/sh -c`. hadolint's lenient parser takes it for exec form.",
        test: invalid_json,
    },
    // --- DL3028 -----------------------------------------------------------
    Class {
        id: "gem-local-file",
        codes: &["DL3028"],
        side: Theirs,
        verdict: HadolintBug,
        why: "`gem install … ruzzy-*.gem`: a local `.gem` file carries its version. \
              hadolint reports it (DL3028's doc).",
        test: gem_local_file,
    },
    // --- DL3029 -----------------------------------------------------------
    Class {
        id: "platform-automatic-args",
        codes: &["DL3029"],
        side: Theirs,
        verdict: Deliberate,
        why: "`FROM --platform=linux/$BUILDARCH`: built from BuildKit's automatic platform \
              ARGs, which is what the flag is for, or from an ARG without default (chosen by \
              whoever runs the build). hadolint accepts only values containing \
              `BUILDPLATFORM` or `TARGETPLATFORM` (DL3029's doc).",
        test: platform_auto_args,
    },
    // --- DL3033 -----------------------------------------------------------
    Class {
        id: "yum-group-install",
        codes: &["DL3033"],
        side: Theirs,
        verdict: HadolintBug,
        why: "`yum -y group install \"development tools\"` installs a group, which has no \
              version. hadolint's DL3041 skips dnf groups but its DL3033 reports yum's, \
              with `group` and the group name as packages.",
        test: yum_group,
    },
    // --- DL3040 -----------------------------------------------------------
    Class {
        id: "dnf-update-installs",
        codes: &["DL3040"],
        side: Ours,
        verdict: Deliberate,
        why: "`dnf update -y` with no clean. `update` is an alias of `upgrade` and fills the \
              cache like an install; hadolint's list of install verbs misses it (DL3040's \
              doc).",
        test: dnf_update,
    },
    Class {
        id: "dnf-first-install-first-clean",
        codes: &["DL3040"],
        side: Theirs,
        verdict: Deliberate,
        why: "`microdnf update … && rm -rf /var/cache/yum; microdnf install …; microdnf \
              clean all`: the RUN ends clean. hadolint compares the first install with the \
              first clean only; Plimsoll requires a clean after the last install (DL3040's \
              doc).",
        test: dnf_clean_after_last_install,
    },
    // --- DL3042 -----------------------------------------------------------
    Class {
        id: "pip-no-cache-dir-falsy",
        codes: &["DL3042"],
        side: Theirs,
        verdict: Deliberate,
        why: "`ENV PIP_NO_CACHE_DIR=0` (or `false`/`off`) is in scope. pip disables its \
              cache for any valid boolean value of that variable, for historical reasons; \
              hadolint accepts only the \"true\" spellings (DL3042's doc).",
        test: pip_no_cache_falsy,
    },
    // --- DL3046 -----------------------------------------------------------
    Class {
        id: "useradd-uid-variable",
        codes: &["DL3046"],
        side: Theirs,
        verdict: Deliberate,
        why: "`useradd -u $ARGOCD_USER_ID …`: hadolint measures the length of the text \
              `$ARGOCD_USER_ID`; Plimsoll expands the variable and judges the number, and \
              does not judge one it cannot know (DL3046's doc).",
        test: useradd_uid_var,
    },
    // --- DL3060 -----------------------------------------------------------
    Class {
        id: "bare-yarn",
        codes: &["DL3060"],
        side: Ours,
        verdict: Deliberate,
        why: "A bare `yarn` (which installs) with no `yarn cache clean`. hadolint only knows \
              `yarn install` (DL3060's doc).",
        test: bare_yarn,
    },
    // --- DL3059 -----------------------------------------------------------
    Class {
        id: "windows-statements",
        codes: &["DL3059"],
        side: Theirs,
        verdict: Deliberate,
        why: "Consecutive RUNs in a Windows stage (PowerShell or `cmd`). Plimsoll counts \
              statements there (separated by `;`, `&` or new lines), so a \
              `powershell -Command a; b; c` RUN is not a one-command RUN. hadolint parses \
              the scripts as bash and counts whatever that yields (DL3059's doc).",
        test: |c| is(c, Kind::Run) && windows(c),
    },
    Class {
        id: "windows-statements-ours",
        codes: &["DL3059"],
        side: Ours,
        verdict: Deliberate,
        why: "Two one-statement RUNs in a Windows stage (`RUN mkdir \\jenkins` then \
              `RUN Invoke-WebRequest -Uri $('…' -f $env:V) …`). hadolint's bash parse of \
              the PowerShell (`$(…)` read as a command substitution) counts more \
              commands; Plimsoll counts PowerShell statements (DL3059's doc).",
        test: |c| is(c, Kind::Run) && windows(c),
    },
    // --- DL3062 -----------------------------------------------------------
    Class {
        id: "go-run-file",
        codes: &["DL3062"],
        side: Theirs,
        verdict: Deliberate,
        why: "`go run make.go` runs a local file, which needs no version. hadolint reports \
              it (DL3062's doc).",
        test: go_run_file,
    },
    // --- DL3066 -----------------------------------------------------------
    Class {
        id: "user-root-by-name",
        codes: &["DL3066"],
        side: Theirs,
        verdict: Deliberate,
        why: "`USER root`: root is UID 0 in every image, so the name resolves everywhere \
              (whether running as root is wise is DL3002's concern). hadolint reports it \
              (DL3066's doc).",
        test: user_root_name,
    },
    Class {
        id: "user-windows",
        codes: &["DL3066"],
        side: Theirs,
        verdict: Deliberate,
        why: "`USER ContainerUser` in a Windows image, where users have no numeric ids \
              (DL3066's doc).",
        test: user_windows,
    },
    Class {
        id: "user-variable-not-judged",
        codes: &["DL3066"],
        side: Theirs,
        verdict: Deliberate,
        why: "`USER $APP_UID` whose value is numeric, or unknown (an ENV of the base image, \
              an ARG without default). hadolint accepts a variable only if an `ARG` of the \
              same name was declared in the file, so a numeric ENV or a base image's \
              variable is reported (hadolint #1222, #1234); Plimsoll resolves the value and \
              does not judge one it cannot know (DL3066's doc).",
        test: |c| user_var_numeric(c) || user_var_unknown(c),
    },
    Class {
        id: "user-variable-judged",
        codes: &["DL3066"],
        side: Ours,
        verdict: Deliberate,
        why: "`USER ${user}` with `ARG user=jenkins`: the name is known and not numeric. \
              hadolint accepts any value mentioning a declared ARG, whatever its default; \
              Plimsoll judges the default (DL3066's doc).",
        test: user_var,
    },
    // --- DL4006 -----------------------------------------------------------
    Class {
        id: "pipe-in-substitution",
        codes: &["DL4006"],
        side: Theirs,
        verdict: Deliberate,
        why: "The only pipes are inside a command substitution used as an argument \
              (`[ \"$(ls | wc -l)\" = 2 ]`, `export X=$(echo … | sed …)`), whose status is \
              lost whatever `pipefail` says. hadolint counts pipes anywhere (DL4006's doc).",
        test: pipes_only_in_substitutions,
    },
    Class {
        id: "set-o-pipefail",
        codes: &["DL4006"],
        side: Theirs,
        verdict: Deliberate,
        why: "The script runs `set -o pipefail` (or `set -euo pipefail`) before its pipes; \
              hadolint only looks at the `SHELL` instruction (DL4006's doc).",
        test: sets_pipefail,
    },
    Class {
        id: "shell-pipefail-inherited",
        codes: &["DL4006"],
        side: Theirs,
        verdict: Deliberate,
        why: "The `SHELL` in force sets `-o pipefail`, but in the parent stage (`FROM \
              <stage>` inherits it) or with a shell path hadolint does not know \
              (`/usr/bin/bash`). hadolint resets the shell at every FROM and matches the \
              shell by exact path (DL4006's doc).",
        test: shell_pipefail_inherited_or_path,
    },
];

/// Words that pick the line of a multi-line instruction to show as the
/// example of a class.
pub fn hint(id: &str) -> &'static [&'static str] {
    match id {
        "apt-dist-clean" => &["dist-clean", "distclean"],
        "side-stage" | "apt-lists-cache-mount" => &[
            "apt-get update",
            "apt update",
            "apt-get -q update",
            "--mount",
        ],
        "rm-rf-anything" => &["rm -rf", "rm -fr"],
        "package-variable" => &["$"],
        "go-flag-value" => &["go install", "go get", "go run"],
        "go-run-file" => &["go run"],
        "command-by-path" => &["/pip", "/python", "/go ", "/ln", "/apt-get", "/gem", "/npm"],
        "useradd-uid-variable" => &["useradd"],
        "pip-no-cache-dir-falsy" => &["pip install", "pip3 install", "-m pip"],
        "pipe-in-substitution" => &["|"],
        "set-o-pipefail" => &["pipefail"],
        "dnf-first-install-first-clean" | "dnf-update-installs" => &["dnf"],
        "gem-local-file" => &[".gem"],
        "non-posix-shell" => &[],
        _ => &[],
    }
}
