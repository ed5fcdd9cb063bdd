//! # PI009: no HEALTHCHECK
//!
//! A `HEALTHCHECK` lets Docker, Compose and Swarm tell a container that is
//! running from one that works: a deadlocked server or a lost database
//! connection keeps the process alive, and without a check it keeps
//! receiving traffic. The image configuration has none (or
//! `HEALTHCHECK NONE`). Kubernetes ignores `HEALTHCHECK` and uses the pod's
//! probes instead, so this is informational: set the probes there, or the
//! check here for engines that use it.
//!
//! ## Bad
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12
//! COPY server /server
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12
//! COPY server /server
//! HEALTHCHECK --interval=30s --timeout=3s CMD ["/server", "-healthcheck"]
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Add `HEALTHCHECK CMD [...]` with a command the image has (distroless
//! and scratch have no shell or curl: build a `-healthcheck` flag into the
//! binary), or define liveness and readiness probes in the deployment.
//!
//! ## Incident it prevents
//! A Compose deployment kept routing to a replica whose worker pool had
//! deadlocked for six hours; `docker ps` said "Up", because nothing asked
//! the service whether it answered.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PI009",
    severity: Severity::Info,
    category: Category::Image,
    summary: "The image defines no HEALTHCHECK",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let why = match &cx.image.config.config.healthcheck {
        None => "the image defines no HEALTHCHECK",
        Some(h) if h.test.is_empty() => "the image defines no HEALTHCHECK",
        Some(h)
            if h.test
                .first()
                .is_some_and(|t| t.eq_ignore_ascii_case("NONE")) =>
        {
            "the image disables its HEALTHCHECK (HEALTHCHECK NONE)"
        }
        Some(_) => return vec![],
    };
    vec![
        Hit::new(format!(
            "{why}: Docker and Compose cannot tell a hung container from a working one (Kubernetes uses probes instead)"
        ))
        .with_fix("HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app/server\", \"-healthcheck\"]"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    fn img(hc: Option<&[&str]>) -> plimsoll_image::Image {
        let b = ImageBuilder::new()
            .layer(Layer::new("COPY server /server").exe("server", b"#!/bin/sh\n"));
        match hc {
            Some(t) => b.healthcheck(t).build(),
            None => b.build(),
        }
    }

    #[test]
    fn missing_or_disabled() {
        let hits = run(super::check, &img(None));
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .message
                .starts_with("the image defines no HEALTHCHECK")
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .starts_with("HEALTHCHECK")
        );
        let hits = run(super::check, &img(Some(&["NONE"])));
        assert!(
            hits[0].message.contains("HEALTHCHECK NONE"),
            "{}",
            hits[0].message
        );
        assert_eq!(run(super::check, &img(Some(&[]))).len(), 1);
    }

    #[test]
    fn defined_passes() {
        assert!(
            run(
                super::check,
                &img(Some(&["CMD", "/server", "-healthcheck"]))
            )
            .is_empty()
        );
        assert!(
            run(
                super::check,
                &img(Some(&["CMD-SHELL", "curl -f http://localhost/ || exit 1"]))
            )
            .is_empty()
        );
    }
}
