//! # PK066: StatefulSet without a valid serviceName
//!
//! A StatefulSet's `serviceName` names the headless Service that gives its
//! pods their stable DNS names (`db-0.db.shop.svc.cluster.local`); the
//! controller writes it into each pod's `subdomain`.
//!
//! - **Missing or empty** (`info`): the API accepts it (the field is
//!   optional since Kubernetes 1.33, and older API servers never enforced
//!   it), but the pods get no per-pod DNS names, which is usually the
//!   reason to use a StatefulSet: peers that find each other as `db-0.db`
//!   (database replication, Kafka, ZooKeeper, Elasticsearch discovery)
//!   cannot resolve. kubectl versions that validated against older
//!   OpenAPI schemas also refused it (`missing required field
//!   "serviceName"`).
//! - **Not a DNS label** (`error`): current API servers refuse the
//!   StatefulSet; older ones accepted it and then failed to create every
//!   pod, because the pod's `subdomain` must be a DNS label.
//!
//! The Service itself must exist, be headless (`clusterIP: None`) and
//! select the pods; Plimsoll checks one object at a time and cannot see it.
//!
//! ## Bad
//! ```yaml
//! apiVersion: apps/v1
//! kind: StatefulSet
//! metadata: {name: db}
//! spec:
//!   selector: {matchLabels: {app: db}}
//! ```
//!
//! ## Good
//! ```yaml
//! apiVersion: apps/v1
//! kind: StatefulSet
//! metadata: {name: db}
//! spec:
//!   serviceName: db   # a headless Service (clusterIP: None) selecting app=db
//!   selector: {matchLabels: {app: db}}
//! ```
//!
//! ## Fix
//! ```yaml
//! spec:
//!   serviceName: db   # and a Service named db with clusterIP: None
//! ```
//!
//! ## Incident it prevents
//! A three-node database StatefulSet deployed without `serviceName` started
//! three independent primaries: each replica's peer list named `db-1.db` and
//! `db-2.db`, which never resolved, and each bootstrapped its own cluster.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK066",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A StatefulSet has no serviceName, or one that is not a DNS label",
};

pub const PEERS: &[&str] = &["kube-score:statefulset-has-servicename"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if w.kind != "StatefulSet" || super::pk050::api_group(w.api_version) != "apps" {
        return Vec::new();
    }
    let Some(spec) = w.object.get("spec") else {
        return Vec::new();
    };
    let who = w.label();
    let name = if w.name.is_empty() { "db" } else { w.name };
    let node = spec.get("serviceName").filter(|n| !n.is_null());
    let value = node.and_then(|n| n.as_str()).unwrap_or("");
    if let Some(n) = node.filter(|n| n.as_str().is_none()) {
        return vec![
            hit_at(
                n,
                format!("{who}: serviceName is not a string: the API server refuses it"),
            )
            .with_fix(format!("serviceName: {name}")),
        ];
    }
    if value.is_empty() {
        let anchor = node
            .or_else(|| spec.entries().first().map(|(k, _)| k))
            .unwrap_or(spec);
        return vec![
            hit_at(
                anchor,
                format!(
                    "{who} has no serviceName: its pods get no stable DNS names (`{name}-0.<service>`), \
                     so peers cannot find each other by name"
                ),
            )
            .with_severity(Severity::Info)
            .with_fix(format!("serviceName: {name}   # a headless Service (clusterIP: None) selecting the pods")),
        ];
    }
    if let Some(why) =
        super::pk055::dns_label_problem(value).filter(|_| !super::pk069::unrendered(value))
    {
        let fixed: String = value
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(63)
            .collect();
        return vec![
            hit_at(
                node.unwrap_or(spec),
                format!("{who}: serviceName {value:?} {why}: it becomes each pod's subdomain, so the StatefulSet or its pods are refused"),
            )
            .with_fix(format!("serviceName: {}", fixed.trim_matches('-'))),
        ];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn sts(extra: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db}}
spec:
{extra}  selector: {{matchLabels: {{app: db}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec:
      containers: [{{name: db, image: db:1}}]
"
        )
    }

    #[test]
    fn missing_is_info_invalid_is_error() {
        let hits = run(check, &sts(""));
        assert_eq!(lines(&hits), [5]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
        assert!(hits[0].message.contains("db-0"));
        let hits = run(check, &sts("  serviceName: \"\"\n"));
        assert_eq!(lines(&hits), [5]);
        let hits = run(check, &sts("  serviceName: DB_Headless\n"));
        assert_eq!(lines(&hits), [5]);
        assert_eq!(hits[0].severity, None);
        assert_eq!(hits[0].fix.as_deref(), Some("serviceName: db-headless"));
    }

    #[test]
    fn valid_names_and_other_kinds_pass() {
        assert!(run(check, &sts("  serviceName: db-headless\n")).is_empty());
        let other = sts("").replace("kind: StatefulSet", "kind: Deployment");
        assert!(run(check, &other).is_empty());
        let kruise = sts("").replace("apps/v1", "apps.kruise.io/v1beta1");
        assert!(run(check, &kruise).is_empty());
    }
}
