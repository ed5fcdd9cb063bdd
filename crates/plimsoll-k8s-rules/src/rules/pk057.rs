//! # PK057: Deployment pinned to a single replica
//!
//! Flags a Deployment (or Argo Rollout) that sets `replicas: 1`. With one
//! pod, anything that takes that pod away — a node drain for an upgrade,
//! a node failure, an eviction under memory pressure, a crash loop — leaves
//! the service with nothing ready until a replacement is scheduled, pulls
//! its image, starts and passes readiness. A PodDisruptionBudget cannot
//! help either: with one replica it can only block the drain.
//!
//! Only an explicit `replicas: 1` is reported. An absent `replicas` is
//! usually a HorizontalPodAutoscaler's to manage (writing it there is the
//! mistake, since each apply resets the autoscaler's count), and `0` is a
//! deliberate scale-down. StatefulSets are left alone: a single-replica
//! database is usually a decision, not an oversight. This is advice
//! (`info`): a singleton worker that must never run twice is a legitimate
//! reason; say so with `plimsoll.dev/ignore: PK057`.
//!
//! ## Bad
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! spec:
//!   replicas: 1
//! ```
//!
//! ## Good
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! spec:
//!   replicas: 3
//! ```
//!
//! ## Fix
//! ```yaml
//! spec:
//!   replicas: 2   # and a PodDisruptionBudget with maxUnavailable: 1
//! ```
//!
//! ## Incident it prevents
//! A routine node-pool upgrade drained the node running the only pod of the
//! login service; new sign-ins failed for the four minutes the replacement
//! took to pull its image on a fresh node.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK057",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "A Deployment runs a single replica",
};

pub const PEERS: &[&str] = &[
    "kube-score:deployment-replicas",
    "polaris:deploymentMissingReplicas",
    "kyverno:deployment-has-multiple-replicas",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if !matches!(w.kind, "Deployment" | "Rollout") || !super::pk050::builtin_workload(w) {
        return Vec::new();
    }
    let Some(node) = w.object.path(&["spec", "replicas"]) else {
        return Vec::new();
    };
    if node.as_i64() != Some(1) {
        return Vec::new();
    }
    vec![
        hit_at(
            node,
            format!(
                "{} runs a single replica: a node drain, eviction or crash leaves it with no ready pod \
                 until a replacement starts",
                w.label()
            ),
        )
        .with_fix("replicas: 2   # with a PodDisruptionBudget (maxUnavailable: 1)"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_an_explicit_single_replica() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: login}
spec:
  replicas: 1
  template:
    spec:
      containers: [{name: l, image: l:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [5]);
        assert!(
            hits[0]
                .message
                .contains("Deployment/login runs a single replica")
        );
    }

    #[test]
    fn absent_zero_many_and_other_kinds_pass() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  template:
    spec:
      containers: [{name: a, image: a:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec:
  replicas: 0
  template:
    spec:
      containers: [{name: b, image: b:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: c}
spec:
  replicas: \"1\"
  template:
    spec:
      containers: [{name: c, image: c:1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  template:
    spec:
      containers: [{name: d, image: d:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
