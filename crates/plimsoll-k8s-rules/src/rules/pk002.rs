//! # PK002: container without a memory request
//!
//! Checks that every container (init and sidecar containers included,
//! ephemeral ones cannot set resources) sets `resources.requests.memory`
//! to something above zero. The scheduler places pods by their requests:
//! a container without one is placed as if it needed no memory at all, on
//! nodes that may already be full, and when the node runs short the kubelet
//! evicts pods that use more than they requested first. Init containers are
//! checked too: the pod's effective request is the larger of its biggest
//! init container and the sum of its long-running containers, so an init
//! container that unpacks assets or runs migrations needs its memory
//! reserved like any other.
//!
//! When only a limit is written, the API server copies the limit into the
//! request, so the scheduler reserves the whole limit; the rule still asks
//! for an explicit request, because the delivery contract sizes requests
//! (steady state) and limits (peak) separately. A namespace `LimitRange`
//! may fill in a default request, but the manifest does not show it.
//! Unreadable quantities are reported by PK005, not here.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       limits: {memory: 1536Mi}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {memory: 512Mi}
//!       limits: {memory: 1536Mi}
//! ```
//!
//! ## Fix
//! Set the request to the container's steady-state working set
//! (`container_memory_working_set_bytes` over a normal day):
//! ```yaml
//! resources:
//!   requests:
//!     memory: 512Mi
//! ```
//!
//! ## Incident it prevents
//! A report worker without a memory request was scheduled onto a node whose
//! memory was already fully requested; when it grew to 3 GiB the kubelet
//! evicted the checkout pods running beside it.

use super::pk005::{amount, resource_node, sized};
use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK002",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container has no memory request",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-resources",
    "polaris:memoryRequestsMissing",
    "kyverno:require-requests-limits",
    "checkov:CKV_K8S_12",
    "trivy:KSV016",
];

const FIX: &str = "resources:\n  requests:\n    memory: 512Mi   # steady-state working set";

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers().filter(|c| sized(c)) {
        match resource_node(c, "requests", "memory") {
            None => {
                let limit = resource_node(c, "limits", "memory")
                    .filter(|l| amount(l).is_some_and(|v| v > 0.0))
                    .and_then(|l| l.as_str());
                let msg = match limit {
                    Some(l) => format!(
                        "{} has no memory request; the API server copies the limit ({l}) into it, so the scheduler reserves the whole limit",
                        cx.who(c)
                    ),
                    None => format!(
                        "{} has no memory request; the scheduler reserves no memory for it and the kubelet evicts it first when the node runs short",
                        cx.who(c)
                    ),
                };
                out.push(missing_in(c, msg).with_fix(FIX));
            }
            Some(n) if amount(n) == Some(0.0) => out.push(
                hit_at(
                    n,
                    format!(
                        "{} requests 0 memory; the scheduler reserves none for it and the kubelet evicts it first when the node runs short",
                        cx.who(c)
                    ),
                )
                .with_fix(FIX),
            ),
            Some(_) => {} // set, or unreadable (PK005)
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_missing_and_zero_memory_requests() {
        let yaml = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: api:1
        - name: proxy
          restartPolicy: Always
          resources: {requests: {memory: "0"}}
      containers:
        - name: api
          resources:
            limits: {memory: 1536Mi}
        - name: side
          resources:
            requests: {memory: null, cpu: 100m}
      ephemeralContainers:
        - name: debug
"#;
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 12, 14, 17]);
        assert!(
            hits[0].message.contains("init container \"migrate\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("sidecar container \"proxy\""),
            "{}",
            hits[1].message
        );
        assert!(
            hits[1].message.contains("requests 0 memory"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[2].message.contains("copies the limit (1536Mi)"),
            "{}",
            hits[2].message
        );
        assert!(
            hits[3].message.contains("reserves no memory"),
            "{}",
            hits[3].message
        );
        assert!(hits.iter().all(|h| h.fix.is_some()));
    }

    #[test]
    fn requests_set_or_unreadable_pass() {
        let yaml = r#"kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: a
              resources: {requests: {memory: 128Mi}}
            - name: b
              resources: {requests: {memory: 128MB}}
            - name: c
              resources: {requests: {memory: 134217728}}
---
kind: Service
spec: {ports: [{port: 80}]}
"#;
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn wrong_types_count_as_missing() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      resources: [1, 2]
    - name: b
      resources: {requests: 512Mi}
";
        assert_eq!(lines(&run(check, yaml)), [5, 7]);
    }
}
