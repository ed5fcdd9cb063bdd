//! # PK005: resource quantities that are invalid, inverted or too far apart
//!
//! Reads every value under `resources.requests` and `resources.limits` of
//! every container (init and sidecar containers included; ephemeral
//! containers cannot set resources) and reports three things:
//!
//! - **A value that is not a Kubernetes quantity** (`512MB`, `1g`, `2 cores`,
//!   a negative number): the API server rejects the whole object, so the
//!   rollout never starts. Error. This is the only rule that reports an
//!   unreadable quantity; PK002–PK008 skip such values instead of
//!   reporting them again.
//! - **A request above its limit** (`requests.cpu: 2`, `limits.cpu: 1`):
//!   the API server rejects it (`must be less than or equal to cpu
//!   limit`). Error.
//! - **A limit more than `max_limit_request_ratio` times its request**
//!   (default 4×, `[k8s] max_limit_request_ratio` in plimsoll.toml), for
//!   CPU and memory. The scheduler places the pod by its request but lets
//!   it use up to the limit, so a wide gap overcommits the node: for
//!   memory, several pods bursting at once exhaust the node and the kernel
//!   OOM-kills (or the kubelet evicts) whoever is over its request; for
//!   CPU, the container is sized for its request and its latency depends
//!   on how busy its neighbours are. Warning.
//!
//! Requests of 0 are left to PK002/PK003 (no ratio is computed from them).
//! Hits point at the limit value (for an unreadable quantity, at the value
//! itself).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {cpu: 100m, memory: 256Mi}
//!       limits: {cpu: "2", memory: 4GB}   # 20× the CPU request; "GB" is not a unit
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     resources:
//!       requests: {cpu: 200m, memory: 512Mi}
//!       limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Fix
//! Write quantities with Kubernetes suffixes (`m` for millicores; `Ki`,
//! `Mi`, `Gi` or `k`, `M`, `G` for bytes), keep each request at or below its
//! limit, and raise the request (or lower the limit) until the limit is
//! within the allowed ratio:
//! ```yaml
//! resources:
//!   requests: {cpu: 200m, memory: 512Mi}
//!   limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Incident it prevents
//! Twelve replicas requested 256Mi but were limited to 4Gi; the scheduler
//! packed them onto three nodes, a traffic spike made them all grow at
//! once, and the kernel OOM-killed half of them within a minute.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node, Role, Value, quantity};

pub const META: Meta = Meta {
    code: "PK005",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A resource quantity is invalid, a request exceeds its limit, or a limit is too many times its request",
};

// No peer checks the limit/request ratio or quantity syntax (kube-score's
// optional `container-*-requests-equal-limits` demand a ratio of exactly 1,
// which is a different policy).
pub const PEERS: &[&str] = &[];

/// The value under `resources.<section>.<name>` of a container, unless it
/// is absent or null. Shared by PK002–PK009.
pub(crate) fn resource_node<'a>(c: &Container<'a>, section: &str, name: &str) -> Option<&'a Node> {
    c.node
        .path(&["resources", section, name])
        .filter(|n| !n.is_null())
}

/// The value of a quantity node when it is a valid, non-negative
/// quantity (plain YAML integers such as `0x10` count as the number they
/// are). Shared by PK002–PK009.
pub(crate) fn amount(n: &Node) -> Option<f64> {
    if let Some(i) = n.as_i64() {
        return (i >= 0).then_some(i as f64);
    }
    let v = quantity::parse(n.as_str()?)?;
    (v >= 0.0).then_some(v)
}

/// Whether `a` is larger than `b` beyond floating-point noise.
pub(crate) fn greater(a: f64, b: f64) -> bool {
    a > b + b.abs() * 1e-9
}

/// A quantity as a person would write it: bytes in binary units, CPU in
/// cores or millicores.
pub(crate) fn show(resource: &str, v: f64) -> String {
    if resource == "cpu" {
        let m = (v * 1000.0).round();
        if m % 1000.0 == 0.0 {
            format!("{}", m / 1000.0)
        } else {
            format!("{m}m")
        }
    } else {
        quantity::human_bytes(v.ceil().clamp(0.0, u64::MAX as f64) as u64)
    }
}

/// Not `is_ephemeral`: the containers whose resources count.
pub(crate) fn sized(c: &Container) -> bool {
    c.role != Role::Ephemeral
}

/// Why a quantity's text is not one, with a guess at what was meant.
fn why_invalid(n: &Node) -> String {
    let text = match &n.value {
        Value::Scalar { text, .. } => text.trim(),
        Value::Seq(_) => return "is a list, not a quantity".into(),
        Value::Map(_) => return "is a mapping, not a quantity".into(),
    };
    if quantity::parse(text).is_some_and(|v| v < 0.0) {
        return format!("{text:?} is negative");
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (num, suffix) = text.split_at(split);
    let guess = if num.is_empty() || num.parse::<f64>().is_err() {
        None
    } else {
        match suffix.trim() {
            "B" | "b" => Some(num.to_string()),
            "KB" | "kB" | "kb" | "K" => Some(format!("{num}k or {num}Ki")),
            "MB" | "mb" | "Mb" => Some(format!("{num}M or {num}Mi")),
            "GB" | "gb" | "Gb" | "g" => Some(format!("{num}G or {num}Gi")),
            "TB" | "tb" | "t" => Some(format!("{num}T or {num}Ti")),
            "KiB" | "ki" | "kiB" | "KI" => Some(format!("{num}Ki")),
            "MiB" | "mi" | "MI" => Some(format!("{num}Mi")),
            "GiB" | "gi" | "GI" => Some(format!("{num}Gi")),
            "TiB" | "ti" => Some(format!("{num}Ti")),
            s if s.eq_ignore_ascii_case("cores") || s.eq_ignore_ascii_case("core") => {
                Some(num.to_string())
            }
            _ => None,
        }
    };
    match guess {
        Some(g) => format!("{text:?} is not a Kubernetes quantity (did you mean {g}?)"),
        None => format!("{text:?} is not a Kubernetes quantity"),
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let max = cx.settings.max_limit_request_ratio;
    for c in cx.containers().filter(|c| sized(c)) {
        let Some(res) = c.get("resources") else {
            continue;
        };
        for section in ["requests", "limits"] {
            let singular = &section[..section.len() - 1];
            for (k, v) in res.get(section).map(Node::entries).unwrap_or(&[]) {
                if v.is_null() || amount(v).is_some() {
                    continue;
                }
                let name = k.as_str().unwrap_or("?");
                out.push(
                    hit_at(
                        v,
                        format!(
                            "{}: {name} {singular} {}; the API server rejects the object",
                            cx.who(c),
                            why_invalid(v)
                        ),
                    )
                    .with_severity(Severity::Error)
                    .with_fix(format!(
                        "resources:\n  {section}:\n    {name}: {}",
                        if name == "cpu" {
                            "500m   # or 0.5, 1, 2"
                        } else {
                            "512Mi   # Ki, Mi, Gi (or k, M, G)"
                        }
                    )),
                );
            }
        }
        for name in ["cpu", "memory"] {
            let (Some(rn), Some(ln)) = (
                resource_node(c, "requests", name),
                resource_node(c, "limits", name),
            ) else {
                continue;
            };
            let (Some(r), Some(l)) = (amount(rn), amount(ln)) else {
                continue; // reported above
            };
            let (rt, lt) = (rn.as_str().unwrap_or("?"), ln.as_str().unwrap_or("?"));
            let what = if name == "cpu" { "CPU" } else { "memory" };
            if greater(r, l) {
                out.push(
                    hit_at(
                        ln,
                        format!(
                            "{}: {what} request {rt} is above the {what} limit {lt}; the API server rejects the object",
                            cx.who(c)
                        ),
                    )
                    .with_severity(Severity::Error)
                    .with_fix(format!(
                        "resources:\n  requests:\n    {name}: {lt}   # at most the limit\n  limits:\n    {name}: {lt}"
                    )),
                );
            } else if r > 0.0 && max.is_finite() && max > 0.0 && greater(l, r * max) {
                let ratio = l / r;
                let consequence = if name == "cpu" {
                    "the pod is placed on its request but bursts to its limit, so its speed depends on how busy its neighbours are"
                } else {
                    "the pod is placed on its request but may grow to its limit, so nodes overcommit and the kernel OOM-kills when several pods grow at once"
                };
                out.push(
                    hit_at(
                        ln,
                        format!(
                            "{}: {what} limit {lt} is {} the request {rt} (at most {}× allowed); {consequence}",
                            cx.who(c),
                            times(ratio),
                            trim_float(max)
                        ),
                    )
                    .with_fix(format!(
                        "resources:\n  requests:\n    {name}: {}   # or lower the limit to {}\n  limits:\n    {name}: {lt}",
                        show(name, l / max),
                        show(name, r * max)
                    )),
                );
            }
        }
    }
    out
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn times(ratio: f64) -> String {
    format!("{}×", trim_float(ratio))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{lines, run, run_with};

    #[test]
    fn flags_ratio_inversion_and_bad_quantities() {
        let yaml = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          resources:
            requests: {cpu: "2"}
            limits: {cpu: 1}
      containers:
        - name: api
          resources:
            requests: {cpu: 100m, memory: 256Mi}
            limits: {cpu: "2", memory: 4GB}
        - name: side
          resources:
            requests: {memory: 64Mi, ephemeral-storage: -1}
            limits: {memory: [1Gi]}
"#;
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11, 16, 16, 19, 20]);
        assert_eq!(hits[0].severity, Some(Severity::Error));
        assert!(
            hits[0]
                .message
                .contains("request 2 is above the CPU limit 1"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].message.contains("init container \"migrate\""),
            "{}",
            hits[0].message
        );
        // The invalid memory limit is reported first (in source order of the
        // sections), then the CPU ratio.
        assert!(hits[1].message.contains("\"4GB\""), "{}", hits[1].message);
        assert!(hits[1].message.contains("4G or 4Gi"), "{}", hits[1].message);
        assert_eq!(hits[1].severity, Some(Severity::Error));
        assert!(
            hits[2].message.contains("CPU limit 2 is 20×"),
            "{}",
            hits[2].message
        );
        assert_eq!(hits[2].severity, None);
        assert_eq!(hits[2].region.unwrap().column, 27);
        assert!(hits[3].message.contains("negative"), "{}", hits[3].message);
        assert!(
            hits[4].message.contains("memory limit is a list"),
            "{}",
            hits[4].message
        );
    }

    #[test]
    fn well_sized_and_equal_spellings_pass() {
        let yaml = r#"kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      resources:
        requests: {cpu: "1", memory: 536870912}
        limits: {cpu: 1000m, memory: 512Mi}
    - name: b
      resources:
        requests: {cpu: 200m, memory: 512Mi}
        limits: {cpu: 800m, memory: 1536Mi, nvidia.com/gpu: 1}
    - name: c
      resources:
        requests: {cpu: 0, memory: null}
        limits: {cpu: 4, memory: 1Gi}
    - name: d
      resources: "weird"
  ephemeralContainers:
    - name: debug
      resources: {limits: {cpu: lots}}
"#;
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn ratio_follows_settings_and_yaml_numbers() {
        let yaml = "kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: x
              resources:
                requests: {memory: 0x10000000}
                limits: {memory: 1Gi, cpu: 1.5}
                # 1Gi / 256Mi = 4
";
        assert!(run(check, yaml).is_empty());
        let strict = Settings {
            max_limit_request_ratio: 2.0,
            ..Settings::default()
        };
        let hits = run_with(check, yaml, &strict, None);
        assert_eq!(lines(&hits), [12]);
        assert!(
            hits[0].message.contains("is 4× the request"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[0].fix.as_deref().unwrap().contains("512Mi"),
            "{:?}",
            hits[0].fix
        );
        let off = Settings {
            max_limit_request_ratio: f64::NAN,
            ..Settings::default()
        };
        assert!(run_with(check, yaml, &off, None).is_empty());
    }

    #[test]
    fn guesses() {
        let n = |t: &str| Node {
            start: Default::default(),
            end: Default::default(),
            value: Value::Scalar {
                text: t.into(),
                plain: true,
            },
        };
        assert!(why_invalid(&n("512MB")).contains("512M or 512Mi"));
        assert!(why_invalid(&n("1g")).contains("1G or 1Gi"));
        assert!(why_invalid(&n("2 cores")).contains("mean 2?"));
        assert!(!why_invalid(&n("lots")).contains("mean"));
        assert_eq!(show("cpu", 0.25), "250m");
        assert_eq!(show("cpu", 2.0), "2");
        assert_eq!(show("memory", 1536.0 * 1048576.0), "1.5Gi");
    }
}
