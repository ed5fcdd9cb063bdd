//! # PK040: image without a tag or tagged `:latest`
//!
//! Checks every container's `image` (init, sidecar and ephemeral
//! containers included). An image without a tag means `:latest`, and
//! `:latest` is whatever was pushed last: two nodes that pull at
//! different times run different code, a rollback "to the previous
//! version" redeploys the same moving tag, and nobody can tell from the
//! manifest what is running. An image pinned by digest (`@sha256:…`) is
//! immutable and passes whatever its tag says.
//!
//! References are parsed the way container runtimes parse them: the tag
//! is the part after the last `:` of the last path component, so the
//! port in `localhost:5000/app` or `registry.example.com:443/team/app` is
//! not a tag (and those two have none). References that cannot be parsed
//! at all are PK044's business.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com:5000/team/api
//!   - name: proxy
//!     image: envoyproxy/envoy:latest
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com:5000/team/api:1.4.2
//!   - name: proxy
//!     image: envoyproxy/envoy@sha256:0d4f8e6b4c1a5a57f4d1c8f64a1b7a6a31c4e6c2c56b3e0f9fdd1b39a2f17c4e
//! ```
//!
//! ## Fix
//! Deploy a version tag your build produced (or, better, the digest it
//! pushed), and bump it to deploy.
//!
//! ## Incident it prevents
//! A node replaced during an incident pulled `api:latest`, which CI had
//! overwritten an hour earlier with an unreleased branch build; one pod
//! in ten served the new code and nobody could roll it back by reverting
//! the manifest.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};

pub const META: Meta = Meta {
    code: "PK040",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "An image has no tag or uses :latest",
};

pub const PEERS: &[&str] = &[
    "kube-linter:latest-tag",
    "kube-score:container-image-tag",
    "polaris:tagNotSpecified",
    "kyverno:disallow-latest-tag",
    "checkov:CKV_K8S_14",
    "trivy:KSV013",
];

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some((node, text)) = image_of(c) else {
            continue;
        };
        let Ok(r) = parse_image(text) else { continue };
        if r.digest.is_some() {
            continue;
        }
        let what = match r.tag {
            None => "has no tag, so it means :latest",
            Some("latest") => "uses the :latest tag",
            Some(_) => continue,
        };
        out.push(
            hit_at(
                node,
                format!(
                    "{} image {text:?} {what}: every pull may get different code and a rollback cannot name the previous version",
                    cx.who(c)
                ),
            )
            .with_fix(format!(
                "image: {}:1.4.2   # the version your build pushed; better: @sha256:<digest>",
                r.name()
            )),
        );
    }
    out
}

// ---------------------------------------------------------------------
// Image references, shared by PK041–PK044 (`crate::registry::pk040::…`).
// ---------------------------------------------------------------------

/// A container's `image` when it is a non-empty string: (value node, text).
/// A missing or empty image is left alone (admission controllers and
/// image transformers fill those in).
pub fn image_of<'a>(c: &Container<'a>) -> Option<(&'a Node, &'a str)> {
    let node = c.get("image")?;
    if node.is_null() || node.as_i64().is_some() || node.as_bool().is_some() {
        return None; // not a string: a schema error, not a reference
    }
    let text = node.as_str()?;
    (!text.is_empty()).then_some((node, text))
}

/// An image reference split into its parts, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host (with port) when the reference names one; `None`
    /// means Docker Hub.
    pub domain: Option<&'a str>,
    /// The repository path (`team/api`, `nginx`).
    pub path: &'a str,
    pub tag: Option<&'a str>,
    /// `algorithm:encoded`, e.g. `sha256:0d4f…`.
    pub digest: Option<&'a str>,
}

const DOCKER_HUB: &str = "docker.io";

impl ImageRef<'_> {
    /// The registry, normalized: lower case, Docker Hub's aliases
    /// (`index.docker.io`, `registry-1.docker.io`, no domain) as
    /// `docker.io`.
    pub fn registry(&self) -> String {
        normalize_registry(self.domain.unwrap_or(DOCKER_HUB))
    }

    /// The repository as the registry knows it: Docker Hub's official
    /// images get their implicit `library/`.
    pub fn repository(&self) -> String {
        if self.registry() == DOCKER_HUB && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.to_string()
        }
    }

    /// Domain and path as written, without tag or digest.
    pub fn name(&self) -> String {
        match self.domain {
            Some(d) => format!("{d}/{}", self.path),
            None => self.path.to_string(),
        }
    }

    /// Pinned by a well-formed `sha256` digest.
    pub fn pinned_sha256(&self) -> bool {
        self.digest.is_some_and(|d| {
            d.strip_prefix("sha256:").is_some_and(|h| {
                h.len() == 64
                    && h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
        })
    }

    /// A reference whose content can change under the same name: no
    /// digest, and no tag or `latest`.
    pub fn mutable(&self) -> bool {
        self.digest.is_none() && matches!(self.tag, None | Some("latest"))
    }
}

/// Lower-cases a registry host and maps Docker Hub's aliases to
/// `docker.io`.
pub fn normalize_registry(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    match h.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => DOCKER_HUB.into(),
        _ => h,
    }
}

/// `[A-Za-z0-9_]`
fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// One path component: `[a-z0-9]+` runs separated by `.`, `_`, `__` or
/// one or more `-`.
fn valid_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        let ok = matches!(sep, "." | "_" | "__") || sep.bytes().all(|c| c == b'-');
        if !ok {
            return false;
        }
    }
    true
}

fn valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        // [IPv6]:port
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => ("x", Some(port)),
                None => return false,
            },
        }
    } else {
        match d.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// Parses an image reference (`[domain/]path[:tag][@digest]`) by the
/// grammar container runtimes use; `Err` says what is wrong.
pub fn parse_image(s: &str) -> Result<ImageRef<'_>, String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.chars().any(char::is_whitespace) {
        return Err("contains whitespace".into());
    }
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let Some((alg, enc)) = d.split_once(':') else {
            return Err(format!("digest {d:?} is not algorithm:hex"));
        };
        let alg_ok = !alg.is_empty()
            && alg.split(['+', '.', '_', '-']).all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        let enc_ok = enc.len() >= 32
            && enc
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
        if alg == "sha256"
            && !(enc.len() == 64
                && enc
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(format!(
                "sha256 digest {d:?} is not 64 lower-case hex digits"
            ));
        }
        if !alg_ok || !enc_ok {
            return Err(format!("digest {d:?} is malformed"));
        }
    }
    let last_slash = name_tag.rfind('/');
    let (name, tag) = match name_tag.rfind(':') {
        Some(i) if last_slash.is_none_or(|j| i > j) => (&name_tag[..i], Some(&name_tag[i + 1..])),
        _ => (name_tag, None),
    };
    if let Some(t) = tag
        && !valid_tag(t)
    {
        return Err(format!(
            "tag {t:?} is not valid (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')"
        ));
    }
    if name.len() > 255 {
        return Err("name is longer than 255 characters".into());
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    };
    if let Some(d) = domain
        && !valid_domain(d)
    {
        return Err(format!("registry {d:?} is not a valid host[:port]"));
    }
    if path.is_empty() {
        return Err("has no repository name".into());
    }
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!("repository {path:?} must be lower case"));
    }
    if let Some(bad) = path.split('/').find(|c| !valid_component(c)) {
        return Err(format!("repository component {bad:?} is not valid"));
    }
    Ok(ImageRef {
        domain,
        path,
        tag,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    const SHA: &str = "0d4f8e6b4c1a5a57f4d1c8f64a1b7a6a31c4e6c2c56b3e0f9fdd1b39a2f17c4e";

    #[test]
    fn parses_references_like_a_runtime() {
        let r = parse_image("localhost:5000/app").unwrap();
        assert_eq!(
            (r.domain, r.path, r.tag),
            (Some("localhost:5000"), "app", None)
        );
        assert_eq!(r.registry(), "localhost:5000");
        let r = parse_image("nginx").unwrap();
        assert_eq!(
            (r.registry(), r.repository()),
            ("docker.io".into(), "library/nginx".into())
        );
        let r = parse_image("index.docker.io/library/nginx:1.27").unwrap();
        assert_eq!(
            (r.registry().as_str(), r.repository().as_str(), r.tag),
            ("docker.io", "library/nginx", Some("1.27"))
        );
        let r = parse_image("bitnami/redis:7.2").unwrap();
        assert_eq!((r.domain, r.repository().as_str()), (None, "bitnami/redis"));
        let r = parse_image("Registry.Example.com:443/team/api:v1.2_3").unwrap();
        assert_eq!(
            (r.registry().as_str(), r.path, r.tag),
            ("registry.example.com:443", "team/api", Some("v1.2_3"))
        );
        let with_digest = format!("ghcr.io/o/app:1.0@sha256:{SHA}");
        let r = parse_image(&with_digest).unwrap();
        assert!(r.pinned_sha256() && !r.mutable());
        assert_eq!(r.tag, Some("1.0"));
        let r = parse_image("[::1]:5000/app:2").unwrap();
        assert_eq!((r.domain, r.tag), (Some("[::1]:5000"), Some("2")));
        assert!(parse_image("app:latest").unwrap().mutable());
        assert!(!parse_image("app:1").unwrap().mutable());
    }

    #[test]
    fn rejects_what_a_runtime_rejects() {
        for bad in [
            "",
            " nginx",
            "Nginx:1",
            "nginx:",
            "nginx:-1",
            "nginx@sha256:abc",
            "nginx@sha256:ABCDEF",
            "team//app",
            "app_:1",
            "-app",
            "{{ .Values.image }}",
            "${IMAGE}",
            "registry.example.com:port/app",
            "a/b@",
        ] {
            assert!(parse_image(bad).is_err(), "{bad:?} parsed");
        }
        assert!(parse_image(&format!("nginx@sha512:{SHA}{SHA}")).is_ok());
        assert!(parse_image("a__b/c-d--e.f:x").is_ok());
    }

    #[test]
    fn flags_untagged_and_latest_images() {
        let yaml = format!(
            "apiVersion: apps/v1
kind: Deployment
metadata: {{name: api}}
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: localhost:5000/app
      containers:
        - name: api
          image: registry.example.com:5000/team/api:1.4.2
        - name: proxy
          image: \"envoyproxy/envoy:latest\"
        - name: pinned
          image: envoyproxy/envoy:latest@sha256:{SHA}
        - name: broken
          image: \"{{{{ .Values.image }}}}\"
        - name: none
        - name: empty
          image: ''
      ephemeralContainers:
        - name: debug
          image: busybox
"
        );
        let hits = run(check, &yaml);
        assert_eq!(lines(&hits), [9, 14, 24]);
        assert!(
            hits[0]
                .message
                .contains("\"localhost:5000/app\" has no tag"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("uses the :latest tag"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[1]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("image: envoyproxy/envoy:1.4.2")
        );
        assert!(hits[2].message.contains("ephemeral container \"debug\""));
    }

    #[test]
    fn non_string_images_are_left_to_the_schema() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: 4}
    - {name: b, image: true}
    - {name: c, image: ~}
    - {name: d, image: [nginx]}
    - {name: e, image: \"4\"}
";
        assert_eq!(lines(&run(check, yaml)), [9]);
    }

    #[test]
    fn cronjob_images_are_checked() {
        let yaml = "kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: a, image: alpine}, {name: b, image: alpine:3.20}]
";
        assert_eq!(lines(&run(check, yaml)), [8]);
    }
}
