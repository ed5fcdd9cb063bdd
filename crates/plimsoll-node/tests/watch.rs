//! The watch on this project's real host (memory on cgroup v1): real
//! memcgs are created, limited, and driven into their limit by a real
//! memory hog; the poller must report the alerts with the values the
//! kernel shows.

use plimsoll_node::watch::{Alert, AlertType, Options, Watcher, watch};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

const MEMORY: &str = "/sys/fs/cgroup/memory";
const MIB: u64 = 1024 * 1024;

/// Memcgs (innermost first) removed even when the test fails: their
/// processes are killed first, then the directories removed.
struct Memcgs {
    dirs: Vec<PathBuf>,
    shm: Option<PathBuf>,
    child: Option<Child>,
}

fn procs(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

impl Drop for Memcgs {
    fn drop(&mut self) {
        if let Some(shm) = &self.shm {
            let _ = std::fs::remove_file(shm);
        }
        for dir in &self.dirs {
            for _ in 0..100 {
                let p = procs(dir);
                if p.is_empty() {
                    break;
                }
                let _ = Command::new("kill").arg("-9").args(&p).status();
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
        for dir in &self.dirs {
            for _ in 0..100 {
                if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if dir.exists() {
                eprintln!("could not remove {}", dir.display());
            }
        }
    }
}

fn make(name: &str, limit: u64) -> (PathBuf, Memcgs) {
    let dir = PathBuf::from(MEMORY).join(name);
    let _ = std::fs::remove_dir(&dir);
    std::fs::create_dir(&dir).unwrap();
    let guard = Memcgs {
        dirs: vec![dir.clone()],
        shm: None,
        child: None,
    };
    std::fs::write(dir.join("memory.limit_in_bytes"), limit.to_string()).unwrap();
    (dir, guard)
}

fn read_u64(p: &Path) -> u64 {
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

fn oom_control(dir: &Path, key: &str) -> u64 {
    let t = std::fs::read_to_string(dir.join("memory.oom_control")).unwrap();
    t.lines()
        .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
        .unwrap()
}

/// A shell that joins the memcg and runs a hog keeping 64 MiB in one line
/// (tail holds the whole unterminated line).
fn hog(dir: &Path) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(format!(
        "echo $$ > {}/cgroup.procs && head -c 67108864 /dev/zero | tail",
        dir.display()
    ));
    c.stdout(std::process::Stdio::null());
    c
}

fn explicit(dir: &Path) -> Options {
    Options {
        cgroups: vec![dir.display().to_string()],
        discover: false,
        ..Options::default()
    }
}

fn of(alerts: &[Alert], t: AlertType) -> Vec<&Alert> {
    alerts.iter().filter(|a| a.alert_type == t).collect()
}

#[test]
fn oom_kill_and_max_hit_in_a_discovered_container_cgroup() {
    let id = format!("{:064x}", u128::from(std::process::id()) * 0x1_0000_0001);
    let parent = PathBuf::from(MEMORY).join(format!("plimsoll-watch-{}-a", std::process::id()));
    let _ = std::fs::remove_dir(&parent);
    std::fs::create_dir(&parent).unwrap();
    let mut guard = Memcgs {
        dirs: vec![parent.clone()],
        shm: None,
        child: None,
    };
    let name = format!(
        "{}/libpod-{id}",
        parent.file_name().unwrap().to_string_lossy()
    );
    let (dir, inner) = make(&name, 32 * MIB);
    std::mem::forget(inner);
    guard.dirs.insert(0, dir.clone());

    // Every poll reads every file (this test drives polls only; the
    // notifications are exercised in
    // `between_turns_a_covered_cgroup_is_left_to_its_notifications`).
    let mut w = Watcher::new(Options {
        full_every: 1,
        ..Options::default()
    })
    .unwrap();
    let cgroup = format!("/{name}");
    let t = w
        .targets()
        .iter()
        .find(|t| t.dir == dir)
        .unwrap_or_else(|| panic!("{} not discovered: {:#?}", dir.display(), w.targets()))
        .clone();
    assert_eq!(t.cgroup, cgroup);
    assert_eq!(t.container_id.as_deref(), id.get(..12));
    // The parent carries no container id and is not followed.
    assert!(!w.targets().iter().any(|t| t.dir == parent));

    let baseline = w.poll(SystemTime::now());
    assert!(baseline.iter().all(|a| a.cgroup != cgroup), "{baseline:#?}");
    let status = hog(&dir).status().unwrap();
    assert!(!status.success(), "the hog was not killed: {status}");
    let failcnt = read_u64(&dir.join("memory.failcnt"));
    let memsw_failcnt = read_u64(&dir.join("memory.memsw.failcnt"));
    let kills = oom_control(&dir, "oom_kill");
    assert!(
        failcnt > 0 && kills >= 1,
        "failcnt {failcnt} oom_kill {kills}"
    );

    let now = SystemTime::now();
    let alerts: Vec<Alert> = w
        .poll(now)
        .into_iter()
        .filter(|a| a.cgroup == cgroup)
        .collect();
    let usage = read_u64(&dir.join("memory.usage_in_bytes"));
    let max_hit = of(&alerts, AlertType::MemoryMaxHit);
    let oom = of(&alerts, AlertType::OomKill);
    assert_eq!(max_hit.len(), 1, "{alerts:#?}");
    assert_eq!(oom.len(), 1, "{alerts:#?}");
    for a in [max_hit[0], oom[0]] {
        assert_eq!(a.threshold_bytes, Some(32 * MIB));
        assert_eq!(a.container_id.as_deref(), id.get(..12));
        assert_eq!(a.usage_bytes, usage);
        assert!(a.usage_bytes <= 32 * MIB);
        assert_eq!(a.timestamp, plimsoll_node::watch::rfc3339(now));
        assert_eq!(a.hierarchy, "v1");
    }
    assert_eq!(max_hit[0].count, Some(failcnt + memsw_failcnt));
    assert_eq!(oom[0].count, Some(kills));
    let json: serde_json::Value = serde_json::to_value(oom[0]).unwrap();
    assert_eq!(json["alert_type"], "oom_kill");
    assert_eq!(json["container_id"], id.get(..12).unwrap());
    assert_eq!(json["threshold_bytes"], 32 * MIB);

    // Once the cgroup is gone the watcher drops it without complaint.
    drop(guard);
    let after = w.poll(SystemTime::now());
    assert!(after.iter().all(|a| a.cgroup != cgroup));
    assert!(!w.targets().iter().any(|t| t.dir == dir));
    assert!(w.errors.is_empty(), "{:?}", w.errors);
}

#[test]
fn limit_near_from_charged_tmpfs_pages_through_the_loop() {
    let name = format!("plimsoll-watch-{}-near", std::process::id());
    let (dir, mut guard) = make(&name, 32 * MIB);
    let shm = PathBuf::from(format!("/dev/shm/{name}"));
    guard.shm = Some(shm.clone());
    // 30 MiB of tmpfs pages stay charged to the memcg after the shell exits.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && head -c {} /dev/zero > {}",
            dir.display(),
            30 * MIB,
            shm.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let usage = read_u64(&dir.join("memory.usage_in_bytes"));
    assert!(usage >= 30 * MIB, "usage {usage}");

    let w = Watcher::new(Options {
        rounds: Some(2),
        interval: Duration::from_millis(10),
        ..explicit(&dir)
    })
    .unwrap();
    let mut out = Vec::new();
    let n = watch(w, &mut out, &AtomicBool::new(false)).unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Two polls, one crossing: one line.
    assert_eq!(n, 1, "{lines:#?}");
    assert_eq!(lines.len(), 1);
    let a = &lines[0];
    assert_eq!(a["alert_type"], "memory_limit_near");
    assert_eq!(a["cgroup"], format!("/{name}"));
    assert_eq!(a["container_id"], serde_json::Value::Null);
    assert_eq!(a["threshold_bytes"], 32 * MIB * 90 / 100);
    let got = a["usage_bytes"].as_u64().unwrap();
    assert!((30 * MIB..=32 * MIB).contains(&got), "usage {got}");
    let ts = a["timestamp"].as_str().unwrap();
    assert!(
        ts.len() == 20 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
}

#[test]
fn oom_stuck_with_oom_kill_disabled() {
    let name = format!("plimsoll-watch-{}-stuck", std::process::id());
    let (dir, mut guard) = make(&name, 32 * MIB);
    std::fs::write(dir.join("memory.oom_control"), "1").unwrap();
    assert_eq!(oom_control(&dir, "oom_kill_disable"), 1);
    let mut w = Watcher::new(Options {
        full_every: 1,
        ..explicit(&dir)
    })
    .unwrap();
    assert!(w.poll(SystemTime::now()).is_empty());
    guard.child = Some(hog(&dir).spawn().unwrap());
    // Wait (bounded) for the kernel to put the memcg under OOM.
    let mut waited = 0;
    while oom_control(&dir, "under_oom") != 1 {
        assert!(waited < 1000, "the memcg never went under OOM");
        std::thread::sleep(Duration::from_millis(20));
        waited += 1;
    }
    let alerts = w.poll(SystemTime::now());
    let stuck = of(&alerts, AlertType::OomStuck);
    assert_eq!(stuck.len(), 1, "{alerts:#?}");
    assert_eq!(stuck[0].threshold_bytes, Some(32 * MIB));
    assert!(stuck[0].usage_bytes > 31 * MIB, "{:?}", stuck[0]);
    assert!(of(&alerts, AlertType::OomKill).is_empty());
    assert_eq!(oom_control(&dir, "oom_kill"), 0);
    // Reported once per episode.
    let again = w.poll(SystemTime::now());
    assert!(of(&again, AlertType::OomStuck).is_empty(), "{again:#?}");
}

/// With the default `full_every`, a cgroup whose OOM eventfd and usage
/// threshold are registered is not read by the polls between its turns:
/// the kernel's notifications bring the OOM kill and the limit hits, with
/// the kernel's figures.
#[test]
fn between_turns_a_covered_cgroup_is_left_to_its_notifications() {
    let name = format!("plimsoll-watch-{}-turns", std::process::id());
    let (dir, _guard) = make(&name, 32 * MIB);
    let mut w = Watcher::new(explicit(&dir)).unwrap();
    let cgroup = format!("/{name}");
    // The first poll reads in full (the baseline), then the usage
    // threshold is registered.
    assert!(w.poll(SystemTime::now()).is_empty());
    let p = w.last_poll().unwrap();
    assert_eq!((p.sampled, p.quick, p.idle), (1, 0, 0), "{p:?}");
    for _ in 0..100 {
        if !w.registrations_pending() {
            break;
        }
        w.register_pending(Duration::from_millis(50));
    }
    assert!(!w.registrations_pending());
    // The second poll reads the usage and failcnt (the threshold came
    // after the first reading); from then on the polls read nothing.
    assert!(w.poll(SystemTime::now()).is_empty());
    assert!(w.poll(SystemTime::now()).is_empty());
    let p = w.last_poll().unwrap();
    assert_eq!((p.sampled, p.quick, p.idle), (1, 0, 1), "{p:?}");

    let status = hog(&dir).status().unwrap();
    assert!(!status.success(), "the hog was not killed: {status}");
    let kills = oom_control(&dir, "oom_kill");
    assert!(kills >= 1);
    // A poll between turns still reads nothing: the alerts are owed to
    // the notifications, which are waiting in the epoll set.
    let polled = w.poll(SystemTime::now());
    assert!(polled.iter().all(|a| a.cgroup != cgroup), "{polled:#?}");
    assert_eq!(w.last_poll().unwrap().idle, 1);

    let mut alerts = Vec::new();
    let mut woken = 0;
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(5)
        && (of(&alerts, AlertType::OomKill).is_empty()
            || of(&alerts, AlertType::MemoryMaxHit).is_empty())
    {
        let wakes = w.wait(Duration::from_millis(100));
        woken += wakes.len();
        let now = SystemTime::now();
        alerts.extend(if wakes.is_empty() {
            w.sample_due(now)
        } else {
            w.handle(wakes, now)
        });
    }
    assert!(woken >= 1, "no notification");
    let failcnt =
        read_u64(&dir.join("memory.failcnt")) + read_u64(&dir.join("memory.memsw.failcnt"));
    let oom = of(&alerts, AlertType::OomKill);
    let max_hit = of(&alerts, AlertType::MemoryMaxHit);
    assert_eq!(oom.len(), 1, "{alerts:#?}");
    assert_eq!(oom[0].count, Some(kills));
    assert_eq!(oom[0].threshold_bytes, Some(32 * MIB));
    assert_eq!(max_hit.len(), 1, "{alerts:#?}");
    assert_eq!(max_hit[0].count, Some(failcnt));
    assert!(alerts.iter().all(|a| a.cgroup == cgroup), "{alerts:#?}");
}
