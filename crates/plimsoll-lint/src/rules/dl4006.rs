//! # DL4006: Set `-o pipefail` before a RUN with a pipe
//!
//! **What it checks.** A RUN whose shell script has a pipe (`a | b`, in
//! the RUN line or a heredoc body) runs with `pipefail` on: the stage's
//! `SHELL` turns it on (`SHELL ["/bin/bash", "-o", "pipefail", "-c"]`), or
//! the script runs `set -o pipefail` (or `set -euo pipefail`) before the
//! pipe. A stage built `FROM` an earlier stage inherits that stage's
//! `SHELL`. RUNs under a non-POSIX shell (PowerShell, cmd) are not judged.
//!
//! A pipe inside a command substitution counts only when the substitution
//! is assigned (`V=$(curl … | sha256sum)`), where its status is the
//! command's; in an argument (`echo "$(a | b)"`) the status is lost anyway.
//!
//! **Why.** A pipeline's exit status is that of its last command. In
//! `RUN curl -fsSL https://x/install.sh | sh` a failed download pipes
//! nothing into `sh`, which succeeds: the step passes and the image is
//! built without the tool.
//!
//! **Where hadolint differs.** hadolint ignores `set -o pipefail` inside
//! the RUN, recognises the shell only by exact path (`/usr/bin/bash` is not
//! bash to it), resets the shell at every `FROM`, and counts pipes inside
//! any command substitution. Plimsoll follows what the shell does.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN curl -fsSL https://example.com/install.sh | sh
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! SHELL ["/bin/bash", "-o", "pipefail", "-c"]
//! RUN curl -fsSL https://example.com/install.sh | sh
//! ```
//!
//! ## Fix
//! `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the RUN (on Alpine:
//! `SHELL ["/bin/ash", "-eo", "pipefail", "-c"]`), or start the script with
//! `set -o pipefail &&`.
//!
//! ## Incident it prevents
//! A CDN outage made `curl … | tar xz` download an error page; `tar` failed
//! on it but the step still passed on another run where `curl` failed
//! silently, and the image shipped without its binary.

use crate::helpers_c::{non_posix_runs, pipelines, words_set_pipefail};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::facts::is_posix_shell;
use plimsoll_dockerfile::shell::Script;
use plimsoll_dockerfile::{Instruction, Kind};

pub const META: Meta = Meta {
    code: "DL4006",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Set the SHELL option -o pipefail before RUN with a pipe in it",
    enabled_by_default: true,
};

/// Whether a SHELL instruction makes pipes safe: `-o pipefail`, or a
/// shell this rule does not judge.
fn shell_safe(ins: &Instruction) -> bool {
    let Some(j) = &ins.json else {
        return false;
    };
    let Some(prog) = j.first() else {
        return false;
    };
    if !is_posix_shell(&prog.value) {
        return true;
    }
    words_set_pipefail(j.iter().skip(1).map(|w| w.value.as_str()))
}

/// Offset of the first top-level `set … -o pipefail` in a script.
fn set_pipefail_at(script: &Script) -> Option<usize> {
    script
        .commands
        .iter()
        .filter(|c| !c.nested && c.is("set"))
        .filter(|c| words_set_pipefail(c.args().iter().map(|w| w.text.as_str())))
        .map(|c| c.span.start)
        .min()
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let f = cx.facts;
    let mut out = Vec::new();
    // The pipefail state at the end of each stage.
    let mut stage_end: Vec<bool> = Vec::with_capacity(f.stages.len());
    let np = non_posix_runs(cx);
    for st in &f.stages {
        let mut safe = st
            .base
            .stage
            .and_then(|p| stage_end.get(p).copied())
            .unwrap_or(false);
        for i in st.instructions() {
            let Some(ins) = cx.df().instructions.get(i) else {
                continue;
            };
            match ins.kind {
                Kind::Shell => safe = shell_safe(ins),
                Kind::Run if !safe && !np.get(i).copied().unwrap_or(false) => {
                    for script in cx.scripts(i) {
                        let set_at = set_pipefail_at(script).unwrap_or(usize::MAX);
                        if let Some(span) = pipelines(script, &cx.df().source)
                            .into_iter()
                            .find(|s| s.start < set_at)
                        {
                            out.push(
                                Hit::new(
                                    span,
                                    "Pipe without `pipefail`: a failure before the last `|` is ignored; set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` first",
                                )
                                .with_fix("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]"),
                            );
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        stage_end.push(safe);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_pipes_without_pipefail() {
        let src = "FROM a\nRUN curl x | sh\nRUN a && \\\n    b | c\nRUN <<EOF\nset -e\nd | e\nEOF\nRUN V=$(f | g)\nRUN h |& i\n";
        assert_eq!(lines(check, src), vec![2, 4, 7, 9, 10]);
    }

    #[test]
    fn passes_with_shell_or_set_pipefail() {
        let src = "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl x | sh\nFROM b\nRUN set -euo pipefail && a | b\nRUN <<EOF\nset -o pipefail\nc | d\nEOF\nRUN echo \"$(e | f)\"\nRUN g || h\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM a\nSHELL [\"/usr/bin/bash\", \"-euxo\", \"pipefail\", \"-c\"]\nRUN a | b\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn shell_resets_and_inheritance() {
        let src = "FROM a AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\nFROM c\nRUN d | e\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN f | g\nSHELL [\"/bin/sh\", \"-c\"]\nRUN h | i\n";
        assert_eq!(lines(check, src), vec![6, 10]);
    }

    #[test]
    fn non_posix_shells_and_onbuild() {
        let src = "FROM a\nSHELL [\"pwsh\", \"-Command\"]\nRUN Get-Item x | Remove-Item\nFROM b\nONBUILD RUN c | d\nRUN set -o pipefail; e | f\nRUN g | h; set -o pipefail\n";
        assert_eq!(lines(check, src), vec![7]);
    }

    #[test]
    fn groups_and_case_patterns() {
        let src = "FROM a\nRUN { echo a; echo b; } | tee /x\nRUN case \"$A\" in x86_64|aarch64) apk add b ;; esac\nRUN find . | while read f; do echo $f; done\nRUN [ \"$(ls | wc -l)\" = 1 ]\nRUN ( cd x && make ) 2>&1 | tee log\n";
        assert_eq!(lines(check, src), vec![2, 4, 6]);
    }

    #[test]
    fn windows_stage_without_shell_is_not_judged() {
        let src = "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nRUN dir | findstr x\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn exec_form_sh_c() {
        let src = "FROM a\nRUN [\"/bin/sh\", \"-c\", \"curl x | sh\"]\n";
        assert_eq!(lines(check, src), vec![2]);
    }
}
