//! Pressure stall information: the kernel's `memory.pressure` /
//! `/proc/pressure/memory` text, and where a cgroup's own PSI lives.

use super::discover::{Hierarchy, Target, Version};
use std::path::{Path, PathBuf};

/// One PSI line (`some` or `full`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PsiLine {
    /// Percent of the last 10 s some (or all) tasks stalled on memory.
    pub avg10: f64,
    pub avg60: f64,
    pub avg300: f64,
    /// Total stall time in microseconds.
    pub total_us: u64,
}

/// A parsed pressure file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Psi {
    pub some: PsiLine,
    /// Absent from `/proc/pressure/cpu` on kernels before 5.13.
    pub full: Option<PsiLine>,
}

fn parse_line(rest: &str) -> Option<PsiLine> {
    let (mut a10, mut a60, mut a300, mut total) = (None, None, None, None);
    for field in rest.split_whitespace() {
        let (k, v) = field.split_once('=')?;
        match k {
            "avg10" => a10 = v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0),
            "avg60" => a60 = v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0),
            "avg300" => a300 = v.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0),
            "total" => total = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    Some(PsiLine {
        avg10: a10?,
        avg60: a60?,
        avg300: a300?,
        total_us: total?,
    })
}

/// Parses `some avg10=0.00 avg60=0.00 avg300=0.00 total=0` (and the
/// optional `full …` line). None when the `some` line is missing or
/// malformed.
pub fn parse(text: &str) -> Option<Psi> {
    let mut some = None;
    let mut full = None;
    for l in text.lines() {
        let l = l.trim();
        if let Some(rest) = l.strip_prefix("some ") {
            some = Some(parse_line(rest)?);
        } else if let Some(rest) = l.strip_prefix("full ") {
            full = parse_line(rest);
        }
    }
    Some(Psi { some: some?, full })
}

/// Reads and parses a pressure file; None when it is missing, unreadable
/// (EOPNOTSUPP with `psi=0`) or malformed.
pub fn read(path: &Path) -> Option<Psi> {
    let text = crate::read_text(path).ok().flatten()?;
    parse(&text)
}

/// The cgroup's own `memory.pressure`: in its directory on v2; on a
/// hybrid v1 node, the same path in a cgroup2 tree (systemd and container
/// runtimes mirror the unit path there, and PSI accounts tasks by their
/// cgroup2 membership whatever controllers are attached). None when
/// there is none or it cannot be read.
pub fn cgroup_pressure(t: &Target, hierarchies: &[Hierarchy]) -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match t.version {
        Version::V2 => vec![t.dir.join("memory.pressure")],
        Version::V1 => {
            if !t.cgroup.starts_with('/')
                || t.cgroup == "/"
                || t.dir.as_os_str() == t.cgroup.as_str()
            {
                // Outside every hierarchy, or the root (the root is the node).
                return None;
            }
            hierarchies
                .iter()
                .filter(|h| h.version == Version::V2)
                .map(|h| {
                    h.mount
                        .join(t.cgroup.trim_start_matches('/'))
                        .join("memory.pressure")
                })
                .collect()
        }
    };
    candidates.into_iter().find(|p| read(p).is_some())
}

/// The PSI trigger written to a pressure file so that the kernel wakes
/// the watch when stalls over a 10 s window exceed `percent` % (the
/// window `avg10` averages over). The window is a multiple of 2 s, which
/// unprivileged triggers (no CAP_SYS_RESOURCE) require.
pub fn trigger(percent: f64) -> String {
    const WINDOW_US: u64 = 10_000_000;
    let pct = if percent.is_finite() {
        percent.clamp(0.01, 100.0)
    } else {
        10.0
    };
    let stall = ((WINDOW_US as f64) * pct / 100.0).round() as u64;
    format!("some {} {WINDOW_US}", stall.clamp(1, WINDOW_US))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kernel_format() {
        let p = parse(
            "some avg10=12.34 avg60=1.50 avg300=0.07 total=997449\n\
             full avg10=0.00 avg60=0.00 avg300=0.00 total=764067\n",
        )
        .unwrap();
        assert_eq!(p.some.avg10, 12.34);
        assert_eq!(p.some.avg60, 1.5);
        assert_eq!(p.some.avg300, 0.07);
        assert_eq!(p.some.total_us, 997_449);
        assert_eq!(p.full.map(|f| f.total_us), Some(764_067));
        let zero = parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0").unwrap();
        assert_eq!(zero.some.avg10, 0.0);
        assert_eq!(zero.full, None);
        // 100.00 is the largest value the kernel prints.
        assert_eq!(
            parse("some avg10=100.00 avg60=99.99 avg300=98.00 total=18446744073709551615")
                .map(|p| (p.some.avg10, p.some.total_us)),
            Some((100.0, u64::MAX))
        );
        // Field order does not matter; unknown fields are skipped.
        assert_eq!(
            parse("some total=5 avg300=0.00 avg60=0.00 avg10=3.00 extra=1").map(|p| p.some.avg10),
            Some(3.0)
        );
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=0",
            "some avg10=0.00 avg60=0.00 total=0",
            "some avg10=x avg60=0.00 avg300=0.00 total=0",
            "some avg10=-1.00 avg60=0.00 avg300=0.00 total=0",
            "some avg10=NaN avg60=0.00 avg300=0.00 total=0",
            "some avg10 0.00",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=-3",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn this_hosts_proc_pressure_parses_when_present() {
        let p = Path::new("/proc/pressure/memory");
        if let Ok(text) = std::fs::read_to_string(p) {
            assert!(parse(&text).is_some(), "{text:?}");
        }
    }

    #[test]
    fn triggers_use_a_ten_second_window() {
        assert_eq!(trigger(10.0), "some 1000000 10000000");
        assert_eq!(trigger(0.5), "some 50000 10000000");
        assert_eq!(trigger(250.0), "some 10000000 10000000");
        assert_eq!(trigger(f64::NAN), "some 1000000 10000000");
    }
}
