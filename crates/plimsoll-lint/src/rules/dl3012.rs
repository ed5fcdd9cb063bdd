//! # DL3012: Multiple HEALTHCHECK instructions
//!
//! **What it checks.** A stage has more than one `HEALTHCHECK` (including
//! `HEALTHCHECK NONE`); every one after the first is reported. `ONBUILD
//! HEALTHCHECK` belongs to child images and is not counted.
//!
//! **Why.** Only the last `HEALTHCHECK` of a stage takes effect. An earlier
//! one is dead configuration that readers will take for the real check,
//! and usually means two people added a check without seeing each other's.
//!
//! ## Bad
//! ```dockerfile
//! FROM nginx:1.25
//! HEALTHCHECK CMD curl -f http://localhost/ || exit 1
//! HEALTHCHECK CMD wget -q -O- http://localhost/health || exit 1
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM nginx:1.25
//! HEALTHCHECK --interval=30s CMD wget -q -O- http://localhost/health || exit 1
//! ```
//!
//! ## Fix
//! Delete all but one `HEALTHCHECK` per stage.
//!
//! ## Incident it prevents
//! An engineer tuned the first of two health checks for a slow-starting
//! service; the second, untouched one kept killing the container during
//! start-up.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3012",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Multiple HEALTHCHECK instructions in one stage",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut seen_in: Option<Option<usize>> = None;
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        if ins.kind != Kind::Healthcheck {
            continue;
        }
        let stage = cx.facts.stage_of.get(i).copied().flatten();
        if seen_in == Some(stage) {
            out.push(Hit::new(
                ins.keyword.span,
                "Multiple `HEALTHCHECK` instructions in one stage: only the last one takes effect",
            ));
        }
        seen_in = Some(stage);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_second_healthcheck() {
        let src =
            "FROM a:1\nHEALTHCHECK CMD true\nRUN x\nHEALTHCHECK NONE\nHEALTHCHECK CMD false\n";
        assert_eq!(lines(check, src), vec![4, 5]);
    }

    #[test]
    fn one_per_stage_is_fine() {
        let src = "FROM a:1\nHEALTHCHECK CMD true\nFROM b:1\nHEALTHCHECK CMD true\nONBUILD HEALTHCHECK NONE\n";
        assert!(lines(check, src).is_empty());
    }
}
