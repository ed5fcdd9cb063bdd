//! # DL3045: `COPY` to a relative destination without `WORKDIR` set
//!
//! **What it checks.** A `COPY` whose destination is relative (`.`, `app/`)
//! in a stage that has not set a `WORKDIR` — neither itself before the
//! `COPY`, nor in the stage it is built `FROM` (stages inherit the working
//! directory). Destinations that are absolute (`/app`, `C:\app`) pass; a
//! destination from a variable is judged when its value is known and
//! passes when it is not.
//!
//! hadolint keys stages by image name, so two unnamed stages `FROM` the same
//! image share their `WORKDIR` state; Plimsoll follows the real stage
//! lineage.
//!
//! **Why.** A relative destination is resolved against the base image's
//! working directory, which the Dockerfile does not show and which changes
//! between images and tags (`/`, `/go`, `/usr/src/app`, …). Files end up
//! where the entrypoint does not look.
//!
//! ## Bad
//! ```dockerfile
//! FROM python:3.12-slim
//! COPY . .
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM python:3.12-slim
//! WORKDIR /app
//! COPY . .
//! ```
//!
//! ## Fix
//! Add `WORKDIR /app` before the `COPY`, or copy to an absolute path.
//!
//! ## Incident it prevents
//! A base-image switch moved the default working directory from `/app` to
//! `/`; the application's files landed in the root and the container
//! exited with "module not found".

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3045",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "`COPY` to a relative destination without `WORKDIR` set",
    enabled_by_default: true,
};

fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    p.starts_with('/')
        || p.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Whether a WORKDIR is in force before instruction `i` of stage `s`.
fn workdir_set(cx: &Context, s: usize, i: usize) -> bool {
    let df = cx.df();
    let mut cur = Some((s, i));
    let mut seen = Vec::new();
    while let Some((s, upto)) = cur {
        if seen.contains(&s) {
            break;
        }
        seen.push(s);
        let Some(st) = cx.facts.stages.get(s) else {
            break;
        };
        let end = upto.min(st.end).min(df.instructions.len());
        if df
            .instructions
            .get(st.from..end)
            .is_some_and(|v| v.iter().any(|x| x.kind == Kind::Workdir))
        {
            return true;
        }
        cur = st.base.stage.map(|p| (p, usize::MAX));
    }
    false
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        if ins.kind != Kind::Copy {
            continue;
        }
        let Some(s) = cx.facts.stage_of.get(i).copied().flatten() else {
            continue;
        };
        let (raw, span) = match &ins.json {
            Some(items) => match items.last() {
                Some(d) if items.len() >= 2 => (d.value.clone(), d.span),
                _ => continue,
            },
            None => {
                let words = ins.words();
                match words.last() {
                    Some(d) if words.len() >= 2 => (d.raw.clone(), d.span),
                    _ => continue,
                }
            }
        };
        let dest = if ins.json.is_some() && !raw.contains('$') {
            raw.clone()
        } else {
            let ex = cx.facts.expand(i, &raw);
            if !ex.unset.is_empty() {
                continue;
            }
            ex.value
        };
        if dest.is_empty() || is_absolute(&dest) || workdir_set(cx, s, i) {
            continue;
        }
        out.push(
            Hit::new(
                span,
                format!("`COPY` to relative destination `{raw}` without a `WORKDIR` in this stage: it depends on the base image's working directory"),
            )
            .with_fix("WORKDIR /app"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_relative_without_workdir() {
        let src = "FROM a\nCOPY . .\nCOPY x app/\nCOPY [\"a b\", \"c\"]\nCOPY <<EOF rel\nhi\nEOF\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5]);
    }

    #[test]
    fn passes_absolute_and_workdir() {
        let src = "FROM a\nCOPY x /abs/\nCOPY [\"a\", \"$PF\\\\x\"]\nCOPY x \"/q\"\nCOPY x C:\\\\app\nARG D\nCOPY x $D\nENV H=/h\nCOPY x $H/y\nWORKDIR /app\nCOPY . .\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn workdir_is_inherited_through_stages_only() {
        let src = "FROM a AS base\nWORKDIR /app\nFROM base\nCOPY . .\nFROM a\nCOPY . .\nFROM b\nONBUILD WORKDIR /x\nCOPY . .\nONBUILD COPY . .\n";
        assert_eq!(lines(check, src), vec![6, 9]);
    }

    #[test]
    fn variable_expanding_to_relative() {
        assert_eq!(lines(check, "FROM a\nENV D=rel\nCOPY x $D\n"), vec![3]);
    }
}
