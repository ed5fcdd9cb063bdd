//! Every Dockerfile of the shared corpus parses exactly as BuildKit does:
//! the same accept/reject verdict and, when accepted, the same number of
//! instructions (`PARSE_RESULTS.tsv` records BuildKit's own parser).

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

/// Where BuildKit stops on the files it rejects (1-based lines).
const NEGATIVE_LINES: &[(&str, u32)] = &[
    ("testfiles-negative__env_no_value__Dockerfile", 3),
    ("testfiles-negative__shykes-nested-json__Dockerfile", 1),
    ("testfiles__escape-nonewline__Dockerfile", 1),
    ("testfiles__long-text__Dockerfile", 2),
];

#[test]
fn corpus_matches_buildkit_verdicts() {
    let dir = corpus();
    let tsv = std::fs::read_to_string(dir.join("PARSE_RESULTS.tsv")).unwrap();
    let mut checked = 0;
    let mut lines_checked = 0;
    let mut mismatches = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (sub, file, verdict, count) = (cols[0], cols[1], cols[2], cols[3]);
        let bytes = std::fs::read(dir.join(sub).join(file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let df = plimsoll_dockerfile::parse(&text);
        checked += 1;
        match verdict {
            "ok" => {
                let n: usize = count.parse().unwrap();
                if !df.errors.is_empty() {
                    mismatches.push(format!(
                        "{file}: BuildKit accepts, we reject: {:?}",
                        df.errors[0]
                    ));
                } else if df.instructions.len() != n {
                    mismatches.push(format!(
                        "{file}: BuildKit counts {n} instructions, we count {}",
                        df.instructions.len()
                    ));
                }
            }
            _ => {
                let reason = cols.get(4).copied().unwrap_or("");
                match df.errors.first() {
                    None => {
                        mismatches.push(format!("{file}: BuildKit rejects ({reason}), we accept"))
                    }
                    Some(e) => {
                        // BuildKit's reason, and where it stops when known.
                        if !e.message.contains(reason) {
                            mismatches.push(format!(
                                "{file}: BuildKit says {reason:?}, we say {:?}",
                                e.message
                            ));
                        }
                        let line = 1 + text[..e.span.start.min(text.len())]
                            .bytes()
                            .filter(|&b| b == b'\n')
                            .count() as u32;
                        if let Some((_, want)) =
                            NEGATIVE_LINES.iter().find(|(n, _)| file.ends_with(n))
                            && line != *want
                        {
                            mismatches.push(format!(
                                "{file}: BuildKit stops at line {want}, we at line {line}"
                            ));
                        }
                        lines_checked +=
                            usize::from(NEGATIVE_LINES.iter().any(|(n, _)| file.ends_with(n)));
                    }
                }
            }
        }
        // Facts never panic either.
        let _ = plimsoll_dockerfile::Facts::new(df);
    }
    assert!(checked >= 4000, "only {checked} corpus files");
    // Every rejected file listed in NEGATIVE_LINES was found and rejected.
    assert!(
        lines_checked >= NEGATIVE_LINES.len(),
        "{lines_checked} line checks"
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
