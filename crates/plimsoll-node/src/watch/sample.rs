//! One reading of a cgroup's memory files.

use super::discover::{Target, Version};
use crate::memcg::V1_UNLIMITED_FLOOR;
use std::io::Read;
use std::path::Path;

/// Largest cgroupfs file read here (these are one line or a few).
const MAX_READ: u64 = 64 * 1024;

/// The figures one poll reads (None where the file is absent or says
/// `max`).
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
}

/// Why a cgroup could not be sampled.
#[derive(Debug)]
pub enum Gone {
    /// It vanished (ENOENT/ENODEV): normal, the container went away.
    Vanished,
    /// Another read failure (named file and error).
    Failed(String),
}

fn read_small(path: &Path) -> Result<Option<String>, Gone> {
    let vanished = |e: &std::io::Error| {
        e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(19)
    };
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if vanished(&e) => {
            // A missing file in a present directory is an absent figure.
            return match path.parent().is_some_and(Path::exists) {
                true => Ok(None),
                false => Err(Gone::Vanished),
            };
        }
        Err(e) => return Err(Gone::Failed(format!("{}: {e}", path.display()))),
    };
    // Room for the whole file at once (memory.stat, the largest read
    // here, is 1 to 2 KiB): one read and the one that finds the end,
    // where an empty buffer would grow through several small reads.
    let mut buf = Vec::with_capacity(8192);
    match f.take(MAX_READ).read_to_end(&mut buf) {
        Ok(_) => Ok(Some(String::from_utf8_lossy(&buf).into_owned())),
        Err(e) if vanished(&e) => Err(Gone::Vanished),
        Err(e) => Err(Gone::Failed(format!("{}: {e}", path.display()))),
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
    let f = |name: &str| read_small(&t.dir.join(name));
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
            let memsw = f("memory.memsw.failcnt")?.as_deref().and_then(number);
            s.max_hits = match (fails, memsw) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                (a, b) => a.or(b),
            };
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
        let gone = Target {
            dir: dir.join("no-such-child"),
            ..t
        };
        assert!(matches!(read(&gone, 0), Err(Gone::Vanished)));
    }
}
