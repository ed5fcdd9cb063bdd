//! Image references, normalised as Docker does.
//!
//! Grammar (distribution's `reference` package):
//!
//! ```text
//! reference      := name [ ":" tag ] [ "@" digest ]
//! name           := [ domain "/" ] path
//! domain         := host [ ":" port ]
//! host           := domain-name | IPv4 | "[" IPv6 "]"
//! domain-name    := component ( "." component )*
//! component      := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
//! path           := path-component ( "/" path-component )*
//! path-component := [a-z0-9]+ ( separator [a-z0-9]+ )*
//! separator      := "." | "_" | "__" | "-"+
//! tag            := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! ```
//!
//! The first path element is a domain only when it contains `.` or `:`, is
//! `localhost`, or has upper-case letters; otherwise the image is on Docker
//! Hub (`docker.io`), where one-element names live under `library/`.

use crate::RemoteError;
use plimsoll_oci::Digest;
use std::fmt;

/// Docker Hub's name in references and credentials.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that serves Docker Hub's registry API.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The key Docker Hub's credentials are stored under.
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

const MAX_NAME: usize = 255;
const MAX_TAG: usize = 128;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `docker.io` for Docker Hub, else `host[:port]`.
    pub registry: String,
    /// The repository path, e.g. `library/alpine`.
    pub repository: String,
    /// The tag; `latest` when neither tag nor digest was given.
    pub tag: Option<String>,
    /// The manifest (or index) digest, when pinned.
    pub digest: Option<Digest>,
}

fn bad(input: &str, reason: impl Into<String>) -> RemoteError {
    RemoteError::BadReference {
        input: input.to_string(),
        reason: reason.into(),
    }
}

impl Reference {
    /// Parses and normalises a reference: `alpine` →
    /// `docker.io/library/alpine:latest`; `host:5000/a/b:tag`;
    /// `a/b@sha256:…`; `a/b:tag@sha256:…`.
    pub fn parse(input: &str) -> Result<Reference, RemoteError> {
        let s = input;
        if s.is_empty() {
            return Err(bad(input, "it is empty"));
        }
        if s.len() > MAX_NAME + MAX_TAG + 80 {
            return Err(bad(input, "it is too long"));
        }
        if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad(input, format!("it contains the character {c:?}")));
        }

        let (rest, digest) = match s.split_once('@') {
            Some((rest, d)) => (rest, Some(parse_digest(input, d)?)),
            None => (s, None),
        };

        // A tag is after the last ':' that has no '/' after it (a ':' before
        // a '/' is a port).
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest.get(i + 1..).unwrap_or("").contains('/') => (
                rest.get(..i).unwrap_or(""),
                Some(rest.get(i + 1..).unwrap_or("")),
            ),
            _ => (rest, None),
        };
        if let Some(t) = tag {
            check_tag(input, t)?;
        }
        if name.is_empty() {
            return Err(bad(input, "the repository name is empty"));
        }

        let (registry, path) = split_domain(name);
        if !path.contains('/') && is_hex64(path) && registry.is_none() {
            return Err(bad(
                input,
                "a repository name cannot be 64 hexadecimal digits (that is an image ID)",
            ));
        }
        let registry = match registry {
            Some(d) => {
                check_domain(input, d)?;
                if d == "index.docker.io" || d == DOCKER_HUB_API {
                    DOCKER_HUB.to_string()
                } else {
                    d.to_string()
                }
            }
            None => DOCKER_HUB.to_string(),
        };
        check_path(input, path)?;
        let repository = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        if registry.len() + 1 + repository.len() > MAX_NAME {
            return Err(bad(
                input,
                format!("the repository name is longer than {MAX_NAME} characters"),
            ));
        }
        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`, the image's name without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// What the registry's manifest endpoint is asked for: the digest when
    /// pinned, else the tag.
    pub fn manifest_reference(&self) -> &str {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.as_str(),
            (None, Some(t)) => t,
            (None, None) => "latest",
        }
    }

    /// The host (and port) that serves the registry API.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Reference {
    type Err = RemoteError;
    fn from_str(s: &str) -> Result<Reference, RemoteError> {
        Reference::parse(s)
    }
}

fn parse_digest(input: &str, d: &str) -> Result<Digest, RemoteError> {
    let Some((algo, hex)) = d.split_once(':') else {
        return Err(bad(
            input,
            "the digest after '@' must be ALGORITHM:HEX, e.g. sha256:<64 hex digits>",
        ));
    };
    if algo != "sha256" {
        let known = matches!(algo, "sha384" | "sha512");
        return Err(if known && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            RemoteError::Unsupported {
                what: format!("digest {}", crate::truncate(d, 80)),
                detail: "only sha256 digests are supported".into(),
            }
        } else {
            bad(
                input,
                format!("unknown digest algorithm {:?}", crate::truncate(algo, 40)),
            )
        });
    }
    Digest::parse(d).map_err(|_| {
        bad(
            input,
            "a sha256 digest must be sha256: followed by 64 lower-case hex digits",
        )
    })
}

fn check_tag(input: &str, t: &str) -> Result<(), RemoteError> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = match t.as_bytes().split_first() {
        Some((first, rest)) => {
            word(*first)
                && rest.iter().all(|&b| word(b) || b == b'.' || b == b'-')
                && t.len() <= MAX_TAG
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(bad(
            input,
            format!(
                "tag {:?} is not valid (letters, digits, '_', '.', '-'; not starting with '.' or '-'; at most {MAX_TAG} characters)",
                crate::truncate(t, 140)
            ),
        ))
    }
}

/// Splits off the domain when the first element looks like one.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_domain(input: &str, d: &str) -> Result<(), RemoteError> {
    let fail = |why: &str| {
        bad(
            input,
            format!("registry {:?} is not valid: {why}", crate::truncate(d, 100)),
        )
    };
    let (host, port) = if let Some(inner) = d.strip_prefix('[') {
        let Some((v6, after)) = inner.split_once(']') else {
            return Err(fail("an IPv6 address must be closed with ']'"));
        };
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(fail("not an IPv6 address between '[' and ']'"));
        }
        match after {
            "" => (None, None),
            p => match p.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return Err(fail("unexpected text after ']'")),
            },
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(d), None),
        }
    };
    if let Some(p) = port
        && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(fail("the port must be a number"));
    }
    if let Some(h) = host {
        if h.is_empty() {
            return Err(fail("the host is empty"));
        }
        for c in h.split('.') {
            let b = c.as_bytes();
            let ok = match (b.first(), b.last()) {
                (Some(f), Some(l)) => {
                    f.is_ascii_alphanumeric()
                        && l.is_ascii_alphanumeric()
                        && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
                }
                _ => false,
            };
            if !ok {
                return Err(fail(
                    "host name parts are letters, digits and inner '-', separated by single dots",
                ));
            }
        }
    }
    Ok(())
}

fn check_path(input: &str, path: &str) -> Result<(), RemoteError> {
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(bad(input, "repository name must be lowercase"));
    }
    for comp in path.split('/') {
        if !path_component_ok(comp) {
            return Err(bad(
                input,
                format!(
                    "repository path element {:?} is not valid (lower-case letters and digits, \
                     joined by '.', '_', '__' or dashes; elements separated by single '/')",
                    crate::truncate(comp, 100)
                ),
            ));
        }
    }
    Ok(())
}

/// `[a-z0-9]+ ( ("." | "_" | "__" | "-"+) [a-z0-9]+ )*`
fn path_component_ok(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    loop {
        // one or more alphanumerics
        let start = i;
        while b.get(i).is_some_and(|&x| alnum(x)) {
            i += 1;
        }
        if i == start {
            return false;
        }
        // end, or a separator followed by more alphanumerics
        let sep_start = i;
        match b.get(i) {
            None => return true,
            Some(b'.') => i += 1,
            Some(b'_') => {
                i += 1;
                if b.get(i) == Some(&b'_') {
                    i += 1;
                }
            }
            Some(b'-') => {
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            Some(_) => return false,
        }
        if i == sep_start {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn p(s: &str) -> Reference {
        Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn docker_hub_normalisation() {
        let r = p("alpine");
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/alpine");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.api_host(), "registry-1.docker.io");
        assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(p("bitnami/redis:7").repository, "bitnami/redis");
        assert_eq!(p("docker.io/alpine:3").repository, "library/alpine");
        assert_eq!(p("index.docker.io/library/alpine").registry, "docker.io");
        assert_eq!(
            p("library/alpine:3.20").to_string(),
            "docker.io/library/alpine:3.20"
        );
    }

    #[test]
    fn registries_tags_and_digests() {
        let r = p("host:5000/a/b:tag");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("host:5000", "a/b")
        );
        assert_eq!(r.tag.as_deref(), Some("tag"));
        assert_eq!(r.manifest_reference(), "tag");

        let r = p(&format!("a/b@{D}"));
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_ref().map(Digest::as_str), Some(D));
        assert_eq!(r.manifest_reference(), D);

        let r = p(&format!("ghcr.io/o/r:v1.2@{D}"));
        assert_eq!(r.tag.as_deref(), Some("v1.2"));
        assert_eq!(r.manifest_reference(), D);
        assert_eq!(r.to_string(), format!("ghcr.io/o/r:v1.2@{D}"));

        assert_eq!(p("localhost/x").registry, "localhost");
        assert_eq!(p("localhost:5000/x").registry, "localhost:5000");
        assert_eq!(p("127.0.0.1:5000/test/img:1").registry, "127.0.0.1:5000");
        assert_eq!(p("[::1]:5000/x").registry, "[::1]:5000");
        assert_eq!(p("Example/x").registry, "Example");
        assert_eq!(
            p("a.b-c/x__y/z-----w/v_1.2").repository,
            "x__y/z-----w/v_1.2"
        );
        assert_eq!(p("x:_tag").tag.as_deref(), Some("_tag"));
    }

    #[test]
    fn garbage_is_rejected_with_a_reason() {
        for (s, why) in [
            ("", "empty"),
            ("Alpine", "lowercase"),
            ("a b", "character"),
            ("alpine:", "tag"),
            ("alpine:-x", "tag"),
            ("alpine:.x", "tag"),
            (&format!("alpine:{}", "t".repeat(129)), "tag"),
            ("alpine@sha256:abc", "64"),
            ("alpine@md5:abc", "algorithm"),
            ("alpine@", "ALGORITHM"),
            ("a//b", "path element"),
            ("a/b/", "path element"),
            ("/a", "path element"),
            ("a..b", "path element"),
            ("a___b", "path element"),
            ("a.-b", "path element"),
            ("-a", "path element"),
            ("a-", "path element"),
            ("host:port/a", "port"),
            ("host:/a", "port"),
            ("-host.com/a", "host name"),
            ("host..com/a", "host name"),
            ("[::1/a", "IPv6"),
            ("[zz]:5000/a", "IPv6"),
            ("[zz]/a", "path element"),
            (":tag", "empty"),
            (&"a".repeat(300), "longer"),
            (&"0123456789abcdef".repeat(4), "image ID"),
        ] {
            match Reference::parse(s) {
                Ok(r) => panic!("{s:?} parsed as {r}"),
                Err(e) => {
                    let m = e.to_string();
                    assert!(m.contains(why), "{s:?}: {m}");
                }
            }
        }
        let e = Reference::parse(&format!("a@sha512:{}", "0".repeat(128))).unwrap_err();
        assert!(e.to_string().contains("only sha256"), "{e}");
    }
}
