//! # PK008: resources differ from the resource table in plimsoll.toml
//!
//! The delivery contract sizes each service once, in `plimsoll.toml`, and
//! the manifests must match: `[k8s.workloads.<workload name>]` gives the
//! expected requests and limits for one workload, and `[k8s.classes.<class>]`
//! for every workload of a delivery class (`--class`, `[k8s] class`, or the
//! workload's `plimsoll.dev/class` label). The workload's own entry wins over
//! its class's. Each field the table sets (`requests.cpu`,
//! `requests.memory`, `limits.cpu`, `limits.memory`) is compared as a
//! quantity, so `512Mi` equals `536870912` and `0.5` equals `500m`; a field
//! the table sets and the container does not is a hit too. Fields the table
//! leaves out are not checked.
//!
//! Which containers: the main container named like the workload when there
//! is one (name the application container after its workload to single it
//! out from helpers), otherwise every main container. Init containers and
//! native sidecars are never compared: they have sizes of their own.
//! Unreadable quantities in the manifest are PK005's; an unreadable value in
//! the table is reported here once per workload.
//!
//! ```toml
//! [k8s.workloads.order]
//! requests = { cpu = "200m", memory = "512Mi" }
//! limits = { cpu = "800m", memory = "1536Mi" }
//! ```
//!
//! ## Bad
//! ```yaml
//! kind: Deployment
//! metadata: {name: order}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: order
//!           image: registry.example.com/order:2.3.0
//!           resources:
//!             requests: {cpu: 200m, memory: 512Mi}
//!             limits: {cpu: 800m, memory: 1Gi}
//! ```
//!
//! ## Good
//! ```yaml
//! kind: Deployment
//! metadata: {name: order}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: order
//!           image: registry.example.com/order:2.3.0
//!           resources:
//!             requests: {cpu: 200m, memory: 512Mi}
//!             limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Fix
//! Copy the table's values into the container (or, if the service's needs
//! changed, update the table in the same change):
//! ```yaml
//! resources:
//!   requests: {cpu: 200m, memory: 512Mi}
//!   limits: {cpu: 800m, memory: 1536Mi}
//! ```
//!
//! ## Incident it prevents
//! A hotfix to the order service's manifest reverted its memory limit from
//! the agreed 1536Mi to an old 1Gi; the first busy evening every replica was
//! OOM-killed while the sizing review still showed 1536Mi.

use super::pk005::{amount, resource_node};
use crate::{Context, Hit, Meta, ResourceTable, hit_at, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Role, quantity};

pub const META: Meta = Meta {
    code: "PK008",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container's requests or limits differ from plimsoll.toml's resource table",
};

pub const PEERS: &[&str] = &[];

/// A TOML key, quoted when it is not a bare key.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= a.abs().max(b.abs()) * 1e-9
}

/// The table as a `resources:` snippet.
fn snippet(t: &ResourceTable) -> String {
    let mut s = String::from("resources:");
    for (section, r) in [("requests", &t.requests), ("limits", &t.limits)] {
        if r.cpu.is_none() && r.memory.is_none() {
            continue;
        }
        s.push_str(&format!("\n  {section}:"));
        for (name, v) in [("cpu", &r.cpu), ("memory", &r.memory)] {
            if let Some(v) = v {
                s.push_str(&format!("\n    {name}: {v}"));
            }
        }
    }
    s
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let (table, source) = match cx.settings.workloads.get(w.name) {
        Some(t) => (t, format!("[k8s.workloads.{}]", toml_key(w.name))),
        None => match cx
            .class()
            .and_then(|class| cx.settings.classes.get(class).map(|t| (t, class)))
        {
            Some((t, class)) => (t, format!("[k8s.classes.{}]", toml_key(class))),
            None => return Vec::new(),
        },
    };
    let mains: Vec<_> = cx.containers().filter(|c| c.role == Role::Main).collect();
    let named: Vec<_> = mains.iter().copied().filter(|c| c.name == w.name).collect();
    let targets = if named.is_empty() { mains } else { named };
    let fix = snippet(table);
    let mut out = Vec::new();
    let fields = [
        ("requests", "cpu", &table.requests.cpu),
        ("requests", "memory", &table.requests.memory),
        ("limits", "cpu", &table.limits.cpu),
        ("limits", "memory", &table.limits.memory),
    ];
    for (i, c) in targets.iter().enumerate() {
        for (section, name, expected) in fields {
            let Some(expected) = expected.as_deref() else {
                continue;
            };
            let what = format!(
                "{} {}",
                if name == "cpu" { "CPU" } else { "memory" },
                &section[..section.len() - 1]
            );
            let Some(want) = quantity::parse(expected).filter(|v| *v >= 0.0) else {
                if i == 0 {
                    out.push(
                        missing_in(
                            c,
                            format!(
                                "plimsoll.toml {source} sets {section}.{name} = {expected:?}, which is not a Kubernetes quantity; {} cannot be compared with it",
                                cx.who(c)
                            ),
                        )
                        .with_fix(format!("{source}\n{section} = {{ {name} = \"{}\" }}", if name == "cpu" { "200m" } else { "512Mi" })),
                    );
                }
                continue;
            };
            match resource_node(c, section, name) {
                None => out.push(
                    missing_in(
                        c,
                        format!(
                            "{} has no {what}; plimsoll.toml {source} expects {expected}",
                            cx.who(c)
                        ),
                    )
                    .with_fix(fix.clone()),
                ),
                Some(n) => {
                    let Some(have) = amount(n) else { continue }; // PK005
                    if !same(have, want) {
                        out.push(
                            hit_at(
                                n,
                                format!(
                                    "{}: {what} is {}; plimsoll.toml {source} expects {expected}",
                                    cx.who(c),
                                    n.as_str().unwrap_or("?")
                                ),
                            )
                            .with_fix(fix.clone()),
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
    use crate::testing::{lines, run, run_with};
    use crate::{Resources, Settings};

    fn table(rc: &str, rm: &str, lc: &str, lm: &str) -> ResourceTable {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        ResourceTable {
            requests: Resources {
                cpu: s(rc),
                memory: s(rm),
            },
            limits: Resources {
                cpu: s(lc),
                memory: s(lm),
            },
        }
    }

    fn order() -> Settings {
        let mut s = Settings::default();
        s.workloads
            .insert("order".into(), table("200m", "512Mi", "800m", "1536Mi"));
        s.classes
            .insert("batch".into(), table("", "1Gi", "", "2Gi"));
        s
    }

    const ORDER: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: order}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
      containers:
        - name: proxy
          resources: {limits: {memory: 64Mi}}
        - name: order
          resources:
            requests: {cpu: 0.2, memory: 536870912}
            limits: {memory: 1Gi}
"#;

    #[test]
    fn flags_each_differing_field_of_the_named_container() {
        let hits = run_with(check, ORDER, &order(), None);
        assert_eq!(lines(&hits), [12, 15]);
        assert!(
            hits[0].message.contains("container \"order\" in Deployment/order has no CPU limit; plimsoll.toml [k8s.workloads.order] expects 800m"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains(
                "memory limit is 1Gi; plimsoll.toml [k8s.workloads.order] expects 1536Mi"
            ),
            "{}",
            hits[1].message
        );
        assert_eq!(
            hits[1].fix.as_deref(),
            Some(
                "resources:\n  requests:\n    cpu: 200m\n    memory: 512Mi\n  limits:\n    cpu: 800m\n    memory: 1536Mi"
            )
        );
    }

    #[test]
    fn matching_values_or_no_table_pass() {
        let good = ORDER.replace(
            "limits: {memory: 1Gi}",
            "limits: {memory: 1.5Gi, cpu: \"0.8\"}",
        );
        assert!(run_with(check, &good, &order(), None).is_empty());
        assert!(run(check, ORDER).is_empty());
    }

    #[test]
    fn class_tables_apply_to_every_main_container() {
        let yaml = r#"kind: CronJob
metadata:
  name: nightly
  labels: {plimsoll.dev/class: batch}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: a
              resources: {requests: {memory: 1Gi}, limits: {memory: 2Gi}}
            - name: b
              resources: {requests: {memory: 1G}, limits: {memory: bogus}}
"#;
        let hits = run_with(check, yaml, &order(), None);
        assert_eq!(lines(&hits), [14]);
        assert!(
            hits[0]
                .message
                .contains("memory request is 1G; plimsoll.toml [k8s.classes.batch] expects 1Gi"),
            "{}",
            hits[0].message
        );
        // --class overrides the label; a workload entry beats the class.
        let mut s = order();
        s.class = Some("none".into());
        assert!(run_with(check, yaml, &s, None).is_empty());
        s.workloads
            .insert("nightly".into(), table("", "1Gi", "", ""));
        let hits = run_with(check, yaml, &s, None);
        assert_eq!(lines(&hits), [14]);
        assert!(
            hits[0].message.contains("[k8s.workloads.nightly]"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn bad_table_values_are_reported_once() {
        let mut s = Settings::default();
        s.workloads.insert("w.x".into(), table("lots", "", "", ""));
        let yaml = "kind: Pod
metadata: {name: w.x}
spec:
  containers:
    - name: a
    - name: b
";
        let hits = run_with(check, yaml, &s, None);
        assert_eq!(lines(&hits), [5]);
        assert!(
            hits[0]
                .message
                .contains("[k8s.workloads.\"w.x\"] sets requests.cpu = \"lots\""),
            "{}",
            hits[0].message
        );
    }
}
