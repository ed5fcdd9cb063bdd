//! # DL3030: Use the -y switch to avoid manual input `yum install -y <package>`
//!
//! **What it checks.** `yum install`, `yum groupinstall` and
//! `yum localinstall` in a `RUN` without `-y` / `--assumeyes`.
//!
//! **Why.** Without `-y`, yum asks for confirmation; a build has no terminal,
//! so yum reads end-of-file, answers "no" and exits with an error — or, with
//! some configurations, waits. Either way the build does not do what the
//! line says.
//!
//! ## Bad
//! ```dockerfile
//! FROM centos:7
//! RUN yum install httpd-2.4.6 && yum clean all
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM centos:7
//! RUN yum install -y httpd-2.4.6 && yum clean all
//! ```
//!
//! ## Fix
//! Add `-y`: `yum install -y <package>`.
//!
//! ## Incident it prevents
//! A build failed with "Exiting on user command" after a Dockerfile edit
//! dropped the `-y` while splitting a long line.

use crate::helpers_b::{has_sub, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3030",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Use the -y switch to avoid manual input `yum install -y <package>`",
    enabled_by_default: true,
};

const SUBS: &[&str] = &["install", "groupinstall", "localinstall"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for c in &run.commands {
            if !has_sub(c, &["yum"], SUBS) || c.has_any_flag(&["y", "assumeyes"]) {
                continue;
            }
            let Some(w) = sub_word(c, SUBS) else {
                continue;
            };
            out.push(
                Hit::new(
                    w.span,
                    format!(
                        "Use `yum {} -y` so the build never waits for a confirmation",
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
        let src = "FROM centos\nRUN yum install httpd\nRUN yum groupinstall 'Dev Tools'\nONBUILD RUN yum localinstall x.rpm\n";
        assert_eq!(lines(check, src), vec![2, 3, 4]);
    }

    #[test]
    fn passes_with_yes() {
        let src = "FROM centos\nRUN yum -y install a\nRUN yum install -qy b\nRUN yum install --assumeyes c\nRUN yum update\nRUN dnf install d\n";
        assert!(lines(check, src).is_empty());
    }
}
