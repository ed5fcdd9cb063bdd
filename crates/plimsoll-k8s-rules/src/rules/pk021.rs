//! # PK021: runs as root on purpose (runAsUser 0, or the root group)
//!
//! Flags every `securityContext` that explicitly asks for root: `runAsUser:
//! 0` (an error) on the pod or a container, and the root group, `runAsGroup:
//! 0`, `fsGroup: 0` or `0` in `supplementalGroups` (warnings). Unlike PK020
//! this is not a missing safeguard but a request: whatever the image says,
//! the process gets uid 0, and with the root group it can read and write
//! every file the node or a volume gives to gid 0. Pod Security's
//! restricted level forbids `runAsUser: 0`; the root group is the
//! "non-root groups" control that kube-linter and Kyverno add.
//!
//! A container that sets `runAsUser: 0` under `runAsNonRoot: true` never
//! starts: the kubelet refuses it (`CreateContainerConfigError`), and the
//! message says so. Pods with `hostUsers: false` are skipped (uid and gid 0
//! map to unprivileged ids on the node; Pod Security 1.35+ allows them), and
//! so are Windows pods, where these fields are rejected.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   securityContext:
//!     fsGroup: 0
//!   containers:
//!     - name: api
//!       securityContext:
//!         runAsUser: 0
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   securityContext:
//!     runAsNonRoot: true
//!     runAsUser: 10001
//!     runAsGroup: 10001
//!     fsGroup: 10001
//!   containers:
//!     - name: api
//! ```
//!
//! ## Fix
//! Give the process a dedicated numeric uid and gid (and build the image so
//! it works as them); use `fsGroup` with that gid to make volumes writable
//! instead of running as root to write to them.
//!
//! ## Incident it prevents
//! `runAsUser: 0` was added "temporarily" to fix a volume permission error;
//! months later a deserialisation bug in the same service gave an attacker
//! a root shell in a container that also mounted the node's `/var/log`.

use super::pk020::{names, user_namespace, windows};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK021",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A pod or container asks for root: runAsUser 0 (or the root group: runAsGroup, fsGroup or supplementalGroups 0)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:run-as-non-root",
    "kyverno:require-run-as-non-root-user",
    "kyverno:require-non-root-groups",
    "trivy:KSV105",
    "trivy:KSV116",
];

const USER_FIX: &str = "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001   # a numeric uid the image works as";
const GROUP_FIX: &str = "securityContext:\n  runAsGroup: 10001\n  fsGroup: 10001   # volumes become group-writable for this gid";

/// The container's own (non-null) `securityContext.KEY`.
fn own<'a>(c: &Container<'a>, key: &str) -> Option<&'a Node> {
    c.security_context()
        .and_then(|sc| sc.get(key))
        .filter(|v| !v.is_null())
}

fn is_zero(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| n.as_i64() == Some(0))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if user_namespace(w) || windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let pod_sc = w.pod_spec.get("securityContext");
    // Whether runAsNonRoot: true applies to a container (it then refuses uid 0).
    let refuses_root =
        |c: &Container| c.effective(w, "runAsNonRoot").and_then(Node::as_bool) == Some(true);

    if let Some(uid) = is_zero(pod_sc.and_then(|sc| sc.get("runAsUser"))) {
        let heirs: Vec<&Container> = cx
            .containers()
            .filter(|c| own(c, "runAsUser").is_none())
            .collect();
        let mut msg = format!("the pod securityContext of {} sets runAsUser: 0", w.label());
        if heirs.is_empty() {
            msg.push_str(
                " (every container overrides it today, but any container added later runs as root)",
            );
        } else {
            msg.push_str(&format!(": containers {} run as root", names(&heirs)));
            let refused: Vec<&Container> =
                heirs.iter().copied().filter(|c| refuses_root(c)).collect();
            if !refused.is_empty() {
                msg.push_str(&format!(
                    "; with runAsNonRoot: true the kubelet refuses to start {}",
                    names(&refused)
                ));
            }
        }
        out.push(hit_at(uid, msg).with_fix(USER_FIX));
    }
    for c in cx.containers() {
        if let Some(uid) = is_zero(own(c, "runAsUser")) {
            let mut msg = format!("{} sets runAsUser: 0 and runs as root", cx.who(c));
            if refuses_root(c) {
                msg.push_str(
                    "; with runAsNonRoot: true the kubelet refuses to start it (CreateContainerConfigError)",
                );
            }
            out.push(hit_at(uid, msg).with_fix(USER_FIX));
        }
    }

    let group = |n: &Node, msg: String| {
        hit_at(n, msg)
            .with_fix(GROUP_FIX)
            .with_severity(Severity::Warning)
    };
    if let Some(sc) = pod_sc {
        if let Some(gid) = is_zero(sc.get("runAsGroup")) {
            out.push(group(
                gid,
                format!(
                    "the pod securityContext of {} sets runAsGroup: 0: its containers run with the root group and can use every file owned by gid 0",
                    w.label()
                ),
            ));
        }
        if let Some(gid) = is_zero(sc.get("fsGroup")) {
            out.push(group(
                gid,
                format!(
                    "the pod securityContext of {} sets fsGroup: 0: every container gets the root group as a supplementary group and volumes are handed to gid 0",
                    w.label()
                ),
            ));
        }
        if let Some(groups) = sc.get("supplementalGroups") {
            for gid in groups.items().iter().filter(|g| g.as_i64() == Some(0)) {
                out.push(group(
                    gid,
                    format!(
                        "the pod securityContext of {} lists 0 in supplementalGroups: every container runs with the root group",
                        w.label()
                    ),
                ));
            }
        }
    }
    for c in cx.containers() {
        if let Some(gid) = is_zero(own(c, "runAsGroup")) {
            out.push(group(
                gid,
                format!(
                    "{} sets runAsGroup: 0 and runs with the root group",
                    cx.who(c)
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_explicit_root_users_and_groups() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        runAsUser: 0
        fsGroup: 0
        supplementalGroups: [1000, 0]
      initContainers:
        - name: chown
          securityContext: {runAsGroup: 0}
      containers:
        - name: api
          securityContext:
            runAsNonRoot: true
            runAsUser: 0
        - name: side
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 18, 9, 10, 13]);
        assert!(
            hits[0]
                .message
                .contains("containers \"chown\", \"side\" run as root"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("refuses to start it"),
            "{}",
            hits[1].message
        );
        assert_eq!(hits[0].severity, None);
        assert_eq!(hits[2].severity, Some(Severity::Warning));
        assert!(hits[4].message.contains("init container \"chown\""));
    }

    #[test]
    fn non_root_ids_quoted_values_userns_and_windows_pass() {
        let yaml = "kind: Pod
metadata: {name: ok}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000}
  containers:
    - name: a
      securityContext: {runAsUser: \"0\"}
---
kind: Pod
metadata: {name: userns}
spec:
  hostUsers: false
  securityContext: {runAsUser: 0}
  containers: [{name: a}]
---
kind: Pod
metadata: {name: win}
spec:
  os: {name: windows}
  securityContext: {runAsUser: 0}
  containers: [{name: a}]
";
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn pod_level_root_that_everyone_overrides_and_runasnonroot_at_pod_level() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsUser: 0, runAsNonRoot: true}
  containers:
    - name: a
      securityContext: {runAsUser: 1000}
---
kind: Pod
metadata: {name: q}
spec:
  securityContext: {runAsUser: 0, runAsNonRoot: true}
  containers:
    - name: a
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [4, 12]);
        assert!(
            hits[0].message.contains("every container overrides it"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("refuses to start \"a\""),
            "{}",
            hits[1].message
        );
    }
}
