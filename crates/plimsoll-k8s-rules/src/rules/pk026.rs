//! # PK026: privileged container
//!
//! Flags every container with `securityContext.privileged: true`. A
//! privileged container gets every capability, sees all of the node's
//! devices (`/dev/sda`, `/dev/mem`, …), runs without the seccomp and
//! AppArmor/SELinux confinement of ordinary containers and can write to
//! `/sys` and `/proc`: root in it is root on the node, one `mount` away.
//! Pod Security's baseline level forbids it. Workloads that need one
//! specific privilege (a device, `NET_ADMIN`, a sysctl) can almost always
//! be given just that instead.
//!
//! If the same `securityContext` also sets `allowPrivilegeEscalation:
//! false`, the API server rejects the pod outright; the message says so.
//! Windows pods are skipped (`privileged` is rejected there; PK039 covers
//! HostProcess containers).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: agent
//!     securityContext:
//!       privileged: true
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: agent
//!     securityContext:
//!       capabilities:
//!         drop: [ALL]
//!         add: [NET_ADMIN]   # the one privilege it needs
//! ```
//!
//! ## Fix
//! Remove `privileged: true`; grant the specific capability, device (a
//! device plugin) or host path the workload needs, and keep what truly
//! needs the whole node (CNI, storage drivers) in a dedicated, separately
//! reviewed namespace.
//!
//! ## Incident it prevents
//! A CI runner pod ran privileged "for Docker-in-Docker"; a malicious pull
//! request's build step mounted the node's disk, read the kubelet's
//! credentials and spread to the rest of the cluster.

use super::pk020::windows;
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK026",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A container runs privileged",
};

pub const PEERS: &[&str] = &[
    "kube-linter:privileged-container",
    "kube-score:container-security-context-privileged",
    "polaris:runAsPrivileged",
    "kyverno:disallow-privileged-containers",
    "checkov:CKV_K8S_16",
    "trivy:KSV017",
];

const FIX: &str = "securityContext:\n  privileged: false\n  capabilities:\n    drop: [ALL]\n    add: [NET_ADMIN]   # only the privilege it actually needs";

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some(sc) = c.security_context() else {
            continue;
        };
        let Some(value) = sc.get("privileged").filter(|v| v.as_bool() == Some(true)) else {
            continue;
        };
        let mut msg = format!(
            "{} runs privileged: every capability, all host devices and no seccomp or AppArmor confinement, so root in it is root on the node",
            cx.who(c)
        );
        if sc.get("allowPrivilegeEscalation").and_then(Node::as_bool) == Some(false) {
            msg.push_str(
                "; with allowPrivilegeEscalation: false beside it the API server rejects the pod",
            );
        }
        out.push(hit_at(value, msg).with_fix(FIX));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_privileged_containers() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cni}
spec:
  template:
    spec:
      initContainers:
        - name: install
          securityContext:
            privileged: true
            allowPrivilegeEscalation: false
      containers:
        - name: agent
          securityContext: {privileged: yes}
        - name: off
          securityContext: {privileged: false}
        - name: quoted
          securityContext: {privileged: \"true\"}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 14]);
        assert!(
            hits[0]
                .message
                .starts_with("init container \"install\" in DaemonSet/cni runs privileged")
        );
        assert!(hits[0].message.contains("API server rejects"));
        assert!(!hits[1].message.contains("API server rejects"));
        assert!(hits[1].fix.as_deref().unwrap().contains("drop: [ALL]"));
    }

    #[test]
    fn pod_level_windows_and_odd_shapes_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext: {privileged: true}
  containers:
    - name: a
      securityContext: null
    - name: b
      securityContext: {privileged: [true]}
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers:
    - name: a
      securityContext: {privileged: true}
";
        assert!(run(check, yaml).is_empty());
    }
}
