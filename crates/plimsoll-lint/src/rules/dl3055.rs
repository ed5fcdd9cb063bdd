//! # DL3055: Label `<label>` is not a valid git hash
//!
//! **What it checks.** Only with a `label-schema` configured: a label the
//! `label-schema` types `hash` holds a git commit id: 40 lower-case hexadecimal
//! digits, or the 7-digit short form.
//!
//! **Variables.** Values are judged after the build arguments and environment
//! variables in scope are expanded; a value that depends on a variable with no
//! known value is not judged. hadolint judges the text as written, so `LABEL
//! <label>=$VERSION` is a finding there even when the build argument holds a
//! good value.
//!
//! **Why.** The revision label (`org.opencontainers.image.revision`) ties an
//! image to the exact source it was built from; a branch name or a tag
//! moves and ties it to nothing.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {org.opencontainers.image.revision: hash}
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.revision="main"
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.revision="3f2c1e9a4b5d6c7e8f90112233445566778899aa"
//! ```
//!
//! ## Fix
//! Pass `git rev-parse HEAD` as a build argument and use it.
//!
//! ## Incident it prevents
//! During an incident the on-call engineer could not tell which commit a
//! running image came from: its revision label said `main`.

use crate::helpers_c::{bad_typed_labels, is_git_hash};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3055",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` is not a valid git hash",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    bad_typed_labels(cx, "hash", is_git_hash)
        .into_iter()
        .map(|(span, key, value)| {
            Hit::new(
                span,
                format!("Label `{key}` is not a valid git hash: `{value}`"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "revision", "hash", src)
    }

    #[test]
    fn flags_bad_values() {
        let src = "FROM a\nLABEL revision=main\nLABEL revision=ABCDEF1\nLABEL revision=abcdef12\n";
        assert_eq!(lines(src), (2..5).collect::<Vec<u32>>());
    }

    #[test]
    fn passes_good_values() {
        let src = "FROM a\nLABEL revision=abcdef1\nLABEL revision=0123456789abcdef0123456789abcdef01234567\nLABEL other=nonsense\nARG V\nLABEL revision=$V\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        let src = "FROM a\nLABEL revision=\"?? ??\"\n";
        assert!(crate::testing::lines(check, src).is_empty());
    }
}
