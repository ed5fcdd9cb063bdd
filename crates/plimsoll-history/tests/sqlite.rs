//! The SQLite back end on real files: round trip, migrations from frozen
//! version-0 and version-1 files, refusal of newer and foreign files,
//! atomic writes, waiting writers, and 16 concurrent writer processes.

mod common;

use common::*;
use plimsoll_history::{Error, Location, Store, StoreSpec, stress};
use rusqlite::Connection;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

fn user_version(path: &Path) -> i64 {
    raw(path)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn round_trip_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open_sqlite(&path).unwrap();
    assert_eq!(store.location(), &Location::Sqlite(path.clone()));
    round_trip(&mut store);
    let before = store.history("app", None, usize::MAX).unwrap();
    drop(store);

    // Reopened through every spelling of the spec: same rows, schema 1, WAL.
    for spec in [
        path.display().to_string(),
        format!("sqlite:{}", path.display()),
        format!("sqlite://{}", path.display()),
    ] {
        let mut store = Store::open(Some(&spec)).unwrap();
        assert_eq!(store.schema_version().unwrap(), 1);
        assert_eq!(store.history("app", None, usize::MAX).unwrap(), before);
    }
    let mode: String = raw(&path)
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(user_version(&path), 1);
}

#[test]
fn parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/history.db");
    let mut store = Store::open(Some(&format!("sqlite:{}", path.display()))).unwrap();
    store
        .record(&sample("app", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    assert!(path.is_file());
}

#[test]
fn the_default_file_follows_xdg_data_home_then_home() {
    // Through the stress binary, so this process's environment is untouched.
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_plimsoll-history-stress");
    let xdg = dir.path().join("xdg");
    let out = Command::new(bin)
        .args(["--writer", "1", "--rows", "2"])
        .env("XDG_DATA_HOME", &xdg)
        .env("HOME", dir.path().join("home-unused"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = xdg.join("plimsoll/history.db");
    assert_eq!(Store::open_sqlite(&file).unwrap().count().unwrap(), 2);
    assert!(!dir.path().join("home-unused").exists());

    let home = dir.path().join("home");
    let out = Command::new(bin)
        .args(["--writer", "1", "--rows", "3"])
        .env("XDG_DATA_HOME", "relative/is/ignored")
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = home.join(".local/share/plimsoll/history.db");
    assert_eq!(Store::open_sqlite(&file).unwrap().count().unwrap(), 3);

    let out = Command::new(bin)
        .args(["--writer", "1", "--rows", "1"])
        .env_remove("XDG_DATA_HOME")
        .env_remove("HOME")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("neither XDG_DATA_HOME nor HOME"), "{err}");
}

#[test]
fn migrates_a_version_0_file() {
    let dir = tempfile::tempdir().unwrap();
    // An empty file, and a SQLite file with no tables and user_version 0
    // (in rollback-journal mode, as an old tool may have left it).
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let bare = dir.path().join("bare.db");
    raw(&bare)
        .execute_batch("PRAGMA journal_mode=DELETE; PRAGMA user_version=0; VACUUM;")
        .unwrap();
    for path in [&empty, &bare] {
        assert_eq!(user_version(path), 0);
        let mut store = Store::open_sqlite(path).unwrap();
        assert_eq!(store.schema_version().unwrap(), 1);
        round_trip(&mut store);
        drop(store);
        assert_eq!(user_version(path), 1);
    }
}

/// Builds the frozen version-1 file of `tests/fixtures/`.
fn v1_file(path: &Path) {
    raw(path)
        .execute_batch(include_str!("fixtures/history-v1.sqlite.sql"))
        .unwrap();
    assert_eq!(user_version(path), 1);
}

#[test]
fn opens_a_version_1_file_and_keeps_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_file(&path);
    let mut store = Store::open_sqlite(&path).unwrap();
    check_fixture_rows(&mut store);
    let want = fixture_records();
    assert_eq!(
        store
            .baseline("registry.example.com/shop/api", "main")
            .unwrap()
            .as_ref(),
        Some(&want[1])
    );
    // And it takes new rows after the old ones.
    let id = store
        .record(&sample(
            "registry.example.com/shop/api",
            "main",
            "2026-02-01T00:00:00Z",
            9,
        ))
        .unwrap();
    assert_eq!(id.0, 4);
}

#[test]
fn migration_2_keeps_the_rows_of_a_version_1_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_file(&path);
    let migrations = migrations_1_2();
    let spec = StoreSpec::Sqlite(path.clone());
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    check_fixture_rows(&mut store);
    store
        .record(&sample(
            "registry.example.com/shop/api",
            "main",
            "2026-02-01T00:00:00Z",
            9,
        ))
        .unwrap();
    assert_eq!(store.count().unwrap(), 4);
    drop(store);
    assert_eq!(user_version(&path), 2);
    // Migration 2's column took its default on the old rows.
    let conn = raw(&path);
    let platforms: Vec<String> = conn
        .prepare("SELECT platform FROM plimsoll_runs ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(platforms, vec!["linux/amd64"; 4]);
    drop(conn);

    // This build (migrations up to 1) refuses the newer file, untouched.
    let bytes = std::fs::read(&path).unwrap();
    let err = Store::open_sqlite(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("newer Plimsoll"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    // … and reopening with both migrations is a no-op.
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.count().unwrap(), 4);
}

#[test]
fn a_failed_migration_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_file(&path);
    let mut broken = migrations_1_2();
    broken[1].sqlite =
        "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT; SELECT no_such_function();";
    let err = Store::open_with_migrations(&StoreSpec::Sqlite(path.clone()), &broken).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("migration 2") && msg.contains("no_such_function"),
        "{msg}"
    );
    assert_eq!(user_version(&path), 1);
    let cols: i64 = raw(&path)
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('plimsoll_runs') WHERE name = 'platform'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cols, 0, "the half-applied migration was rolled back");
    check_fixture_rows(&mut Store::open_sqlite(&path).unwrap());
}

#[test]
fn refuses_files_that_are_not_history_databases() {
    let dir = tempfile::tempdir().unwrap();

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x5au8; 8192]).unwrap();
    let err = Store::open_sqlite(&junk).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Database { .. }), "{msg}");
    assert!(
        msg.contains(&junk.display().to_string()) && msg.contains("SQLITE_NOTADB"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&junk).unwrap(), vec![0x5au8; 8192]);

    let foreign = dir.path().join("foreign.db");
    raw(&foreign)
        .execute_batch("CREATE TABLE accounts (id INTEGER); INSERT INTO accounts VALUES (1);")
        .unwrap();
    let msg = Store::open_sqlite(&foreign).unwrap_err().to_string();
    assert!(msg.contains("not a Plimsoll history database"), "{msg}");
    assert_eq!(user_version(&foreign), 0);

    let msg = Store::open_sqlite(dir.path()).unwrap_err().to_string();
    assert!(msg.contains("is a directory"), "{msg}");

    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open_sqlite(file.join("sub/history.db")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&file.join("sub").display().to_string()),
        "{err}"
    );

    let msg = Store::open(Some("mysql://root:hunter2@db/h"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("unknown store scheme `mysql:`") && !msg.contains("hunter2"),
        "{msg}"
    );
}

#[test]
fn a_failing_write_stores_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open_sqlite(&path).unwrap();
    store
        .record(&sample("app", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    // The directory rows fail after the run and layer rows went in.
    raw(&path)
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON plimsoll_run_dirs WHEN NEW.bytes > 1000000 \
             BEGIN SELECT RAISE(ABORT, 'disk quota says no'); END;",
        )
        .unwrap();
    let err = store
        .record(&sample("app", "main", "2026-02-02T00:00:00Z", 2))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            Error::Database {
                action: "recording a run",
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("disk quota says no"),
        "{msg}"
    );
    assert_eq!(store.count().unwrap(), 1);
    let layers: i64 = raw(&path)
        .query_row("SELECT COUNT(*) FROM plimsoll_run_layers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(layers, 3, "the failed run's layers were rolled back");

    // Invalid records are refused before touching the database.
    let mut bad = sample("app", "main", "2026-02-02T00:00:00Z", 2);
    bad.compressed_bytes = u64::MAX;
    let msg = store.record(&bad).unwrap_err().to_string();
    assert!(
        msg.contains("compressed_bytes") && msg.contains("not stored"),
        "{msg}"
    );
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn damaged_rows_are_reported_not_returned() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open_sqlite(&path).unwrap();
    let id = store
        .record(&sample("app", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    raw(&path)
        .execute(
            "DELETE FROM plimsoll_run_layers WHERE run_id = ?1 AND layer_index = 1",
            [id.0],
        )
        .unwrap();
    let err = store.baseline("app", "main").unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("run {id}: 2 layer rows, the run says 3")),
        "{err}"
    );

    raw(&path)
        .execute(
            "UPDATE plimsoll_runs SET recorded_at = 'yesterday', layer_count = 2 WHERE id = ?1",
            [id.0],
        )
        .unwrap();
    let msg = store.history("app", None, 5).unwrap_err().to_string();
    assert!(msg.contains("`yesterday` is not an RFC 3339"), "{msg}");
}

#[test]
fn a_writer_waits_for_the_lock_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open_sqlite(&path).unwrap();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = {
        let path = path.clone();
        std::thread::spawn(move || {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(1500));
            conn.execute_batch("COMMIT").unwrap();
        })
    };
    locked_rx.recv().unwrap();
    let start = Instant::now();
    store
        .record(&sample("app", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    let waited = start.elapsed();
    holder.join().unwrap();
    assert!(
        waited >= Duration::from_millis(1000),
        "did not wait: {waited:?}"
    );
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn a_writer_locked_out_too_long_gets_a_busy_error_and_nothing_is_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open_sqlite(&path).unwrap();
    store.set_busy_timeout(Duration::from_millis(10)).unwrap();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = {
        let path = path.clone();
        std::thread::spawn(move || {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked_tx.send(()).unwrap();
            // Longer than every retry pause together (< 5 s).
            std::thread::sleep(Duration::from_secs(7));
            conn.execute_batch("COMMIT").unwrap();
        })
    };
    locked_rx.recv().unwrap();
    let record = sample("app", "main", "2026-02-01T00:00:00Z", 1);
    let err = store.record(&record).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            Error::Busy {
                attempts: plimsoll_history::MAX_WRITE_ATTEMPTS,
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("still locked by other writers"),
        "{msg}"
    );
    holder.join().unwrap();
    assert_eq!(store.count().unwrap(), 0);
    // The caller still has the record and can store it now.
    store.record(&record).unwrap();
    assert_eq!(store.baseline("app", "main").unwrap(), Some(record));
}

/// 16 processes × 40 runs into one file, all released at once (they also
/// create and migrate the file concurrently): every run is there once and
/// whole.
#[test]
fn sixteen_processes_lose_no_row() {
    const WRITERS: u32 = 16;
    const ROWS: u32 = 40;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared/history.db");
    let took = run_stress(
        &format!("sqlite:{}", path.display()),
        WRITERS,
        ROWS,
        dir.path(),
    );
    let mut store = Store::open_sqlite(&path).unwrap();
    check_stress(&mut store, WRITERS, ROWS);
    eprintln!(
        "sqlite: {WRITERS} processes x {ROWS} runs in {took:?} ({:.0} runs/s)",
        f64::from(WRITERS * ROWS) / took.as_secs_f64()
    );
    assert_eq!(store.names().unwrap(), vec![stress::NAME.to_string()]);
}
