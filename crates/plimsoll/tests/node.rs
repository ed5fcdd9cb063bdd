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
