//! `plimsoll node doctor` and `plimsoll node watch` on a real pure cgroup v2
//! kernel: Debian 12's linux-image-6.1 booted under qemu (TCG) by
//! `scripts/qemu-v2.sh`, which fetches qemu, the kernel, busybox and cpio
//! once into its cache (apt-get download + dpkg-deb, nothing installed) and
//! runs `scripts/qemu-v2/scenario.sh` in the VM: the doctor on the root
//! cgroup, then the watch on a cgroup with memory.high = 24 MiB and
//! memory.max = 32 MiB while a hog goes 1 MiB over memory.high (a memory
//! stall its PSI counts) and then into an OOM kill at memory.max.
//!
//! The binary booted is the one cargo built for these tests (the script
//! copies its loader and libraries into the initramfs), or
//! `PLIMSOLL_STATIC_BIN` when set (a `+crt-static` build). The test fails —
//! never skips — when the VM cannot be fetched or booted; the script's
//! message says what is missing.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const HIGH: u64 = 24 * 1024 * 1024;
const MAX: u64 = 32 * 1024 * 1024;

/// The serial log, with the scenario's marked sections.
struct Log(Vec<String>);

impl Log {
    /// The lines between `PLIMSOLL_<NAME>_BEGIN` and `PLIMSOLL_<NAME>_END…`.
    fn section(&self, name: &str) -> Vec<&str> {
        let begin = format!("PLIMSOLL_{name}_BEGIN");
        let end = format!("PLIMSOLL_{name}_END");
        let start = self
            .0
            .iter()
            .position(|l| *l == begin)
            .unwrap_or_else(|| panic!("no {begin} in the serial log:\n{}", self.0.join("\n")));
        let stop = self.0[start..]
            .iter()
            .position(|l| l.starts_with(&end))
            .unwrap_or_else(|| panic!("no {end} in the serial log:\n{}", self.0.join("\n")));
        self.0[start + 1..start + stop]
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// The text after `PREFIX` on the line that starts with it.
    fn value(&self, prefix: &str) -> &str {
        self.0
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in the serial log:\n{}", self.0.join("\n")))
    }

    /// A doctor report and the exit status printed on its END marker.
    fn doctor(&self, name: &str) -> (Value, String) {
        let json = self.section(name).join("\n");
        let doc: Value = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}):\n{json}"));
        let exit = self.value(&format!("PLIMSOLL_{name}_END ")).to_string();
        (doc, exit)
    }
}

fn run_vm() -> Log {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = workspace.join("scripts/qemu-v2.sh");
    let bin = match std::env::var_os("PLIMSOLL_STATIC_BIN") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            assert!(
                p.is_file(),
                "PLIMSOLL_STATIC_BIN={} is not a file",
                p.display()
            );
            p
        }
        _ => PathBuf::from(env!("CARGO_BIN_EXE_plimsoll")),
    };
    let out = Command::new("bash")
        .arg(&script)
        .arg(&bin)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script.display()));
    let serial = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    let meaning = match code {
        Some(0) => "",
        Some(1) => "the scenario ran in the VM and an expectation failed",
        Some(2) => "a prerequisite is missing (see the message: apt, gcc, binutils)",
        Some(3) => "the VM did not reach the end of the scenario",
        _ => "unexpected status",
    };
    let tail: Vec<&str> = serial.lines().rev().take(120).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    assert_eq!(
        code,
        Some(0),
        "scripts/qemu-v2.sh {}: {meaning}\n--- stderr\n{stderr}\n--- serial log (last 120 lines)\n{}",
        bin.display(),
        tail.join("\n")
    );
    Log(serial.lines().map(str::to_string).collect())
}

fn u64_of(v: &Value, what: &str) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("{what} is not a byte count: {v}"))
}

#[test]
fn doctor_and_watch_on_a_real_pure_cgroup_v2_kernel() {
    let log = run_vm();

    // The VM: a 6.1 kernel, cgroup2 alone at /sys/fs/cgroup, controllers on.
    let kernel = log.value("PLIMSOLL_BOOTED kernel=").to_string();
    assert!(kernel.starts_with("6.1."), "kernel {kernel}");
    let controllers: Vec<&str> = log
        .value("PLIMSOLL_SUBTREE_CONTROL ")
        .split_whitespace()
        .collect();
    for c in ["memory", "cpu", "io", "pids"] {
        assert!(controllers.contains(&c), "{c} not enabled: {controllers:?}");
    }

    // (a) The doctor on the root cgroup.
    let (d, exit) = log.doctor("DOCTOR");
    assert_eq!(exit, "exit=0", "{d:#}");
    assert_eq!(d["version"], 1, "the shared report contract");
    assert_eq!(d["mode"], "v2", "{d:#}");
    assert_eq!(d["memory_controller"], "v2", "{d:#}");
    assert_eq!(d["psi"], true, "{d:#}");
    assert_eq!(d["kernel"], kernel.as_str());
    assert_eq!(d["cgroup"]["dir"], "/sys/fs/cgroup");
    assert_eq!(d["cgroup"]["hierarchy"], "v2");
    assert_eq!(d["cgroup"]["is_root"], true);
    assert_eq!(d["summary"]["errors"], 0, "{:#}", d["findings"]);
    for f in d["findings"].as_array().unwrap() {
        // PN002 is the hybrid-mode warning; nothing of v1 may show here.
        assert_ne!(f["code"], "PN002", "{f:#}");
    }

    // The doctor on the hog's cgroup, over memory.high, under memory.max:
    // the normalised view comes from the v2 files.
    assert_eq!(
        log.value("PLIMSOLL_CGROUP "),
        format!("path=/sys/fs/cgroup/t high={HIGH} max={MAX}")
    );
    let (c, exit) = log.doctor("CG_DOCTOR");
    assert_eq!(exit, "exit=0", "{c:#}");
    assert_eq!(c["mode"], "v2");
    assert_eq!(c["cgroup"]["dir"], "/sys/fs/cgroup/t");
    assert_eq!(c["cgroup"]["hierarchy"], "v2");
    assert_eq!(c["cgroup"]["is_root"], false);
    let exists: Vec<&str> = c["cgroup"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["exists"] == true)
        .filter_map(|f| f["name"].as_str())
        .collect();
    for f in [
        "memory.current",
        "memory.max",
        "memory.high",
        "memory.events",
        "memory.stat",
        "memory.pressure",
        "cgroup.events",
    ] {
        assert!(exists.contains(&f), "{f} not seen in {exists:?}");
    }
    for f in ["memory.usage_in_bytes", "memory.limit_in_bytes"] {
        assert!(!exists.contains(&f), "{f} is a v1 file: {exists:?}");
    }
    let m = &c["memory"];
    assert_eq!(u64_of(&m["limit"]["bytes"], "limit"), MAX, "{m:#}");
    assert_eq!(m["limit"]["sources"], serde_json::json!(["memory.max"]));
    assert_eq!(u64_of(&m["high"]["bytes"], "high"), HIGH, "{m:#}");
    assert_eq!(m["high"]["sources"], serde_json::json!(["memory.high"]));
    let usage = u64_of(&m["usage"]["bytes"], "usage");
    assert!(usage > HIGH && usage < MAX, "usage {usage}: {m:#}");
    let anon = u64_of(&m["anon"]["bytes"], "anon");
    assert!(
        anon >= 25 * 1024 * 1024 && anon <= usage,
        "anon {anon}: {m:#}"
    );
    let held = log.value("PLIMSOLL_HOG_HOLDING memory.current=");
    assert!(held.parse::<u64>().is_ok_and(|b| b > HIGH), "{held}");

    // (b) The watch: the hog was OOM-killed, the watch stopped on SIGTERM.
    assert_eq!(log.value("PLIMSOLL_HOG_EXIT="), "137");
    assert_eq!(log.value("PLIMSOLL_WATCH_EXIT="), "0");
    let alerts: Vec<Value> = log
        .section("EVENTS")
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let all = serde_json::to_string_pretty(&alerts).unwrap();
    let of = |t: &str| -> Vec<(usize, &Value)> {
        alerts
            .iter()
            .enumerate()
            .filter(|(_, a)| a["alert_type"] == t)
            .collect()
    };
    for a in &alerts {
        assert_eq!(a["cgroup"], "/t", "{a}");
        assert!(a["container_id"].is_null(), "{a}");
        assert!(a["usage_bytes"].as_u64().is_some(), "{a}");
        let ts = a["timestamp"].as_str().unwrap_or_default();
        assert!(ts.len() == 20 && ts.ends_with('Z'), "timestamp {ts}");
    }
    let high = of("memory_high_exceeded");
    let max = of("memory_max_hit");
    let oom = of("oom_kill");
    assert!(!high.is_empty(), "no memory_high_exceeded in {all}");
    assert!(!max.is_empty(), "no memory_max_hit in {all}");
    assert_eq!(oom.len(), 1, "one oom_kill in {all}");
    for (_, a) in &high {
        assert_eq!(u64_of(&a["threshold_bytes"], "threshold"), HIGH, "{a}");
    }
    assert!(
        high.iter()
            .any(|(_, a)| a["usage_bytes"].as_u64() > Some(HIGH)),
        "no memory_high_exceeded saw usage over memory.high: {all}"
    );
    for (_, a) in max.iter().chain(&oom) {
        assert_eq!(u64_of(&a["threshold_bytes"], "threshold"), MAX, "{a}");
    }
    // memory.high was crossed (and reported) before the hog went on to
    // memory.max. (The max counter and the kill land in one poll, and the
    // dying hog's last charges raise max again after the kill: no order is
    // asserted between those two.)
    assert!(high[0].0 < max[0].0 && high[0].0 < oom[0].0, "order: {all}");

    // Every counter increment the kernel made is accounted for: the alerts'
    // counts add up to memory.events (read by cat after the watch stopped).
    let events: std::collections::HashMap<&str, u64> = log
        .section("MEMORY_EVENTS")
        .iter()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    let sum = |v: &[(usize, &Value)]| -> u64 {
        v.iter().map(|(_, a)| u64_of(&a["count"], "count")).sum()
    };
    assert_eq!(events["oom_kill"], 1, "{events:?}");
    assert_eq!(sum(&oom), 1, "{all}");
    // memory.high was set to max before the hog grew again: no increment
    // after the watch's last poll. The dying hog may still raise max after
    // that poll.
    assert_eq!(sum(&high), events["high"], "{events:?} vs {all}");
    let max_sum = sum(&max);
    assert!(
        max_sum >= 1 && max_sum <= events["max"],
        "{events:?} vs {all}"
    );

    // PSI: throttling at memory.high is a memory stall the cgroup's own
    // memory.pressure counts; the watch read it and reported it over the
    // 1 % threshold, with the file it read. The file, read by cat just
    // after, shows stall time.
    let pressure = of("pressure_high");
    assert!(!pressure.is_empty(), "no pressure_high in {all}");
    for (_, a) in &pressure {
        let avg10 = a["pressure_avg10"].as_f64().unwrap_or(-1.0);
        assert!((1.0..=100.0).contains(&avg10), "{a}");
        assert_eq!(a["pressure_threshold"].as_f64(), Some(1.0), "{a}");
        assert_eq!(
            a["pressure_source"], "/sys/fs/cgroup/t/memory.pressure",
            "{a}"
        );
        assert_eq!(a["hierarchy"], "v2", "{a}");
    }
    let psi = log.section("PRESSURE");
    let some = psi
        .iter()
        .find_map(|l| l.strip_prefix("some "))
        .unwrap_or_else(|| panic!("no `some` line in memory.pressure: {psi:?}"));
    let field = |k: &str| -> f64 {
        some.split_whitespace()
            .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {k} in {some}"))
    };
    assert!(field("total") > 0.0 && field("avg10") > 0.0, "{some}");

    // The kernel's own account of the kill.
    let dmesg = log.section("DMESG").join("\n");
    assert!(
        dmesg.contains("Memory cgroup out of memory: Killed process") && dmesg.contains("(hog)"),
        "{dmesg}"
    );
}
