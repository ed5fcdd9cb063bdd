//! Builds real binaries with the machine's toolchains (gcc, musl-gcc, Go) into
//! temporary directories. A missing tool fails the test that needs it.

#![allow(dead_code)]

use plimsoll_elf::{ElfFacts, analyse};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, failing the test with its output when it does not succeed.
pub fn run(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {shown}: {e} (scripts/test.sh installs the toolchains)")
    });
    assert!(
        out.status.success(),
        "{shown} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub const HELLO_C: &str = r#"
#include <stdio.h>
int main(int argc, char **argv) {
    printf("hello %d %s\n", argc, argv[0]);
    return 0;
}
"#;

/// Compiles `source` (C) with `compiler` and `args`, returning the output path.
pub fn compile_c(dir: &Path, name: &str, compiler: &str, source: &str, args: &[&str]) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).expect("write C source");
    let out = dir.join(name);
    // Options after the source, so that `-l` libraries resolve its symbols.
    run(Command::new(compiler)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .args(args));
    out
}

pub fn facts_of(path: &Path) -> ElfFacts {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    analyse(&bytes).unwrap_or_else(|e| panic!("analyse {}: {e}", path.display()))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create temp dir")
}

/// Sizes of the sections whose names start with `.debug_` or `.zdebug_`, as
/// binutils' `readelf -SW` lists them.
pub fn readelf_debug_bytes(path: &Path) -> u64 {
    let out = run(Command::new("readelf").arg("-SW").arg(path));
    let mut total = 0;
    for line in out.lines() {
        let Some((_, rest)) = line.split_once(']') else {
            continue;
        };
        let cols: Vec<&str> = rest.split_whitespace().collect();
        // Name Type Address Off Size ...
        if let [name, ty, _addr, _off, size, ..] = cols.as_slice()
            && (name.starts_with(".debug_") || name.starts_with(".zdebug_"))
            && *ty != "NOBITS"
        {
            total += u64::from_str_radix(size, 16).expect("readelf size is hex");
        }
    }
    total
}

/// The GNU build-id as `readelf -n` prints it.
pub fn readelf_build_id(path: &Path) -> Option<String> {
    let out = run(Command::new("readelf").arg("-n").arg(path));
    out.lines()
        .find_map(|l| l.trim().strip_prefix("Build ID: "))
        .map(|s| s.trim().to_string())
}
