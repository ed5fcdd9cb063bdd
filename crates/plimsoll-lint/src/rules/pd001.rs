//! # PD001: Final image's base is not pinned by digest (or comes from an untrusted registry)
//!
//! **What it checks.** The base image of the image you ship: the final
//! stage's `FROM`, followed through earlier stages (`FROM build AS final`)
//! down to the real image reference, with global `ARG` defaults expanded
//! as BuildKit does. It must carry a digest (`@sha256:<64 hex>`). `scratch`
//! needs none. A reference built from an `ARG` without a default is not
//! judged. When `trusted-registries` is configured, the image must also
//! come from one of them: an image without a registry comes from Docker Hub
//! (`docker.io`; `index.docker.io` and `registry-1.docker.io` are the same
//! registry). An entry may be a host (`registry.example.com`), a wildcard
//! host (`*.example.com`) or a host with a path prefix (`gcr.io/distroless`).
//!
//! Builder stages are not judged here: their bits do not ship (DL3006 and
//! DL3026 cover every stage).
//!
//! **Why.** A tag is a pointer the publisher moves. The same commit built
//! twice, a week apart, ships two different operating systems: a rollback
//! to "the old image" is not the old image, and a reproduced bug does not
//! reproduce. A digest names exactly one image; tools such as Renovate or
//! Dependabot update it in a reviewed pull request.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12@sha256:2b7c93f6d6648c11f0e80a48558c8f77885eb0445213b8e69a6a0d7c89fc6ae4
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Fix
//! ```sh
//! docker buildx imagetools inspect gcr.io/distroless/static-debian12 --format '{{json .Manifest.Digest}}'
//! ```
//! then `FROM gcr.io/distroless/static-debian12@sha256:<digest>` (keeping the
//! tag before `@` is allowed and documents the intent).
//!
//! ## Incident it prevents
//! "Same commit, different image": a hotfix rebuilt from an old tag picked up
//! a re-pushed `debian:12` with a new OpenSSL, and the rollback that was
//! supposed to restore last week's behaviour shipped a third, untested image.

use crate::helpers_pd::{base_known, final_lineage, normalize_registry, registry_of, root_stage};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::words::glob_match;

pub const META: Meta = Meta {
    code: "PD001",
    severity: Severity::Warning,
    category: Category::Dockerfile,
    summary: "Final image's base is not pinned by digest (or not from a trusted registry)",
    enabled_by_default: true,
};

fn valid_digest(d: &str) -> bool {
    let hexlen = |h: &str, n: usize| {
        h.len() == n
            && h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    };
    match d.split_once(':') {
        Some(("sha256", h)) => hexlen(h, 64),
        Some(("sha512", h)) => hexlen(h, 128),
        _ => false,
    }
}

fn trusted(reg: &str, name: &str, list: &[String]) -> bool {
    let full = format!("{reg}/{name}");
    list.iter().any(|t| {
        let t = t.trim();
        let (host, path) = match t.split_once('/') {
            Some((h, p)) => (normalize_registry(h), Some(p.trim_end_matches('/'))),
            None => (normalize_registry(t), None),
        };
        let host_ok = host == reg || glob_match(&host, reg);
        match path {
            None | Some("") => host_ok,
            Some(p) => {
                let prefix = format!("{host}/{p}");
                host_ok
                    && (full == prefix
                        || full.starts_with(&format!("{prefix}/"))
                        || glob_match(&prefix, &full))
            }
        }
    })
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let Some(root) = root_stage(cx, &lineage) else {
        return out;
    };
    let b = &root.base;
    if b.scratch || b.stage.is_some() || !base_known(b) {
        return out;
    }
    let via_arg = if b.has_vars {
        format!(" (from `{}`)", b.raw)
    } else {
        String::new()
    };
    match b.image.digest.as_deref() {
        None => {
            let name = b.resolved.as_str();
            out.push(
                Hit::new(
                    b.span,
                    format!(
                        "The final image's base `{name}`{via_arg} is not pinned by digest: the tag can be re-pushed, so two builds of the same commit ship different images"
                    ),
                )
                .with_fix(format!("FROM {name}@sha256:<digest>   # docker buildx imagetools inspect {name}")),
            );
        }
        Some(d) if !valid_digest(d) => {
            out.push(Hit::new(
                b.span,
                format!(
                    "The final image's base `{}`{via_arg} has a malformed digest `{d}` (expected sha256: and 64 lower-case hex digits)",
                    b.resolved
                ),
            ));
        }
        Some(_) => {}
    }
    let list = &cx.settings.trusted_registries;
    if !list.is_empty() {
        let reg = registry_of(&b.image);
        let name = if b.image.registry.is_none() && !b.image.name.contains('/') {
            format!("library/{}", b.image.name)
        } else {
            b.image.name.clone()
        };
        if !trusted(&reg, &name, list) {
            out.push(Hit::new(
                b.span,
                format!(
                    "The final image's base `{}` comes from `{reg}`, which is not a trusted registry ({})",
                    b.resolved,
                    list.join(", ")
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run, run_with};
    use crate::{DockerIgnore, Settings};

    const D: &str = "sha256:2b7c93f6d6648c11f0e80a48558c8f77885eb0445213b8e69a6a0d7c89fc6ae4";

    fn with_registries(src: &str, regs: &[&str]) -> Vec<u32> {
        let s = Settings {
            trusted_registries: regs.iter().map(|r| r.to_string()).collect(),
            ..Settings::default()
        };
        run_with(check, src, &s, &DockerIgnore::Unknown)
            .into_iter()
            .map(|(l, _)| l)
            .collect()
    }

    #[test]
    fn flags_unpinned_final_base() {
        let r = run(check, "FROM debian:12\nCMD [\"true\"]\n");
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("`debian:12`"));
    }

    #[test]
    fn only_the_final_lineage_counts() {
        let src = format!(
            "FROM golang:1.22 AS build\nRUN true\nFROM gcr.io/distroless/static-debian12@{D}\n"
        );
        assert!(lines(check, &src).is_empty());
        let src = format!("FROM golang:1.22@{D} AS build\nFROM alpine:3.20\n");
        assert_eq!(lines(check, &src), vec![2]);
    }

    #[test]
    fn follows_stages_to_the_real_image() {
        let src = "FROM debian:12 AS base\nRUN true\nFROM golang:1.22 AS build\nFROM base\nCMD x\n";
        assert_eq!(lines(check, src), vec![1]);
        let src = format!("FROM debian:12@{D} AS base\nFROM golang:1.22 AS build\nFROM base\n");
        assert!(lines(check, &src).is_empty());
    }

    #[test]
    fn resolves_arg_defaults() {
        let src = "ARG BASE=alpine:3.20\nFROM ${BASE}\n";
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("alpine:3.20") && r[0].1.contains("${BASE}"));
        let src = format!("ARG BASE=alpine:3.20@{D}\nFROM ${{BASE}}\n");
        assert!(lines(check, &src).is_empty());
        assert!(lines(check, "ARG BASE\nFROM $BASE\n").is_empty());
    }

    #[test]
    fn scratch_and_malformed_digests() {
        assert!(lines(check, "FROM golang:1.22 AS b\nFROM scratch\n").is_empty());
        assert_eq!(lines(check, "FROM alpine@sha256:00\n"), vec![1]);
        let src = format!("FROM alpine:3.20@{D}\n");
        assert!(lines(check, &src).is_empty());
    }

    #[test]
    fn trusted_registries() {
        let src = format!("FROM debian:12@{D}\n");
        assert!(with_registries(&src, &[]).is_empty());
        assert!(with_registries(&src, &["docker.io"]).is_empty());
        assert!(with_registries(&src, &["index.docker.io"]).is_empty());
        assert!(with_registries(&src, &["registry-1.docker.io"]).is_empty());
        assert_eq!(with_registries(&src, &["registry.example.com"]), vec![1]);
        let src = format!("FROM gcr.io/distroless/static-debian12@{D}\n");
        assert!(with_registries(&src, &["gcr.io"]).is_empty());
        assert!(with_registries(&src, &["*.io"]).is_empty());
        assert!(with_registries(&src, &["gcr.io/distroless"]).is_empty());
        assert_eq!(with_registries(&src, &["gcr.io/other"]), vec![1]);
        assert_eq!(with_registries(&src, &["docker.io"]), vec![1]);
        // Unpinned and untrusted: two findings.
        assert_eq!(
            with_registries("FROM quay.io/x/y:1\n", &["docker.io"]),
            vec![1, 1]
        );
        // Scratch needs no registry.
        assert!(with_registries("FROM scratch\n", &["registry.example.com"]).is_empty());
    }
}
