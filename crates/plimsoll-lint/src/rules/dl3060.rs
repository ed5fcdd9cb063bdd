//! # DL3060: `yarn cache clean` missing after `yarn install`
//!
//! **What it checks.** A RUN that runs `yarn install` (or a bare `yarn`, which
//! installs; hadolint misses that spelling) also runs `yarn cache clean` after
//! it, unless the RUN mounts a cache or tmpfs over the yarn cache
//! (`--mount=type=cache, target=/usr/local/share/.cache/yarn`). Checked in the
//! stages whose files end up in an image: the final stage and stages other
//! stages are built `FROM`. A stage only used as a `COPY --from` source is
//! exempt: its yarn cache is thrown away with it. ONBUILD triggers are always
//! checked.
//!
//! **Why.** Yarn keeps a copy of every package it downloaded in its cache
//! directory. Left in the layer, the cache doubles the size of
//! `node_modules` in the image and is never used at run time.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:22
//! RUN yarn install --frozen-lockfile
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:22
//! RUN yarn install --frozen-lockfile && yarn cache clean
//! ```
//!
//! ## Fix
//! Append `&& yarn cache clean` to the RUN, or mount the cache:
//! `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install`.
//!
//! ## Incident it prevents
//! A Node.js image carried 900 MB of yarn cache; pulls on autoscaled nodes
//! took minutes during a traffic spike.

use crate::helpers_c::{has_cache_mount_with, non_posix_runs};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;
use plimsoll_dockerfile::shell::Command;

pub const META: Meta = Meta {
    code: "DL3060",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "`yarn cache clean` missing after `yarn install` was run",
    enabled_by_default: true,
};

fn is_install(c: &Command) -> bool {
    if !c.is("yarn") {
        return false;
    }
    match c.args_no_flags().first() {
        // Bare `yarn` installs, unless it only asks for help or the version.
        None => !c.has_any_flag(&["v", "version", "h", "help"]),
        Some(w) => w.text == "install",
    }
}

fn is_clean(c: &Command) -> bool {
    if !c.is("yarn") {
        return false;
    }
    let a = c.args_no_flags();
    a.first().is_some_and(|w| w.text == "cache") && a.get(1).is_some_and(|w| w.text == "clean")
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let f = cx.facts;
    // Stages other stages are built FROM.
    let bases: Vec<usize> = f.stages.iter().filter_map(|s| s.base.stage).collect();
    let np = non_posix_runs(cx);
    let mut out = Vec::new();
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        if np.get(i).copied().unwrap_or(false) {
            continue;
        }
        let onbuild = ins.kind == Kind::Onbuild;
        let run = ins.onbuild.as_deref().unwrap_or(ins);
        if run.kind != Kind::Run {
            continue;
        }
        if !onbuild {
            let Some(s) = f.stage_of.get(i).copied().flatten() else {
                continue;
            };
            if s + 1 != f.stages.len() && !bases.contains(&s) {
                continue;
            }
        }
        let cmds: Vec<&Command> = cx
            .scripts(i)
            .iter()
            .flat_map(|s| s.commands.iter())
            .collect();
        let Some(install) = cmds.iter().position(|c| is_install(c)) else {
            continue;
        };
        let clean_after = cmds.iter().skip(install + 1).any(|c| is_clean(c));
        if clean_after || has_cache_mount_with(run, ".cache/yarn") {
            continue;
        }
        let span = cmds[install].span;
        out.push(
            Hit::new(
                span,
                "`yarn cache clean` missing after `yarn install`: the yarn cache stays in the layer",
            )
            .with_fix("yarn install && yarn cache clean"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_install_without_clean() {
        let src = "FROM node\nRUN yarn install\nRUN yarn\nRUN yarn cache clean && yarn install\nONBUILD RUN yarn install\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5]);
    }

    #[test]
    fn passes_clean_or_cache_mount() {
        let src = "FROM node\nRUN yarn install --frozen-lockfile && yarn cache clean\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\nRUN yarn add x\nRUN yarn --version\nRUN <<EOF\nyarn install\nyarn cache clean --all\nEOF\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn copy_source_stages_are_exempt() {
        let src = "FROM node AS build\nRUN yarn install\nFROM node AS base\nRUN yarn install\nFROM base\nCOPY --from=build /app /app\n";
        assert_eq!(lines(check, src), vec![4]);
    }
}
