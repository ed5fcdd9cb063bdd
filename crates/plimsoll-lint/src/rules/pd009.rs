//! # PD009: TMPDIR points at a directory the image never creates
//!
//! **What it checks.** The final image runs as a non-root user (its last
//! `USER`, or a base such as distroless `:nonroot`) and sets
//! `ENV TMPDIR=<dir>` (the last value in the final lineage, variables
//! expanded), where `<dir>` is not a standard temp directory (`/tmp`,
//! `/var/tmp`, `/dev/shm`), and nothing in the final stage or the stages it
//! is built FROM makes that directory exist:
//!
//! - a `RUN` with `mkdir`, `install -d`, `chown`, `chmod`, `cp`/`mv` to
//!   it (or to a path inside it);
//! - a `COPY`/`ADD` whose destination is it or inside it (a destination of
//!   `/` with unknown contents counts as creating it);
//! - a `WORKDIR` or `VOLUME` at it or inside it.
//!
//! A root final image is PD003's business; a TMPDIR from an unknown
//! variable is not judged.
//!
//! **Why.** Every temp-file API honours `TMPDIR` — Go's `os.CreateTemp`,
//! `mktemp`, Python's `tempfile`, the JVM via wrappers, multipart upload
//! buffering in HTTP servers. When the directory is missing, they fail with
//! `no such file or directory` at the first upload or large request, long
//! after the deploy looked healthy. Non-root images usually set TMPDIR
//! precisely because they run with a read-only root filesystem — and then
//! forget to create (and mount) the directory.
//!
//! ## Bad
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12:nonroot
//! ENV TMPDIR=/app/tmp
//! COPY --from=build /out/app /app/server
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:12-slim
//! RUN useradd -r -u 10001 app && mkdir -p /app/tmp && chown app /app/tmp
//! ENV TMPDIR=/app/tmp
//! USER 10001
//! ```
//!
//! ## Fix
//! With a shell: `RUN mkdir -p /app/tmp && chown 65532:65532 /app/tmp`.
//! Without one (scratch, distroless): create it in the builder and copy it:
//! `COPY --from=build --chown=65532:65532 /out/tmp /app/tmp`; or mount an
//! `emptyDir` there in Kubernetes and keep the ENV.
//!
//! ## Incident it prevents
//! A service hardened to non-root with `TMPDIR=/app/tmp` passed every health
//! check and then returned 500 on every file upload larger than the
//! in-memory threshold: `open /app/tmp/multipart-…: no such file or
//! directory`.

use crate::helpers_pd::{
    RunUser, copy_parts, expand_shell, final_lineage, final_user, instr, is_within, join_path,
    lineage_instructions, workdirs,
};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;
use plimsoll_dockerfile::facts::pairs_with_spans;

pub const META: Meta = Meta {
    code: "PD009",
    severity: Severity::Warning,
    category: Category::Dockerfile,
    summary: "Non-root final image sets TMPDIR to a directory nothing creates",
    enabled_by_default: true,
};

fn standard_tmp(p: &str) -> bool {
    matches!(p, "/tmp" | "/var/tmp" | "/dev/shm" | "/run" | "/tmp/")
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let user = final_user(cx);
    if !user.is_nonroot() {
        return out;
    }
    let lineage = final_lineage(cx);
    let all = lineage_instructions(cx, &lineage);
    // The last TMPDIR of the lineage.
    let mut tmp = None;
    for &i in &all {
        let Some(ins) = instr(cx, i) else { continue };
        if ins.kind != Kind::Env {
            continue;
        }
        for (k, v, _, pair) in pairs_with_spans(ins) {
            if k == "TMPDIR" {
                let ex = cx.facts.expand(i, v.as_deref().unwrap_or(""));
                tmp = ex.unset.is_empty().then_some((ex.value, pair, i));
            }
        }
    }
    let Some((dir, span, _)) = tmp else {
        return out;
    };
    if !dir.starts_with('/') {
        return out;
    }
    let dir = join_path("/", &dir);
    if standard_tmp(&dir) {
        return out;
    }
    let creates = |p: &str| is_within(p, &dir);
    let wds = workdirs(cx, &lineage, "/");
    for &i in &all {
        let Some(ins) = instr(cx, i) else { continue };
        let cwd = || wds.get(&i).cloned().flatten().unwrap_or_else(|| "/".into());
        let found = match ins.kind {
            Kind::Workdir | Kind::Volume => {
                let ex = cx.facts.expand(i, ins.args.trim());
                let vals: Vec<String> = match &ins.json {
                    Some(j) => j.iter().map(|s| s.value.clone()).collect(),
                    None => ex.value.split_whitespace().map(str::to_string).collect(),
                };
                let base = cwd();
                !ex.unset.is_empty() || vals.iter().any(|v| creates(&join_path(&base, v)))
            }
            Kind::Copy | Kind::Add => match copy_parts(cx, i, ins) {
                Some(p) => match p.dest.value.as_deref() {
                    None => true,
                    Some(d) => {
                        let dest = join_path(&cwd(), d);
                        dest == "/"
                            || creates(&dest)
                            || (d.ends_with('/')
                                && p.sources.iter().any(|s| {
                                    let v = s.value.as_deref().unwrap_or(&s.raw);
                                    let base =
                                        v.trim_end_matches('/').rsplit('/').next().unwrap_or("");
                                    !base.is_empty() && creates(&join_path(&dest, base))
                                }))
                    }
                },
                None => false,
            },
            Kind::Run => {
                let cwd = cwd();
                cx.scripts(i).iter().any(|s| {
                    s.commands.iter().any(|c| {
                        let name = c.base_name().unwrap_or("");
                        let paths: Vec<&str> = match name {
                            "mkdir" | "chown" | "chmod" | "chgrp" => {
                                c.args_no_flags().iter().map(|w| w.text.as_str()).collect()
                            }
                            "install" if c.has_flag("d") || c.has_flag("directory") => {
                                c.args_no_flags().iter().map(|w| w.text.as_str()).collect()
                            }
                            "cp" | "mv" | "ln" => c
                                .args_no_flags()
                                .last()
                                .map(|w| vec![w.text.as_str()])
                                .unwrap_or_default(),
                            _ => Vec::new(),
                        };
                        paths.iter().any(|p| match expand_shell(cx, i, p) {
                            Some(v) => creates(&join_path(&cwd, &v)),
                            None => p.contains("TMPDIR"),
                        })
                    })
                })
            }
            _ => false,
        };
        if found {
            return out;
        }
    }
    let who = match &user {
        RunUser::Explicit { user, .. } => format!("user `{user}`"),
        _ => "the image's non-root user".to_string(),
    };
    out.push(
        Hit::new(
            span,
            format!(
                "TMPDIR={dir} is never created in the final image: running as {who}, every temp file (uploads, os.CreateTemp, mktemp) fails with \"no such file or directory\""
            ),
        )
        .with_fix(format!(
            "RUN mkdir -p {dir} && chown 65532:65532 {dir}   # no shell: COPY --from=build --chown=65532:65532 /empty-dir {dir}"
        )),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_missing_tmpdir() {
        let src = "FROM gcr.io/distroless/static-debian12:nonroot\nENV TMPDIR=/app/tmp\nCOPY app /app/server\n";
        let r = run(check, src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 2);
        assert!(r[0].1.contains("/app/tmp"));
        let src = "FROM debian:12\nENV HOME=/home/app\nENV TMPDIR=$HOME/tmp\nRUN mkdir -p /home/app\nUSER app\n";
        assert_eq!(lines(check, src), vec![3]);
    }

    #[test]
    fn passes_when_created() {
        let ok = [
            "FROM debian:12\nENV TMPDIR=/app/tmp\nRUN mkdir -p /app/tmp && chown app /app/tmp\nUSER app\n",
            "FROM debian:12\nENV TMPDIR=/app/tmp\nRUN mkdir -p \"$TMPDIR/sub\"\nUSER app\n",
            "FROM debian:12\nENV TMPDIR=/app/tmp\nWORKDIR /app/tmp\nUSER app\n",
            "FROM debian:12\nWORKDIR /app\nENV TMPDIR=/app/tmp\nRUN mkdir tmp\nUSER app\n",
            "FROM scratch\nENV TMPDIR=/data/tmp\nCOPY --from=b --chown=1:1 /empty /data/tmp\nUSER 1\n",
            "FROM scratch\nENV TMPDIR=/data/tmp\nCOPY --from=b /rootfs/ /\nUSER 1\n",
            "FROM debian:12\nENV TMPDIR=/scratch\nVOLUME /scratch\nUSER app\n",
            "FROM debian:12\nENV TMPDIR=/tmp\nUSER app\n",
            "FROM debian:12\nENV TMPDIR=/x\nRUN install -d -o app /x\nUSER app\n",
        ];
        for s in ok {
            assert!(lines(check, s).is_empty(), "{s}");
        }
    }

    #[test]
    fn only_non_root() {
        assert!(lines(check, "FROM debian:12\nENV TMPDIR=/app/tmp\n").is_empty());
        assert!(lines(check, "FROM debian:12\nENV TMPDIR=/app/tmp\nUSER root\n").is_empty());
        assert!(
            lines(
                check,
                "FROM debian:12\nENV TMPDIR=/app/tmp\nARG U\nUSER $U\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn follows_the_lineage() {
        let src =
            "FROM debian:12 AS base\nRUN mkdir /work\nFROM base\nENV TMPDIR=/work\nUSER 1000\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM debian:12 AS build\nRUN mkdir /work\nFROM debian:12\nENV TMPDIR=/work\nUSER 1000\n";
        assert_eq!(lines(check, src), vec![4]);
        // the last TMPDIR wins
        let src = "FROM debian:12\nENV TMPDIR=/nope\nRUN mkdir /w\nENV TMPDIR=/w\nUSER 1000\n";
        assert!(lines(check, src).is_empty());
    }
}
