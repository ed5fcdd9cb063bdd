//! # PK065: update strategy the API rejects, or one that takes every pod down
//!
//! Checks `spec.strategy` of Deployments and `spec.updateStrategy` of
//! DaemonSets and StatefulSets.
//!
//! Refused by the API server (error):
//!
//! - a `type` other than `RollingUpdate`/`Recreate` (Deployment) or
//!   `RollingUpdate`/`OnDelete` (DaemonSet, StatefulSet); values are
//!   case-sensitive;
//! - a `rollingUpdate` block on a Deployment with `type: Recreate`, or on a
//!   StatefulSet with `type: OnDelete`. (Switching a live Deployment to
//!   `Recreate` with `kubectl apply` hits this too, because the live object
//!   keeps its defaulted `rollingUpdate`: write `rollingUpdate: null`.)
//! - `maxUnavailable` and `maxSurge` both 0 (Deployment, DaemonSet; a
//!   DaemonSet's `maxSurge` defaults to 0, so `maxUnavailable: 0` alone is
//!   refused), a negative value, a percentage above 100% for
//!   `maxUnavailable`, or a string that is not a percentage (`"1"`);
//! - a negative StatefulSet `partition`.
//!
//! Accepted but dangerous (warning): a Deployment whose `maxUnavailable`
//! reaches its `replicas` (`100%`, or `3` of 3), or a DaemonSet with
//! `maxUnavailable: 100%`: a rollout may stop every pod at once, which
//! is an outage for anything serving traffic. `Recreate` itself is not
//! reported: it is the right choice when pods must not overlap (a
//! ReadWriteOnce volume, a schema owner).
//!
//! ## Bad
//! ```yaml
//! spec:
//!   replicas: 4
//!   strategy:
//!     type: RollingUpdate
//!     rollingUpdate: {maxUnavailable: 100%, maxSurge: 0}
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   replicas: 4
//!   strategy:
//!     type: RollingUpdate
//!     rollingUpdate: {maxUnavailable: 1, maxSurge: 1}
//! ```
//!
//! ## Fix
//! ```yaml
//! strategy:
//!   type: RollingUpdate
//!   rollingUpdate: {maxUnavailable: 25%, maxSurge: 25%}
//! ```
//!
//! ## Incident it prevents
//! `maxUnavailable: 100%` was set to make a staging rollout faster and
//! reached production through a shared base; the next release stopped all
//! eight API pods at once and the service was down until the new ones
//! passed readiness.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Node, Value};

pub const META: Meta = Meta {
    code: "PK065",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "An update strategy is invalid, or lets a rollout stop every pod at once",
};

pub const PEERS: &[&str] = &[];

/// An IntOrString as the API reads it.
enum IntOrPercent {
    Int(i64),
    Percent(i64),
}

fn int_or_percent(n: &Node) -> Result<IntOrPercent, String> {
    if let Some(v) = n.as_i64() {
        return Ok(IntOrPercent::Int(v));
    }
    match &n.value {
        Value::Scalar { text, .. } => {
            let t = text.trim();
            match t.strip_suffix('%').map(str::parse::<i64>) {
                Some(Ok(p)) => Ok(IntOrPercent::Percent(p)),
                _ => Err(format!(
                    "{text:?} is neither a number nor a percentage like \"25%\""
                )),
            }
        }
        _ => Err("is not a number or a percentage".into()),
    }
}

fn is_zero(v: &IntOrPercent) -> bool {
    matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0))
}

/// A present, non-null field with its key.
fn field<'a>(parent: &'a Node, key: &str) -> Option<(&'a Node, &'a Node)> {
    parent.entry(key).filter(|(_, v)| !v.is_null())
}

/// Checks `maxUnavailable`/`maxSurge`; returns the parsed maxUnavailable.
fn check_rolling<'a>(
    ru: &'a Node,
    who: &str,
    surge_default_zero: bool,
    out: &mut Vec<Hit>,
) -> Option<(IntOrPercent, &'a Node)> {
    let mut parsed = |key: &str| -> Option<(IntOrPercent, &'a Node)> {
        let (_, n) = field(ru, key)?;
        match int_or_percent(n) {
            Err(why) => {
                out.push(
                    hit_at(n, format!("{who}: {key} {why}: the API server refuses it"))
                        .with_fix(format!("{key}: 25%")),
                );
                None
            }
            Ok(IntOrPercent::Int(v)) | Ok(IntOrPercent::Percent(v)) if v < 0 => {
                out.push(
                    hit_at(
                        n,
                        format!("{who}: {key} is negative: the API server refuses it"),
                    )
                    .with_fix(format!("{key}: 25%")),
                );
                None
            }
            Ok(IntOrPercent::Percent(p)) if p > 100 && key == "maxUnavailable" => {
                out.push(
                    hit_at(
                        n,
                        format!(
                            "{who}: maxUnavailable {p}% is above 100%: the API server refuses it"
                        ),
                    )
                    .with_fix("maxUnavailable: 25%"),
                );
                None
            }
            Ok(v) => Some((v, n)),
        }
    };
    let unavailable = parsed("maxUnavailable");
    let surge = parsed("maxSurge");
    let unavailable_zero = unavailable.as_ref().is_some_and(|(v, _)| is_zero(v));
    let surge_zero = match &surge {
        Some((v, _)) => is_zero(v),
        None => surge_default_zero && field(ru, "maxSurge").is_none(),
    };
    if unavailable_zero && surge_zero {
        let at = unavailable.as_ref().map_or(ru, |(_, n)| *n);
        out.push(
            hit_at(at, format!("{who}: maxUnavailable and maxSurge are both 0, so no pod could ever be replaced: the API server refuses it"))
                .with_fix("rollingUpdate: {maxUnavailable: 0, maxSurge: 1}   # surge first, never below the desired count"),
        );
    }
    unavailable
}

fn type_hit(n: &Node, who: &str, allowed: &[&str]) -> Hit {
    let t = n.as_str().unwrap_or("");
    let shown = if n.as_str().is_some() {
        format!("{t:?}")
    } else {
        "(not a string)".into()
    };
    let hint = if allowed.iter().any(|a| a.eq_ignore_ascii_case(t)) {
        " (values are case-sensitive)"
    } else {
        ""
    };
    hit_at(
        n,
        format!(
            "{who}: strategy type {shown}{hint} is not {}: the API server refuses it",
            allowed.join(" or ")
        ),
    )
    .with_fix(format!("type: {}", allowed[0]))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    if super::pk050::api_group(w.api_version) != "apps" {
        return Vec::new();
    }
    let Some(spec) = w.object.get("spec") else {
        return Vec::new();
    };
    let who = w.label();
    let mut out = Vec::new();
    match w.kind {
        "Deployment" => {
            let Some((_, strategy)) = field(spec, "strategy") else {
                return out;
            };
            let kind = match field(strategy, "type") {
                None => "RollingUpdate",
                Some((_, t)) => match t.as_str() {
                    Some(s @ ("RollingUpdate" | "Recreate")) => s,
                    _ => {
                        out.push(type_hit(t, &who, &["RollingUpdate", "Recreate"]));
                        return out;
                    }
                },
            };
            let Some((ru_key, ru)) = field(strategy, "rollingUpdate") else {
                return out;
            };
            if kind == "Recreate" {
                out.push(
                    hit_at(ru_key, format!("{who} sets rollingUpdate with strategy type Recreate: the API server refuses it"))
                        .with_fix("strategy:\n  type: Recreate\n  rollingUpdate: null   # also clears the live object's default on apply"),
                );
                return out;
            }
            let unavailable = check_rolling(ru, &who, false, &mut out);
            let replicas = spec.get("replicas").and_then(Node::as_i64).unwrap_or(1);
            if let Some((v, n)) = unavailable {
                let down = match v {
                    IntOrPercent::Int(i) => i,
                    IntOrPercent::Percent(p) => replicas.saturating_mul(p) / 100,
                };
                if replicas >= 2 && down >= replicas {
                    out.push(
                        hit_at(
                            n,
                            format!(
                                "{who}: maxUnavailable {} lets a rollout stop all {replicas} replicas at once",
                                n.as_str().unwrap_or("")
                            ),
                        )
                        .with_severity(Severity::Warning)
                        .with_fix("rollingUpdate: {maxUnavailable: 25%, maxSurge: 25%}"),
                    );
                }
            }
        }
        "DaemonSet" | "StatefulSet" => {
            let Some((_, strategy)) = field(spec, "updateStrategy") else {
                return out;
            };
            let kind = match field(strategy, "type") {
                None => "RollingUpdate",
                Some((_, t)) => match t.as_str() {
                    Some(s @ ("RollingUpdate" | "OnDelete")) => s,
                    _ => {
                        out.push(type_hit(t, &who, &["RollingUpdate", "OnDelete"]));
                        return out;
                    }
                },
            };
            let Some((ru_key, ru)) = field(strategy, "rollingUpdate") else {
                return out;
            };
            if w.kind == "StatefulSet" {
                if kind == "OnDelete" {
                    out.push(
                        hit_at(ru_key, format!("{who} sets rollingUpdate with updateStrategy OnDelete: the API server refuses it"))
                            .with_fix("updateStrategy:\n  type: OnDelete\n  rollingUpdate: null"),
                    );
                    return out;
                }
                if let Some((_, p)) = field(ru, "partition")
                    && p.as_i64().is_some_and(|v| v < 0)
                {
                    out.push(
                        hit_at(
                            p,
                            format!("{who}: partition is negative: the API server refuses it"),
                        )
                        .with_fix("partition: 0"),
                    );
                }
                return out;
            }
            if kind == "OnDelete" {
                return out;
            }
            if let Some((IntOrPercent::Percent(100), n)) = check_rolling(ru, &who, true, &mut out) {
                out.push(
                    hit_at(n, format!("{who}: maxUnavailable 100% lets a rollout stop the pod on every node at once"))
                        .with_severity(Severity::Warning)
                        .with_fix("rollingUpdate: {maxUnavailable: 10%}"),
                );
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    fn deploy(replicas: u32, strategy: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  replicas: {replicas}
  strategy:
{strategy}  template:
    spec:
      containers: [{{name: a, image: a:1}}]
"
        )
    }

    #[test]
    fn deployment_strategies_the_api_refuses() {
        let hits = run(check, &deploy(3, "    type: rollingUpdate\n"));
        assert_eq!(lines(&hits), [7]);
        assert!(
            hits[0].message.contains("case-sensitive"),
            "{}",
            hits[0].message
        );

        let hits = run(
            check,
            &deploy(3, "    type: Recreate\n    rollingUpdate: {maxSurge: 1}\n"),
        );
        assert_eq!(lines(&hits), [8]);
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("rollingUpdate: null")
        );
        assert!(
            run(
                check,
                &deploy(3, "    type: Recreate\n    rollingUpdate: null\n")
            )
            .is_empty()
        );

        let hits = run(
            check,
            &deploy(3, "    rollingUpdate: {maxUnavailable: 0, maxSurge: 0%}\n"),
        );
        assert_eq!(lines(&hits), [7]);
        assert!(hits[0].message.contains("both 0"));

        let hits = run(
            check,
            &deploy(
                3,
                "    rollingUpdate: {maxUnavailable: \"1\", maxSurge: -1}\n",
            ),
        );
        assert_eq!(hits.len(), 2);
        assert!(
            hits[0].message.contains("percentage"),
            "{}",
            hits[0].message
        );
        assert!(hits[1].message.contains("negative"));

        let hits = run(
            check,
            &deploy(3, "    rollingUpdate: {maxUnavailable: 150%}\n"),
        );
        assert!(hits[0].message.contains("above 100%"));
    }

    #[test]
    fn all_at_once_is_a_warning() {
        let hits = run(
            check,
            &deploy(
                4,
                "    rollingUpdate: {maxUnavailable: 100%, maxSurge: 0}\n",
            ),
        );
        assert_eq!(lines(&hits), [7]);
        assert_eq!(hits[0].severity, Some(Severity::Warning));
        assert!(
            hits[0].message.contains("all 4 replicas"),
            "{}",
            hits[0].message
        );
        let hits = run(
            check,
            &deploy(3, "    rollingUpdate:\n      maxUnavailable: 3\n"),
        );
        assert_eq!(lines(&hits), [8]);
        // One replica: nothing more to lose than PK057 already says.
        assert!(
            run(
                check,
                &deploy(1, "    rollingUpdate: {maxUnavailable: 1, maxSurge: 0}\n")
            )
            .is_empty()
        );
        assert!(
            run(
                check,
                &deploy(4, "    rollingUpdate: {maxUnavailable: 75%}\n")
            )
            .is_empty()
        );
    }

    #[test]
    fn daemonsets_and_statefulsets() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  updateStrategy:
    rollingUpdate: {maxUnavailable: 0}
  template:
    spec:
      containers: [{name: a, image: a:1}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent2}
spec:
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 100%}
  template:
    spec:
      containers: [{name: a, image: a:1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  updateStrategy:
    type: OnDelete
    rollingUpdate: {partition: 1}
  template:
    spec:
      containers: [{name: d, image: d:1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db2}
spec:
  updateStrategy:
    rollingUpdate: {partition: -1}
  template:
    spec:
      containers: [{name: d, image: d:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [6, 17, 28, 38]);
        assert!(hits[0].message.contains("both 0"));
        assert_eq!(hits[1].severity, Some(Severity::Warning));
        assert!(hits[2].message.contains("OnDelete"));
        assert!(hits[3].message.contains("partition"));
    }

    #[test]
    fn sane_strategies_pass() {
        assert!(
            run(
                check,
                &deploy(
                    3,
                    "    type: RollingUpdate\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}\n"
                )
            )
            .is_empty()
        );
        assert!(run(check, &deploy(3, "    type: Recreate\n")).is_empty());
        let ds = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: a}
spec:
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}
  template:
    spec:
      containers: [{name: a, image: a:1}]
";
        assert!(run(check, ds).is_empty());
    }
}
