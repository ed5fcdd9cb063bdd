//! GitLab Code Quality: a JSON array of Code Climate issues, the subset GitLab
//! reads (`description`, `check_name`, `fingerprint`, `severity`,
//! `location.path`, `location.lines.begin`).

use crate::View;
use plimsoll_core::{Finding, Severity};
use serde_json::json;
use std::collections::HashMap;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info | Severity::Style => "info",
    }
}

/// FNV-1a, 128 bits.
fn fnv1a128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ b as u128).wrapping_mul(PRIME))
}

/// A stable fingerprint of a finding: 32 hex digits of FNV-1a-128 over its
/// file, code, line and message. `occurrence` tells apart findings that agree
/// on all four (0 for the first, which is then hashed alone).
pub fn fingerprint(f: &Finding, occurrence: usize) -> String {
    let mut key = format!("{}\0{}\0{}\0{}", f.file, f.code, f.region.line, f.message);
    if occurrence > 0 {
        key.push_str(&format!("\0{occurrence}"));
    }
    format!("{:032x}", fnv1a128(key.as_bytes()))
}

pub fn render(view: &View) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<serde_json::Value> = view
        .findings
        .iter()
        .map(|f| {
            let base = fingerprint(f, 0);
            let n = seen.entry(base.clone()).or_insert(0);
            let fp = if *n == 0 { base } else { fingerprint(f, *n) };
            *n += 1;
            json!({
                "description": f.message,
                "check_name": f.code,
                "fingerprint": fp,
                "severity": severity(f.severity),
                "location": {
                    "path": f.file,
                    "lines": { "begin": f.region.line.max(1) },
                },
            })
        })
        .collect();
    crate::canon::pretty(&serde_json::Value::Array(issues))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_values() {
        // Reference values of FNV-1a 128.
        assert_eq!(fnv1a128(b""), 0x6c62272e07bb014262b821756295c58d);
        assert_eq!(fnv1a128(b"a"), 0xd228cb696f1a8caf78912b704e4a8964);
    }
}
