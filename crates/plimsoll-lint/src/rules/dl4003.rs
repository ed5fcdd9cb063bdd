//! # DL4003: Multiple `CMD` instructions
//!
//! **What it checks.** A build stage has at most one `CMD`. Each `CMD`
//! after the first in the same stage is a finding (ONBUILD triggers are not
//! counted; different stages each have their own).
//!
//! **Why.** Only the last `CMD` of a stage takes effect; the earlier ones
//! are dead code that misleads the reader about what the container runs,
//! and usually means a merge or a copy-paste went wrong.
//!
//! ## Bad
//! ```dockerfile
//! FROM python:3.12-slim
//! CMD ["python", "app.py"]
//! CMD ["gunicorn", "app:app"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM python:3.12-slim
//! CMD ["gunicorn", "app:app"]
//! ```
//!
//! ## Fix
//! Delete all but the `CMD` you mean.
//!
//! ## Incident it prevents
//! A debugging `CMD` added above the real one was "removed" by deleting the
//! wrong line; production ran the development server for a week.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL4003",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    crate::helpers_c::repeated_in_stage(cx, Kind::Cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_repeats_in_a_stage() {
        let src = "FROM a\nCMD [\"a\"]\nRUN x\nCMD b\nCMD c\n";
        assert_eq!(lines(check, src), vec![4, 5]);
    }

    #[test]
    fn passes_one_per_stage() {
        let src = "FROM a AS x\nCMD [\"a\"]\nFROM b\nCMD [\"b\"]\nONBUILD CMD [\"c\"]\n";
        assert!(lines(check, src).is_empty());
    }
}
