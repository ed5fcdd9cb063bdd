//! Every Dockerfile of the shared corpus lints without a panic, with every
//! rule enabled (including those off by default), and every finding points
//! inside the file.

use plimsoll_lint::{DockerIgnore, Options, RULES};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    let dir = std::env::var_os("PLIMSOLL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    assert!(
        dir.join("PARSE_RESULTS.tsv").is_file(),
        "corpus not found at {} (set PLIMSOLL_CORPUS)",
        dir.display()
    );
    dir
}

#[test]
fn whole_corpus_lints_without_panic() {
    let dir = corpus();
    let opts = Options {
        select: RULES.iter().map(|r| r.meta.code.to_string()).collect(),
        ..Options::default()
    };
    let mut files = 0;
    let mut findings = 0;
    for sub in ["dockerfiles", "dockerfiles-hard"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            if !p.is_file() || p.extension().is_some_and(|x| x == "tsv") {
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            let lines = text.lines().count().max(1) as u32 + 1;
            for di in [DockerIgnore::Absent, DockerIgnore::Unknown] {
                let name = p.display().to_string();
                let r = std::panic::catch_unwind(|| plimsoll_lint::lint(&name, &text, &di, &opts));
                let fs = r.unwrap_or_else(|_| panic!("panic linting {}", p.display()));
                for f in &fs {
                    assert!(
                        f.region.line >= 1 && f.region.line <= lines,
                        "{}: {f:?} outside the file",
                        p.display()
                    );
                    assert!(f.region.end_line >= f.region.line, "{}: {f:?}", p.display());
                }
                findings += fs.len();
            }
            files += 1;
        }
    }
    assert!(files >= 4000, "{files} files");
    assert!(findings > 0);
}
