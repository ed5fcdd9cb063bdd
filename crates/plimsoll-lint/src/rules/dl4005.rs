//! # DL4005: Use SHELL to change the default shell
//!
//! **What it checks.** A RUN (or ONBUILD RUN) that runs `ln` with
//! `/bin/sh` as an argument, i.e. replaces the system shell with a link to
//! another one (`ln -sf /bin/bash /bin/sh`). `ln` is recognised by its
//! base name (`/busybox/ln` too, which hadolint misses), in exec form as
//! well.
//!
//! **Why.** Relinking `/bin/sh` changes the shell for every script in the
//! image, including the distribution's own maintainer scripts that rely on
//! POSIX `sh` behaviour, and it is invisible to anyone reading the
//! Dockerfile's RUN lines. `SHELL` changes the shell of the Dockerfile's
//! RUNs only, and says so.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN ln -sf /bin/bash /bin/sh
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! SHELL ["/bin/bash", "-o", "pipefail", "-c"]
//! ```
//!
//! ## Fix
//! `SHELL ["/bin/bash", "-c"]` instead of relinking `/bin/sh`.
//!
//! ## Incident it prevents
//! After `/bin/sh` was linked to bash, a package's postinst script that
//! relied on dash's `echo` behaviour wrote a broken config file.

use crate::helpers_c::posix_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL4005",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Use SHELL to change the default shell",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, cmd) in posix_commands(cx) {
        if !cmd.is("ln") {
            continue;
        }
        if let Some(w) = cmd.args().iter().find(|w| w.text == "/bin/sh") {
            out.push(
                Hit::new(
                    w.span,
                    "Use SHELL to change the default shell instead of relinking `/bin/sh`",
                )
                .with_fix("SHELL [\"/bin/bash\", \"-c\"]"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_relinking_sh() {
        let src = "FROM a\nRUN ln -sf /bin/bash /bin/sh\nRUN true && \\\n    ln -s /bin/bash /bin/sh\nONBUILD RUN ln -sf /bin/zsh /bin/sh\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_other_links() {
        let src = "FROM a\nRUN ln -s /usr/bin/python3 /usr/bin/python\nSHELL [\"/bin/bash\", \"-c\"]\nRUN echo /bin/sh\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn exec_form_and_full_paths() {
        let src = "FROM a\nRUN [\"/busybox/ln\", \"-s\", \"/busybox/sh\", \"/bin/sh\"]\n";
        assert_eq!(lines(check, src), vec![2]);
    }
}
