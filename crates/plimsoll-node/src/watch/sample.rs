//! One reading of a cgroup's memory files.

use super::discover::{Target, Version};
use crate::memcg::V1_UNLIMITED_FLOOR;
use std::io::Read;
use std::path::Path;

/// Largest cgroupfs file read here (these are one line or a few).
const MAX_READ: u64 = 64 * 1024;

/// The figures one reading gives (None where the file is absent or says
/// `max`).
///
/// A full reading ([`read`]) reads every file; a quick one
/// ([`read_quick`]) reads only the usage and the counter no notification
/// covers (v1 `failcnt`), and carries every other figure over from the
/// last full reading (`partial` is then true).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Seconds since the watch started (a monotonic clock).
    pub at_secs: u64,
    /// The same instant in milliseconds.
    pub at_ms: u64,
    /// v1 `memory.usage_in_bytes`, v2 `memory.current`.
    pub usage: u64,
    /// v1 `memory.limit_in_bytes`, v2 `memory.max`.
    pub limit: Option<u64>,
    /// v2 `memory.high`.
    pub high: Option<u64>,
    /// v1 `memory.max_usage_in_bytes`, v2 `memory.peak`.
    pub peak: Option<u64>,
    /// v1 `memory.failcnt` plus `memory.memsw.failcnt` (with a memsw
    /// limit equal to the memory limit the kernel counts the failures
    /// there), v2 `memory.events` `max`.
    pub max_hits: Option<u64>,
    /// v2 `memory.events` `high`.
    pub high_events: Option<u64>,
    /// v2 `memory.events` `oom`.
    pub oom_events: Option<u64>,
    /// v1 `memory.oom_control` / v2 `memory.events` `oom_kill`.
    pub oom_kills: Option<u64>,
    /// v1 `memory.oom_control` `under_oom`.
    pub under_oom: Option<bool>,
    /// v1 `memory.oom_control` `oom_kill_disable`.
    pub oom_kill_disable: Option<bool>,
    /// usage − inactive file pages, as kubelet computes it: v1
    /// `memory.stat` `total_inactive_file` (else `inactive_file`), v2
    /// `inactive_file`.
    pub working_set: Option<u64>,
    /// PSI `some avg10` of the cgroup's own `memory.pressure` (set by the
    /// watcher when the cgroup has one).
    pub pressure_avg10: Option<f64>,
    /// v1 `memory.pressure_level` critical notifications received so far
    /// (set by the watcher when that is the pressure source).
    pub pressure_critical: Option<u64>,
    /// v1 `memory.memsw.limit_in_bytes` when it is a limit (quick
    /// readings then read `memory.memsw.failcnt` too).
    pub memsw_limit: Option<u64>,
    /// v1 `memory.memsw.failcnt` (part of `max_hits`).
    pub memsw_fails: Option<u64>,
    /// A quick reading: only `usage` and `max_hits` are fresh, the other
    /// figures are those of the last full reading (the leak window takes
    /// no point from it).
    pub partial: bool,
}

/// Why a cgroup could not be sampled.
#[derive(Debug)]
pub enum Gone {
    /// It vanished (ENOENT/ENODEV): normal, the container went away.
    Vanished,
    /// Another read failure (named file and error).
    Failed(String),
}

/// Where a cgroup's files are opened from: its directory's path, and a
/// handle on the directory when the watch holds one (one component to
/// resolve instead of the whole path: a third of the cost of a read).
#[derive(Clone, Copy)]
pub struct Dir<'a> {
    pub path: &'a Path,
    pub fd: Option<std::os::fd::BorrowedFd<'a>>,
}

impl<'a> Dir<'a> {
    /// The directory by path only.
    pub fn path(path: &'a Path) -> Dir<'a> {
        Dir { path, fd: None }
    }

    fn read(&self, name: &str) -> Result<Option<String>, Gone> {
        let vanished = |e: &std::io::Error| {
            e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(19)
        };
        let opened = match self.fd {
            Some(fd) => super::sys::open_in(fd, name).map(std::fs::File::from),
            None => std::fs::File::open(self.path.join(name)),
        };
        let f = match opened {
            Ok(f) => f,
            Err(e) if vanished(&e) => {
                // A missing file in a present directory is an absent
                // figure.
                return match self.path.exists() {
                    true => Ok(None),
                    false => Err(Gone::Vanished),
                };
            }
            Err(e) => {
                return Err(Gone::Failed(format!(
                    "{}: {e}",
                    self.path.join(name).display()
                )));
            }
        };
        // Room for the whole file at once (memory.stat, the largest read
        // here, is 1 to 2 KiB): one read and the one that finds the end,
        // where an empty buffer would grow through several small reads.
        let mut buf = Vec::with_capacity(8192);
        match f.take(MAX_READ).read_to_end(&mut buf) {
            Ok(_) => Ok(Some(String::from_utf8_lossy(&buf).into_owned())),
            Err(e) if vanished(&e) => Err(Gone::Vanished),
            Err(e) => Err(Gone::Failed(format!(
                "{}: {e}",
                self.path.join(name).display()
            ))),
        }
    }
}

/// A number or `max` (None).
fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// `key value` lines (memory.events, memory.oom_control).
pub fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next() == Some(key)).then(|| it.next().and_then(number))?
    })
}

fn limit_v1(v: Option<u64>) -> Option<u64> {
    v.filter(|&n| n < V1_UNLIMITED_FLOOR)
}

/// The working set from `memory.stat` text and the usage.
pub fn working_set(stat: &str, usage: u64, version: Version) -> Option<u64> {
    let inactive = match version {
        Version::V1 => keyed(stat, "total_inactive_file").or_else(|| keyed(stat, "inactive_file")),
        Version::V2 => keyed(stat, "inactive_file"),
    }?;
    Some(usage.saturating_sub(inactive))
}

/// Reads a cgroup at `at_ms` milliseconds into the watch.
/// `Err(Gone::Vanished)` when it disappeared.
pub fn read(t: &Target, at_ms: u64) -> Result<Sample, Gone> {
    read_in(t, Dir::path(&t.dir), at_ms)
}

/// [`read`] through `dir` (see [`Dir`]).
pub fn read_in(t: &Target, dir: Dir<'_>, at_ms: u64) -> Result<Sample, Gone> {
    let f = |name: &str| dir.read(name);
    let mut s = Sample {
        at_secs: at_ms / 1000,
        at_ms,
        ..Sample::default()
    };
    match t.version {
        Version::V1 => {
            let Some(usage) = f("memory.usage_in_bytes")? else {
                return Err(Gone::Vanished);
            };
            s.usage = number(&usage).unwrap_or(0);
            s.limit = limit_v1(f("memory.limit_in_bytes")?.as_deref().and_then(number));
            s.peak = f("memory.max_usage_in_bytes")?.as_deref().and_then(number);
            let fails = f("memory.failcnt")?.as_deref().and_then(number);
            s.memsw_fails = f("memory.memsw.failcnt")?.as_deref().and_then(number);
            s.max_hits = max_hits_v1(fails, s.memsw_fails);
            s.memsw_limit = limit_v1(
                f("memory.memsw.limit_in_bytes")?
                    .as_deref()
                    .and_then(number),
            );
            if let Some(oc) = f("memory.oom_control")? {
                s.oom_kills = keyed(&oc, "oom_kill");
                s.under_oom = keyed(&oc, "under_oom").map(|v| v != 0);
                s.oom_kill_disable = keyed(&oc, "oom_kill_disable").map(|v| v != 0);
            }
            if let Some(stat) = f("memory.stat")? {
                s.working_set = working_set(&stat, s.usage, Version::V1);
            }
        }
        Version::V2 => {
            let Some(usage) = f("memory.current")? else {
                return Err(Gone::Vanished);
            };
            s.usage = number(&usage).unwrap_or(0);
            s.limit = f("memory.max")?.as_deref().and_then(number);
            s.high = f("memory.high")?.as_deref().and_then(number);
            s.peak = f("memory.peak")?.as_deref().and_then(number);
            if let Some(ev) = f("memory.events")? {
                s.max_hits = keyed(&ev, "max");
                s.high_events = keyed(&ev, "high");
                s.oom_events = keyed(&ev, "oom");
                s.oom_kills = keyed(&ev, "oom_kill");
            }
            if let Some(stat) = f("memory.stat")? {
                s.working_set = working_set(&stat, s.usage, Version::V2);
            }
        }
    }
    Ok(s)
}

fn max_hits_v1(fails: Option<u64>, memsw: Option<u64>) -> Option<u64> {
    match (fails, memsw) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, b) => a.or(b),
    }
}

/// A quick reading at `at_ms`: the usage (v1 `memory.usage_in_bytes`, v2
/// `memory.current`) and, on v1, `memory.failcnt` (and
/// `memory.memsw.failcnt` where a memsw limit is set), which no
/// notification covers; every other figure is `last`'s. For cgroups
/// whose OOM and limit events wake the watch (v1 `memory.oom_control`
/// eventfd, v2 inotify on `memory.events`): 2 files instead of 8 (v1), 1
/// instead of 6 (v2).
pub fn read_quick(t: &Target, dir: Dir<'_>, last: &Sample, at_ms: u64) -> Result<Sample, Gone> {
    let f = |name: &str| dir.read(name);
    let mut s = last.clone();
    s.at_secs = at_ms / 1000;
    s.at_ms = at_ms;
    s.partial = true;
    let usage_file = match t.version {
        Version::V1 => "memory.usage_in_bytes",
        Version::V2 => "memory.current",
    };
    let Some(usage) = f(usage_file)? else {
        return Err(Gone::Vanished);
    };
    s.usage = number(&usage).unwrap_or(0);
    if t.version == Version::V1 {
        let fails = f("memory.failcnt")?.as_deref().and_then(number);
        // Without a memsw limit its failcnt cannot move: the last full
        // reading's value stands.
        if last.memsw_limit.is_some() {
            s.memsw_fails = f("memory.memsw.failcnt")?.as_deref().and_then(number);
        }
        s.max_hits = max_hits_v1(fails, s.memsw_fails);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_lines() {
        let oc = "oom_kill_disable 1\nunder_oom 0\noom_kill 7\n";
        assert_eq!(keyed(oc, "oom_kill"), Some(7));
        assert_eq!(keyed(oc, "under_oom"), Some(0));
        assert_eq!(keyed(oc, "oom"), None);
        assert_eq!(keyed("max x\n", "max"), None);
        assert_eq!(number("max\n"), None);
        assert_eq!(limit_v1(Some(9223372036854771712)), None);
        assert_eq!(limit_v1(Some(4096)), Some(4096));
    }

    #[test]
    fn working_set_as_kubelet() {
        let v1 = "cache 10\ninactive_file 4\ntotal_inactive_file 6\n";
        assert_eq!(working_set(v1, 100, Version::V1), Some(94));
        assert_eq!(working_set("inactive_file 4\n", 100, Version::V1), Some(96));
        assert_eq!(working_set(v1, 100, Version::V2), Some(96));
        assert_eq!(
            working_set("inactive_file 400\n", 100, Version::V2),
            Some(0)
        );
        assert_eq!(working_set("anon 1\n", 100, Version::V2), None);
    }

    #[test]
    fn reads_the_v2_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/v2/sys/fs/cgroup/system.slice/app.service");
        let t = Target {
            dir: dir.clone(),
            version: Version::V2,
            cgroup: "/system.slice/app.service".into(),
            container_id: None,
        };
        let s = read(&t, 3_500).unwrap();
        let text = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
        assert_eq!((s.at_secs, s.at_ms), (3, 3_500));
        assert_eq!(
            s.working_set,
            Some(s.usage - keyed(&text("memory.stat"), "inactive_file").unwrap())
        );
        assert_eq!(s.usage, number(&text("memory.current")).unwrap());
        assert_eq!(s.limit, number(&text("memory.max")));
        assert_eq!(s.high, number(&text("memory.high")));
        assert_eq!(s.oom_kills, keyed(&text("memory.events"), "oom_kill"));
        assert_eq!(s.max_hits, keyed(&text("memory.events"), "max"));
        // A quick reading: fresh usage, the rest carried over, marked.
        let mut last = s.clone();
        last.limit = Some(7);
        last.oom_kills = Some(3);
        let q = read_quick(&t, Dir::path(&dir), &last, 9_000).unwrap();
        assert!(q.partial && !s.partial);
        assert_eq!((q.at_secs, q.at_ms), (9, 9_000));
        assert_eq!(q.usage, number(&text("memory.current")).unwrap());
        assert_eq!((q.limit, q.oom_kills), (Some(7), Some(3)));
        assert_eq!(q.working_set, s.working_set);
        // Through a directory handle: the same reading.
        let fd = super::super::sys::open_dir(&dir).unwrap();
        let via = read_in(
            &t,
            Dir {
                path: &dir,
                fd: Some(std::os::fd::AsFd::as_fd(&fd)),
            },
            3_500,
        )
        .unwrap();
        assert_eq!(via, s);
        let gone = Target {
            dir: dir.join("no-such-child"),
            ..t
        };
        assert!(matches!(read(&gone, 0), Err(Gone::Vanished)));
        assert!(matches!(
            read_quick(&gone, Dir::path(&gone.dir), &last, 0),
            Err(Gone::Vanished)
        ));
    }
}
