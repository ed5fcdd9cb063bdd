//! # DL3049: Label `<label>` is missing
//!
//! **What it checks.** Only with a `label-schema` configured: every build
//! stage sets each label the schema names, either with its own `LABEL` or
//! by being built `FROM` a stage that does. Intermediate stages are
//! exempt: a stage used as the source of `COPY --from` (by name or by
//! index), and a stage that a labelled stage is built `FROM`. One finding
//! per missing label, on the stage's `FROM`.
//!
//! **Where hadolint differs.** hadolint does not recognise `COPY --from=0`
//! (a stage referred to by index) and reports the stage; Plimsoll treats it
//! as the intermediate it is.
//!
//! **Why.** A team that agrees on a label schema (owner, source URL,
//! revision, …) wants every image it builds to carry it: registries,
//! scanners and incident tooling look the labels up. Any stage can be built
//! on its own with `docker build --target`, so each one is checked.
//!
//! ## Bad
//! ```dockerfile
//! # label-schema: {org.opencontainers.image.source: url}
//! FROM alpine:3.20
//! RUN apk add --no-cache curl
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.20
//! LABEL org.opencontainers.image.source=https://github.com/acme/app
//! RUN apk add --no-cache curl
//! ```
//!
//! ## Fix
//! Add the label to the stage: `LABEL <label>=<value>`.
//!
//! ## Incident it prevents
//! A vulnerable image was found in production and nobody could tell which
//! repository built it: the source label was missing.

use crate::helpers_c::label_pairs;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3049",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Label `<label>` is missing",
    enabled_by_default: true,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Good,
    Bad,
    Silent,
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let stages = &cx.facts.stages;
    for label in cx.settings.label_schema.keys() {
        let mut state: Vec<State> = Vec::with_capacity(stages.len());
        for (i, ins) in cx.df().instructions.iter().enumerate() {
            let Some(cur) = cx.facts.stage_of.get(i).copied().flatten() else {
                continue;
            };
            match ins.kind {
                Kind::From => {
                    let inherited = stages
                        .get(cur)
                        .and_then(|s| s.base.stage)
                        .is_some_and(|p| state.get(p) == Some(&State::Good));
                    state.push(if inherited { State::Good } else { State::Bad });
                }
                Kind::Copy => {
                    let Some(src) = ins.flag_value("from") else {
                        continue;
                    };
                    for (k, st) in stages.iter().enumerate().take(cur) {
                        if st.name_matches(src) && state.get(k) == Some(&State::Bad) {
                            state[k] = State::Silent;
                        }
                    }
                }
                Kind::Label if label_pairs(ins).iter().any(|p| &p.key == label) => {
                    if let Some(s) = state.get_mut(cur) {
                        *s = State::Good;
                    }
                    // The stage this one is built on is an intermediate.
                    let parent = stages.get(cur).and_then(|s| s.base.stage);
                    if let Some(st) = parent.and_then(|p| state.get_mut(p))
                        && *st == State::Bad
                    {
                        *st = State::Silent;
                    }
                }
                _ => {}
            }
        }
        for (k, st) in state.iter().enumerate() {
            if *st == State::Bad
                && let Some(stage) = stages.get(k)
            {
                out.push(
                    Hit::new(stage.base.span, format!("Label `{label}` is missing"))
                        .with_fix(format!("LABEL {label}=<value>")),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<u32> {
        crate::testing::lines_with_schema(check, "maintainer", "text", src)
    }

    #[test]
    fn flags_missing_label() {
        assert_eq!(lines("FROM a\nRUN x\n"), vec![1]);
        assert_eq!(lines("FROM a\nONBUILD LABEL maintainer=me\n"), vec![1]);
    }

    #[test]
    fn passes_present_or_inherited() {
        let src = "FROM a AS base\nLABEL maintainer=me\nFROM base\nRUN x\n";
        assert!(lines(src).is_empty());
        assert!(lines("FROM a\nLABEL x=1 \\\n  maintainer=\"me\"\n").is_empty());
    }

    #[test]
    fn copy_sources_are_exempt() {
        let src = "FROM a AS build\nRUN make\nFROM b AS unused\nFROM c\nLABEL maintainer=me\nCOPY --from=build /x /x\n";
        assert_eq!(lines(src), vec![3]);
        let src = "FROM a\nRUN make\nFROM c\nLABEL maintainer=me\nCOPY --from=0 /x /x\n";
        assert!(lines(src).is_empty());
        let src = "FROM a AS base\nRUN make\nFROM base\nLABEL maintainer=me\n";
        assert!(lines(src).is_empty());
    }

    #[test]
    fn no_schema_no_findings() {
        assert!(crate::testing::lines(check, "FROM a\n").is_empty());
    }
}
