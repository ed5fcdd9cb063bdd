//! # PD007: A cgo (dynamically linked) Go binary is copied into an image without its libc
//!
//! **What it checks.** A `COPY --from=<builder>` into the final image
//! (or a stage it is built FROM) that takes the output of a `go build` /
//! `go install` in that builder (matched by its `-o` path, its working
//! directory, or `GOBIN`), when
//!
//! - the final image is `scratch`, `gcr.io/distroless/static*` or
//!   `cgr.dev/chainguard/static` (no C library, no dynamic loader), or
//!   an `alpine` image (musl) while the builder is glibc-based; and
//! - cgo is on for that build:
//!   - explicitly: `CGO_ENABLED=1` inline, exported earlier in the RUN, from
//!     `ENV`/`ARG` in the builder's scope, or `go env -w`;
//!   - or by default: Go enables cgo for native builds when a C compiler is
//!     present — `golang:*` Debian images ship gcc; `golang:*-alpine` does
//!     not (musl builder, cgo off unless `apk add gcc`/`build-base`); a
//!     cross-compile to a literal other `GOARCH`/`GOOS` turns it off;
//! - and nothing makes the binary static: `-tags netgo` (Go's own DNS
//!   resolver, the usual reason a cgo binary is dynamic) or
//!   `-ldflags '-linkmode external -extldflags "-static"'`.
//!
//! The finding points at the COPY source and names the builder line. A
//! `CGO_ENABLED` from a variable with no known value is not judged; nor is
//! a build with `CC=musl-gcc` copied into alpine, an alpine final image that
//! installs `gcompat`/`libc6-compat` (or links a glibc loader path), or a
//! final stage that only collects files for `docker build --output`.
//!
//! Strictly, a cgo build is dynamic only if the program uses a cgo-backed
//! package — `net` (DNS) and `os/user` are the usual ones, so every HTTP
//! service is; a program that imports neither happens to come out static.
//! The rule cannot see imports and assumes a service.
//! `FROM --platform=$BUILDPLATFORM` with `GOARCH=$TARGETARCH` and no
//! `CGO_ENABLED` is flagged: native (amd64-on-amd64) builds get cgo and a
//! dynamic binary, cross builds do not — the image works on one platform
//! and not the other.
//!
//! **Why.** With cgo on, a program using `net` or `os/user` links against
//! the builder's C library and names its dynamic loader
//! (`/lib64/ld-linux-x86-64.so.2`) in the ELF header. `scratch` has no
//! loader; alpine's is musl's. The kernel then fails `execve` with ENOENT
//! and the runtime prints the least helpful message in containers:
//! `exec /app: no such file or directory` — for a file that is right there.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! WORKDIR /src
//! COPY . .
//! RUN go build -o /out/app .
//! FROM scratch
//! COPY --from=build /out/app /app
//! ENTRYPOINT ["/app"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! WORKDIR /src
//! COPY . .
//! RUN CGO_ENABLED=0 go build -o /out/app .
//! FROM scratch
//! COPY --from=build /out/app /app
//! ENTRYPOINT ["/app"]
//! ```
//!
//! ## Fix
//! ```dockerfile
//! RUN CGO_ENABLED=0 go build -o /out/app .
//! ```
//! If cgo is really needed, ship a libc: `FROM gcr.io/distroless/base-debian12`
//! (glibc), or build on `golang:*-alpine` for an alpine final image.
//!
//! ## Incident it prevents
//! A "slim image" change switched the final stage from `debian` to `scratch`;
//! it built green, and every pod of the payments service crash-looped with
//! `exec /app: no such file or directory` — the binary was dynamically
//! linked against glibc because the golang builder defaults to cgo on.

use crate::helpers_pd::{
    Arch, Libc, base_known, final_lineage, goarch_arch, installs_c_compiler, is_artifact_image,
    is_go_sdk, libc_of, line_of, lineage_arch, lineage_of, provides_glibc_compat, root_stage,
    shipped_go_builds,
};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Span;

pub const META: Meta = Meta {
    code: "PD007",
    severity: Severity::Error,
    category: Category::Dockerfile,
    summary: "cgo-enabled Go binary copied into scratch/distroless-static/alpine (will not start)",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let Some(root) = root_stage(cx, &lineage) else {
        return out;
    };
    let final_libc = libc_of(&root.base);
    if !matches!(final_libc, Libc::None | Libc::Musl) || is_artifact_image(cx) {
        return out;
    }
    let compat = final_libc == Libc::Musl && provides_glibc_compat(cx, &lineage);
    let final_name = if root.base.scratch {
        "scratch".to_string()
    } else {
        root.base.resolved.clone()
    };
    let mut reported: Vec<Span> = Vec::new();
    for sh in shipped_go_builds(cx) {
        if reported.contains(&sh.src_span) {
            continue;
        }
        let g = &sh.go;
        let blin = lineage_of(cx, sh.builder);
        let Some(broot) = root_stage(cx, &blin) else {
            continue;
        };
        let mut blibc = libc_of(&broot.base);
        // `CC=musl-gcc` links against musl whatever the builder's libc.
        if g.cc.as_ref().is_some_and(|c| c.raw.contains("musl")) {
            blibc = Libc::Musl;
        }
        let why = match &g.cgo {
            Some(v) => match v.value.as_deref().map(str::trim) {
                Some("1") => format!("cgo is enabled by {}", v.describe(cx, "CGO_ENABLED")),
                _ => continue,
            },
            None => {
                if g.xx {
                    continue;
                }
                let (barch, _) = lineage_arch(cx, &blin);
                let garch = g
                    .goarch
                    .as_ref()
                    .map(goarch_arch)
                    .unwrap_or_else(|| barch.clone());
                let cross_arch = match (&garch, &barch) {
                    (Arch::Lit(a), Arch::Lit(b)) => a != b,
                    (Arch::Lit(a), Arch::Target) | (Arch::Target, Arch::Lit(a)) => a != "amd64",
                    _ => false,
                };
                let cross_os = g
                    .goos
                    .as_ref()
                    .and_then(|o| o.value.as_deref())
                    .is_some_and(|o| !o.is_empty() && o != "linux" && !o.contains('$'));
                if cross_arch || cross_os {
                    continue;
                }
                let sdk_with_gcc =
                    blibc == Libc::Glibc && base_known(&broot.base) && is_go_sdk(&broot.base.image);
                if sdk_with_gcc {
                    format!(
                        "cgo is on by default: `{}` has gcc and nothing sets CGO_ENABLED=0",
                        broot.base.resolved
                    )
                } else if installs_c_compiler(cx, &blin) {
                    "cgo is on by default: the builder installs a C compiler and nothing sets CGO_ENABLED=0".to_string()
                } else {
                    continue;
                }
            }
        };
        if g.extld_static().is_some() || g.netgo() {
            continue;
        }
        let (linked, broken) = match (blibc, final_libc) {
            (Libc::Glibc, Libc::None) => ("glibc", true),
            (Libc::Musl, Libc::None) => ("musl", true),
            (Libc::Unknown, Libc::None) => ("the builder's C library", true),
            (Libc::Glibc, Libc::Musl) => ("glibc", !compat),
            _ => ("", false),
        };
        if !broken {
            continue;
        }
        reported.push(sh.src_span);
        let bline = line_of(cx, g.span);
        out.push(
            Hit::new(
                sh.src_span,
                format!(
                    "`{}` from stage `{}` is a dynamically linked binary: {why} (`go {}` on line {bline}), so it needs {linked} and its loader, but the final image `{final_name}` has {} — the container will not start (\"exec: no such file or directory\")",
                    sh.src,
                    cx.facts
                        .stages
                        .get(sh.builder)
                        .and_then(|s| s.alias.as_ref().map(|a| a.value.clone()))
                        .unwrap_or_else(|| sh.builder.to_string()),
                    g.sub,
                    final_libc.describe(),
                ),
            )
            .with_fix(format!("line {bline}: RUN CGO_ENABLED=0 go {} …", g.sub)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn src(builder: &str, build: &str, fin: &str) -> String {
        format!(
            "FROM {builder} AS build\nWORKDIR /src\nCOPY . .\nRUN {build}\nFROM {fin}\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n"
        )
    }

    #[test]
    fn flags_default_cgo_on_glibc_builder_into_scratch() {
        let r = run(
            check,
            &src("golang:1.22", "go build -o /out/app .", "scratch"),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 6);
        assert!(
            r[0].1.contains("line 4") && r[0].1.contains("golang:1.22"),
            "{}",
            r[0].1
        );
    }

    #[test]
    fn flags_into_distroless_static_and_alpine() {
        for fin in [
            "gcr.io/distroless/static-debian12:nonroot",
            "alpine:3.20",
            "cgr.dev/chainguard/static",
        ] {
            assert_eq!(
                lines(
                    check,
                    &src("golang:1.22-bookworm", "go build -o /out/app .", fin)
                ),
                vec![6],
                "{fin}"
            );
        }
    }

    #[test]
    fn flags_explicit_cgo() {
        let s = src(
            "golang:1.22-alpine",
            "apk add gcc musl-dev && CGO_ENABLED=1 go build -o /out/app .",
            "scratch",
        );
        assert_eq!(lines(check, &s), vec![6]);
        let s = "FROM golang:1.22 AS build\nENV CGO_ENABLED=1\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        let r = run(check, s);
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains("ENV/ARG on line 2"), "{}", r[0].1);
        let s = "FROM golang:1.22 AS build\nARG CGO=1\nRUN CGO_ENABLED=$CGO go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![5]);
    }

    #[test]
    fn passes_cgo_off_or_static() {
        let ok = [
            src(
                "golang:1.22",
                "CGO_ENABLED=0 go build -o /out/app .",
                "scratch",
            ),
            src(
                "golang:1.22",
                "go build -tags netgo -o /out/app .",
                "scratch",
            ),
            src(
                "golang:1.22",
                "go build -ldflags '-linkmode external -extldflags \"-static\"' -o /out/app .",
                "scratch",
            ),
            // alpine builder without gcc: cgo is off by default
            src("golang:1.22-alpine", "go build -o /out/app .", "scratch"),
            // musl binary into alpine is fine
            src(
                "golang:1.22-alpine",
                "apk add build-base && CGO_ENABLED=1 go build -o /out/app .",
                "alpine:3.20",
            ),
            // glibc final image
            src(
                "golang:1.22",
                "go build -o /out/app .",
                "gcr.io/distroless/base-debian12",
            ),
            src("golang:1.22", "go build -o /out/app .", "debian:12-slim"),
            // cross-compiling to a literal other arch turns cgo off
            src(
                "golang:1.22",
                "GOARCH=arm64 go build -o /out/app .",
                "scratch",
            ),
            // unknown value
            src(
                "golang:1.22",
                "CGO_ENABLED=$X go build -o /out/app .",
                "scratch",
            ),
        ];
        for s in &ok {
            assert!(lines(check, s).is_empty(), "{s}");
        }
    }

    #[test]
    fn env_cgo_off_in_builder_scope() {
        let s = "FROM golang:1.22 AS base\nENV CGO_ENABLED=0\nFROM base AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
        let s = "FROM golang:1.22 AS build\nRUN export CGO_ENABLED=0; go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
    }

    #[test]
    fn only_the_copied_binary_counts() {
        // certificates copied from the builder are not the binary
        let s = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nENTRYPOINT [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
        // no -o: the binary lands in the working directory
        let s = "FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build\nFROM scratch\nCOPY --from=build /src/orders /orders\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![5]);
        // relative -o and cd
        let s = "FROM golang:1.22 AS build\nWORKDIR /src\nRUN cd cmd/api && go build -o ../../bin/api\nFROM alpine:3.20\nCOPY --from=build src/bin/api /api\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![5]);
        // go install into GOPATH/bin
        let s = "FROM golang:1.22 AS build\nRUN go install example.com/x@latest\nFROM scratch\nCOPY --from=build /go/bin/x /x\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![4]);
    }

    #[test]
    fn musl_cc_compat_layers_and_export_stages() {
        let s = src(
            "golang:1.22",
            "CC=musl-gcc CGO_ENABLED=1 go build -o /out/app .",
            "alpine:3.20",
        );
        assert!(lines(check, &s).is_empty());
        let s = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM alpine:3.20\nRUN apk add --no-cache gcompat\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        assert!(lines(check, s).is_empty());
        let s = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM scratch AS bin\nCOPY --from=build /out/app /\n";
        assert!(lines(check, s).is_empty());
        // go install names the binary after the package
        let s = "FROM golang:1.22 AS build\nRUN GOBIN=/usr/local/bin go install github.com/google/go-licenses@latest\nFROM scratch\nCOPY --from=build /usr/local/bin/other /other\nENTRYPOINT [\"/other\"]\n";
        assert!(lines(check, s).is_empty());
        let s = "FROM golang:1.22 AS build\nRUN GOBIN=/usr/local/bin go install github.com/google/go-licenses/v2@latest\nFROM scratch\nCOPY --from=build /usr/local/bin/go-licenses /l\nENTRYPOINT [\"/l\"]\n";
        assert_eq!(lines(check, s), vec![4]);
    }

    #[test]
    fn buildplatform_without_cgo_setting_is_flagged() {
        let s = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(lines(check, s), vec![5]);
    }
}
