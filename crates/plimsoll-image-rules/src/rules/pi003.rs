//! # PI003: no usable /tmp
//!
//! Programs assume a writable temporary directory: Go's `os.CreateTemp`,
//! Python's `tempfile`, the JVM, `sort`, `curl` uploads and every `mktemp`
//! in a shell script write to `$TMPDIR` or `/tmp`. Container runtimes do
//! not create it: an image without `/tmp` (every `FROM scratch` image), or
//! with a `/tmp` the runtime user cannot write, fails at the first
//! temporary file — often deep in a request path, long after start-up.
//! `/tmp` should be a directory with mode `1777` (everyone may create
//! files; the sticky bit stops users deleting each other's). `/tmp` is
//! resolved through symbolic links. When the configuration sets `TMPDIR`
//! to another directory, that one must exist and be writable too.
//!
//! ## Bad
//! ```dockerfile
//! FROM scratch
//! COPY server /server
//! USER 65532
//! ENTRYPOINT ["/server"]             # open /tmp/upload-123: no such file or directory
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN mkdir -p /out/tmp && chmod 1777 /out/tmp
//! FROM scratch
//! COPY --from=build /out/tmp /tmp
//! COPY server /server
//! USER 65532
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Ship `/tmp` with mode `1777` (`RUN mkdir -p /tmp && chmod 1777 /tmp`,
//! or copy an empty directory with `COPY --chmod=1777`), or mount an
//! `emptyDir`/tmpfs at `/tmp` and say so in the deployment.
//!
//! ## Incident it prevents
//! A service moved to a `scratch` image passed its smoke test and then
//! failed every multipart upload in production: Go's `mime/multipart`
//! spills large parts to `os.TempDir()`, and there was no `/tmp`.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::Kind;
use plimsoll_image::run;
use plimsoll_image::tree::ResolveError;

pub const META: Meta = Meta {
    code: "PI003",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "/tmp (or $TMPDIR) is missing, not a directory, not mode 1777, or not writable by the runtime user",
};

const FIX: &str = "RUN mkdir -p /tmp && chmod 1777 /tmp   # on scratch: COPY --from=build --chmod=1777 /emptydir /tmp";

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if let Some(problem) = problem(cx, "/tmp", true) {
        out.push(Hit::new(problem).with_fix(FIX));
    }
    if let Some(tmpdir) = cx.image.config.env("TMPDIR") {
        let t = tmpdir.trim();
        let norm = format!("/{}", t.trim_matches('/'));
        if !t.is_empty() && !t.starts_with('/') {
            out.push(Hit::new(format!(
                "TMPDIR={t:?} is not an absolute path: temporary files land wherever the working directory is"
            ))
            .with_fix("ENV TMPDIR=/tmp"));
        } else if !t.is_empty()
            && norm != "/tmp"
            && let Some(problem) = problem(cx, &norm, false)
        {
            out.push(
                Hit::new(format!("TMPDIR: {problem}"))
                    .with_fix(format!("RUN mkdir -p {norm} && chown 65532:65532 {norm}   # the runtime user's own directory")),
            );
        }
    }
    out
}

/// What is wrong with a temporary directory, if anything. `shared`: it
/// must be mode 1777 (as `/tmp`), not just writable by the runtime user.
fn problem(cx: &Context, path: &str, shared: bool) -> Option<String> {
    let user = &cx.facts.user;
    let who = match &user.name {
        Some(n) => format!("{}:{} ({n})", user.uid, user.gid),
        None => format!("{}:{}", user.uid, user.gid),
    };
    let (real, node) = match cx.image.tree.resolve(path) {
        Ok(x) => x,
        Err(ResolveError::NotFound(p)) if p == path.trim_start_matches('/') => {
            return Some(format!(
                "{path} does not exist: programs that create temporary files fail with \"no such file or directory\""
            ));
        }
        Err(e) => {
            return Some(format!(
                "{path} is not usable ({e}): programs that create temporary files fail"
            ));
        }
    };
    let shown = if format!("/{real}") == path {
        path.to_string()
    } else {
        format!("{path} (→ /{real})")
    };
    if node.kind != Kind::Dir {
        return Some(format!(
            "{shown} is not a directory: programs that create temporary files fail"
        ));
    }
    let mode = node.mode & 0o7777;
    let implied = if node.implicit {
        ", implied by files under it with no entry of its own"
    } else {
        ""
    };
    let mut wrong = Vec::new();
    if !run::can_write(node, user) {
        wrong.push(format!(
            "the runtime user {who} cannot write to it (mode {mode:04o}, owner {}:{}{implied})",
            node.uid, node.gid
        ));
    }
    if shared && mode != 0o1777 {
        let mut m = format!("its mode is {mode:04o}, not 1777");
        if mode & 0o002 == 0 {
            m.push_str(" (not writable by other users)");
        } else if mode & 0o1000 == 0 {
            m.push_str(" (no sticky bit: any user can delete or replace another's files)");
        }
        if wrong.is_empty() {
            m.push_str(implied);
        }
        wrong.push(m);
    }
    if wrong.is_empty() {
        return None;
    }
    Some(format!("{shown}: {}", wrong.join("; ")))
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    fn img(user: &str, tmp: impl FnOnce(Layer) -> Layer) -> plimsoll_image::Image {
        let base = Layer::new("ADD rootfs.tar /").dir("etc").file(
            "etc/passwd",
            b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        );
        ImageBuilder::new().user(user).layer(tmp(base)).build()
    }

    #[test]
    fn scratch_without_tmp() {
        let hits = run(super::check, &img("65532", |l| l));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("/tmp does not exist: "),
            "{}",
            hits[0].message
        );
        assert!(hits[0].fix.as_deref().unwrap_or("").contains("chmod 1777"));
    }

    #[test]
    fn good_tmp_passes_for_any_user() {
        for user in ["", "app", "65532:65532"] {
            assert!(
                run(
                    super::check,
                    &img(user, |l| l.dir_with("tmp", 0o1777, (0, 0)))
                )
                .is_empty(),
                "{user}"
            );
        }
        // Through a symlink, as some images have it.
        let hits = run(
            super::check,
            &img("app", |l| {
                l.dir("var")
                    .dir_with("var/tmp", 0o1777, (0, 0))
                    .symlink("tmp", "var/tmp")
            }),
        );
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn wrong_modes() {
        let hits = run(
            super::check,
            &img("app", |l| l.dir_with("tmp", 0o755, (0, 0))),
        );
        assert_eq!(hits.len(), 1);
        let m = &hits[0].message;
        assert!(
            m.contains("runtime user 1000:1000 (app) cannot write"),
            "{m}"
        );
        assert!(m.contains("mode is 0755, not 1777"), "{m}");
        // Root can write, but the mode is still wrong for anyone else.
        let hits = run(super::check, &img("", |l| l.dir_with("tmp", 0o777, (0, 0))));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("no sticky bit"),
            "{}",
            hits[0].message
        );
        assert!(
            !hits[0].message.contains("cannot write"),
            "{}",
            hits[0].message
        );
        // /tmp implied by a file under it (no directory entry).
        let hits = run(super::check, &img("app", |l| l.file("tmp/x", b"x")));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("implied by files under it"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn tmp_is_a_file_or_a_dangling_link() {
        let hits = run(super::check, &img("app", |l| l.file("tmp", b"")));
        assert!(
            hits[0].message.contains("/tmp is not a directory"),
            "{}",
            hits[0].message
        );
        let hits = run(super::check, &img("app", |l| l.symlink("tmp", "/run/tmp")));
        assert!(
            hits[0].message.contains("does not exist"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn tmpdir_from_the_environment() {
        let build = |tmpdir: &str, l: fn(Layer) -> Layer| {
            let base = base_files(Layer::new("ADD rootfs.tar /"));
            ImageBuilder::new()
                .user("app")
                .env(&format!("TMPDIR={tmpdir}"))
                .layer(l(base))
                .build()
        };
        let hits = run(super::check, &build("/scratch", |l| l));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .message
                .starts_with("TMPDIR: /scratch does not exist"),
            "{}",
            hits[0].message
        );
        let hits = run(super::check, &build("/scratch", |l| l.dir("scratch")));
        assert!(
            hits[0].message.contains("cannot write"),
            "{}",
            hits[0].message
        );
        // A private directory of the runtime user is fine (no 1777 needed).
        let hits = run(
            super::check,
            &build("/scratch", |l| l.dir_with("scratch", 0o700, (1000, 1000))),
        );
        assert!(hits.is_empty(), "{hits:?}");
        // TMPDIR=/tmp/ is /tmp: checked once.
        assert!(run(super::check, &build("/tmp/", |l| l)).is_empty());
        let hits = run(super::check, &build("tmp", |l| l));
        assert!(
            hits[0].message.contains("not an absolute path"),
            "{}",
            hits[0].message
        );
    }
}
