//! Alert detection: a pure function of the previous state of a cgroup,
//! its current sample and the configuration — plus the pure pieces it is
//! made of (the leak fit, the pressure transition), each unit-tested.

use super::sample::Sample;
use serde::Serialize;
use std::collections::VecDeque;

/// The kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertType {
    MemoryLimitNear,
    MemoryMaxHit,
    OomKill,
    OomStuck,
    MemoryHighExceeded,
    LeakSuspected,
    PressureHigh,
}

impl AlertType {
    pub const ALL: [AlertType; 7] = [
        AlertType::MemoryLimitNear,
        AlertType::MemoryMaxHit,
        AlertType::OomKill,
        AlertType::OomStuck,
        AlertType::MemoryHighExceeded,
        AlertType::LeakSuspected,
        AlertType::PressureHigh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertType::MemoryLimitNear => "memory_limit_near",
            AlertType::MemoryMaxHit => "memory_max_hit",
            AlertType::OomKill => "oom_kill",
            AlertType::OomStuck => "oom_stuck",
            AlertType::MemoryHighExceeded => "memory_high_exceeded",
            AlertType::LeakSuspected => "leak_suspected",
            AlertType::PressureHigh => "pressure_high",
        }
    }
}

/// `leak_suspected` settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakConfig {
    /// Working-set samples in the fitted window (at least 3; 0 switches
    /// leak detection off).
    pub window: usize,
    /// Least slope, bytes per second.
    pub min_slope: f64,
    /// Least coefficient of determination of the linear fit (0..=1).
    pub min_r2: f64,
    /// Samples closer than this to the previous window sample are not
    /// added (event-driven samples come in bursts; the window stays evenly
    /// spaced on the polling interval).
    pub min_spacing_ms: u64,
}

impl Default for LeakConfig {
    fn default() -> Self {
        LeakConfig {
            window: 60,
            min_slope: 65_536.0,
            min_r2: 0.8,
            min_spacing_ms: 500,
        }
    }
}

/// Detection settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// `memory_limit_near` fires when usage reaches this percentage of the
    /// limit (1..=100).
    pub near_percent: u8,
    /// `oom_stuck` fires when v1 `under_oom` stays 1 this many seconds
    /// without the `oom_kill` counter moving.
    pub stuck_secs: u64,
    pub leak: LeakConfig,
    /// `pressure_high` fires when PSI `some avg10` exceeds this (percent).
    pub pressure_threshold: f64,
    /// `pressure_high` from v1 `memory.pressure_level` critical events
    /// fires at most once per this many seconds per cgroup.
    pub level_quiet_secs: u64,
    /// `memory_max_hit` and `memory_high_exceeded` fire at most once per
    /// this many milliseconds per cgroup; rises in between are added to
    /// the next alert's `count` (notifications can come 100 times a
    /// second while a cgroup is throttled).
    pub counter_quiet_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            near_percent: 90,
            stuck_secs: 5,
            leak: LeakConfig::default(),
            pressure_threshold: 10.0,
            level_quiet_secs: 60,
            counter_quiet_ms: 1000,
        }
    }
}

/// One point of a leak window, 8 bytes (a watch of 10,000 cgroups keeps
/// 600,000 of them): the low 32 bits of the sample's milliseconds (they
/// wrap every 49 days; a window spans 60 polls) and the working set in
/// KiB (up to 4 TiB; cgroup memory is counted in pages).
pub type LeakPoint = (u32, u32);

fn leak_point(at_ms: u64, bytes: u64) -> LeakPoint {
    (
        at_ms as u32,
        u32::try_from(bytes / 1024).unwrap_or(u32::MAX),
    )
}

/// The window as (milliseconds, bytes), the newest point at `now_ms`.
fn leak_points(w: &VecDeque<LeakPoint>, now_ms: u64) -> Vec<(u64, u64)> {
    let newest = w.back().map_or(0, |p| p.0);
    w.iter()
        .map(|&(t, kib)| {
            let age = u64::from(newest.wrapping_sub(t));
            (now_ms.saturating_sub(age), u64::from(kib) * 1024)
        })
        .collect()
}

/// What is remembered about a cgroup between samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub last: Sample,
    /// Usage is at or above the near threshold (re-armed when it falls
    /// below).
    pub near: bool,
    /// Start of the current `under_oom` episode: when, and the `oom_kill`
    /// counter then.
    pub stuck_since: Option<(u64, Option<u64>)>,
    /// `oom_stuck` already reported for this episode.
    pub stuck_reported: bool,
    /// The leak window, oldest first (see [`LeakPoint`]).
    pub leak: VecDeque<LeakPoint>,
    /// `leak_suspected` already reported (re-armed when the fit no longer
    /// says leak).
    pub leak_reported: bool,
    /// PSI `some avg10` is above the threshold (re-armed when it is not).
    pub pressure_high: bool,
    /// When the last `pressure_level`-driven `pressure_high` fired (ms).
    pub level_alert_at_ms: Option<u64>,
    /// `max_hits` and `high_events` as far as alerts have reported them.
    pub reported: [Option<u64>; 2],
    /// When `memory_max_hit` and `memory_high_exceeded` last fired (ms).
    pub counter_alert_ms: [Option<u64>; 2],
}

/// Figures some alerts carry besides the common ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extra {
    /// usage − inactive file (`leak_suspected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_set_bytes: Option<u64>,
    /// The fitted working-set growth (`leak_suspected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slope_bytes_per_second: Option<f64>,
    /// The fit's coefficient of determination (`leak_suspected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    /// Seconds the fitted window spans (`leak_suspected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_seconds: Option<f64>,
    /// PSI `some avg10`, percent (`pressure_high` from PSI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pressure_avg10: Option<f64>,
    /// The threshold it exceeded, percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pressure_threshold: Option<f64>,
    /// `critical` (`pressure_high` from v1 `memory.pressure_level`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pressure_level: Option<&'static str>,
    /// The file the pressure came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pressure_source: Option<String>,
}

/// One detected alert (the caller adds cgroup, container id and time).
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    pub alert_type: AlertType,
    pub threshold_bytes: Option<u64>,
    pub usage_bytes: u64,
    /// How much the counter behind the alert rose since the last sample.
    pub count: Option<u64>,
    pub extra: Extra,
}

fn rise(prev: Option<u64>, cur: Option<u64>) -> Option<u64> {
    match (prev, cur) {
        (Some(a), Some(b)) if b > a => Some(b - a),
        _ => None,
    }
}

/// Whether `usage` is at or above `percent` % of `limit`.
pub fn near(usage: u64, limit: Option<u64>, percent: u8) -> bool {
    match limit {
        Some(l) if l > 0 => u128::from(usage) * 100 >= u128::from(l) * u128::from(percent),
        _ => false,
    }
}

/// The byte value at which `memory_limit_near` fires for `limit`.
pub fn near_threshold(limit: u64, percent: u8) -> u64 {
    let t = u128::from(limit) * u128::from(percent) / 100;
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// A least-squares line through points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Units of y per unit of x.
    pub slope: f64,
    /// Coefficient of determination, 0..=1 (0 when y does not vary).
    pub r2: f64,
    /// x range covered.
    pub span: f64,
}

/// Ordinary least squares of y on x. None with fewer than 3 points, a
/// non-finite value, or no spread in x.
pub fn fit(points: &[(f64, f64)]) -> Option<Fit> {
    if points.len() < 3 || points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxx, mut sxy, mut syy) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in points {
        let (dx, dy) = (x - mx, y - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r2 = if syy > 0.0 {
        ((sxy * sxy) / (sxx * syy)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lo = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    Some(Fit {
        slope,
        r2,
        span: hi - lo,
    })
}

/// The leak verdict on a window of (milliseconds, working-set bytes): the
/// fit (slope in bytes per second) when the window is full, the working
/// set rises at least `min_slope` and the line explains at least `min_r2`
/// of the variance; None otherwise. A sawtooth (a garbage collector, a
/// cache filling and being dropped), noise or a flat line do not pass:
/// their fit is flat or explains little.
pub fn leak(window: &[(u64, u64)], cfg: &LeakConfig) -> Option<Fit> {
    if cfg.window < 3 || window.len() < cfg.window {
        return None;
    }
    let t0 = window.first()?.0;
    let pts: Vec<(f64, f64)> = window
        .iter()
        .map(|&(t, y)| ((t.saturating_sub(t0)) as f64 / 1000.0, y as f64))
        .collect();
    let f = fit(&pts)?;
    (f.slope >= cfg.min_slope && f.slope > 0.0 && f.r2 >= cfg.min_r2).then_some(f)
}

/// The PSI transition: (above now, fire). Fires on the sample that goes
/// above `threshold` after one that was not.
pub fn pressure(was_high: bool, avg10: Option<f64>, threshold: f64) -> (bool, bool) {
    let high = avg10.is_some_and(|a| a > threshold);
    (high, high && !was_high)
}

fn round(v: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (v * m).round() / m
}

/// A coalesced counter: (counter value reported so far, rise to alert
/// now, when it last alerted). The first value is the baseline; a counter
/// that went down (a recreated cgroup) is a new baseline; a rise alerts
/// unless the last alert is less than `quiet_ms` old (or `force`), and
/// otherwise waits, adding up, for the next alert.
pub fn coalesce(
    reported: Option<u64>,
    cur: Option<u64>,
    last_alert_ms: Option<u64>,
    now_ms: u64,
    quiet_ms: u64,
    force: bool,
) -> (Option<u64>, Option<u64>, Option<u64>) {
    match (reported, cur) {
        (Some(r), Some(c)) if c > r => {
            if force || last_alert_ms.is_none_or(|t| now_ms.saturating_sub(t) >= quiet_ms) {
                (Some(c), Some(c - r), Some(now_ms))
            } else {
                (Some(r), None, last_alert_ms)
            }
        }
        (_, c) => (c, None, last_alert_ms),
    }
}

/// The new state of a cgroup and the alerts its sample raises. Counter
/// alerts need a previous sample (the first one is the baseline);
/// `memory_limit_near` fires once per crossing; `oom_stuck` once per
/// `under_oom` episode; `leak_suspected` once until the fit stops saying
/// leak; `pressure_high` once per excursion above the threshold (or, from
/// v1 `memory.pressure_level`, at most once per `level_quiet_secs`).
pub fn detect(prev: Option<&Track>, cur: &Sample, cfg: &Config) -> (Track, Vec<Detected>) {
    detect_with(prev, cur, cfg, false)
}

/// The alerts still owed when the watch stops: coalesced counter rises
/// of the last sample that waited for their quiet period to end.
pub fn flush(t: &Track, cfg: &Config) -> (Track, Vec<Detected>) {
    let cur = &t.last;
    let mut out = Vec::new();
    let mut next = t.clone();
    let counters = [
        (cur.max_hits, AlertType::MemoryMaxHit, cur.limit),
        (cur.high_events, AlertType::MemoryHighExceeded, cur.high),
    ];
    for (i, (value, alert_type, threshold)) in counters.into_iter().enumerate() {
        let (reported, n, at) = coalesce(
            t.reported[i],
            value,
            t.counter_alert_ms[i],
            cur.at_ms,
            cfg.counter_quiet_ms,
            true,
        );
        next.reported[i] = reported;
        next.counter_alert_ms[i] = at;
        if let Some(n) = n {
            out.push(Detected {
                alert_type,
                threshold_bytes: threshold,
                usage_bytes: cur.usage,
                count: Some(n),
                extra: Extra::default(),
            });
        }
    }
    (next, out)
}

fn detect_with(
    prev: Option<&Track>,
    cur: &Sample,
    cfg: &Config,
    force: bool,
) -> (Track, Vec<Detected>) {
    let mut out = Vec::new();
    let mut push = |alert_type, threshold_bytes, count, extra| {
        out.push(Detected {
            alert_type,
            threshold_bytes,
            usage_bytes: cur.usage,
            count,
            extra,
        })
    };
    let last = prev.map(|p| &p.last);
    let is_near = near(cur.usage, cur.limit, cfg.near_percent);
    if is_near && !prev.is_some_and(|p| p.near) {
        let threshold = cur.limit.map(|l| near_threshold(l, cfg.near_percent));
        push(
            AlertType::MemoryLimitNear,
            threshold,
            None,
            Extra::default(),
        );
    }
    let mut reported = [None; 2];
    let mut counter_alert_ms = [None; 2];
    let (r, n, at) = coalesce(
        prev.and_then(|p| p.reported[0]),
        cur.max_hits,
        prev.and_then(|p| p.counter_alert_ms[0]),
        cur.at_ms,
        cfg.counter_quiet_ms,
        force,
    );
    (reported[0], counter_alert_ms[0]) = (r, at);
    if let Some(n) = n {
        push(
            AlertType::MemoryMaxHit,
            cur.limit,
            Some(n),
            Extra::default(),
        );
    }
    if let Some(n) = rise(last.and_then(|l| l.oom_kills), cur.oom_kills) {
        push(AlertType::OomKill, cur.limit, Some(n), Extra::default());
    }
    let (r, n, at) = coalesce(
        prev.and_then(|p| p.reported[1]),
        cur.high_events,
        prev.and_then(|p| p.counter_alert_ms[1]),
        cur.at_ms,
        cfg.counter_quiet_ms,
        force,
    );
    (reported[1], counter_alert_ms[1]) = (r, at);
    if let Some(n) = n {
        push(
            AlertType::MemoryHighExceeded,
            cur.high,
            Some(n),
            Extra::default(),
        );
    }
    let mut stuck_since = None;
    let mut stuck_reported = false;
    if cur.under_oom == Some(true) {
        let episode = prev
            .and_then(|p| p.stuck_since.map(|s| (s, p.stuck_reported)))
            .filter(|((_, kills), _)| *kills == cur.oom_kills);
        let (since, reported) = episode.unwrap_or(((cur.at_secs, cur.oom_kills), false));
        stuck_since = Some(since);
        stuck_reported = reported;
        let long = cur.at_secs.saturating_sub(since.0) >= cfg.stuck_secs;
        if !reported && (cur.oom_kill_disable == Some(true) || long) {
            push(AlertType::OomStuck, cur.limit, None, Extra::default());
            stuck_reported = true;
        }
    }
    // The leak window: a new one of exactly the size it needs (not a
    // clone of the previous one grown by a push: with thousands of
    // cgroups the slack of doubling is megabytes). Off (< 3): empty.
    let empty = VecDeque::new();
    let prev_window = prev.map_or(&empty, |p| &p.leak);
    let mut window = VecDeque::new();
    let mut leak_reported = prev.is_some_and(|p| p.leak_reported);
    let spaced = |w: &VecDeque<LeakPoint>| {
        w.back().is_none_or(|&(t, _)| {
            u64::from((cur.at_ms as u32).wrapping_sub(t)) >= cfg.leak.min_spacing_ms
        })
    };
    // A quick reading carries the last full reading's working set: no
    // new point.
    if cfg.leak.window >= 3
        && !cur.partial
        && let Some(ws) = cur.working_set
        && spaced(prev_window)
    {
        let keep = prev_window.len().min(cfg.leak.window - 1);
        window.reserve_exact(keep + 1);
        window.extend(prev_window.iter().skip(prev_window.len() - keep).copied());
        window.push_back(leak_point(cur.at_ms, ws));
        {
            let points = leak_points(&window, cur.at_ms);
            let slice: &[(u64, u64)] = &points;
            match leak(slice, &cfg.leak) {
                Some(f) if !leak_reported => {
                    push(
                        AlertType::LeakSuspected,
                        cur.limit,
                        None,
                        Extra {
                            working_set_bytes: Some(ws),
                            slope_bytes_per_second: Some(round(f.slope, 1)),
                            r2: Some(round(f.r2, 4)),
                            window_seconds: Some(round(f.span, 3)),
                            ..Extra::default()
                        },
                    );
                    leak_reported = true;
                }
                Some(_) => {}
                None if slice.len() >= cfg.leak.window => leak_reported = false,
                None => {}
            }
        }
    } else if cfg.leak.window >= 3 {
        window.reserve_exact(prev_window.len());
        window.extend(prev_window.iter().copied());
    }
    // Pressure: PSI when the sample carries it.
    let (pressure_high, fire) = pressure(
        prev.is_some_and(|p| p.pressure_high),
        cur.pressure_avg10,
        cfg.pressure_threshold,
    );
    if fire {
        push(
            AlertType::PressureHigh,
            cur.limit,
            None,
            Extra {
                pressure_avg10: cur.pressure_avg10,
                pressure_threshold: Some(cfg.pressure_threshold),
                ..Extra::default()
            },
        );
    }
    // Pressure: v1 memory.pressure_level critical events.
    let mut level_alert_at_ms = prev.and_then(|p| p.level_alert_at_ms);
    if let Some(n) = rise(
        last.and_then(|l| l.pressure_critical),
        cur.pressure_critical,
    ) {
        let quiet = level_alert_at_ms.is_none_or(|t| {
            cur.at_ms.saturating_sub(t) >= cfg.level_quiet_secs.saturating_mul(1000)
        });
        if quiet {
            push(
                AlertType::PressureHigh,
                cur.limit,
                Some(n),
                Extra {
                    pressure_level: Some("critical"),
                    ..Extra::default()
                },
            );
            level_alert_at_ms = Some(cur.at_ms);
        }
    }
    let track = Track {
        last: cur.clone(),
        near: is_near,
        stuck_since,
        stuck_reported,
        leak: window,
        leak_reported,
        pressure_high,
        level_alert_at_ms,
        reported,
        counter_alert_ms,
    };
    (track, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn s(at: u64, usage: u64) -> Sample {
        Sample {
            at_secs: at,
            at_ms: at * 1000,
            usage,
            limit: Some(100 * MIB),
            max_hits: Some(0),
            oom_kills: Some(0),
            under_oom: Some(false),
            oom_kill_disable: Some(false),
            ..Sample::default()
        }
    }

    fn types(d: &[Detected]) -> Vec<AlertType> {
        d.iter().map(|d| d.alert_type).collect()
    }

    #[test]
    fn near_fires_once_per_crossing() {
        let cfg = Config::default();
        let (t0, a0) = detect(None, &s(0, 50 * MIB), &cfg);
        assert!(a0.is_empty());
        let (t1, a1) = detect(Some(&t0), &s(1, 90 * MIB), &cfg);
        assert_eq!(
            a1,
            vec![Detected {
                alert_type: AlertType::MemoryLimitNear,
                threshold_bytes: Some(90 * MIB),
                usage_bytes: 90 * MIB,
                count: None,
                extra: Extra::default(),
            }]
        );
        let (t2, a2) = detect(Some(&t1), &s(2, 95 * MIB), &cfg);
        assert!(a2.is_empty());
        let (t3, a3) = detect(Some(&t2), &s(3, 10 * MIB), &cfg);
        assert!(a3.is_empty());
        let (_, a4) = detect(Some(&t3), &s(4, 99 * MIB), &cfg);
        assert_eq!(types(&a4), vec![AlertType::MemoryLimitNear]);
        // Just under 90 %, and no limit at all, do not fire.
        assert!(detect(None, &s(0, 90 * MIB - 1), &cfg).1.is_empty());
        let unlimited = Sample {
            limit: None,
            ..s(0, u64::MAX)
        };
        assert!(detect(None, &unlimited, &cfg).1.is_empty());
        // The first sample may already be near.
        assert_eq!(
            types(&detect(None, &s(0, 100 * MIB), &cfg).1),
            vec![AlertType::MemoryLimitNear]
        );
    }

    #[test]
    fn counters_rise() {
        let cfg = Config::default();
        let (t0, _) = detect(None, &s(0, MIB), &cfg);
        let mut cur = s(1, 2 * MIB);
        cur.max_hits = Some(40);
        cur.oom_kills = Some(1);
        let (t1, a) = detect(Some(&t0), &cur, &cfg);
        assert_eq!(
            a,
            vec![
                Detected {
                    alert_type: AlertType::MemoryMaxHit,
                    threshold_bytes: Some(100 * MIB),
                    usage_bytes: 2 * MIB,
                    count: Some(40),
                    extra: Extra::default(),
                },
                Detected {
                    alert_type: AlertType::OomKill,
                    threshold_bytes: Some(100 * MIB),
                    usage_bytes: 2 * MIB,
                    count: Some(1),
                    extra: Extra::default(),
                },
            ]
        );
        // Unchanged counters, or counters that went down (a recreated
        // cgroup), do not fire.
        let (t2, a) = detect(Some(&t1), &cur, &cfg);
        assert!(a.is_empty());
        assert!(detect(Some(&t2), &s(2, MIB), &cfg).1.is_empty());
        // A first sample with counters already high is the baseline.
        assert!(detect(None, &cur, &cfg).1.is_empty());
    }

    #[test]
    fn counter_alerts_coalesce_within_the_quiet_period() {
        let cfg = Config {
            counter_quiet_ms: 1000,
            ..Config::default()
        };
        let at = |ms: u64, hits: u64| Sample {
            at_ms: ms,
            at_secs: ms / 1000,
            max_hits: Some(hits),
            ..s(0, MIB)
        };
        let (t, a) = detect(None, &at(0, 5), &cfg);
        assert!(a.is_empty(), "baseline");
        // A rise alerts at once; rises in the next second wait and add up.
        let (t, a) = detect(Some(&t), &at(100, 7), &cfg);
        assert_eq!(a.iter().map(|d| d.count).collect::<Vec<_>>(), vec![Some(2)]);
        let (t, a) = detect(Some(&t), &at(150, 9), &cfg);
        assert!(a.is_empty());
        let (t, a) = detect(Some(&t), &at(600, 20), &cfg);
        assert!(a.is_empty());
        let (t, a) = detect(Some(&t), &at(1100, 21), &cfg);
        assert_eq!(
            a.iter().map(|d| d.count).collect::<Vec<_>>(),
            vec![Some(14)]
        );
        // What is pending when the watch stops is flushed.
        let (t, a) = detect(Some(&t), &at(1200, 30), &cfg);
        assert!(a.is_empty());
        let (t, a) = flush(&t, &cfg);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].alert_type, AlertType::MemoryMaxHit);
        assert_eq!(a[0].count, Some(9));
        assert!(flush(&t, &cfg).1.is_empty(), "nothing owed twice");
        // Every increment is reported exactly once: 2 + 14 + 9 = 30 - 5.
        assert_eq!(
            coalesce(Some(3), Some(1), None, 0, 1000, false),
            (Some(1), None, None)
        );
    }

    #[test]
    fn high_events_carry_memory_high() {
        let cfg = Config::default();
        let v2 = |at: u64, high_events| Sample {
            at_secs: at,
            at_ms: at * 1000,
            usage: 70 * MIB,
            limit: None,
            high: Some(64 * MIB),
            high_events: Some(high_events),
            max_hits: Some(0),
            oom_kills: Some(0),
            ..Sample::default()
        };
        let (t0, _) = detect(None, &v2(0, 3), &cfg);
        let (_, a) = detect(Some(&t0), &v2(1, 10), &cfg);
        assert_eq!(
            a,
            vec![Detected {
                alert_type: AlertType::MemoryHighExceeded,
                threshold_bytes: Some(64 * MIB),
                usage_bytes: 70 * MIB,
                count: Some(7),
                extra: Extra::default(),
            }]
        );
    }

    #[test]
    fn stuck_after_n_seconds_without_kills() {
        let cfg = Config {
            stuck_secs: 3,
            ..Config::default()
        };
        let under = |at, kills| Sample {
            under_oom: Some(true),
            oom_kills: Some(kills),
            ..s(at, 50 * MIB)
        };
        let (t0, a) = detect(None, &under(10, 2), &cfg);
        assert!(a.is_empty());
        let (t1, a) = detect(Some(&t0), &under(12, 2), &cfg);
        assert!(a.is_empty());
        let (t2, a) = detect(Some(&t1), &under(13, 2), &cfg);
        assert_eq!(types(&a), vec![AlertType::OomStuck]);
        assert_eq!(a.first().and_then(|d| d.threshold_bytes), Some(100 * MIB));
        // Once per episode.
        let (t3, a) = detect(Some(&t2), &under(20, 2), &cfg);
        assert!(a.is_empty());
        // A kill ends the episode (and is an oom_kill); a new one starts.
        let (t4, a) = detect(Some(&t3), &under(21, 3), &cfg);
        assert_eq!(types(&a), vec![AlertType::OomKill]);
        let (t5, a) = detect(Some(&t4), &under(23, 3), &cfg);
        assert!(a.is_empty());
        let (t6, a) = detect(Some(&t5), &under(24, 3), &cfg);
        assert_eq!(types(&a), vec![AlertType::OomStuck]);
        // Leaving OOM re-arms.
        let (t7, _) = detect(Some(&t6), &s(25, MIB), &cfg);
        assert_eq!(t7.stuck_since, None);
        assert!(!t7.stuck_reported);
    }

    #[test]
    fn stuck_at_once_with_oom_kill_disabled() {
        let cfg = Config::default();
        let cur = Sample {
            under_oom: Some(true),
            oom_kill_disable: Some(true),
            ..s(0, 100 * MIB)
        };
        let (t, a) = detect(None, &cur, &cfg);
        assert_eq!(
            types(&a),
            vec![AlertType::MemoryLimitNear, AlertType::OomStuck]
        );
        let (_, a) = detect(Some(&t), &Sample { at_secs: 1, ..cur }, &cfg);
        assert!(a.is_empty());
        // oom_kill_disable alone (not under OOM) is no alert.
        let calm = Sample {
            oom_kill_disable: Some(true),
            ..s(0, MIB)
        };
        assert!(detect(None, &calm, &cfg).1.is_empty());
    }

    /// A deterministic pseudo-random sequence in [-1, 1).
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn series(f: impl Fn(usize) -> f64, n: usize, step_ms: u64) -> Vec<(u64, u64)> {
        (0..n)
            .map(|i| (i as u64 * step_ms, f(i).max(0.0) as u64))
            .collect()
    }

    #[test]
    fn leak_points_are_compact_and_survive_the_millisecond_wrap() {
        assert_eq!(std::mem::size_of::<LeakPoint>(), 8);
        // The low 32 bits of the milliseconds wrap inside this window.
        let start = u64::from(u32::MAX) - 1_500;
        let want: Vec<(u64, u64)> = (0..5u64)
            .map(|i| (start + i * 1000, (100 + i) * MIB))
            .collect();
        let w: VecDeque<LeakPoint> = want.iter().map(|&(t, b)| leak_point(t, b)).collect();
        assert_eq!(leak_points(&w, start + 4000), want);
        // Bytes are kept in KiB (cgroup memory is counted in pages).
        let odd = leak_point(0, 5 * 1024 + 100);
        assert_eq!(leak_points(&VecDeque::from([odd]), 0), vec![(0, 5 * 1024)]);
    }

    fn leak_cfg(window: usize) -> LeakConfig {
        LeakConfig {
            window,
            min_slope: 64.0 * 1024.0,
            min_r2: 0.8,
            min_spacing_ms: 500,
        }
    }

    #[test]
    fn fit_is_least_squares() {
        let f = fit(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.0)]).unwrap();
        assert!((f.slope - 2.0).abs() < 1e-12 && (f.r2 - 1.0).abs() < 1e-12);
        assert_eq!(f.span, 3.0);
        // y = x with one outlier: Sxy = 11, Sxx = 5, Syy = 29 by hand.
        let f = fit(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 7.0)]).unwrap();
        assert!((f.slope - 2.2).abs() < 1e-12, "{f:?}");
        assert!((f.r2 - 121.0 / 145.0).abs() < 1e-12, "{f:?}");
        assert_eq!(fit(&[(0.0, 0.0), (1.0, 1.0)]), None);
        assert_eq!(fit(&[(1.0, 0.0), (1.0, 1.0), (1.0, 2.0)]), None);
        assert_eq!(fit(&[(0.0, f64::NAN), (1.0, 1.0), (2.0, 2.0)]), None);
        let flat = fit(&[(0.0, 5.0), (1.0, 5.0), (2.0, 5.0)]).unwrap();
        assert_eq!((flat.slope, flat.r2), (0.0, 0.0));
    }

    #[test]
    fn a_steady_ramp_is_a_leak() {
        // 1 MiB/s for 30 s, sampled every second, with ±256 KiB of noise.
        let n = noise(30, 7);
        let w = series(
            |i| 200.0 * MIB as f64 + i as f64 * MIB as f64 + n[i] * 262_144.0,
            30,
            1000,
        );
        let f = leak(&w, &leak_cfg(30)).expect("a ramp is a leak");
        assert!((f.slope - MIB as f64).abs() < 0.05 * MIB as f64, "{f:?}");
        assert!(f.r2 > 0.99, "{f:?}");
        // Not before the window is full.
        assert_eq!(leak(&w[..29], &leak_cfg(30)), None);
        // Slower than the least slope is not a leak.
        let slow = series(|i| 100.0 * MIB as f64 + i as f64 * 1000.0, 30, 1000);
        assert_eq!(leak(&slow, &leak_cfg(30)), None);
        // Off below 3 samples.
        assert_eq!(leak(&w, &leak_cfg(2)), None);
    }

    #[test]
    fn noise_sawtooth_and_flat_are_not_leaks() {
        let cfg = leak_cfg(60);
        // Flat.
        let flat = series(|_| 300.0 * MIB as f64, 60, 1000);
        assert_eq!(leak(&flat, &cfg), None);
        // Noise of ±20 MiB around a level.
        for seed in 1..50 {
            let n = noise(60, seed);
            let w = series(|i| 300.0 * MIB as f64 + n[i] * 20.0 * MIB as f64, 60, 1000);
            assert_eq!(leak(&w, &cfg), None, "seed {seed}");
        }
        // A garbage collector: 2 MiB/s for 10 s, back to the floor, six
        // times over the window; also shifted by every phase.
        for phase in 0..10 {
            let w = series(
                |i| 100.0 * MIB as f64 + ((i + phase) % 10) as f64 * 2.0 * MIB as f64,
                60,
                1000,
            );
            let f = fit(&w
                .iter()
                .map(|&(t, y)| (t as f64 / 1000.0, y as f64))
                .collect::<Vec<_>>())
            .unwrap();
            assert!(f.r2 < 0.1, "phase {phase}: {f:?}");
            assert_eq!(leak(&w, &cfg), None, "phase {phase}");
        }
        // A cache that fills once and stays: a step, not a ramp.
        let step = series(
            |i| if i < 30 { 100.0 } else { 400.0 } * MIB as f64,
            60,
            1000,
        );
        assert_eq!(leak(&step, &cfg), None);
        // Falling memory is never a leak.
        let down = series(|i| 500.0 * MIB as f64 - i as f64 * MIB as f64, 60, 1000);
        assert_eq!(leak(&down, &cfg), None);
    }

    #[test]
    fn leak_fires_once_and_rearms() {
        let cfg = Config {
            leak: leak_cfg(10),
            ..Config::default()
        };
        let at = |i: u64, ws: u64| Sample {
            at_secs: i,
            at_ms: i * 1000,
            usage: ws + 10 * MIB,
            working_set: Some(ws),
            limit: Some(1024 * MIB),
            ..Sample::default()
        };
        let mut track: Option<Track> = None;
        let mut fired = Vec::new();
        for i in 0..36u64 {
            // Rises 1 MiB/s for 20 s, then is flat.
            let ws = 100 * MIB + i.min(20) * MIB;
            let (t, a) = detect(track.as_ref(), &at(i, ws), &cfg);
            for d in &a {
                fired.push((i, d.clone()));
            }
            // Burst samples between polls do not enter the window.
            let (t, a) = detect(
                Some(&t),
                &Sample {
                    at_ms: i * 1000 + 100,
                    ..at(i, ws)
                },
                &cfg,
            );
            assert!(a.is_empty());
            track = Some(t);
        }
        assert_eq!(fired.len(), 1, "{fired:?}");
        let (i, d) = &fired[0];
        assert_eq!(*i, 9, "fires when the 10-sample window is full");
        assert_eq!(d.alert_type, AlertType::LeakSuspected);
        assert_eq!(d.threshold_bytes, Some(1024 * MIB));
        assert_eq!(d.extra.slope_bytes_per_second, Some(MIB as f64));
        assert_eq!(d.extra.r2, Some(1.0));
        assert_eq!(d.extra.window_seconds, Some(9.0));
        assert_eq!(d.extra.working_set_bytes, Some(109 * MIB));
        let t = track.unwrap();
        assert!(!t.leak_reported, "re-armed once flat");
        assert_eq!(t.leak.len(), 10);
        assert!(t.leak.capacity() <= 10, "no slack: {}", t.leak.capacity());
    }

    #[test]
    fn quick_readings_add_no_leak_point() {
        let cfg = Config {
            leak: leak_cfg(10),
            ..Config::default()
        };
        let full = Sample {
            at_secs: 0,
            at_ms: 0,
            usage: 200 * MIB,
            working_set: Some(100 * MIB),
            limit: Some(1024 * MIB),
            ..Sample::default()
        };
        let (mut track, _) = detect(None, &full, &cfg);
        for i in 1..30u64 {
            // Carried-over working set with fresh times: were these
            // points, the window would fill with a flat line.
            let q = Sample {
                at_secs: i,
                at_ms: i * 1000,
                usage: 200 * MIB + i * MIB,
                partial: true,
                ..full.clone()
            };
            let (t, a) = detect(Some(&track), &q, &cfg);
            assert!(a.is_empty(), "{a:?}");
            track = t;
        }
        assert_eq!(track.leak.len(), 1);
        assert_eq!(track.last.usage, 229 * MIB);
    }

    #[test]
    fn pressure_fires_per_excursion() {
        assert_eq!(pressure(false, Some(10.5), 10.0), (true, true));
        assert_eq!(pressure(true, Some(50.0), 10.0), (true, false));
        assert_eq!(pressure(true, Some(10.0), 10.0), (false, false));
        assert_eq!(pressure(false, None, 10.0), (false, false));
        let cfg = Config::default();
        let p = |at: u64, avg| Sample {
            at_secs: at,
            at_ms: at * 1000,
            usage: MIB,
            pressure_avg10: Some(avg),
            ..Sample::default()
        };
        let (t0, a) = detect(None, &p(0, 0.0), &cfg);
        assert!(a.is_empty());
        let (t1, a) = detect(Some(&t0), &p(1, 12.5), &cfg);
        assert_eq!(types(&a), vec![AlertType::PressureHigh]);
        assert_eq!(a[0].extra.pressure_avg10, Some(12.5));
        assert_eq!(a[0].extra.pressure_threshold, Some(10.0));
        let (t2, a) = detect(Some(&t1), &p(2, 30.0), &cfg);
        assert!(a.is_empty());
        let (t3, _) = detect(Some(&t2), &p(3, 2.0), &cfg);
        let (_, a) = detect(Some(&t3), &p(4, 11.0), &cfg);
        assert_eq!(types(&a), vec![AlertType::PressureHigh]);
    }

    #[test]
    fn pressure_level_events_are_rate_limited() {
        let cfg = Config {
            level_quiet_secs: 10,
            ..Config::default()
        };
        let l = |at: u64, n| Sample {
            at_secs: at,
            at_ms: at * 1000,
            usage: MIB,
            pressure_critical: Some(n),
            ..Sample::default()
        };
        let (t0, a) = detect(None, &l(0, 0), &cfg);
        assert!(a.is_empty());
        let (t1, a) = detect(Some(&t0), &l(1, 3), &cfg);
        assert_eq!(types(&a), vec![AlertType::PressureHigh]);
        assert_eq!(a[0].extra.pressure_level, Some("critical"));
        assert_eq!(a[0].count, Some(3));
        let (t2, a) = detect(Some(&t1), &l(5, 9), &cfg);
        assert!(a.is_empty(), "within the quiet period");
        let (_, a) = detect(Some(&t2), &l(11, 10), &cfg);
        assert_eq!(types(&a), vec![AlertType::PressureHigh]);
    }
}
