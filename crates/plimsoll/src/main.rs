//! `plimsoll`: the thin binary over Plimsoll's library crates.
//!
//! Exit codes, everywhere: 0 clean, 1 findings at or above the failure
//! threshold, 2 usage or input error.

mod check;
mod history;
mod image;
mod incidents;
mod input;
mod k8s;
mod lint;
mod node;
mod rules;

use clap::{Parser, Subcommand};

/// Linting allocates many small strings; mimalloc is markedly faster at
/// that than glibc's allocator (measured: see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "plimsoll",
    version,
    about = "Puts a load line on containers: stops broken, bloated or unsafe container deliveries in CI.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint Dockerfiles (files, directories searched for Dockerfiles, or `-` for stdin).
    Lint(lint::LintArgs),
    /// The CI gate: Dockerfile, image, size budget with history, and manifests, in one report.
    Check(check::CheckArgs),
    /// Show the size history of an image name (a table with a sparkline, or JSON).
    History(history::HistoryArgs),
    /// Analyse a built image: size and waste, hygiene, and whether its binaries will start.
    Image(image::ImageArgs),
    /// Check Kubernetes workload manifests (and, with --image, against the image they deploy).
    K8s(k8s::K8sArgs),
    /// Diagnose this node's cgroup memory setup: mode, memory controller, memcg interface, PSI.
    Node(node::NodeArgs),
    /// List every rule: code, default severity, category, summary.
    Rules(rules::RulesArgs),
    /// Print the full documentation of one rule.
    Rule {
        /// Rule code, e.g. DL3008 or PD007.
        code: String,
    },
}

/// Exit statuses.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Makes mimalloc give memory back to the OS at once instead of keeping
/// freed pages and pre-committed arenas: `plimsoll image` frees large
/// buffers (binaries read for analysis, per-layer structures) as it goes,
/// and its peak RSS is a promise (on the 1.4 GB bench image it halved the
/// peak at the same wall time; current figures in BENCHMARKS.md). The option numbers are those of mimalloc's
/// `mi_option_e` (v2 and v3 agree): `arena_eager_commit` = 4,
/// `purge_delay` = 15.
pub fn lean_allocator() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_set only stores an integer option; any value is valid.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

/// Switches transparent huge pages off for the process
/// (`PR_SET_THP_DISABLE`), first thing in `main`. With huge pages every
/// first touch of a 2 MiB region of mimalloc's arenas faulted in and
/// zeroed a whole huge page, again after each purge: on the one-layer
/// bookworm bench image peak RSS was 25 MiB instead of 14 MiB, and the
/// kernel's page zeroing 14 % of the run's CPU samples. mimalloc is built
/// with `no_thp` (it no longer asks for huge pages with `madvise`, which
/// covers kernels in THP `madvise` mode from the first allocation); this
/// covers kernels in `always` mode from here on.
fn no_huge_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE takes integer arguments only;
    // a kernel without it returns EINVAL, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Writes a rendered report to `output` or standard output; a closed pipe
/// (`| head`) is not an error.
pub fn write_report(output: Option<&std::path::Path>, text: &str) -> Result<(), String> {
    use std::io::Write;
    match output {
        Some(p) => std::fs::write(p, text.as_bytes())
            .map_err(|e| format!("{}: cannot write report: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write report: {e}")),
            }
        }
    }
}

/// Renders a report straight into `output` or standard output (the JSON
/// format is streamed, so a large report is never held twice); a closed
/// pipe is not an error.
pub fn write_rendered(
    output: Option<&std::path::Path>,
    format: plimsoll_report::Format,
    report: &plimsoll_report::Report,
    tty: &plimsoll_report::TtyOptions,
) -> Result<(), String> {
    use std::io::Write;

    match output {
        Some(p) => std::fs::File::create(p)
            .map(std::io::BufWriter::new)
            .and_then(|mut f| {
                plimsoll_report::render_to(format, report, tty, &mut f)?;
                f.flush()
            })
            .map_err(|e| format!("{}: cannot write report: {e}", p.display())),
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match plimsoll_report::render_to(format, report, tty, &mut out)
                .and_then(|_| out.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("cannot write report: {e}"))
                }
                _ => Ok(()),
            }
        }
    }
}

/// Parses `--failure-threshold`, printing the error when it is unknown.
pub fn threshold_arg(s: &str) -> Option<plimsoll_core::Threshold> {
    let t = plimsoll_core::Threshold::parse(s);
    if t.is_none() {
        error(format!(
            "unknown failure threshold {s:?} (one of: error, warning, info, style, none)"
        ));
    }
    t
}

/// Prints an error the way every command does.
pub fn error(msg: impl std::fmt::Display) {
    eprintln!("plimsoll: error: {msg}");
}

fn main() -> ExitCode {
    no_huge_pages();
    // A bug must never surface as a backtrace: report it as an internal
    // error with exit status 2.
    std::panic::set_hook(Box::new(|info| {
        let loc = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("plimsoll: internal error{loc}: {info}; please report it");
    }));
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Lint(args) => lint::run(args),
        Command::Check(args) => check::run(args),
        Command::History(args) => history::run(args),
        Command::Image(args) => image::run(args),
        Command::K8s(args) => k8s::run(args),
        Command::Node(args) => node::run(args),
        Command::Rules(args) => rules::list(args),
        Command::Rule { code } => rules::show(&code),
    };
    ExitCode::from(code)
}
