//! # DL3067: Do not copy an entire filesystem from another stage
//!
//! **What it checks.** A `COPY --from=<stage or image>` whose source is
//! `/` and whose destination is `/`.
//!
//! **Why.** Copying a whole root filesystem over another one overwrites
//! the target's `/etc/passwd`, package database, libraries and
//! certificates with the source's, producing an image that is neither of
//! the two and that vulnerability scanners misread. It also defeats the
//! point of a multi-stage build: everything the builder had ends up in the
//! image.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.23 AS build
//! RUN go build -o /out/app ./cmd/app
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build / /
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.23 AS build
//! RUN go build -o /out/app ./cmd/app
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /out/app /app
//! ```
//!
//! ## Fix
//! Copy only what the image needs: `COPY --from=build /out/app /app`.
//!
//! ## Incident it prevents
//! A "distroless" image built this way shipped the builder's whole
//! toolchain and shell, and its package database reported the builder's
//! packages, hiding a vulnerable library from the scanner.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3067",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Do not copy an entire filesystem from another stage",
    enabled_by_default: true,
};

fn unquote(s: &str) -> &str {
    let t = s.trim();
    for q in ['"', '\''] {
        if let Some(x) = t.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return x;
        }
    }
    t
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, ins) in cx.of_kind(Kind::Copy) {
        if ins.flag("from").is_none() || !ins.heredocs.is_empty() {
            continue;
        }
        let paths: Vec<(String, plimsoll_dockerfile::Span)> = match &ins.json {
            Some(j) => j.iter().map(|s| (s.value.clone(), s.span)).collect(),
            None => ins
                .words()
                .into_iter()
                .map(|w| (unquote(&w.raw).to_string(), w.span))
                .collect(),
        };
        let Some(((dest, _), sources)) = paths.split_last() else {
            continue;
        };
        if dest != "/" {
            continue;
        }
        if let Some((_, span)) = sources.iter().find(|(s, _)| s == "/") {
            out.push(
                Hit::new(
                    *span,
                    "Do not copy an entire filesystem from another stage: `COPY --from=… / /`",
                )
                .with_fix("COPY --from=<stage> <only the paths needed> <dest>"),
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
    fn flags_root_to_root() {
        let src = "FROM a AS b\nFROM c\nCOPY --from=b / /\nCOPY --from=b [\"/\", \"/\"]\nCOPY --from=b \"/\" '/'\n";
        assert_eq!(lines(check, src), vec![3, 4, 5]);
    }

    #[test]
    fn passes_partial_copies() {
        let src = "FROM a AS b\nFROM c\nCOPY --from=b /out /\nCOPY --from=b / /rootfs\nCOPY / /\n";
        assert!(lines(check, src).is_empty());
    }
}
