//! The SQLite back end: one file, WAL journal, writers serialised by
//! `BEGIN IMMEDIATE` with a busy timeout and bounded retries.

use crate::error::{Error, Location};
use crate::migrate::{self, Migration};
use crate::{
    Children, LayerRow, MAX_ATTEMPTS, NewRun, Query, RUN_COLUMNS, Record, Result, RunId, RunRow,
    backoff,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

/// How long one statement waits for another connection's lock before
/// SQLite reports SQLITE_BUSY (then the whole transaction is retried, up to
/// [`MAX_ATTEMPTS`] times).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct SqliteStore {
    conn: Connection,
    location: Location,
}

/// Why a transaction attempt stopped: a SQLite error (retried when it is
/// BUSY/LOCKED) or a store error (never retried).
enum Fail {
    Sql(rusqlite::Error),
    Store(Error),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Fail {
        Fail::Sql(e)
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// SQLite's name of a primary result code.
fn code_name(e: &rusqlite::Error) -> Option<String> {
    let ffi = e.sqlite_error()?;
    const NAMES: [&str; 29] = [
        "SQLITE_OK",
        "SQLITE_ERROR",
        "SQLITE_INTERNAL",
        "SQLITE_PERM",
        "SQLITE_ABORT",
        "SQLITE_BUSY",
        "SQLITE_LOCKED",
        "SQLITE_NOMEM",
        "SQLITE_READONLY",
        "SQLITE_INTERRUPT",
        "SQLITE_IOERR",
        "SQLITE_CORRUPT",
        "SQLITE_NOTFOUND",
        "SQLITE_FULL",
        "SQLITE_CANTOPEN",
        "SQLITE_PROTOCOL",
        "SQLITE_EMPTY",
        "SQLITE_SCHEMA",
        "SQLITE_TOOBIG",
        "SQLITE_CONSTRAINT",
        "SQLITE_MISMATCH",
        "SQLITE_MISUSE",
        "SQLITE_NOLFS",
        "SQLITE_AUTH",
        "SQLITE_FORMAT",
        "SQLITE_RANGE",
        "SQLITE_NOTADB",
        "SQLITE_NOTICE",
        "SQLITE_WARNING",
    ];
    let primary = (ffi.extended_code & 0xff) as usize;
    Some(match NAMES.get(primary) {
        Some(n) if ffi.extended_code == primary as i32 => (*n).to_string(),
        Some(n) => format!("{n}, extended code {}", ffi.extended_code),
        None => format!("SQLite code {}", ffi.extended_code),
    })
}

fn db_error(location: &Location, action: &'static str, e: &rusqlite::Error) -> Error {
    Error::Database {
        location: location.clone(),
        action,
        code: code_name(e),
        // rusqlite's message (its source only repeats the code, named above).
        detail: e.to_string(),
    }
}

impl SqliteStore {
    pub(crate) fn open(path: &Path, migrations: &[Migration]) -> Result<SqliteStore> {
        let location = Location::Sqlite(path.to_path_buf());
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::Io {
                path: parent.to_path_buf(),
                action: "creating the directory",
                detail: e.to_string(),
            })?;
        }
        if path.is_dir() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                action: "opening",
                detail: "is a directory, not a SQLite file".into(),
            });
        }
        // No SQLITE_OPEN_URI: the path is always a file name.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| db_error(&location, "opening", &e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| db_error(&location, "setting the busy timeout", &e))?;
        let mut store = SqliteStore { conn, location };
        // Refuse a newer schema before touching the file (WAL changes its
        // header); this read also tells a non-database file apart.
        let found = store.schema_version()?;
        let latest = migrate::latest(migrations);
        if found > latest {
            return Err(Error::NewerSchema {
                location: store.location.clone(),
                found,
                supported: latest,
            });
        }
        store.attempt("enabling the WAL journal", |c| {
            // journal_mode answers with the mode in force (`memory` for an
            // in-memory database, which cannot use WAL).
            let _mode: String =
                c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            c.pragma_update(None, "synchronous", "FULL")?;
            c.pragma_update(None, "foreign_keys", "ON")?;
            Ok(())
        })?;
        store.migrate(migrations)?;
        Ok(store)
    }

    pub(crate) fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| db_error(&self.location, "setting the busy timeout", &e))
    }

    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    /// Runs `f` until it succeeds, fails with something other than BUSY or
    /// LOCKED, or has been tried [`MAX_ATTEMPTS`] times. `f` must be a
    /// whole transaction (or none), so a retry repeats all of it.
    fn attempt<T>(
        &mut self,
        action: &'static str,
        mut f: impl FnMut(&mut Connection) -> Result<T, Fail>,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            match f(&mut self.conn) {
                Ok(v) => return Ok(v),
                Err(Fail::Store(e)) => return Err(e),
                Err(Fail::Sql(e)) if is_busy(&e) => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(Error::Busy {
                            location: self.location.clone(),
                            action,
                            attempts: attempt,
                            detail: e.to_string(),
                        });
                    }
                    attempt += 1;
                    std::thread::sleep(backoff(attempt));
                }
                Err(Fail::Sql(e)) => return Err(db_error(&self.location, action, &e)),
            }
        }
    }

    pub(crate) fn schema_version(&mut self) -> Result<i64> {
        self.attempt("reading the schema version", |c| {
            Ok(c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))?)
        })
    }

    fn migrate(&mut self, migrations: &[Migration]) -> Result<()> {
        let latest = migrate::latest(migrations);
        let location = self.location.clone();
        self.attempt("migrating the schema", |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if found > latest {
                return Err(Fail::Store(Error::NewerSchema {
                    location: location.clone(),
                    found,
                    supported: latest,
                }));
            }
            if found == latest {
                return Ok(());
            }
            if found == 0 {
                // Version 0 with tables in it is someone else's database.
                let tables: i64 = tx.query_row(
                    "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                    [],
                    |r| r.get(0),
                )?;
                if tables > 0 {
                    return Err(Fail::Store(Error::Database {
                        location: location.clone(),
                        action: "migrating the schema",
                        code: None,
                        detail: format!(
                            "the file holds {tables} table(s) but no Plimsoll schema version: not a Plimsoll history database, left untouched"
                        ),
                    }));
                }
            }
            for m in migrations.iter().filter(|m| m.version > found) {
                tx.execute_batch(m.sqlite).map_err(|e| {
                    Fail::Store(Error::Database {
                        location: location.clone(),
                        action: "migrating the schema",
                        code: code_name(&e),
                        detail: format!("migration {} ({}): {e}", m.version, m.summary),
                    })
                })?;
            }
            tx.pragma_update(None, "user_version", latest)?;
            tx.commit()?;
            Ok(())
        })
    }

    pub(crate) fn record(&mut self, run: &NewRun<'_>) -> Result<RunId> {
        self.attempt("recording a run", |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached(
                "INSERT INTO plimsoll_runs (name, tag, digest, branch, commit_sha, compressed_bytes, \
                 uncompressed_bytes, class, recorded_at, recorded_at_s, recorded_at_ns, tool_version, \
                 layer_count, dir_count, file_count) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?
            .execute(params![
                run.name,
                run.tag,
                run.digest,
                run.branch,
                run.commit,
                run.compressed,
                run.uncompressed,
                run.class,
                run.recorded_at,
                run.recorded_at_s,
                run.recorded_at_ns,
                run.tool_version,
                run.layers.len() as i64,
                run.dirs.len() as i64,
                run.files.len() as i64,
            ])?;
            let id = tx.last_insert_rowid();
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO plimsoll_run_layers (run_id, layer_index, digest, compressed_bytes, \
                     uncompressed_bytes, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                for l in &run.layers {
                    st.execute(params![id, l.index, l.digest, l.compressed, l.uncompressed, l.created_by])?;
                }
                let mut st =
                    tx.prepare_cached("INSERT INTO plimsoll_run_dirs (run_id, path, bytes) VALUES (?1, ?2, ?3)")?;
                for (path, bytes) in &run.dirs {
                    st.execute(params![id, path, bytes])?;
                }
                let mut st =
                    tx.prepare_cached("INSERT INTO plimsoll_run_files (run_id, path, bytes) VALUES (?1, ?2, ?3)")?;
                for (path, bytes) in &run.files {
                    st.execute(params![id, path, bytes])?;
                }
            }
            tx.commit()?;
            Ok(RunId(id))
        })
    }

    pub(crate) fn query(&mut self, q: &Query<'_>) -> Result<Vec<(RunId, Record)>> {
        let location = self.location.clone();
        self.attempt("reading runs", |c| {
            // One read transaction: a consistent snapshot of runs and rows.
            let tx = c.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let rows = match q {
                Query::Latest { name, branch, limit } => {
                    let mut st = tx.prepare_cached(&format!(
                        "SELECT {RUN_COLUMNS} FROM plimsoll_runs WHERE name = ?1 AND (?2 IS NULL OR branch = ?2) \
                         ORDER BY recorded_at_s DESC, recorded_at_ns DESC, id DESC LIMIT ?3"
                    ))?;
                    st.query_map(params![name, branch, limit], run_row)?
                        .collect::<rusqlite::Result<Vec<_>>>()?
                }
                Query::Id(id) => {
                    let mut st =
                        tx.prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM plimsoll_runs WHERE id = ?1"))?;
                    st.query_row(params![id.0], run_row).optional()?.into_iter().collect()
                }
            };
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let id = row.id;
                let layers = tx
                    .prepare_cached(
                        "SELECT layer_index, digest, compressed_bytes, uncompressed_bytes, created_by \
                         FROM plimsoll_run_layers WHERE run_id = ?1 ORDER BY layer_index",
                    )?
                    .query_map(params![id], |r| {
                        Ok(LayerRow {
                            index: r.get(0)?,
                            digest: r.get(1)?,
                            compressed: r.get(2)?,
                            uncompressed: r.get(3)?,
                            created_by: r.get(4)?,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let dirs = tx
                    .prepare_cached("SELECT path, bytes FROM plimsoll_run_dirs WHERE run_id = ?1 ORDER BY path")?
                    .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let files = tx
                    .prepare_cached("SELECT path, bytes FROM plimsoll_run_files WHERE run_id = ?1 ORDER BY path")?
                    .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let record = row
                    .assemble(Children { layers, dirs, files }, &location)
                    .map_err(Fail::Store)?;
                out.push((RunId(id), record));
            }
            tx.commit()?;
            Ok(out)
        })
    }

    pub(crate) fn names(&mut self) -> Result<Vec<String>> {
        self.attempt("listing names", |c| {
            let mut st =
                c.prepare_cached("SELECT DISTINCT name FROM plimsoll_runs ORDER BY name")?;
            Ok(st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?)
        })
    }

    pub(crate) fn count(&mut self) -> Result<u64> {
        let location = self.location.clone();
        let n: i64 = self.attempt("counting runs", |c| {
            Ok(c.query_row("SELECT COUNT(*) FROM plimsoll_runs", [], |r| r.get(0))?)
        })?;
        u64::try_from(n).map_err(|_| Error::Corrupt {
            location,
            detail: format!("negative run count {n}"),
        })
    }
}

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: r.get(0)?,
        name: r.get(1)?,
        tag: r.get(2)?,
        digest: r.get(3)?,
        branch: r.get(4)?,
        commit: r.get(5)?,
        compressed: r.get(6)?,
        uncompressed: r.get(7)?,
        class: r.get(8)?,
        recorded_at: r.get(9)?,
        recorded_at_s: r.get(10)?,
        recorded_at_ns: r.get(11)?,
        tool_version: r.get(12)?,
        layer_count: r.get(13)?,
        dir_count: r.get(14)?,
        file_count: r.get(15)?,
    })
}
