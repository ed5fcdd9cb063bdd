//! # PN003: swap use is not accounted per cgroup
//!
//! Without swap accounting (`swapaccount=0`, or a kernel built without
//! `CONFIG_MEMCG_SWAP`) a container's swapped-out memory is charged to no
//! one: `memory.memsw.*` (v1) or `memory.swap.*` (v2) do not exist, swap
//! limits cannot be set, and usage figures undercount a container that
//! swaps. On v1 the doctor sees the `memory.memsw.*` files; on v2
//! `memory.swap.max` in a non-root cgroup.
//!
//! ## Bad
//! ```text
//! $ cat /proc/cmdline
//! ... swapaccount=0
//! $ ls /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
//! ls: cannot access '...': No such file or directory
//! ```
//!
//! ## Good
//! ```text
//! $ ls /sys/fs/cgroup/memory/memory.memsw.*
//! memory.memsw.failcnt  memory.memsw.limit_in_bytes  memory.memsw.max_usage_in_bytes  memory.memsw.usage_in_bytes
//! ```
//!
//! ## Fix
//! Remove `swapaccount=0` from the kernel command line (on old kernels add
//! `swapaccount=1`), and use a kernel built with `CONFIG_MEMCG_SWAP=y`.
//!
//! ## Incident it prevents
//! A node with swap enabled showed every container well below its limit
//! while the node crawled: gigabytes of container memory sat in swap,
//! invisible to per-container usage and to `docker run --memory-swap`.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PN003",
    severity: Severity::Warning,
    category: Category::Node,
    summary: "Swap accounting is off: per-cgroup swap use is invisible and swap limits cannot be set",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(p) = &cx.doctor.cgroup else {
        return vec![];
    };
    if p.swap_accounting.enabled != Some(false) {
        return vec![];
    }
    vec![
        Hit::new(format!(
            "swap accounting is off ({}): swapped-out container memory is charged to no cgroup and swap limits cannot be set",
            p.swap_accounting.evidence
        ))
        .with_fix("boot without swapaccount=0 (swapaccount=1 on old kernels)"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::testing::run_on;

    #[test]
    fn fires_when_off() {
        let hits = run_on(super::check, "v1-old");
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("swapaccount=0"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn quiet_when_on() {
        for f in ["hybrid-host", "v2"] {
            assert!(
                run_on(super::check, f)
                .is_empty(),
                "{f}"
            );
        }
    }
}
