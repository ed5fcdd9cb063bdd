//! # DL3062: Pin versions in `go install` / `go get` / `go run`
//!
//! **What it checks.** Every remote package given to `go install`,
//! `go get` or `go run` in a RUN (or ONBUILD RUN) carries a version:
//! `golang.org/x/tools/cmd/goimports@v0.24.0`. A version query that means
//! "newest" (`@latest`, `@upgrade`, `@patch`) is not a pin. Local packages
//! (`.`, `./cmd/app`, `/src/x`, `main.go`) need no version; a package given
//! only as a variable (`$PKG`) is not judged.
//!
//! **Why.** Without a version, `go install` and `go get` fetch whatever the
//! module's default branch holds today (or the newest release): the same
//! Dockerfile builds a different tool next week, and a compromised or
//! broken release goes straight into the image.
//!
//! **Where hadolint differs.** hadolint treats the value of a flag as a
//! package (`go run -tags netgo ./cmd` is flagged for `netgo`), flags
//! `go run main.go`, and when a script has both `go run` and `go install`
//! it only checks the `go run`. Plimsoll skips flag values and `.go` files
//! and checks every command.
//!
//! Commands called by path (`/usr/local/go/bin/go install …`) are checked
//! like `go`; hadolint matches only the bare name and misses them.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.23
//! RUN go install github.com/go-delve/delve/cmd/dlv@latest
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.23
//! RUN go install github.com/go-delve/delve/cmd/dlv@v1.23.1
//! ```
//!
//! ## Fix
//! `go install <package>@<version>`.
//!
//! ## Incident it prevents
//! A `go install …@latest` in a build image picked up a linter release that
//! required a newer Go toolchain; every CI pipeline using the image broke
//! overnight.

use crate::helpers_c::posix_commands;
use crate::util::is_variable;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::shell::{Command, ShWord};

pub const META: Meta = Meta {
    code: "DL3062",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`",
    enabled_by_default: true,
};

/// Go build flags that take a value (`-o out`, `-tags x`).
const VALUE_FLAGS: &[&str] = &[
    "o",
    "p",
    "C",
    "tags",
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "mod",
    "modfile",
    "pkgdir",
    "toolexec",
    "overlay",
    "pgo",
    "buildmode",
    "compiler",
    "installsuffix",
    "covermode",
    "coverpkg",
    "exec",
];

/// The package arguments of `go install|get|run`: flags and their values
/// skipped; for `go run`, only the first (the rest are program arguments).
fn packages(cmd: &Command) -> Vec<&ShWord> {
    let args = cmd.args();
    let Some(sub) = args.first().map(|w| w.text.as_str()) else {
        return Vec::new();
    };
    if !matches!(sub, "install" | "get" | "run") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut k = 1;
    while k < args.len() {
        let t = args[k].text.as_str();
        k += 1;
        if t == "--" {
            continue;
        }
        if let Some(flag) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) {
            if !flag.contains('=') && VALUE_FLAGS.contains(&flag) {
                k += 1;
            }
            continue;
        }
        if t == "tool" && sub != "run" {
            continue;
        }
        out.push(&args[k - 1]);
        if sub == "run" {
            break;
        }
    }
    out
}

fn is_local(p: &str) -> bool {
    p.starts_with('.') || p.starts_with('/') || p.ends_with(".go")
}

fn is_pinned(p: &str) -> bool {
    match p.rsplit_once('@') {
        Some((_, v)) => !matches!(v, "latest" | "upgrade" | "patch" | ""),
        None => false,
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, cmd) in posix_commands(cx) {
        if !cmd.is("go") {
            continue;
        }
        for w in packages(cmd) {
            let p = w.text.as_str();
            if is_local(p) || is_pinned(p) || is_variable(p) {
                continue;
            }
            let name = p.split('@').next().unwrap_or(p);
            out.push(
                Hit::new(
                    w.span,
                    format!("Pin the version of `{name}`: use `{name}@<version>`"),
                )
                .with_fix(format!("{name}@<version>")),
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
    fn flags_unpinned_packages() {
        let src = "FROM golang\nRUN go install github.com/a/b@latest\nRUN go get -u github.com/c/d\nRUN go run golang.org/x/e arg\nRUN go install --tags extended github.com/gohugoio/hugo\nONBUILD RUN go install x.io/y\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6]);
    }

    #[test]
    fn passes_pinned_local_and_variables() {
        let src = "FROM golang\nRUN go install github.com/a/b@v1.2.3\nRUN go install ./...\nRUN go run main.go x\nRUN go run -tags netgo ./cmd/app\nRUN go build -o /app .\nRUN go install $PKG\nRUN go install x.io/y@${VERSION}\nRUN CGO_ENABLED=0 go install -ldflags \"-s -w\" .\nRUN go install\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn heredoc_and_continuation() {
        let src = "FROM golang\nRUN <<EOF\ngo install a.io/b@latest\nEOF\nRUN true && \\\n    go get c.io/d\n";
        assert_eq!(lines(check, src), vec![3, 6]);
    }
}
