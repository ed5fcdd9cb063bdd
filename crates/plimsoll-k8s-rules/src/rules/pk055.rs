//! # PK055: container name missing, invalid or used twice
//!
//! Every container of a pod (init, sidecar and ephemeral containers
//! included) needs a `name` that is a DNS label (at most 63 lowercase
//! letters, digits and `-`, starting and ending with a letter or digit)
//! and is unique across all of the pod's containers. The API server
//! refuses the workload otherwise (`Required value`, `Invalid value`,
//! `Duplicate value`). Names are also how `kubectl logs -c`, metrics,
//! resource tooling and strategic-merge patches find a container, so two
//! containers with one name would be ambiguous even where it were allowed.
//!
//! ## Bad
//! ```yaml
//! initContainers:
//!   - name: app
//!     image: registry.example.com/migrate:3.1
//! containers:
//!   - name: app
//!     image: registry.example.com/api:1.4.2
//!   - name: Log_Shipper
//!     image: registry.example.com/shipper:2.0
//! ```
//!
//! ## Good
//! ```yaml
//! initContainers:
//!   - name: migrate
//!     image: registry.example.com/migrate:3.1
//! containers:
//!   - name: app
//!     image: registry.example.com/api:1.4.2
//!   - name: log-shipper
//!     image: registry.example.com/shipper:2.0
//! ```
//!
//! ## Fix
//! ```yaml
//! - name: log-shipper   # lowercase letters, digits and '-', unique in the pod
//! ```
//!
//! ## Incident it prevents
//! A Kustomize patch added a sidecar named like the main container; the
//! rendered Deployment was refused by the API server during a release,
//! and the rollback pipeline, rendering the same base, failed the same way.

use crate::{Context, Hit, Meta, hit_at, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Value;
use std::collections::HashMap;

pub const META: Meta = Meta {
    code: "PK055",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A container name is missing, not a DNS label, or used twice in the pod",
};

pub const PEERS: &[&str] = &[];

/// Why `name` is not a DNS-1123 label, if it is not.
pub(crate) fn dns_label_problem(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.len() > 63 {
        return Some("is longer than 63 characters");
    }
    if !b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    {
        return Some("may contain only lowercase letters, digits and '-'");
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        return Some("must start and end with a letter or digit");
    }
    None
}

/// A DNS label close to `name`, for fixes.
fn suggestion(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "app".into() } else { s }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, u32> = HashMap::new();
    for c in cx.containers() {
        let who = cx.who(c);
        let node = c.get("name").filter(|n| !n.is_null());
        let Some(node) = node else {
            out.push(
                missing_in(
                    c,
                    format!("{who} has no name: the API server refuses the workload"),
                )
                .with_fix("- name: app   # a DNS label, unique in the pod"),
            );
            continue;
        };
        let text = match &node.value {
            Value::Scalar { text, .. } => text.as_str(),
            _ => "",
        };
        if let Some(t) = super::pk069::yaml_non_string(node) {
            out.push(
                hit_at(
                    node,
                    format!("{who}: the name {text} is a YAML {t}, not a string"),
                )
                .with_fix(format!("- name: c{}", suggestion(text))),
            );
            continue;
        }
        if text.is_empty() {
            out.push(
                hit_at(
                    node,
                    format!(
                        "{who} has an empty or non-string name: the API server refuses the workload"
                    ),
                )
                .with_fix("- name: app   # a DNS label, unique in the pod"),
            );
            continue;
        }
        if super::pk069::unrendered(text) {
            continue;
        }
        if let Some(why) = dns_label_problem(text) {
            out.push(
                hit_at(
                    node,
                    format!("{who}: the name {text:?} {why}: the API server refuses the workload"),
                )
                .with_fix(format!("- name: {}", suggestion(text))),
            );
        }
        if let Some(first) = seen.get(text) {
            out.push(
                hit_at(
                    node,
                    format!(
                        "{who}: another container of the pod is already named {text:?} (line {first}): \
                         the API server refuses duplicate container names"
                    ),
                )
                .with_fix(format!("- name: {}-2   # unique across containers, initContainers and ephemeralContainers", suggestion(text))),
            );
        } else {
            seen.insert(text, node.start.line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_duplicates_across_init_and_main_and_bad_names() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: app
          image: m:1
      containers:
        - name: app
          image: a:1
        - name: Log_Shipper
          image: s:1
        - image: x:1
        - name: 1234
          image: y:1
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11, 13, 15, 16]);
        assert!(
            hits[0].message.contains("already named \"app\" (line 8)"),
            "{}",
            hits[0].message
        );
        assert!(hits[0].message.contains("container \"app\""));
        assert_eq!(hits[1].fix.as_deref(), Some("- name: log-shipper"));
        assert!(hits[2].message.contains("has no name"));
        assert!(hits[3].message.contains("YAML number"));
    }

    #[test]
    fn unique_dns_labels_pass() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init-1, image: i:1}, {name: proxy, image: p:1, restartPolicy: Always}]
          containers: [{name: job, image: j:1}, {name: \"quoted\", image: q:1}]
";
        assert!(run(check, yaml).is_empty());
        assert_eq!(dns_label_problem("a-b-9"), None);
        assert!(dns_label_problem("-a").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
    }
}
