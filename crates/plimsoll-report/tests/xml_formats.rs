//! JUnit and Checkstyle XML: well-formed (quick-xml, plus Python's expat, a
//! conforming XML 1.0 parser), with the findings' text surviving the round
//! trip minus the characters XML 1.0 cannot hold.

mod common;

use common::*;
use plimsoll_report::{Format, Report};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn all<'a>(&'a self, name: &str, out: &mut Vec<&'a Element>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.all(name, out);
        }
    }
    fn find(&self, name: &str) -> Vec<&Element> {
        let mut out = Vec::new();
        self.all(name, &mut out);
        out
    }
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn start(e: &quick_xml::events::BytesStart) -> Element {
    let mut el = Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        ..Element::default()
    };
    let mut seen = std::collections::HashSet::new();
    for a in e.attributes() {
        let a = a.expect("well-formed attribute");
        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
        assert!(seen.insert(key.clone()), "duplicate attribute {key}");
        let value = a.unescape_value().expect("attribute escapes").into_owned();
        el.attrs.push((key, value));
    }
    el
}

/// Parses `doc` into its root element, asserting well-formedness.
fn parse(doc: &str) -> Element {
    assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    assert!(
        doc.chars().all(xml_char),
        "characters XML 1.0 forbids in {doc:?}"
    );
    let mut reader = Reader::from_str(doc);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(start(&e)),
            Event::Empty(e) => {
                let el = start(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                assert!(!stack.is_empty(), "unbalanced end tag");
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => {
                let text = t.decode().unwrap();
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("valid character reference") {
                    Some(c) => c.to_string(),
                    None => match r.decode().unwrap().as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => panic!("undefined entity &{other};"),
                    },
                };
                stack.last_mut().unwrap().text.push_str(&c);
            }
            Event::CData(_) => panic!("no CDATA expected"),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::DocType(_) => panic!("no DOCTYPE expected"),
            Event::Eof => break,
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "exactly one root element");
    assert!(root.text.trim().is_empty(), "text outside the root");
    root.children.pop().unwrap()
}

/// What XML keeps of a string: characters it can hold.
fn xml_kept(s: &str) -> String {
    s.chars().filter(|&c| xml_char(c)).collect()
}

const EXPAT: &str = r#"
import sys, xml.parsers.expat
p = xml.parsers.expat.ParserCreate()
p.Parse(open(sys.argv[1], "rb").read(), True)
print("well-formed")
"#;

fn expat_well_formed(doc: &str) {
    let path = temp_file("report.xml", doc);
    let (ok, out) = run_any_python(EXPAT, &[&path]);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
    assert!(
        ok && out.contains("well-formed"),
        "expat rejects the XML:\n{out}\n{doc}"
    );
}

#[test]
fn checkstyle_is_well_formed_and_complete() {
    let report = tricky();
    let out = plain(Format::Checkstyle, &report);
    expat_well_formed(&out);
    let root = parse(&out);
    assert_eq!(root.name, "checkstyle");
    assert_eq!(root.attr("version"), Some("4.3"));
    let files: Vec<&str> = root
        .children
        .iter()
        .map(|f| f.attr("name").unwrap())
        .collect();
    assert_eq!(
        files,
        ["-", "Dockerfile", "broken", "dir/a b,c:d.Dockerfile"]
    );
    let errors = root.find("error");
    assert_eq!(errors.len(), report.findings.len());
    let mut sorted = report.findings.clone();
    plimsoll_core::sort_findings(&mut sorted);
    for (e, f) in errors.iter().zip(&sorted) {
        assert_eq!(e.attr("line").unwrap(), f.region.line.to_string());
        if f.region.column > 0 {
            assert_eq!(e.attr("column").unwrap(), f.region.column.to_string());
        } else {
            assert_eq!(e.attr("column"), None);
        }
        let sev = match f.severity {
            plimsoll_core::Severity::Error => "error",
            plimsoll_core::Severity::Warning => "warning",
            _ => "info",
        };
        assert_eq!(e.attr("severity"), Some(sev));
        // Newlines, quotes, <>& survive; invalid control characters go.
        assert_eq!(e.attr("message").unwrap(), xml_kept(&f.message));
        assert_eq!(e.attr("source").unwrap(), format!("plimsoll.{}", f.code));
    }
}

#[test]
fn junit_is_well_formed_and_complete() {
    let report = tricky();
    let out = plain(Format::Junit, &report);
    expat_well_formed(&out);
    let root = parse(&out);
    assert_eq!(root.name, "testsuites");
    let suites = &root.children;
    let names: Vec<&str> = suites.iter().map(|s| s.attr("name").unwrap()).collect();
    assert_eq!(
        names,
        ["-", "Dockerfile", "broken", "dir/a b,c:d.Dockerfile"]
    );
    // One test case per rule and file.
    let dockerfile = &suites[1];
    let cases: Vec<&str> = dockerfile
        .children
        .iter()
        .map(|c| c.attr("name").unwrap())
        .collect();
    assert_eq!(cases, ["DL3002", "DL3018", "DL9998", "DL9999", "PD001"]);
    assert_eq!(dockerfile.attr("tests"), Some("5"));
    assert_eq!(dockerfile.attr("failures"), Some("5"));
    assert_eq!(root.attr("tests"), Some("8"));
    assert_eq!(root.attr("failures"), Some("8"));
    for case in root.find("testcase") {
        assert_eq!(case.children.len(), 1);
        assert_eq!(case.children[0].name, "failure");
    }
    let pd001 = &dockerfile.children[4].children[0];
    assert_eq!(pd001.attr("type"), Some("error"));
    assert_eq!(
        pd001.attr("message"),
        Some("Line one\nline two: ünïcödé ✓ 日本")
    );
    assert_eq!(
        pd001.text,
        "Dockerfile:2:1: error[PD001] Line one\nline two: ünïcödé ✓ 日本"
    );
    let dl9999 = &dockerfile.children[3].children[0];
    assert_eq!(
        dl9999.text,
        "Dockerfile:4:50: style[DL9999] ctl[31m red end\nhelp: first\r\nsecond 100%"
    );
    let dl3018 = &dockerfile.children[1].children[0];
    assert!(
        dl3018.text.contains("`apk add \"<package>\"` use"),
        "{}",
        dl3018.text
    );
    assert!(
        dl3018
            .text
            .ends_with("\nhelp: apk add \"curl=8.0\" <pinned>")
    );
    // Two identical findings: one case, both listed.
    let dup = &suites[3].children[0].children[0];
    assert_eq!(dup.attr("message"), Some("2 findings"));
    assert_eq!(dup.text.matches("100% sure").count(), 2);
    let broken = &suites[2].children[0].children[0];
    assert_eq!(broken.text, "broken: error[DL1000] unexpected end of file");
}

#[test]
fn xml_without_findings() {
    let report = Report {
        files: 2,
        ..Report::default()
    };
    let junit = plain(Format::Junit, &report);
    expat_well_formed(&junit);
    let root = parse(&junit);
    assert_eq!(root.attr("failures"), Some("0"));
    let cases = root.find("testcase");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].attr("name"), Some("No findings in 2 files"));
    assert!(cases[0].children.is_empty());

    let cs = plain(Format::Checkstyle, &report);
    expat_well_formed(&cs);
    let root = parse(&cs);
    assert!(root.children.is_empty());
}
