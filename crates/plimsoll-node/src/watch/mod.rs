//! `plimsoll node watch`: follows container memory cgroups (v1 memory
//! hierarchy and the v2 tree) and writes alerts as JSON lines.
//!
//! Event-driven where the kernel allows, polling as the safety net:
//! [`events`] registers v1 eventfds (`memory.oom_control`, a
//! `memory.usage_in_bytes` threshold at the near-limit line,
//! `memory.pressure_level` where it is the pressure source), v2 inotify (`memory.events`,
//! `cgroup.events`), PSI triggers when asked for
//! ([`Options::psi_triggers`]), and inotify on the hierarchy's
//! directories; each notification samples its cgroup at once (and again
//! shortly after, as counters settle), and every `--interval` everything
//! is rediscovered and sampled anyway.
//!
//! The watch writes to cgroupfs only to register v1 notifications
//! (`cgroup.event_control`). PSI triggers are a write too (to a cgroup's
//! `memory.pressure` or `/proc/pressure/memory`), so they are opt-in;
//! without them PSI `some avg10` is read at each sample.
//!
//! Flow: [`discover`] (which cgroups) → [`sample::read`] (one reading) →
//! [`detect::detect`] (a pure function of the previous state, the sample
//! and the configuration) → [`Alert`] lines, [`metrics`] and the caller's
//! alert sink (webhooks).

pub mod detect;
pub mod discover;
pub mod events;
pub mod metrics;
pub mod psi;
pub mod sample;
pub mod sys;

pub use detect::{AlertType, Config, Detected, Extra, LeakConfig, Track, detect};
pub use discover::{Hierarchy, Target, Version};
pub use metrics::Metrics;
pub use sample::Sample;

use crate::NodeError;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Maps keyed by cgroup directory, hashed with foldhash (the keys come
/// from cgroupfs, and SipHash over ~100-byte paths several times per
/// cgroup per poll was a measurable share of the watch's CPU).
pub(crate) type PathMap<V> = HashMap<PathBuf, V, foldhash::fast::RandomState>;
pub(crate) type PathSet = HashSet<PathBuf, foldhash::fast::RandomState>;

/// Most cgroups followed at once (memory stays bounded).
pub const MAX_CGROUPS: usize = 10_000;

/// With inotify on every directory walked, a full poll walks the
/// hierarchies once in this many polls.
pub const WALK_EVERY: u32 = 10;

/// Descriptors a followed cgroup may need: five registrations (v1: OOM,
/// two pressure levels, the usage threshold, a PSI trigger) and a
/// directory handle.
const FDS_PER_CGROUP: u64 = 6;

/// Default [`Options::full_every`].
pub const FULL_EVERY: u32 = 10;

/// Least time between two event-driven samples of one cgroup.
const MIN_GAP: Duration = Duration::from_millis(50);
/// Follow-up samples after a notification: counters the kernel updates
/// just after it notifies (an OOM notification precedes the kill).
const FOLLOW_UPS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(3),
];
/// Most pending follow-ups per cgroup.
const MAX_FOLLOW_UPS: usize = 16;
/// Longest single wait (a stop request is seen this quickly).
const MAX_WAIT: Duration = Duration::from_millis(100);
/// Time per loop turn spent registering v1 usage thresholds (a batch
/// under way is finished).
const REGISTER_BUDGET: Duration = Duration::from_millis(50);
/// v1 usage thresholds registered at once: four per writing thread
/// ([`events::REGISTER_THREADS`]), about 50 ms of the kernel's RCU grace
/// periods.
const REGISTER_BATCH: usize = 4 * events::REGISTER_THREADS;

/// Where `pressure_high` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PressureSource {
    /// PSI of the cgroup, else the node's PSI, else (v1) pressure levels.
    Auto,
    /// PSI only (the cgroup's, else the node's).
    Psi,
    /// v1 `memory.pressure_level` critical notifications only.
    Level,
    /// No pressure alerts.
    Off,
}

impl PressureSource {
    pub const NAMES: [&'static str; 4] = ["auto", "psi", "level", "off"];

    pub fn parse(s: &str) -> Option<PressureSource> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(PressureSource::Auto),
            "psi" => Some(PressureSource::Psi),
            "level" | "pressure-level" | "pressure_level" => Some(PressureSource::Level),
            "off" | "none" => Some(PressureSource::Off),
            _ => None,
        }
    }
}

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
    /// Time between polls (the safety net under the notifications).
    pub interval: Duration,
    /// A cgroup whose OOM and limit counters wake the watch is read in
    /// full at one poll in this many (staggered across cgroups), and
    /// quickly (usage and v1 `failcnt`) at the others; 1: always in full.
    /// Notifications, and cgroups near their limit, under OOM or under
    /// pressure, are always read in full.
    pub full_every: u32,
    /// Stop after this many full polls (None: until `stop`).
    pub rounds: Option<u64>,
    pub config: Config,
    /// At most this many cgroups (capped at [`MAX_CGROUPS`]).
    pub max_cgroups: usize,
    /// Register kernel notifications (false: poll only).
    pub events: bool,
    pub pressure: PressureSource,
    /// Register PSI triggers (a write of `some <stall> <window>` to the
    /// pressure file) so that pressure wakes the watch between polls.
    /// Off: PSI is only read, at each sample, and nothing but v1 event
    /// registration is written to cgroupfs.
    pub psi_triggers: bool,
    /// Log each cgroup's mechanisms and every wake-up.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            root: PathBuf::from("/"),
            cgroups: Vec::new(),
            discover: true,
            all: false,
            interval: Duration::from_secs(1),
            full_every: FULL_EVERY,
            rounds: None,
            config: Config::default(),
            max_cgroups: MAX_CGROUPS,
            events: true,
            pressure: PressureSource::Auto,
            psi_triggers: false,
            verbose: false,
        }
    }
}

/// One alert line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub alert_type: AlertType,
    /// The cgroup's path inside its hierarchy (`/` for node-wide
    /// pressure).
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
    /// `v1`, `v2`, or `node` (node-wide PSI).
    pub hierarchy: &'static str,
    /// Figures of `leak_suspected` and `pressure_high`.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Alert {
    /// The line for what detection found in a followed cgroup, stamped
    /// `stamp`.
    fn of(t: &Target, d: Detected, stamp: &str) -> Alert {
        Alert {
            alert_type: d.alert_type,
            cgroup: t.cgroup.clone(),
            container_id: t.container_id.clone(),
            threshold_bytes: d.threshold_bytes,
            usage_bytes: d.usage_bytes,
            timestamp: stamp.to_string(),
            count: d.count,
            hierarchy: hierarchy_name(t.version),
            extra: d.extra,
        }
    }
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

/// How one followed cgroup is watched, and its pending samples.
#[derive(Debug, Default)]
struct Follow {
    mech: events::Mechanisms,
    /// Its own `memory.pressure`, when PSI is the pressure source.
    psi: Option<PathBuf>,
    /// v1 `memory.pressure_level` critical events drive `pressure_high`.
    level: bool,
    /// Critical pressure-level notifications received.
    critical: u64,
    /// A threshold that could not be registered (not retried).
    threshold_failed: Option<Option<u64>>,
    last_sample: Option<Instant>,
    followups: Vec<Instant>,
    /// When each notification source was last logged (`verbose`).
    last_wake_log: Vec<(events::Source, Instant)>,
    /// Its description was logged (after its first sample).
    announced: bool,
    /// A usage threshold waiting to be registered (None inside: none).
    threshold_want: Option<Option<u64>>,
    /// The last rediscovery walk that passed it.
    walked: u64,
    /// Its full readings fall on the polls `n` with `(n + phase) %
    /// full_every == 0` (spread over the polls).
    phase: u32,
    /// Polls before this one leave it unread (see [`Watcher::idle_until`]).
    idle_until: u64,
    /// Its directory, held open when the open-file limit allows (see
    /// [`sample::Dir`]).
    dir_fd: Option<std::os::fd::OwnedFd>,
}

impl Follow {
    fn schedule(&mut self, at: Instant) {
        let close = |t: &Instant| {
            let d = if *t > at { *t - at } else { at - *t };
            d < MIN_GAP
        };
        if self.followups.iter().any(close) {
            return;
        }
        if self.followups.len() >= MAX_FOLLOW_UPS {
            // Under a storm of notifications the sooner samples matter
            // most: the latest one pending gives way.
            let latest = self
                .followups
                .iter()
                .enumerate()
                .max_by_key(|(_, t)| **t)
                .map(|(i, _)| i);
            match latest {
                Some(i) if self.followups.get(i).is_some_and(|t| *t > at) => {
                    self.followups.swap_remove(i);
                }
                _ => return,
            }
        }
        self.followups.push(at);
    }

    fn mechanism(&self, version: Version) -> &'static str {
        match (self.mech.event_driven(), version) {
            (false, _) => "poll",
            (true, Version::V1) => "eventfd",
            (true, Version::V2) => "inotify",
        }
    }
}

fn hierarchy_name(v: Version) -> &'static str {
    match v {
        Version::V1 => "v1",
        Version::V2 => "v2",
    }
}

/// The watch state: hierarchies, followed cgroups, their tracks and
/// registrations.
pub struct Watcher {
    opts: Options,
    hierarchies: Vec<Hierarchy>,
    targets: Vec<Target>,
    /// Boxed: a Track is ~370 bytes, and a map's spare slots would hold
    /// them inline (2 MiB at 10,000 cgroups).
    tracks: PathMap<Box<Track>>,
    follows: PathMap<Follow>,
    started: Instant,
    /// Sampling failures other than vanishing, last full poll (file: error).
    pub errors: Vec<String>,
    engine: Option<events::Engine>,
    engine_error: Option<String>,
    /// `/proc/pressure/memory` when it can be read.
    node_psi: Option<PathBuf>,
    node_high: bool,
    node_trigger: Option<Result<(), String>>,
    node_followups: Vec<Instant>,
    metrics: Arc<Metrics>,
    log: Vec<String>,
    /// Cgroups whose usage threshold is to be (re-)registered.
    pending: std::collections::VecDeque<PathBuf>,
    last_poll: Option<PollStats>,
    /// Discovery found more cgroups than the cap (logged once).
    capped: bool,
    /// The current backlog of threshold registrations.
    backlog: Option<Backlog>,
    backlog_reported: bool,
    /// The next full poll walks the hierarchies (else it may rely on
    /// inotify, see [`WALK_EVERY`]).
    walk_due: bool,
    polls_since_walk: u32,
    /// Rediscovery walks done.
    walks: u64,
    /// Polls done.
    polls: u64,
    /// Quick readings of the poll under way.
    quick_reads: usize,
    /// Cgroups the poll under way left unread.
    idle_reads: usize,
    /// Phases handed out to followed cgroups.
    phases: u32,
    /// The cgroups with follow-up samples pending.
    scheduled: PathSet,
    /// The open-file limit in force.
    fd_limit: u64,
    /// Directory handles held.
    dir_fds: u64,
}

/// A run of usage-threshold registrations, for the log.
#[derive(Debug, Clone)]
struct Backlog {
    since: Instant,
    registered: usize,
    refused: usize,
    first_error: Option<String>,
}

/// What a poll reads of a cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Every file ([`sample::read`]).
    Full,
    /// The usage, and v1 `failcnt` ([`sample::read_quick`]).
    Quick,
    /// Nothing: notifications cover it until its next full reading.
    None,
}

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollStats {
    /// Cgroups read successfully.
    pub sampled: usize,
    /// Of those, read quickly (see [`Options::full_every`]).
    pub quick: usize,
    /// Of those, left unread: notifications cover them until their next
    /// full reading.
    pub idle: usize,
    /// Cgroups followed after the poll.
    pub followed: usize,
    /// Rediscovery, sampling and detection.
    pub took: Duration,
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
        let bad = |why: String| NodeError::Cgroup {
            path: "(watch)".into(),
            why,
        };
        let c = &opts.config;
        if c.near_percent == 0 || c.near_percent > 100 {
            return Err(bad(format!(
                "near-limit percentage {} is not in 1..=100",
                c.near_percent
            )));
        }
        if c.leak.window != 0 && !(3..=100_000).contains(&c.leak.window) {
            return Err(bad(format!(
                "leak window {} is not 0 (off) or 3..=100000 samples",
                c.leak.window
            )));
        }
        if !(c.leak.min_slope.is_finite() && c.leak.min_slope >= 0.0) {
            return Err(bad(format!(
                "leak minimum slope {} is not a non-negative number of bytes per second",
                c.leak.min_slope
            )));
        }
        if !(0.0..=1.0).contains(&c.leak.min_r2) {
            return Err(bad(format!(
                "leak minimum R² {} is not in 0..=1",
                c.leak.min_r2
            )));
        }
        if !(0.0..=100.0).contains(&c.pressure_threshold) {
            return Err(bad(format!(
                "pressure threshold {} is not a percentage in 0..=100",
                c.pressure_threshold
            )));
        }
        // Up to five registrations per cgroup (v1: OOM, two pressure
        // levels, the usage threshold, a PSI trigger), a directory handle,
        // and a reserve.
        let cap = opts.max_cgroups.min(MAX_CGROUPS) as u64;
        let fd_limit = sys::raise_nofile_limit(cap * FDS_PER_CGROUP + 1024);
        let (engine, engine_error) = if opts.events {
            match events::Engine::new() {
                Ok(e) => (Some(e), None),
                Err(e) => (None, Some(format!("epoll_create1: {e}"))),
            }
        } else {
            (None, Some("--poll-only".to_string()))
        };
        let node_psi = match opts.pressure {
            PressureSource::Auto | PressureSource::Psi => {
                let p = crate::env::under(&opts.root, "/proc/pressure/memory");
                psi::read(&p).is_some().then_some(p)
            }
            _ => None,
        };
        let metrics = Arc::new(Metrics::new(opts.interval));
        let mut w = Watcher {
            opts,
            hierarchies,
            targets: Vec::new(),
            tracks: PathMap::default(),
            follows: PathMap::default(),
            started: Instant::now(),
            errors: Vec::new(),
            engine,
            engine_error,
            node_psi,
            node_high: false,
            node_trigger: None,
            node_followups: Vec::new(),
            metrics,
            log: Vec::new(),
            pending: std::collections::VecDeque::new(),
            last_poll: None,
            capped: false,
            backlog: None,
            backlog_reported: false,
            walk_due: true,
            polls_since_walk: 0,
            walks: 0,
            polls: 0,
            quick_reads: 0,
            idle_reads: 0,
            phases: 0,
            scheduled: PathSet::default(),
            fd_limit,
            dir_fds: 0,
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
            let explicit: HashSet<PathBuf> = out.iter().map(|t| t.dir.clone()).collect();
            out.extend(
                discover::discover(&self.walked(), self.opts.all, cap)
                    .into_iter()
                    .filter(|t| !explicit.contains(&t.dir)),
            );
        }
        out.truncate(cap);
        Ok(out)
    }

    /// The hierarchies discovery walks: v1 memory, and cgroup2 trees with
    /// the memory controller.
    fn walked(&self) -> Vec<Hierarchy> {
        self.hierarchies
            .iter()
            .filter(|h| discover::has_memory_controller(h))
            .cloned()
            .collect()
    }

    /// The cgroups followed now.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The hierarchies walked.
    pub fn hierarchies(&self) -> &[Hierarchy] {
        &self.hierarchies
    }

    /// The metrics (serve them with [`metrics::serve`]).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Log lines produced since the last call.
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    fn is_explicit(&self, t: &Target) -> bool {
        self.opts
            .cgroups
            .iter()
            .any(|c| t.dir.as_os_str() == c.as_str() || t.cgroup == *c)
    }

    /// Rediscovers (when discovering): follows new cgroups, forgets gone
    /// ones, watches the directories walked. Returns the new cgroups.
    fn rediscover(&mut self) -> Vec<PathBuf> {
        if self.opts.discover {
            let cap = self.opts.max_cgroups.min(MAX_CGROUPS);
            // Followed cgroups the walk passes are marked with this walk's
            // number instead of being listed again.
            self.walks = self.walks.wrapping_add(1);
            let mark = self.walks;
            let walked = self.walked();
            let mut found = Vec::new();
            // A directory created between the walk listing its parent and
            // the watch on it being added is seen by walking again.
            for _ in 0..3 {
                let follows = &mut self.follows;
                // One more than the cap: whether some are left out.
                let (f, dirs) = discover::walk_with(
                    &walked,
                    self.opts.all,
                    cap.saturating_add(1),
                    &mut |p: &Path| match follows.get_mut(p) {
                        Some(f) => {
                            f.walked = mark;
                            true
                        }
                        None => false,
                    },
                );
                found = f;
                let Some(e) = self.engine.as_mut() else {
                    break;
                };
                let keep: HashSet<&Path> = dirs.iter().map(PathBuf::as_path).collect();
                e.retain_dirs(&|p: &Path| keep.contains(p));
                let mut added = false;
                for d in &dirs {
                    match e.watch_dir(d) {
                        Ok(new) => added |= new,
                        // Out of watches: the rest is found by polling.
                        Err(_) => break,
                    }
                }
                if !added {
                    break;
                }
            }
            // Still there: the explicit cgroups and the followed ones the
            // walk passed, in their order; then the new ones. Targets not
            // followed yet (the first poll's) are found again if present.
            let old = std::mem::take(&mut self.targets);
            let mut next = Vec::with_capacity(old.len() + found.len());
            let mut gone = Vec::new();
            for t in old {
                let walked_past = self.follows.get(&t.dir).map(|f| f.walked == mark);
                if self.is_explicit(&t) || walked_past == Some(true) {
                    next.push(t);
                } else if walked_past == Some(false) {
                    gone.push(t);
                }
            }
            if next.is_empty() {
                next = found;
            } else {
                let present: HashSet<PathBuf> = next.iter().map(|t| t.dir.clone()).collect();
                next.extend(found.into_iter().filter(|t| !present.contains(&t.dir)));
            }
            if next.len() > cap {
                next.truncate(cap);
                if !self.capped {
                    self.capped = true;
                    self.log.push(format!(
                        "warning: more than {cap} memory cgroups found: following {cap} of them (the most one watch follows), the others are not watched"
                    ));
                }
            }
            self.targets = next;
            for t in gone {
                self.unfollow(&t.dir);
                if self.opts.verbose {
                    self.log
                        .push(format!("no longer following {} (gone)", t.cgroup));
                }
            }
            // Followed cgroups cut by the cap (none unless the cap moved).
            if self.follows.len() > self.targets.len() {
                let keep: HashSet<&Path> = self.targets.iter().map(|t| t.dir.as_path()).collect();
                let extra: Vec<PathBuf> = self
                    .follows
                    .keys()
                    .filter(|d| !keep.contains(d.as_path()))
                    .cloned()
                    .collect();
                drop(keep);
                for d in extra {
                    self.unfollow(&d);
                }
            }
        }
        let new: Vec<Target> = self
            .targets
            .iter()
            .filter(|t| !self.follows.contains_key(&t.dir))
            .cloned()
            .collect();
        // Room for them at once: growing a map step by step keeps the old
        // and the new table alive at each step (megabytes at 10,000).
        self.follows.reserve(new.len());
        self.tracks.reserve(new.len());
        for t in &new {
            self.follow(t);
        }
        new.into_iter().map(|t| t.dir).collect()
    }

    /// Registers a cgroup's notifications and decides its pressure
    /// source.
    fn follow(&mut self, t: &Target) {
        let mut f = Follow::default();
        let p = self.opts.pressure;
        if matches!(p, PressureSource::Auto | PressureSource::Psi) {
            f.psi = psi::cgroup_pressure(t, &self.hierarchies);
        }
        f.phase = self.phases % self.opts.full_every.max(1);
        self.phases = self.phases.wrapping_add(1);
        f.level = t.version == Version::V1
            && t.dir.join("memory.pressure_level").exists()
            && match p {
                PressureSource::Level => true,
                PressureSource::Auto => f.psi.is_none() && self.node_psi.is_none(),
                _ => false,
            };
        let trigger = psi::trigger(self.opts.config.pressure_threshold);
        let triggers = self.opts.psi_triggers;
        if let Some(e) = self.engine.as_mut() {
            let psi = f
                .psi
                .as_deref()
                .filter(|_| triggers)
                .map(|p| (p, trigger.as_str()));
            // pressure_level eventfds only where they are the pressure
            // source: two descriptors per cgroup that a node with
            // thousands of cgroups needs for the OOM and usage-threshold
            // eventfds.
            f.mech = e.follow(t, f.level, psi);
        }
        // A directory handle while the open-file limit has room for every
        // followed cgroup's registrations and handle; past that the
        // handles are given up (registrations come first).
        let room = (self.follows.len() as u64 + 1) * FDS_PER_CGROUP + 1024 <= self.fd_limit;
        if room {
            if let Ok(fd) = sys::open_dir(&t.dir) {
                f.dir_fd = Some(fd);
                self.dir_fds += 1;
            }
        } else if self.dir_fds > 0 {
            for other in self.follows.values_mut() {
                other.dir_fd = None;
            }
            self.dir_fds = 0;
            if self.opts.verbose {
                self.log.push(format!(
                    "{} cgroups followed: directory handles given up (open-file limit {})",
                    self.follows.len() + 1,
                    self.fd_limit
                ));
            }
        }
        if let Some(e) = self.engine.as_mut() {
            e.other_held = self.dir_fds;
        }
        self.follows.insert(t.dir.clone(), f);
    }

    /// The log line saying how a cgroup is watched.
    fn describe(&self, t: &Target, f: &Follow) -> String {
        let p = self.opts.pressure;
        let pressure = match (&f.psi, f.level, p) {
            (_, _, PressureSource::Off) => "pressure: off".to_string(),
            (Some(path), _, _) if self.opts.psi_triggers => {
                format!("pressure: PSI {}", path.display())
            }
            (Some(path), _, _) => format!("pressure: PSI {} read at each sample", path.display()),
            (None, true, _) => "pressure: memory.pressure_level critical events".to_string(),
            (None, false, PressureSource::Level) => {
                "pressure: none (no memory.pressure_level on this cgroup)".to_string()
            }
            (None, false, _) => match &self.node_psi {
                Some(n) if self.opts.psi_triggers => {
                    format!("pressure: node-wide PSI {}", n.display())
                }
                Some(n) => format!("pressure: node-wide PSI {} read at each poll", n.display()),
                None => "pressure: none available".to_string(),
            },
        };
        let how = if f.mech.registered.is_empty() {
            format!("polled every {:?} only", self.opts.interval)
        } else {
            let full = if f.mech.counters_covered && self.opts.full_every > 1 {
                format!(
                    "read in full every {:?}",
                    self.opts.interval * self.opts.full_every
                )
            } else {
                format!("polled every {:?} as well", self.opts.interval)
            };
            format!("{}; {full}", f.mech.registered.join(", "))
        };
        let mut line = format!(
            "following {} ({}{}): {how}; {pressure}",
            t.cgroup,
            hierarchy_name(t.version),
            t.container_id
                .as_deref()
                .map(|c| format!(", container {c}"))
                .unwrap_or_default()
        );
        if let Some(e) = &self.engine_error
            && f.mech.registered.is_empty()
        {
            line.push_str(&format!(" (no notifications: {e})"));
        }
        if !f.mech.failed.is_empty() {
            line.push_str(&format!(
                " (could not register: {})",
                f.mech.failed.join("; ")
            ));
        }
        line
    }

    /// Drops a cgroup's registrations and state (not its target).
    fn unfollow(&mut self, dir: &Path) {
        if let Some(e) = self.engine.as_mut() {
            e.unfollow(dir);
        }
        if self.follows.remove(dir).is_some_and(|f| f.dir_fd.is_some()) {
            self.dir_fds = self.dir_fds.saturating_sub(1);
            if let Some(e) = self.engine.as_mut() {
                e.other_held = self.dir_fds;
            }
        }
        self.tracks.remove(dir);
        self.scheduled.remove(dir);
        if !self.pending.is_empty() {
            self.pending.retain(|d| d != dir);
        }
        self.metrics.forget(&dir.to_string_lossy());
    }

    /// Stops following a cgroup (it went away or is no longer found).
    fn forget(&mut self, dir: &Path) {
        self.unfollow(dir);
        if let Some(i) = self.targets.iter().position(|t| t.dir == dir) {
            let t = self.targets.remove(i);
            if self.opts.verbose {
                self.log
                    .push(format!("no longer following {} (gone)", t.cgroup));
            }
        }
    }

    fn at_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// What a poll reads of this cgroup (see [`Options::full_every`]).
    /// In full: at its turn, when it has no full reading yet, when its
    /// counters do not wake the watch, and when something is happening in
    /// it (near the limit, under OOM, under pressure). Otherwise only what
    /// no notification covers: nothing on v1 when the usage threshold is
    /// registered (it wakes the watch on crossing the near-limit line,
    /// which a `failcnt` rise implies) or there is no limit; on v2 the
    /// usage (`memory_limit_near` has no notification there), nothing
    /// without a limit.
    fn plan(&self, t: &Target) -> Reading {
        let n = u64::from(self.opts.full_every.max(1));
        match self.follows.get(&t.dir) {
            Some(f) if !(self.polls + u64::from(f.phase)).is_multiple_of(n) => {
                self.between_turns(t)
            }
            _ => Reading::Full,
        }
    }

    /// [`Watcher::plan`] for a poll that is not the cgroup's turn.
    fn between_turns(&self, t: &Target) -> Reading {
        let dir = t.dir.as_path();
        let (Some(f), Some(track)) = (self.follows.get(dir), self.tracks.get(dir)) else {
            return Reading::Full;
        };
        let calm = !track.near
            && track.last.under_oom != Some(true)
            && track.stuck_since.is_none()
            && !track.pressure_high;
        if self.opts.full_every <= 1 || !calm || !f.mech.counters_covered {
            return Reading::Full;
        }
        let Some(limit) = track.last.limit else {
            return Reading::None;
        };
        match t.version {
            Version::V1 => {
                let want = detect::near_threshold(limit, self.opts.config.near_percent);
                match self.engine.as_ref().and_then(|e| e.threshold(dir)) {
                    Some(b) if b == want => Reading::None,
                    _ => Reading::Quick,
                }
            }
            Version::V2 => Reading::Quick,
        }
    }

    /// The poll before which a cgroup needs no reading (0: the next one
    /// reads it): its next turn when, as things stand after a reading, the
    /// polls in between would read nothing.
    fn idle_until(&self, t: &Target) -> u64 {
        let Some(f) = self.follows.get(&t.dir) else {
            return 0;
        };
        if self.between_turns(t) != Reading::None {
            return 0;
        }
        let n = u64::from(self.opts.full_every.max(1));
        let k = (self.polls + u64::from(f.phase)) % n;
        // A reading made between polls (a notification's) counts for the
        // poll to come: its turn, if it is one, still reads.
        self.polls + (n - k) % n
    }

    /// Samples one cgroup and runs detection on it; false when it could
    /// not be read (gone, or a read error). `polled`: a poll's reading,
    /// which may be quick; notifications and their follow-ups read in
    /// full.
    fn sample_target(
        &mut self,
        t: &Target,
        stamp: &str,
        alerts: &mut Vec<Alert>,
        polled: bool,
    ) -> bool {
        let dir = t.dir.as_path();
        if !self.follows.contains_key(dir) {
            self.follow(t);
        }
        let at_ms = self.at_ms();
        let plan = if polled { self.plan(t) } else { Reading::Full };
        if plan == Reading::None {
            self.idle_reads += 1;
            let until = self.idle_until(t);
            if let Some(f) = self.follows.get_mut(dir) {
                f.idle_until = until;
            }
            return true;
        }
        let reading = {
            let fd = self.follows.get(dir).and_then(|f| f.dir_fd.as_ref());
            let d = sample::Dir {
                path: dir,
                fd: fd.map(std::os::fd::AsFd::as_fd),
            };
            match (plan, self.tracks.get(dir)) {
                (Reading::Quick, Some(track)) => sample::read_quick(t, d, &track.last, at_ms),
                _ => sample::read_in(t, d, at_ms),
            }
        };
        let mut s = match reading {
            Ok(s) => {
                self.quick_reads += usize::from(s.partial);
                s
            }
            Err(sample::Gone::Vanished) => {
                self.forget(dir);
                return false;
            }
            Err(sample::Gone::Failed(e)) => {
                self.errors.push(e);
                self.metrics.sample_error();
                return false;
            }
        };
        let Some(f) = self.follows.get_mut(dir) else {
            return false;
        };
        f.last_sample = Some(Instant::now());
        if let Some(p) = f.psi.as_ref().filter(|_| !s.partial) {
            s.pressure_avg10 = psi::read(p).map(|x| x.some.avg10);
        }
        if f.level {
            s.pressure_critical = Some(f.critical);
        }
        let psi_source = f.psi.as_ref().map(|p| p.display().to_string());
        let mechanism = f.mechanism(t.version);
        let (track, found) = detect(self.tracks.get(dir).map(|t| &**t), &s, &self.opts.config);
        for mut d in found {
            if d.alert_type == AlertType::PressureHigh {
                d.extra.pressure_source = if d.extra.pressure_level.is_some() {
                    Some(t.dir.join("memory.pressure_level").display().to_string())
                } else {
                    psi_source.clone()
                };
            }
            alerts.push(Alert::of(t, d, stamp));
        }
        match self.tracks.get_mut(dir) {
            Some(t) => **t = track,
            None => {
                self.tracks.insert(dir.to_path_buf(), Box::new(track));
            }
        }
        let until = self.idle_until(t);
        if let Some(f) = self.follows.get_mut(dir) {
            f.idle_until = until;
        }
        self.metrics.cgroup(
            &dir.to_string_lossy(),
            &t.cgroup,
            t.container_id.as_deref(),
            hierarchy_name(t.version),
            mechanism,
            &s,
        );
        // The v1 threshold eventfd follows the limit. Registering one
        // costs the kernel an RCU grace period (milliseconds), so it is
        // queued and done within a time budget per loop turn.
        if t.version == Version::V1
            && let Some(e) = self.engine.as_ref()
        {
            let want = s
                .limit
                .map(|l| detect::near_threshold(l, self.opts.config.near_percent));
            let current = e.threshold(dir);
            if let Some(f) = self.follows.get_mut(dir)
                && current != want
                && f.threshold_failed != Some(want)
            {
                if f.threshold_want.is_none() {
                    self.pending.push_back(dir.to_path_buf());
                }
                f.threshold_want = Some(want);
                return true;
            }
        }
        self.announce(t);
        true
    }

    /// Logs how a cgroup is watched, once (`verbose`).
    fn announce(&mut self, t: &Target) {
        if self.opts.verbose
            && let Some(f) = self.follows.get(&t.dir)
            && !f.announced
        {
            let line = self.describe(t, f);
            self.log.push(line);
        }
        if let Some(f) = self.follows.get_mut(&t.dir) {
            f.announced = true;
        }
    }

    /// Whether threshold registrations are queued.
    pub fn registrations_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Registers queued v1 usage thresholds for up to `budget`.
    pub fn register_pending(&mut self, budget: Duration) {
        if self.pending.is_empty() {
            return;
        }
        let started = Instant::now();
        let until = started + budget;
        self.backlog.get_or_insert(Backlog {
            since: started,
            registered: 0,
            refused: 0,
            first_error: None,
        });
        while Instant::now() < until && !self.pending.is_empty() {
            if self.engine.is_none() {
                self.pending.clear();
                break;
            }
            // A batch of the queued cgroups still followed (one pass over
            // the targets per batch, not one per cgroup).
            let mut dirs: HashSet<PathBuf> = HashSet::new();
            while dirs.len() < REGISTER_BATCH {
                let Some(dir) = self.pending.pop_front() else {
                    break;
                };
                dirs.insert(dir);
            }
            let batch = self.targets_in(&dirs);
            let mut items = Vec::with_capacity(batch.len());
            let mut wants = HashMap::with_capacity(batch.len());
            for t in &batch {
                if let Some(want) = self
                    .follows
                    .get_mut(&t.dir)
                    .and_then(|f| f.threshold_want.take())
                {
                    items.push((t.dir.clone(), want));
                    wants.insert(t.dir.clone(), want);
                }
            }
            let Some(e) = self.engine.as_mut() else {
                break;
            };
            let results = e.set_thresholds(items);
            if let Some(b) = self.backlog.as_mut() {
                for (_, r) in &results {
                    match r {
                        Ok(_) => b.registered += 1,
                        Err(e) => {
                            b.refused += 1;
                            if b.first_error.is_none() {
                                b.first_error = Some(e.clone());
                            }
                        }
                    }
                }
            }
            for (dir, r) in results {
                let (Some(t), Some(want)) = (
                    batch.iter().find(|t| t.dir == dir),
                    wants.get(&dir).copied(),
                ) else {
                    continue;
                };
                let Some(f) = self.follows.get_mut(&dir) else {
                    continue;
                };
                let line = match r {
                    Ok(line) => {
                        f.threshold_failed = None;
                        let m = "eventfd memory.usage_in_bytes threshold";
                        f.mech.registered.retain(|r| !r.starts_with(m));
                        if want.is_some() {
                            f.mech.registered.push(line.clone());
                        }
                        line
                    }
                    Err(why) => {
                        f.threshold_failed = Some(want);
                        f.mech.failed.push(why.clone());
                        format!("could not register {why}")
                    }
                };
                if f.announced {
                    if self.opts.verbose {
                        self.log.push(format!("{}: {line}", t.cgroup));
                    }
                } else {
                    self.announce(t);
                }
            }
        }
        if self.pending.is_empty()
            && let Some(b) = self.backlog.take()
        {
            // The first backlog (startup) is always reported: with
            // thousands of v1 cgroups it takes a while, the kernel
            // waiting for an RCU grace period at each registration.
            let first = !self.backlog_reported;
            self.backlog_reported = true;
            let n = b.registered + b.refused;
            if n > 0 && (first || self.opts.verbose) {
                let mut line = format!(
                    "usage thresholds registered for {} of {n} cgroup{} in {:.1} s",
                    b.registered,
                    if n == 1 { "" } else { "s" },
                    b.since.elapsed().as_secs_f64()
                );
                if let Some(e) = &b.first_error {
                    line.push_str(&format!(
                        "; {} refused ({e}): their near-limit crossings are seen by polling",
                        b.refused
                    ));
                }
                self.log.push(line);
            }
        }
    }

    /// Node-wide PSI, for the cgroups without their own.
    fn node_pressure(&mut self, stamp: &str, alerts: &mut Vec<Alert>) {
        let Some(path) = self.node_psi.clone() else {
            return;
        };
        let needed = self.follows.values().any(|f| f.psi.is_none() && !f.level);
        if !needed {
            self.metrics.node_pressure(None);
            return;
        }
        if self.node_trigger.is_none() {
            let trigger = psi::trigger(self.opts.config.pressure_threshold);
            let r = match (self.opts.psi_triggers, self.engine.as_mut()) {
                (true, Some(e)) => Some(e.node_pressure(&path, &trigger)),
                (true, None) => None,
                (false, _) => Some(Err("no PSI trigger without --psi-triggers".to_string())),
            };
            if let Some(r) = r {
                if self.opts.verbose {
                    self.log.push(match &r {
                        Ok(()) => format!(
                            "node-wide pressure: PSI trigger {} ({trigger})",
                            path.display()
                        ),
                        Err(e) => format!(
                            "node-wide pressure: {} read at each poll ({e})",
                            path.display()
                        ),
                    });
                }
                self.node_trigger = Some(r);
            }
        }
        let avg = psi::read(&path).map(|p| p.some.avg10);
        self.metrics.node_pressure(avg);
        let (high, fire) =
            detect::pressure(self.node_high, avg, self.opts.config.pressure_threshold);
        self.node_high = high;
        if fire {
            let meminfo = crate::read_text(&crate::env::under(&self.opts.root, "/proc/meminfo"))
                .ok()
                .flatten()
                .unwrap_or_default();
            let kb = |k: &str| {
                meminfo.lines().find_map(|l| {
                    let rest = l.strip_prefix(k)?.strip_prefix(':')?;
                    rest.split_whitespace().next()?.parse::<u64>().ok()
                })
            };
            let used = kb("MemTotal")
                .zip(kb("MemAvailable"))
                .map(|(t, a)| t.saturating_sub(a).saturating_mul(1024))
                .unwrap_or(0);
            alerts.push(Alert {
                alert_type: AlertType::PressureHigh,
                cgroup: "/".into(),
                container_id: None,
                threshold_bytes: None,
                usage_bytes: used,
                timestamp: stamp.to_string(),
                count: None,
                hierarchy: "node",
                extra: Extra {
                    pressure_avg10: avg,
                    pressure_threshold: Some(self.opts.config.pressure_threshold),
                    pressure_source: Some(path.display().to_string()),
                    ..Extra::default()
                },
            });
        }
    }

    /// One full poll: rediscovers (explicit cgroups that vanished are
    /// dropped), samples every cgroup and returns the alerts, stamped
    /// `now`.
    pub fn poll(&mut self, now: SystemTime) -> Vec<Alert> {
        let t0 = Instant::now();
        // inotify on every directory walked reports cgroups coming and
        // going between polls; the walk is then only a safety net, run
        // every WALK_EVERY polls (a tenth of a poll's time saved).
        let covered = self
            .engine
            .as_ref()
            .is_some_and(|e| e.inotify_error.is_none() && e.dir_error.is_none());
        if self.walk_due || !covered || self.polls_since_walk + 1 >= WALK_EVERY {
            self.rediscover();
            self.walk_due = false;
            self.polls_since_walk = 0;
        } else {
            self.polls_since_walk += 1;
        }
        let stamp = rfc3339(now);
        let mut alerts = Vec::new();
        self.errors.clear();
        // Sampled in place (no copy of the list): a cgroup that vanished
        // is forgotten by sampling and left out of the list put back.
        let targets = std::mem::take(&mut self.targets);
        let mut kept = Vec::with_capacity(targets.len());
        let mut sampled = 0;
        for t in targets {
            // Notifications cover it until its turn: one look-up.
            if self
                .follows
                .get(&t.dir)
                .is_some_and(|f| f.idle_until > self.polls)
            {
                self.idle_reads += 1;
                sampled += 1;
                kept.push(t);
                continue;
            }
            if self.sample_target(&t, &stamp, &mut alerts, true) {
                sampled += 1;
                kept.push(t);
            } else if self.follows.contains_key(&t.dir) {
                // A read error: still followed.
                kept.push(t);
            } else if self.opts.verbose {
                self.log
                    .push(format!("no longer following {} (gone)", t.cgroup));
            }
        }
        self.targets = kept;
        self.polls = self.polls.wrapping_add(1);
        self.node_pressure(&stamp, &mut alerts);
        let took = t0.elapsed();
        self.last_poll = Some(PollStats {
            sampled,
            quick: std::mem::take(&mut self.quick_reads),
            idle: std::mem::take(&mut self.idle_reads),
            followed: self.targets.len(),
            took,
        });
        self.metrics.poll_done(took);
        alerts
    }

    /// What the last full poll did.
    pub fn last_poll(&self) -> Option<PollStats> {
        self.last_poll
    }

    /// The alerts still owed when the watch stops (counter rises that
    /// waited for their quiet period), stamped `now`.
    pub fn flush(&mut self, now: SystemTime) -> Vec<Alert> {
        let stamp = rfc3339(now);
        let mut alerts = Vec::new();
        for t in &self.targets {
            let Some(track) = self.tracks.get_mut(&t.dir) else {
                continue;
            };
            let (next, found) = detect::flush(track, &self.opts.config);
            **track = next;
            alerts.extend(found.into_iter().map(|d| Alert::of(t, d, &stamp)));
        }
        alerts
    }

    /// The followed targets whose directories are in `dirs`, in the
    /// targets' order (stable output).
    fn targets_in<S: std::hash::BuildHasher>(&self, dirs: &HashSet<PathBuf, S>) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| dirs.contains(&t.dir))
            .cloned()
            .collect()
    }

    /// When the next follow-up sample is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.scheduled
            .iter()
            .filter_map(|d| self.follows.get(d))
            .flat_map(|f| f.followups.iter())
            .chain(self.node_followups.iter())
            .min()
            .copied()
    }

    /// Samples the cgroups whose follow-ups are due.
    pub fn sample_due(&mut self, now: SystemTime) -> Vec<Alert> {
        let at = Instant::now();
        let mut due = Vec::new();
        // Only the cgroups with follow-ups pending are looked at: the
        // loop turns several times a second.
        let follows = &mut self.follows;
        self.scheduled.retain(|dir| {
            let Some(f) = follows.get_mut(dir) else {
                return false;
            };
            if f.followups.iter().any(|t| *t <= at) {
                f.followups.retain(|t| *t > at);
                due.push(dir.clone());
            }
            !f.followups.is_empty()
        });
        let node_due = self.node_followups.iter().any(|t| *t <= at);
        self.node_followups.retain(|t| *t > at);
        let mut alerts = Vec::new();
        if due.is_empty() && !node_due {
            return alerts;
        }
        // In the order of the targets (stable output).
        let due: HashSet<PathBuf> = due.into_iter().collect();
        let targets = self.targets_in(&due);
        let stamp = rfc3339(now);
        for t in targets {
            self.sample_target(&t, &stamp, &mut alerts, false);
        }
        if node_due {
            self.node_pressure(&stamp, &mut alerts);
        }
        alerts
    }

    /// Acts on notifications: schedules samples of the cgroups concerned
    /// (at once, and follow-ups), rediscovers, and returns the alerts of
    /// the samples due now.
    pub fn handle(&mut self, wakes: Vec<events::Wake>, now: SystemTime) -> Vec<Alert> {
        use events::{Level, Source, Wake};
        let at = Instant::now();
        let mut rediscover = false;
        let mut overflow = false;
        for w in wakes {
            match w {
                Wake::Cgroup { dir, source, count } => {
                    self.metrics.wake(source.label());
                    let stuck = Duration::from_secs(self.opts.config.stuck_secs)
                        + Duration::from_millis(250);
                    let verbose = self.opts.verbose;
                    let Some(f) = self.follows.get_mut(&dir) else {
                        continue;
                    };
                    if source == Source::Level(Level::Critical) {
                        f.critical = f.critical.saturating_add(count);
                    }
                    let first = f.last_sample.map_or(at, |l| (l + MIN_GAP).max(at));
                    self.scheduled.insert(dir.clone());
                    f.schedule(first);
                    for d in FOLLOW_UPS {
                        f.schedule(at + d);
                    }
                    if source == Source::Oom {
                        f.schedule(at + stuck);
                    }
                    let quiet = f
                        .last_wake_log
                        .iter()
                        .find(|(s, _)| *s == source)
                        .is_none_or(|(_, t)| t.elapsed() >= Duration::from_secs(1));
                    if verbose && quiet {
                        f.last_wake_log.retain(|(s, _)| *s != source);
                        f.last_wake_log.push((source, at));
                        let what = match source {
                            Source::Oom => "eventfd memory.oom_control".to_string(),
                            Source::Threshold => {
                                "eventfd memory.usage_in_bytes threshold".to_string()
                            }
                            Source::Level(l) => {
                                format!("eventfd memory.pressure_level {}", l.as_str())
                            }
                            Source::Psi => "PSI trigger".to_string(),
                            Source::Inotify => "inotify memory.events/cgroup.events".to_string(),
                        };
                        let cgroup = self
                            .targets
                            .iter()
                            .find(|t| t.dir == dir)
                            .map_or_else(|| dir.display().to_string(), |t| t.cgroup.clone());
                        self.log
                            .push(format!("woken by {what} for {cgroup} (×{count})"));
                    }
                }
                Wake::NodePressure => {
                    self.metrics.wake("psi_trigger");
                    for d in [
                        Duration::ZERO,
                        Duration::from_secs(2),
                        Duration::from_secs(4),
                    ] {
                        if self.node_followups.len() < MAX_FOLLOW_UPS {
                            self.node_followups.push(at + d);
                        }
                    }
                }
                Wake::Rediscover => {
                    if !rediscover {
                        self.metrics.wake("inotify");
                    }
                    rediscover = true;
                }
                Wake::Overflow => overflow = true,
            }
        }
        if overflow {
            self.walk_due = true;
            return self.poll(now);
        }
        if rediscover {
            let new = self.rediscover();
            for d in new {
                if let Some(f) = self.follows.get_mut(&d) {
                    // The baseline now; limits a runtime writes just after
                    // creating the cgroup are picked up by the follow-ups.
                    self.scheduled.insert(d.clone());
                    f.schedule(at);
                    for d in FOLLOW_UPS {
                        f.schedule(at + d);
                    }
                }
            }
        }
        self.sample_due(now)
    }

    /// Waits up to `timeout` for notifications (sleeps when there is no
    /// event engine). An engine failure is logged and polling takes over.
    pub fn wait(&mut self, timeout: Duration) -> Vec<events::Wake> {
        let Some(e) = self.engine.as_mut() else {
            std::thread::sleep(timeout);
            return Vec::new();
        };
        match e.wait(timeout) {
            Ok(w) => w,
            Err(err) => {
                self.log.push(format!(
                    "waiting for notifications failed ({err}): polling every {:?} from now on",
                    self.opts.interval
                ));
                self.engine = None;
                self.engine_error = Some(format!("epoll_wait: {err}"));
                Vec::new()
            }
        }
    }

    /// The startup line: what is followed and how.
    pub fn summary(&self) -> String {
        let n = self.targets.len();
        let mut v1 = 0;
        let mut v2 = 0;
        let mut polled = 0;
        let mut psi_own = 0;
        let mut level = 0;
        let mut node = 0;
        for t in &self.targets {
            let Some(f) = self.follows.get(&t.dir) else {
                continue;
            };
            match f.mechanism(t.version) {
                "eventfd" => v1 += 1,
                "inotify" => v2 += 1,
                _ => polled += 1,
            }
            if f.psi.is_some() {
                psi_own += 1;
            } else if f.level {
                level += 1;
            } else {
                node += 1;
            }
        }
        let mut s = format!(
            "following {n} cgroup{}: {} event-driven (v1 eventfd {v1}, v2 inotify {v2}), {polled} polled only",
            if n == 1 { "" } else { "s" },
            v1 + v2
        );
        if let Some(e) = &self.engine_error {
            s.push_str(&format!(" ({e})"));
        }
        s.push_str(&format!("; full poll every {:?}", self.opts.interval));
        if self.opts.full_every > 1 {
            s.push_str(&format!(
                " (a cgroup whose OOM and limit counters wake the watch is read in full every {:?}, and between its turns only as far as notifications do not cover it)",
                self.opts.interval * self.opts.full_every
            ));
        }
        if self.opts.discover {
            match &self.engine {
                Some(e) if e.dir_error.is_none() => s.push_str(&format!(
                    "; new cgroups: inotify on {} directories",
                    e.watched_dirs()
                )),
                Some(e) => s.push_str(&format!(
                    "; new cgroups: inotify on {} directories, the rest at each poll ({})",
                    e.watched_dirs(),
                    e.dir_error.as_deref().unwrap_or("")
                )),
                None => s.push_str("; new cgroups: at each poll"),
            }
        }
        s.push_str(&match self.opts.pressure {
            PressureSource::Off => "; pressure: off".to_string(),
            _ => format!(
                "; pressure: own PSI {psi_own}, node PSI {node}{}, pressure_level {level}, PSI triggers {}",
                if self.node_psi.is_none() && node > 0 {
                    " (unavailable)"
                } else {
                    ""
                },
                if self.opts.psi_triggers {
                    "on"
                } else {
                    "off (PSI read at each sample)"
                }
            ),
        });
        s
    }
}

/// Where a watch's output goes.
pub struct Sinks<'a> {
    /// Alert JSON lines (flushed after each batch).
    pub out: &'a mut dyn Write,
    /// Status lines (the startup summary, `verbose` logging).
    pub log: &'a mut dyn FnMut(&str),
    /// Every alert, after it is written (webhooks).
    pub alert: &'a mut dyn FnMut(&Alert),
}

fn emit(w: &Watcher, sinks: &mut Sinks<'_>, alerts: &[Alert]) -> std::io::Result<u64> {
    for a in alerts {
        w.metrics.alert(a.alert_type);
    }
    for a in alerts {
        let line = serde_json::to_string(a).map_err(std::io::Error::other)?;
        writeln!(sinks.out, "{line}")?;
    }
    if !alerts.is_empty() {
        sinks.out.flush()?;
    }
    for a in alerts {
        (sinks.alert)(a);
    }
    Ok(alerts.len() as u64)
}

/// Runs the watch until `stop` is set (or `opts.rounds` full polls):
/// a full poll every `opts.interval`, and between polls, samples of the
/// cgroups the kernel notifies about. Each alert is one JSON line to
/// `sinks.out`, flushed per batch. Returns the number of alerts written;
/// fails only when `sinks.out` cannot be written.
pub fn run(mut w: Watcher, sinks: &mut Sinks<'_>, stop: &AtomicBool) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut round = 0u64;
    let interval = w.opts.interval;
    let mut next_tick = Instant::now();
    let mut announced = false;
    let mut last_slow: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        let mut polled = false;
        if now >= next_tick {
            w.metrics.wake("interval");
            let alerts = w.poll(SystemTime::now());
            if let Some(p) = w.last_poll() {
                if w.opts.verbose {
                    w.log.push(format!(
                        "poll {}: sampled {} of {} cgroups ({} in full, {} quickly, {} covered by notifications) in {:.1} ms",
                        round + 1,
                        p.sampled,
                        p.followed,
                        p.sampled - p.quick - p.idle,
                        p.quick,
                        p.idle,
                        p.took.as_secs_f64() * 1000.0
                    ));
                }
                if p.took > interval
                    && last_slow.is_none_or(|t: Instant| t.elapsed() >= Duration::from_secs(60))
                {
                    last_slow = Some(Instant::now());
                    w.log.push(format!(
                        "warning: a full poll of {} cgroups took {:.2} s, longer than the --interval of {:.2} s: polls run back to back",
                        p.followed,
                        p.took.as_secs_f64(),
                        interval.as_secs_f64()
                    ));
                }
            }
            w.register_pending(REGISTER_BUDGET);
            polled = true;
            round = round.saturating_add(1);
            next_tick += interval;
            if next_tick <= now {
                next_tick = now + interval;
            }
            for l in w.take_log() {
                (sinks.log)(&l);
            }
            if !announced {
                (sinks.log)(&w.summary());
                announced = true;
            }
            written = written.saturating_add(emit(&w, sinks, &alerts)?);
        }
        w.metrics.tick(polled);
        if w.opts.rounds.is_some_and(|r| round >= r) {
            break;
        }
        w.register_pending(REGISTER_BUDGET);
        let deadline = w.next_due().map_or(next_tick, |d| d.min(next_tick));
        let cap = if w.registrations_pending() {
            Duration::from_millis(5)
        } else {
            MAX_WAIT
        };
        let timeout = deadline.saturating_duration_since(Instant::now()).min(cap);
        let wakes = w.wait(timeout);
        let alerts = if wakes.is_empty() {
            w.sample_due(SystemTime::now())
        } else {
            w.handle(wakes, SystemTime::now())
        };
        for l in w.take_log() {
            (sinks.log)(&l);
        }
        written = written.saturating_add(emit(&w, sinks, &alerts)?);
    }
    let owed = w.flush(SystemTime::now());
    written = written.saturating_add(emit(&w, sinks, &owed)?);
    sinks.out.flush()?;
    Ok(written)
}

/// [`run`] with alerts to `out` only.
pub fn watch(w: Watcher, out: &mut dyn Write, stop: &AtomicBool) -> std::io::Result<u64> {
    let mut log = |_: &str| {};
    let mut alert = |_: &Alert| {};
    run(
        w,
        &mut Sinks {
            out,
            log: &mut log,
            alert: &mut alert,
        },
        stop,
    )
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
                ..Config::default()
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

    #[test]
    fn bad_detection_settings_are_refused() {
        let with = |config: Config| {
            let opts = Options {
                config,
                discover: false,
                events: false,
                ..Options::default()
            };
            Watcher::with_hierarchies(opts, Vec::new())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        let leak = |window, min_slope, min_r2| Config {
            leak: LeakConfig {
                window,
                min_slope,
                min_r2,
                ..LeakConfig::default()
            },
            ..Config::default()
        };
        assert!(with(leak(2, 1.0, 0.5)).contains("leak window 2"));
        assert!(with(leak(10, f64::NAN, 0.5)).contains("slope"));
        assert!(with(leak(10, 1.0, 1.5)).contains("R²"));
        assert_eq!(with(leak(0, 1.0, 0.5)), "", "0 switches leak detection off");
        let p = Config {
            pressure_threshold: 101.0,
            ..Config::default()
        };
        assert!(with(p).contains("pressure threshold"));
    }

    #[test]
    fn follow_ups_stay_bounded_and_sooner_ones_win() {
        let mut f = Follow::default();
        let t0 = Instant::now();
        for i in 0..100u64 {
            f.schedule(t0 + Duration::from_millis(1000 + i * 100));
        }
        assert_eq!(f.followups.len(), MAX_FOLLOW_UPS);
        // Close to a pending one: merged.
        f.schedule(t0 + Duration::from_millis(1010));
        assert_eq!(f.followups.len(), MAX_FOLLOW_UPS);
        // A sooner one replaces the latest.
        f.schedule(t0);
        assert!(f.followups.contains(&t0));
        assert_eq!(f.followups.len(), MAX_FOLLOW_UPS);
        assert!(
            f.followups
                .iter()
                .all(|t| *t <= t0 + Duration::from_millis(2500))
        );
    }

    #[test]
    fn pressure_sources_parse() {
        assert_eq!(PressureSource::parse("AUTO"), Some(PressureSource::Auto));
        assert_eq!(
            PressureSource::parse("pressure_level"),
            Some(PressureSource::Level)
        );
        assert_eq!(PressureSource::parse("sometimes"), None);
    }
}
