//! # DL3000: Use absolute WORKDIR
//!
//! **What it checks.** Every `WORKDIR` resolves to an absolute path
//! (`/app`, or `C:\app` on Windows) after variables in scope are expanded.
//! A path that depends on a build argument without a default is not judged.
//!
//! **Why.** A relative `WORKDIR` is resolved against the previous working
//! directory, which the base image decides and may change between tags.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20
//! WORKDIR app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20
//! WORKDIR /app
//! ```
//!
//! ## Fix
//! Write the full path: `WORKDIR /app`.
//!
//! ## Incident it prevents
//! A base-image bump moved the default directory; the relative WORKDIR moved
//! with it and the entrypoint could no longer find its files.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3000",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Use absolute WORKDIR",
    enabled_by_default: true,
};

fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.of_kind(Kind::Workdir) {
        let raw = ins.args.trim();
        let ex = cx.facts.expand(i, raw);
        if !ex.unset.is_empty() || ex.value.starts_with('$') {
            continue;
        }
        if !is_absolute(&ex.value) {
            out.push(
                Hit::new(ins.args_full_span(), format!("Use absolute WORKDIR: `{raw}` is relative"))
                    .with_fix(format!("WORKDIR /{}", ex.value.trim_start_matches("./"))),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_relative() {
        assert_eq!(lines(check, "FROM a\nWORKDIR app\nWORKDIR ./x\n"), vec![2, 3]);
    }

    #[test]
    fn passes_absolute_and_variables() {
        let src = "FROM a\nWORKDIR /app\nENV D=/srv\nWORKDIR $D\nWORKDIR \"/q\"\nWORKDIR C:\\\\app\nARG X\nWORKDIR $X\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn expands_to_relative() {
        assert_eq!(lines(check, "FROM a\nENV D=rel\nWORKDIR $D\n"), vec![3]);
    }
}
