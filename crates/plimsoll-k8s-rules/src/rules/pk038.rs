//! # PK038: low uid or gid (below 10000)
//!
//! Advises running containers with a `runAsUser` and `runAsGroup` of 10000
//! or more. Without a user namespace a container's uid is the node's uid:
//! uid 1000 in the container is the same kernel identity as the node's
//! first login user (or a system daemon's account), and owns whatever that
//! account owns on any host path, device or shared volume the container can
//! reach. Ids from 10000 up are outside the ranges distributions hand out
//! to local users and system services, so a container that escapes, or a
//! file it writes to a host mount, does not collide with a real account on
//! the node. kube-score, checkov and trivy recommend the same (trivy counts
//! 10000 itself as too low; here 10000 passes, like kube-score and
//! checkov).
//!
//! A missing value is reported too: the image's `USER` then decides, and it
//! is rarely this high. Values taken from the pod's `securityContext` are
//! reported once, at the pod. Root (0) is PK021's finding; pods with
//! `hostUsers: false` (ids are remapped) and Windows pods are skipped.
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   runAsUser: 1000
//!   runAsGroup: 1000
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   runAsUser: 10001
//!   runAsGroup: 10001
//! ```
//!
//! ## Fix
//! Pick a uid and gid of 10000 or more (e.g. 10001, or 65532 as distroless
//! images use), create that user in the image with a numeric `USER`, and set
//! both in the pod's `securityContext`.
//!
//! ## Incident it prevents
//! A container running as uid 1000 wrote its cache into a `hostPath`
//! directory; on the node, uid 1000 was the operations login account,
//! whose SSH `authorized_keys` the compromised container could then
//! rewrite through a second, careless host mount.

use super::pk020::{names, user_namespace, windows};
use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK038",
    severity: Severity::Info,
    category: Category::Kubernetes,
    summary: "A container runs with a uid or gid below 10000 (or leaves them to the image)",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-security-context-user-group-id",
    "checkov:CKV_K8S_40",
    "trivy:KSV020",
    "trivy:KSV021",
];

const FIX: &str = "securityContext:\n  runAsUser: 10001    # >= 10000: no collision with the node's accounts\n  runAsGroup: 10001";
const LOW: i64 = 10000;

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if user_namespace(w) || windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Low explicit values, grouped by the node that sets them.
    let mut low: Vec<(&str, &Node, Vec<&Container>)> = Vec::new();
    let mut missing: Vec<(&Container, Vec<&str>)> = Vec::new();
    for c in cx.containers() {
        let mut absent = Vec::new();
        for field in ["runAsUser", "runAsGroup"] {
            match c.effective(w, field) {
                None => absent.push(field),
                Some(n) => match n.as_i64() {
                    Some(id) if id > 0 && id < LOW => {
                        match low.iter_mut().find(|(_, m, _)| std::ptr::eq(*m, n)) {
                            Some((.., cs)) => cs.push(c),
                            None => low.push((field, n, vec![c])),
                        }
                    }
                    _ => {}
                },
            }
        }
        if !absent.is_empty() {
            missing.push((c, absent));
        }
    }
    for (field, n, cs) in low {
        let id = n.as_i64().unwrap_or(0);
        let pod_level = w
            .pod_spec
            .path(&["securityContext", field])
            .is_some_and(|p| std::ptr::eq(p, n));
        let who = if pod_level {
            format!(
                "the pod securityContext of {} (for {})",
                w.label(),
                names(&cs)
            )
        } else {
            cs.first().map(|c| cx.who(c)).unwrap_or_default()
        };
        let kind = if field == "runAsUser" { "uid" } else { "gid" };
        out.push(
            hit_at(
                n,
                format!(
                    "{who} sets {field}: {id}, a {kind} below {LOW} that can be a real account's on the node"
                ),
            )
            .with_fix(FIX),
        );
    }
    for (c, absent) in missing {
        out.push(
            missing_in(
                c,
                format!(
                    "{} sets no {} (nor does the pod): the image's USER decides, usually an id below {LOW} that can collide with the node's accounts",
                    cx.who(c),
                    absent.join(" or ")
                ),
            )
            .with_fix(FIX),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_low_and_missing_ids() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext:
        runAsUser: 1000
      containers:
        - name: a
          securityContext: {runAsGroup: 10000}
        - name: b
          securityContext: {runAsGroup: 999}
        - name: c
          securityContext: {runAsUser: 10001, runAsGroup: 65532}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 13]);
        assert!(
            hits[0].message.contains(
                "the pod securityContext of Deployment/web (for \"a\", \"b\") sets runAsUser: 1000"
            ),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1]
                .message
                .contains("container \"b\" in Deployment/web sets runAsGroup: 999, a gid")
        );
    }

    #[test]
    fn missing_values_root_userns_and_windows() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
    - name: root
      securityContext: {runAsUser: 0, runAsGroup: 20000}
---
kind: Pod
metadata: {name: u}
spec:
  hostUsers: false
  containers: [{name: a}]
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [5]);
        assert!(hits[0].message.contains("sets no runAsUser or runAsGroup"));
    }
}
