//! Mode negotiation: which cgroup mode the node runs and which hierarchy
//! owns the memory controller, as a pure function of parsed facts.
//!
//! Evidence that disagrees yields [`Mode::Ambiguous`] with every conflict
//! spelled out; nothing is guessed.

use crate::env::{CgroupFs, CgroupMount, ProcCgroup, SelfCgroup};
use serde::Serialize;

/// The node's cgroup mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// cgroup2 only (unified).
    V2,
    /// cgroup v1 controllers only (legacy).
    V1,
    /// v1 controllers plus a cgroup2 mount (e.g. `/sys/fs/cgroup/unified`).
    Hybrid,
    /// The facts conflict; see [`Negotiation::conflicts`].
    Ambiguous,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::V2 => "v2",
            Mode::V1 => "v1",
            Mode::Hybrid => "hybrid",
            Mode::Ambiguous => "ambiguous",
        }
    }
}

/// Which hierarchy owns the memory controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    V1,
    V2,
    None,
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::V1 => "v1",
            Owner::V2 => "v2",
            Owner::None => "none",
        }
    }
}

/// The outcome, with the facts that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Negotiation {
    pub mode: Mode,
    pub memory_controller: Owner,
    /// Where memory is mounted (the mount point of the owning hierarchy).
    pub memory_mount: Option<String>,
    /// Facts that disagree (non-empty exactly when `mode` is ambiguous).
    pub conflicts: Vec<String>,
    /// The facts the decision rests on, in words.
    pub evidence: Vec<String>,
}

/// Decides the mode from the cgroup mounts (v2 ones with their
/// `cgroup.controllers`), `/proc/cgroups` and `/proc/self/cgroup` (None when
/// the file is missing).
pub fn negotiate(
    mounts: &[CgroupMount],
    proc_cgroups: Option<&[ProcCgroup]>,
    self_cgroup: Option<&[SelfCgroup]>,
) -> Negotiation {
    let mut conflicts = Vec::new();
    let mut evidence = Vec::new();
    let v1: Vec<&CgroupMount> = mounts
        .iter()
        .filter(|m| m.fstype == CgroupFs::Cgroup)
        .collect();
    let v1_ctrl: Vec<&&CgroupMount> = v1.iter().filter(|m| !m.controllers.is_empty()).collect();
    let v2: Vec<&CgroupMount> = mounts
        .iter()
        .filter(|m| m.fstype == CgroupFs::Cgroup2)
        .collect();
    let has_mem = |m: &CgroupMount| m.controllers.iter().any(|c| c == "memory");
    let v1_mem: Vec<&CgroupMount> = v1.iter().copied().filter(|m| has_mem(m)).collect();
    let v2_mem: Vec<&CgroupMount> = v2.iter().copied().filter(|m| has_mem(m)).collect();
    let v2_unknown: Vec<&CgroupMount> = v2
        .iter()
        .copied()
        .filter(|m| !m.controllers_known)
        .collect();
    let mem_line = proc_cgroups.and_then(|p| p.iter().find(|c| c.controller == "memory"));

    evidence.push(format!(
        "{} cgroup v1 mount(s) ({} with controllers), {} cgroup2 mount(s)",
        v1.len(),
        v1_ctrl.len(),
        v2.len()
    ));
    for m in &v1_mem {
        evidence.push(format!(
            "memory is mounted on cgroup v1 at {} (device {})",
            m.mount_point, m.device
        ));
    }
    for m in &v2 {
        if m.controllers_known {
            evidence.push(format!(
                "cgroup2 at {} lists controllers [{}] in cgroup.controllers",
                m.mount_point,
                m.controllers.join(" ")
            ));
        } else {
            evidence.push(format!(
                "cgroup2 at {}: cgroup.controllers could not be read",
                m.mount_point
            ));
        }
    }
    match (proc_cgroups, mem_line) {
        (None, _) => evidence.push("/proc/cgroups is missing".into()),
        (Some(_), None) => evidence.push("/proc/cgroups does not list memory".into()),
        (Some(_), Some(l)) => evidence.push(format!(
            "/proc/cgroups: memory hierarchy {}, enabled {}",
            l.hierarchy,
            u8::from(l.enabled)
        )),
    }

    let mode = if v1.is_empty() && v2.is_empty() {
        conflicts.push(
            "no cgroup or cgroup2 filesystem is mounted (/proc/self/mountinfo has no cgroup lines)"
                .to_string(),
        );
        Mode::Ambiguous
    } else if !v2.is_empty() && !v1_ctrl.is_empty() {
        Mode::Hybrid
    } else if !v2.is_empty() {
        if !v1.is_empty() {
            evidence.push(
                "v1 mounts carry only named hierarchies (no controllers): not counted as v1 controllers"
                    .into(),
            );
        }
        Mode::V2
    } else {
        Mode::V1
    };

    // Memory mounted twice: distinct v1 superblocks, or v1 and v2 at once.
    let mut v1_devices: Vec<&str> = v1_mem.iter().map(|m| m.device.as_str()).collect();
    v1_devices.sort_unstable();
    v1_devices.dedup();
    if v1_devices.len() > 1 {
        conflicts.push(format!(
            "memory is mounted on {} different cgroup v1 hierarchies ({})",
            v1_devices.len(),
            v1_mem
                .iter()
                .map(|m| format!("{} device {}", m.mount_point, m.device))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if v1_mem.len() > 1 {
        evidence.push(format!(
            "the v1 memory hierarchy is mounted {} times (same device {}): one hierarchy",
            v1_mem.len(),
            v1_devices.first().copied().unwrap_or("")
        ));
    }
    if let (Some(a), Some(b)) = (v1_mem.first(), v2_mem.first()) {
        conflicts.push(format!(
            "memory is mounted on cgroup v1 at {} and also listed in cgroup.controllers of the cgroup2 mount at {}",
            a.mount_point, b.mount_point
        ));
    }

    let enabled = mem_line.map(|l| l.enabled);
    if v1_mem.is_empty() && v2_mem.is_empty() && enabled == Some(true) {
        if !v2_unknown.is_empty() {
            conflicts.push(format!(
                "/proc/cgroups says memory is enabled, no v1 mount has it, and cgroup.controllers of the cgroup2 mount at {} cannot be read",
                v2_unknown
                    .first()
                    .map(|m| m.mount_point.as_str())
                    .unwrap_or("")
            ));
        } else if let Some(m) = v2.first() {
            conflicts.push(format!(
                "/proc/cgroups says memory is enabled, but no cgroup v1 mount has it and cgroup.controllers of the cgroup2 mount at {} lacks it",
                m.mount_point
            ));
        } else if !v1.is_empty() {
            conflicts.push(
                "/proc/cgroups says memory is enabled, but it is mounted nowhere (no v1 mount has it, no cgroup2 mount)"
                    .to_string(),
            );
        }
    }
    if let Some(l) = mem_line {
        if !v1_mem.is_empty() && !l.enabled {
            conflicts.push(
                "memory is mounted on cgroup v1 but /proc/cgroups says it is disabled".to_string(),
            );
        }
        if !v1_mem.is_empty() && l.hierarchy == 0 {
            conflicts.push(
                "memory is mounted on cgroup v1 but /proc/cgroups gives it hierarchy 0 (v2 or unmounted)"
                    .to_string(),
            );
        }
        if v1_mem.is_empty() && !v2_mem.is_empty() && l.hierarchy != 0 {
            conflicts.push(format!(
                "cgroup2 lists memory but /proc/cgroups puts it on v1 hierarchy {} that no mount shows",
                l.hierarchy
            ));
        }
    }
    if let Some(lines) = self_cgroup.filter(|l| !l.is_empty()) {
        let has_v1_mem = lines
            .iter()
            .any(|l| l.hierarchy != 0 && l.controllers.iter().any(|c| c == "memory"));
        let has_v2 = lines.iter().any(|l| l.hierarchy == 0);
        if !v1_mem.is_empty() && !has_v1_mem {
            conflicts.push(
                "memory is mounted on cgroup v1 but /proc/self/cgroup has no memory line"
                    .to_string(),
            );
        }
        if v1_mem.is_empty() && !v2_mem.is_empty() && !has_v2 {
            conflicts
                .push("cgroup2 owns memory but /proc/self/cgroup has no `0::` line".to_string());
        }
    }

    if !conflicts.is_empty() {
        return Negotiation {
            mode: Mode::Ambiguous,
            memory_controller: Owner::None,
            memory_mount: None,
            conflicts,
            evidence,
        };
    }
    let (owner, mount) = if let Some(m) = v1_mem.iter().find(|m| m.root == "/").or(v1_mem.first()) {
        (Owner::V1, Some(m.mount_point.clone()))
    } else if let Some(m) = v2_mem.first() {
        (Owner::V2, Some(m.mount_point.clone()))
    } else {
        evidence.push(match enabled {
            Some(false) => "memory is disabled (/proc/cgroups enabled 0)".to_string(),
            _ => "the kernel offers no memory controller".to_string(),
        });
        (Owner::None, None)
    };
    Negotiation {
        mode,
        memory_controller: owner,
        memory_mount: mount,
        conflicts,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::{parse_mountinfo, parse_proc_cgroups, parse_self_cgroup};

    fn with_v2(mi: &str, ctrls: &str) -> Vec<CgroupMount> {
        let mut m = parse_mountinfo(mi);
        for x in &mut m {
            if x.fstype == CgroupFs::Cgroup2 {
                x.controllers = ctrls.split_whitespace().map(String::from).collect();
                x.controllers_known = true;
            }
        }
        m
    }

    const V1_MEM: &str = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
    const V1_CPU: &str = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu,cpuacct\n";
    const V2_UNI: &str = "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
    const V2_ROOT: &str = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
    const PC_V1: &str =
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t15\t1\ncpu\t1\t3\t1\n";
    const PC_V2: &str =
        "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t80\t1\ncpu\t0\t80\t1\n";

    fn run(mi: &str, v2c: &str, pc: Option<&str>, sc: Option<&str>) -> Negotiation {
        let m = with_v2(mi, v2c);
        let pc = pc.map(parse_proc_cgroups);
        let sc = sc.map(parse_self_cgroup);
        negotiate(&m, pc.as_deref(), sc.as_deref())
    }

    #[test]
    fn the_three_clean_modes() {
        let n = run(
            &format!("{V1_CPU}{V1_MEM}{V2_UNI}"),
            "hugetlb",
            Some(PC_V1),
            Some("4:memory:/a\n0::/\n"),
        );
        assert_eq!((n.mode, n.memory_controller), (Mode::Hybrid, Owner::V1));
        assert_eq!(n.memory_mount.as_deref(), Some("/sys/fs/cgroup/memory"));
        let n = run(&format!("{V1_CPU}{V1_MEM}"), "", Some(PC_V1), None);
        assert_eq!((n.mode, n.memory_controller), (Mode::V1, Owner::V1));
        let n = run(
            V2_ROOT,
            "cpuset cpu io memory pids",
            Some(PC_V2),
            Some("0::/init.scope\n"),
        );
        assert_eq!((n.mode, n.memory_controller), (Mode::V2, Owner::V2));
        assert!(n.conflicts.is_empty());
        // /proc/cgroups missing is fine on v2.
        let n = run(V2_ROOT, "memory", None, None);
        assert_eq!((n.mode, n.memory_controller), (Mode::V2, Owner::V2));
    }

    #[test]
    fn memory_disabled_is_none_not_ambiguous() {
        let pc = "#h\nmemory\t0\t1\t0\n";
        let n = run(V2_ROOT, "cpu io pids", Some(pc), None);
        assert_eq!((n.mode, n.memory_controller), (Mode::V2, Owner::None));
    }

    #[test]
    fn ambiguous_layouts() {
        // No cgroup mounts at all.
        let n = run(
            "22 1 0:21 / /proc rw - proc proc rw\n",
            "",
            Some(PC_V1),
            None,
        );
        assert_eq!(n.mode, Mode::Ambiguous);
        assert_eq!(n.memory_controller, Owner::None);
        assert!(n.conflicts.iter().any(|c| c.contains("no cgroup")));
        // Enabled but mounted nowhere (v1 mounts without memory).
        let n = run(V1_CPU, "", Some(PC_V1), None);
        assert_eq!(n.mode, Mode::Ambiguous);
        assert!(
            n.conflicts.iter().any(|c| c.contains("mounted nowhere")),
            "{n:?}"
        );
        // Two different v1 memory hierarchies.
        let n = run(
            &format!("{V1_MEM}99 31 0:77 / /mnt/mem rw - cgroup cgroup rw,memory\n"),
            "",
            Some(PC_V1),
            None,
        );
        assert_eq!(n.mode, Mode::Ambiguous);
        assert!(n.conflicts.iter().any(|c| c.contains("2 different")));
        // The same hierarchy bind-mounted twice is one hierarchy.
        let n = run(
            &format!("{V1_MEM}99 31 0:32 / /mnt/mem rw - cgroup cgroup rw,memory\n"),
            "",
            Some(PC_V1),
            None,
        );
        assert_eq!((n.mode, n.memory_controller), (Mode::V1, Owner::V1));
        // v1 memory and memory in cgroup2's controllers.
        let n = run(&format!("{V1_MEM}{V2_UNI}"), "memory", Some(PC_V1), None);
        assert_eq!(n.mode, Mode::Ambiguous);
        assert!(n.conflicts.iter().any(|c| c.contains("also listed")));
        // cgroup2 lacks memory, no v1 memory, /proc/cgroups says enabled.
        let n = run(V2_ROOT, "cpu io pids", Some(PC_V2), None);
        assert_eq!(n.mode, Mode::Ambiguous);
        assert!(n.conflicts.iter().any(|c| c.contains("lacks it")));
        // Mounted on v1 but disabled.
        let n = run(V1_MEM, "", Some("#h\nmemory\t4\t1\t0\n"), None);
        assert_eq!(n.mode, Mode::Ambiguous);
        // v1 memory mount but the process has no memory line.
        let n = run(V1_MEM, "", Some(PC_V1), Some("1:cpu:/\n"));
        assert_eq!(n.mode, Mode::Ambiguous);
    }

    #[test]
    fn named_only_v1_with_v2_is_v2() {
        let n = run(
            &format!(
                "{V2_ROOT}50 30 0:40 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
            ),
            "memory pids",
            Some(PC_V2),
            None,
        );
        assert_eq!((n.mode, n.memory_controller), (Mode::V2, Owner::V2));
    }
}
