//! # DL3001: Command makes no sense in a container build
//!
//! **What it checks.** A `RUN` (shell form, heredoc script or `ONBUILD
//! RUN`) calls one of the interactive or machine-administration commands
//! `free`, `kill`, `mount`, `ps`, `service`, `shutdown`, `ssh`, `top` or
//! `vim`, anywhere in its script (inside `$(…)`, `if`, loops and pipelines
//! too). The command is matched by its name without directory, so
//! `/usr/sbin/service` counts.
//!
//! **Why.** A build step runs once, without a terminal, in a throw-away
//! container with no init system: there is no service manager to talk to,
//! no process worth inspecting, nobody to answer an editor or an SSH
//! prompt, and nothing to shut down. Such a command either does nothing
//! useful, hangs the build, or hides a design mistake (starting a daemon in
//! a layer, where it will not be running when the container starts).
//!
//! hadolint's message also names `ifconfig`, but hadolint never checks it;
//! Plimsoll checks the same nine commands hadolint does.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN service nginx start && apt-get -y install curl=7.88.1-10
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get -y install curl=7.88.1-10
//! CMD ["nginx", "-g", "daemon off;"]
//! ```
//!
//! ## Fix
//! Start long-running processes from `CMD`/`ENTRYPOINT`, not from a `RUN`:
//! `CMD ["nginx", "-g", "daemon off;"]`.
//!
//! ## Incident it prevents
//! A `RUN service postgresql start` made the build "work" on a laptop, but
//! the database was not running in the shipped container and the app
//! crash-looped on its first connection.

use crate::helpers_a::all_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3001",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Command makes no sense in a container build (ssh, vim, service, ps, kill, …)",
    enabled_by_default: true,
};

const POINTLESS: &[&str] = &[
    "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, cmd) in all_commands(cx) {
        let Some(name) = cmd.base_name() else {
            continue;
        };
        if !POINTLESS.contains(&name) {
            continue;
        }
        let Some(w) = cmd.words.first() else { continue };
        out.push(Hit::new(
            w.span,
            format!("`{name}` makes no sense in a build step: there is no terminal, init system or running process to act on"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_pointless_commands() {
        let src = "FROM debian:12\nRUN service nginx start\nRUN apt-get update && \\\n    ps aux | grep x\nRUN echo $(/usr/bin/top -b -n1)\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_ordinary_commands_and_arguments() {
        let src =
            "FROM debian:12\nRUN apt-get install -y procps vim-tiny\nRUN command -v ps\nCMD ps\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn heredoc_and_onbuild() {
        let src = "FROM debian:12\nRUN <<EOF\nset -e\nvim -c q\nEOF\nONBUILD RUN kill 1\n";
        assert_eq!(lines(check, src), vec![4, 6]);
    }
}
