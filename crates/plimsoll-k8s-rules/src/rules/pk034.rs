//! # PK034: /proc unmasked (procMount other than Default)
//!
//! Flags `securityContext.procMount` set to anything but `Default`. The
//! runtime normally masks and read-protects the dangerous parts of the
//! container's `/proc` (`/proc/kcore`, `/proc/sysrq-trigger`,
//! `/proc/sys`, timer and key lists); `Unmasked` removes that, handing the
//! container kernel memory, the magic SysRq key and writable kernel
//! settings. Pod Security's baseline level forbids it for pods that share
//! the node's user namespace.
//!
//! `Unmasked` exists for nested containers (a container runtime inside a
//! pod) and is only safe in a user namespace: with `hostUsers: false` it is
//! reported as info (the restricted level still forbids it), otherwise as a
//! warning. Windows pods are skipped.
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   procMount: Unmasked
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   procMount: Default   # or leave it out
//! ```
//!
//! ## Fix
//! Remove `procMount` (it defaults to `Default`). If the workload really
//! runs nested containers, run it with `hostUsers: false` and keep it off
//! shared nodes.
//!
//! ## Incident it prevents
//! A build pod with an unmasked `/proc` and root inside wrote to
//! `/proc/sysrq-trigger` in a bad cleanup script and rebooted a node that
//! carried a database primary.

use super::pk020::{shown, user_namespace, windows};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK034",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container unmasks /proc (procMount is not Default)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:unsafe-proc-mount",
    "polaris:procMount",
    "kyverno:disallow-proc-mount",
    "trivy:KSV027",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let userns = user_namespace(w);
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some(pm) = c
            .security_context()
            .and_then(|sc| sc.get("procMount"))
            .filter(|v| !v.is_null())
        else {
            continue;
        };
        if pm.as_str() == Some("Default") {
            continue;
        }
        let mut msg = format!(
            "{} sets procMount: {}: the runtime's masks on /proc (kcore, sysrq-trigger, kernel settings) are lifted",
            cx.who(c),
            shown(pm)
        );
        let mut hit = if userns {
            msg.push_str(
                " (in a user namespace, which the baseline level accepts; restricted does not)",
            );
            hit_at(pm, msg).with_severity(Severity::Info)
        } else {
            hit_at(pm, msg)
        };
        hit = hit.with_fix("securityContext:\n  procMount: Default   # or remove the field");
        out.push(hit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_unmasked_proc() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: builder}
spec:
  template:
    spec:
      containers:
        - name: dind
          securityContext: {procMount: Unmasked}
        - name: ok
          securityContext: {procMount: Default}
        - name: odd
          securityContext: {procMount: [x]}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 13]);
        assert!(
            hits[0]
                .message
                .starts_with("container \"dind\" in Deployment/builder sets procMount: Unmasked")
        );
        assert_eq!(hits[0].severity, None);
    }

    #[test]
    fn user_namespaces_lower_the_severity_and_windows_is_skipped() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  hostUsers: false
  containers:
    - name: a
      securityContext: {procMount: Unmasked}
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers:
    - name: a
      securityContext: {procMount: Unmasked}
---
kind: Pod
metadata: {name: n}
spec:
  containers:
    - name: a
      securityContext: {procMount: null}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
    }
}
