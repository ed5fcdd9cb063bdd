//! # PK020: container may run as root (no runAsNonRoot, no non-root runAsUser)
//!
//! Checks that every container (init, sidecar and ephemeral ones included)
//! either runs with `runAsNonRoot: true` or has a non-zero `runAsUser`,
//! each taken from the container's `securityContext`, else from the pod's.
//! Without either, the user is whatever the image's `USER` says, and root
//! when the image says nothing: most public images do. Root in a container
//! is still uid 0 on the node's kernel: every container-escape bug, writable
//! host mount or leaked capability then works with root's rights. With
//! `runAsNonRoot: true` the kubelet refuses to start a container whose image
//! would run as root, so the guarantee holds whatever image tag is rolled
//! out later.
//!
//! A container that explicitly asks for `runAsUser: 0` is PK021's finding,
//! not this one. Pods with `hostUsers: false` run in a user namespace where
//! uid 0 maps to an unprivileged host uid; Pod Security (1.35+) waives this
//! control for them and so does this rule. On Windows pods only
//! `runAsNonRoot` counts (`runAsUser` is a Linux field there).
//!
//! ## Bad
//! ```yaml
//! spec:
//!   containers:
//!     - name: api
//!       image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   securityContext:
//!     runAsNonRoot: true
//!     runAsUser: 10001
//!     runAsGroup: 10001
//!   containers:
//!     - name: api
//!       image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Fix
//! Set `runAsNonRoot: true` in the pod's `securityContext` (so it covers
//! every container) and a numeric `runAsUser` the image works as; build the
//! image with a numeric `USER` so the kubelet can verify it.
//!
//! ## Incident it prevents
//! A base-image bump dropped the image's `USER app` line; the service
//! silently went back to running as root, and a path-traversal bug in its
//! upload handler let an attacker overwrite files on a writable host mount.

use crate::{Context, Hit, Meta, hit_at, missing_in, pod_anchor};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node, Value, Workload};

pub const META: Meta = Meta {
    code: "PK020",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container may run as root: runAsNonRoot is not true and runAsUser is not a non-zero uid",
};

pub const PEERS: &[&str] = &[
    "kube-linter:run-as-non-root",
    "polaris:runAsRootAllowed",
    "kyverno:require-run-as-nonroot",
    "checkov:CKV_K8S_23",
    "trivy:KSV012",
];

const FIX: &str = "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001   # a numeric uid the image works as";

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if user_namespace(w) {
        return Vec::new();
    }
    let windows = windows(w);
    let mut out = Vec::new();
    // Explicit non-true values, grouped by the node that sets them (a
    // pod-level `runAsNonRoot: false` is one finding, not one per container).
    let mut explicit: Vec<(&Node, Vec<&Container>)> = Vec::new();
    let mut missing: Vec<&Container> = Vec::new();
    for c in cx.containers() {
        let non_root = c.effective(w, "runAsNonRoot");
        if non_root.and_then(Node::as_bool) == Some(true) {
            continue;
        }
        if !windows {
            match c.effective(w, "runAsUser").and_then(Node::as_i64) {
                Some(uid) if uid > 0 => continue,
                Some(0) => continue, // asks for root explicitly: PK021
                _ => {}
            }
        }
        match non_root {
            Some(n) => match explicit.iter_mut().find(|(m, _)| std::ptr::eq(*m, n)) {
                Some((_, cs)) => cs.push(c),
                None => explicit.push((n, vec![c])),
            },
            None => missing.push(c),
        }
    }
    for (n, cs) in explicit {
        let value = format!("{}{}", shown(n), typed_note(n));
        let msg = if cs.len() == 1 {
            format!(
                "{} has runAsNonRoot: {value} and no non-zero runAsUser: it runs as the image's USER, root when the image names none",
                cx.who(cs[0])
            )
        } else {
            format!(
                "the pod securityContext of {} has runAsNonRoot: {value}, and containers {} set no non-zero runAsUser: they run as their images' USER, root when an image names none",
                w.label(),
                names(&cs)
            )
        };
        out.push(hit_at(n, msg).with_fix(FIX));
    }
    let all = cx.containers().count();
    if all > 1 && missing.len() == all {
        out.push(
            hit_at(
                pod_anchor(w),
                format!(
                    "no container of {} sets runAsNonRoot: true or a non-zero runAsUser, and neither does the pod: each runs as its image's USER, root when the image names none",
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
                        "{} sets neither runAsNonRoot: true nor a non-zero runAsUser (nor does the pod): it runs as the image's USER, root when the image names none",
                        cx.who(c)
                    ),
                )
                .with_fix(FIX),
            );
        }
    }
    out
}

// Helpers shared by the security-context rules (PK020–PK039).

/// A Windows pod (`spec.os.name: windows`): Linux-only fields (capabilities,
/// seccomp, SELinux, AppArmor, runAsUser, …) are rejected there, and Pod
/// Security skips the controls that need them.
pub(crate) fn windows(w: &Workload) -> bool {
    w.pod_spec
        .path(&["os", "name"])
        .and_then(Node::as_str)
        .is_some_and(|os| os.eq_ignore_ascii_case("windows"))
}

/// `hostUsers: false`: the pod runs in its own user namespace, uid 0 inside
/// is an unprivileged uid on the node.
pub(crate) fn user_namespace(w: &Workload) -> bool {
    w.pod("hostUsers").and_then(Node::as_bool) == Some(false)
}

/// A value as a message shows it: plain scalars as written, quoted ones in
/// quotes, collections by kind.
pub(crate) fn shown(n: &Node) -> String {
    match &n.value {
        Value::Scalar { text, plain: true } if text.is_empty() => "null".into(),
        Value::Scalar { text, plain: true } => text.clone(),
        Value::Scalar { text, plain: false } => format!("{text:?}"),
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "a mapping".into(),
    }
}

/// For a field that must be a boolean or a number: why the value as
/// written is not one.
pub(crate) fn typed_note(n: &Node) -> &'static str {
    match &n.value {
        Value::Scalar { plain: false, .. } => " (quoted, so a string: the API server rejects it)",
        Value::Seq(_) | Value::Map(_) => " (not a scalar: the API server rejects it)",
        Value::Scalar { .. } => "",
    }
}

/// `"a", "b"` for a list of containers.
pub(crate) fn names(cs: &[&Container]) -> String {
    cs.iter()
        .map(|c| format!("{:?}", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A capability as runtimes read it: upper case, without the `CAP_` prefix.
pub(crate) fn cap_name(raw: &str) -> String {
    let up = raw.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// `securityContext.privileged: true` on the container.
pub(crate) fn privileged(c: &Container) -> bool {
    c.security_context()
        .and_then(|sc| sc.get("privileged"))
        .and_then(Node::as_bool)
        == Some(true)
}

/// Whether the container adds `cap` (in any spelling) to its capabilities.
pub(crate) fn adds_capability(c: &Container, cap: &str) -> bool {
    c.node
        .path(&["securityContext", "capabilities", "add"])
        .is_some_and(|add| {
            add.items()
                .iter()
                .any(|i| i.as_str().is_some_and(|s| cap_name(s) == cap))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_containers_that_may_run_as_root() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: api:1
          securityContext: {runAsNonRoot: true}
      containers:
        - name: api
          image: api:1
        - name: proxy
          image: envoy:1
          securityContext:
            runAsNonRoot: false
        - name: quoted
          image: x:1
          securityContext:
            runAsNonRoot: \"true\"
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [17, 21, 12]);
        assert!(
            hits[0]
                .message
                .contains("container \"proxy\" in Deployment/web has runAsNonRoot: false")
        );
        assert!(hits[1].message.contains("quoted"), "{}", hits[1].message);
        assert!(hits[2].message.contains("\"api\""), "{}", hits[2].message);
        assert!(
            hits[2]
                .fix
                .as_deref()
                .unwrap()
                .contains("runAsNonRoot: true")
        );
    }

    #[test]
    fn pod_level_settings_and_uids_count() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: true}
  containers:
    - name: a
    - name: b
      securityContext: {runAsNonRoot: null}
---
kind: Pod
metadata: {name: q}
spec:
  securityContext: {runAsUser: 1000}
  containers:
    - name: a
---
kind: Pod
metadata: {name: root}
spec:
  containers:
    - name: a
      securityContext: {runAsUser: 0}
";
        assert!(run(check, yaml).is_empty(), "{:?}", run(check, yaml));
    }

    #[test]
    fn pod_level_false_is_one_finding_and_no_settings_at_all_one_too() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          securityContext:
            runAsNonRoot: false
          containers:
            - name: a
            - name: b
---
kind: Pod
metadata: {name: bare}
spec:
  containers:
    - name: a
    - name: b
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 18]);
        assert!(
            hits[0].message.contains("\"a\", \"b\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("no container of Pod/bare"),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn user_namespaces_and_windows() {
        let yaml = "kind: Pod
metadata: {name: userns}
spec:
  hostUsers: false
  containers: [{name: a}]
---
kind: Pod
metadata: {name: win}
spec:
  os: {name: windows}
  securityContext: {runAsUser: 1000}
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [12], "runAsUser does not count on Windows");
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        let yaml = "kind: Pod
metadata: {name: odd}
spec:
  securityContext: [1, 2]
  containers:
    - name: a
      securityContext: 3
    - name: b
      securityContext: {runAsNonRoot: {x: 1}, runAsUser: \"1000\"}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 6]);
        assert!(hits[0].message.contains("a mapping"), "{}", hits[0].message);
    }

    #[test]
    fn helpers() {
        assert_eq!(cap_name(" cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(cap_name("NET_RAW"), "NET_RAW");
    }
}
