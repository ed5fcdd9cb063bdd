//! # PI007: package-manager caches left in the image
//!
//! Package managers keep downloads and indexes for the next install; in an
//! image there is no next install, so they are pure weight, pulled by
//! every node on every deploy — and stale package indexes make a later
//! `apt-get install` in a derived image install outdated versions. This
//! rule measures, in the final filesystem, the bytes under:
//!
//! - apt package lists `/var/lib/apt/lists/*` (not `lock`, `partial`,
//!   `auxfiles`), and apt's cache `/var/cache/apt/*.bin` and
//!   `/var/cache/apt/archives/*.deb`;
//! - apk's cache `/var/cache/apk/*`;
//! - pip `~/.cache/pip`, npm `~/.npm/_cacache`, yarn (`~/.cache/yarn`,
//!   `/usr/local/share/.cache/yarn`, `~/.yarn/berry/cache`) for root, every
//!   `/home/*` and `$HOME`;
//! - Go's module cache (`/root/go/pkg/mod`, `/go/pkg/mod` as the `golang`
//!   image has it, `$GOPATH/pkg/mod`, `$GOMODCACHE`) and build cache
//!   (`~/.cache/go-build`, `$GOCACHE`).
//!
//! One finding per kind of cache, with its bytes and the layers that put
//! most of them there.
//!
//! ## Bad
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! RUN pip install -r requirements.txt
//! ```
//!
//! ## Good
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl \
//!  && rm -rf /var/lib/apt/lists/*
//! RUN pip install --no-cache-dir -r requirements.txt
//! ```
//!
//! ## Fix
//! Clean up in the same `RUN` that fills the cache (`rm -rf
//! /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install
//! --no-cache-dir`, `npm cache clean --force`), mount the cache instead of
//! writing it to the layer (`RUN --mount=type=cache,target=/root/.cache/go-build`),
//! or build in a separate stage. Removing it in a later `RUN` does not
//! help: the bytes stay in the earlier layer.
//!
//! ## Incident it prevents
//! A Python service image carried 380 MB of pip wheels cache and 45 MB of
//! apt lists; node scale-ups pulled 1.2 GB per node and took minutes
//! longer than the autoscaler's patience.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::Kind;
use plimsoll_image::tree::Node;
use std::collections::{BTreeMap, BTreeSet};

pub const META: Meta = Meta {
    code: "PI007",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "Package-manager caches (apt, apk, pip, npm, yarn, Go) left in the final filesystem",
};

/// What counts under a cache directory.
#[derive(Clone, Copy)]
enum Filter {
    All,
    /// apt lists: not `lock`, `partial/`, `auxfiles/`.
    AptLists,
    /// Direct children with this suffix.
    Suffix(&'static str),
}

struct Cache {
    name: &'static str,
    fix: &'static str,
    dirs: Vec<(String, Filter)>,
}

fn caches(cx: &Context) -> Vec<Cache> {
    let mut homes: Vec<String> = vec!["root".into()];
    homes.extend(
        cx.image
            .tree
            .children("home")
            .into_iter()
            .filter(|(_, n)| n.kind == Kind::Dir)
            .map(|(p, _)| p.to_string()),
    );
    let env = |k: &str| {
        cx.image
            .config
            .env(k)
            .map(str::trim)
            .filter(|v| v.starts_with('/'))
    };
    let rel = |p: &str| p.trim_matches('/').to_string();
    if let Some(h) = env("HOME") {
        homes.push(rel(h));
    }
    let under = |sub: &str| -> Vec<(String, Filter)> {
        homes
            .iter()
            .map(|h| {
                (
                    if h.is_empty() {
                        sub.to_string()
                    } else {
                        format!("{h}/{sub}")
                    },
                    Filter::All,
                )
            })
            .collect()
    };
    let mut gomod: Vec<(String, Filter)> = vec![("go/pkg/mod".into(), Filter::All)];
    gomod.extend(under("go/pkg/mod"));
    if let Some(gp) = cx.image.config.env("GOPATH") {
        gomod.extend(
            gp.split(':')
                .filter(|p| p.starts_with('/'))
                .map(|p| (format!("{}/pkg/mod", rel(p)), Filter::All)),
        );
    }
    if let Some(m) = env("GOMODCACHE") {
        gomod.push((rel(m), Filter::All));
    }
    let mut gobuild = under(".cache/go-build");
    if let Some(c) = env("GOCACHE") {
        gobuild.push((rel(c), Filter::All));
    }
    let mut yarn = under(".cache/yarn");
    yarn.extend(under(".yarn/berry/cache"));
    yarn.push(("usr/local/share/.cache/yarn".into(), Filter::All));
    vec![
        Cache {
            name: "apt package lists",
            fix: "RUN apt-get update && apt-get install -y --no-install-recommends PKG && rm -rf /var/lib/apt/lists/*",
            dirs: vec![("var/lib/apt/lists".into(), Filter::AptLists)],
        },
        Cache {
            name: "apt package cache",
            fix: "RUN apt-get update && apt-get install -y PKG && apt-get clean && rm -rf /var/lib/apt/lists/*",
            dirs: vec![
                ("var/cache/apt".into(), Filter::Suffix(".bin")),
                ("var/cache/apt/archives".into(), Filter::Suffix(".deb")),
            ],
        },
        Cache {
            name: "apk cache",
            fix: "RUN apk add --no-cache PKG",
            dirs: vec![("var/cache/apk".into(), Filter::All)],
        },
        Cache {
            name: "pip cache",
            fix: "RUN pip install --no-cache-dir -r requirements.txt   # or ENV PIP_NO_CACHE_DIR=1",
            dirs: under(".cache/pip"),
        },
        Cache {
            name: "npm cache",
            fix: "RUN npm ci && npm cache clean --force   # or RUN --mount=type=cache,target=/root/.npm npm ci",
            dirs: under(".npm/_cacache"),
        },
        Cache {
            name: "yarn cache",
            fix: "RUN yarn install --frozen-lockfile && yarn cache clean",
            dirs: yarn,
        },
        Cache {
            name: "Go module cache",
            fix: "build in a builder stage and COPY --from only the binary, or RUN --mount=type=cache,target=/go/pkg/mod go build …",
            dirs: gomod,
        },
        Cache {
            name: "Go build cache",
            fix: "build in a builder stage and COPY --from only the binary, or RUN --mount=type=cache,target=/root/.cache/go-build go build …",
            dirs: gobuild,
        },
    ]
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let tree = &cx.image.tree;
    let mut out = Vec::new();
    for cache in caches(cx) {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut shown: Vec<String> = Vec::new();
        let (mut bytes, mut files) = (0u64, 0usize);
        let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
        for (dir, filter) in &cache.dirs {
            // The real directory (symlinks followed), each once.
            let Ok((real, n)) = tree.resolve(dir) else {
                continue;
            };
            if n.kind != Kind::Dir || !seen.insert(real.clone()) {
                continue;
            }
            let mut here = 0u64;
            for (_, node) in files_under(tree, &real, *filter) {
                here = here.saturating_add(node.size);
                files += 1;
                let e = by_layer.entry(node.changed).or_insert(0);
                *e = e.saturating_add(node.size);
            }
            if here > 0 {
                bytes = bytes.saturating_add(here);
                shown.push(format!("/{real}"));
            }
        }
        if bytes == 0 {
            continue;
        }
        let mut layers: Vec<(usize, u64)> = by_layer.into_iter().filter(|(_, b)| *b > 0).collect();
        layers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let from: Vec<String> = layers
            .iter()
            .take(2)
            .map(|(i, b)| format!("{} from {}", crate::human(*b), crate::layer_label(cx, *i)))
            .collect();
        let others = layers.len().saturating_sub(2);
        let mut msg = format!(
            "{} left in {}: {} in {files} {} ({})",
            cache.name,
            shown.join(", "),
            crate::human(bytes),
            if files == 1 { "file" } else { "files" },
            from.join(", ")
        );
        if others > 0 {
            msg.push_str(&format!(" and {others} more layers"));
        }
        out.push(Hit::new(msg).with_fix(cache.fix));
    }
    out
}

/// Regular files under `dir` that the filter keeps.
fn files_under<'a>(
    tree: &'a plimsoll_image::tree::Tree,
    dir: &str,
    filter: Filter,
) -> Vec<(&'a str, &'a Node)> {
    let lo = format!("{dir}/");
    let hi = format!("{dir}0");
    tree.nodes
        .range::<str, _>((
            std::ops::Bound::Included(lo.as_str()),
            std::ops::Bound::Excluded(hi.as_str()),
        ))
        .filter(|(_, n)| n.kind == Kind::File)
        .filter(|(k, _)| {
            let rest = k.get(lo.len()..).unwrap_or("");
            let first = rest.split('/').next().unwrap_or("");
            match filter {
                Filter::All => true,
                Filter::AptLists => !matches!(first, "lock" | "partial" | "auxfiles"),
                Filter::Suffix(s) => !rest.contains('/') && rest.ends_with(s),
            }
        })
        .map(|(k, n)| (&**k, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn apt_lists_and_cache() {
        let img = ImageBuilder::new()
            .layer(
                base_files(Layer::new("ADD rootfs.tar /"))
                    .dir("var/lib/apt/lists")
                    .file("var/lib/apt/lists/lock", b"")
                    .dir("var/lib/apt/lists/partial")
                    .sized("var/lib/apt/lists/partial/x_Packages", 5000)
                    .dir("var/cache/apt/archives")
                    .file("var/cache/apt/archives/lock", b""),
            )
            .layer(
                Layer::new("RUN apt-get update && apt-get install -y curl")
                    .sized("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", 2_000_000)
                    .sized("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", 150_000)
                    .sized("var/cache/apt/pkgcache.bin", 300_000)
                    .sized("var/cache/apt/archives/curl_7.88.1-10_amd64.deb", 100_000)
                    .sized("var/cache/apt/archives/partial/x.deb", 1000),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(
            hits[0].message,
            "apt package lists left in /var/lib/apt/lists: 2.1 MB in 2 files (2.1 MB from layer 1 (`RUN apt-get update && apt-get install -y curl`))"
        );
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .contains("rm -rf /var/lib/apt/lists/*")
        );
        assert!(hits[1].message.starts_with("apt package cache left in /var/cache/apt, /var/cache/apt/archives: 400.0 kB in 2 files"), "{}", hits[1].message);
    }

    #[test]
    fn cleaned_in_the_same_run_passes() {
        let img = ImageBuilder::new()
            .layer(
                base_files(Layer::new("ADD rootfs.tar /"))
                    .dir("var/lib/apt/lists/partial")
                    .file("var/lib/apt/lists/lock", b"")
                    .dir("var/cache/apk")
                    .dir("root/.cache"),
            )
            .layer(
                Layer::new(
                    "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
                )
                .sized("usr/bin/curl", 300_000),
            )
            .build();
        assert!(run(super::check, &img).is_empty());
    }

    #[test]
    fn language_caches_in_homes_and_env_paths() {
        let img = ImageBuilder::new()
            .env("GOPATH=/go")
            .env("GOCACHE=/build-cache")
            .layer(Layer::new("ADD rootfs.tar /").dir("home/app").dir("go"))
            .layer(
                Layer::new("RUN pip install -r requirements.txt")
                    .sized("root/.cache/pip/http/a/b/c", 40_000)
                    .sized("home/app/.cache/pip/wheels/x.whl", 60_000),
            )
            .layer(
                Layer::new("RUN npm ci").sized("root/.npm/_cacache/content-v2/sha512/aa", 10_000),
            )
            .layer(
                Layer::new("RUN yarn install")
                    .sized("usr/local/share/.cache/yarn/v6/npm-x/index.js", 7_000),
            )
            .layer(
                Layer::new("RUN go build ./...")
                    .sized(
                        "go/pkg/mod/cache/download/golang.org/x/net/@v/v0.1.0.zip",
                        500_000,
                    )
                    .sized("build-cache/00/0011-d", 20_000)
                    .sized("root/.cache/go-build/ff/ff00-d", 30_000),
            )
            .layer(Layer::new("RUN apk add curl").sized("var/cache/apk/APKINDEX.abc.tar.gz", 9_000))
            .build();
        let hits = run(super::check, &img);
        let msgs: Vec<&str> = hits.iter().map(|h| h.message.as_str()).collect();
        assert_eq!(hits.len(), 6, "{msgs:#?}");
        assert!(msgs[0].starts_with("apk cache left in /var/cache/apk: 9.0 kB in 1 file (9.0 kB from layer 5 (`RUN apk add curl`))"), "{}", msgs[0]);
        assert!(
            msgs[1].starts_with(
                "pip cache left in /root/.cache/pip, /home/app/.cache/pip: 100.0 kB in 2 files"
            ),
            "{}",
            msgs[1]
        );
        assert!(
            msgs[2].starts_with("npm cache left in /root/.npm/_cacache: 10.0 kB"),
            "{}",
            msgs[2]
        );
        assert!(
            msgs[3].starts_with("yarn cache left in /usr/local/share/.cache/yarn: 7.0 kB"),
            "{}",
            msgs[3]
        );
        // /go/pkg/mod is named twice (golang image default and $GOPATH): counted once.
        assert!(
            msgs[4].starts_with("Go module cache left in /go/pkg/mod: 500.0 kB in 1 file"),
            "{}",
            msgs[4]
        );
        assert!(
            msgs[5].starts_with(
                "Go build cache left in /root/.cache/go-build, /build-cache: 50.0 kB in 2 files"
            ),
            "{}",
            msgs[5]
        );
    }

    #[test]
    fn top_layers_are_named() {
        let img = ImageBuilder::new()
            .layer(Layer::new("RUN pip install a").sized("root/.cache/pip/a", 1000))
            .layer(Layer::new("RUN pip install b").sized("root/.cache/pip/b", 3000))
            .layer(Layer::new("RUN pip install c").sized("root/.cache/pip/c", 2000))
            .build();
        let hits = run(super::check, &img);
        assert_eq!(
            hits[0].message,
            "pip cache left in /root/.cache/pip: 6.0 kB in 3 files (3.0 kB from layer 1 (`RUN pip install b`), 2.0 kB from layer 2 (`RUN pip install c`)) and 1 more layers"
        );
    }
}
