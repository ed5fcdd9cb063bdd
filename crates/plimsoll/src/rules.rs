//! `plimsoll rules` and `plimsoll rule CODE`.

use crate::{EXIT_CLEAN, EXIT_ERROR, error};

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// Output format: tty (a table), json, or markdown.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
}

pub fn list(args: RulesArgs) -> u8 {
    match args.format.as_str() {
        "json" => {
            let all: Vec<_> = plimsoll_lint::RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.meta.code,
                        "severity": r.meta.severity,
                        "category": r.meta.category,
                        "summary": r.meta.summary,
                        "enabled_by_default": r.meta.enabled_by_default,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        }
        "markdown" | "md" => {
            println!("| code | severity | category | checks |");
            println!("|---|---|---|---|");
            for r in plimsoll_lint::RULES {
                let sev = if r.meta.enabled_by_default {
                    r.meta.severity.to_string()
                } else {
                    format!("off ({})", r.meta.severity)
                };
                println!(
                    "| {} | {} | {} | {} |",
                    r.meta.code,
                    sev,
                    r.meta.category,
                    r.meta.summary.replace('|', "\\|")
                );
            }
        }
        "tty" => {
            println!("{:<8} {:<8} {:<11} SUMMARY", "CODE", "SEVERITY", "CATEGORY");
            for r in plimsoll_lint::RULES {
                let sev = if r.meta.enabled_by_default {
                    r.meta.severity.to_string()
                } else {
                    "off".to_string()
                };
                println!(
                    "{:<8} {:<8} {:<11} {}",
                    r.meta.code, sev, r.meta.category, r.meta.summary
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
    EXIT_CLEAN
}

pub fn show(code: &str) -> u8 {
    match plimsoll_lint::rule(code) {
        Some(r) => {
            print!("{}", r.doc());
            println!();
            println!(
                "Default severity: {}{}. Category: {}.",
                r.meta.severity,
                if r.meta.enabled_by_default {
                    ""
                } else {
                    " (off unless selected)"
                },
                r.meta.category
            );
            EXIT_CLEAN
        }
        None => {
            error(format!("unknown rule {code:?} (see `plimsoll rules`)"));
            EXIT_ERROR
        }
    }
}
