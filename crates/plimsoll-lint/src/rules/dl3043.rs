//! # DL3043: `ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction
//!
//! **What it checks.** `ONBUILD ONBUILD …`, `ONBUILD FROM …` and
//! `ONBUILD MAINTAINER …`.
//!
//! **Why.** The Dockerfile reference forbids these three as triggers:
//! chaining `ONBUILD` is not allowed, and `FROM`/`MAINTAINER` make no sense
//! inside a downstream build. The image builds, but every image built
//! `FROM` it fails at its first line. (Plimsoll also reports these as PD000,
//! the generic "BuildKit rejects this" finding; DL3043 keeps hadolint's code
//! for the same mistake.)
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20
//! ONBUILD FROM alpine:3.20
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! ONBUILD COPY . /src
//! ```
//!
//! ## Fix
//! Remove the trigger, or make it an allowed instruction
//! (`ONBUILD RUN …`, `ONBUILD COPY …`).
//!
//! ## Incident it prevents
//! A base image shipped with `ONBUILD MAINTAINER`; every team's build on top
//! of it broke the morning it was published.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3043",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for ins in &cx.df().instructions {
        if ins.kind != Kind::Onbuild {
            continue;
        }
        let Some(trig) = ins.onbuild.as_deref() else {
            continue;
        };
        if matches!(trig.kind, Kind::Onbuild | Kind::From | Kind::Maintainer) {
            out.push(Hit::new(
                trig.keyword.span,
                format!(
                    "`{}` is not allowed as an `ONBUILD` trigger",
                    trig.kind.name()
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_forbidden_triggers() {
        let src = "FROM a\nONBUILD ONBUILD RUN x\nONBUILD FROM b\nonbuild maintainer me\n";
        assert_eq!(lines(check, src), vec![2, 3, 4]);
    }

    #[test]
    fn passes_allowed_triggers() {
        assert!(
            lines(
                check,
                "FROM a\nONBUILD RUN make\nONBUILD COPY . /s\nMAINTAINER me\n"
            )
            .is_empty()
        );
    }
}
