//! # DL3013: Pin versions in pip
//!
//! **What it checks.** Every package named by `pip install` (also `pip3`,
//! `pip3.12`, `pipx`, `python -m pip install`) in a `RUN` (shell form,
//! heredoc script or `ONBUILD RUN`) carries a version specifier (`==`,
//! `>=`, `~=`, `<`, …), is a local wheel or sdist (`.whl`, `.tar.gz`), a
//! path or URL, or a VCS reference pinned with `@` (`git+https://…@v1.2`).
//! Commands that install from a requirements file (`-r`/`--requirement`),
//! the current project (`.`) or under a constraints file (`-c`) are not
//! judged: the file decides the versions.
//!
//! **Why.** An unpinned pip package is whatever PyPI serves on the day of
//! the build; a rebuild of the same commit can pull a new major version or
//! a freshly compromised release.
//!
//! **Where hadolint is wrong.** hadolint reads `pip install $PKGS` as one
//! unpinned package named `$PKGS` (hadolint #928). Plimsoll expands a
//! variable whose value it can read (ARG/ENV in scope, or an assignment
//! earlier in the same script) and judges the real packages, and does not
//! judge a value it cannot see. It also knows more pip options that take a
//! value (`--cache-dir DIR`, `--timeout 60`), which hadolint would read as
//! package names, and recognises pip run by path (`/venv/bin/pip install`,
//! `/opt/venv/bin/python3 -m pip install`), which hadolint misses. A `RUN`
//! under a non-POSIX `SHELL` (PowerShell, `cmd`) is not read.
//!
//! ## Bad
//! ```dockerfile
//! FROM python:3.12-slim
//! RUN pip install --no-cache-dir flask
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM python:3.12-slim
//! RUN pip install --no-cache-dir flask==3.0.2
//! ```
//!
//! ## Fix
//! `pip install flask==<version>`, or `pip install -r requirements.txt`
//! with pinned requirements (ideally with `--require-hashes`).
//!
//! ## Incident it prevents
//! A transitive web framework released a major version on a Friday; the
//! next rebuild of an untouched service picked it up and failed at start-up.

use crate::helpers_a::{all_commands, operands, resolve_word, shell_assignments};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::shell::Command;

pub const META: Meta = Meta {
    code: "DL3013",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Pin versions in pip install",
    enabled_by_default: true,
};

/// pip options whose value is a separate word.
const VALUE_FLAGS: &[&str] = &[
    "abi",
    "b",
    "build",
    "e",
    "editable",
    "extra-index-url",
    "f",
    "find-links",
    "i",
    "index-url",
    "implementation",
    "no-binary",
    "only-binary",
    "platform",
    "prefix",
    "progress-bar",
    "proxy",
    "python",
    "python-version",
    "root",
    "root-user-action",
    "src",
    "t",
    "target",
    "trusted-host",
    "upgrade-strategy",
    "cache-dir",
    "log",
    "retries",
    "timeout",
    "exists-action",
    "cert",
    "client-cert",
    "global-option",
    "install-option",
    "config-settings",
    "C",
    "report",
    "keyring-provider",
    "use-feature",
    "use-deprecated",
    "r",
    "requirement",
    "c",
    "constraint",
    "group",
];

const VCS: &[&str] = &["git+", "git:", "hg+", "svn+", "svn:", "bzr+"];

fn is_pip_install(c: &Command) -> bool {
    let Some(name) = c.base_name() else {
        return false;
    };
    let texts: Vec<&str> = c.args().iter().map(|w| w.text.as_str()).collect();
    if name.starts_with("pip") && !name.starts_with("pipenv") {
        return texts.contains(&"install");
    }
    name.starts_with("python") && texts.windows(3).any(|w| w == ["-m", "pip", "install"])
}

fn pinned(p: &str) -> bool {
    let vcs = VCS.iter().any(|v| p.starts_with(v));
    ["==", ">=", "<=", ">", "<", "!=", "~=", "==="]
        .iter()
        .any(|s| p.contains(s))
        || (vcs && p.contains('@'))
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || (!vcs && p.contains('/'))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    crate::util::one_per_instruction(cx, check_each(cx))
}

/// One hit per unpinned package (merged per instruction by `check`).
fn check_each(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, cmd) in all_commands(cx) {
        if !is_pip_install(&cmd) {
            continue;
        }
        let texts: Vec<&str> = cmd.args().iter().map(|w| w.text.as_str()).collect();
        let from_file = texts
            .iter()
            .any(|t| matches!(*t, "-r" | "--requirement" | "."))
            || cmd.has_flag("constraint")
            || cmd.has_flag("c");
        if from_file {
            continue;
        }
        let ops = operands(&cmd, VALUE_FLAGS);
        let Some(start) = ops.iter().position(|w| w.text == "install") else {
            continue;
        };
        let assigns = shell_assignments(cx, i);
        for w in ops[start..].iter().skip_while(|w| w.text == "install") {
            if pinned(&w.text) {
                continue;
            }
            let Some(pkgs) = resolve_word(cx, i, w, &assigns) else {
                continue;
            };
            let loose: Vec<&String> = pkgs.iter().filter(|p| !pinned(p)).collect();
            if loose.is_empty() {
                continue;
            }
            let names: Vec<String> = loose.iter().map(|p| p.to_string()).collect();
            let msg = if names.len() == 1 && names[0] == w.text {
                format!("Pin versions in pip: `{}` has no version specifier", w.text)
            } else {
                format!(
                    "Pin versions in pip: `{}` installs {} without a version",
                    w.raw,
                    crate::helpers_a::list_words(&names, 5)
                )
            };
            let fix = names
                .iter()
                .map(|p| format!("{p}==<version>"))
                .collect::<Vec<_>>()
                .join(" ");
            out.push(Hit::new(w.span, msg).with_fix(fix));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_unpinned() {
        let src = "FROM python:3\nRUN pip install --no-cache-dir flask \\\n  requests==2.31\nRUN python3 -m pip install --upgrade pip\nRUN pip3 install --cache-dir /tmp/c --timeout 60 uvicorn\n";
        assert_eq!(lines(check, src), vec![2, 4, 5]);
    }

    #[test]
    fn passes_pinned_files_and_sources() {
        let src = "FROM python:3\nRUN pip install flask==3.0 'b>=1,<2' ./pkg dist/x.whl x.tar.gz git+https://h/r.git@v1 https://h/p.zip\nRUN pip install -r requirements.txt\nRUN pip install .\nRUN pip install -c constraints.txt flask\nRUN pip install -e .\nRUN pipenv install flask\nRUN pip download flask\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM python:3\nARG PKGS\nRUN pip install $PKGS\nENV P=\"a==1 b==2\"\nRUN pip install $P\nRUN pip install \"flask==${V}\"\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM python:3\nENV P=\"a==1 b\"\nRUN pip install $P\n";
        assert_eq!(lines(check, src), vec![3]);
    }

    #[test]
    fn heredoc_and_onbuild() {
        let src =
            "FROM python:3\nRUN <<EOF\npip install flask\nEOF\nONBUILD RUN pip install gunicorn\n";
        assert_eq!(lines(check, src), vec![3, 5]);
    }
}
