// The rule-registry generator shared by every rules crate (each crate's
// `build.rs` is this file): every `src/rules/<code>.rs` is a rule module
// with `META` and `check`, and `RULES` lists them sorted by file name.
use std::fmt::Write;

fn main() {
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            let stem = p.file_stem()?.to_str()?.to_string();
            (p.extension()? == "rs" && stem != "mod").then_some(stem)
        })
        .collect();
    names.sort();
    let mut out = String::new();
    for n in &names {
        let path = dir.join(format!("{n}.rs"));
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "#[path = {:?}]\npub mod {n};",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("/// Every rule, sorted by file name.\npub static RULES: &[crate::Rule] = &[\n");
    for n in &names {
        let path = dir.join(format!("{n}.rs"));
        writeln!(
            out,
            "    crate::Rule {{ meta: {n}::META, check: {n}::check, source: include_str!({:?}) }},",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    // Rules that name the peer checks they stand for (`pub const PEERS`).
    out.push_str("/// Peer checks each rule covers, for rules that declare `PEERS`.\n#[allow(dead_code)]\npub static PEERS: &[(&str, &[&str])] = &[\n");
    for n in &names {
        let path = dir.join(format!("{n}.rs"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("pub const PEERS") {
            writeln!(out, "    ({n}::META.code, {n}::PEERS),").unwrap();
        }
    }
    out.push_str("];\n");
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("registry.rs");
    std::fs::write(dest, out).unwrap();
}
