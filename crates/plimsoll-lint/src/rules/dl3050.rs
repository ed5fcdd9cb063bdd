//! # DL3050: Superfluous label(s) present
//!
//! **What it checks.** Only with `strict-labels: true`: every key of every
//! `LABEL` is one the configured `label-schema` names. Each key outside the
//! schema is a finding.
//!
//! **Why.** A strict schema keeps the labels an organisation's images carry
//! uniform: a typo (`org.opencontainers.image.sorce`) or an ad-hoc key is
//! caught where it is written instead of silently missing from reports.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {maintainer: email}, strict-labels: true
//! FROM alpine:3.20
//! LABEL maintainer=ops@example.com team=payments
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL maintainer=ops@example.com
//! ```
//!
//! ## Fix
//! Remove the label, or add it to `label-schema` if it belongs there.
//!
//! ## Incident it prevents
//! An ownership dashboard grouped images by a label that half the teams had
//! misspelt; the strict schema would have rejected the misspelling.

use crate::helpers_c::{label_pairs, labels};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3050",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Superfluous label(s) present",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    if !cx.settings.strict_labels {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (_, ins) in labels(cx) {
        for p in label_pairs(ins) {
            if !cx.settings.label_schema.contains_key(&p.key) {
                out.push(
                    Hit::new(
                        p.key_span,
                        format!(
                            "Superfluous label `{}`: it is not in the label schema",
                            p.key
                        ),
                    )
                    .with_fix(format!("remove `{}` or add it to label-schema", p.key)),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run_with;
    use crate::{DockerIgnore, Settings};

    fn lines(src: &str, strict: bool) -> Vec<u32> {
        let mut s = Settings::default();
        s.label_schema.insert("maintainer".into(), "text".into());
        s.strict_labels = strict;
        run_with(check, src, &s, &DockerIgnore::Unknown)
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }

    #[test]
    fn flags_labels_outside_schema() {
        let src = "FROM a\nLABEL maintainer=me team=x\nLABEL \\\n  other=1\n";
        assert_eq!(lines(src, true), vec![2, 4]);
    }

    #[test]
    fn passes_schema_labels_or_not_strict() {
        assert!(lines("FROM a\nLABEL maintainer=me\n", true).is_empty());
        assert!(lines("FROM a\nLABEL team=x\n", false).is_empty());
    }
}
