//! # PK059: API access through the namespace's default service account
//!
//! Flags a workload that asks for its service-account token
//! (`automountServiceAccountToken: true`) while running as the `default`
//! ServiceAccount (no `serviceAccountName`, or `serviceAccountName:
//! default`).
//!
//! A pod that mounts its token on purpose means to use it: to call the
//! Kubernetes API, or to prove its identity to Vault, a cloud IAM
//! (workload identity) or a service mesh. Whatever that identity is
//! granted — a RoleBinding, a Vault role bound to the account, an IAM
//! binding — is then granted to `default`, which every pod in the
//! namespace that does not choose an account runs as. One workload's
//! permissions silently become the whole namespace's. A dedicated account
//! keeps them, and the audit trail, with the workload that needs them.
//!
//! Pods that simply leave `automountServiceAccountToken` unset get the
//! token too; PK037 reports those (for any account), so this rule does not
//! repeat it.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   template:
//!     spec:
//!       automountServiceAccountToken: true
//!       containers: [{name: reconciler, image: registry.example.com/reconciler:0.9}]
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   template:
//!     spec:
//!       serviceAccountName: reconciler   # bound to exactly the Role it needs
//!       automountServiceAccountToken: true
//!       containers: [{name: reconciler, image: registry.example.com/reconciler:0.9}]
//! ```
//!
//! ## Fix
//! ```yaml
//! serviceAccountName: reconciler   # kubectl create serviceaccount reconciler; bind its Role to it
//! ```
//!
//! ## Incident it prevents
//! A reconciler that needed to patch ConfigMaps got its RoleBinding on the
//! `default` account of the `shop` namespace; when the storefront in the
//! same namespace was compromised, its token (also `default`) could rewrite
//! every ConfigMap, including the payment service's feature flags.

use crate::{Context, Hit, Meta, hit_at, pod_anchor};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK059",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A pod asks for its API token but runs as the namespace's default ServiceAccount",
};

pub const PEERS: &[&str] = &["kube-linter:default-service-account"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let Some(token) = w
        .pod("automountServiceAccountToken")
        .filter(|n| n.as_bool() == Some(true))
    else {
        return Vec::new();
    };
    let named = |key: &str| {
        w.pod(key)
            .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()))
    };
    // serviceAccountName wins; the deprecated serviceAccount is its alias.
    let account = named("serviceAccountName").or_else(|| named("serviceAccount"));
    let who = w.label();
    let fix = "serviceAccountName: app   # a dedicated ServiceAccount; bind its Role to it, not to default";
    match account {
        Some(n) if n.as_str() == Some("default") => vec![
            hit_at(
                n,
                format!(
                    "{who} mounts its API token as the namespace's default ServiceAccount: whatever \
                     it is granted, every pod in the namespace that picks no account gets too"
                ),
            )
            .with_fix(fix),
        ],
        Some(_) => Vec::new(),
        None => vec![
            hit_at(
                w.pod_spec
                    .entry("automountServiceAccountToken")
                    .map_or_else(|| pod_anchor(w), |(k, _)| k),
                format!(
                    "{who} asks for its API token (automountServiceAccountToken: {}) but sets no \
                     serviceAccountName: it runs as the namespace's default ServiceAccount, shared \
                     with every pod that picks none",
                    token.as_str().unwrap_or("true")
                ),
            )
            .with_fix(fix),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_explicit_tokens_on_the_default_account() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: reconciler}
spec:
  template:
    spec:
      automountServiceAccountToken: true
      containers: [{name: r, image: r:1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: default
          automountServiceAccountToken: yes
          restartPolicy: Never
          containers: [{name: c, image: c:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 18]);
        assert!(
            hits[0].message.contains("sets no serviceAccountName"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1]
                .message
                .contains("CronJob/c mounts its API token as the namespace's default")
        );
    }

    #[test]
    fn dedicated_accounts_and_unset_or_false_tokens_pass() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  serviceAccountName: reconciler
  automountServiceAccountToken: true
  containers: [{name: a, image: a:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec:
  automountServiceAccountToken: false
  containers: [{name: b, image: b:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec:
  containers: [{name: c, image: c:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: d}
spec:
  serviceAccount: legacy
  automountServiceAccountToken: true
  containers: [{name: d, image: d:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: e}
spec:
  automountServiceAccountToken: \"true\"
  containers: [{name: e, image: e:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
