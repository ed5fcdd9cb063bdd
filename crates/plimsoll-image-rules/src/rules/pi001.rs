//! # PI001: the image runs as root
//!
//! The image configuration's `User` decides who the container's processes
//! are when nothing overrides it. Unset (empty), `root`, `0`, `0:0` or
//! `root:root` — or a name that `/etc/passwd` maps to uid 0 — means uid 0:
//! a process that is compromised, or simply buggy, can write anywhere in
//! the container's filesystem, read every file, and is one kernel or
//! runtime bug away from root on the node. Kubernetes' `runAsNonRoot: true`
//! refuses to start such an image, and the restricted Pod Security
//! Standard requires it.
//!
//! ## Bad
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12
//! COPY server /server
//! ENTRYPOINT ["/server"]              # no USER: runs as uid 0
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12
//! COPY server /server
//! USER 65532:65532
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Add `USER` with numeric ids (`USER 65532:65532`): numbers need no
//! `/etc/passwd` entry and let Kubernetes verify `runAsNonRoot`. Give that
//! user ownership of the few paths it must write (`COPY --chown=65532:65532`).
//!
//! ## Incident it prevents
//! A path-traversal bug in an upload handler let an attacker overwrite
//! `/etc/passwd` and a cron script inside a container running as root; as
//! uid 65532 the same bug could only write to the upload directory.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PI001",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "The image runs as root (USER unset, root or 0)",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let spec = cx.image.config.config.user.trim();
    let user = spec.split(':').next().unwrap_or("").trim();
    let why = if user.is_empty() {
        "USER is not set".to_string()
    } else if user == "root" || user.parse::<u32>() == Ok(0) {
        format!("USER is {spec:?}")
    } else if cx.facts.user.error.is_none() && cx.facts.user.uid == 0 {
        // A name /etc/passwd maps to uid 0 (e.g. `toor`).
        format!("USER {spec:?} is uid 0 in /etc/passwd")
    } else {
        return vec![];
    };
    vec![
        Hit::new(format!(
            "the image runs as root ({why}): a compromised or buggy process can change any file in the container, and Kubernetes runAsNonRoot refuses it"
        ))
        .with_fix("USER 65532:65532"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    fn image(user: &str) -> plimsoll_image::Image {
        ImageBuilder::new()
            .user(user)
            .layer(base_files(Layer::new("ADD rootfs.tar /")).file(
                "etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
            ))
            .build()
    }

    #[test]
    fn root_in_every_spelling() {
        for user in ["", "root", "0", "0:0", "root:root", "0:1000"] {
            let hits = run(super::check, &image(user));
            assert_eq!(hits.len(), 1, "USER {user:?}");
            assert!(
                hits[0].message.contains("runs as root"),
                "{}",
                hits[0].message
            );
            assert_eq!(hits[0].fix.as_deref(), Some("USER 65532:65532"));
        }
        let hits = run(super::check, &image(""));
        assert!(hits[0].message.contains("USER is not set"));
    }

    #[test]
    fn a_name_mapped_to_uid_0_is_root() {
        let hits = run(super::check, &image("toor"));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("uid 0 in /etc/passwd"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn non_root_users_pass() {
        for user in ["1000", "app", "65532:65532", "app:app", "1000:0"] {
            assert!(run(super::check, &image(user)).is_empty(), "USER {user:?}");
        }
        // A name the image lacks is PI002's finding, not root.
        assert!(run(super::check, &image("ghost")).is_empty());
    }
}
