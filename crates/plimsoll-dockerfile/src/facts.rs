//! Facts about a parsed Dockerfile: stages, base images, variables in scope
//! at each instruction (BuildKit's ARG/ENV scoping), and the shell scripts
//! each RUN executes.

use crate::ast::{Instruction, Kind};
use crate::parse::Dockerfile;
use crate::shell::Script;
use crate::span::{OffsetMap, Span, Spanned};
use crate::words::{Expanded, expand, split_words};

/// A parsed image reference `[registry/]name[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageRef {
    pub registry: Option<String>,
    /// Repository path without registry, tag or digest (`library/` kept
    /// only when written).
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(s: &str) -> ImageRef {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let (registry, path) = match rest.split_once('/') {
            Some((first, tail))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), tail)
            }
            _ => (None, rest),
        };
        let last_slash = path.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (
                path[..last_slash + i].to_string(),
                Some(path[last_slash + i + 1..].to_string()),
            ),
            None => (path.to_string(), None),
        };
        ImageRef {
            registry,
            name,
            tag,
            digest,
        }
    }

    /// The last path component (`golang` for `docker.io/library/golang`).
    pub fn short_name(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
}

/// What a stage is built FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseImage {
    /// As written in the FROM line.
    pub raw: String,
    pub span: Span,
    /// After expanding the global ARGs (their defaults).
    pub resolved: String,
    /// Variables referenced that have no default.
    pub unresolved: Vec<String>,
    /// The reference used variables.
    pub has_vars: bool,
    pub image: ImageRef,
    pub scratch: bool,
    /// An earlier stage this one is built on.
    pub stage: Option<usize>,
}

/// One build stage: its FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// Instruction index of the FROM.
    pub from: usize,
    /// One past the last instruction index of the stage.
    pub end: usize,
    pub base: BaseImage,
    /// `AS name`, as written.
    pub alias: Option<Spanned<String>>,
    /// `--platform`, expanded.
    pub platform: Option<String>,
}

impl Stage {
    pub fn name_matches(&self, s: &str) -> bool {
        self.alias
            .as_ref()
            .is_some_and(|a| a.value.eq_ignore_ascii_case(s))
            || s == self.index.to_string()
    }

    pub fn instructions(&self) -> std::ops::Range<usize> {
        self.from..self.end
    }
}

/// Variables in scope: (name, value); `None` = declared without a value.
pub type Scope = Vec<(String, Option<String>)>;

fn lookup(scope: &Scope, name: &str) -> Option<String> {
    scope
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.clone())
}

/// Everything rules read about a Dockerfile.
#[derive(Debug, Clone)]
pub struct Facts {
    pub df: Dockerfile,
    pub stages: Vec<Stage>,
    /// ARGs declared before the first FROM: (name, default).
    pub global_args: Scope,
    /// For each instruction, its stage (`None` before the first FROM).
    pub stage_of: Vec<Option<usize>>,
    /// For each instruction, the index into `scopes` in force before it.
    scope_of: Vec<usize>,
    scopes: Vec<Scope>,
    /// For each instruction (the trigger, for ONBUILD), the shell scripts
    /// it runs: the shell-form text and shell heredoc bodies of a RUN.
    pub scripts: Vec<Vec<Script>>,
}

/// Shells whose language the tokenizer understands.
pub fn is_posix_shell(prog: &str) -> bool {
    let base = prog.rsplit(['/', '\\']).next().unwrap_or(prog);
    matches!(
        base,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "busybox"
    )
}

impl Facts {
    pub fn new(df: Dockerfile) -> Facts {
        let n = df.instructions.len();
        let mut stages: Vec<Stage> = Vec::new();
        let mut stage_of = Vec::with_capacity(n);
        let mut scope_of = Vec::with_capacity(n);
        let mut scopes: Vec<Scope> = vec![Vec::new()];
        let mut global: Scope = Vec::new();
        let mut cur: Scope = Vec::new();
        let mut stage_final: Vec<Scope> = Vec::new();
        let mut posix_shell = true;
        let mut scripts = Vec::with_capacity(n);
        for (i, ins) in df.instructions.iter().enumerate() {
            if ins.kind == Kind::From {
                if let Some(s) = stages.last_mut() {
                    s.end = i;
                    stage_final.push(cur.clone());
                }
                let st = build_stage(&df, ins, i, stages.len(), &global, &stages);
                cur = match st.base.stage {
                    Some(p) => stage_final.get(p).cloned().unwrap_or_default(),
                    None => Vec::new(),
                };
                posix_shell = true;
                stages.push(st);
                scopes.push(cur.clone());
            }
            stage_of.push(if stages.is_empty() {
                None
            } else {
                Some(stages.len() - 1)
            });
            scope_of.push(scopes.len() - 1);
            let effective = ins.onbuild.as_deref().unwrap_or(ins);
            scripts.push(
                // A RUN in a POSIX shell, or one under ONBUILD.
                if effective.kind == Kind::Run
                    && ((posix_shell && ins.kind == Kind::Run) || ins.kind == Kind::Onbuild)
                {
                    run_scripts(effective)
                } else {
                    Vec::new()
                },
            );
            match ins.kind {
                Kind::Arg => {
                    let in_stage = !stages.is_empty();
                    for (w, _, _) in split_words(&ins.args, ins.escape) {
                        let (name, default) = match w.split_once('=') {
                            Some((k, v)) => (k.to_string(), Some(v.to_string())),
                            None => (w.clone(), None),
                        };
                        let visible: &Scope = if in_stage { &cur } else { &global };
                        let value = match default {
                            Some(d) => Some(expand(&d, ins.escape, &|n| lookup(visible, n)).value),
                            None if in_stage => {
                                lookup(&global, &name).or_else(|| lookup(&cur, &name))
                            }
                            None => None,
                        };
                        if in_stage {
                            cur.push((name, value));
                        } else {
                            global.push((name, value));
                        }
                    }
                    scopes.push(if in_stage {
                        cur.clone()
                    } else {
                        global.clone()
                    });
                }
                Kind::Env => {
                    for (k, v) in env_pairs(ins) {
                        let snapshot = cur.clone();
                        let value = expand(&v, ins.escape, &|n| lookup(&snapshot, n)).value;
                        cur.push((k, Some(value)));
                    }
                    scopes.push(cur.clone());
                }
                Kind::Shell => {
                    posix_shell = ins
                        .json
                        .as_ref()
                        .and_then(|j| j.first())
                        .is_none_or(|p| is_posix_shell(&p.value));
                }
                _ => {}
            }
        }
        if let Some(s) = stages.last_mut() {
            s.end = n;
        }
        Facts {
            df,
            stages,
            global_args: global,
            stage_of,
            scope_of,
            scopes,
            scripts,
        }
    }

    /// The variables in scope just before instruction `i` runs.
    pub fn scope(&self, i: usize) -> &Scope {
        &self.scopes[self.scope_of.get(i).copied().unwrap_or(0)]
    }

    /// Value of variable `name` just before instruction `i`.
    pub fn var(&self, i: usize, name: &str) -> Option<String> {
        lookup(self.scope(i), name)
    }

    /// Expands a word as BuildKit would at instruction `i`.
    pub fn expand(&self, i: usize, word: &str) -> Expanded {
        let scope = self.scope(i);
        let esc = self
            .df
            .instructions
            .get(i)
            .map(|x| x.escape)
            .unwrap_or('\\');
        expand(word, esc, &|n| lookup(scope, n))
    }

    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Stage referenced by name or index (for `COPY --from`, `FROM`).
    pub fn stage_named(&self, name: &str, before: usize) -> Option<&Stage> {
        self.stages[..before.min(self.stages.len())]
            .iter()
            .rev()
            .find(|s| s.name_matches(name))
    }

    /// Instructions of a stage.
    pub fn stage_instructions(&self, s: &Stage) -> &[Instruction] {
        &self.df.instructions[s.from..s.end]
    }

    /// The instruction, or its ONBUILD trigger.
    pub fn effective(&self, i: usize) -> &Instruction {
        let ins = &self.df.instructions[i];
        ins.onbuild.as_deref().unwrap_or(ins)
    }

    /// Stages whose output reaches the final image (the final stage and,
    /// transitively, stages it is built FROM).
    pub fn final_lineage(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.stages.len().checked_sub(1);
        while let Some(s) = cur {
            if out.contains(&s) {
                break;
            }
            out.push(s);
            cur = self.stages[s].base.stage;
        }
        out
    }
}

/// (key, value-as-written) pairs of ENV or LABEL, both syntaxes.
pub fn env_pairs(ins: &Instruction) -> Vec<(String, String)> {
    let words = split_words(&ins.args, ins.escape);
    if words.is_empty() {
        return Vec::new();
    }
    if !words[0].0.contains('=') {
        let rest = ins.args.trim_start();
        let key_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let key = &rest[..key_end];
        let val = rest[key_end..].trim();
        return vec![(key.to_string(), val.to_string())];
    }
    words
        .into_iter()
        .filter_map(|(w, _, _)| {
            let (k, v) = w.split_once('=')?;
            Some((expand(k, ins.escape, &|_| None).value, v.to_string()))
        })
        .collect()
}

/// Key/value pairs of ENV, LABEL or ARG with spans: (key, raw value, key
/// span, whole-pair span).
pub fn pairs_with_spans(ins: &Instruction) -> Vec<(String, Option<String>, Span, Span)> {
    let words = split_words(&ins.args, ins.escape);
    if words.is_empty() {
        return Vec::new();
    }
    if ins.kind != Kind::Arg && !words[0].0.contains('=') {
        let (k, s, e) = &words[0];
        let val = ins.args[*e..].trim().to_string();
        return vec![(
            k.clone(),
            Some(val),
            ins.args_map.span(*s, *e),
            ins.args_full_span(),
        )];
    }
    words
        .into_iter()
        .map(|(w, s, e)| match w.split_once('=') {
            Some((k, v)) => (
                expand(k, ins.escape, &|_| None).value,
                Some(v.to_string()),
                ins.args_map.span(s, s + k.len()),
                ins.args_map.span(s, e),
            ),
            None => (
                w.clone(),
                None,
                ins.args_map.span(s, e),
                ins.args_map.span(s, e),
            ),
        })
        .collect()
}

fn build_stage(
    df: &Dockerfile,
    ins: &Instruction,
    i: usize,
    index: usize,
    global: &Scope,
    earlier: &[Stage],
) -> Stage {
    let words = ins.words();
    let (raw, span) = words
        .first()
        .map(|w| (w.raw.clone(), w.span))
        .unwrap_or_else(|| (String::new(), ins.keyword.span));
    let alias = if words.len() == 3 && words[1].raw.eq_ignore_ascii_case("as") {
        Some(Spanned {
            value: words[2].raw.clone(),
            span: words[2].span,
        })
    } else {
        None
    };
    let ex = expand(&raw, ins.escape, &|n| lookup(global, n));
    let resolved = ex.value.clone();
    let stage = earlier
        .iter()
        .rev()
        .find(|s| {
            // By name after expansion, or as written (`AS ${X}` … `FROM ${X}`,
            // which BuildKit rejects but buildah builds).
            s.alias.as_ref().is_some_and(|a| {
                a.value.eq_ignore_ascii_case(&resolved) || a.value.eq_ignore_ascii_case(&raw)
            })
        })
        .map(|s| s.index);
    let platform = ins
        .flag_value("platform")
        .map(|p| expand(p, ins.escape, &|n| lookup(global, n)).value);
    let _ = df;
    Stage {
        index,
        from: i,
        end: i + 1,
        base: BaseImage {
            raw,
            span,
            scratch: resolved.eq_ignore_ascii_case("scratch"),
            image: if stage.is_some() {
                ImageRef::default()
            } else {
                ImageRef::parse(&resolved)
            },
            resolved,
            unresolved: ex.unset,
            has_vars: ex.had_vars,
            stage,
        },
        alias,
        platform,
    }
}

/// Exec-form RUN: `["sh", "-c", "script"]` is the script; any other
/// array is one command whose words are the array's strings.
fn exec_script(json: &[Spanned<String>]) -> Option<Script> {
    let first = json.first()?;
    let is_c = |s: &str| s.starts_with('-') && !s.starts_with("--") && s.ends_with('c');
    if is_posix_shell(&first.value) && json.len() >= 3 && is_c(&json[1].value) {
        let body = &json[2];
        // Offsets inside the JSON string are exact unless it holds escapes.
        let map = OffsetMap::identity(body.span.start + 1, body.value.len());
        return Some(Script::parse(&body.value, &map));
    }
    let words = json
        .iter()
        .map(|w| crate::shell::ShWord {
            text: w.value.clone(),
            raw: w.value.clone(),
            span: w.span,
        })
        .collect::<Vec<_>>();
    let span = json.iter().fold(first.span, |a, w| a.cover(w.span));
    Some(Script {
        commands: vec![crate::shell::Command {
            words,
            assignments: Vec::new(),
            redirects: Vec::new(),
            pipeline: 0,
            piped: false,
            nested: false,
            span,
        }],
    })
}

/// The shell scripts a RUN executes.
fn run_scripts(ins: &Instruction) -> Vec<Script> {
    if let Some(json) = &ins.json {
        return exec_script(json).into_iter().collect();
    }
    let mut out = vec![Script::parse(&ins.args, &ins.args_map)];
    if ins.heredocs.is_empty() {
        return out;
    }
    let first_cmd = out[0]
        .commands
        .first()
        .and_then(|c| c.name().map(str::to_string));
    let only_markers = out[0].commands.iter().all(|c| c.words.is_empty())
        || ins.args.trim_start().starts_with("<<");
    for h in &ins.heredocs {
        let shebang = h.body.lines().next().filter(|l| l.starts_with("#!"));
        let shell = match (&first_cmd, shebang) {
            (_, Some(sb)) => sb
                .split_whitespace()
                .any(|w| is_posix_shell(w.trim_start_matches("#!"))),
            (Some(c), None) if !only_markers => is_posix_shell(c),
            _ => true,
        };
        if shell {
            let map = OffsetMap::identity(h.body_span.start, h.body.len());
            out.push(Script::parse(&h.body, &map));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn facts(s: &str) -> Facts {
        Facts::new(parse(s))
    }

    #[test]
    fn image_refs() {
        let r = ImageRef::parse("registry.io:5000/a/b:1.2@sha256:abc");
        assert_eq!(r.registry.as_deref(), Some("registry.io:5000"));
        assert_eq!(r.name, "a/b");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("golang");
        assert_eq!((r.name.as_str(), r.tag.clone()), ("golang", None));
        let r = ImageRef::parse("localhost/x");
        assert_eq!(r.registry.as_deref(), Some("localhost"));
    }

    #[test]
    fn global_args_resolve_from() {
        let f = facts(
            "ARG BASE=golang:1.22\nARG V\nFROM ${BASE} AS build\nFROM alpine:$V\nFROM build\n",
        );
        assert_eq!(f.stages.len(), 3);
        assert_eq!(f.stages[0].base.resolved, "golang:1.22");
        assert_eq!(f.stages[0].base.image.tag.as_deref(), Some("1.22"));
        assert_eq!(f.stages[1].base.unresolved, vec!["V"]);
        assert_eq!(f.stages[2].base.stage, Some(0));
    }

    #[test]
    fn arg_scoping_like_buildkit() {
        let f = facts(
            "ARG A=1\nFROM x\nRUN true\nARG A\nENV B=$A-b\nRUN true\nFROM scratch AS s\nARG C=c\nFROM s\nRUN true\n",
        );
        // global ARG not visible in a stage until redeclared
        assert_eq!(f.var(2, "A"), None);
        assert_eq!(f.var(5, "A").as_deref(), Some("1"));
        assert_eq!(f.var(5, "B").as_deref(), Some("1-b"));
        // stage built FROM an earlier stage inherits its ARG/ENV
        assert_eq!(f.var(9, "C").as_deref(), Some("c"));
        assert_eq!(f.var(9, "B"), None);
        assert!(f.stages[1].base.scratch);
    }

    #[test]
    fn run_scripts_include_heredocs() {
        let f =
            facts("FROM x\nRUN <<EOF\napt-get update\nEOF\nRUN python3 <<EOF\nimport os\nEOF\n");
        assert_eq!(f.scripts[1].len(), 2);
        assert_eq!(f.scripts[1][1].commands[0].name(), Some("apt-get"));
        assert_eq!(f.scripts[2].len(), 1);
    }

    #[test]
    fn exec_form_runs_are_commands() {
        let f = facts(
            "FROM x\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\nRUN [\"/bin/sh\", \"-c\", \"cd /x && make\"]\n",
        );
        let c = &f.scripts[1][0].commands[0];
        assert_eq!(c.name(), Some("apt-get"));
        assert_eq!(f.df.text(c.words[3].span), "\"curl\"");
        let names: Vec<_> = f.scripts[2][0]
            .commands
            .iter()
            .map(|c| c.name().unwrap())
            .collect();
        assert_eq!(names, ["cd", "make"]);
        assert_eq!(f.df.text(f.scripts[2][0].commands[1].words[0].span), "make");
    }

    #[test]
    fn powershell_runs_have_no_script() {
        let f = facts("FROM x\nSHELL [\"powershell\", \"-Command\"]\nRUN Get-Item x | y\n");
        assert!(f.scripts[2].is_empty());
    }

    #[test]
    fn final_lineage_follows_stages() {
        let f = facts("FROM a AS one\nFROM b AS two\nFROM one\n");
        assert_eq!(f.final_lineage(), vec![2, 0]);
    }
}
