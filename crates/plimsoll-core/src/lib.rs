//! The finding model every Plimsoll gate shares.
//!
//! The flow is always input → facts → rules → findings → report. This crate
//! owns the last shared link: what a finding is, how severe it is, which rule
//! produced it, and the metadata a rule publishes about itself.

use serde::Serialize;
use std::fmt;

/// How serious a finding is. Ordered from most to least severe so that
/// `a <= b` means "a is at least as severe as b".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Style,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Error,
        Severity::Warning,
        Severity::Info,
        Severity::Style,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Style => "style",
        }
    }

    /// Parses a severity name as users write it (hadolint's names included).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "style" => Some(Severity::Style),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The failure threshold: findings at or above it make the run exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    At(Severity),
    None,
}

impl Threshold {
    pub fn parse(s: &str) -> Option<Threshold> {
        if s.trim().eq_ignore_ascii_case("none") {
            return Some(Threshold::None);
        }
        Severity::parse(s).map(Threshold::At)
    }

    pub fn fails(self, sev: Severity) -> bool {
        match self {
            Threshold::At(t) => sev <= t,
            Threshold::None => false,
        }
    }
}

/// Which family a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The file could not be parsed (DL1000).
    Syntax,
    /// hadolint-compatible Dockerfile rules (DL3xxx, DL4xxx).
    Hadolint,
    /// Plimsoll's delivery-contract Dockerfile rules (PDxxx).
    Dockerfile,
    /// Image hygiene: user, permissions, secrets, leftovers (PIxxx).
    Image,
    /// Image size and waste (PSxxx).
    Size,
    /// Will the image's binaries start (PRxxx).
    Runnability,
    /// Node and cgroup memory diagnostics (PNxxx).
    Node,
    /// Kubernetes workload manifests (PKxxx).
    Kubernetes,
    /// A manifest checked against the image it deploys (PXxxx).
    Cross,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Hadolint => "hadolint",
            Category::Dockerfile => "dockerfile",
            Category::Image => "image",
            Category::Size => "size",
            Category::Runnability => "runnability",
            Category::Node => "node",
            Category::Kubernetes => "kubernetes",
            Category::Cross => "cross",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position range in a file: 1-based lines and 1-based character columns;
/// `end_column` is exclusive (one past the last character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Region {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub category: Category,
    pub message: String,
    /// Path as the user named it (`-` for stdin).
    pub file: String,
    #[serde(flatten)]
    pub region: Region,
    /// A suggested replacement or snippet, when the rule can give one.
    pub fix: Option<String>,
}

impl Finding {
    /// Deterministic order: file, line, column, code, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (
            &self.file,
            self.region.line,
            self.region.column,
            &self.code,
            &self.message,
        )
    }
}

/// Sorts findings into the deterministic report order.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// What a rule publishes about itself, as reporters need it (SARIF rule
/// metadata, `plimsoll rules`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    pub code: String,
    /// Default severity.
    pub severity: Severity,
    pub category: Category,
    /// One line: what the rule checks.
    pub summary: String,
    /// Full documentation (markdown), taken from the rule file's doc comment.
    pub doc: String,
}

/// Rules over facts that are not source text (an image, a node): no span,
/// the finding's `file` names the thing checked. Each rules crate keeps
/// its own `Context` and registers `Rule<fn(&Context) -> Vec<Hit>>`.
pub mod fact_rules {
    use super::{Category, Finding, Region, RuleInfo, Severity, module_doc};

    /// What a rule publishes about itself.
    #[derive(Debug, Clone, Copy)]
    pub struct Meta {
        pub code: &'static str,
        pub severity: Severity,
        pub category: Category,
        /// One line: what the rule checks.
        pub summary: &'static str,
    }

    /// A registered rule: its metadata, its check, and its source file
    /// (whose `//!` doc is the documentation).
    pub struct Rule<F> {
        pub meta: Meta,
        pub check: F,
        pub source: &'static str,
    }

    impl<F> Rule<F> {
        pub fn info(&self) -> RuleInfo {
            RuleInfo {
                code: self.meta.code.to_string(),
                severity: self.meta.severity,
                category: self.meta.category,
                summary: self.meta.summary.to_string(),
                doc: module_doc(self.source),
            }
        }

        /// The finding a hit of this rule becomes.
        pub fn finding(&self, hit: Hit, file: &str) -> Finding {
            Finding {
                code: self.meta.code.to_string(),
                severity: hit.severity.unwrap_or(self.meta.severity),
                category: self.meta.category,
                message: hit.message,
                file: file.to_string(),
                region: hit.region.unwrap_or_default(),
                fix: hit.fix,
            }
        }
    }

    /// Checks a registry the way every rules crate's tests do: codes are
    /// unique, each doc starts with `# CODE` and has the required sections.
    /// Returns what is wrong, one line per problem.
    pub fn registry_problems<'a>(rules: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (code, source) in rules {
            if !seen.insert(code) {
                problems.push(format!("{code}: duplicate code"));
            }
            let doc = module_doc(source);
            if !doc.starts_with(&format!("# {code}")) {
                problems.push(format!("{code}: the doc does not start with `# {code}`"));
            }
            for section in ["## Bad", "## Good", "## Fix", "## Incident it prevents"] {
                if !doc.contains(section) {
                    problems.push(format!("{code}: the doc lacks {section}"));
                }
            }
        }
        problems
    }

    /// One thing a rule found.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Hit {
        pub message: String,
        pub fix: Option<String>,
        /// A severity other than the rule's default.
        pub severity: Option<Severity>,
        /// Where in the checked file, when the facts come from text.
        pub region: Option<Region>,
    }

    impl Hit {
        pub fn new(message: impl Into<String>) -> Hit {
            Hit {
                message: message.into(),
                fix: None,
                severity: None,
                region: None,
            }
        }

        pub fn with_fix(mut self, fix: impl Into<String>) -> Hit {
            self.fix = Some(fix.into());
            self
        }

        pub fn with_severity(mut self, s: Severity) -> Hit {
            self.severity = Some(s);
            self
        }

        pub fn with_region(mut self, r: Region) -> Hit {
            self.region = Some(r);
            self
        }
    }
}

/// Counts per severity plus the number of files looked at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub styles: usize,
    pub files: usize,
}

impl Summary {
    pub fn of(findings: &[Finding], files: usize) -> Summary {
        let mut s = Summary {
            files,
            ..Summary::default()
        };
        for f in findings {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
                Severity::Style => s.styles += 1,
            }
        }
        s
    }
}

/// Extracts the documentation from a Rust source file's leading `//!` lines.
///
/// Rules keep their documentation as the module doc comment of their own
/// file; the registry embeds the file with `include_str!` and calls this at
/// start-up, so the doc printed by `plimsoll rule CODE` is the doc in code.
pub fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("//!") {
            out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            out.push('\n');
        } else if t.is_empty() && out.is_empty() {
            continue;
        } else {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_orders_severities() {
        let t = Threshold::At(Severity::Warning);
        assert!(t.fails(Severity::Error));
        assert!(t.fails(Severity::Warning));
        assert!(!t.fails(Severity::Info));
        assert!(!Threshold::None.fails(Severity::Error));
        assert_eq!(
            Threshold::parse("STYLE"),
            Some(Threshold::At(Severity::Style))
        );
        assert_eq!(Threshold::parse("bogus"), None);
    }

    #[test]
    fn module_doc_reads_leading_comment() {
        let src = "//! # DL3000\n//!\n//! Use absolute WORKDIR.\nuse x;\n//! not this";
        assert_eq!(module_doc(src), "# DL3000\n\nUse absolute WORKDIR.\n");
    }

    #[test]
    fn summary_counts() {
        let f = |s| Finding {
            code: "X".into(),
            severity: s,
            category: Category::Hadolint,
            message: String::new(),
            file: "f".into(),
            region: Region::default(),
            fix: None,
        };
        let s = Summary::of(
            &[f(Severity::Error), f(Severity::Style), f(Severity::Style)],
            2,
        );
        assert_eq!(
            (s.errors, s.warnings, s.infos, s.styles, s.files),
            (1, 0, 0, 2, 2)
        );
    }
}
