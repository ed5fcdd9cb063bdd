//! # PK012: liveness probe identical to the readiness probe
//!
//! Flags a long-running container whose `livenessProbe` runs the same
//! check as its `readinessProbe` and gives up no later than it. The two
//! probes answer different questions: readiness "should this pod get
//! traffic right now?" (it may say no while a dependency is slow), liveness
//! "is this process stuck beyond repair?" (a restart is the only cure).
//! When both call the same check on the same schedule, a slow database
//! makes every replica unready *and* restarts them all at once: a
//! dependency hiccup becomes a full outage plus a cold start.
//!
//! Handlers are compared structurally, not as text: `httpGet` scheme,
//! host, port (a named port is resolved through the container's `ports`),
//! path (`healthz` and `/healthz` are the same) and headers; `tcpSocket`
//! host and port; the `exec` command; `grpc` port and service. The probes
//! "give up" after `failureThreshold × periodSeconds` of failures (API
//! defaults filled in); `initialDelaySeconds` is left out, since it only
//! shifts the first check. A liveness probe on the same check that
//! tolerates longer outages than readiness is not flagged: the pod leaves
//! the load balancer first and is restarted only if it stays stuck.
//!
//! ## Bad
//! ```yaml
//! livenessProbe:
//!   httpGet: {path: /health, port: http}
//! readinessProbe:
//!   httpGet: {path: /health, port: 8080}
//! ```
//!
//! ## Good
//! ```yaml
//! livenessProbe:
//!   httpGet: {path: /livez, port: http}     # process only
//!   periodSeconds: 10
//!   failureThreshold: 6
//! readinessProbe:
//!   httpGet: {path: /readyz, port: http}    # may check dependencies
//!   periodSeconds: 5
//!   failureThreshold: 3
//! ```
//!
//! ## Fix
//! Give liveness its own cheap endpoint that checks only the process; if
//! it must share the readiness check, make it tolerate a much longer
//! outage (`failureThreshold × periodSeconds` well above readiness').
//!
//! ## Incident it prevents
//! A 20-second database failover failed the shared `/health` check of all
//! 30 API pods at once: they were pulled from the load balancer and
//! restarted together, and the cold start turned the failover into a
//! six-minute outage.

use crate::registry::pk010::{Timing, handler, probe};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK012",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "The liveness probe repeats the readiness probe",
};

pub const PEERS: &[&str] = &["kube-score:pod-probes-identical", "kyverno:validate-probes"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if !cx.workload.long_running() {
        return out;
    }
    for c in cx.long_running_containers() {
        let (Some(live), Some(ready)) = (probe(c, "livenessProbe"), probe(c, "readinessProbe"))
        else {
            continue;
        };
        let (Some(lh), Some(rh)) = (handler(live, c), handler(ready, c)) else {
            continue;
        };
        if lh != rh {
            continue;
        }
        let (Some(lt), Some(rt)) = (Timing::of(live), Timing::of(ready)) else {
            continue;
        };
        let (lw, rw) = (lt.steady_window(), rt.steady_window());
        if lw > rw {
            continue;
        }
        let how = if lw == rw {
            format!(
                "and both give up after {lw} s; a slow dependency makes the pod unready and restarts it at the same moment"
            )
        } else {
            format!(
                "and liveness gives up after {lw} s, before readiness ({rw} s); a slow dependency restarts the pod before it is even taken out of rotation"
            )
        };
        let anchor = c.node.entry("livenessProbe").map_or(live, |(k, _)| k);
        out.push(
            hit_at(
                anchor,
                format!(
                    "{}: livenessProbe and readinessProbe both run {lh} {how}",
                    cx.who(c)
                ),
            )
            .with_fix(
                "livenessProbe:\n  httpGet:\n    path: /livez        # checks the process only, no dependencies\n    port: http\n  periodSeconds: 10\n  failureThreshold: 6\nreadinessProbe:\n  httpGet:\n    path: /readyz\n    port: http\n  periodSeconds: 5\n  failureThreshold: 3",
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    const HEAD: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
";

    fn deploy(body: &str) -> String {
        format!("{HEAD}{body}")
    }

    #[test]
    fn flags_same_handler_same_timing_across_spellings() {
        let yaml = deploy(
            "        - name: web
          ports: [{name: http, containerPort: 8080}]
          livenessProbe:
            httpGet: {path: health, port: http}
          readinessProbe:
            httpGet: {path: /health, port: 8080, scheme: HTTP}
            periodSeconds: 10
",
        );
        let hits = run(check, &yaml);
        assert_eq!(lines(&hits), [10]);
        let m = &hits[0].message;
        assert!(
            m.contains("httpGet /health on port 8080") && m.contains("both give up after 30 s"),
            "{m}"
        );
    }

    #[test]
    fn flags_liveness_that_gives_up_first() {
        let yaml = deploy(
            "        - name: web
          livenessProbe:
            exec: {command: [cat, /tmp/ok]}
            failureThreshold: 1
          readinessProbe:
            exec:
              command: [cat, /tmp/ok]
",
        );
        let hits = run(check, &yaml);
        assert_eq!(lines(&hits), [9]);
        assert!(
            hits[0].message.contains("10 s, before readiness (30 s)"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn different_handlers_or_a_more_tolerant_liveness_pass() {
        let yaml = deploy(
            "        - name: a
          livenessProbe: {httpGet: {path: /livez, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
        - name: b
          livenessProbe: {tcpSocket: {port: 8080}, failureThreshold: 6}
          readinessProbe: {tcpSocket: {port: 8080}}
        - name: c
          livenessProbe: {tcpSocket: {port: 8080}}
          readinessProbe: {tcpSocket: {port: 8081}}
        - name: d
          livenessProbe: {grpc: {port: 9090}}
          readinessProbe: {grpc: {port: 9090, service: ready}}
        - name: e
          livenessProbe: {httpGet: {path: /h, port: 80, httpHeaders: [{name: X-Probe, value: live}]}}
          readinessProbe: {httpGet: {path: /h, port: 80, httpHeaders: [{name: X-Probe, value: ready}]}}
",
        );
        assert!(run(check, &yaml).is_empty());
    }

    #[test]
    fn unreadable_probes_jobs_and_missing_probes_pass() {
        let yaml = "kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      containers:
        - name: a
          livenessProbe: {tcpSocket: {port: 1}}
          readinessProbe: {tcpSocket: {port: 1}}
---
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      livenessProbe: {tcpSocket: {port: 1}, periodSeconds: \"10\"}
      readinessProbe: {tcpSocket: {port: 1}}
    - name: b
      livenessProbe: {tcpSocket: {port: 1}, exec: {command: [x]}}
      readinessProbe: {tcpSocket: {port: 1}}
    - name: c
      livenessProbe: 3
      readinessProbe: {tcpSocket: {port: 1}}
    - name: d
      readinessProbe: {tcpSocket: {port: 1}}
";
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn native_sidecars_are_checked() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: proxy
      restartPolicy: Always
      livenessProbe: {tcpSocket: {port: 15021}}
      readinessProbe: {tcpSocket: {port: 15021}}
    - name: init
      livenessProbe: {tcpSocket: {port: 1}}
      readinessProbe: {tcpSocket: {port: 1}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7]);
        assert!(hits[0].message.contains("sidecar container \"proxy\""));
    }
}
