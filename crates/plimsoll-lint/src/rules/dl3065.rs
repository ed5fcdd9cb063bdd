//! # DL3065: `FROM --platform=$TARGETPLATFORM` is redundant
//!
//! **What it checks.** A `FROM` whose `--platform` is exactly
//! `$TARGETPLATFORM` or `${TARGETPLATFORM}`.
//!
//! **Why.** A stage is already built for the target platform unless told
//! otherwise, so the flag changes nothing; it usually stands where
//! `$BUILDPLATFORM` was meant (a builder stage that should run natively and
//! cross-compile), and then the build runs under emulation, many times
//! slower.
//!
//! ## Bad
//! ```dockerfile
//! FROM --platform=$TARGETPLATFORM golang:1.23 AS build
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM --platform=$BUILDPLATFORM golang:1.23 AS build
//! ARG TARGETOS TARGETARCH
//! RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .
//! ```
//!
//! ## Fix
//! Drop the flag, or use `--platform=$BUILDPLATFORM` for a cross-compiling
//! builder stage.
//!
//! ## Incident it prevents
//! A multi-arch build took 50 minutes instead of 5 because the Go builder
//! stage ran under QEMU instead of natively.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3065",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Setting `FROM --platform` to the predefined `$TARGETPLATFORM` is redundant",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, ins) in cx.of_kind(Kind::From) {
        let Some(flag) = ins.flag("platform") else {
            continue;
        };
        let v = flag.value.as_deref().unwrap_or("").trim();
        if v == "$TARGETPLATFORM" || v == "${TARGETPLATFORM}" {
            out.push(
                Hit::new(
                    flag.span,
                    "`--platform=$TARGETPLATFORM` is redundant: stages are built for the target platform by default",
                )
                .with_fix("remove `--platform=$TARGETPLATFORM` (or use `$BUILDPLATFORM` for a builder stage)"),
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
    fn flags_target_platform() {
        let src = "FROM --platform=$TARGETPLATFORM a\nFROM --platform=${TARGETPLATFORM} b AS x\n";
        assert_eq!(lines(check, src), vec![1, 2]);
    }

    #[test]
    fn passes_other_platforms() {
        let src = "FROM --platform=$BUILDPLATFORM a\nFROM --platform=linux/amd64 b\nFROM c\n";
        assert!(lines(check, src).is_empty());
    }
}
