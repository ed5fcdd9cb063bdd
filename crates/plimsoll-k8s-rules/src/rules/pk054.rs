//! # PK054: env entry the API server rejects
//!
//! Checks each `env` entry of every container for the mistakes that make
//! the whole workload unappliable:
//!
//! - **A value that is not a string.** kubectl reads YAML 1.1, so
//!   `value: 8080`, `value: true`, `value: yes` or `value: 1.0` is a number
//!   or a boolean and the apply fails with `cannot unmarshal number into Go
//!   struct field EnvVar...value of type string`. Quote it. (A null value
//!   is fine: it becomes the empty string.)
//! - **No name**, or a name that is not a string.
//! - **Both `value` and `valueFrom`** (`may not be specified when value is
//!   not empty`).
//! - **A `valueFrom` with no source or more than one** of `fieldRef`,
//!   `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef`, `fileKeyRef`,
//!   or a `configMapKeyRef`/`secretKeyRef` without its `name` or `key`,
//!   a `fieldRef` without `fieldPath`, a `resourceFieldRef` without
//!   `resource`.
//!
//! ## Bad
//! ```yaml
//! env:
//!   - {name: PORT, value: 8080}
//!   - {name: DEBUG, value: yes}
//!   - name: DB_PASSWORD
//!     valueFrom:
//!       secretKeyRef: {name: db}
//! ```
//!
//! ## Good
//! ```yaml
//! env:
//!   - {name: PORT, value: "8080"}
//!   - {name: DEBUG, value: "yes"}
//!   - name: DB_PASSWORD
//!     valueFrom:
//!       secretKeyRef: {name: db, key: password}
//! ```
//!
//! ## Fix
//! ```yaml
//! - {name: PORT, value: "8080"}   # env values are strings: quote numbers and booleans
//! ```
//!
//! ## Incident it prevents
//! Adding `- {name: WORKERS, value: 4}` to a Deployment broke the release:
//! the pipeline's apply failed on the type error after the database
//! migration Job had already run, leaving the schema ahead of the code for
//! the length of the rollback.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Node, Value};

pub const META: Meta = Meta {
    code: "PK054",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "An env entry is not valid: non-string value, missing name or a malformed valueFrom",
};

pub const PEERS: &[&str] = &[];

const SOURCES: [&str; 5] = [
    "fieldRef",
    "resourceFieldRef",
    "configMapKeyRef",
    "secretKeyRef",
    "fileKeyRef",
];

fn present(n: Option<&Node>) -> Option<&Node> {
    n.filter(|n| !n.is_null())
}

fn non_empty_str(n: Option<&Node>) -> bool {
    n.and_then(Node::as_str).is_some_and(|s| !s.is_empty())
}

fn check_entry(e: &Node, who: &str, out: &mut Vec<Hit>) {
    if !e.is_map() {
        out.push(
            hit_at(e, format!("{who} has an env entry that is not a mapping"))
                .with_fix("- {name: NAME, value: \"value\"}"),
        );
        return;
    }
    let name_node = present(e.get("name"));
    let name = name_node.and_then(Node::as_str).unwrap_or("");
    match name_node {
        None => {
            out.push(
                hit_at(e, format!("{who} has an env entry without a name"))
                    .with_fix("- {name: NAME, value: \"value\"}"),
            );
        }
        Some(n) => {
            if let Some(t) = super::pk069::yaml_non_string(n) {
                out.push(
                    hit_at(
                        n,
                        format!(
                            "{who} has an env name that is the YAML {t} {name:?}, not a string"
                        ),
                    )
                    .with_fix(format!("- name: {name:?}")),
                );
            } else if !matches!(n.value, Value::Scalar { .. }) || name.is_empty() {
                out.push(
                    hit_at(
                        n,
                        format!("{who} has an env entry with an empty or non-string name"),
                    )
                    .with_fix("- {name: NAME, value: \"value\"}"),
                );
            }
        }
    }
    let shown = if name.is_empty() {
        "an env entry".to_string()
    } else {
        name.to_string()
    };
    let value = present(e.get("value"));
    let mut value_set = false;
    if let Some(v) = value {
        match &v.value {
            Value::Scalar { text, .. } => {
                value_set = !text.is_empty();
                if let Some(t) = super::pk069::yaml_non_string(v) {
                    out.push(
                        hit_at(
                            v,
                            format!(
                                "{who} sets {shown} to the YAML {t} {text}, not a string: the API server \
                                 refuses the workload; quote it"
                            ),
                        )
                        .with_fix(format!("- {{name: {name}, value: {text:?}}}")),
                    );
                }
            }
            _ => {
                value_set = true;
                out.push(
                    hit_at(
                        v,
                        format!("{who} sets {shown} to a YAML collection: env values are strings"),
                    )
                    .with_fix(format!("- {{name: {name}, value: \"...\"}}")),
                );
            }
        }
    }
    let Some(from) = present(e.get("valueFrom")) else {
        return;
    };
    if value_set {
        out.push(
            hit_at(
                from,
                format!(
                    "{who} gives {shown} both a value and a valueFrom: the API server refuses it"
                ),
            )
            .with_fix("# keep either value: or valueFrom:, not both"),
        );
    }
    let sources: Vec<(&str, &Node)> = SOURCES
        .iter()
        .filter_map(|s| present(from.get(s)).map(|n| (*s, n)))
        .collect();
    match sources.as_slice() {
        [] => out.push(
            hit_at(
                from,
                format!(
                    "{who} has a valueFrom for {shown} with none of {}",
                    SOURCES.join(", ")
                ),
            )
            .with_fix("valueFrom:\n  secretKeyRef: {name: app-secrets, key: password}"),
        ),
        [(kind, src)] => {
            let needs: &[&str] = match *kind {
                "configMapKeyRef" | "secretKeyRef" => &["name", "key"],
                "fieldRef" => &["fieldPath"],
                "resourceFieldRef" => &["resource"],
                _ => &[],
            };
            let missing: Vec<&str> = needs
                .iter()
                .copied()
                .filter(|k| !non_empty_str(src.get(k)))
                .collect();
            if !missing.is_empty() {
                out.push(
                    hit_at(
                        src,
                        format!(
                            "{who}'s {kind} for {shown} has no {}: the API server refuses it",
                            missing.join(" or ")
                        ),
                    )
                    .with_fix(match *kind {
                        "fieldRef" => "fieldRef: {fieldPath: metadata.name}".to_string(),
                        "resourceFieldRef" => {
                            "resourceFieldRef: {resource: limits.memory}".to_string()
                        }
                        k => format!(
                            "{k}: {{name: app-config, key: {}}}",
                            name.to_ascii_lowercase()
                        ),
                    }),
                );
            }
        }
        many => {
            let names: Vec<&str> = many.iter().map(|(k, _)| *k).collect();
            out.push(
                hit_at(from, format!("{who}'s valueFrom for {shown} has {}: only one source is allowed", names.join(" and ")))
                    .with_fix("valueFrom:\n  secretKeyRef: {name: app-secrets, key: password}   # exactly one source"),
            );
        }
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some(env) = c.get("env") else { continue };
        let who = cx.who(c);
        for e in env.items() {
            check_entry(e, &who, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_values_the_decoder_refuses() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          env:
            - {name: PORT, value: 8080}
            - {name: DEBUG, value: yes}
            - {name: RATIO, value: 1.5}
            - {name: LIST, value: [a, b]}
            - {name: OK1, value: \"8080\"}
            - {name: OK2, value: ~}
            - {name: OK3, value: v1.2}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 11, 12, 13]);
        assert!(
            hits[0].message.contains("YAML number 8080"),
            "{}",
            hits[0].message
        );
        assert_eq!(
            hits[0].fix.as_deref(),
            Some("- {name: PORT, value: \"8080\"}")
        );
        assert!(hits[1].message.contains("boolean"));
    }

    #[test]
    fn flags_names_and_value_from_shapes() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: job
              env:
                - {value: x}
                - {name: 12, value: x}
                - {name: BOTH, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: NONE, valueFrom: {}}
                - {name: TWO, valueFrom: {fieldRef: {fieldPath: a}, secretKeyRef: {name: s, key: k}}}
                - {name: NOKEY, valueFrom: {secretKeyRef: {name: db}}}
                - {name: NOPATH, valueFrom: {fieldRef: {}}}
                - just-a-string
                - {name: EMPTYVAL, value: \"\", valueFrom: {configMapKeyRef: {name: c, key: k}}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [13, 14, 15, 16, 17, 18, 19, 20]);
        assert!(hits[0].message.contains("without a name"));
        assert!(hits[1].message.contains("YAML number"));
        assert!(hits[2].message.contains("both a value and a valueFrom"));
        assert!(hits[3].message.contains("with none of"));
        assert!(
            hits[4].message.contains("fieldRef and secretKeyRef"),
            "{}",
            hits[4].message
        );
        assert!(
            hits[5].message.contains("has no key"),
            "{}",
            hits[5].message
        );
        assert!(hits[6].message.contains("no fieldPath"));
        assert!(hits[7].message.contains("not a mapping"));
    }

    #[test]
    fn valid_env_passes() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      env:
        - {name: A, value: \"1\"}
        - {name: B}
        - {name: C, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
        - {name: D, valueFrom: {secretKeyRef: {name: s, key: k, optional: true}}}
        - {name: E, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
";
        assert!(run(check, yaml).is_empty());
    }
}
