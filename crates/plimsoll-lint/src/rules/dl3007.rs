//! # DL3007: Using latest is prone to errors
//!
//! **What it checks.** A `FROM` whose image tag is `latest` and that has no
//! digest. Global build arguments are expanded with their defaults first,
//! as BuildKit does, so `ARG TAG=latest` + `FROM node:${TAG}` and
//! `ARG BASE=node:latest` + `FROM $BASE` are caught too. A reference to an
//! earlier stage and an image pinned by digest (`name:latest@sha256:…`)
//! are not reported.
//!
//! **Why.** `latest` is just the tag a publisher moved last. Two builds of
//! the same Dockerfile a week apart can get different operating systems,
//! language runtimes or libc versions, and nothing in the repository says
//! which one an image was built from.
//!
//! **Where hadolint is wrong.** hadolint only looks at the tag written in
//! the `FROM` line, so `FROM ${BASE}` with `ARG BASE=node:latest` passes.
//! Plimsoll resolves the ARG default like DL3006 does.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:latest
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20.11-bookworm-slim
//! ```
//!
//! ## Fix
//! Name a release tag, and pin the digest for reproducible builds:
//! `FROM node:20.11-bookworm-slim@sha256:<digest>`.
//!
//! ## Incident it prevents
//! `FROM python:latest` moved from 3.11 to 3.12 between two deploys; a
//! removed stdlib module broke the service in production with no change in
//! its repository.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "DL3007",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Using latest is prone to errors; pin the image to a release tag",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for st in &cx.facts.stages {
        let b = &st.base;
        if b.scratch || b.stage.is_some() || b.image.digest.is_some() {
            continue;
        }
        let latest = if b.unresolved.is_empty() {
            b.image.tag.as_deref() == Some("latest")
        } else {
            // Parts of the reference are unknown; judge only a literal tag.
            b.raw.ends_with(":latest")
        };
        if !latest {
            continue;
        }
        let name = if b.image.name.is_empty() {
            b.resolved.as_str()
        } else {
            b.image.name.as_str()
        };
        let full = match &b.image.registry {
            Some(r) if b.unresolved.is_empty() => format!("{r}/{name}"),
            _ => name.to_string(),
        };
        let shown = if b.has_vars {
            format!("`{}` (= `{}`)", b.raw, b.resolved)
        } else {
            format!("`{}`", b.raw)
        };
        out.push(
            Hit::new(
                b.span,
                format!("Using `latest` is prone to errors: pin {shown} to a release tag"),
            )
            .with_fix(format!("FROM {full}:<version>")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_latest() {
        assert_eq!(
            lines(check, "FROM node:latest\nFROM r.io:5000/a/b:latest AS x\n"),
            vec![1, 2]
        );
    }

    #[test]
    fn resolves_arg_defaults() {
        assert_eq!(
            lines(check, "ARG BASE=node:latest\nFROM ${BASE}\n"),
            vec![2]
        );
        assert_eq!(lines(check, "ARG TAG=latest\nFROM node:$TAG\n"), vec![2]);
        assert_eq!(lines(check, "ARG REG\nFROM $REG/node:latest\n"), vec![2]);
        assert!(lines(check, "ARG TAG=20\nFROM node:$TAG\n").is_empty());
        assert!(lines(check, "ARG TAG\nFROM node:$TAG\n").is_empty());
    }

    #[test]
    fn passes_tags_digests_stages() {
        let src = "FROM node:20 AS latest\nFROM latest\nFROM node:latest@sha256:abc\nFROM node\nFROM scratch\nFROM node:LATEST\n";
        assert!(lines(check, src).is_empty());
    }
}
