//! `plimsoll image`: an image in, facts and findings out.

use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error};
use plimsoll_image::facts::Facts;
use plimsoll_image::run::Verdict;
use plimsoll_image_rules::{Settings, human};
use plimsoll_report::{Format, Report, TtyOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ImageArgs {
    /// The image: docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG],
    /// docker:NAME, podman:NAME, or a registry reference HOST/NAME:TAG or NAME@sha256:…
    pub reference: String,
    /// Output format: tty, json, sarif, junit, checkstyle, gitlab, github.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (os/arch[/variant]).
    /// (default linux/amd64; when given, a single-platform image for another
    /// platform is an error).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Speak plain HTTP to this registry (repeatable; loopback always is).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    /// Only these rule codes or prefixes (comma-separated, e.g. PR,PI006).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Never report these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding is at or above LEVEL: error, warning, info, style, none.
    #[arg(long, short = 't', value_name = "LEVEL", default_value = "error")]
    pub failure_threshold: String,
    /// Always exit 0 when the image could be read, whatever the findings.
    #[arg(long)]
    pub no_fail: bool,
    /// dive CI thresholds file (default: .dive-ci in the current directory when present).
    #[arg(long, value_name = "FILE")]
    pub dive_ci: Option<PathBuf>,
    /// Oldest acceptable Go toolchain for Go binaries (PR005).
    #[arg(long, value_name = "VERSION", default_value = "go1.21")]
    pub min_go_version: String,
    /// Largest uncompressed layer, in bytes (decompression-bomb guard).
    #[arg(long, value_name = "BYTES")]
    pub max_layer_bytes: Option<u64>,
    /// Largest expansion ratio of a compressed layer.
    #[arg(long, value_name = "N")]
    pub max_ratio: Option<u64>,
    /// Largest file read into memory for analysis (ELF binaries), in bytes.
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Most tar entries in one layer.
    #[arg(long, value_name = "N")]
    pub max_entries: Option<usize>,
    /// No progress display on the terminal.
    #[arg(long)]
    pub no_progress: bool,
    /// No colours in tty output.
    #[arg(long)]
    pub no_color: bool,
}

fn matches(code: &str, list: &[String]) -> bool {
    list.iter()
        .any(|p| !p.is_empty() && code.starts_with(p.trim()))
}

pub fn run(args: ImageArgs) -> u8 {
    crate::lean_allocator();
    let Some(format) = Format::parse(&args.format) else {
        error(format!(
            "unknown format {:?} (one of: {})",
            args.format,
            Format::NAMES.join(", ")
        ));
        return EXIT_ERROR;
    };
    let Some(threshold) = crate::threshold_arg(&args.failure_threshold) else {
        return EXIT_ERROR;
    };
    let platform_arg = args
        .platform
        .clone()
        .unwrap_or_else(|| "linux/amd64".into());
    let Some(platform) = plimsoll_oci::Platform::parse(&platform_arg) else {
        error(format!(
            "--platform {platform_arg:?} is not os/arch[/variant]"
        ));
        return EXIT_ERROR;
    };
    let mut settings = Settings {
        min_go_version: args.min_go_version.clone(),
        ..Settings::default()
    };
    let dive_ci = args
        .dive_ci
        .clone()
        .or_else(|| Some(PathBuf::from(".dive-ci")).filter(|p| p.is_file()));
    if let Some(p) = &dive_ci {
        match std::fs::read_to_string(p) {
            Ok(t) => {
                if let Err(e) = settings.apply_dive_ci(&t) {
                    error(format!("{}: {e}", p.display()));
                    return EXIT_ERROR;
                }
            }
            Err(e) => {
                error(format!("{}: {e}", p.display()));
                return EXIT_ERROR;
            }
        }
    }
    let mut opts = plimsoll_image::Options {
        platform,
        platform_explicit: args.platform.is_some(),
        insecure_registries: args.insecure_registry.clone(),
        ..Default::default()
    };
    if let Some(v) = args.max_layer_bytes {
        opts.limits.max_layer_bytes = v;
    }
    if let Some(v) = args.max_ratio {
        opts.limits.max_ratio = v;
    }
    if let Some(v) = args.max_file_bytes {
        opts.limits.max_analysed_file = v;
    }
    if let Some(v) = args.max_entries {
        opts.limits.tar.max_entries = v;
    }
    let show_progress = !args.no_progress && std::io::stderr().is_terminal();
    let progress = move |done: usize, total: usize, bytes: u64| {
        if show_progress {
            let of = if total > 0 {
                format!("/{total}")
            } else {
                String::new()
            };
            eprint!(
                "\r\x1b[2Kreading layers: {done}{of} done, last {}",
                human(bytes)
            );
            let _ = std::io::stderr().flush();
        }
    };
    let result = plimsoll_image::analyse(&args.reference, &opts, &progress);
    if show_progress {
        eprint!("\r\x1b[2K");
    }
    let image = match result {
        Ok(i) => i,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let facts = plimsoll_image::facts::facts(&image);
    let mut findings = plimsoll_image_rules::check(&image, &facts, &settings);
    findings.retain(|f| {
        (args.select.is_empty() || matches(&f.code, &args.select))
            && !matches(&f.code, &args.ignore)
    });
    match crate::incidents::load(None) {
        Ok(m) => crate::incidents::attach(&mut findings, &m),
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    }
    let fails = !args.no_fail && findings.iter().any(|f| threshold.fails(f.severity));
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules = plimsoll_image_rules::RULES
        .iter()
        .filter(|r| codes.contains(&r.meta.code))
        .map(|r| r.info())
        .collect();
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal;
    let facts_json = serde_json::to_value(&facts).ok();
    let report = Report {
        findings,
        files: 1,
        sources: Default::default(),
        rules,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        facts: facts_json,
    };
    let mut text = plimsoll_report::render(format, &report, &TtyOptions { color });
    if format == Format::Tty {
        text = format!("{}\n{text}", overview(&facts));
    }
    let written = crate::write_report(args.output.as_deref(), &text);
    if let Err(e) = written {
        error(e);
        return EXIT_ERROR;
    }
    if fails { EXIT_FINDINGS } else { EXIT_CLEAN }
}

/// The facts a person wants first, before the findings.
fn overview(f: &Facts) -> String {
    let mut s = String::new();
    let user = match (&f.user.name, f.user.uid) {
        (Some(n), uid) => format!("{n} ({uid}:{})", f.user.gid),
        (None, uid) => format!("{uid}:{}", f.user.gid),
    };
    s.push_str(&format!(
        "image {}  {}  {}  user {}\n",
        f.reference,
        f.platform,
        f.os.as_deref().unwrap_or("unknown OS"),
        user
    ));
    s.push_str(&format!(
        "size: {} uncompressed, {} compressed, {} layers, {} files ({} visible)\n",
        human(f.uncompressed_bytes),
        human(f.compressed_bytes),
        f.layers.len(),
        f.files,
        human(f.visible_bytes)
    ));
    s.push_str(&format!(
        "waste: efficiency {:.4} %, wasted {} (dive's count), reclaimable {}, user wasted {:.4} %\n",
        f.efficiency * 100.0,
        human(f.wasted_bytes),
        human(f.reclaimable_bytes),
        f.user_wasted_percent * 100.0
    ));
    s.push_str("layers:\n");
    for l in &f.layers {
        let cmd = l.created_by.as_deref().unwrap_or("(no history)");
        let cmd: String = cmd.chars().take(90).collect();
        s.push_str(&format!(
            "  {:>3}  {:>10}  {}\n",
            l.index,
            human(l.files_bytes),
            cmd.replace('\n', " ")
        ));
    }
    let fails = f
        .binaries
        .iter()
        .filter(|b| b.verdict == Verdict::Fails)
        .count();
    if let Some(e) = f.binaries.iter().find(|b| b.entrypoint) {
        s.push_str(&format!(
            "entrypoint {}: {} ({})\n",
            e.path,
            if e.verdict == Verdict::Runs {
                "runs"
            } else {
                "FAILS"
            },
            e.reason
        ));
    }
    s.push_str(&format!(
        "binaries: {} checked, {} will not start\n",
        f.binaries.len(),
        fails
    ));
    s
}
