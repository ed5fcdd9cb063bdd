//! # DL3036: `zypper clean` missing after zypper use.
//!
//! **What it checks.** A `RUN` that runs `zypper install`/`in` and does not
//! run `zypper clean` (or `zypper cc`), or remove `/var/cache/zypp`, after
//! the last install in the same `RUN`. A `RUN --mount=type=cache` (or
//! `tmpfs`) on `/var/cache/zypp` passes: the cache never reaches the layer.
//!
//! **Why.** zypper keeps repository metadata and downloaded packages under
//! `/var/cache/zypp`; left in the layer they add size to every image and
//! cannot be removed by a later instruction.
//!
//! ## Bad
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper -n install httpd=2.4.51
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM opensuse/leap:15.5
//! RUN zypper -n install httpd=2.4.51 && zypper clean --all
//! ```
//!
//! ## Fix
//! End the same `RUN` with `&& zypper clean --all`.
//!
//! ## Incident it prevents
//! Images pushed to constrained edge devices were twice the expected size
//! because of the zypper package cache.

use crate::helpers_b::{has_cache_mount, has_sub, removes_dir, runs, sub_word};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3036",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "`zypper clean` missing after zypper use.",
    enabled_by_default: true,
};

const INSTALL: &[&str] = &["install", "in"];
const CACHE: &[&str] = &["/var/cache/zypp"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        let Some(last) = run.rposition(|c| has_sub(c, &["zypper"], INSTALL)) else {
            continue;
        };
        if has_cache_mount(run.ins, CACHE) {
            continue;
        }
        let cleaned = run.commands[last + 1..]
            .iter()
            .any(|c| has_sub(c, &["zypper"], &["clean", "cc"]) || removes_dir(c, CACHE));
        if cleaned {
            continue;
        }
        let c = &run.commands[last];
        let span = sub_word(c, INSTALL).map_or(c.span, |w| w.span);
        out.push(
            Hit::new(span, "`zypper clean` missing after `zypper install`: the package cache stays in the image layer")
                .with_fix("&& zypper clean --all"),
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
        let src = "FROM suse\nRUN zypper -n in a\nRUN zypper clean && zypper -n install b\n";
        assert_eq!(lines(check, src), vec![2, 3]);
    }

    #[test]
    fn passes_with_clean() {
        let src = "FROM suse\nRUN zypper -n in a && zypper clean -a\nRUN zypper -n install b && zypper cc\n\
                   RUN --mount=type=cache,target=/var/cache/zypp zypper -n in c\nRUN zypper -n in d && rm -rf /var/cache/zypp/*\n\
                   RUN zypper -n ref\n";
        assert!(lines(check, src).is_empty());
    }
}
