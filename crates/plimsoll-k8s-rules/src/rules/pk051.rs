//! # PK051: pod restartPolicy the controller does not allow
//!
//! The pod template's `restartPolicy` must fit the controller, and the API
//! server refuses the object otherwise:
//!
//! - Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController
//!   and Argo Rollout pods keep running: only `Always` (the default).
//! - Job and CronJob pods run to completion: `OnFailure` or `Never`, and
//!   the field is effectively required, because an unset one defaults to
//!   `Always`, which a Job refuses (`Unsupported value: "Always"`).
//! - A Job with a `podFailurePolicy` must use `Never`.
//! - A bare Pod takes any of `Always`, `OnFailure`, `Never`.
//!
//! Values are case-sensitive: `always` and `never` are refused too.
//!
//! ## Bad
//! ```yaml
//! apiVersion: batch/v1
//! kind: Job
//! metadata: {name: migrate}
//! spec:
//!   template:
//!     spec:
//!       containers: [{name: migrate, image: registry.example.com/migrate:3.1}]
//! ```
//!
//! ## Good
//! ```yaml
//! apiVersion: batch/v1
//! kind: Job
//! metadata: {name: migrate}
//! spec:
//!   template:
//!     spec:
//!       restartPolicy: Never
//!       containers: [{name: migrate, image: registry.example.com/migrate:3.1}]
//! ```
//!
//! ## Fix
//! ```yaml
//! restartPolicy: Never   # OnFailure restarts the container in place instead
//! ```
//!
//! ## Incident it prevents
//! A schema-migration Job copied from a Deployment template had no
//! `restartPolicy`; the release pipeline's apply was refused, the
//! application rollout that depended on the migration never started, and
//! the on-call engineer had to decode `Unsupported value: "Always"` at 2 am.

use crate::{Context, Hit, Meta, hit_at, pod_anchor};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK051",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "The pod's restartPolicy is not allowed for its controller kind",
};

pub const PEERS: &[&str] = &["kube-score:cronjob-restartpolicy"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if !super::pk050::builtin_workload(w) {
        return Vec::new();
    }
    let allowed: &[&str] = match w.kind {
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Rollout" => &["Always"],
        "Job" | "CronJob" => &["OnFailure", "Never"],
        "Pod" => &["Always", "OnFailure", "Never"],
        _ => return Vec::new(),
    };
    let who = w.label();
    let node = w.pod("restartPolicy").filter(|n| !n.is_null());
    let fix = if allowed.len() == 1 {
        "restartPolicy: Always   # or delete the line: Always is the default".to_string()
    } else {
        "restartPolicy: Never   # OnFailure restarts the container in place instead".to_string()
    };
    let Some(node) = node else {
        if matches!(w.kind, "Job" | "CronJob") {
            return vec![
                hit_at(
                    pod_anchor(w),
                    format!(
                        "{who}'s pod template has no restartPolicy: it defaults to Always, which a \
                         {} refuses; set Never or OnFailure",
                        w.kind
                    ),
                )
                .with_fix(fix),
            ];
        }
        return Vec::new();
    };
    let value = node.as_str().unwrap_or("");
    if !allowed.contains(&value) {
        let hint = if ["Always", "OnFailure", "Never"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(value) && *p != value)
        {
            " (values are case-sensitive)"
        } else {
            ""
        };
        return vec![
            hit_at(
                node,
                format!(
                    "{who} sets restartPolicy {}{hint}: a {} accepts only {}; the API server \
                     refuses it",
                    if node.as_str().is_some() {
                        format!("{value:?}")
                    } else {
                        "to a non-string".into()
                    },
                    w.kind,
                    allowed.join(" or ")
                ),
            )
            .with_fix(fix),
        ];
    }
    // A podFailurePolicy works on pod failures, so the pods must not restart in place.
    let job_spec = match w.kind {
        "Job" => w.object.get("spec"),
        "CronJob" => w.object.path(&["spec", "jobTemplate", "spec"]),
        _ => None,
    };
    let has_pfp = job_spec
        .and_then(|s| s.get("podFailurePolicy"))
        .is_some_and(|p: &Node| !p.is_null());
    if has_pfp && value != "Never" {
        return vec![
            hit_at(
                node,
                format!(
                    "{who} has a podFailurePolicy but restartPolicy {value}: the API server accepts \
                     only Never with a podFailurePolicy"
                ),
            )
            .with_fix("restartPolicy: Never"),
        ];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn jobs_need_never_or_on_failure() {
        let yaml = "apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      containers: [{name: m, image: m:1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Always
          containers: [{name: n, image: n:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 17]);
        assert!(
            hits[0].message.contains("defaults to Always"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("OnFailure or Never"),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn controllers_need_always_and_case_matters() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: w, image: w:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: never
  containers: [{name: p, image: p:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 14]);
        assert!(
            hits[1].message.contains("case-sensitive"),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn pod_failure_policy_needs_never() {
        let yaml = "apiVersion: batch/v1
kind: Job
metadata: {name: train}
spec:
  podFailurePolicy:
    rules: [{action: FailJob, onExitCodes: {operator: In, values: [42]}}]
  template:
    spec:
      restartPolicy: OnFailure
      containers: [{name: t, image: t:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9]);
        assert!(hits[0].message.contains("podFailurePolicy"));
        assert!(run(check, &yaml.replace("OnFailure", "Never")).is_empty());
    }

    #[test]
    fn valid_defaults_and_custom_resources_pass() {
        let yaml = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      restartPolicy: ~
      containers: [{name: d, image: d:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers: [{name: o, image: o:1}]
---
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: v}
spec:
  template:
    spec:
      containers: [{name: v, image: v:1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: ok}
spec:
  template:
    spec:
      restartPolicy: \"OnFailure\"
      containers: [{name: j, image: j:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
