//! # PR002: a binary on PATH will not start
//!
//! Every ELF executable in the image's `PATH` directories and in the
//! entrypoint's directory is checked the way PR001 checks the entrypoint:
//! it must resolve, be executable by the runtime user, match the image's
//! architecture, and find its loader, its libraries and the glibc symbol
//! versions it needs. These are the programs an entrypoint script, an
//! `exec` into the container, a health check or a Kubernetes probe will
//! run; one that cannot start fails only when that moment comes. One
//! finding per binary (the first 20, then a count). Go binaries that fail
//! for want of their C library are reported by PR003 instead, and the
//! entrypoint by PR001.
//!
//! ## Bad
//! ```dockerfile
//! FROM alpine:3.19
//! COPY --from=debian-build /usr/bin/jq /usr/local/bin/jq    # glibc binary on musl
//! HEALTHCHECK CMD wget -qO- localhost:8080/health | jq -e .ok
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM alpine:3.19
//! RUN apk add --no-cache jq
//! HEALTHCHECK CMD wget -qO- localhost:8080/health | jq -e .ok
//! ```
//!
//! ## Fix
//! Install the tool from the base image's own package manager, ship the
//! libraries it names, or remove it if nothing uses it.
//!
//! ## Incident it prevents
//! A readiness probe ran `grpc_health_probe`, copied from a glibc build
//! stage into an Alpine image; the probe never started, every pod stayed
//! unready, and the rollout stalled with a healthy server inside.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::run::Verdict;

pub const META: Meta = Meta {
    code: "PR002",
    severity: Severity::Warning,
    category: Category::Runnability,
    summary: "A binary on PATH (not the entrypoint) will not start",
};

const SHOWN: usize = 20;

pub fn check(cx: &Context) -> Vec<Hit> {
    let failing: Vec<_> = cx
        .facts
        .binaries
        .iter()
        .filter(|b| !b.entrypoint && b.verdict == Verdict::Fails)
        .filter(|b| {
            !super::pr003::elf(cx, &b.path)
                .is_some_and(|f| super::pr003::missing_c_library(cx, f, b))
        })
        .collect();
    let mut out: Vec<Hit> = failing
        .iter()
        .take(SHOWN)
        .map(|b| {
            let from = match cx
                .image
                .layers
                .get(b.layer)
                .and_then(|l| l.created_by.as_deref())
            {
                Some(c) => format!("layer {} (`{}`)", b.layer, crate::clip(c.trim(), 100)),
                None => format!("layer {}", b.layer),
            };
            Hit::new(format!(
                "{} (from {from}) will not start: {}",
                b.path, b.reason
            ))
            .with_fix(fix(&b.reason, &b.path))
        })
        .collect();
    if failing.len() > SHOWN {
        out.push(Hit::new(format!(
            "{} more binaries on PATH will not start ({} in all)",
            failing.len() - SHOWN,
            failing.len()
        )));
    }
    out
}

fn fix(reason: &str, path: &str) -> String {
    if reason.contains("permission denied") {
        format!("COPY --chmod=0755 … {path}   # or chmod a+rx {path}")
    } else if reason.contains("is built for") {
        format!(
            "install {path} built for the image's platform (docker buildx --platform), or remove it"
        )
    } else {
        format!(
            "install {path} from the base image's package manager (it brings the right loader and libraries), or remove it"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    /// A glibc image with a working entrypoint (the real `ls` of this
    /// machine needs more libraries than libc: they are missing).
    fn img(extra: Layer) -> plimsoll_image::Image {
        ImageBuilder::new()
            .entrypoint(&["/app/server"])
            .layer(glibc(base_files(Layer::new("ADD rootfs.tar /"))))
            .layer(Layer::new("COPY server /app/server").exe("app/server", &go_program(false)))
            .layer(extra)
            .build()
    }

    #[test]
    fn a_tool_missing_its_library_and_a_foreign_arch_binary() {
        let mut arm = static_elf();
        arm.machine = 183;
        arm.machine_name = "aarch64".into();
        let img = img(Layer::new("COPY tools/ /usr/local/bin/")
            .host("usr/local/bin/ls", "/usr/bin/ls")
            .elf("usr/local/bin/armtool", 1000, arm)
            .host("usr/local/bin/cat", "/usr/bin/cat"));
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(hits[0].message.starts_with("/usr/local/bin/armtool (from layer 2 (`COPY tools/ /usr/local/bin/`)) will not start: exec /usr/local/bin/armtool: exec format error"), "{}", hits[0].message);
        assert!(hits[0].fix.as_deref().unwrap_or("").contains("platform"));
        assert!(
            hits[1]
                .message
                .starts_with("/usr/local/bin/ls (from layer 2"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[1]
                .message
                .contains("error while loading shared libraries: libselinux.so.1"),
            "{}",
            hits[1].message
        );
        // /usr/local/bin/cat needs only libc: it runs.
        assert!(!hits.iter().any(|h| h.message.contains("/cat")));
    }

    #[test]
    fn working_tools_pass_and_cgo_is_left_to_pr003() {
        let img = img(Layer::new("COPY cat /usr/bin/cat").host("usr/bin/cat", "/usr/bin/cat"));
        assert!(run(super::check, &img).is_empty());
        // A cgo Go tool on PATH in a scratch image: PR003's error, not a second finding here.
        let img = ImageBuilder::new()
            .layer(
                Layer::new("COPY probe /bin/grpc_health_probe")
                    .exe("bin/grpc_health_probe", &go_program(true)),
            )
            .build();
        let facts = facts_of(&img);
        assert_eq!(facts.binaries.len(), 1);
        assert_eq!(facts.binaries[0].verdict, Verdict::Fails);
        assert!(run(super::check, &img).is_empty());
        assert_eq!(run(super::super::pr003::check, &img).len(), 1);
    }

    #[test]
    fn capped_at_twenty() {
        let mut arm = static_elf();
        arm.machine = 183;
        let mut l = Layer::new("COPY bin/ /usr/bin/");
        for i in 0..23 {
            l = l.elf(&format!("usr/bin/t{i:02}"), 1000, arm.clone());
        }
        let hits = run(super::check, &img(l));
        assert_eq!(hits.len(), 21, "{hits:?}");
        assert_eq!(
            hits[20].message,
            "3 more binaries on PATH will not start (23 in all)"
        );
    }
}
