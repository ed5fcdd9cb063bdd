//! # PD002: `COPY .` sends secrets and junk into the image
//!
//! **What it checks.** A `COPY` or `ADD` whose source is the whole build
//! context (`.`, `./`, `*`, `/`), in any stage:
//!
//! - with **no `.dockerignore`** beside the Dockerfile, it is a finding;
//! - with a `.dockerignore`, Plimsoll reads it as the Docker CLI does
//!   (`#` comments, `!` exceptions, `**`, last match wins, a pattern that
//!   matches a directory covers everything in it) and reports which of
//!   these would still be copied: `.git`, `.env`, `*.pem`, `*.key` always;
//!   `node_modules` when the Dockerfile builds with npm/yarn/pnpm or a
//!   `node` image, `target` for cargo or Maven, `vendor` for Composer,
//!   `.venv` for Python. (Go's `vendor/` is source, so it is not asked for.)
//! - when the Dockerfile comes from stdin the context is unknown: no finding.
//!
//! `COPY --from=…` copies from a stage or image, not the context, and is
//! not judged. `COPY go.mod go.sum ./` copies named files and is fine.
//!
//! **Why.** Everything the context holds lands in a layer: the `.git`
//! directory with the full history (including that `.env` committed and
//! removed in 2021), local `.env` files, TLS private keys, host-built
//! `node_modules` with binaries for the wrong OS. Layers are forever: a
//! later `RUN rm` does not remove them from the image. Even in a builder
//! stage, a huge or churning context breaks the layer cache on every build.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20-slim
//! WORKDIR /app
//! COPY . .
//! RUN npm ci
//! ```
//! (and no `.dockerignore`)
//!
//! ## Good
//! ```dockerfile
//! FROM node:20-slim
//! WORKDIR /app
//! COPY package.json package-lock.json ./
//! RUN npm ci
//! COPY src/ ./src/
//! ```
//! or keep `COPY . .` with a `.dockerignore` that excludes the paths above.
//!
//! ## Fix
//! ```text
//! # .dockerignore
//! .git
//! .env
//! .env.*
//! **/*.pem
//! **/*.key
//! node_modules
//! ```
//! An allow-list is stricter still: `*` then `!go.mod`, `!go.sum`, `!cmd/`, …
//!
//! ## Incident it prevents
//! A public image on a registry contained `/app/.git` and `/app/.env`: the
//! production database password was pulled by anyone who ran
//! `docker pull`, and rotating it took a day.

use crate::helpers_pd::{copy_parts, ignored, parse_dockerignore};
use crate::{Context, DockerIgnore, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "PD002",
    severity: Severity::Warning,
    category: Category::Dockerfile,
    summary: "COPY/ADD of the whole context without a .dockerignore that excludes secrets and heavy paths",
    enabled_by_default: true,
};

fn whole_context(src: &str) -> bool {
    matches!(
        src.trim(),
        "." | "./" | "*" | "./*" | "/" | "/." | "/*" | "./."
    )
}

/// (what the message names, a path to test, the .dockerignore line to add).
struct Probe {
    name: &'static str,
    path: &'static str,
    line: &'static str,
}

const ALWAYS: &[Probe] = &[
    Probe {
        name: ".git",
        path: ".git/config",
        line: ".git",
    },
    Probe {
        name: ".env",
        path: ".env",
        line: ".env",
    },
    Probe {
        name: "*.pem",
        path: "server.pem",
        line: "**/*.pem",
    },
    Probe {
        name: "*.key",
        path: "server.key",
        line: "**/*.key",
    },
];

fn ecosystem_probes(cx: &Context) -> Vec<Probe> {
    let mut node = false;
    let mut cargo_or_maven = false;
    let mut composer = false;
    let mut python = false;
    for st in &cx.facts.stages {
        let short = st.base.image.short_name().to_ascii_lowercase();
        match short.as_str() {
            "node" | "bun" => node = true,
            "rust" | "maven" => cargo_or_maven = true,
            "php" | "composer" => composer = true,
            "python" | "pypy" => python = true,
            _ => {}
        }
    }
    for (_, c) in cx.commands() {
        match c.base_name().unwrap_or("") {
            "npm" | "yarn" | "pnpm" | "npx" | "bun" => node = true,
            "cargo" | "mvn" | "mvnw" => cargo_or_maven = true,
            "composer" => composer = true,
            "pip" | "pip3" | "poetry" | "uv" | "pipenv" => python = true,
            _ => {}
        }
    }
    let mut v = Vec::new();
    if node {
        v.push(Probe {
            name: "node_modules",
            path: "node_modules/x/index.js",
            line: "node_modules",
        });
    }
    if cargo_or_maven {
        v.push(Probe {
            name: "target",
            path: "target/release/x",
            line: "target",
        });
    }
    if composer {
        v.push(Probe {
            name: "vendor",
            path: "vendor/autoload.php",
            line: "vendor",
        });
    }
    if python {
        v.push(Probe {
            name: ".venv",
            path: ".venv/bin/python",
            line: ".venv",
        });
    }
    v
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if *cx.dockerignore == DockerIgnore::Unknown {
        return out;
    }
    let mut leaks: Option<Vec<Probe>> = None;
    for (i, ins) in cx.instructions() {
        if !matches!(ins.kind, Kind::Copy | Kind::Add) {
            continue;
        }
        let Some(parts) = copy_parts(cx, i, ins) else {
            continue;
        };
        if parts.from.is_some() {
            continue;
        }
        let Some(src) = parts
            .sources
            .iter()
            .find(|s| whole_context(s.value.as_deref().unwrap_or(&s.raw)))
        else {
            continue;
        };
        let kw = ins.keyword.value.to_ascii_uppercase();
        match cx.dockerignore {
            DockerIgnore::Absent => {
                out.push(
                    Hit::new(
                        src.span,
                        format!(
                            "`{kw} {}` copies the whole build context and there is no .dockerignore: .git, .env files and private keys go into the image",
                            src.raw
                        ),
                    )
                    .with_fix(".dockerignore:\n.git\n.env\n.env.*\n**/*.pem\n**/*.key"),
                );
            }
            DockerIgnore::Present(text) => {
                let leaking = leaks.get_or_insert_with(|| {
                    let pats = parse_dockerignore(text);
                    ALWAYS
                        .iter()
                        .map(|p| Probe {
                            name: p.name,
                            path: p.path,
                            line: p.line,
                        })
                        .chain(ecosystem_probes(cx))
                        .filter(|p| !ignored(&pats, p.path))
                        .collect()
                });
                if leaking.is_empty() {
                    continue;
                }
                let names: Vec<&str> = leaking.iter().map(|p| p.name).collect();
                let lines: Vec<&str> = leaking.iter().map(|p| p.line).collect();
                out.push(
                    Hit::new(
                        src.span,
                        format!(
                            "`{kw} {}` copies the whole build context and .dockerignore does not exclude: {}",
                            src.raw,
                            names.join(", ")
                        ),
                    )
                    .with_fix(format!("add to .dockerignore:\n{}", lines.join("\n"))),
                );
            }
            DockerIgnore::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::run_with;

    fn run_di(src: &str, di: DockerIgnore) -> Vec<(u32, String)> {
        run_with(check, src, &Settings::default(), &di)
    }

    fn present(s: &str) -> DockerIgnore {
        DockerIgnore::Present(s.to_string())
    }

    const GO: &str = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";

    #[test]
    fn flags_copy_dot_without_dockerignore() {
        let r = run_di(GO, DockerIgnore::Absent);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 3);
        assert!(r[0].1.contains("no .dockerignore"));
        assert_eq!(
            run_di("FROM a\nADD ./ /app\nCOPY * /x/\n", DockerIgnore::Absent).len(),
            2
        );
        // exec form
        assert_eq!(
            run_di("FROM a\nCOPY [\".\", \"/app\"]\n", DockerIgnore::Absent).len(),
            1
        );
    }

    #[test]
    fn stdin_is_unknown() {
        assert!(run_di(GO, DockerIgnore::Unknown).is_empty());
    }

    #[test]
    fn names_what_leaks() {
        let r = run_di(GO, present(".git\n"));
        assert_eq!(r.len(), 1);
        assert!(r[0].1.contains(".env, *.pem, *.key"), "{}", r[0].1);
        assert!(!r[0].1.contains(".git,"));
        // Go's vendor/ is not asked for; node_modules only for node builds.
        assert!(!r[0].1.contains("vendor") && !r[0].1.contains("node_modules"));
    }

    #[test]
    fn passes_good_dockerignore() {
        assert!(run_di(GO, present("# context\n.git\n.env*\n**/*.pem\n**/*.key\n")).is_empty());
        // allow-list style
        assert!(run_di(GO, present("*\n!go.mod\n!go.sum\n!*.go\n")).is_empty());
    }

    #[test]
    fn exceptions_reinclude() {
        let r = run_di(GO, present("*\n!.git\n"));
        assert_eq!(r.len(), 1);
        assert!(r[0].1.ends_with(": .git"), "{}", r[0].1);
    }

    #[test]
    fn ecosystem_paths() {
        let node = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
        let r = run_di(node, present(".git\n.env\n*.pem\n*.key\n"));
        assert_eq!(r.len(), 1);
        assert!(r[0].1.ends_with(": node_modules"), "{}", r[0].1);
        assert!(run_di(node, present(".git\n.env\n*.pem\n*.key\nnode_modules\n")).is_empty());
        let rust = "FROM rust:1.80\nCOPY . .\nRUN cargo build --release\n";
        assert!(
            run_di(rust, present(".git\n.env\n*.pem\n*.key\n"))[0]
                .1
                .ends_with(": target")
        );
    }

    #[test]
    fn copy_from_and_named_files_pass() {
        let src = "FROM golang:1.22 AS b\nFROM scratch\nCOPY --from=b . .\nCOPY --from=${NOPE} / /\nCOPY go.mod go.sum ./\nCOPY <<EOF /x\n.\nEOF\n";
        assert!(run_di(src, DockerIgnore::Absent).is_empty());
    }

    #[test]
    fn variables_and_onbuild() {
        let src = "FROM a\nARG SRC=.\nCOPY ${SRC} /app\nONBUILD COPY . /app\n";
        assert_eq!(
            run_di(src, DockerIgnore::Absent)
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            vec![3, 4]
        );
    }
}
