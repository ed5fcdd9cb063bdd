//! `plimsoll node watch`: follows container memory cgroups (v1 memory
//! hierarchy and the v2 tree) by polling and writes alerts as JSON lines.
//!
//! Flow: [`discover`] (which cgroups) → [`sample::read`] (one reading per
//! cgroup and poll) → [`detect::detect`] (a pure function of the previous
//! state, the sample and the configuration) → [`Alert`] lines.
//!
//! This slice polls only: v1 eventfd registration and v2 inotify are not
//! implemented yet.

pub mod detect;
pub mod discover;
pub mod sample;

pub use detect::{AlertType, Config, Detected, Track, detect};
pub use discover::{Hierarchy, Target, Version};
pub use sample::Sample;

use crate::NodeError;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Most cgroups followed at once (memory stays bounded).
pub const MAX_CGROUPS: usize = 10_000;

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Read `/proc` and `/sys` under this directory (`/` on a node).
    pub root: PathBuf,
    /// Explicit cgroups (cgroupfs directories or paths inside a
    /// hierarchy), followed in addition to discovered ones.
    pub cgroups: Vec<String>,
    /// Discover container cgroups (false: only the explicit ones).
    pub discover: bool,
    /// Follow every memory cgroup, not only containers.
    pub all: bool,
    /// Time between polls.
    pub interval: Duration,
    /// Stop after this many polls (None: until `stop`).
    pub rounds: Option<u64>,
    pub config: Config,
    /// At most this many cgroups (capped at [`MAX_CGROUPS`]).
    pub max_cgroups: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            root: PathBuf::from("/"),
            cgroups: Vec::new(),
            discover: true,
            all: false,
            interval: Duration::from_secs(1),
            rounds: None,
            config: Config::default(),
            max_cgroups: MAX_CGROUPS,
        }
    }
}

/// One alert line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub alert_type: AlertType,
    /// The cgroup's path inside its hierarchy.
    pub cgroup: String,
    /// The 12-hex short container id, when the cgroup name carries one.
    pub container_id: Option<String>,
    pub threshold_bytes: Option<u64>,
    pub usage_bytes: u64,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// How much the counter behind the alert rose (counter alerts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// `v1` or `v2`.
    pub hierarchy: &'static str,
}

/// RFC 3339 UTC (`2026-11-23T15:04:05Z`) of a system time (the epoch for
/// times before it).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The watch state: hierarchies, followed cgroups and their tracks.
pub struct Watcher {
    opts: Options,
    hierarchies: Vec<Hierarchy>,
    targets: Vec<Target>,
    tracks: HashMap<PathBuf, Track>,
    started: Instant,
    /// Sampling failures other than vanishing, last poll (file: error).
    pub errors: Vec<String>,
}

impl Watcher {
    /// Reads the node's cgroup mounts under `opts.root` and resolves the
    /// explicit cgroups (an error names one that has no memory interface).
    pub fn new(opts: Options) -> Result<Watcher, NodeError> {
        let env = crate::env::read(&opts.root)?;
        let hierarchies = discover::hierarchies(&opts.root, &env.mounts);
        Watcher::with_hierarchies(opts, hierarchies)
    }

    /// As [`Watcher::new`] with the hierarchies given.
    pub fn with_hierarchies(
        opts: Options,
        hierarchies: Vec<Hierarchy>,
    ) -> Result<Watcher, NodeError> {
        if opts.config.near_percent == 0 || opts.config.near_percent > 100 {
            return Err(NodeError::Cgroup {
                path: "(watch)".into(),
                why: format!(
                    "near-limit percentage {} is not in 1..=100",
                    opts.config.near_percent
                ),
            });
        }
        let mut w = Watcher {
            opts,
            hierarchies,
            targets: Vec::new(),
            tracks: HashMap::new(),
            started: Instant::now(),
            errors: Vec::new(),
        };
        w.targets = w.resolve()?;
        Ok(w)
    }

    fn resolve(&self) -> Result<Vec<Target>, NodeError> {
        let cap = self.opts.max_cgroups.min(MAX_CGROUPS);
        let mut out = Vec::new();
        for c in &self.opts.cgroups {
            match discover::explicit(c, &self.hierarchies) {
                Some(t) => out.push(t),
                None => {
                    return Err(NodeError::Cgroup {
                        path: c.clone(),
                        why: "no memory cgroup interface there (memory.current or memory.usage_in_bytes)".into(),
                    });
                }
            }
        }
        if self.opts.discover {
            for t in discover::discover(&self.hierarchies, self.opts.all, cap) {
                if !out.iter().any(|o| o.dir == t.dir) {
                    out.push(t);
                }
            }
        }
        out.truncate(cap);
        Ok(out)
    }

    /// The cgroups followed now.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The hierarchies walked.
    pub fn hierarchies(&self) -> &[Hierarchy] {
        &self.hierarchies
    }

    /// One poll: rediscovers (explicit cgroups that vanished are dropped),
    /// samples every cgroup and returns the alerts, stamped `now`.
    pub fn poll(&mut self, now: SystemTime) -> Vec<Alert> {
        if self.opts.discover {
            let explicit: Vec<Target> = self
                .targets
                .iter()
                .filter(|t| {
                    self.opts
                        .cgroups
                        .iter()
                        .any(|c| t.dir.as_os_str() == c.as_str() || t.cgroup == *c)
                })
                .cloned()
                .collect();
            let cap = self.opts.max_cgroups.min(MAX_CGROUPS);
            let mut next = explicit;
            for t in discover::discover(&self.hierarchies, self.opts.all, cap) {
                if !next.iter().any(|o| o.dir == t.dir) {
                    next.push(t);
                }
            }
            next.truncate(cap);
            self.targets = next;
        }
        let at = self.started.elapsed().as_secs();
        let stamp = rfc3339(now);
        let mut alerts = Vec::new();
        let mut tracks = HashMap::with_capacity(self.targets.len());
        let mut alive = Vec::with_capacity(self.targets.len());
        self.errors.clear();
        for t in std::mem::take(&mut self.targets) {
            let s = match sample::read(&t, at) {
                Ok(s) => s,
                Err(sample::Gone::Vanished) => continue,
                Err(sample::Gone::Failed(e)) => {
                    self.errors.push(e);
                    alive.push(t);
                    continue;
                }
            };
            let (track, found) = detect(self.tracks.get(&t.dir), &s, &self.opts.config);
            for d in found {
                alerts.push(Alert {
                    alert_type: d.alert_type,
                    cgroup: t.cgroup.clone(),
                    container_id: t.container_id.clone(),
                    threshold_bytes: d.threshold_bytes,
                    usage_bytes: d.usage_bytes,
                    timestamp: stamp.clone(),
                    count: d.count,
                    hierarchy: match t.version {
                        Version::V1 => "v1",
                        Version::V2 => "v2",
                    },
                });
            }
            tracks.insert(t.dir.clone(), track);
            alive.push(t);
        }
        // Tracks of vanished cgroups are dropped with them.
        self.tracks = tracks;
        self.targets = alive;
        alerts
    }
}

/// Runs the watch: polls every `opts.interval` until `stop` is set (or
/// `opts.rounds` polls), writing each alert as one JSON line to `out`
/// and flushing after every poll that produced alerts. Returns the number
/// of alerts written; fails only when `out` cannot be written.
pub fn watch(mut w: Watcher, out: &mut dyn Write, stop: &AtomicBool) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut round = 0u64;
    let interval = w.opts.interval;
    while !stop.load(Ordering::Relaxed) {
        let began = Instant::now();
        let alerts = w.poll(SystemTime::now());
        for a in &alerts {
            let line = serde_json::to_string(a).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
            written = written.saturating_add(1);
        }
        if !alerts.is_empty() {
            out.flush()?;
        }
        round = round.saturating_add(1);
        if w.opts.rounds.is_some_and(|r| round >= r) {
            break;
        }
        // Sleep in short steps so a stop request is seen quickly.
        let due = began + interval;
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= due {
                break;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(100)));
        }
    }
    out.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let at = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_164_799), "2024-02-28T23:59:59Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(4_102_444_800), "2100-01-01T00:00:00Z");
        let out = std::process::Command::new("date")
            .args(["-u", "-d", "@1795447445", "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .unwrap();
        assert_eq!(
            at(1_795_447_445),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }

    #[test]
    fn a_set_stop_flag_ends_the_loop_before_polling() {
        let opts = Options {
            discover: false,
            ..Options::default()
        };
        let w = Watcher::with_hierarchies(opts, Vec::new()).unwrap();
        let mut out = Vec::new();
        assert_eq!(watch(w, &mut out, &AtomicBool::new(true)).unwrap(), 0);
        assert!(out.is_empty());
    }

    #[test]
    fn bad_percentage_is_refused() {
        let opts = Options {
            config: Config {
                near_percent: 0,
                stuck_secs: 5,
            },
            discover: false,
            ..Options::default()
        };
        let e = Watcher::with_hierarchies(opts, Vec::new()).err().unwrap();
        assert!(e.to_string().contains("1..=100"), "{e}");
        let opts = Options {
            cgroups: vec!["/no/such/cgroup".into()],
            discover: false,
            ..Options::default()
        };
        let e = Watcher::with_hierarchies(opts, Vec::new()).err().unwrap();
        assert!(e.to_string().contains("/no/such/cgroup"), "{e}");
    }
}
