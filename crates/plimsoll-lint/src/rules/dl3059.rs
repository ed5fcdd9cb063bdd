//! # DL3059: Multiple consecutive `RUN` instructions
//!
//! **What it checks.** A `RUN` that directly follows another `RUN` (only
//! comments and blank lines between) when each of them runs a single
//! command and both carry the same flags (`--mount`, `--network`,
//! `--security`). Commands inside `$(…)` and in heredoc bodies count.
//!
//! RUNs that already chain two or more commands are left alone: their
//! author has grouped the work deliberately, and splitting steps is a
//! legitimate way to get better layer caching. RUNs with different mounts
//! or network settings cannot be merged. As in hadolint, a test (`[ … ]`,
//! `[[ … ]]`) and a command whose name is a variable are not counted.
//!
//! **Where hadolint differs.** Under PowerShell or `cmd` (a `SHELL` such as
//! `["powershell", "-Command"]`, or a Windows base image) Plimsoll counts
//! statements (separated by `;`, `&` or new lines). hadolint parses those
//! scripts as bash, finds no commands when that fails, and so reports
//! nearly every consecutive RUN there.
//!
//! **Why.** Every RUN makes a layer and a cache step. A run of one-command
//! RUNs (`RUN apt-get update`, `RUN apt-get install …`, `RUN rm …`) makes
//! the image bigger (files deleted in a later layer still ship in the
//! earlier one) and the build slower.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update
//! RUN apt-get install -y --no-install-recommends curl
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update \
//!  && apt-get install -y --no-install-recommends curl \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix
//! Join the commands with `&&` in one RUN.
//!
//! ## Incident it prevents
//! `RUN apt-get update` cached in its own layer kept serving a months-old
//! package index to the following `RUN apt-get install`, which then failed
//! with 404s once the mirror dropped the old packages.

use crate::helpers_c::{named_commands, non_posix_runs, windows_statements};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::{Instruction, Kind};

pub const META: Meta = Meta {
    code: "DL3059",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Multiple consecutive `RUN` instructions. Consider consolidation",
    enabled_by_default: true,
};

/// How many commands a RUN runs. Tests (`[ … ]`, `[[ … ]]`) and commands
/// whose name is computed (`$CC …`) are not counted, as in hadolint.
fn command_count(cx: &Context, i: usize, ins: &Instruction, non_posix: bool) -> usize {
    if non_posix && !ins.is_exec_form() {
        return windows_statements(&ins.args);
    }
    named_commands(cx.scripts(i))
        .filter(|c| {
            let w = c.words.first().map(|w| w.raw.as_str()).unwrap_or("");
            !matches!(w, "[" | "[[") && !w.contains('$') && !w.contains('`')
        })
        .count()
}

type FlagKey = Vec<(String, String)>;

fn flag_key(ins: &Instruction) -> FlagKey {
    let mut v: Vec<(String, String)> = ins
        .flags
        .iter()
        .map(|f| {
            (
                f.name.to_ascii_lowercase(),
                f.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

fn simple(ins: &Instruction) -> bool {
    ins.flags.is_empty() && !ins.is_exec_form() && ins.heredocs.is_empty()
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    // The previous RUN: (index, flags, command count).
    let mut prev: Option<(usize, FlagKey, usize)> = None;
    let np = non_posix_runs(cx);
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        if ins.kind != Kind::Run {
            prev = None;
            continue;
        }
        let key = flag_key(ins);
        let count = command_count(cx, i, ins, np.get(i).copied().unwrap_or(false));
        if let Some((p, pkey, pcount)) = &prev
            && *pkey == key
            && *pcount <= 1
            && count <= 1
        {
            let mut hit = Hit::new(
                ins.keyword.span,
                "Multiple consecutive `RUN` instructions of one command each: merge them with `&&`",
            );
            if let Some(pi) = cx.df().instructions.get(*p)
                && simple(pi)
                && simple(ins)
            {
                hit = hit.with_fix(format!(
                    "RUN {} \\\n && {}",
                    pi.args.trim(),
                    ins.args.trim()
                ));
            }
            out.push(hit);
        }
        prev = Some((i, key, count));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_single_command_runs() {
        let src = "FROM a\nRUN a\nRUN b\n# note\n\nRUN c\n";
        assert_eq!(lines(check, src), vec![3, 6]);
    }

    #[test]
    fn multi_command_runs_reset() {
        let src = "FROM a\nRUN a && b\nRUN c\nRUN d\nRUN echo $(e)\nRUN f | g\nRUN h\n";
        assert_eq!(lines(check, src), vec![4]);
    }

    #[test]
    fn other_instructions_and_flags_reset() {
        let src = "FROM a\nRUN a\nENV X=1\nRUN b\nRUN --mount=type=cache,target=/c c\nRUN --mount=type=cache,target=/c d\nRUN --network=none e\nONBUILD RUN f\nRUN g\nFROM b\nRUN h\n";
        assert_eq!(lines(check, src), vec![6]);
    }

    #[test]
    fn assignments_exec_form_and_heredocs() {
        let src =
            "FROM a\nRUN a\nRUN X=1\nRUN [\"b\"]\nRUN <<EOF\nc\nd\nEOF\nRUN e\nRUN <<EOF\nf\nEOF\n";
        assert_eq!(lines(check, src), vec![3, 4, 10]);
    }

    #[test]
    fn fix_merges() {
        let facts =
            plimsoll_dockerfile::Facts::new(plimsoll_dockerfile::parse("FROM a\nRUN a\nRUN b\n"));
        let settings = crate::Settings::default();
        let cx = Context::new(&facts, &settings, &crate::DockerIgnore::Unknown);
        assert_eq!(check(&cx)[0].fix.as_deref(), Some("RUN a \\\n && b"));
    }

    #[test]
    fn powershell_counts_statements() {
        let src = "FROM a\nSHELL [\"powershell\", \"-Command\"]\nRUN Write-Host ('a {0}' -f $x)\nRUN Invoke-WebRequest x; Expand-Archive y\nRUN b\nRUN c\n";
        assert_eq!(lines(check, src), vec![6]);
    }
}
