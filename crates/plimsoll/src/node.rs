//! `plimsoll node doctor`: what this node's kernel offers container memory
//! management — cgroup mode (v1, v2, hybrid, or ambiguous), the memory
//! cgroup's interface with fallbacks, one normalised view of its figures,
//! and findings (PN rules).
//!
//! Exit codes: 0 clean, 1 findings at or above the failure threshold, 2
//! when the mode is ambiguous (the conflicting facts are printed) or the
//! node cannot be read.

use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error};
use plimsoll_node::memcg::Value;
use plimsoll_node::{Doctor, Mode};
use plimsoll_report::{Format, Report, TtyOptions};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    #[command(subcommand)]
    pub command: NodeCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum NodeCommand {
    /// Diagnose this node: cgroup mode, memory controller, memcg interface, PSI, swap accounting.
    Doctor(DoctorArgs),
    /// Watch container memory cgroups and write alerts as JSON lines.
    Watch(WatchArgs),
}

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// Output format: tty or json.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
    /// The memory cgroup to probe: a cgroupfs directory, or a path inside
    /// the memory hierarchy (default: this process's own memory cgroup).
    #[arg(long, value_name = "PATH")]
    pub cgroup: Option<String>,
    /// Read /proc, /sys and /etc under this directory (tests, or a host
    /// filesystem mounted into a DaemonSet pod).
    #[arg(long, value_name = "PATH", default_value = "/", hide = true)]
    pub root: PathBuf,
    /// Exit 1 when a finding is at or above LEVEL: error, warning, info, style, none.
    #[arg(long, short = 't', value_name = "LEVEL", default_value = "error")]
    pub failure_threshold: String,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No colours in tty output.
    #[arg(long)]
    pub no_color: bool,
}

pub fn run(args: NodeArgs) -> u8 {
    match args.command {
        NodeCommand::Doctor(a) => doctor(a),
        NodeCommand::Watch(a) => watch(a),
    }
}

fn doctor(args: DoctorArgs) -> u8 {
    let format = match args.format.trim().to_ascii_lowercase().as_str() {
        "tty" => Format::Tty,
        "json" => Format::Json,
        other => {
            error(format!(
                "unknown format {other:?} for node doctor (tty or json)"
            ));
            return EXIT_ERROR;
        }
    };
    let Some(threshold) = crate::threshold_arg(&args.failure_threshold) else {
        return EXIT_ERROR;
    };
    let d = match plimsoll_node::doctor(&args.root, args.cgroup.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let findings = plimsoll_node::check(&d);
    let fails = findings.iter().any(|f| threshold.fails(f.severity));
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules = plimsoll_node::RULES
        .iter()
        .filter(|r| codes.contains(&r.meta.code))
        .map(|r| r.info())
        .collect();
    let facts = match serde_json::to_value(&d) {
        Ok(v) => v,
        Err(e) => {
            error(format!("cannot serialise the node facts: {e}"));
            return EXIT_ERROR;
        }
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal;
    let report = Report {
        findings,
        files: 1,
        sources: Default::default(),
        rules,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        facts: Some(facts.clone()),
    };
    let rendered = plimsoll_report::render(format, &report, &TtyOptions { color });
    let text = match format {
        Format::Json => match flatten_json(&rendered, facts) {
            Ok(t) => t,
            Err(e) => {
                error(e);
                return EXIT_ERROR;
            }
        },
        _ => format!("{}\n{rendered}", overview(&d)),
    };
    if let Err(e) = crate::write_report(args.output.as_deref(), &text) {
        error(e);
        return EXIT_ERROR;
    }
    if d.mode == Mode::Ambiguous {
        error(format!(
            "the cgroup mode is ambiguous, refusing to guess: {}",
            d.negotiation.conflicts.join("; ")
        ));
        return EXIT_ERROR;
    }
    if fails { EXIT_FINDINGS } else { EXIT_CLEAN }
}

/// The shared JSON contract (`version`, `findings`, `summary`) with the
/// node facts at the top level (`mode`, `memory_controller`, `psi`,
/// `kernel`, …) instead of under `facts`.
fn flatten_json(rendered: &str, facts: serde_json::Value) -> Result<String, String> {
    let mut doc: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(rendered).map_err(|e| format!("internal JSON error: {e}"))?;
    doc.remove("facts");
    if let serde_json::Value::Object(f) = facts {
        for (k, v) in f {
            doc.entry(k).or_insert(v);
        }
    }
    let mut s =
        serde_json::to_string_pretty(&doc).map_err(|e| format!("internal JSON error: {e}"))?;
    s.push('\n');
    Ok(s)
}

/// Binary units: cgroup limits are set in MiB/GiB.
fn human(b: u64) -> String {
    const K: f64 = 1024.0;
    let f = b as f64;
    if f >= K * K * K {
        format!("{:.2} GiB", f / (K * K * K))
    } else if f >= K * K {
        format!("{:.1} MiB", f / (K * K))
    } else if f >= K {
        format!("{:.1} KiB", f / K)
    } else {
        format!("{b} B")
    }
}

/// The facts a person wants first, before the findings.
fn overview(d: &Doctor) -> String {
    let e = &d.environment;
    let n = &d.negotiation;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "node {}  {}  {}  kernel {}",
        e.hostname.as_deref().unwrap_or("?"),
        e.architecture,
        e.os.as_deref().unwrap_or("unknown OS"),
        e.kernel.as_deref().unwrap_or("unknown")
    );
    let at = n
        .memory_mount
        .as_deref()
        .map(|m| format!(" at {m}"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "cgroup mode: {}  memory controller: {}{at}",
        d.mode.as_str(),
        d.memory_controller.as_str()
    );
    if !n.conflicts.is_empty() {
        let _ = writeln!(s, "conflicting facts:");
        for c in &n.conflicts {
            let _ = writeln!(s, "  - {c}");
        }
    }
    let _ = writeln!(s, "cgroup mounts:");
    if e.mounts.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for m in &e.mounts {
        let what = if let Some(name) = &m.name {
            format!("name={name}")
        } else if m.controllers_known {
            format!("[{}]", m.controllers.join(" "))
        } else {
            "[cgroup.controllers unreadable]".to_string()
        };
        let fs = match m.fstype {
            plimsoll_node::env::CgroupFs::Cgroup => "cgroup ",
            plimsoll_node::env::CgroupFs::Cgroup2 => "cgroup2",
        };
        let _ = writeln!(s, "  {fs}  {:<32} {what}", m.mount_point);
    }
    let runtimes: Vec<String> = e
        .runtimes
        .iter()
        .map(|r| format!("{} ({})", r.runtime, r.path))
        .collect();
    let _ = writeln!(
        s,
        "runtimes: {}",
        if runtimes.is_empty() {
            "no runtime socket seen".to_string()
        } else {
            runtimes.join(", ")
        }
    );
    let Some(p) = &d.cgroup else {
        let _ = writeln!(
            s,
            "PSI: {}",
            if d.psi { "available" } else { "unavailable" }
        );
        return s;
    };
    let _ = writeln!(
        s,
        "PSI: {}{}",
        if d.psi { "available" } else { "unavailable" },
        p.psi
            .cgroup_memory_pressure
            .as_deref()
            .map(|c| format!(" (cgroup: {c})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "swap accounting: {} ({})",
        match p.swap_accounting.enabled {
            Some(true) => "on",
            Some(false) => "off",
            None => "unknown",
        },
        p.swap_accounting.evidence
    );
    let _ = writeln!(s, "memory cgroup {}:", p.dir);
    let present: Vec<&str> = p
        .files
        .iter()
        .filter(|f| f.exists)
        .map(|f| f.name.as_str())
        .collect();
    let absent: Vec<&str> = p
        .files
        .iter()
        .filter(|f| !f.exists)
        .map(|f| f.name.as_str())
        .collect();
    let _ = writeln!(s, "  present: {}", present.join(" "));
    let _ = writeln!(s, "  absent:  {}", absent.join(" "));
    if let Some(m) = &d.memory {
        let _ = writeln!(s, "  {:<12} {:>12}  from", "figure", "value");
        let rows: [(&str, &Value); 8] = [
            ("usage", &m.usage),
            ("working set", &m.working_set),
            ("anon", &m.anon),
            ("file", &m.file),
            ("kernel", &m.kernel),
            ("swap", &m.swap),
            ("limit", &m.limit),
            ("high", &m.high),
        ];
        for (name, v) in rows {
            let val = match v.bytes {
                Some(b) => human(b),
                None if name == "limit" || name == "high" => "none".to_string(),
                None => "-".to_string(),
            };
            let _ = writeln!(s, "  {name:<12} {val:>12}  {}", v.sources.join(", "));
        }
    }
    s
}

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// Follow this cgroup too (a cgroupfs directory or a path inside the
    /// memory hierarchy); repeatable.
    #[arg(long = "cgroup", value_name = "PATH")]
    pub cgroups: Vec<String>,
    /// Follow only the --cgroup ones (no discovery of container cgroups).
    #[arg(long)]
    pub no_discover: bool,
    /// Follow every memory cgroup, not only containers.
    #[arg(long)]
    pub all_cgroups: bool,
    /// Seconds between polls.
    #[arg(long, value_name = "SECS", default_value = "1")]
    pub interval: f64,
    /// memory_limit_near fires at this percentage of the limit (1-100).
    #[arg(long, value_name = "PERCENT", default_value = "90")]
    pub near_percent: u8,
    /// oom_stuck fires after this many seconds under OOM without a kill.
    #[arg(long, value_name = "SECS", default_value = "5")]
    pub stuck_after: u64,
    /// Stop after this many polls (default: until SIGTERM/SIGINT).
    #[arg(long, value_name = "N")]
    pub rounds: Option<u64>,
    /// Append alerts to FILE (fsynced after every poll with alerts)
    /// instead of writing them to standard output.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Read /proc and /sys under this directory.
    #[arg(long, value_name = "PATH", default_value = "/", hide = true)]
    pub root: PathBuf,
}

/// A file whose flush is an fsync (the watch flushes after every poll
/// that wrote alerts).
struct Synced(std::fs::File);

impl std::io::Write for Synced {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.0.sync_data()
    }
}

fn watch(args: WatchArgs) -> u8 {
    use plimsoll_node::watch::{Config, Options, Watcher};
    if !(args.interval.is_finite() && args.interval >= 0.01 && args.interval <= 3600.0) {
        error(format!(
            "--interval {} is not between 0.01 and 3600 seconds",
            args.interval
        ));
        return EXIT_ERROR;
    }
    let opts = Options {
        root: args.root,
        cgroups: args.cgroups,
        discover: !args.no_discover,
        all: args.all_cgroups,
        interval: std::time::Duration::from_secs_f64(args.interval),
        rounds: args.rounds,
        config: Config {
            near_percent: args.near_percent,
            stuck_secs: args.stuck_after,
        },
        ..Options::default()
    };
    let w = match Watcher::new(opts) {
        Ok(w) => w,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    // SIGTERM and SIGINT stop the loop after the current poll; alerts
    // already written are flushed (and fsynced with --events), exit 0.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(sig, stop.clone()) {
            error(format!("cannot install a handler for signal {sig}: {e}"));
            return EXIT_ERROR;
        }
    }
    let result = match &args.events {
        Some(path) => {
            let file = match std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                Ok(f) => f,
                Err(e) => {
                    error(format!(
                        "{}: cannot open for appending: {e}",
                        path.display()
                    ));
                    return EXIT_ERROR;
                }
            };
            plimsoll_node::watch::watch(w, &mut Synced(file), &stop)
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            plimsoll_node::watch::watch(w, &mut lock, &stop)
        }
    };
    match result {
        Ok(_) => EXIT_CLEAN,
        Err(e) => {
            let to = args
                .events
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            error(format!("{to}: cannot write alerts: {e}"));
            EXIT_ERROR
        }
    }
}
