//! # PI004: setuid or setgid files
//!
//! A regular file with the setuid (`04000`) or setgid (`02000`) bit runs
//! with the file owner's (or group's) privileges whoever starts it. In a
//! container they are how a non-root process becomes root again: `su`,
//! `passwd`, `mount`, `newgrp`, `chsh` and friends ship setuid-root in most
//! distribution bases, and each has had local privilege escalations
//! (pwnkit in `pkexec`, CVE-2021-4034). A service needs none of them. The
//! finding lists how many there are and the first paths. When the image
//! runs as root the bits grant nothing more today, so the finding is only
//! informational — until someone adds `USER`.
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:bookworm-slim            # ships su, passwd, mount, … setuid root
//! COPY server /server
//! USER 10001
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM debian:bookworm-slim
//! RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +
//! COPY server /server
//! USER 10001
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Clear the bits (`find / -xdev -perm /6000 -type f -exec chmod a-s {} +`),
//! or use a base without them (distroless, scratch). At run time,
//! `allowPrivilegeEscalation: false` (no_new_privs) makes the kernel ignore
//! them.
//!
//! ## Incident it prevents
//! An RCE in a web service running as uid 10001 became root in the
//! container through a setuid `pkexec` left in the base image (pwnkit),
//! then read the service account token mounted for root only.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::Kind;

pub const META: Meta = Meta {
    code: "PI004",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "Regular files with the setuid or setgid bit",
};

const SHOWN: usize = 10;

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut found: Vec<String> = Vec::new();
    let mut total = 0usize;
    for (path, n) in &cx.image.tree.nodes {
        if !matches!(n.kind, Kind::File | Kind::Hardlink) || n.mode & 0o6000 == 0 {
            continue;
        }
        total += 1;
        if found.len() < SHOWN {
            let bits = match (n.mode & 0o4000 != 0, n.mode & 0o2000 != 0) {
                (true, true) => format!("setuid {} and setgid {}", n.uid, n.gid),
                (true, false) => format!("setuid {}", owner(n.uid)),
                _ => format!("setgid {}", n.gid),
            };
            found.push(format!(
                "/{path} ({bits}, mode {:04o}, layer {})",
                n.mode & 0o7777,
                n.changed
            ));
        }
    }
    if total == 0 {
        return vec![];
    }
    let more = total.saturating_sub(found.len());
    let list = found.join(", ")
        + &if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
    let user = &cx.facts.user;
    let root = user.uid == 0 && user.error.is_none();
    let files = if total == 1 { "file" } else { "files" };
    let fix = "RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +";
    if root {
        vec![
            Hit::new(format!(
                "{total} setuid/setgid {files}: {list}; the image runs as root, so they grant nothing more today, but any process will regain root through them once USER is set"
            ))
            .with_fix(fix)
            .with_severity(Severity::Info),
        ]
    } else {
        vec![
            Hit::new(format!(
                "{total} setuid/setgid {files}: {list}; the runtime user {}:{} can use them to gain their owner's privileges",
                user.uid, user.gid
            ))
            .with_fix(fix),
        ]
    }
}

fn owner(uid: u32) -> String {
    if uid == 0 {
        "root".into()
    } else {
        format!("uid {uid}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn img(user: &str) -> plimsoll_image::Image {
        let mut l = base_files(Layer::new("ADD rootfs.tar /"))
            .dir("usr")
            .dir("usr/bin")
            .file_with("usr/bin/su", b"\x7fELF", 0o4755, (0, 0))
            .file_with("usr/bin/wall", b"\x7fELF", 0o2755, (0, 5))
            .file("usr/bin/ls", b"\x7fELF")
            .dir_with("var/mail", 0o2775, (0, 8));
        for i in 0..12 {
            l = l.file_with(&format!("usr/sbin/s{i:02}"), b"x", 0o6755, (0, 0));
        }
        ImageBuilder::new().user(user).layer(l).build()
    }

    #[test]
    fn lists_count_and_first_ten() {
        let hits = run(super::check, &img("app"));
        assert_eq!(hits.len(), 1);
        let m = &hits[0].message;
        assert!(m.starts_with("14 setuid/setgid files:"), "{m}");
        assert!(
            m.contains("/usr/bin/su (setuid root, mode 4755, layer 0)"),
            "{m}"
        );
        assert!(m.contains("/usr/bin/wall (setgid 5, mode 2755"), "{m}");
        assert!(m.contains("/usr/sbin/s00 (setuid 0 and setgid 0"), "{m}");
        assert!(m.contains(" and 4 more"), "{m}");
        assert!(!m.contains("/usr/bin/ls"), "{m}");
        assert!(!m.contains("var/mail"), "setgid directories are fine: {m}");
        assert_eq!(hits[0].severity, None);
        assert!(hits[0].fix.as_deref().unwrap_or("").contains("chmod a-s"));
    }

    #[test]
    fn info_when_running_as_root() {
        let hits = run(super::check, &img(""));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Some(Severity::Info));
        assert!(hits[0].message.contains("runs as root"));
    }

    #[test]
    fn cleared_bits_pass() {
        let img = ImageBuilder::new()
            .user("app")
            .layer(Layer::new("ADD rootfs.tar /").file_with("usr/bin/su", b"x", 0o4755, (0, 0)))
            .layer(Layer::new("RUN chmod a-s /usr/bin/su").file_with(
                "usr/bin/su",
                b"x",
                0o755,
                (0, 0),
            ))
            .build();
        assert!(run(super::check, &img).is_empty());
    }
}
