//! # DL3010: Use ADD for extracting archives into an image
//!
//! **What it checks.** A local tar archive brought in with `COPY` (no
//! `--from`) that a later `RUN` of the same stage extracts: `tar` with `x`,
//! `--extract` or `--get`, or a decompressor (`gunzip`, `zcat`, `unxz`,
//! `bunzip2`, …) naming the archive's file name. The file name is the
//! `COPY` source's, or the destination's when the `COPY` renames it.
//! Archives are tar files, compressed or not (`.tar`, `.tar.gz`/`.tgz`,
//! `.tar.bz2`/`.tbz2`, `.tar.xz`/`.txz`, `.tar.zst`, and `.gz`/`.bz2`/`.xz`
//! when `tar` extracts them); the finding points at the `COPY`.
//!
//! **Why.** `ADD archive.tar.gz /dest/` unpacks a local tar archive in one
//! layer. `COPY` + `RUN tar -x` stores the compressed archive in one layer
//! and the extracted files in another, so the image carries both even if
//! the `RUN` deletes the archive afterwards.
//!
//! **Where hadolint differs.** hadolint reads any word that starts with
//! `-` and contains an `x` as tar's extract flag, so `tar -czf out.tgz
//! --exclude=x` counts as an extraction; Plimsoll only reads short option
//! clusters and the old-style first word (`tar xzf a.tgz`, which hadolint
//! misses). It does not suggest `ADD` for `.lz`, `.lzma` or `.Z` archives,
//! which `ADD` does not unpack, and checks `--file=a.tar`.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! COPY app.tar.gz /tmp/
//! RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12
//! ADD app.tar.gz /opt/
//! ```
//!
//! ## Fix
//! `ADD app.tar.gz /opt/` (local tar archives are unpacked into the
//! destination directory).
//!
//! ## Incident it prevents
//! A 300 MB release tarball was copied and extracted in two layers; the
//! `rm` in the second layer freed nothing and the image doubled in size.

use crate::helpers_a::{operands, run_commands};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::shell::Command;
use plimsoll_dockerfile::{Kind, Span};

pub const META: Meta = Meta {
    code: "DL3010",
    severity: Severity::Info,
    category: Category::Hadolint,
    summary: "Use ADD for extracting archives into an image",
    enabled_by_default: true,
};

/// Names that are tar archives whatever reads them.
const TAR: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tb2", ".tar.xz", ".txz", ".tar.zst",
    ".tzst",
];
/// Compressed files `tar` can unpack (and so `ADD` can).
const COMPRESSED: &[&str] = &[".gz", ".bz2", ".xz", ".zst"];

const DECOMPRESSORS: &[&str] = &[
    "gunzip",
    "zcat",
    "gzcat",
    "bunzip2",
    "bzcat",
    "unxz",
    "xzcat",
    "unzstd",
    "zstdcat",
    "uncompress",
    "unzip",
];

fn basename(p: &str) -> &str {
    let p = p.trim_matches(|c| c == '"' || c == '\'');
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

fn is_tar_name(n: &str) -> bool {
    TAR.iter().any(|e| n.ends_with(e))
}

fn is_archive(n: &str) -> bool {
    is_tar_name(n) || COMPRESSED.iter().any(|e| n.ends_with(e))
}

fn is_tar_extract(c: &Command) -> bool {
    if !c.is("tar") {
        return false;
    }
    let args = c.args();
    let old_style = args
        .first()
        .is_some_and(|w| !w.text.starts_with('-') && w.text.contains('x'));
    old_style
        || args.iter().any(|w| {
            let t = w.text.as_str();
            t == "--extract"
                || t == "--get"
                || (t.starts_with('-') && !t.starts_with("--") && t.contains('x'))
        })
}

/// File names a command reads as archives.
fn extracted_names(c: &Command) -> Vec<String> {
    let tar = is_tar_extract(c);
    let decomp = DECOMPRESSORS.iter().any(|d| c.is(d));
    if !tar && !decomp {
        return Vec::new();
    }
    let mut names: Vec<String> = operands(c, &[])
        .iter()
        .map(|w| basename(&w.text).to_string())
        .collect();
    for w in c.args() {
        if let Some(v) = w.text.strip_prefix("--file=") {
            names.push(basename(v).to_string());
        }
    }
    names.retain(|n| if tar { is_archive(n) } else { is_tar_name(n) });
    names
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let f = cx.facts;
    for st in &f.stages {
        // (archive file name, span of the COPY word naming it)
        let mut copied: Vec<(String, Span)> = Vec::new();
        let mut reported: Vec<Span> = Vec::new();
        for i in st.instructions() {
            let Some(ins) = f.df.instructions.get(i) else {
                continue;
            };
            match ins.kind {
                Kind::Copy if ins.flag("from").is_none() && ins.heredocs.is_empty() => {
                    let words: Vec<(String, Span)> = match &ins.json {
                        Some(j) => j.iter().map(|s| (s.value.clone(), s.span)).collect(),
                        None => ins
                            .words()
                            .into_iter()
                            .map(|w| (f.expand(i, &w.raw).value, w.span))
                            .collect(),
                    };
                    let Some((target, tspan)) = words.last() else {
                        continue;
                    };
                    let target_name = basename(target);
                    if is_archive(target_name) && !target.ends_with('/') {
                        copied.push((target_name.to_string(), *tspan));
                    } else {
                        for (src, span) in &words[..words.len() - 1] {
                            let n = basename(src);
                            if is_archive(n) {
                                copied.push((n.to_string(), *span));
                            }
                        }
                    }
                }
                Kind::Run if !copied.is_empty() => {
                    for c in run_commands(cx, i) {
                        for name in extracted_names(&c) {
                            for (a, span) in &copied {
                                if *a == name && !reported.contains(span) {
                                    reported.push(*span);
                                    out.push(
                                        Hit::new(
                                            *span,
                                            format!("`{a}` is copied and then extracted by a RUN: `ADD` unpacks a local tar archive in one layer"),
                                        )
                                        .with_fix(format!("ADD {a} <destination>/")),
                                    );
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_copy_then_extract() {
        let src = "FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n";
        assert_eq!(lines(check, src), vec![2]);
        let src =
            "FROM debian:12\nCOPY dist/x.tgz /tmp/app.tgz\nRUN cd /opt && tar xzf /tmp/app.tgz\n";
        assert_eq!(lines(check, src), vec![2]);
        let src = "FROM debian:12\nCOPY [\"a.tar.xz\", \"/tmp/\"]\nRUN <<EOF\nxzcat /tmp/a.tar.xz | tar -x\nEOF\n";
        assert_eq!(lines(check, src), vec![2]);
    }

    #[test]
    fn passes_other_cases() {
        // Archive only copied, created, or extracted in another stage.
        let src = "FROM debian:12\nCOPY a.tar.gz /srv/\nRUN tar -czf out.tgz --exclude=x /srv\nFROM debian:12\nRUN tar -xzf /srv/a.tar.gz\n";
        assert!(lines(check, src).is_empty());
        // COPY --from and zip files.
        let src = "FROM debian:12\nCOPY --from=build /a.tar /tmp/\nCOPY b.zip /tmp/\nRUN tar -xf /tmp/a.tar && unzip /tmp/b.zip\n";
        assert!(lines(check, src).is_empty());
        // A decompressor on a plain compressed file is not an extraction ADD does.
        let src = "FROM debian:12\nCOPY data.gz /tmp/\nRUN gunzip /tmp/data.gz\n";
        assert!(lines(check, src).is_empty());
    }
}
