//! Schema migrations, shared by both back ends.
//!
//! A database's schema version is SQLite's `PRAGMA user_version`, or the
//! highest `version` in PostgreSQL's `plimsoll_schema_version` table (one
//! row per applied migration, with when and by which Plimsoll). Opening a
//! store applies every migration above that version, in order, in one
//! transaction that also records the new version — a crash in the middle
//! leaves the old schema and rows as they were. A database whose version is
//! higher than the last migration here is refused ([`crate::Error::NewerSchema`]).
//!
//! Adding migration 3 is one line in [`MIGRATIONS`] —
//! `migration!(3, "0003_what", "what it does"),` — plus
//! `migrations/sqlite/0003_what.sql` and `migrations/postgres/0003_what.sql`.
//! A migration's SQL must keep existing rows (ALTER TABLE … ADD COLUMN with
//! a default, new tables, new indexes, or copy-and-rename).

/// One schema step: SQL for each back end, run inside the migration
/// transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The schema version after this step (1, 2, …, consecutive).
    pub version: i64,
    /// What the step does, for humans.
    pub summary: &'static str,
    /// The SQL for SQLite (several statements allowed).
    pub sqlite: &'static str,
    /// The SQL for PostgreSQL (several statements allowed).
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $file:literal, $summary:literal) => {
        Migration {
            version: $version,
            summary: $summary,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $file, ".sql")),
        }
    };
}

/// Every migration, oldest first. The last one's version is the schema
/// version this build writes.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_runs", "runs, their layers and directory summaries"),
    migration!(2, "0002_run_files", "the largest files of each run"),
];

/// The schema version this build writes.
pub fn latest(migrations: &[Migration]) -> i64 {
    migrations.last().map_or(0, |m| m.version)
}

/// Whether a list is usable: versions 1, 2, … in order.
pub(crate) fn check(migrations: &[Migration]) -> Result<(), String> {
    for (i, m) in migrations.iter().enumerate() {
        let want = i as i64 + 1;
        if m.version != want {
            return Err(format!(
                "migration list is out of order: entry {i} has version {}, expected {want}",
                m.version
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive_from_one() {
        check(MIGRATIONS).unwrap();
        assert_eq!(latest(MIGRATIONS), MIGRATIONS.len() as i64);
        for m in MIGRATIONS {
            assert!(m.sqlite.contains("CREATE") || m.sqlite.contains("ALTER"));
            assert!(m.postgres.contains("CREATE") || m.postgres.contains("ALTER"));
        }
        let bad = [MIGRATIONS[0], MIGRATIONS[0]];
        assert!(check(&bad).is_err());
    }
}
