//! # PK014: probe port the container does not declare
//!
//! Checks the port of every `httpGet`, `tcpSocket` and `grpc` probe
//! handler (liveness, readiness and startup) against the container's own
//! `ports`:
//!
//! - a **named** port (`port: http`) must match the `name` of one of the
//!   container's `ports`. The kubelet resolves the name in that container
//!   only; when it cannot, the probe fails every time: a liveness or
//!   startup probe restarts the container forever, a readiness probe keeps
//!   it out of every Service. This is an `error`.
//! - a **numeric** port that is not among the container's
//!   `containerPort`s is `info`: the process may well listen there
//!   (`ports` is informational), but usually the probe or the port list is
//!   stale after a port change.
//!
//! Probes with an explicit `host` (checking something other than the pod)
//! are skipped. Quoted numbers and malformed port names are rejected by
//! the API server and reported by PK015. Unlike the other probe rules this
//! one also checks Jobs and run-once Pods: a probe that cannot resolve its
//! port is broken wherever it runs.
//!
//! ## Bad
//! ```yaml
//! ports:
//!   - {name: web, containerPort: 8080}
//! livenessProbe:
//!   httpGet: {path: /livez, port: http}   # no port named "http"
//! ```
//!
//! ## Good
//! ```yaml
//! ports:
//!   - {name: http, containerPort: 8080}
//! livenessProbe:
//!   httpGet: {path: /livez, port: http}
//! ```
//!
//! ## Fix
//! Name the port in the container's `ports` (or point the probe at a name
//! that exists there); declare numeric probe ports as `containerPort`s.
//!
//! ## Incident it prevents
//! A chart renamed the container port from `http` to `web`; the liveness
//! probe still said `port: http`, so every new pod was killed after 30 s
//! and the rollout stalled in CrashLoopBackOff.

use crate::registry::pk010::{PROBES, PortRef, declared_ports, handlers, port_ref, probe};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK014",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A probe targets a port the container does not declare",
};

pub const PEERS: &[&str] = &[
    "kube-linter:liveness-port",
    "kube-linter:readiness-port",
    "kube-linter:startup-port",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.long_running_containers() {
        let ports = declared_ports(c);
        let declared = if ports.is_empty() {
            "it declares no ports".to_string()
        } else {
            let list: Vec<String> = ports
                .iter()
                .map(|(name, num)| match (name, num) {
                    (Some(n), Some(p)) => format!("{n}={p}"),
                    (Some(n), None) => n.to_string(),
                    (None, Some(p)) => p.to_string(),
                    (None, None) => "?".to_string(),
                })
                .collect();
            format!("it declares {}", list.join(", "))
        };
        for key in PROBES {
            let Some(p) = probe(c, key) else { continue };
            for (hk, hv) in handlers(p) {
                let kind = hk.as_str().unwrap_or("");
                if hv.str_at("host").is_some_and(|h| !h.trim().is_empty()) {
                    continue;
                }
                let Some(port_node) = hv.get("port") else {
                    continue;
                };
                let Some(port) = port_ref(port_node) else {
                    continue;
                };
                match port {
                    PortRef::Name(name) => {
                        if kind == "grpc"
                            || name.trim().parse::<i64>().is_ok()
                            || ports.iter().any(|(n, _)| *n == Some(name.as_str()))
                        {
                            continue; // grpc and quoted numbers: PK015
                        }
                        out.push(
                            hit_at(
                                port_node,
                                format!(
                                    "{}: {key} {kind} uses port name {name:?}, but {declared}; the kubelet cannot resolve the name and the probe always fails",
                                    cx.who(c)
                                ),
                            )
                            .with_fix(format!(
                                "ports:\n  - name: {name}\n    containerPort: 8080   # the port the process listens on"
                            )),
                        );
                    }
                    PortRef::Number(n) => {
                        if !(1..=65535).contains(&n) || ports.iter().any(|(_, p)| *p == Some(n)) {
                            continue; // out of range: PK015
                        }
                        out.push(
                            hit_at(
                                port_node,
                                format!(
                                    "{}: {key} {kind} checks port {n}, but {declared}; check that the process listens there",
                                    cx.who(c)
                                ),
                            )
                            .with_severity(Severity::Info)
                            .with_fix(format!("ports:\n  - name: http\n    containerPort: {n}")),
                        );
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn unknown_names_are_errors_unknown_numbers_info() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          ports:
            - {name: web, containerPort: 8080}
            - {name: metrics, containerPort: 9090, protocol: TCP}
          livenessProbe:
            httpGet: {path: /livez, port: http}
          readinessProbe:
            tcpSocket:
              port: 8081
          startupProbe:
            grpc: {port: 9090}
        - name: sidecar
          readinessProbe:
            httpGet: {port: admin}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [13, 16, 21]);
        assert_eq!(hits[0].severity, None);
        let m = &hits[0].message;
        assert!(
            m.contains("\"http\"") && m.contains("web=8080, metrics=9090"),
            "{m}"
        );
        assert_eq!(hits[1].severity, Some(Severity::Info));
        assert!(hits[1].message.contains("port 8081"), "{}", hits[1].message);
        assert!(
            hits[2].message.contains("declares no ports"),
            "{}",
            hits[2].message
        );
    }

    #[test]
    fn declared_ports_hosts_and_invalid_values_pass() {
        let yaml = "kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      initContainers:
        - name: proxy
          restartPolicy: Always
          ports: [{name: admin, containerPort: 15000}]
          livenessProbe: {httpGet: {port: admin}}
        - name: init
          livenessProbe: {httpGet: {port: nope}}
      containers:
        - name: a
          ports: [{name: http, containerPort: \"8080\"}]
          livenessProbe: {httpGet: {port: http}}
          readinessProbe: {httpGet: {port: 8080}}
          startupProbe: {tcpSocket: {port: other, host: db.example.com}}
        - name: b
          livenessProbe: {httpGet: {port: \"8080\"}}
          readinessProbe: {grpc: {port: named}}
          startupProbe: {httpGet: {port: ~}}
        - name: c
          livenessProbe: {grpc: {port: 0}}
          readinessProbe: {tcpSocket: {port: 70000}}
";
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn a_job_with_a_broken_name_is_flagged() {
        let yaml = "kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: a
              ports: [{name: http, containerPort: 80}]
              livenessProbe: {httpGet: {port: htp}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11]);
        assert!(hits[0].message.contains("CronJob/c"));
    }
}
