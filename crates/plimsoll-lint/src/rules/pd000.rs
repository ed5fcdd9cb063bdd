//! # PD000: An instruction BuildKit rejects when it builds
//!
//! **What it checks.** Instructions that BuildKit's parser reads but its
//! build step refuses: an unknown instruction (`BOGUS x`, a typo such as
//! `COPPY`), `FROM` with other than one or three arguments or an invalid
//! stage name, `COPY`/`ADD` without a destination, `HEALTHCHECK` without a
//! type, forbidden `ONBUILD` triggers.
//!
//! **Why.** These files parse — so a parser-only check (and BuildKit's own
//! `PARSE_RESULTS`) calls them valid — but `docker build` stops at them.
//! hadolint reports most of them as a parse failure (DL1000); Plimsoll keeps
//! DL1000 for what BuildKit's parser rejects and reports these separately,
//! so each code means exactly one thing.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20
//! COPPY app /app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! COPY app /app
//! ```
//!
//! ## Fix
//! Correct the instruction name or arguments as the message says.
//!
//! ## Incident it prevents
//! A typo merged in a Dockerfile nobody built locally breaks the release build.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PD000",
    severity: Severity::Error,
    category: Category::Syntax,
    summary: "Instruction that BuildKit rejects at build time",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    cx.df()
        .invalid
        .iter()
        .map(|e| Hit::new(e.span, e.message.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_unknown_instruction() {
        let r = run(check, "FROM a\nCOPPY x /y\n");
        assert_eq!(r, vec![(2, "unknown instruction: COPPY".to_string())]);
    }

    #[test]
    fn passes_valid() {
        assert!(lines(check, "FROM a AS b\nCOPY x /y\nHEALTHCHECK NONE\n").is_empty());
    }
}
