//! `plimsoll k8s`: Kubernetes manifests in, findings out; with `--image`,
//! the manifests are also checked against the image they deploy.

use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error};
use plimsoll_core::Finding;
use plimsoll_k8s::Limits;
use plimsoll_k8s_rules::{ImageFiles, ImageView, Program, Settings, Targets};
use plimsoll_report::{Format, Report, TtyOptions};
use rayon::prelude::*;
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct K8sArgs {
    /// Manifest files (YAML or JSON, multi-document, `List`s), directories
    /// searched recursively for *.yaml, *.yml and *.json, or `-` for
    /// standard input (`helm template … | plimsoll k8s -`). Default: `.`
    pub paths: Vec<PathBuf>,
    /// Output format: tty, json, sarif, junit, checkstyle, gitlab, github.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these rule codes or prefixes (comma-separated, e.g. PK02,PX).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Never report these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding is at or above LEVEL: error, warning, info, style, none.
    #[arg(long, short = 't', value_name = "LEVEL", default_value = "error")]
    pub failure_threshold: String,
    /// Always exit 0 when the input could be read, whatever the findings.
    #[arg(long)]
    pub no_fail: bool,
    /// The delivery class of these workloads (selects the `[k8s.classes.NAME]`
    /// resource table and digest pinning for production classes); default:
    /// each workload's `plimsoll.dev/class` label.
    #[arg(long, value_name = "NAME")]
    pub class: Option<String>,
    /// Registry images may come from (repeatable; PK042).
    #[arg(long = "trusted-registry", value_name = "REGISTRY")]
    pub trusted_registry: Vec<String>,
    /// plimsoll.toml to read `[k8s]` settings from (default: search upward
    /// from the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also check the manifests against this image (any `plimsoll image`
    /// reference): the cross-checks (PX).
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// Which containers `--image` is: by default those whose image names
    /// the same repository, else every main container.
    #[arg(long, value_name = "NAME", requires = "image")]
    pub container: Option<String>,
    /// Platform to pick from a multi-platform `--image`.
    #[arg(long, value_name = "OS/ARCH", requires = "image")]
    pub platform: Option<String>,
    /// Speak plain HTTP to this registry (repeatable).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    /// Largest manifest file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_file_bytes: usize,
    /// No colours in tty output.
    #[arg(long)]
    pub no_color: bool,
}

fn matches(code: &str, list: &[String]) -> bool {
    list.iter()
        .any(|p| !p.trim().is_empty() && code.starts_with(p.trim()))
}

/// Finds manifests under `dir`: *.yaml, *.yml, *.json, sorted; `.git`,
/// `node_modules` and hidden directories skipped; symbolic links to
/// directories not followed.
pub fn find_manifests(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read directory: {e}", dir.display()))?;
    let mut items: Vec<_> = entries.filter_map(Result::ok).collect();
    items.sort_by_key(|e| e.file_name());
    for e in items {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            find_manifests(&e.path(), out)?;
        } else if (ft.is_file() || ft.is_symlink())
            && [".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x))
        {
            out.push(e.path());
        }
    }
    Ok(())
}

fn read_bounded(name: &str, r: impl Read, max: usize) -> Result<String, String> {
    let mut bytes = Vec::new();
    r.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: cannot read: {e}"))?;
    if bytes.len() > max {
        return Err(format!(
            "{name}: larger than {max} bytes (--max-file-bytes)"
        ));
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(format!(
            "{name}: binary data (NUL byte at offset {pos}); not a manifest"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{name}: not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[derive(Deserialize, Default)]
struct TomlFile {
    #[serde(default)]
    k8s: Option<Settings>,
}

fn settings(args: &K8sArgs) -> Result<Settings, String> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => plimsoll_config::find_up(Path::new("."), &["plimsoll.toml"]),
    };
    let mut s = match &path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let t: TomlFile = toml::from_str(&text).map_err(|e| {
                format!(
                    "{}: invalid [k8s] settings: {}",
                    p.display(),
                    e.to_string().trim()
                )
            })?;
            t.k8s.unwrap_or_default()
        }
        None => Settings::default(),
    };
    if args.class.is_some() {
        s.class = args.class.clone();
    }
    s.trusted_registries
        .extend(args.trusted_registry.iter().cloned());
    Ok(s)
}

/// One file's outcome.
pub struct Checked {
    pub name: String,
    pub findings: Vec<Finding>,
    pub source: Option<String>,
}

/// Answers the cross-checks' filesystem questions from an analysed image.
pub struct Files<'a> {
    image: &'a plimsoll_image::Image,
    runtime: RefCell<plimsoll_image::run::Runtime<'a>>,
}

impl<'a> Files<'a> {
    pub fn new(image: &'a plimsoll_image::Image) -> Files<'a> {
        Files {
            image,
            runtime: RefCell::new(plimsoll_image::run::Runtime::new(
                &image.tree,
                &image.config,
            )),
        }
    }
}

impl ImageFiles for Files<'_> {
    fn writable_dir(&self, path: &str, uid: u32, gid: u32) -> Option<bool> {
        let (_, node) = self.image.tree.resolve(path).ok()?;
        if node.kind != plimsoll_image::layer::Kind::Dir {
            return Some(false);
        }
        let user = plimsoll_image::run::User {
            spec: String::new(),
            uid,
            gid,
            name: None,
            error: None,
        };
        Some(plimsoll_image::run::can_write(node, &user))
    }

    fn program(
        &self,
        program: &str,
        path_env: Option<&str>,
        workdir: &str,
    ) -> Result<Program, String> {
        let mut rt = self.runtime.borrow_mut();
        let saved = path_env.map(|p| rt.env.insert("PATH".into(), p.to_string()));
        let found = rt.look_path(program, workdir);
        if let Some(old) = saved {
            match old {
                Some(o) => rt.env.insert("PATH".into(), o),
                None => rt.env.remove("PATH"),
            };
        }
        let path = found?;
        let b = rt.check(&path, true);
        Ok(Program {
            path,
            runs: b.verdict == plimsoll_image::run::Verdict::Runs,
            reason: b.reason,
        })
    }
}

pub fn run(args: K8sArgs) -> u8 {
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
    let settings = match settings(&args) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let limits = Limits {
        max_bytes: args.max_file_bytes,
        ..Limits::default()
    };

    // Inputs: files named, directories walked, `-` read once.
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    let mut stdin = false;
    let mut failed = false;
    for p in &paths {
        if p.as_os_str() == "-" {
            stdin = true;
        } else if p.is_dir() {
            if let Err(e) = find_manifests(p, &mut files) {
                error(e);
                failed = true;
            }
        } else {
            files.push(p.clone());
        }
    }

    // The image, when the manifests are to be checked against one.
    let analysed = match &args.image {
        None => None,
        Some(r) => match analyse_image(r, &args) {
            Ok(i) => Some(i),
            Err(e) => {
                error(e);
                return EXIT_ERROR;
            }
        },
    };

    let keep_source = matches!(format, Format::Tty | Format::Html);
    let select = |code: &str| {
        (args.select.is_empty() || matches(code, &args.select)) && !matches(code, &args.ignore)
    };
    let opts = CheckOptions {
        settings: &settings,
        limits,
        max_file_bytes: args.max_file_bytes,
        keep_source,
        select: &select,
    };
    let results = match &analysed {
        Some(image) => {
            let files_view = Files::new(image);
            let view = image_view(image, &files_view, args.container.as_deref());
            check_all(&files, stdin, &opts, Some(&view))
        }
        None => check_all(&files, stdin, &opts, None),
    };

    let incidents = match crate::incidents::load(args.config.as_deref()) {
        Ok(m) => m,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let mut findings = Vec::new();
    let mut sources = BTreeMap::new();
    let mut count = 0;
    for r in results {
        match r {
            Ok(c) => {
                count += 1;
                findings.extend(c.findings);
                if let Some(s) = c.source {
                    sources.insert(c.name, s);
                }
            }
            Err(e) => {
                error(e);
                failed = true;
            }
        }
    }
    crate::incidents::attach(&mut findings, &incidents);
    plimsoll_core::sort_findings(&mut findings);
    let fails = !args.no_fail && findings.iter().any(|f| threshold.fails(f.severity));
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules = plimsoll_k8s_rules::RULES
        .iter()
        .filter(|r| codes.contains(&r.meta.code))
        .map(|r| r.info())
        .collect();
    let report = Report {
        findings,
        files: count,
        sources,
        rules,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        facts: None,
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal;
    if let Err(e) = crate::write_rendered(
        args.output.as_deref(),
        format,
        &report,
        &TtyOptions { color },
    ) {
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

/// How manifests are checked, whoever asks.
pub struct CheckOptions<'a> {
    pub settings: &'a Settings,
    pub limits: Limits,
    pub max_file_bytes: usize,
    /// Keep the text of files with findings (code frames).
    pub keep_source: bool,
    /// Whether a rule code is reported.
    pub select: &'a (dyn Fn(&str) -> bool + Sync),
}

/// Loads and checks one file's text.
fn check_text(
    name: String,
    text: String,
    o: &CheckOptions,
    view: Option<&ImageView>,
) -> Result<Checked, String> {
    let manifest = plimsoll_k8s::load(&name, &text, o.limits).map_err(|e| {
        let hint = if text.contains("{{") {
            " (this looks like a Helm template: render it first, `helm template … | plimsoll k8s -`)"
        } else {
            ""
        };
        format!("{name}:{}:{}: invalid YAML: {}{hint}", e.pos.line, e.pos.col, e.message)
    })?;
    let mut findings = plimsoll_k8s_rules::check(&manifest, o.settings, view);
    findings.retain(|f| (o.select)(&f.code));
    let source = (o.keep_source && !findings.is_empty()).then_some(text);
    Ok(Checked {
        name,
        findings,
        source,
    })
}

/// Checks files (in parallel without an image; with one, in order: the
/// image view caches its lookups) and standard input.
pub fn check_all(
    files: &[PathBuf],
    stdin: bool,
    o: &CheckOptions,
    view: Option<&ImageView>,
) -> Vec<Result<Checked, String>> {
    let one = |p: &PathBuf, view: Option<&ImageView>| {
        let name = p.display().to_string();
        let f = std::fs::File::open(p).map_err(|e| format!("{name}: cannot read: {e}"))?;
        let t = read_bounded(&name, f, o.max_file_bytes)?;
        check_text(name, t, o, view)
    };
    let mut results: Vec<Result<Checked, String>> = match view {
        Some(v) => files.iter().map(|p| one(p, Some(v))).collect(),
        None => files.par_iter().map(|p| one(p, None)).collect(),
    };
    if stdin {
        results.push(
            read_bounded("-", std::io::stdin(), o.max_file_bytes)
                .and_then(|t| check_text("-".into(), t, o, view)),
        );
    }
    results
}

fn analyse_image(reference: &str, args: &K8sArgs) -> Result<plimsoll_image::Image, String> {
    crate::lean_allocator();
    let platform_arg = args
        .platform
        .clone()
        .unwrap_or_else(|| "linux/amd64".into());
    let platform = plimsoll_oci::Platform::parse(&platform_arg)
        .ok_or_else(|| format!("--platform {platform_arg:?} is not os/arch[/variant]"))?;
    let opts = plimsoll_image::Options {
        platform,
        platform_explicit: args.platform.is_some(),
        insecure_registries: args.insecure_registry.clone(),
        ..Default::default()
    };
    plimsoll_image::analyse(reference, &opts, &|_, _, _| {}).map_err(|e| e.to_string())
}

pub fn image_view<'a>(
    image: &'a plimsoll_image::Image,
    files: &'a Files<'a>,
    container: Option<&str>,
) -> ImageView<'a> {
    let cfg = &image.config.config;
    let user = plimsoll_image::run::user(&image.tree, &cfg.user);
    let resolved = user.error.is_none();
    let exposed_ports = cfg
        .exposed_ports
        .keys()
        .filter_map(|k| {
            let (port, proto) = k.split_once('/').unwrap_or((k, "tcp"));
            Some((port.parse().ok()?, proto.to_ascii_lowercase()))
        })
        .collect();
    let env = cfg
        .env
        .iter()
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let (_, binaries) = plimsoll_image::run::binaries(&image.tree, &image.config);
    let entrypoint = binaries.iter().find(|b| b.entrypoint).map(|b| {
        (
            b.path.clone(),
            b.verdict == plimsoll_image::run::Verdict::Runs,
            b.reason.clone(),
        )
    });
    let targets = match container {
        Some(n) => Targets::Named(n.to_string()),
        None => Targets::Repository(repository_of(&image.reference)),
    };
    ImageView {
        reference: image.reference.clone(),
        user: cfg.user.clone(),
        uid: resolved.then_some(user.uid),
        gid: resolved.then_some(user.gid),
        exposed_ports,
        env,
        entrypoint,
        working_dir: cfg.working_dir.clone(),
        targets,
        files,
    }
}

/// The repository part of a registry reference (`host/ns/app:tag` →
/// `ns/app`, `docker.io/library/nginx` → `nginx`); empty for archives and
/// engines, which carry no repository name.
fn repository_of(reference: &str) -> String {
    if reference.contains(':')
        && [
            "docker-archive:",
            "oci-archive:",
            "oci:",
            "docker:",
            "podman:",
        ]
        .iter()
        .any(|p| reference.starts_with(p))
    {
        return String::new();
    }
    plimsoll_k8s_rules::image_repository(reference)
}
