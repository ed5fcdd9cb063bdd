//! # DL3052: Label `<label>` is not a valid URL
//!
//! **What it checks.** Only with a `label-schema` configured: a label the
//! `label-schema` types `url` holds an absolute URL (RFC 3986: a scheme such as
//! `https:` followed by URL characters, with well-formed `%XX` escapes).
//!
//! **Variables.** Values are judged after the build arguments and environment
//! variables in scope are expanded; a value that depends on a variable with no
//! known value is not judged. hadolint judges the text as written, so `LABEL
//! <label>=$VERSION` is a finding there even when the build argument holds a
//! good value.
//!
//! **Why.** A URL label (`org.opencontainers.image.source`, `.url`,
//! `.documentation`) is followed by tools and people; `github.com/acme/app`
//! without a scheme, or a value with spaces, is a dead link.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {org.opencontainers.image.source: url}
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.source="github.com/acme/app"
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.source="https://github.com/acme/app"
//! ```
//!
//! ## Fix
//! Write the full URL with its scheme: `https://…`.
//!
//! ## Incident it prevents
//! A security advisory bot could not link an image to its repository
//! because the source label lacked `https://`.

use crate::helpers_c::{bad_typed_labels, is_url};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3052",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` is not a valid URL",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    bad_typed_labels(cx, "url", is_url)
        .into_iter()
        .map(|(span, key, value)| {
            Hit::new(span, format!("Label `{key}` is not a valid URL: `{value}`"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "src", "url", src)
    }

    #[test]
    fn flags_bad_values() {
        let src = "FROM a\nLABEL src=github.com/acme/app\nLABEL src=\"http://x/a b\"\nLABEL src=http://x/%zz\n";
        assert_eq!(lines(src), (2..5).collect::<Vec<u32>>());
    }

    #[test]
    fn passes_good_values() {
        let src = "FROM a\nLABEL src=https://github.com/acme/app\nLABEL src=foo:bar\nLABEL src=\"https://x/a?b=c#d\"\nLABEL other=nonsense\nARG V\nLABEL src=$V\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        let src = "FROM a\nLABEL src=\"?? ??\"\n";
        assert!(crate::testing::lines(check, src).is_empty());
    }
}
