//! # PK064: standalone Job without ttlSecondsAfterFinished
//!
//! Flags a Job (not one a CronJob creates) that does not set
//! `spec.ttlSecondsAfterFinished`. Without it the finished Job and its
//! pods stay in the cluster until someone deletes them:
//!
//! - the next deploy cannot re-apply the Job with a changed template,
//!   because a Job's `spec.template` is immutable (`field is immutable`),
//!   so pipelines that apply a migration Job on every release fail from
//!   the second release on unless they delete it first;
//! - completed pods pile up in the namespace, in `kubectl get pods`, and
//!   in the API server's and monitoring's object counts.
//!
//! With a TTL the Job controller deletes the Job (and its pods) that many
//! seconds after it finishes; keep it long enough to read the logs or
//! have them shipped. Jobs managed by Helm or Argo CD hooks with a
//! `hook-delete-policy` annotation are cleaned up by the tool and are not
//! reported. CronJob-created Jobs are cleaned by the CronJob's history
//! limits and are not reported either. This is advice (`info`).
//!
//! GitOps note: a controller that re-creates missing objects (Argo CD with
//! self-heal, Flux) will re-create, and so re-run, a Job the TTL deleted;
//! there, prefer the tool's hook mechanism.
//!
//! ## Bad
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
//! ## Good
//! ```yaml
//! apiVersion: batch/v1
//! kind: Job
//! metadata: {name: migrate}
//! spec:
//!   ttlSecondsAfterFinished: 86400
//!   template:
//!     spec:
//!       restartPolicy: Never
//!       containers: [{name: migrate, image: registry.example.com/migrate:3.1}]
//! ```
//!
//! ## Fix
//! ```yaml
//! spec:
//!   ttlSecondsAfterFinished: 86400   # keep a day for logs, then clean up
//! ```
//!
//! ## Incident it prevents
//! The release after a migration Job's first run failed in the pipeline
//! with `spec.template: field is immutable`; the finished Job from the
//! previous release was still there, and the new migration never ran.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK064",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "A standalone Job sets no ttlSecondsAfterFinished",
};

pub const PEERS: &[&str] = &["kube-linter:job-ttl-seconds-after-finished"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if w.kind != "Job" || super::pk050::api_group(w.api_version) != "batch" {
        return Vec::new();
    }
    let Some(spec) = w.object.get("spec") else {
        return Vec::new();
    };
    if spec
        .get("ttlSecondsAfterFinished")
        .is_some_and(|n| !n.is_null())
    {
        return Vec::new();
    }
    let managed = [
        "helm.sh/hook-delete-policy",
        "argocd.argoproj.io/hook-delete-policy",
    ]
    .iter()
    .any(|k| w.object.path(&["metadata", "annotations", k]).is_some());
    if managed {
        return Vec::new();
    }
    let anchor = spec.entries().first().map_or(spec, |(k, _)| k);
    vec![
        hit_at(
            anchor,
            format!(
                "{} sets no ttlSecondsAfterFinished: the finished Job and its pods stay, and re-applying \
                 it with a changed template fails (the template is immutable)",
                w.label()
            ),
        )
        .with_fix("ttlSecondsAfterFinished: 86400   # keep a day for logs, then clean up"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: m:1}]
";

    #[test]
    fn flags_a_job_without_ttl() {
        let hits = run(check, JOB);
        assert_eq!(lines(&hits), [6]);
        assert!(hits[0].message.contains("Job/migrate"));
    }

    #[test]
    fn ttl_hooks_and_cronjobs_pass() {
        assert!(
            run(
                check,
                &JOB.replace("  backoffLimit: 2\n", "  ttlSecondsAfterFinished: 600\n")
            )
            .is_empty()
        );
        let hook = JOB.replace(
            "  name: migrate\n",
            "  name: migrate\n  annotations: {helm.sh/hook: pre-upgrade, helm.sh/hook-delete-policy: hook-succeeded}\n",
        );
        assert!(run(check, &hook).is_empty());
        let cron = "apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: \"@daily\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: c:1}]
";
        assert!(run(check, cron).is_empty());
    }
}
