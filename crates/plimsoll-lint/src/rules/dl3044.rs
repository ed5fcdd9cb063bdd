//! # DL3044: Do not refer to an environment variable within the same `ENV` statement where it is defined
//!
//! **What it checks.** An `ENV` that sets several variables where one value
//! refers (`$NAME`, `${NAME}`, `${NAME:-x}`, …) to a variable set by another
//! pair of the same `ENV`, and that variable was not defined before (by an
//! earlier `ENV` or `ARG` in scope). A variable extending itself
//! (`ENV PATH=/opt/bin:$PATH`) is fine, and so are references BuildKit
//! does not expand (`'$A'`, `\$A`).
//!
//! **Why.** BuildKit expands every value of an `ENV` with the environment
//! as it was *before* the instruction. In `ENV APP=/srv/app CONF=$APP/conf`
//! the `$APP` is empty, so `CONF` becomes `/conf` — silently.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.20
//! ENV APP_HOME=/srv/app APP_CONF=$APP_HOME/conf
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! ENV APP_HOME=/srv/app
//! ENV APP_CONF=$APP_HOME/conf
//! ```
//!
//! ## Fix
//! Split the `ENV` so the variable is defined in an earlier instruction.
//!
//! ## Incident it prevents
//! A service read its configuration from `/conf` instead of
//! `/srv/app/conf` and started with built-in defaults in production.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;
use plimsoll_dockerfile::facts::pairs_with_spans;
use plimsoll_dockerfile::words::expand;

pub const META: Meta = Meta {
    code: "DL3044",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Do not refer to an environment variable within the same `ENV` statement where it is defined",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        // ONBUILD ENV runs in a downstream build whose variables are unknown.
        if ins.kind != Kind::Env {
            continue;
        }
        let pairs = pairs_with_spans(ins);
        if pairs.len() < 2 {
            continue;
        }
        let scope = cx.facts.scope(i);
        for (j, (_, value, _, span)) in pairs.iter().enumerate() {
            let Some(value) = value else {
                continue;
            };
            let refs = expand(value, ins.escape, &|_| None).unset;
            for (m, (name, _, _, _)) in pairs.iter().enumerate() {
                if m == j || !refs.contains(name) || scope.iter().any(|(n, _)| n == name) {
                    continue;
                }
                let when = if m < j { "earlier in" } else { "later in" };
                out.push(Hit::new(
                    *span,
                    format!(
                        "`${name}` is set {when} this same ENV; here it expands to its previous value (empty). Define `{name}` in an earlier ENV"
                    ),
                ));
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
    fn flags_same_statement_references() {
        let src = "FROM a\nENV A=1 B=$A/x\nENV C=${D} D=2\nENV E=1 \\\n    F=${E:-z}\n";
        assert_eq!(lines(check, src), vec![2, 3, 5]);
    }

    #[test]
    fn passes_self_reference_and_earlier_definitions() {
        let src = "FROM a\nENV PATH=/x:$PATH\nENV A=1\nENV A=2 B=$A\nARG V\nENV V=3 W=$V\nENV X=1 Y='$X' Z=\\$X\nENV K v $K\nENV AB=1 C=$ABC\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn scope_is_per_stage() {
        let src = "FROM a\nENV A=1\nFROM b\nENV A=2 B=$A\n";
        assert_eq!(lines(check, src), vec![4]);
    }
}
