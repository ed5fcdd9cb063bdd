//! C binaries built here with gcc and musl-gcc, the host's glibc, and real
//! third-party static binaries.

mod common;

use common::{HELLO_C, compile_c, facts_of, readelf_build_id, readelf_debug_bytes, run, tempdir};
use plimsoll_elf::{ElfKind, Libc, compare_versions};
use std::process::Command;

const GLIBC_LOADER: &str = "/lib64/ld-linux-x86-64.so.2";
const MUSL_LOADER: &str = "/lib/ld-musl-x86_64.so.1";

#[test]
fn gcc_dynamic_pie_needs_glibc() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "hello", "gcc", HELLO_C, &["-pie", "-fPIE"]);
    let f = facts_of(&bin);
    assert_eq!(f.class, 64);
    assert!(!f.big_endian);
    assert_eq!(f.machine, 62);
    assert_eq!(f.machine_name, "x86_64");
    assert_eq!(f.kind, ElfKind::PieExecutable);
    assert_eq!(f.interpreter.as_deref(), Some(GLIBC_LOADER));
    assert_eq!(f.needed, ["libc.so.6"]);
    assert!(!f.is_static);
    assert_eq!(f.libc(), Libc::Glibc);
    let libc_needs = f
        .version_needs
        .iter()
        .find(|n| n.file == "libc.so.6")
        .expect("version needs from libc.so.6");
    assert!(libc_needs.versions.iter().all(|v| v.starts_with("GLIBC_")));
    assert!(libc_needs.versions.iter().any(|v| v == "GLIBC_2.2.5"));
    // __libc_start_main@GLIBC_2.34 on this Debian 12 toolchain.
    assert_eq!(f.max_glibc_needed().as_deref(), Some("GLIBC_2.34"));
    assert!(f.go.is_none());
    assert!(!f.upx);
    // The binary really runs with that loader.
    let out = run(&mut Command::new(&bin));
    assert!(out.starts_with("hello 1"));
}

#[test]
fn gcc_no_pie_is_a_plain_executable() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "nopie", "gcc", HELLO_C, &["-no-pie"]);
    let f = facts_of(&bin);
    assert_eq!(f.kind, ElfKind::Executable);
    assert_eq!(f.interpreter.as_deref(), Some(GLIBC_LOADER));
    assert_eq!(f.libc(), Libc::Glibc);
}

#[test]
fn gcc_static_needs_nothing() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "static", "gcc", HELLO_C, &["-static"]);
    let f = facts_of(&bin);
    assert_eq!(f.kind, ElfKind::Executable);
    assert!(f.is_static);
    assert_eq!(f.interpreter, None);
    assert!(f.needed.is_empty());
    assert!(f.version_needs.is_empty());
    assert_eq!(f.libc(), Libc::None);
    assert_eq!(f.max_glibc_needed(), None);
}

#[test]
fn gcc_static_pie_is_a_static_pie_executable() {
    let dir = tempdir();
    let bin = compile_c(
        dir.path(),
        "spie",
        "gcc",
        HELLO_C,
        &["-static-pie", "-fPIE"],
    );
    let f = facts_of(&bin);
    // ET_DYN without PT_INTERP: only DF_1_PIE tells it from a library.
    assert_eq!(f.kind, ElfKind::PieExecutable);
    assert!(f.is_static);
    assert_eq!(f.interpreter, None);
    assert!(f.needed.is_empty());
}

#[test]
fn stripped_and_debug_builds() {
    let dir = tempdir();
    let stripped = compile_c(dir.path(), "s", "gcc", HELLO_C, &["-s"]);
    let f = facts_of(&stripped);
    assert!(f.stripped);
    assert_eq!(f.debug_bytes, 0);

    let debug = compile_c(dir.path(), "g", "gcc", HELLO_C, &["-g"]);
    let f = facts_of(&debug);
    assert!(!f.stripped);
    assert!(f.debug_bytes > 0);
    assert_eq!(f.debug_bytes, readelf_debug_bytes(&debug));

    // Plain build: symbols but no DWARF.
    let plain = compile_c(dir.path(), "plain", "gcc", HELLO_C, &[]);
    let f = facts_of(&plain);
    assert!(!f.stripped);
    assert_eq!(f.debug_bytes, 0);

    // strip --strip-debug removes exactly the debug sections.
    let copy = dir.path().join("g-stripdebug");
    run(Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&copy)
        .arg(&debug));
    let f = facts_of(&copy);
    assert!(!f.stripped, "--strip-debug keeps .symtab");
    assert_eq!(f.debug_bytes, 0);
}

#[test]
fn compressed_debug_sections_count() {
    let dir = tempdir();
    let bin = compile_c(
        dir.path(),
        "gz",
        "gcc",
        HELLO_C,
        &["-g", "-Wl,--compress-debug-sections=zlib-gnu"],
    );
    let f = facts_of(&bin);
    let expected = readelf_debug_bytes(&bin);
    assert!(expected > 0);
    assert_eq!(f.debug_bytes, expected);
}

#[test]
fn build_id_matches_readelf() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "bid", "gcc", HELLO_C, &["-Wl,--build-id"]);
    let f = facts_of(&bin);
    let id = f.build_id.clone().expect("build-id present");
    assert_eq!(id.len(), 40, "sha1 build-id is 20 bytes");
    assert!(
        id.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
    assert_eq!(Some(id), readelf_build_id(&bin));
    assert_eq!(f.go_build_id, None);

    let bin = compile_c(dir.path(), "uuid", "gcc", HELLO_C, &["-Wl,--build-id=uuid"]);
    let f = facts_of(&bin);
    assert_eq!(f.build_id.as_ref().map(String::len), Some(32));
    assert_eq!(f.build_id, readelf_build_id(&bin));

    let bin = compile_c(dir.path(), "none", "gcc", HELLO_C, &["-Wl,--build-id=none"]);
    assert_eq!(facts_of(&bin).build_id, None);
}

#[test]
fn musl_dynamic_and_static() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "mdyn", "musl-gcc", HELLO_C, &[]);
    let f = facts_of(&bin);
    assert_eq!(f.interpreter.as_deref(), Some(MUSL_LOADER));
    assert_eq!(f.needed, ["libc.so"]);
    assert!(f.version_needs.is_empty());
    assert!(!f.is_static);
    assert_eq!(f.libc(), Libc::Musl);
    assert_eq!(f.max_glibc_needed(), None);

    let bin = compile_c(dir.path(), "mstatic", "musl-gcc", HELLO_C, &["-static"]);
    let f = facts_of(&bin);
    assert!(f.is_static);
    assert_eq!(f.interpreter, None);
    assert!(f.needed.is_empty());
    assert_eq!(f.libc(), Libc::None);
    let out = run(&mut Command::new(&bin));
    assert!(out.starts_with("hello 1"));
}

#[test]
fn rpath_and_runpath() {
    let dir = tempdir();
    let bin = compile_c(
        dir.path(),
        "rp",
        "gcc",
        HELLO_C,
        &["-Wl,-rpath,$ORIGIN/../lib", "-Wl,--disable-new-dtags"],
    );
    let f = facts_of(&bin);
    assert_eq!(f.rpath, ["$ORIGIN/../lib"]);
    assert!(f.runpath.is_empty());

    let bin = compile_c(
        dir.path(),
        "rn",
        "gcc",
        HELLO_C,
        &[
            "-Wl,-rpath,$ORIGIN/../lib:/opt/x/lib",
            "-Wl,--enable-new-dtags",
        ],
    );
    let f = facts_of(&bin);
    assert!(f.rpath.is_empty());
    assert_eq!(f.runpath, ["$ORIGIN/../lib", "/opt/x/lib"]);
}

const LIB_C: &str = r#"
#include <stdio.h>
int x_old(void) { return 1; }
int x_new(void) { return puts("x_new") >= 0 ? 2 : 0; }
"#;

const LIB_MAP: &str = "X_1.0 { global: x_old; local: *; };\nX_2.0 { global: x_new; } X_1.0;\n";

const USE_LIB_C: &str = r#"
int x_new(void);
int main(void) { return x_new() == 2 ? 0 : 1; }
"#;

#[test]
fn shared_library_soname_version_definitions_and_needs() {
    let dir = tempdir();
    let map = dir.path().join("x.map");
    std::fs::write(&map, LIB_MAP).expect("write version script");
    let lib = compile_c(
        dir.path(),
        "libx.so.1",
        "gcc",
        LIB_C,
        &[
            "-shared",
            "-fPIC",
            "-Wl,-soname,libx.so.1",
            &format!("-Wl,--version-script={}", map.display()),
        ],
    );
    let f = facts_of(&lib);
    assert_eq!(f.kind, ElfKind::SharedObject);
    assert_eq!(f.soname.as_deref(), Some("libx.so.1"));
    assert_eq!(f.interpreter, None);
    assert_eq!(f.version_defs, ["X_1.0", "X_2.0"]);
    // The library has no loader of its own; libc.so.6 gives it away.
    assert_eq!(f.needed, ["libc.so.6"]);
    assert_eq!(f.libc(), Libc::Glibc);
    assert!(!f.stripped);

    // An executable linked against it needs X_2.0 from libx.so.1.
    std::fs::copy(&lib, dir.path().join("libx.so")).expect("copy link name");
    let exe = compile_c(
        dir.path(),
        "usex",
        "gcc",
        USE_LIB_C,
        &[
            &format!("-L{}", dir.path().display()),
            "-lx",
            "-Wl,-rpath,$ORIGIN",
        ],
    );
    let f = facts_of(&exe);
    assert!(f.needed.iter().any(|n| n == "libx.so.1"));
    let need = f
        .version_needs
        .iter()
        .find(|n| n.file == "libx.so.1")
        .expect("needs from libx.so.1");
    assert_eq!(need.versions, ["X_2.0"]);
    assert_eq!(f.runpath, ["$ORIGIN"]);
    assert_eq!(run(&mut Command::new(&exe)).trim(), "x_new");
}

#[test]
fn host_glibc_defines_its_versions() {
    let f = facts_of(std::path::Path::new("/lib/x86_64-linux-gnu/libc.so.6"));
    assert_eq!(f.soname.as_deref(), Some("libc.so.6"));
    assert!(f.version_defs.iter().any(|v| v == "GLIBC_2.34"));
    assert!(f.version_defs.iter().any(|v| v == "GLIBC_2.2.5"));
    assert!(
        !f.version_defs.iter().any(|v| v == "libc.so.6"),
        "base entry left out"
    );

    let mut numbered: Vec<&str> = f
        .version_defs
        .iter()
        .map(String::as_str)
        .filter(|v| {
            v.strip_prefix("GLIBC_")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    numbered.sort_by(|a, b| compare_versions(a, b));
    assert_eq!(numbered.first(), Some(&"GLIBC_2.2.5"));
    let pos = |v: &str| numbered.iter().position(|x| *x == v).expect(v);
    assert!(pos("GLIBC_2.9") < pos("GLIBC_2.10"));
    assert!(pos("GLIBC_2.3") < pos("GLIBC_2.3.4"));
    assert!(pos("GLIBC_2.3.4") < pos("GLIBC_2.4"));
    // The newest defined version is the running glibc's release.
    let release = run(Command::new("getconf").arg("GNU_LIBC_VERSION"));
    let release = release
        .trim()
        .strip_prefix("glibc ")
        .expect("glibc version");
    assert_eq!(
        numbered.last().copied(),
        Some(format!("GLIBC_{release}").as_str())
    );
}

#[test]
fn third_party_hadolint_is_static() {
    let f = facts_of(std::path::Path::new(
        "/root/.cache/plimsoll-venv/bin/hadolint",
    ));
    assert_eq!(f.machine_name, "x86_64");
    assert!(f.is_static);
    assert_eq!(f.interpreter, None);
    assert_eq!(f.libc(), Libc::None);
    assert!(f.go.is_none(), "hadolint is Haskell");
}

#[test]
fn upx_magic_near_the_start_is_detected() {
    // No `upx` exists on these machines; this checks the detection rule on a
    // real binary with the packer's magic written into its first KiB.
    let dir = tempdir();
    let bin = compile_c(dir.path(), "u", "gcc", HELLO_C, &["-static"]);
    let mut bytes = std::fs::read(&bin).expect("read");
    assert!(!plimsoll_elf::analyse(&bytes).expect("analyse").upx);
    let at = 0x300;
    bytes.splice(at..at + 4, *b"UPX!");
    assert!(plimsoll_elf::analyse(&bytes).expect("analyse").upx);
}

#[test]
fn facts_serialise_to_json() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "j", "gcc", HELLO_C, &["-pie", "-fPIE"]);
    let f = facts_of(&bin);
    let v = serde_json::to_value(&f).expect("serialise");
    assert_eq!(v["kind"], "pie_executable");
    assert_eq!(v["interpreter"], GLIBC_LOADER);
    assert_eq!(v["needed"][0], "libc.so.6");
    assert_eq!(v["version_needs"][0]["file"], "libc.so.6");
    assert_eq!(serde_json::to_value(f.libc()).expect("libc"), "glibc");
}
