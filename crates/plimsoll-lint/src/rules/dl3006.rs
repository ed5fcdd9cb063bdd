//! # DL3006: Always tag the version of an image explicitly
//!
//! **What it checks.** Every `FROM` that names an image (not `scratch`, not
//! an earlier stage) carries a tag or a digest once global build arguments
//! are expanded with their defaults.
//!
//! **Where hadolint is wrong.** hadolint flags `FROM ${BASE}` even when
//! `ARG BASE=golang:1.22` supplies a tag (hadolint #979, #1078). Plimsoll
//! resolves the ARG default as BuildKit does and flags only what really is
//! untagged; a reference built from an ARG with no default is not judged.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian
//! ```
//!
//! ## Good
//! ```dockerfile
//! ARG BASE=debian:12-slim
//! FROM ${BASE}
//! ```
//!
//! ## Fix
//! `FROM debian:12-slim` (better: pin the digest too).
//!
//! ## Incident it prevents
//! An untagged base silently moved to a new major release overnight and the
//! next build shipped a different libc.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3006",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Always tag the version of an image explicitly",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for st in &cx.facts.stages {
        let b = &st.base;
        if b.scratch || b.stage.is_some() || !b.unresolved.is_empty() || b.resolved.is_empty() {
            continue;
        }
        if b.image.tag.is_none() && b.image.digest.is_none() {
            out.push(
                Hit::new(b.span, format!("Always tag the version of an image explicitly: `{}`", b.resolved))
                    .with_fix(format!("FROM {}:<version>", b.resolved)),
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
    fn flags_untagged() {
        assert_eq!(lines(check, "FROM debian\nFROM r.io:5000/a/b AS x\n"), vec![1, 2]);
    }

    #[test]
    fn passes_tags_digests_stages_and_arg_defaults() {
        let src = "ARG BASE=golang:1.22\nFROM ${BASE} AS build\nFROM build\nFROM scratch\nFROM a@sha256:00\nARG NODEF\nFROM $NODEF\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn flags_untagged_arg_default() {
        assert_eq!(lines(check, "ARG BASE=golang\nFROM $BASE\n"), vec![2]);
    }
}
