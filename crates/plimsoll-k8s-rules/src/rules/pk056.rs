//! # PK056: container port the API rejects, or declared twice
//!
//! Checks the `ports` of every container:
//!
//! - `containerPort` is required and must be a number from 1 to 65535
//!   (a quoted `"8080"` is a string and fails to decode); `hostPort`, when
//!   set, must be 0–65535; `protocol` must be `TCP`, `UDP` or `SCTP`
//!   (case-sensitive).
//! - A port `name` must be an IANA service name: at most 15 characters,
//!   lowercase letters, digits and `-`, at least one letter, no leading,
//!   trailing or doubled `-` (`http-metrics` fits, `prometheus-metrics`
//!   does not).
//! - Names must be unique within a container, and a `hostPort` (with its
//!   protocol and `hostIP`) may be claimed only once in the pod.
//!
//! Those make the API server refuse the workload (error). Two more are
//! accepted with a warning from the API server, and are reported as
//! warnings here: the same port name in two containers of the pod
//! (Services and probes that target the port by name then pick the first
//! one), and the same `containerPort`/protocol declared twice.
//!
//! ## Bad
//! ```yaml
//! ports:
//!   - {name: prometheus-metrics, containerPort: 9090}
//!   - {name: http, containerPort: "8080", protocol: tcp}
//! ```
//!
//! ## Good
//! ```yaml
//! ports:
//!   - {name: metrics, containerPort: 9090}
//!   - {name: http, containerPort: 8080, protocol: TCP}
//! ```
//!
//! ## Fix
//! ```yaml
//! - {name: metrics, containerPort: 9090, protocol: TCP}   # name: 15 chars max
//! ```
//!
//! ## Incident it prevents
//! A port renamed to `grpc-health-check` (17 characters) in a chart made
//! every install of the new version fail at apply time; the chart's CI
//! only rendered templates, so the break reached the first customer to
//! upgrade.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Node, Role, Value};
use std::collections::HashMap;

pub const META: Meta = Meta {
    code: "PK056",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A container port is invalid, or a port name or number is declared twice",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-ports-check",
    "kube-linter:invalid-target-ports",
];

/// Why `name` is not an IANA service name (a port name), if it is not.
pub(crate) fn port_name_problem(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.len() > 15 {
        return Some("is longer than 15 characters");
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    {
        return Some("may contain only lowercase letters, digits and '-'");
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        return Some("must contain at least one letter");
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') || name.contains("--") {
        return Some("may not start or end with '-' or contain '--'");
    }
    None
}

/// A port number as written: `Ok(n)` for a plain integer, `Err(why)`.
fn port_number(n: &Node) -> Result<i64, String> {
    if let Some(v) = n.as_i64() {
        return Ok(v);
    }
    match &n.value {
        Value::Scalar { text, plain: false } => Err(format!(
            "is the string {text:?}, not a number (remove the quotes)"
        )),
        Value::Scalar { text, .. } => Err(format!("is {text:?}, not a whole number")),
        _ => Err("is not a number".into()),
    }
}

fn text(n: Option<&Node>) -> &str {
    n.and_then(Node::as_str).unwrap_or("")
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    // (containerPort, protocol, hostIP, hostPort) → line; name → (container, line).
    let mut numbers: HashMap<(i64, String, String, i64), u32> = HashMap::new();
    let mut host_ports: HashMap<(i64, String, String), u32> = HashMap::new();
    let mut pod_names: HashMap<String, (String, u32)> = HashMap::new();
    for c in cx.containers() {
        if c.role == Role::Ephemeral {
            continue; // the API forbids ports on ephemeral containers
        }
        let Some(ports) = c.get("ports") else {
            continue;
        };
        let who = cx.who(c);
        let mut names: HashMap<&str, u32> = HashMap::new();
        for p in ports.items() {
            if !p.is_map() {
                out.push(
                    hit_at(p, format!("{who} has a ports entry that is not a mapping"))
                        .with_fix("- {name: http, containerPort: 8080}"),
                );
                continue;
            }
            let cp = p.get("containerPort").filter(|n| !n.is_null());
            let number = match cp {
                None => {
                    out.push(
                        hit_at(
                            p,
                            format!(
                                "{who} has a port without containerPort: the API server refuses it"
                            ),
                        )
                        .with_fix("- {name: http, containerPort: 8080}"),
                    );
                    None
                }
                Some(n) if n.as_str().is_some_and(super::pk069::unrendered) => None,
                Some(n) => match port_number(n) {
                    Ok(v) if (1..=65535).contains(&v) => Some(v),
                    Ok(v) => {
                        out.push(
                            hit_at(n, format!("{who}: containerPort {v} is outside 1-65535: the API server refuses it"))
                                .with_fix("containerPort: 8080"),
                        );
                        None
                    }
                    Err(why) => {
                        out.push(
                            hit_at(
                                n,
                                format!("{who}: containerPort {why}: the API server refuses it"),
                            )
                            .with_fix(format!(
                                "containerPort: {}",
                                n.as_str()
                                    .and_then(|t| t.trim().parse::<u16>().ok())
                                    .unwrap_or(8080)
                            )),
                        );
                        None
                    }
                },
            };
            let protocol = match p.get("protocol").filter(|n| !n.is_null()) {
                None => "TCP".to_string(),
                Some(n) => {
                    let t = text(Some(n));
                    let shown = if n.as_str().is_some() {
                        format!("{t:?}")
                    } else {
                        "(not a string)".into()
                    };
                    if !matches!(t, "TCP" | "UDP" | "SCTP") && !super::pk069::unrendered(t) {
                        out.push(
                            hit_at(n, format!("{who}: protocol {shown} is not TCP, UDP or SCTP (case-sensitive): the API server refuses it"))
                                .with_fix(format!("protocol: {}", t.to_ascii_uppercase())),
                        );
                    }
                    t.to_string()
                }
            };
            let host_ip = text(p.get("hostIP")).to_string();
            let mut host_port = 0;
            if let Some(n) = p.get("hostPort").filter(|n| !n.is_null()) {
                match port_number(n) {
                    Ok(v) if (0..=65535).contains(&v) => host_port = v,
                    Ok(v) => out.push(
                        hit_at(
                            n,
                            format!(
                                "{who}: hostPort {v} is outside 0-65535: the API server refuses it"
                            ),
                        )
                        .with_fix("# remove hostPort unless the pod must own a node port"),
                    ),
                    Err(why) => out.push(
                        hit_at(
                            n,
                            format!("{who}: hostPort {why}: the API server refuses it"),
                        )
                        .with_fix("# remove hostPort unless the pod must own a node port"),
                    ),
                }
            }
            if host_port > 0 {
                let key = (host_port, protocol.clone(), host_ip.clone());
                let at = p.get("hostPort").map_or(p, |n| n);
                if let Some(first) = host_ports.get(&key) {
                    out.push(
                        hit_at(at, format!("{who}: hostPort {host_port}/{protocol} is already claimed at line {first}: the API server refuses it"))
                            .with_fix("# claim each hostPort once per pod"),
                    );
                } else {
                    host_ports.insert(key, at.start.line);
                }
            }
            if let Some(v) = number {
                let key = (v, protocol.clone(), host_ip.clone(), host_port);
                let at = cp.map_or(p, |n| n);
                if let Some(first) = numbers.get(&key) {
                    out.push(
                        hit_at(
                            at,
                            format!(
                                "{who}: port {v}/{protocol} is already declared at line {first}"
                            ),
                        )
                        .with_severity(Severity::Warning)
                        .with_fix("# declare each containerPort/protocol once"),
                    );
                } else {
                    numbers.insert(key, at.start.line);
                }
            }
            let Some(name_node) = p.get("name").filter(|n| !n.is_null()) else {
                continue;
            };
            let name = text(Some(name_node));
            if name.is_empty() || super::pk069::unrendered(name) {
                continue;
            }
            if let Some(why) = port_name_problem(name) {
                let fixed: String = name
                    .to_ascii_lowercase()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .take(15)
                    .collect();
                out.push(
                    hit_at(
                        name_node,
                        format!("{who}: port name {name:?} {why}: the API server refuses it"),
                    )
                    .with_fix(format!(
                        "name: {}   # IANA service name: 15 characters at most",
                        fixed.trim_matches('-')
                    )),
                );
                continue;
            }
            if let Some(first) = names.get(name) {
                out.push(
                    hit_at(name_node, format!("{who} names two ports {name:?} (first at line {first}): the API server refuses it"))
                        .with_fix("# give each port of a container its own name"),
                );
                continue;
            }
            names.insert(name, name_node.start.line);
            if let Some((other, line)) = pod_names.get(name) {
                out.push(
                    hit_at(
                        name_node,
                        format!(
                            "{who}: port name {name:?} is also used by {other} (line {line}): Services and \
                             probes that target it by name get the first one"
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .with_fix("# name ports uniquely across the pod's containers"),
                );
            } else {
                pod_names.insert(
                    name.to_string(),
                    (format!("container {:?}", c.name), name_node.start.line),
                );
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
    fn invalid_ports_are_errors() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          ports:
            - {name: prometheus-metrics, containerPort: 9090}
            - {name: http, containerPort: \"8080\", protocol: tcp}
            - {name: http, containerPort: 8081}
            - {name: grpc}
            - {name: big, containerPort: 70000}
            - {name: \"8080\", containerPort: 8082}
            - {containerPort: 8083, hostPort: 80}
            - {containerPort: 8084, hostPort: 80}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 11, 11, 12, 13, 14, 15, 17]);
        assert!(
            hits[0].message.contains("longer than 15"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("string \"8080\""),
            "{}",
            hits[1].message
        );
        assert_eq!(hits[1].fix.as_deref(), Some("containerPort: 8080"));
        assert!(hits[2].message.contains("case-sensitive"));
        assert!(
            hits[3].message.contains("names two ports \"http\""),
            "{}",
            hits[3].message
        );
        assert!(hits[4].message.contains("without containerPort"));
        assert!(hits[5].message.contains("70000"));
        assert!(hits[6].message.contains("at least one letter"));
        assert!(
            hits[7]
                .message
                .contains("hostPort 80/TCP is already claimed"),
            "{}",
            hits[7].message
        );
        assert!(hits.iter().all(|h| h.severity.is_none()));
    }

    #[test]
    fn duplicates_across_containers_are_warnings() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: proxy
      restartPolicy: Always
      ports: [{name: http, containerPort: 8080}]
  containers:
    - name: app
      ports:
        - {name: http, containerPort: 8081}
        - {name: metrics, containerPort: 8080}
        - {name: dns, containerPort: 53, protocol: UDP}
        - {name: dns-tcp, containerPort: 53, protocol: TCP}
  ephemeralContainers:
    - name: debug
      ports: [{containerPort: 0}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [12, 13]);
        assert!(
            hits[0].message.contains("also used by container \"proxy\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1]
                .message
                .contains("8080/TCP is already declared at line 8"),
            "{}",
            hits[1].message
        );
        assert!(hits.iter().all(|h| h.severity == Some(Severity::Warning)));
    }

    #[test]
    fn names_and_numbers_that_fit_pass() {
        assert_eq!(port_name_problem("http-metrics"), None);
        assert!(port_name_problem("a--b").is_some());
        assert!(port_name_problem("123").is_some());
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      ports: [{name: web, containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1}, {containerPort: 443, protocol: SCTP}, {name: \"${PORT_NAME}\", containerPort: \"${PORT}\"}]
";
        assert!(run(check, yaml).is_empty());
    }
}
