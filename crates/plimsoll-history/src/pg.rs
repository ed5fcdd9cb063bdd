//! The PostgreSQL back end (synchronous `postgres` client, no TLS).
//!
//! Migrations run in one transaction holding a transaction-scoped advisory
//! lock, so processes opening a fresh database at the same moment apply
//! them once. A run is written in one transaction: the run row, then its
//! layers, directories and files with one `INSERT … SELECT FROM UNNEST(…)`
//! each. A read takes one repeatable-read snapshot for runs and rows.

use crate::error::{Error, Location};
use crate::migrate::{self, Migration};
use crate::{
    Children, LayerRow, MAX_ATTEMPTS, NewRun, Query, RUN_COLUMNS, Record, Result, RunId, RunRow,
    Timestamp, backoff,
};
use postgres::error::SqlState;
use postgres::{Client, IsolationLevel, NoTls, Transaction};
use std::collections::HashMap;
use std::time::Duration;

/// The advisory lock key that serialises migrations ("plimsoll" in ASCII).
const MIGRATION_LOCK: i64 = 0x706c_696d_736f_6c6c;

/// Used when the URL sets no `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct PgStore {
    client: Client,
    location: Location,
    /// Literal secrets of the URL, scrubbed from every message.
    secrets: Vec<String>,
}

enum Fail {
    Sql(postgres::Error),
    Store(Error),
}

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Fail {
        Fail::Sql(e)
    }
}

/// Errors after which the transaction was rolled back and may simply be
/// run again.
fn is_retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

fn scrub(mut s: String, secrets: &[String]) -> String {
    for secret in secrets {
        if !secret.is_empty() {
            s = s.replace(secret.as_str(), "***");
        }
    }
    s
}

/// The server's message (severity, message, detail, hint) when there is
/// one, else the client's error chain.
fn message(e: &postgres::Error, secrets: &[String]) -> String {
    let text = match e.as_db_error() {
        Some(db) => db.to_string(),
        None => crate::error::chain(e),
    };
    scrub(text, secrets)
}

fn db_error(
    location: &Location,
    secrets: &[String],
    action: &'static str,
    e: &postgres::Error,
) -> Error {
    Error::Database {
        location: location.clone(),
        action,
        code: e.code().map(|c| format!("SQLSTATE {}", c.code())),
        detail: message(e, secrets),
    }
}

/// The password as written in the URL and percent-decoded, for scrubbing.
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    if let Some((userinfo, _)) = rest.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        out.push(password.to_string());
    }
    if let Some((_, query)) = url.split_once('?') {
        for kv in query.split('&') {
            if let Some((k, v)) = kv.split_once('=')
                && k.eq_ignore_ascii_case("password")
            {
                out.push(v.to_string());
            }
        }
    }
    let decoded: Vec<String> = out.iter().map(|s| percent_decode(s)).collect();
    out.extend(decoded);
    // Longest first, so a secret containing another is scrubbed whole.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = b.get(i + 1..i + 3)
            && let Ok(h) = std::str::from_utf8(h)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl PgStore {
    pub(crate) fn open(url: &str, migrations: &[Migration]) -> Result<PgStore> {
        let redacted = crate::error::redact_url(url);
        let location = Location::Postgres(redacted.clone());
        let secrets = url_secrets(url);
        let mut config: postgres::Config =
            url.parse().map_err(|e: postgres::Error| Error::Spec {
                spec: redacted.clone(),
                reason: scrub(crate::error::chain(&e), &secrets),
            })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("plimsoll");
        }
        let client = config
            .connect(NoTls)
            .map_err(|e| db_error(&location, &secrets, "connecting", &e))?;
        let mut store = PgStore {
            client,
            location,
            secrets,
        };
        store.migrate(migrations)?;
        Ok(store)
    }

    pub(crate) fn location(&self) -> &Location {
        &self.location
    }

    /// Runs `f` (a whole transaction) until it succeeds, fails with
    /// something other than a serialisation failure or deadlock, or has
    /// been tried [`MAX_ATTEMPTS`] times. Connection errors are never
    /// retried: a COMMIT whose answer was lost may have been applied.
    fn attempt<T>(
        &mut self,
        action: &'static str,
        mut f: impl FnMut(&mut Client) -> Result<T, Fail>,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            match f(&mut self.client) {
                Ok(v) => return Ok(v),
                Err(Fail::Store(e)) => return Err(e),
                Err(Fail::Sql(e)) if is_retryable(&e) => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(Error::Busy {
                            location: self.location.clone(),
                            action,
                            attempts: attempt,
                            detail: message(&e, &self.secrets),
                        });
                    }
                    attempt += 1;
                    std::thread::sleep(backoff(attempt));
                }
                Err(Fail::Sql(e)) => {
                    return Err(db_error(&self.location, &self.secrets, action, &e));
                }
            }
        }
    }

    fn migrate(&mut self, migrations: &[Migration]) -> Result<()> {
        let latest = migrate::latest(migrations);
        let location = self.location.clone();
        let secrets = self.secrets.clone();
        self.attempt("migrating the schema", |c| {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let exists: bool = tx
                .query_one("SELECT to_regclass('plimsoll_schema_version') IS NOT NULL", &[])?
                .try_get(0)?;
            if !exists {
                tx.batch_execute(
                    "CREATE TABLE plimsoll_schema_version (\
                       version      BIGINT PRIMARY KEY, \
                       applied_at   TEXT   NOT NULL, \
                       tool_version TEXT   NOT NULL)",
                )?;
            }
            let found: i64 = tx
                .query_one("SELECT COALESCE(MAX(version), 0)::BIGINT FROM plimsoll_schema_version", &[])?
                .try_get(0)?;
            if found > latest {
                return Err(Fail::Store(Error::NewerSchema {
                    location: location.clone(),
                    found,
                    supported: latest,
                }));
            }
            if found == latest {
                // Nothing to do; release the lock at once.
                tx.commit()?;
                return Ok(());
            }
            let now = Timestamp::now().to_string();
            for m in migrations.iter().filter(|m| m.version > found) {
                tx.batch_execute(m.postgres).map_err(|e| {
                    Fail::Store(Error::Database {
                        location: location.clone(),
                        action: "migrating the schema",
                        code: e.code().map(|c| format!("SQLSTATE {}", c.code())),
                        detail: format!(
                            "migration {} ({}): {}",
                            m.version,
                            m.summary,
                            message(&e, &secrets)
                        ),
                    })
                })?;
                tx.execute(
                    "INSERT INTO plimsoll_schema_version (version, applied_at, tool_version) VALUES ($1, $2, $3)",
                    &[&m.version, &now, &env!("CARGO_PKG_VERSION")],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    pub(crate) fn schema_version(&mut self) -> Result<i64> {
        self.attempt("reading the schema version", |c| {
            Ok(c.query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM plimsoll_schema_version",
                &[],
            )?
            .try_get(0)?)
        })
    }

    pub(crate) fn record(&mut self, run: &NewRun<'_>) -> Result<RunId> {
        self.attempt("recording a run", |c| {
            let mut tx = c.transaction()?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO plimsoll_runs (name, tag, digest, branch, commit_sha, compressed_bytes, \
                     uncompressed_bytes, class, recorded_at, recorded_at_s, recorded_at_ns, tool_version, \
                     layer_count, dir_count, file_count) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
                    &[
                        &run.name,
                        &run.tag,
                        &run.digest,
                        &run.branch,
                        &run.commit,
                        &run.compressed,
                        &run.uncompressed,
                        &run.class,
                        &run.recorded_at,
                        &run.recorded_at_s,
                        &run.recorded_at_ns,
                        &run.tool_version,
                        &(run.layers.len() as i64),
                        &(run.dirs.len() as i64),
                        &(run.files.len() as i64),
                    ],
                )?
                .try_get(0)?;
            if !run.layers.is_empty() {
                let index: Vec<i64> = run.layers.iter().map(|l| l.index).collect();
                let digest: Vec<&str> = run.layers.iter().map(|l| l.digest.as_str()).collect();
                let compressed: Vec<i64> = run.layers.iter().map(|l| l.compressed).collect();
                let uncompressed: Vec<i64> = run.layers.iter().map(|l| l.uncompressed).collect();
                let created_by: Vec<Option<&str>> = run.layers.iter().map(|l| l.created_by.as_deref()).collect();
                tx.execute(
                    "INSERT INTO plimsoll_run_layers (run_id, layer_index, digest, compressed_bytes, \
                     uncompressed_bytes, created_by) \
                     SELECT $1, * FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[], $6::TEXT[])",
                    &[&id, &index, &digest, &compressed, &uncompressed, &created_by],
                )?;
            }
            if !run.dirs.is_empty() {
                let path: Vec<&str> = run.dirs.iter().map(|(p, _)| p.as_str()).collect();
                let bytes: Vec<i64> = run.dirs.iter().map(|(_, b)| *b).collect();
                tx.execute(
                    "INSERT INTO plimsoll_run_dirs (run_id, path, bytes) \
                     SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[])",
                    &[&id, &path, &bytes],
                )?;
            }
            if !run.files.is_empty() {
                let path: Vec<&str> = run.files.iter().map(|(p, _)| p.as_str()).collect();
                let bytes: Vec<i64> = run.files.iter().map(|(_, b)| *b).collect();
                tx.execute(
                    "INSERT INTO plimsoll_run_files (run_id, path, bytes) \
                     SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[])",
                    &[&id, &path, &bytes],
                )?;
            }
            tx.commit()?;
            Ok(RunId(id))
        })
    }

    pub(crate) fn query(&mut self, q: &Query<'_>) -> Result<Vec<(RunId, Record)>> {
        let location = self.location.clone();
        self.attempt("reading runs", |c| {
            // One read-only snapshot for runs and their rows.
            let mut tx = c
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let rows = match q {
                Query::Latest {
                    name,
                    branch,
                    limit,
                } => tx.query(
                    &format!(
                        "SELECT {RUN_COLUMNS} FROM plimsoll_runs \
                         WHERE name = $1 AND ($2::TEXT IS NULL OR branch = $2) \
                         ORDER BY recorded_at_s DESC, recorded_at_ns DESC, id DESC LIMIT $3"
                    ),
                    &[name, branch, limit],
                )?,
                Query::Id(id) => tx.query(
                    &format!("SELECT {RUN_COLUMNS} FROM plimsoll_runs WHERE id = $1"),
                    &[&id.0],
                )?,
            };
            let runs = rows
                .iter()
                .map(run_row)
                .collect::<Result<Vec<_>, postgres::Error>>()?;
            let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
            let mut children = children(&mut tx, &ids)?;
            tx.commit()?;
            let mut out = Vec::with_capacity(runs.len());
            for run in runs {
                let id = run.id;
                let record = run
                    .assemble(children.remove(&id).unwrap_or_default(), &location)
                    .map_err(Fail::Store)?;
                out.push((RunId(id), record));
            }
            Ok(out)
        })
    }

    pub(crate) fn names(&mut self) -> Result<Vec<String>> {
        self.attempt("listing names", |c| {
            let rows = c.query("SELECT DISTINCT name FROM plimsoll_runs", &[])?;
            Ok(rows
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<Vec<String>, _>>()?)
        })
    }

    pub(crate) fn count(&mut self) -> Result<u64> {
        let location = self.location.clone();
        let n: i64 = self.attempt("counting runs", |c| {
            Ok(c.query_one("SELECT COUNT(*) FROM plimsoll_runs", &[])?
                .try_get(0)?)
        })?;
        u64::try_from(n).map_err(|_| Error::Corrupt {
            location,
            detail: format!("negative run count {n}"),
        })
    }
}

/// The child rows of the runs `ids`, by run id, read in the caller's
/// transaction (so from the same snapshot as the runs).
fn children(
    tx: &mut Transaction<'_>,
    ids: &[i64],
) -> Result<HashMap<i64, Children>, postgres::Error> {
    let mut out: HashMap<i64, Children> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    for r in tx.query(
        "SELECT run_id, layer_index, digest, compressed_bytes, uncompressed_bytes, created_by \
         FROM plimsoll_run_layers WHERE run_id = ANY($1) ORDER BY run_id, layer_index",
        &[&ids],
    )? {
        out.entry(r.try_get(0)?).or_default().layers.push(LayerRow {
            index: r.try_get(1)?,
            digest: r.try_get(2)?,
            compressed: r.try_get(3)?,
            uncompressed: r.try_get(4)?,
            created_by: r.try_get(5)?,
        });
    }
    for r in tx.query(
        "SELECT run_id, path, bytes FROM plimsoll_run_dirs WHERE run_id = ANY($1)",
        &[&ids],
    )? {
        out.entry(r.try_get(0)?)
            .or_default()
            .dirs
            .push((r.try_get(1)?, r.try_get(2)?));
    }
    for r in tx.query(
        "SELECT run_id, path, bytes FROM plimsoll_run_files WHERE run_id = ANY($1)",
        &[&ids],
    )? {
        out.entry(r.try_get(0)?)
            .or_default()
            .files
            .push((r.try_get(1)?, r.try_get(2)?));
    }
    Ok(out)
}

fn run_row(r: &postgres::Row) -> Result<RunRow, postgres::Error> {
    Ok(RunRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        tag: r.try_get(2)?,
        digest: r.try_get(3)?,
        branch: r.try_get(4)?,
        commit: r.try_get(5)?,
        compressed: r.try_get(6)?,
        uncompressed: r.try_get(7)?,
        class: r.try_get(8)?,
        recorded_at: r.try_get(9)?,
        recorded_at_s: r.try_get(10)?,
        recorded_at_ns: r.try_get(11)?,
        tool_version: r.try_get(12)?,
        layer_count: r.try_get(13)?,
        dir_count: r.try_get(14)?,
        file_count: r.try_get(15)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_urls() {
        let s = url_secrets("postgres://u:p%40ss@h/db?password=q");
        assert!(s.contains(&"p%40ss".to_string()));
        assert!(s.contains(&"p@ss".to_string()));
        assert!(s.contains(&"q".to_string()));
        assert_eq!(scrub("bad p@ss here".into(), &s), "bad *** here");
        assert!(url_secrets("postgres://u@h/db").is_empty());
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
