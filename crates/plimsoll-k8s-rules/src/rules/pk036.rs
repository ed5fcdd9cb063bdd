//! # PK036: AppArmor switched off or set to a profile Pod Security forbids
//!
//! Checks the AppArmor profile of the pod and its containers: the
//! `appArmorProfile` field (Kubernetes 1.30+) on the pod's or a container's
//! `securityContext`, and the older pod-template annotations
//! `container.apparmor.security.beta.kubernetes.io/<container>`. On nodes
//! with AppArmor, containers get the runtime's default profile, which
//! blocks writes to `/proc` and `/sys` files and mounts; Pod Security's
//! baseline level allows only that default (`RuntimeDefault`,
//! `runtime/default`) or a profile loaded on the node (`Localhost`,
//! `localhost/<name>`). `Unconfined` (`unconfined`) removes the
//! confinement and is a warning; `Localhost` without a `localhostProfile`
//! is rejected by the API server and is an error.
//!
//! Windows pods are skipped (AppArmor is Linux-only).
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   appArmorProfile:
//!     type: Unconfined
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   appArmorProfile:
//!     type: RuntimeDefault
//! ```
//!
//! ## Fix
//! Remove the override (the runtime default applies) or set
//! `appArmorProfile: {type: RuntimeDefault}`; for a container that needs
//! more, load a dedicated profile on the nodes and use `type: Localhost`
//! with its `localhostProfile`.
//!
//! ## Incident it prevents
//! A troubleshooting sidecar ran `unconfined` to use `mount`; after it was
//! compromised, the attacker remounted `/proc/sys` writable and changed the
//! node's kernel settings, which the default profile denies.

use super::pk020::{shown, windows};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK036",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "AppArmor is Unconfined, or set to a profile Pod Security does not allow",
};

pub const PEERS: &[&str] = &["kyverno:restrict-apparmor-profiles", "trivy:KSV002"];

const FIX: &str = "securityContext:\n  appArmorProfile:\n    type: RuntimeDefault";
const ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

fn review(profile: &Node, who: &str) -> Option<Hit> {
    let Some(t) = profile.get("type").filter(|t| !t.is_null()) else {
        return Some(
            hit_at(
                profile,
                format!("{who} has an appArmorProfile without a type (the API server rejects it)"),
            )
            .with_fix(FIX)
            .with_severity(Severity::Error),
        );
    };
    let (msg, sev) = match t.as_str() {
        Some("RuntimeDefault") => return None,
        Some("Localhost") => match profile.get("localhostProfile").and_then(Node::as_str) {
            Some(p) if !p.trim().is_empty() => return None,
            _ => (
                format!(
                    "{who} has appArmorProfile type Localhost without a localhostProfile (the API server rejects it)"
                ),
                Severity::Error,
            ),
        },
        Some("Unconfined") => (
            format!(
                "{who} runs with AppArmor Unconfined: the runtime's default profile no longer blocks /proc and /sys writes or mounts"
            ),
            Severity::Warning,
        ),
        _ => (
            format!(
                "{who} has appArmorProfile type {}, which is none of RuntimeDefault, Localhost, Unconfined (the API server rejects it)",
                shown(t)
            ),
            Severity::Error,
        ),
    };
    Some(hit_at(t, msg).with_fix(FIX).with_severity(sev))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(p) = w
        .pod_spec
        .path(&["securityContext", "appArmorProfile"])
        .filter(|p| !p.is_null())
    {
        out.extend(review(
            p,
            &format!("the pod securityContext of {}", w.label()),
        ));
    }
    for c in cx.containers() {
        if let Some(p) = c
            .security_context()
            .and_then(|sc| sc.get("appArmorProfile"))
            .filter(|p| !p.is_null())
        {
            out.extend(review(p, &cx.who(c)));
        }
    }
    let annotations = w.pod_metadata.and_then(|m| m.get("annotations"));
    for (k, v) in annotations.map(Node::entries).unwrap_or(&[]) {
        let Some(container) = k.as_str().and_then(|k| k.strip_prefix(ANNOTATION)) else {
            continue;
        };
        let value = v.as_str().unwrap_or("");
        if value.is_empty() || value == "runtime/default" || value.starts_with("localhost/") {
            continue;
        }
        let why = if value == "unconfined" {
            "the container runs without AppArmor confinement"
        } else {
            "Pod Security allows only runtime/default or localhost/<profile>"
        };
        out.push(
            hit_at(
                v,
                format!(
                    "{} sets AppArmor {} for container {container:?} (annotation): {why}",
                    w.label(),
                    shown(v)
                ),
            )
            .with_fix(format!(
                "# remove the annotation, or use the field:\ncontainers:\n  - name: {container}\n    securityContext:\n      appArmorProfile: {{type: RuntimeDefault}}"
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_unconfined_fields_and_annotations() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    container.apparmor.security.beta.kubernetes.io/api: unconfined
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/api: unconfined
        container.apparmor.security.beta.kubernetes.io/side: localhost/side
        container.apparmor.security.beta.kubernetes.io/tool: docker-default
    spec:
      securityContext:
        appArmorProfile: {type: Unconfined}
      containers:
        - name: api
          securityContext:
            appArmorProfile: {type: Localhost}
        - name: side
          securityContext:
            appArmorProfile: {type: Localhost, localhostProfile: side}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [16, 20, 11, 13]);
        assert!(hits[0].message.starts_with(
            "the pod securityContext of Deployment/web runs with AppArmor Unconfined"
        ));
        assert_eq!(hits[1].severity, Some(Severity::Error));
        assert!(
            hits[2]
                .message
                .contains("for container \"api\" (annotation)"),
            "{}",
            hits[2].message
        );
        assert!(hits[3].message.contains("only runtime/default"));
    }

    #[test]
    fn defaults_windows_and_odd_shapes() {
        let yaml = "kind: Pod
metadata:
  name: p
  annotations: {container.apparmor.security.beta.kubernetes.io/a: runtime/default}
spec:
  securityContext: {appArmorProfile: {type: RuntimeDefault}}
  containers:
    - name: a
      securityContext: {appArmorProfile: null}
---
kind: Pod
metadata:
  name: w
  annotations: {container.apparmor.security.beta.kubernetes.io/a: unconfined}
spec:
  os: {name: windows}
  containers: [{name: a}]
---
kind: Pod
metadata: {name: odd, annotations: [1]}
spec:
  containers:
    - name: a
      securityContext: {appArmorProfile: 3}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [24]);
        assert_eq!(hits[0].severity, Some(Severity::Error));
    }
}
