//! # DL3018: Pin versions in apk add
//!
//! **What it checks.** Every package named by `apk add` in a `RUN` (shell
//! form, heredoc script or `ONBUILD RUN`) carries a version constraint
//! (`curl=8.5.0-r0`, `curl~8.5`, `curl>8`) or is a local `.apk` file. The
//! values of `--virtual`/`-t`, `--repository`/`-X` and other options that
//! take an argument are not packages.
//!
//! **Why.** Without a version the package is whatever the Alpine mirror
//! serves on the day of the build, so rebuilding the same commit can
//! silently change the image's contents.
//!
//! **Where hadolint is wrong.** hadolint reads `apk add $PKGS` as one
//! unpinned package named `$PKGS` (hadolint #928). Plimsoll expands a
//! variable whose value it can read (ARG/ENV in scope, or an assignment
//! earlier in the same script) and judges the packages it installs; a
//! value it cannot see is not judged. It also skips the values of
//! `--root`, `--arch`, `--cache-dir` and `--repositories-file`.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.19
//! RUN apk add --no-cache curl
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.19
//! RUN apk add --no-cache curl=8.5.0-r0
//! ```
//!
//! ## Fix
//! `apk add --no-cache curl=<version>` (or `curl~<major.minor>` to accept
//! patch releases); `apk policy curl` shows the available versions.
//!
//! ## Incident it prevents
//! A rebuild picked up a new `busybox` whose `wget` changed TLS behaviour;
//! the container's health check started failing in production only.

use crate::helpers_a::{all_commands, list_words, operands, resolve_word, shell_assignments};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3018",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Pin versions in apk add",
    enabled_by_default: true,
};

/// apk options whose value is a separate word.
const VALUE_FLAGS: &[&str] = &[
    "t",
    "virtual",
    "repository",
    "X",
    "p",
    "root",
    "arch",
    "cache-dir",
    "keys-dir",
    "repositories-file",
    "cache-max-age",
    "timeout",
];

fn pinned(p: &str) -> bool {
    p.contains(['=', '~', '>', '<']) || p.ends_with(".apk")
}

pub fn check(cx: &Context) -> Vec<Hit> {
    crate::util::one_per_instruction(cx, check_each(cx))
}

/// One hit per unpinned package (merged per instruction by `check`).
fn check_each(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in all_commands(cx) {
        if !cmd.is("apk") || !cmd.has_arg("add") {
            continue;
        }
        let assigns = shell_assignments(cx, i);
        for w in operands(&cmd, VALUE_FLAGS) {
            if w.text == "add" || pinned(&w.text) {
                continue;
            }
            let Some(pkgs) = resolve_word(cx, i, w, &assigns) else {
                continue;
            };
            let loose: Vec<String> = pkgs
                .into_iter()
                .filter(|p| p != "add" && !pinned(p))
                .collect();
            if loose.is_empty() {
                continue;
            }
            let msg = if loose.len() == 1 && loose[0] == w.text {
                format!("Pin versions in apk add: `{}` has no version", w.text)
            } else {
                format!(
                    "Pin versions in apk add: `{}` installs {} without a version",
                    w.raw,
                    list_words(&loose, 5)
                )
            };
            let fix = loose
                .iter()
                .map(|p| format!("{p}=<version>"))
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Hit::new(w.span, msg).with_fix(fix));
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
        let src = "FROM alpine:3\nRUN apk add --no-cache \\\n  curl=8.5 \\\n  git\nRUN apk --update add --virtual .deps gcc\n";
        assert_eq!(lines(check, src), vec![4, 5]);
    }

    #[test]
    fn passes_pins_and_files() {
        let src = "FROM alpine:3\nRUN apk add --no-cache -t .build curl=8 git~2.43 'musl>1' ./x.apk --repository http://r/edge/main\nRUN apk update && apk upgrade\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM alpine:3\nARG PKGS\nRUN apk add $PKGS\nENV D=\"a=1 b=2\"\nRUN apk add $D\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM alpine:3\nRUN deps='gcc make=4' && apk add $deps\n";
        assert_eq!(lines(check, src), vec![2]);
    }

    #[test]
    fn heredoc_and_onbuild() {
        let src = "FROM alpine:3\nRUN <<EOF\napk add curl\nEOF\nONBUILD RUN apk add git\n";
        assert_eq!(lines(check, src), vec![3, 5]);
    }
}
