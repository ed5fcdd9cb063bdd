//! Canonical JSON text: object keys in sorted order whether or not some crate
//! in the build turns on serde_json's `preserve_order` feature, so that the
//! SARIF and GitLab output never depends on the build.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &Sorted(v))?;
                }
                map.end()
            }
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&Sorted(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

/// Pretty-printed canonical JSON, with a final newline.
pub fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(&Sorted(v)).expect("JSON values serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_sorted_at_every_depth() {
        let mut inner = serde_json::Map::new();
        inner.insert("z".into(), 1.into());
        inner.insert("a".into(), 2.into());
        let mut outer = serde_json::Map::new();
        outer.insert("b".into(), serde_json::Value::Array(vec![inner.into()]));
        outer.insert("a".into(), serde_json::Value::Null);
        let text = super::pretty(&outer.into());
        let compact: String = text.split_whitespace().collect();
        assert_eq!(compact, r#"{"a":null,"b":[{"a":2,"z":1}]}"#);
    }
}
