//! # DL3003: Use WORKDIR to switch to a directory
//!
//! **What it checks.** A `RUN` (shell form, heredoc script or `ONBUILD
//! RUN`) calls `cd` anywhere in its script.
//!
//! **Why.** A `cd` lasts only until the end of its `RUN`; the next
//! instruction starts again in the `WORKDIR`. Scripts that `cd` around are
//! harder to read, easy to break when a step is moved into another `RUN`,
//! and a failed `cd` in a chain without `set -e` runs the rest of the step
//! in the wrong directory. `WORKDIR` creates the directory, is visible in
//! the image metadata and applies to every later instruction.
//!
//! hadolint skips `ONBUILD RUN cd …`; Plimsoll reports it like any other
//! `RUN`, because the child build has the same problem. A `RUN` under a
//! non-POSIX `SHELL` (PowerShell, `cmd`) is not read as a shell script.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20
//! RUN cd /app && npm ci
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20
//! WORKDIR /app
//! RUN npm ci
//! ```
//!
//! ## Fix
//! `WORKDIR /app` before the command, or a command option that takes the
//! directory (`make -C dir`, `git -C dir`, `npm --prefix dir`).
//!
//! ## Incident it prevents
//! A refactor split `RUN cd /src && make` into two `RUN`s; the second one
//! ran `make install` in `/` and silently installed nothing.

use crate::helpers_a::all_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3003",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Use WORKDIR to switch to a directory",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, cmd) in all_commands(cx) {
        if cmd.name() != Some("cd") {
            continue;
        }
        let Some(w) = cmd.words.first() else { continue };
        let dir = cmd.args().first().map(|d| d.text.clone());
        let msg = match &dir {
            Some(d) => format!("Use WORKDIR to switch to a directory instead of `cd {d}`"),
            None => "Use WORKDIR to switch to a directory instead of `cd`".to_string(),
        };
        let hit = Hit::new(w.span, msg);
        out.push(match dir {
            Some(d) if d.starts_with('/') => hit.with_fix(format!("WORKDIR {d}")),
            _ => hit,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_cd() {
        let src = "FROM a:1\nRUN cd /app && make\nRUN make && \\\n  (cd sub && make)\nRUN <<EOF\ncd /x\nEOF\nONBUILD RUN cd /y\n";
        assert_eq!(lines(check, src), vec![2, 4, 6, 8]);
    }

    #[test]
    fn passes_workdir_and_cd_as_argument() {
        let src = "FROM a:1\nWORKDIR /app\nRUN make -C sub && echo cd\nRUN git -C /src log\n";
        assert!(lines(check, src).is_empty());
    }
}
