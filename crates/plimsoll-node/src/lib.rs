//! Plimsoll's node gate: what a node's kernel offers container memory
//! management, read from `/proc` and `/sys` text under a root directory
//! (`/` on a real node, a fixture tree in tests).
//!
//! Flow: [`env::read`] (facts) → [`mode::negotiate`] (a pure decision:
//! `v1`, `v2`, `hybrid` or `ambiguous`, and which hierarchy owns memory) →
//! [`memcg::probe`] and [`memcg::normalise`] (the memory cgroup's interface
//! and figures) → the rules in `src/rules/` (findings, category `node`,
//! codes `PN…`).

pub mod env;
pub mod memcg;
pub mod mode;
pub mod watch;

use plimsoll_core::Finding;
use serde::Serialize;
use std::fmt;
use std::io::Read;
use std::path::Path;

mod registry {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}
pub use registry::RULES;

#[cfg(test)]
pub(crate) mod testing {
    /// The doctor over `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> crate::Doctor {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        crate::doctor(&root, None).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
    }

    /// What one rule finds on the doctor over `tests/fixtures/NAME`.
    pub fn run_on(check: fn(&crate::Context) -> Vec<crate::Hit>, name: &str) -> Vec<crate::Hit> {
        check(&crate::Context {
            doctor: &fixture(name),
        })
    }
}

pub use env::Environment;
pub use memcg::{Normalised, Probe};
pub use mode::{Mode, Negotiation, Owner};

/// Largest `/proc` or cgroupfs file read (mountinfo on a busy node is the
/// largest, well under this).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What can stop the doctor.
#[derive(Debug)]
pub enum NodeError {
    /// A file exists but could not be read.
    Read {
        path: String,
        source: std::io::Error,
    },
    /// A file is larger than [`MAX_FILE_BYTES`].
    TooLarge { path: String, cap: u64 },
    /// A file the doctor cannot do without is missing.
    Missing { path: String, why: &'static str },
    /// `--cgroup` names no usable memory cgroup.
    Cgroup { path: String, why: String },
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeError::Read { path, source } => write!(f, "{path}: cannot read: {source}"),
            NodeError::TooLarge { path, cap } => {
                write!(f, "{path}: larger than {cap} bytes, refusing to read it")
            }
            NodeError::Missing { path, why } => write!(f, "{path}: missing: {why}"),
            NodeError::Cgroup { path, why } => write!(f, "cgroup {path}: {why}"),
        }
    }
}

impl std::error::Error for NodeError {}

/// Reads a small text file: `Ok(None)` when it does not exist, an error
/// when it cannot be read or exceeds [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<Option<String>, NodeError> {
    let shown = || path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(NodeError::Read {
                path: shown(),
                source: e,
            });
        }
    };
    let mut buf = Vec::new();
    file.take(MAX_FILE_BYTES.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| NodeError::Read {
            path: shown(),
            source: e,
        })?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(NodeError::TooLarge {
            path: shown(),
            cap: MAX_FILE_BYTES,
        });
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Everything `plimsoll node doctor` knows about a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Doctor {
    pub mode: Mode,
    pub memory_controller: Owner,
    /// PSI can drive memory alerts (`/proc/pressure/memory` readable and not
    /// switched off with `psi=0`).
    pub psi: bool,
    #[serde(flatten)]
    pub environment: Environment,
    pub negotiation: Negotiation,
    /// The probed memory cgroup (None when no hierarchy owns memory).
    pub cgroup: Option<Probe>,
    /// Its normalised figures.
    pub memory: Option<Normalised>,
}

/// Runs the doctor on the node under `root`, probing `cgroup` (a cgroupfs
/// path or a path inside the memory hierarchy) or the process's own memory
/// cgroup.
pub fn doctor(root: &Path, cgroup: Option<&str>) -> Result<Doctor, NodeError> {
    let environment = env::read(root)?;
    let negotiation = mode::negotiate(
        &environment.mounts,
        environment.proc_cgroups.as_deref(),
        environment.self_cgroup.as_deref(),
    );
    let dir = memcg::locate(root, &environment, &negotiation, cgroup)?;
    let probe = dir
        .as_deref()
        .map(|d| memcg::probe(root, &environment, &negotiation, d));
    let memory = dir
        .as_deref()
        .and_then(|d| memcg::normalise(root, negotiation.memory_controller, d));
    let psi = match &probe {
        Some(p) => p.psi.available,
        None => {
            matches!(
                read_text(&env::under(root, "/proc/pressure/memory")),
                Ok(Some(_))
            ) && environment.cmdline.psi != Some(false)
        }
    };
    Ok(Doctor {
        mode: negotiation.mode,
        memory_controller: negotiation.memory_controller,
        psi,
        environment,
        negotiation,
        cgroup: probe,
        memory,
    })
}

pub use plimsoll_core::fact_rules::{Hit, Meta};

/// A registered rule (see `plimsoll_core::fact_rules`).
pub type Rule = plimsoll_core::fact_rules::Rule<fn(&Context) -> Vec<Hit>>;

/// What every rule sees.
pub struct Context<'a> {
    pub doctor: &'a Doctor,
}

/// The name findings carry as their `file`: the node's hostname.
pub fn node_label(d: &Doctor) -> String {
    match &d.environment.hostname {
        Some(h) => format!("node:{h}"),
        None => "node".to_string(),
    }
}

/// Runs every rule.
pub fn check(d: &Doctor) -> Vec<Finding> {
    let cx = Context { doctor: d };
    let file = node_label(d);
    let mut out = Vec::new();
    for r in RULES {
        for h in (r.check)(&cx) {
            out.push(r.finding(h, &file));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        assert!(RULES.len() >= 5);
        for r in RULES {
            assert!(r.meta.code.starts_with("PN"));
            assert_eq!(r.meta.category, plimsoll_core::Category::Node);
        }
        let problems = plimsoll_core::fact_rules::registry_problems(
            RULES.iter().map(|r| (r.meta.code, r.source)),
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn read_text_caps_and_missing() {
        let dir = std::env::temp_dir().join(format!("plimsoll-node-rt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big");
        std::fs::write(&big, vec![b'x'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        let r = read_text(&big);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(r, Err(NodeError::TooLarge { .. })));
        assert!(matches!(read_text(&dir.join("nope")), Ok(None)));
    }
}
