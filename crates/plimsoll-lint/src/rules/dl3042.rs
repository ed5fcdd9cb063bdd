//! # DL3042: Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`
//!
//! **What it checks.** `pip install` (any `pip*`, or `python* -m pip
//! install`) in a `RUN` without `--no-cache-dir`, unless the cache is
//! disabled another way:
//! - `PIP_NO_CACHE_DIR` is set (by `ENV` or `ARG` in scope — inherited from
//!   the parent stage too — or by an assignment in the `RUN` itself);
//! - the `RUN` mounts a cache or tmpfs over the pip cache
//!   (`--mount=type=cache,target=/root/.cache/pip`, or all of `~/.cache`).
//!
//! `pipx` and `pipenv` are not pip and are not judged.
//!
//! pip disables its cache for *any* valid boolean value of
//! `PIP_NO_CACHE_DIR` — `0`, `false` and `off` included, for historical
//! reasons — so Plimsoll accepts all of them; hadolint accepts only the
//! "true" spellings and reports `PIP_NO_CACHE_DIR=0` wrongly.
//!
//! **Why.** pip stores every downloaded wheel under `~/.cache/pip`. In an
//! image that cache is never reused, yet it stays in the layer: often
//! hundreds of megabytes for scientific stacks.
//!
//! Commands called by path (`/venv/bin/pip install …`) are checked like
//! `pip`; hadolint matches only the bare name and misses them.
//!
//! ## Bad
//! ```dockerfile
//! FROM python:3.12-slim
//! RUN pip install -r requirements.txt
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM python:3.12-slim
//! RUN pip install --no-cache-dir -r requirements.txt
//! ```
//!
//! ## Fix
//! `pip install --no-cache-dir …`, or `ENV PIP_NO_CACHE_DIR=1` once per
//! stage, or `RUN --mount=type=cache,target=/root/.cache/pip pip install …`
//! to keep a cache across builds without shipping it.
//!
//! ## Incident it prevents
//! A machine-learning image carried 1.2 GB of pip cache for torch wheels;
//! cold starts on new nodes took minutes longer than necessary.

use crate::helpers_b::{mounts, runs};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::shell::{Command, ShWord};

pub const META: Meta = Meta {
    code: "DL3042",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`",
    enabled_by_default: true,
};

/// Python's `strtobool`: what pip accepts for `PIP_NO_CACHE_DIR`.
fn boolish(v: &str) -> bool {
    let v = v
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase();
    matches!(
        v.as_str(),
        "y" | "yes" | "t" | "true" | "on" | "1" | "n" | "no" | "f" | "false" | "off" | "0"
    )
}

/// The `install` word of a pip install command, when it is one.
fn pip_install(c: &Command) -> Option<&ShWord> {
    let name = c.base_name()?;
    let args = c.args();
    if name.starts_with("pip") && !name.starts_with("pipenv") && !name.starts_with("pipx") {
        return args.iter().find(|w| w.text == "install");
    }
    if name.starts_with("python") {
        let m = args.iter().position(|w| w.text == "-m")?;
        if args.get(m + 1).is_some_and(|w| w.text == "pip") {
            return args[m + 2..].iter().find(|w| w.text == "install");
        }
    }
    None
}

/// `PIP_NO_CACHE_DIR=<bool>` written in the RUN's script text.
fn set_in_text(text: &str) -> bool {
    text.match_indices("PIP_NO_CACHE_DIR=").any(|(p, m)| {
        let rest = &text[p + m.len()..];
        let v: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        boolish(&v)
    })
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for run in runs(cx) {
        let i = run.index;
        if cx
            .facts
            .var(i, "PIP_NO_CACHE_DIR")
            .is_some_and(|v| boolish(&v))
        {
            continue;
        }
        let cache_mount = mounts(run.ins).iter().any(|m| {
            (m.typ == "cache" || m.typ == "tmpfs")
                && m.target.as_deref().is_some_and(|t| {
                    let t = t.trim_end_matches('/');
                    t.contains(".cache/pip") || t.ends_with("/.cache")
                })
        });
        if cache_mount {
            continue;
        }
        let text_set =
            set_in_text(&run.ins.args) || run.ins.heredocs.iter().any(|h| set_in_text(&h.body));
        if text_set {
            continue;
        }
        for c in &run.commands {
            let Some(install) = pip_install(c) else {
                continue;
            };
            if c.args()
                .iter()
                .any(|w| w.text.starts_with("--no-cache-dir"))
            {
                continue;
            }
            out.push(
                Hit::new(install.span, "Use `pip install --no-cache-dir`: pip's download cache stays in the image layer")
                    .with_fix("install --no-cache-dir"),
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
    fn flags_cached_installs() {
        let src = "FROM python\nRUN pip install flask\nRUN python3 -m pip install -U pip \\\n && pip3 install \\\n  -r req.txt\n\
                   ONBUILD RUN pip install x\nRUN [\"pip\", \"install\", \"y\"]\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 6, 7]);
    }

    #[test]
    fn passes_no_cache_dir() {
        let src = "FROM python\nRUN pip install --no-cache-dir flask\nRUN pipx install black\nRUN pipenv install\n\
                   RUN python -m pipx install x\nRUN pip download x\nRUN PIP_NO_CACHE_DIR=1 pip install y\n\
                   RUN --mount=type=cache,target=/root/.cache/pip pip install z\n\
                   RUN --mount=type=cache,target=/root/.cache pip install z\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn env_and_stage_inheritance() {
        let src = "FROM python AS base\nENV PIP_NO_CACHE_DIR=off\nRUN pip install a\nFROM base\nRUN pip install b\nFROM python\nRUN pip install c\n";
        assert_eq!(lines(check, src), vec![7]);
    }

    #[test]
    fn arg_counts_too() {
        assert!(
            lines(
                check,
                "FROM python\nARG PIP_NO_CACHE_DIR=1\nRUN pip install a\n"
            )
            .is_empty()
        );
    }
}
