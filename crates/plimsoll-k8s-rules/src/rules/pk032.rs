//! # PK032: container port bound on the node (hostPort)
//!
//! Flags every `ports[].hostPort` other than 0. A host port opens the
//! container on the node's own IP address, outside the Service and
//! Ingress layer where access is normally reviewed and where many
//! NetworkPolicy implementations apply; and because a node has each port
//! once, only one such pod fits per node: a rollout whose new pod lands
//! where the old one still holds the port, or a scale-up beyond the node
//! count, leaves pods Pending. Pod Security's baseline level forbids host
//! ports.
//!
//! ## Bad
//! ```yaml
//! ports:
//!   - containerPort: 8080
//!     hostPort: 8080
//! ```
//!
//! ## Good
//! ```yaml
//! ports:
//!   - containerPort: 8080
//!     name: http
//! # and a Service (ClusterIP, or NodePort/LoadBalancer when it must be reachable from outside)
//! ```
//!
//! ## Fix
//! Remove `hostPort` and publish the port through a Service; a node agent
//! that must answer on the node's address can use `hostNetwork` (PK027) or
//! a NodePort Service with `externalTrafficPolicy: Local`.
//!
//! ## Incident it prevents
//! A Deployment with `hostPort: 9100` and `maxSurge: 1` stalled every rollout
//! on a three-node cluster: the surge pod had no node with the port free,
//! and a node-local metrics endpoint was reachable from the office network.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK032",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container binds a port on the node's address (hostPort)",
};

pub const PEERS: &[&str] = &[
    "polaris:hostPortSet",
    "kyverno:disallow-host-ports",
    "checkov:CKV_K8S_26",
    "trivy:KSV024",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        for p in c.get("ports").map(Node::items).unwrap_or(&[]) {
            let Some(hp) = p.get("hostPort").filter(|v| !v.is_null()) else {
                continue;
            };
            let port = hp
                .as_i64()
                .or_else(|| hp.as_str().and_then(|s| s.trim().parse().ok()));
            if port == Some(0) {
                continue;
            }
            let shown = hp.as_str().unwrap_or("?");
            let container_port = p
                .get("containerPort")
                .and_then(Node::as_str)
                .unwrap_or("the container port");
            out.push(
                hit_at(
                    hp,
                    format!(
                        "{} binds host port {shown}: it is reachable on the node's address outside any Service, and only one such pod fits per node",
                        cx.who(c)
                    ),
                )
                .with_fix(format!(
                    "ports:\n  - containerPort: {container_port}   # no hostPort; publish it through a Service"
                )),
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
    fn flags_host_ports() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          ports:
            - containerPort: 8080
              hostPort: 8080
            - containerPort: 9090
              hostPort: 0
            - containerPort: 9100
        - name: metrics
          ports: [{containerPort: 9000, hostPort: \"9000\"}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11, 16]);
        assert!(
            hits[0]
                .message
                .starts_with("container \"web\" in Deployment/web binds host port 8080")
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("containerPort: 8080")
        );
    }

    #[test]
    fn no_ports_null_and_odd_shapes() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      ports: 80
    - name: b
      ports: [{hostPort: null}, 5, {hostPort: \"0\"}]
";
        assert!(run(check, yaml).is_empty());
    }
}
