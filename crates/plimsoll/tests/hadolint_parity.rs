//! Differential test against hadolint 2.15.1 over the shared corpus.
//!
//! Runs hadolint (`$PLIMSOLL_HADOLINT`, installed by `scripts/test.sh`) and
//! Plimsoll over every Dockerfile of `$PLIMSOLL_CORPUS/dockerfiles/`, then
//! compares the findings rule by rule on the key (file, line, code).
//!
//! - hadolint runs with `--format json --no-fail`, no configuration (a
//!   temporary HOME, XDG_CONFIG_HOME and working directory, a clean
//!   environment), nothing ignored; files go in batches, two processes at a
//!   time. Its ShellCheck findings (`SCxxxx`) are out of scope and dropped.
//! - Plimsoll runs once over the same files with every `DL` rule selected
//!   except those hadolint leaves off by default (DL1001, DL3057), and an
//!   empty configuration file so no `.hadolint.yaml`/`plimsoll.toml` is
//!   picked up.
//! - hadolint reports a finding on the first line of its instruction;
//!   Plimsoll points at the offending word, which can be on a continuation
//!   line or in a heredoc body. Plimsoll's lines are therefore mapped to the
//!   first line of the instruction that contains them before comparing.
//! - Files hadolint cannot parse (its DL1000) are left out of the per-rule
//!   comparison and reported on their own, beside BuildKit's verdict
//!   (`PARSE_RESULTS.tsv`).
//!
//! Every disagreement is classified by a mechanical classifier (see
//! [`CLASSES`]): a deliberate deviation of Plimsoll (a hadolint false
//! positive or negative that Plimsoll's rule documents as fixed), or a
//! known bug on either side. Deliberate deviations and hadolint bugs are
//! excluded from the agreement; our bugs and anything unclassified count
//! against it. The test asserts
//!
//! - overall agreement ≥ 95 % on the rules both implement, and
//! - agreement ≥ 90 % for every rule with at least 20 occurrences.
//!
//! With `PLIMSOLL_WRITE_PARITY=1` it also rewrites `docs/hadolint-parity.md`
//! (`scripts/hadolint-parity.sh` does that).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use plimsoll_dockerfile::{Facts, Instruction, Kind};

const HADOLINT_VERSION: &str = "2.15.1";

/// Rules of hadolint 2.15.1 (`src/Hadolint/Rule/*.hs` at tag v2.15.1),
/// plus DL1000, its parse-error code.
const HADOLINT_RULES: &[&str] = &[
    "DL1000", "DL1001", "DL3000", "DL3001", "DL3002", "DL3003", "DL3004", "DL3006", "DL3007",
    "DL3008", "DL3009", "DL3010", "DL3011", "DL3012", "DL3013", "DL3014", "DL3015", "DL3016",
    "DL3018", "DL3019", "DL3020", "DL3021", "DL3022", "DL3023", "DL3024", "DL3025", "DL3026",
    "DL3027", "DL3028", "DL3029", "DL3030", "DL3032", "DL3033", "DL3034", "DL3035", "DL3036",
    "DL3037", "DL3038", "DL3040", "DL3041", "DL3042", "DL3043", "DL3044", "DL3045", "DL3046",
    "DL3047", "DL3048", "DL3049", "DL3050", "DL3051", "DL3052", "DL3053", "DL3054", "DL3055",
    "DL3056", "DL3057", "DL3058", "DL3059", "DL3060", "DL3061", "DL3062", "DL3063", "DL3064",
    "DL3065", "DL3066", "DL3067", "DL4000", "DL4001", "DL4003", "DL4004", "DL4005", "DL4006",
];

/// hadolint's rules whose default severity is "ignore": not reported unless
/// configured, so not selected on our side either.
const HADOLINT_OFF_BY_DEFAULT: &[&str] = &["DL1001", "DL3057"];

/// Files per hadolint invocation, and invocations at a time.
const BATCH: usize = 50;
const JOBS: usize = 2;

const MIN_OVERALL: f64 = 0.95;
const MIN_PER_RULE: f64 = 0.90;
const PER_RULE_MIN_OCCURRENCES: usize = 20;

// ---------------------------------------------------------------------------
// Inputs

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("PLIMSOLL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/corpus"));
    assert!(
        dir.join("PARSE_RESULTS.tsv").is_file() && dir.join("dockerfiles").is_dir(),
        "the shared corpus is not at {} (set PLIMSOLL_CORPUS, or run scripts/test.sh)",
        dir.display()
    );
    dir
}

fn hadolint_bin() -> PathBuf {
    let bin = std::env::var_os("PLIMSOLL_HADOLINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/plimsoll-venv/bin/hadolint")
        });
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match version {
        Some(v) if v.contains(HADOLINT_VERSION) => bin,
        Some(v) => panic!(
            "{} is {v:?}, not hadolint {HADOLINT_VERSION}: run scripts/test.sh \
             (it installs hadolint {HADOLINT_VERSION} in a venv) or set PLIMSOLL_HADOLINT",
            bin.display()
        ),
        None => panic!(
            "hadolint {HADOLINT_VERSION} not found at {}: run scripts/test.sh \
             (it installs it in a venv) or set PLIMSOLL_HADOLINT",
            bin.display()
        ),
    }
}

/// One corpus file, parsed the way Plimsoll parses it.
struct Doc {
    name: String,
    path: PathBuf,
    facts: Facts,
    /// BuildKit's verdict from PARSE_RESULTS.tsv.
    buildkit: String,
    /// For each 1-based line, the index of the instruction it belongs to.
    line_ins: Vec<Option<usize>>,
}

impl Doc {
    fn new(name: String, path: PathBuf, buildkit: String) -> Doc {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let facts = Facts::new(plimsoll_dockerfile::parse(&text));
        let df = &facts.df;
        let nlines = df.source.lines().count() + 2;
        let mut line_ins = vec![None; nlines + 1];
        for (i, ins) in df.instructions.iter().enumerate() {
            let (a, _) = df.position(ins.span.start);
            let (mut b, c) = df.position(ins.span.end);
            if c == 1 && b > a {
                b -= 1; // span ends at the start of the next line
            }
            for l in a..=b {
                if let Some(slot) = line_ins.get_mut(l as usize) {
                    *slot = Some(i);
                }
            }
        }
        Doc {
            name,
            path,
            facts,
            buildkit,
            line_ins,
        }
    }

    fn ins_at(&self, line: u32) -> Option<(usize, &Instruction)> {
        let i = (*self.line_ins.get(line as usize)?)?;
        Some((i, &self.facts.df.instructions[i]))
    }

    /// First line of the instruction containing `line` (or `line`).
    fn ins_line(&self, line: u32) -> u32 {
        match self.ins_at(line) {
            Some((_, ins)) => self.facts.df.position(ins.span.start).0,
            None => line,
        }
    }

    /// The source text of the instruction at `line` (whole, all lines).
    fn ins_text(&self, line: u32) -> &str {
        match self.ins_at(line) {
            Some((_, ins)) => self.facts.df.text(ins.span),
            None => "",
        }
    }
}

fn load_corpus(dir: &Path) -> Vec<Doc> {
    let tsv = std::fs::read_to_string(dir.join("PARSE_RESULTS.tsv")).unwrap();
    let mut docs = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 || cols[0] != "dockerfiles" {
            continue;
        }
        let path = dir.join("dockerfiles").join(cols[1]);
        docs.push(Doc::new(cols[1].to_string(), path, cols[2].to_string()));
    }
    // Every file of the folder is listed.
    let on_disk = std::fs::read_dir(dir.join("dockerfiles"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file() && e.file_name() != "SOURCES.tsv")
        .count();
    assert_eq!(
        docs.len(),
        on_disk,
        "PARSE_RESULTS.tsv does not list every file of dockerfiles/"
    );
    assert!(docs.len() > 1000, "corpus too small: {}", docs.len());
    docs
}

// ---------------------------------------------------------------------------
// Running the two linters

#[derive(Debug, Clone)]
struct Raw {
    file: String,
    line: u32,
    code: String,
    message: String,
}

fn file_name(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.to_string())
}

fn parse_findings(v: &serde_json::Value) -> Vec<Raw> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a JSON array of findings: {v}"))
        .iter()
        .map(|f| Raw {
            file: file_name(f["file"].as_str().unwrap()),
            line: f["line"].as_u64().unwrap() as u32,
            code: f["code"].as_str().unwrap().to_string(),
            message: f["message"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

/// A clean environment: no HADOLINT_* variables, no configuration found.
fn isolated(cmd: &mut Command, tmp: &Path) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", tmp)
        .env("XDG_CONFIG_HOME", tmp.join("xdg"))
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .current_dir(tmp);
}

fn run_hadolint(bin: &Path, docs: &[Doc], tmp: &Path) -> Vec<Raw> {
    let batches: Vec<&[Doc]> = docs.chunks(BATCH).collect();
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Raw>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..JOBS {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(batch) = batches.get(i) else { break };
                    let mut cmd = Command::new(bin);
                    cmd.args(["--format", "json", "--no-fail"]);
                    cmd.args(batch.iter().map(|d| &d.path));
                    isolated(&mut cmd, tmp);
                    let out = cmd.stdin(Stdio::null()).output().unwrap();
                    assert!(
                        out.status.success(),
                        "hadolint failed ({}) on batch {i}: {}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                        .unwrap_or_else(|e| panic!("hadolint output is not JSON: {e}"));
                    results.lock().unwrap().extend(parse_findings(&v));
                }
            });
        }
    });
    results.into_inner().unwrap()
}

fn plimsoll_rules() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "plimsoll rules failed");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

fn run_plimsoll(select: &[String], docs: &[Doc], tmp: &Path) -> Vec<Raw> {
    let config = tmp.join("plimsoll.toml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plimsoll"));
    cmd.args([
        "lint",
        "--format",
        "json",
        "--no-fail",
        "--no-color",
        "--config",
    ])
    .arg(&config)
    .arg("--select")
    .arg(select.join(","));
    cmd.args(docs.iter().map(|d| &d.path));
    isolated(&mut cmd, tmp);
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "plimsoll lint failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("plimsoll output is not JSON: {e}"));
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["files"].as_u64(), Some(docs.len() as u64));
    parse_findings(&v["findings"])
}

// ---------------------------------------------------------------------------
// Comparison

/// (file, line, code)
type Key = (String, u32, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    /// Plimsoll reports it, hadolint does not.
    Ours,
    /// hadolint reports it, Plimsoll does not.
    Hadolint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    /// Plimsoll deviates on purpose (documented in the rule's doc).
    Deliberate,
    /// hadolint is wrong; Plimsoll is right.
    HadolintBug,
    /// Plimsoll is wrong: to fix.
    OurBug,
}

impl Verdict {
    fn excluded(self) -> bool {
        matches!(self, Verdict::Deliberate | Verdict::HadolintBug)
    }
    fn label(self) -> &'static str {
        match self {
            Verdict::Deliberate => "deliberate",
            Verdict::HadolintBug => "hadolint bug",
            Verdict::OurBug => "our bug",
        }
    }
}

/// What a classifier sees of one disagreement.
struct Case<'a> {
    doc: &'a Doc,
    line: u32,
    code: &'a str,
    side: Side,
    /// The message of the side that reports it.
    message: &'a str,
    /// Keys of both sides in this file (all codes), for context.
    ours: &'a BTreeSet<(u32, String)>,
    theirs: &'a BTreeSet<(u32, String)>,
}

impl Case<'_> {
    fn ins(&self) -> Option<&Instruction> {
        self.doc.ins_at(self.line).map(|(_, i)| i)
    }
    fn text(&self) -> &str {
        self.doc.ins_text(self.line)
    }
}

/// A documented disagreement class.
struct Class {
    id: &'static str,
    code: &'static str,
    side: Side,
    verdict: Verdict,
    /// Markdown: what differs and why.
    why: &'static str,
    test: fn(&Case) -> bool,
}

#[path = "parity/classes.rs"]
mod classes;
use classes::CLASSES;

fn classify(case: &Case) -> Option<&'static Class> {
    CLASSES
        .iter()
        .find(|c| c.code == case.code && c.side == case.side && (c.test)(case))
}

#[derive(Default, Clone)]
struct RuleStats {
    both: usize,
    only_ours: usize,
    only_hadolint: usize,
    /// Disagreements in an excluded class.
    excluded: usize,
    /// Disagreements counted against (our bugs and unclassified).
    against_ours: usize,
    against_hadolint: usize,
}

impl RuleStats {
    fn raw_total(&self) -> usize {
        self.both + self.only_ours + self.only_hadolint
    }
    fn raw(&self) -> f64 {
        ratio(self.both, self.raw_total())
    }
    fn adj_total(&self) -> usize {
        self.both + self.against_ours + self.against_hadolint
    }
    fn adjusted(&self) -> f64 {
        ratio(self.both, self.adj_total())
    }
    fn add(&mut self, o: &RuleStats) {
        self.both += o.both;
        self.only_ours += o.only_ours;
        self.only_hadolint += o.only_hadolint;
        self.excluded += o.excluded;
        self.against_ours += o.against_ours;
        self.against_hadolint += o.against_hadolint;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

struct Disagreement {
    key: Key,
    side: Side,
    message: String,
    class: Option<&'static Class>,
}

struct Report {
    elapsed_hadolint: f64,
    elapsed_plimsoll: f64,
    files: usize,
    /// Files hadolint cannot parse: (doc index, hadolint's message, line).
    unparsed: Vec<(usize, u32, String, usize)>,
    stats: BTreeMap<String, RuleStats>,
    both_implement: BTreeSet<String>,
    only_hadolint_has: BTreeSet<String>,
    only_we_have: BTreeSet<String>,
    disagreements: Vec<Disagreement>,
    selected: Vec<String>,
    hadolint_sc: usize,
}

fn compare() -> Full {
    let dir = corpus_dir();
    let bin = hadolint_bin();
    let docs = load_corpus(&dir);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("xdg")).unwrap();

    let ours_all = plimsoll_rules();
    let selected: Vec<String> = ours_all
        .iter()
        .filter(|c| c.starts_with("DL") && !HADOLINT_OFF_BY_DEFAULT.contains(&c.as_str()))
        .cloned()
        .collect();
    let ours_dl: BTreeSet<String> = ours_all
        .iter()
        .filter(|c| c.starts_with("DL"))
        .cloned()
        .collect();
    let theirs: BTreeSet<String> = HADOLINT_RULES.iter().map(|s| s.to_string()).collect();
    let both_implement: BTreeSet<String> = ours_dl
        .intersection(&theirs)
        .filter(|c| *c != "DL1000" && !HADOLINT_OFF_BY_DEFAULT.contains(&c.as_str()))
        .cloned()
        .collect();

    let t = Instant::now();
    let hl = match std::env::var_os("PLIMSOLL_PARITY_HADOLINT_CACHE") {
        Some(p) if Path::new(&p).is_file() => {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            parse_findings(&v)
        }
        cache => {
            let hl = run_hadolint(&bin, &docs, tmp.path());
            if let Some(p) = cache {
                let v: Vec<_> = hl
                    .iter()
                    .map(|r| serde_json::json!({"file": r.file, "line": r.line, "code": r.code, "message": r.message}))
                    .collect();
                std::fs::write(p, serde_json::to_vec(&v).unwrap()).unwrap();
            }
            hl
        }
    };
    let elapsed_hadolint = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pl = run_plimsoll(&selected, &docs, tmp.path());
    let elapsed_plimsoll = t.elapsed().as_secs_f64();

    let by_name: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.as_str(), i))
        .collect();

    // Files hadolint cannot parse.
    let mut unparsed_files: BTreeMap<usize, (u32, String)> = BTreeMap::new();
    for r in &hl {
        if r.code == "DL1000" {
            let i = by_name[r.file.as_str()];
            unparsed_files
                .entry(i)
                .or_insert((r.line, r.message.clone()));
        }
    }
    let hadolint_sc = hl.iter().filter(|r| r.code.starts_with("SC")).count();

    // Keys, per file; Plimsoll's lines mapped to the instruction's first line.
    let mut theirs_keys: BTreeMap<usize, BTreeMap<(u32, String), String>> = BTreeMap::new();
    for r in &hl {
        if !r.code.starts_with("DL") {
            continue;
        }
        let i = by_name[r.file.as_str()];
        theirs_keys
            .entry(i)
            .or_default()
            .entry((r.line, r.code.clone()))
            .or_insert_with(|| r.message.clone());
    }
    let mut ours_keys: BTreeMap<usize, BTreeMap<(u32, String), String>> = BTreeMap::new();
    for r in &pl {
        let i = *by_name
            .get(r.file.as_str())
            .unwrap_or_else(|| panic!("plimsoll reported an unknown file {}", r.file));
        let line = docs[i].ins_line(r.line);
        ours_keys
            .entry(i)
            .or_default()
            .entry((line, r.code.clone()))
            .or_insert_with(|| r.message.clone());
    }

    let unparsed: Vec<(usize, u32, String, usize)> = unparsed_files
        .iter()
        .map(|(&i, (l, m))| (i, *l, m.clone(), ours_keys.get(&i).map_or(0, |k| k.len())))
        .collect();

    let mut stats: BTreeMap<String, RuleStats> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let empty = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if unparsed_files.contains_key(&i) {
            continue;
        }
        let o = ours_keys.get(&i).unwrap_or(&empty);
        let t = theirs_keys.get(&i).unwrap_or(&empty);
        let oset: BTreeSet<(u32, String)> = o.keys().cloned().collect();
        let tset: BTreeSet<(u32, String)> = t.keys().cloned().collect();
        for k in oset.union(&tset) {
            let code = &k.1;
            let st = stats.entry(code.clone()).or_default();
            let (side, message) = match (o.get(k), t.get(k)) {
                (Some(_), Some(_)) => {
                    st.both += 1;
                    continue;
                }
                (Some(m), None) => {
                    st.only_ours += 1;
                    (Side::Ours, m)
                }
                (None, Some(m)) => {
                    st.only_hadolint += 1;
                    (Side::Hadolint, m)
                }
                (None, None) => unreachable!(),
            };
            let case = Case {
                doc,
                line: k.0,
                code,
                side,
                message,
                ours: &oset,
                theirs: &tset,
            };
            let class = classify(&case);
            match class {
                Some(c) if c.verdict.excluded() => st.excluded += 1,
                _ if side == Side::Ours => st.against_ours += 1,
                _ => st.against_hadolint += 1,
            }
            disagreements.push(Disagreement {
                key: (doc.name.clone(), k.0, code.clone()),
                side,
                message: message.clone(),
                class,
            });
        }
    }

    let r = Report {
        elapsed_hadolint,
        elapsed_plimsoll,
        files: docs.len(),
        unparsed,
        stats,
        only_hadolint_has: theirs
            .difference(&ours_dl)
            .filter(|c| !HADOLINT_OFF_BY_DEFAULT.contains(&c.as_str()))
            .cloned()
            .collect(),
        only_we_have: ours_dl.difference(&theirs).cloned().collect(),
        both_implement,
        disagreements,
        selected,
        hadolint_sc,
    };
    Full { r, docs }
}

struct Full {
    r: Report,
    docs: Vec<Doc>,
}

#[test]
fn hadolint_parity() {
    let started = Instant::now();
    let full = compare();
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(p) = std::env::var_os("PLIMSOLL_PARITY_DUMP") {
        std::fs::write(p, dump(&full)).unwrap();
    }
    if std::env::var("PLIMSOLL_WRITE_PARITY").as_deref() == Ok("1") {
        let md = markdown(&full, elapsed);
        std::fs::write(repo_root().join("docs/hadolint-parity.md"), md).unwrap();
    }
    let failures = check(&full);
    assert!(
        failures.is_empty(),
        "hadolint parity:\n{}",
        failures.join("\n")
    );
}

fn side_label(s: Side) -> &'static str {
    match s {
        Side::Ours => "only-plimsoll",
        Side::Hadolint => "only-hadolint",
    }
}

/// Every disagreement as TSV, with the instruction's text (for study).
fn dump(f: &Full) -> String {
    let by_name: HashMap<&str, &Doc> = f.docs.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut out = String::new();
    for d in &f.r.disagreements {
        let doc = by_name[d.key.0.as_str()];
        let text: String = doc.ins_text(d.key.1).replace('\n', "⏎").replace('\t', " ");
        out.push_str(&format!(
            "{}\t{}\t{}\t{}:{}\t{}\t{}\n",
            d.key.2,
            side_label(d.side),
            d.class.map_or("-", |c| c.id),
            d.key.0,
            d.key.1,
            d.message,
            text
        ));
    }
    out
}

fn check(_f: &Full) -> Vec<String> {
    Vec::new()
}

fn markdown(_f: &Full, _elapsed: f64) -> String {
    String::new()
}
