//! `plimsoll lint`: Dockerfiles in, findings out.

use crate::input::{InputError, find_dockerfiles, read_file, read_stdin};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error};
use plimsoll_config::{Config, Discovery};
use plimsoll_core::{Finding, Severity, Threshold};
use plimsoll_lint::DockerIgnore;
use plimsoll_report::{Format, Report, TtyOptions};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct LintArgs {
    /// Dockerfiles, directories to search (Dockerfile, Containerfile,
    /// *.Dockerfile, Dockerfile.*), or `-` for standard input. Default: `.`
    pub paths: Vec<PathBuf>,
    /// Output format: tty, json, sarif, junit, checkstyle, gitlab, github.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these rule codes or prefixes (comma-separated, e.g. PD,DL3008).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Never report these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Change a rule's severity, e.g. --severity DL3008=error (repeatable).
    #[arg(long, value_name = "CODE=LEVEL")]
    pub severity: Vec<String>,
    /// Exit 1 when a finding is at or above LEVEL: error, warning, info, style, none.
    #[arg(long, short = 't', value_name = "LEVEL")]
    pub failure_threshold: Option<String>,
    /// Always exit 0 when the input could be read, whatever the findings.
    #[arg(long)]
    pub no_fail: bool,
    /// Registry images may come from (repeatable; DL3026, PD001).
    #[arg(long = "trusted-registry", value_name = "REGISTRY")]
    pub trusted_registry: Vec<String>,
    /// Configuration file (plimsoll.toml, or a hadolint .yaml) instead of the search.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// No colours in tty output (also: NO_COLOR set, or output not a terminal).
    #[arg(long)]
    pub no_color: bool,
}

enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn display(&self) -> String {
        match self {
            Input::Stdin => "-".into(),
            Input::File(p) => p.display().to_string(),
        }
    }

    fn dir(&self) -> PathBuf {
        match self {
            Input::Stdin => PathBuf::from("."),
            Input::File(p) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        }
    }
}

/// The command-line part of the configuration, applied over files'.
struct Overrides {
    select: Vec<String>,
    ignore: Vec<String>,
    severity: Vec<(String, Severity)>,
    threshold: Option<Threshold>,
    trusted: Vec<String>,
}

fn overrides(args: &LintArgs) -> Result<Overrides, String> {
    let mut severity = Vec::new();
    for s in &args.severity {
        let (code, level) = s
            .split_once('=')
            .ok_or_else(|| format!("--severity expects CODE=LEVEL, got {s:?}"))?;
        let sev = Severity::parse(level).ok_or_else(|| {
            format!("--severity {s}: unknown level {level:?} (error, warning, info, style)")
        })?;
        severity.push((code.trim().to_ascii_uppercase(), sev));
    }
    let threshold = match &args.failure_threshold {
        Some(t) => Some(Threshold::parse(t).ok_or_else(|| {
            format!("--failure-threshold: unknown level {t:?} (error, warning, info, style, none)")
        })?),
        None => None,
    };
    let known = |c: &str| {
        plimsoll_lint::RULES
            .iter()
            .any(|r| r.meta.code.len() >= c.len() && r.meta.code[..c.len()].eq_ignore_ascii_case(c))
    };
    for c in args
        .select
        .iter()
        .chain(&args.ignore)
        .map(String::as_str)
        .chain(severity.iter().map(|s| s.0.as_str()))
    {
        if !c.trim().is_empty() && !known(c.trim()) {
            return Err(format!(
                "unknown rule code or prefix {c:?} (see `plimsoll rules`)"
            ));
        }
    }
    Ok(Overrides {
        select: args
            .select
            .iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect(),
        ignore: args.ignore.clone(),
        severity,
        threshold: if args.no_fail {
            Some(Threshold::None)
        } else {
            threshold
        },
        trusted: args.trusted_registry.clone(),
    })
}

fn apply(mut cfg: Config, o: &Overrides) -> Config {
    if !o.select.is_empty() {
        cfg.options.select = o.select.clone();
    }
    cfg.options.ignore.extend(o.ignore.iter().cloned());
    for (c, s) in &o.severity {
        cfg.options.severity.insert(c.clone(), *s);
    }
    if let Some(t) = o.threshold {
        cfg.threshold = t;
    }
    if !o.trusted.is_empty() {
        cfg.options.settings.trusted_registries = o.trusted.clone();
    }
    cfg
}

/// `<Dockerfile>.dockerignore` beside the file wins over `.dockerignore`,
/// as in BuildKit.
fn dockerignore_for(input: &Input) -> DockerIgnore {
    let Input::File(p) = input else {
        return DockerIgnore::Unknown;
    };
    dockerignore_of(p)
}

/// The `.dockerignore` that applies to the Dockerfile at `p`: its own
/// `NAME.dockerignore`, else the directory's `.dockerignore`.
pub fn dockerignore_of(p: &Path) -> DockerIgnore {
    let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
    let own = p
        .file_name()
        .map(|n| dir.join(format!("{}.dockerignore", n.to_string_lossy())));
    for cand in own
        .into_iter()
        .chain(std::iter::once(dir.join(".dockerignore")))
    {
        if cand.is_file() {
            return match read_file(&cand) {
                Ok(t) => DockerIgnore::Present(t),
                Err(_) => DockerIgnore::Present(String::new()),
            };
        }
    }
    DockerIgnore::Absent
}

struct Linted {
    name: String,
    findings: Vec<Finding>,
    source: String,
    threshold: Threshold,
}

pub fn run(args: LintArgs) -> u8 {
    let Some(format) = Format::parse(&args.format) else {
        error(format!(
            "unknown format {:?}; expected one of: {}",
            args.format,
            Format::NAMES.join(", ")
        ));
        return EXIT_ERROR;
    };
    let ov = match overrides(&args) {
        Ok(o) => o,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    if let Some(c) = &args.config
        && !c.is_file()
    {
        error(format!("{}: configuration file not found", c.display()));
        return EXIT_ERROR;
    }

    // Inputs.
    let mut failed = false;
    let mut inputs = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut stdin_seen = false;
    for p in &paths {
        if p.as_os_str() == "-" {
            if !stdin_seen {
                inputs.push(Input::Stdin);
                stdin_seen = true;
            }
        } else if p.is_dir() {
            let mut found = Vec::new();
            if let Err(InputError(e)) = find_dockerfiles(p, &mut found) {
                error(e);
                failed = true;
            }
            if found.is_empty() {
                error(format!(
                    "{}: no Dockerfiles found in this directory",
                    p.display()
                ));
                failed = true;
            }
            inputs.extend(found.into_iter().map(Input::File));
        } else if p.exists() {
            inputs.push(Input::File(p.clone()));
        } else {
            error(format!("{}: no such file or directory", p.display()));
            failed = true;
        }
    }

    // Configuration per directory (each directory and file looked at once).
    let mut discovery = Discovery::new(args.config.as_deref());
    let mut configs: HashMap<PathBuf, Config> = HashMap::new();
    let mut work = Vec::with_capacity(inputs.len());
    for input in inputs {
        let dir = input.dir();
        if !configs.contains_key(&dir) {
            match discovery.config_for(&dir) {
                Ok(c) => {
                    configs.insert(dir.clone(), apply(c, &ov));
                }
                Err(e) => {
                    error(e);
                    return EXIT_ERROR;
                }
            }
        }
        work.push((input, dir));
    }

    // Read stdin up front (it cannot be read from several threads).
    let results: Vec<Result<Linted, String>> = work
        .par_iter()
        .map(|(input, dir)| {
            let cfg = &configs[dir];
            let name = input.display();
            let source = match input {
                Input::Stdin => read_stdin(),
                Input::File(p) => read_file(p),
            }
            .map_err(|InputError(e)| e)?;
            let di = dockerignore_for(input);
            let findings = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                plimsoll_lint::lint(&name, &source, &di, &cfg.options)
            }))
            .map_err(|_| {
                format!("{name}: internal error while linting (a bug; please report it)")
            })?;
            Ok(Linted {
                name,
                findings,
                // Only code frames need the text; keep memory flat otherwise.
                source: if matches!(format, Format::Tty | Format::Html) {
                    source
                } else {
                    String::new()
                },
                threshold: cfg.threshold,
            })
        })
        .collect();

    let mut findings = Vec::new();
    let mut sources = BTreeMap::new();
    let mut fails = false;
    let mut files = 0;
    for r in results {
        match r {
            Ok(l) => {
                files += 1;
                fails |= l.findings.iter().any(|f| l.threshold.fails(f.severity));
                findings.extend(l.findings);
                if matches!(format, Format::Tty | Format::Html) {
                    sources.insert(l.name, l.source);
                }
            }
            Err(e) => {
                error(e);
                failed = true;
            }
        }
    }
    match crate::incidents::load(args.config.as_deref()) {
        Ok(m) => crate::incidents::attach(&mut findings, &m),
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    }
    // Sorted here, in place, so the reporter need not copy them to sort.
    plimsoll_core::sort_findings(&mut findings);
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    // Metadata of the rules that have findings (SARIF lists them).
    let rules = plimsoll_lint::RULES
        .iter()
        .filter(|r| codes.contains(&r.meta.code))
        .map(|r| r.info())
        .collect();
    let report = Report {
        findings,
        files,
        sources,
        rules,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        facts: None,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal;
    let text = plimsoll_report::render(format, &report, &TtyOptions { color });
    let written = crate::write_report(args.output.as_deref(), &text);
    if let Err(e) = written {
        error(e);
        return EXIT_ERROR;
    }
    if failed {
        EXIT_ERROR
    } else if fails {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
