//! `plimsoll node doctor` on this real host and on fixture trees: the mode
//! it negotiates, the exit codes, and the shared report contract.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn doctor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["node", "doctor"])
        .args(args)
        .output()
        .expect("plimsoll runs")
}

#[test]
fn this_host_is_hybrid_with_memory_on_v1() {
    let o = doctor(&["--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    // What the kernel says, read independently of plimsoll.
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let has_cgroup2 = mountinfo.lines().any(|l| l.contains(" - cgroup2 "));
    let v1_memory = mountinfo.lines().any(|l| {
        l.contains(" - cgroup ")
            && l.split_whitespace()
                .last()
                .is_some_and(|o| o.split(',').any(|x| x == "memory"))
    });
    let expected = match (has_cgroup2, v1_memory) {
        (true, true) => "hybrid",
        (false, true) => "v1",
        (true, false) => "v2",
        (false, false) => "ambiguous",
    };
    assert_eq!(d["mode"], expected);
    assert_eq!(d["memory_controller"], if v1_memory { "v1" } else { "v2" });
    assert_eq!(d["psi"], Path::new("/proc/pressure/memory").exists());
    assert_eq!(
        d["kernel"].as_str().unwrap(),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap()
            .trim()
    );
    assert_eq!(d["version"], 1, "the shared report contract");
    assert!(d["summary"]["warnings"].as_u64().is_some());
    // Warnings fail the run when the threshold says so.
    let codes: Vec<&str> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    if !codes.is_empty() {
        assert_eq!(doctor(&["-t", "warning"]).status.code(), Some(1));
    }
}

#[test]
fn ambiguous_layouts_exit_2_and_say_why() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plimsoll-node/tests/fixtures");
    let mut seen = 0;
    for e in std::fs::read_dir(&fixtures).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("ambiguous") {
            continue;
        }
        let o = doctor(&["--root", p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("ambiguous") && !err.contains("panicked"),
            "{name}: {err}"
        );
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} ambiguous fixtures");
}

/// A real v1 memcg for the watch tests, removed (processes killed first)
/// even when the test fails.
struct Memcg(std::path::PathBuf);

impl Drop for Memcg {
    fn drop(&mut self) {
        for _ in 0..100 {
            let procs = std::fs::read_to_string(self.0.join("cgroup.procs")).unwrap_or_default();
            let pids: Vec<&str> = procs.split_whitespace().collect();
            if pids.is_empty() {
                break;
            }
            let _ = Command::new("kill").arg("-9").args(&pids).status();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        for _ in 0..100 {
            if std::fs::remove_dir(&self.0).is_ok() || !self.0.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

#[test]
fn watch_reports_a_real_oom_kill_and_stops_on_sigterm() {
    let name = format!("plimsoll-cli-watch-{}", std::process::id());
    let dir = Path::new("/sys/fs/cgroup/memory").join(&name);
    std::fs::create_dir(&dir)
        .expect("this host mounts the v1 memory controller at /sys/fs/cgroup/memory");
    let cg = Memcg(dir.clone());
    std::fs::write(dir.join("memory.limit_in_bytes"), "33554432").unwrap();
    let events = tempfile::tempdir().unwrap();
    let events_file = events.path().join("alerts.jsonl");
    let mut watch = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args([
            "node",
            "watch",
            "--no-discover",
            "--interval",
            "0.2",
            "--cgroup",
        ])
        .arg(format!("/{name}"))
        .arg("--events")
        .arg(&events_file)
        .spawn()
        .unwrap();
    // Let the watch take its baseline, then drive the cgroup into an OOM kill.
    std::thread::sleep(std::time::Duration::from_millis(600));
    let hog = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && head -c 128M /dev/zero | tail > /dev/null",
            dir.display()
        ))
        .status()
        .unwrap();
    assert!(!hog.success(), "the hog must be killed by the 32 MiB limit");
    let mut alerts = String::new();
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        alerts = std::fs::read_to_string(&events_file).unwrap_or_default();
        if alerts.contains("\"oom_kill\"") {
            break;
        }
    }
    let lines: Vec<Value> = alerts
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    let oom = lines
        .iter()
        .find(|a| a["alert_type"] == "oom_kill")
        .unwrap_or_else(|| panic!("no oom_kill alert in {alerts:?}"));
    assert_eq!(oom["cgroup"], format!("/{name}"));
    assert_eq!(oom["threshold_bytes"], 33554432);
    assert!(oom["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    // SIGTERM: the watch exits 0.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(watch.id().to_string())
        .status();
    let status = watch.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    drop(cg);
    assert!(!dir.exists(), "the test cgroup was removed");
}

// ---------------------------------------------------------------------
// The event-driven watch, leak and pressure detection, webhooks and
// metrics, on this host's real v1 memcgs.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MEMORY: &str = "/sys/fs/cgroup/memory";
const MIB: u64 = 1024 * 1024;

/// A fresh v1 memcg `/sys/fs/cgroup/memory/NAME` with `limit`, removed on
/// drop (processes killed first).
fn memcg(name: &str, limit: u64) -> Memcg {
    let dir = Path::new(MEMORY).join(name);
    let _ = std::fs::remove_dir(&dir);
    std::fs::create_dir(&dir)
        .expect("this host mounts the v1 memory controller at /sys/fs/cgroup/memory");
    std::fs::write(dir.join("memory.limit_in_bytes"), limit.to_string()).unwrap();
    Memcg(dir)
}

/// A running `plimsoll node watch` writing alerts to a file; its
/// standard error is collected line by line. Killed on drop.
struct Running {
    child: std::process::Child,
    err: Arc<Mutex<Vec<String>>>,
    alerts: PathBuf,
    _dir: tempfile::TempDir,
}

impl Running {
    fn spawn(args: &[&str]) -> Running {
        Running::spawn_in(Command::new(env!("CARGO_BIN_EXE_plimsoll")), args)
    }

    /// `plimsoll node watch -v --events FILE ARGS` appended to `cmd`'s
    /// arguments (`cmd` is the binary itself, or a wrapper that execs it).
    fn spawn_in(mut cmd: Command, args: &[&str]) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let alerts = dir.path().join("alerts.jsonl");
        let mut child = cmd
            .args(["node", "watch", "-v", "--events"])
            .arg(&alerts)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let err = Arc::new(Mutex::new(Vec::new()));
        let sink = err.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Running {
            child,
            err,
            alerts,
            _dir: dir,
        }
    }

    fn stderr(&self) -> String {
        self.err.lock().unwrap().join("\n")
    }

    /// Waits (bounded) for a standard-error line containing `pat`.
    fn wait_log(&self, pat: &str, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if self.err.lock().unwrap().iter().any(|l| l.contains(pat)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Waits for the startup summary (the first poll is done).
    fn started(&self) {
        assert!(
            self.wait_log("full poll every", Duration::from_secs(10)),
            "no startup line: {}",
            self.stderr()
        );
    }

    fn alerts(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.alerts)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON lines"))
            .collect()
    }

    /// Waits (bounded) for an alert matching `f`.
    fn wait_alert(&self, within: Duration, f: impl Fn(&Value) -> bool) -> Option<Value> {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Some(a) = self.alerts().into_iter().find(&f) {
                return Some(a);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// SIGTERM, then the exit code.
    fn term(mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child process killed and reaped on drop.
struct Proc(std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A file removed on drop.
struct Rm(PathBuf);

impl Drop for Rm {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn is(a: &Value, t: &str, cgroup: &str) -> bool {
    a["alert_type"] == t && a["cgroup"] == cgroup
}

/// A shell joining `dir` (and any further cgroup directories) that then
/// runs `script`.
fn in_cgroups(dirs: &[&Path], script: &str) -> Command {
    let mut join = String::new();
    for d in dirs {
        join.push_str(&format!("echo $$ > {}/cgroup.procs && ", d.display()));
    }
    let mut c = Command::new("sh");
    c.arg("-c").arg(format!("{join}{script}"));
    c.stdout(std::process::Stdio::null());
    // The shell's "Killed" when the OOM killer takes its child.
    c.stderr(std::process::Stdio::null());
    c
}

#[test]
fn oom_kill_arrives_by_eventfd_long_before_the_next_poll() {
    let name = format!("plimsoll-cli-oomev-{}", std::process::id());
    let cg = memcg(&name, 32 * MIB);
    let w = Running::spawn(&[
        "--no-discover",
        "--interval",
        "30",
        "--cgroup",
        &format!("/{name}"),
    ]);
    w.started();
    assert!(
        w.stderr().contains(&format!(
            "following /{name} (v1): eventfd memory.oom_control"
        )),
        "{}",
        w.stderr()
    );
    assert!(
        w.stderr().contains("1 event-driven (v1 eventfd 1"),
        "{}",
        w.stderr()
    );
    let t0 = Instant::now();
    let hog = in_cgroups(&[&cg.0], "head -c 128M /dev/zero | tail")
        .status()
        .unwrap();
    assert!(!hog.success(), "the hog must be killed by the 32 MiB limit");
    let oom = w
        .wait_alert(Duration::from_secs(5), |a| {
            is(a, "oom_kill", &format!("/{name}"))
        })
        .unwrap_or_else(|| panic!("no oom_kill alert: {:?}\n{}", w.alerts(), w.stderr()));
    // The only poll was at startup; the next is 30 s away.
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(oom["threshold_bytes"], 32 * MIB);
    assert!(oom["count"].as_u64() >= Some(1), "{oom}");
    assert!(
        w.stderr()
            .contains(&format!("woken by eventfd memory.oom_control for /{name}")),
        "{}",
        w.stderr()
    );
    // The counts the alerts report add up to the kernel's counter. The
    // kernel may kill more than one process of the pipeline (the second
    // kill a moment after the first): the alerts follow it.
    let kernel = oom_control(&cg.0, "oom_kill");
    assert!(kernel >= 1);
    let until = Instant::now() + Duration::from_secs(5);
    let reported = loop {
        let sum: u64 = w
            .alerts()
            .iter()
            .filter(|a| is(a, "oom_kill", &format!("/{name}")))
            .filter_map(|a| a["count"].as_u64())
            .sum();
        if sum >= kernel || Instant::now() >= until {
            break sum;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(reported, kernel, "{:?}", w.alerts());
    assert_eq!(w.term(), Some(0));
}

/// `key value` of a v1 memcg's `memory.oom_control`, read from the kernel.
fn oom_control(dir: &Path, key: &str) -> u64 {
    std::fs::read_to_string(dir.join("memory.oom_control"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {}/memory.oom_control", dir.display()))
}

/// A stuck OOM on a real v1 memcg: `oom_kill_disable 1`, then a process
/// allocating past the 32 MiB limit. The kernel notifies the OOM through
/// the `memory.oom_control` eventfd but kills nothing: the process waits
/// under OOM. The watch reports `oom_stuck` at once (the OOM killer is
/// disabled, so there is nothing to wait --stuck-after for) with the
/// limit and the usage at it, once per episode, and no `oom_kill`.
#[test]
fn oom_stuck_when_the_oom_killer_is_disabled() {
    let name = format!("plimsoll-cli-stuck-{}", std::process::id());
    let cgroup = format!("/{name}");
    let cg = memcg(&name, 32 * MIB);
    std::fs::write(cg.0.join("memory.oom_control"), "1").unwrap();
    assert_eq!(oom_control(&cg.0, "oom_kill_disable"), 1);
    // Polls 30 s apart: the alert must come from the OOM eventfd.
    let w = Running::spawn(&["--no-discover", "--interval", "30", "--cgroup", &cgroup]);
    w.started();
    // Nothing for this cgroup yet (a node-wide pressure_high may come from
    // the other tests' hogs).
    assert!(
        w.alerts().iter().all(|a| a["cgroup"] != cgroup.as_str()),
        "{:?}",
        w.alerts()
    );
    let t0 = Instant::now();
    let hog = Proc(
        in_cgroups(&[&cg.0], "head -c 128M /dev/zero | tail")
            .spawn()
            .unwrap(),
    );
    let a = w
        .wait_alert(Duration::from_secs(10), |a| is(a, "oom_stuck", &cgroup))
        .unwrap_or_else(|| panic!("no oom_stuck: {:?}\n{}", w.alerts(), w.stderr()));
    let took = t0.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The kernel agrees: under OOM, nothing killed, the hog still there.
    assert_eq!(oom_control(&cg.0, "under_oom"), 1);
    assert_eq!(oom_control(&cg.0, "oom_kill"), 0);
    assert!(
        std::fs::read_to_string(cg.0.join("cgroup.procs"))
            .unwrap()
            .lines()
            .count()
            >= 2,
        "the shell and its pipeline wait under OOM"
    );
    assert_eq!(a["threshold_bytes"], 32 * MIB);
    let usage = a["usage_bytes"].as_u64().unwrap();
    assert!((31 * MIB..=32 * MIB).contains(&usage), "usage {usage}");
    let kernel: u64 = std::fs::read_to_string(cg.0.join("memory.usage_in_bytes"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(kernel.abs_diff(usage) <= MIB, "{usage} vs {kernel} now");
    assert_eq!(a["container_id"], Value::Null);
    assert_eq!(a["hierarchy"], "v1");
    assert!(a.get("count").is_none(), "{a}");
    assert!(
        a["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{a}"
    );
    assert!(
        w.stderr()
            .contains(&format!("woken by eventfd memory.oom_control for {cgroup}")),
        "{}",
        w.stderr()
    );
    // Once per episode: the follow-up samples (0.25, 1 and 3 s after the
    // notification, and after --stuck-after) add nothing.
    std::thread::sleep(Duration::from_millis(6_000));
    let all = w.alerts();
    assert_eq!(
        all.iter().filter(|a| is(a, "oom_stuck", &cgroup)).count(),
        1,
        "{all:?}"
    );
    assert!(!all.iter().any(|a| is(a, "oom_kill", &cgroup)), "{all:?}");
    assert_eq!(oom_control(&cg.0, "oom_kill"), 0);
    assert_eq!(w.term(), Some(0));
    drop(hog);
    drop(cg);
}

/// Out of descriptors: under an open-file limit of 400 that the watch may
/// not raise (CAP_SYS_RESOURCE dropped from the bounding set), the eventfd
/// registrations stop short of the last 256 descriptors, which stay free
/// for reading cgroup files. With 150 cgroups, the first get an OOM
/// eventfd, the last ones none and no usage threshold is registered; those
/// are polled, every cgroup is still read at every poll, and an OOM kill
/// in a polled one is reported.
#[test]
fn out_of_descriptors_registrations_give_way_to_polling() {
    const N: usize = 150;
    let pid = std::process::id();
    let top = format!("plimsoll-cli-fds-{pid}");
    let parent = memcg(&top, 1024 * MIB);
    let kids: Vec<Memcg> = (0..N)
        .map(|i| memcg(&format!("{top}/c{i:03}"), 32 * MIB))
        .collect();
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--bounding-set",
        "-sys_resource",
        "prlimit",
        "--nofile=400:400",
        "--",
    ])
    .arg(env!("CARGO_BIN_EXE_plimsoll"));
    let mut args = vec![
        "--no-discover".to_string(),
        "--interval".into(),
        "0.5".into(),
    ];
    for i in 0..N {
        args.push("--cgroup".into());
        args.push(format!("/{top}/c{i:03}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let w = Running::spawn_in(cmd, &args);
    w.started();
    let last = format!("/{top}/c{:03}", N - 1);
    assert!(
        w.wait_log(
            &format!("following {last} (v1): polled every"),
            Duration::from_secs(5)
        ),
        "{}",
        w.stderr()
    );
    let err = w.stderr();
    assert!(
        err.contains("open-file limit 400 reached"),
        "no registration refused: {err}"
    );
    assert!(
        err.contains(&format!(
            "following /{top}/c000 (v1): eventfd memory.oom_control;"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("usage thresholds registered for 0 of {N} cgroups")),
        "{err}"
    );
    let summary = err
        .lines()
        .find(|l| l.contains("full poll every"))
        .unwrap()
        .to_string();
    assert!(
        summary.contains(&format!("following {N} cgroups: ")),
        "{summary}"
    );
    assert!(!summary.contains(" 0 polled only"), "{summary}");
    // Every poll still reads all of them.
    assert!(
        w.wait_log(
            &format!("poll 3: sampled {N} of {N} cgroups"),
            Duration::from_secs(5)
        ),
        "{}",
        w.stderr()
    );
    let hog = in_cgroups(&[&kids[N - 1].0], "head -c 128M /dev/zero | tail")
        .status()
        .unwrap();
    assert!(!hog.success());
    let oom = w
        .wait_alert(Duration::from_secs(5), |a| is(a, "oom_kill", &last))
        .unwrap_or_else(|| panic!("no oom_kill: {:?}\n{}", w.alerts(), w.stderr()));
    assert_eq!(oom["threshold_bytes"], 32 * MIB);
    assert!(
        !w.stderr()
            .contains(&format!("woken by eventfd memory.oom_control for {last}")),
        "{}",
        w.stderr()
    );
    assert!(
        !w.stderr().contains("Too many open files"),
        "sampling never ran out of descriptors: {}",
        w.stderr()
    );
    assert_eq!(w.term(), Some(0));
    drop(kids);
    drop(parent);
}

/// As the DaemonSet mounts it: the cgroup tree read-only. The eventfd
/// registrations fail (EROFS), the cgroup is polled instead, the startup
/// line says so, and the OOM kill is still reported.
#[test]
fn a_read_only_cgroup_tree_falls_back_to_polling() {
    let name = format!("plimsoll-cli-ro-{}", std::process::id());
    let cg = memcg(&name, 32 * MIB);
    // A private mount namespace where the memory hierarchy is read-only.
    let mut unshare = Command::new("unshare");
    unshare.args([
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount -o bind,remount,ro /sys/fs/cgroup/memory && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_plimsoll"),
    ]);
    let w = Running::spawn_in(
        unshare,
        &[
            "--no-discover",
            "--interval",
            "0.5",
            "--cgroup",
            &format!("/{name}"),
        ],
    );
    w.started();
    let err = w.stderr();
    assert!(
        err.contains("0 event-driven (v1 eventfd 0, v2 inotify 0), 1 polled only"),
        "{err}"
    );
    assert!(
        err.contains("eventfd memory.oom_control: Read-only file system"),
        "{err}"
    );
    let hog = in_cgroups(&[&cg.0], "head -c 128M /dev/zero | tail")
        .status()
        .unwrap();
    assert!(!hog.success());
    let oom = w
        .wait_alert(Duration::from_secs(5), |a| {
            is(a, "oom_kill", &format!("/{name}"))
        })
        .unwrap_or_else(|| panic!("no oom_kill: {:?}\n{}", w.alerts(), w.stderr()));
    assert_eq!(oom["threshold_bytes"], 32 * MIB);
    assert!(!w.stderr().contains("woken by eventfd"), "{}", w.stderr());
    assert_eq!(w.term(), Some(0));
}

#[test]
fn limit_near_arrives_by_the_usage_threshold_eventfd() {
    let name = format!("plimsoll-cli-thr-{}", std::process::id());
    let cg = memcg(&name, 64 * MIB);
    let shm = PathBuf::from(format!("/dev/shm/{name}"));
    let _rm = Rm(shm.clone());
    let w = Running::spawn(&[
        "--no-discover",
        "--interval",
        "30",
        "--near-percent",
        "50",
        "--cgroup",
        &format!("/{name}"),
    ]);
    w.started();
    assert!(
        w.stderr().contains(&format!(
            "eventfd memory.usage_in_bytes threshold {}",
            32 * MIB
        )),
        "the threshold is 50 % of 64 MiB: {}",
        w.stderr()
    );
    let t0 = Instant::now();
    // 40 MiB of tmpfs pages stay charged to the memcg after the shell exits.
    let st = in_cgroups(
        &[&cg.0],
        &format!("head -c {} /dev/zero > {}", 40 * MIB, shm.display()),
    )
    .status()
    .unwrap();
    assert!(st.success());
    let near = w
        .wait_alert(Duration::from_secs(5), |a| {
            is(a, "memory_limit_near", &format!("/{name}"))
        })
        .unwrap_or_else(|| panic!("no memory_limit_near: {:?}\n{}", w.alerts(), w.stderr()));
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(near["threshold_bytes"], 32 * MIB);
    let usage = near["usage_bytes"].as_u64().unwrap();
    assert!((32 * MIB..=64 * MIB).contains(&usage), "{usage}");
    assert!(
        w.stderr().contains(&format!(
            "woken by eventfd memory.usage_in_bytes threshold for /{name}"
        )),
        "{}",
        w.stderr()
    );
    // Falling back under the line re-arms it; crossing again alerts again.
    std::fs::remove_file(&shm).unwrap();
    assert!(w.wait_log("(×", Duration::from_secs(1)));
    std::thread::sleep(Duration::from_millis(500));
    let st = in_cgroups(
        &[&cg.0],
        &format!("head -c {} /dev/zero > {}", 40 * MIB, shm.display()),
    )
    .status()
    .unwrap();
    assert!(st.success());
    let until = Instant::now() + Duration::from_secs(5);
    let mut n = 0;
    while Instant::now() < until {
        n = w
            .alerts()
            .iter()
            .filter(|a| is(a, "memory_limit_near", &format!("/{name}")))
            .count();
        if n == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(n, 2, "{:?}\n{}", w.alerts(), w.stderr());
    assert_eq!(w.term(), Some(0));
    drop(cg);
}

#[test]
fn new_container_cgroups_are_found_by_inotify_between_polls() {
    let pid = std::process::id();
    let parent = memcg(&format!("plimsoll-cli-disc-{pid}"), 1024 * MIB);
    let w = Running::spawn(&["--interval", "30"]);
    w.started();
    let id = format!("{:064x}", u128::from(pid) * 0x1_0000_0003);
    let cgroup = format!("/plimsoll-cli-disc-{pid}/libpod-{id}");
    let inner = memcg(cgroup.trim_start_matches('/'), 32 * MIB);
    assert!(
        w.wait_log(
            &format!("following {cgroup} (v1, container {})", &id[..12]),
            Duration::from_secs(3)
        ),
        "not discovered between polls: {}",
        w.stderr()
    );
    let hog = in_cgroups(&[&inner.0], "head -c 128M /dev/zero | tail")
        .status()
        .unwrap();
    assert!(!hog.success());
    let oom = w
        .wait_alert(Duration::from_secs(5), |a| is(a, "oom_kill", &cgroup))
        .unwrap_or_else(|| panic!("no oom_kill: {:?}\n{}", w.alerts(), w.stderr()));
    assert_eq!(oom["container_id"], &id[..12]);
    assert_eq!(oom["threshold_bytes"], 32 * MIB);
    // Removal is seen too.
    drop(inner);
    assert!(
        w.wait_log(
            &format!("no longer following {cgroup}"),
            Duration::from_secs(3)
        ),
        "{}",
        w.stderr()
    );
    assert_eq!(w.term(), Some(0));
    drop(parent);
}

/// Builds the test allocator: `alloc STEP_BYTES STEP_MS STEPS` mallocs and
/// touches STEP_BYTES every STEP_MS milliseconds, STEPS times, then holds
/// it all until killed.
fn allocator() -> Rm {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join(format!("plimsoll-alloc-{}.c", std::process::id()));
    let bin = dir.join(format!("plimsoll-alloc-{}", std::process::id()));
    std::fs::write(
        &src,
        r#"#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    long step = atol(argv[1]), ms = atol(argv[2]), steps = atol(argv[3]);
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    for (long i = 0; i < steps; i++) {
        char *p = malloc(step);
        if (!p) return 1;
        memset(p, 1, step);
        nanosleep(&t, NULL);
    }
    for (;;) pause();
}
"#,
    )
    .unwrap();
    let st = Command::new("cc")
        .arg("-O1")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("cc (the linker Rust uses) compiles the allocator");
    assert!(st.success());
    let _ = std::fs::remove_file(&src);
    Rm(bin)
}

/// One HTTP/1.1 GET to 127.0.0.1:port; (status, body).
fn http_get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The value of the exposition line `name{labels}`.
fn metric(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        let (k, v) = l.rsplit_once(' ')?;
        (k == name_and_labels).then(|| v.parse().ok())?
    })
}

#[test]
fn leak_suspected_for_a_steadily_allocating_process_and_metrics_scraped() {
    let pid = std::process::id();
    let alloc = allocator();
    let leak = format!("plimsoll-cli-leak-{pid}");
    let flat = format!("plimsoll-cli-flat-{pid}");
    let leaking = memcg(&leak, 1024 * MIB);
    let steady = memcg(&flat, 1024 * MIB);
    // The steady one allocates 64 MiB at once and holds it.
    let _steady_proc = Proc(
        in_cgroups(
            &[&steady.0],
            &format!("exec {} {} 1 1", alloc.0.display(), 64 * MIB),
        )
        .spawn()
        .unwrap(),
    );
    let until = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(steady.0.join("memory.usage_in_bytes"))
        .ok()
        .and_then(|u| u.trim().parse::<u64>().ok())
        .is_none_or(|u| u < 64 * MIB)
    {
        assert!(
            Instant::now() < until,
            "the steady allocator did not allocate"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let w = Running::spawn(&[
        "--no-discover",
        "--cgroup",
        &format!("/{leak}"),
        "--cgroup",
        &format!("/{flat}"),
        // Polls every 125 ms, a full reading (a working-set point) at one
        // in two: between them the cgroups are left to their
        // notifications.
        "--interval",
        "0.125",
        "--full-every",
        "2",
        "--leak-window",
        "12",
        "--leak-min-slope",
        "4MiB",
        "--leak-min-r2",
        "0.9",
        "--listen",
        "127.0.0.1:0",
    ]);
    w.started();
    let port: u16 = {
        let e = w.stderr();
        let at = e
            .find("metrics on http://127.0.0.1:")
            .expect("metrics address logged");
        e[at + "metrics on http://127.0.0.1:".len()..]
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap()
    };
    // 1 MiB every 50 ms: about 20 MiB/s for 12 s.
    let t0 = Instant::now();
    let _leaker = Proc(
        in_cgroups(
            &[&leaking.0],
            &format!("exec {} {} 50 240", alloc.0.display(), MIB),
        )
        .spawn()
        .unwrap(),
    );
    let a = w
        .wait_alert(Duration::from_secs(10), |a| {
            is(a, "leak_suspected", &format!("/{leak}"))
        })
        .unwrap_or_else(|| panic!("no leak_suspected: {:?}\n{}", w.alerts(), w.stderr()));
    let took = t0.elapsed();
    // 12 samples at 0.25 s: the window is full after about 3 s.
    assert!(took >= Duration::from_millis(2500), "{took:?}");
    let slope = a["slope_bytes_per_second"].as_f64().unwrap();
    assert!(
        (8.0 * MIB as f64..=24.0 * MIB as f64).contains(&slope),
        "slope {slope} B/s"
    );
    assert!(a["r2"].as_f64().unwrap() >= 0.9, "{a}");
    assert_eq!(a["threshold_bytes"], 1024 * MIB);
    let ws = a["working_set_bytes"].as_u64().unwrap();
    assert!(ws <= a["usage_bytes"].as_u64().unwrap() && ws > 0, "{a}");
    let span = a["window_seconds"].as_f64().unwrap();
    assert!((2.0..=4.5).contains(&span), "{a}");

    // Scrape while the watch runs.
    let (status, text) = http_get(port, "/metrics");
    assert_eq!(status, 200);
    for l in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (k, v) = l
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line {l:?}"));
        assert!(v.parse::<f64>().is_ok(), "bad value in {l:?}");
        let name = k.split('{').next().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad name in {l:?}"
        );
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} has no TYPE line"
        );
    }
    let lbl = |cg: &str| format!("{{cgroup=\"/{cg}\",container_id=\"\",hierarchy=\"v1\"}}");
    let usage = metric(
        &text,
        &format!("plimsoll_cgroup_memory_usage_bytes{}", lbl(&flat)),
    )
    .unwrap();
    let kernel: f64 = std::fs::read_to_string(steady.0.join("memory.usage_in_bytes"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        (usage - kernel).abs() <= 4.0 * MIB as f64,
        "{usage} vs {kernel}"
    );
    assert_eq!(
        metric(
            &text,
            &format!("plimsoll_cgroup_memory_limit_bytes{}", lbl(&flat))
        ),
        Some(1024.0 * MIB as f64)
    );
    assert!(
        metric(
            &text,
            &format!("plimsoll_cgroup_memory_working_set_bytes{}", lbl(&leak))
        )
        .is_some()
    );
    assert_eq!(
        metric(
            &text,
            &format!("plimsoll_cgroup_memory_oom_kills_total{}", lbl(&leak))
        ),
        Some(0.0)
    );
    assert!(
        metric(
            &text,
            &format!(
                "plimsoll_cgroup_memory_events_total{{cgroup=\"/{leak}\",container_id=\"\",hierarchy=\"v1\",event=\"max\"}}"
            )
        )
        .is_some()
    );
    assert_eq!(
        metric(
            &text,
            "plimsoll_alerts_total{alert_type=\"leak_suspected\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        metric(&text, "plimsoll_watch_cgroups{mechanism=\"eventfd\"}"),
        Some(2.0)
    );
    assert!(metric(&text, "plimsoll_watch_wakeups_total{source=\"interval\"}").unwrap() >= 12.0);
    assert!(metric(&text, "process_resident_memory_bytes").unwrap() > 0.0);
    assert!(metric(&text, "process_open_fds").unwrap() > 0.0);
    assert!(metric(&text, "process_start_time_seconds").unwrap() > 1.6e9);
    assert_eq!(http_get(port, "/healthz"), (200, "ok\n".to_string()));
    assert_eq!(http_get(port, "/readyz").0, 200);
    assert_eq!(http_get(port, "/nope").0, 404);

    // The steady cgroup never looked like a leak.
    assert!(
        !w.alerts()
            .iter()
            .any(|a| is(a, "leak_suspected", &format!("/{flat}"))),
        "{:?}",
        w.alerts()
    );
    assert_eq!(w.term(), Some(0));
}

/// The cgroup2 mount point, if any.
fn cgroup2_mount() -> Option<PathBuf> {
    let mi = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    mi.lines().find_map(|l| {
        let (pre, post) = l.split_once(" - ")?;
        if !post.starts_with("cgroup2 ") {
            return None;
        }
        pre.split_whitespace().nth(4).map(PathBuf::from)
    })
}

#[test]
fn pressure_high_from_the_cgroups_own_psi() {
    if !Path::new("/proc/pressure/memory").exists() {
        eprintln!("no PSI on this kernel: pressure_high from PSI cannot be tested here");
        return;
    }
    let Some(v2) = cgroup2_mount() else {
        eprintln!("no cgroup2 mount: per-cgroup PSI cannot be tested here");
        return;
    };
    let pid = std::process::id();
    let name = format!("plimsoll-cli-psi-{pid}");
    let cg = memcg(&name, 48 * MIB);
    // The same path in the cgroup2 tree, as systemd and runtimes mirror
    // it on a hybrid node: PSI accounts tasks by their cgroup2 membership.
    let v2dir = v2.join(&name);
    let _ = std::fs::remove_dir(&v2dir);
    std::fs::create_dir(&v2dir).unwrap();
    let mirror = Memcg(v2dir.clone());
    // Two watches of the same cgroup: one registers PSI triggers
    // (--psi-triggers), the other (the default) only reads the cgroup's
    // memory.pressure at each sample and writes nothing to it.
    let args = |triggers: bool| {
        let mut a = vec![
            "--no-discover".to_string(),
            "--cgroup".to_string(),
            format!("/{name}"),
            "--interval".to_string(),
            "0.5".to_string(),
            "--pressure-threshold".to_string(),
            "0.3".to_string(),
        ];
        if triggers {
            a.push("--psi-triggers".to_string());
        }
        a
    };
    let spawn = |a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        Running::spawn(&a)
    };
    let w = spawn(args(true));
    let r = spawn(args(false));
    w.started();
    r.started();
    let pressure_file = v2dir.join("memory.pressure");
    assert!(
        w.stderr()
            .contains(&format!("PSI trigger {}", pressure_file.display()))
            && w.stderr().contains("PSI triggers on"),
        "{}",
        w.stderr()
    );
    assert!(
        r.stderr().contains(&format!(
            "pressure: PSI {} read at each sample",
            pressure_file.display()
        )) && r.stderr().contains("PSI triggers off")
            && !r.stderr().contains("PSI trigger "),
        "{}",
        r.stderr()
    );
    // Thrash: a 96 MiB file charged to the 48 MiB memcg, read over and over
    // (its pages are evicted and refaulted: memory stalls).
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("plimsoll-thrash-{pid}"));
    let _rm = Rm(scratch.clone());
    let _thrash = Proc(
        in_cgroups(
            &[&cg.0, &v2dir],
            &format!(
                "head -c 100663296 /dev/urandom > {f}; while :; do cat {f} > /dev/null; done",
                f = scratch.display()
            ),
        )
        .spawn()
        .unwrap(),
    );
    for watch in [&w, &r] {
        let a = watch
            .wait_alert(Duration::from_secs(30), |a| {
                is(a, "pressure_high", &format!("/{name}"))
            })
            .unwrap_or_else(|| {
                panic!(
                    "no pressure_high: {:?}\n{}\n{}",
                    watch.alerts(),
                    std::fs::read_to_string(&pressure_file).unwrap_or_default(),
                    watch.stderr()
                )
            });
        assert!(a["pressure_avg10"].as_f64().unwrap() > 0.3, "{a}");
        assert_eq!(a["pressure_threshold"], 0.3);
        assert_eq!(a["pressure_source"], pressure_file.display().to_string());
        assert_eq!(a["hierarchy"], "v1");
        assert_eq!(a["threshold_bytes"], 48 * MIB);
    }
    // Without --psi-triggers nothing but the polls and eventfds wakes it.
    assert!(
        !r.stderr().contains("woken by PSI trigger"),
        "{}",
        r.stderr()
    );
    assert_eq!(w.term(), Some(0));
    assert_eq!(r.term(), Some(0));
    drop(cg);
    drop(mirror);
}

/// What the watch opens for writing, traced by strace: by default only
/// `cgroup.event_control` (the v1 event registrations) and its own
/// --events file; with --psi-triggers also the cgroup's `memory.pressure`.
#[test]
fn the_watch_writes_to_cgroupfs_only_to_register_v1_events() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("no strace: skipped");
        return;
    }
    let pid = std::process::id();
    let name = format!("plimsoll-cli-writes-{pid}");
    let cg = memcg(&name, 32 * MIB);
    // A cgroup2 mirror, so that the cgroup has its own memory.pressure.
    let mirror = cgroup2_mount().map(|v2| {
        let d = v2.join(&name);
        let _ = std::fs::remove_dir(&d);
        std::fs::create_dir(&d).unwrap();
        Memcg(d)
    });
    let tmp = tempfile::tempdir().unwrap();
    let opened_for_writing = |extra: &[&str]| -> Vec<String> {
        let trace = tmp.path().join(format!("trace-{}", extra.len()));
        let events = tmp.path().join(format!("alerts-{}.jsonl", extra.len()));
        let o = Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=open,openat,openat2,creat", "-o"])
            .arg(&trace)
            .arg(env!("CARGO_BIN_EXE_plimsoll"))
            .args([
                "node",
                "watch",
                "--rounds",
                "4",
                "--interval",
                "0.2",
                "--events",
            ])
            .arg(&events)
            .args(["--cgroup", &format!("/{name}")])
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&trace).unwrap();
        assert!(text.contains("memory.usage_in_bytes"), "traced: {text}");
        text.lines()
            .filter(|l| {
                l.contains("O_WRONLY")
                    || l.contains("O_RDWR")
                    || l.contains("O_CREAT")
                    || l.contains("O_TRUNC")
                    || l.contains("creat(")
            })
            .filter_map(|l| Some(l.split('"').nth(1)?.to_string()))
            .filter(|p| *p != events.display().to_string())
            .collect()
    };
    let default = opened_for_writing(&[]);
    assert!(!default.is_empty(), "the v1 registrations are traced");
    for p in &default {
        assert!(
            p.ends_with("/cgroup.event_control"),
            "opened for writing by default: {p} (all: {default:?})"
        );
    }
    if let Some(m) = &mirror {
        let with = opened_for_writing(&["--psi-triggers"]);
        let pressure = m.0.join("memory.pressure").display().to_string();
        assert!(with.contains(&pressure), "{with:?}");
    }
    drop(mirror);
    drop(cg);
}

#[test]
fn pressure_high_from_pressure_level_critical_events() {
    let name = format!("plimsoll-cli-level-{}", std::process::id());
    let cg = memcg(&name, 32 * MIB);
    let w = Running::spawn(&[
        "--no-discover",
        "--cgroup",
        &format!("/{name}"),
        "--interval",
        "30",
        "--pressure-source",
        "level",
    ]);
    w.started();
    assert!(
        w.stderr()
            .contains("eventfd memory.pressure_level (medium, critical)")
            && w.stderr()
                .contains("pressure: memory.pressure_level critical events"),
        "{}",
        w.stderr()
    );
    let hog = in_cgroups(&[&cg.0], "head -c 128M /dev/zero | tail")
        .status()
        .unwrap();
    assert!(!hog.success());
    let a = w
        .wait_alert(Duration::from_secs(5), |a| {
            is(a, "pressure_high", &format!("/{name}"))
        })
        .unwrap_or_else(|| panic!("no pressure_high: {:?}\n{}", w.alerts(), w.stderr()));
    assert_eq!(a["pressure_level"], "critical");
    assert!(a["count"].as_u64().unwrap() >= 1);
    assert_eq!(
        a["pressure_source"],
        cg.0.join("memory.pressure_level").display().to_string()
    );
    assert!(a.get("pressure_avg10").is_none(), "{a}");
    assert_eq!(w.term(), Some(0));
}

/// A webhook receiver on 127.0.0.1: answers 500 to the first request,
/// then 200; records every request body.
fn receiver() -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut s) = conn else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body_at = loop {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i + 4);
                }
            };
            let Some(at) = body_at else { continue };
            let head = String::from_utf8_lossy(&buf[..at]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:")?.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < at + len {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body = String::from_utf8_lossy(&buf[at..]).to_string();
            let first = {
                let mut g = sink.lock().unwrap();
                g.push(body);
                g.len() == 1
            };
            let status = if first {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, got)
}

#[test]
fn webhooks_post_alerts_and_a_dead_one_is_only_a_warning() {
    let pid = std::process::id();
    let (port, got) = receiver();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let name = format!("plimsoll-cli-hook-{pid}");
    let cg = memcg(&name, 32 * MIB);
    let cgroup = format!("/{name}");
    let live = Running::spawn(&[
        "--no-discover",
        "--cgroup",
        &cgroup,
        "--interval",
        "30",
        "--webhook",
        &format!("http://127.0.0.1:{port}/hook"),
        "--webhook-format",
        "generic",
    ]);
    let broken = Running::spawn(&[
        "--no-discover",
        "--cgroup",
        &cgroup,
        "--interval",
        "30",
        "--webhook",
        &format!("http://127.0.0.1:{dead}/hook"),
        "--webhook-format",
        "slack",
    ]);
    live.started();
    broken.started();
    let hog = in_cgroups(&[&cg.0], "head -c 128M /dev/zero | tail")
        .status()
        .unwrap();
    assert!(!hog.success());
    // The live endpoint: 500 first, then the retry is delivered.
    let until = Instant::now() + Duration::from_secs(10);
    let mut events: Vec<Value> = Vec::new();
    while Instant::now() < until {
        events = got
            .lock()
            .unwrap()
            .iter()
            .skip(1)
            .map(|b| serde_json::from_str(b).expect("generic bodies are JSON"))
            .collect();
        if events.iter().any(|e| e["alert_type"] == "oom_kill") {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let oom = events
        .iter()
        .find(|e| e["alert_type"] == "oom_kill")
        .unwrap_or_else(|| {
            panic!(
                "no oom_kill posted: {:?}\n{}",
                got.lock().unwrap(),
                live.stderr()
            )
        });
    assert_eq!(oom["cgroup"], cgroup);
    assert_eq!(oom["threshold_bytes"], 32 * MIB);
    assert!(oom["node"].as_str().is_some_and(|n| !n.is_empty()), "{oom}");
    let written = live
        .alerts()
        .into_iter()
        .find(|a| is(a, "oom_kill", &cgroup))
        .expect("also written to --events");
    assert_eq!(written["timestamp"], oom["timestamp"]);
    assert!(
        !live.stderr().contains("warning"),
        "a retried delivery is no warning: {}",
        live.stderr()
    );
    // The dead endpoint: a warning, and the watch goes on.
    assert!(
        broken.wait_log(
            "warning: webhook http://127.0.0.1:",
            Duration::from_secs(20)
        ),
        "{}",
        broken.stderr()
    );
    assert!(
        broken.stderr().contains("not delivered after 4 attempts"),
        "{}",
        broken.stderr()
    );
    assert!(broken.alerts().iter().any(|a| is(a, "oom_kill", &cgroup)));
    assert_eq!(broken.term(), Some(0));
    assert_eq!(live.term(), Some(0));
}

#[test]
fn bad_watch_arguments_exit_2_with_a_message() {
    for (args, says) in [
        (vec!["--listen", "256.0.0.1:1"], "--listen"),
        (vec!["--webhook-format", "teams"], "webhook-format"),
        (vec!["--webhook", "ftp://x"], "--webhook"),
        (vec!["--leak-min-r2", "2"], "R²"),
        (vec!["--leak-window", "2"], "leak window"),
        (vec!["--leak-min-slope", "fast"], "--leak-min-slope"),
        (vec!["--pressure-source", "vibes"], "--pressure-source"),
        (vec!["--pressure-threshold", "200"], "pressure threshold"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .args(["node", "watch", "--rounds", "1", "--no-discover"])
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(says) && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}
