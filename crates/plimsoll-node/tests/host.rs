//! The doctor on this project's real host: hybrid cgroups, memory on v1 at
//! /sys/fs/cgroup/memory, cgroup2 at /sys/fs/cgroup/unified, PSI on. A
//! real memcg is created, limited and charged with 8 MiB of tmpfs pages,
//! and the normalised view must read it from the v1 files.

use plimsoll_node::{Mode, Owner, doctor};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Removes the memcg (and the tmpfs file charged to it) even when the test
/// fails.
struct Memcg {
    dir: PathBuf,
    shm: PathBuf,
}

impl Drop for Memcg {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.shm);
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        eprintln!("could not remove {}", self.dir.display());
    }
}

fn read_u64(p: &Path) -> u64 {
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

#[test]
fn this_host_is_hybrid_with_memory_on_v1() {
    let d = doctor(Path::new("/"), None).unwrap();
    assert_eq!(d.mode, Mode::Hybrid, "{:?}", d.negotiation);
    assert_eq!(d.memory_controller, Owner::V1);
    assert!(d.psi);
    assert_eq!(
        d.negotiation.memory_mount.as_deref(),
        Some("/sys/fs/cgroup/memory")
    );
    assert_eq!(d.environment.architecture, std::env::consts::ARCH);
    let uname = Command::new("uname").arg("-r").output().unwrap();
    assert_eq!(
        d.environment.kernel.as_deref(),
        Some(String::from_utf8_lossy(&uname.stdout).trim())
    );
    // The probe of our own memory cgroup is under the v1 hierarchy.
    let p = d.cgroup.as_ref().unwrap();
    assert!(p.dir.starts_with("/sys/fs/cgroup/memory"), "{}", p.dir);
    assert!(p.has("memory.limit_in_bytes") && !p.has("memory.events"));
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["mode"], "hybrid");
    assert_eq!(json["memory_controller"], "v1");
}

#[test]
fn a_real_memcg_is_read_from_the_v1_files() {
    let name = format!("plimsoll-test-{}", std::process::id());
    let dir = PathBuf::from("/sys/fs/cgroup/memory").join(&name);
    std::fs::create_dir(&dir).unwrap();
    let cg = Memcg {
        dir: dir.clone(),
        shm: PathBuf::from(format!("/dev/shm/{name}")),
    };
    std::fs::write(dir.join("memory.limit_in_bytes"), "67108864").unwrap();
    // A shell moves itself into the memcg and writes 8 MiB to tmpfs: the
    // pages stay charged to the memcg as shmem/cache after it exits.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && head -c 8388608 /dev/zero > {}",
            dir.display(),
            cg.shm.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());

    for arg in [dir.to_str().unwrap(), name.as_str()] {
        let d = doctor(Path::new("/"), Some(arg)).unwrap();
        let p = d.cgroup.as_ref().unwrap();
        assert_eq!(Path::new(&p.dir), dir.as_path(), "--cgroup {arg}");
        let m = d.memory.as_ref().unwrap();
        assert_eq!(m.limit.bytes, Some(67_108_864));
        assert_eq!(m.limit.sources, vec!["memory.limit_in_bytes"]);
        assert_eq!(m.usage.sources, vec!["memory.usage_in_bytes"]);
        let usage = m.usage.bytes.unwrap();
        assert!(usage >= 8 << 20, "usage {usage}");
        assert!(usage <= read_u64(&dir.join("memory.max_usage_in_bytes")));
        assert!(m.file.bytes.unwrap() >= 8 << 20, "{:?}", m.file);
        assert_eq!(m.file.sources, vec!["memory.stat:total_cache"]);
        // tmpfs pages are not inactive_file: the working set keeps them.
        assert!(
            m.working_set.bytes.unwrap() >= 8 << 20,
            "{:?}",
            m.working_set
        );
        assert_eq!(m.high.bytes, None);
        assert_eq!(p.swap_accounting.enabled, Some(true));
    }
    // An unlimited memcg reads as no limit, not 9223372036854771712.
    std::fs::write(dir.join("memory.limit_in_bytes"), "-1").unwrap();
    let d = doctor(Path::new("/"), Some(&name)).unwrap();
    let m = d.memory.unwrap();
    assert_eq!(m.limit.bytes, None);
    assert!(m.limit.note.unwrap().contains("no limit"));
    drop(cg);
    assert!(!dir.exists(), "memcg left behind");
}
