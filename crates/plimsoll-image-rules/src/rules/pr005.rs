//! # PR005: Go binaries built with an outdated toolchain
//!
//! A Go binary carries the standard library of the toolchain that built
//! it: `crypto/tls`, `net/http`, `net/netip`, `encoding/*`, the runtime.
//! The Go project fixes security bugs only in its two most recent major
//! releases, so a binary built with an older one keeps known
//! vulnerabilities however current its dependencies are — and scanners
//! (govulncheck, trivy) report them. The version comes from the build
//! information embedded in the binary (`go version -m`); the oldest
//! acceptable one is the `min_go_version` setting (default `go1.21`).
//! Versions compare numerically (`go1.9` < `go1.19.8` < `go1.21`), a
//! release candidate before its release (`go1.22rc1` < `go1.22`), and a
//! development build as a pre-release of the version it names
//! (`devel go1.23-abc…`); a development build that names none is not
//! judged.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.19 AS build            # no security fixes since 2023
//! RUN CGO_ENABLED=0 go build -o /server .
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /server .
//! ```
//!
//! ## Fix
//! Rebuild with a supported Go release (bump the builder image, or the
//! `toolchain` line of `go.mod`).
//!
//! ## Incident it prevents
//! A service built with go1.19 was exposed to the HTTP/2 rapid-reset
//! denial of service (CVE-2023-44487) long after its dependencies were
//! patched: the fix was in the standard library of go1.20.10 and later.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use std::cmp::Ordering;
use std::collections::BTreeMap;

pub const META: Meta = Meta {
    code: "PR005",
    severity: Severity::Warning,
    category: Category::Runnability,
    summary: "Go binaries built with a toolchain older than the oldest allowed",
};

const SHOWN: usize = 10;

pub fn check(cx: &Context) -> Vec<Hit> {
    let min_text = cx.settings.min_go_version.trim();
    let Some(min) = parse(min_text) else {
        return vec![];
    };
    let mut old: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in &cx.facts.go_binaries {
        if parse(&g.go_version).is_some_and(|v| v.cmp(&min) == Ordering::Less) {
            old.entry(g.go_version.as_str())
                .or_default()
                .push(g.path.as_str());
        }
    }
    let base = min_text.trim_start_matches("go");
    old.into_iter()
        .map(|(version, paths)| {
            let n = paths.len();
            let mut list = paths.iter().take(SHOWN).copied().collect::<Vec<_>>().join(", ");
            if n > SHOWN {
                list.push_str(&format!(" and {} more", n - SHOWN));
            }
            Hit::new(format!(
                "{} built with {version}, older than {min_text} (the oldest allowed): {list}; Go fixes security bugs in the standard library only for its two latest releases",
                if n == 1 { "1 Go binary".to_string() } else { format!("{n} Go binaries") },
            ))
            .with_fix(format!("FROM golang:{base} AS build   # or newer; then rebuild"))
        })
        .collect()
}

/// A Go version as (major, minor, patch, stage, pre): stage 0 for a
/// development build, 1 beta, 2 release candidate, 3 release.
fn parse(v: &str) -> Option<(u64, u64, u64, u8, u64)> {
    let v = v.trim();
    let (v, devel) = match v.strip_prefix("devel") {
        Some(rest) => (rest.split_whitespace().next()?, true),
        None => (v, false),
    };
    // `go1.21.4 X:boringcrypto`, `go1.22.0-bigcorp`: the version ends there.
    let v = v.strip_prefix("go")?;
    let v = v.split([' ', '-', '+']).next().unwrap_or(v);
    let (major, rest) = digits(v)?;
    let rest = rest.strip_prefix('.')?;
    let (minor, rest) = digits(rest)?;
    let (patch, rest) = match rest.strip_prefix('.') {
        Some(r) => digits(r)?,
        None => (0, rest),
    };
    let (stage, pre) = if devel {
        (0, 0)
    } else if let Some(r) = rest.strip_prefix("beta") {
        (1, digits(r).map_or(0, |d| d.0))
    } else if let Some(r) = rest.strip_prefix("rc") {
        (2, digits(r).map_or(0, |d| d.0))
    } else if rest.is_empty() {
        (3, 0)
    } else {
        return None;
    };
    Some((major, minor, patch, stage, pre))
}

fn digits(s: &str) -> Option<(u64, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n = s.get(..end)?.parse().ok()?;
    Some((n, s.get(end..).unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::*;

    #[test]
    fn versions_compare_numerically() {
        let p = |v| parse(v).unwrap_or_else(|| panic!("{v}"));
        assert!(p("go1.9") < p("go1.19.8"));
        assert!(p("go1.19.8") < p("go1.21"));
        assert_eq!(p("go1.21"), p("go1.21.0"));
        assert!(p("go1.22rc1") < p("go1.22"));
        assert!(p("go1.22rc1") < p("go1.22rc2"));
        assert!(p("go1.22beta1") < p("go1.22rc1"));
        assert!(p("go1.21.13") > p("go1.21rc3"));
        assert!(p("devel go1.23-a1b2c3d4 Tue Jan 2 15:04:05 2024 +0000") < p("go1.23"));
        assert!(p("devel go1.23-a1b2c3d4") > p("go1.22.7"));
        assert_eq!(p("go1.21.4 X:boringcrypto"), p("go1.21.4"));
        assert_eq!(p("go1.22.0-bigcorp"), p("go1.22.0"));
        for bad in [
            "devel +b7a03d8 Thu Aug 1 2019",
            "",
            "1.21",
            "gox",
            "go1",
            "go1.x",
            "go99999999999999999999999.1",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn real_go_1_19_build_is_too_old() {
        let server = go_program(false);
        let version = go_version_of(&server);
        assert!(
            version.starts_with("go1.19."),
            "Debian 12's Go is 1.19: {version}"
        );
        let img = ImageBuilder::new()
            .layer(Layer::new("COPY --from=build /server /server").exe("server", &server))
            .layer(
                Layer::new("COPY tools/ /usr/local/bin/")
                    .elf("usr/local/bin/a", 10, go_elf(&version, Some(false)))
                    .elf("usr/local/bin/new", 10, go_elf("go1.22.1", Some(false)))
                    .elf("usr/local/bin/rc", 10, go_elf("go1.21rc2", Some(false)))
                    .elf(
                        "usr/local/bin/dev",
                        10,
                        go_elf("devel +b7a03d8 Thu Aug 1 2019", None),
                    ),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(
            hits[0].message,
            format!(
                "2 Go binaries built with {version}, older than go1.21 (the oldest allowed): /server, /usr/local/bin/a; Go fixes security bugs in the standard library only for its two latest releases"
            )
        );
        assert_eq!(
            hits[0].fix.as_deref(),
            Some("FROM golang:1.21 AS build   # or newer; then rebuild")
        );
        assert!(
            hits[1]
                .message
                .starts_with("1 Go binary built with go1.21rc2"),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn current_builds_and_bad_settings_pass() {
        let img = ImageBuilder::new()
            .layer(Layer::new("COPY server /server").elf(
                "server",
                10,
                go_elf("go1.19.8", Some(false)),
            ))
            .build();
        let s = |v: &str| Settings {
            min_go_version: v.into(),
            ..Settings::default()
        };
        assert!(run_with(super::check, &img, &s("go1.19")).is_empty());
        assert!(run_with(super::check, &img, &s("go1.19.8")).is_empty());
        assert_eq!(run_with(super::check, &img, &s("go1.19.9")).len(), 1);
        assert!(run_with(super::check, &img, &s("latest")).is_empty());
    }
}
