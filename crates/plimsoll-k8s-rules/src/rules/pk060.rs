//! # PK060: deprecated `serviceAccount` field
//!
//! `spec.serviceAccount` is a deprecated alias of `serviceAccountName`,
//! kept only for old clients. The API server resolves the two like this:
//!
//! - only `serviceAccount` set: it is copied into `serviceAccountName`.
//!   This works, but tools and reviewers that read `serviceAccountName`
//!   see none (`info`);
//! - both set and different: `serviceAccountName` wins and
//!   `serviceAccount` is silently ignored, so the pods do not run as the
//!   account the line suggests (`warning`).
//!
//! Both set to the same account is harmless and not reported.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   serviceAccount: reporting
//!   serviceAccountName: default
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   serviceAccountName: reporting
//! ```
//!
//! ## Fix
//! ```yaml
//! serviceAccountName: reporting   # and delete serviceAccount
//! ```
//!
//! ## Incident it prevents
//! A Helm chart set `serviceAccount:` from values while its base template
//! hard-coded `serviceAccountName: default`; the reporting job ran without
//! the cloud IAM role bound to its account and silently uploaded nothing
//! for a week.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK060",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "The pod uses the deprecated serviceAccount field",
};

pub const PEERS: &[&str] = &["kube-linter:deprecated-service-account-field"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let Some(node) = w.pod("serviceAccount") else {
        return Vec::new();
    };
    let Some(sa) = node.as_str().filter(|s| !s.is_empty() && !node.is_null()) else {
        return Vec::new();
    };
    let san = w
        .pod("serviceAccountName")
        .filter(|n| !n.is_null())
        .and_then(|n| n.as_str())
        .unwrap_or("");
    let who = w.label();
    if san.is_empty() {
        return vec![
            hit_at(
                node,
                format!(
                    "{who} sets the deprecated serviceAccount ({sa}) instead of serviceAccountName: it \
                     works as an alias, but tools reading serviceAccountName see none"
                ),
            )
            .with_severity(Severity::Info)
            .with_fix(format!("serviceAccountName: {sa}   # and delete serviceAccount")),
        ];
    }
    if san != sa {
        return vec![
            hit_at(
                node,
                format!(
                    "{who} sets serviceAccount: {sa} but serviceAccountName: {san}: the pods run as \
                     {san} and serviceAccount is ignored"
                ),
            )
            .with_fix(format!("serviceAccountName: {sa}   # the account the pods should use; delete serviceAccount")),
        ];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn conflicting_and_alias_only() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: r}
spec:
  template:
    spec:
      serviceAccount: reporting
      serviceAccountName: default
      containers: [{name: r, image: r:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  serviceAccount: legacy
  containers: [{name: p, image: p:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 15]);
        assert!(
            hits[0].message.contains("run as default"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[0].severity, None);
        assert_eq!(hits[1].severity, Some(Severity::Info));
        assert_eq!(
            hits[1].fix.as_deref(),
            Some("serviceAccountName: legacy   # and delete serviceAccount")
        );
    }

    #[test]
    fn matching_or_absent_passes() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  serviceAccount: web
  serviceAccountName: web
  containers: [{name: a, image: a:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  serviceAccount: ~
  serviceAccountName: web
  containers: [{name: b, image: b:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
