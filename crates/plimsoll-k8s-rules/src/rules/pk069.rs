//! # PK069: label or annotation the API server rejects
//!
//! Checks the labels and annotations of the workload, of its pod template
//! (and of a CronJob's job template), and the `matchLabels` of its
//! selector:
//!
//! - **Values must be strings.** kubectl reads YAML 1.1, so an unquoted
//!   `true`, `yes`, `on`, `1.0` or `8080` is a boolean or a number, and
//!   the object is refused with `cannot unmarshal bool into Go
//!   struct field ObjectMeta.metadata.annotations of type string`. This is
//!   the classic `prometheus.io/scrape: true` mistake; quote the value.
//! - **Label values** are at most 63 characters, empty or starting and
//!   ending with a letter or digit, with only letters, digits, `-`, `_`
//!   and `.` in between (`version: 1.4.2+build7` is refused).
//! - **Keys** (labels and annotations alike) are an optional DNS-subdomain
//!   prefix and `/`, then a name of 1–63 characters of the same alphabet.
//!
//! Any of these makes the API server refuse the whole object. Values that
//! still hold a template placeholder (`${VAR}`, `{{ … }}`) are not judged.
//!
//! ## Bad
//! ```yaml
//! metadata:
//!   labels:
//!     app: web
//!     version: 1.4.2+build7
//!   annotations:
//!     prometheus.io/scrape: true
//!     prometheus.io/port: 9090
//! ```
//!
//! ## Good
//! ```yaml
//! metadata:
//!   labels:
//!     app: web
//!     version: 1.4.2-build7
//!   annotations:
//!     prometheus.io/scrape: "true"
//!     prometheus.io/port: "9090"
//! ```
//!
//! ## Fix
//! ```yaml
//! annotations:
//!   prometheus.io/scrape: "true"   # quote booleans and numbers
//! ```
//!
//! ## Incident it prevents
//! A one-line change adding `prometheus.io/scrape: true` to the pod
//! template broke every deploy of the service for an afternoon: the
//! pipeline's `kubectl apply` failed on the type error, and the hotfix
//! queued behind it could not ship.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Node, Value};

pub const META: Meta = Meta {
    code: "PK069",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A label or annotation is not a valid string, key or label value",
};

pub const PEERS: &[&str] = &["kube-score:label-values"];

/// What YAML 1.1 (kubectl's reading) makes of a plain scalar that is not a
/// string: `Some("boolean" | "number" | "null")`; `None` for strings,
/// quoted scalars and collections.
pub(crate) fn yaml_non_string(n: &Node) -> Option<&'static str> {
    let Value::Scalar { text, plain: true } = &n.value else {
        return None;
    };
    if n.is_null() {
        return Some("null");
    }
    if n.as_bool().is_some() {
        return Some("boolean");
    }
    if is_yaml11_number(text) {
        return Some("number");
    }
    None
}

/// Text that still holds an unrendered template placeholder (`${VAR}`
/// for envsubst, `{{ … }}` for Helm-like tools): not judged as a value.
pub(crate) fn unrendered(text: &str) -> bool {
    text.contains("${") || text.contains("{{")
}

fn is_yaml11_number(text: &str) -> bool {
    let t: String = text.chars().filter(|&c| c != '_').collect();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(&t);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF")
        || matches!(t.as_str(), ".nan" | ".NaN" | ".NAN")
    {
        return true;
    }
    if text.starts_with('_') || unsigned.is_empty() {
        return false;
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = unsigned.strip_prefix(prefix) {
            return !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
        }
    }
    // Decimal and float forms: digits, at most one '.', an optional exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int_part, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match frac {
        None => !int_part.is_empty() && digits(int_part),
        Some(f) => digits(int_part) && digits(f) && !(int_part.is_empty() && f.is_empty()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

fn label_alphabet(s: &str) -> bool {
    let b = s.as_bytes();
    let edge = |c: &u8| c.is_ascii_alphanumeric();
    b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Why `v` is not a valid label value, if it is not.
pub(crate) fn label_value_problem(v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    if v.len() > 63 {
        return Some(format!("is {} characters long (at most 63)", v.len()));
    }
    if !label_alphabet(v) {
        return Some(
            "must start and end with a letter or digit and contain only letters, digits, '-', '_' and '.'"
                .into(),
        );
    }
    None
}

fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// Why `k` is not a valid label or annotation key, if it is not.
pub(crate) fn key_problem(k: &str) -> Option<String> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix {
        if name.contains('/') {
            return Some("may contain at most one '/'".into());
        }
        if !dns_subdomain(p) {
            return Some(format!(
                "has prefix {p:?}, which is not a DNS subdomain (lowercase letters, digits, '-' and '.')"
            ));
        }
    }
    if name.is_empty() {
        return Some("has an empty name".into());
    }
    if name.len() > 63 {
        return Some(format!(
            "has a name of {} characters (at most 63)",
            name.len()
        ));
    }
    if !label_alphabet(name) {
        return Some(
            "must start and end with a letter or digit and contain only letters, digits, '-', '_' and '.'"
                .into(),
        );
    }
    None
}

/// Quotes a scalar for a fix snippet.
fn quoted(n: &Node) -> String {
    format!("{:?}", n.as_str().unwrap_or(""))
}

fn check_map(map: &Node, what: &str, labels: bool, owner: &str, out: &mut Vec<Hit>) {
    for (k, v) in map.entries() {
        let Some(key) = k.as_str() else {
            out.push(
                hit_at(k, format!("{owner}: a {what} key is not a string"))
                    .with_fix(format!("{what}s:\n  app.kubernetes.io/name: web")),
            );
            continue;
        };
        if key == "<<" {
            continue;
        }
        if let Some(t) = yaml_non_string(k)
            && t != "null"
        {
            out.push(
                hit_at(
                    k,
                    format!("{owner}: {what} key {key} is a YAML {t}, not a string"),
                )
                .with_fix(format!("\"{key}\": ...")),
            );
            continue;
        }
        if let Some(why) = key_problem(key).filter(|_| !unrendered(key)) {
            out.push(
                hit_at(k, format!("{owner}: {what} key {key:?} {why}"))
                    .with_fix(format!("{what}s:\n  example.com/name: value   # prefix/name, name at most 63 characters")),
            );
        }
        if let Some(t) = yaml_non_string(v) {
            if t == "null" {
                continue; // decoded as the empty string
            }
            let shown = v.as_str().unwrap_or("");
            let fix = format!("{key}: {}", quoted(v));
            out.push(
                hit_at(
                    v,
                    format!(
                        "{owner}: {what} {key} is the YAML {t} {shown:?}, not a string: the API server \
                         refuses the object; quote it"
                    ),
                )
                .with_fix(fix),
            );
            continue;
        }
        match &v.value {
            Value::Seq(_) | Value::Map(_) => out.push(
                hit_at(
                    v,
                    format!("{owner}: {what} {key} is a YAML collection, not a string"),
                )
                .with_fix(format!("{key}: \"value\"")),
            ),
            Value::Scalar { text, .. } if labels && !unrendered(text) => {
                if let Some(why) = label_value_problem(text) {
                    out.push(
                        hit_at(
                            v,
                            format!("{owner}: label {key} has value {text:?}, which {why}"),
                        )
                        .with_fix(format!("{key}: {:?}", sanitized(text))),
                    );
                }
            }
            Value::Scalar { .. } => {}
        }
    }
}

/// A label value close to `v` that the API accepts.
fn sanitized(v: &str) -> String {
    let mapped: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    mapped
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let label = w.label();
    let mut out = Vec::new();
    let mut metas: Vec<(&Node, String)> = Vec::new();
    if let Some(m) = w.object.get("metadata") {
        metas.push((m, label.clone()));
    }
    if w.kind == "CronJob"
        && let Some(m) = w.object.path(&["spec", "jobTemplate", "metadata"])
    {
        metas.push((m, format!("{label}'s job template")));
    }
    if let Some(m) = w.pod_metadata
        && !metas.iter().any(|(n, _)| std::ptr::eq(*n, m))
    {
        metas.push((m, format!("{label}'s pod template")));
    }
    for (m, owner) in &metas {
        if let Some(l) = m.get("labels") {
            check_map(l, "label", true, owner, &mut out);
        }
        if let Some(a) = m.get("annotations") {
            check_map(a, "annotation", false, owner, &mut out);
        }
    }
    if let Some(ml) = w.object.path(&["spec", "selector", "matchLabels"]) {
        check_map(ml, "label", true, &format!("{label}'s selector"), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn yaml11_scalars_are_typed_like_kubectl_does() {
        let doc = "a: true\nb: yes\nc: 1.0\nd: 8080\ne: ~\nf: \"true\"\ng: 1.2.3\nh: 0x1F\ni: .5\nj: 1e3\nk: v1\nl: 1_000\nm: -3\nn: .inf\no: 12abc\np: ''\nq: 2.\n";
        let n = plimsoll_k8s::load("t", doc, plimsoll_k8s::Limits::default()).unwrap();
        let root = n.documents[0].root.as_ref().unwrap();
        let t = |k: &str| yaml_non_string(root.get(k).unwrap());
        assert_eq!(t("a"), Some("boolean"));
        assert_eq!(t("b"), Some("boolean"));
        assert_eq!(t("c"), Some("number"));
        assert_eq!(t("d"), Some("number"));
        assert_eq!(t("e"), Some("null"));
        assert_eq!(t("f"), None);
        assert_eq!(t("g"), None);
        assert_eq!(t("h"), Some("number"));
        assert_eq!(t("i"), Some("number"));
        assert_eq!(t("j"), Some("number"));
        assert_eq!(t("k"), None);
        assert_eq!(t("l"), Some("number"));
        assert_eq!(t("m"), Some("number"));
        assert_eq!(t("n"), Some("number"));
        assert_eq!(t("o"), None);
        assert_eq!(t("p"), None);
        assert_eq!(t("q"), Some("number"));
    }

    #[test]
    fn key_and_value_syntax() {
        assert_eq!(key_problem("app.kubernetes.io/name"), None);
        assert_eq!(key_problem("app"), None);
        assert!(key_problem("Example.com/x").is_some());
        assert!(key_problem("a/b/c").is_some());
        assert!(key_problem("-x").is_some());
        assert!(key_problem(&"x".repeat(64)).is_some());
        assert_eq!(label_value_problem(""), None);
        assert_eq!(label_value_problem("1.4.2-build7"), None);
        assert!(label_value_problem("1.4.2+build7").is_some());
        assert!(label_value_problem(&"v".repeat(64)).is_some());
        assert_eq!(sanitized("1.4.2+build7"), "1.4.2-build7");
    }

    #[test]
    fn flags_unquoted_values_and_bad_labels() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    version: 1.4.2+build7
spec:
  selector:
    matchLabels: {app: web, tier: 1}
  template:
    metadata:
      labels: {app: web}
      annotations:
        prometheus.io/scrape: true
        prometheus.io/port: 9090
        note: \"free text: anything goes\"
        checksum/config: ~
    spec:
      containers: [{name: web, image: web:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 15, 16, 10]);
        assert!(
            hits[0].message.contains("1.4.2+build7"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("YAML boolean"),
            "{}",
            hits[1].message
        );
        assert_eq!(
            hits[1].fix.as_deref(),
            Some("prometheus.io/scrape: \"true\"")
        );
        assert!(
            hits[2].message.contains("number \"9090\""),
            "{}",
            hits[2].message
        );
        assert!(hits[3].message.contains("selector"), "{}", hits[3].message);
    }

    #[test]
    fn cronjob_templates_and_bad_keys() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    metadata:
      labels: {\"Team/owner\": data}
    spec:
      template:
        metadata:
          labels: {job: nightly, [a]: b}
        spec:
          containers: [{name: a, image: a:1}]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [7, 11]);
        assert!(hits[0].message.contains("job template") && hits[0].message.contains("prefix"));
        assert!(hits[1].message.contains("not a string"));
    }

    #[test]
    fn valid_metadata_passes() {
        let yaml = "apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {app.kubernetes.io/name: p, empty: \"\", v: \"1.0\", app: \"${APP_NAME}\"}
  annotations: {prometheus.io/scrape: \"true\", description: \"Any text: at all!\"}
spec:
  containers: [{name: a, image: a:1}]
";
        assert!(run(check, yaml).is_empty());
    }
}
