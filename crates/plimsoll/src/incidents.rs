//! Traceability: `[incidents]` in plimsoll.toml maps rule codes (or code
//! prefixes) to the tickets or URLs of the incidents they prevent; the
//! findings of those rules carry the reference in their message, so every
//! format shows it.

use plimsoll_core::Finding;
use std::collections::BTreeMap;

/// The incident of `code`: an exact code wins over the longest prefix.
pub fn of<'a>(map: &'a BTreeMap<String, String>, code: &str) -> Option<&'a str> {
    if let Some(v) = map.get(code) {
        return Some(v);
    }
    map.iter()
        .filter(|(k, _)| !k.is_empty() && code.starts_with(k.as_str()))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, v)| v.as_str())
}

/// Appends ` [incident: REF]` to the message of every mapped finding.
pub fn attach(findings: &mut [Finding], map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    for f in findings {
        if let Some(r) = of(map, &f.code) {
            f.message.push_str(&format!(" [incident: {r}]"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_codes_then_longest_prefixes() {
        let m = BTreeMap::from([
            ("PR".to_string(), "INC-1".to_string()),
            ("PR001".to_string(), "https://tickets/INC-2".to_string()),
            ("PK02".to_string(), "INC-3".to_string()),
        ]);
        assert_eq!(of(&m, "PR001"), Some("https://tickets/INC-2"));
        assert_eq!(of(&m, "PR004"), Some("INC-1"));
        assert_eq!(of(&m, "PK021"), Some("INC-3"));
        assert_eq!(of(&m, "DL3008"), None);
    }
}
