//! # PK035: SELinux options Pod Security forbids
//!
//! Checks `seLinuxOptions` on the pod and on every container. Pod Security's
//! baseline level lets a pod choose only among the container types
//! (`container_t`, `container_init_t`, `container_kvm_t`,
//! `container_engine_t`) and forbids setting the SELinux `user` or `role`:
//! any other type can lift the confinement SELinux gives containers on
//! nodes that enforce it. `spc_t` ("super privileged container") and
//! `unconfined_t` turn it off entirely and are errors; other types, and
//! `user` or `role`, are warnings. `level` (the MCS categories) is allowed.
//!
//! Windows pods are skipped (the field is rejected there).
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   seLinuxOptions:
//!     type: spc_t
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   seLinuxOptions:
//!     level: "s0:c123,c456"   # or no seLinuxOptions at all
//! ```
//!
//! ## Fix
//! Remove the `type`, `user` and `role`; let the runtime assign
//! `container_t` with per-pod categories. A workload that needs host access
//! under SELinux needs a purpose-written policy module, not `spc_t`.
//!
//! ## Incident it prevents
//! A monitoring agent copied from a vendor chart ran as `spc_t` on SELinux
//! nodes; its remote-config feature was abused to read every container's
//! files, which the SELinux labels would otherwise have blocked.

use super::pk020::{names, shown, windows};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK035",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "seLinuxOptions set a type outside the container types, or a user or role",
};

pub const PEERS: &[&str] = &["kyverno:disallow-selinux", "trivy:KSV025"];

const TYPES: [&str; 4] = [
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];
const FIX: &str = "securityContext:\n  seLinuxOptions: {}   # no type, user or role: the runtime assigns container_t";

fn review(opts: &Node, who: &str, out: &mut Vec<Hit>) {
    if let Some(t) = opts.get("type").filter(|t| !t.is_null()) {
        let value = t.as_str().unwrap_or("");
        if !value.is_empty() && !TYPES.contains(&value) {
            let (sev, why) = if value == "spc_t" || value == "unconfined_t" {
                (Severity::Error, "which switches SELinux confinement off")
            } else {
                (
                    Severity::Warning,
                    "which is not one of the container types Pod Security allows",
                )
            };
            out.push(
                hit_at(t, format!("{who} sets SELinux type {}, {why}", shown(t)))
                    .with_fix(FIX)
                    .with_severity(sev),
            );
        }
    }
    for key in ["user", "role"] {
        if let Some(v) = opts
            .get(key)
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()) && !v.is_null())
        {
            out.push(
                hit_at(
                    v,
                    format!(
                        "{who} sets SELinux {key} {}, which Pod Security forbids",
                        shown(v)
                    ),
                )
                .with_fix(FIX),
            );
        }
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(opts) = w.pod_spec.path(&["securityContext", "seLinuxOptions"]) {
        let heirs: Vec<&Container> = cx
            .containers()
            .filter(|c| {
                c.security_context()
                    .and_then(|sc| sc.get("seLinuxOptions"))
                    .is_none_or(Node::is_null)
            })
            .collect();
        let who = if heirs.is_empty() {
            format!("the pod securityContext of {}", w.label())
        } else {
            format!(
                "the pod securityContext of {} (for containers {})",
                w.label(),
                names(&heirs)
            )
        };
        review(opts, &who, &mut out);
    }
    for c in cx.containers() {
        if let Some(opts) = c.security_context().and_then(|sc| sc.get("seLinuxOptions")) {
            review(opts, &cx.who(c), &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_forbidden_selinux_options() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      securityContext:
        seLinuxOptions: {type: spc_t}
      containers:
        - name: a
        - name: b
          securityContext:
            seLinuxOptions:
              type: my_agent_t
              user: system_u
              role: system_r
              level: s0:c1,c2
        - name: ok
          securityContext:
            seLinuxOptions: {type: container_init_t, level: s0}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 14, 15, 16]);
        assert_eq!(hits[0].severity, Some(Severity::Error));
        assert!(
            hits[0].message.contains("(for containers \"a\")"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[1].severity, Some(Severity::Warning));
        assert!(hits[2].message.contains("SELinux user system_u"));
    }

    #[test]
    fn empty_values_windows_and_odd_shapes_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext:
    seLinuxOptions: {type: \"\", user: \"\", role: null}
  containers:
    - name: a
      securityContext: {seLinuxOptions: 5}
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  securityContext:
    seLinuxOptions: {type: spc_t}
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert!(hits.is_empty(), "{hits:?}");
    }
}
