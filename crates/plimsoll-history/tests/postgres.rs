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
    assert_eq!(store.schema_version().unwrap(), 1);
    round_trip(&mut store);
    let before = store.history("app", None, usize::MAX).unwrap();
    drop(store);
    let url2 = url.replacen("postgres://", "postgresql://", 1);
    let mut store = Store::open(Some(&url2)).unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
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
    assert_eq!(versions, vec![1]);
}

#[test]
fn opens_a_version_1_database_and_keeps_its_rows() {
    let url = fresh_db("v1");
    raw(&url)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let mut store = Store::open_postgres(&url).unwrap();
    check_fixture_rows(&mut store);
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
fn migration_2_keeps_the_rows_of_a_version_1_database() {
    let url = fresh_db("v1_to_v2");
    raw(&url)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let migrations = migrations_1_2();
    let spec = StoreSpec::Postgres(url.clone());
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
            (2, env!("CARGO_PKG_VERSION").to_string())
        ]
    );

    // This build (migrations up to 1) refuses the newer database.
    let err = Store::open_postgres(&url).unwrap_err();
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
    let mut store = Store::open_with_migrations(&spec, &migrations).unwrap();
    assert_eq!(store.count().unwrap(), 4);
}

#[test]
fn a_failed_migration_leaves_the_database_as_it_was() {
    let url = fresh_db("failed_migration");
    raw(&url)
        .batch_execute(include_str!("fixtures/history-v1.postgres.sql"))
        .unwrap();
    let mut broken = migrations_1_2();
    broken[1].postgres =
        "ALTER TABLE plimsoll_runs ADD COLUMN platform TEXT; SELECT no_such_function();";
    let msg = Store::open_with_migrations(&StoreSpec::Postgres(url.clone()), &broken)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("migration 2")
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
    let mut store = Store::open_postgres(&url).unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
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

    // Text PostgreSQL cannot hold is refused before sending anything.
    let mut bad = sample("app", "main", "2026-02-02T00:00:00Z", 2);
    bad.layers[1].created_by = Some("RUN echo \0".into());
    let msg = store.record(&bad).unwrap_err().to_string();
    assert!(
        msg.contains("layers[1].created_by") && msg.contains("NUL"),
        "{msg}"
    );
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
    let versions: i64 = raw(&url)
        .query_one("SELECT COUNT(*) FROM plimsoll_schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(versions, 1, "migration 1 applied once");
}
