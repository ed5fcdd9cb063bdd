//! # PK031: hostPath volume
//!
//! Flags every `hostPath` volume. A host path gives the pod a piece of the
//! node's filesystem: written to, it can plant files the node or other
//! pods trust; read from, it leaks what the node keeps (credentials, other
//! pods' data). It also ties the pod to whatever happens to be on the node
//! it lands on. Pod Security's baseline level forbids `hostPath` volumes
//! altogether.
//!
//! The severity follows the path: the node's system directories and their
//! parents (`/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, `/usr`,
//! `/lib`, `/var`, `/var/lib`, `/var/lib/kubelet`, `/var/lib/docker`,
//! `/var/lib/containerd`, `/var/lib/etcd`, `/etc/kubernetes`, …) are errors;
//! any other path is a warning, and the message says whether a container
//! mounts it writable (no `readOnly: true`). Runtime sockets and the
//! directories holding them are PK028's finding and are not repeated here.
//!
//! ## Bad
//! ```yaml
//! volumes:
//!   - name: host
//!     hostPath: {path: /etc}
//! ```
//!
//! ## Good
//! ```yaml
//! volumes:
//!   - name: config
//!     configMap: {name: api-config}
//!   - name: cache
//!     emptyDir: {sizeLimit: 1Gi}
//! ```
//!
//! ## Fix
//! Use a ConfigMap, Secret, `emptyDir` or PersistentVolumeClaim instead. A
//! node agent that must read host files should mount the narrowest
//! directory, with `readOnly: true`, and carry an ignore annotation that
//! records why.
//!
//! ## Incident it prevents
//! A log collector mounted the node's `/var/lib/kubelet` writable "to find
//! pod logs"; its compromise exposed every Secret mounted into every pod on
//! those nodes.

use super::pk028::{mounts, normalize, runtime_socket};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK031",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A hostPath volume mounts part of the node's filesystem (system directories: error)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:sensitive-host-mounts",
    "kube-linter:writable-host-mount",
    "polaris:hostPathSet",
    "kyverno:disallow-host-path",
    "trivy:KSV023",
    "trivy:KSV121",
];

/// Node directories whose exposure is a node compromise, with why.
const SENSITIVE: [(&str, &str); 20] = [
    ("/", "the node's whole filesystem"),
    ("/bin", "the node's programs"),
    ("/sbin", "the node's programs"),
    ("/usr", "the node's programs and libraries"),
    ("/lib", "the node's libraries and kernel modules"),
    ("/lib64", "the node's libraries"),
    ("/boot", "the node's kernel and boot loader"),
    ("/etc", "the node's configuration and credentials"),
    (
        "/etc/kubernetes",
        "the kubelet's and control plane's credentials",
    ),
    (
        "/root",
        "the node's root home directory (SSH keys, credentials)",
    ),
    ("/home", "the node's user home directories"),
    ("/proc", "the node's processes and kernel settings"),
    ("/sys", "the node's kernel and device settings"),
    ("/dev", "the node's devices, disks included"),
    ("/var", "the node's state, every pod's volumes included"),
    ("/var/lib", "the node's state, every pod's volumes included"),
    (
        "/var/lib/kubelet",
        "every pod's volumes and Secrets, and the kubelet's credentials",
    ),
    ("/var/lib/docker", "every container's filesystem"),
    ("/var/lib/containerd", "every container's filesystem"),
    ("/var/lib/etcd", "the cluster's etcd database"),
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let mut out = Vec::new();
    for v in w.pod("volumes").map(Node::items).unwrap_or(&[]) {
        let Some(host) = v.get("hostPath").filter(|h| !h.is_null()) else {
            continue;
        };
        let path = host.get("path");
        let raw = path.and_then(Node::as_str).unwrap_or("");
        if !raw.is_empty() && runtime_socket(raw).is_some() {
            continue; // PK028
        }
        let name = v.str_at("name").unwrap_or("");
        let users = mounts(w, name);
        let writable: Vec<&Container> = users
            .iter()
            .filter(|(_, m)| m.get("readOnly").and_then(Node::as_bool) != Some(true))
            .map(|(c, _)| *c)
            .collect();
        let how = if users.is_empty() {
            "no container mounts it yet".to_string()
        } else if writable.is_empty() {
            "mounted read-only".to_string()
        } else {
            format!("writable by {}", super::pk020::names(&writable))
        };
        let norm = normalize(raw);
        let sensitive = SENSITIVE.iter().find(|(p, _)| *p == norm);
        let mut msg = format!(
            "volume {name:?} of {} mounts {} from the node",
            w.label(),
            if raw.is_empty() { "a host path" } else { raw }
        );
        if let Some((_, what)) = sensitive {
            msg.push_str(&format!(", exposing {what}"));
        }
        msg.push_str(&format!(" ({how})"));
        let fix = if sensitive.is_some() || !writable.is_empty() {
            "# use a configMap, secret, emptyDir or persistentVolumeClaim volume instead;\n# a node agent that must read it: the narrowest directory, and\nvolumeMounts:\n  - {name: host, mountPath: /host, readOnly: true}"
        } else {
            "# use a configMap, secret, emptyDir or persistentVolumeClaim volume instead"
        };
        let mut hit = hit_at(path.unwrap_or(host), msg).with_fix(fix);
        if sensitive.is_some() {
            hit = hit.with_severity(Severity::Error);
        }
        out.push(hit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_host_paths_by_sensitivity() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      initContainers:
        - name: setup
          volumeMounts: [{name: etc, mountPath: /host/etc}]
      containers:
        - name: agent
          volumeMounts:
            - {name: etc, mountPath: /host/etc, readOnly: true}
            - {name: logs, mountPath: /var/log, readOnly: true}
      volumes:
        - name: etc
          hostPath: {path: /etc/}
        - name: logs
          hostPath: {path: /var/log}
        - name: tz
          hostPath:
            path: /etc/localtime
        - name: sock
          hostPath: {path: /run/containerd/containerd.sock}
        - name: nopath
          hostPath: {type: Directory}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [17, 19, 22, 26]);
        assert_eq!(hits[0].severity, Some(Severity::Error));
        assert!(
            hits[0].message.contains("mounts /etc/ from the node, exposing the node's configuration and credentials (writable by \"setup\")"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[1].severity, None);
        assert!(hits[1].message.contains("(mounted read-only)"));
        assert!(hits[2].message.contains("no container mounts it yet"));
        assert!(hits[3].message.contains("a host path"));
    }

    #[test]
    fn other_volumes_and_null_host_paths_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a}]
  volumes:
    - name: e
      emptyDir: {}
    - name: n
      hostPath: null
";
        assert!(run(check, yaml).is_empty());
    }
}
