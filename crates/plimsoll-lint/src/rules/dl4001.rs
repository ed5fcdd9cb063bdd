//! # DL4001: Either use wget or curl, not both
//!
//! **What it checks.** Within one build stage, RUN instructions use only
//! one of `curl` and `wget`. From the first RUN at which both have been
//! used, every RUN of the stage that uses either is a finding. ONBUILD
//! triggers are checked together, apart from the stages. RUNs under
//! PowerShell or `cmd`, where `wget` and `curl` are aliases of
//! `Invoke-WebRequest`, are not judged.
//!
//! **Why.** Two download tools mean two packages to install, patch and
//! scan, with different defaults for redirects, retries, TLS and failure
//! exit codes (`curl` exits 0 on HTTP 404 without `-f`, `wget` does not).
//! Picking one keeps the image smaller and the download steps consistent.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN wget -q https://example.com/a.tar.gz
//! RUN curl -fsSLO https://example.com/b.tar.gz
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN curl -fsSLO https://example.com/a.tar.gz \
//!  && curl -fsSLO https://example.com/b.tar.gz
//! ```
//!
//! ## Fix
//! Use one tool for every download in the stage (and install only it).
//!
//! ## Incident it prevents
//! A step using `curl` without `-f` saved an HTML 404 page as a tarball
//! while the `wget` steps beside it failed loudly; the difference went
//! unnoticed until the image crashed at start.

use crate::helpers_c::non_posix_runs;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::{Kind, Span};

pub const META: Meta = Meta {
    code: "DL4001",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Either use Wget or Curl but not both",
    enabled_by_default: true,
};

/// Tools used by RUN `i`: (curl, wget, span of the first use).
fn tools(cx: &Context, i: usize) -> (bool, bool, Option<Span>) {
    let mut curl = false;
    let mut wget = false;
    let mut span = None;
    for s in cx.scripts(i) {
        for c in &s.commands {
            let (is_curl, is_wget) = (c.is("curl"), c.is("wget"));
            if is_curl || is_wget {
                curl |= is_curl;
                wget |= is_wget;
                if span.is_none() {
                    span = c.words.first().map(|w| w.span);
                }
            }
        }
    }
    (curl, wget, span)
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    // (curl seen, wget seen) in the current stage, and among ONBUILD triggers.
    let mut stage = (false, false);
    let mut onbuild = (false, false);
    let np = non_posix_runs(cx);
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        let state = match ins.kind {
            Kind::From => {
                stage = (false, false);
                continue;
            }
            Kind::Run => &mut stage,
            Kind::Onbuild if ins.onbuild.as_ref().is_some_and(|t| t.kind == Kind::Run) => {
                &mut onbuild
            }
            _ => continue,
        };
        if np.get(i).copied().unwrap_or(false) {
            continue;
        }
        let (curl, wget, span) = tools(cx, i);
        let Some(span) = span else {
            continue;
        };
        state.0 |= curl;
        state.1 |= wget;
        if state.0 && state.1 {
            out.push(
                Hit::new(
                    span,
                    "Either use wget or curl but not both: this stage already uses the other one",
                )
                .with_fix("use the same download tool (curl or wget) throughout the stage"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_both_in_a_stage() {
        let src = "FROM a\nRUN wget -q x\nRUN echo hi\nRUN curl -fsO y\nRUN wget -q z\n";
        assert_eq!(lines(check, src), vec![4, 5]);
        assert_eq!(lines(check, "FROM a\nRUN curl x && wget -q y\n"), vec![2]);
    }

    #[test]
    fn stages_are_separate() {
        let src = "FROM a\nRUN wget -q x\nFROM b\nRUN curl -fsO y\nONBUILD RUN curl z\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn onbuild_triggers_together() {
        let src = "FROM a\nONBUILD RUN wget -q x\nFROM b\nONBUILD RUN curl -f y\n";
        assert_eq!(lines(check, src), vec![4]);
    }
}
