//! # DL3048: Invalid label key
//!
//! **What it checks.** Every key of every LABEL follows Docker's label key
//! format: it starts with a lower-case letter, ends with a lower-case
//! letter or digit, uses only `a-z`, `0-9`, `.`, `-`, `_` and `/`, has no
//! `..` or `--`, and does not use the namespaces Docker reserves
//! (`com.docker.`, `io.docker.`, `org.dockerproject.`). Keys built from
//! variables are not judged.
//!
//! **Why.** Tools that read labels (registries, scanners, orchestrators)
//! expect the documented format, usually reverse-DNS names such as
//! `org.opencontainers.image.source`. `Description` and `description` are
//! different labels; a key in a reserved namespace may clash with what
//! Docker itself writes.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL Description="web frontend" com.docker.owner=me
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.description="web frontend"
//! ```
//!
//! ## Fix
//! Use lower-case reverse-DNS keys: `LABEL org.example.owner=me`.
//!
//! ## Incident it prevents
//! A registry UI showed no description for an image because the label was
//! spelled `Description`, and a scanner's ownership report was empty.

use crate::helpers_c::{label_pairs, labels};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3048",
    severity: Severity::Style,
    category: Category::Hadolint,
    summary: "Invalid label key",
    enabled_by_default: true,
};

/// Why a label key is invalid, if it is.
fn problem(k: &str) -> Option<&'static str> {
    let first = k.chars().next();
    let last = k.chars().last();
    if !first.is_some_and(|c| c.is_ascii_lowercase()) {
        return Some("must start with a lower-case letter");
    }
    if !last.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("must end with a lower-case letter or a digit");
    }
    if !k
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_' | '/'))
    {
        return Some("may only contain a-z, 0-9, `.`, `-`, `_` and `/`");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|p| k.starts_with(p))
    {
        return Some("uses a namespace reserved by Docker");
    }
    if k.contains("..") || k.contains("--") {
        return Some("must not contain `..` or `--`");
    }
    None
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, ins) in labels(cx) {
        for p in label_pairs(ins) {
            if cx.df().text(p.key_span).contains('$') {
                continue;
            }
            if let Some(why) = problem(&p.key) {
                out.push(Hit::new(
                    p.key_span,
                    format!("Invalid label key `{}`: {why}", p.key),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_bad_keys() {
        let src = "FROM a\nLABEL Description=x\nLABEL com.docker.x=1\nLABEL a..b=1 ok=2\nLABEL a- =1\nLABEL \"a b\"=1\nLABEL x=1 \\\n  Bad=2\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6, 8]);
        assert!(
            run(check, "FROM a\nLABEL Foo=1\n")[0]
                .1
                .contains("lower-case")
        );
    }

    #[test]
    fn passes_good_keys() {
        let src = "FROM a\nLABEL org.opencontainers.image.source=https://x maintainer=\"me\"\nLABEL \"com.example.vendor\"=\"ACME\"\nLABEL description value with spaces\nLABEL a_b/c-d.e1=1\nLABEL $K=v\nONBUILD LABEL Bad=1\n";
        assert!(lines(check, src).is_empty());
    }
}
