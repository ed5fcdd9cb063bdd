//! # DL3061: Invalid instruction order: a Dockerfile must begin with `FROM` or `ARG`
//!
//! **What it checks.** Before the first `FROM`, only `ARG` instructions
//! (and comments and parser directives) appear. Every other instruction
//! there is a finding.
//!
//! **Why.** BuildKit rejects a Dockerfile whose first instruction is not
//! `FROM` (global `ARG`s excepted): an instruction before `FROM` has no
//! image to apply to. The build fails at once, so the mistake is usually a
//! reordering slip or a `LABEL`/`ENV` meant for the first stage.
//!
//! ## Bad
//! ```dockerfile
//! ENV APP_HOME=/app
//! FROM python:3.12-slim
//! ```
//!
//! ## Good
//! ```dockerfile
//! ARG PYTHON=3.12
//! FROM python:${PYTHON}-slim
//! ENV APP_HOME=/app
//! ```
//!
//! ## Fix
//! Move the instruction below the `FROM` (or turn a value needed in `FROM`
//! into a global `ARG`).
//!
//! ## Incident it prevents
//! A refactor moved a `LABEL` to the top of the file; every build of the
//! release branch failed until someone noticed.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3061",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for ins in &cx.df().instructions {
        match ins.kind {
            Kind::From => break,
            Kind::Arg => {}
            _ => out.push(Hit::new(
                ins.keyword.span,
                format!(
                    "Invalid instruction order: `{}` before the first `FROM` (only `ARG` may come first)",
                    ins.keyword.value.to_ascii_uppercase()
                ),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_instructions_before_from() {
        assert_eq!(lines(check, "ENV A=1\nLABEL x=y\nFROM a\n"), vec![1, 2]);
        assert_eq!(lines(check, "ARG V=1\nRUN x\nFROM a\n"), vec![2]);
    }

    #[test]
    fn passes_args_and_comments_first() {
        let src = "# syntax=docker/dockerfile:1\n# comment\nARG V=1\nFROM a:$V\nENV X=1\nFROM b\n";
        assert!(lines(check, src).is_empty());
    }
}
