//! Reading untrusted input files: bounded size, no binary, UTF-8 only.

use std::io::Read;
use std::path::Path;

/// Largest Dockerfile read. Real ones are kilobytes; this bounds memory.
pub const MAX_INPUT: u64 = 8 << 20;

/// Why an input cannot be linted.
#[derive(Debug)]
pub struct InputError(pub String);

fn validate(name: &str, bytes: Vec<u8>) -> Result<String, InputError> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(InputError(format!(
            "{name}: binary data (NUL byte at offset {pos}); not a Dockerfile"
        )));
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let off = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..off]);
            let line = text.matches('\n').count() + 1;
            Err(InputError(format!(
                "{name}: not valid UTF-8 (invalid byte at offset {off}, line {line})"
            )))
        }
    }
}

/// Reads a file as text, with the checks above.
pub fn read_file(path: &Path) -> Result<String, InputError> {
    let name = path.display().to_string();
    let f =
        std::fs::File::open(path).map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
    let meta = f
        .metadata()
        .map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(InputError(format!("{name}: is a directory")));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_INPUT) as usize);
    f.take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(InputError(format!(
            "{name}: larger than {} MiB; not a Dockerfile",
            MAX_INPUT >> 20
        )));
    }
    validate(&name, bytes)
}

/// Reads standard input with the same checks.
pub fn read_stdin() -> Result<String, InputError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError(format!("-: cannot read standard input: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(InputError(format!(
            "-: larger than {} MiB",
            MAX_INPUT >> 20
        )));
    }
    validate("-", bytes)
}

/// Whether a file name is a Dockerfile by convention.
pub fn is_dockerfile_name(name: &str) -> bool {
    if name.ends_with(".dockerignore") {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
}

/// Finds Dockerfiles under `dir` (sorted; `.git` and `node_modules` skipped;
/// symlinked directories not followed, so loops cannot trap the walk).
pub fn find_dockerfiles(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError(format!("{}: cannot read directory: {e}", dir.display())))?;
    let mut items: Vec<_> = entries.filter_map(Result::ok).collect();
    items.sort_by_key(|e| e.file_name());
    for e in items {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name == ".git" || name == "node_modules" {
                continue;
            }
            find_dockerfiles(&e.path(), out)?;
        } else if (ft.is_file() || ft.is_symlink()) && is_dockerfile_name(&name) {
            out.push(e.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "x.dockerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "README.md",
            "dockerfile-notes.txt",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }

    #[test]
    fn rejects_binary_and_bad_utf8() {
        assert!(
            validate("f", b"FROM a\0".to_vec())
                .unwrap_err()
                .0
                .contains("NUL")
        );
        let e = validate("f", b"FROM a\n\xff".to_vec()).unwrap_err().0;
        assert!(e.contains("line 2"), "{e}");
    }
}
