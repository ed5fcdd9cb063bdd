//! # PK023: root filesystem is writable
//!
//! Checks that every container sets `securityContext.readOnlyRootFilesystem:
//! true`. A writable root filesystem lets anything running in the
//! container (an attacker included) replace binaries and libraries, drop
//! tools and persist changes for the container's lifetime; it also hides
//! unintended writes that fill the node's disk through the container's
//! writable layer. With a read-only root, the places the application may
//! write are the volumes the manifest names (an `emptyDir` for `/tmp`, a
//! cache directory), which are visible in review and can carry a
//! `sizeLimit`.
//!
//! Windows pods are skipped (the field is rejected there).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     securityContext:
//!       readOnlyRootFilesystem: true
//!     volumeMounts:
//!       - {name: tmp, mountPath: /tmp}
//! volumes:
//!   - name: tmp
//!     emptyDir: {sizeLimit: 256Mi}
//! ```
//!
//! ## Fix
//! Set `readOnlyRootFilesystem: true` and mount an `emptyDir` on each
//! directory the application writes to (`/tmp`, caches, pid files); run
//! the container once with the flag to find them.
//!
//! ## Incident it prevents
//! An attacker who reached a shell through a template-injection bug
//! replaced the service's own start script with a backdoored copy, which
//! survived every request until the pod was rescheduled days later.

use super::pk020::{shown, typed_note, windows};
use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK023",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container's root filesystem is writable (readOnlyRootFilesystem is not true)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:no-read-only-root-fs",
    "kube-score:container-security-context-readonlyrootfilesystem",
    "polaris:notReadOnlyRootFilesystem",
    "kyverno:require-ro-rootfs",
    "checkov:CKV_K8S_22",
    "trivy:KSV014",
];

const FIX: &str = "securityContext:\n  readOnlyRootFilesystem: true\nvolumeMounts:\n  - {name: tmp, mountPath: /tmp}   # an emptyDir for each directory the app writes";

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in cx.containers() {
        let ro = c
            .security_context()
            .and_then(|sc| sc.get("readOnlyRootFilesystem"))
            .filter(|v| !v.is_null());
        let hit = match ro {
            Some(v) if v.as_bool() == Some(true) => continue,
            Some(v) => hit_at(
                v,
                format!(
                    "{} has readOnlyRootFilesystem: {}{}: its root filesystem is writable",
                    cx.who(c),
                    shown(v),
                    typed_note(v)
                ),
            ),
            None => missing_in(
                c,
                format!(
                    "{} does not set readOnlyRootFilesystem: true: anything running in it can rewrite its binaries and libraries",
                    cx.who(c)
                ),
            ),
        };
        out.push(hit.with_fix(FIX));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_writable_root_filesystems() {
        let yaml = "apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      securityContext: {readOnlyRootFilesystem: true}
      containers:
        - name: migrate
        - name: off
          securityContext: {readOnlyRootFilesystem: false}
        - name: yes
          securityContext: {readOnlyRootFilesystem: yes}
        - name: quoted
          securityContext: {readOnlyRootFilesystem: \"true\"}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 11, 15]);
        assert!(
            hits[0]
                .message
                .contains("container \"migrate\" in Job/migrate"),
            "pod-level value does not count"
        );
        assert!(hits[1].message.contains("readOnlyRootFilesystem: false"));
        assert!(hits[2].message.contains("quoted"));
    }

    #[test]
    fn read_only_windows_and_odd_shapes() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      securityContext: {readOnlyRootFilesystem: true}
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers: [{name: a}]
---
kind: Pod
metadata: {name: odd}
spec:
  containers:
    - securityContext: [1]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [18]);
        assert!(
            hits[0].message.starts_with("container in Pod/odd"),
            "{}",
            hits[0].message
        );
    }
}
