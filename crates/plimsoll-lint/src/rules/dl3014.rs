//! # DL3014: Use the -y switch with apt-get install
//!
//! **What it checks.** Every `apt-get install` in a `RUN` (shell form,
//! heredoc script or `ONBUILD RUN`) answers apt's confirmation prompt
//! itself: `-y`, `--yes`, `--assume-yes`, quiet level 2 (`-qq`, `-q=2`,
//! which implies `-y`), `-o APT::Get::Assume-Yes=true`, input piped from
//! `yes`, or an `APT::Get::Assume-Yes "true";` apt configuration file
//! written by an earlier `RUN` of the image. Options held in a variable
//! are expanded when its value is known (`apt-get install $APT_OPTS curl`
//! with `ARG APT_OPTS="-y -q"`); when it is not, the command is not judged.
//!
//! **Why.** A build has no terminal. When apt wants confirmation (more
//! packages than named, a downgrade) it reads end-of-file, answers "no" and
//! aborts, so the build fails on the day a dependency changes, not on the
//! day the line was written.
//!
//! hadolint accepts only `-y`/`--yes`/`--assume-yes` and exactly two `-q`;
//! the `-o` form, `yes |` and the configuration file are real ways to say
//! yes, and Plimsoll accepts them.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install --no-install-recommends curl=7.88.1-10
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10
//! ```
//!
//! ## Fix
//! `apt-get install -y …`
//!
//! ## Incident it prevents
//! A new release of a package pulled in one extra dependency; apt asked
//! "Do you want to continue? [Y/n]", read no answer, and every image build
//! failed until someone added `-y`.

use crate::helpers_a::{apt_conf_sets, apt_get_installs, command_span, expanded_args, flags_of};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3014",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Use the -y switch to avoid manual input: apt-get -y install <package>",
    enabled_by_default: true,
};

fn says_yes(args: &[String]) -> bool {
    let flags = flags_of(args);
    if flags
        .iter()
        .any(|f| matches!(*f, "y" | "yes" | "assume-yes" | "qq"))
    {
        return true;
    }
    if flags.iter().filter(|f| **f == "q").count() >= 2
        || flags.iter().filter(|f| **f == "quiet").count() >= 2
    {
        return true;
    }
    args.iter().any(|a| {
        let t = a.to_ascii_lowercase();
        let level = t.strip_prefix("-q=").or_else(|| t.strip_prefix("--quiet="));
        if level
            .and_then(|l| l.parse::<u32>().ok())
            .is_some_and(|l| l >= 2)
        {
            return true;
        }
        t.strip_prefix("apt::get::assume-yes=")
            .is_some_and(|v| matches!(v, "true" | "1" | "yes"))
    })
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in apt_get_installs(cx) {
        // Options held in a variable whose value is unknown are not judged.
        let Some(args) = expanded_args(cx, i, &cmd) else {
            continue;
        };
        if says_yes(&args) {
            continue;
        }
        // `yes | apt-get install …`
        let piped_yes = cmd.piped
            && cx
                .scripts(i)
                .iter()
                .flat_map(|s| s.commands.iter())
                .any(|c| {
                    c.pipeline == cmd.pipeline && c.is("yes") && c.span.start < cmd.span.start
                });
        if piped_yes || apt_conf_sets(cx, i, "APT::Get::Assume-Yes", &["true", "1", "yes"]) {
            continue;
        }
        let Some(span) = command_span(&cmd, "install") else {
            continue;
        };
        out.push(
            Hit::new(
                span,
                "Use the `-y` switch: `apt-get install` cannot ask for confirmation in a build",
            )
            .with_fix("apt-get install -y"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_missing_yes() {
        let src = "FROM debian:12\nRUN apt-get update && apt-get install curl\nRUN apt-get -q install curl\nRUN <<EOF\napt-get install git\nEOF\nONBUILD RUN apt-get install x\n";
        assert_eq!(lines(check, src), vec![2, 3, 5, 7]);
    }

    #[test]
    fn passes_yes_forms() {
        let src = "FROM debian:12\nRUN apt-get install -y a\nRUN apt-get -yq install a\nRUN apt-get install --assume-yes a\nRUN apt-get -qq install a\nRUN apt-get -q -q install a\nRUN apt-get -q=2 install a\nRUN apt-get -o APT::Get::Assume-Yes=true install a\nRUN yes | apt-get install a\nRUN DEBIAN_FRONTEND=\"noninteractive\" apt-get install --yes a\nRUN apt-get update\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12\nARG OPTS=\"-y -q\"\nRUN apt-get install $OPTS a\nARG UNKNOWN\nRUN apt-get install $UNKNOWN a\n";
        assert!(lines(check, src).is_empty());
        assert_eq!(
            lines(
                check,
                "FROM debian:12\nARG OPTS=-q\nRUN apt-get install $OPTS a\n"
            ),
            vec![3]
        );
    }

    #[test]
    fn apt_configuration_file() {
        let src = "FROM debian:12 AS base\nRUN echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90yes\nFROM base\nRUN apt-get install a\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12 AS base\nRUN echo 'APT::Get::Assume-Yes \"true\";' > /etc/apt/apt.conf.d/90yes\nFROM debian:12\nRUN apt-get install a\n";
        assert_eq!(lines(check, src), vec![4]);
    }
}
