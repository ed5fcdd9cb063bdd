//! # DL3020: Use COPY instead of ADD for files and folders
//!
//! **What it checks.** Every source of an `ADD` is either a remote source
//! (an `http://`/`https://` URL or a git repository: `git@host:repo`,
//! `git://…`, `ssh://…`) or a tar archive that `ADD` unpacks (`.tar`,
//! `.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`, …). Any other source is a
//! plain file or folder and is reported. Variables are expanded with the
//! ARG/ENV values in scope; a source whose value cannot be known (an ARG
//! without default) is judged only when the known parts decide it
//! (`bin/app-${TARGETARCH}` is a local file whatever the ARG holds,
//! `${BASE_URL}/x.bin` may be a download).
//!
//! **Why.** `ADD` has magic: it unpacks local archives and downloads URLs.
//! For a plain file it behaves like `COPY`, but a reader cannot tell
//! whether the magic was intended, and a file later renamed to `.tar.gz`
//! suddenly gets extracted. `COPY` says what it does.
//!
//! **Where hadolint is wrong.** hadolint treats every source that is not an
//! `http(s)` URL or an archive as a local file, so `ADD git@github.com:o/r.git
//! /src` (a git checkout, which `COPY` cannot do) is reported, and `ADD
//! $SRC /dst` is reported whatever `SRC` holds. Plimsoll knows BuildKit's
//! git sources and expands variables.
//!
//! ## Bad
//! ```dockerfile
//! FROM nginx:1.25
//! ADD nginx.conf /etc/nginx/nginx.conf
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM nginx:1.25
//! COPY nginx.conf /etc/nginx/nginx.conf
//! ADD rootfs.tar.gz /
//! ```
//!
//! ## Fix
//! Replace `ADD` with `COPY` for plain files and folders.
//!
//! ## Incident it prevents
//! A data file was renamed to `fixtures.tar.gz` for compression; `ADD`
//! silently unpacked it into the image and the application could not find
//! the file it expected.

use crate::helpers_a::platform_value;
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::words::expand;
use plimsoll_dockerfile::{Kind, Span};

pub const META: Meta = Meta {
    code: "DL3020",
    severity: Severity::Error,
    category: Category::Hadolint,
    summary: "Use COPY instead of ADD for files and folders",
    enabled_by_default: true,
};

const ARCHIVES: &[&str] = &[
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz", ".zst", ".tzst",
];

fn is_remote(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    ["http://", "https://", "git://", "git@", "ssh://"]
        .iter()
        .any(|p| l.starts_with(p))
}

fn is_archive(s: &str) -> bool {
    ARCHIVES.iter().any(|e| s.ends_with(e))
}

/// The literal text before the first and after the last variable
/// reference of a word as written.
fn literal_ends(raw: &str) -> (&str, &str) {
    let b = raw.as_bytes();
    let Some(first) = raw.find('$') else {
        return (raw, raw);
    };
    let mut last_end = first;
    let mut i = first;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if j < b.len() && b[j] == b'{' {
            let mut depth = 0usize;
            while j < b.len() {
                match b[j] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        } else {
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
        }
        last_end = j.min(b.len());
        i = j.max(i + 1);
    }
    (&raw[..first], raw.get(last_end..).unwrap_or(""))
}

/// Whether a source is a plain local file: `Some(true)`/`Some(false)`, or
/// `None` when unknown parts of the value could change the answer
/// (`build/app-${TARGETARCH}` is a local file whatever the ARG holds;
/// `${BASE_URL}/x.bin` may be a URL).
fn plain_file(raw: &str, value: Option<&str>) -> Option<bool> {
    if let Some(v) = value {
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        return Some(!is_remote(v) && !is_archive(v));
    }
    let (prefix, suffix) = literal_ends(raw.trim_matches(|c| c == '"' || c == '\''));
    let schemes = ["http://", "https://", "git://", "git@", "ssh://"];
    let p = prefix.to_ascii_lowercase();
    let maybe_remote = schemes
        .iter()
        .any(|s| s.starts_with(&p) || p.starts_with(s));
    let maybe_archive = ARCHIVES
        .iter()
        .any(|e| e.ends_with(suffix) || suffix.ends_with(e));
    if maybe_remote || maybe_archive {
        None
    } else {
        Some(true)
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.of_kind(Kind::Add) {
        // (source as written, expanded value or None when unknown, span)
        let words: Vec<(String, Option<String>, Span)> = match &ins.json {
            Some(j) => j
                .iter()
                .map(|s| (s.value.clone(), Some(s.value.clone()), s.span))
                .collect(),
            None => ins
                .words()
                .into_iter()
                .map(|w| {
                    let ex = expand(&w.raw, ins.escape, &|n| {
                        cx.facts.var(i, n).or_else(|| platform_value(n))
                    });
                    let v = ex.unset.is_empty().then_some(ex.value);
                    (w.raw, v, w.span)
                })
                .collect(),
        };
        if words.len() < 2 {
            continue;
        }
        for (raw, value, span) in &words[..words.len() - 1] {
            if plain_file(raw, value.as_deref()) != Some(true) {
                continue;
            }
            let shown = if raw.starts_with("<<") {
                "a heredoc".to_string()
            } else {
                format!("`{raw}`")
            };
            out.push(
                Hit::new(*span, format!("Use COPY instead of ADD for files and folders: {shown} is neither a URL nor an archive"))
                    .with_fix(format!("COPY {}", ins.args.trim())),
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
    fn flags_plain_files() {
        let src = "FROM a:1\nADD app.py /app/\nADD [\"x\", \"rootfs.tar.gz\", \"/\"]\nONBUILD ADD . /src\n";
        assert_eq!(lines(check, src), vec![2, 3, 4]);
    }

    #[test]
    fn passes_urls_archives_and_git() {
        let src = "FROM a:1\nADD https://example.com/x.bin /x\nADD rootfs.tar.xz /\nADD git@github.com:o/r.git /src\nADD --keep-git-dir https://github.com/o/r.git#v1 /src\nADD --chown=1:1 \"data.tgz\" /d/\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables() {
        let src = "FROM a:1\nARG SRC\nADD $SRC /x\nARG URL=https://h/f\nADD ${URL} /f\n";
        assert!(lines(check, src).is_empty());
        assert_eq!(
            lines(check, "FROM a:1\nARG F=conf.ini\nADD $F /etc/\n"),
            vec![3]
        );
        assert_eq!(
            lines(
                check,
                "FROM a:1\nARG TARGETARCH\nADD bin/app-${TARGETARCH} /app\n"
            ),
            vec![3]
        );
        let src = "FROM a:1\nARG B\nARG V\nADD ${B}/x.bin /x\nADD app-$V.tar.gz /\nADD app.t$V /\n";
        assert!(lines(check, src).is_empty());
    }
}
