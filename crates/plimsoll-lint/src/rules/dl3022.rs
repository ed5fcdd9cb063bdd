//! # DL3022: `COPY --from` should reference a previously defined `FROM` alias
//!
//! **What it checks.** The value of every `COPY --from=` names a stage
//! defined earlier in the file — by its `AS` name (case-insensitively, as
//! BuildKit compares them) or by its numeric index — or is an image
//! reference with a tag or digest (`--from=nginx:1.27`).
//!
//! **Why.** BuildKit resolves a `--from` value that matches no stage as an
//! image to pull. A typo in a stage name (`--from=bulider`) therefore does
//! not fail fast: the build tries to pull `docker.io/library/bulider:latest`
//! and fails with a confusing registry error — or, worse, succeeds with
//! somebody else's image. BuildKit does not expand variables in `--from`
//! at all (`--from=$STAGE` stops the build with "variable expansion is not
//! supported for --from"), so a variable there is reported too.
//!
//! `COPY --from` inside `ONBUILD` refers to stages of the downstream
//! Dockerfile and is not judged.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=builder /out/app /app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Fix
//! Use the alias given in `FROM … AS <name>`, or copy from a pinned image:
//! `COPY --from=busybox:1.36 /bin/busybox /busybox`.
//!
//! ## Incident it prevents
//! A renamed build stage left `COPY --from=builder` behind; the build
//! pulled an unrelated public image called `builder` and shipped its files.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3022",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "`COPY --from` should reference a previously defined `FROM` alias",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.of_kind(Kind::Copy) {
        if cx
            .df()
            .instructions
            .get(i)
            .is_some_and(|x| x.kind == Kind::Onbuild)
        {
            continue;
        }
        let Some(flag) = ins.flag("from") else {
            continue;
        };
        // `--from` without a value is a syntax error BuildKit reports itself.
        let Some(value) = flag.value.as_deref() else {
            continue;
        };
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if value.contains('$') {
            out.push(Hit::new(
                flag.span,
                format!(
                    "`COPY --from={value}`: BuildKit does not expand variables in `--from`; \
                     reference a `FROM … AS` alias (define a stage `FROM {value} AS src` if needed)"
                ),
            ));
            continue;
        }
        if value.contains(':') || value.contains('@') {
            continue; // an image reference with a tag or digest
        }
        let upto = cx
            .facts
            .stage_of
            .get(i)
            .copied()
            .flatten()
            .map_or(0, |s| s + 1);
        if cx.facts.stage_named(value, upto).is_some() {
            continue;
        }
        let names: Vec<&str> = cx.facts.stages[..upto.min(cx.facts.stages.len())]
            .iter()
            .filter_map(|s| s.alias.as_ref().map(|a| a.value.as_str()))
            .collect();
        let known = if names.is_empty() {
            "no stage before it has an alias".to_string()
        } else {
            format!("defined aliases: {}", names.join(", "))
        };
        out.push(Hit::new(
            flag.span,
            format!(
                "`COPY --from={value}` should reference a previously defined `FROM` alias ({known})"
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_unknown_alias() {
        let src =
            "FROM a:1 AS build\nFROM b:1\nCOPY --from=builder /x /y\nCOPY --from=busybox /x /y\n";
        assert_eq!(lines(check, src), vec![3, 4]);
    }

    #[test]
    fn passes_aliases_indexes_and_tagged_images() {
        let src = "FROM a:1 AS Build\nFROM b:1\nCOPY --from=build /x /y\nCOPY --from=0 /x /y\n\
                   COPY --from=1 /x /y\nCOPY --from=nginx:1.27 /x /y\nCOPY --from=a@sha256:00 /x /y\n\
                   COPY /x /y\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn flags_later_stages_and_out_of_range_index() {
        let src = "FROM a:1\nCOPY --from=later /x /y\nCOPY --from=1 /x /y\nFROM b:1 AS later\n";
        assert_eq!(lines(check, src), vec![2, 3]);
    }

    #[test]
    fn flags_variables_and_skips_onbuild() {
        let src = "ARG S=build\nFROM a:1 AS build\nFROM b:1\nCOPY --from=${S} /x /y\nONBUILD COPY --from=up /x /y\n";
        assert_eq!(lines(check, src), vec![4]);
    }

    #[test]
    fn multiline_copy() {
        let src = "FROM a:1 AS x\nFROM b:1\nCOPY \\\n  --from=y \\\n  /a /b\n";
        assert_eq!(lines(check, src), vec![4]);
    }
}
