//! # PK037: service-account token mounted automatically
//!
//! Flags pods that do not set `automountServiceAccountToken: false`. By
//! default every container gets a token for the pod's service account at
//! `/var/run/secrets/kubernetes.io/serviceaccount`, whether or not the
//! application ever calls the Kubernetes API; anyone who can read files in
//! the container (a path traversal, an SSRF to `file://`, a shell) can then
//! act as that service account, with whatever RBAC it has been given, now
//! or later. Most application pods never use it.
//!
//! This is advice (info): a pod that does talk to the API server (an
//! operator, a controller, a CI runner) needs the token and should keep it,
//! ideally on a dedicated service account with narrow RBAC. The rule reads
//! the pod spec only: a `false` on the ServiceAccount object also works, but
//! the pod's setting wins when both are set, so the pod is the place to
//! state it.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   containers:
//!     - name: api
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   automountServiceAccountToken: false
//!   containers:
//!     - name: api
//! ```
//!
//! ## Fix
//! Set `automountServiceAccountToken: false` in the pod spec. A workload
//! that needs API access keeps it, uses its own service account, and can
//! mount a short-lived, audience-bound token through a projected volume.
//!
//! ## Incident it prevents
//! An SSRF bug in an image-thumbnail service read
//! `file:///var/run/secrets/kubernetes.io/serviceaccount/token`; the
//! namespace's default service account had been bound to an "edit" role for
//! a one-off job, and the attacker listed every Secret in the namespace.

use super::pk020::{shown, typed_note};
use crate::{Context, Hit, Meta, hit_at, pod_anchor};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK037",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "The pod mounts a service-account token automatically (automountServiceAccountToken is not false)",
};

pub const PEERS: &[&str] = &[
    "polaris:automountServiceAccountToken",
    "kyverno:restrict-automount-sa-token",
    "checkov:CKV_K8S_38",
    "trivy:KSV036",
];

const FIX: &str = "automountServiceAccountToken: false   # in the pod spec, unless the app calls the Kubernetes API";

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let setting = w
        .pod("automountServiceAccountToken")
        .filter(|v| !v.is_null());
    if setting.and_then(Node::as_bool) == Some(false) {
        return Vec::new();
    }
    let account = w
        .pod("serviceAccountName")
        .or_else(|| w.pod("serviceAccount"))
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()));
    let whose = match account.and_then(Node::as_str) {
        Some("default") | None => "the namespace's default service account".to_string(),
        Some(sa) => format!("service account {sa:?}"),
    };
    let hit = match setting {
        Some(v) if v.as_bool() == Some(true) => hit_at(
            v,
            format!(
                "{} mounts a token of {whose} into every container (automountServiceAccountToken: true): anyone who can read a file in the pod can act as it; keep it only if the app calls the Kubernetes API",
                w.label()
            ),
        ),
        Some(v) => hit_at(
            v,
            format!(
                "{} has automountServiceAccountToken: {}{}, not false",
                w.label(),
                shown(v),
                typed_note(v)
            ),
        ),
        None => hit_at(
            account.unwrap_or_else(|| pod_anchor(w)),
            format!(
                "{} does not set automountServiceAccountToken: false: every container gets a token of {whose}, which anyone who can read a file in the pod can use; keep it only if the app calls the Kubernetes API",
                w.label()
            ),
        ),
    };
    vec![hit.with_fix(FIX)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_automounted_tokens() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      serviceAccountName: web
      containers: [{name: a}]
---
kind: Pod
metadata: {name: p}
spec:
  automountServiceAccountToken: true
  containers: [{name: a}]
---
kind: Pod
metadata: {name: q}
spec:
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 13, 19]);
        assert!(
            hits[0].message.contains("service account \"web\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1]
                .message
                .contains("automountServiceAccountToken: true")
        );
        assert!(hits[2].message.contains("default service account"));
    }

    #[test]
    fn false_passes_quoted_does_not() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  automountServiceAccountToken: false
  containers: [{name: a}]
---
kind: Pod
metadata: {name: q}
spec:
  automountServiceAccountToken: \"false\"
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10]);
        assert!(hits[0].message.contains("quoted"));
    }
}
