//! Prometheus metrics of the watch, in the text exposition format
//! (version 0.0.4), served over plain HTTP/1.1 by a small thread on a
//! `std::net::TcpListener`: `GET /metrics`, `GET /healthz` (the watch
//! loop ran recently: a liveness probe) and `GET /readyz` (the first
//! poll is done: a readiness probe).

use super::detect::AlertType;
use super::sample::Sample;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

/// One followed cgroup's last figures.
#[derive(Debug, Clone)]
struct Row {
    cgroup: String,
    container_id: Option<String>,
    hierarchy: &'static str,
    mechanism: &'static str,
    sample: Sample,
    /// When it was last read, at all and in full (Unix seconds).
    read_at: f64,
    full_at: Option<f64>,
}

#[derive(Debug, Default)]
struct State {
    rows: BTreeMap<String, Row>,
    alerts: BTreeMap<&'static str, u64>,
    wakeups: BTreeMap<&'static str, u64>,
    samples: u64,
    sample_errors: u64,
    webhook: BTreeMap<&'static str, u64>,
    node_pressure: Option<f64>,
    /// How long the last full poll took.
    poll_seconds: Option<f64>,
    last_loop: Option<Instant>,
    ready: bool,
}

/// The watch's metrics, shared between the watch loop and the server.
#[derive(Debug)]
pub struct Metrics {
    state: Mutex<State>,
    /// The watch loop is considered stuck when it has not run for this
    /// long.
    stale_after: Duration,
    started: SystemTime,
}

impl Metrics {
    /// `interval`: the polling interval (a loop older than three
    /// intervals, and at least 30 s, is stale).
    pub fn new(interval: Duration) -> Metrics {
        Metrics {
            state: Mutex::new(State::default()),
            stale_after: interval.saturating_mul(3).max(Duration::from_secs(30)),
            started: SystemTime::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere must not take the metrics down with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a cgroup's sample (keyed by its directory).
    pub fn cgroup(
        &self,
        key: &str,
        cgroup: &str,
        container_id: Option<&str>,
        hierarchy: &'static str,
        mechanism: &'static str,
        sample: &Sample,
    ) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let full = (!sample.partial).then_some(now);
        let mut s = self.lock();
        s.samples = s.samples.saturating_add(1);
        // Updated in place: no allocation per sample once a cgroup is known.
        if let Some(r) = s.rows.get_mut(key) {
            r.mechanism = mechanism;
            r.sample.clone_from(sample);
            r.read_at = now;
            r.full_at = full.or(r.full_at);
            return;
        }
        s.rows.insert(
            key.to_string(),
            Row {
                cgroup: cgroup.to_string(),
                container_id: container_id.map(str::to_string),
                hierarchy,
                mechanism,
                sample: sample.clone(),
                read_at: now,
                full_at: full,
            },
        );
    }

    /// A full poll finished after `took`.
    pub fn poll_done(&self, took: Duration) {
        self.lock().poll_seconds = Some(took.as_secs_f64());
    }

    /// Forgets a cgroup that went away.
    pub fn forget(&self, key: &str) {
        self.lock().rows.remove(key);
    }

    pub fn sample_error(&self) {
        let mut s = self.lock();
        s.sample_errors = s.sample_errors.saturating_add(1);
    }

    pub fn alert(&self, t: AlertType) {
        let mut s = self.lock();
        let e = s.alerts.entry(t.as_str()).or_insert(0);
        *e = e.saturating_add(1);
    }

    /// A wake-up by `source` (`interval`, `eventfd`, `inotify`,
    /// `psi_trigger`).
    pub fn wake(&self, source: &'static str) {
        let mut s = self.lock();
        let e = s.wakeups.entry(source).or_insert(0);
        *e = e.saturating_add(1);
    }

    /// A webhook delivery outcome: `ok`, `failed` or `dropped`.
    pub fn webhook(&self, result: &'static str) {
        let mut s = self.lock();
        let e = s.webhook.entry(result).or_insert(0);
        *e = e.saturating_add(1);
    }

    pub fn node_pressure(&self, avg10: Option<f64>) {
        self.lock().node_pressure = avg10;
    }

    /// The loop ran (liveness); `polled`: a full poll finished
    /// (readiness).
    pub fn tick(&self, polled: bool) {
        let mut s = self.lock();
        s.last_loop = Some(Instant::now());
        s.ready |= polled;
    }

    /// The watch loop ran within the staleness bound.
    pub fn healthy(&self) -> bool {
        self.lock()
            .last_loop
            .is_some_and(|t| t.elapsed() <= self.stale_after)
    }

    /// The first full poll is done.
    pub fn ready(&self) -> bool {
        self.lock().ready
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let s = self.lock();
        let mut o = String::with_capacity(4096 + s.rows.len() * 1024);
        let version = env!("CARGO_PKG_VERSION");
        family(
            &mut o,
            "plimsoll_build_info",
            "gauge",
            "Plimsoll's version.",
        );
        let _ = writeln!(o, "plimsoll_build_info{{version=\"{}\"}} 1", esc(version));

        family(
            &mut o,
            "plimsoll_watch_cgroups",
            "gauge",
            "Cgroups followed, by how the watch learns of their changes (eventfd, inotify, or poll only).",
        );
        for mech in ["eventfd", "inotify", "poll"] {
            let n = s.rows.values().filter(|r| r.mechanism == mech).count();
            let _ = writeln!(o, "plimsoll_watch_cgroups{{mechanism=\"{mech}\"}} {n}");
        }
        family(
            &mut o,
            "plimsoll_watch_wakeups_total",
            "counter",
            "Times the watch woke up, by cause.",
        );
        for src in ["interval", "eventfd", "inotify", "psi_trigger"] {
            let n = s.wakeups.get(src).copied().unwrap_or(0);
            let _ = writeln!(o, "plimsoll_watch_wakeups_total{{source=\"{src}\"}} {n}");
        }
        family(
            &mut o,
            "plimsoll_watch_samples_total",
            "counter",
            "Cgroup samples read.",
        );
        let _ = writeln!(o, "plimsoll_watch_samples_total {}", s.samples);
        family(
            &mut o,
            "plimsoll_watch_sample_errors_total",
            "counter",
            "Cgroup samples that failed for a reason other than the cgroup going away.",
        );
        let _ = writeln!(o, "plimsoll_watch_sample_errors_total {}", s.sample_errors);
        if let Some(p) = s.poll_seconds {
            family(
                &mut o,
                "plimsoll_watch_poll_duration_seconds",
                "gauge",
                "How long the last full poll (rediscovery and a sample of every cgroup) took.",
            );
            let _ = writeln!(o, "plimsoll_watch_poll_duration_seconds {p}");
        }
        family(
            &mut o,
            "plimsoll_alerts_total",
            "counter",
            "Alerts raised, by type.",
        );
        for t in AlertType::ALL {
            let n = s.alerts.get(t.as_str()).copied().unwrap_or(0);
            let _ = writeln!(
                o,
                "plimsoll_alerts_total{{alert_type=\"{}\"}} {n}",
                t.as_str()
            );
        }
        family(
            &mut o,
            "plimsoll_webhook_deliveries_total",
            "counter",
            "Webhook deliveries of alerts, by result (ok, failed after retries, dropped when the queue was full).",
        );
        for r in ["ok", "failed", "dropped"] {
            let n = s.webhook.get(r).copied().unwrap_or(0);
            let _ = writeln!(o, "plimsoll_webhook_deliveries_total{{result=\"{r}\"}} {n}");
        }
        if let Some(p) = s.node_pressure {
            family(
                &mut o,
                "plimsoll_node_memory_pressure_some_avg10",
                "gauge",
                "PSI some avg10 of /proc/pressure/memory, percent.",
            );
            let _ = writeln!(o, "plimsoll_node_memory_pressure_some_avg10 {}", num(p));
        }

        type Get = fn(&Sample) -> Option<f64>;
        let gauges: [(&str, &str, &str, Get); 7] = [
            (
                "plimsoll_cgroup_memory_usage_bytes",
                "gauge",
                "Memory charged to the cgroup (v1 memory.usage_in_bytes, v2 memory.current).",
                |x| Some(x.usage as f64),
            ),
            (
                "plimsoll_cgroup_memory_working_set_bytes",
                "gauge",
                "Usage minus inactive file pages, as kubelet computes it.",
                |x| x.working_set.map(|v| v as f64),
            ),
            (
                "plimsoll_cgroup_memory_limit_bytes",
                "gauge",
                "The hard limit (v1 memory.limit_in_bytes, v2 memory.max); absent when unlimited.",
                |x| x.limit.map(|v| v as f64),
            ),
            (
                "plimsoll_cgroup_memory_high_bytes",
                "gauge",
                "v2 memory.high; absent when unset.",
                |x| x.high.map(|v| v as f64),
            ),
            (
                "plimsoll_cgroup_memory_peak_bytes",
                "gauge",
                "Highest usage seen (v1 memory.max_usage_in_bytes, v2 memory.peak).",
                |x| x.peak.map(|v| v as f64),
            ),
            (
                "plimsoll_cgroup_memory_under_oom",
                "gauge",
                "1 while the v1 cgroup is under OOM (memory.oom_control under_oom).",
                |x| x.under_oom.map(|b| if b { 1.0 } else { 0.0 }),
            ),
            (
                "plimsoll_cgroup_memory_pressure_some_avg10",
                "gauge",
                "PSI some avg10 of the cgroup's own memory.pressure, percent.",
                |x| x.pressure_avg10,
            ),
        ];
        for (name, kind, help, get) in gauges {
            family(&mut o, name, kind, help);
            for r in s.rows.values() {
                if let Some(v) = get(&r.sample) {
                    let _ = writeln!(o, "{name}{{{}}} {}", labels(r, None), num(v));
                }
            }
        }
        // How fresh the figures are: a cgroup whose notifications cover it
        // is read in full at one poll in --full-every and otherwise only
        // as far as they do not (see `node watch --help`).
        type When = fn(&Row) -> Option<f64>;
        let times: [(&str, &str, When); 2] = [
            (
                "plimsoll_cgroup_last_read_timestamp_seconds",
                "When the cgroup was last read (the usage and the max counter are as of then), Unix seconds.",
                |r| Some(r.read_at),
            ),
            (
                "plimsoll_cgroup_last_full_read_timestamp_seconds",
                "When the cgroup was last read in full (working set, limits, peak, OOM state and PSI are as of then), Unix seconds.",
                |r| r.full_at,
            ),
        ];
        for (name, help, when) in times {
            family(&mut o, name, "gauge", help);
            for r in s.rows.values() {
                if let Some(t) = when(r) {
                    let _ = writeln!(o, "{name}{{{}}} {t:.3}", labels(r, None));
                }
            }
        }
        family(
            &mut o,
            "plimsoll_cgroup_memory_oom_kills_total",
            "counter",
            "Processes the OOM killer killed in the cgroup (v1 memory.oom_control oom_kill, v2 memory.events oom_kill).",
        );
        for r in s.rows.values() {
            if let Some(v) = r.sample.oom_kills {
                let _ = writeln!(
                    o,
                    "plimsoll_cgroup_memory_oom_kills_total{{{}}} {v}",
                    labels(r, None)
                );
            }
        }
        family(
            &mut o,
            "plimsoll_cgroup_memory_events_total",
            "counter",
            "The kernel's memory event counters: max (v1 failcnt + memsw.failcnt, v2 memory.events max), high, oom, oom_kill (v2 memory.events).",
        );
        for r in s.rows.values() {
            let events = [
                ("max", r.sample.max_hits),
                ("high", r.sample.high_events),
                ("oom", r.sample.oom_events),
                ("oom_kill", r.sample.oom_kills),
            ];
            for (ev, v) in events {
                if let Some(v) = v {
                    let _ = writeln!(
                        o,
                        "plimsoll_cgroup_memory_events_total{{{}}} {v}",
                        labels(r, Some(ev))
                    );
                }
            }
        }
        drop(s);
        process_metrics(&mut o, self.started);
        o
    }
}

fn family(o: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(
        o,
        "# HELP {name} {}",
        help.replace('\\', "\\\\").replace('\n', "\\n")
    );
    let _ = writeln!(o, "# TYPE {name} {kind}");
}

/// A label value escaped as the exposition format wants.
pub fn esc(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// A sample value: integers without a fraction, others as Rust prints
/// them (`NaN`, `+Inf` never occur: figures are finite).
fn num(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{}", v as i64)
    } else if v.is_finite() {
        format!("{v}")
    } else {
        "NaN".to_string()
    }
}

fn labels(r: &Row, event: Option<&str>) -> String {
    let mut l = format!(
        "cgroup=\"{}\",container_id=\"{}\",hierarchy=\"{}\"",
        esc(&r.cgroup),
        esc(r.container_id.as_deref().unwrap_or("")),
        r.hierarchy
    );
    if let Some(e) = event {
        let _ = write!(l, ",event=\"{e}\"");
    }
    l
}

/// The standard `process_*` metrics, from `/proc/self`.
fn process_metrics(o: &mut String, started: SystemTime) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3; utime 14, stime 15, num_threads 20,
    // starttime 22, vsize 23, rss 24 (1-based).
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    let ticks = super::sys::clock_ticks() as f64;
    if let (Some(u), Some(s)) = (field(14), field(15)) {
        family(
            o,
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds.",
        );
        let _ = writeln!(o, "process_cpu_seconds_total {}", (u + s) as f64 / ticks);
    }
    if let Some(rss) = field(24) {
        family(
            o,
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
        );
        let _ = writeln!(
            o,
            "process_resident_memory_bytes {}",
            rss.saturating_mul(super::sys::page_size())
        );
    }
    if let Some(vs) = field(23) {
        family(
            o,
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
        );
        let _ = writeln!(o, "process_virtual_memory_bytes {vs}");
    }
    if let Some(n) = field(20) {
        family(
            o,
            "process_threads",
            "gauge",
            "Number of OS threads in the process.",
        );
        let _ = writeln!(o, "process_threads {n}");
    }
    if let Ok(rd) = std::fs::read_dir("/proc/self/fd") {
        family(
            o,
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
        );
        let _ = writeln!(o, "process_open_fds {}", rd.count().saturating_sub(1));
    }
    let (soft, _) = super::sys::nofile_limits();
    family(
        o,
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
    );
    let _ = writeln!(o, "process_max_fds {soft}");
    family(
        o,
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
    );
    let start = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let _ = writeln!(o, "process_start_time_seconds {:.3}", start);
}

/// Most connections handled at once (each has short timeouts).
const MAX_CONNECTIONS: usize = 16;
/// Largest request head read.
const MAX_REQUEST: usize = 8 * 1024;

/// Serves `/metrics`, `/healthz` and `/readyz` on `listener` from a
/// background thread (and a short-lived thread per connection, at most
/// [`MAX_CONNECTIONS`]). The thread ends with the process.
pub fn serve(listener: TcpListener, metrics: Arc<Metrics>) -> std::io::Result<()> {
    let active = Arc::new(AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("plimsoll-metrics".into())
        .spawn(move || {
            for conn in listener.incoming() {
                let Ok(stream) = conn else {
                    // EMFILE and friends: back off instead of spinning.
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                };
                if active.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                    let _ = respond(
                        &stream,
                        "503 Service Unavailable",
                        "text/plain",
                        "busy\n",
                        false,
                    );
                    continue;
                }
                active.fetch_add(1, Ordering::Relaxed);
                let m = metrics.clone();
                let a = active.clone();
                let spawned = std::thread::Builder::new()
                    .name("plimsoll-metrics-conn".into())
                    .spawn(move || {
                        handle(stream, &m);
                        a.fetch_sub(1, Ordering::Relaxed);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::Relaxed);
                }
            }
        })?;
    Ok(())
}

fn respond(
    mut s: &TcpStream,
    status: &str,
    ctype: &str,
    body: &str,
    head_only: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())?;
    if !head_only {
        s.write_all(body.as_bytes())?;
    }
    s.flush()
}

/// The request line's method and path of a request head (None until the
/// head is complete or when it is malformed).
pub fn request_line(head: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(head).ok()?;
    let line = text.split("\r\n").next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?;
    let version = parts.next()?;
    if !version.starts_with("HTTP/1.") || parts.next().is_some() {
        return None;
    }
    let path = target.split('?').next().unwrap_or(target).to_string();
    Some((method, path))
}

fn handle(mut stream: TcpStream, m: &Metrics) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
            break;
        }
        if buf.len() > MAX_REQUEST {
            let _ = respond(
                &stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                "too large\n",
                false,
            );
            return;
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
            Err(_) => return,
        }
    }
    let Some((method, path)) = request_line(&buf) else {
        let _ = respond(
            &stream,
            "400 Bad Request",
            "text/plain",
            "bad request\n",
            false,
        );
        return;
    };
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        let _ = respond(
            &stream,
            "405 Method Not Allowed",
            "text/plain",
            "GET only\n",
            false,
        );
        return;
    }
    let _ = match path.as_str() {
        "/metrics" => respond(
            &stream,
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            &m.render(),
            head_only,
        ),
        "/healthz" | "/livez" => {
            if m.healthy() {
                respond(&stream, "200 OK", "text/plain", "ok\n", head_only)
            } else {
                respond(
                    &stream,
                    "503 Service Unavailable",
                    "text/plain",
                    "the watch loop has not run recently\n",
                    head_only,
                )
            }
        }
        "/readyz" => {
            if m.ready() {
                respond(&stream, "200 OK", "text/plain", "ready\n", head_only)
            } else {
                respond(
                    &stream,
                    "503 Service Unavailable",
                    "text/plain",
                    "the first poll has not finished\n",
                    head_only,
                )
            }
        }
        "/" => respond(
            &stream,
            "200 OK",
            "text/html; charset=utf-8",
            "<html><body><a href=\"/metrics\">/metrics</a></body></html>\n",
            head_only,
        ),
        _ => respond(
            &stream,
            "404 Not Found",
            "text/plain",
            "not found\n",
            head_only,
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(esc("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.5), "2.5");
    }

    #[test]
    fn request_lines() {
        assert_eq!(
            request_line(b"GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            Some(("GET".into(), "/metrics".into()))
        );
        assert_eq!(request_line(b"GET /metrics\r\n\r\n"), None);
        assert_eq!(request_line(b"\xff\xfe"), None);
        assert_eq!(request_line(b"GET / HTTP/2 x\r\n\r\n"), None);
    }

    #[test]
    fn renders_families_once_with_rows() {
        let m = Metrics::new(Duration::from_secs(1));
        let s = Sample {
            usage: 4096,
            limit: Some(8192),
            working_set: Some(1024),
            oom_kills: Some(2),
            max_hits: Some(5),
            pressure_avg10: Some(1.25),
            ..Sample::default()
        };
        m.cgroup("/x", "/docker/\"odd\"", Some("abc"), "v1", "eventfd", &s);
        m.alert(AlertType::OomKill);
        m.alert(AlertType::OomKill);
        m.wake("eventfd");
        let text = m.render();
        for line in [
            "plimsoll_cgroup_memory_usage_bytes{cgroup=\"/docker/\\\"odd\\\"\",container_id=\"abc\",hierarchy=\"v1\"} 4096",
            "plimsoll_cgroup_memory_limit_bytes{cgroup=\"/docker/\\\"odd\\\"\",container_id=\"abc\",hierarchy=\"v1\"} 8192",
            "plimsoll_cgroup_memory_oom_kills_total{cgroup=\"/docker/\\\"odd\\\"\",container_id=\"abc\",hierarchy=\"v1\"} 2",
            "plimsoll_cgroup_memory_events_total{cgroup=\"/docker/\\\"odd\\\"\",container_id=\"abc\",hierarchy=\"v1\",event=\"max\"} 5",
            "plimsoll_cgroup_memory_pressure_some_avg10{cgroup=\"/docker/\\\"odd\\\"\",container_id=\"abc\",hierarchy=\"v1\"} 1.25",
            "plimsoll_alerts_total{alert_type=\"oom_kill\"} 2",
            "plimsoll_alerts_total{alert_type=\"leak_suspected\"} 0",
            "plimsoll_watch_wakeups_total{source=\"eventfd\"} 1",
            "plimsoll_watch_cgroups{mechanism=\"eventfd\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        // Every family is declared once, before its samples.
        let mut seen = std::collections::HashSet::new();
        for l in text.lines().filter(|l| l.starts_with("# TYPE ")) {
            assert!(seen.insert(l.to_string()), "{l} twice");
        }
        assert!(
            !text.contains("plimsoll_cgroup_memory_high_bytes{"),
            "unset high is absent"
        );
        assert!(text.contains("\nprocess_resident_memory_bytes "));
        // Freshness: a full reading sets both times, a quick one only the
        // first.
        let stamp = |text: &str, name: &str| -> Option<f64> {
            text.lines()
                .find(|l| l.starts_with(&format!("{name}{{")))
                .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        };
        let read = "plimsoll_cgroup_last_read_timestamp_seconds";
        let full = "plimsoll_cgroup_last_full_read_timestamp_seconds";
        let (r0, f0) = (stamp(&text, read).unwrap(), stamp(&text, full).unwrap());
        assert!(r0 > 1.7e9 && (r0 - f0).abs() < 1e-3, "{r0} {f0}");
        std::thread::sleep(Duration::from_millis(20));
        let quick = Sample {
            partial: true,
            ..s.clone()
        };
        m.cgroup(
            "/x",
            "/docker/\"odd\"",
            Some("abc"),
            "v1",
            "eventfd",
            &quick,
        );
        let text = m.render();
        let (r1, f1) = (stamp(&text, read).unwrap(), stamp(&text, full).unwrap());
        assert!(r1 >= r0 + 0.015 && f1 == f0, "{r1} {f1} after {r0} {f0}");
        m.forget("/x");
        assert!(!m.render().contains("/docker/"));
        assert!(!m.healthy() && !m.ready());
        m.tick(true);
        assert!(m.healthy() && m.ready());
    }
}
