//! # DL3047: `wget` without a progress setting floods the build log
//!
//! **What it checks.** Every `wget` in a RUN (or ONBUILD RUN) states how
//! to report progress: `--progress=…`, or quiet output (`-q`/`--quiet`,
//! `-nv`/`--no-verbose`), or a log file (`-o`/`--output-file`,
//! `-a`/`--append-output`). RUNs under PowerShell or `cmd` (Windows images),
//! where `wget` is an alias of `Invoke-WebRequest`, are not judged.
//!
//! **Why.** A build has no terminal, so `wget` falls back to its "dot"
//! progress display: one line per few kilobytes. Downloading a large file
//! writes megabytes of dots into the build log, slowing CI log viewers and
//! burying the lines that matter.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN wget https://example.com/big.tar.gz
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN wget --progress=dot:giga https://example.com/big.tar.gz
//! ```
//!
//! ## Fix
//! `wget --progress=dot:giga <url>`, or `wget -q <url>` / `wget -nv <url>`.
//!
//! ## Incident it prevents
//! A CI job hit the log size limit while downloading a 2 GB model and was
//! killed, hiding the real build error further down.

use crate::helpers_c::posix_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3047",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Avoid use of wget without progress bar",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, cmd) in posix_commands(cx) {
        if !cmd.is("wget") {
            continue;
        }
        let quiet = cmd.has_any_flag(&[
            "progress",
            "q",
            "quiet",
            "o",
            "output-file",
            "a",
            "append-output",
            "no-verbose",
        ]) || cmd.has_arg("-nv");
        if quiet {
            continue;
        }
        let span = cmd.words.first().map(|w| w.span).unwrap_or(cmd.span);
        out.push(
            Hit::new(
                span,
                "`wget` without `--progress` (or `-q`/`-nv`) writes a progress line every few KB into the build log",
            )
            .with_fix("wget --progress=dot:giga <url>"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_plain_wget() {
        let src = "FROM a\nRUN wget http://x/y\nRUN curl -o a b && \\\n    wget -O - http://x | tar x\nONBUILD RUN wget http://z\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_quiet_or_progress() {
        let src = "FROM a\nRUN wget -q http://x\nRUN wget -qO- http://x\nRUN wget --progress=dot:giga http://x\nRUN wget -nv http://x\nRUN wget --no-verbose http://x\nRUN wget -o log http://x\nRUN wget --quiet http://x\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn heredoc_body_is_checked() {
        assert_eq!(
            lines(check, "FROM a\nRUN <<EOF\nwget http://x\nEOF\n"),
            vec![3]
        );
    }

    #[test]
    fn windows_runs_are_not_judged() {
        let src = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command wget http://x -OutFile y\nFROM b\nSHELL [\"pwsh\", \"-c\"]\nRUN wget http://x -OutFile y\n";
        assert!(lines(check, src).is_empty());
    }
}
