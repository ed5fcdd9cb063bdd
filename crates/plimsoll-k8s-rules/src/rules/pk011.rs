//! # PK011: long-running container without a readiness probe
//!
//! Checks that every main container of a long-running workload sets
//! `readinessProbe`. Without one a container counts as ready the moment
//! its process starts: Services send it traffic before it listens or has
//! warmed its caches, a rolling update replaces old pods as fast as new
//! processes start (even when the new version cannot serve), and a pod
//! that loses its database keeps receiving requests it can only fail.
//!
//! Native sidecars (`initContainers` with `restartPolicy: Always`) are not
//! checked: the next container starts once a sidecar has *started*, not
//! when it is ready, and the main container's readiness probe is what
//! gates the pod's traffic. Jobs, CronJobs and run-once Pods are skipped.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     ports: [{name: http, containerPort: 8080}]
//!     livenessProbe:
//!       httpGet: {path: /livez, port: http}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     ports: [{name: http, containerPort: 8080}]
//!     livenessProbe:
//!       httpGet: {path: /livez, port: http}
//!     readinessProbe:
//!       httpGet: {path: /readyz, port: http}
//!       periodSeconds: 5
//! ```
//!
//! ## Fix
//! Add an endpoint that answers 200 only once the service can do useful
//! work (listening, caches loaded, required dependencies reachable) and
//! point `readinessProbe` at it.
//!
//! ## Incident it prevents
//! A rolling update of a Java service shifted traffic to each new pod as
//! soon as the JVM started; for 40 seconds per pod the load balancer got
//! connection refusals, and the deploy showed up as a spike of 502s.

use crate::registry::pk010::{probe, probe_fix};
use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Role;

pub const META: Meta = Meta {
    code: "PK011",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A long-running container has no readiness probe",
};

pub const PEERS: &[&str] = &[
    "kube-linter:no-readiness-probe",
    "kube-score:pod-probes",
    "polaris:readinessProbeMissing",
    "checkov:CKV_K8S_9",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if !cx.workload.long_running() {
        return out;
    }
    for c in cx.containers().filter(|c| c.role == Role::Main) {
        if probe(c, "readinessProbe").is_some() {
            continue;
        }
        out.push(
            missing_in(
                c,
                format!(
                    "{} has no readinessProbe: it receives traffic and counts as available in rollouts as soon as its process starts",
                    cx.who(c)
                ),
            )
            .with_fix(probe_fix("readinessProbe", "/readyz", c)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_main_containers_without_readiness() {
        let yaml = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      initContainers:
        - name: proxy
          image: envoy:1
          restartPolicy: Always
        - name: init
          image: busybox:1
      containers:
        - name: db
          image: db:1
          ports: [{containerPort: 5432}]
          readinessProbe: ~
        - name: ok
          image: ok:1
          readinessProbe:
            exec: {command: [pg_isready]}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [14]);
        assert!(
            hits[0]
                .message
                .contains("container \"db\" in StatefulSet/db"),
            "{}",
            hits[0].message
        );
        assert!(hits[0].fix.as_deref().unwrap().contains("port: 5432"));
    }

    #[test]
    fn batch_workloads_pass() {
        let yaml = "kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: a, image: a:1}]
---
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: OnFailure
  containers: [{name: a, image: a:1}]
---
kind: DaemonSet
metadata: {name: d}
spec:
  template:
    spec:
      containers:
        - {name: a, image: a:1, readinessProbe: {tcpSocket: {port: 1}}}
";
        assert!(run(check, yaml).is_empty());
    }
}
