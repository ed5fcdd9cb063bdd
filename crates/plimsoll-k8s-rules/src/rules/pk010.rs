//! # PK010: long-running container without a liveness probe
//!
//! Checks that every main container of a long-running workload
//! (Deployment, StatefulSet, DaemonSet, ReplicaSet, Rollout, and Pods that
//! restart) sets `livenessProbe`. Without one the kubelet only restarts a
//! container whose process exits: a process that deadlocks, wedges its
//! event loop or loses its last worker thread keeps running, keeps its
//! place in the rollout and never recovers on its own.
//!
//! Native sidecars (`initContainers` with `restartPolicy: Always`) are
//! checked too, at `info`: a wedged proxy or log shipper hurts as much as
//! a wedged application, but many sidecars expose no health endpoint.
//! Jobs, CronJobs and run-once Pods are skipped: they are meant to exit.
//!
//! A liveness probe must only answer "is this process hopelessly stuck?":
//! it must not call databases or other services (see PK012), and it must
//! leave time for a slow start (see PK013).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     ports: [{name: http, containerPort: 8080}]
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     ports: [{name: http, containerPort: 8080}]
//!     livenessProbe:
//!       httpGet: {path: /livez, port: http}
//!       periodSeconds: 10
//!       failureThreshold: 3
//! ```
//!
//! ## Fix
//! Add a cheap endpoint that only checks the process itself (no
//! downstream calls) and point `livenessProbe` at it; give slow starters a
//! `startupProbe`.
//!
//! ## Incident it prevents
//! A worker's consumer thread died on an unhandled exception while the
//! HTTP server kept running; with no liveness probe the pod stayed up for
//! two days processing nothing until the queue backlog paged someone.

use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node, Role};

pub const META: Meta = Meta {
    code: "PK010",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A long-running container has no liveness probe",
};

pub const PEERS: &[&str] = &[
    "kube-linter:no-liveness-probe",
    "kube-score:pod-probes",
    "polaris:livenessProbeMissing",
    "checkov:CKV_K8S_8",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if !cx.workload.long_running() {
        return out;
    }
    for c in cx.long_running_containers() {
        if probe(c, "livenessProbe").is_some() {
            continue;
        }
        let hit = missing_in(c, format!("{} has no livenessProbe", cx.who(c))).with_fix(probe_fix(
            "livenessProbe",
            "/livez",
            c,
        ));
        out.push(if c.role == Role::Sidecar {
            hit.with_severity(Severity::Info)
        } else {
            hit
        });
    }
    out
}

// ---------------------------------------------------------------------
// Probe helpers shared by PK010–PK015 (`crate::registry::pk010::…`).
// ---------------------------------------------------------------------

/// The three probe fields of a container.
pub const PROBES: [&str; 3] = ["livenessProbe", "readinessProbe", "startupProbe"];

/// The handler fields a probe may set (exactly one).
pub const HANDLERS: [&str; 4] = ["httpGet", "tcpSocket", "exec", "grpc"];

/// The probe `key` of a container when it is set (absent and `null` are
/// not).
pub fn probe<'a>(c: &Container<'a>, key: &str) -> Option<&'a Node> {
    c.get(key).filter(|n| !n.is_null())
}

/// The handler entries a probe sets: (key node, value node), `null`
/// values left out.
pub fn handlers(probe: &Node) -> Vec<(&Node, &Node)> {
    HANDLERS
        .iter()
        .filter_map(|h| probe.entry(h))
        .filter(|(_, v)| !v.is_null())
        .collect()
}

/// A probe timing field as written.
#[derive(Debug, Clone, Copy)]
pub enum Num<'a> {
    /// Absent or `null`: the API server's default applies.
    Absent,
    /// A plain integer.
    Int(i64, &'a Node),
    /// Anything else (a quoted number, a float, a map): the API rejects it.
    Bad(&'a Node),
}

/// Reads the integer field `key` of a probe.
pub fn num<'a>(probe: &'a Node, key: &str) -> Num<'a> {
    match probe.get(key) {
        None => Num::Absent,
        Some(n) if n.is_null() => Num::Absent,
        Some(n) => match n.as_i64() {
            Some(v) => Num::Int(v, n),
            None => Num::Bad(n),
        },
    }
}

/// A probe's timing after the API server's defaulting (a missing or zero
/// `timeoutSeconds` is 1, `periodSeconds` 10, `successThreshold` 1,
/// `failureThreshold` 3; `initialDelaySeconds` defaults to 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub initial_delay: i64,
    pub timeout: i64,
    pub period: i64,
    pub success: i64,
    pub failure: i64,
}

impl Timing {
    /// `None` when a field is negative or not an integer (PK015 reports
    /// those).
    pub fn of(probe: &Node) -> Option<Timing> {
        let field = |key: &str, default: i64, zero_is_default: bool| match num(probe, key) {
            Num::Absent => Some(default),
            Num::Int(v, _) if v < 0 => None,
            Num::Int(0, _) if zero_is_default => Some(default),
            Num::Int(v, _) => Some(v),
            Num::Bad(_) => None,
        };
        Some(Timing {
            initial_delay: field("initialDelaySeconds", 0, false)?,
            timeout: field("timeoutSeconds", 1, true)?,
            period: field("periodSeconds", 10, true)?,
            success: field("successThreshold", 1, true)?,
            failure: field("failureThreshold", 3, true)?,
        })
    }

    /// Seconds of consecutive failures before the probe gives up, once
    /// running: `failureThreshold × periodSeconds`.
    pub fn steady_window(&self) -> i64 {
        self.failure.saturating_mul(self.period)
    }

    /// Seconds from container start until the probe can give up:
    /// `initialDelaySeconds + failureThreshold × periodSeconds`.
    pub fn start_window(&self) -> i64 {
        self.initial_delay.saturating_add(self.steady_window())
    }
}

/// A probe port as written: a plain integer, or a string (a port name;
/// the API rejects a quoted number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => write!(f, "{s:?}"),
        }
    }
}

/// Reads a port node.
pub fn port_ref(n: &Node) -> Option<PortRef> {
    if n.is_null() {
        return None;
    }
    if let Some(v) = n.as_i64() {
        return Some(PortRef::Number(v));
    }
    n.as_str().map(|s| PortRef::Name(s.to_string()))
}

/// The ports a container declares: (name, containerPort).
pub fn declared_ports<'a>(c: &Container<'a>) -> Vec<(Option<&'a str>, Option<i64>)> {
    c.get("ports")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            let name = p.str_at("name").filter(|s| !s.is_empty());
            let number = p.get("containerPort").and_then(|n| {
                n.as_i64()
                    .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
            });
            (name, number)
        })
        .collect()
}

/// A port as the kubelet resolves it: a name through the container's
/// `ports`, else a number written as a string, else the name.
pub fn resolve_port(p: &PortRef, c: &Container) -> PortRef {
    match p {
        PortRef::Number(_) => p.clone(),
        PortRef::Name(name) => {
            if let Some(n) = declared_ports(c)
                .iter()
                .find(|(n, _)| *n == Some(name.as_str()))
                .and_then(|(_, num)| *num)
            {
                return PortRef::Number(n);
            }
            match name.trim().parse::<i64>() {
                Ok(n) => PortRef::Number(n),
                Err(_) => p.clone(),
            }
        }
    }
}

/// What a probe does, compared structurally (ports resolved through the
/// container, defaults filled in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handler {
    Http {
        scheme: String,
        host: String,
        port: Option<PortRef>,
        path: String,
        headers: Vec<(String, String)>,
    },
    Tcp {
        host: String,
        port: Option<PortRef>,
    },
    Exec(Vec<String>),
    Grpc {
        port: Option<i64>,
        service: String,
    },
}

impl std::fmt::Display for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let port = |p: &Option<PortRef>| p.as_ref().map_or("?".to_string(), |p| p.to_string());
        match self {
            Handler::Http { path, port: p, .. } => write!(f, "httpGet {path} on port {}", port(p)),
            Handler::Tcp { port: p, .. } => write!(f, "tcpSocket on port {}", port(p)),
            Handler::Exec(cmd) => write!(f, "exec `{}`", cmd.join(" ")),
            Handler::Grpc { port: p, service } => {
                let p = p.map_or("?".to_string(), |p| p.to_string());
                if service.is_empty() {
                    write!(f, "grpc on port {p}")
                } else {
                    write!(f, "grpc service {service:?} on port {p}")
                }
            }
        }
    }
}

/// The single handler of a probe, read structurally; `None` when the
/// probe sets no handler, several, or one that cannot be read.
pub fn handler(probe: &Node, c: &Container) -> Option<Handler> {
    let hs = handlers(probe);
    let [(k, v)] = hs.as_slice() else {
        return None;
    };
    if !v.is_map() {
        return None;
    }
    let text = |key: &str| v.str_at(key).unwrap_or("").to_string();
    let port = || {
        v.get("port")
            .and_then(port_ref)
            .map(|p| resolve_port(&p, c))
    };
    match k.as_str()? {
        "httpGet" => {
            let mut path = text("path");
            if !path.starts_with('/') {
                path.insert(0, '/');
            }
            let scheme = v.str_at("scheme").unwrap_or("HTTP").to_ascii_uppercase();
            let mut headers: Vec<(String, String)> = v
                .get("httpHeaders")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .map(|h| {
                    let name = h.str_at("name").unwrap_or("").to_ascii_lowercase();
                    (name, h.str_at("value").unwrap_or("").to_string())
                })
                .collect();
            headers.sort();
            Some(Handler::Http {
                scheme,
                host: text("host"),
                port: port(),
                path,
                headers,
            })
        }
        "tcpSocket" => Some(Handler::Tcp {
            host: text("host"),
            port: port(),
        }),
        "exec" => {
            let cmd = v.get("command")?;
            let mut words = Vec::new();
            for w in cmd.items() {
                words.push(w.as_str()?.to_string());
            }
            Some(Handler::Exec(words))
        }
        "grpc" => Some(Handler::Grpc {
            port: v.get("port").and_then(Node::as_i64),
            service: text("service"),
        }),
        _ => None,
    }
}

/// A probe snippet for a fix, aimed at the container's first declared
/// port when it has one.
pub fn probe_fix(key: &str, path: &str, c: &Container) -> String {
    let port = declared_ports(c)
        .into_iter()
        .find_map(|(name, num)| name.map(str::to_string).or(num.map(|n| n.to_string())))
        .unwrap_or_else(|| "8080".to_string());
    let timing = if key == "readinessProbe" {
        "  periodSeconds: 5\n  failureThreshold: 3"
    } else {
        "  periodSeconds: 10\n  failureThreshold: 3"
    };
    format!(
        "{key}:\n  httpGet:\n    path: {path}   # a cheap, local health check\n    port: {port}\n{timing}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};
    use plimsoll_k8s::{Limits, load};

    #[test]
    fn flags_long_running_containers_without_liveness() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: api:1
        - name: proxy
          image: envoy:1
          restartPolicy: Always
      containers:
        - name: api
          image: api:1
          ports: [{name: http, containerPort: 8080}]
        - name: ok
          image: ok:1
          livenessProbe: {tcpSocket: {port: 80}}
        - name: nulled
          image: n:1
          livenessProbe: null
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 14, 20]);
        assert_eq!(
            hits[0].severity,
            Some(Severity::Info),
            "sidecars are advice"
        );
        assert_eq!(hits[1].severity, None);
        assert!(hits[1].message.contains("\"api\""), "{}", hits[1].message);
        assert!(hits[1].fix.as_deref().unwrap().contains("port: http"));
    }

    #[test]
    fn jobs_cronjobs_and_run_once_pods_are_skipped() {
        let yaml = "kind: Job
metadata: {name: j}
spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}
---
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: a, image: a:1}]
---
kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Never
  containers: [{name: a, image: a:1}]
";
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn restarting_pods_and_empty_probes_count() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      livenessProbe: {}
    - name: b
";
        assert_eq!(lines(&run(check, yaml)), [7]);
    }

    fn first_container(yaml: &str, f: impl FnOnce(&Container)) {
        let m = load("t.yaml", yaml, Limits::default()).unwrap();
        let ws = m.workloads();
        f(&ws[0].containers[0]);
    }

    #[test]
    fn timing_applies_api_defaults_and_rejects_bad_values() {
        first_container(
            "kind: Pod
spec:
  containers:
    - name: a
      livenessProbe: {periodSeconds: 0, failureThreshold: 5, initialDelaySeconds: 7}
      readinessProbe: {periodSeconds: \"5\"}
      startupProbe: {timeoutSeconds: -1}
",
            |c| {
                let t = Timing::of(probe(c, "livenessProbe").unwrap()).unwrap();
                assert_eq!((t.period, t.failure, t.timeout, t.success), (10, 5, 1, 1));
                assert_eq!((t.steady_window(), t.start_window()), (50, 57));
                assert_eq!(Timing::of(probe(c, "readinessProbe").unwrap()), None);
                assert_eq!(Timing::of(probe(c, "startupProbe").unwrap()), None);
            },
        );
    }

    #[test]
    fn handlers_compare_structurally() {
        first_container(
            "kind: Pod
spec:
  containers:
    - name: a
      ports: [{name: http, containerPort: 8080}]
      livenessProbe:
        httpGet: {path: healthz, port: http, scheme: http}
      readinessProbe:
        httpGet:
          port: 8080
          path: /healthz
      startupProbe:
        exec: {command: [cat, /tmp/ok]}
        tcpSocket: {port: 1}
",
            |c| {
                let l = handler(probe(c, "livenessProbe").unwrap(), c).unwrap();
                let r = handler(probe(c, "readinessProbe").unwrap(), c).unwrap();
                assert_eq!(l, r);
                assert_eq!(l.to_string(), "httpGet /healthz on port 8080");
                assert_eq!(handler(probe(c, "startupProbe").unwrap(), c), None);
            },
        );
    }
}
