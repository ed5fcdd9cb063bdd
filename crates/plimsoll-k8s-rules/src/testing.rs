//! Helpers for the rules' unit tests: YAML text in, the hits of one rule
//! over every workload out.

use crate::{Context, Hit, ImageView, Settings};
use plimsoll_k8s::{Limits, load};

/// Runs `check` over every workload of `yaml` with default settings.
pub fn run(check: fn(&Context) -> Vec<Hit>, yaml: &str) -> Vec<Hit> {
    run_with(check, yaml, &Settings::default(), None)
}

/// Runs `check` over every workload of `yaml`.
pub fn run_with(
    check: fn(&Context) -> Vec<Hit>,
    yaml: &str,
    settings: &Settings,
    image: Option<&ImageView>,
) -> Vec<Hit> {
    let m = load("test.yaml", yaml, Limits::default()).expect("test YAML parses");
    let mut out = Vec::new();
    for w in m.workloads() {
        let cx = Context {
            file: "test.yaml",
            workload: &w,
            settings,
            image,
        };
        out.extend(check(&cx));
    }
    out
}

/// The line each hit points at.
pub fn lines(hits: &[Hit]) -> Vec<u32> {
    hits.iter().map(|h| h.region.map_or(0, |r| r.line)).collect()
}
