//! # PR003: a cgo Go binary without its C library
//!
//! Go binaries are static unless cgo is on. With cgo on — the default
//! whenever a C compiler is present, as in the `golang` images — packages
//! such as `net` (DNS) and `os/user` go through the C library, and the
//! binary becomes dynamically linked: it needs the C library's loader
//! (`/lib64/ld-linux-x86-64.so.2` for glibc) and `libc.so.6` with the
//! symbol versions of the build image. Copied onto `scratch`,
//! `distroless/static` or Alpine (musl), it dies at exec with `no such
//! file or directory`, naming the binary that exists, not the loader that
//! does not; onto an older glibc, with `version 'GLIBC_2.34' not found`.
//! The rule finds every Go binary built with cgo (`CGO_ENABLED=1` in its
//! build information) or with a program interpreter, predicts its start,
//! and reports it when the C library it needs is missing. A cgo binary on
//! a base with the right glibc runs, and is not reported.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN go build -o /server .            # cgo on: dynamic, needs glibc
//! FROM alpine:3.19                     # musl: no /lib64/ld-linux-x86-64.so.2
//! COPY --from=build /server /server
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /server .
//! FROM alpine:3.19
//! COPY --from=build /server /server
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Build with `CGO_ENABLED=0` (static, runs anywhere), or — when the code
//! really needs C — run it on a base with the build image's C library
//! (`gcr.io/distroless/base-debian12` for a Debian-built binary).
//!
//! ## Incident it prevents
//! A team switched their runtime stage from `debian:bookworm-slim` to
//! `alpine` to save 50 MB; every pod crash-looped with `exec /server: no
//! such file or directory`, and the binary was plainly there.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_elf::{ElfFacts, Libc};
use plimsoll_image::layer::Content;
use plimsoll_image::run::{Binary, Cause, Runtime, Verdict};

pub const META: Meta = Meta {
    code: "PR003",
    severity: Severity::Error,
    category: Category::Runnability,
    summary: "A Go binary built with cgo needs a C library the image lacks",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut rt: Option<Runtime> = None;
    let mut out = Vec::new();
    for g in &cx.facts.go_binaries {
        let Some(f) = elf(cx, &g.path) else { continue };
        if g.cgo_enabled != Some(true) && f.interpreter.is_none() {
            continue;
        }
        // The prediction already made for PATH and the entrypoint, or a
        // new one for a binary elsewhere.
        let known = cx
            .facts
            .binaries
            .iter()
            .find(|b| real(cx, &b.path).as_deref() == Some(g.path.as_str()));
        let fresh;
        let b = match known {
            Some(b) => b,
            None => {
                let rt = rt.get_or_insert_with(|| Runtime::new(&cx.image.tree, &cx.image.config));
                fresh = rt.check(&g.path, false);
                &fresh
            }
        };
        if !missing_c_library(cx, f, b) {
            continue;
        }
        let cgo = if g.cgo_enabled == Some(true) {
            "CGO_ENABLED=1"
        } else {
            "dynamically linked"
        };
        let libc = match f.libc() {
            Libc::Glibc => "glibc",
            Libc::Musl => "musl",
            Libc::None => "a C library",
        };
        let interp = f.interpreter.as_deref().unwrap_or("a loader");
        let what = if b.entrypoint { "the entrypoint " } else { "" };
        out.push(
            Hit::new(format!(
                "{what}{} is a Go binary built with cgo ({cgo}, {}): it needs {libc} — the loader {interp} and the libraries of the image it was built in — and will not start here: {}",
                g.path, g.go_version, b.reason
            ))
            .with_fix(
                "RUN CGO_ENABLED=0 go build -o /app/server .   # static: runs on scratch, distroless/static and alpine; or run it on a base with the same C library (gcr.io/distroless/base-debian12)",
            ),
        );
    }
    out
}

/// Whether a failing prediction for a cgo Go binary is the C library's
/// doing (loader or libraries missing, or too old), rather than
/// permissions or the architecture. PR002 leaves these to this rule.
pub fn missing_c_library(_cx: &Context, f: &ElfFacts, b: &Binary) -> bool {
    b.verdict == Verdict::Fails
        && f.go.is_some()
        && f.interpreter.is_some()
        && matches!(
            b.cause,
            Cause::Loader | Cause::Library | Cause::SymbolVersion
        )
}

/// The ELF facts of the file at `path` (symlinks followed).
pub fn elf<'a>(cx: &'a Context, path: &str) -> Option<&'a ElfFacts> {
    match cx.image.tree.resolve(path).ok()?.1.content.as_deref() {
        Some(Content::Elf(f)) => Some(f),
        _ => None,
    }
}

fn real(cx: &Context, path: &str) -> Option<String> {
    cx.image
        .tree
        .resolve(path)
        .ok()
        .map(|(p, _)| format!("/{p}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn app(cgo: bool) -> Layer {
        Layer::new("COPY --from=build /server /app/server").exe("app/server", &go_program(cgo))
    }

    #[test]
    fn real_cgo_binary_on_scratch_and_musl() {
        let scratch = ImageBuilder::new()
            .entrypoint(&["/app/server"])
            .layer(app(true))
            .build();
        let hits = run(super::check, &scratch);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let m = &hits[0].message;
        assert!(
            m.starts_with(
                "the entrypoint /app/server is a Go binary built with cgo (CGO_ENABLED=1, go1.19"
            ),
            "{m}"
        );
        assert!(
            m.contains("it needs glibc — the loader /lib64/ld-linux-x86-64.so.2"),
            "{m}"
        );
        assert!(m.contains("no such file or directory"), "{m}");
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .starts_with("RUN CGO_ENABLED=0 go build")
        );

        // An Alpine-like image: musl's loader only. The binary is not on
        // PATH nor the entrypoint: predicted here all the same.
        let musl = ImageBuilder::new()
            .entrypoint(&["/bin/sh"])
            .layer(
                Layer::new("ADD alpine-minirootfs.tar.gz /")
                    .dir("lib")
                    .host("lib/ld-musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1"),
            )
            .layer(app(true))
            .build();
        let hits = run(super::check, &musl);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0]
                .message
                .starts_with("/app/server is a Go binary built with cgo"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].message.contains("a glibc binary on a musl image"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn real_cgo_binary_on_glibc_runs() {
        let img = ImageBuilder::new()
            .entrypoint(&["/app/server"])
            .layer(glibc(Layer::new("ADD rootfs.tar /")))
            .layer(app(true))
            .build();
        let facts = facts_of(&img);
        assert_eq!(
            facts.binaries[0].verdict,
            Verdict::Runs,
            "{:?}",
            facts.binaries[0]
        );
        assert!(run(super::check, &img).is_empty());
    }

    #[test]
    fn real_cgo_binary_on_an_older_glibc() {
        // A glibc 2.31 base (Debian 11): this machine's loader, and its
        // libc's facts without the versions glibc 2.32 and later define.
        let mut old = host_elf("/lib/x86_64-linux-gnu/libc.so.6");
        old.version_defs.retain(|v| {
            !v.starts_with("GLIBC_2") || plimsoll_elf::compare_versions(v, "GLIBC_2.32").is_lt()
        });
        assert!(old.version_defs.iter().any(|v| v == "GLIBC_2.2.5"));
        let img = ImageBuilder::new()
            .entrypoint(&["/app/server"])
            .layer(
                Layer::new("ADD bullseye-rootfs.tar /")
                    .dir("lib64")
                    .dir("lib/x86_64-linux-gnu")
                    .host(
                        "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                    )
                    .symlink(
                        "lib64/ld-linux-x86-64.so.2",
                        "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                    )
                    .elf("lib/x86_64-linux-gnu/libc.so.6", 1_900_000, old),
            )
            .layer(app(true))
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].message.contains("version `GLIBC_2.3"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn static_go_binaries_pass() {
        // Real CGO_ENABLED=0 build on scratch.
        let img = ImageBuilder::new()
            .entrypoint(&["/app/server"])
            .layer(app(false))
            .build();
        assert!(run(super::check, &img).is_empty());
        // cgo on but linked statically (-extldflags -static): no loader needed.
        let img = ImageBuilder::new()
            .layer(Layer::new("COPY server /server").elf(
                "server",
                1000,
                go_elf("go1.22.1", Some(true)),
            ))
            .build();
        assert!(run(super::check, &img).is_empty());
    }

    #[test]
    fn failures_that_are_not_the_c_library_are_left_to_others() {
        // A cgo binary on glibc that the runtime user may not execute:
        // PR001's finding, not a C library problem.
        let img = ImageBuilder::new()
            .user("1000")
            .entrypoint(&["/app/server"])
            .layer(glibc(Layer::new("ADD rootfs.tar /")))
            .layer(Layer::new("COPY server /app/server").file_with(
                "app/server",
                &go_program(true),
                0o700,
                (0, 0),
            ))
            .build();
        let facts = facts_of(&img);
        assert_eq!(facts.binaries[0].verdict, Verdict::Fails);
        assert!(
            facts.binaries[0].reason.contains("permission denied"),
            "{}",
            facts.binaries[0].reason
        );
        assert!(run(super::check, &img).is_empty());
    }
}
