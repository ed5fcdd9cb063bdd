//! # DL3051: Label `<label>` is empty
//!
//! **What it checks.** Only with a `label-schema` configured: a `LABEL`
//! that sets one of the schema's labels gives it a non-empty value, after
//! the build arguments and environment variables in scope are expanded
//! (`LABEL version=$VERSION` with `ARG VERSION=` is empty). A value that
//! depends on a variable with no known value is not judged.
//!
//! **Why.** An empty label is worse than a missing one: it satisfies a
//! presence check while telling nothing. It usually comes from a build
//! argument that the pipeline forgot to pass.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL maintainer=""
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL maintainer="ops@example.com"
//! ```
//!
//! ## Fix
//! Give the label a value: `LABEL <label>=<value>`.
//!
//! ## Incident it prevents
//! Images shipped for months with `org.opencontainers.image.revision=""`
//! because the CI variable feeding it had been renamed.

use crate::helpers_c::{label_pairs, label_value, labels};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3051",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` is empty",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let schema = &cx.settings.label_schema;
    if schema.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, ins) in labels(cx) {
        for p in label_pairs(ins) {
            if !schema.contains_key(&p.key) {
                continue;
            }
            let raw = p.raw.as_deref().unwrap_or("");
            if label_value(cx, i, raw).is_some_and(|v| v.is_empty()) {
                out.push(
                    Hit::new(p.span, format!("Label `{}` is empty", p.key))
                        .with_fix(format!("LABEL {}=<value>", p.key)),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "maintainer", "text", src)
    }

    #[test]
    fn flags_empty_values() {
        let src = "FROM a\nLABEL maintainer=\"\"\nLABEL maintainer=\nARG M=\nLABEL maintainer=$M\n";
        assert_eq!(lines(src), vec![2, 3, 5]);
    }

    #[test]
    fn passes_values_unknowns_and_other_labels() {
        let src = "FROM a\nLABEL maintainer=me\nARG U\nLABEL maintainer=$U\nLABEL other=\"\"\n";
        assert!(lines(src).is_empty());
    }
}
