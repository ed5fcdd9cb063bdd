//! # PN001: PSI (pressure stall information) is unavailable
//!
//! Pressure stall information tells how much time tasks lose waiting for
//! memory (`/proc/pressure/memory`, per cgroup `memory.pressure`): the
//! earliest reliable sign that a container is thrashing before it is
//! OOM-killed. Kernels before 4.20 lack it, kernels built with
//! `CONFIG_PSI_DEFAULT_DISABLED` need `psi=1`, and `psi=0` switches it off.
//! Without PSI, pressure alerts fall back to `memory.pressure_level`
//! eventfd notifications on cgroup v1 (coarse: low/medium/critical) or to
//! polling usage against the limit, which sees nothing of reclaim stalls.
//!
//! ## Bad
//! ```text
//! $ cat /proc/cmdline
//! ... psi=0
//! $ cat /proc/pressure/memory
//! cat: /proc/pressure/memory: Operation not supported
//! ```
//!
//! ## Good
//! ```text
//! $ cat /proc/pressure/memory
//! some avg10=0.00 avg60=0.00 avg300=0.00 total=0
//! full avg10=0.00 avg60=0.00 avg300=0.00 total=0
//! ```
//!
//! ## Fix
//! Boot with `psi=1` (add it to `GRUB_CMDLINE_LINUX` and regenerate the
//! boot configuration), or move to a kernel of 4.20 or later built with
//! `CONFIG_PSI=y`.
//!
//! ## Incident it prevents
//! A JVM service spent minutes in direct reclaim at 98% of its limit —
//! latency tripled — and no alert fired because the memory alert only
//! looked at usage, which stayed just under the limit until the OOM kill.

use crate::{Context, Hit, Meta, Owner};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PN001",
    severity: Severity::Warning,
    category: Category::Node,
    summary: "PSI (/proc/pressure/memory) is unavailable: pressure alerts fall back to coarser signals",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.doctor;
    if d.psi {
        return vec![];
    }
    let why = if d.environment.cmdline.psi == Some(false) {
        "psi=0 is on the kernel command line"
    } else {
        "/proc/pressure/memory cannot be read (kernel older than 4.20, built without CONFIG_PSI, or PSI disabled by default)"
    };
    let fallback = match (&d.cgroup, d.memory_controller) {
        (Some(p), Owner::V1) if p.has("memory.pressure_level") => {
            "pressure alerts fall back to memory.pressure_level eventfd notifications (v1: low/medium/critical only)"
        }
        _ => {
            "pressure alerts fall back to polling usage against the limit, which cannot see reclaim stalls"
        }
    };
    vec![Hit::new(format!("PSI is unavailable: {why}; {fallback}")).with_fix("boot with psi=1")]
}

#[cfg(test)]
mod tests {
    use crate::testing::run_on;

    #[test]
    fn fires_without_psi_and_names_the_fallback() {
        let hits = run_on(super::check, "v2-psi-off");
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains("psi=0"), "{}", hits[0].message);
        assert!(hits[0].message.contains("polling"));
        let hits = run_on(super::check, "v1-old");
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0].message.contains("memory.pressure_level"),
            "{}",
            hits[0].message
        );
    }

    #[test]
    fn quiet_with_psi() {
        for f in ["hybrid-host", "v2"] {
            assert!(
                run_on(super::check, f)
                .is_empty(),
                "{f}"
            );
        }
    }
}
