//! # DL3009: Delete the apt lists after installing something
//!
//! **What it checks.** A `RUN` that refreshes the package index
//! (`apt-get update`, `apt update`, `aptitude update`) must also delete
//! `/var/lib/apt/lists` in the same `RUN` (`rm -rf /var/lib/apt/lists/*`,
//! `find /var/lib/apt/lists … -delete`, or `apt-get dist-clean` of apt
//! 2.7.8 and later), unless the lists never reach the image because the
//! `RUN` mounts a cache or tmpfs over them
//! (`--mount=type=cache,target=/var/lib/apt` or `…/var/lib/apt/lists`).
//! Only stages whose files end up in the final image are checked: the last
//! stage and the stages it is built `FROM` (an `ONBUILD RUN` is always
//! checked: it runs in every child image). heredoc `RUN` scripts are
//! checked like shell-form ones.
//!
//! **Why.** The package index is tens of megabytes that nothing at run time
//! needs, and once a layer holds it a later `RUN rm` cannot make the image
//! smaller. Stale lists in an image also make a later `apt-get install`
//! without `update` fetch outdated versions.
//!
//! **Stages.** hadolint, like Plimsoll, ignores builder stages that are
//! only used through `COPY --from` (their files do not ship); it checks the
//! last stage and every stage that some `FROM` names. Plimsoll checks the
//! last stage and the chain of stages it is built from, so a stage that is
//! the base of a side stage only (`FROM deps AS test`) is not reported.
//!
//! **Where hadolint is wrong.** hadolint accepts any `rm -rf` as the
//! cleanup (`rm -rf /tmp/build` passes), reports `apt-get dist-clean`
//! (the command Docker's official images now use precisely to delete the
//! lists), and does not recognise a cache mount at `/var/lib/apt` alone
//! unless `/var/cache/apt` is mounted too. Plimsoll requires the
//! `rm`/`find` to really cover `/var/lib/apt/lists`, accepts `dist-clean`
//! (and `distclean`), and accepts any cache or tmpfs mount whose target
//! contains the lists.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update \
//!  && apt-get install -y --no-install-recommends curl=7.88.1-10 \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix
//! End the same `RUN` with `&& rm -rf /var/lib/apt/lists/*`, or use
//! `RUN --mount=type=cache,target=/var/lib/apt,sharing=locked …`.
//!
//! ## Incident it prevents
//! An image grew by 40 MB of package lists per architecture; pulls on a
//! fleet of edge nodes exceeded their metered bandwidth budget.

use crate::helpers_a::{cache_mount_covers, covers, in_final_lineage, operands, run_commands};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;
use plimsoll_dockerfile::shell::Command;

pub const META: Meta = Meta {
    code: "DL3009",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Delete the apt lists (/var/lib/apt/lists) after installing something",
    enabled_by_default: true,
};

const LISTS: &str = "/var/lib/apt/lists";

fn is_update(c: &Command) -> bool {
    (c.is("apt-get") || c.is("apt") || c.is("aptitude")) && c.has_arg("update")
}

/// Whether a path (a glob such as `/var/lib/apt/lists/*`) removes the lists.
fn removes_lists(p: &str) -> bool {
    let mut p = p.trim_matches(|c| c == '"' || c == '\'');
    loop {
        let q = p.trim_end_matches('/');
        let q = q
            .strip_suffix("/*")
            .or_else(|| q.strip_suffix("/**"))
            .unwrap_or(q);
        if q == p {
            break;
        }
        p = q;
    }
    covers(p, LISTS)
}

fn is_cleanup(c: &Command) -> bool {
    // `dist-clean` (apt 2.7.8+) removes the lists as well as the archives.
    if (c.is("apt-get") || c.is("apt")) && (c.has_arg("dist-clean") || c.has_arg("distclean")) {
        return true;
    }
    if c.is("rm") {
        return operands(c, &[]).iter().any(|w| removes_lists(&w.text));
    }
    if c.is("find") {
        let deletes = c.has_arg("-delete") || c.has_arg("-exec") || c.has_arg("-execdir");
        return deletes
            && c.args()
                .iter()
                .take_while(|w| !w.text.starts_with('-'))
                .any(|w| removes_lists(&w.text));
    }
    false
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.instructions() {
        if ins.kind != Kind::Run {
            continue;
        }
        let onbuild = cx
            .df()
            .instructions
            .get(i)
            .is_some_and(|x| x.kind == Kind::Onbuild);
        if !onbuild && !in_final_lineage(cx, i) {
            continue;
        }
        let cmds = run_commands(cx, i);
        let Some(update) = cmds.iter().find(|c| is_update(c)) else {
            continue;
        };
        if cmds.iter().any(|c| is_cleanup(c)) || cache_mount_covers(ins, LISTS) {
            continue;
        }
        out.push(
            Hit::new(
                update.span,
                "Delete the apt lists (/var/lib/apt/lists) in the same RUN that downloads them, or mount a cache over them",
            )
            .with_fix("&& rm -rf /var/lib/apt/lists/*"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_missing_cleanup() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN apt update\n";
        assert_eq!(lines(check, src), vec![2, 3]);
    }

    #[test]
    fn passes_cleanup() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN apt-get update && rm -fr /var/lib/apt/lists\nRUN apt-get update; find /var/lib/apt/lists -type f -delete\nRUN apt-get update; apt-get dist-clean\nRUN apt-get install -y x\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn unrelated_rm_is_not_cleanup() {
        let src =
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /tmp/*\n";
        assert_eq!(lines(check, src), vec![2]);
    }

    #[test]
    fn cache_mounts() {
        let src = "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update\nRUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update\nRUN --mount=type=cache,target=/var/cache/apt apt-get update\n";
        assert_eq!(lines(check, src), vec![4]);
    }

    #[test]
    fn only_the_final_image_lineage() {
        let src = "FROM debian:12 AS build\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12\nCOPY --from=build /a /a\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN true\n";
        assert_eq!(lines(check, src), vec![2]);
    }

    #[test]
    fn heredoc_and_onbuild() {
        let src = "FROM debian:12 AS b\nONBUILD RUN apt-get update\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nFROM scratch\n";
        assert_eq!(lines(check, src), vec![2]);
        let src = "FROM debian:12\nRUN <<EOF\napt-get update\nEOF\n";
        assert_eq!(lines(check, src), vec![3]);
    }
}
