//! # DL3027: Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead
//!
//! **What it checks.** Any `apt` command in a `RUN` (shell form, exec form,
//! heredoc, `ONBUILD RUN`, inside `$(…)`), whatever its path
//! (`/usr/bin/apt` too).
//!
//! **Why.** `apt` is the interactive front end: its command-line interface
//! is explicitly not stable between releases, it prints progress bars and
//! a "WARNING: apt does not have a stable CLI interface" to scripts, and
//! its defaults are tuned for people at a terminal. `apt-get` and
//! `apt-cache` keep a stable, script-friendly interface.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN apt update && apt install -y curl
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y --no-install-recommends curl \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix
//! Replace `apt` with `apt-get` (or `apt-cache` for `search`/`show`/`policy`).
//!
//! ## Incident it prevents
//! An `apt` release changed an option's behaviour and a Dockerfile that had
//! worked for a year started failing in CI.

use crate::helpers_b::runs;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3027",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for c in &run.commands {
            if !c.is("apt") {
                continue;
            }
            let Some(w) = c.words.first() else {
                continue;
            };
            let sub = c
                .args_no_flags()
                .first()
                .map(|s| s.text.clone())
                .unwrap_or_default();
            let tool = if matches!(
                sub.as_str(),
                "search" | "show" | "policy" | "depends" | "rdepends"
            ) {
                "apt-cache"
            } else {
                "apt-get"
            };
            out.push(
                Hit::new(
                    w.span,
                    format!("Do not use `apt` in scripts, it has no stable CLI; use `{tool}`"),
                )
                .with_fix(tool),
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
    fn flags_apt() {
        let src = "FROM a\nRUN apt update && \\\n    apt install -y x\nRUN [\"apt\", \"install\", \"y\"]\nONBUILD RUN /usr/bin/apt list\nRUN <<EOF\napt upgrade\nEOF\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 7]);
    }

    #[test]
    fn passes_apt_get_and_arguments() {
        let src = "FROM a\nRUN apt-get update && apt-cache policy x && echo apt && which apt\n";
        assert!(lines(check, src).is_empty());
    }
}
