//! # PK044: image reference that cannot be parsed
//!
//! Checks that every container's `image` (init, sidecar and ephemeral
//! containers included) is a reference a container runtime can parse:
//! `[registry[:port]/]path[:tag][@algorithm:digest]`, with a lower-case
//! repository path, a tag of at most 128 letters, digits, `_`, `.` and
//! `-` (not starting with `.` or `-`), a registry that is a valid host
//! name or `[IPv6]` with an optional numeric port, a well-formed digest
//! (`sha256` needs exactly 64 lower-case hex digits), and no whitespace.
//! The kubelet reports any other string as `InvalidImageName` and the pod
//! never starts; the most common cause is a template placeholder
//! (`{{ .Values.image }}`, `${IMAGE}`) that was never rendered, or an
//! upper-case letter in the repository name. A missing or empty `image`
//! is not checked (admission controllers and image transformers fill
//! those in), nor is a non-string value (a schema error).
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: ${REGISTRY}/Team/API:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/team/api:1.4.2
//! ```
//!
//! ## Fix
//! Render the manifest before applying it (and lint the rendered output),
//! and write repository names in lower case.
//!
//! ## Incident it prevents
//! A deploy job forgot to run `envsubst`; the Deployment was applied with
//! `image: ${IMAGE}`, every new pod failed with InvalidImageName, and the
//! rollout took the old pods down to `maxUnavailable` before anyone
//! noticed.

use crate::registry::pk040::{image_of, parse_image};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK044",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "An image reference cannot be parsed",
};

pub const PEERS: &[&str] = &[];

/// Whether the text looks like an unrendered template.
fn placeholder(s: &str) -> bool {
    let b = s.as_bytes();
    let dollar_var = b.windows(2).any(|w| {
        w[0] == b'$' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'_' | b'{' | b'('))
    });
    // PROJECT_ID, REGION, IMAGE_TAG: a run of three or more capitals.
    let capitals = b
        .split(|c| !(c.is_ascii_uppercase() || *c == b'_'))
        .any(|run| run.iter().filter(|c| c.is_ascii_uppercase()).count() >= 3);
    dollar_var
        || capitals
        || ["{{", "<%", "%{"].iter().any(|p| s.contains(p))
        || (s.contains('<') && s.contains('>'))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some((node, text)) = image_of(c) else {
            continue;
        };
        let Err(why) = parse_image(text) else {
            continue;
        };
        let hint = if placeholder(text) {
            " (an unrendered template placeholder?)"
        } else {
            ""
        };
        out.push(
            hit_at(
                node,
                format!(
                    "{} image {text:?} is not a valid image reference: {why}{hint}; the kubelet reports InvalidImageName and the pod never starts",
                    cx.who(c)
                ),
            )
            .with_fix("image: registry.example.com/team/app:1.4.2   # [registry/]lower-case/path[:tag][@sha256:digest]"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_unparseable_references() {
        let yaml = "apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: \"${REGISTRY}/app:1\"
      containers:
        - name: a
          image: registry.example.com/Team/Api:1.4.2
        - name: b
          image: \" nginx:1.27\"
        - name: c
          image: nginx:1.27
        - name: d
          image: \"localhost:5000/app\"
        - name: e
          image: ''
        - name: f
          image: {name: x}
        - name: g
          image: nginx@sha256:abc
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [9, 12, 14, 24]);
        assert!(
            hits[0].message.contains("unrendered template"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("must be lower case"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[2].message.contains("whitespace"),
            "{}",
            hits[2].message
        );
        assert!(
            !hits[1].message.contains("placeholder"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[3].message.contains("64 lower-case hex"),
            "{}",
            hits[3].message
        );
    }

    #[test]
    fn recognizes_placeholders() {
        for p in [
            "$IMAGE",
            "${IMAGE}",
            "$(IMAGE)",
            "{{ .Values.image }}",
            "<DOCKER_REPO>/x",
            "gcr.io/PROJECT_ID/app",
        ] {
            assert!(placeholder(p), "{p}");
        }
        for p in ["Team/Api:1", "nginx:1.27 ", "app@sha256:abc"] {
            assert!(!placeholder(p), "{p}");
        }
    }
}
