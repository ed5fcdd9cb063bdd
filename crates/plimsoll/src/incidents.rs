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

/// `[incidents]` of the plimsoll.toml that applies here (`explicit`, else
/// the first found from the current directory up); empty when there is
/// none or it has no such table. A malformed table is an error.
pub fn load(explicit: Option<&std::path::Path>) -> Result<BTreeMap<String, String>, String> {
    let path = match explicit {
        Some(p) if p.extension().is_some_and(|e| e == "toml") => Some(p.to_path_buf()),
        Some(_) => None, // a hadolint .yaml has no incidents
        None => plimsoll_config::find_up(std::path::Path::new("."), &["plimsoll.toml"]),
    };
    let Some(p) = path else {
        return Ok(BTreeMap::new());
    };
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Ok(BTreeMap::new()); // unreadable: the command's own config load reports it
    };
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        incidents: BTreeMap<String, String>,
    }
    toml::from_str::<File>(&text)
        .map(|f| f.incidents)
        .map_err(|e| {
            format!(
                "{}: invalid [incidents]: {}",
                p.display(),
                e.to_string().trim()
            )
        })
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
