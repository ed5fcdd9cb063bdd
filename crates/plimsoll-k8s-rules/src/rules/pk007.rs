//! # PK007: GOGC tuned without GOMEMLIMIT
//!
//! `GOGC` sets how far a Go program's heap may grow past the live heap
//! before the next collection: the heap peaks at about
//! `live heap × (1 + GOGC/100)` (twice the live heap with the default 100).
//! Whether that peak fits the container's memory limit depends on the live
//! heap, which a manifest cannot show, so a container that sets `GOGC`
//! without `GOMEMLIMIT` gets:
//!
//! - **Info** for a number: what can be judged statically, namely the largest
//!   live heap the memory limit supports at that `GOGC` (`limit / (1 +
//!   GOGC/100)`), and what cannot (the live heap itself). The advice is to set
//!   `GOMEMLIMIT` (PK006 checks it) so the runtime collects harder as the
//!   container nears its limit instead of being OOM-killed.
//! - **Warning** for `GOGC=off` (or a negative number) without `GOMEMLIMIT`:
//!   the collector never runs and the heap grows until the memory limit
//!   kills the container (or, without a limit, until the node runs out).
//!   `GOGC=off` with `GOMEMLIMIT` is a legitimate setup (collect only near
//!   the limit) and is left to PK006.
//! - **Warning** for a value Go does not read (`OFF`, `50%`, `1e2`): the
//!   runtime silently ignores it and uses 100.
//!
//! `GOMEMLIMIT=off` or an empty `GOMEMLIMIT` counts as not set. The rule
//! looks at every container that can set resources (ephemeral ones cannot);
//! a `GOMEMLIMIT` supplied through `envFrom` is invisible to it, which the
//! message says.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: ingest
//!     image: registry.example.com/ingest:5.1.0
//!     env:
//!       - {name: GOGC, value: "off"}
//!     resources:
//!       limits: {memory: 2Gi}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: ingest
//!     image: registry.example.com/ingest:5.1.0
//!     env:
//!       - {name: GOGC, value: "off"}
//!       - {name: GOMEMLIMIT, value: 1GiB}
//!     resources:
//!       limits: {memory: 2Gi}
//! ```
//!
//! ## Fix
//! Add a `GOMEMLIMIT` at most the memory limit divided by the headroom
//! (`[k8s] go_heap_headroom`, default 2):
//! ```yaml
//! env:
//!   - name: GOMEMLIMIT
//!     value: 1GiB   # limits.memory 2Gi / 2
//! ```
//!
//! ## Incident it prevents
//! An ingest service set `GOGC=off` to save CPU during a backfill; with no
//! `GOMEMLIMIT` its heap grew by 300 MiB a minute and the kernel OOM-killed
//! it every seven minutes until someone read the restart count.

use super::pk005::sized;
use super::pk006::{EnvValue, allowed, env_fix, env_var, go_bytes, memory_limit};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK007",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "GOGC is set without GOMEMLIMIT",
};

pub const PEERS: &[&str] = &[];

/// `GOGC` as the Go runtime reads it.
#[derive(Debug, PartialEq)]
enum Gogc {
    Off,
    Percent(i64),
    /// Not a number: the runtime uses 100.
    Ignored,
}

fn gogc(s: &str) -> Gogc {
    if s == "off" {
        return Gogc::Off;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Gogc::Ignored;
    }
    match s.parse::<i32>() {
        Ok(n) if n < 0 => Gogc::Off,
        Ok(n) => Gogc::Percent(n.into()),
        Err(_) => Gogc::Ignored,
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let headroom = cx.settings.go_heap_headroom;
    for c in cx.containers().filter(|c| sized(c)) {
        let Some(g) = env_var(c, "GOGC") else {
            continue;
        };
        match env_var(c, "GOMEMLIMIT") {
            None | Some(EnvValue::Empty) => {}
            Some(EnvValue::Literal(_, t)) if t.is_empty() || t == "off" => {}
            Some(_) => continue, // PK006 judges it
        }
        let unless = if c.get("envFrom").is_some_and(|e| !e.items().is_empty()) {
            " (unless envFrom supplies one)"
        } else {
            ""
        };
        let who = cx.who(c);
        let limit = memory_limit(c);
        let fix = match limit {
            Some((_, lt, l)) => env_fix(l, headroom, lt),
            None => "env:\n  - name: GOMEMLIMIT\n    value: 768MiB   # memory limit / 2\nresources:\n  limits:\n    memory: 1536Mi".into(),
        };
        let (at, text) = match g {
            EnvValue::Literal(n, t) => (n, Some(t)),
            EnvValue::From(vf) => (vf, None),
            EnvValue::Empty => continue,
        };
        let parsed = match text {
            Some("") => continue, // empty: the runtime's default
            Some(t) => Some(gogc(t)),
            None => None,
        };
        match parsed {
            Some(Gogc::Off) => {
                let until = match limit {
                    Some((_, lt, _)) => format!("until the memory limit {lt} OOM-kills the container"),
                    None => "until the node runs out of memory".to_string(),
                };
                out.push(
                    hit_at(
                        at,
                        format!(
                            "{who} sets GOGC={} without GOMEMLIMIT{unless}: the garbage collector never runs, so the heap grows {until}",
                            text.unwrap_or("off")
                        ),
                    )
                    .with_fix(fix),
                );
            }
            Some(Gogc::Ignored) => out.push(
                hit_at(
                    at,
                    format!(
                        "{who} sets GOGC={:?}, which Go does not read (a whole number or off): the runtime silently uses 100",
                        text.unwrap_or("")
                    ),
                )
                .with_fix("env:\n  - name: GOGC\n    value: \"100\"   # a whole number, or off together with GOMEMLIMIT"),
            ),
            Some(Gogc::Percent(n)) => {
                let Some((_, lt, l)) = limit else { continue }; // PK001
                let growth = 1.0 + n as f64 / 100.0;
                out.push(
                    hit_at(
                        at,
                        format!(
                            "{who} sets GOGC={n} without GOMEMLIMIT{unless}: the heap peaks near {} the live heap, which a manifest cannot show, so whether it fits the memory limit {lt} cannot be judged statically (it does while the live heap stays under about {}); set GOMEMLIMIT to at most {} so the runtime collects harder before the kernel OOM-kills the container",
                            times(growth),
                            go_bytes((l as f64 / growth) as u64),
                            go_bytes(allowed(l, headroom))
                        ),
                    )
                    .with_severity(Severity::Info)
                    .with_fix(fix),
                );
            }
            None => {
                let Some((_, lt, l)) = limit else { continue };
                out.push(
                    hit_at(
                        at,
                        format!(
                            "{who} takes GOGC from valueFrom without GOMEMLIMIT{unless}: the heap peaks near live heap × (1 + GOGC/100), and neither is in the manifest, so whether it fits the memory limit {lt} cannot be judged; set GOMEMLIMIT to at most {}",
                            go_bytes(allowed(l, headroom))
                        ),
                    )
                    .with_severity(Severity::Info)
                    .with_fix(fix),
                );
            }
        }
    }
    out
}

fn times(v: f64) -> String {
    let s = format!("{v:.2}");
    format!("{}×", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn pod(env: &str) -> String {
        format!(
            "kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - name: app
      env:
{env}
      resources:
        limits: {{memory: 1536Mi}}
"
        )
    }

    #[test]
    fn reads_gogc_like_go() {
        assert_eq!(gogc("off"), Gogc::Off);
        assert_eq!(gogc("-1"), Gogc::Off);
        assert_eq!(gogc("200"), Gogc::Percent(200));
        assert_eq!(gogc("OFF"), Gogc::Ignored);
        assert_eq!(gogc("+50"), Gogc::Ignored);
        assert_eq!(gogc("50%"), Gogc::Ignored);
        assert_eq!(gogc("99999999999"), Gogc::Ignored);
    }

    #[test]
    fn gogc_off_without_gomemlimit_is_a_warning() {
        let hits = run(check, &pod("        - {name: GOGC, value: \"off\"}"));
        assert_eq!(lines(&hits), [7]);
        assert_eq!(hits[0].severity, None);
        assert!(
            hits[0]
                .message
                .contains("until the memory limit 1536Mi OOM-kills"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].fix.as_deref().unwrap().contains("768MiB"),
            "{:?}",
            hits[0].fix
        );
        let hits = run(
            check,
            &pod(
                "        - {name: GOGC, value: \"off\"}\n        - {name: GOMEMLIMIT, value: \"off\"}",
            ),
        );
        assert_eq!(lines(&hits), [7]);
    }

    #[test]
    fn a_number_gets_an_explaining_info() {
        let hits = run(check, &pod("        - {name: GOGC, value: \"200\"}"));
        assert_eq!(lines(&hits), [7]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
        let m = &hits[0].message;
        assert!(m.contains("near 3× the live heap"), "{m}");
        assert!(m.contains("under about 512MiB"), "{m}");
        assert!(m.contains("at most 768MiB"), "{m}");
    }

    #[test]
    fn unreadable_values_and_value_from() {
        let hits = run(check, &pod("        - {name: GOGC, value: \"OFF\"}"));
        assert!(
            hits[0].message.contains("silently uses 100"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[0].severity, None);
        let hits = run(
            check,
            &pod(
                "        - name: GOGC\n          valueFrom: {configMapKeyRef: {name: go, key: gogc}}",
            ),
        );
        assert_eq!(lines(&hits), [8]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
    }

    #[test]
    fn gomemlimit_set_or_no_gogc_pass() {
        assert!(run(check, &pod("        - {name: GOGC, value: \"off\"}\n        - {name: GOMEMLIMIT, value: 768MiB}")).is_empty());
        assert!(run(check, &pod("        - {name: GOMAXPROCS, value: \"2\"}")).is_empty());
        assert!(run(check, &pod("        - {name: GOGC, value: \"\"}")).is_empty());
        let from = "        - name: GOGC\n          value: \"50\"\n        - name: GOMEMLIMIT\n          valueFrom: {resourceFieldRef: {resource: limits.memory}}";
        assert!(run(check, &pod(from)).is_empty());
    }

    #[test]
    fn no_memory_limit() {
        let yaml = "kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      initContainers:
        - name: a
          env: [{name: GOGC, value: \"50\"}]
        - name: b
          envFrom: [{configMapRef: {name: go}}]
          env: [{name: GOGC, value: \"off\"}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11]);
        assert!(
            hits[0].message.contains("(unless envFrom supplies one)"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0]
                .message
                .contains("until the node runs out of memory"),
            "{}",
            hits[0].message
        );
    }
}
