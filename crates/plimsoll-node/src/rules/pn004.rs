//! # PN004: no memory.events: OOM kills and limit hits are not counted
//!
//! cgroup v2's `memory.events` counts `low`, `high`, `max`, `oom`,
//! `oom_kill` (and `oom_group_kill`) and raises a file-modified event on
//! every change: the one reliable way to see a container's OOM kills and
//! limit hits. cgroup v1 has no such file: only `memory.oom_control`
//! (`under_oom`, and an `oom_kill` counter since kernel 4.13) and
//! `memory.failcnt`, with notification through `cgroup.event_control`
//! eventfds. Tools that look for `memory.events` see nothing on v1.
//!
//! ## Bad
//! ```text
//! $ cat /sys/fs/cgroup/memory/kubepods/pod.../memory.events
//! cat: ...: No such file or directory
//! ```
//!
//! ## Good
//! ```text
//! $ cat /sys/fs/cgroup/kubepods.slice/.../memory.events
//! low 0
//! high 0
//! max 12
//! oom 1
//! oom_kill 1
//! oom_group_kill 0
//! ```
//!
//! ## Fix
//! Move the node to cgroup v2 (see PN002). Until then, watch
//! `memory.oom_control` through `cgroup.event_control` and read its
//! `oom_kill` counter (kernel 4.13+), and `memory.failcnt` for limit hits.
//!
//! ## Incident it prevents
//! Containers were OOM-killed and restarted quietly; `docker inspect` said
//! `OOMKilled=false` (the runtime missed the event), and nobody looked at
//! `memory.oom_control`.

use crate::{Context, Hit, Meta, Owner};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PN004",
    severity: Severity::Warning,
    category: Category::Node,
    summary: "memory.events is missing: OOM kills and limit hits are only visible through v1 fallbacks",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.doctor;
    let Some(p) = &d.cgroup else { return vec![] };
    if p.has("memory.events") || (d.memory_controller == Owner::V2 && p.is_root) {
        return vec![];
    }
    let oom_kill = p.oom_control_keys.iter().any(|k| k == "oom_kill");
    let fallback = match (p.readable("memory.oom_control"), oom_kill) {
        (true, true) => {
            "the only OOM counter is memory.oom_control's oom_kill (limit hits: memory.failcnt)"
        }
        (true, false) => {
            "memory.oom_control has no oom_kill counter (kernel before 4.13): OOM kills are only seen through a cgroup.event_control eventfd"
        }
        _ => "neither memory.events nor memory.oom_control can be read: OOM kills are invisible",
    };
    vec![
        Hit::new(format!("{} has no memory.events: {fallback}", p.dir)).with_fix(
            "move the node to cgroup v2, or watch memory.oom_control through cgroup.event_control",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::testing::run_on;

    #[test]
    fn v1_names_its_fallback() {
        let hits = run_on(super::check, "hybrid-host");
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("oom_control's oom_kill"),
            "{}",
            hits[0].message
        );
        let hits = run_on(super::check, "v1-old");
        assert!(
            hits[0].message.contains("before 4.13"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn quiet_on_v2() {
        assert!(
            run_on(super::check, "v2")
            .is_empty()
        );
    }
}
