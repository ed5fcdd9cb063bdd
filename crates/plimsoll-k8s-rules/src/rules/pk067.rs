//! # PK067: pod DNS settings that break name resolution
//!
//! Checks `dnsPolicy` and `dnsConfig` of the pod template:
//!
//! - **`hostNetwork: true` without `dnsPolicy: ClusterFirstWithHostNet`**
//!   (`info`: many node agents never resolve cluster names, but those that
//!   do fail quietly). For host-network pods the default `ClusterFirst` quietly
//!   falls back to the node's own `/etc/resolv.conf`, so cluster names
//!   (`api.shop.svc.cluster.local`, `kubernetes.default`) do not resolve
//!   from inside the pod, while everything else works and hides the cause.
//!   A host-network pod that only needs the node's resolver can say so
//!   with `dnsPolicy: Default`, which is not reported.
//! - **A `dnsPolicy` the API does not know** (`error`): only
//!   `ClusterFirst`, `ClusterFirstWithHostNet`, `Default` and `None`, case
//!   sensitive.
//! - **`dnsPolicy: None` without `dnsConfig.nameservers`** (`error`): the
//!   API server refuses it, since the pod would have no resolver at all.
//! - **More than 3 `dnsConfig.nameservers`** (`error`): refused; the
//!   resolver would ignore the rest anyway.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   hostNetwork: true
//!   containers: [{name: agent, image: registry.example.com/agent:2.3}]
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   hostNetwork: true
//!   dnsPolicy: ClusterFirstWithHostNet
//!   containers: [{name: agent, image: registry.example.com/agent:2.3}]
//! ```
//!
//! ## Fix
//! ```yaml
//! dnsPolicy: ClusterFirstWithHostNet   # cluster DNS for a host-network pod
//! ```
//!
//! ## Incident it prevents
//! A node agent moved to `hostNetwork: true` to see node traffic started
//! failing to ship data: it sent to `collector.monitoring.svc`, which the
//! node's resolver could not resolve, and its retry loop only logged at
//! debug level.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK067",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "Pod DNS settings are invalid, or a host-network pod cannot resolve cluster names",
};

pub const PEERS: &[&str] = &[];

const POLICIES: [&str; 4] = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let who = w.label();
    let mut out = Vec::new();
    let policy_node = w.pod("dnsPolicy").filter(|n| !n.is_null());
    let policy = match policy_node {
        None => "ClusterFirst",
        Some(n) => n.as_str().unwrap_or("(not a string)"),
    };
    if let Some(n) = policy_node
        && !POLICIES.contains(&policy)
    {
        let hint = if POLICIES.iter().any(|p| p.eq_ignore_ascii_case(policy)) {
            " (values are case-sensitive)"
        } else {
            ""
        };
        out.push(
            hit_at(
                n,
                format!(
                    "{who}: dnsPolicy {}{hint} is not one of {}: the API server refuses it",
                    if n.as_str().is_some() {
                        format!("{policy:?}")
                    } else {
                        policy.to_string()
                    },
                    POLICIES.join(", ")
                ),
            )
            .with_fix("dnsPolicy: ClusterFirst"),
        );
        return out;
    }
    let config = w.pod("dnsConfig").filter(|n| !n.is_null());
    let nameservers = config
        .and_then(|c| c.get("nameservers"))
        .map(Node::items)
        .unwrap_or(&[]);
    if policy == "None" && nameservers.is_empty() {
        let at = config.unwrap_or_else(|| policy_node.unwrap_or(w.pod_spec));
        out.push(
            hit_at(at, format!("{who} sets dnsPolicy: None without dnsConfig.nameservers: the API server refuses it"))
                .with_fix("dnsConfig:\n  nameservers: [10.96.0.10]   # at least one, at most 3\n  searches: [svc.cluster.local]"),
        );
    }
    if nameservers.len() > 3 {
        out.push(
            hit_at(
                &nameservers[3],
                format!(
                    "{who} lists {} dnsConfig.nameservers: at most 3 are allowed",
                    nameservers.len()
                ),
            )
            .with_fix("nameservers: [10.96.0.10, 1.1.1.1, 8.8.8.8]   # three at most"),
        );
    }
    let host_network = w.pod("hostNetwork").and_then(Node::as_bool) == Some(true);
    if host_network && policy == "ClusterFirst" {
        let at = policy_node
            .or_else(|| w.pod_spec.entry("hostNetwork").map(|(_, v)| v))
            .unwrap_or(w.pod_spec);
        out.push(
            hit_at(
                at,
                format!(
                    "{who} uses hostNetwork with dnsPolicy ClusterFirst{}: host-network pods then use the \
                     node's resolver and cannot resolve cluster Service names",
                    if policy_node.is_none() { " (the default)" } else { "" }
                ),
            )
            .with_severity(Severity::Info)
            .with_fix("dnsPolicy: ClusterFirstWithHostNet   # or Default if only the node's resolver is needed"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn host_network_without_cluster_dns() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      hostNetwork: true
      containers: [{name: a, image: a:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirst
  containers: [{name: p, image: p:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 15]);
        assert!(hits.iter().all(|h| h.severity == Some(Severity::Info)));
        assert!(hits[0].message.contains("(the default)"));
    }

    #[test]
    fn invalid_policies_and_configs() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  dnsPolicy: clusterFirst
  containers: [{name: a, image: a:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  dnsPolicy: None
  dnsConfig:
    searches: [example.com]
  containers: [{name: b, image: b:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec:
  dnsConfig:
    nameservers: [1.1.1.1, 8.8.8.8, 9.9.9.9, 8.8.4.4]
  containers: [{name: c, image: c:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [5, 14, 22]);
        assert!(hits[0].message.contains("case-sensitive"));
        assert!(hits[1].message.contains("without dnsConfig.nameservers"));
        assert!(hits[2].message.contains("4 dnsConfig.nameservers"));
        assert!(hits.iter().all(|h| h.severity.is_none()));
    }

    #[test]
    fn sound_settings_pass() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  containers: [{name: a, image: a:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  hostNetwork: true
  dnsPolicy: Default
  containers: [{name: b, image: b:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec:
  dnsPolicy: None
  dnsConfig: {nameservers: [10.0.0.10], options: [{name: ndots, value: \"2\"}]}
  containers: [{name: c, image: c:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: d}
spec:
  hostNetwork: \"true\"
  containers: [{name: d, image: d:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
