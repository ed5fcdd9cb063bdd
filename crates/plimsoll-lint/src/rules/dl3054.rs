//! # DL3054: Label `<label>` is not a valid SPDX license
//!
//! **What it checks.** Only with a `label-schema` configured: a label the
//! `label-schema` types `spdx` holds an SPDX license identifier from the SPDX
//! License List (`MIT`, `Apache-2.0`) or an SPDX license expression made of
//! them (`MIT OR Apache-2.0`, `GPL-2.0-or-later WITH Classpath-exception-2.0`,
//! `LicenseRef-acme`). Deprecated identifiers such as `GPL-2.0` are not
//! accepted.
//!
//! **Variables.** Values are judged after the build arguments and environment
//! variables in scope are expanded; a value that depends on a variable with no
//! known value is not judged. hadolint judges the text as written, so `LABEL
//! <label>=$VERSION` is a finding there even when the build argument holds a
//! good value.
//!
//! **Why.** License scanners and SBOM tools read
//! `org.opencontainers.image.licenses` by machine; `Apache 2`, `BSD` or
//! `GPL` cannot be matched to a license text.
//!
//! **Where hadolint differs.** hadolint accepts one identifier only, exactly
//! as cased in the list. The OCI annotation is defined as an SPDX license
//! *expression* and the SPDX specification matches identifiers without
//! regard to case, so Plimsoll accepts expressions and any case.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {org.opencontainers.image.licenses: spdx}
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.licenses="Apache 2"
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.licenses="Apache-2.0"
//! ```
//!
//! ## Fix
//! Use the identifier from https://spdx.org/licenses/ (e.g. `Apache-2.0`).
//!
//! ## Incident it prevents
//! A compliance report listed an image as "unknown license" and blocked
//! its release because the label read `BSD`.

use crate::helpers_c::{bad_typed_labels, is_spdx_expression};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3054",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Label `<label>` is not a valid SPDX license",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    bad_typed_labels(cx, "spdx", is_spdx_expression)
        .into_iter()
        .map(|(span, key, value)| {
            Hit::new(
                span,
                format!(
                    "Label `{key}` is not a valid SPDX license identifier or expression: `{value}`"
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "licenses", "spdx", src)
    }

    #[test]
    fn flags_bad_values() {
        let src = "FROM a\nLABEL licenses=\"Apache 2\"\nLABEL licenses=GPL-2.0\nLABEL licenses=BSD\nLABEL licenses=\"MIT OR\"\n";
        assert_eq!(lines(src), (2..6).collect::<Vec<u32>>());
    }

    #[test]
    fn passes_good_values() {
        let src = "FROM a\nLABEL licenses=MIT\nLABEL licenses=\"MIT OR Apache-2.0\"\nLABEL licenses=apache-2.0\nLABEL licenses=\"(MIT AND BSD-3-Clause) OR GPL-2.0-or-later WITH Classpath-exception-2.0\"\nLABEL licenses=LicenseRef-acme\nLABEL other=nonsense\nARG V\nLABEL licenses=$V\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        let src = "FROM a\nLABEL licenses=\"?? ??\"\n";
        assert!(crate::testing::lines(check, src).is_empty());
    }
}
