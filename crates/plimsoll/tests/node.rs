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
