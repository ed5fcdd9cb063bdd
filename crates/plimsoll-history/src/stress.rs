//! The records `plimsoll-history-stress` writes, shared with the tests
//! that check them (not a public API).

use crate::{Layer, Record, Timestamp};
use std::collections::BTreeMap;

/// The name every stress record carries.
pub const NAME: &str = "stress/app";

/// The branch of a writer's records.
pub fn branch(writer: u32) -> String {
    format!("writer-{writer}")
}

/// Record `i` of writer `writer`: 1–5 layers, 0–9 directories and 0–12
/// files, the count and every size derived from (writer, i), so a reader
/// can tell a complete record from a partial one.
pub fn record(writer: u32, i: u32) -> Record {
    let seed = u64::from(writer) * 1_000_003 + u64::from(i);
    let layers: Vec<Layer> = (0..1 + (writer * 7 + i) % 5)
        .map(|n| Layer {
            index: n,
            digest: format!("sha256:{seed:016x}{n:048x}"),
            compressed_bytes: seed * 10 + u64::from(n),
            uncompressed_bytes: seed * 20 + u64::from(n),
            created_by: n
                .is_multiple_of(2)
                .then(|| format!("RUN step {n} of {writer}/{i}")),
        })
        .collect();
    let dirs: BTreeMap<String, u64> = (0..(writer + i * 3) % 10)
        .map(|n| (format!("/d{n}/w{writer}"), seed + u64::from(n)))
        .collect();
    let files: BTreeMap<String, u64> = (0..(writer * 5 + i) % 13)
        .map(|n| {
            (
                format!("/usr/lib/w{writer}/r{i}/lib {n}.so"),
                seed * 3 + u64::from(n) * 4096,
            )
        })
        .collect();
    Record {
        name: NAME.to_string(),
        tag: Some(format!("v{i}")),
        digest: (!i.is_multiple_of(3)).then(|| format!("sha256:{seed:064x}")),
        branch: branch(writer),
        commit: Some(format!("{writer:08x}{i:08x}")),
        compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum(),
        uncompressed_bytes: layers.iter().map(|l| l.uncompressed_bytes).sum(),
        layers,
        dirs,
        files,
        class: writer.is_multiple_of(2).then(|| "app".to_string()),
        // Distinct, increasing per writer; interleaved across writers.
        timestamp: Timestamp::from_unix(
            1_767_225_600 + i64::from(i) * 60 + i64::from(writer),
            i * 1000,
        )
        .unwrap_or_else(Timestamp::now),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    }
}
