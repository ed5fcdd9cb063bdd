//! Negotiation, probe and normaliser over fixture trees: `hybrid-host` is
//! copied from this project's real hybrid host (a memcg made for it, with
//! a process holding anon and tmpfs memory), `v2`, `v2-psi-off` and
//! `v1-old` follow the kernel's file formats of those releases, and the
//! `ambiguous-*` trees are constructed conflicts.

use plimsoll_core::Severity;
use plimsoll_node::{Doctor, Mode, NodeError, Owner, check, doctor};
use std::path::PathBuf;

fn root(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(name: &str) -> Doctor {
    doctor(&root(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn codes(d: &Doctor) -> Vec<String> {
    let mut c: Vec<String> = check(d).into_iter().map(|f| f.code).collect();
    c.sort();
    c
}

#[test]
fn hybrid_host_copied_from_this_machine() {
    let d = run("hybrid-host");
    assert_eq!(d.mode, Mode::Hybrid);
    assert_eq!(d.memory_controller, Owner::V1);
    assert!(d.psi);
    assert_eq!(d.environment.architecture, "x86_64");
    assert_eq!(
        d.environment.os.as_deref(),
        Some("Debian GNU/Linux 12 (bookworm)")
    );
    assert_eq!(d.environment.cmdline.psi, Some(true));
    assert_eq!(
        d.negotiation.memory_mount.as_deref(),
        Some("/sys/fs/cgroup/memory")
    );
    assert!(d.negotiation.conflicts.is_empty());
    let p = d.cgroup.as_ref().unwrap();
    assert_eq!(p.dir, "/sys/fs/cgroup/memory/plimsoll-fixture");
    assert!(!p.is_root);
    assert!(p.readable("memory.limit_in_bytes") && !p.has("memory.max"));
    assert!(!p.has("memory.events") && !p.has("memory.high"));
    assert!(p.has("memory.pressure_level") && p.readable("memory.oom_control"));
    assert!(p.oom_control_keys.iter().any(|k| k == "oom_kill"));
    assert!(p.stat_keys.iter().any(|k| k == "total_inactive_file"));
    assert_eq!(p.swap_accounting.enabled, Some(true));
    assert_eq!(
        p.psi.cgroup_memory_pressure.as_deref(),
        Some("/sys/fs/cgroup/unified/memory.pressure")
    );
    let m = d.memory.as_ref().unwrap();
    assert_eq!(m.usage.bytes, Some(29_290_496));
    assert_eq!(m.usage.sources, vec!["memory.usage_in_bytes"]);
    assert_eq!(m.working_set.bytes, Some(29_290_496 - 8192));
    assert_eq!(
        m.working_set.sources,
        vec!["memory.usage_in_bytes", "memory.stat:total_inactive_file"]
    );
    assert_eq!(m.anon.bytes, Some(23_810_048));
    assert_eq!(m.anon.sources, vec!["memory.stat:total_rss"]);
    assert_eq!(m.file.bytes, Some(4_935_680));
    assert_eq!(m.limit.bytes, Some(67_108_864));
    assert_eq!(m.limit.sources, vec!["memory.limit_in_bytes"]);
    assert_eq!(m.high.bytes, None);
    assert_eq!(m.swap.bytes, Some(0));
    assert!(m.kernel.sources == vec!["memory.kmem.usage_in_bytes"] && m.kernel.bytes.is_some());
    assert!(m.semantics.iter().any(|s| s.contains("rss + cache")));
    // Hybrid with memory on v1: PN002 and PN004 (no memory.events).
    assert_eq!(codes(&d), vec!["PN002", "PN004"]);
}

#[test]
fn pure_v2() {
    let d = run("v2");
    assert_eq!(
        (d.mode, d.memory_controller, d.psi),
        (Mode::V2, Owner::V2, true)
    );
    assert_eq!(d.environment.kernel.as_deref(), Some("6.1.0-18-amd64"));
    assert_eq!(d.environment.runtimes.len(), 1);
    assert_eq!(d.environment.runtimes[0].runtime, "containerd");
    let p = d.cgroup.as_ref().unwrap();
    assert_eq!(p.dir, "/sys/fs/cgroup/system.slice/app.service");
    assert!(p.has("memory.events") && p.has("memory.events.local") && !p.has("memory.oom_control"));
    assert_eq!(p.swap_accounting.enabled, Some(true));
    let m = d.memory.as_ref().unwrap();
    assert_eq!(m.usage.bytes, Some(157_286_400));
    assert_eq!(m.usage.sources, vec!["memory.current"]);
    assert_eq!(m.working_set.bytes, Some(157_286_400 - 25_165_824));
    assert_eq!(m.anon.bytes, Some(104_857_600));
    assert_eq!(m.file.bytes, Some(41_943_040));
    assert_eq!(m.kernel.bytes, Some(10_485_760));
    assert_eq!(m.kernel.sources, vec!["memory.stat:kernel"]);
    assert_eq!(m.limit.bytes, Some(268_435_456));
    assert_eq!(m.high.bytes, Some(201_326_592));
    assert_eq!(m.swap.bytes, Some(0));
    assert!(codes(&d).is_empty(), "{:?}", codes(&d));
}

#[test]
fn v2_without_psi_and_without_kernel_key() {
    let d = run("v2-psi-off");
    assert_eq!(
        (d.mode, d.memory_controller, d.psi),
        (Mode::V2, Owner::V2, false)
    );
    let m = d.memory.as_ref().unwrap();
    assert_eq!(m.limit.bytes, None);
    assert!(m.limit.note.as_deref().unwrap().contains("max"));
    assert_eq!(m.high.bytes, None);
    // 5.4 has no `kernel` key: kernel_stack + sock + slab.
    assert_eq!(m.kernel.bytes, Some(196_608 + 4_194_304));
    assert_eq!(
        m.kernel.sources,
        vec![
            "memory.stat:kernel_stack",
            "memory.stat:sock",
            "memory.stat:slab"
        ]
    );
    assert_eq!(codes(&d), vec!["PN001"]);
}

#[test]
fn legacy_v1() {
    let d = run("v1-old");
    assert_eq!(
        (d.mode, d.memory_controller, d.psi),
        (Mode::V1, Owner::V1, false)
    );
    assert_eq!(d.environment.runtimes[0].path, "/var/run/docker.sock");
    let p = d.cgroup.as_ref().unwrap();
    assert!(
        p.dir
            .starts_with("/sys/fs/cgroup/memory/docker/4c01db0b339c")
    );
    assert_eq!(p.swap_accounting.enabled, Some(false));
    let m = d.memory.as_ref().unwrap();
    assert_eq!(m.usage.bytes, Some(412_090_368));
    assert_eq!(m.working_set.bytes, Some(412_090_368 - 100_663_296));
    assert_eq!(m.anon.bytes, Some(268_435_456));
    assert_eq!(m.file.bytes, Some(134_217_728));
    assert_eq!(m.limit.bytes, Some(536_870_912));
    assert_eq!(m.swap.bytes, None);
    assert_eq!(codes(&d), vec!["PN001", "PN002", "PN003", "PN004"]);
}

#[test]
fn explicit_cgroup_paths() {
    let r = root("v2");
    for p in [
        "/system.slice/app.service",
        "system.slice/app.service",
        "/sys/fs/cgroup/system.slice/app.service",
    ] {
        let d = doctor(&r, Some(p)).unwrap();
        assert_eq!(
            d.cgroup.unwrap().dir,
            "/sys/fs/cgroup/system.slice/app.service",
            "{p}"
        );
    }
    let d = doctor(&r, Some("/")).unwrap();
    let p = d.cgroup.unwrap();
    assert!(p.is_root && !p.has("memory.max"));
    assert_eq!(p.swap_accounting.enabled, None);
    let e = doctor(&r, Some("/nope")).unwrap_err();
    assert!(matches!(e, NodeError::Cgroup { .. }));
    assert!(e.to_string().contains("/sys/fs/cgroup/nope"), "{e}");
}

#[test]
fn ambiguous_trees() {
    for (name, says) in [
        ("ambiguous-v2-lacks-memory", "lacks it"),
        ("ambiguous-mounted-twice", "also listed"),
        ("ambiguous-no-mounts", "no cgroup or cgroup2"),
        ("ambiguous-enabled-unmounted", "mounted nowhere"),
    ] {
        let d = run(name);
        assert_eq!(d.mode, Mode::Ambiguous, "{name}");
        assert_eq!(d.memory_controller, Owner::None, "{name}");
        assert!(d.cgroup.is_none() && d.memory.is_none(), "{name}");
        assert!(
            d.negotiation.conflicts.iter().any(|c| c.contains(says)),
            "{name}: {:?}",
            d.negotiation.conflicts
        );
        let f = check(&d);
        let pn005 = f.iter().find(|f| f.code == "PN005").expect(name);
        assert_eq!(pn005.severity, Severity::Error);
    }
}

#[test]
fn missing_mountinfo_is_an_error() {
    let e = doctor(&root("does-not-exist"), None).unwrap_err();
    assert!(e.to_string().contains("proc/self/mountinfo"), "{e}");
}

#[test]
fn json_has_the_contract_keys() {
    let v = serde_json::to_value(run("hybrid-host")).unwrap();
    assert_eq!(v["mode"], "hybrid");
    assert_eq!(v["memory_controller"], "v1");
    assert_eq!(v["psi"], true);
    assert_eq!(v["kernel"], "6.18.44-fc-v669");
    assert_eq!(v["memory"]["limit"]["sources"][0], "memory.limit_in_bytes");
}
