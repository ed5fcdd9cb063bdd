//! `plimsoll-history-stress --store SPEC --writer K --rows N [--wait-for FILE]`
//!
//! Records `N` runs (`plimsoll_history::stress::record(K, 0..N)`) into a
//! history store, one transaction each, and prints
//! `wrote N runs as writer K in T ms` on success. The concurrency tests
//! start 16 of these at once against one SQLite file or one PostgreSQL
//! database; `--wait-for FILE` makes each wait (up to 60 s) until FILE
//! exists so they all start writing together. Without `--store` the
//! default store is used. Exit status 0 on success, 1 on a store error,
//! 2 on bad arguments.

use plimsoll_history::{Store, stress};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn usage(msg: &str) -> ExitCode {
    eprintln!("plimsoll-history-stress: {msg}");
    eprintln!(
        "usage: plimsoll-history-stress [--store SPEC] --writer K --rows N [--wait-for FILE]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut store: Option<String> = None;
    let mut writer: Option<u32> = None;
    let mut rows: Option<u32> = None;
    let mut wait_for: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let r = match a.as_str() {
            "--store" => value("--store").map(|v| store = Some(v)),
            "--writer" => value("--writer").and_then(|v| {
                v.parse()
                    .map(|n| writer = Some(n))
                    .map_err(|_| format!("--writer: `{v}` is not a number"))
            }),
            "--rows" => value("--rows").and_then(|v| {
                v.parse()
                    .map(|n| rows = Some(n))
                    .map_err(|_| format!("--rows: `{v}` is not a number"))
            }),
            "--wait-for" => value("--wait-for").map(|v| wait_for = Some(PathBuf::from(v))),
            other => Err(format!("unknown argument `{other}`")),
        };
        if let Err(e) = r {
            return usage(&e);
        }
    }
    let (Some(writer), Some(rows)) = (writer, rows) else {
        return usage("--writer and --rows are required");
    };
    if let Some(f) = wait_for {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !f.exists() {
            if Instant::now() > deadline {
                eprintln!(
                    "plimsoll-history-stress: {} did not appear within 60 s",
                    f.display()
                );
                return ExitCode::from(1);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let start = Instant::now();
    let mut store = match Store::open(store.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plimsoll-history-stress: writer {writer}: {e}");
            return ExitCode::from(1);
        }
    };
    for i in 0..rows {
        if let Err(e) = store.record(&stress::record(writer, i)) {
            eprintln!("plimsoll-history-stress: writer {writer}, run {i}: {e}");
            return ExitCode::from(1);
        }
    }
    println!(
        "wrote {rows} runs as writer {writer} in {} ms",
        start.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}
