//! The PostgreSQL back end against a real server: the URL comes from
//! `PLIMSOLL_POSTGRES_URL` (scripts/postgres.sh starts a throwaway cluster
//! and prints it; scripts/test.sh exports it). These tests FAIL when it is
//! unset. Each test works in a database of its own, created fresh.

mod common;

use common::*;
use plimsoll_history::{Error, Location, Store, StoreSpec, stress};
use postgres::{Client, NoTls};

fn base_url() -> String {
    match std::env::var("PLIMSOLL_POSTGRES_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => panic!(
            "PLIMSOLL_POSTGRES_URL is not set: start a server with \
             `export PLIMSOLL_POSTGRES_URL=$(scripts/postgres.sh start | tail -n 1)` \
             (scripts/test.sh does this)"
        ),
    }
}

/// `url` with its database name replaced.
fn with_db(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let host_start = head[after_scheme..]
        .rfind('@')
        .map_or(after_scheme, |i| after_scheme + i + 1);
    let path_start = head[host_start..]
        .find('/')
        .map_or(head.len(), |i| host_start + i);
    let mut out = format!("{}/{db}", &head[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fresh, empty database for one test, dropped when the test ends.
struct TestDb {
    url: String,
    name: String,
}

impl std::ops::Deref for TestDb {
    type Target = String;
    fn deref(&self) -> &String {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&base_url(), NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn fresh_db(test: &str) -> TestDb {
    let base = base_url();
    let name = format!("plimsoll_{test}_{}", std::process::id());
    let mut admin = Client::connect(&base, NoTls)
        .unwrap_or_else(|e| panic!("connecting to PLIMSOLL_POSTGRES_URL {base}: {e}"));
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    TestDb {
        url: with_db(&base, &name),
        name,
    }
}

fn raw(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap()
}

#[test]
fn url_rewriting() {
    assert_eq!(
        with_db("postgres://p@127.0.0.1:5/postgres", "x"),
        "postgres://p@127.0.0.1:5/x"
    );
    assert_eq!(
        with_db("postgresql://u:p@h/db?sslmode=disable", "x"),
        "postgresql://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_db("postgres://h:1", "x"), "postgres://h:1/x");
}

#[test]
fn round_trip_and_reopen() {
    let url = fresh_db("round_trip");
    let mut store = Store::open(Some(&url)).unwrap();
    assert!(matches!(store.location(), Location::Postgres(_)));
    assert_eq!(store.schema_version().unwrap(), LATEST);
    round_trip(&mut store);
    let before = store.history("app", None, usize::MAX).unwrap();
    drop(store);
    let url2 = url.replacen("postgres://", "postgresql://", 1);
    let mut store = Store::open(Some(&url2)).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST);
    assert_eq!(store.history("app", None, usize::MAX).unwrap(), before);
    let versions: Vec<i64> = raw(&url)
        .query(
            "SELECT version FROM plimsoll_schema_version ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1, 2]);
}

#[test]
fn the_largest_files_round_trip() {
    let url = fresh_db("files");
    let mut store = Store::open_postgres(&url).unwrap();
    files_round_trip(&mut store);
    let before = store.runs("files/app").unwrap();
    drop(store);
    let mut store = Store::open_postgres(&url).unwrap();
    assert_eq!(store.runs("files/app").unwrap(), before);
    let mut c = raw(&url);
    let row = c
        .query_one(
            "SELECT (SELECT COUNT(*) FROM plimsoll_run_files), (SELECT SUM(file_count)::BIGINT FROM plimsoll_runs)",
            &[],
        )
        .unwrap();
    let want = before.iter().map(|(_, r)| r.files.len()).sum::<usize>() as i64;
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (want, want));
    // Deleting a run deletes its files.
    c.execute("DELETE FROM plimsoll_runs WHERE id = $1", &[&before[0].0.0])
        .unwrap();
    let left: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM plimsoll_run_files WHERE run_id = $1",
            &[&before[0].0.0],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

/// Columns (table, name, type, nullable, default) of the plimsoll tables,
/// and their constraints and indexes.
fn schema(c: &mut Client) -> Vec<String> {
    let mut out: Vec<String> = c
        .query(
            "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable::TEXT, \
             COALESCE(column_default::TEXT, ''), is_identity::TEXT \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name LIKE 'plimsoll_run%' ORDER BY table_name, ordinal_position",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| {
            let f: Vec<String> = (0..6).map(|i| r.get::<_, String>(i)).collect();
            f.join(" ")
        })
        .collect();
    out.extend(
        c.query(
            "SELECT conrelid::regclass::TEXT || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid::regclass::TEXT LIKE 'plimsoll_run%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0)),
    );
    out.extend(
        c.query(
            "SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'plimsoll_run%' ORDER BY indexname",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0)),
    );
    out
}

#[test]
fn migrates_a_version_1_database_to_version_2_keeping_its_rows() {
    let url = fresh_db("v1");
    raw(&url)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let mut store = Store::open_postgres(&url).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    check_fixture_rows(&mut store);
    let name = "registry.example.com/shop/api";
    let old = store.runs(name).unwrap();
    assert!(old.iter().all(|(_, r)| r.files.is_empty()), "{old:?}");
    let new = sample(name, "main", "2026-02-01T00:00:00Z", 9);
    assert_eq!(new.files.len(), 3);
    let id = store.record(&new).unwrap();
    assert_eq!(id.0, 4);
    assert_eq!(store.baseline(name, "main").unwrap(), Some(new));
    files_round_trip(&mut store);
    check_fixture_rows(&mut store);
    drop(store);

    let mut c = raw(&url);
    let counts: Vec<i64> = c
        .query(
            "SELECT file_count FROM plimsoll_runs WHERE id <= 4 ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(counts, vec![0, 0, 0, 3]);
    let old_files: i64 = c
        .query_one(
            "SELECT COUNT(*) FROM plimsoll_run_files WHERE run_id <= 3",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(old_files, 0);
    let versions: Vec<(i64, String)> = c
        .query(
            "SELECT version, tool_version FROM plimsoll_schema_version ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, "0.1.0".to_string()),
            (2, env!("CARGO_PKG_VERSION").to_string())
        ]
    );

    // The migrated database has the schema of one created by this build.
    let fresh = fresh_db("v1_fresh");
    drop(Store::open_postgres(&fresh).unwrap());
    let got = schema(&mut c);
    assert!(
        got.iter().any(|l| l.contains("plimsoll_run_files")
            && l.contains("REFERENCES plimsoll_runs(id) ON DELETE CASCADE")),
        "{got:#?}"
    );
    assert_eq!(got, schema(&mut raw(&fresh)));
}

#[test]
fn a_future_migration_3_keeps_the_rows_of_version_1_and_2_databases() {
    let migrations = migrations_1_to_3();
    let name = "registry.example.com/shop/api";

    // Version 2 with files (version 1 migrated by this build, then written
    // to) goes to version 3 with its files intact.
    let v2 = fresh_db("v2_to_v3");
    raw(&v2)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let with_files = sample(name, "main", "2026-02-01T00:00:00Z", 9);
    Store::open_postgres(&v2)
        .unwrap()
        .record(&with_files)
        .unwrap();
    let mut store =
        Store::open_with_migrations(&StoreSpec::Postgres(v2.to_string()), &migrations).unwrap();
    assert_eq!(store.schema_version().unwrap(), 3);
    check_fixture_rows(&mut store);
    assert_eq!(store.baseline(name, "main").unwrap(), Some(with_files));
    drop(store);

    // Version 1 goes to version 3 in one step.
    let url = fresh_db("v1_to_v3");
    raw(&url)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let spec = StoreSpec::Postgres(url.clone());
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.schema_version().unwrap(), 3);
    check_fixture_rows(&mut store);
    store
        .record(&sample(
            "registry.example.com/shop/api",
            "main",
            "2026-02-01T00:00:00Z",
            9,
        ))
        .unwrap();
    drop(store);
    let mut c = raw(&url);
    let platforms: Vec<String> = c
        .query("SELECT platform FROM plimsoll_runs ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(platforms, vec!["linux/amd64"; 4]);
    let versions: Vec<(i64, String)> = c
        .query(
            "SELECT version, tool_version FROM plimsoll_schema_version ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, "0.1.0".to_string()),
            (2, env!("CARGO_PKG_VERSION").to_string()),
            (3, env!("CARGO_PKG_VERSION").to_string())
        ]
    );

    // This build (migrations up to 2) refuses the newer database.
    let err = Store::open_postgres(&url).unwrap_err();
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
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.count().unwrap(), 4);
}

#[test]
fn a_failed_migration_leaves_the_database_as_it_was() {
    let url = fresh_db("failed_migration");
    raw(&url)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let mut broken = migrations_1_to_3();
    broken[2].postgres =
        "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT; SELECT no_such_function();";
    let msg = Store::open_with_migrations(&StoreSpec::Postgres(url.clone()), &broken)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("migration 3")
            && msg.contains("no_such_function")
            && msg.contains("SQLSTATE 42883"),
        "{msg}"
    );
    let cols: i64 = raw(&url)
        .query_one(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'plimsoll_runs' AND column_name = 'platform'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(cols, 0);
    // Migration 2, which succeeded, went with it: one transaction.
    let files_table: bool = raw(&url)
        .query_one("SELECT to_regclass('plimsoll_run_files') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(!files_table, "migration 2 was rolled back too");
    let versions: i64 = raw(&url)
        .query_one("SELECT MAX(version) FROM plimsoll_schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(versions, 1);
    let mut store = Store::open_postgres(&url).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    check_fixture_rows(&mut store);
}

#[test]
fn a_failing_write_stores_nothing_and_says_why() {
    let url = fresh_db("failing_write");
    let mut store = Store::open_postgres(&url).unwrap();
    store
        .record(&sample("app", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    raw(&url)
        .batch_execute(
            "ALTER TABLE plimsoll_run_dirs ADD CONSTRAINT quota CHECK (bytes <> 70000002)",
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
        msg.contains("quota")
            && msg.contains("SQLSTATE 23514")
            && msg.contains("PostgreSQL history database postgres://"),
        "{msg}"
    );
    assert_eq!(store.count().unwrap(), 1);
    let layers: i64 = raw(&url)
        .query_one("SELECT COUNT(*) FROM plimsoll_run_layers", &[])
        .unwrap()
        .get(0);
    assert_eq!(layers, 3, "the failed run's layers were rolled back");

    // The file rows fail after the run, layer and directory rows went in.
    raw(&url)
        .batch_execute(
            "ALTER TABLE plimsoll_run_dirs DROP CONSTRAINT quota; \
             ALTER TABLE plimsoll_run_files ADD CONSTRAINT file_quota CHECK (bytes <> 40000003)",
        )
        .unwrap();
    let msg = store
        .record(&sample("app", "main", "2026-02-03T00:00:00Z", 3))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("file_quota"), "{msg}");
    assert_eq!(store.count().unwrap(), 1);
    let mut c = raw(&url);
    let mut rows = |table: &str| -> i64 {
        c.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .unwrap()
            .get(0)
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

    // Text PostgreSQL cannot hold is refused before sending anything.
    let mut bad = sample("app", "main", "2026-02-02T00:00:00Z", 2);
    bad.layers[1].created_by = Some("RUN echo \0".into());
    let msg = store.record(&bad).unwrap_err().to_string();
    assert!(
        msg.contains("layers[1].created_by") && msg.contains("NUL"),
        "{msg}"
    );
    let mut bad = sample("app", "main", "2026-02-02T00:00:00Z", 2);
    bad.files.insert("/bin/a\0b".into(), 1);
    let msg = store.record(&bad).unwrap_err().to_string();
    assert!(
        msg.contains(r#"files["/bin/a\0b"]"#) && msg.contains("NUL"),
        "{msg}"
    );
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn connection_errors_name_the_server_without_the_password() {
    // Nothing listens on port 1 of the loopback address.
    let err = Store::open(Some("postgres://ci:hunter2@127.0.0.1:1/history")).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            Error::Database {
                action: "connecting",
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains("postgres://ci:***@127.0.0.1:1/history"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");

    let missing = with_db(&base_url(), "plimsoll_no_such_database");
    let msg = Store::open_postgres(&missing).unwrap_err().to_string();
    assert!(
        msg.contains("plimsoll_no_such_database") && msg.contains("SQLSTATE 3D000"),
        "{msg}"
    );

    let msg = Store::open(Some("postgres://h:notaport/db"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("history store `postgres://h:notaport/db`"),
        "{msg}"
    );
}

#[test]
fn damaged_rows_are_reported_not_returned() {
    let url = fresh_db("damaged");
    let mut store = Store::open_postgres(&url).unwrap();
    let id = store
        .record(&sample("app", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    raw(&url)
        .execute(
            "DELETE FROM plimsoll_run_dirs WHERE run_id = $1 AND path = '/etc'",
            &[&id.0],
        )
        .unwrap();
    let err = store.history("app", Some("main"), 10).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("run {id}: 2 directory rows, the run says 3")),
        "{err}"
    );

    let id = store
        .record(&sample("files", "main", "2026-02-01T00:00:00Z", 1))
        .unwrap();
    raw(&url)
        .execute(
            "DELETE FROM plimsoll_run_files WHERE run_id = $1 AND path = '/usr/local/bin/app'",
            &[&id.0],
        )
        .unwrap();
    let err = store.baseline("files", "main").unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("run {id}: 2 file rows, the run says 3")),
        "{err}"
    );
}

/// 16 processes × 40 runs into one fresh database, all released at once
/// (they also create the schema concurrently, serialised by the advisory
/// lock): every run is there once and whole.
#[test]
fn sixteen_processes_lose_no_row() {
    const WRITERS: u32 = 16;
    const ROWS: u32 = 40;
    let url = fresh_db("stress");
    let scratch = tempfile::tempdir().unwrap();
    let took = run_stress(&url, WRITERS, ROWS, scratch.path());
    let mut store = Store::open_postgres(&url).unwrap();
    check_stress(&mut store, WRITERS, ROWS);
    eprintln!(
        "postgres: {WRITERS} processes x {ROWS} runs in {took:?} ({:.0} runs/s)",
        f64::from(WRITERS * ROWS) / took.as_secs_f64()
    );
    assert_eq!(store.names().unwrap(), vec![stress::NAME.to_string()]);
    let versions: Vec<i64> = raw(&url)
        .query(
            "SELECT version FROM plimsoll_schema_version ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1, 2], "each migration applied once");
}
