//! # PK027: pod shares the node's PID, IPC or network namespace
//!
//! Flags `hostPID: true`, `hostIPC: true` and `hostNetwork: true` in the pod
//! spec, one finding per field. Each removes an isolation boundary Pod
//! Security's baseline level requires:
//!
//! - `hostPID`: the containers see every process on the node, can read
//!   their environment and command lines (secrets included) and, as root,
//!   signal or `ptrace` them or enter their namespaces with `nsenter`;
//! - `hostIPC`: shared memory and message queues of the node's processes
//!   become readable and writable;
//! - `hostNetwork`: the pod uses the node's interfaces and IP, can reach
//!   services bound to the node's loopback (the kubelet's and other
//!   daemons' local endpoints), is not isolated by most NetworkPolicy
//!   implementations, and its ports collide with the node's.
//!
//! Node agents (CNI plugins, kube-proxy, node exporters) legitimately need
//! some of these; they should say so with an ignore annotation, so the
//! exception is reviewed.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   hostNetwork: true
//!   hostPID: true
//!   containers:
//!     - name: api
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   containers:
//!     - name: api
//!       ports:
//!         - containerPort: 8080   # reached through a Service
//! ```
//!
//! ## Fix
//! Remove the field (it defaults to `false`). Expose ports through a
//! Service instead of `hostNetwork`; share processes between containers
//! of the same pod with `shareProcessNamespace: true` instead of `hostPID`.
//!
//! ## Incident it prevents
//! A debugging Deployment left with `hostPID: true` let an attacker who
//! reached it read another tenant's database password from
//! `/proc/<pid>/environ` on the same node.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK027",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "The pod shares the node's PID, IPC or network namespace (hostPID, hostIPC, hostNetwork)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:host-pid",
    "kube-linter:host-ipc",
    "kube-linter:host-network",
    "polaris:hostPIDSet",
    "polaris:hostIPCSet",
    "polaris:hostNetworkSet",
    "kyverno:disallow-host-namespaces",
    "checkov:CKV_K8S_17",
    "checkov:CKV_K8S_18",
    "checkov:CKV_K8S_19",
    "trivy:KSV008",
    "trivy:KSV009",
    "trivy:KSV010",
];

const FIELDS: [(&str, &str, &str); 3] = [
    (
        "hostPID",
        "shares the node's process namespace (hostPID: true): its containers see every process on the node, with their environment and command lines, and as root can signal, trace or enter them",
        "hostPID: false   # share processes within the pod with shareProcessNamespace: true",
    ),
    (
        "hostIPC",
        "shares the node's IPC namespace (hostIPC: true): shared memory and message queues of the node's processes are open to it",
        "hostIPC: false",
    ),
    (
        "hostNetwork",
        "uses the node's network namespace (hostNetwork: true): it reaches services bound to the node's loopback, escapes most NetworkPolicies and its ports collide with the node's",
        "hostNetwork: false   # expose the port through a Service",
    ),
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let mut out = Vec::new();
    for (field, what, fix) in FIELDS {
        if let Some(v) = w.pod(field).filter(|v| v.as_bool() == Some(true)) {
            out.push(hit_at(v, format!("{} {what}", w.label())).with_fix(fix));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn one_finding_per_host_namespace() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostNetwork: true
      hostIPC: True
      hostPID: true
      containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 8, 7]);
        assert!(
            hits[0]
                .message
                .starts_with("DaemonSet/agent shares the node's process namespace")
        );
        assert!(hits[2].fix.as_deref().unwrap().contains("Service"));
        // The hit points at the value.
        assert_eq!(hits[2].region.unwrap().column, 20);
    }

    #[test]
    fn false_missing_quoted_and_nested_fields_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  hostNetwork: false
  hostPID: \"true\"
  containers:
    - name: a
      hostIPC: true
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  hostNetwork: true
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: a}]
";
        assert!(run(check, yaml).is_empty());
    }
}
