//! # DL3034: Non-interactive switch missing from `zypper` command: `zypper install -y`
//!
//! **What it checks.** `zypper install`/`in`, `remove`/`rm`,
//! `source-install`/`si` and `patch` in a `RUN` without a non-interactive
//! switch: `-n`/`--non-interactive` (global) or `-y`/`--no-confirm`.
//!
//! **Why.** zypper asks for confirmation before changing the system. A
//! build has no terminal: zypper aborts the transaction and the `RUN`
//! fails, or the step hangs until the CI job times out.
//!
//! ## Bad
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper install httpd=2.4.51
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper --non-interactive install httpd=2.4.51 && zypper clean
//! ```
//!
//! ## Fix
//! `zypper -n install …` or `zypper install -y …`.
//!
//! ## Incident it prevents
//! A CI runner spent its full one-hour timeout on a build waiting for a
//! "Continue? [y/n]" nobody could answer.

use crate::helpers_b::{has_sub, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3034",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Non-interactive switch missing from `zypper` command: `zypper install -y`",
    enabled_by_default: true,
};

const SUBS: &[&str] = &[
    "install",
    "in",
    "remove",
    "rm",
    "source-install",
    "si",
    "patch",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for c in &run.commands {
            if !has_sub(c, &["zypper"], SUBS)
                || c.has_any_flag(&["non-interactive", "n", "no-confirm", "y"])
            {
                continue;
            }
            let Some(w) = sub_word(c, SUBS) else {
                continue;
            };
            out.push(
                Hit::new(
                    w.span,
                    format!(
                        "Non-interactive switch missing: use `zypper --non-interactive {}` or `-y`",
                        w.text
                    ),
                )
                .with_fix(format!("{} -y", w.text)),
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
    fn flags_interactive() {
        let src = "FROM suse\nRUN zypper install a\nRUN zypper rm b\nRUN zypper --quiet in c\nRUN zypper patch\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5]);
    }

    #[test]
    fn passes_non_interactive() {
        let src = "FROM suse\nRUN zypper -n install a\nRUN zypper in -y b\nRUN zypper --non-interactive rm c\nRUN zypper install --no-confirm d\nRUN zypper refresh\n";
        assert!(lines(check, src).is_empty());
    }
}
