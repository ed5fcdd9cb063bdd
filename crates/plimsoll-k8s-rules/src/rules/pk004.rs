//! # PK004: container without a CPU limit
//!
//! Checks that every container (init and sidecar containers included,
//! ephemeral ones cannot set resources) sets `resources.limits.cpu`. The
//! delivery contract demands one: without it a busy loop, a hung regular
//! expression or a burst of traffic can take every idle core of the node,
//! and the pods beside it (whose requests only guarantee a share under
//! contention, not latency) slow down together. A limit also makes the
//! container's speed in production match what load tests measured.
//!
//! Some teams drop CPU limits on purpose: the kernel enforces them per
//! 100 ms CFS period, so a multi-threaded process that uses its quota early
//! in a period is throttled for the rest of it, which shows up as latency
//! spikes even at low average usage. Such teams rely on requests alone for
//! fairness. If that is your policy, switch this rule off for a workload
//! with the annotation `plimsoll.dev/ignore: PK004` (or kube-score's
//! `kube-score/ignore: container-resources`, which also switches off
//! PK001–PK003), or for a whole run with `--ignore PK004`.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {cpu: 200m, memory: 512Mi}
//!       limits: {memory: 1536Mi}
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
//! Set the limit to the peak the service needs (with Go, also set
//! `GOMAXPROCS` to the limit rounded up, or use a library that reads it
//! from the cgroup):
//! ```yaml
//! resources:
//!   limits:
//!     cpu: 800m
//! ```
//!
//! ## Incident it prevents
//! A pathological input made one pod's regex engine spin on all 16 cores
//! of its node; every other pod there starved until the node was drained.

use super::pk005::{resource_node, sized};
use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK004",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container has no CPU limit",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-resources",
    "polaris:cpuLimitsMissing",
    "checkov:CKV_K8S_11",
    "trivy:KSV011",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers().filter(|c| sized(c)) {
        if resource_node(c, "limits", "cpu").is_none() {
            let request = resource_node(c, "requests", "cpu").and_then(|n| n.as_str());
            let fix = match request {
                Some(r) => format!(
                    "resources:\n  limits:\n    cpu: 800m   # peak need; the request is {r}"
                ),
                None => "resources:\n  limits:\n    cpu: 800m   # peak need".to_string(),
            };
            out.push(
                missing_in(
                    c,
                    format!(
                        "{} has no CPU limit; it can take every idle core of its node and slow down the pods beside it",
                        cx.who(c)
                    ),
                )
                .with_fix(fix),
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
    fn flags_missing_cpu_limits() {
        let yaml = r#"apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      initContainers:
        - name: fetch
      containers:
        - name: work
          resources:
            requests: {cpu: 200m}
            limits: {cpu: null, memory: 1Gi}
        - name: ok
          resources: {limits: {cpu: "1"}}
      ephemeralContainers:
        - name: debug
"#;
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 10]);
        assert!(
            hits[1].message.contains("container \"work\" in Job/j"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[1]
                .fix
                .as_deref()
                .unwrap()
                .contains("the request is 200m")
        );
    }

    #[test]
    fn limits_set_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      resources: {limits: {cpu: 500m}}
    - name: b
      resources: {limits: {cpu: bogus}}
";
        assert!(run(check, yaml).is_empty());
    }
}
