//! # PS002: wasted bytes above the highest allowed
//!
//! dive's `wastedBytes`: the bytes of every path that more than one layer
//! wrote (or deleted), all versions counted — including the visible one,
//! as dive counts it. The threshold is `.dive-ci`'s `highestWastedBytes`
//! (unset by default). The finding also says how much removing the waste
//! would really save: the bytes of file versions no one can see in the
//! final filesystem.
//!
//! ## Bad
//! ```dockerfile
//! COPY . /src                          # 300 MB of sources and node_modules
//! RUN npm ci && npm run build
//! RUN rm -rf /src/node_modules         # deleted here, shipped in the layers above
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20 AS build
//! COPY . /src
//! RUN cd /src && npm ci && npm run build
//! FROM node:20-slim
//! COPY --from=build /src/dist /app
//! ```
//!
//! ## Fix
//! Delete temporary files in the `RUN` that creates them, or build in a
//! separate stage and copy only the results.
//!
//! ## Incident it prevents
//! A CI gate with `highestWastedBytes: 20MB` caught an image in which a
//! `chown -R` layer had duplicated 600 MB of application files.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PS002",
    severity: Severity::Warning,
    category: Category::Size,
    summary: "Wasted bytes (dive's wastedBytes) above the highest allowed",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(max) = cx.settings.highest_wasted_bytes else {
        return vec![];
    };
    if cx.facts.wasted_bytes <= max {
        return vec![];
    }
    vec![
        Hit::new(format!(
            "wasted bytes are {} (highest allowed {}); removing the waste would save {}",
            crate::human(cx.facts.wasted_bytes),
            crate::human(max),
            crate::human(cx.facts.reclaimable_bytes)
        ))
        .with_fix("create and delete temporary files in the same RUN, avoid chown/chmod -R in a later layer (COPY --chown), or copy only build results from a builder stage"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::Settings;
    use crate::testing::*;

    fn img() -> plimsoll_image::Image {
        ImageBuilder::new()
            .layer(Layer::new("ADD rootfs.tar /").sized("etc/os-release", 100))
            .layer(Layer::new("COPY app /app").sized("app/big.bin", 2_000_000))
            .layer(Layer::new("RUN chown -R 1000 /app").file_with(
                "app/big.bin",
                &vec![0; 2_000_000],
                0o644,
                (1000, 1000),
            ))
            .build()
    }

    #[test]
    fn above_and_below_the_threshold() {
        let settings = |max| Settings {
            highest_wasted_bytes: max,
            ..Settings::default()
        };
        let img = img();
        let hits = run_with(super::check, &img, &settings(Some(1_000_000)));
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].message,
            "wasted bytes are 4.0 MB (highest allowed 1.0 MB); removing the waste would save 2.0 MB"
        );
        assert!(run_with(super::check, &img, &settings(Some(4_000_000))).is_empty());
        assert!(run_with(super::check, &img, &settings(None)).is_empty());
    }
}
