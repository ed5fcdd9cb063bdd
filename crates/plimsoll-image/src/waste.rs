//! Size and waste: dive-compatible figures and the correct ones.
//!
//! dive (0.13) scores an image by visiting, layer by layer, every leaf of
//! the layer's own tree (files, symlinks, empty directories, whiteouts)
//! and grouping them by path. A path seen in two or more layers is an
//! "inefficiency"; its cumulative size (the sum over all its versions,
//! including the one that is visible) is counted in `wastedBytes`, and
//! `efficiency` is the sum of each path's smallest version over the sum
//! of all versions. A whiteout counts as 0 bytes when it deletes a file
//! and as the size of everything under it when it deletes a directory
//! (as seen in dive's own stack of the lower layers, where a directory
//! that a later layer only implied loses its directory flag).
//! `userWastedPercent` is `wastedBytes` over the bytes of all layers but
//! the first. This module reproduces those numbers exactly.
//!
//! `wastedBytes` counts the visible copy too (dive issue #684), so it is
//! not what deleting the waste would save. [`reclaimable`] is: the bytes
//! of file versions no one can see in the final image.

use crate::layer::{Kind, Listing};
use crate::tree::Tree;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DiveFigures {
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub user_wasted_percent: f64,
    /// dive's layer sizes: the sum of the tar header sizes of each layer.
    pub layer_sizes: Vec<u64>,
}

#[derive(Default)]
struct PathData {
    cumulative: i64,
    min: i64,
    count: u32,
}

/// Computes dive's figures from the layer listings.
pub fn dive(layers: &[Listing]) -> DiveFigures {
    let mut data: HashMap<String, PathData> = HashMap::new();
    // dive's stack of lower layers: path → (size, is_dir).
    let mut stacked: BTreeMap<String, (i64, bool)> = BTreeMap::new();
    let mut layer_sizes = Vec::with_capacity(layers.len());
    for l in layers {
        layer_sizes.push(l.entries.iter().map(|e| e.size).sum::<u64>());
        // This layer's own tree: explicit nodes (last duplicate wins) and
        // implicit parents. Whiteouts are distinct nodes (`.wh.NAME`). Keys
        // use NUL between components so that byte order is dive's visit
        // order (children sorted by name).
        let mut nodes: BTreeMap<String, (i64, bool, bool)> = BTreeMap::new(); // key → (size, is_dir, whiteout)
        let mut parents: HashSet<String> = HashSet::new();
        for e in &l.entries {
            let mut key: String = e.path.replace('/', "\0");
            let mut end = 0;
            while let Some(i) = key[end..].find('\0') {
                let anc = &key[..end + i];
                if !parents.contains(anc) {
                    parents.insert(anc.to_string());
                }
                nodes.entry(anc.to_string()).or_insert((0, false, false));
                end += i + 1;
            }
            if e.kind == Kind::Opaque {
                // The marker itself is no node; its directory is one.
                nodes.entry(key).or_insert((0, false, false));
                continue;
            }
            if e.kind == Kind::Whiteout {
                key.insert_str(end, ".wh.");
            }
            nodes.insert(
                key,
                (e.size as i64, e.kind == Kind::Dir, e.kind == Kind::Whiteout),
            );
        }
        // Whiteout sizes against the lower stack, in dive's visit order
        // (leaves in name order); a whiteout of a path the stack lacks
        // stops dive's visit of this layer.
        for (key, (size, _, whiteout)) in &nodes {
            if parents.contains(key) {
                continue; // not a leaf
            }
            let path = real_path(key, *whiteout);
            let bytes = if *whiteout {
                match stacked.get(&path) {
                    None => break,
                    Some((_, false)) => 0,
                    Some((_, true)) => subtree(&stacked, &path).map(|(_, (s, _))| *s).sum(),
                }
            } else {
                *size
            };
            let d = data.entry(path).or_insert(PathData {
                cumulative: 0,
                min: -1,
                count: 0,
            });
            d.cumulative += bytes;
            if d.min < 0 || bytes < d.min {
                d.min = bytes;
            }
            d.count += 1;
        }
        // Stack this layer: whiteouts remove, every other node (implicit
        // ones too, with empty info) overwrites.
        for (key, (_, _, whiteout)) in &nodes {
            if *whiteout {
                let path = real_path(key, true);
                let keys: Vec<String> = subtree(&stacked, &path).map(|(k, _)| k.clone()).collect();
                for k in keys {
                    stacked.remove(&k);
                }
            }
        }
        for (key, (size, is_dir, whiteout)) in nodes {
            if !whiteout {
                stacked.insert(key.replace('\0', "/"), (size, is_dir));
            }
        }
    }
    let (mut min_sum, mut cum_sum, mut wasted) = (0i64, 0i64, 0i64);
    for d in data.values() {
        min_sum += d.min;
        cum_sum += d.cumulative;
        if d.count >= 2 {
            wasted += d.cumulative;
        }
    }
    let efficiency = if cum_sum == 0 {
        1.0
    } else {
        min_sum as f64 / cum_sum as f64
    };
    let user: u64 = layer_sizes.iter().skip(1).sum();
    let wasted = u64::try_from(wasted).unwrap_or(0);
    DiveFigures {
        efficiency,
        wasted_bytes: wasted,
        user_wasted_percent: if user == 0 {
            f64::NAN
        } else {
            wasted as f64 / user as f64
        },
        layer_sizes,
    }
}

/// A node key (NUL-separated) as a `/` path, without the `.wh.` prefix
/// of a whiteout's own name.
fn real_path(key: &str, whiteout: bool) -> String {
    let mut p = key.replace('\0', "/");
    if whiteout {
        let start = p.rfind('/').map_or(0, |i| i + 1);
        if p[start..].starts_with(".wh.") {
            p.replace_range(start..start + 4, "");
        }
    }
    p
}

/// `path` and everything under it in the stack.
fn subtree<'a>(
    stacked: &'a BTreeMap<String, (i64, bool)>,
    path: &'a str,
) -> impl Iterator<Item = (&'a String, &'a (i64, bool))> + 'a {
    let lo = path.to_string();
    let hi = format!("{path}0");
    stacked.range(lo..hi).filter(move |(k, _)| {
        k.as_str() == path || (k.len() > path.len() && k.as_bytes()[path.len()] == b'/')
    })
}

/// Bytes of file versions invisible in the final image.
pub fn reclaimable(tree: &Tree) -> u64 {
    tree.hidden.iter().map(|h| h.bytes).sum()
}
