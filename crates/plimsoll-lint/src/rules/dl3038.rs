//! # DL3038: Use the -y switch to avoid manual input `dnf install -y <package>`
//!
//! **What it checks.** `dnf`, `dnf5` and `microdnf` `install`,
//! `groupinstall` and `localinstall` in a `RUN` without `-y` /
//! `--assumeyes`. (hadolint does not know `dnf5`.)
//!
//! **Why.** Without `-y` dnf asks for confirmation; a build has no
//! terminal, so the transaction is aborted ("Operation aborted") and the
//! `RUN` fails — or the step waits until the CI job times out.
//!
//! ## Bad
//! ```dockerfile
//! FROM fedora:40
//! RUN dnf install httpd-2.4.59 && dnf clean all
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM fedora:40
//! RUN dnf install -y httpd-2.4.59 && dnf clean all
//! ```
//!
//! ## Fix
//! Add `-y`: `dnf install -y <package>`.
//!
//! ## Incident it prevents
//! A Dockerfile ported from `yum -y` to `dnf` lost its `-y`, and the nightly
//! image build failed for a week before anyone looked.

use crate::helpers_b::{has_sub, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3038",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Use the -y switch to avoid manual input `dnf install -y <package>`",
    enabled_by_default: true,
};

const SUBS: &[&str] = &["install", "groupinstall", "localinstall"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for c in &run.commands {
            if !has_sub(c, &["dnf", "dnf5", "microdnf"], SUBS)
                || c.has_any_flag(&["y", "assumeyes"])
            {
                continue;
            }
            let Some(w) = sub_word(c, SUBS) else {
                continue;
            };
            let name = c.base_name().unwrap_or("dnf");
            out.push(
                Hit::new(
                    w.span,
                    format!(
                        "Use `{name} {} -y` so the build never waits for a confirmation",
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
    fn flags_missing_yes() {
        let src = "FROM fedora\nRUN dnf install a\nRUN microdnf install b\nRUN dnf5 --setopt=x=1 groupinstall c\n";
        assert_eq!(lines(check, src), vec![2, 3, 4]);
    }

    #[test]
    fn passes_with_yes() {
        let src = "FROM fedora\nRUN dnf -y install a\nRUN microdnf install -y b\nRUN dnf install --assumeyes c\nRUN dnf upgrade\nRUN yum install d\n";
        assert!(lines(check, src).is_empty());
    }
}
