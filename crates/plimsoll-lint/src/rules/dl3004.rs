//! # DL3004: Do not use sudo
//!
//! **What it checks.** A `RUN` (shell form, heredoc script or `ONBUILD
//! RUN`) calls `sudo` anywhere in its script, by name or by path
//! (`/usr/bin/sudo`).
//!
//! **Why.** Build steps already run as the current `USER`; switching with
//! `sudo` needs sudo installed and configured in the image, behaves
//! differently with and without a TTY, keeps or drops environment
//! variables depending on `sudoers`, and leaves a privilege-escalation tool
//! in the final image. Switch users with `USER`, or use a small tool such
//! as `gosu`/`su-exec` in an entrypoint that must drop privileges.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! USER app
//! RUN sudo apt-get -y install curl=7.88.1-10
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get -y install curl=7.88.1-10
//! USER app
//! ```
//!
//! ## Fix
//! Run the privileged step before `USER app` (or between `USER root` and
//! `USER app`) and remove `sudo`.
//!
//! ## Incident it prevents
//! `sudo` reset `PATH` and `HTTP_PROXY`; the step worked on a developer
//! machine and failed in CI behind the proxy, and the image shipped a
//! passwordless sudo rule that a later exploit used.

use crate::helpers_a::all_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3004",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Do not use sudo; switch users with USER (or gosu in an entrypoint)",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, cmd) in all_commands(cx) {
        if !cmd.is("sudo") {
            continue;
        }
        let Some(w) = cmd.words.first() else { continue };
        out.push(Hit::new(
            w.span,
            "Do not use sudo: it behaves unpredictably without a TTY and leaves an escalation tool in the image; use USER (or gosu in an entrypoint)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_sudo() {
        let src = "FROM a:1\nRUN sudo make install\nRUN echo $(/usr/bin/sudo id)\nRUN <<EOF\nsudo ls\nEOF\nONBUILD RUN sudo ls\n";
        assert_eq!(lines(check, src), vec![2, 3, 5, 7]);
    }

    #[test]
    fn passes_without_sudo() {
        let src =
            "FROM a:1\nRUN apt-get install -y sudo && echo sudo\nUSER root\nRUN make install\n";
        assert!(lines(check, src).is_empty());
    }
}
