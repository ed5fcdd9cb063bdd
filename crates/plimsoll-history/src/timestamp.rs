//! UTC instants written and read as RFC 3339 (`2026-03-01T12:30:05Z`,
//! `2026-03-01T12:30:05.25Z`). Any offset is accepted on input and
//! normalised to UTC; output is always UTC with `Z`.
//!
//! The calendar arithmetic is the proleptic Gregorian day count of Howard
//! Hinnant's `days_from_civil`/`civil_from_days` (public-domain algorithms).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::{Duration, SystemTime};

/// An instant in UTC with nanosecond precision, between
/// `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59.999999999Z`.
///
/// Ordered by time. Serialises as its RFC 3339 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a text is not an RFC 3339 date-time Plimsoll accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    input: String,
    reason: &'static str,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)): {}",
            self.input, self.reason
        )
    }
}

impl std::error::Error for TimestampError {}

/// Seconds from 0000-01-01T00:00:00Z to the Unix epoch, negated.
const MIN_SECS: i64 = -62_167_219_200;
/// 9999-12-31T23:59:59Z.
const MAX_SECS: i64 = 253_402_300_799;

impl Timestamp {
    /// The current time of the system clock.
    pub fn now() -> Timestamp {
        Timestamp::from_system_time(SystemTime::now())
    }

    /// A system time, clamped to the representable range.
    pub fn from_system_time(t: SystemTime) -> Timestamp {
        match t.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => {
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                Timestamp::clamped(secs, d.subsec_nanos())
            }
            Err(e) => {
                // Before the epoch: -d, expressed as whole seconds plus a
                // non-negative nanosecond part.
                let d = e.duration();
                let mut secs = -i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                let mut nanos = d.subsec_nanos();
                if nanos > 0 {
                    secs = secs.saturating_sub(1);
                    nanos = 1_000_000_000 - nanos;
                }
                Timestamp::clamped(secs, nanos)
            }
        }
    }

    fn clamped(secs: i64, nanos: u32) -> Timestamp {
        if secs < MIN_SECS {
            Timestamp {
                secs: MIN_SECS,
                nanos: 0,
            }
        } else if secs > MAX_SECS {
            Timestamp {
                secs: MAX_SECS,
                nanos: 999_999_999,
            }
        } else {
            Timestamp { secs, nanos }
        }
    }

    /// Seconds since the Unix epoch and nanoseconds within the second
    /// (`0..1_000_000_000`), or `None` when out of range.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<Timestamp> {
        if !(MIN_SECS..=MAX_SECS).contains(&secs) || nanos >= 1_000_000_000 {
            return None;
        }
        Some(Timestamp { secs, nanos })
    }

    /// Whole seconds since the Unix epoch (negative before 1970).
    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    /// Nanoseconds within the second.
    pub fn subsec_nanos(&self) -> u32 {
        self.nanos
    }

    /// The system time of this instant.
    pub fn to_system_time(&self) -> SystemTime {
        let nanos = Duration::from_nanos(u64::from(self.nanos));
        if self.secs >= 0 {
            SystemTime::UNIX_EPOCH + Duration::from_secs(self.secs.unsigned_abs()) + nanos
        } else {
            SystemTime::UNIX_EPOCH - Duration::from_secs(self.secs.unsigned_abs()) + nanos
        }
    }

    /// Parses an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional
    /// fraction (digits past the ninth are dropped), then `Z` or `±HH:MM`.
    /// `T`/`Z` may be lower case and `T` may be a space (RFC 3339 §5.6
    /// note). Leap seconds (`:60`) are refused.
    pub fn parse(input: &str) -> Result<Timestamp, TimestampError> {
        let err = |reason| TimestampError {
            input: input.to_string(),
            reason,
        };
        let b = input.as_bytes();
        let digits = |at: usize, n: usize| -> Option<i64> {
            let s = b.get(at..at + n)?;
            let mut v = 0i64;
            for &c in s {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Some(v)
        };
        let at = |i: usize| b.get(i).copied();
        let year = digits(0, 4).ok_or_else(|| err("the year must be four digits"))?;
        if at(4) != Some(b'-') || at(7) != Some(b'-') {
            return Err(err("the date must be YYYY-MM-DD"));
        }
        let month = digits(5, 2).ok_or_else(|| err("the month must be two digits"))?;
        let day = digits(8, 2).ok_or_else(|| err("the day must be two digits"))?;
        if !(1..=12).contains(&month) {
            return Err(err("the month is not 01..12"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(err("the day does not exist in that month"));
        }
        if !matches!(at(10), Some(b'T' | b't' | b' ')) {
            return Err(err("the date and time must be separated by `T`"));
        }
        if at(13) != Some(b':') || at(16) != Some(b':') {
            return Err(err("the time must be HH:MM:SS"));
        }
        let hour = digits(11, 2).ok_or_else(|| err("the hour must be two digits"))?;
        let minute = digits(14, 2).ok_or_else(|| err("the minute must be two digits"))?;
        let second = digits(17, 2).ok_or_else(|| err("the second must be two digits"))?;
        if hour > 23 || minute > 59 {
            return Err(err("the time of day is out of range"));
        }
        if second == 60 {
            return Err(err("leap seconds (:60) are not supported"));
        }
        if second > 59 {
            return Err(err("the second is out of range"));
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if at(i) == Some(b'.') {
            i += 1;
            let start = i;
            let mut scale = 100_000_000u32;
            while let Some(c) = at(i).filter(u8::is_ascii_digit) {
                nanos += u32::from(c - b'0') * scale;
                scale /= 10;
                i += 1;
            }
            if i == start {
                return Err(err("a `.` must be followed by digits"));
            }
        }
        let offset = match at(i) {
            Some(b'Z' | b'z') => {
                i += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                let oh = digits(i + 1, 2).ok_or_else(|| err("the offset must be ±HH:MM"))?;
                let om = digits(i + 4, 2).ok_or_else(|| err("the offset must be ±HH:MM"))?;
                if at(i + 3) != Some(b':') {
                    return Err(err("the offset must be ±HH:MM"));
                }
                if oh > 23 || om > 59 {
                    return Err(err("the offset is out of range"));
                }
                i += 6;
                let o = oh * 3600 + om * 60;
                if sign == b'+' { o } else { -o }
            }
            None => return Err(err("a time zone (`Z` or ±HH:MM) is required")),
            Some(_) => return Err(err("unexpected text after the seconds")),
        };
        if i != b.len() {
            return Err(err("unexpected text after the time zone"));
        }
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        let secs = local - offset;
        if !(MIN_SECS..=MAX_SECS).contains(&secs) {
            return Err(err("the instant in UTC is outside the years 0000..9999"));
        }
        Ok(Timestamp { secs, nanos })
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )?;
        if self.nanos != 0 {
            let mut frac = format!("{:09}", self.nanos);
            while frac.ends_with('0') {
                frac.pop();
            }
            write!(f, ".{frac}")?;
        }
        f.write_str("Z")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn known_instants() {
        assert_eq!(ts("1970-01-01T00:00:00Z").unix_seconds(), 0);
        assert_eq!(ts("2001-09-09T01:46:40Z").unix_seconds(), 1_000_000_000);
        assert_eq!(ts("2000-02-29T00:00:00Z").unix_seconds(), 951_782_400);
        assert_eq!(ts("0000-01-01T00:00:00Z").unix_seconds(), MIN_SECS);
        assert_eq!(ts("9999-12-31T23:59:59Z").unix_seconds(), MAX_SECS);
        assert_eq!(ts("1969-12-31T23:59:59Z").unix_seconds(), -1);
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let t = ts("2026-03-01T02:30:00+03:30");
        assert_eq!(t.to_string(), "2026-02-28T23:00:00Z");
        assert_eq!(
            ts("2026-03-01t00:00:00-00:01").to_string(),
            "2026-03-01T00:01:00Z"
        );
        assert_eq!(
            ts("2026-03-01 00:00:00z").to_string(),
            "2026-03-01T00:00:00Z"
        );
    }

    #[test]
    fn fractions() {
        assert_eq!(ts("2026-03-01T00:00:00.5Z").subsec_nanos(), 500_000_000);
        assert_eq!(
            ts("2026-03-01T00:00:00.5Z").to_string(),
            "2026-03-01T00:00:00.5Z"
        );
        assert_eq!(
            ts("2026-03-01T00:00:00.1234567891234Z").to_string(),
            "2026-03-01T00:00:00.123456789Z"
        );
        assert_eq!(
            ts("2026-03-01T00:00:00.000Z").to_string(),
            "2026-03-01T00:00:00Z"
        );
    }

    #[test]
    fn round_trips_every_day_of_a_few_centuries() {
        let mut day = days_from_civil(1896, 1, 1);
        let end = days_from_civil(2104, 12, 31);
        while day <= end {
            let t = Timestamp {
                secs: day * 86_400 + 45_296,
                nanos: 7,
            };
            assert_eq!(ts(&t.to_string()), t);
            day += 1;
        }
    }

    #[test]
    fn rejects_bad_text_without_panicking() {
        for bad in [
            "",
            "2026",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2026-01-01T23:59:60Z",
            "2026-01-01T23:59:59",
            "2026-01-01T23:59:59+0200",
            "2026-01-01T23:59:59+24:00",
            "2026-01-01T23:59:59.Z",
            "2026-01-01T23:59:59ZZ",
            "2026-01-01X23:59:59Z",
            "0000-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59-00:01",
            "２０２６-01-01T00:00:00Z",
            "2026-01-01T00:00:00.\u{e9}Z",
        ] {
            let e = Timestamp::parse(bad).expect_err(bad);
            assert!(e.to_string().contains("RFC 3339"), "{e}");
        }
    }

    #[test]
    fn system_time_both_sides_of_the_epoch() {
        let before = SystemTime::UNIX_EPOCH - Duration::from_millis(1500);
        let t = Timestamp::from_system_time(before);
        assert_eq!((t.unix_seconds(), t.subsec_nanos()), (-2, 500_000_000));
        assert_eq!(t.to_system_time(), before);
        assert_eq!(t.to_string(), "1969-12-31T23:59:58.5Z");
        let now = Timestamp::now();
        assert!(now.unix_seconds() > 1_700_000_000);
    }

    #[test]
    fn serde_as_text() {
        let t = ts("2026-03-01T12:00:00.25+01:00");
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, "\"2026-03-01T11:00:00.25Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&j).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
