//! # PK006: GOMEMLIMIT does not fit the container's memory limit
//!
//! `GOMEMLIMIT` (Go 1.19+) is the Go runtime's soft memory limit: as the
//! memory it manages approaches it, the garbage collector runs more often,
//! so a Go service with a spike or a slow leak collects harder instead of
//! being OOM-killed. That only works if the soft limit sits well below the
//! container's hard one (`resources.limits.memory`), since the kernel
//! counts memory the Go runtime does not (cgo and C libraries, tmpfs files,
//! page cache) and the collector overshoots its goal under load. For every
//! container (init and sidecar containers included) that sets
//! `GOMEMLIMIT`, the rule reports:
//!
//! - **Error**: `GOMEMLIMIT` above the memory limit: the runtime will not
//!   collect harder before the kernel OOM-kills the container.
//! - **Error**: a value Go does not accept (Go's syntax is an integer with an
//!   optional `B`, `KiB`, `MiB`, `GiB` or `TiB` suffix, or `off`; Kubernetes'
//!   `400Mi` or `400MB` are not): the Go runtime aborts at start with
//!   `malformed GOMEMLIMIT`.
//! - **Error**: a value under 4 MiB, usually a number meant in MiB (`1536`),
//!   and any `resourceFieldRef` with a `divisor` above 1 (`divisor: 1Mi`
//!   turns a 1536Mi limit into `1536`, which Go reads as 1536 bytes): the
//!   collector then runs far more often than meant, taking up to half the
//!   CPU. (A missing or `0` divisor means 1.)
//! - **Warning**: a memory limit less than `go_heap_headroom` (default 2,
//!   `[k8s] go_heap_headroom` in plimsoll.toml) times `GOMEMLIMIT`: the
//!   delivery contract wants the limit at least twice the Go heap goal. This
//!   includes the common `valueFrom.resourceFieldRef: {resource:
//!   limits.memory}`, which makes `GOMEMLIMIT` equal to the limit, so the
//!   runtime only reacts once the container is already at the kill line.
//!   `requests.memory` is judged the same way, with its value.
//! - **Info**: `GOMEMLIMIT` from a ConfigMap, a Secret, a `fieldRef` or a
//!   `$(VAR)` reference cannot be read from the manifest; the hit says
//!   which value the limit calls for.
//!
//! - **Warning**: `GOMEMLIMIT` from `resourceFieldRef: {resource:
//!   limits.memory}` of a container without a memory limit: the kubelet
//!   then exposes the node's allocatable memory, so the soft limit never
//!   comes into play.
//!
//! A literal `GOMEMLIMIT` in a container without a memory limit is left to
//! PK001; `GOGC` without `GOMEMLIMIT` is PK007's. Unreadable memory limits
//! are PK005's.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: order
//!     image: registry.example.com/order:2.3.0
//!     env:
//!       - {name: GOMEMLIMIT, value: 2GiB}
//!     resources:
//!       limits: {memory: 1536Mi}
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: order
//!     image: registry.example.com/order:2.3.0
//!     env:
//!       - {name: GOMEMLIMIT, value: 768MiB}
//!     resources:
//!       requests: {cpu: 200m, memory: 512Mi}
//!       limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Fix
//! Set `GOMEMLIMIT` literally, in Go's syntax, to at most the memory limit
//! divided by the headroom (a `resourceFieldRef` cannot scale a value down
//! without turning it into a number of bytes Go misreads):
//! ```yaml
//! env:
//!   - name: GOMEMLIMIT
//!     value: 768MiB   # limits.memory 1536Mi / 2
//! ```
//!
//! ## Incident it prevents
//! The order service ran with `GOMEMLIMIT=2GiB` under a 1536Mi limit; during
//! a sale its heap grew past 1.5 GiB, the collector saw no reason to hurry,
//! and the kernel OOM-killed every replica in turn.

use super::pk005::{amount, resource_node, sized};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node, quantity};

pub const META: Meta = Meta {
    code: "PK006",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "GOMEMLIMIT is malformed, above the memory limit, or without the headroom the contract asks for",
};

pub const PEERS: &[&str] = &[];

const MIB: u64 = 1 << 20;

/// How an environment variable gets its value.
pub(crate) enum EnvValue<'a> {
    /// `value:` (its node and text).
    Literal(&'a Node, &'a str),
    /// `valueFrom:` (its node).
    From(&'a Node),
    /// Neither: the variable is set to the empty string.
    Empty,
}

/// The last `env` entry named `name` (the one the kubelet uses), if any.
/// Shared with PK007.
pub(crate) fn env_var<'a>(c: &Container<'a>, name: &str) -> Option<EnvValue<'a>> {
    let entry = c
        .node
        .get("env")?
        .items()
        .iter()
        .rev()
        .find(|e| e.str_at("name") == Some(name))?;
    if let Some(v) = entry.get("value").filter(|v| !v.is_null()) {
        return Some(match v.as_str() {
            Some(t) => EnvValue::Literal(v, t),
            None => EnvValue::Empty, // a list or mapping: the API server rejects it
        });
    }
    if let Some(vf) = entry.get("valueFrom").filter(|v| v.is_map()) {
        return Some(EnvValue::From(vf));
    }
    Some(EnvValue::Empty)
}

/// `GOMEMLIMIT` as the Go runtime reads it: `Ok(None)` for no limit (`off`
/// or empty), `Err(())` for a value that makes the runtime abort.
pub(crate) fn go_memlimit(s: &str) -> Result<Option<u64>, ()> {
    if s.is_empty() || s == "off" {
        return Ok(None);
    }
    let (num, unit) = [
        ("KiB", 1u64 << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("TiB", 1 << 40),
        ("B", 1),
    ]
    .iter()
    .find_map(|(suffix, m)| s.strip_suffix(suffix).map(|n| (n, *m)))
    .unwrap_or((s, 1));
    // An optional minus sign and digits; negative values are refused.
    let (neg, digits) = match num.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, num),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    let n: i64 = digits.parse().map_err(|_| ())?;
    if neg && n != 0 {
        return Err(());
    }
    let v = (n as u64).checked_mul(unit).ok_or(())?;
    if v > i64::MAX as u64 {
        return Err(());
    }
    Ok(Some(v))
}

/// A byte count in Go's syntax, rounded down to whole MiB when at least
/// one MiB.
pub(crate) fn go_bytes(b: u64) -> String {
    if b >= 1 << 30 && b.is_multiple_of(1 << 30) {
        format!("{}GiB", b >> 30)
    } else if b >= MIB {
        format!("{}MiB", b / MIB)
    } else {
        format!("{b}")
    }
}

/// The `GOMEMLIMIT` the delivery contract allows under `limit`.
pub(crate) fn allowed(limit: u64, headroom: f64) -> u64 {
    let h = if headroom.is_finite() && headroom >= 1.0 {
        headroom
    } else {
        1.0
    };
    (limit as f64 / h) as u64
}

pub(crate) fn env_fix(limit: u64, headroom: f64, limit_text: &str) -> String {
    let h = if headroom.is_finite() && headroom >= 1.0 {
        headroom
    } else {
        1.0
    };
    format!(
        "env:\n  - name: GOMEMLIMIT\n    value: {}   # limits.memory {limit_text} / {h}",
        go_bytes(allowed(limit, headroom))
    )
}

/// The container's memory limit: its node, text and bytes.
pub(crate) fn memory_limit<'a>(c: &Container<'a>) -> Option<(&'a Node, &'a str, u64)> {
    let n = resource_node(c, "limits", "memory")?;
    let v = amount(n).filter(|v| *v > 0.0)?;
    Some((n, n.as_str().unwrap_or("?"), v.ceil() as u64))
}

/// Judges a known `GOMEMLIMIT` of `v` bytes against the container's limit.
fn judge(cx: &Context, c: &Container, at: &Node, shown: &str, v: u64, out: &mut Vec<Hit>) {
    let who = cx.who(c);
    let headroom = cx.settings.go_heap_headroom;
    if v < 4 * MIB {
        let fix = match memory_limit(c) {
            Some((_, lt, l)) => env_fix(l, headroom, lt),
            None => {
                "env:\n  - name: GOMEMLIMIT\n    value: 768MiB   # half the memory limit".into()
            }
        };
        out.push(
            hit_at(
                at,
                format!(
                    "{who}: {shown} is only {v} bytes (Go reads a number without a unit as bytes); the garbage collector runs continuously and takes up to half the CPU"
                ),
            )
            .with_fix(fix),
        );
        return;
    }
    let Some((_, lt, limit)) = memory_limit(c) else {
        return; // PK001
    };
    let fix = env_fix(limit, headroom, lt);
    if v > limit {
        out.push(
            hit_at(
                at,
                format!(
                    "{who}: {shown} is above the memory limit {lt}; the Go runtime will not collect harder before the kernel OOM-kills the container"
                ),
            )
            .with_fix(fix),
        );
    } else if headroom.is_finite() && headroom > 0.0 && (limit as f64) < headroom * v as f64 {
        let how = if v == limit {
            format!(
                "{shown} equals the memory limit {lt}, so the Go runtime only collects harder once the container is already at the kill line"
            )
        } else {
            format!(
                "the memory limit {lt} is less than {}× {shown}",
                trim(headroom)
            )
        };
        out.push(
            hit_at(
                at,
                format!(
                    "{who}: {how}; the delivery contract wants the limit at least {}× GOMEMLIMIT, for memory the runtime does not count (cgo, tmpfs, page cache) and for the collector's overshoot",
                    trim(headroom)
                ),
            )
            .with_severity(Severity::Warning)
            .with_fix(fix),
        );
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// An Info hit for a value Plimsoll cannot see.
fn unjudged(cx: &Context, c: &Container, at: &Node, source: &str, out: &mut Vec<Hit>) {
    let Some((_, lt, limit)) = memory_limit(c) else {
        return;
    };
    let headroom = cx.settings.go_heap_headroom;
    out.push(
        hit_at(
            at,
            format!(
                "{}: GOMEMLIMIT comes from {source}, which the manifest does not show; with the memory limit {lt} it must be at most {} in Go's syntax (integer with B, KiB, MiB, GiB or TiB)",
                cx.who(c),
                go_bytes(allowed(limit, headroom))
            ),
        )
        .with_severity(Severity::Info)
        .with_fix(env_fix(limit, headroom, lt)),
    );
}

fn from_resource_field(cx: &Context, c: &Container, rf: &Node, out: &mut Vec<Hit>) {
    let resource = rf.str_at("resource").unwrap_or("");
    let target = match rf.str_at("containerName").filter(|n| !n.is_empty()) {
        Some(name) => match cx.containers().find(|t| t.name == name) {
            Some(t) => t,
            None => return, // the API server rejects an unknown container
        },
        None => c,
    };
    let divisor_node = rf.get("divisor").filter(|d| !d.is_null());
    let divisor = match divisor_node {
        None => 1.0,
        Some(d) => match amount(d) {
            Some(0.0) => 1.0, // an empty divisor means 1
            Some(v) => v,
            None => return, // the API server rejects it
        },
    };
    let section = match resource {
        "limits.memory" => "limits",
        "requests.memory" => "requests",
        _ => {
            let headroom = cx.settings.go_heap_headroom;
            let fix = match memory_limit(c) {
                Some((_, lt, l)) => env_fix(l, headroom, lt),
                None => {
                    "env:\n  - name: GOMEMLIMIT\n    value: 768MiB   # half the memory limit".into()
                }
            };
            out.push(
                hit_at(
                    rf,
                    format!(
                        "{}: GOMEMLIMIT takes resourceFieldRef {resource:?}, not a memory value; Go reads the number it gives as bytes",
                        cx.who(c)
                    ),
                )
                .with_severity(Severity::Warning)
                .with_fix(fix),
            );
            return;
        }
    };
    // An unset request is the limit (API server defaulting); an unset
    // limit is the node's allocatable memory, which PK001 reports.
    let source = resource_node(target, section, "memory").or_else(|| {
        (section == "requests")
            .then(|| resource_node(target, "limits", "memory"))
            .flatten()
    });
    let of = if std::ptr::eq(target.node, c.node) {
        String::new()
    } else {
        format!(" of container {:?}", target.name)
    };
    if source.is_none() && section == "limits" {
        let whose = if of.is_empty() {
            "the container".to_string()
        } else {
            format!("container {:?}", target.name)
        };
        out.push(
            hit_at(
                rf,
                format!(
                    "{}: GOMEMLIMIT takes limits.memory{of}, but {whose} has no memory limit; the kubelet then exposes the node's allocatable memory, so the soft limit never comes into play",
                    cx.who(c)
                ),
            )
            .with_severity(Severity::Warning)
            .with_fix(
                "resources:\n  limits:\n    memory: 1536Mi\nenv:\n  - name: GOMEMLIMIT\n    value: 768MiB   # limits.memory / 2",
            ),
        );
        return;
    }
    let Some(bytes) = source.and_then(amount) else {
        return;
    };
    let value = (bytes / divisor).ceil().max(0.0) as u64;
    let src_text = source.and_then(|s| s.as_str()).unwrap_or("?");
    if divisor < 1.0 {
        return; // the API server accepts no divisor below 1 for memory
    }
    if divisor > 1.0 {
        let divisor_text = divisor_node.and_then(|d| d.as_str()).unwrap_or("?");
        let at = divisor_node.unwrap_or(rf);
        let headroom = cx.settings.go_heap_headroom;
        let fix = match memory_limit(c) {
            Some((_, lt, l)) => env_fix(l, headroom, lt),
            None => {
                "env:\n  - name: GOMEMLIMIT\n    value: 768MiB   # half the memory limit".into()
            }
        };
        out.push(
            hit_at(
                at,
                format!(
                    "{}: GOMEMLIMIT is {resource}{of} ({src_text}) divided by {divisor_text}, i.e. {value}, which Go reads as {value} bytes; the garbage collector runs far more often than meant, taking up to half the CPU",
                    cx.who(c)
                ),
            )
            .with_fix(fix),
        );
        return;
    }
    let shown = format!("GOMEMLIMIT (resourceFieldRef {resource}{of} = {src_text})");
    judge(cx, c, rf, &shown, value, out);
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers().filter(|c| sized(c)) {
        match env_var(c, "GOMEMLIMIT") {
            None | Some(EnvValue::Empty) => {}
            Some(EnvValue::Literal(node, text)) => {
                if text.contains("$(") {
                    unjudged(cx, c, node, &format!("the reference {text:?}"), &mut out);
                    continue;
                }
                match go_memlimit(text) {
                    Ok(None) => {}
                    Ok(Some(v)) => judge(cx, c, node, &format!("GOMEMLIMIT={text}"), v, &mut out),
                    Err(()) => {
                        let hint = match quantity::bytes(text) {
                            Some(b) if b >= MIB && !text.bytes().all(|b| b.is_ascii_digit()) => {
                                let exact = if b.is_multiple_of(MIB) {
                                    go_bytes(b)
                                } else {
                                    b.to_string()
                                };
                                format!(" (write {exact} for {text})")
                            }
                            _ => String::new(),
                        };
                        let fix = match memory_limit(c) {
                            Some((_, lt, l)) => env_fix(l, cx.settings.go_heap_headroom, lt),
                            None => "env:\n  - name: GOMEMLIMIT\n    value: 768MiB   # half the memory limit".into(),
                        };
                        out.push(
                            hit_at(
                                node,
                                format!(
                                    "{}: GOMEMLIMIT={text:?} is not in Go's syntax (an integer with B, KiB, MiB, GiB or TiB, or off){hint}; the Go runtime aborts at start with \"malformed GOMEMLIMIT\"",
                                    cx.who(c)
                                ),
                            )
                            .with_fix(fix),
                        );
                    }
                }
            }
            Some(EnvValue::From(vf)) => {
                if let Some(rf) = vf.get("resourceFieldRef").filter(|r| r.is_map()) {
                    from_resource_field(cx, c, rf, &mut out);
                } else {
                    let source = if let Some(r) = vf.get("configMapKeyRef") {
                        format!(
                            "ConfigMap {:?} key {:?}",
                            r.str_at("name").unwrap_or("?"),
                            r.str_at("key").unwrap_or("?")
                        )
                    } else if let Some(r) = vf.get("secretKeyRef") {
                        format!(
                            "Secret {:?} key {:?}",
                            r.str_at("name").unwrap_or("?"),
                            r.str_at("key").unwrap_or("?")
                        )
                    } else if let Some(r) = vf.get("fieldRef") {
                        format!("fieldRef {:?}", r.str_at("fieldPath").unwrap_or("?"))
                    } else {
                        "valueFrom".to_string()
                    };
                    unjudged(cx, c, vf, &source, &mut out);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{lines, run, run_with};

    fn pod(env: &str, limit: &str) -> String {
        format!(
            "kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - name: app
      env:
{env}
      resources:
        limits: {{memory: {limit}}}
"
        )
    }

    #[test]
    fn go_syntax() {
        assert_eq!(go_memlimit("400MiB"), Ok(Some(400 << 20)));
        assert_eq!(go_memlimit("1GiB"), Ok(Some(1 << 30)));
        assert_eq!(go_memlimit("123"), Ok(Some(123)));
        assert_eq!(go_memlimit("123B"), Ok(Some(123)));
        assert_eq!(go_memlimit("off"), Ok(None));
        assert_eq!(go_memlimit(""), Ok(None));
        for bad in [
            "400Mi",
            "400MB",
            "400M",
            "1.5GiB",
            "OFF",
            "B",
            "KiB",
            "-5",
            "+5",
            " 5",
            "99999999999TiB",
        ] {
            assert_eq!(go_memlimit(bad), Err(()), "{bad}");
        }
        assert_eq!(go_bytes(768 << 20), "768MiB");
        assert_eq!(go_bytes(2 << 30), "2GiB");
    }

    #[test]
    fn above_the_limit_is_an_error() {
        let hits = run(
            check,
            &pod("        - {name: GOMEMLIMIT, value: 2GiB}", "1536Mi"),
        );
        assert_eq!(lines(&hits), [7]);
        assert_eq!(hits[0].severity, None);
        assert!(
            hits[0]
                .message
                .contains("GOMEMLIMIT=2GiB is above the memory limit 1536Mi"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].fix.as_deref().unwrap().contains("768MiB"),
            "{:?}",
            hits[0].fix
        );
    }

    #[test]
    fn too_little_headroom_is_a_warning() {
        let yaml = pod("        - {name: GOMEMLIMIT, value: 1000MiB}", "1536Mi");
        let hits = run(check, &yaml);
        assert_eq!(lines(&hits), [7]);
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert!(
            hits[0].message.contains("less than 2× GOMEMLIMIT=1000MiB"),
            "{}",
            hits[0].message
        );
        let lax = Settings {
            go_heap_headroom: 1.5,
            ..Settings::default()
        };
        assert!(run_with(check, &yaml, &lax, None).is_empty());
        assert!(
            run(
                check,
                &pod("        - {name: GOMEMLIMIT, value: 768MiB}", "1536Mi")
            )
            .is_empty()
        );
        assert!(
            run(
                check,
                &pod("        - {name: GOMEMLIMIT, value: \"off\"}", "1536Mi")
            )
            .is_empty()
        );
    }

    #[test]
    fn malformed_and_tiny_values_are_errors() {
        let hits = run(
            check,
            &pod("        - {name: GOMEMLIMIT, value: 400Mi}", "1536Mi"),
        );
        assert_eq!(lines(&hits), [7]);
        assert!(
            hits[0].message.contains("write 400MiB"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].message.contains("malformed GOMEMLIMIT"),
            "{}",
            hits[0].message
        );
        let hits = run(
            check,
            &pod("        - {name: GOMEMLIMIT, value: 500M}", "1536Mi"),
        );
        assert!(
            hits[0].message.contains("write 500000000 for 500M"),
            "{}",
            hits[0].message
        );
        let hits = run(
            check,
            &pod("        - {name: GOMEMLIMIT, value: \"768\"}", "1536Mi"),
        );
        assert!(
            hits[0].message.contains("only 768 bytes"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[0].severity, None);
    }

    #[test]
    fn resource_field_ref_to_the_limit_lacks_headroom() {
        let env = "        - name: GOMEMLIMIT
          valueFrom:
            resourceFieldRef:
              resource: limits.memory
              divisor: \"1\"";
        let hits = run(check, &pod(env, "1536Mi"));
        assert_eq!(lines(&hits), [10]);
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert!(
            hits[0].message.contains("equals the memory limit 1536Mi"),
            "{}",
            hits[0].message
        );
        // divisor 0 (an empty quantity) means 1, too.
        let env0 = env.replace("\"1\"", "\"0\"");
        assert_eq!(lines(&run(check, &pod(&env0, "1536Mi"))), [10]);
    }

    #[test]
    fn resource_field_ref_with_a_divisor_is_misread() {
        let env = "        - name: GOMEMLIMIT
          valueFrom:
            resourceFieldRef: {resource: limits.memory, divisor: 1Mi}";
        let hits = run(check, &pod(env, "1536Mi"));
        assert_eq!(lines(&hits), [9]);
        assert!(
            hits[0]
                .message
                .contains("i.e. 1536, which Go reads as 1536 bytes"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn resource_field_ref_to_the_request_and_other_containers() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      env:
        - name: GOMEMLIMIT
          valueFrom: {resourceFieldRef: {resource: requests.memory}}
      resources:
        requests: {memory: 512Mi}
        limits: {memory: 1536Mi}
    - name: helper
      env:
        - name: GOMEMLIMIT
          valueFrom: {resourceFieldRef: {containerName: app, resource: limits.memory}}
        - name: X
          valueFrom: {resourceFieldRef: {resource: limits.cpu}}
      resources:
        limits: {memory: 1Gi}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [15]);
        assert!(
            hits[0]
                .message
                .contains("of container \"app\" = 1536Mi) is above the memory limit 1Gi"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn resource_field_ref_without_a_limit_is_the_node() {
        let yaml = "kind: Deployment
metadata: {name: gw}
spec:
  template:
    spec:
      containers:
        - name: proxy
          env:
            - name: GOMEMLIMIT
              valueFrom:
                resourceFieldRef: {divisor: \"1\", resource: limits.memory}
          resources: {requests: {cpu: 222m}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11]);
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert!(
            hits[0].message.contains("node's allocatable memory"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn unseen_values_get_an_info() {
        let env = "        - name: GOMEMLIMIT
          valueFrom: {configMapKeyRef: {name: go, key: memlimit}}";
        let hits = run(check, &pod(env, "1Gi"));
        assert_eq!(lines(&hits), [8]);
        assert_eq!(hits[0].severity, Some(Severity::Info));
        assert!(
            hits[0]
                .message
                .contains("ConfigMap \"go\" key \"memlimit\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].message.contains("at most 512MiB"),
            "{}",
            hits[0].message
        );
        let hits = run(
            check,
            &pod("        - {name: GOMEMLIMIT, value: \"$(LIMIT)\"}", "1Gi"),
        );
        assert_eq!(hits[0].severity, Some(Severity::Info));
    }

    #[test]
    fn no_limit_no_variable_or_odd_shapes_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: nolimit
      env: [{name: GOMEMLIMIT, value: 2GiB}]
    - name: none
      resources: {limits: {memory: 1Gi}}
    - name: odd
      env: [{name: GOMEMLIMIT}, {name: GOMEMLIMIT, value: null}, 3, {name: GOMEMLIMIT, value: [1]}]
      resources: {limits: {memory: 1Gi}}
    - name: unknown
      env: [{name: GOMEMLIMIT, valueFrom: {resourceFieldRef: {containerName: nope, resource: limits.memory}}}]
      resources: {limits: {memory: 1Gi}}
    - name: badlimit
      env: [{name: GOMEMLIMIT, value: 2GiB}]
      resources: {limits: {memory: 1GB}}
  ephemeralContainers:
    - name: debug
      env: [{name: GOMEMLIMIT, value: 400Mi}]
";
        assert!(run(check, yaml).is_empty(), "{:#?}", run(check, yaml));
    }
}
