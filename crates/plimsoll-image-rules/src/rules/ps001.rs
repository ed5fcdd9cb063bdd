//! # PS001: image efficiency below the threshold
//!
//! dive's efficiency score: for every path, the bytes of its smallest
//! version over the bytes of all its versions across layers, summed over
//! all paths. Files written in one layer and overwritten or deleted in a
//! later one drag it down. The threshold is `.dive-ci`'s
//! `lowestEfficiency` (default 0.9, as dive's CI mode).
//!
//! ## Bad
//! ```dockerfile
//! RUN apt-get update && apt-get install -y build-essential
//! RUN make && apt-get purge -y build-essential   # the compiler is still in the layer below
//! ```
//!
//! ## Good
//! ```dockerfile
//! RUN apt-get update && apt-get install -y build-essential \
//!  && make && apt-get purge -y build-essential && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix
//! Create and remove temporary files in the same `RUN`, or build in a
//! separate stage and `COPY --from` only the result.
//!
//! ## Incident it prevents
//! A Go service image grew 300%: the SDK, module and build caches were
//! deleted in a later layer, so every byte of them still shipped.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PS001",
    severity: Severity::Warning,
    category: Category::Size,
    summary: "Image efficiency (dive's score) is below the lowest allowed",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(min) = cx.settings.lowest_efficiency else {
        return vec![];
    };
    if cx.facts.efficiency >= min {
        return vec![];
    }
    vec![Hit::new(format!(
        "efficiency is {:.2}% (lowest allowed {:.2}%); {} could be reclaimed",
        cx.facts.efficiency * 100.0,
        min * 100.0,
        crate::human(cx.facts.reclaimable_bytes)
    ))
    .with_fix("create and delete temporary files in the same RUN, or copy only build results from a builder stage")]
}
