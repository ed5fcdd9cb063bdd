//! # DL4000: MAINTAINER is deprecated
//!
//! **What it checks.** Any `MAINTAINER` instruction (ONBUILD triggers
//! included).
//!
//! **Why.** `MAINTAINER` was deprecated in Docker 1.13: it writes a field
//! of the image config that tools no longer read. A label is what
//! registries and scanners look at.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20
//! MAINTAINER Jane Doe <jane@example.com>
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.authors="jane@example.com"
//! ```
//!
//! ## Fix
//! `LABEL org.opencontainers.image.authors="<who>"` (or `LABEL maintainer=`).
//!
//! ## Incident it prevents
//! An image-ownership report built from labels listed dozens of images as
//! unowned; their owners were recorded only in `MAINTAINER`.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL4000",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "MAINTAINER is deprecated",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    cx.of_kind(Kind::Maintainer)
        .map(|(_, ins)| {
            let who = ins.args.trim().replace('"', "'");
            Hit::new(ins.keyword.span, "MAINTAINER is deprecated: use a label")
                .with_fix(format!("LABEL org.opencontainers.image.authors=\"{who}\""))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_maintainer() {
        assert_eq!(
            lines(check, "FROM a\nMAINTAINER me <me@x.io>\nmaintainer x\n"),
            vec![2, 3]
        );
    }

    #[test]
    fn passes_labels() {
        assert!(run(check, "FROM a\nLABEL maintainer=me\n").is_empty());
    }

    #[test]
    fn fix_is_a_label() {
        let facts = plimsoll_dockerfile::Facts::new(plimsoll_dockerfile::parse(
            "FROM a\nMAINTAINER Jane\n",
        ));
        let settings = crate::Settings::default();
        let cx = Context::new(&facts, &settings, &crate::DockerIgnore::Unknown);
        assert_eq!(
            check(&cx)[0].fix.as_deref(),
            Some("LABEL org.opencontainers.image.authors=\"Jane\"")
        );
    }
}
