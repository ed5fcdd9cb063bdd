//! # PK053: environment variable defined twice in a container
//!
//! Flags a container whose `env` list names the same variable more than
//! once. The kubelet applies the entries in order, so the last one wins
//! and the earlier ones are dead text that readers (and reviewers) take
//! for the real value. Worse, `env` is a list merged by `name`: `kubectl
//! apply` and server-side apply track one entry per name, so a later edit
//! of either entry can drop the other or leave the wrong one in place; the
//! API server warns `hides previous definition of "X", which may be dropped
//! when using apply`.
//!
//! Like the API server, it accepts a redefinition that builds on the
//! earlier value through a `$(NAME)` reference (`PATH` = `$(PATH):/opt/bin`).
//!
//! ## Bad
//! ```yaml
//! env:
//!   - {name: LOG_LEVEL, value: info}
//!   - {name: FEATURE_X, value: "on"}
//!   - {name: LOG_LEVEL, value: debug}
//! ```
//!
//! ## Good
//! ```yaml
//! env:
//!   - {name: LOG_LEVEL, value: debug}
//!   - {name: FEATURE_X, value: "on"}
//! ```
//!
//! ## Fix
//! Keep one entry per name (the value the container should actually get)
//! and delete the others; Helm and Kustomize users usually find the second
//! entry coming from a values file or a patch that should replace, not add.
//!
//! ## Incident it prevents
//! A chart appended `JAVA_OPTS` from a values file after the template's own
//! `JAVA_OPTS`; the heap setting reviewers saw in the template was never in
//! effect, and the service ran out of memory under the load test the
//! template's value had been sized for.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use std::collections::HashMap;

pub const META: Meta = Meta {
    code: "PK053",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A container's env names the same variable twice",
};

pub const PEERS: &[&str] = &[
    "kube-linter:duplicate-env-var",
    "kube-score:environment-variable-key-duplication",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some(env) = c.get("env") else { continue };
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for e in env.items() {
            let Some(name_node) = e.get("name") else {
                continue;
            };
            let Some(name) = name_node.as_str().filter(|n| !n.is_empty()) else {
                continue;
            };
            let Some(&first_line) = seen.get(name) else {
                seen.insert(name, name_node.start.line);
                continue;
            };
            // `X: $(X):more` extends the earlier definition: not a mistake.
            let reference = format!("$({name})");
            let value = e.get("value").and_then(|v| v.as_str()).unwrap_or("");
            let from = e.get("valueFrom").is_some_and(|v| !v.is_null());
            if !from && value != reference && value.contains(&reference) {
                continue;
            }
            out.push(
                hit_at(
                    name_node,
                    format!(
                        "{} defines {name} again (first at line {first_line}): the last entry wins, \
                         and apply may drop one of them on a later change",
                        cx.who(c)
                    ),
                )
                .with_fix(format!("# keep a single `- name: {name}` entry with the value the container needs")),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_second_and_later_definitions() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: init
          env:
            - {name: A, value: \"1\"}
            - {name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
      containers:
        - name: api
          env:
            - {name: LOG_LEVEL, value: info}
            - {name: OTHER, value: x}
            - {name: LOG_LEVEL, value: debug}
            - {name: LOG_LEVEL, value: \"$(LOG_LEVEL)\"}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11, 17, 18]);
        assert!(
            hits[0].message.contains("init container \"init\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1]
                .message
                .contains("LOG_LEVEL again (first at line 15)"),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn extensions_of_the_earlier_value_and_separate_containers_pass() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      env:
        - {name: PATH, value: /usr/bin}
        - {name: PATH, value: \"$(PATH):/opt/bin\"}
        - {name: X}
        - {name: \"\"}
        - {name: \"\"}
        - 42
    - name: b
      env:
        - {name: X, value: \"1\"}
";
        assert!(run(check, yaml).is_empty());
    }
}
