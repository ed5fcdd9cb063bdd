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
//!
//! For working on rules or classifiers: `PLIMSOLL_PARITY_DUMP=/tmp/p.tsv`
//! writes every disagreement (code, side, class, file:line, message, the
//! instruction's text) and the report as `/tmp/p.md`;
//! `PLIMSOLL_PARITY_HADOLINT_CACHE=/tmp/hl.json` saves hadolint's output on
//! the first run and reuses it afterwards (a few seconds instead of a
//! minute). The committed report is never written from a cache.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use plimsoll_dockerfile::{Facts, Instruction};

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

/// hadolint's path and `--version` line; panics (the test fails) when it
/// is missing or not 2.15.1.
fn hadolint_bin() -> (PathBuf, String) {
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
        Some(v) if v.contains(HADOLINT_VERSION) => (bin, v),
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

fn plimsoll_version() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .arg("--version")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
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

/// One file's keys of one linter: (line, code) -> (message, the line the
/// linter pointed at).
type FileKeys = BTreeMap<(u32, String), (String, u32)>;

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
}

/// A documented disagreement class.
struct Class {
    id: &'static str,
    /// The rules it applies to.
    codes: &'static [&'static str],
    side: Side,
    verdict: Verdict,
    /// Markdown: what differs and why.
    why: &'static str,
    test: fn(&Case) -> bool,
}

#[path = "parity/classes.rs"]
mod classes;
use classes::{CLASSES, hint};

fn classify(case: &Case) -> Option<&'static Class> {
    CLASSES
        .iter()
        .find(|c| c.codes.contains(&case.code) && c.side == case.side && (c.test)(case))
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
    /// Where the reporting side pointed (Plimsoll: its own line).
    at: u32,
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
    hadolint_version: String,
    plimsoll_version: String,
    /// hadolint's DL findings in all files (DL1000 files included).
    hadolint_total: usize,
    /// Plimsoll's findings in all files.
    plimsoll_total: usize,
}

fn compare() -> Full {
    let dir = corpus_dir();
    let (bin, hadolint_version) = hadolint_bin();
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
    let mut theirs_keys: BTreeMap<usize, FileKeys> = BTreeMap::new();
    for r in &hl {
        if !r.code.starts_with("DL") {
            continue;
        }
        let i = by_name[r.file.as_str()];
        theirs_keys
            .entry(i)
            .or_default()
            .entry((r.line, r.code.clone()))
            .or_insert_with(|| (r.message.clone(), r.line));
    }
    let mut ours_keys: BTreeMap<usize, FileKeys> = BTreeMap::new();
    for r in &pl {
        let i = *by_name
            .get(r.file.as_str())
            .unwrap_or_else(|| panic!("plimsoll reported an unknown file {}", r.file));
        let line = docs[i].ins_line(r.line);
        ours_keys
            .entry(i)
            .or_default()
            .entry((line, r.code.clone()))
            .or_insert_with(|| (r.message.clone(), r.line));
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
            let (side, (message, at)) = match (o.get(k), t.get(k)) {
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
            };
            let class = classify(&case);
            match class {
                Some(c) if c.verdict.excluded() => st.excluded += 1,
                _ if side == Side::Ours => st.against_ours += 1,
                _ => st.against_hadolint += 1,
            }
            disagreements.push(Disagreement {
                key: (doc.name.clone(), k.0, code.clone()),
                at: *at,
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
        hadolint_version,
        plimsoll_version: plimsoll_version(),
        hadolint_total: hl.iter().filter(|r| r.code.starts_with("DL")).count(),
        plimsoll_total: pl.len(),
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
    let t = overall(&full);
    eprintln!(
        "hadolint parity: {} files ({} unparsable by hadolint), {} rules compared; raw agreement {}, \
         agreement {} ({} both, {} explained, {} against); hadolint {:.0} s, Plimsoll {:.1} s, total {:.0} s",
        full.r.files,
        full.r.unparsed.len(),
        full.r.both_implement.len(),
        pct(t.raw()),
        pct(t.adjusted()),
        t.both,
        t.excluded,
        t.against_ours + t.against_hadolint,
        full.r.elapsed_hadolint,
        full.r.elapsed_plimsoll,
        started.elapsed().as_secs_f64()
    );
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(p) = std::env::var_os("PLIMSOLL_PARITY_DUMP") {
        std::fs::write(&p, dump(&full)).unwrap();
        let mut md = PathBuf::from(p);
        md.set_extension("md");
        std::fs::write(md, markdown(&full, started.elapsed().as_secs_f64())).unwrap();
    }
    if std::env::var("PLIMSOLL_WRITE_PARITY").as_deref() == Ok("1") {
        assert!(
            std::env::var_os("PLIMSOLL_PARITY_HADOLINT_CACHE").is_none(),
            "docs/hadolint-parity.md is written from a real hadolint run: unset PLIMSOLL_PARITY_HADOLINT_CACHE"
        );
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

/// Totals over the rules both linters implement.
fn overall(f: &Full) -> RuleStats {
    let mut t = RuleStats::default();
    for (code, st) in &f.r.stats {
        if f.r.both_implement.contains(code) {
            t.add(st);
        }
    }
    t
}

fn pct(x: f64) -> String {
    // Never round an imperfect agreement up to 100.0 %.
    if (0.9995..1.0).contains(&x) {
        return format!("{:.2} %", (x * 10_000.0).floor() / 100.0);
    }
    format!("{:.1} %", x * 100.0)
}

/// The assertions; each failure is one line.
fn check(f: &Full) -> Vec<String> {
    let mut out = Vec::new();
    // Both linters really ran.
    if f.r.hadolint_total < 1000 {
        out.push(format!(
            "hadolint reported only {} DL findings over {} files: did it run?",
            f.r.hadolint_total, f.r.files
        ));
    }
    if f.r.plimsoll_total < 1000 {
        out.push(format!(
            "Plimsoll reported only {} findings over {} files: did it run?",
            f.r.plimsoll_total, f.r.files
        ));
    }
    let t = overall(f);
    if t.adjusted() < MIN_OVERALL {
        out.push(format!(
            "overall agreement {} < {} on the rules both implement \
             (both {}, counted against: only Plimsoll {}, only hadolint {}; {} excluded as documented deviations)",
            pct(t.adjusted()),
            pct(MIN_OVERALL),
            t.both,
            t.against_ours,
            t.against_hadolint,
            t.excluded
        ));
    }
    for (code, st) in &f.r.stats {
        if !f.r.both_implement.contains(code) || st.raw_total() < PER_RULE_MIN_OCCURRENCES {
            continue;
        }
        if st.adjusted() < MIN_PER_RULE {
            out.push(format!(
                "{code}: agreement {} < {} (both {}, only Plimsoll {} of which {} unexplained, \
                 only hadolint {} of which {} unexplained)",
                pct(st.adjusted()),
                pct(MIN_PER_RULE),
                st.both,
                st.only_ours,
                st.against_ours,
                st.only_hadolint,
                st.against_hadolint
            ));
        }
    }
    if !out.is_empty() {
        let unexplained: Vec<String> =
            f.r.disagreements
                .iter()
                .filter(|d| d.class.is_none_or(|c| !c.verdict.excluded()))
                .take(40)
                .map(|d| {
                    format!(
                        "  {} {} {}:{} [{}] {}",
                        d.key.2,
                        side_label(d.side),
                        d.key.0,
                        d.key.1,
                        d.class.map_or("unclassified", |c| c.id),
                        d.message
                    )
                })
                .collect();
        out.push(format!(
            "first disagreements counted against agreement (PLIMSOLL_PARITY_DUMP=file writes all):\n{}",
            unexplained.join("\n")
        ));
    }
    out
}

/// Today's date (UTC), `YYYY-MM-DD`.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(f: &Full, elapsed: f64) -> String {
    use std::fmt::Write;
    let r = &f.r;
    let t = overall(f);
    let mut m = String::new();
    let w = &mut m;
    let _ = writeln!(w, "# Differential test against hadolint\n");
    let _ = writeln!(
        w,
        "Generated by `crates/plimsoll/tests/hadolint_parity.rs`; do not edit by hand. \
         To regenerate:\n\n    scripts/hadolint-parity.sh\n\nwhich runs\n\n    \
         PLIMSOLL_WRITE_PARITY=1 cargo test -p plimsoll --test hadolint_parity\n"
    );
    let _ = writeln!(w, "| | |\n|---|---|");
    let _ = writeln!(w, "| date | {} |", today());
    let _ = writeln!(
        w,
        "| hadolint | {} (`--format json --no-fail`, no configuration) |",
        r.hadolint_version
    );
    let _ = writeln!(
        w,
        "| Plimsoll | {} (`lint --format json --no-fail --select <{} DL codes: every DL rule but {}>`) |",
        r.plimsoll_version,
        r.selected.len(),
        HADOLINT_OFF_BY_DEFAULT.join(", ")
    );
    let _ = writeln!(
        w,
        "| corpus | `$PLIMSOLL_CORPUS/dockerfiles/`: {} Dockerfiles |",
        r.files
    );
    let _ = writeln!(
        w,
        "| run time | {elapsed:.0} s for the whole test (hadolint {:.0} s in {JOBS} processes, Plimsoll {:.1} s) |",
        r.elapsed_hadolint, r.elapsed_plimsoll
    );
    let _ = writeln!(
        w,
        "| findings | hadolint {} `DL` (+ {} ShellCheck `SC`, out of scope), Plimsoll {} |",
        r.hadolint_total, r.hadolint_sc, r.plimsoll_total
    );
    let _ = writeln!(w);

    let _ = writeln!(w, "## Result\n");
    let _ = writeln!(
        w,
        "On the {} rules both implement, over the {} files hadolint can parse:\n",
        r.both_implement.len(),
        r.files - r.unparsed.len()
    );
    let _ = writeln!(
        w,
        "- **raw agreement {}**: {} findings reported by both, {} only by Plimsoll, {} only by hadolint \
         (agreement = both / (both + only Plimsoll + only hadolint));",
        pct(t.raw()),
        t.both,
        t.only_ours,
        t.only_hadolint
    );
    let _ = writeln!(
        w,
        "- **agreement {} once the documented deviations are set aside**: {} of the {} disagreements \
         fall in a class below where Plimsoll deviates on purpose or hadolint is wrong; {} \
         (our bugs and unclassified) still count against it;",
        pct(t.adjusted()),
        t.excluded,
        t.only_ours + t.only_hadolint,
        t.against_ours + t.against_hadolint
    );
    let failing: Vec<String> = r
        .stats
        .iter()
        .filter(|(c, st)| {
            r.both_implement.contains(*c)
                && st.raw_total() >= PER_RULE_MIN_OCCURRENCES
                && st.adjusted() < MIN_PER_RULE
        })
        .map(|(c, st)| format!("{c} ({})", pct(st.adjusted())))
        .collect();
    let _ = writeln!(
        w,
        "- thresholds asserted by the test: overall ≥ {}, and ≥ {} for every rule with at least \
         {PER_RULE_MIN_OCCURRENCES} occurrences: {}.\n",
        pct(MIN_OVERALL),
        pct(MIN_PER_RULE),
        if t.adjusted() >= MIN_OVERALL && failing.is_empty() {
            "met".to_string()
        } else if failing.is_empty() {
            "overall threshold **not met**".to_string()
        } else {
            format!("**not met** by {}", failing.join(", "))
        }
    );

    let _ = writeln!(w, "## Per rule\n");
    let _ = writeln!(
        w,
        "A finding is the key (file, line, code). hadolint reports a finding on the first line \
         of its instruction; Plimsoll points at the offending word, so its line is mapped to the \
         first line of the instruction containing it. *Explained* counts the disagreements in a \
         deliberate-deviation or hadolint-bug class; *agreement* leaves them out.\n"
    );
    let _ = writeln!(
        w,
        "| rule | both | only Plimsoll | only hadolint | explained | raw agreement | agreement |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for code in &r.both_implement {
        let st = r.stats.get(code).cloned().unwrap_or_default();
        if st.raw_total() == 0 {
            let _ = writeln!(w, "| {code} | 0 | 0 | 0 | 0 | — | — |");
            continue;
        }
        let _ = writeln!(
            w,
            "| {code} | {} | {} | {} | {} | {} | {} |",
            st.both,
            st.only_ours,
            st.only_hadolint,
            st.excluded,
            pct(st.raw()),
            pct(st.adjusted())
        );
    }
    let _ = writeln!(
        w,
        "| **all** | **{}** | **{}** | **{}** | **{}** | **{}** | **{}** |\n",
        t.both,
        t.only_ours,
        t.only_hadolint,
        t.excluded,
        pct(t.raw()),
        pct(t.adjusted())
    );
    let zero: Vec<&str> = r
        .both_implement
        .iter()
        .filter(|c| r.stats.get(*c).is_none_or(|s| s.raw_total() == 0))
        .map(|c| c.as_str())
        .collect();
    if !zero.is_empty() {
        let _ = writeln!(
            w,
            "Neither linter reports {} on this corpus (the label rules DL3049–DL3058 need a \
             `label-schema` configuration, which this run does not give either linter).\n",
            zero.join(", ")
        );
    }
    let _ = writeln!(
        w,
        "Not compared: {} (off by default in hadolint, so not selected for Plimsoll either); \
         DL1000 (parse errors, below){}{}.\n",
        HADOLINT_OFF_BY_DEFAULT.join(", "),
        if r.only_hadolint_has.is_empty() {
            String::new()
        } else {
            format!(
                "; hadolint rules Plimsoll does not implement yet: {}",
                r.only_hadolint_has
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        if r.only_we_have.is_empty() {
            String::new()
        } else {
            format!(
                "; Plimsoll `DL` rules hadolint does not have: {}",
                r.only_we_have
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );

    // Disagreement classes.
    let _ = writeln!(w, "## Every disagreement, by class\n");
    let _ = writeln!(
        w,
        "Each disagreement is classified mechanically by the first matching classifier in \
         `crates/plimsoll/tests/parity/classes.rs` (it reads the instruction through Plimsoll's \
         parser: stages, variable scopes, the tokenized RUN script). *deliberate*: Plimsoll's rule \
         documents the different behaviour; *hadolint bug*: hadolint misreads the file or the \
         command; *our bug*: Plimsoll is wrong and the rule needs a fix. Deliberate deviations and \
         hadolint bugs are left out of the agreement; our bugs and unclassified disagreements count \
         against it.\n"
    );
    let mut by_class: BTreeMap<(usize, &str), Vec<&Disagreement>> = BTreeMap::new();
    let order: HashMap<&str, usize> = CLASSES.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut unclassified = Vec::new();
    for d in &r.disagreements {
        match d.class {
            Some(c) => by_class.entry((order[c.id], c.id)).or_default().push(d),
            None => unclassified.push(d),
        }
    }
    let _ = writeln!(
        w,
        "| class | rules | side | verdict | count |\n|---|---|---|---|---:|"
    );
    for ((_, id), ds) in &by_class {
        let c = ds[0].class.unwrap();
        let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
        for d in ds {
            *codes.entry(d.key.2.as_str()).or_default() += 1;
        }
        let codes: Vec<String> = codes.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
        let _ = writeln!(
            w,
            "| [`{id}`](#{id}) | {} | {} | {} | {} |",
            codes.join(", "),
            side_label(c.side),
            c.verdict.label(),
            ds.len()
        );
    }
    if !unclassified.is_empty() {
        let _ = writeln!(
            w,
            "| [unclassified](#unclassified) | | | counts against | {} |",
            unclassified.len()
        );
    }
    let _ = writeln!(w);
    for ((_, id), ds) in &by_class {
        let c = ds[0].class.unwrap();
        let _ = writeln!(w, "### {id}\n");
        let _ = writeln!(
            w,
            "*{}, {}, {} finding{}.* {}\n",
            c.verdict.label(),
            side_label(c.side),
            ds.len(),
            if ds.len() == 1 { "" } else { "s" },
            c.why
        );
        let _ = writeln!(w, "Examples:\n");
        // Spread the examples over files.
        let mut seen = BTreeSet::new();
        let mut shown = 0;
        for d in ds.iter() {
            if shown >= 4 {
                break;
            }
            let repo = d.key.0.split("__").take(2).collect::<Vec<_>>().join("__");
            if !seen.insert(repo) {
                continue;
            }
            shown += 1;
            let _ = writeln!(
                w,
                "- `{}:{}` {}: {}",
                d.key.0,
                d.key.1,
                d.key.2,
                md_escape(&example_text(f, d))
            );
        }
        let _ = writeln!(w);
    }
    if !unclassified.is_empty() {
        let _ = writeln!(w, "### unclassified\n");
        let _ = writeln!(
            w,
            "Disagreements no class explains yet; they count against agreement.\n"
        );
        for d in unclassified.iter().take(60) {
            let _ = writeln!(
                w,
                "- `{}:{}` {} {}: {} — {}",
                d.key.0,
                d.key.1,
                d.key.2,
                side_label(d.side),
                md_escape(&d.message),
                md_escape(&example_text(f, d))
            );
        }
        if unclassified.len() > 60 {
            let _ = writeln!(w, "- … and {} more", unclassified.len() - 60);
        }
        let _ = writeln!(w);
    }
    let unseen: Vec<&str> = CLASSES
        .iter()
        .filter(|c| !by_class.keys().any(|(_, id)| *id == c.id))
        .map(|c| c.id)
        .collect();
    if !unseen.is_empty() {
        let _ = writeln!(
            w,
            "Classes defined but not seen in this run: {}.\n",
            unseen
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    // Files hadolint cannot parse.
    let _ = writeln!(w, "## Files hadolint cannot parse\n");
    let _ = writeln!(
        w,
        "hadolint reports DL1000 (parse error) for {} of the {} files and lints nothing else in \
         them; they are left out of the comparison above. BuildKit's own parser accepts every one \
         of them (`PARSE_RESULTS.tsv`), and so does Plimsoll's (same instruction count, checked by \
         `crates/plimsoll-dockerfile/tests/corpus.rs`): Plimsoll reports no DL1000 and lints them \
         normally. These are hadolint parser limitations (mostly heredocs, BuildKit-only flags and \
         Windows escapes), not broken Dockerfiles.\n",
        r.unparsed.len(),
        r.files
    );
    let _ = writeln!(
        w,
        "| file | hadolint's error (line) | what trips hadolint | BuildKit's parser | Plimsoll |\n|---|---|---|---|---|"
    );
    let mut causes: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, line, msg, n) in &r.unparsed {
        let d = &f.docs[*i];
        let first = msg
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let cause = unparsed_cause(d, *line, msg);
        *causes.entry(cause).or_default() += 1;
        let ours = match d.facts.df.invalid.first() {
            Some(e) => format!(
                "parses ({} instructions); PD000 at line {}: {}",
                d.facts.df.instructions.len(),
                d.facts.df.position(e.span.start).0,
                md_escape(&e.message)
            ),
            None => format!(
                "parses ({} instructions), {n} DL finding{}",
                d.facts.df.instructions.len(),
                if *n == 1 { "" } else { "s" }
            ),
        };
        let _ = writeln!(
            w,
            "| `{}` | {} ({line}) | {cause} | {} | {ours} |",
            d.name,
            md_escape(&first.chars().take(70).collect::<String>()),
            if d.buildkit == "ok" {
                "accepts"
            } else {
                "rejects"
            },
        );
    }
    let _ = writeln!(w);
    let unflagged: Vec<&str> = r
        .unparsed
        .iter()
        .filter(|(i, line, msg, _)| {
            let d = &f.docs[*i];
            unparsed_cause(d, *line, msg) == "flag without `=value`"
                && d.facts.df.invalid.is_empty()
        })
        .map(|(i, ..)| f.docs[*i].name.as_str())
        .collect();
    let _ = writeln!(
        w,
        "By cause: {}.\n\nWhere BuildKit would still refuse to *build* the file (an unknown \
         instruction, `HEALTHCHECK` without arguments), Plimsoll reports PD000. The heredocs, \
         `RUN --mount` without `target` (BuildKit mounts at the working directory), empty `RUN`s, \
         Windows paths and quoting hadolint trips on are valid for BuildKit.{}{}{}\n",
        causes
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        if unflagged.is_empty() {
            String::new()
        } else {
            format!(
                " **Our bug:** a flag written without `=value` (`ADD --chmod 777 src /dst`) makes \
                 BuildKit refuse the build (\"missing a value on flag: chmod\"), but Plimsoll \
                 reports no PD000 there and reads the value as a source ({}).",
                unflagged
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        if r.unparsed.iter().any(|(i, ..)| {
            f.docs[*i]
                .facts
                .df
                .instructions
                .iter()
                .any(|x| x.json.is_some() && json_then_text(x))
        }) {
            " **Our bug:** Plimsoll reads `ENTRYPOINT [\"x\"] # comment` as exec form; \
             BuildKit's JSON parse fails on the trailing comment, so it runs the line in shell \
             form (and DL3025 should say so)."
        } else {
            ""
        },
        if causes.contains_key("`name:sha256:…` reference") {
            " `FROM name:sha256:<hex>` is an invalid reference that BuildKit refuses when it \
             resolves the image; Plimsoll does not report it (PD000 does not check image \
             references)."
        } else {
            ""
        }
    );

    let _ = writeln!(w, "## How the comparison is made\n");
    let _ = writeln!(
        w,
        "- hadolint runs over the files in batches of {BATCH}, {JOBS} processes at a time, with a \
         clean environment (temporary `HOME`, `XDG_CONFIG_HOME` and working directory, so no \
         `.hadolint.yaml` is found, and no `HADOLINT_*` variables), `--format json --no-fail`, \
         nothing ignored. Its `SC` findings (ShellCheck inside RUN) are out of scope and dropped.\n\
         - Plimsoll runs once over all files with an empty configuration file (`--config`, so no \
         `plimsoll.toml` or `.hadolint.yaml` is picked up) and `--select` listing every `DL` rule \
         except {} — hadolint's off-by-default rules — so off-by-default Plimsoll rules that \
         hadolint runs are on.\n\
         - Keys are compared as sets: several findings of one rule on one instruction count once \
         on each side.\n\
         - Inline `# hadolint ignore=` pragmas in the corpus apply to both linters.",
        HADOLINT_OFF_BY_DEFAULT.join(" and ")
    );
    m
}

/// `CMD ["x"] # comment`: text after the array, so BuildKit's JSON parse
/// fails and the line runs in shell form.
fn json_then_text(i: &Instruction) -> bool {
    let a = i.args.trim();
    a.starts_with('[') && !a.ends_with(']') && a.contains("] ")
}

/// Why hadolint's parser fails on a file BuildKit's parser accepts.
fn unparsed_cause(d: &Doc, line: u32, msg: &str) -> &'static str {
    let df = &d.facts.df;
    if msg.contains("mount flag") {
        return "`RUN --mount` without `target`";
    }
    let heredoc_before = df
        .instructions
        .iter()
        .any(|i| !i.heredocs.is_empty() && df.position(i.span.start).0 <= line);
    if heredoc_before {
        return "heredoc";
    }
    if let Some(e) = df.invalid.first() {
        if e.message
            .to_ascii_lowercase()
            .contains("unknown instruction")
        {
            return "unknown instruction";
        }
        return "instruction BuildKit rejects when building";
    }
    let at = d.ins_at(line).map(|(_, i)| i);
    const STRING_FLAGS: &[&str] = &[
        "chmod",
        "chown",
        "checksum",
        "from",
        "platform",
        "mount",
        "network",
        "security",
        "exclude",
        "interval",
        "timeout",
        "start-period",
        "start-interval",
        "retries",
    ];
    if at.is_some_and(|i| {
        i.flags.iter().any(|f| {
            f.value.is_none() && STRING_FLAGS.contains(&f.name.to_ascii_lowercase().as_str())
        })
    }) {
        // BuildKit: "missing a value on flag" when it builds.
        return "flag without `=value`";
    }
    if at.is_some_and(|i| i.args.trim().is_empty() && i.json.is_none() && i.heredocs.is_empty()) {
        return "instruction without arguments";
    }
    if at.is_some_and(json_then_text) {
        return "JSON array followed by a comment";
    }
    if msg.contains("invalid protocol") {
        return "variable in `EXPOSE`";
    }
    if msg.contains("image tag") {
        return "`name:sha256:…` reference";
    }
    if df.directives.escape_char == '`' || msg.contains("file paths") {
        return "Windows paths";
    }
    if msg.contains("expecting '\"'") || msg.contains("expecting '''") {
        return "quoting";
    }
    "other"
}

/// The most telling line of the instruction, shortened, for an example:
/// the first line with one of the class's hint words, else the line the
/// reporting linter pointed at.
fn example_text(f: &Full, d: &Disagreement) -> String {
    let Some(doc) = f.docs.iter().find(|x| x.name == d.key.0) else {
        return String::new();
    };
    let src = &doc.facts.df.source;
    let lines: Vec<&str> = src.lines().collect();
    let (first, last) = match doc.ins_at(d.key.1) {
        Some((_, ins)) => (
            doc.facts.df.position(ins.span.start).0,
            doc.facts.df.position(ins.span.end.saturating_sub(1)).0,
        ),
        None => (d.key.1, d.key.1),
    };
    let hints = d.class.map_or(&[][..], |c| hint(c.id));
    let pick = (first..=last)
        .find(|&l| {
            let t = lines.get(l as usize - 1).copied().unwrap_or("");
            !t.trim_start().starts_with('#') && hints.iter().any(|h| t.contains(h))
        })
        .unwrap_or(d.at.clamp(first, last));
    let mut t = lines
        .get(pick as usize - 1)
        .copied()
        .unwrap_or("")
        .trim()
        .trim_end_matches('\\')
        .trim_end()
        .to_string();
    if last > first {
        if pick > first {
            t = format!("… {t}");
        }
        if pick < last {
            t.push_str(" …");
        }
    }
    if t.chars().count() > 110 {
        t = t.chars().take(107).collect::<String>() + "…";
    }
    let t = format!("`{}`", t.replace('`', "ˋ"));
    if pick != d.key.1 {
        format!("{t} (line {pick})")
    } else {
        t
    }
}
