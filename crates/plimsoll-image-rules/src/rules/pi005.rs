//! # PI005: world-writable files or directories
//!
//! A file or directory with the "others may write" bit (`o+w`, mode
//! `0002`) can be changed by every user in the container. Outside the
//! scratch directories meant for it (`/tmp`, `/var/tmp`, `/dev/shm`,
//! `/run/lock`), that is how a low-privilege process — or a second process
//! that shares the image — replaces code or configuration another one
//! trusts: a world-writable script run by root, a config directory where
//! anyone may drop a file. Directories with the sticky bit (`1777`) are
//! exempt: others cannot delete or rename what they do not own there. It
//! usually comes from `chmod -R 777` to "fix" a permission error.
//!
//! ## Bad
//! ```dockerfile
//! COPY app/ /app/
//! RUN chmod -R 777 /app                # anyone may rewrite the code
//! USER 10001
//! ```
//!
//! ## Good
//! ```dockerfile
//! COPY --chown=root:root --chmod=0755 app/ /app/
//! RUN mkdir -p /app/data && chown 10001:10001 /app/data
//! USER 10001
//! ```
//!
//! ## Fix
//! Give the runtime user ownership of the few paths it writes
//! (`COPY --chown`, `chown`), and drop `o+w` everywhere else
//! (`chmod -R o-w /app`).
//!
//! ## Incident it prevents
//! A sidecar sharing the application's image ran as a different user; an
//! exploited bug in it rewrote a world-writable `/app/entrypoint.sh`, and
//! the next restart ran the attacker's code as the application.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::Kind;

pub const META: Meta = Meta {
    code: "PI005",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "World-writable files or directories outside /tmp and friends",
};

/// Where everybody writing is the point.
const SCRATCH: [&str; 4] = ["tmp", "var/tmp", "dev/shm", "run/lock"];
const SHOWN: usize = 10;

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut found = Vec::new();
    let mut total = 0usize;
    for (path, n) in &cx.image.tree.nodes {
        let p: &str = path;
        if n.mode & 0o002 == 0 || n.implicit {
            continue;
        }
        let flagged = match n.kind {
            Kind::File => true,
            Kind::Dir => n.mode & 0o1000 == 0,
            _ => false,
        };
        if !flagged
            || SCRATCH
                .iter()
                .any(|s| p == *s || p.strip_prefix(s).is_some_and(|r| r.starts_with('/')))
        {
            continue;
        }
        total += 1;
        if found.len() < SHOWN {
            let what = if n.kind == Kind::Dir { "dir" } else { "file" };
            found.push(format!(
                "/{p} ({what}, mode {:04o}, layer {})",
                n.mode & 0o7777,
                n.changed
            ));
        }
    }
    if total == 0 {
        return vec![];
    }
    let more = total.saturating_sub(found.len());
    let mut list = found.join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    let paths = if total == 1 { "path" } else { "paths" };
    vec![
        Hit::new(format!(
            "{total} world-writable {paths} (any user in the container may change them): {list}"
        ))
        .with_fix("RUN chmod -R o-w /app   # and chown only what the runtime user must write: COPY --chown=10001:10001"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn chmod_777_is_found() {
        let img = ImageBuilder::new()
            .layer(base_files(Layer::new("ADD rootfs.tar /")).dir_with("var/tmp", 0o1777, (0, 0)))
            .layer(
                Layer::new("COPY app/ /app/")
                    .dir("app")
                    .file("app/main.py", b"print(1)\n")
                    .file(
                        "app/entrypoint.sh",
                        b"#!/bin/sh\nexec python3 /app/main.py\n",
                    ),
            )
            .layer(
                Layer::new("RUN chmod -R 777 /app")
                    .dir_with("app", 0o777, (0, 0))
                    .file_with("app/main.py", b"print(1)\n", 0o777, (0, 0))
                    .file_with(
                        "app/entrypoint.sh",
                        b"#!/bin/sh\nexec python3 /app/main.py\n",
                        0o777,
                        (0, 0),
                    )
                    .dir_with("app/shared", 0o1777, (0, 0))
                    .symlink("app/link", "/etc/passwd"),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1);
        let m = &hits[0].message;
        assert!(m.starts_with("3 world-writable paths"), "{m}");
        assert!(m.contains("/app (dir, mode 0777, layer 2)"), "{m}");
        assert!(
            m.contains("/app/entrypoint.sh (file, mode 0777, layer 2)"),
            "{m}"
        );
        assert!(
            !m.contains("/app/shared"),
            "sticky directories are exempt: {m}"
        );
        assert!(!m.contains("/app/link"), "symlinks are always 0777: {m}");
        assert!(!m.contains("/tmp") && !m.contains("/var/tmp"), "{m}");
    }

    #[test]
    fn scratch_dirs_and_their_contents_pass() {
        let img = ImageBuilder::new()
            .layer(
                base_files(Layer::new("ADD rootfs.tar /"))
                    .file_with("tmp/cache.db", b"x", 0o666, (0, 0))
                    .dir_with("dev/shm", 0o777, (0, 0))
                    .dir_with("run/lock", 0o777, (0, 0))
                    .file_with("run/lock/x", b"", 0o666, (0, 0))
                    .dir_with("tmpfiles", 0o755, (0, 0))
                    .file_with("etc/hosts", b"127.0.0.1 localhost\n", 0o644, (0, 0)),
            )
            .build();
        assert!(run(super::check, &img).is_empty());
        // `/tmpx` is not under `/tmp`.
        let img = ImageBuilder::new()
            .layer(Layer::new("RUN x").file_with("tmpx", b"x", 0o666, (0, 0)))
            .build();
        assert_eq!(run(super::check, &img).len(), 1);
    }

    #[test]
    fn many_paths_are_capped() {
        let mut l = Layer::new("RUN chmod -R 666 /data").dir("data");
        for i in 0..25 {
            l = l.file_with(&format!("data/f{i:02}"), b"x", 0o666, (0, 0));
        }
        let hits = run(super::check, &ImageBuilder::new().layer(l).build());
        assert!(
            hits[0].message.starts_with("25 world-writable"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].message.ends_with(" and 15 more"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[0].message.matches("(file,").count(), 10);
    }
}
