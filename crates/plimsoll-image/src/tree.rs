//! The merged filesystem: layers applied in order with OCI whiteout
//! semantics, each path remembering which layer added and last changed it,
//! and every byte a later layer hid (overwrote or deleted) accounted for.

use crate::layer::{Content, Kind, Listing};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A path in the merged filesystem.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub link: Option<Box<str>>,
    /// Layer that first created the path (0-based).
    pub added: usize,
    /// Layer whose version is visible.
    pub changed: usize,
    /// Created only because a child needed it (no tar entry).
    pub implicit: bool,
    pub content: Option<Arc<Content>>,
}

/// Bytes of a file version that a later layer (or a later entry of the
/// same layer) made invisible.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hidden {
    pub path: String,
    pub bytes: u64,
    /// Layer that wrote the hidden version.
    pub layer: usize,
    /// Layer that hid it.
    pub hidden_by: usize,
    pub how: HiddenBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HiddenBy {
    Overwritten,
    Deleted,
    Opaque,
}

/// A path deleted by a layer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deleted {
    pub path: String,
    pub layer: usize,
}

#[derive(Debug, Default)]
pub struct Tree {
    pub nodes: BTreeMap<Box<str>, Node>,
    pub hidden: Vec<Hidden>,
    pub deleted: Vec<Deleted>,
}

/// Why a path does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    NotFound(String),
    Loop(String),
    NotDir(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::NotFound(p) => write!(f, "/{p} does not exist"),
            ResolveError::Loop(p) => write!(f, "too many levels of symbolic links at /{p}"),
            ResolveError::NotDir(p) => write!(f, "/{p} is not a directory"),
        }
    }
}

struct Old {
    added: usize,
    kind: Kind,
    size: u64,
    changed: usize,
}

fn subtree_end(p: &str) -> String {
    // Every key under `p/` sorts before `p0` ('0' follows '/').
    format!("{p}0")
}

impl Tree {
    /// Applies the layers in order.
    pub fn build(layers: &[Listing]) -> Tree {
        let mut t = Tree::default();
        for (i, l) in layers.iter().enumerate() {
            t.apply(i, l);
        }
        t
    }

    fn remove_subtree(&mut self, p: &str, layer: usize, how: HiddenBy, include_self: bool) {
        let lo = format!("{p}/");
        let hi = subtree_end(p);
        let mut keys: Vec<Box<str>> = self
            .nodes
            .range::<str, _>((
                std::ops::Bound::Included(lo.as_str()),
                std::ops::Bound::Excluded(hi.as_str()),
            ))
            .map(|(k, _)| k.clone())
            .collect();
        if include_self && self.nodes.contains_key(p) {
            keys.push(p.into());
        }
        for k in keys {
            if let Some(n) = self.nodes.remove(&k)
                && n.kind == Kind::File
                && n.size > 0
            {
                self.hidden.push(Hidden {
                    path: k.to_string(),
                    bytes: n.size,
                    layer: n.changed,
                    hidden_by: layer,
                    how,
                });
            }
        }
    }

    fn ensure_parents(&mut self, p: &str, layer: usize) {
        let mut end = 0;
        while let Some(i) = p[end..].find('/') {
            let parent = &p[..end + i];
            if !self.nodes.contains_key(parent) {
                self.nodes.insert(
                    parent.into(),
                    Node {
                        kind: Kind::Dir,
                        mode: 0o755,
                        uid: 0,
                        gid: 0,
                        size: 0,
                        link: None,
                        added: layer,
                        changed: layer,
                        implicit: true,
                        content: None,
                    },
                );
            }
            end += i + 1;
        }
    }

    fn apply(&mut self, layer: usize, l: &Listing) {
        // Opaque directories and whiteouts hide what lower layers have;
        // apply them first so this layer's own entries survive.
        for e in &l.entries {
            match e.kind {
                Kind::Opaque => self.remove_subtree(&e.path, layer, HiddenBy::Opaque, false),
                Kind::Whiteout => {
                    if self.nodes.contains_key(&*e.path) {
                        self.deleted.push(Deleted {
                            path: e.path.to_string(),
                            layer,
                        });
                    }
                    self.remove_subtree(&e.path, layer, HiddenBy::Deleted, true);
                }
                _ => {}
            }
        }
        for e in &l.entries {
            if matches!(e.kind, Kind::Opaque | Kind::Whiteout) {
                continue;
            }
            self.ensure_parents(&e.path, layer);
            let mut added = layer;
            if let Some(old) = self
                .nodes
                .get(&*e.path)
                .map(|o| (o.added, o.kind, o.size, o.changed))
            {
                let old = Old {
                    added: old.0,
                    kind: old.1,
                    size: old.2,
                    changed: old.3,
                };
                added = old.added;
                if old.kind == Kind::Dir && e.kind != Kind::Dir {
                    self.remove_subtree(&e.path, layer, HiddenBy::Overwritten, false);
                }
                if old.kind == Kind::File && old.size > 0 {
                    self.hidden.push(Hidden {
                        path: e.path.to_string(),
                        bytes: old.size,
                        layer: old.changed,
                        hidden_by: layer,
                        how: HiddenBy::Overwritten,
                    });
                }
            }
            self.nodes.insert(
                e.path.clone(),
                Node {
                    kind: e.kind,
                    mode: e.mode,
                    uid: e.uid,
                    gid: e.gid,
                    size: e.size,
                    link: e.link.clone(),
                    added,
                    changed: layer,
                    implicit: false,
                    content: e.content.clone(),
                },
            );
        }
    }

    pub fn get(&self, p: &str) -> Option<&Node> {
        self.nodes.get(p.trim_start_matches('/'))
    }

    /// Resolves a path the way the kernel would inside the image: every
    /// symlink component followed (absolute targets from the image root,
    /// relative ones from their directory), hardlinks to their target, at
    /// most 40 links. Returns the final path (relative) and its node.
    pub fn resolve(&self, path: &str) -> Result<(String, &Node), ResolveError> {
        let mut links = 0;
        let mut todo: Vec<String> = components(path).rev().map(str::to_string).collect();
        let mut cur: Vec<String> = Vec::new();
        while let Some(c) = todo.pop() {
            if c == ".." {
                cur.pop();
                continue;
            }
            cur.push(c);
            let here = cur.join("/");
            let node = self
                .nodes
                .get(here.as_str())
                .ok_or_else(|| ResolveError::NotFound(here.clone()))?;
            if node.kind == Kind::Symlink {
                links += 1;
                if links > 40 {
                    return Err(ResolveError::Loop(here));
                }
                let target = node.link.as_deref().unwrap_or("");
                cur.pop();
                if target.starts_with('/') {
                    cur.clear();
                }
                for t in components(target).rev() {
                    todo.push(t.to_string());
                }
                continue;
            }
            if !todo.is_empty() && node.kind != Kind::Dir {
                return Err(ResolveError::NotDir(here));
            }
        }
        let here = cur.join("/");
        if here.is_empty() {
            return Err(ResolveError::NotFound(String::new()));
        }
        let node = self
            .nodes
            .get(here.as_str())
            .ok_or_else(|| ResolveError::NotFound(here.clone()))?;
        if node.kind == Kind::Hardlink
            && let Some(t) = node.link.as_deref()
            && let Some(target) = self.nodes.get(t)
        {
            // A hardlink shares the target's bytes; the entry keeps its own
            // name. Content facts live with the target's entry.
            return Ok((here, target));
        }
        Ok((here, node))
    }

    /// Entries directly in a directory (relative path, no trailing slash).
    pub fn children(&self, dir: &str) -> Vec<(&str, &Node)> {
        use std::ops::Bound::{Excluded, Included};
        let lo = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let hi = if dir.is_empty() {
            "\u{10ffff}".to_string()
        } else {
            subtree_end(dir)
        };
        self.nodes
            .range::<str, _>((Included(lo.as_str()), Excluded(hi.as_str())))
            .filter(|(k, _)| !k[lo.len()..].contains('/'))
            .map(|(k, n)| (&**k, n))
            .collect()
    }
}

fn components(p: &str) -> impl DoubleEndedIterator<Item = &str> {
    p.split('/').filter(|c| !c.is_empty() && *c != ".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Entry;
    use plimsoll_oci::{Compression, Digest};

    fn e(path: &str, kind: Kind, size: u64, link: Option<&str>) -> Entry {
        Entry {
            path: path.into(),
            kind,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size,
            link: link.map(Into::into),
            normalised: false,
            content: None,
        }
    }

    pub fn listing(entries: Vec<Entry>) -> Listing {
        let d = Digest::from_sha256(&[0; 32]);
        Listing {
            digest: d.clone(),
            diff_id: d,
            compression: Compression::None,
            compressed_bytes: 0,
            uncompressed_bytes: 0,
            entries,
        }
    }

    #[test]
    fn whiteouts_opaque_and_overwrites() {
        let t = Tree::build(&[
            listing(vec![
                e("usr", Kind::Dir, 0, None),
                e("usr/lib", Kind::Dir, 0, None),
                e("usr/lib/a", Kind::File, 10, None),
                e("usr/lib/b", Kind::File, 20, None),
                e("cache/x", Kind::File, 100, None),
                e("lib", Kind::Symlink, 0, Some("usr/lib")),
            ]),
            listing(vec![
                e("usr/lib/a", Kind::File, 11, None),
                e("cache", Kind::Opaque, 0, None),
                e("cache/y", Kind::File, 1, None),
                e("usr/lib/b", Kind::Whiteout, 0, None),
            ]),
        ]);
        assert!(t.get("usr/lib/b").is_none());
        assert!(t.get("cache/x").is_none());
        assert_eq!(t.get("cache/y").unwrap().added, 1);
        assert_eq!(t.get("usr/lib/a").unwrap().size, 11);
        assert_eq!(t.get("usr/lib/a").unwrap().added, 0);
        let hidden: u64 = t.hidden.iter().map(|h| h.bytes).sum();
        assert_eq!(hidden, 10 + 20 + 100);
        assert_eq!(t.deleted.len(), 1);
        let (p, n) = t.resolve("/lib/a").unwrap();
        assert_eq!((p.as_str(), n.size), ("usr/lib/a", 11));
        assert_eq!(t.children("usr/lib").len(), 1);
        assert_eq!(t.children("").len(), 3);
    }

    #[test]
    fn resolve_handles_relative_links_loops_and_dotdot() {
        let t = Tree::build(&[listing(vec![
            e("usr/bin/busybox", Kind::File, 5, None),
            e("bin", Kind::Symlink, 0, Some("usr/bin")),
            e("usr/bin/sh", Kind::Symlink, 0, Some("../bin/./busybox")),
            e("loop1", Kind::Symlink, 0, Some("/loop2")),
            e("loop2", Kind::Symlink, 0, Some("loop1")),
            e("f", Kind::File, 1, None),
            e("up", Kind::Symlink, 0, Some("../../../usr/bin/busybox")),
        ])]);
        assert_eq!(t.resolve("/bin/sh").unwrap().0, "usr/bin/busybox");
        assert_eq!(t.resolve("up").unwrap().0, "usr/bin/busybox");
        assert!(matches!(t.resolve("/loop1"), Err(ResolveError::Loop(_))));
        assert!(matches!(t.resolve("/f/x"), Err(ResolveError::NotDir(_))));
        assert!(matches!(t.resolve("/nope"), Err(ResolveError::NotFound(_))));
    }
}
