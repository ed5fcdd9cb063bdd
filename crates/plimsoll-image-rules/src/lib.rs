//! Plimsoll's image rules: facts of an analysed image in, findings out.
//!
//! Every rule is one file in `src/rules/` (registered by `build.rs`): a
//! `//!` doc that is the rule's documentation (`plimsoll rule CODE`), a
//! `META`, and a pure `check(&Context) -> Vec<Hit>`. Codes: `PI` image
//! hygiene (category `image`), `PS` size and waste (`size`), `PR` will the
//! binaries start (`runnability`).

use plimsoll_core::Finding;
use plimsoll_image::Image;
use plimsoll_image::facts::Facts;

mod registry {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}
pub use registry::RULES;

#[cfg(test)]
pub mod testing;

pub use plimsoll_core::fact_rules::{Hit, Meta};

/// A registered rule (see `plimsoll_core::fact_rules`).
pub type Rule = plimsoll_core::fact_rules::Rule<fn(&Context) -> Vec<Hit>>;

/// Thresholds users set (`.dive-ci`, `plimsoll.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// dive's `lowestEfficiency` (0..1).
    pub lowest_efficiency: Option<f64>,
    /// dive's `highestWastedBytes`.
    pub highest_wasted_bytes: Option<u64>,
    /// dive's `highestUserWastedPercent` (0..1).
    pub highest_user_wasted_percent: Option<f64>,
    /// Oldest acceptable Go toolchain, e.g. `go1.21`.
    pub min_go_version: String,
}

impl Default for Settings {
    fn default() -> Self {
        // dive's own CI defaults.
        Settings {
            lowest_efficiency: Some(0.9),
            highest_wasted_bytes: None,
            highest_user_wasted_percent: Some(0.1),
            min_go_version: "go1.21".into(),
        }
    }
}

impl Settings {
    /// Reads a `.dive-ci` file (YAML-ish `rules:` block with
    /// `lowestEfficiency`, `highestWastedBytes`, `highestUserWastedPercent`;
    /// values are ratios, byte counts with units, or `disabled`).
    pub fn apply_dive_ci(&mut self, text: &str) -> Result<(), String> {
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim().trim_matches(['"', '\'']);
            let bad = |what: &str| format!(".dive-ci line {}: {what} {v:?}", n + 1);
            let disabled = v.eq_ignore_ascii_case("disabled");
            match k.trim() {
                "lowestEfficiency" => {
                    self.lowest_efficiency = if disabled {
                        None
                    } else {
                        Some(ratio(v).ok_or_else(|| bad("not a ratio:"))?)
                    }
                }
                "highestWastedBytes" => {
                    self.highest_wasted_bytes = if disabled {
                        None
                    } else {
                        Some(bytes(v).ok_or_else(|| bad("not a size:"))?)
                    }
                }
                "highestUserWastedPercent" => {
                    self.highest_user_wasted_percent = if disabled {
                        None
                    } else {
                        Some(ratio(v).ok_or_else(|| bad("not a ratio:"))?)
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn ratio(v: &str) -> Option<f64> {
    let r: f64 = v.parse().ok()?;
    (0.0..=1.0).contains(&r).then_some(r)
}

/// `20MB`, `1.5 GiB`, `1024` → bytes (dive uses decimal units for MB/GB).
pub fn bytes(v: &str) -> Option<u64> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult) as u64)
}

/// What every rule sees.
pub struct Context<'a> {
    pub image: &'a Image,
    pub facts: &'a Facts,
    pub settings: &'a Settings,
}

/// `layer 3 (`RUN go build …`)`: a layer and the command that made it.
pub fn layer_label(cx: &Context, i: usize) -> String {
    match cx.image.layers.get(i).and_then(|l| l.created_by.as_deref()) {
        Some(c) => format!("layer {i} (`{}`)", clip(c.trim(), 100)),
        None => format!("layer {i}"),
    }
}

/// At most `n` characters, with an ellipsis when cut.
pub fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

/// Human-readable bytes (decimal, like dive and docker).
pub fn human(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b} B")
    }
}

/// Runs every rule and returns the findings (file: the image reference).
pub fn check(image: &Image, facts: &Facts, settings: &Settings) -> Vec<Finding> {
    let cx = Context {
        image,
        facts,
        settings,
    };
    let mut out = Vec::new();
    for r in RULES {
        for h in (r.check)(&cx) {
            out.push(r.finding(h, &image.reference));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let problems = plimsoll_core::fact_rules::registry_problems(
            RULES.iter().map(|r| (r.meta.code, r.source)),
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn dive_ci_and_sizes() {
        let mut s = Settings::default();
        s.apply_dive_ci("rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: disabled\n")
            .unwrap();
        assert_eq!(s.lowest_efficiency, Some(0.95));
        assert_eq!(s.highest_wasted_bytes, Some(20_000_000));
        assert_eq!(s.highest_user_wasted_percent, None);
        assert!(s.apply_dive_ci("lowestEfficiency: 2").is_err());
        assert_eq!(bytes("1.5 GiB"), Some(1_610_612_736));
        assert_eq!(bytes("x"), None);
    }
}
