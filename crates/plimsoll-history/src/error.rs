//! Errors of the history store. Every error that concerns a store names it
//! (the SQLite file's path, or the PostgreSQL URL with its password
//! replaced by `***`), says what was being done, and carries the database's
//! own message.

use std::fmt;
use std::path::PathBuf;

/// Which store an error concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server, as a URL whose password is redacted.
    Postgres(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "SQLite history database {}", p.display()),
            Location::Postgres(u) => write!(f, "PostgreSQL history database {u}"),
        }
    }
}

/// Everything that can go wrong with a history store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The store specification cannot be understood (empty, unknown URL
    /// scheme, malformed URL).
    Spec { spec: String, reason: String },
    /// No store was given and neither `XDG_DATA_HOME` nor `HOME` is set to
    /// an absolute path, so there is no default SQLite file.
    NoDefaultPath,
    /// A file-system operation around the store failed (creating the
    /// parent directories of the SQLite file, …).
    Io {
        path: PathBuf,
        action: &'static str,
        detail: String,
    },
    /// The database refused or failed an operation.
    Database {
        location: Location,
        action: &'static str,
        /// SQLite's extended result code name or PostgreSQL's SQLSTATE.
        code: Option<String>,
        detail: String,
    },
    /// The database stayed locked by other writers through every retry.
    Busy {
        location: Location,
        action: &'static str,
        attempts: u32,
        detail: String,
    },
    /// The database was written by a newer Plimsoll: its schema version is
    /// higher than this build knows. Nothing was changed.
    NewerSchema {
        location: Location,
        found: i64,
        supported: i64,
    },
    /// The record cannot be stored as it is (nothing was written).
    InvalidRecord { field: String, reason: String },
    /// Stored rows do not form a valid record (edited by hand, or damaged).
    Corrupt { location: Location, detail: String },
}

impl Error {
    /// The store this error concerns, if any.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Database { location, .. }
            | Error::Busy { location, .. }
            | Error::NewerSchema { location, .. }
            | Error::Corrupt { location, .. } => Some(location),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidRecord {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec { spec, reason } => write!(f, "history store `{spec}`: {reason}"),
            Error::NoDefaultPath => f.write_str(
                "no history store given and neither XDG_DATA_HOME nor HOME is an absolute \
                 directory: pass a store (a path, sqlite:PATH or postgres://…)",
            ),
            Error::Io {
                path,
                action,
                detail,
            } => write!(f, "history store: {action} {}: {detail}", path.display()),
            Error::Database {
                location,
                action,
                code,
                detail,
            } => {
                write!(f, "{location}: {action}: {detail}")?;
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                Ok(())
            }
            Error::Busy {
                location,
                action,
                attempts,
                detail,
            } => write!(
                f,
                "{location}: {action}: still locked by other writers after {attempts} attempt{}: {detail}",
                if *attempts == 1 { "" } else { "s" }
            ),
            Error::NewerSchema {
                location,
                found,
                supported,
            } => write!(
                f,
                "{location}: schema version {found} was written by a newer Plimsoll (this one knows up to {supported}); upgrade Plimsoll or use another store"
            ),
            Error::InvalidRecord { field, reason } => {
                write!(f, "history record not stored: `{field}` {reason}")
            }
            Error::Corrupt { location, detail } => {
                write!(f, "{location}: damaged history: {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}

/// A URL with any password (in the user-info part or a `password=` query
/// parameter) replaced by `***`.
pub(crate) fn redact_url(url: &str) -> String {
    // User-info ends at the last `@` of the whole text: a password may hold
    // unescaped `/`, `?` or `@`, and when in doubt we redact too much
    // rather than too little.
    let (prefix, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let mut out = prefix;
    let tail = match rest.rsplit_once('@') {
        Some((userinfo, tail)) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push('@');
            tail
        }
        None => rest,
    };
    match tail.split_once('?') {
        Some((head, query)) => {
            out.push_str(head);
            out.push('?');
            let parts: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            out.push_str(&parts.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

/// An error and its chain of sources, joined with `: ` (PostgreSQL's
/// client puts the server's message in the source).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://ci:s3cr:et@db.example:5432/h?sslmode=disable"),
            "postgres://ci:***@db.example:5432/h?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgresql://u:p@a@h/db"),
            "postgresql://u:***@h/db"
        );
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=pw&x=1"),
            "postgres://h/db?user=u&password=***&x=1"
        );
        assert_eq!(redact_url("postgres://u:p/w@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u:p?w@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u@h:1/db"), "postgres://u@h:1/db");
        assert_eq!(redact_url("postgres://"), "postgres://");
        assert_eq!(redact_url("weird"), "weird");
    }
}
