//! # PK001: container without a memory limit
//!
//! Checks that every container (init and sidecar containers included) sets
//! `resources.limits.memory`. Without a limit the container may use all
//! of the node's memory: the kernel's OOM killer then picks victims across
//! the whole node, usually not the container that leaked, and the pod's
//! QoS class drops to Burstable or BestEffort, the first to be evicted
//! under pressure. A limit turns a node-wide incident into one container's
//! restart, shown as `OOMKilled` on the pod that caused it.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {cpu: 200m, memory: 512Mi}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {cpu: 200m, memory: 512Mi}
//!       limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Fix
//! Measure the container's working set under load (`plimsoll node watch`
//! or `container_memory_working_set_bytes`) and set
//! `resources.limits.memory` above its peak with headroom; set the request
//! to the steady-state working set.
//!
//! ## Incident it prevents
//! A leaking sidecar with no limit grew to 14 GiB; the node's OOM killer
//! chose the payment service's database pod on the same node instead.

use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK001",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A container has no memory limit",
};

pub const PEERS: &[&str] = &[
    "kube-linter:unset-memory-requirements",
    "kube-score:container-resources",
    "polaris:memoryLimitsMissing",
    "kyverno:require-requests-limits",
    "checkov:CKV_K8S_13",
    "trivy:KSV018",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        if c.role == plimsoll_k8s::Role::Ephemeral {
            continue; // ephemeral containers may not set resources
        }
        let limit = c.node.path(&["resources", "limits", "memory"]);
        if limit.is_none_or(|n| n.is_null()) {
            out.push(
                missing_in(c, format!("{} has no memory limit", cx.who(c))).with_fix(
                    "resources:\n  limits:\n    memory: 512Mi   # measured peak working set + headroom",
                ),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_containers_without_a_memory_limit() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: api:1
      containers:
        - name: api
          image: api:1
          resources:
            limits: {memory: 1Gi}
        - name: proxy
          image: envoy:1
          resources:
            requests: {memory: 64Mi}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 15]);
        assert!(hits[1].message.contains("\"proxy\""), "{}", hits[1].message);
    }

    #[test]
    fn limits_set_or_no_workload_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      resources: {limits: {memory: 128Mi}}
---
kind: Service
spec: {ports: [{port: 80}]}
";
        assert!(run(check, yaml).is_empty());
    }
}
