//! # PK042: image from a registry that is not trusted
//!
//! When `[k8s] trusted_registries` lists registries, every container image
//! must come from one of them. Each entry is a registry host
//! (`registry.example.com`, `localhost:5000`), a host with a repository
//! prefix (`ghcr.io/acme` allows `ghcr.io/acme/…` but not
//! `ghcr.io/acme-evil/…`), or a `*.` wildcard host (`*.dkr.ecr.eu-west-1.amazonaws.com`).
//! Unqualified names (`nginx`, `library/nginx`, `bitnami/redis`) come from
//! Docker Hub and need `docker.io` (or `docker.io/library` for official
//! images only); `index.docker.io` and `registry-1.docker.io` are the same
//! registry. Hosts are compared without regard to case. References that
//! cannot be parsed are PK044's business.
//!
//! An allow-list of registries keeps images on infrastructure the team
//! controls (mirrored, scanned, with retention it can rely on) instead of
//! whatever a copy-pasted manifest points at.
//!
//! ## Bad
//! ```yaml
//! # plimsoll.toml: [k8s] trusted_registries = ["registry.example.com"]
//! containers:
//!   - name: cache
//!     image: bitnami/redis:7.2     # Docker Hub
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: cache
//!     image: registry.example.com/mirror/bitnami/redis:7.2
//! ```
//!
//! ## Fix
//! Mirror the image into a trusted registry and reference the mirror, or
//! add the registry to `trusted_registries` after review.
//!
//! ## Incident it prevents
//! Docker Hub's pull rate limit hit a scale-up during a traffic peak: the
//! new pods of a service that still pulled `redis` from Docker Hub sat in
//! ImagePullBackOff while the mirrored services scaled fine.

use crate::registry::pk040::{image_of, normalize_registry, parse_image};
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PK042",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "An image comes from a registry that is not trusted",
};

pub const PEERS: &[&str] = &["kyverno:restrict-image-registries"];

/// Whether `registry`/`repository` is allowed by one `trusted_registries`
/// entry.
pub fn trusted_by(entry: &str, registry: &str, repository: &str) -> bool {
    let e = entry.trim();
    let e = e
        .strip_prefix("https://")
        .or_else(|| e.strip_prefix("http://"))
        .unwrap_or(e)
        .trim_end_matches('/');
    if e.is_empty() {
        return false;
    }
    let (host, prefix) = match e.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (e, None),
    };
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => {
            let suffix = normalize_registry(suffix);
            registry
                .strip_suffix(suffix.as_str())
                .is_some_and(|front| front.len() > 1 && front.ends_with('.'))
        }
        None => normalize_registry(host) == registry,
    };
    host_ok
        && prefix.is_none_or(|p| {
            repository == p
                || repository
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let trusted = &cx.settings.trusted_registries;
    if trusted.iter().all(|t| t.trim().is_empty()) {
        return out;
    }
    for c in cx.containers() {
        let Some((node, text)) = image_of(c) else {
            continue;
        };
        let Ok(r) = parse_image(text) else { continue };
        let (registry, repository) = (r.registry(), r.repository());
        if trusted
            .iter()
            .any(|t| trusted_by(t, &registry, &repository))
        {
            continue;
        }
        let first = trusted
            .iter()
            .find(|t| !t.trim().is_empty())
            .map_or("", |t| t.trim());
        out.push(
            hit_at(
                node,
                format!(
                    "{} image {text:?} comes from {registry}/{repository}, which is not in trusted_registries ({})",
                    cx.who(c),
                    trusted.join(", ")
                ),
            )
            .with_fix(format!(
                "image: {}/{}{}   # mirrored into a trusted registry",
                first.trim_end_matches('/'),
                r.path,
                r.tag.map(|t| format!(":{t}")).unwrap_or_default()
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

    fn trusting(list: &[&str]) -> Settings {
        Settings {
            trusted_registries: list.iter().map(|s| s.to_string()).collect(),
            ..Settings::default()
        }
    }

    const PODS: &str = "kind: Pod
metadata: {name: p}
spec:
  initContainers:
    - {name: a, image: nginx:1.27}
    - {name: b, image: \"index.docker.io/library/nginx:1.27\"}
    - {name: c, image: bitnami/redis:7.2}
  containers:
    - {name: d, image: \"Registry.Example.com/team/api:1\"}
    - {name: e, image: \"localhost:5000/app:1\"}
    - {name: f, image: ghcr.io/acme-evil/x:1}
    - {name: g, image: ghcr.io/acme/x:1}
    - {name: h, image: 123.dkr.ecr.eu-west-1.amazonaws.com/app:1}
    - {name: i, image: \"{{ bad }}\"}
";

    #[test]
    fn only_listed_registries_pass() {
        let s = trusting(&[
            "registry.example.com",
            "ghcr.io/acme/",
            "https://localhost:5000",
        ]);
        let hits = run_with(check, PODS, &s, None);
        assert_eq!(lines(&hits), [5, 6, 7, 11, 13]);
        let m = &hits[0].message;
        assert!(
            m.contains("docker.io/library/nginx")
                && m.contains("registry.example.com, ghcr.io/acme/"),
            "{m}"
        );
        assert!(
            hits[2]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("image: registry.example.com/bitnami/redis:7.2")
        );
    }

    #[test]
    fn docker_hub_aliases_and_wildcards() {
        let s = trusting(&[
            "docker.io/library",
            "*.amazonaws.com",
            "registry.example.com",
            "localhost:5000",
            "ghcr.io",
        ]);
        let hits = run_with(check, PODS, &s, None);
        assert_eq!(lines(&hits), [7]);
        let s = trusting(&[
            "INDEX.docker.io",
            "*.amazonaws.com",
            "registry.example.com",
            "localhost:5000",
            "ghcr.io",
        ]);
        assert!(run_with(check, PODS, &s, None).is_empty());
    }

    #[test]
    fn an_empty_list_trusts_everything() {
        assert!(run(check, PODS).is_empty());
        assert!(run_with(check, PODS, &trusting(&[" "]), None).is_empty());
    }

    #[test]
    fn entries_match_hosts_and_prefixes_exactly() {
        assert!(trusted_by("ghcr.io/acme", "ghcr.io", "acme/app"));
        assert!(trusted_by("ghcr.io/acme", "ghcr.io", "acme"));
        assert!(!trusted_by("ghcr.io/acme", "ghcr.io", "acmecorp/app"));
        assert!(!trusted_by("*.example.com", "example.com", "x"));
        assert!(!trusted_by("*.example.com", "evilexample.com", "x"));
        assert!(trusted_by("*.example.com", "r.example.com", "x"));
        assert!(!trusted_by("example.com", "example.com:5000", "x"));
    }
}
