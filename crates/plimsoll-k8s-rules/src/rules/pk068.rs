//! # PK068: selector missing or not matching the pod template's labels
//!
//! A controller finds its pods by `spec.selector`. The API server refuses
//! an `apps/v1` Deployment, StatefulSet, DaemonSet or ReplicaSet (and an
//! Argo Rollout) whose selector is missing, empty, malformed, or does not
//! select the labels of its own pod template (`selector does not match
//! template labels`); a ReplicationController's optional selector must
//! match too. This rule reports each of those before the apply does:
//!
//! - no `spec.selector`, or one with neither `matchLabels` nor
//!   `matchExpressions`;
//! - a `matchExpressions` entry with an unknown operator, or whose
//!   `values` do not fit it (`In`/`NotIn` need values,
//!   `Exists`/`DoesNotExist` take none);
//! - a selector the pod template's labels do not satisfy.
//!
//! A workload with neither a selector nor template labels is the usual
//! shape of a Kustomize base whose kustomization adds both; that case is a
//! warning, not an error.
//!
//! For Jobs it reports a `spec.selector` written without `manualSelector:
//! true`: the API generates a Job's selector itself and refuses one it did
//! not generate. That is what happens when a Job exported with `kubectl
//! get -o yaml` (which carries the generated `controller-uid` selector) is
//! applied again.
//!
//! ## Bad
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! spec:
//!   selector:
//!     matchLabels: {app: web, tier: frontend}
//!   template:
//!     metadata:
//!       labels: {app: web}
//! ```
//!
//! ## Good
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! spec:
//!   selector:
//!     matchLabels: {app: web}
//!   template:
//!     metadata:
//!       labels: {app: web, tier: frontend}
//! ```
//!
//! ## Fix
//! ```yaml
//! spec:
//!   selector:
//!     matchLabels: {app: web}   # every pair also in template.metadata.labels
//! ```
//!
//! ## Incident it prevents
//! A refactor renamed the pod template label `app: api` to
//! `app.kubernetes.io/name: api` but left the selector alone; the deploy
//! failed at apply time in the release window, and because `spec.selector`
//! is immutable the fix needed the Deployment deleted and recreated.

use crate::{Context, Hit, Meta, hit_at, pod_anchor};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Node, Value};

pub const META: Meta = Meta {
    code: "PK068",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A controller's selector is missing, malformed or does not select its own pods",
};

pub const PEERS: &[&str] = &[
    "kube-linter:mismatching-selector",
    "kube-score:deployment-pod-selector-labels-match-template-metadata-labels",
    "kube-score:statefulset-pod-selector-labels-match-template-metadata-labels",
];

/// The value of label `key` in a labels mapping.
fn label<'a>(labels: Option<&'a Node>, key: &str) -> Option<&'a str> {
    labels?.get(key).and_then(Node::as_str)
}

/// Whether a `LabelSelector` (`matchLabels`, `matchExpressions`) selects a
/// set of labels: `Err(why)` when the selector is malformed. An empty
/// selector selects everything; the caller decides what a missing or null
/// one means.
pub(crate) fn selector_matches(selector: &Node, labels: Option<&Node>) -> Result<bool, String> {
    if !selector.is_map() {
        return Err("is not a mapping".into());
    }
    let mut matches = true;
    if let Some(ml) = selector.get("matchLabels").filter(|n| !n.is_null()) {
        if !ml.is_map() {
            return Err("has a matchLabels that is not a mapping".into());
        }
        for (k, v) in ml.entries() {
            let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
                return Err("has a matchLabels entry that is not a string pair".into());
            };
            if label(labels, k) != Some(v) {
                matches = false;
            }
        }
    }
    if let Some(me) = selector.get("matchExpressions").filter(|n| !n.is_null()) {
        let Value::Seq(items) = &me.value else {
            return Err("has a matchExpressions that is not a list".into());
        };
        for e in items {
            let Some(key) = e.str_at("key").filter(|k| !k.is_empty()) else {
                return Err("has a matchExpressions entry without a key".into());
            };
            let values: Vec<&str> = e
                .get("values")
                .map(|v| v.items().iter().filter_map(Node::as_str).collect())
                .unwrap_or_default();
            let have = label(labels, key);
            let ok = match e.str_at("operator").unwrap_or("") {
                op @ ("In" | "NotIn") => {
                    if values.is_empty() {
                        return Err(format!("uses operator {op} on {key} with no values"));
                    }
                    let inside = have.is_some_and(|h| values.contains(&h));
                    if op == "In" { inside } else { !inside }
                }
                op @ ("Exists" | "DoesNotExist") => {
                    if !values.is_empty() {
                        return Err(format!("uses operator {op} on {key} with values"));
                    }
                    (op == "Exists") == have.is_some()
                }
                other => {
                    return Err(format!(
                        "uses operator {other:?} on {key} (In, NotIn, Exists or DoesNotExist)"
                    ));
                }
            };
            if !ok {
                matches = false;
            }
        }
    }
    Ok(matches)
}

fn labels_text(labels: Option<&Node>) -> String {
    let pairs: Vec<String> = labels
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|(k, v)| Some(format!("{}={}", k.as_str()?, v.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    if pairs.is_empty() {
        "none".into()
    } else {
        pairs.join(", ")
    }
}

/// Up to two `key: value` pairs of the template's labels, for fixes.
fn pairs(labels: Option<&Node>) -> String {
    let pairs: Vec<String> = labels
        .map(|l| {
            l.entries()
                .iter()
                .filter_map(|(k, v)| Some(format!("{}: {}", k.as_str()?, v.as_str()?)))
                .take(2)
                .collect()
        })
        .unwrap_or_default();
    if pairs.is_empty() {
        "app: web".into()
    } else {
        pairs.join(", ")
    }
}

fn fix_from(labels: Option<&Node>) -> String {
    let p = pairs(labels);
    if labels.is_none_or(|l| l.entries().is_empty()) {
        format!(
            "spec:\n  selector:\n    matchLabels: {{{p}}}\n  template:\n    metadata:\n      labels: {{{p}}}"
        )
    } else {
        format!("spec:\n  selector:\n    matchLabels: {{{p}}}")
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let group = super::pk050::api_group(w.api_version);
    let spec = w.object.get("spec");
    let selector_entry = spec.and_then(|s| s.entry("selector"));
    let labels = w
        .pod_metadata
        .and_then(|m| m.get("labels"))
        .filter(|n| !n.is_null());
    let who = w.label();

    if w.kind == "Job" && group == "batch" {
        let manual = spec
            .and_then(|s| s.get("manualSelector"))
            .and_then(Node::as_bool);
        if let Some((k, sel)) = selector_entry.filter(|(_, v)| !v.is_null()) {
            if manual != Some(true) {
                return vec![
                    hit_at(
                        k,
                        format!(
                            "{who} sets spec.selector without manualSelector: true: the API \
                             generates a Job's selector and refuses this one (an exported Job \
                             carries its old controller-uid)"
                        ),
                    )
                    .with_fix(
                        "# delete spec.selector and the controller-uid labels of the template",
                    ),
                ];
            }
            if let Ok(false) = selector_matches(sel, labels) {
                return vec![
                    hit_at(
                        sel,
                        format!(
                            "{who}'s selector does not select its pod template's labels ({})",
                            labels_text(labels)
                        ),
                    )
                    .with_fix(fix_from(labels)),
                ];
            }
        }
        return Vec::new();
    }

    let required = match w.kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => {
            group == "apps" && w.api_version == "apps/v1"
        }
        "Rollout" => super::pk050::builtin_workload(w),
        "ReplicationController" => {
            // An optional plain map: when set, it must match the template.
            if !group.is_empty() {
                return Vec::new();
            }
            let Some((_, sel)) = selector_entry.filter(|(_, v)| !v.is_null()) else {
                return Vec::new();
            };
            let mismatch: Vec<String> = sel
                .entries()
                .iter()
                .filter_map(|(k, v)| {
                    let (k, v) = (k.as_str()?, v.as_str()?);
                    (label(labels, k) != Some(v)).then(|| format!("{k}={v}"))
                })
                .collect();
            if mismatch.is_empty() {
                return Vec::new();
            }
            return vec![
                hit_at(
                    sel,
                    format!(
                        "{who}'s selector ({}) is not among its pod template's labels ({}): the API \
                         server refuses it",
                        mismatch.join(", "),
                        labels_text(labels)
                    ),
                )
                .with_fix(format!("spec:\n  selector: {{{}}}", pairs(labels))),
            ];
        }
        _ => false,
    };
    if !required {
        return Vec::new();
    }
    let Some((key, sel)) = selector_entry.filter(|(_, v)| !v.is_null()) else {
        let anchor = spec
            .and_then(|s| s.entries().first().map(|(k, _)| k))
            .unwrap_or_else(|| pod_anchor(w));
        if labels.is_none_or(|l| l.entries().is_empty()) {
            // No selector and no template labels: the shape of a Kustomize
            // base whose kustomization adds both (`labels`/`commonLabels`).
            return vec![
                hit_at(
                    anchor,
                    format!(
                        "{who} has no spec.selector and its pod template no labels: {} refuses this \
                         unless a kustomization (labels/commonLabels) adds both",
                        w.api_version
                    ),
                )
                .with_severity(Severity::Warning)
                .with_fix(fix_from(labels)),
            ];
        }
        return vec![
            hit_at(
                anchor,
                format!("{who} has no spec.selector: {} requires one matching the pod template's labels", w.api_version),
            )
            .with_fix(fix_from(labels)),
        ];
    };
    let empty = sel.is_map()
        && sel
            .get("matchLabels")
            .is_none_or(|m| m.entries().is_empty())
        && sel
            .get("matchExpressions")
            .is_none_or(|m| m.items().is_empty());
    if empty {
        return vec![
            hit_at(key, format!("{who} has an empty selector: the API server refuses it (it would select every pod in the namespace)"))
                .with_fix(fix_from(labels)),
        ];
    }
    match selector_matches(sel, labels) {
        Err(why) => vec![
            hit_at(
                sel,
                format!("{who}'s selector {why}: the API server refuses it"),
            )
            .with_fix(fix_from(labels)),
        ],
        Ok(false) => vec![
            hit_at(
                sel,
                format!(
                    "{who}'s selector does not select its own pod template (labels: {}): the API \
                     server refuses it with `selector does not match template labels`",
                    labels_text(labels)
                ),
            )
            .with_fix(fix_from(labels)),
        ],
        Ok(true) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn deploy(selector: &str, labels: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
{selector}  template:
    metadata:
      labels: {labels}
    spec:
      containers: [{{name: web, image: web:1}}]
"
        )
    }

    #[test]
    fn mismatching_and_missing_selectors() {
        let hits = run(
            check,
            &deploy(
                "  selector:\n    matchLabels: {app: web, tier: fe}\n",
                "{app: web}",
            ),
        );
        assert_eq!(lines(&hits), [7]);
        assert!(
            hits[0].message.contains("labels: app=web"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("matchLabels: {app: web}")
        );

        let hits = run(check, &deploy("", "{app: web}"));
        assert_eq!(lines(&hits), [5]);
        assert!(hits[0].message.contains("no spec.selector"));
        assert_eq!(hits[0].severity, None);
        let hits = run(check, &deploy("", "{}"));
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert!(
            hits[0].message.contains("kustomization"),
            "{}",
            hits[0].message
        );

        let hits = run(check, &deploy("  selector: {}\n", "{app: web}"));
        assert_eq!(lines(&hits), [6]);
        assert!(hits[0].message.contains("empty selector"));

        let hits = run(
            check,
            &deploy(
                "  selector:\n    matchExpressions:\n      - {key: app, operator: in, values: [web]}\n",
                "{app: web}",
            ),
        );
        assert!(
            hits[0].message.contains("operator \"in\""),
            "{}",
            hits[0].message
        );
        let hits = run(
            check,
            &deploy(
                "  selector:\n    matchExpressions:\n      - {key: app, operator: Exists, values: [web]}\n",
                "{app: web}",
            ),
        );
        assert!(
            hits[0].message.contains("with values"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn matching_selectors_pass() {
        assert!(
            run(
                check,
                &deploy(
                    "  selector:\n    matchLabels: {app: web}\n",
                    "{app: web, tier: fe}"
                )
            )
            .is_empty()
        );
        let exprs = "  selector:\n    matchExpressions:\n      - {key: app, operator: In, values: [web, api]}\n      - {key: canary, operator: DoesNotExist}\n      - {key: tier, operator: NotIn, values: [db]}\n";
        assert!(run(check, &deploy(exprs, "{app: web}")).is_empty());
        // Removed versions are PK050's business; their selectors defaulted.
        let old = deploy("", "{app: web}").replace("apps/v1", "extensions/v1beta1");
        assert!(run(check, &old).is_empty());
    }

    #[test]
    fn jobs_and_replication_controllers() {
        let job = "apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  selector:
    matchLabels: {controller-uid: 1234}
  template:
    metadata:
      labels: {controller-uid: 1234}
    spec:
      restartPolicy: Never
      containers: [{name: m, image: m:1}]
";
        let hits = run(check, job);
        assert_eq!(lines(&hits), [5]);
        assert!(hits[0].message.contains("manualSelector"));
        assert!(
            run(
                check,
                &job.replace(
                    "spec:\n  selector",
                    "spec:\n  manualSelector: true\n  selector"
                )
            )
            .is_empty()
        );
        assert!(
            run(
                check,
                &job.replace("  selector:\n    matchLabels: {controller-uid: 1234}\n", "")
            )
            .is_empty()
        );

        let rc = "apiVersion: v1
kind: ReplicationController
metadata: {name: old}
spec:
  selector: {app: old, tier: x}
  template:
    metadata:
      labels: {app: old}
    spec:
      containers: [{name: o, image: o:1}]
";
        let hits = run(check, rc);
        assert_eq!(lines(&hits), [5]);
        assert!(hits[0].message.contains("tier=x"), "{}", hits[0].message);
        assert!(
            run(
                check,
                &rc.replace("selector: {app: old, tier: x}", "selector: {app: old}")
            )
            .is_empty()
        );
    }

    #[test]
    fn no_template_labels_and_pods_and_crds() {
        let yaml = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template:
    spec:
      containers: [{name: db, image: db:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a, image: a:1}]
---
apiVersion: apps.kruise.io/v1beta1
kind: StatefulSet
metadata: {name: k}
spec:
  template:
    spec:
      containers: [{name: a, image: a:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [5]);
        assert!(hits[0].message.contains("labels: none"));
    }
}
