//! # PN002: the memory controller is on cgroup v1
//!
//! On a hybrid node (v1 controllers under `/sys/fs/cgroup/<controller>`
//! plus a cgroup2 mount such as `/sys/fs/cgroup/unified`) or a legacy v1
//! node, container memory is managed by the v1 memory controller. It has no
//! `memory.high` (no throttling before the hard limit), no
//! `memory.events` (no `high`/`max`/`oom_kill` counters to watch), OOM
//! notification only through `cgroup.event_control` eventfds, and its
//! `memory.usage_in_bytes` is a fuzzy counter. Runtimes that detect the
//! mode by looking for a cgroup2 mount can take a hybrid node for v2 and
//! look for files that are not there. Kubernetes keeps cgroup v1 in
//! maintenance mode since 1.31, and systemd 256 no longer boots it by
//! default.
//!
//! ## Bad
//! ```text
//! $ grep cgroup /proc/self/mountinfo
//! ... /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
//! ... /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
//! ```
//!
//! ## Good
//! ```text
//! $ grep cgroup /proc/self/mountinfo
//! ... /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
//! $ cat /sys/fs/cgroup/cgroup.controllers
//! cpuset cpu io memory hugetlb pids rdma misc
//! ```
//!
//! ## Fix
//! Boot with `systemd.unified_cgroup_hierarchy=1` (and without
//! `systemd.legacy_systemd_cgroup_controller`), on a kernel of 5.8 or later, with
//! container runtimes that support cgroup v2 (containerd 1.4+, runc 1.0+,
//! kubelet with the systemd cgroup driver).
//!
//! ## Incident it prevents
//! A memory alert watched `memory.events` for `oom_kill`; on the hybrid
//! nodes of one pool the file did not exist, the watcher saw no event and
//! OOM kills went unreported for weeks.

use crate::{Context, Hit, Meta, Mode, Owner};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PN002",
    severity: Severity::Warning,
    category: Category::Node,
    summary: "The memory controller is on cgroup v1 (hybrid or legacy mode)",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.doctor;
    if d.memory_controller != Owner::V1 {
        return vec![];
    }
    let at = d
        .negotiation
        .memory_mount
        .as_deref()
        .unwrap_or("a v1 mount");
    let msg = match d.mode {
        Mode::Hybrid => format!(
            "hybrid cgroup mode: memory is managed by cgroup v1 at {at} although a cgroup2 hierarchy is mounted; no memory.high, no memory.events, OOM notification only through eventfd"
        ),
        _ => format!(
            "legacy cgroup v1 mode: memory is managed at {at}; no memory.high, no memory.events, OOM notification only through eventfd"
        ),
    };
    vec![Hit::new(msg).with_fix("boot with systemd.unified_cgroup_hierarchy=1 on a kernel >= 5.8")]
}

#[cfg(test)]
mod tests {
    use crate::testing::run_on;

    #[test]
    fn fires_on_hybrid_and_v1() {
        let hits = run_on(super::check, "hybrid-host");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.starts_with("hybrid"), "{}", hits[0].message);
        assert!(hits[0].message.contains("/sys/fs/cgroup/memory"));
        let hits = run_on(super::check, "v1-old");
        assert!(hits[0].message.starts_with("legacy"));
    }

    #[test]
    fn quiet_on_v2() {
        assert!(
            run_on(super::check, "v2")
            .is_empty()
        );
    }
}
