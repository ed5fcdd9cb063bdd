//! # PN005: the cgroup mode is ambiguous
//!
//! The facts about cgroups disagree: memory enabled in `/proc/cgroups` but
//! mounted nowhere, mounted twice (two v1 hierarchies, or v1 and cgroup2
//! at once), a cgroup2 mount whose `cgroup.controllers` lacks memory while
//! no v1 mount has it, or no cgroup filesystem at all. Container runtimes,
//! kubelet and monitoring each pick a mode by their own heuristics; on
//! such a node they pick differently, and memory limits or alerts silently
//! apply to the wrong hierarchy. The doctor does not guess: it lists the
//! conflicting facts and exits 2.
//!
//! ## Bad
//! ```text
//! $ grep cgroup /proc/self/mountinfo
//! ... /sys/fs/cgroup rw - cgroup2 cgroup2 rw
//! $ cat /sys/fs/cgroup/cgroup.controllers
//! cpu io pids
//! $ grep memory /proc/cgroups
//! memory  0  80  1
//! ```
//!
//! ## Good
//! ```text
//! $ cat /sys/fs/cgroup/cgroup.controllers
//! cpuset cpu io memory pids
//! ```
//!
//! ## Fix
//! Make one hierarchy own memory: on v2, enable it from the root
//! (`echo +memory > /sys/fs/cgroup/cgroup.subtree_control`, done by
//! systemd) and make sure no v1 hierarchy mounts it; on v1/hybrid, mount
//! the memory controller once. In containers, mount the host's cgroup
//! filesystem read-only as the runtime would.
//!
//! ## Incident it prevents
//! A node image mounted cgroup2 for systemd but kept a v1 memory mount
//! from an old init script; kubelet set limits on v1 while the runtime read
//! v2, and pods ran without effective memory limits until the node fell
//! over.

use crate::{Context, Hit, Meta, Mode};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PN005",
    severity: Severity::Error,
    category: Category::Node,
    summary: "The cgroup mode is ambiguous: the facts about the memory controller conflict",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let n = &cx.doctor.negotiation;
    if n.mode != Mode::Ambiguous {
        return vec![];
    }
    vec![Hit::new(format!(
        "the cgroup mode is ambiguous: {}",
        n.conflicts.join("; ")
    ))]
}

#[cfg(test)]
mod tests {
    use crate::testing::run_on;

    #[test]
    fn fires_with_the_conflicts() {
        let hits = run_on(super::check, "ambiguous-v2-lacks-memory");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("lacks it"), "{}", hits[0].message);
    }

    #[test]
    fn quiet_when_clear() {
        for f in ["hybrid-host", "v2", "v1-old"] {
            assert!(
                run_on(super::check, f)
                .is_empty(),
                "{f}"
            );
        }
    }
}
