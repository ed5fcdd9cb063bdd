//! # PK061: terminationGracePeriodSeconds of zero or less
//!
//! Flags a pod template with `terminationGracePeriodSeconds` of 0 or a
//! negative number.
//!
//! - **0** removes graceful shutdown. Deleting such a pod removes it from
//!   the API at once, while its containers are still being killed on the
//!   node: in-flight requests are cut, connections are not drained, and
//!   nothing waits for the process to flush or release locks. For a
//!   StatefulSet it is worse: the controller creates the replacement pod
//!   with the same identity (and the same volume claims) while the old one
//!   may still be running, which the Kubernetes documentation calls unsafe
//!   and strongly discourages. Error for StatefulSets, warning otherwise.
//! - **Negative** values are invalid; current API servers warn and treat
//!   them as 1 second.
//!
//! Jobs and CronJobs are included: a batch step killed mid-write can
//! leave partial output behind just the same.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   template:
//!     spec:
//!       terminationGracePeriodSeconds: 0
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   template:
//!     spec:
//!       terminationGracePeriodSeconds: 30   # longer than the slowest clean shutdown
//! ```
//!
//! ## Fix
//! ```yaml
//! terminationGracePeriodSeconds: 30   # or delete it: 30 is the default
//! ```
//!
//! ## Incident it prevents
//! A queue consumer with a zero grace period was killed mid-batch on every
//! rollout; messages it had acknowledged but not yet written were lost, and
//! the reconciliation report showed gaps after each deploy.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK061",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "terminationGracePeriodSeconds is zero or negative: no graceful shutdown",
};

pub const PEERS: &[&str] = &[];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let Some(node) = w.pod("terminationGracePeriodSeconds") else {
        return Vec::new();
    };
    let Some(v) = node.as_i64() else {
        return Vec::new();
    };
    let who = w.label();
    let fix = "terminationGracePeriodSeconds: 30   # longer than the slowest clean shutdown";
    if v < 0 {
        return vec![
            hit_at(
                node,
                format!("{who} sets terminationGracePeriodSeconds: {v}: negative values are invalid and treated as 1 second"),
            )
            .with_fix(fix),
        ];
    }
    if v > 0 {
        return Vec::new();
    }
    let stateful = w.kind == "StatefulSet";
    let mut hit = hit_at(
        node,
        if stateful {
            format!(
                "{who} sets terminationGracePeriodSeconds: 0: a deleted pod leaves the API at once, so its \
                 replacement with the same identity and volumes can start while it still runs"
            )
        } else {
            format!(
                "{who} sets terminationGracePeriodSeconds: 0: pods are removed at once on deletion, with no \
                 time to drain connections or finish work"
            )
        },
    )
    .with_fix(fix);
    if stateful {
        hit = hit.with_severity(Severity::Error);
    }
    vec![hit]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn zero_and_negative_are_flagged() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: w, image: w:1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: d, image: d:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: -5
  containers: [{name: p, image: p:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 16, 23]);
        assert_eq!(hits[0].severity, None);
        assert_eq!(hits[1].severity, Some(Severity::Error));
        assert!(hits[1].message.contains("same identity"));
        assert!(hits[2].message.contains("treated as 1 second"));
    }

    #[test]
    fn positive_absent_or_unreadable_pass() {
        let yaml = "apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 60
      restartPolicy: Never
      containers: [{name: j, image: j:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: \"0\"
  containers: [{name: p, image: p:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: q}
spec:
  containers: [{name: q, image: q:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
