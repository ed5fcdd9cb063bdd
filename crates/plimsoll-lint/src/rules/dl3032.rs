//! # DL3032: `yum clean all` missing after yum command.
//!
//! **What it checks.** A `RUN` that installs with yum (`install`,
//! `groupinstall`, `localinstall`, `group install`, `module install`) and
//! does not clean yum's cache after the last install in the same `RUN`:
//! `yum clean …` (or `dnf clean …`, the same cache on EL8+), or
//! `rm -rf /var/cache/yum` (or `/var/cache/dnf`). A
//! `RUN --mount=type=cache` (or `tmpfs`) on the cache directory also
//! passes: the cache never reaches the layer.
//!
//! hadolint accepts *any* `rm -rf` after the install (`rm -rf /tmp/*`
//! counts as cleaning yum's cache) and compares only the first install
//! with the first clean; Plimsoll requires a real clean after the last
//! install.
//!
//! **Why.** yum keeps downloaded metadata (and, depending on the
//! configuration, packages) under `/var/cache/yum`. Left in the layer it
//! adds tens to hundreds of megabytes to every image, and a later `RUN`
//! cannot remove it from the earlier layer.
//!
//! ## Bad
//! ```dockerfile
//! FROM centos:7
//! RUN yum install -y httpd-2.4.6
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM centos:7
//! RUN yum install -y httpd-2.4.6 && yum clean all && rm -rf /var/cache/yum
//! ```
//!
//! ## Fix
//! End the same `RUN` with `&& yum clean all`.
//!
//! ## Incident it prevents
//! An image grew by 300 MB of yum metadata and exceeded the registry quota
//! of the edge sites it was pushed to.

use crate::helpers_b::{has_cache_mount, has_sub, is_nested_install, removes_dir, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3032",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "`yum clean all` missing after yum command.",
    enabled_by_default: true,
};

const INSTALL: &[&str] = &["install", "groupinstall", "localinstall"];
const CACHE: &[&str] = &["/var/cache/yum", "/var/cache/dnf"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        let Some(last) =
            run.rposition(|c| has_sub(c, &["yum"], INSTALL) || is_nested_install(c, &["yum"]))
        else {
            continue;
        };
        if has_cache_mount(run.ins, CACHE) {
            continue;
        }
        let cleaned = run.commands[last + 1..]
            .iter()
            .any(|c| has_sub(c, &["yum", "dnf"], &["clean"]) || removes_dir(c, CACHE));
        if cleaned {
            continue;
        }
        let c = &run.commands[last];
        let span = sub_word(
            c,
            &[
                "install",
                "groupinstall",
                "localinstall",
                "group",
                "groups",
                "module",
            ],
        )
        .map_or(c.span, |w| w.span);
        out.push(
            Hit::new(span, "`yum clean all` missing after `yum install`: the yum cache stays in the image layer")
                .with_fix("&& yum clean all"),
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
        let src = "FROM centos\nRUN yum install -y a\nRUN yum clean all && yum install -y b\nRUN yum install -y c && rm -rf /tmp/*\nRUN yum -y group install \"dev tools\"\n\
                   RUN yum install -y d && yum clean all && yum install -y e\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6]);
    }

    #[test]
    fn passes_with_clean() {
        let src = "FROM centos\nRUN yum install -y a && yum clean all\nRUN yum -y install b \\\n && rm -rf /var/cache/yum/*\n\
                   RUN --mount=type=cache,target=/var/cache/yum yum install -y c\nRUN yum update -y\n\
                   RUN <<EOF\nyum install -y d\nyum clean all\nEOF\n";
        assert!(lines(check, src).is_empty());
    }
}
