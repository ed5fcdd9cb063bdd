//! `plimsoll rules` and `plimsoll rule CODE`: every gate's rules, from
//! their registries (the docs are the rule files' doc comments).

use crate::{EXIT_CLEAN, EXIT_ERROR, error};
use plimsoll_core::RuleInfo;
use std::fmt::Write as _;
use std::io::Write as _;

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// Output format: tty (a table), json, or markdown.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
}

/// A rule of any gate, as listed.
struct Listed {
    info: RuleInfo,
    enabled_by_default: bool,
}

fn all() -> Vec<Listed> {
    let mut v: Vec<Listed> = plimsoll_lint::RULES
        .iter()
        .map(|r| Listed {
            info: r.info(),
            enabled_by_default: r.meta.enabled_by_default,
        })
        .collect();
    v.extend(plimsoll_image_rules::RULES.iter().map(|r| Listed {
        info: r.info(),
        enabled_by_default: true,
    }));
    v.extend(plimsoll_k8s_rules::RULES.iter().map(|r| Listed {
        info: r.info(),
        enabled_by_default: true,
    }));
    v.extend(plimsoll_budget::RULES.iter().map(|r| Listed {
        info: r.info(),
        enabled_by_default: true,
    }));
    v.extend(plimsoll_node::RULES.iter().map(|r| Listed {
        info: r.info(),
        enabled_by_default: true,
    }));
    v
}

pub fn list(args: RulesArgs) -> u8 {
    let rules = all();
    let mut out = String::new();
    match args.format.as_str() {
        "json" => {
            let all: Vec<_> = rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.info.code,
                        "severity": r.info.severity,
                        "category": r.info.category,
                        "summary": r.info.summary,
                        "enabled_by_default": r.enabled_by_default,
                    })
                })
                .collect();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&all).unwrap_or_default()
            );
        }
        "markdown" | "md" => {
            let _ = writeln!(out, "| code | severity | category | checks |");
            let _ = writeln!(out, "|---|---|---|---|");
            for r in &rules {
                let sev = if r.enabled_by_default {
                    r.info.severity.to_string()
                } else {
                    format!("off ({})", r.info.severity)
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    r.info.code,
                    sev,
                    r.info.category,
                    r.info.summary.replace('|', "\\|")
                );
            }
        }
        "tty" => {
            let _ = writeln!(
                out,
                "{:<8} {:<8} {:<11} SUMMARY",
                "CODE", "SEVERITY", "CATEGORY"
            );
            for r in &rules {
                let sev = if r.enabled_by_default {
                    r.info.severity.to_string()
                } else {
                    "off".to_string()
                };
                let _ = writeln!(
                    out,
                    "{:<8} {:<8} {:<11} {}",
                    r.info.code, sev, r.info.category, r.info.summary
                );
            }
        }
        other => {
            error(format!(
                "unknown format {other:?}; expected tty, json or markdown"
            ));
            return EXIT_ERROR;
        }
    }
    emit(&out)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> u8 {
    let mut o = std::io::stdout().lock();
    match o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            error(format!("cannot write: {e}"));
            EXIT_ERROR
        }
        _ => EXIT_CLEAN,
    }
}

pub fn show(code: &str) -> u8 {
    match all()
        .into_iter()
        .find(|r| r.info.code.eq_ignore_ascii_case(code.trim()))
    {
        Some(r) => {
            let mut out = String::new();
            let _ = write!(out, "{}", r.info.doc);
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "Default severity: {}{}. Category: {}.",
                r.info.severity,
                if r.enabled_by_default {
                    ""
                } else {
                    " (off unless selected)"
                },
                r.info.category
            );
            emit(&out)
        }
        None => {
            error(format!("unknown rule {code:?} (see `plimsoll rules`)"));
            EXIT_ERROR
        }
    }
}
