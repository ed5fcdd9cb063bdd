//! # PK024: capabilities are not dropped (no `drop: [ALL]`)
//!
//! Checks that every container drops all Linux capabilities with
//! `securityContext.capabilities.drop: [ALL]`. Without it a container keeps
//! the runtime's default set, root or not: `CHOWN`, `DAC_OVERRIDE`,
//! `FOWNER`, `SETUID`, `SETGID`, `KILL`, `NET_BIND_SERVICE`, `MKNOD`, and on
//! many runtimes `NET_RAW`, which lets a compromised container craft raw
//! packets to spoof ARP or DNS replies on the node's network. Dropping ALL
//! and adding back only what the process needs (usually nothing, sometimes
//! `NET_BIND_SERVICE`) is what Pod Security's restricted level requires; it
//! also covers the narrower "drop NET_RAW" checks of other tools, which this
//! rule stands for.
//!
//! `drop: [all]` in another case works with the runtimes (they compare
//! case-insensitively) but Pod Security admission only recognises `ALL`:
//! that is reported as info. Privileged containers get every capability
//! whatever they drop (PK026 reports them) and Windows pods have no Linux
//! capabilities; both are skipped.
//!
//! ## Bad
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: [NET_RAW]
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: [ALL]
//!     add: [NET_BIND_SERVICE]   # only if it binds a port below 1024
//! ```
//!
//! ## Fix
//! Add `capabilities: {drop: [ALL]}` to each container's `securityContext`
//! and add back, one by one, the capabilities a test run shows the process
//! needs.
//!
//! ## Incident it prevents
//! A compromised sidecar used its default `NET_RAW` to answer ARP requests
//! for the node's gateway and read the plaintext traffic of every pod on
//! the node.

use super::pk020::{privileged, shown, windows};
use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK024",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container does not drop ALL capabilities",
};

pub const PEERS: &[&str] = &[
    "kube-linter:drop-net-raw-capability",
    "polaris:insecureCapabilities",
    "kyverno:drop-all-capabilities",
    "kyverno:disallow-capabilities-strict",
    "kyverno:drop-cap-net-raw",
    "checkov:CKV_K8S_37",
    "checkov:CKV_K8S_28",
    "trivy:KSV003",
    "trivy:KSV004",
    "trivy:KSV106",
];

const FIX: &str = "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]   # only what it needs; usually nothing";

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
        let caps = c
            .security_context()
            .and_then(|sc| sc.get("capabilities"))
            .filter(|v| !v.is_null());
        let drop = caps.and_then(|c| c.get("drop")).filter(|v| !v.is_null());
        let Some(drop) = drop else {
            let msg = format!(
                "{} does not drop any capabilities: it keeps the runtime's default set (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, …)",
                cx.who(c)
            );
            let hit = match caps {
                Some(caps) => hit_at(caps, msg),
                None => missing_in(c, msg),
            };
            out.push(hit.with_fix(FIX));
            continue;
        };
        if drop.as_str().is_some() || drop.is_map() {
            out.push(
                hit_at(
                    drop,
                    format!(
                        "{} has capabilities.drop: {}, which is not a list: the API server rejects it",
                        cx.who(c),
                        shown(drop)
                    ),
                )
                .with_fix(FIX),
            );
            continue;
        }
        let names: Vec<&str> = drop.items().iter().filter_map(|i| i.as_str()).collect();
        if names.contains(&"ALL") {
            continue;
        }
        if let Some(item) = drop.items().iter().find(|i| {
            i.as_str()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("all"))
        }) {
            out.push(
                hit_at(
                    item,
                    format!(
                        "{} drops {}: runtimes accept any case, but Pod Security admission only recognises ALL in capital letters",
                        cx.who(c),
                        shown(item)
                    ),
                )
                .with_fix("capabilities:\n  drop: [ALL]")
                .with_severity(Severity::Info),
            );
            continue;
        }
        let net_raw = names.iter().any(|n| super::pk020::cap_name(n) == "NET_RAW");
        let kept = if net_raw {
            "the rest of the runtime's default set (CHOWN, DAC_OVERRIDE, SETUID, …)"
        } else {
            "the rest of the runtime's default set, NET_RAW included"
        };
        out.push(
            hit_at(
                drop,
                format!(
                    "{} drops only [{}], not ALL: it keeps {kept}",
                    cx.who(c),
                    names.join(", ")
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
    fn flags_containers_that_keep_capabilities() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers:
        - name: none
        - name: netraw
          securityContext:
            capabilities:
              drop: [NET_RAW]
        - name: addonly
          securityContext:
            capabilities: {add: [NET_BIND_SERVICE]}
        - name: lower
          securityContext:
            capabilities: {drop: [all]}
        - name: scalar
          securityContext:
            capabilities: {drop: ALL}
        - name: good
          securityContext:
            capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [8, 12, 15, 18, 21]);
        assert!(hits[0].message.contains("NET_RAW"));
        assert!(
            hits[1].message.contains("drops only [NET_RAW], not ALL"),
            "{}",
            hits[1].message
        );
        assert!(!hits[1].message.contains("NET_RAW included"));
        assert_eq!(hits[3].severity, Some(Severity::Info));
        assert!(hits[4].message.contains("not a list"));
    }

    #[test]
    fn privileged_windows_and_null_capabilities() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: priv
      securityContext: {privileged: true}
    - name: nullcaps
      securityContext: {capabilities: null}
---
kind: Pod
metadata: {name: w}
spec:
  os: {name: windows}
  containers: [{name: a}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7]);
    }

    #[test]
    fn init_and_cronjob_containers() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
            - name: init
              securityContext: {capabilities: {drop: [ALL]}}
          containers:
            - name: job
              securityContext: {capabilities: {drop: []}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [14]);
        assert!(hits[0].message.contains("drops only []"));
    }
}
