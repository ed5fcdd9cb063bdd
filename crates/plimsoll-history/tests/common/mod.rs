//! Helpers shared by the SQLite and PostgreSQL tests.
#![allow(dead_code)]

use plimsoll_history::migrate::{MIGRATIONS, Migration};
use plimsoll_history::{Layer, Record, RunId, Store, Timestamp, stress};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// A record with a few layers and directories; `n` varies the sizes.
pub fn sample(name: &str, branch: &str, at: &str, n: u64) -> Record {
    let layers = vec![
        Layer {
            index: 0,
            digest: "sha256:base".into(),
            compressed_bytes: 30_000_000,
            uncompressed_bytes: 80_000_000,
            created_by: Some("ADD rootfs.tar.xz / # buildkit".into()),
        },
        Layer {
            index: 1,
            digest: format!("sha256:app{n}"),
            compressed_bytes: 1_000 + n,
            uncompressed_bytes: 4_000 + n,
            created_by: None,
        },
        Layer {
            index: 2,
            digest: format!("sha256:cfg{n}"),
            compressed_bytes: 10,
            uncompressed_bytes: 20,
            created_by: Some(
                "COPY config /etc/app/ # with 'quotes' and \"more\" and ünïcödé".into(),
            ),
        },
    ];
    let mut dirs = BTreeMap::new();
    dirs.insert("/usr".to_string(), 70_000_000 + n);
    dirs.insert("/usr/local".to_string(), 4_000 + n);
    dirs.insert("/etc".to_string(), 20);
    Record {
        name: name.to_string(),
        tag: Some(format!("v1.{n}")),
        digest: Some(format!("sha256:{n:064x}")),
        branch: branch.to_string(),
        commit: Some(format!("{n:040x}")),
        compressed_bytes: layers.iter().map(|l| l.compressed_bytes).sum(),
        uncompressed_bytes: layers.iter().map(|l| l.uncompressed_bytes).sum(),
        layers,
        dirs,
        class: Some("app".into()),
        timestamp: ts(at),
        tool_version: "0.1.0".into(),
    }
}

/// The round trip every back end must pass: ids, get, baseline (by
/// timestamp, then id), history (latest `limit`, oldest first, per branch
/// or all), names, and records inserted out of time order.
pub fn round_trip(store: &mut Store) {
    assert_eq!(store.count().unwrap(), 0);
    assert_eq!(store.baseline("app", "main").unwrap(), None);
    assert!(store.history("app", None, 10).unwrap().is_empty());
    assert!(store.names().unwrap().is_empty());

    let a = sample("app", "main", "2026-02-01T10:00:00Z", 1);
    let b = sample("app", "main", "2026-02-02T10:00:00.123456789Z", 2);
    // Recorded after c but earlier in time: history orders by timestamp.
    let c = sample("app", "main", "2026-02-03T10:00:00Z", 3);
    let early = sample("app", "main", "2026-01-15T00:00:00Z", 4);
    let feature = sample("app", "feature/x", "2026-02-04T10:00:00Z", 5);
    let other = sample("other", "main", "2026-02-01T00:00:00Z", 6);
    let mut bare = sample("bare", "main", "2026-02-01T00:00:00Z", 7);
    bare.tag = None;
    bare.digest = None;
    bare.commit = None;
    bare.class = None;
    bare.layers.clear();
    bare.dirs.clear();

    let mut ids = Vec::new();
    for r in [&a, &b, &c, &early, &feature, &other, &bare] {
        ids.push(store.record(r).unwrap());
    }
    let sorted: BTreeSet<RunId> = ids.iter().copied().collect();
    assert_eq!(sorted.len(), ids.len());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(store.count().unwrap(), 7);
    assert_eq!(store.get(ids[1]).unwrap().as_ref(), Some(&b));
    assert_eq!(store.get(ids[6]).unwrap().as_ref(), Some(&bare));
    assert_eq!(store.get(RunId(i64::MAX)).unwrap(), None);

    assert_eq!(store.baseline("app", "main").unwrap().as_ref(), Some(&c));
    assert_eq!(
        store.baseline("app", "feature/x").unwrap().as_ref(),
        Some(&feature)
    );
    assert_eq!(store.baseline("app", "nope").unwrap(), None);
    assert_eq!(store.baseline("nope", "main").unwrap(), None);

    assert_eq!(
        store.history("app", Some("main"), 2).unwrap(),
        vec![b.clone(), c.clone()]
    );
    assert_eq!(
        store.history("app", Some("main"), usize::MAX).unwrap(),
        vec![early.clone(), a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        store.history("app", None, 3).unwrap(),
        vec![b.clone(), c.clone(), feature.clone()]
    );
    assert!(store.history("app", None, 0).unwrap().is_empty());
    assert_eq!(store.names().unwrap(), vec!["app", "bare", "other"]);

    // Same timestamp: the one recorded last is the baseline.
    let mut tie = c.clone();
    tie.commit = Some("tie".into());
    let tie_id = store.record(&tie).unwrap();
    assert!(tie_id > ids[6]);
    assert_eq!(store.baseline("app", "main").unwrap().as_ref(), Some(&tie));
    let runs = store.runs("app").unwrap();
    assert_eq!(runs.len(), 6);
    assert_eq!(runs[3], (ids[2], c.clone()));
    assert_eq!(runs[4], (tie_id, tie.clone()));
    assert_eq!(runs[5], (ids[4], feature.clone()));

    // Layers come back ordered by index whatever order they went in.
    let mut shuffled = sample("shuffled", "main", "2026-02-01T00:00:00+02:00", 8);
    shuffled.layers.reverse();
    let id = store.record(&shuffled).unwrap();
    let back = store.get(id).unwrap().unwrap();
    shuffled.layers.reverse();
    assert_eq!(back, shuffled);
    assert_eq!(back.timestamp.to_string(), "2026-01-31T22:00:00Z");

    // Serde round trip of what the store returns.
    let json = serde_json::to_string(&back).unwrap();
    assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), back);
}

/// The three runs of `tests/fixtures/history-v1.*.sql`.
pub fn fixture_records() -> Vec<Record> {
    let layer = |index, digest: &str, c, u, by: Option<&str>| Layer {
        index,
        digest: digest.into(),
        compressed_bytes: c,
        uncompressed_bytes: u,
        created_by: by.map(str::to_string),
    };
    let dirs = |d: &[(&str, u64)]| d.iter().map(|(p, b)| (p.to_string(), *b)).collect();
    let base = layer(
        0,
        "sha256:aaaa",
        29_360_128,
        77_594_624,
        Some("ADD rootfs.tar.xz / # buildkit"),
    );
    vec![
        Record {
            name: "registry.example.com/shop/api".into(),
            tag: Some("v1.0.0".into()),
            digest: Some(format!("sha256:{}", "1".repeat(64))),
            branch: "main".into(),
            commit: Some("a1b2c3d".into()),
            compressed_bytes: 31_457_280,
            uncompressed_bytes: 83_886_080,
            layers: vec![
                base.clone(),
                layer(
                    1,
                    "sha256:bbbb",
                    2_097_152,
                    6_291_456,
                    Some("COPY /out/api /usr/local/bin/api # buildkit"),
                ),
            ],
            dirs: dirs(&[("/usr", 70_000_000), ("/usr/local", 6_291_456)]),
            class: Some("app".into()),
            timestamp: ts("2026-01-05T10:00:00Z"),
            tool_version: "0.1.0".into(),
        },
        Record {
            name: "registry.example.com/shop/api".into(),
            tag: Some("v1.1.0".into()),
            digest: None,
            branch: "main".into(),
            commit: Some("b2c3d4e".into()),
            compressed_bytes: 33_554_432,
            uncompressed_bytes: 88_080_384,
            layers: vec![base, layer(1, "sha256:cccc", 4_194_304, 10_485_760, None)],
            dirs: dirs(&[
                ("/usr", 70_000_000),
                ("/usr/local", 10_485_760),
                ("/var", 123),
            ]),
            class: Some("app".into()),
            timestamp: ts("2026-01-06T10:00:00.5Z"),
            tool_version: "0.1.0".into(),
        },
        Record {
            name: "registry.example.com/shop/api".into(),
            tag: Some("pr-7".into()),
            digest: None,
            branch: "feature/slim".into(),
            commit: None,
            compressed_bytes: 20_971_520,
            uncompressed_bytes: 52_428_800,
            layers: vec![layer(
                0,
                "sha256:dddd",
                20_971_520,
                52_428_800,
                Some("COPY /out/api /api"),
            )],
            dirs: BTreeMap::new(),
            class: None,
            timestamp: ts("2026-01-07T09:30:00Z"),
            tool_version: "0.1.0".into(),
        },
    ]
}

/// Checks a store holding the fixture's runs (and maybe more after them).
pub fn check_fixture_rows(store: &mut Store) {
    let want = fixture_records();
    let name = "registry.example.com/shop/api";
    let runs = store.runs(name).unwrap();
    assert!(runs.len() >= 3, "{runs:?}");
    for (i, w) in want.iter().enumerate() {
        assert_eq!(runs[i], (RunId(i as i64 + 1), w.clone()));
    }
    assert_eq!(
        store.baseline(name, "feature/slim").unwrap().as_ref(),
        Some(&want[2])
    );
}

/// A migration 2 as a later Plimsoll might add: a column with a default,
/// a new table, an index — none of which may lose rows.
pub const TEST_MIGRATION_2: Migration = Migration {
    version: 2,
    summary: "test: a column, a table and an index",
    sqlite: "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT NOT NULL DEFAULT 'linux/amd64';\n\
             CREATE TABLE plimsoll_budgets (name TEXT PRIMARY KEY, max_bytes INTEGER NOT NULL);\n\
             CREATE INDEX plimsoll_runs_by_digest ON plimsoll_runs (digest);",
    postgres: "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT NOT NULL DEFAULT 'linux/amd64';\n\
               CREATE TABLE plimsoll_budgets (name TEXT PRIMARY KEY, max_bytes BIGINT NOT NULL);\n\
               CREATE INDEX plimsoll_runs_by_digest ON plimsoll_runs (digest);",
};

pub fn migrations_1_2() -> Vec<Migration> {
    let mut v = MIGRATIONS.to_vec();
    assert_eq!(
        v.len(),
        1,
        "migration 2 exists now: make TEST_MIGRATION_2 version 3"
    );
    v.push(TEST_MIGRATION_2);
    v
}

/// Starts `writers` stress processes writing `rows` runs each into `spec`,
/// all released at once, and waits for them. Returns the wall time.
pub fn run_stress(spec: &str, writers: u32, rows: u32, scratch: &Path) -> Duration {
    let go = scratch.join(format!("go-{}", std::process::id()));
    let _ = std::fs::remove_file(&go);
    let children: Vec<(u32, Child)> = (0..writers)
        .map(|w| {
            let child = Command::new(env!("CARGO_BIN_EXE_plimsoll-history-stress"))
                .args([
                    "--store",
                    spec,
                    "--writer",
                    &w.to_string(),
                    "--rows",
                    &rows.to_string(),
                ])
                .arg("--wait-for")
                .arg(&go)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn plimsoll-history-stress");
            (w, child)
        })
        .collect();
    // Let every process reach its wait loop, then release them together.
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    std::fs::write(&go, b"go").unwrap();
    let mut failures = Vec::new();
    for (w, child) in children {
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            failures.push(format!(
                "writer {w}: {}\nstdout: {}\nstderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let took = start.elapsed();
    let _ = std::fs::remove_file(&go);
    assert!(
        failures.is_empty(),
        "stress writers failed:\n{}",
        failures.join("\n")
    );
    took
}

/// Every stress row is there exactly once and whole (layers and
/// directories as written), per writer in order.
pub fn check_stress(store: &mut Store, writers: u32, rows: u32) {
    let total = u64::from(writers) * u64::from(rows);
    assert_eq!(store.count().unwrap(), total, "rows lost or duplicated");
    let runs = store.runs(stress::NAME).unwrap();
    assert_eq!(runs.len() as u64, total);
    let mut seen = BTreeSet::new();
    for (id, r) in &runs {
        let w: u32 = r
            .branch
            .strip_prefix("writer-")
            .and_then(|s| s.parse().ok())
            .expect("branch");
        let i: u32 = r
            .tag
            .as_deref()
            .and_then(|t| t.strip_prefix('v'))
            .and_then(|s| s.parse().ok())
            .expect("tag");
        let want = stress::record(w, i);
        assert_eq!(r.layers.len(), want.layers.len(), "run {id}: layer count");
        assert_eq!(r.dirs.len(), want.dirs.len(), "run {id}: directory count");
        assert_eq!(r, &want, "run {id}");
        assert!(seen.insert((w, i)), "run {id}: ({w}, {i}) twice");
    }
    assert_eq!(seen.len() as u64, total);
    for w in 0..writers {
        let h = store
            .history(stress::NAME, Some(&stress::branch(w)), usize::MAX)
            .unwrap();
        let order: Vec<String> = h.iter().map(|r| r.tag.clone().unwrap()).collect();
        let want: Vec<String> = (0..rows).map(|i| format!("v{i}")).collect();
        assert_eq!(order, want, "writer {w}");
        assert_eq!(
            store.baseline(stress::NAME, &stress::branch(w)).unwrap(),
            Some(stress::record(w, rows - 1))
        );
    }
}
