//! # DL3057: `HEALTHCHECK` instruction missing
//!
//! **What it checks.** Off by default (hadolint's default severity for it
//! is "ignore"); enable it by selecting the code. The image the Dockerfile
//! builds — its final stage — declares a `HEALTHCHECK` (`HEALTHCHECK NONE`
//! counts: it is a decision), either in the final stage or in an earlier
//! stage the final one is built `FROM`. One finding, on the final `FROM`.
//! A healthcheck inherited from an external base image cannot be seen.
//!
//! **Why.** Without a healthcheck, Docker and Swarm only know whether the
//! process runs, not whether it serves: a hung server stays "up".
//!
//! **Where hadolint differs.** hadolint reports every stage without a
//! healthcheck, builder stages included, although those never run as
//! containers. Plimsoll reports only the image that is built.
//!
//! ## Bad
//! ```dockerfile
//! FROM nginx:1.27
//! COPY site /usr/share/nginx/html
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM nginx:1.27
//! COPY site /usr/share/nginx/html
//! HEALTHCHECK --interval=30s CMD curl -fsS http://localhost/ || exit 1
//! ```
//!
//! ## Fix
//! `HEALTHCHECK CMD <command that fails when the service is unhealthy>`,
//! or `HEALTHCHECK NONE` to say none is wanted.
//!
//! ## Incident it prevents
//! A web server deadlocked after a certificate reload; with no healthcheck
//! the orchestrator kept routing traffic to it for hours.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3057",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "`HEALTHCHECK` instruction missing",
    enabled_by_default: false,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let f = cx.facts;
    let Some(last) = f.final_stage() else {
        return Vec::new();
    };
    let has_healthcheck = f.final_lineage().iter().any(|&s| {
        f.stages.get(s).is_some_and(|st| {
            f.stage_instructions(st)
                .iter()
                .any(|ins| ins.kind == Kind::Healthcheck)
        })
    });
    if has_healthcheck {
        return Vec::new();
    }
    vec![
        Hit::new(
            last.base.span,
            "`HEALTHCHECK` instruction missing: the image declares no healthcheck",
        )
        .with_fix("HEALTHCHECK CMD <command that fails when unhealthy>"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_final_stage_without_healthcheck() {
        assert_eq!(lines(check, "FROM a\nRUN x\n"), vec![1]);
        let src = "FROM a AS build\nHEALTHCHECK NONE\nFROM b\nCOPY --from=build /x /x\n";
        assert_eq!(lines(check, src), vec![3]);
        assert_eq!(
            lines(check, "FROM a\nONBUILD HEALTHCHECK CMD true\n"),
            vec![1]
        );
    }

    #[test]
    fn passes_with_healthcheck() {
        assert!(lines(check, "FROM a\nHEALTHCHECK CMD true\n").is_empty());
        assert!(lines(check, "FROM a\nHEALTHCHECK NONE\n").is_empty());
        let src = "FROM a AS base\nHEALTHCHECK CMD true\nFROM base\nRUN x\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM a AS build\nRUN make\nFROM b\nHEALTHCHECK CMD true\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn no_stages_no_findings() {
        assert!(lines(check, "ARG X=1\n").is_empty());
    }

    #[test]
    fn disabled_by_default() {
        assert!(!crate::Options::default().enabled(&META));
        let o = crate::Options {
            select: vec!["DL3057".into()],
            ..Default::default()
        };
        assert!(o.enabled(&META));
    }
}
