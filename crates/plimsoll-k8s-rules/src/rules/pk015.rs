//! # PK015: probe the API server rejects
//!
//! Checks probes (`livenessProbe`, `readinessProbe`, `startupProbe`)
//! against the rules the Kubernetes API server enforces, so the mistake
//! shows up in review instead of as a failed `kubectl apply` or a stuck
//! GitOps sync:
//!
//! - probes on a plain init container (only native sidecars, with
//!   `restartPolicy: Always`, may have them) or an ephemeral container;
//! - a probe that is not a mapping, that sets no handler, or more than one
//!   of `httpGet`, `tcpSocket`, `exec` and `grpc`;
//! - an `httpGet`/`tcpSocket` port that is missing, outside 1–65535, or a
//!   string that is not a valid port name (at most 15 characters of
//!   `a-z`, `0-9` and `-`, at least one letter, no leading, trailing or
//!   doubled `-`; a quoted number such as `"8080"` is a string and fails);
//!   a `grpc` port that is not a number in 1–65535;
//! - an `httpGet.scheme` other than `HTTP` or `HTTPS`, an `exec` without a
//!   `command`;
//! - a timing field (`initialDelaySeconds`, `timeoutSeconds`,
//!   `periodSeconds`, `successThreshold`, `failureThreshold`) that is not
//!   an integer or is negative; a `successThreshold` other than 1 on a
//!   liveness or startup probe; `terminationGracePeriodSeconds` on a
//!   readiness probe, or not positive elsewhere.
//!
//! ## Bad
//! ```yaml
//! livenessProbe:
//!   httpGet: {path: /livez, port: "8080", scheme: http}
//!   successThreshold: 2
//! ```
//!
//! ## Good
//! ```yaml
//! livenessProbe:
//!   httpGet: {path: /livez, port: 8080, scheme: HTTP}
//!   successThreshold: 1
//! ```
//!
//! ## Fix
//! Write ports and timing as plain integers (check what your templating
//! quotes), keep one handler per probe, and move probes off plain init
//! containers.
//!
//! ## Incident it prevents
//! A Helm value rendered `port: "8080"` with `| quote`; Argo CD reported
//! the Deployment as out of sync for a day while the release everyone
//! thought was out never reached the cluster.

use crate::registry::pk010::{Num, PROBES, handlers, num, probe};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Node, Role};

pub const META: Meta = Meta {
    code: "PK015",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A probe is invalid and the API server rejects it",
};

pub const PEERS: &[&str] = &[];

/// Why a port name is invalid (the API's IANA service-name rules).
fn bad_port_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > 15 {
        Some("is longer than 15 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("may only contain a-z, 0-9 and '-'")
    } else if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("is a string without a letter (write a number unquoted)")
    } else if name.contains("--") || name.starts_with('-') || name.ends_with('-') {
        Some("may not start or end with '-' or contain '--'")
    } else {
        None
    }
}

fn port_problem<'a>(kind: &str, v: &'a Node) -> Option<(String, &'a Node)> {
    let Some(port) = v.get("port").filter(|p| !p.is_null()) else {
        return Some((format!("{kind} has no port"), v));
    };
    if let Some(n) = port.as_i64() {
        return (!(1..=65535).contains(&n))
            .then(|| (format!("{kind} port {n} is outside 1-65535"), port));
    }
    if kind == "grpc" {
        return Some((format!("{kind} port must be a number"), port));
    }
    match port.as_str() {
        Some(name) => bad_port_name(name).map(|why| (format!("{kind} port {name:?} {why}"), port)),
        None => Some((format!("{kind} port must be a number or a port name"), port)),
    }
}

const TIMING: [&str; 5] = [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let who = cx.who(c);
        for key in PROBES {
            let Some(p) = probe(c, key) else { continue };
            let anchor = c.node.entry(key).map_or(p, |(k, _)| k);
            let mut hit = |at: &Node, msg: String, fix: &str| {
                out.push(hit_at(at, format!("{who}: {key} {msg}")).with_fix(fix.to_string()));
            };
            match c.role {
                Role::Init => {
                    hit(
                        anchor,
                        "is not allowed on an init container; only native sidecars (restartPolicy: Always) may have probes".into(),
                        "initContainers:\n  - name: proxy\n    restartPolicy: Always   # a native sidecar may have probes",
                    );
                    continue;
                }
                Role::Ephemeral => {
                    hit(
                        anchor,
                        "is not allowed on an ephemeral container".into(),
                        "# remove the probe from the ephemeral container",
                    );
                    continue;
                }
                Role::Main | Role::Sidecar => {}
            }
            if !p.is_map() {
                hit(
                    p,
                    "must be a mapping with one handler".into(),
                    "livenessProbe:\n  httpGet: {path: /livez, port: 8080}",
                );
                continue;
            }
            let hs = handlers(p);
            match hs.as_slice() {
                [] => hit(
                    anchor,
                    "sets no handler (httpGet, tcpSocket, exec or grpc)".into(),
                    "httpGet: {path: /livez, port: 8080}",
                ),
                [_] => {}
                [_, (second, _), ..] => {
                    let names: Vec<&str> = hs.iter().filter_map(|(k, _)| k.as_str()).collect();
                    hit(
                        second,
                        format!(
                            "sets more than one handler ({}); keep one",
                            names.join(", ")
                        ),
                        "# keep exactly one of httpGet, tcpSocket, exec, grpc",
                    );
                }
            }
            for (hk, hv) in &hs {
                let kind = hk.as_str().unwrap_or("");
                if !hv.is_map() {
                    hit(
                        hv,
                        format!("{kind} must be a mapping"),
                        "httpGet: {path: /livez, port: 8080}",
                    );
                    continue;
                }
                if matches!(kind, "httpGet" | "tcpSocket" | "grpc")
                    && let Some((msg, at)) = port_problem(kind, hv)
                {
                    hit(
                        at,
                        msg,
                        "port: 8080   # a plain number, or the name of a declared port",
                    );
                }
                if kind == "httpGet"
                    && let Some(s) = hv
                        .get("scheme")
                        .filter(|s| !s.is_null() && s.as_str() != Some(""))
                    && !matches!(s.as_str(), Some("HTTP" | "HTTPS"))
                {
                    hit(
                        s,
                        format!(
                            "httpGet scheme {} is not HTTP or HTTPS",
                            s.as_str()
                                .map_or("a collection".to_string(), |t| format!("{t:?}"))
                        ),
                        "scheme: HTTPS",
                    );
                }
                if kind == "exec" && hv.get("command").is_none_or(|cmd| cmd.items().is_empty()) {
                    hit(
                        hv.get("command").unwrap_or(hk),
                        "exec has no command".into(),
                        "exec:\n  command: [/bin/healthcheck]",
                    );
                }
            }
            for field in TIMING {
                match num(p, field) {
                    Num::Absent => {}
                    Num::Bad(n) => hit(
                        n,
                        format!(
                            "{field} must be a plain integer, not {:?}",
                            n.as_str().unwrap_or("a collection")
                        ),
                        &format!("{field}: 10"),
                    ),
                    Num::Int(v, n) if v < 0 => hit(
                        n,
                        format!("{field} {v} is negative"),
                        &format!("{field}: 10"),
                    ),
                    Num::Int(v, n)
                        if field == "successThreshold" && key != "readinessProbe" && v > 1 =>
                    {
                        hit(
                            n,
                            format!("successThreshold must be 1 on a {key}, not {v}"),
                            "successThreshold: 1",
                        )
                    }
                    Num::Int(..) => {}
                }
            }
            match num(p, "terminationGracePeriodSeconds") {
                Num::Absent => {}
                Num::Int(_, n) | Num::Bad(n) if key == "readinessProbe" => hit(
                    n,
                    "may not set terminationGracePeriodSeconds".into(),
                    "# remove terminationGracePeriodSeconds from the readinessProbe",
                ),
                Num::Int(v, n) if v <= 0 => hit(
                    n,
                    format!("terminationGracePeriodSeconds must be positive, not {v}"),
                    "terminationGracePeriodSeconds: 30",
                ),
                Num::Int(..) => {}
                Num::Bad(n) => hit(
                    n,
                    "terminationGracePeriodSeconds must be a plain integer".into(),
                    "terminationGracePeriodSeconds: 30",
                ),
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
    fn flags_what_the_api_rejects() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: init
          livenessProbe: {exec: {command: [x]}}
      containers:
        - name: web
          livenessProbe:
            httpGet: {path: /livez, port: \"8080\", scheme: http}
            successThreshold: 2
            periodSeconds: \"10\"
          readinessProbe:
            tcpSocket: {port: 70000}
            exec: {command: []}
            terminationGracePeriodSeconds: 5
            failureThreshold: -1
          startupProbe:
            grpc: {port: grpc}
        - name: other
          livenessProbe: {}
          readinessProbe: {httpGet: {port: Http_Port}}
          startupProbe: true
";
        let hits = run(check, yaml);
        assert_eq!(
            lines(&hits),
            [9, 13, 13, 15, 14, 18, 17, 18, 20, 19, 22, 24, 25, 26]
        );
        let all: Vec<&str> = hits.iter().map(|h| h.message.as_str()).collect();
        assert!(
            all[0].contains("init container \"init\"") && all[0].contains("native sidecars"),
            "{}",
            all[0]
        );
        assert!(
            all[1].contains("\"8080\" is a string without a letter"),
            "{}",
            all[1]
        );
        assert!(all[2].contains("scheme \"http\""), "{}", all[2]);
        assert!(
            all[3].contains("periodSeconds must be a plain integer"),
            "{}",
            all[3]
        );
        assert!(
            all[4].contains("successThreshold must be 1 on a livenessProbe"),
            "{}",
            all[4]
        );
        assert!(
            all[5].contains("more than one handler (tcpSocket, exec)"),
            "{}",
            all[5]
        );
        assert!(all[6].contains("port 70000"), "{}", all[6]);
        assert!(all[7].contains("exec has no command"), "{}", all[7]);
        assert!(all[8].contains("failureThreshold -1"), "{}", all[8]);
        assert!(
            all[9].contains("terminationGracePeriodSeconds"),
            "{}",
            all[9]
        );
        assert!(
            all[10].contains("grpc port must be a number"),
            "{}",
            all[10]
        );
        assert!(all[11].contains("no handler"), "{}", all[11]);
        assert!(all[12].contains("a-z, 0-9"), "{}", all[12]);
        assert!(all[13].contains("must be a mapping"), "{}", all[13]);
    }

    #[test]
    fn valid_probes_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  restartPolicy: Never
  initContainers:
    - name: proxy
      restartPolicy: Always
      startupProbe: {tcpSocket: {port: admin-port}, failureThreshold: 0, successThreshold: 0}
  containers:
    - name: a
      livenessProbe:
        httpGet: {path: /livez, port: 8080, scheme: HTTPS}
        tcpSocket: ~
        successThreshold: 1
        terminationGracePeriodSeconds: 10
      readinessProbe:
        exec: {command: [cat, /tmp/ready]}
        httpGet: null
        successThreshold: 3
      startupProbe: ~
  ephemeralContainers:
    - name: debug
      livenessProbe: null
---
kind: Pod
metadata: {name: q}
spec:
  containers:
    - name: b
      readinessProbe: {httpGet: {port: 80, scheme: \"\"}}
";
        assert!(run(check, yaml).is_empty(), "{:#?}", run(check, yaml));
    }

    #[test]
    fn ephemeral_containers_may_not_have_probes() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a}]
  ephemeralContainers:
    - name: debug
      readinessProbe: {tcpSocket: {port: 1}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7]);
        assert!(hits[0].message.contains("ephemeral"));
    }
}
