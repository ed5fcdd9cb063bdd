//! # PI002: USER names a user or group the image does not have
//!
//! When `User` is a name rather than a number, the container runtime looks
//! it up in the image's own `/etc/passwd` (and a group name in
//! `/etc/group`) before starting the process. If the entry — or the whole
//! file, as in `scratch` and distroless-static images built without one —
//! is missing, runc refuses to start the container with
//! `unable to find user X: no matching entries in passwd file`. Numeric ids
//! need no entry and always work.
//!
//! ## Bad
//! ```dockerfile
//! FROM scratch
//! COPY server /server
//! USER app                            # there is no /etc/passwd in scratch
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM scratch
//! COPY server /server
//! USER 10001:10001
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Use numeric ids (`USER 10001:10001`), or create the user in the image
//! (`RUN useradd --uid 10001 app`, or `COPY` an `/etc/passwd` line from the
//! build stage) before naming it.
//!
//! ## Incident it prevents
//! A move from `debian:bookworm-slim` to `scratch` kept `USER app`; every
//! pod of the release failed with `CreateContainerError: unable to find
//! user app`, and the rollout stalled until it was reverted.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PI002",
    severity: Severity::Error,
    category: Category::Image,
    summary: "USER names a user or group missing from the image's /etc/passwd or /etc/group",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(err) = &cx.facts.user.error else {
        return vec![];
    };
    vec![
        Hit::new(format!(
            "USER {:?}: {err}: the runtime refuses to start the container",
            cx.facts.user.spec
        ))
        .with_fix("USER 10001:10001   # numeric ids need no /etc/passwd entry; or RUN useradd --uid 10001 app"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    fn with_passwd(user: &str) -> plimsoll_image::Image {
        ImageBuilder::new()
            .user(user)
            .layer(base_files(Layer::new("ADD rootfs.tar /")))
            .build()
    }

    #[test]
    fn missing_user_or_group_fails() {
        let hits = run(super::check, &with_passwd("ghost"));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .message
                .contains("unable to find user ghost: no matching entries in passwd file"),
            "{}",
            hits[0].message
        );
        let hits = run(super::check, &with_passwd("app:wheel"));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("unable to find group wheel"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn no_passwd_file_at_all() {
        let img = ImageBuilder::new()
            .user("app")
            .layer(Layer::new("COPY server /server").exe("server", b"#!/bin/sh\n"))
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("no /etc/passwd"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .contains("USER 10001:10001")
        );
    }

    #[test]
    fn known_names_and_numbers_pass() {
        for user in ["", "app", "app:app", "1000", "4242:4242", "nobody:nogroup"] {
            assert!(
                run(super::check, &with_passwd(user)).is_empty(),
                "USER {user:?}"
            );
        }
        // Numbers need no /etc/passwd at all.
        let img = ImageBuilder::new()
            .user("10001:10001")
            .layer(Layer::new("COPY server /server").exe("server", b"#!/bin/sh\n"))
            .build();
        assert!(run(super::check, &img).is_empty());
    }
}
