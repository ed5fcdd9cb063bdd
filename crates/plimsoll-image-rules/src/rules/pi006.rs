//! # PI006: secrets in the image
//!
//! Anything written to a layer is readable by everyone who can pull the
//! image — and deleting it in a later layer does not help: the bytes stay
//! in the layer that added them, one `tar -x` away. This rule looks at
//! every layer, not just the final filesystem, for
//!
//! - files whose content holds a secret: a PEM private key (`-----BEGIN …
//!   PRIVATE KEY-----`, unencrypted) or an AWS access key id;
//! - files that are secrets by name: SSH private keys (`id_rsa`, …),
//!   `.env` files, `.netrc`, `.pgpass`, `.git-credentials`, `.npmrc`,
//!   `.pypirc`, AWS credentials, kubeconfigs;
//! - `.git` directories (a `HEAD` or `config` inside): the whole history,
//!   including files deleted long ago, and often a token in the remote URL.
//!
//! One finding per secret (the first 20, then a count); contents are never
//! printed, only a redacted sample.
//!
//! ## Bad
//! ```dockerfile
//! COPY . /app                              # brings .env and .git along
//! COPY id_rsa /root/.ssh/id_rsa
//! RUN git clone git@github.com:acme/lib.git && rm /root/.ssh/id_rsa   # still in the COPY layer
//! ```
//!
//! ## Good
//! ```dockerfile
//! # .dockerignore: .git  .env*  **/id_rsa
//! COPY . /app
//! RUN --mount=type=ssh git clone git@github.com:acme/lib.git
//! ```
//!
//! ## Fix
//! Keep secrets out of the build context (`.dockerignore`), pass what the
//! build needs with `RUN --mount=type=secret` or `--mount=type=ssh`, and
//! rotate every secret found: it has already been pushed.
//!
//! ## Incident it prevents
//! A public image on Docker Hub carried a deploy key copied in one layer
//! and `rm`-ed in the next; it was extracted from the layer blob and used
//! to push to the company's repositories.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::{Content, Kind};
use plimsoll_image::secrets;
use std::collections::BTreeMap;

pub const META: Meta = Meta {
    code: "PI006",
    severity: Severity::Error,
    category: Category::Image,
    summary: "Secrets (private keys, credentials, .env, .git) in any layer",
};

const SHOWN: usize = 20;
const FIX: &str = "add it to .dockerignore, pass build secrets with RUN --mount=type=secret,id=NAME (or --mount=type=ssh), and rotate it: it has been pushed";

struct Found {
    what: String,
    git: bool,
    /// For `.git`: a `HEAD` or `config` directly inside was seen.
    marker: bool,
    /// Layers that wrote it, and the bytes they wrote (for `.git`: under it).
    layers: BTreeMap<usize, u64>,
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for (i, l) in cx.image.listings.iter().enumerate() {
        for e in &l.entries {
            if e.kind != Kind::File {
                continue;
            }
            let path: &str = &e.path;
            if let Some(root) = git_root(path) {
                // Every file under the repository counts toward its bytes.
                let f = found.entry(root.to_string()).or_insert_with(|| Found {
                    what: "git repository (the whole history, and credentials if the remote URL or config holds them)".into(),
                    git: true,
                    marker: false,
                    layers: BTreeMap::new(),
                });
                let rest = path.get(root.len()..).unwrap_or("");
                f.marker |= rest == "/HEAD" || rest == "/config";
                let b = f.layers.entry(i).or_insert(0);
                *b = b.saturating_add(e.size);
            }
            let what = match e.content.as_deref() {
                Some(Content::Secret { kind, sample }) => format!("{kind} ({sample})"),
                _ if e.size > 0 => match secrets::by_name(path) {
                    Some(kind) => kind.to_string(),
                    None => continue,
                },
                _ => continue,
            };
            let f = found.entry(path.to_string()).or_insert_with(|| Found {
                what: what.clone(),
                git: false,
                marker: false,
                layers: BTreeMap::new(),
            });
            if f.what != what && !f.what.contains('(') {
                f.what = what; // content evidence beats the name
            }
            f.layers.insert(i, e.size);
        }
    }
    // Repositories need their HEAD or config to be repositories.
    found.retain(|_, f| !f.git || f.marker);
    let mut out = Vec::new();
    let total = found.len();
    for (path, f) in found.into_iter().take(SHOWN) {
        if !f.git && test_data(&path) {
            // Keys that toolchains and packages ship for their own tests
            // (Go's crypto/tls/testdata, Python's test suites) are public;
            // still worth knowing about, not worth failing a build for.
            out.push(
                Hit::new(format!(
                    "{} (a test fixture, by its path)",
                    describe(cx, &path, &f)
                ))
                .with_fix(
                    "delete test data from the final image (or do not ship the toolchain at all)",
                )
                .with_severity(plimsoll_core::Severity::Info),
            );
            continue;
        }
        out.push(Hit::new(describe(cx, &path, &f)).with_fix(FIX));
    }
    if total > SHOWN {
        out.push(Hit::new(format!(
            "{} more secrets not listed ({total} in all)",
            total - SHOWN
        )));
    }
    out
}

/// A path under a directory named for tests (`testdata`, `test`, `tests`).
fn test_data(path: &str) -> bool {
    path.split('/')
        .any(|c| matches!(c, "testdata" | "test" | "tests" | "test-data" | "fixtures"))
}

/// `app/.git` for any path inside a `.git` directory.
fn git_root(path: &str) -> Option<&str> {
    let mut at = 0;
    for c in path.split('/') {
        let end = at + c.len();
        if c == ".git" && end < path.len() {
            return path.get(..end);
        }
        at = end + 1;
    }
    None
}

fn describe(cx: &Context, path: &str, f: &Found) -> String {
    let tree = &cx.image.tree;
    let visible = if f.git {
        tree.get(path).is_some_and(|n| n.kind == Kind::Dir)
            && (tree.get(&format!("{path}/HEAD")).is_some()
                || tree.get(&format!("{path}/config")).is_some())
    } else {
        tree.get(path)
            .is_some_and(|n| f.layers.contains_key(&n.changed))
    };
    let layers: Vec<String> = f
        .layers
        .keys()
        .map(|&i| crate::layer_label(cx, i))
        .collect();
    let bytes = if f.git {
        let total = f.layers.values().fold(0u64, |a, b| a.saturating_add(*b));
        format!(", {}", crate::human(total))
    } else {
        String::new()
    };
    if visible {
        return format!(
            "/{path}: {}{bytes}, added by {}",
            f.what,
            layers.join(" and ")
        );
    }
    let first = f.layers.keys().next().copied().unwrap_or(0);
    let inside = format!("{path}/");
    let hidden_by = tree
        .hidden
        .iter()
        .find(|h| {
            (h.path == path || h.path.starts_with(&inside)) && f.layers.contains_key(&h.layer)
        })
        .map(|h| h.hidden_by)
        .or_else(|| {
            tree.deleted
                .iter()
                .find(|d| d.path == path)
                .map(|d| d.layer)
        });
    let gone = match hidden_by {
        Some(h) => format!("removed by {}", crate::layer_label(cx, h)),
        None => "not in the final filesystem".into(),
    };
    format!(
        "/{path}: {}{bytes} in {}, {gone} but still in layer {first}'s blob: anyone who can pull the image can extract it",
        f.what,
        layers.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const KEY: &[u8] = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n";

    #[test]
    fn test_fixture_keys_are_info_only() {
        let img = ImageBuilder::new()
            .layer(
                Layer::new("COPY go /usr/local/go")
                    .file("usr/local/go/src/crypto/tls/testdata/example-key.pem", KEY),
            )
            .build();
        let hits = run(check, &img);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Some(plimsoll_core::Severity::Info));
        assert!(hits[0].message.contains("test fixture"));
    }

    #[test]
    fn key_copied_then_deleted_is_still_in_the_layer() {
        let img = ImageBuilder::new()
            .layer(base_files(Layer::new("ADD rootfs.tar /")))
            .layer(
                Layer::new("COPY deploy_key /root/.ssh/deploy_key").file_with(
                    "root/.ssh/deploy_key",
                    KEY,
                    0o600,
                    (0, 0),
                ),
            )
            .layer(
                Layer::new(
                    "RUN git clone git@example.com:acme/lib.git && rm /root/.ssh/deploy_key",
                )
                .whiteout("root/.ssh/deploy_key"),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let m = &hits[0].message;
        assert!(
            m.starts_with(
                "/root/.ssh/deploy_key: private key (-----BEGIN OPENSSH PRIVATE KEY-----)"
            ),
            "{m}"
        );
        assert!(
            m.contains("in layer 1 (`COPY deploy_key /root/.ssh/deploy_key`)"),
            "{m}"
        );
        assert!(m.contains("removed by layer 2 (`RUN git clone"), "{m}");
        assert!(m.contains("still in layer 1's blob"), "{m}");
        assert!(!m.contains("b3Bl"), "content must never be printed: {m}");
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .contains("--mount=type=secret")
        );
    }

    #[test]
    fn content_name_and_git_findings() {
        let img = ImageBuilder::new()
            .layer(
                Layer::new("COPY . /app")
                    .dir("app")
                    .file("app/.env", b"DATABASE_URL=postgres://u:hunter2@db/app\n")
                    .file("app/.env.example", b"DATABASE_URL=\n")
                    .file(
                        "app/settings.py",
                        b"AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'\n",
                    )
                    .file("app/.git/HEAD", b"ref: refs/heads/main\n")
                    .file(
                        "app/.git/config",
                        b"[remote \"origin\"]\n\turl = https://x:ghp_token@github.com/acme/app\n",
                    )
                    .sized("app/.git/objects/pack/pack-1.pack", 1_500_000)
                    .file("app/README.md", b"# app\n")
                    .file("root/.npmrc", b"//registry.npmjs.org/:_authToken=npm_abc\n")
                    .file("home/app/.ssh/id_ed25519", b"")
                    .dir("src/.git")
                    .sized("vendor/.git/objects/ab/cdef", 100),
            )
            .build();
        let hits = run(super::check, &img);
        let msgs: Vec<&str> = hits.iter().map(|h| h.message.as_str()).collect();
        assert_eq!(hits.len(), 4, "{msgs:#?}");
        assert!(
            msgs[0].starts_with("/app/.env: dotenv file, added by layer 0 (`COPY . /app`)"),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[1].starts_with("/app/.git: git repository"),
            "{}",
            msgs[1]
        );
        assert!(msgs[1].contains("1.5 MB"), "{}", msgs[1]);
        assert!(
            msgs[2].starts_with("/app/settings.py: AWS access key id (AKIA…(20 chars, redacted))"),
            "{}",
            msgs[2]
        );
        assert!(
            msgs[3].starts_with("/root/.npmrc: package registry credentials"),
            "{}",
            msgs[3]
        );
        let all = msgs.join("\n");
        assert!(
            !all.contains("hunter2") && !all.contains("IOSFODNN7") && !all.contains("ghp_token"),
            "{all}"
        );
        assert!(
            !all.contains(".env.example")
                && !all.contains("id_ed25519")
                && !all.contains("src/.git")
                && !all.contains("vendor/.git"),
            "{all}"
        );
    }

    #[test]
    fn clean_image_passes_and_many_are_capped() {
        let clean = ImageBuilder::new()
            .layer(base_files(Layer::new("ADD rootfs.tar /")).file(
                "etc/ssl/certs/ca.pem",
                b"-----BEGIN CERTIFICATE-----\nMIIB\n",
            ))
            .build();
        assert!(run(super::check, &clean).is_empty());
        let mut l = Layer::new("COPY keys/ /keys/");
        for i in 0..25 {
            l = l.file(&format!("keys/k{i:02}.pem"), KEY);
        }
        let hits = run(super::check, &ImageBuilder::new().layer(l).build());
        assert_eq!(hits.len(), 21);
        assert_eq!(hits[20].message, "5 more secrets not listed (25 in all)");
    }

    #[test]
    fn overwritten_secret_is_still_reported() {
        let img = ImageBuilder::new()
            .layer(Layer::new("COPY .env /app/.env").file("app/.env", b"TOKEN=abc\n"))
            .layer(Layer::new("RUN echo > /app/.env").file("app/.env", b"\n"))
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1, "{hits:?}");
        // The visible version (layer 1) is a dotenv file too: both layers named.
        assert!(
            hits[0]
                .message
                .contains("added by layer 0 (`COPY .env /app/.env`) and layer 1"),
            "{}",
            hits[0].message
        );
        assert_eq!(git_root("a/.git/b"), Some("a/.git"));
        assert_eq!(git_root(".git/HEAD"), Some(".git"));
        assert_eq!(git_root("a/.git"), None);
        assert_eq!(git_root("a/.github/x"), None);
    }
}
