//! Plimsoll's history store: one [`Record`] per analysed image run (sizes,
//! per-layer sizes, a per-directory size summary, its largest files), kept
//! so a later run can compare itself with a baseline, show a trend and say
//! which files grew.
//!
//! Two back ends sit behind one API, [`Store`]:
//!
//! - **SQLite** (the default): a file at `$XDG_DATA_HOME/plimsoll/history.db`,
//!   else `~/.local/share/plimsoll/history.db`, or any path. WAL journal,
//!   `synchronous=FULL`, a busy timeout, and writes in `BEGIN IMMEDIATE`
//!   transactions retried a bounded number of times while other processes
//!   hold the write lock — concurrent CI jobs writing one file serialise
//!   instead of failing or losing rows.
//! - **PostgreSQL**: a `postgres://` or `postgresql://` URL (no TLS).
//!
//! Both run the same numbered migrations ([`migrate::MIGRATIONS`]) when a
//! store is opened; the schema version is SQLite's `PRAGMA user_version` or
//! PostgreSQL's `plimsoll_schema_version` table.
//!
//! A record is written in one transaction (the run row, its layer rows, its
//! directory rows and its file rows) or not at all, and read back from one
//! snapshot; any failure is an [`Error`] naming the
//! store (PostgreSQL passwords are redacted) and the record stays with the
//! caller, who may keep it (it is `serde`-serialisable) or retry.
//!
//! The crate knows nothing about images beyond the record's shape.

mod error;
pub mod migrate;
mod pg;
mod sqlite;
#[doc(hidden)]
pub mod stress;
mod timestamp;

pub use error::{Error, Location};
pub use timestamp::{Timestamp, TimestampError};

use migrate::Migration;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Result of the history store.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One analysed image run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Repository name (`registry.example.com/team/app`, or the name an
    /// archive was given). Not empty.
    pub name: String,
    /// The tag analysed, if any.
    #[serde(default)]
    pub tag: Option<String>,
    /// The manifest digest (`sha256:…`); absent for archives without one.
    #[serde(default)]
    pub digest: Option<String>,
    /// The VCS branch the image was built from (baselines are per name
    /// and branch).
    pub branch: String,
    /// The VCS commit the image was built from.
    #[serde(default)]
    pub commit: Option<String>,
    /// Bytes of the compressed layers (what a pull transfers).
    pub compressed_bytes: u64,
    /// Bytes of the uncompressed layers.
    pub uncompressed_bytes: u64,
    /// Per-layer sizes. Returned ordered by `index`.
    #[serde(default)]
    pub layers: Vec<Layer>,
    /// Bytes per directory of the merged filesystem (for example the top
    /// two levels: `/usr` → …, `/usr/lib` → …).
    #[serde(default)]
    pub dirs: BTreeMap<String, u64>,
    /// Bytes of the largest files of the merged filesystem, by path (the
    /// caller decides how many, for example the 50 largest), so a budget
    /// can show which files grew between a baseline and a candidate.
    /// Empty for runs recorded before schema version 2, and in JSON
    /// written before the field existed.
    #[serde(default)]
    pub files: BTreeMap<String, u64>,
    /// The delivery class (`app`, `production`, …), if one applies.
    #[serde(default)]
    pub class: Option<String>,
    /// When the run happened (UTC).
    pub timestamp: Timestamp,
    /// The Plimsoll version that analysed the image.
    pub tool_version: String,
}

/// One layer of a [`Record`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Position in the image, from 0 (the base). Unique within a record.
    pub index: u32,
    /// The layer's digest.
    pub digest: String,
    /// Compressed bytes.
    pub compressed_bytes: u64,
    /// Uncompressed bytes.
    pub uncompressed_bytes: u64,
    /// The history entry's `created_by`, if known.
    #[serde(default)]
    pub created_by: Option<String>,
}

/// The id a store gave a recorded run (increasing in insertion order
/// within a store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which store to open, as understood from a store specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl StoreSpec {
    /// Understands a store specification:
    ///
    /// - `None`: the default SQLite file ([`default_sqlite_path`]);
    /// - `sqlite:PATH` (also `sqlite://PATH`, so `sqlite:///abs/path`
    ///   works): that SQLite file;
    /// - `postgres://…` or `postgresql://…`: that PostgreSQL database;
    /// - anything without a URL scheme: a path to a SQLite file.
    ///
    /// Any other scheme (`mysql://`, `file:`, …) is an error, as is an
    /// empty specification. A file whose name starts like a scheme can be
    /// given as `./name` or `sqlite:name`.
    pub fn parse(spec: Option<&str>) -> Result<StoreSpec> {
        let Some(spec) = spec else {
            return Ok(StoreSpec::Sqlite(default_sqlite_path()?));
        };
        let fail = |reason: String| Error::Spec {
            spec: error::redact_url(spec),
            reason,
        };
        if spec.trim().is_empty() {
            return Err(fail(
                "empty store: give a path, sqlite:PATH or postgres://…".into(),
            ));
        }
        let Some((scheme, rest)) = split_scheme(spec) else {
            return Ok(StoreSpec::Sqlite(PathBuf::from(spec)));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(fail(
                        "sqlite: needs a path, as in sqlite:/var/lib/plimsoll/history.db".into(),
                    ));
                }
                Ok(StoreSpec::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                if !rest.starts_with("//") {
                    return Err(fail(format!(
                        "a PostgreSQL store is a URL: {scheme}://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
                    )));
                }
                Ok(StoreSpec::Postgres(spec.to_string()))
            }
            _ => Err(fail(format!(
                "unknown store scheme `{scheme}:` (known: a file path, sqlite:PATH, postgres://…, postgresql://…)"
            ))),
        }
    }
}

impl fmt::Display for StoreSpec {
    /// `sqlite:PATH`, or the URL with its password redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            StoreSpec::Postgres(u) => f.write_str(&error::redact_url(u)),
        }
    }
}

/// `scheme` and the rest after `scheme:`, when `spec` starts with an
/// RFC 3986 scheme of at least two characters (one letter before `:` is
/// left to paths).
fn split_scheme(spec: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = spec.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if scheme.len() < 2
        || !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some((scheme, rest))
}

/// The default SQLite file: `$XDG_DATA_HOME/plimsoll/history.db` when
/// `XDG_DATA_HOME` is an absolute path, else
/// `$HOME/.local/share/plimsoll/history.db`.
pub fn default_sqlite_path() -> Result<PathBuf> {
    default_path_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
}

fn default_path_from(xdg_data_home: Option<OsString>, home: Option<OsString>) -> Result<PathBuf> {
    // The XDG base directory spec: relative values are invalid and ignored.
    if let Some(x) = xdg_data_home.map(PathBuf::from).filter(|p| p.is_absolute()) {
        return Ok(x.join("plimsoll").join("history.db"));
    }
    if let Some(h) = home.map(PathBuf::from).filter(|p| p.is_absolute()) {
        return Ok(h.join(".local/share/plimsoll/history.db"));
    }
    Err(Error::NoDefaultPath)
}

/// A history store (SQLite or PostgreSQL). Open one with [`Store::open`].
///
/// Not shared between threads: each thread or process opens its own; the
/// database serialises them.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(pg::PgStore),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("location", self.location())
            .finish()
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the store a specification
    /// names; see [`StoreSpec::parse`]. `None` is the default SQLite file.
    pub fn open(spec: Option<&str>) -> Result<Store> {
        Store::open_spec(&StoreSpec::parse(spec)?, migrate::MIGRATIONS)
    }

    /// Opens (creating its parent directories, creating and migrating the
    /// schema as needed) a SQLite file.
    pub fn open_sqlite(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_spec(
            &StoreSpec::Sqlite(path.as_ref().to_path_buf()),
            migrate::MIGRATIONS,
        )
    }

    /// Connects to a PostgreSQL database and creates or migrates the schema.
    pub fn open_postgres(url: &str) -> Result<Store> {
        Store::open_spec(&StoreSpec::Postgres(url.to_string()), migrate::MIGRATIONS)
    }

    /// Opens a store with another list of migrations — for testing a
    /// future migration against files written by this one.
    #[doc(hidden)]
    pub fn open_with_migrations(spec: &StoreSpec, migrations: &[Migration]) -> Result<Store> {
        Store::open_spec(spec, migrations)
    }

    fn open_spec(spec: &StoreSpec, migrations: &[Migration]) -> Result<Store> {
        if let Err(reason) = migrate::check(migrations) {
            return Err(Error::Spec {
                spec: spec.to_string(),
                reason,
            });
        }
        let backend = match spec {
            StoreSpec::Sqlite(path) => {
                Backend::Sqlite(sqlite::SqliteStore::open(path, migrations)?)
            }
            StoreSpec::Postgres(url) => Backend::Postgres(pg::PgStore::open(url, migrations)?),
        };
        Ok(Store { backend })
    }

    /// Which store this is (for messages; passwords redacted).
    pub fn location(&self) -> &Location {
        match &self.backend {
            Backend::Sqlite(s) => s.location(),
            Backend::Postgres(s) => s.location(),
        }
    }

    /// How long one SQLite statement waits for another process's lock
    /// before the transaction is retried (default 10 s; a write is tried
    /// [`MAX_WRITE_ATTEMPTS`] times with growing pauses between tries, then
    /// fails with [`Error::Busy`]). PostgreSQL writers do not wait on each
    /// other, so there this does nothing.
    pub fn set_busy_timeout(&mut self, timeout: std::time::Duration) -> Result<()> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.set_busy_timeout(timeout),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// The schema version of the database (the latest migration after
    /// opening).
    pub fn schema_version(&mut self) -> Result<i64> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.schema_version(),
            Backend::Postgres(s) => s.schema_version(),
        }
    }

    /// Stores a run, its layers, its directory summary and its files in
    /// one transaction, and returns the run's id. On error nothing was stored.
    pub fn record(&mut self, record: &Record) -> Result<RunId> {
        let row = NewRun::from_record(record)?;
        match &mut self.backend {
            Backend::Sqlite(s) => s.record(&row),
            Backend::Postgres(s) => s.record(&row),
        }
    }

    /// The last run recorded for `name` on `branch`: the latest timestamp,
    /// and of equal timestamps the last recorded.
    pub fn baseline(&mut self, name: &str, branch: &str) -> Result<Option<Record>> {
        let mut runs = self.query(&Query::Latest {
            name,
            branch: Some(branch),
            limit: 1,
        })?;
        Ok(runs.pop().map(|(_, r)| r))
    }

    /// The `limit` latest runs of `name` (on `branch`, or on any branch
    /// for `None`), oldest first. `usize::MAX` means all.
    pub fn history(
        &mut self,
        name: &str,
        branch: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Record>> {
        let mut runs = self.query(&Query::Latest {
            name,
            branch,
            limit: i64::try_from(limit).unwrap_or(i64::MAX),
        })?;
        runs.reverse();
        Ok(runs.into_iter().map(|(_, r)| r).collect())
    }

    /// Every run of `name` with its id, oldest first.
    pub fn runs(&mut self, name: &str) -> Result<Vec<(RunId, Record)>> {
        let mut runs = self.query(&Query::Latest {
            name,
            branch: None,
            limit: i64::MAX,
        })?;
        runs.reverse();
        Ok(runs)
    }

    /// The run with this id.
    pub fn get(&mut self, id: RunId) -> Result<Option<Record>> {
        Ok(self.query(&Query::Id(id))?.pop().map(|(_, r)| r))
    }

    /// Every repository name with at least one run, sorted.
    pub fn names(&mut self) -> Result<Vec<String>> {
        let mut names = match &mut self.backend {
            Backend::Sqlite(s) => s.names()?,
            Backend::Postgres(s) => s.names()?,
        };
        // The same order from both back ends (PostgreSQL sorts by collation).
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// How many runs the store holds.
    pub fn count(&mut self) -> Result<u64> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.count(),
            Backend::Postgres(s) => s.count(),
        }
    }

    fn query(&mut self, q: &Query<'_>) -> Result<Vec<(RunId, Record)>> {
        match &mut self.backend {
            Backend::Sqlite(s) => s.query(q),
            Backend::Postgres(s) => s.query(q),
        }
    }
}

/// What to read: runs newest first.
pub(crate) enum Query<'a> {
    Latest {
        name: &'a str,
        branch: Option<&'a str>,
        limit: i64,
    },
    Id(RunId),
}

/// A record checked and converted to column values.
pub(crate) struct NewRun<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
    pub branch: &'a str,
    pub commit: Option<&'a str>,
    pub compressed: i64,
    pub uncompressed: i64,
    pub class: Option<&'a str>,
    pub recorded_at: String,
    pub recorded_at_s: i64,
    pub recorded_at_ns: i64,
    pub tool_version: &'a str,
    pub layers: Vec<LayerRow>,
    pub dirs: Vec<(String, i64)>,
    pub files: Vec<(String, i64)>,
}

fn size(field: &str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| {
        Error::invalid(
            field,
            format!("is {v} bytes, more than a database integer holds"),
        )
    })
}

fn text<'a>(field: &str, v: &'a str) -> Result<&'a str> {
    if v.contains('\0') {
        return Err(Error::invalid(field, "contains a NUL character"));
    }
    Ok(v)
}

fn opt_text<'a>(field: &str, v: &'a Option<String>) -> Result<Option<&'a str>> {
    v.as_deref().map(|s| text(field, s)).transpose()
}

impl<'a> NewRun<'a> {
    pub(crate) fn from_record(r: &'a Record) -> Result<NewRun<'a>> {
        if r.name.trim().is_empty() {
            return Err(Error::invalid("name", "is empty"));
        }
        let mut seen = BTreeSet::new();
        let mut layers = Vec::with_capacity(r.layers.len());
        for (i, l) in r.layers.iter().enumerate() {
            if !seen.insert(l.index) {
                return Err(Error::invalid(
                    format!("layers[{i}].index"),
                    format!("{} appears twice", l.index),
                ));
            }
            layers.push(LayerRow {
                index: i64::from(l.index),
                digest: text(&format!("layers[{i}].digest"), &l.digest)?.to_string(),
                compressed: size(&format!("layers[{i}].compressed_bytes"), l.compressed_bytes)?,
                uncompressed: size(
                    &format!("layers[{i}].uncompressed_bytes"),
                    l.uncompressed_bytes,
                )?,
                created_by: opt_text(&format!("layers[{i}].created_by"), &l.created_by)?
                    .map(str::to_string),
            });
        }
        layers.sort_by_key(|l| l.index);
        let mut dirs = Vec::with_capacity(r.dirs.len());
        for (path, bytes) in &r.dirs {
            let field = format!("dirs[{path:?}]");
            dirs.push((text(&field, path)?.to_string(), size(&field, *bytes)?));
        }
        let mut files = Vec::with_capacity(r.files.len());
        for (path, bytes) in &r.files {
            let field = format!("files[{path:?}]");
            files.push((text(&field, path)?.to_string(), size(&field, *bytes)?));
        }
        Ok(NewRun {
            name: text("name", &r.name)?,
            tag: opt_text("tag", &r.tag)?,
            digest: opt_text("digest", &r.digest)?,
            branch: text("branch", &r.branch)?,
            commit: opt_text("commit", &r.commit)?,
            compressed: size("compressed_bytes", r.compressed_bytes)?,
            uncompressed: size("uncompressed_bytes", r.uncompressed_bytes)?,
            class: opt_text("class", &r.class)?,
            recorded_at: r.timestamp.to_string(),
            recorded_at_s: r.timestamp.unix_seconds(),
            recorded_at_ns: i64::from(r.timestamp.subsec_nanos()),
            tool_version: text("tool_version", &r.tool_version)?,
            layers,
            dirs,
            files,
        })
    }
}

/// A run row as read back.
pub(crate) struct RunRow {
    pub id: i64,
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    pub branch: String,
    pub commit: Option<String>,
    pub compressed: i64,
    pub uncompressed: i64,
    pub class: Option<String>,
    pub recorded_at: String,
    pub recorded_at_s: i64,
    pub recorded_at_ns: i64,
    pub tool_version: String,
    pub layer_count: i64,
    pub dir_count: i64,
    pub file_count: i64,
}

/// The columns of [`RunRow`], in order, for SELECTs.
pub(crate) const RUN_COLUMNS: &str = "id, name, tag, digest, branch, commit_sha, compressed_bytes, \
     uncompressed_bytes, class, recorded_at, recorded_at_s, recorded_at_ns, tool_version, \
     layer_count, dir_count, file_count";

/// A layer row (written or read back).
pub(crate) struct LayerRow {
    pub index: i64,
    pub digest: String,
    pub compressed: i64,
    pub uncompressed: i64,
    pub created_by: Option<String>,
}

/// A run's child rows as read back (layers ordered by index).
#[derive(Default)]
pub(crate) struct Children {
    pub layers: Vec<LayerRow>,
    pub dirs: Vec<(String, i64)>,
    pub files: Vec<(String, i64)>,
}

impl RunRow {
    /// The record these rows form, checking that they are whole.
    pub(crate) fn assemble(self, children: Children, at: &Location) -> Result<Record> {
        let Children {
            layers,
            dirs,
            files,
        } = children;
        let id = self.id;
        let corrupt = |detail: String| Error::Corrupt {
            location: at.clone(),
            detail: format!("run {id}: {detail}"),
        };
        let unsigned = |what: &str, v: i64| {
            u64::try_from(v).map_err(|_| corrupt(format!("{what} is negative ({v})")))
        };
        if i64::try_from(layers.len()).ok() != Some(self.layer_count) {
            return Err(corrupt(format!(
                "{} layer rows, the run says {}",
                layers.len(),
                self.layer_count
            )));
        }
        if i64::try_from(dirs.len()).ok() != Some(self.dir_count) {
            return Err(corrupt(format!(
                "{} directory rows, the run says {}",
                dirs.len(),
                self.dir_count
            )));
        }
        if i64::try_from(files.len()).ok() != Some(self.file_count) {
            return Err(corrupt(format!(
                "{} file rows, the run says {}",
                files.len(),
                self.file_count
            )));
        }
        let timestamp = Timestamp::parse(&self.recorded_at).map_err(|e| corrupt(e.to_string()))?;
        if i64::from(timestamp.subsec_nanos()) != self.recorded_at_ns
            || timestamp.unix_seconds() != self.recorded_at_s
        {
            return Err(corrupt(format!(
                "recorded_at {} disagrees with its sort key ({}, {})",
                self.recorded_at, self.recorded_at_s, self.recorded_at_ns
            )));
        }
        let mut out_layers = Vec::with_capacity(layers.len());
        for l in layers {
            out_layers.push(Layer {
                index: u32::try_from(l.index)
                    .map_err(|_| corrupt(format!("layer index {} out of range", l.index)))?,
                compressed_bytes: unsigned("a layer's compressed size", l.compressed)?,
                uncompressed_bytes: unsigned("a layer's uncompressed size", l.uncompressed)?,
                digest: l.digest,
                created_by: l.created_by,
            });
        }
        let mut out_dirs = BTreeMap::new();
        for (path, bytes) in dirs {
            let bytes = unsigned("a directory size", bytes)?;
            out_dirs.insert(path, bytes);
        }
        let mut out_files = BTreeMap::new();
        for (path, bytes) in files {
            let bytes = unsigned("a file size", bytes)?;
            out_files.insert(path, bytes);
        }
        Ok(Record {
            compressed_bytes: unsigned("compressed_bytes", self.compressed)?,
            uncompressed_bytes: unsigned("uncompressed_bytes", self.uncompressed)?,
            name: self.name,
            tag: self.tag,
            digest: self.digest,
            branch: self.branch,
            commit: self.commit,
            layers: out_layers,
            dirs: out_dirs,
            files: out_files,
            class: self.class,
            timestamp,
            tool_version: self.tool_version,
        })
    }
}

/// How many times a write is attempted while the database reports it
/// busy (SQLite) or a serialisation failure (PostgreSQL), and the pause
/// before attempt `n` (`n` ≥ 2): 25 ms doubling, capped at 1.6 s, plus up to
/// half of it again at random so retrying writers spread out.
pub(crate) const MAX_ATTEMPTS: u32 = 8;

/// How many times a transaction is tried while the database is busy.
pub const MAX_WRITE_ATTEMPTS: u32 = MAX_ATTEMPTS;

pub(crate) fn backoff(attempt: u32) -> std::time::Duration {
    let base = 25u64 << attempt.saturating_sub(2).min(6);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let seed = u64::from(nanos) ^ (u64::from(std::process::id()) << 17);
    // xorshift-style mix
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    let jitter = x % (base / 2 + 1);
    std::time::Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let sq = |p: &str| Ok(StoreSpec::Sqlite(PathBuf::from(p)));
        assert_eq!(StoreSpec::parse(Some("history.db")), sq("history.db"));
        assert_eq!(StoreSpec::parse(Some("/var/h.db")), sq("/var/h.db"));
        assert_eq!(StoreSpec::parse(Some("sqlite:h.db")), sq("h.db"));
        assert_eq!(StoreSpec::parse(Some("sqlite:/var/h.db")), sq("/var/h.db"));
        assert_eq!(
            StoreSpec::parse(Some("sqlite:///var/h.db")),
            sq("/var/h.db")
        );
        assert_eq!(StoreSpec::parse(Some("SQLite:h.db")), sq("h.db"));
        assert_eq!(StoreSpec::parse(Some("./a:b.db")), sq("./a:b.db"));
        assert_eq!(StoreSpec::parse(Some("C:\\h.db")), sq("C:\\h.db"));
        assert_eq!(
            StoreSpec::parse(Some("postgres://u:p@h/db")),
            Ok(StoreSpec::Postgres("postgres://u:p@h/db".into()))
        );
        assert_eq!(
            StoreSpec::parse(Some("postgresql://h:5433/db?sslmode=disable")),
            Ok(StoreSpec::Postgres(
                "postgresql://h:5433/db?sslmode=disable".into()
            ))
        );
        for bad in [
            "",
            "  ",
            "sqlite:",
            "sqlite://",
            "mysql://u:hunter2@h/db",
            "file:h.db",
            "postgres:h",
        ] {
            let e = StoreSpec::parse(Some(bad)).expect_err(bad);
            let msg = e.to_string();
            assert!(matches!(e, Error::Spec { .. }), "{bad}: {msg}");
            assert!(!msg.contains("hunter2"), "{msg}");
        }
        let e = StoreSpec::parse(Some("mysql://u:hunter2@h/db"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown store scheme `mysql:`"), "{e}");
    }

    #[test]
    fn default_paths() {
        let os = |s: &str| Some(OsString::from(s));
        assert_eq!(
            default_path_from(os("/x/data"), os("/home/u")).unwrap(),
            PathBuf::from("/x/data/plimsoll/history.db")
        );
        assert_eq!(
            default_path_from(os("relative"), os("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/plimsoll/history.db")
        );
        assert_eq!(
            default_path_from(None, os("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/plimsoll/history.db")
        );
        assert_eq!(default_path_from(None, None), Err(Error::NoDefaultPath));
        assert_eq!(default_path_from(os(""), os("")), Err(Error::NoDefaultPath));
    }

    fn sample() -> Record {
        Record {
            name: "app".into(),
            tag: None,
            digest: None,
            branch: "main".into(),
            commit: None,
            compressed_bytes: 1,
            uncompressed_bytes: 2,
            layers: vec![],
            dirs: BTreeMap::new(),
            files: BTreeMap::new(),
            class: None,
            timestamp: Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
            tool_version: "0.1.0".into(),
        }
    }

    #[test]
    fn invalid_records_are_refused_with_the_field_named() {
        let check = |r: Record, field: &str| {
            let e = NewRun::from_record(&r).err().expect(field);
            match &e {
                Error::InvalidRecord { field: f, .. } => assert_eq!(f, field, "{e}"),
                other => panic!("{other}"),
            }
        };
        check(
            Record {
                name: " ".into(),
                ..sample()
            },
            "name",
        );
        check(
            Record {
                branch: "ma\0in".into(),
                ..sample()
            },
            "branch",
        );
        check(
            Record {
                compressed_bytes: u64::MAX,
                ..sample()
            },
            "compressed_bytes",
        );
        let layer = Layer {
            index: 0,
            digest: "sha256:aa".into(),
            compressed_bytes: 1,
            uncompressed_bytes: 1,
            created_by: None,
        };
        check(
            Record {
                layers: vec![layer.clone(), layer.clone()],
                ..sample()
            },
            "layers[1].index",
        );
        let mut dirs = BTreeMap::new();
        dirs.insert("/usr".to_string(), u64::MAX);
        check(Record { dirs, ..sample() }, "dirs[\"/usr\"]");
        let mut files = BTreeMap::new();
        files.insert("/usr/lib/big.so".to_string(), 1u64 << 63);
        check(Record { files, ..sample() }, "files[\"/usr/lib/big.so\"]");
        let mut files = BTreeMap::new();
        files.insert("/usr/lib/a\0b".to_string(), 1);
        check(Record { files, ..sample() }, "files[\"/usr/lib/a\\0b\"]");
        let mut files = BTreeMap::new();
        files.insert("/largest".to_string(), i64::MAX as u64);
        files.insert("/empty".to_string(), 0);
        let r = Record { files, ..sample() };
        let ok = NewRun::from_record(&r).unwrap();
        assert_eq!(
            ok.files,
            vec![
                ("/empty".to_string(), 0),
                ("/largest".to_string(), i64::MAX)
            ]
        );
        assert!(NewRun::from_record(&sample()).is_ok());
    }

    #[test]
    fn json_without_files_still_deserialises() {
        // A record as serialised before `files` existed.
        let old = r#"{"name":"app","tag":null,"digest":null,"branch":"main","commit":null,
            "compressed_bytes":1,"uncompressed_bytes":2,"layers":[],"dirs":{"/usr":5},
            "class":null,"timestamp":"2026-01-01T00:00:00Z","tool_version":"0.1.0"}"#;
        let r: Record = serde_json::from_str(old).unwrap();
        assert!(r.files.is_empty());
        assert_eq!(r.dirs.len(), 1);
        let mut with = sample();
        with.files.insert("/usr/bin/app".into(), 42);
        let json = serde_json::to_string(&with).unwrap();
        assert!(json.contains(r#""files":{"/usr/bin/app":42}"#), "{json}");
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), with);
    }

    #[test]
    fn backoff_is_bounded() {
        for n in 1..=20 {
            let d = backoff(n);
            assert!(d.as_millis() >= 25 && d.as_millis() <= 2400, "{n}: {d:?}");
        }
    }
}
