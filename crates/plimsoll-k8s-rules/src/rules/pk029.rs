//! # PK029: no seccomp profile (or an unconfined one)
//!
//! Checks that every container runs under a seccomp profile:
//! `seccompProfile.type: RuntimeDefault`, or `Localhost` with a
//! `localhostProfile`, on the container or inherited from the pod. Unless
//! the kubelet runs with `--seccomp-default`, a pod that says nothing runs
//! `Unconfined`: all ~400 system calls reach the node's kernel, including
//! the rarely used ones (`keyctl`, `userfaultfd`, `bpf`, `unshare`, old
//! compat paths) behind most container-escape CVEs. The runtime's default
//! profile blocks those and nothing ordinary applications use. Pod
//! Security's baseline level forbids `Unconfined`; restricted requires one
//! of the two accepted types.
//!
//! The alpha annotations `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/<name>` still count as
//! an intent, but Kubernetes stopped honouring them (fully in 1.27): a
//! container protected only by an annotation is reported as info, one
//! whose annotation says `unconfined` as a warning. `Localhost` without a
//! `localhostProfile` is rejected by the API server and is an error.
//! Windows pods are skipped (seccomp is Linux-only).
//!
//! ## Bad
//! ```yaml
//! spec:
//!   containers:
//!     - name: api
//!       securityContext:
//!         seccompProfile: {type: Unconfined}
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   securityContext:
//!     seccompProfile: {type: RuntimeDefault}
//!   containers:
//!     - name: api
//! ```
//!
//! ## Fix
//! Set `seccompProfile: {type: RuntimeDefault}` in the pod's
//! `securityContext`; give the rare container that needs a blocked call a
//! `Localhost` profile that allows just that call.
//!
//! ## Incident it prevents
//! A kernel bug reachable through an obscure system call (the kind the
//! default profile blocks) let a compromised web container escape to the
//! node, months before the nodes' kernels were patched.

use super::pk020::{names, shown, windows};
use crate::{Context, Hit, Meta, hit_at, missing_in, pod_anchor};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK029",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container runs without a seccomp profile (unset or Unconfined)",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-seccomp-profile",
    "kyverno:restrict-seccomp",
    "kyverno:restrict-seccomp-strict",
    "checkov:CKV_K8S_31",
    "trivy:KSV030",
    "trivy:KSV104",
];

const FIX: &str = "securityContext:   # the pod's, for every container\n  seccompProfile:\n    type: RuntimeDefault";
const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// The pod template's annotation `key`, as a node.
fn annotation<'a>(cx: &Context<'a>, key: &str) -> Option<&'a Node> {
    cx.workload
        .pod_metadata
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(key))
}

fn good_annotation(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

/// What is wrong with a `seccompProfile` node, if anything.
fn problem(profile: &Node) -> Option<(&Node, String, Severity)> {
    if !profile.is_map() {
        return Some((
            profile,
            format!(
                "has seccompProfile: {}, not a mapping with a type (the API server rejects it)",
                shown(profile)
            ),
            Severity::Error,
        ));
    }
    let Some(t) = profile.get("type").filter(|t| !t.is_null()) else {
        return Some((
            profile,
            "has a seccompProfile without a type (the API server rejects it)".into(),
            Severity::Error,
        ));
    };
    match t.as_str() {
        Some("RuntimeDefault") => None,
        Some("Localhost") => match profile.get("localhostProfile").and_then(Node::as_str) {
            Some(p) if !p.trim().is_empty() => None,
            _ => Some((
                t,
                "has seccompProfile type Localhost without a localhostProfile (the API server rejects it)".into(),
                Severity::Error,
            )),
        },
        Some("Unconfined") => Some((
            t,
            "runs with seccompProfile type Unconfined: every system call reaches the node's kernel".into(),
            Severity::Warning,
        )),
        _ => Some((
            t,
            format!(
                "has seccompProfile type {}, which is none of RuntimeDefault, Localhost, Unconfined (the API server rejects it)",
                shown(t)
            ),
            Severity::Error,
        )),
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Problems grouped by the node that causes them (pod-level: one finding).
    let mut bad: Vec<(&Node, String, Severity, Vec<&Container>)> = Vec::new();
    let mut missing: Vec<&Container> = Vec::new();
    let mut annotated: Vec<(&Container, &Node)> = Vec::new();
    for c in cx.containers() {
        if let Some(profile) = c.effective(w, "seccompProfile") {
            if let Some((node, what, sev)) = problem(profile) {
                match bad.iter_mut().find(|(n, ..)| std::ptr::eq(*n, node)) {
                    Some((.., cs)) => cs.push(c),
                    None => bad.push((node, what, sev, vec![c])),
                }
            }
            continue;
        }
        let ann = annotation(cx, &format!("{CONTAINER_ANNOTATION}{}", c.name))
            .or_else(|| annotation(cx, POD_ANNOTATION));
        match ann {
            Some(a) => annotated.push((c, a)),
            None => missing.push(c),
        }
    }
    for (node, what, sev, cs) in bad {
        let who = if cs.len() == 1 {
            cx.who(cs[0])
        } else {
            format!(
                "the pod securityContext of {} (containers {})",
                w.label(),
                names(&cs)
            )
        };
        out.push(
            hit_at(node, format!("{who} {what}"))
                .with_fix(FIX)
                .with_severity(sev),
        );
    }
    let mut seen: Vec<&Node> = Vec::new();
    for (c, a) in annotated {
        if seen.iter().any(|n| std::ptr::eq(*n, a)) {
            continue;
        }
        seen.push(a);
        let value = a.as_str().unwrap_or("");
        let hit = if good_annotation(value) {
            hit_at(
                a,
                format!(
                    "{} gets seccomp {value:?} only from the deprecated alpha annotation, which Kubernetes no longer honours (1.27+): it runs Unconfined",
                    cx.who(c)
                ),
            )
            .with_severity(Severity::Info)
        } else {
            hit_at(
                a,
                format!(
                    "{} has the seccomp annotation {}: it runs without a seccomp profile",
                    cx.who(c),
                    shown(a)
                ),
            )
        };
        out.push(hit.with_fix(FIX));
    }
    let all = cx.containers().count();
    if all > 1 && missing.len() == all {
        out.push(
            hit_at(
                pod_anchor(w),
                format!(
                    "neither {} nor any of its containers sets a seccomp profile: they run Unconfined unless the kubelet uses --seccomp-default",
                    w.label()
                ),
            )
            .with_fix(FIX),
        );
    } else {
        for c in missing {
            out.push(
                missing_in(
                    c,
                    format!(
                        "{} has no seccomp profile (nor does the pod): it runs Unconfined unless the kubelet uses --seccomp-default",
                        cx.who(c)
                    ),
                )
                .with_fix(FIX),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_missing_unconfined_and_invalid_profiles() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: init
          securityContext:
            seccompProfile: {type: RuntimeDefault}
      containers:
        - name: api
        - name: open
          securityContext:
            seccompProfile: {type: Unconfined}
        - name: local
          securityContext:
            seccompProfile: {type: Localhost}
        - name: local-ok
          securityContext:
            seccompProfile: {type: Localhost, localhostProfile: profiles/audit.json}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [15, 18, 12]);
        assert!(hits[0].message.contains(
            "container \"open\" in Deployment/web runs with seccompProfile type Unconfined"
        ));
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert_eq!(hits[1].severity, Some(Severity::Error));
        assert!(
            hits[2]
                .message
                .contains("\"api\" in Deployment/web has no seccomp profile")
        );
    }

    #[test]
    fn pod_level_profile_is_inherited_and_reported_once() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          securityContext:
            seccompProfile: {type: Unconfined}
          containers:
            - name: a
            - name: b
            - name: c
              securityContext: {seccompProfile: {type: RuntimeDefault}}
---
kind: Pod
metadata: {name: ok}
spec:
  securityContext: {seccompProfile: {type: RuntimeDefault}}
  containers: [{name: a}, {name: b}]
---
kind: Pod
metadata: {name: none}
spec:
  containers: [{name: a}, {name: b}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 26]);
        assert!(
            hits[0].message.contains("(containers \"a\", \"b\")"),
            "{}",
            hits[0].message
        );
        assert!(hits[1].message.starts_with("neither Pod/none"));
    }

    #[test]
    fn legacy_annotations() {
        let yaml = "kind: Pod
metadata:
  name: p
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: runtime/default
    container.seccomp.security.alpha.kubernetes.io/b: unconfined
spec:
  containers: [{name: a}, {name: b}, {name: c}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [5, 6]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
        assert!(hits[0].message.contains("deprecated alpha annotation"));
        assert_eq!(hits[1].severity, None);
        assert!(hits[1].message.contains("unconfined"));
    }

    #[test]
    fn windows_and_odd_shapes() {
        let yaml = "kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers: [{name: a}]
---
kind: Pod
metadata: {name: odd, annotations: 5}
spec:
  securityContext: {seccompProfile: RuntimeDefault}
  containers:
    - name: a
      securityContext: {seccompProfile: {type: [x]}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [13]);
        assert_eq!(hits[0].severity, Some(Severity::Error));
    }
}
