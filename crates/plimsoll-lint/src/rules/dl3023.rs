//! # DL3023: `COPY --from` cannot reference its own `FROM` alias
//!
//! **What it checks.** A `COPY --from=` whose value names the stage it is
//! in — by its `AS` alias (case-insensitively) or by its own numeric index.
//!
//! **Why.** A stage cannot copy from itself: its filesystem does not exist
//! yet. BuildKit stops with a circular-dependency error; older builders
//! tried to pull an image of that name. Either way the build is broken, and
//! the author almost always meant an earlier stage.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20 AS web
//! COPY --from=web /app/dist /srv
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20 AS build
//! RUN npm ci && npm run build
//! FROM nginx:1.27 AS web
//! COPY --from=build /app/dist /usr/share/nginx/html
//! ```
//!
//! ## Fix
//! Point `--from` at the earlier stage that produces the files.
//!
//! ## Incident it prevents
//! A copy-pasted stage kept its `--from` pointing at itself and the release
//! pipeline failed at the last step of a long build.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3023",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "`COPY --from` cannot reference its own `FROM` alias",
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
        let Some(stage) = cx.stage_of(i) else {
            continue;
        };
        let value = flag
            .value
            .as_deref()
            .unwrap_or("")
            .trim_matches(|c| c == '"' || c == '\'');
        if stage.name_matches(value) {
            out.push(Hit::new(
                flag.span,
                format!("`COPY --from={value}` references the stage it is in; a stage cannot copy from itself"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_self_reference() {
        let src = "FROM a:1 AS one\nCOPY --from=one /x /y\nFROM b:1 AS Two\nCOPY --from=two /x /y\nCOPY --from=1 /x /y\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_other_stages() {
        let src = "FROM a:1 AS one\nFROM b:1 AS two\nCOPY --from=one /x /y\nCOPY --from=0 /x /y\nCOPY x y\nONBUILD COPY --from=two /a /b\n";
        assert!(lines(check, src).is_empty());
    }
}
