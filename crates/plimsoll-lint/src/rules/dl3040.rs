//! # DL3040: `dnf clean all` missing after dnf command.
//!
//! **What it checks.** A `RUN` where `dnf`, `dnf5` or `microdnf` installs
//! or upgrades packages (`install`/`in`, `upgrade`/`up`/`update`,
//! `upgrade-minimal`/`up-min`, `reinstall`/`rei`, `groupinstall`,
//! `group install`, `module install`) and no `clean` of the dnf family
//! (`dnf clean all`, `microdnf clean all`, `yum clean all`) or
//! `rm -rf /var/cache/{dnf,yum,libdnf5}` follows the last of them in the
//! same `RUN`. A `RUN --mount=type=cache` (or `tmpfs`) on the cache
//! directory passes: the cache never reaches the layer.
//!
//! Where Plimsoll differs from hadolint: hadolint accepts *any* `rm -rf`
//! after the install as a clean, compares only the first install with the
//! first clean (so `dnf update && rm -rf /var/cache/yum; dnf install …;
//! dnf clean all` is reported although it ends clean), knows only dnf5's
//! cache directory for mounts (not `/var/cache/dnf`), and misses `update`
//! (an alias of `upgrade`).
//!
//! **Why.** dnf keeps repository metadata and packages under
//! `/var/cache/dnf` (`/var/cache/libdnf5` for dnf5); left in the layer they
//! add tens to hundreds of megabytes that no later instruction can remove.
//!
//! ## Bad
//! ```dockerfile
//! FROM fedora:40
//! RUN dnf install -y httpd-2.4.59
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM fedora:40
//! RUN dnf install -y httpd-2.4.59 && dnf clean all
//! ```
//!
//! ## Fix
//! End the same `RUN` with `&& dnf clean all` (`microdnf clean all`).
//!
//! ## Incident it prevents
//! A UBI-based image carried 200 MB of dnf metadata, doubling pull times on
//! every autoscaling event.

use crate::helpers_b::{has_cache_mount, has_sub, is_nested_install, removes_dir, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3040",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "`dnf clean all` missing after dnf command.",
    enabled_by_default: true,
};

const DNF: &[&str] = &["dnf", "dnf5", "microdnf"];
const INSTALL: &[&str] = &[
    "install",
    "groupinstall",
    "update",
    "in",
    "upgrade",
    "up",
    "upgrade-minimal",
    "up-min",
    "reinstall",
    "rei",
];
const CACHE: &[&str] = &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        let Some(last) = run.rposition(|c| has_sub(c, DNF, INSTALL) || is_nested_install(c, DNF))
        else {
            continue;
        };
        if has_cache_mount(
            run.ins,
            &[
                "/var/cache/dnf",
                "/var/cache/yum",
                "/var/cache/libdnf5",
                ".cache/libdnf5",
            ],
        ) {
            continue;
        }
        let cleaned = run.commands[last + 1..].iter().any(|c| {
            has_sub(c, &["dnf", "dnf5", "microdnf", "yum"], &["clean"]) || removes_dir(c, CACHE)
        });
        if cleaned {
            continue;
        }
        let c = &run.commands[last];
        let name = c.base_name().unwrap_or("dnf").to_string();
        let span = sub_word(c, INSTALL)
            .or_else(|| sub_word(c, &["group", "groups", "module"]))
            .map_or(c.span, |w| w.span);
        out.push(
            Hit::new(
                span,
                format!("`{name} clean all` missing after `{name}` installs: the package cache stays in the image layer"),
            )
            .with_fix(format!("&& {name} clean all")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_missing_clean() {
        let src = "FROM fedora\nRUN dnf install -y a\nRUN microdnf upgrade -y\nRUN dnf -y in b && rm -rf /tmp/x\nRUN dnf clean all && dnf install -y c\nRUN microdnf update -y\nRUN dnf group install -y x\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn passes_with_clean() {
        let src = "FROM fedora\nRUN dnf install -y a && dnf clean all\nRUN microdnf install -y b && microdnf clean all\n\
                   RUN dnf -y install c && rm -rf /var/cache/dnf\nRUN --mount=type=cache,target=/var/cache/libdnf5 dnf5 install -y d\n\
                   RUN dnf makecache\n";
        assert!(lines(check, src).is_empty());
    }
}
