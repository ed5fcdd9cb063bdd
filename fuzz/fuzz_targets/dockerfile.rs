//! Fuzzes the whole Dockerfile path: parser, facts, shell tokenizer and
//! every rule (including those off by default), with and without a
//! `.dockerignore`. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_lint::{DockerIgnore, Options, RULES};
use std::sync::OnceLock;

fn all_rules() -> &'static Options {
    static O: OnceLock<Options> = OnceLock::new();
    O.get_or_init(|| Options {
        select: RULES.iter().map(|r| r.meta.code.to_string()).collect(),
        ..Options::default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Split: the first line may serve as a .dockerignore.
    let (ignore, df) = match text.split_once('\u{0}') {
        Some((a, b)) => (DockerIgnore::Present(a.to_string()), b),
        None => (DockerIgnore::Absent, text),
    };
    let findings = plimsoll_lint::lint("fuzz", df, &ignore, all_rules());
    for f in findings {
        assert!(f.region.line >= 1);
    }
});
