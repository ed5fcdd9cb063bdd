//! # PK013: liveness probe can kill a slow start
//!
//! Flags probe timing that restarts a healthy container before it has had
//! a chance to start. A liveness probe starts checking `initialDelaySeconds`
//! after the container starts and restarts it after `failureThreshold`
//! consecutive failures `periodSeconds` apart, so without a `startupProbe`
//! the container must answer within
//! `initialDelaySeconds + failureThreshold × periodSeconds` (API defaults:
//! 0, 3 and 10, i.e. 30 s). When that is shorter than the start time the
//! project expects (`[k8s] min_start_seconds`, default 30 s) the rule
//! warns. It also flags:
//!
//! - `failureThreshold: 1` on a liveness probe: one slow answer (a GC
//!   pause, a request queue, `timeoutSeconds` exceeded once) restarts the
//!   container;
//! - a `startupProbe` whose own window
//!   (`initialDelaySeconds + failureThreshold × periodSeconds`) is below
//!   the same threshold: a startup probe that gives up that fast defeats
//!   its purpose.
//!
//! Only long-running workloads and containers (main containers and native
//! sidecars) are checked. A zero `timeoutSeconds`, `periodSeconds` or
//! `failureThreshold` is replaced by its default by the API server, so it
//! is read as the default here; negative or non-integer values are
//! rejected by the API and reported by PK015.
//!
//! ## Bad
//! ```yaml
//! livenessProbe:
//!   httpGet: {path: /livez, port: http}
//!   periodSeconds: 5
//!   failureThreshold: 2          # restarted 10 s after start
//! ```
//!
//! ## Good
//! ```yaml
//! startupProbe:
//!   httpGet: {path: /livez, port: http}
//!   periodSeconds: 5
//!   failureThreshold: 24         # up to 120 s to start
//! livenessProbe:
//!   httpGet: {path: /livez, port: http}
//!   periodSeconds: 10
//!   failureThreshold: 3
//! ```
//!
//! ## Fix
//! Add a `startupProbe` on the same endpoint whose
//! `failureThreshold × periodSeconds` covers the slowest start you have
//! seen (with margin), and keep the liveness probe tight for steady state.
//!
//! ## Incident it prevents
//! A JVM service that needed 45 s to warm up got a liveness probe that
//! killed it after 15 s: every pod entered CrashLoopBackOff after the
//! deploy, and the "healthy" old pods were already gone.

use crate::registry::pk010::{Num, Timing, num, probe};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK013",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A probe can restart a container before it has started",
};

pub const PEERS: &[&str] = &[];

/// Where to point for a probe: its key in the container, else the probe.
fn anchor<'a>(c: &Container<'a>, key: &str, p: &'a Node) -> &'a Node {
    c.node.entry(key).map_or(p, |(k, _)| k)
}

fn startup_fix(min: i64) -> String {
    let period = 5;
    let threshold = (min.saturating_mul(2) + period - 1) / period;
    let threshold = threshold.max(6);
    format!(
        "startupProbe:\n  httpGet:            # the same check as livenessProbe\n    path: /livez\n    port: http\n  periodSeconds: {period}\n  failureThreshold: {threshold}   # {} s to start",
        threshold.saturating_mul(period)
    )
}

fn window(t: &Timing) -> String {
    format!(
        "initialDelaySeconds {} + failureThreshold {} × periodSeconds {}",
        t.initial_delay, t.failure, t.period
    )
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    if !cx.workload.long_running() {
        return out;
    }
    let min = i64::try_from(cx.settings.min_start_seconds).unwrap_or(i64::MAX);
    for c in cx.long_running_containers() {
        let startup = probe(c, "startupProbe");
        if let Some(live) = probe(c, "livenessProbe").filter(|p| p.is_map())
            && let Some(t) = Timing::of(live)
        {
            let w = t.start_window();
            if startup.is_none() && w < min {
                out.push(
                    hit_at(
                        anchor(c, "livenessProbe", live),
                        format!(
                            "{}: livenessProbe restarts the container if it does not answer within {w} s of starting ({}), less than the {min} s a start may take, and there is no startupProbe",
                            cx.who(c),
                            window(&t)
                        ),
                    )
                    .with_fix(startup_fix(min)),
                );
            } else if t.failure == 1 {
                let at = match num(live, "failureThreshold") {
                    Num::Int(_, n) => n,
                    _ => anchor(c, "livenessProbe", live),
                };
                out.push(
                    hit_at(
                        at,
                        format!(
                            "{}: livenessProbe has failureThreshold 1: a single slow answer (over timeoutSeconds {} s) restarts the container",
                            cx.who(c),
                            t.timeout
                        ),
                    )
                    .with_fix("livenessProbe:\n  failureThreshold: 3   # tolerate a GC pause or a slow request"),
                );
            }
        }
        if let Some(sp) = startup.filter(|p| p.is_map())
            && let Some(t) = Timing::of(sp)
            && t.start_window() < min
        {
            out.push(
                hit_at(
                    anchor(c, "startupProbe", sp),
                    format!(
                        "{}: startupProbe gives the container only {} s to start ({}), less than the {min} s a start may take",
                        cx.who(c),
                        t.start_window(),
                        window(&t)
                    ),
                )
                .with_fix(startup_fix(min)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{lines, run, run_with};

    #[test]
    fn flags_a_liveness_probe_that_fires_before_the_start_completes() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 5
            failureThreshold: 2
        - name: defaults
          livenessProbe: {tcpSocket: {port: 8080}}
        - name: delayed
          livenessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 10, periodSeconds: 5}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 16]);
        let m = &hits[0].message;
        assert!(
            m.contains("within 10 s") && m.contains("failureThreshold 2 × periodSeconds 5"),
            "{m}"
        );
        assert!(
            hits[1].message.contains("within 25 s"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("failureThreshold: 12")
        );
    }

    #[test]
    fn a_startup_probe_covers_the_start_unless_it_is_short_itself() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: ok
      startupProbe: {tcpSocket: {port: 1}, failureThreshold: 30}
      livenessProbe: {tcpSocket: {port: 1}, periodSeconds: 1}
    - name: short
      startupProbe: {tcpSocket: {port: 1}, failureThreshold: 2, periodSeconds: 5}
      livenessProbe: {tcpSocket: {port: 1}, periodSeconds: 1}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9]);
        assert!(
            hits[0].message.contains("only 10 s to start"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn failure_threshold_one_is_flagged_at_its_value() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - name: proxy
      restartPolicy: Always
      startupProbe: {tcpSocket: {port: 1}, failureThreshold: 60}
      livenessProbe:
        tcpSocket: {port: 1}
        failureThreshold: 1
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10]);
        assert!(hits[0].message.contains("sidecar container \"proxy\""));
    }

    #[test]
    fn the_threshold_comes_from_settings() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: jvm
      livenessProbe: {httpGet: {path: /, port: 8080}, initialDelaySeconds: 30}
";
        assert!(run(check, yaml).is_empty());
        let settings = Settings {
            min_start_seconds: 120,
            ..Settings::default()
        };
        let hits = run_with(check, yaml, &settings, None);
        assert_eq!(lines(&hits), [6]);
        assert!(hits[0].message.contains("within 60 s") && hits[0].message.contains("120 s"));
    }

    #[test]
    fn batch_init_bad_values_and_nulls_pass() {
        let yaml = "kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      containers:
        - {name: a, livenessProbe: {tcpSocket: {port: 1}, periodSeconds: 1}}
---
kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - {name: i, livenessProbe: {tcpSocket: {port: 1}, periodSeconds: 1}}
  containers:
    - {name: a, livenessProbe: {tcpSocket: {port: 1}, periodSeconds: \"1\"}}
    - {name: b, livenessProbe: {tcpSocket: {port: 1}, failureThreshold: -1}}
    - {name: c, livenessProbe: null, startupProbe: null}
    - {name: d, livenessProbe: [1]}
    - {name: e, livenessProbe: {tcpSocket: {port: 1}, failureThreshold: 0}}
";
        assert!(run(check, yaml).is_empty());
    }
}
