//! # DL3066: Non-numeric user id may not be resolvable by the host
//!
//! **What it checks.** Every `USER` names the user by number
//! (`USER 10001`, `USER 10001:10001`) once build arguments and environment
//! variables in scope are expanded. A user given by a variable whose value
//! is unknown (an `ARG` without default, an `ENV` set by the base image) is
//! not judged.
//!
//! **Why.** The image's `/etc/passwd` maps a name to a UID inside the
//! container only. Orchestrators that must decide about the user before the
//! container starts cannot read it: Kubernetes refuses to start a pod with
//! `runAsNonRoot: true` whose image user is a name ("cannot verify user is
//! non-root"), and volume permissions on the host are set by number.
//!
//! **Where hadolint differs.** hadolint also flags `USER root`: root is UID
//! 0 in every image, so the name resolves everywhere (whether running as
//! root is wise is DL3002's concern). Windows images, where users have no
//! numeric ids (`USER ContainerUser`), are not judged either. hadolint
//! accepts any value that mentions a build argument, whatever its default;
//! Plimsoll judges the default.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:22
//! USER node
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:22
//! USER 1000:1000
//! ```
//!
//! ## Fix
//! Use the numeric id: `USER <uid>[:<gid>]` (`id -u node` inside the image
//! tells it).
//!
//! ## Incident it prevents
//! A hardened namespace enforced `runAsNonRoot`; the new release's pods
//! stayed in `CreateContainerConfigError` because the image said `USER app`.

use crate::helpers_c::windows_stage;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3066",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Non-numeric user-id may not be resolvable by host system",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.df().instructions.iter().enumerate() {
        if ins.kind != Kind::User {
            continue;
        }
        let raw = ins.args.trim();
        if raw.is_empty() {
            continue;
        }
        let ex = cx.facts.expand(i, raw);
        if !ex.unset.is_empty() {
            continue;
        }
        let user = ex.value.split(':').next().unwrap_or("").trim();
        if user.bytes().all(|b| b.is_ascii_digit()) || user == "root" {
            continue;
        }
        if windows_stage(cx, i) {
            continue;
        }
        out.push(
            Hit::new(
                ins.args_full_span(),
                format!(
                    "Non-numeric user `{user}`: use the numeric UID so the host can resolve it"
                ),
            )
            .with_fix("USER <uid>:<gid>"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_names() {
        let src =
            "FROM a\nUSER node\nUSER app:app\nARG U=app\nUSER $U\nENV N=svc\nUSER ${N}:1000\n";
        assert_eq!(lines(check, src), vec![2, 3, 5, 7]);
    }

    #[test]
    fn passes_numbers_root_and_unknowns() {
        let src = "FROM a\nUSER 1000\nUSER 1000:1000\nUSER root\nUSER root:root\nARG UID\nUSER $UID\nARG G=10\nUSER ${G}\nUSER $FROM_BASE_IMAGE\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn windows_images_are_not_judged() {
        let src = "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022 AS w\nUSER ContainerUser\nFROM w\nUSER ContainerAdministrator\n";
        assert!(lines(check, src).is_empty());
    }
}
