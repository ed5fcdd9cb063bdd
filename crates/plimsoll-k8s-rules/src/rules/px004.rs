//! # PX004: the image's entrypoint will not start
//!
//! When a container sets no `command:`, Kubernetes runs the image's own
//! `ENTRYPOINT` (with `args:` replacing `CMD`). This rule carries the image
//! gate's runnability verdict on that entrypoint into the manifest check:
//! a program that is missing, not executable by the image's user, built
//! for another libc or architecture, missing its ELF interpreter or a
//! library, or a script whose interpreter is absent or has a CRLF, will
//! fail at `exec` with a terse `no such file or directory` and a
//! CrashLoopBackOff. An image with neither `ENTRYPOINT` nor `CMD` and no
//! `command:` or `args:` has nothing to run.
//!
//! ## Bad
//! ```yaml
//! # image: a glibc-linked cgo binary on scratch
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! # image: the same binary built with CGO_ENABLED=0, or on a glibc base
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.3
//! ```
//!
//! ## Fix
//! Fix the image (see the `PR` rules `plimsoll image` reports for it), or
//! set `command:` to a program the image can run.
//!
//! ## Incident it prevents
//! A CGO-enabled Go binary linked against glibc shipped on a scratch base
//! passed every manifest check and died at start with `exec /app/server:
//! no such file or directory` on every node.

use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PX004",
    severity: Severity::Error,
    category: Category::Cross,
    summary: "The container runs the image's entrypoint, which will not start",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(image) = cx.image else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in image.targets.of(cx.workload) {
        if c.get("command").is_some_and(|n| !n.items().is_empty()) {
            continue; // PX005 judges the manifest's own command
        }
        let who = cx.who(c);
        match &image.entrypoint {
            Some((program, false, reason)) => out.push(
                missing_in(
                    c,
                    format!("{who} runs the entrypoint of {}, {program}, which will not start: {reason}", image.reference),
                )
                .with_fix("command: [\"/path/to/a/program/that/runs\"]   # or fix the image: plimsoll image REF"),
            ),
            Some(_) => {}
            None if c.get("args").is_none_or(|a| a.items().is_empty()) => out.push(
                missing_in(
                    c,
                    format!("{who}: the image {} has no ENTRYPOINT or CMD and the container sets no command", image.reference),
                )
                .with_fix("command: [\"/app/server\"]"),
            ),
            None => {} // `args` alone become the command: PX005 checks them
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{Stub, lines, run_with, view};

    const POD: &str = "kind: Pod
spec:
  containers:
    - name: api
      image: registry.example.com/team/app:1
    - name: shell
      image: registry.example.com/team/app:1
      command: [/bin/sh]
";

    #[test]
    fn failing_entrypoint_is_reported_where_it_is_used() {
        let stub = Stub {
            dirs: vec![],
            programs: vec![],
        };
        let mut v = view(&stub, "", Some(0));
        v.entrypoint = Some((
            "/app/server".into(),
            false,
            "no ELF interpreter /lib64/ld-linux-x86-64.so.2".into(),
        ));
        let h = run_with(check, POD, &Settings::default(), Some(&v));
        assert_eq!(lines(&h), [4]);
        assert!(h[0].message.contains("ld-linux"), "{}", h[0].message);
        v.entrypoint = None;
        let h = run_with(check, POD, &Settings::default(), Some(&v));
        assert!(
            h[0].message.contains("no ENTRYPOINT or CMD"),
            "{}",
            h[0].message
        );
    }

    #[test]
    fn runnable_entrypoint_passes() {
        let stub = Stub {
            dirs: vec![],
            programs: vec![],
        };
        let v = view(&stub, "", Some(0));
        assert!(run_with(check, POD, &Settings::default(), Some(&v)).is_empty());
    }
}
