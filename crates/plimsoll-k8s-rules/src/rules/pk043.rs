//! # PK043: image pull policy that strands or drifts
//!
//! Checks every container's `imagePullPolicy`:
//!
//! - `Never` is a `warning`: the kubelet only uses an image already on
//!   the node, so the pod fails with `ErrImageNeverPull` on every node
//!   where nobody preloaded it, typically the fresh node an autoscaler or
//!   a node upgrade brings in. (Fine for kind/minikube development; not
//!   for a cluster.)
//! - `IfNotPresent` on a mutable reference (no tag, or `:latest`, without
//!   a digest) is `info`: each node keeps whatever `:latest` was when it
//!   first pulled it, so pods of one Deployment run different builds
//!   depending on where they land. Left out, the policy of such images
//!   defaults to `Always`, which is why only an explicit `IfNotPresent` is
//!   flagged. (PK040 already flags the mutable reference itself.)
//! - anything other than `Always`, `IfNotPresent` or `Never` (the values
//!   are case-sensitive) is an `error`: the API server rejects it.
//!
//! Unlike kube-score, Polaris and checkov this rule does not require
//! `Always` for version tags and digests: an immutable reference gains
//! nothing from re-pulling but a dependency on the registry at every pod
//! start (re-checking `imagePullSecrets` on shared nodes is better done
//! with the `AlwaysPullImages` admission plugin).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:latest
//!     imagePullPolicy: IfNotPresent
//!   - name: tool
//!     image: registry.example.com/tool:2.0.1
//!     imagePullPolicy: Never
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     imagePullPolicy: IfNotPresent
//!   - name: tool
//!     image: registry.example.com/tool:2.0.1
//! ```
//!
//! ## Fix
//! Deploy immutable references (a version tag or a digest) and drop
//! `Never`; if a mutable tag must stay, set `imagePullPolicy: Always`.
//!
//! ## Incident it prevents
//! After a cluster upgrade replaced the nodes, a DaemonSet with
//! `imagePullPolicy: Never`, whose image had been side-loaded onto the old
//! nodes by hand, failed on every node with `ErrImageNeverPull` and log
//! shipping stopped cluster-wide.

use crate::registry::pk040::{image_of, parse_image};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK043",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "imagePullPolicy is Never, invalid, or IfNotPresent on a mutable tag",
};

pub const PEERS: &[&str] = &[
    "kube-score:container-image-pull-policy",
    "polaris:pullPolicyNotAlways",
    "kyverno:imagepullpolicy-always",
    "checkov:CKV_K8S_15",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some(policy) = c.get("imagePullPolicy").filter(|p| !p.is_null()) else {
            continue;
        };
        match policy.as_str() {
            Some("Always") => {}
            Some("Never") => out.push(
                hit_at(
                    policy,
                    format!(
                        "{} has imagePullPolicy: Never: it only starts on nodes where the image was preloaded (ErrImageNeverPull elsewhere)",
                        cx.who(c)
                    ),
                )
                .with_fix("imagePullPolicy: IfNotPresent   # with an immutable tag or digest"),
            ),
            Some("IfNotPresent") => {
                let Some((_, text)) = image_of(c) else { continue };
                let Ok(r) = parse_image(text) else { continue };
                if !r.mutable() {
                    continue;
                }
                out.push(
                    hit_at(
                        policy,
                        format!(
                            "{} pulls the mutable image {text:?} with imagePullPolicy: IfNotPresent: each node keeps the build it pulled first",
                            cx.who(c)
                        ),
                    )
                    .with_severity(Severity::Info)
                    .with_fix("imagePullPolicy: Always   # or better: an immutable tag or digest"),
                );
            }
            other => {
                let shown = other.map_or_else(|| "a collection".to_string(), |s| format!("{s:?}"));
                out.push(
                    hit_at(
                        policy,
                        format!(
                            "{} has imagePullPolicy {shown}; the API server only accepts Always, IfNotPresent or Never",
                            cx.who(c)
                        ),
                    )
                    .with_severity(Severity::Error)
                    .with_fix("imagePullPolicy: IfNotPresent"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_never_invalid_and_ifnotpresent_on_mutable_tags() {
        let yaml = "apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs}
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: registry.example.com/tool:2.0.1
          imagePullPolicy: Never
      containers:
        - name: a
          image: registry.example.com/api:latest
          imagePullPolicy: IfNotPresent
        - name: b
          image: localhost:5000/api
          imagePullPolicy: \"IfNotPresent\"
        - name: c
          image: api:1.0
          imagePullPolicy: always
        - name: d
          image: api:1.0
          imagePullPolicy: [Always]
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 14, 17, 20, 23]);
        let sev: Vec<_> = hits.iter().map(|h| h.severity).collect();
        assert_eq!(
            sev,
            [
                None,
                Some(Severity::Info),
                Some(Severity::Info),
                Some(Severity::Error),
                Some(Severity::Error)
            ]
        );
        assert!(
            hits[0].message.contains("init container \"init\"")
                && hits[0].message.contains("ErrImageNeverPull")
        );
        assert!(
            hits[3].message.contains("\"always\""),
            "{}",
            hits[3].message
        );
    }

    #[test]
    fn sensible_policies_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: api:1.0, imagePullPolicy: IfNotPresent}
    - {name: b, image: api, imagePullPolicy: Always}
    - {name: c, image: api}
    - {name: d, image: \"api@sha256:0d4f8e6b4c1a5a57f4d1c8f64a1b7a6a31c4e6c2c56b3e0f9fdd1b39a2f17c4e\", imagePullPolicy: IfNotPresent}
    - {name: e, image: api, imagePullPolicy: null}
    - {name: f, image: \"not valid\", imagePullPolicy: IfNotPresent}
    - {name: g, imagePullPolicy: IfNotPresent}
";
        assert!(run(check, yaml).is_empty());
    }
}
