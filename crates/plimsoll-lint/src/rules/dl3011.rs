//! # DL3011: Valid UNIX ports range from 0 to 65535
//!
//! **What it checks.** Every port of an `EXPOSE` (`80`, `53/udp`,
//! `8000-8010/tcp`) is at most 65535, after ARG/ENV values in scope are
//! expanded. A port whose value cannot be known (an ARG without default) is
//! not judged.
//!
//! **Why.** TCP and UDP port numbers are 16-bit. Docker rejects an
//! out-of-range `EXPOSE` only when the image is run with `-P` or when a tool
//! reads the image config, so a typo (`80800`) survives until deploy time.
//!
//! hadolint skips `EXPOSE $PORT` entirely; Plimsoll checks the value the
//! variable has.
//!
//! ## Bad
//! ```dockerfile
//! FROM nginx:1.25
//! EXPOSE 80800
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM nginx:1.25
//! EXPOSE 8080
//! ```
//!
//! ## Fix
//! Use the port the process really listens on: `EXPOSE 8080`.
//!
//! ## Incident it prevents
//! An orchestrator generated a service from the image's exposed ports and
//! refused the whole deployment because of one mistyped port.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3011",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Valid UNIX ports range from 0 to 65535",
    enabled_by_default: true,
};

/// Whether a run of digits is a number above 65535.
fn too_big(d: &str) -> bool {
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && d.trim_start_matches('0').len() > 5
        || d.parse::<u64>().is_ok_and(|n| n > 65535)
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.of_kind(Kind::Expose) {
        for w in ins.words() {
            let ex = cx.facts.expand(i, &w.raw);
            if !ex.unset.is_empty() {
                continue;
            }
            for port in ex.value.split_whitespace() {
                let num = port.split('/').next().unwrap_or(port);
                let bad = num.split('-').any(too_big);
                if bad {
                    out.push(Hit::new(
                        w.span,
                        format!("Valid UNIX ports range from 0 to 65535: `{port}` is out of range"),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_out_of_range() {
        let src = "FROM a:1\nEXPOSE 80 80800\nEXPOSE 8000-70000/tcp\nARG P=99999\nEXPOSE $P/udp\nEXPOSE 123456789012345678901234\n";
        assert_eq!(lines(check, src), vec![2, 3, 5, 6]);
    }

    #[test]
    fn passes_valid_and_unknown() {
        let src = "FROM a:1\nEXPOSE 0 65535 53/udp 8000-8010/tcp\nARG P\nEXPOSE $P\nONBUILD EXPOSE 8080\n";
        assert!(lines(check, src).is_empty());
    }
}
