//! # PR001: the entrypoint will not start
//!
//! Predicts, from the image alone, what happens when the container starts:
//! the entrypoint program (`ENTRYPOINT` + `CMD`, looked up in the image's
//! `PATH`) must resolve inside the image (symlinks followed), be a regular
//! file the runtime user may execute, and be either an ELF binary for the
//! image's architecture whose loader (`PT_INTERP`) and libraries
//! (`DT_NEEDED`, searched as glibc's or musl's loader does) are all in the
//! image with the `GLIBC_x.y` versions it needs, or a `#!` script whose
//! interpreter starts (and has no CR from Windows line endings). The
//! finding quotes the error the kernel or loader would print.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN go build -o /server .          # cgo on by default: dynamic, needs glibc
//! FROM scratch
//! COPY --from=build /server /server
//! ENTRYPOINT ["/server"]             # exec /server: no such file or directory
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /server .
//! FROM scratch
//! COPY --from=build /server /server
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Build a static binary (`CGO_ENABLED=0` for Go, `-static` for C), or
//! ship the loader and libraries it needs (a glibc base such as
//! `gcr.io/distroless/base` or `debian:bookworm-slim`); give scripts LF line
//! endings and the exec bit (`COPY --chmod=0755`).
//!
//! ## Incident it prevents
//! A CGO binary linked against glibc shipped on a musl or scratch base died
//! at start with "no such file or directory" — a message that names the
//! binary that exists, not the loader that does not.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::run::Verdict;

pub const META: Meta = Meta {
    code: "PR001",
    severity: Severity::Error,
    category: Category::Runnability,
    summary: "The entrypoint program will not start",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if cx.facts.command.is_empty() {
        out.push(
            Hit::new("the image has no ENTRYPOINT or CMD: the container has nothing to run")
                .with_fix("ENTRYPOINT [\"/app/server\"]"),
        );
    }
    for b in cx
        .facts
        .binaries
        .iter()
        .filter(|b| b.entrypoint && b.verdict == Verdict::Fails)
    {
        out.push(Hit::new(format!(
            "entrypoint {} will not start: {}",
            b.path, b.reason
        )));
    }
    out
}
