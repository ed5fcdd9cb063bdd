//! # PK039: Windows HostProcess container
//!
//! Flags `windowsOptions.hostProcess: true` in the pod's or a container's
//! `securityContext`. A HostProcess container is not isolated at all: it
//! runs directly on the Windows node as a host process, with the node's
//! filesystem, network and, typically, `NT AUTHORITY\SYSTEM` rights: the
//! Windows counterpart of a privileged Linux container. Pod Security's
//! baseline level forbids it; node agents that need it (CNI, CSI, log
//! collectors on Windows) belong in a separately governed namespace.
//!
//! ## Bad
//! ```yaml
//! spec:
//!   securityContext:
//!     windowsOptions:
//!       hostProcess: true
//!       runAsUserName: "NT AUTHORITY\\SYSTEM"
//!   hostNetwork: true
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   os: {name: windows}
//!   securityContext:
//!     windowsOptions:
//!       runAsUserName: ContainerUser
//! ```
//!
//! ## Fix
//! Remove `hostProcess` (and the `hostNetwork: true` it requires) and run
//! the workload as an ordinary Windows container as `ContainerUser`; keep
//! true node agents in a namespace whose admission policy allows them
//! explicitly.
//!
//! ## Incident it prevents
//! A metrics exporter for Windows nodes was deployed as a HostProcess pod
//! running as SYSTEM; a vulnerability in its HTTP handler gave remote code
//! execution on every Windows node of the cluster.

use super::pk020::names;
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK039",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A Windows HostProcess container runs directly on the node (windowsOptions.hostProcess: true)",
};

pub const PEERS: &[&str] = &[
    "polaris:hostProcess",
    "kyverno:disallow-host-process",
    "trivy:KSV103",
];

const FIX: &str =
    "securityContext:\n  windowsOptions:\n    hostProcess: false\n    runAsUserName: ContainerUser";

fn host_process(sc: Option<&Node>) -> Option<&Node> {
    sc.and_then(|sc| sc.path(&["windowsOptions", "hostProcess"]))
        .filter(|v| v.as_bool() == Some(true))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let mut out = Vec::new();
    let own = |c: &Container| {
        c.security_context()
            .and_then(|sc| sc.path(&["windowsOptions", "hostProcess"]))
            .filter(|v| !v.is_null())
            .is_some()
    };
    if let Some(v) = host_process(w.pod_spec.get("securityContext")) {
        let heirs: Vec<&Container> = cx.containers().filter(|c| !own(c)).collect();
        let whom = if heirs.is_empty() {
            String::new()
        } else {
            format!(" ({})", names(&heirs))
        };
        out.push(
            hit_at(
                v,
                format!(
                    "{} runs its containers{whom} as Windows HostProcess containers: they run on the node itself, unisolated, with the node's rights",
                    w.label()
                ),
            )
            .with_fix(FIX),
        );
    }
    for c in cx.containers() {
        if let Some(v) = host_process(c.security_context()) {
            out.push(
                hit_at(
                    v,
                    format!(
                        "{} is a Windows HostProcess container: it runs on the node itself, unisolated, with the node's rights",
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
    fn flags_host_process_pods_and_containers() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: win-exporter}
spec:
  template:
    spec:
      hostNetwork: true
      securityContext:
        windowsOptions:
          hostProcess: true
          runAsUserName: NT AUTHORITY\\SYSTEM
      containers:
        - name: exporter
        - name: own
          securityContext:
            windowsOptions: {hostProcess: true}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 16]);
        assert!(
            hits[0].message.contains("containers (\"exporter\")"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.starts_with(
                "container \"own\" in DaemonSet/win-exporter is a Windows HostProcess"
            )
        );
    }

    #[test]
    fn false_quoted_and_odd_shapes_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext: {windowsOptions: {hostProcess: \"true\"}}
  containers:
    - name: a
      securityContext: {windowsOptions: {hostProcess: false}}
    - name: b
      securityContext: {windowsOptions: [hostProcess]}
";
        assert!(run(check, yaml).is_empty());
    }
}
