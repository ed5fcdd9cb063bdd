//! # DL3028: Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`
//!
//! **What it checks.** Every gem named by `gem install` (or `gem i`) in a
//! `RUN` carries a version (`rails:7.1.3`), unless the command pins it with
//! `-v`/`--version`. A local `.gem` file carries its own version.
//!
//! Plimsoll reads the command's options properly: hadolint treats every
//! option as taking a value, so in `gem install --no-document bundler` it
//! skips `bundler` and reports nothing. Package lists held in variables are
//! judged by their value when it is known (ARG/ENV defaults, assignments
//! earlier in the same `RUN`); a variable whose value cannot be known is
//! not reported (hadolint #928 reports `$GEMS` as an unpinned gem).
//!
//! **Why.** `gem install rails` installs whatever is newest on the day of
//! the build: two builds of the same commit get different code, and a
//! breaking release lands without review.
//!
//! ## Bad
//! ```dockerfile
//! FROM ruby:3.3
//! RUN gem install bundler
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM ruby:3.3
//! RUN gem install bundler:2.5.6
//! ```
//!
//! ## Fix
//! `gem install <gem>:<version>` or `gem install <gem> -v <version>`; better,
//! list gems in a `Gemfile.lock` and run `bundle install`.
//!
//! ## Incident it prevents
//! A new major release of a gem published the night before broke the
//! morning's release build of an unchanged application.

use crate::helpers_b::{known_packages, operands, runs};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3028",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`",
    enabled_by_default: true,
};

/// `gem install` options that take a separate value.
const VALUE_FLAGS: &[&str] = &[
    "v",
    "version",
    "s",
    "source",
    "i",
    "install-dir",
    "n",
    "bindir",
    "platform",
    "P",
    "trust-policy",
    "g",
    "file",
    "build-root",
    "p",
    "http-proxy",
    "config-file",
    "target-rbconfig",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        for (k, c) in run.commands.iter().enumerate() {
            if !c.is("gem") {
                continue;
            }
            // After `--` come build options for the gem's extensions.
            let end = c
                .args()
                .iter()
                .find(|w| w.text == "--")
                .map_or(usize::MAX, |w| w.span.start);
            let ops: Vec<_> = operands(c, VALUE_FLAGS)
                .into_iter()
                .filter(|w| w.span.start < end)
                .collect();
            let Some((first, rest)) = ops.split_first() else {
                continue;
            };
            if !matches!(first.text.as_str(), "install" | "i") {
                continue;
            }
            let pinned_by_flag = c.args().iter().any(|w| {
                w.text == "-v" || w.text == "--version" || w.text.starts_with("--version=")
            });
            if pinned_by_flag {
                continue;
            }
            for (w, pkg) in known_packages(cx, run, k, rest) {
                if pkg.contains(':') || pkg.ends_with(".gem") {
                    continue;
                }
                out.push(
                    Hit::new(
                        w.span,
                        format!("Pin the version of gem `{pkg}`: `gem install {pkg}:<version>`"),
                    )
                    .with_fix(format!("{pkg}:<version>")),
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
    fn flags_unpinned_gems() {
        let src = "FROM ruby\nRUN gem install bundler\nRUN gem install --no-document rails:7.1 \\\n    rake\nRUN gem i -N x\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_pinned_gems() {
        let src = "FROM ruby\nRUN gem install bundler:2.5.6\nRUN gem install rails -v 7.1\nRUN gem install --version=1 x\n\
                   RUN gem install ./local-1.0.gem\nRUN gem update --system\nRUN gem install -i /opt/gems x:1 -- --with-opt y=1\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM ruby\nARG GEMS\nENV KNOWN=\"a:1 b\"\nRUN gem install $GEMS\nRUN gem install $KNOWN\nRUN V=2 && gem install c:$V\n";
        assert_eq!(lines(check, src), vec![5]);
    }

    #[test]
    fn onbuild_and_heredoc() {
        let src = "FROM ruby\nONBUILD RUN gem install x\nRUN <<EOF\ngem install y\nEOF\n";
        assert_eq!(lines(check, src), vec![2, 4]);
    }
}
