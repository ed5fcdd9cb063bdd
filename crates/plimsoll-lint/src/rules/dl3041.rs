//! # DL3041: Specify version with `dnf install -y <package>-<version>`.
//!
//! **What it checks.** Every package named by `dnf install` (also `dnf5`,
//! `microdnf`) in a `RUN` carries a version: `name-version[-release]`, where
//! the part after the first `-` is made of version characters and starts
//! with a digit somewhere (`httpd-2.4.59`). `.rpm` files carry their
//! version. For `dnf module install` the stream is the version
//! (`nodejs:20`); `dnf group install` installs groups, which have no
//! version, and is not judged.
//!
//! Values of flags such as `--setopt x=y` are not packages. Package lists
//! held in variables are judged by their value when it is known; a
//! variable whose value cannot be known is not reported (hadolint #928).
//!
//! **Why.** An unpinned package installs whatever the repository serves on
//! the day of the build, so rebuilding the same commit gives a different
//! image.
//!
//! ## Bad
//! ```dockerfile
//! FROM fedora:40
//! RUN dnf install -y httpd && dnf clean all
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM fedora:40
//! RUN dnf install -y httpd-2.4.59 && dnf clean all
//! ```
//!
//! ## Fix
//! `dnf install -y <package>-<version>`; `dnf list --showduplicates <package>`
//! lists the versions available.
//!
//! ## Incident it prevents
//! A rebuild picked up a new Python minor release from the distribution and
//! the application's compiled extensions failed to import.

use crate::helpers_b::{after_sub, has_sub, known_packages, rpm_version_fixed, runs};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3041",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Specify version with `dnf install -y <package>-<version>`.",
    enabled_by_default: true,
};

const DNF: &[&str] = &["dnf", "dnf5", "microdnf"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for (k, c) in run.commands.iter().enumerate() {
            let module = has_sub(c, DNF, &["module"]);
            let mut words = after_sub(c);
            if module {
                if words.first().is_none_or(|w| w.text != "install") {
                    continue;
                }
                words.remove(0);
            } else if !has_sub(c, DNF, &["install"]) {
                continue;
            }
            let name = c.base_name().unwrap_or("dnf").to_string();
            for (w, pkg) in known_packages(cx, run, k, &words) {
                if module {
                    if !pkg.contains(':') {
                        out.push(
                            Hit::new(w.span, format!("Specify the module stream: `{name} module install {pkg}:<stream>`"))
                                .with_fix(format!("{pkg}:<stream>")),
                        );
                    }
                } else if !rpm_version_fixed(&pkg) {
                    out.push(
                        Hit::new(w.span, format!("Specify the version of `{pkg}`: `{name} install -y {pkg}-<version>`"))
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
        let src = "FROM fedora\nRUN dnf install -y httpd\nRUN microdnf install -y \\\n  python3-pip\nRUN dnf module install -y nodejs\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_pinned_and_groups() {
        let src = "FROM fedora\nRUN dnf install -y httpd-2.4.59 ./x.rpm\nRUN dnf module install -y nodejs:20\n\
                   RUN dnf group install -y 'Development Tools'\nRUN dnf -y --setopt install_weak_deps=False install a-1\n\
                   RUN dnf upgrade -y\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM fedora\nARG PKGS\nRUN dnf install -y $PKGS\nRUN P=\"a b-1\" && dnf install -y $P\n";
        assert_eq!(lines(check, src), vec![4]);
    }
}
