//! # DL3015: Avoid additional packages by specifying --no-install-recommends
//!
//! **What it checks.** Every `apt-get install` in a `RUN` (shell form,
//! heredoc script or `ONBUILD RUN`) turns off recommended packages:
//! `--no-install-recommends`, `-o APT::Install-Recommends=false` (or `0`),
//! or an `APT::Install-Recommends "false";` apt configuration file written
//! by an earlier `RUN` of the image. Options held in a variable are
//! expanded when its value is known; when it is not, the command is not
//! judged.
//!
//! **Why.** By default apt also installs every package the named ones
//! "recommend": documentation tools, X11 libraries, compilers. They make
//! the image larger and widen its attack surface, and the set changes as
//! the distribution changes, so two builds differ in content.
//!
//! hadolint accepts only the flag and the exact word
//! `APT::Install-Recommends=false`; Plimsoll also accepts `=0` and the
//! configuration-file form, which apt honours the same way.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y curl=7.88.1-10
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10
//! ```
//!
//! ## Fix
//! `apt-get install -y --no-install-recommends …`, adding explicitly the few
//! recommended packages you really need.
//!
//! ## Incident it prevents
//! Installing `python3-pip` without the flag pulled in a full compiler
//! toolchain; the image grew by 250 MB and a scanner reported dozens of new
//! CVEs in packages nothing used.

use crate::helpers_a::{apt_conf_sets, apt_get_installs, command_span, expanded_args, flags_of};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3015",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Avoid additional packages by specifying --no-install-recommends",
    enabled_by_default: true,
};

const OFF: &[&str] = &["false", "0", "no", "off"];

fn disables_recommends(args: &[String]) -> bool {
    flags_of(args).contains(&"no-install-recommends")
        || args.iter().any(|a| {
            let t = a.to_ascii_lowercase();
            t.strip_prefix("apt::install-recommends=")
                .is_some_and(|v| OFF.contains(&v.trim_matches(|c| c == '"' || c == '\'')))
        })
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in apt_get_installs(cx) {
        // Options held in a variable whose value is unknown are not judged.
        let Some(args) = expanded_args(cx, i, &cmd) else {
            continue;
        };
        if disables_recommends(&args) || apt_conf_sets(cx, i, "APT::Install-Recommends", OFF) {
            continue;
        }
        let Some(span) = command_span(&cmd, "install") else {
            continue;
        };
        out.push(
            Hit::new(
                span,
                "Avoid additional packages by specifying `--no-install-recommends`",
            )
            .with_fix("apt-get install --no-install-recommends"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_missing_flag() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN <<EOF\napt-get install -y git\nEOF\nONBUILD RUN apt-get install -y x\n";
        assert_eq!(lines(check, src), vec![2, 4, 6]);
    }

    #[test]
    fn passes_disabled_recommends() {
        let src = "FROM debian:12\nRUN apt-get install -y --no-install-recommends a\nRUN apt-get -o APT::Install-Recommends=false install -y a\nRUN apt-get -o APT::Install-Recommends=0 install -y a\nRUN apt-get update\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12\nENV O=--no-install-recommends\nRUN apt-get install -y $O a\nARG X\nRUN apt-get install -y $X a\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn apt_configuration_file() {
        let src = "FROM debian:12\nRUN echo 'APT::Install-Recommends \"0\";' | tee /etc/apt/apt.conf.d/99norec\nRUN apt-get install -y a\n";
        assert!(lines(check, src).is_empty());
    }
}
