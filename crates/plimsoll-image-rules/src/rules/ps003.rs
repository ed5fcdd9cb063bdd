//! # PS003: user wasted percent above the highest allowed
//!
//! dive's `userWastedPercent`: wasted bytes (see PS002) over the bytes of
//! every layer but the first — how much of what *you* added on top of the
//! base is waste. The threshold is `.dive-ci`'s `highestUserWastedPercent`
//! (a ratio; 0.1 by default, as dive's CI mode). An image with a single
//! layer has no user layers and is not judged.
//!
//! ## Bad
//! ```dockerfile
//! FROM python:3.12-slim
//! COPY . /app
//! RUN chmod -R g+w /app                # every file of /app written twice
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM python:3.12-slim
//! COPY --chmod=0775 . /app
//! ```
//!
//! ## Fix
//! Set ownership and modes as files are copied (`COPY --chown`,
//! `--chmod`), delete temporary files in the `RUN` that creates them, or
//! build in a separate stage.
//!
//! ## Incident it prevents
//! A `RUN chmod -R` after `COPY` doubled an image's application layer;
//! the dive gate at 10% flagged it at 50%.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PS003",
    severity: Severity::Warning,
    category: Category::Size,
    summary: "User wasted percent (dive's userWastedPercent) above the highest allowed",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(max) = cx.settings.highest_user_wasted_percent else {
        return vec![];
    };
    let pct = cx.facts.user_wasted_percent;
    if !pct.is_finite() || pct <= max {
        return vec![];
    }
    vec![
        Hit::new(format!(
            "user wasted percent is {:.2}% (highest allowed {:.2}%): {} of the bytes added on top of the base layer are waste; {} could be reclaimed",
            pct * 100.0,
            max * 100.0,
            crate::human(cx.facts.wasted_bytes),
            crate::human(cx.facts.reclaimable_bytes)
        ))
        .with_fix("set ownership and modes while copying (COPY --chown/--chmod), delete temporary files in the same RUN, or copy only build results from a builder stage"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::Settings;
    use crate::testing::*;

    #[test]
    fn chmod_after_copy_is_half_waste() {
        let img = ImageBuilder::new()
            .layer(Layer::new("ADD rootfs.tar /").sized("bin/sh", 1_000_000))
            .layer(Layer::new("COPY . /app").sized("app/a.py", 500_000))
            .layer(Layer::new("RUN chmod -R g+w /app").file_with(
                "app/a.py",
                &vec![0; 500_000],
                0o664,
                (0, 0),
            ))
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1);
        // dive counts both versions: 1 MB wasted over 1 MB of user layers.
        assert!(
            hits[0]
                .message
                .starts_with("user wasted percent is 100.00% (highest allowed 10.00%)"),
            "{}",
            hits[0].message
        );
        let lenient = Settings {
            highest_user_wasted_percent: Some(1.0),
            ..Settings::default()
        };
        assert!(run_with(super::check, &img, &lenient).is_empty());
        let off = Settings {
            highest_user_wasted_percent: None,
            ..Settings::default()
        };
        assert!(run_with(super::check, &img, &off).is_empty());
    }

    #[test]
    fn clean_and_single_layer_images_pass() {
        let img = ImageBuilder::new()
            .layer(Layer::new("ADD rootfs.tar /").sized("bin/sh", 1_000_000))
            .layer(Layer::new("COPY --chmod=0664 . /app").file_with(
                "app/a.py",
                &vec![0; 500_000],
                0o664,
                (0, 0),
            ))
            .build();
        assert!(run(super::check, &img).is_empty());
        // No user layers: dive's figure is NaN, not judged.
        let single = ImageBuilder::new()
            .layer(Layer::new("ADD rootfs.tar /").sized("bin/sh", 10))
            .build();
        assert!(facts_of(&single).user_wasted_percent.is_nan());
        assert!(run(super::check, &single).is_empty());
    }
}
