//! # DL3053: Label `<label>` is not a valid RFC 3339 time
//!
//! **What it checks.** Only with a `label-schema` configured: a label the
//! `label-schema` types `rfc3339` holds an RFC 3339 date-time:
//! `2024-05-01T12:30:00Z` or with an offset `+02:00`, optional fractional
//! seconds, a real calendar date.
//!
//! **Variables.** Values are judged after the build arguments and environment
//! variables in scope are expanded; a value that depends on a variable with no
//! known value is not judged. hadolint judges the text as written, so `LABEL
//! <label>=$VERSION` is a finding there even when the build argument holds a
//! good value.
//!
//! **Why.** Build dates (`org.opencontainers.image.created`) are compared and
//! sorted by tools; `2024-05-01`, `May 1 2024` or a Unix timestamp breaks
//! them.
//!
//! **Where hadolint differs.** hadolint also accepts offsets without a colon
//! (`+0200`), which RFC 3339 does not allow; Plimsoll follows the RFC.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {org.opencontainers.image.created: rfc3339}
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.created="2024-05-01"
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.created="2024-05-01T12:30:00Z"
//! ```
//!
//! ## Fix
//! Use `date -u +%Y-%m-%dT%H:%M:%SZ` to produce the value.
//!
//! ## Incident it prevents
//! An image-retention job deleted fresh images because their creation
//! label, written as a local date string, parsed as the epoch.

use crate::helpers_c::{bad_typed_labels, is_rfc3339};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3053",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` is not a valid RFC 3339 time",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    bad_typed_labels(cx, "rfc3339", is_rfc3339)
        .into_iter()
        .map(|(span, key, value)| {
            Hit::new(
                span,
                format!("Label `{key}` is not a valid RFC 3339 time: `{value}`"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "created", "rfc3339", src)
    }

    #[test]
    fn flags_bad_values() {
        let src = "FROM a\nLABEL created=2024-05-01\nLABEL created=\"2024-05-01 12:00:00Z\"\nLABEL created=2023-02-29T00:00:00Z\nLABEL created=2024-01-01T00:00:00+0100\n";
        assert_eq!(lines(src), (2..6).collect::<Vec<u32>>());
    }

    #[test]
    fn passes_good_values() {
        let src = "FROM a\nLABEL created=2024-05-01T12:30:00Z\nLABEL created=2024-02-29t00:00:00.5+01:00\nLABEL other=nonsense\nARG V\nLABEL created=$V\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        let src = "FROM a\nLABEL created=\"?? ??\"\n";
        assert!(crate::testing::lines(check, src).is_empty());
    }
}
