//! # PK050: workload apiVersion that no current Kubernetes serves
//!
//! Checks the `apiVersion` of every workload whose kind is a built-in one
//! (Pod, ReplicationController, PodTemplate, Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Job, CronJob). The API server only accepts a kind
//! in the group versions that serve it; anything else is refused at apply
//! time (`no matches for kind "Deployment" in version "extensions/v1beta1"`),
//! so the manifest cannot be deployed at all:
//!
//! | apiVersion | kinds | removed in | use instead |
//! |---|---|---|---|
//! | `extensions/v1beta1` | Deployment, DaemonSet, ReplicaSet | 1.16 | `apps/v1` (since 1.9) |
//! | `apps/v1beta1` | Deployment, StatefulSet | 1.16 | `apps/v1` (since 1.9) |
//! | `apps/v1beta2` | Deployment, StatefulSet, DaemonSet, ReplicaSet | 1.16 | `apps/v1` (since 1.9) |
//! | `batch/v2alpha1` | CronJob | 1.21 | `batch/v1` (since 1.21) |
//! | `batch/v1beta1` | CronJob | 1.25 | `batch/v1` (since 1.21) |
//!
//! A built-in kind under a version that never served it (`v1` Deployment,
//! `apps/v1` Pod, `apps/v1alpha1` Deployment) and a workload with no
//! `apiVersion` at all are refused the same way. Kinds of other API
//! groups (custom resources such as `apps.kruise.io` StatefulSets or Argo
//! Rollouts) are left alone.
//!
//! Moving to `apps/v1` is more than a rename: `apps/v1` requires
//! `spec.selector`, and it must match the pod template's labels (PK068).
//!
//! ## Bad
//! ```yaml
//! apiVersion: extensions/v1beta1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec:
//!       containers: [{name: web, image: registry.example.com/web:1.4.2}]
//! ```
//!
//! ## Good
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   selector: {matchLabels: {app: web}}
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec:
//!       containers: [{name: web, image: registry.example.com/web:1.4.2}]
//! ```
//!
//! ## Fix
//! ```yaml
//! apiVersion: apps/v1
//! spec:
//!   selector:
//!     matchLabels: {app: web}   # the pod template's labels
//! ```
//!
//! ## Incident it prevents
//! A cluster upgrade to 1.25 went through, and the next release of the
//! nightly-report CronJob failed in the pipeline with `no matches for kind
//! "CronJob" in version "batch/v1beta1"`; the old CronJob object had been
//! converted in place, so nobody noticed until the report was due.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Workload;

pub const META: Meta = Meta {
    code: "PK050",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A workload's apiVersion is removed or never served its kind",
};

pub const PEERS: &[&str] = &[
    "kube-linter:no-extensions-v1beta",
    "kube-score:stable-version",
    "kyverno:check-deprecated-apis",
    "trivy:KSV107",
];

/// The API group of an `apiVersion` (`""` for the core group).
pub(crate) fn api_group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// Whether a workload is one of Kubernetes' own kinds (core, `apps`,
/// `batch`, `extensions` groups) or an Argo Rollout, whose pod-template
/// rules the API enforces; custom resources that reuse a kind name are not.
pub(crate) fn builtin_workload(w: &Workload) -> bool {
    if w.kind == "Rollout" {
        return w.api_version.starts_with("argoproj.io/");
    }
    matches!(
        api_group(w.api_version),
        "" | "apps" | "batch" | "extensions"
    )
}

/// The one apiVersion current Kubernetes serves a built-in kind in.
fn served(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" | "ReplicationController" | "PodTemplate" => Some("v1"),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => Some("apps/v1"),
        "Job" | "CronJob" => Some("batch/v1"),
        _ => None,
    }
}

/// (removed in, replacement available since) for versions that once
/// served a kind.
fn removed(api_version: &str, kind: &str) -> Option<(&'static str, &'static str)> {
    match (api_version, kind) {
        ("extensions/v1beta1", "Deployment" | "DaemonSet" | "ReplicaSet")
        | ("apps/v1beta1", "Deployment" | "StatefulSet")
        | ("apps/v1beta2", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet") => {
            Some(("1.16", "1.9"))
        }
        ("batch/v2alpha1", "CronJob") => Some(("1.21", "1.21")),
        ("batch/v1beta1", "CronJob") => Some(("1.25", "1.21")),
        _ => None,
    }
}

fn fix_for(target: &str) -> String {
    if target == "apps/v1" {
        "apiVersion: apps/v1\nspec:\n  selector:\n    matchLabels: {app: web}   # must match the pod template's labels"
            .to_string()
    } else {
        format!("apiVersion: {target}")
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let Some(target) = served(w.kind) else {
        return Vec::new();
    };
    let label = w.label();
    let node = w.object.get("apiVersion").filter(|n| !n.is_null());
    let Some(node) = node else {
        let anchor = w.object.entry("kind").map_or(w.object, |(k, _)| k);
        return vec![
            hit_at(
                anchor,
                format!("{label} has no apiVersion: the API server cannot decode it; use {target}"),
            )
            .with_fix(fix_for(target)),
        ];
    };
    let Some(av) = node.as_str() else {
        return vec![
            hit_at(
                node,
                format!("{label}'s apiVersion is not a string; use {target}"),
            )
            .with_fix(fix_for(target)),
        ];
    };
    if av == target || !matches!(api_group(av), "" | "apps" | "batch" | "extensions") {
        return Vec::new();
    }
    let message = if let Some((gone, since)) = removed(av, w.kind) {
        format!(
            "{label} uses apiVersion {av}, removed in Kubernetes {gone}: the API server refuses it; \
             use {target} (served since {since})"
        )
    } else if av.is_empty() {
        format!("{label} has an empty apiVersion: the API server cannot decode it; use {target}")
    } else {
        format!(
            "{label} uses apiVersion {av}, which serves no {} in any Kubernetes release: the API \
             server refuses it; use {target}",
            w.kind
        )
    };
    vec![hit_at(node, message).with_fix(fix_for(target))]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn doc(api: &str, kind: &str) -> String {
        let spec = match kind {
            "CronJob" => {
                "spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: a, image: a:1}]\n"
            }
            "Pod" => "spec:\n  containers: [{name: a, image: a:1}]\n",
            _ => "spec:\n  template:\n    spec:\n      containers: [{name: a, image: a:1}]\n",
        };
        format!("apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x}}\n{spec}")
    }

    #[test]
    fn removed_versions_name_the_release_and_the_replacement() {
        let hits = run(check, &doc("extensions/v1beta1", "Deployment"));
        assert_eq!(lines(&hits), [1]);
        let m = &hits[0].message;
        assert!(
            m.contains("removed in Kubernetes 1.16") && m.contains("apps/v1"),
            "{m}"
        );
        assert!(hits[0].fix.as_deref().unwrap_or("").contains("selector"));

        let hits = run(check, &doc("batch/v1beta1", "CronJob"));
        assert_eq!(lines(&hits), [1]);
        assert!(hits[0].message.contains("1.25") && hits[0].message.contains("batch/v1"));

        for (api, kind) in [
            ("apps/v1beta1", "StatefulSet"),
            ("apps/v1beta2", "DaemonSet"),
            ("extensions/v1beta1", "ReplicaSet"),
        ] {
            let hits = run(check, &doc(api, kind));
            assert_eq!(hits.len(), 1, "{api} {kind}");
            assert!(hits[0].message.contains("1.16"), "{}", hits[0].message);
        }
    }

    #[test]
    fn wrong_group_and_missing_version_are_errors() {
        let hits = run(check, &doc("v1", "Deployment"));
        assert!(
            hits[0].message.contains("serves no Deployment"),
            "{}",
            hits[0].message
        );
        let hits = run(check, &doc("apps/v1", "Pod"));
        assert!(hits[0].message.contains("use v1"), "{}", hits[0].message);
        let hits = run(
            check,
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n",
        );
        assert_eq!(lines(&hits), [1]);
        assert!(hits[0].message.contains("no apiVersion"));
        let hits = run(
            check,
            "apiVersion: ~\nkind: Pod\nspec:\n  containers: [{name: a}]\n",
        );
        assert_eq!(lines(&hits), [2]);
        let hits = run(
            check,
            "apiVersion: [v1]\nkind: Pod\nspec:\n  containers: [{name: a}]\n",
        );
        assert!(hits[0].message.contains("not a string"));
    }

    #[test]
    fn current_versions_and_custom_resources_pass() {
        for (api, kind) in [
            ("apps/v1", "Deployment"),
            ("apps/v1", "StatefulSet"),
            ("batch/v1", "CronJob"),
            ("batch/v1", "Job"),
            ("v1", "Pod"),
            ("v1", "ReplicationController"),
            ("apps.kruise.io/v1beta1", "StatefulSet"),
            ("argoproj.io/v1alpha1", "Rollout"),
        ] {
            assert!(run(check, &doc(api, kind)).is_empty(), "{api} {kind}");
        }
    }
}
