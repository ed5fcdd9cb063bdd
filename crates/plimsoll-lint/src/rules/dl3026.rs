//! # DL3026: Use only an allowed registry in the FROM image
//!
//! **What it checks.** With trusted registries configured
//! (`trusted_registries` in the configuration, `--trusted-registry` on the
//! command line), every image the build pulls comes from one of them:
//! `FROM` base images, `COPY --from=<image>` and `RUN --mount=…,from=<image>`.
//! An image without a registry comes from Docker Hub and is allowed when
//! `docker.io` (or `hub.docker.com`) is trusted. Entries may be `*`
//! (anything), `*.example.com` (suffix) or `registry.example.*` (prefix).
//! With no trusted registries configured the rule reports nothing.
//!
//! Stage references (by alias or index) and `scratch` pull nothing and are
//! never reported. `FROM ${BASE}` is judged after expanding the global ARG
//! defaults, as BuildKit does (hadolint judges the unexpanded text, so
//! `FROM ${BASE}` always looks like a Docker Hub image to it); a reference
//! built from an ARG without a default is judged only when its registry is
//! written out (`gcr.io/${PROJECT}/app`). hadolint reports `COPY --from=0` (a stage index)
//! as an image from Docker Hub; Plimsoll does not.
//!
//! **Why.** Pulling from an arbitrary registry bypasses the organisation's
//! scanning, mirroring and licence controls, and makes the build depend on
//! a registry nobody monitors.
//!
//! ## Bad
//! ```dockerfile
//! # trusted_registries = ["registry.example.com"]
//! FROM randomuser.example.io/tools/node:20
//! ```
//!
//! ## Good
//! ```dockerfile
//! # trusted_registries = ["registry.example.com"]
//! FROM registry.example.com/base/node:20
//! ```
//!
//! ## Fix
//! Mirror the image into a trusted registry and reference it there, or add
//! the registry to `trusted_registries` after review.
//!
//! ## Incident it prevents
//! A typo-squatted registry host served a base image with a crypto miner;
//! an allow-list of registries would have stopped the pull.

use crate::helpers_b::mounts;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;
use plimsoll_dockerfile::facts::ImageRef;

pub const META: Meta = Meta {
    code: "DL3026",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Use only an allowed registry in the FROM image",
    enabled_by_default: true,
};

fn matches(pattern: &str, registry: &str) -> bool {
    let p = pattern.trim().to_ascii_lowercase();
    let r = registry.to_ascii_lowercase();
    if p == "*" {
        true
    } else if let Some(suffix) = p.strip_prefix('*') {
        r.ends_with(suffix)
    } else if let Some(prefix) = p.strip_suffix('*') {
        r.starts_with(prefix)
    } else {
        p == r
    }
}

/// Whether an image reference may be pulled; `Err(registry)` when not.
fn allowed(trusted: &[String], image: &ImageRef) -> Result<(), String> {
    let ok = |r: &str| trusted.iter().any(|p| matches(p, r));
    match image.registry.as_deref() {
        Some(r) => {
            let hub = matches!(
                r.to_ascii_lowercase().as_str(),
                "index.docker.io" | "registry-1.docker.io"
            );
            if ok(r) || (hub && ok("docker.io")) {
                Ok(())
            } else {
                Err(r.to_string())
            }
        }
        None => {
            if ok("docker.io") || ok("hub.docker.com") {
                Ok(())
            } else {
                Err("docker.io".to_string())
            }
        }
    }
}

/// The registry of an image reference whose later parts hold variables:
/// `Some` when everything up to the first `/` (or the whole name, for a
/// Docker Hub image) is literal.
fn registry_of_raw(raw: &str) -> Option<ImageRef> {
    let raw = raw.trim_matches(|c| c == '"' || c == '\'');
    let head = match raw.split_once('/') {
        Some((first, _)) => first,
        None => raw.split([':', '@']).next().unwrap_or(raw),
    };
    if head.is_empty() || head.contains('$') {
        return None;
    }
    let registry = (raw.contains('/')
        && (head.contains('.') || head.contains(':') || head == "localhost"))
        .then(|| head.to_string());
    Some(ImageRef {
        registry,
        ..ImageRef::default()
    })
}

fn message(what: &str, image: &str, registry: &str, trusted: &[String]) -> String {
    format!(
        "Use only an allowed registry: {what} `{image}` comes from `{registry}`, which is not in the trusted registries ({})",
        trusted.join(", ")
    )
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let trusted = &cx.settings.trusted_registries;
    let mut out = Vec::new();
    if trusted.is_empty() {
        return out;
    }
    let stages = &cx.facts.stages;
    for st in stages {
        let b = &st.base;
        if b.scratch || b.stage.is_some() || b.resolved.is_empty() {
            continue;
        }
        let image = if b.unresolved.is_empty() {
            b.image.clone()
        } else {
            // A variable without a default: judge only when the registry
            // part is written out (`gcr.io/${PROJECT}/app:${TAG}`).
            match registry_of_raw(&b.raw) {
                Some(img) => img,
                None => continue,
            }
        };
        if let Err(r) = allowed(trusted, &image) {
            out.push(Hit::new(b.span, message("base image", &b.raw, &r, trusted)));
        }
    }
    // A `--from` value: a stage (alias or index), or an image to pull.
    let image_ref = |value: &str| -> Option<ImageRef> {
        let v = value.trim_matches(|c| c == '"' || c == '\'');
        if v.is_empty() || v.contains('$') || v.eq_ignore_ascii_case("scratch") {
            return None;
        }
        if stages.iter().any(|s| s.name_matches(v)) || v.parse::<usize>().is_ok() {
            return None;
        }
        Some(ImageRef::parse(v))
    };
    for (i, ins) in cx.instructions() {
        if cx
            .df()
            .instructions
            .get(i)
            .is_some_and(|x| x.kind == Kind::Onbuild)
        {
            continue;
        }
        match ins.kind {
            Kind::Copy => {
                if let Some(f) = ins.flag("from") {
                    let v = f.value.as_deref().unwrap_or("");
                    if let Some(Err(r)) = image_ref(v).map(|img| allowed(trusted, &img)) {
                        out.push(Hit::new(
                            f.span,
                            message("COPY --from image", v, &r, trusted),
                        ));
                    }
                }
            }
            Kind::Run => {
                for m in mounts(ins) {
                    let Some(v) = m.from.as_deref() else {
                        continue;
                    };
                    if let Some(Err(r)) = image_ref(v).map(|img| allowed(trusted, &img)) {
                        out.push(Hit::new(
                            m.span,
                            message("RUN --mount image", v, &r, trusted),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run_with};
    use crate::{DockerIgnore, Settings};

    fn with(trusted: &[&str], src: &str) -> Vec<u32> {
        let s = Settings {
            trusted_registries: trusted.iter().map(|s| s.to_string()).collect(),
            ..Settings::default()
        };
        run_with(check, src, &s, &DockerIgnore::Unknown)
            .into_iter()
            .map(|h| h.0)
            .collect()
    }

    #[test]
    fn passes_everything_without_configuration() {
        assert!(lines(check, "FROM evil.io/x:1\nCOPY --from=quay.io/a:1 /a /b\n").is_empty());
    }

    #[test]
    fn flags_untrusted_registries() {
        let src =
            "FROM quay.io/a/b:1 AS one\nFROM alpine:3\nFROM gcr.io/x:1\nFROM one\nFROM scratch\n";
        assert_eq!(with(&["docker.io"], src), vec![1, 3]);
        assert!(with(&["*.io"], src).is_empty());
        assert_eq!(with(&["*.gcr.io", "quay.io"], src), vec![2, 3]);
        assert_eq!(with(&["quay.*", "gcr.io"], src), vec![2]);
        assert!(with(&["*"], src).is_empty());
    }

    #[test]
    fn copy_and_mount_sources() {
        let src = "FROM r.example.com/a:1 AS build\nCOPY --from=build /a /b\nCOPY --from=0 /a /b\n\
                   COPY --from=quay.io/x:1 /a /b\nRUN --mount=type=bind,from=ghcr.io/y:1,target=/m true\n\
                   RUN --mount=type=cache,target=/c --mount=from=build,target=/d true\n";
        assert_eq!(with(&["r.example.com"], src), vec![4, 5]);
    }

    #[test]
    fn resolves_arg_defaults() {
        let src = "ARG REG=quay.io\nARG NODEF\nFROM ${REG}/a:1\nFROM ${NODEF}/b:1\nFROM gcr.io/${NODEF}/c\nFROM d:$NODEF\nFROM ${NODEF}:1\n";
        assert_eq!(with(&["docker.io"], src), vec![3, 5]);
        assert_eq!(with(&["quay.io"], src), vec![5, 6]);
    }
}
