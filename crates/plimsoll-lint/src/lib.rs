//! Dockerfile rules.
//!
//! Every rule is one file in `src/rules/` holding a pure function
//! `check(&Context) -> Vec<Hit>`, its metadata `META`, and its
//! documentation as the file's `//!` doc comment (printed by
//! `plimsoll rule CODE`). `build.rs` registers every file it finds there,
//! so adding a rule is adding a file.
//!
//! Flow: source → [`plimsoll_dockerfile::Facts`] → rules → [`Hit`]s →
//! pragmas and configuration → [`plimsoll_core::Finding`]s.

use plimsoll_core::{Category, Finding, Region, Severity, module_doc, sort_findings};
use plimsoll_dockerfile::shell::{Command, Script};
use plimsoll_dockerfile::{Dockerfile, Facts, Instruction, Kind, Span, Stage};
use std::collections::BTreeMap;

pub mod helpers_a;
pub mod helpers_b;
pub mod helpers_c;
pub mod helpers_pd;
pub mod pragma;
pub mod util;

mod registry {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}

pub use registry::RULES;

/// What a rule publishes about itself.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub code: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Off unless selected by code or given a severity in the config
    /// (hadolint's "ignore" default severity).
    pub enabled_by_default: bool,
}

/// A registered rule.
pub struct Rule {
    pub meta: Meta,
    pub check: fn(&Context) -> Vec<Hit>,
    /// The rule's source file; its `//!` comment is the documentation.
    pub source: &'static str,
}

impl Rule {
    pub fn doc(&self) -> String {
        module_doc(self.source)
    }

    pub fn info(&self) -> plimsoll_core::RuleInfo {
        plimsoll_core::RuleInfo {
            code: self.meta.code.to_string(),
            severity: self.meta.severity,
            category: self.meta.category,
            summary: self.meta.summary.to_string(),
            doc: self.doc(),
        }
    }
}

/// Looks a rule up by code (case-insensitive).
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// What a rule reports: where, what, and optionally how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub span: Span,
    pub message: String,
    pub fix: Option<String>,
}

impl Hit {
    pub fn new(span: Span, message: impl Into<String>) -> Hit {
        Hit {
            span,
            message: message.into(),
            fix: None,
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Hit {
        self.fix = Some(fix.into());
        self
    }
}

/// What is known about the `.dockerignore` beside the Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DockerIgnore {
    /// Not knowable (the Dockerfile came from stdin).
    #[default]
    Unknown,
    Absent,
    /// Its contents.
    Present(String),
}

/// Rule settings from configuration files and the command line.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Registries images may come from (DL3026, PD001). Empty: any.
    pub trusted_registries: Vec<String>,
    /// hadolint `label-schema`: label name → type (`text`, `url`, `hash`,
    /// `rfc3339`, `semver`, `spdx`, `email`).
    pub label_schema: BTreeMap<String, String>,
    /// hadolint `strict-labels`: labels outside the schema are findings.
    pub strict_labels: bool,
}

/// Everything a rule may read.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub settings: &'a Settings,
    pub dockerignore: &'a DockerIgnore,
    /// Commands of every RUN, computed on first use (`helpers_b::runs`).
    pub(crate) runs_memo: std::cell::OnceCell<Vec<helpers_b::Run<'a>>>,
}

impl<'a> Context<'a> {
    pub fn new(facts: &'a Facts, settings: &'a Settings, dockerignore: &'a DockerIgnore) -> Self {
        Context {
            facts,
            settings,
            dockerignore,
            runs_memo: std::cell::OnceCell::new(),
        }
    }
}

impl<'a> Context<'a> {
    pub fn df(&self) -> &'a Dockerfile {
        &self.facts.df
    }

    /// Every instruction with its index; an ONBUILD yields its trigger.
    pub fn instructions(&self) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        let f = self.facts;
        (0..f.df.instructions.len()).map(move |i| (i, f.effective(i)))
    }

    /// Instructions (or ONBUILD triggers) of one kind.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = (usize, &'a Instruction)> + 'a {
        self.instructions().filter(move |(_, ins)| ins.kind == kind)
    }

    /// The shell scripts RUN instruction `i` executes (empty for exec form
    /// or a non-POSIX SHELL).
    pub fn scripts(&self, i: usize) -> &'a [Script] {
        self.facts.scripts.get(i).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every shell command of every RUN, with its instruction index.
    pub fn commands(&self) -> impl Iterator<Item = (usize, &'a Command)> + 'a {
        let f = self.facts;
        f.scripts.iter().enumerate().flat_map(|(i, ss)| {
            ss.iter()
                .flat_map(move |s| s.commands.iter().map(move |c| (i, c)))
        })
    }

    pub fn stage_of(&self, i: usize) -> Option<&'a Stage> {
        let f = self.facts;
        f.stage_of.get(i).copied().flatten().map(|s| &f.stages[s])
    }

    /// Whether instruction `i` is in the final stage.
    pub fn in_final_stage(&self, i: usize) -> bool {
        let f = self.facts;
        matches!(f.stage_of.get(i), Some(Some(s)) if *s + 1 == f.stages.len())
    }
}

/// Which rules run, at which severity, with which settings.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Codes or code prefixes to run; empty: every rule enabled by default.
    pub select: Vec<String>,
    /// Codes or prefixes never to report.
    pub ignore: Vec<String>,
    /// Severity overrides by code.
    pub severity: BTreeMap<String, Severity>,
    pub settings: Settings,
}

fn matches_code(pattern: &str, code: &str) -> bool {
    let p = pattern.trim();
    !p.is_empty() && code.len() >= p.len() && code[..p.len()].eq_ignore_ascii_case(p)
}

impl Options {
    /// Whether a rule runs under these options.
    pub fn enabled(&self, meta: &Meta) -> bool {
        if self.ignore.iter().any(|p| matches_code(p, meta.code)) {
            return false;
        }
        let explicitly = self
            .select
            .iter()
            .any(|p| p.eq_ignore_ascii_case(meta.code))
            || self
                .severity
                .keys()
                .any(|k| k.eq_ignore_ascii_case(meta.code));
        if !meta.enabled_by_default {
            return explicitly;
        }
        self.select.is_empty()
            || explicitly
            || self.select.iter().any(|p| matches_code(p, meta.code))
    }

    pub fn severity_of(&self, meta: &Meta) -> Severity {
        self.severity
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(meta.code))
            .map(|(_, s)| *s)
            .unwrap_or(meta.severity)
    }
}

/// Converts a span into a region of the file.
pub fn region(df: &Dockerfile, span: Span) -> Region {
    let (line, column) = df.position(span.start);
    let (end_line, end_column) = df.position(span.end.max(span.start));
    Region {
        line,
        column,
        end_line,
        end_column: if (end_line, end_column) == (line, column) {
            column + 1
        } else {
            end_column
        },
    }
}

/// Lints one Dockerfile. `file` is the name findings carry.
pub fn lint(file: &str, source: &str, dockerignore: &DockerIgnore, opts: &Options) -> Vec<Finding> {
    let facts = Facts::new(plimsoll_dockerfile::parse(source));
    lint_facts(file, &facts, dockerignore, opts)
}

/// Runs the enabled rules over facts already built.
pub fn lint_facts(
    file: &str,
    facts: &Facts,
    dockerignore: &DockerIgnore,
    opts: &Options,
) -> Vec<Finding> {
    let cx = Context::new(facts, &opts.settings, dockerignore);
    let pragmas = pragma::Pragmas::read(&facts.df);
    let mut out = Vec::new();
    for rule in RULES {
        if !opts.enabled(&rule.meta) {
            continue;
        }
        let severity = opts.severity_of(&rule.meta);
        for hit in (rule.check)(&cx) {
            if pragmas.ignores(&facts.df, rule.meta.code, hit.span) {
                continue;
            }
            out.push(Finding {
                code: rule.meta.code.to_string(),
                severity,
                category: rule.meta.category,
                message: hit.message,
                file: file.to_string(),
                region: region(&facts.df, hit.span),
                fix: hit.fix,
            });
        }
    }
    sort_findings(&mut out);
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests.
    use super::*;

    /// Runs one rule over a Dockerfile; returns (line, message) per hit.
    pub fn run(check: fn(&Context) -> Vec<Hit>, src: &str) -> Vec<(u32, String)> {
        run_with(check, src, &Settings::default(), &DockerIgnore::Unknown)
    }

    pub fn run_with(
        check: fn(&Context) -> Vec<Hit>,
        src: &str,
        settings: &Settings,
        di: &DockerIgnore,
    ) -> Vec<(u32, String)> {
        let facts = Facts::new(plimsoll_dockerfile::parse(src));
        let cx = Context::new(&facts, settings, di);
        let mut v: Vec<(u32, String)> = check(&cx)
            .into_iter()
            .map(|h| (facts.df.position(h.span.start).0, h.message))
            .collect();
        v.sort();
        v
    }

    /// Lines of the hits with one `label-schema` entry configured.
    pub fn lines_with_schema(
        check: fn(&Context) -> Vec<Hit>,
        label: &str,
        ty: &str,
        src: &str,
    ) -> Vec<u32> {
        let mut s = Settings::default();
        s.label_schema.insert(label.into(), ty.into());
        run_with(check, src, &s, &DockerIgnore::Unknown)
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }

    /// Lines of the hits.
    pub fn lines(check: fn(&Context) -> Vec<Hit>, src: &str) -> Vec<u32> {
        run(check, src).into_iter().map(|(l, _)| l).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.meta.code).collect();
        let n = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), n, "duplicate rule codes");
        for r in RULES {
            let doc = r.doc();
            assert!(doc.len() > 80, "{} has no real documentation", r.meta.code);
            assert!(
                doc.contains(r.meta.code),
                "{} doc does not name its code",
                r.meta.code
            );
            assert!(!r.meta.summary.is_empty());
        }
    }

    #[test]
    fn selection() {
        let meta = Meta {
            code: "DL3008",
            severity: Severity::Warning,
            category: Category::Hadolint,
            summary: "x",
            enabled_by_default: true,
        };
        let mut o = Options::default();
        assert!(o.enabled(&meta));
        o.select = vec!["PD".into()];
        assert!(!o.enabled(&meta));
        o.select = vec!["DL3".into()];
        assert!(o.enabled(&meta));
        o.ignore = vec!["dl3008".into()];
        assert!(!o.enabled(&meta));
    }
}
