//! # DL3046: `useradd` with a high UID needs `-l`
//!
//! **What it checks.** A `useradd` in a RUN (or ONBUILD RUN) that gives a
//! UID of 100000 or more (`-u 123456`, `--uid=123456`) without `-l`
//! (`--no-log-init`). A UID taken from a build argument or environment
//! variable is judged by its value; one whose value is unknown is not.
//!
//! **Why.** Without `-l`, `useradd` records the user in `/var/log/lastlog`
//! and `/var/log/faillog`, files indexed by UID. For a large UID the file
//! is sparse on the build host but is stored in full in the image layer:
//! a UID of 1000000 adds hundreds of megabytes of zeroes.
//!
//! **Where hadolint differs.** hadolint measures the text after `-u`, so
//! `-u ${APP_UID}` is flagged whatever the variable holds, and `--uid`
//! values are never looked at. Plimsoll reads the value in all four
//! spellings and expands variables it knows.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN useradd -u 1000000 app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! RUN useradd -l -u 1000000 app
//! ```
//!
//! ## Fix
//! Add `-l` (`--no-log-init`): `useradd -l -u 1000000 app`.
//!
//! ## Incident it prevents
//! An image grew by 300 MB after the service account moved to UID
//! 2000000000 — all of it an empty `lastlog`.

use crate::helpers_c::posix_commands;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::shell::{Command, ShWord};

pub const META: Meta = Meta {
    code: "DL3046",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "`useradd` without flag `-l` and high UID will result in excessively large image",
    enabled_by_default: true,
};

/// The UID word and its text (`-u V`, `-uV`, `--uid V`, `--uid=V`).
fn uid_value(cmd: &Command) -> Option<(&ShWord, String)> {
    let args = cmd.args();
    for (k, w) in args.iter().enumerate() {
        let t = w.text.as_str();
        if t == "--" {
            break;
        }
        if t == "-u" || t == "--uid" {
            return args.get(k + 1).map(|v| (v, v.raw.clone()));
        }
        if let Some(v) = t.strip_prefix("--uid=") {
            return Some((w, v.to_string()));
        }
        // `-u123` or a cluster ending in u (`-lu 123` has -l anyway).
        if let Some(short) = t.strip_prefix('-').filter(|s| !s.starts_with('-'))
            && let Some(p) = short.find('u')
        {
            let rest = &short[p + 1..];
            if rest.is_empty() {
                return args.get(k + 1).map(|v| (v, v.raw.clone()));
            }
            if rest.bytes().all(|b| b.is_ascii_digit()) {
                return Some((w, rest.to_string()));
            }
        }
    }
    None
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in posix_commands(cx) {
        if !cmd.is("useradd") || cmd.has_any_flag(&["l", "no-log-init"]) {
            continue;
        }
        let Some((word, raw)) = uid_value(cmd) else {
            continue;
        };
        let ex = cx.facts.expand(i, &raw);
        if !ex.unset.is_empty() {
            continue;
        }
        let v = ex.value.trim();
        let high = !v.is_empty()
            && v.bytes().all(|b| b.is_ascii_digit())
            && v.trim_start_matches('0').len() > 5;
        if high {
            out.push(
                Hit::new(
                    word.span,
                    format!(
                        "`useradd` with the high UID {v} but without `-l`: lastlog/faillog entries bloat the image"
                    ),
                )
                .with_fix("useradd -l -u <uid> <name>"),
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
    fn flags_high_uid_without_l() {
        let src = "FROM a\nRUN useradd -u 1000000 app\nRUN useradd --uid=123456 b\nRUN groupadd g && \\\n    useradd --uid 999999 c\nRUN /usr/sbin/useradd -u123456 d\n";
        assert_eq!(lines(check, src), vec![2, 3, 5, 6]);
    }

    #[test]
    fn passes_low_uid_or_l() {
        let src = "FROM a\nRUN useradd -u 1000 app\nRUN useradd -l -u 1000000 app\nRUN useradd --no-log-init --uid=1000000 x\nRUN useradd -lu 1000000 y\nRUN useradd app\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables_are_expanded() {
        let src = "FROM a\nARG UID=1000\nRUN useradd -u ${UID} a\nARG BIG=200000\nRUN useradd -u $BIG b\nARG UNKNOWN\nRUN useradd -u $UNKNOWN c\n";
        assert_eq!(lines(check, src), vec![5]);
    }

    #[test]
    fn onbuild_and_heredoc() {
        let src =
            "FROM a\nONBUILD RUN useradd -u 1000000 x\nRUN <<EOF\nuseradd -u 1000000 y\nEOF\n";
        assert_eq!(lines(check, src), vec![2, 4]);
    }
}
