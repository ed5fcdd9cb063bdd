//! # PK058: replicas not spread across nodes
//!
//! Flags a Deployment, StatefulSet, ReplicaSet, ReplicationController or
//! Argo Rollout with `replicas` of 2 or more whose pod template neither
//!
//! - has a `podAntiAffinity` term (required or preferred) whose
//!   `labelSelector` selects the template's own labels, with a
//!   `topologyKey`, nor
//! - has a `topologySpreadConstraints` entry whose `labelSelector` selects
//!   the template's own labels, with a `topologyKey`.
//!
//! A spreading rule that selects other pods (a typo in a label, a selector
//! copied from another chart) counts as none, and the finding says so.
//!
//! Without one, the scheduler is free to put every replica on one node or
//! in one zone, and a single node or zone failure takes them all. The
//! default scheduler does spread pods of one ReplicaSet a little (built-in
//! soft constraints since Kubernetes 1.24), but only as a preference that
//! loses to resource fit, so a busy cluster still packs replicas together.
//! This is advice (`info`).
//!
//! ## Bad
//! ```yaml
//! spec:
//!   replicas: 3
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec:
//!       containers: [{name: web, image: registry.example.com/web:1.4.2}]
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   replicas: 3
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec:
//!       topologySpreadConstraints:
//!         - maxSkew: 1
//!           topologyKey: kubernetes.io/hostname
//!           whenUnsatisfiable: ScheduleAnyway
//!           labelSelector: {matchLabels: {app: web}}
//!       containers: [{name: web, image: registry.example.com/web:1.4.2}]
//! ```
//!
//! ## Fix
//! ```yaml
//! topologySpreadConstraints:
//!   - maxSkew: 1
//!     topologyKey: kubernetes.io/hostname   # or topology.kubernetes.io/zone
//!     whenUnsatisfiable: ScheduleAnyway
//!     labelSelector: {matchLabels: {app: web}}   # the template's own labels
//! ```
//!
//! ## Incident it prevents
//! All three replicas of the checkout API had landed on the same node after
//! a cluster scale-down; when that node's kernel panicked, checkout was down
//! until the scheduler placed and started three new pods.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK058",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "Several replicas with no anti-affinity or topology spread over their own pods",
};

pub const PEERS: &[&str] = &[
    "kube-linter:no-anti-affinity",
    "kube-score:deployment-has-host-podantiaffinity",
    "kube-score:statefulset-has-host-podantiaffinity",
    "polaris:topologySpreadConstraint",
];

/// Whether a term (`PodAffinityTerm` or topology spread constraint)
/// spreads the pods whose labels are `own`.
fn spreads(term: &Node, own: Option<&Node>) -> bool {
    let key_ok = term.str_at("topologyKey").is_some_and(|k| !k.is_empty());
    let Some(sel) = term.get("labelSelector").filter(|s| !s.is_null()) else {
        return false; // a null selector matches no pod
    };
    key_ok && super::pk068::selector_matches(sel, own) == Ok(true)
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if !matches!(
        w.kind,
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController" | "Rollout"
    ) || !super::pk050::builtin_workload(w)
    {
        return Vec::new();
    }
    let Some(replicas_node) = w.object.path(&["spec", "replicas"]) else {
        return Vec::new();
    };
    let Some(replicas) = replicas_node.as_i64().filter(|r| *r >= 2) else {
        return Vec::new();
    };
    let own = w
        .pod_metadata
        .and_then(|m| m.get("labels"))
        .filter(|l| !l.is_null());

    let anti = w
        .pod_spec
        .path(&["affinity", "podAntiAffinity"])
        .filter(|n| !n.is_null());
    let mut terms: Vec<&Node> = Vec::new();
    if let Some(a) = anti {
        if let Some(req) = a.get("requiredDuringSchedulingIgnoredDuringExecution") {
            terms.extend(req.items());
        }
        if let Some(pref) = a.get("preferredDuringSchedulingIgnoredDuringExecution") {
            terms.extend(pref.items().iter().filter_map(|p| p.get("podAffinityTerm")));
        }
    }
    let tsc = w.pod("topologySpreadConstraints").filter(|n| !n.is_null());
    if let Some(t) = tsc {
        terms.extend(t.items());
    }
    if terms.iter().any(|t| spreads(t, own)) {
        return Vec::new();
    }

    let who = w.label();
    let (at, message) = if !terms.is_empty() {
        let at = w
            .pod_spec
            .entry("topologySpreadConstraints")
            .or_else(|| w.pod_spec.entry("affinity"))
            .map_or(replicas_node, |(k, _)| k);
        (
            at,
            format!(
                "{who} runs {replicas} replicas, but none of its anti-affinity or topology spread \
                 terms selects its own pods (or has a topologyKey): they may all land on one node"
            ),
        )
    } else {
        (
            replicas_node,
            format!(
                "{who} runs {replicas} replicas with no podAntiAffinity or topologySpreadConstraints: \
                 the scheduler may put them all on one node or zone"
            ),
        )
    };
    let labels: Vec<String> = own
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|(k, v)| Some(format!("{}: {}", k.as_str()?, v.as_str()?)))
                .take(2)
                .collect()
        })
        .unwrap_or_default();
    let labels = if labels.is_empty() {
        "app: web".to_string()
    } else {
        labels.join(", ")
    };
    vec![hit_at(at, message).with_fix(format!(
        "topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n    whenUnsatisfiable: ScheduleAnyway\n    labelSelector: {{matchLabels: {{{labels}}}}}"
    ))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn deploy(replicas: &str, extra: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web, tier: fe}}
    spec:
{extra}      containers: [{{name: web, image: web:1}}]
"
        )
    }

    #[test]
    fn flags_replicas_without_spreading() {
        let hits = run(check, &deploy("3", ""));
        assert_eq!(lines(&hits), [5]);
        assert!(
            hits[0].message.contains("runs 3 replicas"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("matchLabels: {app: web, tier: fe}")
        );
    }

    #[test]
    fn spreading_that_selects_other_pods_counts_as_none() {
        let extra = "      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector: {matchLabels: {app: api}}
";
        let hits = run(check, &deploy("2", extra));
        assert_eq!(lines(&hits), [11]);
        assert!(
            hits[0].message.contains("none of its"),
            "{}",
            hits[0].message
        );
        let no_selector = "      topologySpreadConstraints:\n        - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n";
        assert_eq!(lines(&run(check, &deploy("2", no_selector))), [11]);
    }

    #[test]
    fn anti_affinity_or_spread_over_own_pods_passes() {
        let anti = "      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchExpressions: [{key: app, operator: In, values: [web]}]
";
        assert!(run(check, &deploy("3", anti)).is_empty());
        let tsc = "      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {tier: fe}}}
";
        assert!(run(check, &deploy("3", tsc)).is_empty());
        for r in ["1", "0", "\"3\"", "~"] {
            assert!(run(check, &deploy(r, "")).is_empty(), "{r}");
        }
        let ds = deploy("3", "").replace("kind: Deployment", "kind: DaemonSet");
        assert!(run(check, &ds).is_empty());
    }
}
