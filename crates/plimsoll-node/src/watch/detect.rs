//! Alert detection: a pure function of the previous state of a cgroup,
//! its current sample and the configuration.

use super::sample::Sample;
use serde::Serialize;

/// The kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertType {
    MemoryLimitNear,
    MemoryMaxHit,
    OomKill,
    OomStuck,
    MemoryHighExceeded,
}

impl AlertType {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertType::MemoryLimitNear => "memory_limit_near",
            AlertType::MemoryMaxHit => "memory_max_hit",
            AlertType::OomKill => "oom_kill",
            AlertType::OomStuck => "oom_stuck",
            AlertType::MemoryHighExceeded => "memory_high_exceeded",
        }
    }
}

/// Detection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// `memory_limit_near` fires when usage reaches this percentage of the
    /// limit (1..=100).
    pub near_percent: u8,
    /// `oom_stuck` fires when v1 `under_oom` stays 1 this many seconds
    /// without the `oom_kill` counter moving.
    pub stuck_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            near_percent: 90,
            stuck_secs: 5,
        }
    }
}

/// What is remembered about a cgroup between polls.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

/// One detected alert (the caller adds cgroup, container id and time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub alert_type: AlertType,
    pub threshold_bytes: Option<u64>,
    pub usage_bytes: u64,
    /// How much the counter behind the alert rose since the last poll.
    pub count: Option<u64>,
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

/// The new state of a cgroup and the alerts its sample raises. Counter
/// alerts need a previous sample (the first one is the baseline);
/// `memory_limit_near` fires once per crossing; `oom_stuck` once per
/// `under_oom` episode.
pub fn detect(prev: Option<&Track>, cur: &Sample, cfg: &Config) -> (Track, Vec<Detected>) {
    let mut out = Vec::new();
    let mut push = |alert_type, threshold_bytes, count| {
        out.push(Detected {
            alert_type,
            threshold_bytes,
            usage_bytes: cur.usage,
            count,
        })
    };
    let last = prev.map(|p| &p.last);
    let is_near = near(cur.usage, cur.limit, cfg.near_percent);
    if is_near && !prev.is_some_and(|p| p.near) {
        let threshold = cur.limit.map(|l| {
            let t = u128::from(l) * u128::from(cfg.near_percent) / 100;
            u64::try_from(t).unwrap_or(u64::MAX)
        });
        push(AlertType::MemoryLimitNear, threshold, None);
    }
    if let Some(n) = rise(last.and_then(|l| l.max_hits), cur.max_hits) {
        push(AlertType::MemoryMaxHit, cur.limit, Some(n));
    }
    if let Some(n) = rise(last.and_then(|l| l.oom_kills), cur.oom_kills) {
        push(AlertType::OomKill, cur.limit, Some(n));
    }
    if let Some(n) = rise(last.and_then(|l| l.high_events), cur.high_events) {
        push(AlertType::MemoryHighExceeded, cur.high, Some(n));
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
            push(AlertType::OomStuck, cur.limit, None);
            stuck_reported = true;
        }
    }
    let track = Track {
        last: cur.clone(),
        near: is_near,
        stuck_since,
        stuck_reported,
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
                },
                Detected {
                    alert_type: AlertType::OomKill,
                    threshold_bytes: Some(100 * MIB),
                    usage_bytes: 2 * MIB,
                    count: Some(1),
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
    fn high_events_carry_memory_high() {
        let cfg = Config::default();
        let v2 = |at, high_events| Sample {
            at_secs: at,
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
            }]
        );
    }

    #[test]
    fn stuck_after_n_seconds_without_kills() {
        let cfg = Config {
            near_percent: 90,
            stuck_secs: 3,
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
}
