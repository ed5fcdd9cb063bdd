//! # PK003: container without a CPU request
//!
//! Checks that every container (init and sidecar containers included,
//! ephemeral ones cannot set resources) sets `resources.requests.cpu` to
//! something above zero. The request is both what the scheduler reserves
//! and the container's weight when the node's CPUs are contended: a
//! container without one gets the smallest weight the kernel allows (2
//! shares against 1024 per requested core), so on a busy node it barely
//! runs, its probes time out, and the kubelet restarts it. Init containers
//! count because the pod's effective request is the larger of its biggest
//! init container and the sum of its long-running containers.
//!
//! When only a limit is written, the API server copies it into the
//! request (the container then can never burst above what it reserves);
//! the rule still asks for an explicit request, as the delivery contract
//! sizes the two separately. A namespace `LimitRange` may fill in a
//! default, but the manifest does not show it. Unreadable quantities are
//! reported by PK005.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {memory: 512Mi}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {cpu: 200m, memory: 512Mi}
//! ```
//!
//! ## Fix
//! Set the request to the CPU the container uses under normal load
//! (`rate(container_cpu_usage_seconds_total[5m])`):
//! ```yaml
//! resources:
//!   requests:
//!     cpu: 200m
//! ```
//!
//! ## Incident it prevents
//! A service without a CPU request shared a node with a reindexing job;
//! with 2 CPU shares against the job's 8192 its p99 latency went from 40 ms
//! to 9 s and its liveness probe restarted it in a loop.

use super::pk005::{amount, resource_node, sized};
use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK003",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container has no CPU request",
};

pub const PEERS: &[&str] = &[
    "kube-linter:unset-cpu-requirements",
    "kube-score:container-resources",
    "polaris:cpuRequestsMissing",
    "kyverno:require-requests-limits",
    "checkov:CKV_K8S_10",
    "trivy:KSV015",
];

const FIX: &str = "resources:\n  requests:\n    cpu: 200m   # CPU used under normal load";

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers().filter(|c| sized(c)) {
        match resource_node(c, "requests", "cpu") {
            None => {
                let limit = resource_node(c, "limits", "cpu")
                    .filter(|l| amount(l).is_some_and(|v| v > 0.0))
                    .and_then(|l| l.as_str());
                let msg = match limit {
                    Some(l) => format!(
                        "{} has no CPU request; the API server copies the limit ({l}) into it, so the scheduler reserves the whole limit and the container can never burst",
                        cx.who(c)
                    ),
                    None => format!(
                        "{} has no CPU request; the scheduler reserves no CPU for it and on a busy node it gets the smallest CPU share there is",
                        cx.who(c)
                    ),
                };
                out.push(missing_in(c, msg).with_fix(FIX));
            }
            Some(n) if amount(n) == Some(0.0) => out.push(
                hit_at(
                    n,
                    format!(
                        "{} requests 0 CPU; on a busy node it gets the smallest CPU share there is",
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
    fn flags_missing_and_zero_cpu_requests() {
        let yaml = r#"apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      initContainers:
        - name: init
          resources: {requests: {cpu: 0m}}
      containers:
        - name: db
          resources:
            limits: {cpu: "2"}
        - name: exporter
          resources:
            requests: {memory: 64Mi}
"#;
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 11, 14]);
        assert!(
            hits[0]
                .message
                .contains("init container \"init\" in StatefulSet/db requests 0 CPU"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("copies the limit (2)"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[2].message.contains("smallest CPU share"),
            "{}",
            hits[2].message
        );
    }

    #[test]
    fn requests_set_pass() {
        let yaml = r#"kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      resources: {requests: {cpu: 0.1}}
    - name: b
      resources: {requests: {cpu: "250m"}}
    - name: c
      resources: {requests: {cpu: 2 cores}}
  ephemeralContainers:
    - name: debug
"#;
        assert!(run(check, yaml).is_empty());
    }
}
