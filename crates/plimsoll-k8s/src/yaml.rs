//! A YAML node tree that remembers where every node came from.
//!
//! Built from `granit-parser`'s event stream: mappings keep their entries in
//! source order with the key's own position, scalars keep whether they were
//! plain (so `"true"` stays a string and `true` is a boolean), aliases are
//! expanded under a budget (an alias bomb is an error, not an OOM), and the
//! parser's own nesting limits bound the depth.

use granit_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use std::fmt;

/// A 1-based line and 1-based character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One YAML node and its source range (`end` is exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub start: Pos,
    pub end: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text after escape processing; `plain` when it was written
    /// without quotes or block indicators (only plain scalars can be
    /// booleans, numbers or null).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Entries in source order: (key node, value node).
    Map(Vec<(Node, Node)>),
}

/// Bounds on what one file may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_bytes: usize,
    /// Most nodes a file may produce, counting alias expansions.
    pub max_nodes: usize,
    /// Nodes alias expansion may add beyond this floor, or beyond the
    /// number of nodes written in the file when that is larger.
    pub alias_floor: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_nodes: 2_000_000,
            alias_floor: 10_000,
        }
    }
}

/// Why a file could not be read as YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.pos.line, self.pos.col, self.message
        )
    }
}

impl std::error::Error for Error {}

/// One document of a stream; `root` is `None` for an empty document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Where the document starts.
    pub start: Pos,
    pub root: Option<Node>,
}

fn pos_of(m: granit_parser::Marker) -> Pos {
    Pos {
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        col: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
    }
}

fn nodes_in(n: &Node) -> usize {
    match &n.value {
        Value::Scalar { .. } => 1,
        Value::Seq(items) => 1 + items.iter().map(nodes_in).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| nodes_in(k) + nodes_in(v))
                .sum::<usize>()
        }
    }
}

enum Frame {
    Seq {
        start: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    written: usize,
    expanded: usize,
    docs: Vec<Document>,
    doc_start: Pos,
    root: Option<Node>,
}

impl Builder {
    fn count(&mut self, n: usize, alias: bool, at: Pos) -> Result<(), Error> {
        if alias {
            self.expanded = self.expanded.saturating_add(n);
            let allowed = self.limits.alias_floor.max(self.written);
            if self.expanded > allowed {
                return Err(Error {
                    pos: at,
                    message: format!(
                        "aliases expand to more than {allowed} nodes (an alias bomb?); refusing to expand them"
                    ),
                });
            }
        } else {
            self.written += n;
        }
        if self.written.saturating_add(self.expanded) > self.limits.max_nodes {
            return Err(Error {
                pos: at,
                message: format!("more than {} YAML nodes in one file", self.limits.max_nodes),
            });
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            let size = nodes_in(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), Error> {
        let start = pos_of(span.start);
        let end = pos_of(span.end);
        match ev {
            Event::DocumentStart(..) => {
                self.doc_start = start;
                self.root = None;
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                self.docs.push(Document {
                    start: self.doc_start,
                    root: self.root.take(),
                });
            }
            Event::Scalar(text, style, anchor, _tag) => {
                self.count(1, false, start)?;
                let node = Node {
                    start,
                    end,
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                };
                self.finish(node, anchor)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                self.count(1, false, start)?;
                self.stack.push(Frame::Seq {
                    start,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(_, anchor, _) => {
                self.count(1, false, start)?;
                self.stack.push(Frame::Map {
                    start,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => (
                        Node {
                            start,
                            end,
                            value: Value::Seq(items),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            start,
                            end,
                            value: Value::Map(entries),
                        },
                        anchor,
                    ),
                    None => {
                        return Err(Error {
                            pos: start,
                            message: "unbalanced collection end".into(),
                        });
                    }
                };
                self.finish(node, anchor)?;
            }
            Event::Alias(id) => {
                let Some((target, size)) = self.anchors.get(&id) else {
                    return Err(Error {
                        pos: start,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                let (mut node, size) = (target.clone(), *size);
                self.count(size, true, start)?;
                // The alias is where the value is used: point there.
                node.start = start;
                node.end = end;
                self.finish(node, 0)?;
            }
            Event::UnresolvedAlias(name) => {
                return Err(Error {
                    pos: start,
                    message: format!("alias *{name} names no anchor"),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

/// Parses a YAML stream into its documents.
pub fn parse(text: &str, limits: Limits) -> Result<Vec<Document>, Error> {
    if text.len() > limits.max_bytes {
        return Err(Error {
            pos: Pos { line: 1, col: 1 },
            message: format!(
                "{} bytes is more than the {} bytes a manifest may have",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    let mut b = Builder {
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        written: 0,
        expanded: 0,
        docs: Vec::new(),
        doc_start: Pos { line: 1, col: 1 },
        root: None,
    };
    for next in Parser::new_from_str_with_options(text, granit_parser::Options::default()) {
        let (ev, span) = next.map_err(|e| Error {
            pos: pos_of(e.marker().to_owned()),
            message: e.info(),
        })?;
        b.event(ev, span)?;
    }
    Ok(b.docs)
}

impl Node {
    /// The text of a scalar (any style).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A plain scalar that YAML 1.1 (what Kubernetes' decoder reads) takes
    /// for a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A plain decimal (or `0x` hex) integer scalar.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar { text, plain: true } => {
                let t = text.trim();
                if let Some(h) = t.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).ok()
                } else {
                    t.strip_prefix('+').unwrap_or(t).parse().ok()
                }
            }
            _ => None,
        }
    }

    /// A plain `null`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// The value under `key` in a mapping: the last such entry wins (as in
    /// Kubernetes' decoder), then `<<` merge keys are consulted.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The (key, value) entry for `key`, see [`Node::get`].
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entry_depth(key, 0)
    }

    fn entry_depth(&self, key: &str, depth: usize) -> Option<(&Node, &Node)> {
        let entries = self.entries();
        if let Some((k, v)) = entries.iter().rev().find(|(k, _)| k.as_str() == Some(key)) {
            return Some((k, v));
        }
        if depth > 16 {
            return None;
        }
        for (k, v) in entries.iter().rev() {
            if k.as_str() == Some("<<") && matches!(&k.value, Value::Scalar { plain: true, .. }) {
                let found = match &v.value {
                    Value::Map(_) => v.entry_depth(key, depth + 1),
                    Value::Seq(items) => items.iter().find_map(|m| m.entry_depth(key, depth + 1)),
                    Value::Scalar { .. } => None,
                };
                if found.is_some() {
                    return found;
                }
            }
        }
        None
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in keys {
            n = n.get(k)?;
        }
        Some(n)
    }

    /// The string under `key`, if it is a scalar.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let docs = parse(text, Limits::default()).unwrap();
        docs.into_iter().next().unwrap().root.unwrap()
    }

    #[test]
    fn positions_are_one_based_and_point_at_keys_and_values() {
        let n = one("a: 1\nb:\n  c: \"true\"\n  d: [x, y]\n");
        let (k, v) = n.entry("b").unwrap();
        assert_eq!(k.start, Pos { line: 2, col: 1 });
        let c = v.get("c").unwrap();
        assert_eq!(c.start, Pos { line: 3, col: 6 });
        assert_eq!(c.as_str(), Some("true"));
        assert_eq!(c.as_bool(), None, "a quoted true is a string");
        let d = v.get("d").unwrap();
        assert_eq!(d.items().len(), 2);
        assert_eq!(d.items()[1].start, Pos { line: 4, col: 10 });
        assert_eq!(n.get("a").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn multi_document_streams_keep_empty_documents() {
        let docs = parse("---\na: 1\n---\n---\nb: 2\n", Limits::default()).unwrap();
        assert_eq!(docs.len(), 3);
        assert!(docs[1].root.as_ref().is_none_or(Node::is_null));
        assert_eq!(docs[2].start.line, 4);
    }

    #[test]
    fn aliases_and_merge_keys_resolve() {
        let n = one("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n");
        let u = n.get("use").unwrap();
        assert_eq!(u.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(u.get("y").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn an_alias_bomb_is_an_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text, Limits::default()).unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
    }

    #[test]
    fn malformed_yaml_is_an_error_with_a_position() {
        let e = parse("a: [1, 2\nb: }\n", Limits::default()).unwrap_err();
        assert!(e.pos.line >= 1, "{e}");
        let e = parse("a: *nothing\n", Limits::default()).unwrap_err();
        assert!(
            e.message.contains("anchor") || e.message.contains("alias"),
            "{e}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        assert!(parse(&text, Limits::default()).is_err());
        let mut block = String::new();
        for i in 0..2000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        assert!(parse(&block, Limits::default()).is_err());
    }

    #[test]
    fn size_and_node_limits_hold() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(parse("a: 1234567890\n", limits).is_err());
        let limits = Limits {
            max_nodes: 5,
            ..Limits::default()
        };
        assert!(parse("[1, 2, 3, 4, 5, 6]", limits).is_err());
    }

    #[test]
    fn yaml_1_1_booleans_as_kubernetes_reads_them() {
        let n = one("a: yes\nb: False\nc: 'no'\nd: ~\n");
        assert_eq!(n.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(n.get("b").unwrap().as_bool(), Some(false));
        assert_eq!(n.get("c").unwrap().as_bool(), None);
        assert!(n.get("d").unwrap().is_null());
    }
}
