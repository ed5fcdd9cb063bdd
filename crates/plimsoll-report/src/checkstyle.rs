//! Checkstyle XML 4.3, which many CI tools (Jenkins warnings-ng, reviewdog,
//! Bitbucket, …) read:
//!
//! ```xml
//! <checkstyle version="4.3">
//!   <file name="Dockerfile">
//!     <error line="3" column="5" severity="warning" message="…" source="plimsoll.DL3008"/>
//!   </file>
//! </checkstyle>
//! ```

use crate::View;
use crate::xml;
use plimsoll_core::Severity;
use std::fmt::Write;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "info",
    }
}

pub fn render(view: &View) -> String {
    let mut out = String::from(xml::DECLARATION);
    out.push_str("<checkstyle version=\"4.3\">\n");
    for (file, findings) in view.by_file() {
        writeln!(out, "  <file name=\"{}\">", xml::attr(file)).unwrap();
        for f in findings {
            write!(out, "    <error line=\"{}\"", f.region.line).unwrap();
            if f.region.column > 0 {
                write!(out, " column=\"{}\"", f.region.column).unwrap();
            }
            writeln!(
                out,
                " severity=\"{}\" message=\"{}\" source=\"plimsoll.{}\"/>",
                severity(f.severity),
                xml::attr(&f.message),
                xml::attr(&f.code)
            )
            .unwrap();
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}
