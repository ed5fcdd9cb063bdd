//! # DL3056: Label `<label>` does not conform to semantic versioning
//!
//! **What it checks.** Only with a `label-schema` configured: a label the
//! `label-schema` types `semver` holds a Semantic Versioning 2.0.0 version:
//! `MAJOR.MINOR.PATCH` with optional `-prerelease` and `+build` parts, no `v`
//! prefix, no leading zeros.
//!
//! **Variables.** Values are judged after the build arguments and environment
//! variables in scope are expanded; a value that depends on a variable with no
//! known value is not judged. hadolint judges the text as written, so `LABEL
//! <label>=$VERSION` is a finding there even when the build argument holds a
//! good value.
//!
//! **Why.** Version labels are compared by tools that order releases; `v1.2`,
//! `1.2` or `latest` cannot be ordered.
//!
//! **Where hadolint differs.** hadolint's parser lets through some values
//! the specification forbids (`01.2.3`, `1.2.3-`, `1.2.3+`); Plimsoll
//! follows the specification.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {org.opencontainers.image.version: semver}
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.version="v1.2"
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.version="1.2.0"
//! ```
//!
//! ## Fix
//! Write `MAJOR.MINOR.PATCH`: `1.2.0`.
//!
//! ## Incident it prevents
//! A deployment tool picked `v1.10` as older than `v1.9` because the
//! labels were not semantic versions and were compared as strings.

use crate::helpers_c::{bad_typed_labels, is_semver};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3056",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` does not conform to semantic versioning",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    bad_typed_labels(cx, "semver", is_semver)
        .into_iter()
        .map(|(span, key, value)| {
            Hit::new(
                span,
                format!("Label `{key}` does not conform to semantic versioning: `{value}`"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "version", "semver", src)
    }

    #[test]
    fn flags_bad_values() {
        let src = "FROM a\nLABEL version=v1.2.3\nLABEL version=1.2\nLABEL version=01.2.3\nLABEL version=1.2.3-\nLABEL version=1.2.3-a..b\n";
        assert_eq!(lines(src), (2..7).collect::<Vec<u32>>());
    }

    #[test]
    fn passes_good_values() {
        let src = "FROM a\nLABEL version=1.2.3\nLABEL version=1.2.3-rc.1+build.5\nLABEL version=0.0.0-0\nLABEL other=nonsense\nARG V\nLABEL version=$V\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        let src = "FROM a\nLABEL version=\"?? ??\"\n";
        assert!(crate::testing::lines(check, src).is_empty());
    }
}
