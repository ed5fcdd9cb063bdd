//! # PK033: unsafe or impossible sysctls
//!
//! Checks `spec.securityContext.sysctls` against what Pod Security and the
//! kubelet accept. The safe set (namespaced, isolated per pod) is
//! `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
//! `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`,
//! `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports` (1.27+),
//! `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
//! `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes` (1.29+),
//! `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` (1.32+),
//! `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat`
//! (1.37+). Anything else:
//!
//! - a sysctl the kernel does not namespace (`vm.max_map_count`,
//!   `kernel.pid_max`, `fs.file-max`, …) is an error: it would change the
//!   whole node, and the kubelet refuses it on every node
//!   (`SysctlForbidden`), whatever `--allowed-unsafe-sysctls` says;
//! - a namespaced one outside the safe set (other `net.*`, `kernel.shm*`,
//!   `kernel.msg*`, `kernel.sem`, `fs.mqueue.*`) is a warning: the pod
//!   fails with `SysctlForbidden` unless every node's kubelet allows it,
//!   and Pod Security's baseline level forbids it;
//! - even a safe `net.*` sysctl is refused with `hostNetwork: true`, and an
//!   IPC one with `hostIPC: true`, because it would change the node's own
//!   namespace: an error.
//!
//! Names written with `/` (`net/ipv4/tcp_syncookies`) are read the way the
//! kubelet reads them; Pod Security compares them literally, which the
//! message notes. Windows pods are skipped (sysctls are rejected there).
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   sysctls:
//!     - {name: vm.max_map_count, value: "262144"}
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   sysctls:
//!     - {name: net.ipv4.ip_local_port_range, value: "1024 65000"}
//! ```
//!
//! ## Fix
//! Set node-wide sysctls on the nodes (node image, a tuning operator or the
//! cloud's node configuration) and schedule the workload onto those nodes;
//! keep only safe sysctls in the pod.
//!
//! ## Incident it prevents
//! An Elasticsearch StatefulSet gained `vm.max_map_count` in its pod sysctls
//! during an upgrade; every new pod failed with `SysctlForbidden` and the
//! cluster lost quorum as the rollout replaced the old ones.

use super::pk020::windows;
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK033",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "The pod sets sysctls outside Pod Security's safe set (node-wide ones: error)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:unsafe-sysctls",
    "kyverno:restrict-sysctls",
    "trivy:KSV026",
];

const SAFE: [&str; 14] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

#[derive(PartialEq)]
enum Ns {
    Net,
    Ipc,
    None,
}

/// The kernel namespace a sysctl belongs to, as the kubelet decides it.
fn namespace(name: &str) -> Ns {
    if name.starts_with("net.") {
        Ns::Net
    } else if name == "kernel.sem"
        || name.starts_with("kernel.shm")
        || name.starts_with("kernel.msg")
        || name.starts_with("fs.mqueue.")
    {
        Ns::Ipc
    } else {
        Ns::None
    }
}

/// A sysctl name as the kubelet reads it: when the first separator is a
/// `/`, `/` and `.` swap roles (`net/ipv4/conf/eth0.100/forwarding` is
/// `net.ipv4.conf.eth0/100.forwarding`).
fn dotted(name: &str) -> String {
    let name = name.trim();
    match name.find(['.', '/']) {
        Some(i) if name[i..].starts_with('/') => name
            .chars()
            .map(|c| match c {
                '.' => '/',
                '/' => '.',
                c => c,
            })
            .collect(),
        _ => name.to_string(),
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let Some(sysctls) = w.pod_spec.path(&["securityContext", "sysctls"]) else {
        return Vec::new();
    };
    let host_net = w.pod("hostNetwork").and_then(Node::as_bool) == Some(true);
    let host_ipc = w.pod("hostIPC").and_then(Node::as_bool) == Some(true);
    let mut out = Vec::new();
    for s in sysctls.items() {
        let Some(n) = s.get("name") else { continue };
        let Some(raw) = n.as_str() else { continue };
        let name = dotted(raw);
        let ns = namespace(&name);
        let label = w.label();
        let (msg, sev, fix) = if ns == Ns::None {
            (
                format!(
                    "{label} sets sysctl {raw}, which the kernel does not namespace: it would change the whole node, so the kubelet refuses the pod (SysctlForbidden) on every node"
                ),
                Severity::Error,
                "# set it on the nodes (node image, tuning operator or node pool configuration)\n# and schedule onto them with a nodeSelector; remove it from the pod's sysctls",
            )
        } else if ns == Ns::Net && host_net {
            (
                format!(
                    "{label} sets sysctl {raw} with hostNetwork: true: it would change the node's own network settings, so the kubelet refuses the pod (SysctlForbidden)"
                ),
                Severity::Error,
                "# drop the sysctl, or drop hostNetwork: true",
            )
        } else if ns == Ns::Ipc && host_ipc {
            (
                format!(
                    "{label} sets sysctl {raw} with hostIPC: true: it would change the node's own IPC settings, so the kubelet refuses the pod (SysctlForbidden)"
                ),
                Severity::Error,
                "# drop the sysctl, or drop hostIPC: true",
            )
        } else if !SAFE.contains(&name.as_str()) {
            (
                format!(
                    "{label} sets the unsafe sysctl {raw}: the pod fails with SysctlForbidden unless every node's kubelet allows it (--allowed-unsafe-sysctls), and it can disturb other pods' kernel resources"
                ),
                Severity::Warning,
                "# remove it, or run the workload on dedicated nodes whose kubelet sets\n# --allowed-unsafe-sysctls for it (and taint them)",
            )
        } else if name != raw {
            (
                format!(
                    "{label} writes the safe sysctl {name} as {raw}: the kubelet accepts it, but Pod Security admission compares names literally and rejects it"
                ),
                Severity::Info,
                "sysctls:\n  - {name: <the dotted name>, value: \"…\"}",
            )
        } else {
            continue;
        };
        out.push(hit_at(n, msg).with_fix(fix).with_severity(sev));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn grades_sysctls() {
        let yaml = "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: es}
spec:
  template:
    spec:
      securityContext:
        sysctls:
          - {name: vm.max_map_count, value: \"262144\"}
          - {name: net.core.somaxconn, value: \"1024\"}
          - {name: net.ipv4.tcp_syncookies, value: \"1\"}
          - {name: net/ipv4/tcp_fin_timeout, value: \"30\"}
          - {name: kernel.msgmax, value: \"65536\"}
      containers: [{name: es}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 10, 12, 13]);
        let sev: Vec<_> = hits.iter().map(|h| h.severity).collect();
        assert_eq!(
            sev,
            [
                Some(Severity::Error),
                Some(Severity::Warning),
                Some(Severity::Info),
                Some(Severity::Warning)
            ]
        );
        assert!(
            hits[0]
                .message
                .starts_with("StatefulSet/es sets sysctl vm.max_map_count")
        );
        assert!(
            hits[2]
                .message
                .contains("net.ipv4.tcp_fin_timeout as net/ipv4/tcp_fin_timeout")
        );
    }

    #[test]
    fn host_namespaces_make_safe_sysctls_impossible() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  hostNetwork: true
  hostIPC: true
  securityContext:
    sysctls:
      - name: net.ipv4.ip_local_port_range
        value: \"1024 65000\"
      - {name: kernel.shm_rmid_forced, value: \"1\"}
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 10]);
        assert!(hits[0].message.contains("hostNetwork"));
        assert!(hits[1].message.contains("hostIPC"));
    }

    #[test]
    fn safe_windows_and_odd_shapes() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext:
    sysctls: [{name: net.ipv4.ping_group_range, value: \"0 1\"}, 3, {value: x}, {name: [a]}]
  containers: [{name: a}]
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  securityContext:
    sysctls: [{name: vm.swappiness, value: \"1\"}]
  containers: [{name: a}]
";
        assert!(run(check, yaml).is_empty());
        assert_eq!(
            dotted("net/ipv4/conf/eth0.100/forwarding"),
            "net.ipv4.conf.eth0/100.forwarding"
        );
    }
}
