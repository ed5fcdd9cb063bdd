//! The facts of an analysed image, in the shape `--format json` reports
//! them under `facts` and rules read them.

use crate::layer::{Content, Kind};
use crate::run::{self, Binary, User};
use crate::tree::HiddenBy;
use crate::waste;
use crate::{Image, LayerFacts};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub reference: String,
    pub manifest_digest: Option<String>,
    pub platform: String,
    /// `PRETTY_NAME` from the image's os-release.
    pub os: Option<String>,
    pub user: User,
    /// `Entrypoint` + `Cmd`.
    pub command: Vec<String>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    /// Bytes of the regular files visible in the final filesystem.
    pub visible_bytes: u64,
    pub files: usize,
    /// dive-compatible score (0..1).
    pub efficiency: f64,
    /// dive-compatible wasted bytes (counts the visible copy too).
    pub wasted_bytes: u64,
    /// dive-compatible: wasted bytes over the bytes of all layers but the first (0..1).
    pub user_wasted_percent: f64,
    /// Bytes of file versions nobody can see in the final image: what
    /// removing the waste would really save.
    pub reclaimable_bytes: u64,
    pub layers: Vec<LayerFacts>,
    /// The largest hidden file versions, with the layers responsible.
    pub top_wasted: Vec<Wasted>,
    pub binaries: Vec<Binary>,
    pub go_binaries: Vec<GoBinary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Wasted {
    pub path: String,
    pub bytes: u64,
    /// Layer that wrote the hidden bytes, and its command.
    pub layer: usize,
    pub created_by: Option<String>,
    /// Layer that hid them, and its command.
    pub hidden_by: usize,
    pub hidden_by_command: Option<String>,
    pub how: HiddenBy,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoBinary {
    pub path: String,
    pub go_version: String,
    pub main_module: Option<String>,
    pub cgo_enabled: Option<bool>,
    pub settings: BTreeMap<String, String>,
    pub dependencies: usize,
    pub stripped: bool,
    pub debug_bytes: u64,
    pub upx: bool,
    pub build_id: Option<String>,
    pub size: u64,
}

fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Computes every fact of the image.
pub fn facts(img: &Image) -> Facts {
    let dive = waste::dive(&img.listings);
    let (user, binaries) = run::binaries(&img.tree, &img.config);
    let cmd_of = |i: usize| {
        img.layers
            .get(i)
            .and_then(|l| l.created_by.as_deref())
            .map(|c| clip(c, 160))
    };
    // Aggregate hidden bytes by (path, layer).
    let mut agg: BTreeMap<(String, usize), (u64, usize, HiddenBy)> = BTreeMap::new();
    for h in &img.tree.hidden {
        let e = agg
            .entry((h.path.clone(), h.layer))
            .or_insert((0, h.hidden_by, h.how));
        e.0 += h.bytes;
    }
    let mut top: Vec<Wasted> = agg
        .into_iter()
        .map(|((path, layer), (bytes, hidden_by, how))| Wasted {
            path: format!("/{path}"),
            bytes,
            layer,
            created_by: cmd_of(layer),
            hidden_by,
            hidden_by_command: cmd_of(hidden_by),
            how,
        })
        .collect();
    top.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.path.cmp(&b.path)));
    top.truncate(20);
    let mut visible = 0u64;
    let mut files = 0usize;
    let mut go_binaries = Vec::new();
    for (path, n) in &img.tree.nodes {
        if n.kind == Kind::File {
            visible += n.size;
            files += 1;
            if let Some(Content::Elf(f)) = n.content.as_deref()
                && let Some(go) = &f.go
            {
                go_binaries.push(GoBinary {
                    path: format!("/{path}"),
                    go_version: go.go_version.clone(),
                    main_module: go
                        .main
                        .as_ref()
                        .map(|m| m.path.clone())
                        .or_else(|| Some(go.path.clone()).filter(|p| !p.is_empty())),
                    cgo_enabled: go.cgo_enabled(),
                    settings: go.settings.iter().cloned().collect(),
                    dependencies: go.deps.len(),
                    stripped: f.stripped,
                    debug_bytes: f.debug_bytes,
                    upx: f.upx,
                    build_id: f.build_id.clone(),
                    size: n.size,
                });
            }
        }
    }
    let os = run::text_of(&img.tree, "etc/os-release")
        .or_else(|| run::text_of(&img.tree, "usr/lib/os-release"))
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        });
    Facts {
        reference: img.reference.clone(),
        manifest_digest: img.manifest_digest.as_ref().map(|d| d.to_string()),
        platform: img.platform().to_string(),
        os,
        user,
        command: run::entrypoint_argv(&img.config),
        compressed_bytes: img.layers.iter().map(|l| l.compressed_bytes).sum(),
        uncompressed_bytes: img.layers.iter().map(|l| l.uncompressed_bytes).sum(),
        visible_bytes: visible,
        files,
        efficiency: dive.efficiency,
        wasted_bytes: dive.wasted_bytes,
        user_wasted_percent: dive.user_wasted_percent,
        reclaimable_bytes: waste::reclaimable(&img.tree),
        layers: img.layers.clone(),
        top_wasted: top,
        binaries,
        go_binaries,
    }
}
