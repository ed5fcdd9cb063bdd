//! # PK022: privilege escalation not switched off
//!
//! Checks that every container sets `securityContext.allowPrivilegeEscalation:
//! false`. The field is off only when written: left out, the kubelet does
//! not set the kernel's `no_new_privs` flag, so a setuid-root binary in the
//! image (`su`, `passwd`, `mount`, or one an attacker drops into a writable
//! directory) or a file capability still raises the process's privileges
//! after `execve`. Pod Security's restricted level requires `false` on
//! every container.
//!
//! Privileged containers and containers that add `SYS_ADMIN` are skipped:
//! for them escalation is always possible, the API server rejects
//! `allowPrivilegeEscalation: false` next to `privileged: true` or
//! `CAP_SYS_ADMIN`, and PK026 / PK025 report the real problem. Windows pods
//! are skipped, as Pod Security does (the field is Linux-only).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     securityContext:
//!       allowPrivilegeEscalation: false
//! ```
//!
//! ## Fix
//! Add `allowPrivilegeEscalation: false` to each container's
//! `securityContext` (there is no pod-level field). Nothing that runs as an
//! ordinary process needs escalation; tools that do (`sudo`, `ping` on old
//! images) should not be in a production image.
//!
//! ## Incident it prevents
//! An attacker with code execution in a web container ran a setuid helper
//! left in the base image and became root inside it, which opened the
//! container's writable host mount; `no_new_privs` would have stopped the
//! setuid bit from taking effect.

use super::pk020::{adds_capability, privileged, shown, typed_note, windows};
use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK022",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container does not set allowPrivilegeEscalation: false",
};

pub const PEERS: &[&str] = &[
    "kube-linter:privilege-escalation-container",
    "polaris:privilegeEscalationAllowed",
    "kyverno:disallow-privilege-escalation",
    "checkov:CKV_K8S_20",
    "trivy:KSV001",
];

const FIX: &str = "securityContext:\n  allowPrivilegeEscalation: false";

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in cx.containers() {
        if privileged(c) || adds_capability(c, "SYS_ADMIN") {
            continue; // always escalates; PK026 / PK025 report it
        }
        let ape = c
            .security_context()
            .and_then(|sc| sc.get("allowPrivilegeEscalation"))
            .filter(|v| !v.is_null());
        match ape {
            Some(v) if v.as_bool() == Some(false) => {}
            Some(v) if v.as_bool() == Some(true) => out.push(
                hit_at(
                    v,
                    format!(
                        "{} sets allowPrivilegeEscalation: true: setuid binaries and file capabilities can raise its privileges",
                        cx.who(c)
                    ),
                )
                .with_fix(FIX),
            ),
            Some(v) => out.push(hit_at(v, not_a_boolean(cx, c, v)).with_fix(FIX)),
            None => out.push(
                missing_in(
                    c,
                    format!(
                        "{} does not set allowPrivilegeEscalation: false: setuid binaries and file capabilities in the image can still raise its privileges",
                        cx.who(c)
                    ),
                )
                .with_fix(FIX),
            ),
        }
    }
    out
}

fn not_a_boolean(cx: &Context, c: &plimsoll_k8s::Container, v: &Node) -> String {
    format!(
        "{} has allowPrivilegeEscalation: {}{}, not false",
        cx.who(c),
        shown(v),
        typed_note(v)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_missing_true_and_quoted_values() {
        let yaml = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      initContainers:
        - name: init
          securityContext: {allowPrivilegeEscalation: true}
      containers:
        - name: db
        - name: quoted
          securityContext:
            allowPrivilegeEscalation: \"false\"
        - name: ok
          securityContext: {allowPrivilegeEscalation: false}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 11, 14]);
        assert!(hits[0].message.contains(
            "init container \"init\" in StatefulSet/db sets allowPrivilegeEscalation: true"
        ));
        assert!(
            hits[2].message.contains("\"false\" (quoted"),
            "{}",
            hits[2].message
        );
        assert_eq!(hits[1].fix.as_deref(), Some(FIX));
    }

    #[test]
    fn privileged_sys_admin_windows_and_pod_level_settings() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext: {allowPrivilegeEscalation: false}
  containers:
    - name: priv
      securityContext: {privileged: true}
    - name: admin
      securityContext: {capabilities: {add: [cap_sys_admin]}}
    - name: plain
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(
            lines(&hits),
            [10],
            "there is no pod-level allowPrivilegeEscalation"
        );
    }

    #[test]
    fn ephemeral_containers_and_null() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      securityContext: {allowPrivilegeEscalation: null}
  ephemeralContainers:
    - name: debug
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [5, 8]);
        assert!(hits[1].message.starts_with("ephemeral container \"debug\""));
    }
}
