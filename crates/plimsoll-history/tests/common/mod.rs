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

/// A record with a few layers, directories and files; `n` varies the
/// sizes.
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
    let mut files = BTreeMap::new();
    files.insert("/usr/lib/libbig.so.1".to_string(), 40_000_000 + n);
    files.insert("/usr/local/bin/app".to_string(), 3_000 + n);
    files.insert("/etc/app/it's \"quoted\" ünïcödé.conf".to_string(), 7);
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
        files,
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
    bare.files.clear();

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

/// The three runs of `tests/fixtures/history-v1.*.sql` (schema version 1
/// had no files, so every `files` is empty).
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
            files: BTreeMap::new(),
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
            files: BTreeMap::new(),
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
            files: BTreeMap::new(),
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

/// A migration 3 as a later Plimsoll might add: a column with a default,
/// a new table, an index — none of which may lose rows.
pub const TEST_MIGRATION_3: Migration = Migration {
    version: 3,
    summary: "test: a column, a table and an index",
    sqlite: "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT NOT NULL DEFAULT 'linux/amd64';\n\
             CREATE TABLE plimsoll_budgets (name TEXT PRIMARY KEY, max_bytes INTEGER NOT NULL);\n\
             CREATE INDEX plimsoll_runs_by_digest ON plimsoll_runs (digest);",
    postgres: "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT NOT NULL DEFAULT 'linux/amd64';\n\
               CREATE TABLE plimsoll_budgets (name TEXT PRIMARY KEY, max_bytes BIGINT NOT NULL);\n\
               CREATE INDEX plimsoll_runs_by_digest ON plimsoll_runs (digest);",
};

/// This build's migrations (1 and 2) followed by [`TEST_MIGRATION_3`].
pub fn migrations_1_to_3() -> Vec<Migration> {
    let mut v = MIGRATIONS.to_vec();
    assert_eq!(
        v.len(),
        2,
        "migration 3 exists now: make TEST_MIGRATION_3 version 4"
    );
    v.push(TEST_MIGRATION_3);
    v
}

/// The schema version this build writes.
pub const LATEST: i64 = 2;

/// The round trip of the largest files (migration 2): many files, odd
/// paths, the extreme sizes, through get, baseline, history and runs; a
/// candidate whose files grew against its baseline; invalid files refused
/// before anything is stored. Expects a store without runs of `files/app`.
pub fn files_round_trip(store: &mut Store) {
    assert_eq!(plimsoll_history::migrate::latest(MIGRATIONS), LATEST);
    let before = store.count().unwrap();
    let mut base = sample("files/app", "main", "2026-03-01T00:00:00Z", 1);
    // The 50 largest files, as the caller would keep them.
    base.files = (0..50u64)
        .map(|n| {
            (
                format!("/usr/share/app/data-{n:02}.bin"),
                1_000_000 - n * 1_000,
            )
        })
        .collect();
    for (path, bytes) in [
        ("/opt/with space/and	tab", 5),
        (
            "/opt/new
line",
            6,
        ),
        ("/opt/日本語/ファイル", 7),
        ("/opt/quote'and\"double", 8),
        ("/opt/percent%and_underscore", 9),
        ("/empty", 0),
        ("/huge", i64::MAX as u64),
    ] {
        base.files.insert(path.to_string(), bytes);
    }
    let base_id = store.record(&base).unwrap();
    let got = store.get(base_id).unwrap().unwrap();
    assert_eq!(got.files.len(), 57);
    assert_eq!(got, base);

    // A candidate: one file grew, one is new, one went away.
    let mut cand = base.clone();
    cand.timestamp = ts("2026-03-02T00:00:00Z");
    cand.commit = Some("candidate".into());
    *cand.files.get_mut("/usr/share/app/data-00.bin").unwrap() += 5_000_000;
    cand.files
        .insert("/usr/share/app/new.bin".into(), 2_000_000);
    cand.files.remove("/usr/share/app/data-49.bin");
    let cand_id = store.record(&cand).unwrap();
    let baseline = store.baseline("files/app", "main").unwrap().unwrap();
    assert_eq!(baseline, cand);
    let history = store.history("files/app", Some("main"), 2).unwrap();
    assert_eq!(history, vec![base.clone(), cand.clone()]);
    let grew: Vec<(&str, u64, u64)> = history[1]
        .files
        .iter()
        .filter_map(|(p, now)| {
            let was = history[0].files.get(p).copied().unwrap_or(0);
            (*now > was).then_some((p.as_str(), was, *now))
        })
        .collect();
    assert_eq!(
        grew,
        vec![
            ("/usr/share/app/data-00.bin", 1_000_000, 6_000_000),
            ("/usr/share/app/new.bin", 0, 2_000_000),
        ]
    );
    assert_eq!(
        store.runs("files/app").unwrap(),
        vec![(base_id, base.clone()), (cand_id, cand.clone())]
    );

    // Files without layers or directories, and a run without files.
    let mut only_files = sample("files/app", "other", "2026-03-03T00:00:00Z", 2);
    only_files.layers.clear();
    only_files.dirs.clear();
    let id = store.record(&only_files).unwrap();
    assert_eq!(store.get(id).unwrap().as_ref(), Some(&only_files));
    let mut no_files = only_files.clone();
    no_files.files.clear();
    no_files.timestamp = ts("2026-03-04T00:00:00Z");
    let id = store.record(&no_files).unwrap();
    assert_eq!(store.get(id).unwrap().as_ref(), Some(&no_files));
    assert_eq!(store.count().unwrap(), before + 4);

    // Invalid files are refused, naming the file, and nothing is stored.
    let mut bad = cand.clone();
    bad.files.insert("/bin/a\0b".into(), 1);
    let err = store.record(&bad).unwrap_err();
    match &err {
        plimsoll_history::Error::InvalidRecord { field, .. } => {
            assert_eq!(field, "files[\"/bin/a\\0b\"]", "{err}")
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("NUL"), "{err}");
    let mut bad = cand.clone();
    bad.files.insert("/bin/too-big".into(), u64::MAX);
    let err = store.record(&bad).unwrap_err();
    assert!(
        matches!(&err, plimsoll_history::Error::InvalidRecord { field, .. } if field == "files[\"/bin/too-big\"]"),
        "{err}"
    );
    assert_eq!(store.count().unwrap(), before + 4);
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

/// Every stress row is there exactly once and whole (layers, directories
/// and files as written), per writer in order.
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
        assert_eq!(r.files, want.files, "run {id}: files");
        assert_eq!(r, &want, "run {id}");
        assert!(seen.insert((w, i)), "run {id}: ({w}, {i}) twice");
    }
    assert_eq!(seen.len() as u64, total);
    let files: usize = runs.iter().map(|(_, r)| r.files.len()).sum();
    let want_files: usize = (0..writers)
        .flat_map(|w| (0..rows).map(move |i| stress::record(w, i).files.len()))
        .sum();
    assert_eq!(files, want_files, "file rows lost or duplicated");
    assert!(files > 0, "the stress records carry files");
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
