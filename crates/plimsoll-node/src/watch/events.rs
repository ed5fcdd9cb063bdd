//! The kernel's memory notifications, registered per cgroup, and one
//! epoll wait over all of them:
//!
//! - v1: an eventfd per notification through `cgroup.event_control` —
//!   `memory.oom_control` (OOM), `memory.usage_in_bytes` (a usage
//!   threshold: the `memory_limit_near` line, signalled on each crossing)
//!   and `memory.pressure_level` (`medium` and `critical` reclaim
//!   pressure, hierarchy mode). The kernel also signals these when the
//!   cgroup is removed; closing the eventfd unregisters them.
//! - v2: inotify `IN_MODIFY` on `memory.events` (the kernel notifies on
//!   every counter change: low, high, max, oom, oom_kill) and
//!   `cgroup.events` (populated, frozen).
//! - PSI (only when the watch is asked for triggers: registering one is
//!   a write to the pressure file): a trigger (`some <stall> 10000000`)
//!   on the cgroup's `memory.pressure` or on `/proc/pressure/memory`,
//!   polled for `EPOLLPRI`.
//! - inotify on the hierarchy's directories (`IN_CREATE`, `IN_DELETE`,
//!   moves): cgroups coming and going.
//!
//! Anything that cannot be registered (an old kernel, no permission, no
//! descriptors left) is reported and that cgroup is polled instead.

use super::discover::{Target, Version};
use super::sys;
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `memory.pressure_level` levels registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Medium,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Medium => "medium",
            Level::Critical => "critical",
        }
    }
}

/// What woke the watch for one cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// v1 `memory.oom_control` eventfd.
    Oom,
    /// v1 `memory.usage_in_bytes` threshold eventfd.
    Threshold,
    /// v1 `memory.pressure_level` eventfd.
    Level(Level),
    /// A PSI trigger on the cgroup's `memory.pressure`.
    Psi,
    /// v2 `memory.events` / `cgroup.events` inotify.
    Inotify,
}

impl Source {
    /// The metrics label.
    pub fn label(self) -> &'static str {
        match self {
            Source::Oom | Source::Threshold | Source::Level(_) => "eventfd",
            Source::Psi => "psi_trigger",
            Source::Inotify => "inotify",
        }
    }
}

/// One wake-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wake {
    /// A notification for the cgroup at this directory (`count`: how many
    /// times the kernel signalled it since the last read).
    Cgroup {
        dir: PathBuf,
        source: Source,
        count: u64,
    },
    /// The node-wide PSI trigger fired.
    NodePressure,
    /// A watched directory gained or lost an entry.
    Rediscover,
    /// The inotify queue overflowed: events were lost, re-read everything.
    Overflow,
}

#[derive(Debug, Clone)]
enum Watch {
    Dir(PathBuf),
    File(PathBuf),
}

/// The descriptors held for one cgroup.
#[derive(Default)]
struct Hooks {
    fds: Vec<(u64, OwnedFd)>,
    /// The threshold eventfd's token and its bytes.
    threshold: Option<(u64, u64)>,
    psi: Option<u64>,
    wds: Vec<i32>,
}

/// How one cgroup is followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mechanisms {
    /// What is registered, for the log (`eventfd memory.oom_control`, …).
    pub registered: Vec<String>,
    /// What could not be, and why.
    pub failed: Vec<String>,
    /// The OOM and limit counters wake the watch (v1 `memory.oom_control`
    /// eventfd, v2 inotify on `memory.events`): polls may read it quickly
    /// (see [`super::sample::read_quick`]).
    pub counters_covered: bool,
}

impl Mechanisms {
    /// Whether any kernel notification wakes the watch for this cgroup.
    pub fn event_driven(&self) -> bool {
        !self.registered.is_empty()
    }
}

/// All registrations and the epoll instance waiting on them.
pub struct Engine {
    epoll: sys::Epoll,
    inotify: Option<OwnedFd>,
    /// Why there is no inotify instance.
    pub inotify_error: Option<String>,
    next_token: u64,
    tokens: HashMap<u64, (PathBuf, Source)>,
    wds: HashMap<i32, Watch>,
    dirs: super::PathMap<i32>,
    hooks: super::PathMap<Hooks>,
    /// Descriptors the watch holds besides the registrations (directory
    /// handles), counted against the open-file limit.
    pub other_held: u64,
    node_psi: Option<OwnedFd>,
    /// The first directory watch that failed (the rest is rediscovered by
    /// polling).
    pub dir_error: Option<String>,
    /// The open-file limit when the engine was made.
    fd_limit: u64,
}

/// Descriptors never spent on registrations: sampling opens one file at
/// a time, and the metrics server, webhooks and output need some too.
pub const FD_RESERVE: u64 = 256;

/// Most threads writing a batch of v1 registrations at once.
pub const REGISTER_THREADS: usize = 32;

/// A v1 registration ready to be written to `cgroup.event_control`.
struct Prepared {
    dir: PathBuf,
    efd: OwnedFd,
    /// The file the notification is about (open until the write is done).
    _target: OwnedFd,
    ctl: OwnedFd,
    cmd: String,
    source: Source,
}

/// Writes each prepared registration, `results[i]` for `prepared[i]`:
/// one at a time for a few, else from up to [`REGISTER_THREADS`] scoped
/// threads (small stacks; nothing allocated in them). A share whose
/// thread cannot be started is written by the calling thread afterwards.
fn write_all(prepared: &[(usize, u64, Prepared)]) -> Vec<io::Result<()>> {
    let mut results: Vec<Option<io::Result<()>>> = prepared.iter().map(|_| None).collect();
    let write = |p: &[(usize, u64, Prepared)], r: &mut [Option<io::Result<()>>]| {
        for ((_, _, p), r) in p.iter().zip(r.iter_mut()) {
            *r = Some(sys::write_once(&p.ctl, p.cmd.as_bytes()));
        }
    };
    if prepared.len() > 1 {
        let per = prepared.len().div_ceil(REGISTER_THREADS);
        std::thread::scope(|s| {
            for (p, r) in prepared.chunks(per).zip(results.chunks_mut(per)) {
                // On failure the share stays unwritten (None) and is
                // written below.
                let _ = std::thread::Builder::new()
                    .name("plimsoll-register".into())
                    .stack_size(64 * 1024)
                    .spawn_scoped(s, move || write(p, r));
            }
        });
    }
    prepared
        .iter()
        .zip(results)
        .map(|((_, _, p), r)| r.unwrap_or_else(|| sys::write_once(&p.ctl, p.cmd.as_bytes())))
        .collect()
}

const INOTIFY_TOKEN: u64 = 0;
const NODE_PSI_TOKEN: u64 = 1;

fn err(what: &str, e: &io::Error) -> String {
    format!("{what}: {e}")
}

impl Engine {
    /// An epoll instance (an error means no event-driven watching at all)
    /// and, when the kernel allows, an inotify instance.
    pub fn new() -> io::Result<Engine> {
        let epoll = sys::Epoll::new()?;
        let (inotify, inotify_error) = match sys::inotify() {
            Ok(fd) => match epoll.add(fd.as_raw_fd(), sys::EPOLLIN, INOTIFY_TOKEN) {
                Ok(()) => (Some(fd), None),
                Err(e) => (None, Some(err("inotify", &e))),
            },
            Err(e) => (None, Some(err("inotify_init1", &e))),
        };
        Ok(Engine {
            epoll,
            inotify,
            inotify_error,
            next_token: 2,
            tokens: HashMap::new(),
            wds: HashMap::new(),
            dirs: super::PathMap::default(),
            hooks: super::PathMap::default(),
            other_held: 0,
            node_psi: None,
            dir_error: None,
            // Unknown (getrlimit failed): no budget is enforced.
            fd_limit: match sys::nofile_limits().0 {
                0 => u64::MAX,
                n => n,
            },
        })
    }

    /// Fails when one more held descriptor would eat into
    /// [`FD_RESERVE`]: without descriptors to spare the cgroup files
    /// could not be read at all, so the registration gives way and the
    /// cgroup is polled.
    fn spare(&self, extra: u64) -> io::Result<()> {
        // Registrations (one descriptor each, and for prepared ones three
        // until they are committed), epoll, inotify, node PSI.
        let held = self.tokens.len() as u64 + 3 + self.other_held + extra.saturating_mul(3);
        if held.saturating_add(FD_RESERVE) >= self.fd_limit {
            return Err(io::Error::other(format!(
                "open-file limit {} reached ({held} held; the last {FD_RESERVE} are kept for reading cgroup files)",
                self.fd_limit
            )));
        }
        Ok(())
    }

    fn token(&mut self, dir: &Path, source: Source) -> u64 {
        let t = self.next_token;
        self.next_token = self.next_token.wrapping_add(1).max(2);
        self.tokens.insert(t, (dir.to_path_buf(), source));
        t
    }

    /// Prepares one v1 notification: the eventfd, the file it is about
    /// and `cgroup.event_control` opened, the command composed. `extra`:
    /// registrations prepared but not committed yet (their descriptors
    /// count against the budget).
    fn prepare_v1(
        &self,
        dir: &Path,
        file: &str,
        args: &str,
        source: Source,
        extra: u64,
    ) -> io::Result<Prepared> {
        self.spare(extra)?;
        let efd = sys::eventfd()?;
        let target = sys::open(&dir.join(file), libc::O_RDONLY)?;
        let ctl = sys::open(&dir.join("cgroup.event_control"), libc::O_WRONLY)?;
        let cmd = format!("{} {} {args}", efd.as_raw_fd(), target.as_raw_fd())
            .trim_end()
            .to_string();
        Ok(Prepared {
            dir: dir.to_path_buf(),
            efd,
            _target: target,
            ctl,
            cmd,
            source,
        })
    }

    /// Follows a registration the kernel accepted: the eventfd joins the
    /// epoll set. The file and control descriptors are closed (the
    /// kernel keeps its own references).
    fn commit_v1(&mut self, p: Prepared) -> io::Result<u64> {
        let token = self.token(&p.dir, p.source);
        if let Err(e) = self.epoll.add(p.efd.as_raw_fd(), sys::EPOLLIN, token) {
            self.tokens.remove(&token);
            return Err(e);
        }
        self.hooks
            .entry(p.dir)
            .or_default()
            .fds
            .push((token, p.efd));
        Ok(token)
    }

    /// Registers one v1 notification: `<eventfd> <fd of file> [args]`
    /// written to `cgroup.event_control`.
    fn eventfd_v1(
        &mut self,
        dir: &Path,
        file: &str,
        args: &str,
        source: Source,
    ) -> io::Result<u64> {
        let p = self.prepare_v1(dir, file, args, source, 0)?;
        sys::write_once(&p.ctl, p.cmd.as_bytes())?;
        self.commit_v1(p)
    }

    /// Opens a PSI pressure file and writes a trigger; the descriptor is
    /// polled for `EPOLLPRI`.
    fn psi_trigger(&self, path: &Path, trigger: &str) -> io::Result<OwnedFd> {
        self.spare(0)?;
        let fd = sys::open(path, libc::O_RDWR | libc::O_NONBLOCK)?;
        let mut bytes = trigger.as_bytes().to_vec();
        bytes.push(0);
        sys::write_once(&fd, &bytes)?;
        Ok(fd)
    }

    /// Registers the notifications for a newly followed cgroup: v1 OOM
    /// and pressure levels (`levels`), v2 inotify, and a PSI trigger on
    /// `psi` when given. The usage threshold comes later
    /// ([`Engine::set_threshold`]), once the limit is known.
    pub fn follow(&mut self, t: &Target, levels: bool, psi: Option<(&Path, &str)>) -> Mechanisms {
        let mut m = Mechanisms::default();
        self.hooks.entry(t.dir.clone()).or_default();
        match t.version {
            Version::V1 => {
                match self.eventfd_v1(&t.dir, "memory.oom_control", "", Source::Oom) {
                    Ok(_) => {
                        m.registered.push("eventfd memory.oom_control".into());
                        m.counters_covered = true;
                    }
                    Err(e) => m.failed.push(err("eventfd memory.oom_control", &e)),
                }
                if levels && t.dir.join("memory.pressure_level").exists() {
                    let mut ok = Vec::new();
                    for level in [Level::Medium, Level::Critical] {
                        let args = format!("{},hierarchy", level.as_str());
                        match self.eventfd_v1(
                            &t.dir,
                            "memory.pressure_level",
                            &args,
                            Source::Level(level),
                        ) {
                            Ok(_) => ok.push(level.as_str()),
                            Err(e) => m.failed.push(err(
                                &format!("eventfd memory.pressure_level {}", level.as_str()),
                                &e,
                            )),
                        }
                    }
                    if !ok.is_empty() {
                        m.registered
                            .push(format!("eventfd memory.pressure_level ({})", ok.join(", ")));
                    }
                }
            }
            Version::V2 => match &self.inotify {
                None => m.failed.push(format!(
                    "inotify: {}",
                    self.inotify_error.as_deref().unwrap_or("unavailable")
                )),
                Some(ino) => {
                    let mut wds = Vec::new();
                    for file in ["memory.events", "cgroup.events"] {
                        match sys::add_watch(ino, &t.dir.join(file), sys::IN_MODIFY) {
                            Ok(wd) => {
                                wds.push(wd);
                                m.registered.push(format!("inotify {file}"));
                                m.counters_covered |= file == "memory.events";
                            }
                            Err(e) => m.failed.push(err(&format!("inotify {file}"), &e)),
                        }
                    }
                    for wd in &wds {
                        self.wds.insert(*wd, Watch::File(t.dir.clone()));
                    }
                    if let Some(h) = self.hooks.get_mut(&t.dir) {
                        h.wds.extend(wds);
                    }
                }
            },
        }
        if let Some((path, trigger)) = psi {
            match self.psi_trigger(path, trigger) {
                Ok(fd) => {
                    let token = self.token(&t.dir, Source::Psi);
                    match self.epoll.add(fd.as_raw_fd(), sys::EPOLLPRI, token) {
                        Ok(()) => {
                            if let Some(h) = self.hooks.get_mut(&t.dir) {
                                h.fds.push((token, fd));
                                h.psi = Some(token);
                            }
                            m.registered
                                .push(format!("PSI trigger {} ({trigger})", path.display()));
                        }
                        Err(e) => {
                            self.tokens.remove(&token);
                            m.failed.push(err("PSI trigger", &e));
                        }
                    }
                }
                Err(e) => m
                    .failed
                    .push(err(&format!("PSI trigger {}", path.display()), &e)),
            }
        }
        m
    }

    /// The v1 usage threshold registered for a cgroup, if any.
    pub fn threshold(&self, dir: &Path) -> Option<u64> {
        self.hooks.get(dir)?.threshold.map(|(_, b)| b)
    }

    /// (Re-)registers the v1 usage threshold eventfd at `bytes` (None:
    /// none). Returns a line for the log.
    pub fn set_threshold(&mut self, dir: &Path, bytes: Option<u64>) -> Result<String, String> {
        self.set_thresholds(vec![(dir.to_path_buf(), bytes)])
            .pop()
            .map_or_else(|| Err("no result".to_string()), |(_, r)| r)
    }

    /// [`Engine::set_threshold`] for several cgroups at once, in their
    /// order. The kernel makes each registration wait for an RCU grace
    /// period (about 12 ms on a 2-core VM running kernel 6.18); writes
    /// from several threads share grace periods, so a batch is written by
    /// up to [`REGISTER_THREADS`] threads (measured there: 16 threads,
    /// 1.1 ms per registration; 64 threads, 0.4 ms).
    pub fn set_thresholds(
        &mut self,
        items: Vec<(PathBuf, Option<u64>)>,
    ) -> Vec<(PathBuf, Result<String, String>)> {
        const WHAT: &str = "eventfd memory.usage_in_bytes threshold";
        let mut out: Vec<(PathBuf, Result<String, String>)> = Vec::with_capacity(items.len());
        // (index in out, bytes, prepared registration)
        let mut prepared: Vec<(usize, u64, Prepared)> = Vec::new();
        for (dir, bytes) in items {
            let old = self.hooks.get_mut(&dir).and_then(|h| h.threshold.take());
            if let Some((token, _)) = old {
                self.drop_token(&dir, token);
            }
            let r = match bytes {
                None => Ok("no usage threshold (no limit)".to_string()),
                Some(b) => match self.prepare_v1(
                    &dir,
                    "memory.usage_in_bytes",
                    &b.to_string(),
                    Source::Threshold,
                    prepared.len() as u64,
                ) {
                    Ok(p) => {
                        prepared.push((out.len(), b, p));
                        Ok(String::new())
                    }
                    Err(e) => Err(err(WHAT, &e)),
                },
            };
            out.push((dir, r));
        }
        let written = write_all(&prepared);
        for ((i, b, p), w) in prepared.into_iter().zip(written) {
            let dir = p.dir.clone();
            let r = w.and_then(|()| self.commit_v1(p));
            let line = match r {
                Ok(token) => {
                    if let Some(h) = self.hooks.get_mut(&dir) {
                        h.threshold = Some((token, b));
                    }
                    Ok(format!("{WHAT} {b}"))
                }
                Err(e) => Err(err(WHAT, &e)),
            };
            if let Some(slot) = out.get_mut(i) {
                slot.1 = line;
            }
        }
        out
    }

    fn drop_token(&mut self, dir: &Path, token: u64) {
        self.tokens.remove(&token);
        if let Some(h) = self.hooks.get_mut(dir) {
            if let Some(i) = h.fds.iter().position(|(t, _)| *t == token) {
                let (_, fd) = h.fds.swap_remove(i);
                self.epoll.del(fd.as_raw_fd());
                drop(fd);
            }
            if h.psi == Some(token) {
                h.psi = None;
            }
        }
    }

    /// Forgets a cgroup: its eventfds are closed (which unregisters them
    /// in the kernel) and its inotify watches removed.
    pub fn unfollow(&mut self, dir: &Path) {
        let Some(h) = self.hooks.remove(dir) else {
            return;
        };
        for (token, fd) in h.fds {
            self.tokens.remove(&token);
            self.epoll.del(fd.as_raw_fd());
        }
        for wd in h.wds {
            self.wds.remove(&wd);
            if let Some(ino) = &self.inotify {
                // The kernel drops watches of removed files itself.
                let _ = sys::rm_watch(ino, wd);
            }
        }
    }

    /// Watches a directory for entries coming and going (once). Returns
    /// whether the watch is new.
    pub fn watch_dir(&mut self, dir: &Path) -> Result<bool, String> {
        if self.dirs.contains_key(dir) {
            return Ok(false);
        }
        let Some(ino) = &self.inotify else {
            return Err(format!(
                "inotify: {}",
                self.inotify_error.as_deref().unwrap_or("unavailable")
            ));
        };
        match sys::add_watch(ino, dir, sys::DIR_MASK) {
            Ok(wd) => {
                self.dirs.insert(dir.to_path_buf(), wd);
                self.wds.insert(wd, Watch::Dir(dir.to_path_buf()));
                Ok(true)
            }
            Err(e) => {
                let m = err(&format!("inotify {}", dir.display()), &e);
                if self.dir_error.is_none() {
                    self.dir_error = Some(m.clone());
                }
                Err(m)
            }
        }
    }

    /// Directories watched.
    pub fn watched_dirs(&self) -> usize {
        self.dirs.len()
    }

    /// Stops watching directories not in `keep`.
    pub fn retain_dirs(&mut self, keep: &dyn Fn(&Path) -> bool) {
        let gone: Vec<PathBuf> = self.dirs.keys().filter(|d| !keep(d)).cloned().collect();
        for d in gone {
            if let Some(wd) = self.dirs.remove(&d) {
                self.wds.remove(&wd);
                if let Some(ino) = &self.inotify {
                    let _ = sys::rm_watch(ino, wd);
                }
            }
        }
    }

    /// A PSI trigger on the node's `/proc/pressure/memory`.
    pub fn node_pressure(&mut self, path: &Path, trigger: &str) -> Result<(), String> {
        if self.node_psi.is_some() {
            return Ok(());
        }
        let fd = self
            .psi_trigger(path, trigger)
            .map_err(|e| err(&format!("PSI trigger {}", path.display()), &e))?;
        self.epoll
            .add(fd.as_raw_fd(), sys::EPOLLPRI, NODE_PSI_TOKEN)
            .map_err(|e| err("epoll", &e))?;
        self.node_psi = Some(fd);
        Ok(())
    }

    /// Waits up to `timeout` for notifications.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Vec<Wake>> {
        let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        let ready = self.epoll.wait(ms)?;
        let mut out = Vec::new();
        for (token, events) in ready {
            match token {
                INOTIFY_TOKEN => self.drain_inotify(&mut out),
                NODE_PSI_TOKEN => {
                    if events & sys::EPOLLERR_HUP != 0
                        && let Some(fd) = self.node_psi.take()
                    {
                        self.epoll.del(fd.as_raw_fd());
                    }
                    out.push(Wake::NodePressure);
                }
                _ => {
                    let Some((dir, source)) = self.tokens.get(&token).cloned() else {
                        continue;
                    };
                    let count = match source {
                        Source::Psi => {
                            if events & sys::EPOLLERR_HUP != 0 {
                                // The cgroup went away (or the trigger did):
                                // stop polling it, level-triggered errors
                                // would spin.
                                self.drop_token(&dir, token);
                            }
                            1
                        }
                        _ => {
                            let fd = self
                                .hooks
                                .get(&dir)
                                .and_then(|h| h.fds.iter().find(|(t, _)| *t == token))
                                .map(|(_, fd)| fd);
                            match fd.map(sys::read_counter) {
                                Some(Ok(n)) => n,
                                Some(Err(_)) | None => {
                                    self.drop_token(&dir, token);
                                    1
                                }
                            }
                        }
                    };
                    if count > 0 {
                        out.push(Wake::Cgroup { dir, source, count });
                    }
                }
            }
        }
        Ok(out)
    }

    fn drain_inotify(&mut self, out: &mut Vec<Wake>) {
        let Some(ino) = &self.inotify else {
            return;
        };
        let events = match sys::read_inotify(ino) {
            Ok(e) => e,
            Err(_) => {
                out.push(Wake::Overflow);
                return;
            }
        };
        for ev in events {
            if ev.mask & sys::IN_Q_OVERFLOW != 0 {
                out.push(Wake::Overflow);
                continue;
            }
            let Some(w) = self.wds.get(&ev.wd).cloned() else {
                continue;
            };
            if ev.mask & sys::IN_IGNORED != 0 {
                // The kernel dropped the watch: the directory or file is gone.
                self.wds.remove(&ev.wd);
                if let Watch::Dir(d) = &w {
                    self.dirs.remove(d);
                    out.push(Wake::Rediscover);
                }
                continue;
            }
            match w {
                Watch::Dir(_) => out.push(Wake::Rediscover),
                Watch::File(dir) => out.push(Wake::Cgroup {
                    dir,
                    source: Source::Inotify,
                    count: 1,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// The cgroup2 mount of this host (hybrid: `/sys/fs/cgroup/unified`,
    /// or `/sys/fs/cgroup` on a v2 host).
    fn cgroup2() -> Option<PathBuf> {
        let mi = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        mi.lines().find_map(|l| {
            let (pre, post) = l.split_once(" - ")?;
            if !post.starts_with("cgroup2 ") {
                return None;
            }
            pre.split_whitespace().nth(4).map(PathBuf::from)
        })
    }

    fn wait_for(e: &mut Engine, want: impl Fn(&Wake) -> bool) -> Vec<Wake> {
        let mut seen = Vec::new();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            seen.extend(e.wait(Duration::from_millis(100)).unwrap());
            if seen.iter().any(&want) {
                break;
            }
        }
        seen
    }

    /// inotify on a real cgroup2 directory: `cgroup.events` changes when
    /// a process joins and leaves (populated 0 → 1 → 0), and the parent
    /// directory reports the cgroup's creation and removal. On this host
    /// the cgroup2 tree has no memory controller, so `memory.events` is
    /// absent and reported as not registered.
    #[test]
    fn inotify_on_real_cgroup2_files_and_directories() {
        let Some(root) = cgroup2() else {
            eprintln!("no cgroup2 mount: skipped");
            return;
        };
        let mut e = Engine::new().unwrap();
        e.watch_dir(&root).unwrap();
        let dir = root.join(format!("plimsoll-events-{}", std::process::id()));
        let _ = std::fs::remove_dir(&dir);
        if let Err(err) = std::fs::create_dir(&dir) {
            eprintln!("cannot create {}: {err}: skipped", dir.display());
            return;
        }
        let created = wait_for(&mut e, |w| *w == Wake::Rediscover);
        let t = Target {
            dir: dir.clone(),
            version: Version::V2,
            cgroup: format!("/{}", dir.file_name().unwrap().to_string_lossy()),
            container_id: None,
        };
        let m = e.follow(&t, true, None);
        // A process joins (populated 1) and exits (populated 0).
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > {}/cgroup.procs; sleep 0.2",
                dir.display()
            ))
            .status()
            .unwrap();
        let woke = wait_for(
            &mut e,
            |w| matches!(w, Wake::Cgroup { source: Source::Inotify, dir: d, .. } if *d == dir),
        );
        e.unfollow(&dir);
        std::fs::remove_dir(&dir).unwrap();
        let removed = wait_for(&mut e, |w| *w == Wake::Rediscover);
        assert!(status.success());
        assert!(created.contains(&Wake::Rediscover), "{created:?}");
        assert!(
            m.registered.contains(&"inotify cgroup.events".to_string()),
            "{m:?}"
        );
        let has_memory = std::fs::read_to_string(root.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|x| x == "memory"));
        if !has_memory {
            assert!(
                m.failed.iter().any(|f| f.contains("memory.events")),
                "{m:?}"
            );
        }
        assert!(
            woke.iter().any(|w| matches!(
                w,
                Wake::Cgroup {
                    source: Source::Inotify,
                    ..
                }
            )),
            "{woke:?}"
        );
        assert!(removed.contains(&Wake::Rediscover), "{removed:?}");
    }
}
