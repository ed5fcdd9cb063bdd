//! # PK063: CronJob without a usable startingDeadlineSeconds
//!
//! `startingDeadlineSeconds` bounds how late a CronJob's run may start
//! when its scheduled time was missed (control-plane outage, controller
//! restart, `concurrencyPolicy: Forbid` waiting for the previous run,
//! `suspend` lifted). This rule reports:
//!
//! - **no deadline** (`info`): a missed run starts whenever the controller
//!   gets to it, however late: a 02:00 report job may run at 09:30 in the
//!   middle of business traffic. Controllers before Kubernetes 1.21 also
//!   stopped scheduling altogether after more than 100 missed times, and
//!   current ones still emit `TooManyMissedTimes` warnings.
//! - **a deadline under 10 seconds** (`warning`): the CronJob controller
//!   does not check to the second, and the Kubernetes documentation warns
//!   that such a CronJob may not be scheduled at all.
//!
//! ## Bad
//! ```yaml
//! apiVersion: batch/v1
//! kind: CronJob
//! spec:
//!   schedule: "0 2 * * *"
//! ```
//!
//! ## Good
//! ```yaml
//! apiVersion: batch/v1
//! kind: CronJob
//! spec:
//!   schedule: "0 2 * * *"
//!   startingDeadlineSeconds: 3600   # skip the run if it cannot start by 03:00
//! ```
//!
//! ## Fix
//! ```yaml
//! startingDeadlineSeconds: 600   # how late a run may still usefully start
//! ```
//!
//! ## Incident it prevents
//! After a six-hour control-plane outage the nightly index rebuild, which
//! locks the search tables, started at 08:40 as soon as the controller came
//! back, and search was unavailable through the morning peak.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK063",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "A CronJob has no startingDeadlineSeconds, or one under 10 seconds",
};

pub const PEERS: &[&str] = &["kube-score:cronjob-has-deadline"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if w.kind != "CronJob" || !super::pk050::builtin_workload(w) {
        return Vec::new();
    }
    let Some(spec) = w.object.get("spec") else {
        return Vec::new();
    };
    let who = w.label();
    let fix = "startingDeadlineSeconds: 600   # how late a missed run may still usefully start";
    match spec.get("startingDeadlineSeconds").filter(|n| !n.is_null()) {
        None => {
            let anchor = spec
                .entry("schedule")
                .or_else(|| spec.entries().first().map(|(k, v)| (k, v)))
                .map_or(spec, |(k, _)| k);
            vec![
                hit_at(
                    anchor,
                    format!(
                        "{who} has no startingDeadlineSeconds: a missed run starts whenever the \
                         controller catches up, however late"
                    ),
                )
                .with_fix(fix),
            ]
        }
        Some(n) => match n.as_i64() {
            Some(v) if v < 10 => vec![
                hit_at(
                    n,
                    format!(
                        "{who} sets startingDeadlineSeconds: {v}: the controller does not check that \
                         often, so runs may be skipped entirely"
                    ),
                )
                .with_severity(Severity::Warning)
                .with_fix(fix),
            ],
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn cron(extra: &str) -> String {
        format!(
            "apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly}}
spec:
  schedule: \"0 2 * * *\"
{extra}  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: n, image: n:1}}]
"
        )
    }

    #[test]
    fn missing_and_too_short_deadlines() {
        let hits = run(check, &cron(""));
        assert_eq!(lines(&hits), [5]);
        assert_eq!(hits[0].severity, None);
        let hits = run(check, &cron("  startingDeadlineSeconds: 5\n"));
        assert_eq!(lines(&hits), [6]);
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert!(hits[0].message.contains("startingDeadlineSeconds: 5"));
    }

    #[test]
    fn usable_deadlines_and_other_kinds_pass() {
        assert!(run(check, &cron("  startingDeadlineSeconds: 600\n")).is_empty());
        assert!(run(check, &cron("  startingDeadlineSeconds: 10\n")).is_empty());
        let job = "apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: j, image: j:1}]
";
        assert!(run(check, job).is_empty());
    }
}
