//! # DL3037: Specify version with `zypper install -y <package>=<version>`.
//!
//! **What it checks.** Every package named by `zypper install`/`in` in a
//! `RUN` carries a version constraint (`httpd=2.4.51`, `'php8>=8.2'`,
//! `'vim<9'`), or is an `.rpm` file.
//!
//! Values of options such as `--repo oss` or `-t pattern` are not packages
//! (hadolint reports them). Package lists held in variables are judged by
//! their value when it is known; a variable whose value cannot be known is
//! not reported (hadolint #928).
//!
//! **Why.** An unpinned package installs whatever the repository serves on
//! the day of the build, so rebuilding the same commit gives a different
//! image.
//!
//! ## Bad
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper -n install httpd && zypper clean
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper -n install httpd=2.4.51 && zypper clean
//! ```
//!
//! ## Fix
//! `zypper install -y <package>=<version>`; `zypper search -s <package>`
//! lists the versions available.
//!
//! ## Incident it prevents
//! A rebuild for an unrelated fix picked up a new PHP minor version that
//! removed a deprecated function the application still used.

use crate::helpers_b::{after_sub, has_sub, known_packages, runs};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3037",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Specify version with `zypper install -y <package>=<version>`.",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for (k, c) in run.commands.iter().enumerate() {
            if !has_sub(c, &["zypper"], &["install", "in"]) {
                continue;
            }
            let words = after_sub(c);
            for (w, pkg) in known_packages(cx, run, k, &words) {
                if pkg.contains(['=', '<', '>']) || pkg.ends_with(".rpm") {
                    continue;
                }
                out.push(
                    Hit::new(
                        w.span,
                        format!(
                            "Specify the version of `{pkg}`: `zypper install -y {pkg}=<version>`"
                        ),
                    )
                    .with_fix(format!("{pkg}=<version>")),
                );
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
        let src =
            "FROM suse\nRUN zypper -n install httpd\nRUN zypper -n in -t pattern devel_basis\n";
        assert_eq!(lines(check, src), vec![2, 3]);
    }

    #[test]
    fn passes_pinned() {
        let src = "FROM suse\nRUN zypper -n install httpd=2.4.51 'php8>=8.2' 'vim<9' ./x.rpm\nRUN zypper -n --root /r in -r oss a=1\nRUN zypper -n ref\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM suse\nARG P\nENV Q=\"a=1 b\"\nRUN zypper -n in $P\nRUN zypper -n in $Q\n";
        assert_eq!(lines(check, src), vec![5]);
    }
}
