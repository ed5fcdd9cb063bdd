//! # PD006: `CGO_ENABLED=0` with `-extldflags -static` (a contradiction)
//!
//! **What it checks.** A `go build`/`go install` that sees `CGO_ENABLED=0`
//! — inline (`CGO_ENABLED=0 go build`, `env CGO_ENABLED=0 go build`), from
//! an earlier `export` in the same RUN, from `ENV`/`ARG` in the stage (or a
//! stage it is built FROM), or from `go env -w` — and also passes
//! `-ldflags` with `-extldflags "-static"` / `-extldflags=-static`.
//!
//! **Why.** `-extldflags` is handed to the *external* (C) linker, which is
//! only used when cgo is on. With `CGO_ENABLED=0` Go links internally, the
//! binary is already static, and the flag is silently ignored. The pair
//! nearly always comes from a copied snippet and betrays confusion about
//! which build is static: the day someone flips cgo on "for sqlite" or
//! drops the `CGO_ENABLED=0` line, everyone believes the result is still
//! static because the `-static` flag is there — and it goes into `scratch`
//! (see PD007). Keep exactly one mechanism, the one that is in effect.
//!
//! ## Bad
//! ```dockerfile
//! RUN CGO_ENABLED=0 go build -ldflags '-s -w -extldflags "-static"' -o /out/app .
//! ```
//!
//! ## Good
//! ```dockerfile
//! RUN CGO_ENABLED=0 go build -ldflags '-s -w' -o /out/app .
//! ```
//! or, when cgo is really needed and the binary must be static:
//! ```dockerfile
//! RUN CGO_ENABLED=1 go build -tags netgo,osusergo \
//!     -ldflags '-linkmode external -extldflags "-static"' -o /out/app .
//! ```
//!
//! ## Fix
//! Drop `-extldflags "-static"` from `-ldflags` when `CGO_ENABLED=0`.
//!
//! ## Incident it prevents
//! A team "made the binary static" twice — `CGO_ENABLED=0` and
//! `-extldflags -static` — then enabled cgo for a SQLite driver and deleted
//! the variable; the `-static` flag stayed, reviewers trusted it, and the
//! now-dynamic binary crashed on `scratch` (PD007) in production.

use crate::helpers_pd::go_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PD006",
    severity: Severity::Warning,
    category: Category::Dockerfile,
    summary: "CGO_ENABLED=0 together with -extldflags -static (the flag does nothing)",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for st in &cx.facts.stages {
        for g in go_commands(cx, st.index) {
            // A stage FROM another sees that stage's commands too: once each.
            if g.stage != st.index || seen.contains(&g.span) {
                continue;
            }
            seen.push(g.span);
            if !g.is_build() {
                continue;
            }
            let Some(cgo) = &g.cgo else { continue };
            if cgo.value.as_deref().map(str::trim) != Some("0") {
                continue;
            }
            let Some(span) = g.extld_static() else {
                continue;
            };
            let at = if cgo.span.start >= g.cmd.span.start && cgo.span.end <= g.cmd.span.end {
                "on this command".to_string()
            } else {
                format!("via {}", cgo.describe(cx, "CGO_ENABLED"))
            };
            out.push(
                Hit::new(
                    span,
                    format!(
                        "`-extldflags -static` does nothing here: CGO_ENABLED=0 ({at}) means Go links internally and the binary is already static; keep one mechanism"
                    ),
                )
                .with_fix("remove `-extldflags \"-static\"` from -ldflags"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_inline_pair() {
        let src = "FROM golang:1.22\nRUN CGO_ENABLED=0 go build -ldflags '-s -w -extldflags \"-static\"' -o /app .\n";
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("on this command"));
        let src = "FROM golang:1.22\nRUN env CGO_ENABLED=0 GOOS=linux go build --ldflags=-extldflags=-static .\n";
        assert_eq!(lines(check, src), vec![2]);
    }

    #[test]
    fn flags_env_arg_export_and_go_env() {
        let src = "FROM golang:1.22 AS b\nENV CGO_ENABLED=0\nRUN go build -ldflags=\"-extldflags=-static\" .\n";
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("line 2"), "{}", r[0].1);
        let src =
            "FROM golang:1.22\nARG CGO_ENABLED=0\nRUN go build -ldflags '-extldflags -static' .\n";
        assert_eq!(lines(check, src), vec![3]);
        let src = "FROM golang:1.22\nRUN export CGO_ENABLED=0 && \\\n    go build -ldflags '-extldflags \"-static\"' .\n";
        assert_eq!(lines(check, src), vec![3]);
        let src = "FROM golang:1.22\nRUN go env -w CGO_ENABLED=0\nRUN go build -ldflags '-extldflags \"-static\"' .\n";
        assert_eq!(lines(check, src), vec![3]);
        // inherited through a stage
        let src = "FROM golang:1.22 AS base\nENV CGO_ENABLED=0\nFROM base AS b\nRUN go build -ldflags '-extldflags -static' .\nFROM scratch\n";
        assert_eq!(lines(check, src), vec![4]);
    }

    #[test]
    fn passes_consistent_builds() {
        let ok = [
            "FROM golang:1.22\nRUN CGO_ENABLED=0 go build -ldflags '-s -w' .\n",
            "FROM golang:1.22\nRUN CGO_ENABLED=1 go build -ldflags '-linkmode external -extldflags \"-static\"' .\n",
            "FROM golang:1.22\nRUN go build -ldflags '-extldflags \"-static\"' .\n",
            "FROM golang:1.22\nENV CGO_ENABLED=0\nRUN CGO_ENABLED=1 go build -ldflags '-extldflags -static' .\n",
            "FROM golang:1.22\nARG CGO\nRUN CGO_ENABLED=$CGO go build -ldflags '-extldflags -static' .\n",
        ];
        for src in ok {
            assert!(lines(check, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn arg_variable_with_default() {
        let src = "FROM golang:1.22\nARG CGO=0\nRUN CGO_ENABLED=${CGO} go build -ldflags '-extldflags -static' .\n";
        assert_eq!(lines(check, src), vec![3]);
    }
}
