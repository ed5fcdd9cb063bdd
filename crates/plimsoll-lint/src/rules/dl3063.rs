//! # DL3063: Stage name should not be a reserved word
//!
//! **What it checks.** No stage is named (`FROM … AS <name>`) `scratch` or
//! `context`, in any case (BuildKit compares stage names without regard to
//! case; hadolint only catches the lower-case spelling).
//!
//! **Why.** `scratch` is the empty image and `context` names the build
//! context in `COPY --from`/`RUN --mount=from=`; a stage with one of those
//! names makes `FROM scratch` or `--from=context` mean something different
//! from what every reader (and some builders) expect.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20 AS context
//! RUN echo hi > /x
//! FROM debian:12
//! COPY --from=context /x /x
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20 AS prepare
//! RUN echo hi > /x
//! FROM debian:12
//! COPY --from=prepare /x /x
//! ```
//!
//! ## Fix
//! Rename the stage: `FROM alpine:3.20 AS prepare`.
//!
//! ## Incident it prevents
//! A stage called `scratch` turned a later `FROM scratch` into a full
//! Alpine image; the "minimal" image shipped a shell and a package manager.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3063",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Stage name should not be a reserved word",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for st in &cx.facts.stages {
        let Some(alias) = &st.alias else {
            continue;
        };
        let name = alias.value.to_ascii_lowercase();
        if name == "scratch" || name == "context" {
            out.push(
                Hit::new(
                    alias.span,
                    format!("Stage name `{}` is a reserved word", alias.value),
                )
                .with_fix("FROM <image> AS <other-name>"),
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
    fn flags_reserved_names() {
        let src = "FROM a AS scratch\nFROM b AS Context\nFROM c AS build\n";
        assert_eq!(lines(check, src), vec![1, 2]);
    }

    #[test]
    fn passes_other_names() {
        assert!(lines(check, "FROM scratch\nFROM a AS scratchpad\nFROM b AS ctx\n").is_empty());
    }
}
