//! # DL3035: Do not use `zypper dist-upgrade`.
//!
//! **What it checks.** `zypper dist-upgrade` or `zypper dup` in a `RUN`.
//!
//! **Why.** A distribution upgrade inside an image build moves the image to
//! whatever the repositories hold that day — possibly a new release of the
//! distribution — behind the back of the base image's tag. Pick a base
//! image of the release you want, and update specific packages if needed.
//!
//! ## Bad
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper -n dist-upgrade
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM opensuse/leap:15.6
//! RUN zypper -n install -y httpd=2.4.58 && zypper clean
//! ```
//!
//! ## Fix
//! Use a newer base image tag, or `zypper update <package>` for the
//! packages that need it.
//!
//! ## Incident it prevents
//! A routine rebuild dist-upgraded the image to a new service pack whose
//! glibc the vendor binary inside did not support.

use crate::helpers_b::{has_sub, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3035",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Do not use `zypper dist-upgrade`.",
    enabled_by_default: true,
};

const SUBS: &[&str] = &["dist-upgrade", "dup"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for c in &run.commands {
            if !has_sub(c, &["zypper"], SUBS) {
                continue;
            }
            let span = sub_word(c, SUBS).map_or(c.span, |w| w.span);
            out.push(Hit::new(
                span,
                "Do not use `zypper dist-upgrade` in a build: choose the base image release instead",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_dist_upgrade() {
        let src = "FROM suse\nRUN zypper -n dist-upgrade\nRUN zypper dup -y\n";
        assert_eq!(lines(check, src), vec![2, 3]);
    }

    #[test]
    fn passes_other_commands() {
        // A package named `dup` is not the subcommand (hadolint reports it).
        let src = "FROM suse\nRUN zypper -n update\nRUN zypper -n install dup\nRUN zypper -n up\n";
        assert!(lines(check, src).is_empty());
    }
}
