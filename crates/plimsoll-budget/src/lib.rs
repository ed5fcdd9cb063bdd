//! Size budgets: an image's growth against its baseline, judged by the
//! thresholds of its delivery class, with the growth explained.
//!
//! Facts: [`snapshot`] turns an analysed image into a history
//! [`Record`] (sizes, layers, a per-directory summary, the largest files);
//! [`decide`] compares a candidate with its baseline under a class's
//! [`ClassRule`] into a [`Decision`]. Rules (`src/rules/`, registered by
//! `build.rs`, codes `PB`) turn the decision into findings.

use plimsoll_core::Finding;
use plimsoll_history::{Layer, Record, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod registry {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}
pub use registry::RULES;

pub use plimsoll_core::fact_rules::{Hit, Meta};

/// A registered rule (see `plimsoll_core::fact_rules`).
pub type Rule = plimsoll_core::fact_rules::Rule<fn(&Context) -> Vec<Hit>>;

/// What happens when a class's budget is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The gate fails (an error finding).
    Block,
    /// A warning finding and the webhook; the gate passes.
    Notify,
    /// An info finding; the growth is recorded, nothing else.
    Record,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Block => "block",
            Action::Notify => "notify",
            Action::Record => "record",
        }
    }
}

/// Which size a budget measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// The layers' uncompressed (tar) bytes: what a node stores.
    #[default]
    Uncompressed,
    /// The layers' compressed bytes: what a pull transfers.
    Compressed,
}

/// A class's budget: growth above either threshold triggers `action`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRule {
    pub growth_bytes: Option<u64>,
    pub growth_percent: Option<f64>,
    pub action: Action,
}

/// The delivery table: classes and their rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Budgets {
    pub measure: Measure,
    pub classes: BTreeMap<String, ClassRule>,
}

impl Default for Budgets {
    /// The incident's delivery table: `base` images growing more than
    /// 5 MB block, `app` images over 15 MB notify, `model` images over
    /// 100 MB are recorded.
    fn default() -> Self {
        let rule = |mb: u64, action| ClassRule {
            growth_bytes: Some(mb * 1_000_000),
            growth_percent: None,
            action,
        };
        Budgets {
            measure: Measure::Uncompressed,
            classes: BTreeMap::from([
                ("base".to_string(), rule(5, Action::Block)),
                ("app".to_string(), rule(15, Action::Notify)),
                ("model".to_string(), rule(100, Action::Record)),
            ]),
        }
    }
}

/// `[budget]` of plimsoll.toml as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BudgetToml {
    pub measure: Option<Measure>,
    #[serde(default)]
    pub classes: BTreeMap<String, ClassToml>,
    /// Webhook for notify/block decisions.
    pub webhook: Option<String>,
    /// `generic`, `slack` or `wecom`.
    pub webhook_format: Option<String>,
    /// A webhook that cannot be delivered fails the gate.
    #[serde(default)]
    pub webhook_required: bool,
}

/// One class in plimsoll.toml: `growth = "15MB"`, `growth-percent = 10`,
/// `action = "notify"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClassToml {
    pub growth: Option<String>,
    pub growth_percent: Option<f64>,
    pub action: Option<Action>,
}

/// Parses `5MB` (10^6), `5MiB` (2^20), `500kB`, `1.5GB`, `123` (bytes).
pub fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
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
    let v = n * mult;
    (v.is_finite() && (0.0..1.8e19).contains(&v)).then(|| v.round() as u64)
}

impl Budgets {
    /// The defaults with `[budget]` applied: a class named there replaces
    /// the default of that name (fields it leaves out keep the default's
    /// values); new classes are added.
    pub fn from_toml(t: &BudgetToml) -> Result<Budgets, String> {
        let mut b = Budgets::default();
        if let Some(m) = t.measure {
            b.measure = m;
        }
        for (name, c) in &t.classes {
            let base = b.classes.get(name).cloned();
            let growth_bytes = match &c.growth {
                Some(g) => Some(parse_size(g).ok_or_else(|| {
                    format!("[budget.classes.{name}] growth {g:?} is not a size (e.g. \"15MB\", \"5MiB\")")
                })?),
                None if c.growth_percent.is_some() => None,
                None => base.as_ref().and_then(|r| r.growth_bytes),
            };
            if let Some(p) = c.growth_percent
                && !(p.is_finite() && p >= 0.0)
            {
                return Err(format!(
                    "[budget.classes.{name}] growth-percent {p} is not a percentage"
                ));
            }
            let action = c
                .action
                .or(base.as_ref().map(|r| r.action))
                .ok_or_else(|| {
                    format!("[budget.classes.{name}] needs an action: block, notify or record")
                })?;
            if growth_bytes.is_none() && c.growth_percent.is_none() {
                return Err(format!(
                    "[budget.classes.{name}] needs growth (bytes) and/or growth-percent"
                ));
            }
            b.classes.insert(
                name.clone(),
                ClassRule {
                    growth_bytes,
                    growth_percent: c.growth_percent,
                    action,
                },
            );
        }
        Ok(b)
    }

    /// The rule of `class`, or an error listing the valid classes.
    pub fn class(&self, class: &str) -> Result<&ClassRule, String> {
        self.classes.get(class).ok_or_else(|| {
            format!(
                "unknown class {class:?}; the valid classes are: {}",
                self.classes.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// What is recorded of the analysed image besides the facts: who and
/// where it came from.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub name: String,
    pub tag: Option<String>,
    pub branch: String,
    pub commit: Option<String>,
    pub class: Option<String>,
}

/// How many of the largest files a snapshot keeps.
pub const TOP_FILES: usize = 50;

/// The directory a file counts towards in the per-directory summary: its
/// first two path components (`/usr/local`, `/root/go`), its first one for
/// files directly under a top-level directory, `/` for files at the root.
fn summary_dir(path: &str) -> String {
    let mut parts = path.trim_start_matches('/').split('/');
    let first = parts.next().unwrap_or("");
    let second = parts.next();
    match (second, parts.next()) {
        (Some(s), Some(_)) => format!("/{first}/{s}"),
        (Some(_), None) => format!("/{first}"),
        (None, _) => "/".to_string(),
    }
}

/// The record of an analysed image: sizes, layers, the per-directory
/// summary of the merged filesystem and its largest files.
pub fn snapshot(image: &plimsoll_image::Image, p: &Provenance, timestamp: Timestamp) -> Record {
    let mut dirs: BTreeMap<String, u64> = BTreeMap::new();
    let mut largest: Vec<(&str, u64)> = Vec::new();
    for (path, n) in &image.tree.nodes {
        if n.kind != plimsoll_image::layer::Kind::File {
            continue;
        }
        *dirs.entry(summary_dir(path)).or_default() += n.size;
        largest.push((path, n.size));
    }
    largest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let files = largest
        .into_iter()
        .take(TOP_FILES)
        .map(|(path, size)| (format!("/{}", path.trim_start_matches('/')), size))
        .collect();
    Record {
        name: p.name.clone(),
        tag: p.tag.clone(),
        digest: image.manifest_digest.as_ref().map(|d| d.to_string()),
        branch: p.branch.clone(),
        commit: p.commit.clone(),
        compressed_bytes: image.layers.iter().map(|l| l.compressed_bytes).sum(),
        uncompressed_bytes: image.layers.iter().map(|l| l.uncompressed_bytes).sum(),
        layers: image
            .layers
            .iter()
            .map(|l| Layer {
                index: u32::try_from(l.index).unwrap_or(u32::MAX),
                digest: l.digest.to_string(),
                compressed_bytes: l.compressed_bytes,
                uncompressed_bytes: l.uncompressed_bytes,
                created_by: l.created_by.clone(),
            })
            .collect(),
        dirs,
        files,
        class: p.class.clone(),
        timestamp,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// One side of the comparison, as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub tag: Option<String>,
    pub digest: Option<String>,
    pub branch: String,
    pub commit: Option<String>,
    pub uncompressed_bytes: u64,
    pub compressed_bytes: u64,
    pub timestamp: String,
}

impl Side {
    fn of(r: &Record) -> Side {
        Side {
            tag: r.tag.clone(),
            digest: r.digest.clone(),
            branch: r.branch.clone(),
            commit: r.commit.clone(),
            uncompressed_bytes: r.uncompressed_bytes,
            compressed_bytes: r.compressed_bytes,
            timestamp: r.timestamp.to_string(),
        }
    }
}

/// A layer that differs between baseline and candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerDelta {
    pub index: u32,
    pub created_by: Option<String>,
    pub delta_bytes: i64,
}

/// A directory or file whose size changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathDelta {
    pub path: String,
    pub delta_bytes: i64,
}

/// Where the growth is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Grew {
    pub layers: Vec<LayerDelta>,
    pub directories: Vec<PathDelta>,
    pub files: Vec<PathDelta>,
}

/// The budget's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Within budget, or no baseline to compare with.
    Pass,
    Block,
    Notify,
    Record,
}

/// The decision on one candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub name: String,
    pub class: String,
    pub action: Action,
    pub verdict: Verdict,
    pub measure: Measure,
    /// Candidate minus baseline, in the measured size (0 without baseline).
    pub growth_bytes: i64,
    pub growth_percent: Option<f64>,
    pub threshold_bytes: Option<u64>,
    pub threshold_percent: Option<f64>,
    pub baseline: Option<Side>,
    pub candidate: Side,
    pub grew: Grew,
    /// Why there is no comparison, when there is none.
    pub note: Option<String>,
}

fn delta(a: u64, b: u64) -> i64 {
    i64::try_from(a).unwrap_or(i64::MAX) - i64::try_from(b).unwrap_or(i64::MAX)
}

/// The largest changes of `now` against `before`, growth first.
fn path_deltas(
    now: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
    keep: usize,
) -> Vec<PathDelta> {
    let mut out: Vec<PathDelta> = now
        .keys()
        .chain(before.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|p| PathDelta {
            path: p.clone(),
            delta_bytes: delta(
                now.get(p).copied().unwrap_or(0),
                before.get(p).copied().unwrap_or(0),
            ),
        })
        .filter(|d| d.delta_bytes != 0)
        .collect();
    out.sort_by(|a, b| b.delta_bytes.cmp(&a.delta_bytes).then(a.path.cmp(&b.path)));
    out.truncate(keep);
    out
}

/// Explains the growth: layers whose digest changed (by position), and
/// the directories and largest files whose bytes changed.
pub fn explain(baseline: &Record, candidate: &Record, measure: Measure) -> Grew {
    let size = |l: &Layer| match measure {
        Measure::Uncompressed => l.uncompressed_bytes,
        Measure::Compressed => l.compressed_bytes,
    };
    let mut layers = Vec::new();
    let n = baseline.layers.len().max(candidate.layers.len());
    for i in 0..n {
        let (b, c) = (baseline.layers.get(i), candidate.layers.get(i));
        if let (Some(b), Some(c)) = (b, c)
            && b.digest == c.digest
        {
            continue;
        }
        let d = delta(c.map(size).unwrap_or(0), b.map(size).unwrap_or(0));
        if d != 0 {
            layers.push(LayerDelta {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                created_by: c.or(b).and_then(|l| l.created_by.clone()),
                delta_bytes: d,
            });
        }
    }
    layers.sort_by(|a, b| {
        b.delta_bytes
            .cmp(&a.delta_bytes)
            .then(a.index.cmp(&b.index))
    });
    layers.truncate(10);
    Grew {
        layers,
        directories: path_deltas(&candidate.dirs, &baseline.dirs, 10),
        files: path_deltas(&candidate.files, &baseline.files, 10),
    }
}

/// Judges `candidate` against `baseline` under `class`'s rule.
pub fn decide(
    class: &str,
    rule: &ClassRule,
    measure: Measure,
    baseline: Option<&Record>,
    candidate: &Record,
) -> Decision {
    let size = |r: &Record| match measure {
        Measure::Uncompressed => r.uncompressed_bytes,
        Measure::Compressed => r.compressed_bytes,
    };
    let mut d = Decision {
        name: candidate.name.clone(),
        class: class.to_string(),
        action: rule.action,
        verdict: Verdict::Pass,
        measure,
        growth_bytes: 0,
        growth_percent: None,
        threshold_bytes: rule.growth_bytes,
        threshold_percent: rule.growth_percent,
        baseline: baseline.map(Side::of),
        candidate: Side::of(candidate),
        grew: Grew::default(),
        note: None,
    };
    let Some(b) = baseline else {
        d.note = Some(format!(
            "no baseline recorded for {} on branch {:?}: this run becomes the baseline",
            candidate.name, candidate.branch
        ));
        return d;
    };
    d.growth_bytes = delta(size(candidate), size(b));
    d.growth_percent = (size(b) > 0).then(|| d.growth_bytes as f64 * 100.0 / size(b) as f64);
    d.grew = explain(b, candidate, measure);
    let over_bytes = rule
        .growth_bytes
        .is_some_and(|t| d.growth_bytes > i64::try_from(t).unwrap_or(i64::MAX));
    let over_percent = match (rule.growth_percent, d.growth_percent) {
        (Some(t), Some(p)) => p > t,
        (Some(_), None) => d.growth_bytes > 0, // from nothing: any growth is infinite
        _ => false,
    };
    if over_bytes || over_percent {
        d.verdict = match rule.action {
            Action::Block => Verdict::Block,
            Action::Notify => Verdict::Notify,
            Action::Record => Verdict::Record,
        };
    }
    d
}

/// Byte counts as people read them in budgets (decimal, like the
/// delivery table: 5 MB = 5,000,000 bytes).
pub fn human(b: i64) -> String {
    let sign = if b < 0 { "-" } else { "" };
    let v = b.unsigned_abs() as f64;
    for (unit, size) in [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] {
        if v >= size {
            return format!("{sign}{:.1} {unit}", v / size);
        }
    }
    format!("{sign}{} B", b.unsigned_abs())
}

/// The webhook's outcome, when one was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookOutcome {
    pub required: bool,
    /// `Err(why)` when it was not delivered.
    pub delivered: Result<u32, String>,
}

/// What a budget rule sees.
pub struct Context<'a> {
    pub decision: &'a Decision,
    pub webhook: Option<&'a WebhookOutcome>,
}

/// Runs the budget rules; `file` names the image in the findings.
pub fn check(decision: &Decision, webhook: Option<&WebhookOutcome>, file: &str) -> Vec<Finding> {
    let cx = Context { decision, webhook };
    let mut out = Vec::new();
    for rule in RULES {
        for hit in (rule.check)(&cx) {
            out.push(rule.finding(hit, file));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn record(sizes: &[(&str, u64)], dirs: &[(&str, u64)]) -> Record {
        Record {
            name: "registry.example.com/team/api".into(),
            tag: Some("1".into()),
            digest: Some("sha256:aa".into()),
            branch: "main".into(),
            commit: None,
            compressed_bytes: sizes.iter().map(|s| s.1 / 2).sum(),
            uncompressed_bytes: sizes.iter().map(|s| s.1).sum(),
            layers: sizes
                .iter()
                .enumerate()
                .map(|(i, (d, s))| Layer {
                    index: i as u32,
                    digest: d.to_string(),
                    compressed_bytes: s / 2,
                    uncompressed_bytes: *s,
                    created_by: Some(format!("RUN step {i}")),
                })
                .collect(),
            dirs: dirs.iter().map(|(p, s)| (p.to_string(), *s)).collect(),
            files: BTreeMap::new(),
            class: None,
            timestamp: Timestamp::now(),
            tool_version: "t".into(),
        }
    }

    #[test]
    fn the_delivery_table_by_default() {
        let b = Budgets::default();
        assert_eq!(b.class("base").unwrap().growth_bytes, Some(5_000_000));
        assert_eq!(b.class("app").unwrap().action, Action::Notify);
        assert_eq!(b.class("model").unwrap().action, Action::Record);
        let e = b.class("ml").unwrap_err();
        assert!(e.contains("app, base, model"), "{e}");
    }

    #[test]
    fn sizes_and_configuration() {
        assert_eq!(parse_size("5MB"), Some(5_000_000));
        assert_eq!(parse_size("5 MiB"), Some(5 << 20));
        assert_eq!(parse_size("1.5GB"), Some(1_500_000_000));
        assert_eq!(parse_size("12"), Some(12));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("-5MB"), None);
        let t: BudgetToml = BudgetToml {
            classes: BTreeMap::from([
                (
                    "app".into(),
                    ClassToml {
                        action: Some(Action::Block),
                        ..Default::default()
                    },
                ),
                (
                    "edge".into(),
                    ClassToml {
                        growth_percent: Some(2.0),
                        action: Some(Action::Notify),
                        ..Default::default()
                    },
                ),
            ]),
            ..Default::default()
        };
        let b = Budgets::from_toml(&t).unwrap();
        let app = b.class("app").unwrap();
        assert_eq!(
            (app.growth_bytes, app.action),
            (Some(15_000_000), Action::Block)
        );
        assert_eq!(b.class("edge").unwrap().growth_percent, Some(2.0));
        let bad = BudgetToml {
            classes: BTreeMap::from([(
                "x".into(),
                ClassToml {
                    growth: Some("5MB".into()),
                    ..Default::default()
                },
            )]),
            ..Default::default()
        };
        assert!(
            Budgets::from_toml(&bad)
                .unwrap_err()
                .contains("needs an action")
        );
    }

    #[test]
    fn growth_is_judged_and_explained() {
        let base = record(
            &[("sha256:l0", 80_000_000), ("sha256:l1", 10_000_000)],
            &[("/usr/local", 1_000), ("/app", 10_000_000)],
        );
        let cand = record(
            &[("sha256:l0", 80_000_000), ("sha256:l1b", 26_000_000)],
            &[
                ("/usr/local", 1_000),
                ("/app", 12_000_000),
                ("/root/go", 14_000_000),
            ],
        );
        let b = Budgets::default();
        let d = decide(
            "app",
            b.class("app").unwrap(),
            Measure::Uncompressed,
            Some(&base),
            &cand,
        );
        assert_eq!(d.growth_bytes, 16_000_000);
        assert_eq!(d.verdict, Verdict::Notify);
        assert_eq!(
            d.grew.layers,
            [LayerDelta {
                index: 1,
                created_by: Some("RUN step 1".into()),
                delta_bytes: 16_000_000
            }]
        );
        assert_eq!(d.grew.directories[0].path, "/root/go");
        assert_eq!(d.grew.directories[1].delta_bytes, 2_000_000);
        let d = decide(
            "base",
            b.class("base").unwrap(),
            Measure::Uncompressed,
            Some(&base),
            &cand,
        );
        assert_eq!(d.verdict, Verdict::Block);
        let d = decide(
            "model",
            b.class("model").unwrap(),
            Measure::Uncompressed,
            Some(&base),
            &cand,
        );
        assert_eq!(
            d.verdict,
            Verdict::Pass,
            "16 MB is within the 100 MB model budget"
        );
        // Shrinking or no baseline passes.
        let d = decide(
            "base",
            b.class("base").unwrap(),
            Measure::Uncompressed,
            Some(&cand),
            &base,
        );
        assert_eq!((d.verdict, d.growth_bytes), (Verdict::Pass, -16_000_000));
        let d = decide(
            "base",
            b.class("base").unwrap(),
            Measure::Uncompressed,
            None,
            &cand,
        );
        assert!(d.note.is_some() && d.verdict == Verdict::Pass);
    }

    #[test]
    fn percent_thresholds() {
        let rule = ClassRule {
            growth_bytes: None,
            growth_percent: Some(10.0),
            action: Action::Block,
        };
        let base = record(&[("a", 100_000_000)], &[]);
        let ok = record(&[("b", 109_000_000)], &[]);
        let over = record(&[("c", 111_000_000)], &[]);
        assert_eq!(
            decide("x", &rule, Measure::Uncompressed, Some(&base), &ok).verdict,
            Verdict::Pass
        );
        assert_eq!(
            decide("x", &rule, Measure::Uncompressed, Some(&base), &over).verdict,
            Verdict::Block
        );
        assert_eq!(
            decide("x", &rule, Measure::Compressed, Some(&base), &over).verdict,
            Verdict::Block
        );
    }

    #[test]
    fn summary_dirs() {
        assert_eq!(summary_dir("usr/local/go/bin/go"), "/usr/local");
        assert_eq!(summary_dir("app/server"), "/app");
        assert_eq!(summary_dir("server"), "/");
    }

    #[test]
    fn registry_is_sound() {
        let problems = plimsoll_core::fact_rules::registry_problems(
            RULES.iter().map(|r| (r.meta.code, r.source)),
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
