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
    /// Seconds between full polls; kernel notifications (v1 eventfd, v2
    /// inotify, and PSI triggers with --psi-triggers) wake the watch in
    /// between.
    #[arg(long, value_name = "SECS", default_value = "1")]
    pub interval: f64,
    /// A cgroup whose OOM and limit counters wake the watch (v1 eventfd
    /// on memory.oom_control, v2 inotify on memory.events) is read in full
    /// (memory.stat, limit, peak, OOM state, PSI) at one poll in N, spread
    /// over the polls, and at the others only its usage and v1 failcnt;
    /// notifications, and cgroups near their limit, under OOM or under
    /// pressure, are always read in full. 1: every poll reads everything.
    #[arg(long, value_name = "N", default_value = "10")]
    pub full_every: u32,
    /// Register no kernel notifications: poll every --interval only.
    #[arg(long)]
    pub poll_only: bool,
    /// memory_limit_near fires at this percentage of the limit (1-100).
    #[arg(long, value_name = "PERCENT", default_value = "90")]
    pub near_percent: u8,
    /// oom_stuck fires after this many seconds under OOM without a kill.
    #[arg(long, value_name = "SECS", default_value = "5")]
    pub stuck_after: u64,
    /// leak_suspected: working-set samples fitted (one per full reading,
    /// so the window spans N x --full-every x --interval); 0 switches leak
    /// detection off.
    #[arg(long, value_name = "N", default_value = "60")]
    pub leak_window: usize,
    /// leak_suspected: least working-set growth, bytes per second
    /// (suffixes KiB, MiB, GiB, KB, MB, GB allowed).
    #[arg(long, value_name = "BYTES", default_value = "64KiB")]
    pub leak_min_slope: String,
    /// leak_suspected: least R² of the linear fit (0-1).
    #[arg(long, value_name = "R2", default_value = "0.8")]
    pub leak_min_r2: f64,
    /// pressure_high fires when PSI `some avg10` exceeds this percentage.
    #[arg(long, value_name = "PERCENT", default_value = "10.0")]
    pub pressure_threshold: f64,
    /// Where pressure_high comes from: auto (the cgroup's PSI, else the
    /// node's, else v1 memory.pressure_level), psi, level, off.
    #[arg(long, value_name = "SOURCE", default_value = "auto")]
    pub pressure_source: String,
    /// Register PSI triggers so that memory pressure wakes the watch
    /// between polls: writes `some <stall> 10000000` to the cgroup's
    /// memory.pressure and to /proc/pressure/memory. Off by default: PSI
    /// `some avg10` is then read at each sample, and the watch writes
    /// nothing to cgroupfs except v1 event registrations
    /// (cgroup.event_control).
    #[arg(long)]
    pub psi_triggers: bool,
    /// Stop after this many full polls (default: until SIGTERM/SIGINT).
    #[arg(long, value_name = "N")]
    pub rounds: Option<u64>,
    /// Append alerts to FILE (fsynced after every batch of alerts)
    /// instead of writing them to standard output.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// POST every alert to this URL too (failures are warnings; 5 s
    /// timeout, 3 retries).
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Webhook body: generic (the alert JSON), slack, wecom.
    #[arg(long, value_name = "FORMAT", default_value = "generic")]
    pub webhook_format: String,
    /// Serve Prometheus metrics on ADDR (`/metrics`; `/healthz` and
    /// `/readyz` for probes), e.g. 127.0.0.1:9464 or 0.0.0.0:9464.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Log how each cgroup is watched and every wake-up to standard error.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Read /proc and /sys under this directory.
    #[arg(long, value_name = "PATH", default_value = "/", hide = true)]
    pub root: PathBuf,
}

/// The `--events` file. Lines are appended at once, so a reader sees them,
/// and each batch (a flush) is made durable by a thread of its own that
/// calls `fdatasync`. An fsync can take seconds while the node writes back
/// other dirty pages, and the watch's samples must not wait for it. A failed
/// fsync is returned by the next flush, and so ends the watch as a write
/// error would. Dropping it waits for the last fsync.
struct Synced {
    file: std::fs::File,
    wake: Option<std::sync::mpsc::Sender<()>>,
    syncer: Option<std::thread::JoinHandle<()>>,
    failed: std::sync::Arc<std::sync::Mutex<Option<std::io::Error>>>,
}

impl Synced {
    fn new(file: std::fs::File) -> std::io::Result<Synced> {
        let dup = file.try_clone()?;
        let failed = std::sync::Arc::new(std::sync::Mutex::new(None));
        let report = failed.clone();
        let (wake, rx) = std::sync::mpsc::channel::<()>();
        let syncer = std::thread::Builder::new()
            .name("events-fsync".into())
            .spawn(move || {
                let sync = || {
                    if let Err(e) = dup.sync_data()
                        && let Ok(mut f) = report.lock()
                    {
                        f.get_or_insert(e);
                    }
                };
                while rx.recv().is_ok() {
                    // One fsync covers the batches written meanwhile.
                    while rx.try_recv().is_ok() {}
                    sync();
                }
                sync();
            })?;
        Ok(Synced {
            file,
            wake: Some(wake),
            syncer: Some(syncer),
            failed,
        })
    }
}

impl std::io::Write for Synced {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()?;
        if let Some(e) = self.failed.lock().ok().and_then(|mut f| f.take()) {
            return Err(e);
        }
        if let Some(w) = &self.wake {
            let _ = w.send(());
        }
        Ok(())
    }
}

impl Drop for Synced {
    fn drop(&mut self) {
        self.wake.take();
        if let Some(t) = self.syncer.take() {
            let _ = t.join();
        }
    }
}

/// Bytes with an optional unit: `65536`, `64KiB`, `1.5MiB`, `2MB`.
fn bytes_arg(s: &str) -> Option<f64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let v = n * mult;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// The node an alert comes from: `NODE_NAME` (a DaemonSet sets it from
/// `spec.nodeName`), else the host name.
fn node_name(root: &std::path::Path) -> String {
    if let Ok(n) = std::env::var("NODE_NAME")
        && !n.trim().is_empty()
    {
        return n.trim().to_string();
    }
    plimsoll_node::read_text(&plimsoll_node::env::under(
        root,
        "/proc/sys/kernel/hostname",
    ))
    .ok()
    .flatten()
    .map(|h| h.trim().to_string())
    .filter(|h| !h.is_empty())
    .unwrap_or_else(|| "unknown".to_string())
}

/// The text a chat webhook gets for an alert.
fn alert_text(a: &plimsoll_node::watch::Alert, node: &str) -> String {
    let mut s = format!(
        "plimsoll: {} on node {node}: cgroup {}",
        a.alert_type.as_str(),
        a.cgroup
    );
    if let Some(c) = &a.container_id {
        let _ = write!(s, " (container {c})");
    }
    let _ = write!(s, ", usage {}", human(a.usage_bytes));
    if let Some(t) = a.threshold_bytes {
        let _ = write!(s, ", threshold {}", human(t));
    }
    if let Some(n) = a.count {
        let _ = write!(s, ", +{n}");
    }
    let e = &a.extra;
    if let (Some(slope), Some(r2)) = (e.slope_bytes_per_second, e.r2) {
        let _ = write!(
            s,
            ", working set rising {}/s (R² {r2:.2})",
            human(slope.max(0.0) as u64)
        );
    }
    if let (Some(p), Some(t)) = (e.pressure_avg10, e.pressure_threshold) {
        let _ = write!(s, ", PSI some avg10 {p:.2}% > {t}%");
    }
    if let Some(l) = e.pressure_level {
        let _ = write!(s, ", memory.pressure_level {l}");
    }
    let _ = write!(s, " at {}", a.timestamp);
    s
}

/// Posts alerts from a background thread so that a slow or dead
/// endpoint never holds up the watch; a full queue drops the alert (with
/// a warning).
struct Notifier {
    tx: Option<std::sync::mpsc::SyncSender<plimsoll_node::watch::Alert>>,
    done: std::sync::mpsc::Receiver<()>,
    metrics: std::sync::Arc<plimsoll_node::watch::Metrics>,
}

impl Notifier {
    fn start(
        hook: plimsoll_notify::Webhook,
        node: String,
        metrics: std::sync::Arc<plimsoll_node::watch::Metrics>,
    ) -> std::io::Result<Notifier> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<plimsoll_node::watch::Alert>(256);
        let (done_tx, done) = std::sync::mpsc::channel();
        let m = metrics.clone();
        std::thread::Builder::new()
            .name("plimsoll-webhook".into())
            .spawn(move || {
                for a in rx {
                    let mut event = serde_json::to_value(&a).unwrap_or(serde_json::Value::Null);
                    if let serde_json::Value::Object(o) = &mut event {
                        o.insert("node".into(), serde_json::Value::String(node.clone()));
                    }
                    match plimsoll_notify::send(&hook, &event, &alert_text(&a, &node)) {
                        Ok(_) => m.webhook("ok"),
                        Err(e) => {
                            m.webhook("failed");
                            eprintln!("plimsoll: warning: {e}");
                        }
                    }
                }
                let _ = done_tx.send(());
            })?;
        Ok(Notifier {
            tx: Some(tx),
            done,
            metrics,
        })
    }

    fn send(&self, a: &plimsoll_node::watch::Alert) {
        let Some(tx) = &self.tx else { return };
        if let Err(std::sync::mpsc::TrySendError::Full(_)) = tx.try_send(a.clone()) {
            self.metrics.webhook("dropped");
            eprintln!(
                "plimsoll: warning: webhook queue full, {} alert for {} not posted",
                a.alert_type.as_str(),
                a.cgroup
            );
        }
    }

    /// Lets queued deliveries finish, waiting at most `grace`.
    fn finish(mut self, grace: std::time::Duration) {
        self.tx = None;
        let _ = self.done.recv_timeout(grace);
    }
}

fn watch(args: WatchArgs) -> u8 {
    use plimsoll_node::watch::{Config, LeakConfig, Options, PressureSource, Sinks, Watcher};
    // A node agent's RSS is what its memory limit is set from: freed
    // memory (each full poll's rediscovery is transient) goes back to the
    // OS at once. Measured over 10,000 cgroups: peak RSS 46 MiB instead
    // of 60 MiB, for no measurable CPU.
    crate::lean_allocator();
    if !(args.interval.is_finite() && args.interval >= 0.01 && args.interval <= 3600.0) {
        error(format!(
            "--interval {} is not between 0.01 and 3600 seconds",
            args.interval
        ));
        return EXIT_ERROR;
    }
    if !(1..=3600).contains(&args.full_every) {
        error(format!(
            "--full-every {} is not between 1 and 3600 polls",
            args.full_every
        ));
        return EXIT_ERROR;
    }
    let Some(min_slope) = bytes_arg(&args.leak_min_slope) else {
        error(format!(
            "--leak-min-slope {:?} is not a number of bytes per second (e.g. 65536, 64KiB, 1MiB)",
            args.leak_min_slope
        ));
        return EXIT_ERROR;
    };
    let Some(pressure) = PressureSource::parse(&args.pressure_source) else {
        error(format!(
            "unknown --pressure-source {:?} (one of: {})",
            args.pressure_source,
            PressureSource::NAMES.join(", ")
        ));
        return EXIT_ERROR;
    };
    let Some(flavor) = plimsoll_notify::Flavor::parse(&args.webhook_format) else {
        error(format!(
            "unknown --webhook-format {:?} (one of: {})",
            args.webhook_format,
            plimsoll_notify::Flavor::NAMES.join(", ")
        ));
        return EXIT_ERROR;
    };
    if let Some(url) = &args.webhook
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        error(format!(
            "--webhook {} is not an http:// or https:// URL",
            plimsoll_notify::redact(url)
        ));
        return EXIT_ERROR;
    }
    let interval = std::time::Duration::from_secs_f64(args.interval);
    let opts = Options {
        root: args.root.clone(),
        cgroups: args.cgroups,
        discover: !args.no_discover,
        all: args.all_cgroups,
        interval,
        full_every: args.full_every,
        rounds: args.rounds,
        config: Config {
            near_percent: args.near_percent,
            stuck_secs: args.stuck_after,
            leak: LeakConfig {
                window: args.leak_window,
                min_slope,
                min_r2: args.leak_min_r2,
                min_spacing_ms: u64::try_from(interval.as_millis() / 2).unwrap_or(u64::MAX),
            },
            pressure_threshold: args.pressure_threshold,
            // Counter alerts at most once per interval per cgroup, as
            // when the watch only polled.
            counter_quiet_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
            ..Config::default()
        },
        events: !args.poll_only,
        pressure,
        psi_triggers: args.psi_triggers,
        verbose: args.verbose,
        ..Options::default()
    };
    let w = match Watcher::new(opts) {
        Ok(w) => w,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    if let Some(addr) = &args.listen {
        let listener = match std::net::TcpListener::bind(addr.as_str()) {
            Ok(l) => l,
            Err(e) => {
                error(format!("--listen {addr}: cannot listen: {e}"));
                return EXIT_ERROR;
            }
        };
        let shown = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| addr.clone());
        if let Err(e) = plimsoll_node::watch::metrics::serve(listener, w.metrics()) {
            error(format!(
                "--listen {addr}: cannot start the metrics server: {e}"
            ));
            return EXIT_ERROR;
        }
        eprintln!("plimsoll node watch: metrics on http://{shown}/metrics");
    }
    let notifier = match &args.webhook {
        Some(url) => match Notifier::start(
            plimsoll_notify::Webhook::new(url.clone(), flavor),
            node_name(&args.root),
            w.metrics(),
        ) {
            Ok(n) => Some(n),
            Err(e) => {
                error(format!("cannot start the webhook sender: {e}"));
                return EXIT_ERROR;
            }
        },
        None => None,
    };
    // SIGTERM and SIGINT stop the loop within 0.1 s; alerts already
    // written are flushed (and fsynced with --events), exit 0.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(e) = signal_hook::flag::register(sig, stop.clone()) {
            error(format!("cannot install a handler for signal {sig}: {e}"));
            return EXIT_ERROR;
        }
    }
    let mut log = |line: &str| eprintln!("plimsoll node watch: {line}");
    let mut post = |a: &plimsoll_node::watch::Alert| {
        if let Some(n) = &notifier {
            n.send(a);
        }
    };
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
            let mut out = match Synced::new(file) {
                Ok(o) => o,
                Err(e) => {
                    error(format!("{}: {e}", path.display()));
                    return EXIT_ERROR;
                }
            };
            let mut sinks = Sinks {
                out: &mut out,
                log: &mut log,
                alert: &mut post,
            };
            plimsoll_node::watch::run(w, &mut sinks, &stop)
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            let mut sinks = Sinks {
                out: &mut lock,
                log: &mut log,
                alert: &mut post,
            };
            plimsoll_node::watch::run(w, &mut sinks, &stop)
        }
    };
    if let Some(n) = notifier {
        n.finish(std::time::Duration::from_secs(5));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_file_lines_are_there_at_once_and_all_there_at_the_end() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("plimsoll-synced-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&dir)
            .unwrap();
        let mut out = Synced::new(file).unwrap();
        for i in 0..200 {
            writeln!(out, "{{\"n\":{i}}}").unwrap();
            out.flush().unwrap();
            // A reader sees each batch as soon as it is flushed, fsync or
            // not.
            if i % 50 == 0 {
                let text = std::fs::read_to_string(&dir).unwrap();
                assert_eq!(text.lines().count(), i + 1);
            }
        }
        drop(out);
        let text = std::fs::read_to_string(&dir).unwrap();
        assert_eq!(text.lines().count(), 200);
        assert_eq!(text.lines().last(), Some("{\"n\":199}"));
        std::fs::remove_file(&dir).unwrap();
    }

    #[test]
    fn byte_arguments() {
        assert_eq!(bytes_arg("65536"), Some(65536.0));
        assert_eq!(bytes_arg("64KiB"), Some(65536.0));
        assert_eq!(bytes_arg("1.5 MiB"), Some(1.5 * 1024.0 * 1024.0));
        assert_eq!(bytes_arg("2MB"), Some(2e6));
        assert_eq!(bytes_arg("-1"), None);
        assert_eq!(bytes_arg("10 parsecs"), None);
        assert_eq!(bytes_arg(""), None);
    }
}
