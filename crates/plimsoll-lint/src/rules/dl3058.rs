//! # DL3058: Label `<label>` is not a valid e-mail address
//!
//! **What it checks.** Only with a `label-schema` configured: a label the
//! `label-schema` types `email` holds a bare RFC 5322 address
//! (`ops@example.com`): no display name, no angle brackets.
//!
//! **Variables.** Values are judged after the build arguments and environment
//! variables in scope are expanded; a value that depends on a variable with no
//! known value is not judged. hadolint judges the text as written, so `LABEL
//! <label>=$VERSION` is a finding there even when the build argument holds a
//! good value.
//!
//! **Why.** Contact labels are used by automation to reach the owners of an
//! image (vulnerability notices, deprecation mail). `Jane Doe
//! <jane@example.com>` or `ops team` is not an address a program can
//! use.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {maintainer: email}
//! FROM alpine:3.20
//! LABEL maintainer="Jane Doe <jane@example.com>"
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL maintainer="jane@example.com"
//! ```
//!
//! ## Fix
//! Keep only the address: `LABEL <label>=jane@example.com`.
//!
//! ## Incident it prevents
//! Vulnerability notices for an image bounced for a year because its
//! maintainer label held a name and an address in angle brackets.

use crate::helpers_c::{bad_typed_labels, is_email};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3058",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` is not a valid e-mail address",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    bad_typed_labels(cx, "email", is_email)
        .into_iter()
        .map(|(span, key, value)| {
            Hit::new(
                span,
                format!("Label `{key}` is not a valid e-mail address (RFC 5322): `{value}`"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "maintainer", "email", src)
    }

    #[test]
    fn flags_bad_values() {
        let src = "FROM a\nLABEL maintainer=\"Jane <j@x.com>\"\nLABEL maintainer=a..b@x.com\nLABEL maintainer=a@-x.com\nLABEL maintainer=\"a b@x.com\"\n";
        assert_eq!(lines(src), (2..6).collect::<Vec<u32>>());
    }

    #[test]
    fn passes_good_values() {
        let src = "FROM a\nLABEL maintainer=jane@example.com\nLABEL maintainer=a+b@x.co\nLABEL maintainer=\"\\\"a b\\\"@x.com\"\nLABEL maintainer=a@[1.2.3.4]\nLABEL other=nonsense\nARG V\nLABEL maintainer=$V\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        let src = "FROM a\nLABEL maintainer=\"?? ??\"\n";
        assert!(crate::testing::lines(check, src).is_empty());
    }
}
