//! # DL3021: COPY with more than 2 arguments requires the last argument to end with /
//!
//! **What it checks.** A `COPY` with two or more sources (heredocs count as
//! sources) has a destination ending in `/`. Variables in the destination
//! are expanded with the ARG/ENV values in scope; a destination whose value
//! cannot be known is not judged.
//!
//! **Why.** With several sources the destination must be a directory, and
//! BuildKit requires that to be spelled with a trailing slash; without it
//! the build fails (or, for a single matching glob, silently writes a file
//! named like the directory).
//!
//! hadolint compares the destination as written, so `COPY a b $DEST` is
//! reported even with `ARG DEST=/app/`; Plimsoll expands it.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20
//! COPY package.json package-lock.json /app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20
//! COPY package.json package-lock.json /app/
//! ```
//!
//! ## Fix
//! Add the trailing slash: `COPY a b /app/`.
//!
//! ## Incident it prevents
//! A second file added to a `COPY` line broke every build of the service
//! until someone noticed the missing slash.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::{Kind, Span};

pub const META: Meta = Meta {
    code: "DL3021",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "COPY with more than 2 arguments requires the last argument to end with /",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.of_kind(Kind::Copy) {
        let words: Vec<(String, Span)> = match &ins.json {
            Some(j) => j.iter().map(|s| (s.value.clone(), s.span)).collect(),
            None => ins.words().into_iter().map(|w| (w.raw, w.span)).collect(),
        };
        if words.len() < 3 {
            continue;
        }
        let Some((dest, span)) = words.last() else {
            continue;
        };
        let value = if ins.json.is_some() {
            dest.clone()
        } else {
            let ex = cx.facts.expand(i, dest);
            if !ex.unset.is_empty() {
                continue;
            }
            ex.value
        };
        if value.ends_with('/') || value.ends_with('\\') {
            continue;
        }
        out.push(
            Hit::new(
                *span,
                format!(
                    "COPY with {} sources needs a directory destination ending with `/`: `{dest}`",
                    words.len() - 1
                ),
            )
            .with_fix(format!("{value}/")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_missing_slash() {
        let src = "FROM a:1\nCOPY a b /app\nCOPY --chown=1:1 [\"a\", \"b\", \"/app\"]\nONBUILD COPY x y z\nCOPY a \\\n  b \\\n  /dir\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 7]);
    }

    #[test]
    fn passes_slash_and_single_source() {
        let src = "FROM a:1\nCOPY a b /app/\nCOPY a /app\nCOPY --from=build /a /b \"/c/\"\nARG D=/srv/\nCOPY a b $D\nARG U\nCOPY a b $U\n";
        assert!(lines(check, src).is_empty());
    }
}
