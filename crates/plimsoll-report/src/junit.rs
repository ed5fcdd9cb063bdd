//! JUnit XML: one `<testsuite>` per file with findings, one `<testcase>` per
//! rule and file whose `<failure>` lists the rule's findings in that file.
//! A clean run is one passing test case, so that CI systems that reject an
//! empty report still show a green run.

use crate::{View, summary_line, xml};
use plimsoll_core::Finding;
use std::collections::BTreeMap;
use std::fmt::Write;

fn line(f: &Finding) -> String {
    let mut s = f.file.clone();
    if f.region.line > 0 {
        write!(s, ":{}", f.region.line).unwrap();
        if f.region.column > 0 {
            write!(s, ":{}", f.region.column).unwrap();
        }
    }
    write!(s, ": {}[{}] {}", f.severity, f.code, f.message).unwrap();
    if let Some(fix) = &f.fix {
        write!(s, "\nhelp: {fix}").unwrap();
    }
    s
}

pub fn render(view: &View) -> String {
    let mut out = String::from(xml::DECLARATION);
    let files = view.by_file();
    // (file, [(code, findings)]) with codes in order.
    let suites: Vec<(&str, BTreeMap<&str, Vec<&Finding>>)> = files
        .iter()
        .map(|(file, findings)| {
            let mut cases: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
            for f in *findings {
                cases.entry(f.code.as_str()).or_default().push(f);
            }
            (*file, cases)
        })
        .collect();
    let cases: usize = suites.iter().map(|(_, c)| c.len()).sum();
    if cases == 0 {
        writeln!(
            out,
            "<testsuites name=\"plimsoll\" tests=\"1\" failures=\"0\" errors=\"0\">\n  \
             <testsuite name=\"plimsoll\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    \
             <testcase name=\"{}\" classname=\"plimsoll\"/>\n  \
             </testsuite>\n\
             </testsuites>",
            xml::attr(&summary_line(&view.summary))
        )
        .unwrap();
        return out;
    }
    writeln!(
        out,
        "<testsuites name=\"plimsoll\" tests=\"{cases}\" failures=\"{cases}\" errors=\"0\">"
    )
    .unwrap();
    for (file, codes) in &suites {
        let file = xml::attr(file);
        writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\">",
            n = codes.len()
        )
        .unwrap();
        for (code, findings) in codes {
            let worst = findings
                .iter()
                .map(|f| f.severity)
                .min()
                .expect("non-empty");
            let message = match findings.as_slice() {
                [one] => one.message.clone(),
                many => format!("{} findings", many.len()),
            };
            let body: Vec<String> = findings.iter().map(|f| line(f)).collect();
            writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{file}\">\n      \
                 <failure message=\"{}\" type=\"{worst}\">{}</failure>\n    \
                 </testcase>",
                xml::attr(code),
                xml::attr(&message),
                xml::text(&body.join("\n"))
            )
            .unwrap();
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
