//! `plimsoll history NAME`: the size trend `plimsoll check` recorded.

use crate::{EXIT_CLEAN, EXIT_ERROR, error};
use plimsoll_history::Store;

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The name the history is kept under (see `plimsoll check --name`).
    pub name: String,
    /// Only this branch.
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// History store (as `plimsoll check --store`).
    #[arg(long, value_name = "SPEC")]
    pub store: Option<String>,
    /// How many of the latest runs.
    #[arg(long, default_value_t = 30)]
    pub limit: usize,
    /// Output format: tty or json.
    #[arg(long, short = 'f', default_value = "tty")]
    pub format: String,
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value, scaled between the smallest and largest.
pub fn sparkline(values: &[u64]) -> String {
    let (Some(&lo), Some(&hi)) = (values.iter().min(), values.iter().max()) else {
        return String::new();
    };
    values
        .iter()
        .map(|&v| {
            if hi == lo {
                BARS[3]
            } else {
                let i = ((v - lo) as f64 / (hi - lo) as f64 * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

pub fn run(args: HistoryArgs) -> u8 {
    if !matches!(args.format.as_str(), "tty" | "json") {
        error(format!(
            "unknown format {:?} (one of: tty, json)",
            args.format
        ));
        return EXIT_ERROR;
    }
    let runs = Store::open(args.store.as_deref())
        .and_then(|mut s| s.history(&args.name, args.branch.as_deref(), args.limit.max(1)));
    let runs = match runs {
        Ok(r) => r,
        Err(e) => {
            error(e);
            return EXIT_ERROR;
        }
    };
    let text = if args.format == "json" {
        let v = serde_json::json!({ "name": args.name, "branch": args.branch, "runs": runs });
        format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
    } else if runs.is_empty() {
        format!("no runs recorded for {:?}\n", args.name)
    } else {
        let mut s = String::new();
        let sizes: Vec<u64> = runs.iter().map(|r| r.uncompressed_bytes).collect();
        s.push_str(&format!(
            "{}  {} runs  {}\n",
            args.name,
            runs.len(),
            sparkline(&sizes)
        ));
        s.push_str(&format!(
            "{:<20}  {:<14}  {:<16}  {:>12}  {:>12}  {:>10}\n",
            "recorded (UTC)", "branch", "tag", "uncompressed", "compressed", "change"
        ));
        let mut prev: Option<u64> = None;
        for r in &runs {
            let change = prev
                .map(|p| plimsoll_budget::human(r.uncompressed_bytes as i64 - p as i64))
                .unwrap_or_else(|| "—".into());
            let ts = r.timestamp.to_string();
            s.push_str(&format!(
                "{:<20}  {:<14}  {:<16}  {:>12}  {:>12}  {:>10}\n",
                ts.get(..19).unwrap_or(&ts).replace('T', " "),
                r.branch.chars().take(14).collect::<String>(),
                r.tag
                    .as_deref()
                    .unwrap_or("-")
                    .chars()
                    .take(16)
                    .collect::<String>(),
                plimsoll_budget::human(r.uncompressed_bytes as i64),
                plimsoll_budget::human(r.compressed_bytes as i64),
                change
            ));
            prev = Some(r.uncompressed_bytes);
        }
        s
    };
    if let Err(e) = crate::write_report(None, &text) {
        error(e);
        return EXIT_ERROR;
    }
    EXIT_CLEAN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale() {
        assert_eq!(sparkline(&[]), "");
        assert_eq!(sparkline(&[5, 5]), "▄▄");
        assert_eq!(sparkline(&[0, 7, 14]), "▁▅█");
    }
}
