//! # PK025: capabilities added beyond what Pod Security allows
//!
//! Checks `securityContext.capabilities.add` of every container against Pod
//! Security's lists. The restricted level allows adding only
//! `NET_BIND_SERVICE`; the baseline level allows the runtime's default set
//! (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`,
//! `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`,
//! `SYS_CHROOT`). So:
//!
//! - `ALL`, `SYS_ADMIN`, `SYS_MODULE`, `SYS_RAWIO` and `DAC_READ_SEARCH` are
//!   errors: each is a known way out of the container (mounting filesystems
//!   and the cgroup release-agent escape, loading kernel modules, raw
//!   device and memory access, reading any host file by handle);
//! - anything else outside the baseline list (`NET_ADMIN`, `NET_RAW`,
//!   `SYS_PTRACE`, `BPF`, `SYS_TIME`, …) is a warning;
//! - a baseline capability other than `NET_BIND_SERVICE` is info: the
//!   baseline admits it, restricted does not.
//!
//! Names are compared the way runtimes read them, case-insensitively and
//! without the `CAP_` prefix, so `cap_sys_admin` counts as `SYS_ADMIN`; the
//! message points out a non-canonical spelling, because Kubernetes names
//! capabilities without `CAP_`, admission policies compare names exactly,
//! and whether a runtime grants `CAP_SYS_ADMIN` as written depends on the
//! runtime. Privileged containers (PK026) and Windows pods are skipped.
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   capabilities:
//!     add: [SYS_ADMIN, NET_ADMIN]
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: [ALL]
//!     add: [NET_BIND_SERVICE]
//! ```
//!
//! ## Fix
//! Remove the capability and find what the process actually does with it:
//! mounting (use a volume or a CSI driver), network setup (move it to an
//! init container or the CNI), tracing (an ephemeral debug container).
//! Add back only `NET_BIND_SERVICE` if it must bind a port below 1024.
//!
//! ## Incident it prevents
//! A log shipper was given `SYS_ADMIN` to mount a FUSE filesystem; an RCE in
//! its parser became a node takeover through the cgroup v1 `release_agent`
//! escape, which needs exactly that capability.

use super::pk020::{cap_name, privileged, windows};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK025",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container adds capabilities Pod Security does not allow (escape-grade ones such as SYS_ADMIN, ALL, SYS_MODULE: errors)",
};

pub const PEERS: &[&str] = &[
    "polaris:dangerousCapabilities",
    "kyverno:disallow-capabilities",
    "kyverno:disallow-capabilities-strict",
    "checkov:CKV_K8S_25",
    "checkov:CKV_K8S_39",
    "trivy:KSV005",
    "trivy:KSV022",
    "trivy:KSV106",
    "trivy:KSV119",
    "trivy:KSV120",
];

/// Pod Security baseline: capabilities that may be added.
const BASELINE: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Capabilities with a known path out of the container.
const ESCAPES: [(&str, &str); 5] = [
    ("ALL", "every capability, which is as good as privileged"),
    (
        "SYS_ADMIN",
        "mount, namespace and cgroup administration: the classic container escapes need it",
    ),
    (
        "SYS_MODULE",
        "it can load kernel modules into the node's kernel",
    ),
    ("SYS_RAWIO", "raw I/O: device and kernel memory access"),
    (
        "DAC_READ_SEARCH",
        "it can open any file on the host filesystem by handle (the \"shocker\" escape)",
    ),
];

/// Every Linux capability name (without `CAP_`), as of Linux 6.x.
const KNOWN: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

fn why(cap: &str) -> &'static str {
    match cap {
        "NET_ADMIN" => {
            "it can reconfigure interfaces, routes and firewall rules of its network namespace"
        }
        "NET_RAW" => "it can craft raw packets (ARP and DNS spoofing)",
        "SYS_PTRACE" => "it can trace and inject code into other processes it can see",
        "BPF" | "PERFMON" => "it can load eBPF programs or read kernel performance data",
        "SYS_TIME" => "it can set the node's clock",
        _ if KNOWN.contains(&cap) => "Pod Security's baseline level does not allow it",
        _ => "that is not a Linux capability (a typo?), and Pod Security rejects unknown names",
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if windows(w) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in cx.containers() {
        if privileged(c) {
            continue;
        }
        let Some(add) = c.node.path(&["securityContext", "capabilities", "add"]) else {
            continue;
        };
        for item in add.items() {
            let Some(raw) = item.as_str() else { continue };
            let cap = cap_name(raw);
            if cap.is_empty() || cap == "NET_BIND_SERVICE" {
                continue;
            }
            let spelling = if raw.trim().to_ascii_uppercase().starts_with("CAP_") {
                format!(
                    " (written {raw:?}: Kubernetes names it {cap}; whether the runtime grants the CAP_ spelling depends on the runtime, and admission policies that compare names exactly miss it)"
                )
            } else if raw != cap {
                format!(
                    " (written {raw:?}: runtimes grant it, but admission policies that compare names exactly miss it)"
                )
            } else {
                String::new()
            };
            let (severity, reason) = if let Some((_, why)) = ESCAPES.iter().find(|(n, _)| *n == cap)
            {
                (Severity::Error, (*why).to_string())
            } else if BASELINE.contains(&cap.as_str()) {
                (
                    Severity::Info,
                    "the baseline level allows it, but the restricted level allows adding only NET_BIND_SERVICE".to_string(),
                )
            } else {
                (Severity::Warning, why(&cap).to_string())
            };
            out.push(
                hit_at(
                    item,
                    format!("{} adds capability {cap}{spelling}: {reason}", cx.who(c)),
                )
                .with_fix(format!(
                    "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: []   # {cap} removed; NET_BIND_SERVICE is the only addition the restricted level allows"
                ))
                .with_severity(severity),
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
    fn grades_added_capabilities() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: api
          securityContext:
            capabilities:
              drop: [ALL]
              add:
                - NET_BIND_SERVICE
                - SYS_ADMIN
                - net_admin
                - CAP_SYS_MODULE
                - CHOWN
                - 42
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [14, 15, 16, 17, 18]);
        let sev: Vec<_> = hits.iter().map(|h| h.severity).collect();
        assert_eq!(
            sev,
            [
                Some(Severity::Error),
                Some(Severity::Warning),
                Some(Severity::Error),
                Some(Severity::Info),
                Some(Severity::Warning)
            ]
        );
        assert!(
            hits[0]
                .message
                .contains("container \"api\" in Deployment/web adds capability SYS_ADMIN:")
        );
        assert!(
            hits[1].message.contains("written \"net_admin\""),
            "{}",
            hits[1].message
        );
        assert!(
            hits[2]
                .message
                .contains("SYS_MODULE (written \"CAP_SYS_MODULE\"")
        );
        assert!(
            hits[4].message.contains("not a Linux capability"),
            "{}",
            hits[4].message
        );
    }

    #[test]
    fn all_and_net_raw_in_init_and_ephemeral_containers() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: init
      securityContext: {capabilities: {add: [ALL]}}
  containers:
    - name: a
  ephemeralContainers:
    - name: debug
      securityContext: {capabilities: {add: [SYS_PTRACE, NET_RAW]}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [6, 11, 11]);
        assert_eq!(hits[0].severity, Some(Severity::Error));
        assert!(hits[2].message.contains("raw packets"));
    }

    #[test]
    fn privileged_windows_and_odd_shapes_are_skipped() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: priv
      securityContext: {privileged: true, capabilities: {add: [SYS_ADMIN]}}
    - name: odd
      securityContext: {capabilities: {add: SYS_ADMIN}}
    - name: nested
      securityContext: {capabilities: {add: [[SYS_ADMIN]]}}
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers:
    - name: a
      securityContext: {capabilities: {add: [SYS_ADMIN]}}
";
        assert!(run(check, yaml).is_empty());
    }
}
