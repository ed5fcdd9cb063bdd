//! # PD003: The shipped image runs as root
//!
//! **What it checks.** The user the final image runs as: the last `USER`
//! of the final stage or of the earlier stages it is built `FROM`
//! (`FROM base AS final` inherits `base`'s USER), with variables expanded.
//! It is a finding when
//!
//! - there is no `USER` at all and the base image does not default to a
//!   non-root user (distroless `:nonroot` tags and Chainguard images do), or
//! - the last `USER` is root: `root`, `0`, `0:0`, `root:root`, `0:1000`.
//!
//! A `USER $APP_UID` whose variable has no known value is not judged, nor
//! is a missing USER on a base named by an `ARG` without a default.
//! Windows images (`nanoserver`, `servercore`) are not judged, nor is a
//! final stage that only collects files for `docker build --output`
//! (`FROM scratch` with nothing but COPY/ADD/ARG/LABEL: nothing runs).
//!
//! hadolint's DL3002 only looks at an explicit last `USER root` and is
//! silent when USER is missing; missing is the common case, and just as
//! root.
//!
//! **Why.** A process running as uid 0 in a container is root on the host's
//! kernel: one path-traversal bug, a writable host mount or a container
//! escape CVE turns into full node compromise. Kubernetes `runAsNonRoot`
//! admission (Pod Security "restricted") refuses such images outright.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12-slim
//! COPY app /usr/local/bin/app
//! CMD ["app"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd --system --uid 10001 --no-create-home app
//! COPY app /usr/local/bin/app
//! USER 10001:10001
//! CMD ["app"]
//! ```
//!
//! ## Fix
//! ```dockerfile
//! USER 65532:65532
//! ```
//! (numeric, so it works without `/etc/passwd` and satisfies `runAsNonRoot`).
//!
//! ## Incident it prevents
//! An image-upload endpoint with a path-traversal bug wrote to
//! `/proc/self/…`-reachable host paths because the service ran as root; the
//! cluster was rebuilt after the node was found mining cryptocurrency.

use crate::helpers_pd::{
    RunUser, base_known, final_lineage, is_artifact_image, is_windows, root_stage, user_of_lineage,
};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PD003",
    severity: Severity::Error,
    category: Category::Dockerfile,
    summary: "Final image runs as root (no USER, or last USER is root)",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let Some(root) = root_stage(cx, &lineage) else {
        return out;
    };
    if !root.base.scratch && base_known(&root.base) && is_windows(&root.base.image) {
        return out;
    }
    if is_artifact_image(cx) {
        return out;
    }
    let Some(fin) = cx.facts.final_stage() else {
        return out;
    };
    match user_of_lineage(cx, &lineage) {
        RunUser::Explicit {
            span, user, group, ..
        } if crate::helpers_pd::is_root_user(&user) => {
            let shown = match &group {
                Some(g) => format!("{user}:{g}"),
                None => user.clone(),
            };
            out.push(
                Hit::new(
                    span,
                    format!("The final image runs as root: the last USER is `{shown}`"),
                )
                .with_fix("USER 65532:65532"),
            );
        }
        // A base named by an ARG without a default may well run as non-root.
        RunUser::Default { nonroot: false } if root.base.scratch || base_known(&root.base) => {
            out.push(
                Hit::new(
                    fin.base.span,
                    "The final image runs as root: no USER in the final stage or the stages it is built on",
                )
                .with_fix("USER 65532:65532"),
            );
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_missing_user() {
        let r = run(check, "FROM debian:12\nCMD [\"app\"]\n");
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("no USER"));
        assert_eq!(
            lines(
                check,
                "FROM golang:1.22 AS b\nUSER 1000\nFROM scratch\nCOPY --from=b /a /a\nENTRYPOINT [\"/a\"]\n"
            ),
            vec![3]
        );
        // an export-only stage runs nothing
        assert!(
            lines(
                check,
                "FROM golang:1.22 AS b\nFROM scratch AS out\nCOPY --from=b /a /a\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn flags_root_spellings() {
        for u in ["root", "0", "0:0", "root:root", "0:1000", "00"] {
            let src = format!("FROM debian:12\nUSER app\nUSER {u}\n");
            assert_eq!(lines(check, &src), vec![3], "{u}");
        }
    }

    #[test]
    fn passes_non_root() {
        assert!(lines(check, "FROM debian:12\nUSER 10001:10001\n").is_empty());
        assert!(lines(check, "FROM debian:12\nUSER root\nRUN x\nUSER app\n").is_empty());
        assert!(lines(check, "FROM gcr.io/distroless/static-debian12:nonroot\n").is_empty());
        assert!(lines(check, "FROM cgr.dev/chainguard/static:latest\n").is_empty());
    }

    #[test]
    fn inherits_user_from_base_stage() {
        let src = "FROM debian:12 AS base\nUSER app\nFROM base\nCMD x\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12 AS base\nUSER app\nFROM base\nUSER root\n";
        assert_eq!(lines(check, src), vec![4]);
    }

    #[test]
    fn variables() {
        assert!(lines(check, "FROM debian:12\nARG UID\nUSER $UID\n").is_empty());
        assert_eq!(
            lines(check, "FROM debian:12\nARG UID=0\nUSER ${UID}\n"),
            vec![3]
        );
        assert!(lines(check, "FROM debian:12\nENV APP=1000\nUSER $APP:$APP\n").is_empty());
        // Unknown base image: its default user is unknown.
        assert!(lines(check, "ARG B\nFROM $B\n").is_empty());
    }

    #[test]
    fn onbuild_user_does_not_count_and_windows_skipped() {
        assert_eq!(lines(check, "FROM debian:12\nONBUILD USER app\n"), vec![1]);
        assert!(
            lines(
                check,
                "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n"
            )
            .is_empty()
        );
    }
}
