//! # DL3033: Specify version with `yum install -y <package>-<version>`.
//!
//! **What it checks.** Every package named by `yum install` in a `RUN`
//! carries a version: `name-version[-release]`, where the part after the
//! first `-` is made of version characters and starts with a digit
//! somewhere (`httpd-2.4.6`, `java-11-openjdk-11.0.20`). `.rpm` files carry
//! their version. For `yum module install` the stream is the version:
//! `nodejs:18`.
//!
//! Values of flags such as `--enablerepo epel` are not packages (hadolint
//! reports them). Package lists held in variables are judged by their value
//! when it is known (ARG/ENV defaults, assignments earlier in the same
//! `RUN`); a variable whose value cannot be known is not reported
//! (hadolint #928).
//!
//! **Why.** An unpinned package installs whatever the repository serves on
//! the day of the build; rebuilding the same commit gives a different image
//! and upgrades arrive unreviewed.
//!
//! `yum group install` / `groupinstall` installs package groups, which have
//! no versions, so it is not judged (hadolint reports it).
//!
//! ## Bad
//! ```dockerfile
//! FROM centos:7
//! RUN yum install -y httpd && yum clean all
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM centos:7
//! RUN yum install -y httpd-2.4.6 && yum clean all
//! ```
//!
//! ## Fix
//! `yum install -y <package>-<version>`; `yum list --showduplicates <package>`
//! lists the versions available.
//!
//! ## Incident it prevents
//! A rebuild for a one-line fix pulled a new OpenSSL minor release and broke
//! the client certificates of every customer.

use crate::helpers_b::{after_sub, has_sub, known_packages, rpm_version_fixed, runs};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3033",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Specify version with `yum install -y <package>-<version>`.",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for (k, c) in run.commands.iter().enumerate() {
            let module = has_sub(c, &["yum"], &["module"]);
            let mut words = after_sub(c);
            if module {
                // `yum module install x`: the action comes first.
                if words.first().is_none_or(|w| w.text != "install") {
                    continue;
                }
                words.remove(0);
            } else if !has_sub(c, &["yum"], &["install"]) {
                continue;
            }
            for (w, pkg) in known_packages(cx, run, k, &words) {
                if module {
                    if !pkg.contains(':') {
                        out.push(
                            Hit::new(
                                w.span,
                                format!(
                                    "Specify the module stream: `yum module install {pkg}:<stream>`"
                                ),
                            )
                            .with_fix(format!("{pkg}:<stream>")),
                        );
                    }
                } else if !rpm_version_fixed(&pkg) {
                    out.push(
                        Hit::new(
                            w.span,
                            format!(
                                "Specify the version of `{pkg}`: `yum install -y {pkg}-<version>`"
                            ),
                        )
                        .with_fix(format!("{pkg}-<version>")),
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_unpinned() {
        let src = "FROM centos\nRUN yum install -y httpd python3-pip\nRUN yum module install -y nodejs\nRUN yum -y \\\n  install \\\n  gcc-c++\n";
        assert_eq!(lines(check, src), vec![2, 2, 3, 6]);
    }

    #[test]
    fn passes_pinned() {
        let src = "FROM centos\nRUN yum install -y httpd-2.4.6 java-11-openjdk-11.0.20 ./x.rpm https://h/e-release.rpm\n\
                   RUN yum module install -y nodejs:18\nRUN yum -y --enablerepo epel install a-1.0\nRUN yum update -y\n\
                   RUN yum module enable nodejs:18\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM centos\nARG V\nARG PKGS\nENV P=\"a-1.0 b\"\nRUN yum install -y c-$V $PKGS\nRUN yum install -y $P\n";
        assert_eq!(lines(check, src), vec![6]);
    }
}
