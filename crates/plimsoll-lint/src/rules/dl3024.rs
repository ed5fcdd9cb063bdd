//! # DL3024: `FROM` aliases (stage names) must be unique
//!
//! **What it checks.** No two `FROM … AS <name>` give the same stage name.
//! Names are compared case-insensitively, as BuildKit lowercases them.
//!
//! **Why.** BuildKit only warns (its `DuplicateStageName` check) and then
//! maps the name to the *last* stage that carries it — for every
//! `COPY --from=<name>` in the file, even those written before that
//! second stage. The file reads as if the first stage were
//! meant and builds with the second.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! FROM node:20 AS build
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build-api
//! FROM node:20 AS build-web
//! ```
//!
//! ## Fix
//! Rename one of the stages and update the `COPY --from=` that use it.
//!
//! ## Incident it prevents
//! Two stages named `build` after a merge: the final image copied the
//! frontend bundle where the API binary was expected.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3024",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "`FROM` aliases (stage names) must be unique",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let stages = &cx.facts.stages;
    for (n, st) in stages.iter().enumerate() {
        let Some(alias) = &st.alias else {
            continue;
        };
        let first = stages[..n].iter().find(|p| {
            p.alias
                .as_ref()
                .is_some_and(|a| a.value.eq_ignore_ascii_case(&alias.value))
        });
        if let Some(p) = first {
            let (line, _) = cx
                .df()
                .position(cx.df().instructions.get(p.from).map_or(0, |x| x.span.start));
            out.push(Hit::new(
                alias.span,
                format!(
                    "Stage name `{}` is already used by the stage on line {line}; FROM aliases must be unique",
                    alias.value
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_duplicates() {
        let src = "FROM a:1 AS build\nFROM b:1 AS build\nFROM c:1 AS BUILD\n";
        assert_eq!(lines(check, src), vec![2, 3]);
        assert!(run(check, src)[0].1.contains("line 1"));
    }

    #[test]
    fn passes_unique_names() {
        assert!(
            lines(
                check,
                "FROM a:1 AS one\nFROM b:1 AS two\nFROM c:1\nFROM d:1\n"
            )
            .is_empty()
        );
    }
}
