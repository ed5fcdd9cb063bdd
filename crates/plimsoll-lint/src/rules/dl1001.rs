//! # DL1001: Inline ignore pragma used
//!
//! **What it checks.** Off by default (hadolint's default severity for it
//! is "ignore"); enable it by selecting the code. Every comment that
//! silences rules for the next instruction (`# hadolint ignore=DL3008` or
//! `# plimsoll ignore=…`) is a finding. File-wide pragmas
//! (`# hadolint global ignore=…`) are not.
//!
//! **Why.** Teams that want every exception to be visible and reviewed in
//! one place (the configuration file) can forbid exceptions scattered
//! through Dockerfiles, where they are easy to add and easy to forget.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! # hadolint ignore=DL3008
//! RUN apt-get update && apt-get install -y curl
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8
//! ```
//!
//! ## Fix
//! Fix the finding, or move the exception to the configuration file
//! (`ignored: [DL3008]`).
//!
//! ## Incident it prevents
//! An `ignore=DL3006` pragma copied along with a snippet kept an unpinned
//! base image unnoticed in a dozen services.

use crate::pragma::parse_pragma;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL1001",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`",
    enabled_by_default: false,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    cx.df()
        .comments
        .iter()
        .filter_map(|c| match parse_pragma(&c.text) {
            Some((false, codes)) => Some(
                Hit::new(
                    c.span,
                    format!(
                        "Inline ignore pragma for {}: move the exception to the configuration",
                        codes.join(", ")
                    ),
                )
                .with_fix("ignored: [<codes>] in the configuration file"),
            ),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_inline_pragmas() {
        let src =
            "FROM a\n# hadolint ignore=DL3008,DL3009\nRUN x\n# plimsoll ignore=PD001\nRUN y\n";
        assert_eq!(lines(check, src), vec![2, 4]);
    }

    #[test]
    fn passes_global_and_plain_comments() {
        let src = "# hadolint global ignore=DL3008\nFROM a\n# just a comment\nRUN x\n";
        assert!(lines(check, src).is_empty());
        assert!(!crate::Options::default().enabled(&META));
    }
}
