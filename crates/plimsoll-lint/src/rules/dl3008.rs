//! # DL3008: Pin versions in apt-get install
//!
//! **What it checks.** Every package named by `apt-get install` in a `RUN`
//! (shell form, heredoc script or `ONBUILD RUN`) carries a version
//! (`curl=7.88.1-10`), a release (`curl/bookworm-backports`) or is a local
//! `.deb` file. The value of `-t`/`--target-release` and of `-o` is not a
//! package.
//!
//! **Why.** Without a version, the package is whatever the mirror serves on
//! the day of the build: a rebuild of the same commit can pull a new major
//! version, and a cached layer and a fresh one differ silently.
//!
//! **Where hadolint is wrong.** hadolint treats `apt-get install $PKGS` as
//! one unpinned package named `$PKGS` (hadolint #928), even when the list
//! is defined right above and fully pinned. Plimsoll expands a variable
//! whose value it can read (an ARG/ENV in scope with a known value, or an
//! assignment earlier in the same script such as `buildDeps='gcc make'`)
//! and judges the packages it really installs; a variable whose value it
//! cannot see (an ARG without default, a base-image ENV, `$(cat list)`, a
//! loop variable) is not judged rather than guessed at.
//! Commands called by path (`/usr/bin/apt-get`) are checked too.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y --no-install-recommends curl \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! ARG PKGS="curl=7.88.1-10+deb12u5 ca-certificates=20230311"
//! RUN apt-get update && apt-get install -y --no-install-recommends $PKGS \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix
//! `apt-get install -y curl=<version>`; `apt-cache policy curl` shows the
//! candidate version.
//!
//! ## Incident it prevents
//! An unpinned `openssl` picked up a new minor release during an unrelated
//! rebuild and changed the default cipher list; clients of the service
//! started failing TLS handshakes.

use crate::helpers_a::{apt_get_installs, list_words, operands, resolve_word, shell_assignments};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3008",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Pin versions in apt-get install",
    enabled_by_default: true,
};

/// apt-get options whose value is a separate word.
const VALUE_FLAGS: &[&str] = &[
    "t",
    "target-release",
    "default-release",
    "o",
    "option",
    "c",
    "config-file",
];

fn pinned(p: &str) -> bool {
    p.contains('=') || p.contains('/') || p.ends_with(".deb")
}

pub fn check(cx: &Context) -> Vec<Hit> {
    crate::util::one_per_instruction(cx, check_each(cx))
}

/// One hit per unpinned package (merged per instruction by `check`).
fn check_each(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in apt_get_installs(cx) {
        let assigns = shell_assignments(cx, i);
        for w in operands(&cmd, VALUE_FLAGS) {
            if w.text == "install" || pinned(&w.text) {
                continue;
            }
            let Some(pkgs) = resolve_word(cx, i, w, &assigns) else {
                continue;
            };
            let loose: Vec<String> = pkgs
                .into_iter()
                .filter(|p| p != "install" && !pinned(p))
                .collect();
            if loose.is_empty() {
                continue;
            }
            let msg = if loose.len() == 1 && loose[0] == w.text {
                format!(
                    "Pin versions in apt-get install: `{}` has no version",
                    w.text
                )
            } else {
                format!(
                    "Pin versions in apt-get install: `{}` installs {} without a version",
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
    use crate::testing::{lines, run};

    #[test]
    fn flags_first_unpinned_package_once_per_instruction() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install -y \\\n    curl=7.8 \\\n    git \\\n    wget\n";
        assert_eq!(lines(check_each, src), vec![4, 5]);
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 4);
        assert!(r[0].1.contains("and 1 more"), "{}", r[0].1);
    }

    #[test]
    fn passes_pins_releases_and_debs() {
        let src = "FROM debian:12\nRUN apt-get install -y -t bookworm-backports curl=7.8 git/bookworm ./x.deb \\\n  -o Dpkg::Options::=--force-confnew\nRUN apt-get update\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn known_variables_are_expanded() {
        let src = "FROM debian:12\nARG PKGS=\"curl=1 git=2\"\nRUN apt-get install -y $PKGS\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12\nENV PKGS=\"curl=1 git\"\nRUN apt-get install -y ${PKGS}\n";
        let hits = run(check, src);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].1.contains("`git`"));
    }

    #[test]
    fn unknown_variables_are_not_judged() {
        let src = "FROM debian:12\nARG PKGS\nRUN apt-get install -y $PKGS $(cat /pkgs)\nRUN P=$(cat x); apt-get install -y $P\nRUN apt-get install -y \"curl=${V}\"\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn script_assignments_are_expanded() {
        let src =
            "FROM debian:12\nRUN deps=' \\\n  gcc=1 \\\n  make' && apt-get install -y $deps\n";
        assert_eq!(lines(check, src), vec![4]);
        let src = "FROM debian:12\nENV V=1\nRUN export D=\"gcc=$V\"; apt-get install -y $D\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn heredoc_and_onbuild() {
        let src = "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nONBUILD RUN apt-get install -y git\n";
        assert_eq!(lines(check, src), vec![4, 6]);
    }
}
