//! # DL3029: Do not use --platform flag with FROM
//!
//! **What it checks.** `FROM --platform=<value>` where the value is a fixed
//! platform (`linux/amd64`), directly or through an ARG default.
//!
//! Values built from BuildKit's automatic platform arguments are what the
//! flag is for and pass: `$BUILDPLATFORM`, `$TARGETPLATFORM`, and also
//! `linux/$BUILDARCH`, `$TARGETOS/$TARGETARCH` and friends (hadolint accepts
//! only the first two). A value from an ARG with no default is chosen by
//! whoever runs the build and is not judged.
//!
//! **Why.** A hard-coded platform makes the image wrong on every other
//! architecture: on an arm64 host or builder the stage runs under
//! emulation (slowly) or the final image simply has the wrong architecture,
//! and multi-platform builds (`docker buildx build --platform …`) silently
//! produce single-platform content.
//!
//! ## Bad
//! ```dockerfile
//! FROM --platform=linux/amd64 node:20
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM --platform=$BUILDPLATFORM golang:1.22 AS build
//! ARG TARGETOS TARGETARCH
//! RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Fix
//! Drop the flag and pass `--platform` to `docker build`, or use
//! `--platform=$BUILDPLATFORM` for cross-compiling build stages.
//!
//! ## Incident it prevents
//! A `--platform=linux/amd64` left from a laptop experiment made the arm64
//! production nodes run every request under QEMU emulation.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::words::expand;

pub const META: Meta = Meta {
    code: "DL3029",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Do not use --platform flag with FROM",
    enabled_by_default: true,
};

const AUTOMATIC: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for st in &cx.facts.stages {
        let Some(ins) = cx.df().instructions.get(st.from) else {
            continue;
        };
        let Some(flag) = ins.flag("platform") else {
            continue;
        };
        let raw = flag.value.as_deref().unwrap_or("");
        // Global ARG defaults, as BuildKit expands FROM flags.
        let globals = &cx.facts.global_args;
        let lookup = |n: &str| -> Option<String> {
            globals
                .iter()
                .rev()
                .find(|(k, _)| k == n)
                .and_then(|(_, v)| v.clone())
        };
        let names = expand(raw, ins.escape, &|_| None).unset;
        if names.iter().any(|n| AUTOMATIC.contains(&n.as_str())) {
            continue;
        }
        let ex = expand(raw, ins.escape, &lookup);
        // An ARG without a default, or a default built from the automatic
        // platform arguments (empty before the build): not hard-coded.
        if !ex.unset.is_empty() || ex.value.trim().is_empty() {
            continue;
        }
        out.push(
            Hit::new(
                flag.span,
                format!("Do not hard-code the platform in FROM (`--platform={}`); let the build choose it", ex.value),
            )
            .with_fix("--platform=$BUILDPLATFORM (build stages) or no flag"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_fixed_platforms() {
        let src = "ARG P=linux/arm64\nFROM --platform=linux/amd64 a:1\nFROM --platform=$P b:1\n";
        assert_eq!(lines(check, src), vec![2, 3]);
    }

    #[test]
    fn passes_automatic_platform_args() {
        let src = "FROM --platform=$BUILDPLATFORM a:1\nFROM --platform=${TARGETPLATFORM:-linux/amd64} b:1\n\
                   FROM --platform=linux/$BUILDARCH c:1\nARG NODEF\nFROM --platform=$NODEF d:1\n\
                   ARG Q=$BUILDPLATFORM\nFROM --platform=$Q e:1\nFROM f:1\n";
        assert!(lines(check, src).is_empty());
    }
}
