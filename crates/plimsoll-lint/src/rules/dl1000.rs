//! # DL1000: The Dockerfile does not parse
//!
//! **What it checks.** That BuildKit's Dockerfile parser accepts the file:
//! parser directives (`# escape=` must be `\` or `` ` ``, each directive at
//! most once), JSON-form arguments made of strings only, `ENV`/`LABEL` in
//! `key value` or `key=value` form, heredocs that are closed, lines no
//! longer than 64 KiB, and at least one instruction. The finding carries the
//! line and column of the instruction and what was expected; the rest of
//! the file is still linted.
//!
//! **Why.** A file BuildKit cannot parse never builds. hadolint uses the same
//! code for its own parse failures; Plimsoll's parser follows BuildKit's
//! grammar, so it accepts what BuildKit accepts (heredocs, `--mount`,
//! `--parents`, `# check=` …) and rejects what BuildKit rejects.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! ENV DEBIAN_FRONTEND
//! CMD ["app", ["--flag"]]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! ENV DEBIAN_FRONTEND=noninteractive
//! CMD ["app", "--flag"]
//! ```
//!
//! ## Fix
//! Follow the message: give `ENV` a value (`ENV KEY=value`), make every
//! element of a JSON array a string, close the heredoc with its delimiter
//! alone on a line.
//!
//! ## Incident it prevents
//! A release pipeline that fails at `docker build` after review, or — worse —
//! a JSON-form CMD silently falling back to shell form.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL1000",
    severity: Severity::Error,
    category: Category::Syntax,
    summary: "The Dockerfile does not parse (BuildKit would reject it)",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    cx.df()
        .errors
        .iter()
        .map(|e| Hit::new(e.span, e.message.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn reports_parse_errors_with_position() {
        assert_eq!(lines(check, "FROM a\nENV X\nRUN true\n"), vec![2]);
        let r = run(check, "FROM a\nCMD [\"a\", 1]\n");
        assert!(r[0].1.contains("strings only"));
    }

    #[test]
    fn accepts_valid_files() {
        assert!(lines(check, "FROM a\nENV X=1\nRUN <<EOF\ntrue\nEOF\n").is_empty());
    }
}
