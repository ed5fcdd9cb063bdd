//! A self-contained HTML page for people: the verdict, the findings with
//! code frames, and whatever facts the gate reported (image layers and
//! waste, binary verdicts, the size budget, a size trend chart, stage
//! timings).
//!
//! The page fetches nothing: its CSS is inline, its chart is inline SVG, it
//! names no fonts to download and runs no script, and its
//! Content-Security-Policy ([`CSP`]) forbids anything else. Every piece of
//! text comes from untrusted input (messages, paths, layer commands) and goes
//! through [`esc`].
//!
//! # The facts it reads
//!
//! `Report::facts` is JSON; every part is optional and a part of an
//! unexpected shape is left out, never an error. Numbers may also be given
//! as numeric strings.
//!
//! - `verdict`: `"pass"` or `"fail"`, the run's exit decision as the caller
//!   made it (threshold, `--no-fail`). Without it the page fails when there
//!   is an error finding or the budget blocks.
//! - `image` (or the facts themselves when they have `layers` and
//!   `efficiency`, as `plimsoll image` reports them): `reference`,
//!   `platform`, `os`, `user` (`{spec, uid, gid, name?, error?}` or a
//!   string), `command` (array), `compressed_bytes`, `uncompressed_bytes`,
//!   `files`, `efficiency` (0..1), `wasted_bytes`, `user_wasted_percent`
//!   (0..1), `reclaimable_bytes`, `layers[]` `{index, digest,
//!   compressed_bytes?, uncompressed_bytes?, files_bytes, entries?,
//!   created_by?}`, `top_wasted[]` `{path, bytes, layer, created_by?,
//!   hidden_by, hidden_by_command?, how?}`, `binaries[]` `{path, verdict
//!   ("runs"|"fails"), reason, entrypoint, kind?, linkage?, libc?}`.
//! - `budget`: `{class, action, verdict ("pass"|"block"|"notify"|"record"),
//!   measure? ("uncompressed" (default) | "compressed"), growth_bytes,
//!   threshold_bytes, threshold_percent?, baseline?, candidate?, grew?}`;
//!   `baseline` and `candidate` are `{tag, digest, uncompressed_bytes,
//!   compressed_bytes, timestamp}`; `grew` is `{layers: [{index, created_by,
//!   delta_bytes}], directories: [{path, delta_bytes}], files: [{path,
//!   delta_bytes}]}`.
//! - `trend`: `[{timestamp, tag, digest, uncompressed_bytes,
//!   compressed_bytes, branch?}]`, oldest first, the candidate last (or the
//!   entry whose digest is `budget.candidate.digest`). Timestamps are RFC 3339
//!   strings or Unix seconds.
//! - `stages`: `[{name, millis, findings, status}]`.

use crate::text::source_lines;
use crate::{View, plural, severity_words, summary_line};
use plimsoll_core::{Finding, RuleInfo, Severity};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The page's Content-Security-Policy: nothing may be fetched or run.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Writes to a `String` (which cannot fail).
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Source lines shown before and after a finding's span.
const CONTEXT_LINES: usize = 2;
/// Spans longer than this many lines show their head and tail.
const MAX_SPAN_LINES: usize = 8;
/// Longer source lines are shown as a window around the span.
const MAX_LINE_CHARS: usize = 240;
/// Longest layer command or reason shown in a table cell.
const MAX_CELL_CHARS: usize = 300;
/// Most rows of a list of facts (layers, waste, growth).
const MAX_ROWS: usize = 50;
/// Most runs the trend chart plots (the newest).
const MAX_TREND_POINTS: usize = 500;

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values. Control characters other than `\n` and `\t` (and
/// Unicode noncharacters) become U+FFFD; `\r\n` becomes `\n`.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\t' => out.push(c),
            c if c.is_control() || is_noncharacter(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn is_noncharacter(c: char) -> bool {
    let u = c as u32;
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}

/// `s` cut to `n` characters, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

/// Escaped and clipped.
fn esc_clip(s: &str, n: usize) -> String {
    esc(&clip(s, n))
}

// ---------------------------------------------------------------------------
// Numbers and JSON access
// ---------------------------------------------------------------------------

const UNITS: [(&str, f64); 6] = [
    ("EB", 1e18),
    ("PB", 1e15),
    ("TB", 1e12),
    ("GB", 1e9),
    ("MB", 1e6),
    ("kB", 1e3),
];

/// Human-readable bytes in decimal units, like `docker` and `dive`:
/// `512 B`, `1.5 kB`, `12.3 MB`, `1.25 GB`.
pub fn human(b: f64) -> String {
    if !b.is_finite() {
        return "?".to_string();
    }
    let (sign, a) = if b < 0.0 { ("−", -b) } else { ("", b) };
    if a >= 1e21 {
        return format!("{sign}{a:.2e} B");
    }
    for (unit, div) in UNITS {
        if a >= div {
            let decimals = if div >= 1e9 { 2 } else { 1 };
            return format!("{sign}{:.*} {unit}", decimals, a / div);
        }
    }
    format!("{sign}{} B", a.round())
}

/// A signed byte count: `+1.2 MB`, `−300 B`, `±0 B`.
fn human_delta(d: f64) -> String {
    if d > 0.0 {
        format!("+{}", human(d))
    } else if d < 0.0 {
        human(d)
    } else {
        "±0 B".to_string()
    }
}

/// A member of an object that is not `null`.
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?.get(key).filter(|v| !v.is_null())
}

/// A scalar member as text.
fn text(v: &Value, key: &str) -> Option<String> {
    match get(v, key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A numeric member (a number or a numeric string), finite.
fn num(v: &Value, key: &str) -> Option<f64> {
    let n = match get(v, key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// A non-negative integer member.
fn uint(v: &Value, key: &str) -> Option<u64> {
    match get(v, key)? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

fn boolean(v: &Value, key: &str) -> bool {
    matches!(get(v, key), Some(Value::Bool(true)))
}

/// An array member, or nothing.
fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match get(v, key) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// An object member.
fn object<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    get(v, key).filter(|v| v.is_object())
}

/// `sha256:0123456789ab` from a full digest.
fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", hex.chars().take(12).collect::<String>()),
        None => d.chars().take(19).collect(),
    }
}

/// A time stamp as the page shows it: RFC 3339 text as given, Unix seconds
/// as UTC.
fn timestamp(v: &Value, key: &str) -> Option<String> {
    match get(v, key)? {
        Value::String(s) => Some(clip(s, 40)),
        Value::Number(n) => {
            let secs = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e15)
                    .map(|f| f as i64)
            })?;
            Some(utc(secs))
        }
        _ => None,
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC` (proleptic Gregorian calendar).
fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days since 0000-03-01, in 400-year eras of 146 097 days.
    let z = days as i128 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60
    )
}

/// A count with thousands separated: `18,234`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A percentage from a 0..1 fraction.
fn percent(f: f64) -> String {
    format!("{:.1} %", f * 100.0)
}

/// Milliseconds as `850 ms`, `1.24 s` or `2 min 05 s`.
fn duration(ms: f64) -> String {
    if !(ms.is_finite() && ms.abs() < 1e12) {
        "?".to_string()
    } else if ms < 1_000.0 {
        format!("{} ms", ms.round())
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1_000.0)
    } else {
        let s = (ms / 1_000.0).round();
        format!("{} min {:02} s", (s / 60.0).floor(), s % 60.0)
    }
}

/// A bar for a table cell: `value` against `max`, as a percentage width.
fn bar(value: f64, max: f64, class: &str) -> String {
    let pct = if max > 0.0 && value.is_finite() {
        (value.abs() / max * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    format!("<span class=\"bar {class}\"><span style=\"width:{pct:.1}%\"></span></span>")
}

// ---------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------

pub fn render(view: &View) -> String {
    let facts = view.report.facts.as_ref();
    let image = facts.and_then(image_facts);
    let budget = facts.and_then(|f| object(f, "budget"));
    let trend = facts.map(|f| array(f, "trend")).unwrap_or(&[]);
    let stages = facts.map(|f| array(f, "stages")).unwrap_or(&[]);
    let has_trend = facts.is_some_and(|f| matches!(get(f, "trend"), Some(Value::Array(_))));

    let fail = failed(view, facts, budget);
    let verdict = if fail { "FAIL" } else { "PASS" };
    let summary = summary_line(&view.summary);

    let mut out = String::with_capacity(32 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    w!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let subject = image
        .and_then(|i| text(i, "reference"))
        .map(|r| format!(" {}", clip(&r, 80)))
        .unwrap_or_default();
    w!(
        out,
        "<title>Plimsoll{}: {verdict} — {}</title>\n",
        esc(&subject),
        esc(&summary)
    );
    out.push_str("<style>\n");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n");

    banner(&mut out, view, fail, &summary, image, budget);

    // Contents: the sections this page has.
    let mut sections: Vec<(&str, &str)> = Vec::new();
    if budget.is_some() {
        sections.push(("budget", "Size budget"));
    }
    if has_trend {
        sections.push(("trend", "Size trend"));
    }
    if image.is_some() {
        sections.push(("image", "Image"));
    }
    sections.push(("findings", "Findings"));
    if !stages.is_empty() {
        sections.push(("stages", "Stages"));
    }
    if sections.len() > 1 {
        out.push_str("<nav class=\"toc\" aria-label=\"Contents\">");
        for (id, title) in &sections {
            w!(out, "<a href=\"#{id}\">{title}</a>");
        }
        out.push_str("</nav>\n");
    }

    out.push_str("<main>\n");
    if let Some(b) = budget {
        budget_section(&mut out, b);
    }
    if has_trend {
        trend_section(&mut out, trend, budget);
    }
    if let Some(i) = image {
        image_section(&mut out, i);
    }
    findings_section(&mut out, view);
    if !stages.is_empty() {
        stages_section(&mut out, stages);
    }
    out.push_str("</main>\n");
    w!(
        out,
        "<footer>Generated by plimsoll{}. This page loads nothing from the network.</footer>\n",
        if view.report.tool_version.is_empty() {
            String::new()
        } else {
            format!(" {}", esc(&view.report.tool_version))
        }
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// The image facts: `facts.image`, or the facts themselves when they are
/// an image's.
fn image_facts(facts: &Value) -> Option<&Value> {
    if let Some(i) = object(facts, "image") {
        return Some(i);
    }
    let own = facts.as_object()?;
    (own.contains_key("layers") && own.contains_key("efficiency")).then_some(facts)
}

/// Whether the run failed: the caller's `facts.verdict` when given, else
/// an error finding or a blocking budget.
fn failed(view: &View, facts: Option<&Value>, budget: Option<&Value>) -> bool {
    if let Some(v) = facts.and_then(|f| text(f, "verdict")) {
        match v.trim().to_ascii_lowercase().as_str() {
            "pass" => return false,
            "fail" => return true,
            _ => {}
        }
    }
    let blocked = budget
        .and_then(|b| text(b, "verdict"))
        .is_some_and(|v| v.eq_ignore_ascii_case("block"));
    view.summary.errors > 0 || blocked
}

fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "sev-error",
        Severity::Warning => "sev-warning",
        Severity::Info => "sev-info",
        Severity::Style => "sev-style",
    }
}

fn banner(
    out: &mut String,
    view: &View,
    fail: bool,
    summary: &str,
    image: Option<&Value>,
    budget: Option<&Value>,
) {
    let (class, word) = if fail {
        ("fail", "FAIL")
    } else {
        ("pass", "PASS")
    };
    w!(
        out,
        "<header class=\"verdict {class}\" id=\"verdict\">\n<div class=\"verdict-word\">{word}</div>\n<div class=\"verdict-body\">\n"
    );
    if let Some(r) = image.and_then(|i| text(i, "reference")) {
        w!(out, "<p class=\"subject\">{}</p>\n", esc_clip(&r, 200));
    }
    w!(out, "<p class=\"summary\">{}</p>\n", esc(summary));
    let s = &view.summary;
    out.push_str("<ul class=\"counts\">");
    for (sev, n) in Severity::ALL
        .iter()
        .zip([s.errors, s.warnings, s.infos, s.styles])
    {
        let (one, many) = severity_words(*sev);
        let zero = if n == 0 { " zero" } else { "" };
        w!(
            out,
            "<li class=\"chip {}{zero}\">{}</li>",
            sev_class(*sev),
            plural(n, one, many)
        );
    }
    out.push_str("</ul>\n");
    if let Some(v) = budget.and_then(|b| text(b, "verdict")) {
        w!(
            out,
            "<p class=\"budget-line\">Size budget: <a href=\"#budget\" class=\"budget-{}\">{}</a></p>\n",
            budget_class(&v),
            esc(&v.to_ascii_lowercase())
        );
    }
    out.push_str("</div>\n");
    let version = if view.report.tool_version.is_empty() {
        "plimsoll".to_string()
    } else {
        format!("plimsoll {}", esc(&view.report.tool_version))
    };
    w!(out, "<div class=\"tool\">{version}</div>\n</header>\n");
}

// ---------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------

fn findings_section(out: &mut String, view: &View) {
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if view.findings.is_empty() {
        w!(
            out,
            "<p class=\"empty\">No findings in {}.</p>\n</section>\n",
            plural(view.summary.files, "file", "files")
        );
        return;
    }
    // Rules with findings, by code, each with an anchor.
    let mut rules: BTreeMap<&str, &RuleInfo> = BTreeMap::new();
    for r in &view.report.rules {
        rules.entry(r.code.as_str()).or_insert(r);
    }
    let used: BTreeMap<&str, (usize, Option<&RuleInfo>)> = {
        let mut codes: Vec<&str> = view.findings.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c, (i, rules.get(c).copied())))
            .collect()
    };

    let mut k = 0;
    for (fi, (file, findings)) in view.by_file().into_iter().enumerate() {
        let shown = if file == "-" { "(stdin)" } else { file };
        w!(
            out,
            "<section class=\"file\" id=\"file-{fi}\">\n<h3><code>{}</code> <span class=\"muted\">{}</span></h3>\n",
            esc(shown),
            plural(findings.len(), "finding", "findings")
        );
        let source = view.report.sources.get(file);
        // Split once per file: a file may have thousands of findings.
        let lines = source.map(|s| source_lines(s));
        for f in findings {
            k += 1;
            finding(out, k, f, lines.as_deref(), used.get(f.code.as_str()));
        }
        out.push_str("</section>\n");
    }

    let documented: Vec<(usize, &RuleInfo)> = used
        .values()
        .filter_map(|(i, r)| r.map(|r| (*i, r)))
        .collect();
    if !documented.is_empty() {
        out.push_str("<section class=\"rules\" id=\"rules\">\n<h3>Rules</h3>\n");
        for (i, r) in documented {
            w!(
                out,
                "<div class=\"rule\" id=\"rule-{i}\">\n<p><span class=\"badge {}\">{}</span> <strong class=\"code\">{}</strong> <span class=\"muted\">{}</span> — {}</p>\n",
                sev_class(r.severity),
                r.severity,
                esc(&r.code),
                r.category.as_str(),
                esc(r.summary.trim())
            );
            let doc = r.doc.trim();
            if !doc.is_empty() {
                w!(
                    out,
                    "<details><summary>Documentation</summary><pre class=\"doc\">{}</pre></details>\n",
                    esc(doc)
                );
            }
            out.push_str("</div>\n");
        }
        out.push_str("</section>\n");
    }
    out.push_str("</section>\n");
}

fn finding(
    out: &mut String,
    k: usize,
    f: &Finding,
    lines: Option<&[&str]>,
    rule: Option<&(usize, Option<&RuleInfo>)>,
) {
    let sev = sev_class(f.severity);
    w!(
        out,
        "<article class=\"finding {sev}\" id=\"finding-{k}\">\n<header><span class=\"badge {sev}\">{}</span> ",
        f.severity
    );
    match rule {
        Some((i, Some(_))) => w!(
            out,
            "<a class=\"code\" href=\"#rule-{i}\">{}</a>",
            esc(&f.code)
        ),
        _ => w!(out, "<span class=\"code\">{}</span>", esc(&f.code)),
    }
    w!(
        out,
        " <span class=\"category\">{}</span> <span class=\"location\">{}</span></header>\n",
        f.category.as_str(),
        location(f)
    );
    w!(out, "<p class=\"message\">{}</p>\n", esc(&f.message));
    if let Some((_, Some(r))) = rule {
        let s = r.summary.trim();
        if !s.is_empty() {
            w!(out, "<p class=\"rule-summary\">Rule: {}</p>\n", esc(s));
        }
    }
    if let Some(lines) = lines {
        frame(out, f, lines);
    }
    if let Some(fix) = &f.fix {
        w!(
            out,
            "<div class=\"fix\"><div class=\"fix-label\">Fix</div><pre><code>{}</code></pre></div>\n",
            esc(fix)
        );
    }
    out.push_str("</article>\n");
}

fn location(f: &Finding) -> String {
    let r = f.region;
    match (r.line, r.column) {
        (0, _) => "whole file".to_string(),
        (l, 0) => format!("line {l}"),
        (l, c) => format!("line {l}, column {c}"),
    }
}

/// The code frame of a finding: the span's lines (highlighted, the span
/// marked) and a few lines around them. Nothing when the span is not in the
/// source (`lines`, as [`source_lines`] splits it).
fn frame(out: &mut String, f: &Finding, lines: &[&str]) {
    // A final newline does not start a line worth showing as context.
    let count = match lines.split_last() {
        Some((&"", rest)) if !rest.is_empty() => rest.len(),
        _ => lines.len(),
    };
    let r = f.region;
    let first = r.line as usize;
    if first == 0 || first > lines.len() {
        return;
    }
    // A span that ends at column 1 of a later line ends with the line before.
    let mut last = (r.end_line as usize).max(first);
    let mut end_col = Some(r.end_column as usize);
    if last > first && r.end_column <= 1 {
        last -= 1;
        end_col = None;
    }
    if last > lines.len() {
        last = lines.len();
        end_col = None;
    }
    let lo = first.saturating_sub(CONTEXT_LINES).max(1);
    let hi = (last + CONTEXT_LINES).min(count.max(last));
    let mut shown: Vec<usize> = Vec::new();
    if last - first + 1 > MAX_SPAN_LINES {
        let head = first + MAX_SPAN_LINES / 2 - 1;
        let tail = last + 1 - MAX_SPAN_LINES / 2;
        shown.extend(lo..=head);
        shown.push(0);
        shown.extend(tail..=hi);
    } else {
        shown.extend(lo..=hi);
    }

    out.push_str("<div class=\"frame\"><table>\n");
    for n in shown {
        let Some(line) = n.checked_sub(1).and_then(|i| lines.get(i)) else {
            out.push_str("<tr class=\"gap\"><td class=\"ln\">⋮</td><td></td></tr>\n");
            continue;
        };
        let in_span = (first..=last).contains(&n);
        // The marked characters (0-based, end exclusive; None: to the end).
        let col = r.column as usize;
        let mark = if !in_span {
            None
        } else if n == first && last == first {
            if col == 0 {
                None
            } else if r.end_line as usize == first && r.end_column as usize > col {
                Some((col - 1, Some(r.end_column as usize - 1)))
            } else if r.end_line as usize > first {
                Some((col - 1, None))
            } else {
                Some((col - 1, Some(col)))
            }
        } else if n == first {
            Some((col.saturating_sub(1), None))
        } else if n == last {
            end_col.map(|c| (0, Some(c.saturating_sub(1))))
        } else {
            None
        };
        let class = if in_span { " class=\"hl\"" } else { "" };
        w!(
            out,
            "<tr{class}><td class=\"ln\">{n}</td><td class=\"src\">{}</td></tr>\n",
            source_line(line, mark)
        );
    }
    out.push_str("</table></div>\n");
}

/// A source line, escaped, with the characters `from..to` in `<mark>`, and
/// cut to a window around them when it is very long.
fn source_line(line: &str, mark: Option<(usize, Option<usize>)>) -> String {
    let chars: Vec<char> = line.chars().collect();
    let n = chars.len();
    let (from, to) = match mark {
        Some((from, to)) => {
            let from = from.min(n);
            (from, to.unwrap_or(n).clamp(from, n))
        }
        None => (0, 0),
    };
    let (start, end) = if n <= MAX_LINE_CHARS {
        (0, n)
    } else {
        let start = from.saturating_sub(40);
        (start, (start + MAX_LINE_CHARS).min(n))
    };
    let from = from.clamp(start, end);
    let to = to.clamp(from, end);
    let piece = |a: usize, b: usize| esc(&chars[a..b].iter().collect::<String>());
    let mut s = String::new();
    if start > 0 {
        s.push_str("<span class=\"cut\">…</span>");
    }
    s.push_str(&piece(start, from));
    if to > from {
        w!(s, "<mark>{}</mark>", piece(from, to));
    }
    s.push_str(&piece(to, end));
    if end < n {
        s.push_str("<span class=\"cut\">…</span>");
    }
    s
}

// ---------------------------------------------------------------------------
// Image facts
// ---------------------------------------------------------------------------

fn image_section(out: &mut String, img: &Value) {
    out.push_str("<section id=\"image\">\n<h2>Image</h2>\n<dl class=\"facts\">\n");
    let mut item = |label: &str, value: String| {
        w!(out, "<div><dt>{label}</dt><dd>{value}</dd></div>\n");
    };
    if let Some(r) = text(img, "reference") {
        item("Reference", format!("<code>{}</code>", esc_clip(&r, 300)));
    }
    if let Some(d) = text(img, "manifest_digest") {
        item("Manifest", format!("<code>{}</code>", esc_clip(&d, 100)));
    }
    if let Some(p) = text(img, "platform") {
        item("Platform", esc_clip(&p, 100));
    }
    if let Some(o) = text(img, "os") {
        item("OS", esc_clip(&o, 100));
    }
    if let Some(u) = user(img) {
        item("User", u);
    }
    let command: Vec<String> = array(img, "command")
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    if !command.is_empty() {
        item(
            "Command",
            format!(
                "<code>{}</code>",
                esc_clip(&command.join(" "), MAX_CELL_CHARS)
            ),
        );
    }
    if let Some(b) = num(img, "uncompressed_bytes") {
        item("Size", human(b));
    }
    if let Some(b) = num(img, "compressed_bytes") {
        item("Compressed", human(b));
    }
    if let Some(n) = uint(img, "files") {
        item("Files", count(n));
    }
    if let Some(e) = num(img, "efficiency") {
        item("Efficiency", percent(e));
    }
    if let Some(b) = num(img, "wasted_bytes") {
        item("Wasted", human(b));
    }
    if let Some(p) = num(img, "user_wasted_percent") {
        item("Wasted by your layers", percent(p));
    }
    if let Some(b) = num(img, "reclaimable_bytes") {
        item("Reclaimable", human(b));
    }
    out.push_str("</dl>\n");

    layers_table(out, array(img, "layers"));
    waste_table(out, array(img, "top_wasted"));
    binaries_table(out, array(img, "binaries"));
    out.push_str("</section>\n");
}

/// The runtime user: `name (uid:gid)`, the configured spec, or an error.
fn user(img: &Value) -> Option<String> {
    let u = get(img, "user")?;
    if let Value::String(s) = u {
        return Some(esc_clip(s, 100));
    }
    if !u.is_object() {
        return None;
    }
    let ids = match (uint(u, "uid"), uint(u, "gid")) {
        (Some(uid), Some(gid)) => Some(format!("{uid}:{gid}")),
        (Some(uid), None) => Some(uid.to_string()),
        _ => None,
    };
    let mut s = match (text(u, "name"), ids) {
        (Some(name), Some(ids)) => format!("{} ({ids})", esc_clip(&name, 100)),
        (Some(name), None) => esc_clip(&name, 100),
        (None, Some(ids)) => ids,
        (None, None) => String::new(),
    };
    match text(u, "spec") {
        Some(spec) if !spec.is_empty() => {
            w!(
                s,
                " <span class=\"muted\">USER {}</span>",
                esc_clip(&spec, 100)
            );
        }
        Some(_) => s.push_str(" <span class=\"muted\">no USER: root</span>"),
        None => {}
    }
    if let Some(e) = text(u, "error") {
        w!(
            s,
            " <span class=\"bad\">{}</span>",
            esc_clip(&e, MAX_CELL_CHARS)
        );
    }
    (!s.is_empty()).then_some(s)
}

/// "and 12 more" under a cut list.
fn more(out: &mut String, total: usize, shown: usize) {
    if total > shown {
        w!(
            out,
            "<p class=\"muted\">… and {} more.</p>\n",
            total - shown
        );
    }
}

/// A layer's command, as a cell.
fn command_cell(cmd: Option<String>) -> String {
    match cmd {
        Some(c) if !c.trim().is_empty() => {
            format!(
                "<code class=\"cmd\">{}</code>",
                esc_clip(c.trim(), MAX_CELL_CHARS)
            )
        }
        _ => "<span class=\"muted\">—</span>".to_string(),
    }
}

fn layers_table(out: &mut String, layers: &[Value]) {
    let layers: Vec<&Value> = layers.iter().filter(|l| l.is_object()).collect();
    if layers.is_empty() {
        return;
    }
    let size = |l: &Value| num(l, "uncompressed_bytes").or_else(|| num(l, "files_bytes"));
    let max = layers.iter().filter_map(|l| size(l)).fold(0.0, f64::max);
    out.push_str("<h3>Layers</h3>\n<div class=\"scroll\"><table class=\"data\" id=\"layers\">\n<thead><tr><th>#</th><th>Created by</th><th class=\"num\">Size</th><th class=\"num\">Compressed</th><th class=\"num\">Files</th><th>Digest</th></tr></thead>\n<tbody>\n");
    for (i, l) in layers.iter().take(MAX_ROWS).enumerate() {
        let index = uint(l, "index").map_or_else(|| i.to_string(), |n| n.to_string());
        let digest = text(l, "digest").unwrap_or_default();
        let s = size(l);
        w!(
            out,
            "<tr><td class=\"num\">{index}</td><td>{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code title=\"{}\">{}</code></td></tr>\n",
            command_cell(text(l, "created_by")),
            s.map(human).unwrap_or_default(),
            s.map(|s| bar(s, max, "size")).unwrap_or_default(),
            num(l, "compressed_bytes").map(human).unwrap_or_default(),
            num(l, "files_bytes").map(human).unwrap_or_default(),
            esc_clip(&digest, 100),
            esc(&short_digest(&digest)),
        );
    }
    out.push_str("</tbody></table></div>\n");
    more(out, layers.len(), MAX_ROWS);
}

fn waste_table(out: &mut String, wasted: &[Value]) {
    let rows: Vec<&Value> = wasted.iter().filter(|w| w.is_object()).collect();
    if rows.is_empty() {
        return;
    }
    let max = rows
        .iter()
        .filter_map(|w| num(w, "bytes"))
        .fold(0.0, f64::max);
    out.push_str("<h3>Wasted space</h3>\n<p class=\"muted\">File versions that later layers overwrite or delete: they still ship in the image.</p>\n<div class=\"scroll\"><table class=\"data\" id=\"waste\">\n<thead><tr><th>Path</th><th class=\"num\">Bytes</th><th>Written by</th><th>Hidden by</th></tr></thead>\n<tbody>\n");
    for w in rows.iter().take(MAX_ROWS) {
        let layer = |key: &str, cmd: &str| {
            let n = uint(w, key)
                .map(|n| format!("<span class=\"muted\">layer {n}</span> "))
                .unwrap_or_default();
            format!("{n}{}", command_cell(text(w, cmd)))
        };
        let how = text(w, "how")
            .map(|h| format!(" <span class=\"tag\">{}</span>", esc_clip(&h, 30)))
            .unwrap_or_default();
        let bytes = num(w, "bytes");
        w!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}{}</td><td>{}</td><td>{}{how}</td></tr>\n",
            esc_clip(&text(w, "path").unwrap_or_default(), MAX_CELL_CHARS),
            bytes.map(human).unwrap_or_default(),
            bytes.map(|b| bar(b, max, "waste")).unwrap_or_default(),
            layer("layer", "created_by"),
            layer("hidden_by", "hidden_by_command"),
        );
    }
    out.push_str("</tbody></table></div>\n");
    more(out, rows.len(), MAX_ROWS);
}

fn binaries_table(out: &mut String, binaries: &[Value]) {
    let mut rows: Vec<&Value> = binaries.iter().filter(|b| b.is_object()).collect();
    if rows.is_empty() {
        return;
    }
    let fails = |b: &Value| text(b, "verdict").is_some_and(|v| v.eq_ignore_ascii_case("fails"));
    // Failing binaries first, the entrypoint first among equals.
    rows.sort_by_key(|b| (!fails(b), !boolean(b, "entrypoint")));
    let failing = rows.iter().filter(|b| fails(b)).count();
    w!(
        out,
        "<h3>Binaries</h3>\n<p class=\"{}\">{} of {} will not start.</p>\n<div class=\"scroll\"><table class=\"data\" id=\"binaries\">\n<thead><tr><th>Verdict</th><th>Path</th><th>Reason</th><th>Kind</th></tr></thead>\n<tbody>\n",
        if failing > 0 { "bad" } else { "muted" },
        failing,
        plural(rows.len(), "binary", "binaries")
    );
    for b in rows.iter().take(MAX_ROWS) {
        let f = fails(b);
        let verdict = text(b, "verdict").unwrap_or_else(|| "?".into());
        let entry = if boolean(b, "entrypoint") {
            " <span class=\"tag\">entrypoint</span>"
        } else {
            ""
        };
        let kind: Vec<String> = ["kind", "linkage", "libc"]
            .iter()
            .filter_map(|k| text(b, k))
            .map(|k| esc_clip(&k, 30))
            .collect();
        w!(
            out,
            "<tr class=\"{}\"><td><span class=\"verdict-{}\">{}</span></td><td><code>{}</code>{entry}</td><td>{}</td><td>{}</td></tr>\n",
            if f { "fails" } else { "runs" },
            if f { "fails" } else { "runs" },
            esc_clip(&verdict, 20),
            esc_clip(&text(b, "path").unwrap_or_default(), MAX_CELL_CHARS),
            esc_clip(&text(b, "reason").unwrap_or_default(), MAX_CELL_CHARS),
            kind.join(", "),
        );
    }
    out.push_str("</tbody></table></div>\n");
    more(out, rows.len(), MAX_ROWS);
}

// ---------------------------------------------------------------------------
// The size budget
// ---------------------------------------------------------------------------

fn budget_class(verdict: &str) -> &'static str {
    match verdict.to_ascii_lowercase().as_str() {
        "pass" => "pass",
        "block" => "block",
        "notify" => "notify",
        _ => "record",
    }
}

/// Which size a budget measures: `uncompressed_bytes` unless it says
/// `compressed`.
fn measure_key(budget: Option<&Value>) -> &'static str {
    match budget.and_then(|b| text(b, "measure")) {
        Some(m) if m.eq_ignore_ascii_case("compressed") => "compressed_bytes",
        _ => "uncompressed_bytes",
    }
}

/// The budget's limit in bytes of its measure: the baseline plus the
/// allowed growth (`threshold_bytes`, else `threshold_percent`).
fn budget_limit(b: &Value) -> Option<f64> {
    let base = object(b, "baseline").and_then(|x| num(x, measure_key(Some(b))))?;
    let allowed = num(b, "threshold_bytes")
        .or_else(|| num(b, "threshold_percent").map(|p| base * p / 100.0))?;
    let limit = base + allowed;
    limit.is_finite().then_some(limit)
}

fn budget_section(out: &mut String, b: &Value) {
    let verdict = text(b, "verdict").unwrap_or_else(|| "record".into());
    let class = budget_class(&verdict);
    w!(
        out,
        "<section id=\"budget\" class=\"budget budget-{class}\">\n<h2>Size budget: <span class=\"budget-verdict\">{}</span></h2>\n",
        esc_clip(&verdict.to_ascii_uppercase(), 20)
    );
    let measure = if measure_key(Some(b)) == "compressed_bytes" {
        "compressed"
    } else {
        "uncompressed"
    };
    let mut sentence = String::new();
    if let Some(g) = num(b, "growth_bytes") {
        w!(
            sentence,
            "The image changed by <strong>{}</strong> ({measure}) against its baseline",
            human_delta(g)
        );
        let threshold = match (num(b, "threshold_bytes"), num(b, "threshold_percent")) {
            (Some(t), Some(p)) => Some(format!("{} ({p} %)", human(t))),
            (Some(t), None) => Some(human(t)),
            (None, Some(p)) => Some(format!("{p} %")),
            (None, None) => None,
        };
        if let Some(t) = threshold {
            w!(sentence, "; the budget allows {}", esc(&t));
        }
        sentence.push('.');
    } else {
        sentence.push_str("No growth was measured.");
    }
    w!(out, "<p class=\"budget-sentence\">{sentence}</p>\n");
    let mut meta = Vec::new();
    if let Some(c) = text(b, "class") {
        meta.push(format!("Class <strong>{}</strong>", esc_clip(&c, 60)));
    }
    if let Some(a) = text(b, "action") {
        meta.push(format!("on breach: <strong>{}</strong>", esc_clip(&a, 20)));
    }
    if !meta.is_empty() {
        w!(out, "<p class=\"muted\">{}</p>\n", meta.join(" · "));
    }

    let base = object(b, "baseline");
    let cand = object(b, "candidate");
    if base.is_some() || cand.is_some() {
        out.push_str("<div class=\"scroll\"><table class=\"data compare\">\n<thead><tr><th></th><th>Baseline</th><th>Candidate</th><th class=\"num\">Change</th></tr></thead>\n<tbody>\n");
        let cell = |run: Option<&Value>, f: &dyn Fn(&Value) -> Option<String>| {
            run.and_then(f)
                .unwrap_or_else(|| "<span class=\"muted\">—</span>".into())
        };
        let tag = |r: &Value| text(r, "tag").map(|t| format!("<code>{}</code>", esc_clip(&t, 80)));
        let digest = |r: &Value| {
            text(r, "digest").map(|d| {
                format!(
                    "<code title=\"{}\">{}</code>",
                    esc_clip(&d, 100),
                    esc(&short_digest(&d))
                )
            })
        };
        let when = |r: &Value| timestamp(r, "timestamp").map(|t| esc(&t));
        for (label, f) in [
            ("Tag", &tag as &dyn Fn(&Value) -> Option<String>),
            ("Digest", &digest),
            ("Recorded", &when),
        ] {
            w!(
                out,
                "<tr><th>{label}</th><td>{}</td><td>{}</td><td></td></tr>\n",
                cell(base, f),
                cell(cand, f)
            );
        }
        for (label, key) in [
            ("Size", "uncompressed_bytes"),
            ("Compressed", "compressed_bytes"),
        ] {
            let size = |r: &Value| num(r, key).map(human);
            let change = match (
                base.and_then(|r| num(r, key)),
                cand.and_then(|r| num(r, key)),
            ) {
                (Some(a), Some(c)) => human_delta(c - a),
                _ => String::new(),
            };
            w!(
                out,
                "<tr><th>{label}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{change}</td></tr>\n",
                cell(base, &size),
                cell(cand, &size)
            );
        }
        out.push_str("</tbody></table></div>\n");
    }

    if let Some(grew) = object(b, "grew") {
        let layers = array(grew, "layers");
        let dirs = array(grew, "directories");
        let files = array(grew, "files");
        if !(layers.is_empty() && dirs.is_empty() && files.is_empty()) {
            out.push_str("<h3>What changed</h3>\n<div class=\"grew\">\n");
            growth_table(out, "Layers", layers, |l| {
                let index = uint(l, "index")
                    .map(|n| format!("<span class=\"muted\">layer {n}</span> "))
                    .unwrap_or_default();
                format!("{index}{}", command_cell(text(l, "created_by")))
            });
            growth_table(out, "Directories", dirs, |d| {
                format!(
                    "<code>{}</code>",
                    esc_clip(&text(d, "path").unwrap_or_default(), MAX_CELL_CHARS)
                )
            });
            growth_table(out, "Files", files, |f| {
                format!(
                    "<code>{}</code>",
                    esc_clip(&text(f, "path").unwrap_or_default(), MAX_CELL_CHARS)
                )
            });
            out.push_str("</div>\n");
        }
    }
    out.push_str("</section>\n");
}

fn growth_table(out: &mut String, title: &str, rows: &[Value], what: impl Fn(&Value) -> String) {
    let rows: Vec<&Value> = rows.iter().filter(|r| r.is_object()).collect();
    if rows.is_empty() {
        return;
    }
    let max = rows
        .iter()
        .filter_map(|r| num(r, "delta_bytes"))
        .fold(0.0, |m: f64, d| m.max(d.abs()));
    w!(
        out,
        "<div class=\"scroll\"><table class=\"data\">\n<thead><tr><th>{title}</th><th class=\"num\">Change</th></tr></thead>\n<tbody>\n"
    );
    for r in rows.iter().take(MAX_ROWS) {
        let d = num(r, "delta_bytes");
        let class = if d.is_some_and(|d| d < 0.0) {
            "shrink"
        } else {
            "grow"
        };
        w!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}{}</td></tr>\n",
            what(r),
            d.map(human_delta).unwrap_or_default(),
            d.map(|d| bar(d, max, class)).unwrap_or_default()
        );
    }
    out.push_str("</tbody></table></div>\n");
    more(out, rows.len(), MAX_ROWS);
}

// ---------------------------------------------------------------------------
// The size trend chart
// ---------------------------------------------------------------------------

/// A value axis: `lo..=hi` in ticks `step` apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
}

impl Axis {
    /// An axis with round ticks covering every finite value (bytes: a step
    /// of at least 1). `None` without finite values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Axis> {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            return None;
        }
        let non_negative = lo >= 0.0;
        if hi - lo <= 0.0 || !(hi - lo).is_finite() {
            // Equal values: a band around them.
            let pad = (hi.abs() * 0.05).max(1.0);
            lo -= pad;
            hi += pad;
        } else {
            let pad = (hi - lo) * 0.08;
            lo -= pad;
            hi += pad;
        }
        if non_negative {
            lo = lo.max(0.0);
        }
        let step = nice_step((hi - lo) / 5.0).max(1.0);
        let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        if !(lo.is_finite() && hi.is_finite() && hi > lo) {
            return None;
        }
        Some(Axis { lo, hi, step })
    }

    /// The tick values, lowest first (at most a few dozen).
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round();
        if !(n.is_finite() && (1.0..=50.0).contains(&n)) {
            return vec![self.lo, self.hi];
        }
        (0..=n as usize)
            .map(|i| self.lo + i as f64 * self.step)
            .collect()
    }

    /// Where `v` sits, from 0 (at `lo`) to 1 (at `hi`).
    pub fn fraction(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span > 0.0 && v.is_finite() {
            ((v - self.lo) / span).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `x`.
fn nice_step(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(x.log10().floor());
    let f = x / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 2.5 {
        2.5
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Tick labels in one unit (the largest tick's), with as many decimals as
/// it takes to tell them apart.
pub(crate) fn tick_labels(ticks: &[f64]) -> Vec<String> {
    let top = ticks.iter().fold(0.0, |m: f64, t| m.max(t.abs()));
    let (unit, div) = UNITS
        .iter()
        .find(|(_, d)| top >= *d)
        .copied()
        .unwrap_or(("B", 1.0));
    let mut labels = Vec::new();
    for decimals in 0..=9 {
        labels = ticks
            .iter()
            .map(|t| format!("{:.*} {unit}", decimals, t / div))
            .collect();
        let mut sorted = labels.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() == labels.len() {
            break;
        }
    }
    labels
}

/// The chart's geometry (SVG user units).
const CHART_W: f64 = 960.0;
const CHART_H: f64 = 320.0;
const PLOT_LEFT: f64 = 90.0;
const PLOT_RIGHT: f64 = 940.0;
const PLOT_TOP: f64 = 20.0;
const PLOT_BOTTOM: f64 = 260.0;
/// Space between the y axis (and the right edge) and the first (last) point,
/// so that points and their labels stay inside the chart.
const PLOT_INSET: f64 = 40.0;

/// The x of point `i` of `n`: evenly spaced, one point in the middle.
pub(crate) fn point_x(i: usize, n: usize) -> f64 {
    let (left, right) = (PLOT_LEFT + PLOT_INSET, PLOT_RIGHT - PLOT_INSET);
    if n <= 1 {
        (left + right) / 2.0
    } else {
        left + (right - left) * i.min(n - 1) as f64 / (n - 1) as f64
    }
}

/// The y of value `v` on `axis`.
pub(crate) fn point_y(axis: &Axis, v: f64) -> f64 {
    PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * axis.fraction(v)
}

/// One run of the trend.
struct Run<'a> {
    entry: &'a Value,
    bytes: f64,
}

fn trend_section(out: &mut String, trend: &[Value], budget: Option<&Value>) {
    out.push_str("<section id=\"trend\">\n<h2>Size trend</h2>\n");
    let key = measure_key(budget);
    let runs: Vec<Run> = trend
        .iter()
        .filter_map(|e| num(e, key).map(|bytes| Run { entry: e, bytes }))
        .collect();
    let total = runs.len();
    let runs = &runs[total.saturating_sub(MAX_TREND_POINTS)..];
    if runs.is_empty() {
        out.push_str("<p class=\"empty\">No runs recorded yet.</p>\n</section>\n");
        return;
    }
    let limit = budget.and_then(budget_limit);
    let Some(axis) = Axis::of(runs.iter().map(|r| r.bytes).chain(limit)) else {
        out.push_str("<p class=\"empty\">The recorded sizes cannot be charted.</p>\n</section>\n");
        return;
    };
    // The candidate: the run with the budget's candidate digest, else the newest.
    let cand_digest = budget
        .and_then(|b| object(b, "candidate"))
        .and_then(|c| text(c, "digest"));
    let candidate = cand_digest
        .and_then(|d| {
            runs.iter()
                .rposition(|r| text(r.entry, "digest").as_deref() == Some(&d))
        })
        .unwrap_or(runs.len() - 1);
    let measure = if key == "compressed_bytes" {
        "compressed size"
    } else {
        "size"
    };
    w!(
        out,
        "<p class=\"muted\">Image {measure} over the last {}{}.</p>\n",
        plural(runs.len(), "run", "runs"),
        if total > runs.len() {
            format!(" (of {total})")
        } else {
            String::new()
        }
    );
    let n = runs.len();
    w!(
        out,
        "<svg id=\"size-trend\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {CHART_W} {CHART_H}\" role=\"img\" aria-label=\"Image {measure} over {}\">\n<title>Image {measure} over {}</title>\n",
        plural(n, "run", "runs"),
        plural(n, "run", "runs")
    );
    // Grid and value labels.
    let ticks = axis.ticks();
    for (t, label) in ticks.iter().zip(tick_labels(&ticks)) {
        let y = point_y(&axis, *t);
        w!(
            out,
            "<line class=\"grid\" x1=\"{PLOT_LEFT}\" y1=\"{y:.1}\" x2=\"{PLOT_RIGHT}\" y2=\"{y:.1}\"/><text class=\"ylabel\" x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
            PLOT_LEFT - 8.0,
            y + 4.0,
            esc(&label)
        );
    }
    w!(
        out,
        "<line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{PLOT_TOP}\" x2=\"{PLOT_LEFT}\" y2=\"{PLOT_BOTTOM}\"/><line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{PLOT_BOTTOM}\" x2=\"{PLOT_RIGHT}\" y2=\"{PLOT_BOTTOM}\"/>\n"
    );
    // The budget's limit.
    if let Some(l) = limit {
        let y = point_y(&axis, l);
        w!(
            out,
            "<line class=\"limit\" x1=\"{PLOT_LEFT}\" y1=\"{y:.1}\" x2=\"{PLOT_RIGHT}\" y2=\"{y:.1}\"><title>Budget limit: {}</title></line><text class=\"limit-label\" x=\"{:.1}\" y=\"{:.1}\">budget limit {}</text>\n",
            human(l),
            PLOT_LEFT + 8.0,
            y - 6.0,
            human(l)
        );
    }
    // The line, then the points above it.
    if n > 1 {
        out.push_str("<polyline class=\"line\" points=\"");
        for (i, r) in runs.iter().enumerate() {
            w!(
                out,
                "{}{:.1},{:.1}",
                if i > 0 { " " } else { "" },
                point_x(i, n),
                point_y(&axis, r.bytes)
            );
        }
        out.push_str("\"/>\n");
    }
    // Run labels under the axis: a few, evenly spread, and the candidate.
    let every = n.div_ceil(8).max(1);
    for (i, r) in runs.iter().enumerate() {
        if i % every != 0 && i != candidate {
            continue;
        }
        if i != candidate && i.abs_diff(candidate) < every {
            continue;
        }
        let name = run_name(r.entry);
        let when = timestamp(r.entry, "timestamp")
            .map(|t| t.chars().take(10).collect::<String>())
            .unwrap_or_default();
        let x = point_x(i, n);
        w!(
            out,
            "<text class=\"xlabel\" x=\"{x:.1}\" y=\"{:.1}\">{}</text><text class=\"xlabel date\" x=\"{x:.1}\" y=\"{:.1}\">{}</text>\n",
            PLOT_BOTTOM + 20.0,
            esc_clip(&name, 16),
            PLOT_BOTTOM + 36.0,
            esc(&when)
        );
    }
    for (i, r) in runs.iter().enumerate() {
        let class = if i == candidate { "pt candidate" } else { "pt" };
        let radius = if i == candidate { 7 } else { 4 };
        let mut tip = format!("{}\n{}", run_name(r.entry), human(r.bytes));
        let other = if key == "compressed_bytes" {
            ("uncompressed_bytes", "uncompressed")
        } else {
            ("compressed_bytes", "compressed")
        };
        if let Some(c) = num(r.entry, other.0) {
            w!(tip, " ({} {})", human(c), other.1);
        }
        if i > 0 {
            w!(
                tip,
                "\n{} since the run before",
                human_delta(r.bytes - runs[i - 1].bytes)
            );
        }
        if let Some(t) = timestamp(r.entry, "timestamp") {
            w!(tip, "\n{t}");
        }
        if let Some(b) = text(r.entry, "branch") {
            w!(tip, "\nbranch {}", clip(&b, 60));
        }
        if let Some(d) = text(r.entry, "digest") {
            w!(tip, "\n{}", clip(&d, 80));
        }
        if i == candidate {
            tip.push_str("\n(this run)");
        }
        w!(
            out,
            "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\"><title>{}</title></circle>\n",
            point_x(i, n),
            point_y(&axis, r.bytes),
            esc(&tip)
        );
    }
    out.push_str("</svg>\n</section>\n");
}

/// A run's name: its tag, else its short digest, else its time.
fn run_name(e: &Value) -> String {
    text(e, "tag")
        .filter(|t| !t.is_empty())
        .or_else(|| text(e, "digest").map(|d| short_digest(&d)))
        .or_else(|| timestamp(e, "timestamp"))
        .unwrap_or_else(|| "run".to_string())
}

// ---------------------------------------------------------------------------
// Stages
// ---------------------------------------------------------------------------

fn stages_section(out: &mut String, stages: &[Value]) {
    let rows: Vec<&Value> = stages.iter().filter(|s| s.is_object()).collect();
    if rows.is_empty() {
        return;
    }
    let max = rows
        .iter()
        .filter_map(|s| num(s, "millis"))
        .fold(0.0, f64::max);
    let total: f64 = rows
        .iter()
        .filter_map(|s| num(s, "millis"))
        .filter(|m| *m > 0.0)
        .sum();
    out.push_str("<section id=\"stages\">\n<h2>Stages</h2>\n<div class=\"scroll\"><table class=\"data\" id=\"stage-table\">\n<thead><tr><th>Stage</th><th class=\"num\">Time</th><th class=\"num\">Findings</th><th>Status</th></tr></thead>\n<tbody>\n");
    for s in rows.iter().take(MAX_ROWS) {
        let ms = num(s, "millis");
        let status = text(s, "status").unwrap_or_default();
        let class = match status.to_ascii_lowercase().as_str() {
            "ok" | "pass" | "passed" | "success" | "done" => "good",
            "fail" | "failed" | "error" | "block" | "blocked" => "bad",
            _ => "muted",
        };
        w!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td><span class=\"{class}\">{}</span></td></tr>\n",
            esc_clip(&text(s, "name").unwrap_or_default(), 100),
            ms.map(duration).unwrap_or_default(),
            ms.map(|m| bar(m, max, "time")).unwrap_or_default(),
            uint(s, "findings")
                .map(|n| n.to_string())
                .unwrap_or_default(),
            esc_clip(&status, 40)
        );
    }
    w!(
        out,
        "</tbody>\n<tfoot><tr><th>Total</th><td class=\"num\">{}</td><td></td><td></td></tr></tfoot>\n</table></div>\n",
        duration(total)
    );
    more(out, rows.len(), MAX_ROWS);
    out.push_str("</section>\n");
}

// ---------------------------------------------------------------------------
// Style
// ---------------------------------------------------------------------------

const CSS: &str = r#":root {
  --bg: #f6f7f9;
  --card: #ffffff;
  --fg: #1f2328;
  --muted: #59636e;
  --border: #d1d9e0;
  --error: #c62828;
  --warning: #a15c00;
  --info: #0b62c4;
  --style: #7a3fb0;
  --good: #1a7f37;
  --bad: #c62828;
  --hl: #fff5cc;
  --mark: #ffd24d;
  --code-bg: #f3f4f6;
  --mono: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115;
    --card: #181b21;
    --fg: #e6e8eb;
    --muted: #9aa4af;
    --border: #2e343d;
    --error: #ff6b6b;
    --warning: #e5a13a;
    --info: #5aa9ff;
    --style: #c38cff;
    --good: #4cc36b;
    --bad: #ff6b6b;
    --hl: #3a3320;
    --mark: #8a6d12;
    --code-bg: #20242b;
  }
}

* { box-sizing: border-box; }
body {
  margin: 0 auto;
  max-width: 1200px;
  padding: 24px;
  background: var(--bg);
  color: var(--fg);
  font: 15px/1.5 var(--sans);
}
h2 { font-size: 1.3rem; margin: 0 0 12px; }
h3 { font-size: 1.05rem; margin: 20px 0 8px; }
code, pre { font-family: var(--mono); font-size: 0.9em; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: var(--info); }
.muted { color: var(--muted); }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }

/* The verdict banner */
.verdict {
  display: flex;
  align-items: center;
  gap: 24px;
  padding: 20px 24px;
  border-radius: 10px;
  color: #fff;
}
.verdict.pass { background: #1a7f37; }
.verdict.fail { background: #b42318; }
.verdict-word { font-size: 2.6rem; font-weight: 800; letter-spacing: 0.06em; }
.verdict-body { flex: 1; }
.verdict-body p { margin: 2px 0; }
.verdict .subject { font-family: var(--mono); overflow-wrap: anywhere; }
.verdict .summary { font-size: 1.1rem; font-weight: 600; }
.verdict a { color: #fff; font-weight: 700; }
.verdict .tool { align-self: flex-start; opacity: 0.85; font-size: 0.85rem; }
.counts { list-style: none; display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 0; padding: 0; }
.chip { background: var(--card); padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 0.9rem; }
.chip.zero { opacity: 0.6; }

/* Contents */
.toc { display: flex; flex-wrap: wrap; gap: 16px; margin: 16px 4px; }

/* Sections are cards */
main > section {
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 10px;
  padding: 18px 22px;
  margin: 16px 0;
}

/* Severities */
.sev-error { --sev: var(--error); }
.sev-warning { --sev: var(--warning); }
.sev-info { --sev: var(--info); }
.sev-style { --sev: var(--style); }
.chip.sev-error, .chip.sev-warning, .chip.sev-info, .chip.sev-style { color: var(--sev); }
.badge {
  display: inline-block;
  padding: 0 8px;
  border-radius: 4px;
  background: var(--sev, var(--muted));
  color: var(--card);
  font-size: 0.8rem;
  font-weight: 700;
  text-transform: uppercase;
}

/* Findings */
.file h3 code { font-size: 1rem; overflow-wrap: anywhere; }
.finding {
  border-left: 4px solid var(--sev);
  padding: 8px 12px;
  margin: 10px 0;
  background: var(--bg);
  border-radius: 0 6px 6px 0;
}
.finding header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px; }
.finding .code { font-family: var(--mono); font-weight: 700; }
.finding .category, .finding .location { color: var(--muted); font-size: 0.9rem; }
.finding .message { margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; font-weight: 500; }
.rule-summary { margin: 4px 0; color: var(--muted); font-size: 0.9rem; }
.fix { margin-top: 8px; }
.fix-label { font-size: 0.8rem; font-weight: 700; color: var(--good); text-transform: uppercase; }
.fix pre { background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: 6px 10px; }

/* Code frames */
.frame { overflow-x: auto; margin-top: 8px; border: 1px solid var(--border); border-radius: 6px; background: var(--card); }
.frame table { border-collapse: collapse; width: 100%; font-family: var(--mono); font-size: 0.85rem; }
.frame td { padding: 0 10px; vertical-align: top; }
.frame .ln { width: 1%; text-align: right; color: var(--muted); user-select: none; border-right: 1px solid var(--border); }
.frame .src { white-space: pre; tab-size: 4; }
.frame tr.hl { background: var(--hl); }
.frame tr.hl .ln { color: var(--fg); font-weight: 700; }
.frame mark { background: var(--mark); color: inherit; border-radius: 2px; }
.frame .gap td { color: var(--muted); }
.frame .cut { color: var(--muted); }

/* Rules */
.rule p { margin: 4px 0; }
.rule .code { font-family: var(--mono); }
.rule details { margin: 0 0 10px 16px; }
.doc { background: var(--code-bg); padding: 8px 12px; border-radius: 6px; }

/* Tables of facts */
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 0.9rem; }
table.data th, table.data td { padding: 5px 8px; border-bottom: 1px solid var(--border); text-align: left; vertical-align: top; }
table.data thead th { color: var(--muted); font-weight: 600; font-size: 0.8rem; text-transform: uppercase; }
table.data .num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.data code { overflow-wrap: anywhere; }
code.cmd { display: block; max-width: 60ch; white-space: pre-wrap; overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 6px; border: 1px solid var(--border); border-radius: 4px; font-size: 0.75rem; color: var(--muted); }
.bar { display: block; height: 4px; margin-top: 3px; background: var(--border); border-radius: 2px; min-width: 80px; }
.bar > span { display: block; height: 100%; border-radius: 2px; background: var(--info); }
.bar.waste > span, .bar.grow > span { background: var(--warning); }
.bar.shrink > span { background: var(--good); }
.bar.time > span { background: var(--style); }
tr.fails { background: color-mix(in srgb, var(--bad) 10%, transparent); }
.verdict-fails { color: var(--bad); font-weight: 700; text-transform: uppercase; }
.verdict-runs { color: var(--good); font-weight: 600; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 10px 24px; margin: 0; }
dl.facts dt { font-size: 0.8rem; color: var(--muted); text-transform: uppercase; }
dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }

/* The size budget */
.budget { border-left-width: 6px !important; }
.budget-pass { border-left-color: var(--good) !important; }
.budget-block { border-left-color: var(--bad) !important; }
.budget-notify { border-left-color: var(--warning) !important; }
.budget-record { border-left-color: var(--muted) !important; }
.budget-pass .budget-verdict { color: var(--good); }
.budget-block .budget-verdict { color: var(--bad); }
.budget-notify .budget-verdict { color: var(--warning); }
.budget-sentence { font-size: 1.05rem; }
.compare th { width: 8em; }
.grew { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }

/* The trend chart */
svg.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: var(--border); stroke-width: 1; }
.chart .axis { stroke: var(--muted); stroke-width: 1.5; }
.chart .ylabel { fill: var(--muted); font: 12px var(--sans); text-anchor: end; }
.chart .xlabel { fill: var(--muted); font: 12px var(--sans); text-anchor: middle; }
.chart .xlabel.date { font-size: 11px; }
.chart .line { fill: none; stroke: var(--info); stroke-width: 2.5; stroke-linejoin: round; }
.chart .pt { fill: var(--card); stroke: var(--info); stroke-width: 2.5; }
.chart .pt.candidate { fill: var(--warning); stroke: var(--fg); stroke-width: 2; }
.chart .limit { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 5; }
.chart .limit-label { fill: var(--bad); font: 12px var(--sans); }

footer { color: var(--muted); font-size: 0.85rem; margin: 24px 4px; }

@media print {
  body { background: #fff; padding: 0; }
  main > section { break-inside: avoid-page; border-color: #bbb; }
  .toc { display: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, Report, TtyOptions, render as render_any};
    use plimsoll_core::{Category, Region};
    use serde_json::json;

    fn finding(
        code: &str,
        sev: Severity,
        file: &str,
        region: (u32, u32, u32, u32),
        msg: &str,
    ) -> Finding {
        Finding {
            code: code.into(),
            severity: sev,
            category: Category::Dockerfile,
            message: msg.into(),
            file: file.into(),
            region: Region {
                line: region.0,
                column: region.1,
                end_line: region.2,
                end_column: region.3,
            },
            fix: None,
        }
    }

    fn page(report: &Report) -> String {
        render_any(Format::Html, report, &TtyOptions::default())
    }

    fn with_facts(facts: Value) -> Report {
        Report {
            files: 1,
            tool_version: "9.9.9".into(),
            facts: Some(facts),
            ..Report::default()
        }
    }

    /// The page without its style sheet (whose text would match anything).
    fn body(page: &str) -> &str {
        page.split("</style>").nth(1).unwrap_or(page)
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            esc("a\r\nb\tc\u{1b}[31m\u{0}"),
            "a\nb\tc\u{FFFD}[31m\u{FFFD}"
        );
        assert_eq!(esc("lone\rcr"), "lone\u{FFFD}cr");
        assert_eq!(esc("日本 ü \u{FFFF}\u{FDD0}"), "日本 ü \u{FFFD}\u{FFFD}");
        assert_eq!(esc(""), "");
        assert_eq!(esc_clip("<<<<", 2), "&lt;&lt;…");
    }

    #[test]
    fn script_in_untrusted_text_is_inert() {
        let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'";
        let mut f = finding("PD<b>", Severity::Error, evil, (1, 1, 1, 3), evil);
        f.fix = Some(evil.into());
        let mut sources = BTreeMap::new();
        sources.insert(evil.to_string(), format!("{evil}\n"));
        let report = Report {
            findings: vec![f],
            files: 1,
            sources,
            rules: vec![RuleInfo {
                code: "PD<b>".into(),
                severity: Severity::Error,
                category: Category::Dockerfile,
                summary: evil.into(),
                doc: evil.into(),
            }],
            tool_version: evil.into(),
            facts: Some(json!({
                "image": {"reference": evil, "layers": [{"index": 0, "digest": evil, "created_by": evil}],
                          "top_wasted": [{"path": evil, "bytes": 1, "how": evil}],
                          "binaries": [{"path": evil, "verdict": evil, "reason": evil}],
                          "user": {"spec": evil, "name": evil, "error": evil}, "command": [evil]},
                "budget": {"verdict": evil, "class": evil, "action": evil, "growth_bytes": 1,
                           "baseline": {"tag": evil, "digest": evil, "timestamp": evil, "uncompressed_bytes": 1},
                           "grew": {"files": [{"path": evil, "delta_bytes": 1}]}},
                "trend": [{"tag": evil, "digest": evil, "uncompressed_bytes": 5, "branch": evil, "timestamp": evil}],
                "stages": [{"name": evil, "status": evil, "millis": 1}],
            })),
        };
        let out = page(&report);
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"));
        assert!(!out.contains("<b>"));
        assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Quotes cannot close an attribute.
        assert!(!out.contains("onerror=alert(2)>\""));
        assert!(out.contains(&format!("content=\"{CSP}\"")));
    }

    #[test]
    fn verdict_banner() {
        let pass = page(&Report {
            files: 3,
            tool_version: "1.2.3".into(),
            ..Report::default()
        });
        assert!(pass.contains("<header class=\"verdict pass\""));
        assert!(pass.contains("No findings in 3 files"));
        assert!(pass.contains("plimsoll 1.2.3"));
        assert!(pass.ends_with("</html>\n"));

        let mut r = Report {
            findings: vec![
                finding("A1", Severity::Error, "Dockerfile", (1, 1, 1, 2), "bad"),
                finding("A2", Severity::Warning, "Dockerfile", (2, 1, 2, 2), "meh"),
            ],
            files: 1,
            ..Report::default()
        };
        let fail = page(&r);
        assert!(fail.contains("<header class=\"verdict fail\""));
        assert!(fail.contains("1 error, 1 warning, 0 infos, 0 styles in 1 file"));
        assert!(fail.contains(">1 error</li>"));
        // The caller's verdict wins.
        r.facts = Some(json!({"verdict": "pass"}));
        assert!(page(&r).contains("<header class=\"verdict pass\""));
        // A blocking budget fails a run without findings.
        let blocked = page(&with_facts(json!({"budget": {"verdict": "block"}})));
        assert!(blocked.contains("<header class=\"verdict fail\""));
        let notify = page(&with_facts(json!({"budget": {"verdict": "notify"}})));
        assert!(notify.contains("<header class=\"verdict pass\""));
    }

    #[test]
    fn findings_with_frames_and_rules() {
        let src = "FROM alpine\nRUN\tapk add curl\nUSER root\nCMD x\n";
        let mut f = finding(
            "PD001",
            Severity::Warning,
            "dir/Dockerfile",
            (2, 5, 2, 12),
            "pin <it>",
        );
        f.fix = Some("apk add curl=8.0".into());
        let mut sources = BTreeMap::new();
        sources.insert("dir/Dockerfile".to_string(), src.to_string());
        let report = Report {
            findings: vec![
                f,
                finding(
                    "PD002",
                    Severity::Info,
                    "dir/Dockerfile",
                    (99, 1, 99, 2),
                    "past the end",
                ),
                finding("DL1000", Severity::Error, "other", (0, 0, 0, 0), "whole"),
            ],
            files: 2,
            sources,
            rules: vec![RuleInfo {
                code: "PD001".into(),
                severity: Severity::Warning,
                category: Category::Dockerfile,
                summary: "Pin versions".into(),
                doc: "# PD001\n\nPin them.\n".into(),
            }],
            tool_version: "0.1.0".into(),
            facts: None,
        };
        let out = page(&report);
        let b = body(&out);
        // Grouped by file, in order.
        let d = b.find("<code>dir/Dockerfile</code>").unwrap();
        let o = b.find("<code>other</code>").unwrap();
        assert!(d < o);
        assert!(b.contains("<tr class=\"hl\"><td class=\"ln\">2</td><td class=\"src\">RUN\t<mark>apk add</mark> curl</td></tr>"));
        // Context lines around, the trailing newline is no line.
        assert!(b.contains("<td class=\"ln\">1</td>"));
        assert!(b.contains("<td class=\"ln\">4</td>"));
        assert!(!b.contains("<td class=\"ln\">5</td>"));
        assert!(b.contains("pin &lt;it&gt;"));
        assert!(b.contains("<pre><code>apk add curl=8.0</code></pre>"));
        assert!(b.contains("Rule: Pin versions"));
        assert!(b.contains("href=\"#rule-1\">PD001</a>"));
        assert!(b.contains("id=\"rule-1\""));
        assert!(b.contains("<span class=\"code\">PD002</span>"));
        assert!(b.contains("whole file"));
        // One frame only: the finding past the end and the file without source have none.
        assert_eq!(b.matches("<div class=\"frame\">").count(), 1);
    }

    #[test]
    fn long_spans_and_lines_are_cut() {
        let mut src = String::new();
        for i in 1..=40 {
            src.push_str(&format!("line {i}\n"));
        }
        src.push_str(&"x".repeat(100_000));
        let mut sources = BTreeMap::new();
        sources.insert("f".to_string(), src);
        let report = Report {
            findings: vec![
                finding("X", Severity::Info, "f", (2, 1, 30, 3), "long span"),
                finding(
                    "Y",
                    Severity::Info,
                    "f",
                    (41, 50_000, 41, 50_010),
                    "long line",
                ),
            ],
            files: 1,
            sources,
            ..Report::default()
        };
        let out = page(&report);
        assert!(out.contains("<tr class=\"gap\">"));
        assert!(out.contains("<td class=\"ln\">30</td>"));
        assert!(!out.contains("<td class=\"ln\">15</td>"));
        assert!(out.len() < 40_000, "{}", out.len());
        assert!(out.contains(&format!("<mark>{}</mark>", "x".repeat(10))));
    }

    #[test]
    fn odd_spans_never_panic() {
        let mut sources = BTreeMap::new();
        sources.insert("f".to_string(), "ab\r\n\té\n".to_string());
        sources.insert("empty".to_string(), String::new());
        let spans = [
            (0, 0, 0, 0),
            (1, 0, 0, 0),
            (1, 5, 1, 2),
            (1, 100, 1, 200),
            (2, 1, 1, 1),
            (1, 1, 9, 9),
            (3, 1, 3, 1),
            (u32::MAX, u32::MAX, u32::MAX, u32::MAX),
            (1, u32::MAX, 2, 0),
        ];
        for file in ["f", "empty", "none"] {
            for s in spans {
                let r = Report {
                    findings: vec![finding("X", Severity::Style, file, s, "m")],
                    files: 1,
                    sources: sources.clone(),
                    ..Report::default()
                };
                assert!(page(&r).ends_with("</html>\n"));
            }
        }
    }

    #[test]
    fn human_bytes() {
        assert_eq!(human(0.0), "0 B");
        assert_eq!(human(999.0), "999 B");
        assert_eq!(human(1_500.0), "1.5 kB");
        assert_eq!(human(12_345_678.0), "12.3 MB");
        assert_eq!(human(1_250_000_000.0), "1.25 GB");
        assert_eq!(human(u64::MAX as f64), "18.45 EB");
        assert_eq!(human(-2_000.0), "−2.0 kB");
        assert_eq!(human(f64::NAN), "?");
        assert_eq!(human(1e300), "1.00e300 B");
        assert_eq!(duration(1e300), "?");
        assert_eq!(human_delta(0.0), "±0 B");
        assert_eq!(human_delta(3e6), "+3.0 MB");
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59 UTC");
        let _ = utc(i64::MIN);
        let _ = utc(i64::MAX);
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(18_234), "18,234");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(duration(850.0), "850 ms");
        assert_eq!(duration(1_240.0), "1.24 s");
        assert_eq!(duration(125_000.0), "2 min 05 s");
    }

    fn check_axis(values: &[f64]) -> Axis {
        let a = Axis::of(values.iter().copied()).unwrap();
        assert!(a.lo.is_finite() && a.hi.is_finite() && a.hi > a.lo, "{a:?}");
        assert!(a.step >= 1.0);
        let ticks = a.ticks();
        assert!(ticks.len() >= 2 && ticks.len() <= 51, "{ticks:?}");
        let labels = tick_labels(&ticks);
        let mut uniq = labels.clone();
        uniq.dedup();
        assert_eq!(uniq.len(), labels.len(), "{labels:?}");
        for v in values {
            let y = point_y(&a, *v);
            assert!((PLOT_TOP..=PLOT_BOTTOM).contains(&y), "{v} → {y}");
            assert!(*v >= a.lo && *v <= a.hi, "{v} outside {a:?}");
        }
        a
    }

    #[test]
    fn chart_scaling() {
        // No points: no axis.
        assert_eq!(Axis::of([]), None);
        assert_eq!(Axis::of([f64::NAN, f64::INFINITY]), None);
        // One point: centred, inside the plot.
        let a = check_axis(&[0.0]);
        assert_eq!(a.lo, 0.0);
        assert_eq!(point_x(0, 1), (PLOT_LEFT + PLOT_RIGHT) / 2.0);
        check_axis(&[123_456_789.0]);
        // Equal values: a band around them, not a division by zero.
        let a = check_axis(&[50e6, 50e6, 50e6]);
        assert!(a.lo < 50e6 && a.hi > 50e6);
        let y = point_y(&a, 50e6);
        assert!(y > PLOT_TOP && y < PLOT_BOTTOM);
        // Many points: x increases, the ends are the plot's edges.
        let many: Vec<f64> = (0..1000)
            .map(|i| 1e8 + (i * 7919 % 1000) as f64 * 1e4)
            .collect();
        check_axis(&many);
        let xs: Vec<f64> = (0..1000).map(|i| point_x(i, 1000)).collect();
        assert!(xs.windows(2).all(|w| w[1] > w[0]));
        assert_eq!(xs[0], PLOT_LEFT + PLOT_INSET);
        assert_eq!(xs[999], PLOT_RIGHT - PLOT_INSET);
        // Small differences on a large value: labels still distinct.
        check_axis(&[100_000_000.0, 100_000_003.0]);
        // Huge values.
        let a = check_axis(&[u64::MAX as f64, 1.0]);
        assert!(tick_labels(&a.ticks()).last().unwrap().ends_with("EB"));
        check_axis(&[u64::MAX as f64, u64::MAX as f64]);
        check_axis(&[0.0, 1.0]);
        // Ticks are round.
        let a = check_axis(&[10e6, 20e6]);
        assert_eq!(
            tick_labels(&a.ticks())[..2],
            ["8 MB".to_string(), "10 MB".to_string()]
        );
    }

    fn trend(n: usize) -> Value {
        Value::Array(
            (0..n)
                .map(|i| {
                    json!({"timestamp": format!("2024-05-{:02}T10:00:00Z", i % 28 + 1), "tag": format!("v{i}"),
                           "digest": format!("sha256:{i:064}"), "uncompressed_bytes": 100_000_000 + i * 1_000_000,
                           "compressed_bytes": 40_000_000 + i * 100_000})
                })
                .collect(),
        )
    }

    #[test]
    fn trend_chart_points() {
        for n in [0, 1, 2, 10, 700] {
            let out = page(&with_facts(json!({"trend": trend(n)})));
            let b = body(&out);
            let points = b.matches("<circle class=\"pt").count();
            assert_eq!(points, n.min(MAX_TREND_POINTS), "{n}");
            assert_eq!(
                b.matches("class=\"pt candidate\"").count(),
                usize::from(n > 0)
            );
            assert_eq!(b.contains("id=\"size-trend\""), n > 0);
            assert_eq!(b.contains("<polyline"), n > 1);
            if n == 0 {
                assert!(b.contains("No runs recorded yet."));
            }
            if n > MAX_TREND_POINTS {
                assert!(b.contains("(of 700)"));
            }
        }
        // The budget's limit is a dashed line; its candidate is highlighted.
        let out = page(&with_facts(json!({
            "trend": trend(5),
            "budget": {"verdict": "pass", "threshold_bytes": 10_000_000, "growth_bytes": 1_000_000,
                       "baseline": {"uncompressed_bytes": 102_000_000},
                       "candidate": {"digest": format!("sha256:{:064}", 3)}},
        })));
        assert!(out.contains("<line class=\"limit\""));
        assert!(out.contains("budget limit 112.0 MB"));
        let cand = out.find("class=\"pt candidate\"").unwrap();
        assert!(out[cand..].starts_with(&format!(
            "class=\"pt candidate\" cx=\"{:.1}\"",
            point_x(3, 5)
        )));
        // Compressed budgets chart the compressed size.
        let out = page(&with_facts(
            json!({"trend": trend(2), "budget": {"measure": "compressed"}}),
        ));
        assert!(out.contains("Image compressed size over the last 2 runs"));
        // Equal values and one huge value render finite coordinates.
        let out = page(&with_facts(json!({"trend": [
            {"uncompressed_bytes": 5}, {"uncompressed_bytes": 5}, {"uncompressed_bytes": u64::MAX},
            {"uncompressed_bytes": "7"}, {"uncompressed_bytes": "x"}, {"uncompressed_bytes": null}, 3, "s"
        ]})));
        assert_eq!(out.matches("<circle class=\"pt").count(), 4);
        assert!(!out.contains("NaN") && !out.contains("inf\"") && !out.contains("inf,"));
    }

    #[test]
    fn odd_facts_shapes() {
        let shapes = [
            json!(null),
            json!(1),
            json!("text"),
            json!([]),
            json!({}),
            json!({"image": 3, "budget": [], "trend": {}, "stages": "fast", "verdict": 7}),
            json!({"image": {}, "budget": {}, "trend": [], "stages": []}),
            json!({"image": {"layers": "x", "top_wasted": {}, "binaries": [1, null, []], "user": 5, "command": "sh"}}),
            json!({"layers": [], "efficiency": "high"}),
            json!({"layers": [{"index": -1, "digest": 5, "uncompressed_bytes": -3.5, "created_by": ["x"]}], "efficiency": null}),
            json!({"budget": {"verdict": null, "growth_bytes": "lots", "baseline": 3, "candidate": [], "grew": {"layers": 1, "files": [1, {"path": 2}]}}}),
            json!({"budget": {"threshold_percent": 5, "baseline": {"uncompressed_bytes": 1e308}}, "trend": [{"uncompressed_bytes": 1e308}]}),
            json!({"trend": [{"uncompressed_bytes": 1, "timestamp": -99999999999999i64}, {"uncompressed_bytes": 2, "timestamp": 1.5e300}]}),
            json!({"stages": [{"name": "lint", "millis": -5}, {"millis": 1e300}, {}, 4]}),
        ];
        for facts in shapes {
            let out = page(&with_facts(facts.clone()));
            assert!(out.ends_with("</html>\n"), "{facts}");
            assert!(!body(&out).contains("NaN"), "{facts}");
        }
        // `plimsoll image` facts are recognised at the top level.
        let out = page(&with_facts(
            json!({"reference": "app:1", "layers": [{"index": 0, "digest": "sha256:abc"}], "efficiency": 0.9}),
        ));
        assert!(out.contains("<section id=\"image\">"));
        assert!(out.contains("90.0 %"));
        // Facts of other gates are not an image.
        let out = page(&with_facts(json!({"layers": []})));
        assert!(!out.contains("<section id=\"image\">"));
    }

    #[test]
    fn image_tables() {
        let out = page(&with_facts(json!({"image": {
            "reference": "registry.example/app:1.2",
            "platform": "linux/amd64",
            "user": {"spec": "app", "uid": 1001, "gid": 1001, "name": "app"},
            "compressed_bytes": 30_000_000u64, "uncompressed_bytes": 80_000_000u64,
            "efficiency": 0.95, "wasted_bytes": 4_000_000u64, "user_wasted_percent": 0.05, "reclaimable_bytes": 2_000_000u64,
            "layers": [{"index": 0, "digest": "sha256:aaaaaaaaaaaaaaaaaaaa", "compressed_bytes": 1, "files_bytes": 70_000_000u64, "created_by": "ADD rootfs /"},
                       {"index": 1, "digest": "sha256:bbbb", "files_bytes": 10_000_000u64, "created_by": "RUN make"}],
            "top_wasted": [{"path": "/var/cache/apt.bin", "bytes": 2_000_000u64, "layer": 1, "created_by": "RUN make", "hidden_by": 2, "how": "deleted"}],
            "binaries": [{"path": "/bin/ok", "verdict": "runs", "reason": "fine", "entrypoint": false},
                         {"path": "/app/server", "verdict": "fails", "reason": "glibc missing", "entrypoint": true, "kind": "elf", "libc": "glibc"}],
        }})));
        let b = body(&out);
        assert!(b.contains("app (1001:1001)"));
        assert!(
            b.contains("<code title=\"sha256:aaaaaaaaaaaaaaaaaaaa\">sha256:aaaaaaaaaaaa</code>")
        );
        assert!(b.contains("70.0 MB"));
        assert!(b.contains("/var/cache/apt.bin"));
        assert!(b.contains("1 of 2 binaries will not start."));
        // Failing binaries first, highlighted.
        let fails = b.find("<tr class=\"fails\">").unwrap();
        let runs = b.find("<tr class=\"runs\">").unwrap();
        assert!(fails < runs);
        assert!(b[fails..runs].contains("/app/server"));
        assert!(b.contains("registry.example/app:1.2"));
    }

    #[test]
    fn budget_box_and_stages() {
        let out = page(&with_facts(json!({
            "budget": {"class": "service", "action": "block", "verdict": "block",
                       "growth_bytes": 12_300_000, "threshold_bytes": 10_000_000, "threshold_percent": 5,
                       "baseline": {"tag": "v1", "digest": "sha256:1111", "uncompressed_bytes": 100_000_000, "compressed_bytes": 40_000_000, "timestamp": 1_700_000_000},
                       "candidate": {"tag": "v2", "digest": "sha256:2222", "uncompressed_bytes": 112_300_000, "compressed_bytes": 41_000_000, "timestamp": "2024-06-01T00:00:00Z"},
                       "grew": {"layers": [{"index": 3, "created_by": "RUN npm ci", "delta_bytes": 12_000_000}],
                                "directories": [{"path": "/app/node_modules", "delta_bytes": 11_000_000}],
                                "files": [{"path": "/app/big.bin", "delta_bytes": -1_000}]}},
            "stages": [{"name": "pull", "millis": 1200, "findings": 0, "status": "ok"},
                       {"name": "rules", "millis": 30, "findings": 2, "status": "fail"}],
        })));
        let b = body(&out);
        assert!(b.contains("<section id=\"budget\" class=\"budget budget-block\">"));
        assert!(b.contains("Size budget: <span class=\"budget-verdict\">BLOCK</span>"));
        assert!(b.contains("<strong>+12.3 MB</strong>"));
        assert!(b.contains("the budget allows 10.0 MB (5 %)"));
        assert!(b.contains("2023-11-14 22:13 UTC"));
        assert!(b.contains("+12.3 MB</td>"));
        assert!(b.contains("RUN npm ci"));
        assert!(b.contains("/app/node_modules"));
        assert!(b.contains("−1.0 kB"));
        assert!(b.contains("<header class=\"verdict fail\""));
        assert!(b.contains("<section id=\"stages\">"));
        assert!(b.contains("1.20 s"));
        assert!(b.contains("<span class=\"bad\">fail</span>"));
        assert!(b.contains("1.23 s</td>"));
        assert!(b.contains("<a href=\"#budget\">Size budget</a>"));
    }

    #[test]
    fn deterministic() {
        let r = with_facts(json!({"trend": trend(10), "stages": [{"name": "a", "millis": 1}]}));
        assert_eq!(page(&r), page(&r));
    }
}
