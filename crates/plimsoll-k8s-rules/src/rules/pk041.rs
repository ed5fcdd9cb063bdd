//! # PK041: image not pinned by digest in a class that requires it
//!
//! When the workload's delivery class (`--class`, `[k8s] class`, or the
//! workload's `plimsoll.dev/class` label) is one of
//! `[k8s] digest_required_classes` (default `["production"]`), every
//! container image must be pinned by a `sha256` digest:
//! `name[:tag]@sha256:<64 hex digits>`. A tag, even a version tag, can be
//! pushed again: the registry's answer to `api:1.4.2` today is not
//! guaranteed to be what was tested, scanned and approved yesterday. A
//! digest names exactly one image, so what runs in production is exactly
//! what went through the pipeline. Class names are compared without
//! regard to case. References that cannot be parsed are PK044's business.
//!
//! ## Bad
//! ```yaml
//! metadata:
//!   labels: {plimsoll.dev/class: production}
//! spec:
//!   containers:
//!     - name: api
//!       image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! metadata:
//!   labels: {plimsoll.dev/class: production}
//! spec:
//!   containers:
//!     - name: api
//!       image: registry.example.com/api:1.4.2@sha256:5b0f3c8d1e6a2f4b9c7d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d
//! ```
//!
//! ## Fix
//! Have the pipeline write the digest it pushed (`crane digest`,
//! `docker buildx imagetools inspect`, `kustomize edit set image
//! name@sha256:…`) into the manifest; keep the tag in front of it for
//! humans.
//!
//! ## Incident it prevents
//! A base-image rebuild re-pushed `api:1.4.2` with a new glibc; production
//! nodes that pulled it after a scale-up crashed on start while the older
//! pods with the same tag kept running, and the tag alone could not tell
//! the two apart.

use crate::registry::pk040::{image_of, parse_image};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK041",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "An image is not pinned by digest where the class requires it",
};

pub const PEERS: &[&str] = &["kyverno:require-image-checksum", "checkov:CKV_K8S_43"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let Some(class) = cx.class() else {
        return out;
    };
    if !cx
        .settings
        .digest_required_classes
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case(class.trim()))
    {
        return out;
    }
    for c in cx.containers() {
        let Some((node, text)) = image_of(c) else {
            continue;
        };
        let Ok(r) = parse_image(text) else { continue };
        if r.pinned_sha256() {
            continue;
        }
        let why = match r.digest {
            Some(d) => format!(
                "is pinned by {:?}, not a sha256 digest",
                d.split(':').next().unwrap_or(d)
            ),
            None => "is not pinned by digest".to_string(),
        };
        let tag = r.tag.map(|t| format!(":{t}")).unwrap_or_default();
        out.push(
            hit_at(
                node,
                format!(
                    "{} image {text:?} {why}; class {class:?} requires @sha256 digests so that what runs is exactly what was tested",
                    cx.who(c)
                ),
            )
            .with_fix(format!(
                "image: {}{tag}@sha256:<digest>   # crane digest {}{tag}",
                r.name(),
                r.name()
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{lines, run, run_with};

    const SHA: &str = "5b0f3c8d1e6a2f4b9c7d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d";

    fn yaml(class: &str) -> String {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {{plimsoll.dev/class: {class}}}
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
      containers:
        - name: api
          image: registry.example.com/api:1.4.2@sha256:{SHA}
        - name: proxy
          image: envoyproxy/envoy@sha256:{SHA}
        - name: sha512
          image: app@sha512:{SHA}{SHA}
        - name: broken
          image: App:1
"
        )
    }

    #[test]
    fn flags_unpinned_images_in_required_classes() {
        let hits = run(check, &yaml("Production"));
        assert_eq!(lines(&hits), [11, 18]);
        let m = &hits[0].message;
        assert!(
            m.contains("\"busybox:1.36\" is not pinned") && m.contains("\"Production\""),
            "{m}"
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("image: busybox:1.36@sha256:")
        );
        assert!(
            hits[1].message.contains("\"sha512\""),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn other_classes_or_no_class_pass() {
        assert!(run(check, &yaml("staging")).is_empty());
        let no_class =
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx}]\n";
        assert!(run(check, no_class).is_empty());
    }

    #[test]
    fn settings_choose_the_class_and_the_list() {
        let no_label =
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: nginx:1.27}]\n";
        let settings = Settings {
            class: Some("prod".into()),
            digest_required_classes: vec!["prod".into()],
            ..Settings::default()
        };
        assert_eq!(lines(&run_with(check, no_label, &settings, None)), [4]);
        let nothing_required = Settings {
            class: Some("production".into()),
            digest_required_classes: vec![],
            ..Settings::default()
        };
        assert!(run_with(check, no_label, &nothing_required, None).is_empty());
    }
}
