//! # PK009: container without an ephemeral-storage limit
//!
//! Checks that every container (init and sidecar containers included,
//! ephemeral ones cannot set resources) sets
//! `resources.limits.ephemeral-storage`. Ephemeral storage is the node's
//! disk that a container uses for its writable layer, its logs and its
//! disk-backed `emptyDir` volumes. Without a limit, one container that logs
//! in a loop or leaves temporary files behind fills the node's disk; the
//! node then reports DiskPressure, the kubelet starts evicting pods and
//! garbage-collecting images, and new pods cannot start there. With a
//! limit the kubelet evicts just the container's pod once it goes over.
//!
//! Info, not Warning: the delivery contract does not demand it, and the
//! right size is hard to know before the service has run. Only the limit
//! is required: when it is set without a request, the API server copies it
//! into the request, so the scheduler accounts for it.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {ephemeral-storage: 256Mi}
//!       limits: {cpu: 800m, memory: 1536Mi, ephemeral-storage: 1Gi}
//! ```
//!
//! ## Fix
//! ```yaml
//! resources:
//!   requests:
//!     ephemeral-storage: 256Mi
//!   limits:
//!     ephemeral-storage: 1Gi   # logs + temporary files + disk emptyDirs, with headroom
//! ```
//!
//! ## Incident it prevents
//! A debug flag left on made a worker write 40 GB of logs in an afternoon;
//! its node hit DiskPressure and the kubelet evicted the payment pods
//! scheduled beside it.

use super::pk005::{resource_node, sized};
use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK009",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "A container has no ephemeral-storage limit",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-ephemeral-storage-request-and-limit",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers().filter(|c| sized(c)) {
        if resource_node(c, "limits", "ephemeral-storage").is_some() {
            continue;
        }
        let request = resource_node(c, "requests", "ephemeral-storage").and_then(|n| n.as_str());
        let (msg, fix) = match request {
            Some(r) => (
                format!(
                    "{} requests {r} of ephemeral storage but has no limit; its logs and temporary files can fill the node's disk and get the pods beside it evicted",
                    cx.who(c)
                ),
                "resources:\n  limits:\n    ephemeral-storage: 1Gi   # logs + temporary files + disk emptyDirs".to_string(),
            ),
            None => (
                format!(
                    "{} has no ephemeral-storage limit; its logs and temporary files can fill the node's disk and get the pods beside it evicted",
                    cx.who(c)
                ),
                "resources:\n  requests:\n    ephemeral-storage: 256Mi\n  limits:\n    ephemeral-storage: 1Gi   # logs + temporary files + disk emptyDirs".to_string(),
            ),
        };
        out.push(missing_in(c, msg).with_fix(fix));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_containers_without_a_limit() {
        let yaml = r#"apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      initContainers:
        - name: setup
          resources: {requests: {ephemeral-storage: 100Mi}}
      containers:
        - name: agent
          resources:
            limits: {memory: 1Gi, ephemeral-storage: null}
        - name: ok
          resources:
            limits: {ephemeral-storage: 2Gi}
      ephemeralContainers:
        - name: debug
"#;
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 11]);
        assert!(
            hits[0]
                .message
                .contains("requests 100Mi of ephemeral storage but has no limit"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1]
                .message
                .contains("container \"agent\" in DaemonSet/agent has no ephemeral-storage limit"),
            "{}",
            hits[1].message
        );
        assert!(hits[1].fix.as_deref().unwrap().contains("requests"));
    }

    #[test]
    fn limits_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      resources: {limits: {ephemeral-storage: 1Gi}}
";
        assert!(run(check, yaml).is_empty());
    }
}
