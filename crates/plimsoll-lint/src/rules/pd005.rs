//! # PD005: The Go toolchain ships in the final image
//!
//! **What it checks.** The image you ship must not be the Go build
//! environment:
//!
//! - the final stage's base — followed through earlier stages, with ARG
//!   defaults expanded — is a Go SDK image (`golang:*`,
//!   `docker.io/library/golang`, registry mirrors of it, `cimg/go`,
//!   `bitnami/golang`, `cgr.dev/chainguard/go`); or
//! - a `RUN` in the final stage (or a stage it is built FROM) runs
//!   `go build`, `go install`, `go get` or `go mod download`.
//!
//! Builder stages whose output is copied with `COPY --from` are exactly
//! what should happen and are not judged.
//!
//! **Why.** `golang:1.22` is ~800 MB: the compiler, the standard library
//! sources, gcc, git, a full Debian. `go mod download` adds the module
//! cache, and `go build` the build cache, often another few hundred MB. The
//! service binary is 10–20 MB. Everything beyond it is pull time on every
//! node scale-up, registry storage, and hundreds of CVE-scanner findings
//! in packages the service never uses — plus a compiler for an attacker.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22
//! WORKDIR /src
//! COPY . .
//! RUN go build -o /usr/local/bin/orders .
//! CMD ["orders"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22-bookworm AS build
//! WORKDIR /src
//! COPY go.mod go.sum ./
//! RUN go mod download
//! COPY . .
//! RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/orders .
//!
//! FROM gcr.io/distroless/static-debian12:nonroot
//! COPY --from=build /out/orders /orders
//! ENTRYPOINT ["/orders"]
//! ```
//!
//! ## Fix
//! Split the build: name the Go stage `AS build`, add a final stage on
//! `gcr.io/distroless/static-debian12` (or `scratch`), and
//! `COPY --from=build` only the binary.
//!
//! ## Incident it prevents
//! The "300% image bloat" incident: a service image grew from 25 MB to over
//! 1 GB because the final stage was the `golang` SDK with its module and
//! build caches; node scale-ups took minutes pulling it during a traffic
//! spike, and the CVE scanner blocked the release on compiler packages.

use crate::helpers_pd::{base_known, final_lineage, go_commands, is_go_sdk, root_stage};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PD005",
    severity: Severity::Error,
    category: Category::Dockerfile,
    summary: "Go SDK image or Go build in the final stage (toolchain and caches ship)",
    enabled_by_default: true,
};

const FIX: &str = "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/app .\n\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]";

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let Some(root) = root_stage(cx, &lineage) else {
        return out;
    };
    let Some(fin) = lineage.last().copied() else {
        return out;
    };
    let b = &root.base;
    if !b.scratch && base_known(b) && is_go_sdk(&b.image) {
        let via = if root.index + 1 == cx.facts.stages.len() {
            String::new()
        } else {
            " (the final stage is built FROM this stage)".to_string()
        };
        out.push(
            Hit::new(
                b.span,
                format!(
                    "The final image is the Go SDK `{}`{via}: compiler, sources and module/build caches ship with the service; build in a stage and copy only the binary",
                    b.resolved
                ),
            )
            .with_fix(FIX),
        );
        return out;
    }
    if let Some(g) = go_commands(cx, fin).into_iter().next() {
        out.push(
            Hit::new(
                g.span,
                format!(
                    "`go {}` runs in the final image: the Go toolchain and its caches ship with the service; build in a separate stage and copy only the binary",
                    g.sub
                ),
            )
            .with_fix(FIX),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_single_stage_golang() {
        let src =
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 1);
        assert!(r[0].1.contains("golang:1.22"));
    }

    #[test]
    fn flags_sdk_spellings_and_arg_defaults() {
        for img in [
            "docker.io/library/golang:1.22",
            "golang",
            "mirror.gcr.io/library/golang:1.22-alpine",
            "cimg/go:1.22",
            "cgr.dev/chainguard/go:latest",
        ] {
            assert_eq!(lines(check, &format!("FROM {img}\n")), vec![1], "{img}");
        }
        assert_eq!(lines(check, "ARG GO=golang:1.22\nFROM ${GO}\n"), vec![2]);
    }

    #[test]
    fn flags_sdk_through_stage_lineage() {
        let src = "FROM golang:1.22 AS base\nRUN go mod download\nFROM base\nCMD x\n";
        assert_eq!(lines(check, src), vec![1]);
    }

    #[test]
    fn flags_go_build_on_other_base() {
        let src = "FROM alpine:3.20\nRUN apk add --no-cache go \\\n && go build -o /app .\n";
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 3);
        assert!(r[0].1.contains("`go build`"));
        let src = "FROM debian:12\nRUN <<EOF\nset -e\nCGO_ENABLED=0 go install ./cmd/x\nEOF\n";
        assert_eq!(lines(check, src), vec![4]);
        assert_eq!(
            lines(check, "FROM debian:12\nRUN go mod download\n"),
            vec![2]
        );
    }

    #[test]
    fn passes_multi_stage() {
        let src = "FROM golang:1.22 AS build\nRUN go mod download && go build -o /out/app .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/app /app\n";
        assert!(lines(check, src).is_empty());
        assert!(lines(check, "FROM debian:12\nRUN go version\n").is_empty());
        assert!(lines(check, "ARG B\nFROM $B\n").is_empty());
    }
}
