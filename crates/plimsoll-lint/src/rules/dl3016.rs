//! # DL3016: Pin versions in npm
//!
//! **What it checks.** Every package named by `npm install` (and its
//! aliases `npm i` and `npm add`) in a `RUN` (shell form, heredoc script or
//! `ONBUILD RUN`) carries a version or tag (`express@4.18.2`,
//! `@types/node@20`), is a git URL pinned with `#<commit-or-tag>`, a
//! tarball (`.tgz`, `.tar`, `.tar.gz`) or a local folder (`./pkg`, `/src`).
//! A bare `npm install` (install from `package.json`) is fine.
//!
//! **Why.** An unpinned npm package resolves to the newest release on the
//! day of the build; a rebuild of the same commit can pull a breaking
//! major version or a compromised release.
//!
//! **Where hadolint is wrong.** hadolint only recognises the spelling
//! `install`, so `npm i -g typescript` slips through, and it reads
//! `npm install $PKG` as an unpinned package named `$PKG` (hadolint #928).
//! Plimsoll checks the aliases and expands variables whose value it can
//! read (ARG/ENV in scope, or an assignment earlier in the script); it does
//! not judge those it cannot (`npm install $TOOL`, `npm install
//! ${ROOT}/tools/x`). A `RUN` under a non-POSIX `SHELL` (PowerShell, `cmd`)
//! is not read.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20-slim
//! RUN npm install -g typescript
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20-slim
//! RUN npm install -g typescript@5.4.5
//! ```
//!
//! ## Fix
//! `npm install <package>@<version>`, or pin it in `package.json` with a
//! lockfile and run `npm ci`.
//!
//! ## Incident it prevents
//! A globally installed CLI shipped a major release that changed its
//! output format; the build script parsing it broke on the next rebuild.

use crate::helpers_a::{all_commands, list_words, operands, resolve_word, shell_assignments};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3016",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Pin versions in npm install",
    enabled_by_default: true,
};

const VALUE_FLAGS: &[&str] = &["loglevel", "registry"];
const INSTALL: &[&str] = &["install", "i", "add"];

fn pinned(p: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"]
        .iter()
        .any(|g| p.starts_with(g))
    {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s)) {
        return true;
    }
    if ["/", "./", "../", "~/"].iter().any(|s| p.starts_with(s)) {
        return true;
    }
    // `@scope/name@version`: the version `@` comes after the scope.
    let name = match p.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map(|(_, n)| n).unwrap_or(""),
        None => p,
    };
    name.contains('@')
}

pub fn check(cx: &Context) -> Vec<Hit> {
    crate::util::one_per_instruction(cx, check_each(cx))
}

/// One hit per unpinned package (merged per instruction by `check`).
fn check_each(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in all_commands(cx) {
        if !cmd.is("npm") {
            continue;
        }
        let ops = operands(&cmd, VALUE_FLAGS);
        let Some(first) = ops.first() else { continue };
        if !INSTALL.contains(&first.text.as_str()) {
            continue;
        }
        let assigns = shell_assignments(cx, i);
        for w in &ops[1..] {
            if pinned(&w.text) {
                continue;
            }
            let Some(pkgs) = resolve_word(cx, i, w, &assigns) else {
                continue;
            };
            let loose: Vec<String> = pkgs.into_iter().filter(|p| !pinned(p)).collect();
            if loose.is_empty() {
                continue;
            }
            let msg = if loose.len() == 1 && loose[0] == w.text {
                format!("Pin versions in npm: `{}` has no version", w.text)
            } else {
                format!(
                    "Pin versions in npm: `{}` installs {} without a version",
                    w.raw,
                    list_words(&loose, 5)
                )
            };
            let fix = loose
                .iter()
                .map(|p| format!("{p}@<version>"))
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
        let src = "FROM node:20\nRUN npm install -g typescript\nRUN npm i --save-dev @types/node\nRUN npm add git+https://github.com/a/b.git\n";
        assert_eq!(lines(check, src), vec![2, 3, 4]);
    }

    #[test]
    fn passes_pinned_and_project_installs() {
        let src = "FROM node:20\nRUN npm install\nRUN npm ci\nRUN npm install -g typescript@5.4 @types/node@20 @scope/x@latest ./local /abs x.tgz git+https://h/r.git#v1\nRUN npm run install\nRUN npm --loglevel warn install a@1\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM node:20\nARG TOOL\nRUN npm install -g $TOOL\nARG V=5.4\nRUN npm install -g typescript@$V\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM node:20\nARG TOOLS=\"a@1 b\"\nRUN npm install -g $TOOLS\n";
        assert_eq!(lines(check, src), vec![3]);
    }

    #[test]
    fn heredoc_and_onbuild() {
        let src =
            "FROM node:20\nRUN <<EOF\nnpm install -g pnpm\nEOF\nONBUILD RUN npm install yarn\n";
        assert_eq!(lines(check, src), vec![3, 5]);
    }
}
