//! `plimsoll check`: the CI gate. Runs, in order, the Dockerfile gate, the
//! image gate, the size budget (against the recorded history) and the
//! Kubernetes gate with cross-checks, and prints one merged report with
//! stage timings and one exit code.

use crate::k8s::{CheckOptions, Files, check_all, find_manifests, image_view};
use crate::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, error};
use plimsoll_budget::{BudgetToml, Budgets, Provenance, Verdict, WebhookOutcome};
use plimsoll_core::{Finding, RuleInfo};
use plimsoll_history::{Store, Timestamp};
use plimsoll_report::{Format, Report, TtyOptions};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The Dockerfile (default: ./Dockerfile or ./Containerfile when present).
    #[arg(long, value_name = "FILE")]
    pub dockerfile: Option<PathBuf>,
    /// The built image (any `plimsoll image` reference).
    #[arg(long, value_name = "REF")]
    pub image: Option<String>,
    /// Manifest files or directories (repeatable; default: ./deploy, ./k8s
    /// and ./manifests when present).
    #[arg(long, value_name = "PATH")]
    pub manifests: Vec<PathBuf>,
    /// Delivery class: the size budget's thresholds and the k8s class
    /// (default: `[k8s] class`, else `app`).
    #[arg(long, value_name = "NAME")]
    pub class: Option<String>,
    /// plimsoll.toml (default: searched from the current directory up).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format: tty, json, sarif, junit, checkstyle, gitlab, github, html.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above LEVEL: error, warning, info, style, none.
    #[arg(long, short = 't', value_name = "LEVEL", default_value = "error")]
    pub failure_threshold: String,
    /// Always exit 0 when the inputs could be read, whatever the findings.
    #[arg(long)]
    pub no_fail: bool,
    /// Name the image's history is kept under (default: the repository of
    /// a registry reference, or the archive's file name).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Branch (default: $GITHUB_HEAD_REF, $GITHUB_REF_NAME,
    /// $CI_COMMIT_REF_NAME, $BUILDKITE_BRANCH, $GIT_BRANCH, else `local`).
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Commit (default: $GITHUB_SHA, $CI_COMMIT_SHA, $BUILDKITE_COMMIT, $GIT_COMMIT).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Compare with this image instead of the last recorded one.
    #[arg(long, value_name = "REF", requires = "image")]
    pub baseline: Option<String>,
    /// History store: a SQLite path or `sqlite:PATH` (default
    /// $XDG_DATA_HOME/plimsoll/history.db) or `postgres://…`.
    #[arg(long, value_name = "SPEC")]
    pub store: Option<String>,
    /// Judge the budget but do not record this run.
    #[arg(long)]
    pub no_record: bool,
    /// POST budget decisions that notify or block to this URL.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Webhook body: generic, slack or wecom.
    #[arg(long, value_name = "FORMAT")]
    pub webhook_format: Option<String>,
    /// Platform to pick from a multi-platform image.
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Speak plain HTTP to this registry (repeatable).
    #[arg(long = "insecure-registry", value_name = "HOST")]
    pub insecure_registry: Vec<String>,
    /// No colours in tty output.
    #[arg(long)]
    pub no_color: bool,
}

/// The parts of plimsoll.toml `check` reads itself.
#[derive(Deserialize, Default)]
struct TomlFile {
    #[serde(default)]
    k8s: Option<plimsoll_k8s_rules::Settings>,
    #[serde(default)]
    budget: Option<BudgetToml>,
    #[serde(default)]
    incidents: BTreeMap<String, String>,
}

/// One stage's outcome, as reported in `facts.stages`.
struct Stage {
    name: &'static str,
    millis: u128,
    findings: usize,
    status: String,
}

fn env_first(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// The history name of an image reference: the repository of a registry
/// reference (`host/team/api`), the file name of an archive or layout.
fn default_name(reference: &str) -> (String, Option<String>) {
    for prefix in ["docker-archive:", "oci-archive:", "oci:"] {
        if let Some(rest) = reference.strip_prefix(prefix) {
            let path = rest.split(':').next().unwrap_or(rest);
            let stem = Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| path.to_string());
            let stem = stem
                .trim_end_matches(".tar")
                .trim_end_matches(".docker")
                .trim_end_matches(".oci")
                .to_string();
            return (stem, None);
        }
    }
    for prefix in ["docker:", "podman:"] {
        if let Some(rest) = reference.strip_prefix(prefix) {
            return split_tag(rest);
        }
    }
    split_tag(reference)
}

fn split_tag(r: &str) -> (String, Option<String>) {
    let no_digest = r.split('@').next().unwrap_or(r);
    match no_digest.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n.to_string(), Some(t.to_string())),
        _ => (no_digest.to_string(), None),
    }
}

fn load_toml(explicit: Option<&Path>) -> Result<(TomlFile, Option<PathBuf>), String> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => plimsoll_config::find_up(Path::new("."), &["plimsoll.toml"]),
    };
    let Some(p) = path else {
        return Ok((TomlFile::default(), None));
    };
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let t: TomlFile = toml::from_str(&text).map_err(|e| {
        format!(
            "{}: invalid settings: {}",
            p.display(),
            e.to_string().trim()
        )
    })?;
    Ok((t, Some(p)))
}

fn analyse(reference: &str, args: &CheckArgs) -> Result<plimsoll_image::Image, String> {
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
    plimsoll_image::analyse(reference, &opts, &|_, _, _| {})
        .map_err(|e| format!("{reference}: {e}"))
}

/// The text a chat webhook gets.
fn chat_text(d: &plimsoll_budget::Decision) -> String {
    format!(
        "plimsoll: {} ({}) grew by {} since its baseline: {} for class `{}`",
        d.name,
        d.candidate.tag.as_deref().unwrap_or("untagged"),
        plimsoll_budget::human(d.growth_bytes),
        d.verdict_word(),
        d.class
    )
}

trait VerdictWord {
    fn verdict_word(&self) -> &'static str;
}

impl VerdictWord for plimsoll_budget::Decision {
    fn verdict_word(&self) -> &'static str {
        match self.verdict {
            Verdict::Pass => "pass",
            Verdict::Block => "block",
            Verdict::Notify => "notify",
            Verdict::Record => "record",
        }
    }
}

pub fn run(args: CheckArgs) -> u8 {
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
    let (toml, _toml_path) = match load_toml(args.config.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let budgets = match Budgets::from_toml(&toml.budget.clone().unwrap_or_default()) {
        Ok(b) => b,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let mut k8s_settings = toml.k8s.clone().unwrap_or_default();
    if args.class.is_some() {
        k8s_settings.class = args.class.clone();
    }
    let class = args
        .class
        .clone()
        .or_else(|| k8s_settings.class.clone())
        .unwrap_or_else(|| "app".into());
    let class_rule = match budgets.class(&class) {
        Ok(r) => r.clone(),
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let webhook = match args
        .webhook
        .clone()
        .or_else(|| toml.budget.as_ref().and_then(|b| b.webhook.clone()))
    {
        None => None,
        Some(url) => {
            let fmt = args
                .webhook_format
                .clone()
                .or_else(|| toml.budget.as_ref().and_then(|b| b.webhook_format.clone()))
                .unwrap_or_else(|| "generic".into());
            match plimsoll_notify::Flavor::parse(&fmt) {
                Some(f) => Some(plimsoll_notify::Webhook::new(url, f)),
                None => {
                    error(format!(
                        "unknown webhook format {fmt:?} (one of: {})",
                        plimsoll_notify::Flavor::NAMES.join(", ")
                    ));
                    return EXIT_ERROR;
                }
            }
        }
    };
    let webhook_required = toml.budget.as_ref().is_some_and(|b| b.webhook_required);

    // Inputs, found by convention when not named.
    let dockerfile = args.dockerfile.clone().or_else(|| {
        ["Dockerfile", "Containerfile"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
    });
    let manifest_roots: Vec<PathBuf> = if args.manifests.is_empty() {
        ["deploy", "k8s", "manifests"]
            .iter()
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
            .collect()
    } else {
        args.manifests.clone()
    };
    if dockerfile.is_none() && args.image.is_none() && manifest_roots.is_empty() {
        error(
            "nothing to check: no --dockerfile, --image or --manifests, and no Dockerfile, ./deploy, ./k8s or ./manifests here",
        );
        return EXIT_ERROR;
    }

    let keep_source = matches!(format, Format::Tty | Format::Html);
    let mut failed = false;
    let mut findings: Vec<Finding> = Vec::new();
    let mut sources = BTreeMap::new();
    let mut rules: Vec<RuleInfo> = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut files = 0usize;
    let mut facts = serde_json::Map::new();

    // 1. The Dockerfile.
    if let Some(df) = &dockerfile {
        let t = Instant::now();
        let name = df.display().to_string();
        let dir = df.parent().map(Path::to_path_buf).unwrap_or_default();
        let result = plimsoll_config::Config::discover(&dir, args.config.as_deref())
            .map_err(|e| e.to_string())
            .and_then(|cfg| {
                let text = crate::input::read_file(df).map_err(|e| e.0)?;
                let di = crate::lint::dockerignore_of(df);
                Ok((plimsoll_lint::lint(&name, &text, &di, &cfg.options), text))
            });
        let status = match result {
            Ok((f, text)) => {
                files += 1;
                if keep_source && !f.is_empty() {
                    sources.insert(name.clone(), text);
                }
                let n = f.len();
                rules.extend(fired(
                    plimsoll_lint::RULES,
                    &f,
                    |r| r.meta.code,
                    |r| r.info(),
                ));
                findings.extend(f);
                (n, status_of(&findings[findings.len() - n..], threshold))
            }
            Err(e) => {
                error(e);
                failed = true;
                (0, "error".to_string())
            }
        };
        stages.push(Stage {
            name: "dockerfile",
            millis: t.elapsed().as_millis(),
            findings: status.0,
            status: status.1,
        });
    }

    // 2. The image.
    let mut image = None;
    if let Some(reference) = &args.image {
        let t = Instant::now();
        match analyse(reference, &args) {
            Ok(img) => {
                files += 1;
                let f = plimsoll_image::facts::facts(&img);
                let mut found = plimsoll_image_rules::check(
                    &img,
                    &f,
                    &plimsoll_image_rules::Settings::default(),
                );
                let n = found.len();
                rules.extend(fired(
                    plimsoll_image_rules::RULES,
                    &found,
                    |r| r.meta.code,
                    |r| r.info(),
                ));
                let status = status_of(&found, threshold);
                findings.append(&mut found);
                if let Ok(v) = serde_json::to_value(&f) {
                    facts.insert("image".into(), v);
                }
                stages.push(Stage {
                    name: "image",
                    millis: t.elapsed().as_millis(),
                    findings: n,
                    status,
                });
                image = Some(img);
            }
            Err(e) => {
                error(e);
                failed = true;
                stages.push(Stage {
                    name: "image",
                    millis: t.elapsed().as_millis(),
                    findings: 0,
                    status: "error".into(),
                });
            }
        }
    }

    // 3. The size budget.
    if let (Some(img), Some(reference)) = (&image, &args.image) {
        let t = Instant::now();
        let (default_name, tag) = default_name(reference);
        let prov = Provenance {
            name: args.name.clone().unwrap_or(default_name),
            tag,
            branch: args.branch.clone().unwrap_or_else(|| {
                env_first(&[
                    "GITHUB_HEAD_REF",
                    "GITHUB_REF_NAME",
                    "CI_COMMIT_REF_NAME",
                    "BUILDKITE_BRANCH",
                    "GIT_BRANCH",
                ])
                .unwrap_or_else(|| "local".into())
            }),
            commit: args.commit.clone().or_else(|| {
                env_first(&[
                    "GITHUB_SHA",
                    "CI_COMMIT_SHA",
                    "BUILDKITE_COMMIT",
                    "GIT_COMMIT",
                ])
            }),
            class: Some(class.clone()),
        };
        let candidate = plimsoll_budget::snapshot(img, &prov, Timestamp::now());
        match budget_stage(
            &args,
            &prov,
            &candidate,
            &class,
            &class_rule,
            budgets.measure,
        ) {
            Ok((decision, trend)) => {
                let outcome = match (&webhook, decision.verdict) {
                    (Some(hook), Verdict::Notify | Verdict::Block) => {
                        let event = json!({
                            "event": "size_budget",
                            "decision": decision,
                        });
                        let delivered = plimsoll_notify::send(hook, &event, &chat_text(&decision))
                            .map(|d| d.attempts)
                            .map_err(|e| e.to_string());
                        if let Err(e) = &delivered {
                            eprintln!("plimsoll: warning: {e}");
                        }
                        Some(WebhookOutcome {
                            required: webhook_required,
                            delivered,
                        })
                    }
                    _ => None,
                };
                let mut found = plimsoll_budget::check(&decision, outcome.as_ref(), reference);
                rules.extend(fired(
                    plimsoll_budget::RULES,
                    &found,
                    |r| r.meta.code,
                    |r| r.info(),
                ));
                let mut b = serde_json::to_value(&decision).unwrap_or(Value::Null);
                if let (Some(o), Value::Object(m)) = (&outcome, &mut b) {
                    m.insert(
                        "webhook".into(),
                        match &o.delivered {
                            Ok(n) => json!({"delivered": true, "attempts": n}),
                            Err(e) => json!({"delivered": false, "error": e}),
                        },
                    );
                }
                facts.insert("budget".into(), b);
                facts.insert(
                    "trend".into(),
                    serde_json::to_value(trend).unwrap_or(Value::Null),
                );
                let n = found.len();
                let status = match decision.verdict {
                    Verdict::Pass => "pass".to_string(),
                    v => format!("{v:?}").to_lowercase(),
                };
                findings.append(&mut found);
                stages.push(Stage {
                    name: "budget",
                    millis: t.elapsed().as_millis(),
                    findings: n,
                    status,
                });
            }
            Err(e) => {
                error(e);
                failed = true;
                stages.push(Stage {
                    name: "budget",
                    millis: t.elapsed().as_millis(),
                    findings: 0,
                    status: "error".into(),
                });
            }
        }
    }

    // 4. The manifests, against the image when there is one.
    if !manifest_roots.is_empty() {
        let t = Instant::now();
        let mut paths = Vec::new();
        for p in &manifest_roots {
            if p.is_dir() {
                if let Err(e) = find_manifests(p, &mut paths) {
                    error(e);
                    failed = true;
                }
            } else {
                paths.push(p.clone());
            }
        }
        let select = |_: &str| true;
        let opts = CheckOptions {
            settings: &k8s_settings,
            limits: plimsoll_k8s::Limits::default(),
            max_file_bytes: plimsoll_k8s::Limits::default().max_bytes,
            keep_source,
            select: &select,
        };
        let results = match &image {
            Some(img) => {
                let fv = Files::new(img);
                let view = image_view(img, &fv, None);
                check_all(&paths, false, &opts, Some(&view))
            }
            None => check_all(&paths, false, &opts, None),
        };
        let before = findings.len();
        let mut stage_failed = false;
        for r in results {
            match r {
                Ok(c) => {
                    files += 1;
                    findings.extend(c.findings);
                    if let Some(s) = c.source {
                        sources.insert(c.name, s);
                    }
                }
                Err(e) => {
                    error(e);
                    failed = true;
                    stage_failed = true;
                }
            }
        }
        let n = findings.len() - before;
        rules.extend(fired(
            plimsoll_k8s_rules::RULES,
            &findings[before..],
            |r| r.meta.code,
            |r| r.info(),
        ));
        let status = if stage_failed {
            "error".to_string()
        } else {
            status_of(&findings[before..], threshold)
        };
        stages.push(Stage {
            name: "kubernetes",
            millis: t.elapsed().as_millis(),
            findings: n,
            status,
        });
    }

    // Traceability: incident tickets on the findings of mapped rules.
    crate::incidents::attach(&mut findings, &toml.incidents);

    plimsoll_core::sort_findings(&mut findings);
    let fails = !args.no_fail && findings.iter().any(|f| threshold.fails(f.severity));
    let verdict = if failed {
        "error"
    } else if fails {
        "fail"
    } else {
        "pass"
    };
    facts.insert(
        "verdict".into(),
        json!(if fails || failed { "fail" } else { "pass" }),
    );
    facts.insert(
        "stages".into(),
        Value::Array(
            stages
                .iter()
                .map(|s| {
                    json!({"name": s.name, "millis": s.millis as u64, "findings": s.findings, "status": s.status})
                })
                .collect(),
        ),
    );
    rules.sort_by(|a, b| a.code.cmp(&b.code));
    rules.dedup_by(|a, b| a.code == b.code);
    let report = Report {
        findings,
        files,
        sources,
        rules,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        facts: Some(Value::Object(facts)),
    };
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color =
        !args.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && to_terminal;
    let mut text = plimsoll_report::render(format, &report, &TtyOptions { color });
    if format == Format::Tty {
        text = format!("{}{text}", stage_table(&stages, verdict));
    }
    if let Err(e) = crate::write_report(args.output.as_deref(), &text) {
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

/// `fail` when a finding reaches the threshold, else `pass`.
/// The documentation of the rules of `registry` that produced one of
/// `found` (the reporters describe the rules that fired). Each gate's
/// registry has its own rule type: `code` and `info` read it.
fn fired<R>(
    registry: &[R],
    found: &[Finding],
    code: impl Fn(&R) -> &str,
    info: impl Fn(&R) -> plimsoll_core::RuleInfo,
) -> Vec<plimsoll_core::RuleInfo> {
    let codes: std::collections::HashSet<&str> = found.iter().map(|f| f.code.as_str()).collect();
    registry
        .iter()
        .filter(|r| codes.contains(code(r)))
        .map(info)
        .collect()
}

fn status_of(f: &[Finding], threshold: plimsoll_core::Threshold) -> String {
    if f.iter().any(|x| threshold.fails(x.severity)) {
        "fail".into()
    } else {
        "pass".into()
    }
}

/// The budget: baseline (recorded or `--baseline`), decision, record,
/// trend.
fn budget_stage(
    args: &CheckArgs,
    prov: &Provenance,
    candidate: &plimsoll_history::Record,
    class: &str,
    rule: &plimsoll_budget::ClassRule,
    measure: plimsoll_budget::Measure,
) -> Result<(plimsoll_budget::Decision, Vec<Value>), String> {
    let mut store = Store::open(args.store.as_deref()).map_err(|e| e.to_string())?;
    let baseline = match &args.baseline {
        Some(r) => {
            let img = analyse(r, args)?;
            let (name, tag) = default_name(r);
            let p = Provenance {
                name,
                tag,
                ..prov.clone()
            };
            Some(plimsoll_budget::snapshot(&img, &p, Timestamp::now()))
        }
        None => store
            .baseline(&prov.name, &prov.branch)
            .map_err(|e| e.to_string())?,
    };
    let decision = plimsoll_budget::decide(class, rule, measure, baseline.as_ref(), candidate);
    if !args.no_record {
        store.record(candidate).map_err(|e| e.to_string())?;
    }
    let mut trend: Vec<Value> = store
        .history(&prov.name, Some(&prov.branch), 50)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| {
            json!({
                "timestamp": r.timestamp.to_string(),
                "tag": r.tag,
                "digest": r.digest,
                "branch": r.branch,
                "uncompressed_bytes": r.uncompressed_bytes,
                "compressed_bytes": r.compressed_bytes,
            })
        })
        .collect();
    if args.no_record {
        trend.push(json!({
            "timestamp": candidate.timestamp.to_string(),
            "tag": candidate.tag,
            "digest": candidate.digest,
            "branch": candidate.branch,
            "uncompressed_bytes": candidate.uncompressed_bytes,
            "compressed_bytes": candidate.compressed_bytes,
        }));
    }
    Ok((decision, trend))
}

/// The stage table a terminal reader sees first.
fn stage_table(stages: &[Stage], verdict: &str) -> String {
    let mut s = format!("plimsoll check: {}\n", verdict.to_uppercase());
    for st in stages {
        s.push_str(&format!(
            "  {:<11} {:>7} ms  {:>4} finding{}  {}\n",
            st.name,
            st.millis,
            st.findings,
            if st.findings == 1 { " " } else { "s" },
            st.status
        ));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_references() {
        assert_eq!(
            default_name("registry.example.com:5000/team/api:1.4@sha256:ab"),
            (
                "registry.example.com:5000/team/api".into(),
                Some("1.4".into())
            )
        );
        assert_eq!(
            default_name("docker-archive:/tmp/x/api.docker.tar"),
            ("api".into(), None)
        );
        assert_eq!(default_name("oci:/srv/layout:v2"), ("layout".into(), None));
        assert_eq!(
            default_name("podman:app:1"),
            ("app".into(), Some("1".into()))
        );
    }
}
