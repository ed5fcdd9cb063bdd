//! # DL4004: Multiple `ENTRYPOINT` instructions
//!
//! **What it checks.** A build stage has at most one `ENTRYPOINT`. Each
//! `ENTRYPOINT` after the first in the same stage is a finding (ONBUILD
//! triggers are not counted; different stages each have their own).
//!
//! **Why.** Only the last `ENTRYPOINT` of a stage takes effect; the earlier
//! ones are dead code that misleads the reader about what the container runs,
//! and usually means a merge or a copy-paste went wrong.
//!
//! ## Bad
//! ```dockerfile
//! FROM python:3.12-slim
//! ENTRYPOINT ["python", "app.py"]
//! ENTRYPOINT ["gunicorn", "app:app"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM python:3.12-slim
//! ENTRYPOINT ["gunicorn", "app:app"]
//! ```
//!
//! ## Fix
//! Delete all but the `ENTRYPOINT` you mean.
//!
//! ## Incident it prevents
//! A debugging `ENTRYPOINT` added above the real one was "removed" by deleting
//! the wrong line; production ran the development server for a week.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL4004",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    crate::helpers_c::repeated_in_stage(cx, Kind::Entrypoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_repeats_in_a_stage() {
        let src = "FROM a\nENTRYPOINT [\"a\"]\nRUN x\nENTRYPOINT b\nENTRYPOINT c\n";
        assert_eq!(lines(check, src), vec![4, 5]);
    }

    #[test]
    fn passes_one_per_stage() {
        let src = "FROM a AS x\nENTRYPOINT [\"a\"]\nFROM b\nENTRYPOINT [\"b\"]\nONBUILD ENTRYPOINT [\"c\"]\n";
        assert!(lines(check, src).is_empty());
    }
}
