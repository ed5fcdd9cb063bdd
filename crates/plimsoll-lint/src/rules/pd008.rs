//! # PD008: The Go binary is built for a different platform than the image
//!
//! **What it checks.** For every Go binary that reaches the final image —
//! built in the final lineage, or built in a builder stage and taken by a
//! `COPY --from` (matched by `-o` path, working directory or `GOBIN`) — the
//! architecture it is compiled for must be the final image's:
//!
//! - the binary's architecture is `GOARCH` as that `go build` sees it
//!   (inline, `export`, `ENV`/`ARG`, `go env -w`; `xx-go` sets it from
//!   the target), or else the builder stage's platform (`FROM --platform=…`,
//!   followed through the stages it is built on);
//! - the final image's platform is the final stage's `FROM --platform=…`
//!   (or of a stage it is built FROM); without one it is the build's
//!   target platform, `linux/amd64` unless `--platform` is passed.
//!
//! `$TARGETPLATFORM`/`$TARGETARCH` and `$BUILDPLATFORM`/`$BUILDARCH` are
//! compared symbolically: the cross-compilation idiom
//! `FROM --platform=$BUILDPLATFORM golang AS build` +
//! `GOARCH=$TARGETARCH go build` passes; the same builder without `GOARCH`
//! is a finding (the binary is for the build host). A literal
//! `GOOS=windows`/`darwin` shipped in a Linux image is a finding too.
//! Values from variables without a known value are not judged. Without
//! `--platform`, Docker Hub's architecture namespaces (`arm64v8/alpine`,
//! `amd64/debian`) fix the stage's platform. A final stage that only
//! collects files for `docker build --output` (scratch with only
//! COPY/ADD/ARG/LABEL) is not judged: it often gathers binaries for every
//! OS on purpose.
//!
//! **Why.** Nothing checks an ELF's architecture at build time: the image
//! builds and pushes, and the container dies at start with `exec format
//! error`. In a multi-platform build the mistake shows only on the other
//! architecture — typically the new arm64 node pool.
//!
//! ## Bad
//! ```dockerfile
//! FROM --platform=$BUILDPLATFORM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM --platform=$BUILDPLATFORM golang:1.22 AS build
//! ARG TARGETOS TARGETARCH
//! RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Fix
//! ```dockerfile
//! ARG TARGETOS TARGETARCH
//! RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
//! ```
//!
//! ## Incident it prevents
//! A multi-arch image was published for amd64 and arm64; the builder ran on
//! `$BUILDPLATFORM` without `GOARCH`, so the arm64 image contained an amd64
//! binary. The first Graviton node pool crash-looped with `exec format
//! error` while every CI check was green.

use crate::helpers_pd::{
    Arch, GoCmd, VarSource, arch_mismatch, final_lineage, go_commands, goarch_arch,
    is_artifact_image, line_of, lineage_arch, lineage_of, shipped_go_builds,
};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Span;

pub const META: Meta = Meta {
    code: "PD008",
    severity: Severity::Warning,
    category: Category::Dockerfile,
    summary: "Go binary built for a different GOARCH/GOOS/platform than the final image",
    enabled_by_default: true,
};

const FIX: &str = "ARG TARGETOS TARGETARCH\nRUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .";

fn judge(
    cx: &Context,
    g: &GoCmd,
    builder: usize,
    final_arch: &Arch,
    copy: Option<(Span, &str)>,
    out: &mut Vec<Hit>,
) {
    let blin = lineage_of(cx, builder);
    let (barch, bspan) = lineage_arch(cx, &blin);
    let shipped = match copy {
        Some((s, src)) => format!(
            " and copied into the final image on line {} (`{src}`)",
            line_of(cx, s)
        ),
        None => String::new(),
    };
    if let Some(os) = g.goos.as_ref()
        && os.source != VarSource::Wrapper
        && !os.raw.contains("TARGETOS")
        && !os.raw.contains("BUILDOS")
        && let Some(v) = os
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "linux")
    {
        out.push(Hit::new(
                    os.span,
                    format!("`go {}` builds for GOOS={v}{shipped}, but the image runs Linux: the container fails with \"exec format error\"", g.sub),
                ).with_fix("GOOS=linux (or GOOS=$TARGETOS)"));
        return;
    }
    let (bin, span, how) = match g.goarch.as_ref() {
        Some(v) => {
            let a = goarch_arch(v);
            (a, v.span, v.describe(cx, "GOARCH"))
        }
        None => {
            let span = bspan.unwrap_or(g.span);
            let how = match (&barch, bspan) {
                (_, Some(s)) => format!(
                    "no GOARCH, so the builder's platform (`FROM --platform` on line {})",
                    line_of(cx, s)
                ),
                _ => "no GOARCH, so the builder's platform".to_string(),
            };
            (barch.clone(), span, how)
        }
    };
    if !arch_mismatch(&bin, final_arch) {
        return;
    }
    // Built where it ships: a toolchain image on $BUILDPLATFORM that
    // cross-compiles for the target is not meant to run its output.
    if copy.is_none() && (bin == Arch::Build || *final_arch == Arch::Build) {
        return;
    }
    let hint = if bin == Arch::Build {
        "; in a multi-platform build every non-host image gets a host binary"
    } else {
        ""
    };
    out.push(
        Hit::new(
            span,
            format!(
                "`go {}` on line {} builds for {} ({how}){shipped}, but the final image is for {}{hint}: the container fails with \"exec format error\"",
                g.sub,
                line_of(cx, g.span),
                bin.describe(),
                final_arch.describe(),
            ),
        )
        .with_fix(FIX),
    );
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let Some(&fin) = lineage.last() else {
        return out;
    };
    if is_artifact_image(cx) {
        return out;
    }
    let (final_arch, _) = lineage_arch(cx, &lineage);
    let mut seen: Vec<Span> = Vec::new();
    for g in go_commands(cx, fin).iter().filter(|g| g.is_build()) {
        if seen.contains(&g.span) {
            continue;
        }
        seen.push(g.span);
        // Built in the final lineage: only an explicit GOARCH/GOOS can
        // differ, and `go build ./...` writes no binary at all.
        if (g.goarch.is_none() && g.goos.is_none()) || g.output.is_none() {
            continue;
        }
        judge(cx, g, fin, &final_arch, None, &mut out);
    }
    for sh in shipped_go_builds(cx) {
        if seen.contains(&sh.go.span) {
            continue;
        }
        seen.push(sh.go.span);
        judge(
            cx,
            &sh.go,
            sh.builder,
            &final_arch,
            Some((sh.src_span, &sh.src)),
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn two(bfrom: &str, build: &str, ffrom: &str) -> String {
        format!(
            "FROM {bfrom} AS build\nARG TARGETOS TARGETARCH\nRUN {build}\nFROM {ffrom}\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"
        )
    }

    #[test]
    fn flags_buildplatform_without_goarch() {
        let s = two(
            "--platform=$BUILDPLATFORM golang:1.22",
            "CGO_ENABLED=0 go build -o /out/app .",
            "scratch",
        );
        let r = run(check, &s);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 1);
        assert!(
            r[0].1.contains("BUILDPLATFORM") && r[0].1.contains("line 5"),
            "{}",
            r[0].1
        );
    }

    #[test]
    fn passes_the_cross_compile_idiom() {
        let s = two(
            "--platform=$BUILDPLATFORM golang:1.22",
            "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .",
            "scratch",
        );
        assert!(lines(check, &s).is_empty());
        let s = two(
            "--platform=${BUILDPLATFORM} golang:1.22",
            "GOARCH=${TARGETARCH} go build -o /out/app .",
            "scratch",
        );
        assert!(lines(check, &s).is_empty());
        let s = "FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.4 AS xx\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\nCOPY --from=xx / /\nARG TARGETPLATFORM\nRUN xx-go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nCMD [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
        // plain builds, no platform anywhere
        assert!(
            lines(
                check,
                &two("golang:1.22", "go build -o /out/app .", "scratch")
            )
            .is_empty()
        );
        assert!(
            lines(
                check,
                &two(
                    "golang:1.22",
                    "GOARCH=amd64 go build -o /out/app .",
                    "scratch"
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn flags_literal_goarch_mismatch() {
        let s = two(
            "golang:1.22",
            "GOARCH=arm64 go build -o /out/app .",
            "scratch",
        );
        assert_eq!(lines(check, &s), vec![3]);
        let s = two(
            "golang:1.22",
            "GOARCH=arm64 go build -o /out/app .",
            "--platform=linux/arm64 scratch",
        );
        assert!(lines(check, &s).is_empty());
        let s = two(
            "golang:1.22",
            "GOARCH=amd64 go build -o /out/app .",
            "--platform=linux/arm64/v8 alpine:3.20",
        );
        assert_eq!(lines(check, &s), vec![3]);
        // ENV in the builder
        let s = "FROM golang:1.22 AS build\nENV GOARCH=arm64\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nCMD [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![2]);
    }

    #[test]
    fn flags_builder_platform_mismatch() {
        let s = two(
            "--platform=linux/arm64 golang:1.22",
            "go build -o /out/app .",
            "scratch",
        );
        assert_eq!(lines(check, &s), vec![1]);
        let s = two(
            "--platform=linux/arm64 golang:1.22",
            "go build -o /out/app .",
            "--platform=linux/arm64 scratch",
        );
        assert!(lines(check, &s).is_empty());
    }

    #[test]
    fn flags_goos_and_single_stage() {
        let s = two(
            "golang:1.22",
            "GOOS=darwin go build -o /out/app .",
            "scratch",
        );
        assert_eq!(lines(check, &s), vec![3]);
        let s = "FROM golang:1.22\nRUN GOARCH=arm64 go build -o /app .\n";
        assert_eq!(lines(check, s), vec![2]);
        assert!(lines(check, "FROM golang:1.22\nRUN go build -o /app .\n").is_empty());
    }

    #[test]
    fn arch_namespaces_and_export_stages() {
        let s = two(
            "golang:1.22",
            "GOARCH=arm64 go build -o /out/app .",
            "arm64v8/alpine:3.20",
        );
        assert!(lines(check, &s).is_empty());
        let s = two(
            "golang:1.22",
            "go build -o /out/app .",
            "arm64v8/alpine:3.20",
        );
        assert_eq!(lines(check, &s), vec![3]);
        let s = "FROM golang:1.22 AS w\nRUN GOOS=windows go build -o /out/x.exe .\nFROM scratch AS all\nCOPY --from=w /out/* /\n";
        assert!(lines(check, s).is_empty());
        assert!(
            lines(
                check,
                "FROM golang:1.22\nENV GOARCH=arm\nRUN go build ./...\n"
            )
            .is_empty()
        );
        // a cross toolchain image builds for the target on purpose
        let s = "FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /x .\n";
        assert!(lines(check, s).is_empty());
    }

    #[test]
    fn arg_defaults_and_unknowns() {
        let s = "ARG ARCH=arm64\nFROM golang:1.22 AS build\nARG ARCH\nRUN GOARCH=$ARCH go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nCMD [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![4]);
        let s = "FROM golang:1.22 AS build\nARG ARCH\nRUN GOARCH=$ARCH go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nCMD [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
        // the binary not copied is not judged
        let s = "FROM golang:1.22 AS build\nRUN GOARCH=arm64 go build -o /out/app .\nFROM scratch\nCOPY --from=build /etc/passwd /etc/passwd\nCMD [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
    }
}
