//! # DL3019: Use the --no-cache switch with apk add
//!
//! **What it checks.** Every `apk add` in a `RUN` (shell form, heredoc
//! script or `ONBUILD RUN`) passes `--no-cache`, unless the `RUN` mounts a
//! cache or tmpfs over apk's cache (`--mount=type=cache,target=/var/cache/apk`
//! or `target=/etc/apk/cache`), in which case the cache never reaches the
//! image.
//!
//! **Why.** Without `--no-cache`, apk keeps the downloaded package index
//! under `/var/cache/apk` in the layer. People compensate with
//! `apk update` first and `rm -rf /var/cache/apk/*` last; `--no-cache` does
//! both in one flag and cannot be forgotten half-way.
//!
//! hadolint only recognises a cache mount at `/var/cache/apk`; apk's cache
//! directory `/etc/apk/cache` is the other usual mount point and works the
//! same, so Plimsoll accepts it too.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.19
//! RUN apk update && apk add curl=8.5.0-r0 && rm -rf /var/cache/apk/*
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.19
//! RUN apk add --no-cache curl=8.5.0-r0
//! ```
//!
//! ## Fix
//! `apk add --no-cache …` (and drop `apk update` and the `rm`).
//!
//! ## Incident it prevents
//! A refactor moved `rm -rf /var/cache/apk/*` into a separate `RUN`; the
//! index stayed in the earlier layer and every image carried it.

use crate::helpers_a::{all_commands, cache_mount_covers, command_span};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3019",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Use the --no-cache switch with apk add",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in all_commands(cx) {
        if !cmd.is("apk") || !cmd.has_arg("add") || cmd.has_flag("no-cache") {
            continue;
        }
        let ins = cx.facts.effective(i);
        if cache_mount_covers(ins, "/var/cache/apk") || cache_mount_covers(ins, "/etc/apk/cache") {
            continue;
        }
        let Some(span) = command_span(&cmd, "add") else {
            continue;
        };
        out.push(
            Hit::new(
                span,
                "Use `apk add --no-cache` instead of keeping (or manually deleting) the apk cache",
            )
            .with_fix("apk add --no-cache"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_missing_no_cache() {
        let src = "FROM alpine:3\nRUN apk update && apk add curl && rm -rf /var/cache/apk/*\nRUN <<EOF\napk add --virtual .d gcc\nEOF\nONBUILD RUN apk add git\n";
        assert_eq!(lines(check, src), vec![2, 4, 6]);
    }

    #[test]
    fn passes_no_cache_and_cache_mounts() {
        let src = "FROM alpine:3\nRUN apk add --no-cache curl\nRUN apk --no-cache add curl\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\nRUN --mount=type=cache,target=/etc/apk/cache apk add curl\nRUN apk upgrade\n";
        assert!(lines(check, src).is_empty());
    }
}
