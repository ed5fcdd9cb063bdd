//! The SQLite back end on real files: round trip (with the largest files
//! of migration 2), migrations from frozen version-0 and version-1 files
//! and to a future version 3, refusal of newer and foreign files, atomic
//! writes, waiting writers, and 16 concurrent writer processes.

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

    // Reopened through every spelling of the spec: same rows, latest schema, WAL.
    for spec in [
        path.display().to_string(),
        format!("sqlite:{}", path.display()),
        format!("sqlite://{}", path.display()),
    ] {
        let mut store = Store::open(Some(&spec)).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST);
        assert_eq!(store.history("app", None, usize::MAX).unwrap(), before);
    }
    let mode: String = raw(&path)
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(user_version(&path), LATEST);
}

#[test]
fn the_largest_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let mut store = Store::open_sqlite(&path).unwrap();
    files_round_trip(&mut store);
    let before = store.runs("files/app").unwrap();
    drop(store);
    let mut store = Store::open_sqlite(&path).unwrap();
    assert_eq!(store.runs("files/app").unwrap(), before);
    // One row per file, and file_count agrees.
    let conn = raw(&path);
    let (rows, counted): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM plimsoll_run_files), (SELECT SUM(file_count) FROM plimsoll_runs)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let want: usize = before.iter().map(|(_, r)| r.files.len()).sum();
    assert_eq!((rows, counted), (want as i64, want as i64));
    // Deleting a run deletes its files.
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    conn.execute("DELETE FROM plimsoll_runs WHERE id = ?1", [before[0].0.0])
        .unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM plimsoll_run_files WHERE run_id = ?1",
            [before[0].0.0],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
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
        assert_eq!(store.schema_version().unwrap(), LATEST);
        round_trip(&mut store);
        drop(store);
        assert_eq!(user_version(path), LATEST);
    }
}

/// Builds the frozen version-1 file of `tests/fixtures/`.
fn v1_file(path: &Path) {
    raw(path)
        .execute_batch(include_str!("fixtures/history-v1.sqlite.sql"))
        .unwrap();
    assert_eq!(user_version(path), 1);
}

/// The columns (name, type, not null, default, primary key) of a table.
fn columns(conn: &Connection, table: &str) -> Vec<(String, String, bool, Option<String>, i64)> {
    conn.prepare(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
    )
    .unwrap()
    .query_map([table], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Tables and indexes of a file (names only).
fn schema_names(conn: &Connection) -> Vec<(String, String)> {
    conn.prepare(
        "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn migrates_a_version_1_file_to_version_2_keeping_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_file(&path);
    let mut store = Store::open_sqlite(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    check_fixture_rows(&mut store);
    let want = fixture_records();
    let name = "registry.example.com/shop/api";
    assert_eq!(
        store.baseline(name, "main").unwrap().as_ref(),
        Some(&want[1])
    );
    let old = store.runs(name).unwrap();
    assert!(old.iter().all(|(_, r)| r.files.is_empty()), "{old:?}");
    // And it takes new rows, with files, after the old ones.
    let new = sample(name, "main", "2026-02-01T00:00:00Z", 9);
    assert_eq!(new.files.len(), 3);
    let id = store.record(&new).unwrap();
    assert_eq!(id.0, 4);
    assert_eq!(store.baseline(name, "main").unwrap(), Some(new.clone()));
    files_round_trip(&mut store);
    check_fixture_rows(&mut store);
    drop(store);
    assert_eq!(user_version(&path), 2);

    // The old rows took file_count 0; the file table holds only new files.
    let conn = raw(&path);
    let counts: Vec<i64> = conn
        .prepare("SELECT file_count FROM plimsoll_runs WHERE id <= 4 ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(counts, vec![0, 0, 0, 3]);
    let old_files: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM plimsoll_run_files WHERE run_id <= 3",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(old_files, 0);

    // The migrated file has the schema of a file created by this build.
    let fresh_path = dir.path().join("fresh.db");
    drop(Store::open_sqlite(&fresh_path).unwrap());
    let fresh = raw(&fresh_path);
    assert_eq!(schema_names(&conn), schema_names(&fresh));
    for table in [
        "plimsoll_runs",
        "plimsoll_run_layers",
        "plimsoll_run_dirs",
        "plimsoll_run_files",
    ] {
        assert_eq!(columns(&conn, table), columns(&fresh, table), "{table}");
    }
    let fk: String = fresh
        .query_row(
            "SELECT \"table\" || '.' || \"to\" || ' ' || on_delete FROM pragma_foreign_key_list('plimsoll_run_files')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(fk, "plimsoll_runs.id CASCADE");
}

#[test]
fn a_future_migration_3_keeps_the_rows_of_version_1_and_2_files() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = migrations_1_to_3();
    let name = "registry.example.com/shop/api";

    // A version-2 file with files in it (a version-1 file migrated by this
    // build, then written to) goes to version 3 with its files intact.
    let v2 = dir.path().join("v2.db");
    v1_file(&v2);
    let with_files = sample(name, "main", "2026-02-01T00:00:00Z", 9);
    let mut store = Store::open_sqlite(&v2).unwrap();
    store.record(&with_files).unwrap();
    drop(store);
    assert_eq!(user_version(&v2), 2);
    let mut store =
        Store::open_with_migrations(&StoreSpec::Sqlite(v2.clone()), &migrations).unwrap();
    assert_eq!(store.schema_version().unwrap(), 3);
    check_fixture_rows(&mut store);
    assert_eq!(store.baseline(name, "main").unwrap(), Some(with_files));
    drop(store);

    // A version-1 file goes to version 3 in one step.
    let path = dir.path().join("v1.db");
    v1_file(&path);
    let spec = StoreSpec::Sqlite(path.clone());
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.schema_version().unwrap(), 3);
    check_fixture_rows(&mut store);
    store
        .record(&sample(name, "main", "2026-02-01T00:00:00Z", 9))
        .unwrap();
    assert_eq!(store.count().unwrap(), 4);
    drop(store);
    assert_eq!(user_version(&path), 3);
    // Migration 3's column took its default on the old rows.
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

    // This build (migrations up to 2) refuses the newer file, untouched.
    let bytes = std::fs::read(&path).unwrap();
    let err = Store::open_sqlite(&path).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema {
                found: 3,
                supported: 2,
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
    // … and reopening with all three migrations is a no-op.
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.count().unwrap(), 4);
}

#[test]
fn a_failed_migration_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    v1_file(&path);
    let mut broken = migrations_1_to_3();
    broken[2].sqlite =
        "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT; SELECT no_such_function();";
    let err = Store::open_with_migrations(&StoreSpec::Sqlite(path.clone()), &broken).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("migration 3") && msg.contains("no_such_function"),
        "{msg}"
    );
    assert_eq!(user_version(&path), 1);
    // Migration 2, which succeeded, went with it: one transaction.
    let tables: i64 = raw(&path)
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'plimsoll_run_files'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "migration 2 was rolled back too");
    let cols: i64 = raw(&path)
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('plimsoll_runs') WHERE name = 'platform'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(cols, 0, "the half-applied migration was rolled back");
    let mut store = Store::open_sqlite(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    check_fixture_rows(&mut store);
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

    // The file rows fail after the run, layer and directory rows went in.
    let conn = raw(&path);
    conn.execute_batch(
        "DROP TRIGGER refuse; \
         CREATE TRIGGER refuse_files BEFORE INSERT ON plimsoll_run_files WHEN NEW.bytes = 40000003 \
         BEGIN SELECT RAISE(ABORT, 'file quota says no'); END;",
    )
    .unwrap();
    let msg = store
        .record(&sample("app", "main", "2026-02-03T00:00:00Z", 3))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("file quota says no"), "{msg}");
    assert_eq!(store.count().unwrap(), 1);
    let rows = |table: &str| -> i64 {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        (
            rows("plimsoll_run_layers"),
            rows("plimsoll_run_dirs"),
            rows("plimsoll_run_files")
        ),
        (3, 3, 3),
        "the failed run's layers, directories and files were rolled back"
    );
    drop(conn);

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

    // A missing file row, and a negative file size.
    let id = store
        .record(&sample("files", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    let conn = raw(&path);
    conn.execute(
        "DELETE FROM plimsoll_run_files WHERE run_id = ?1 AND path = '/usr/local/bin/app'",
        [id.0],
    )
    .unwrap();
    let err = store.get(id).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("run {id}: 2 file rows, the run says 3")),
        "{err}"
    );
    // SQLite checks CHECK constraints unless told not to; a damaged file
    // may still hold such a row.
    conn.execute_batch("PRAGMA ignore_check_constraints = ON")
        .unwrap();
    conn.execute(
        "UPDATE plimsoll_runs SET file_count = 2 WHERE id = ?1",
        [id.0],
    )
    .unwrap();
    assert_eq!(store.get(id).unwrap().unwrap().files.len(), 2);
    conn.execute(
        "UPDATE plimsoll_run_files SET bytes = -1 WHERE run_id = ?1 AND path = '/etc/app/it''s \"quoted\" ünïcödé.conf'",
        [id.0],
    )
    .unwrap();
    let msg = store.get(id).unwrap_err().to_string();
    assert!(msg.contains("a file size is negative (-1)"), "{msg}");
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
