//! Go binaries built here with Debian's Go toolchain, checked against what
//! `go version -m` reads from the same files, and a real third-party Go
//! binary.

mod common;

use common::{HELLO_C, compile_c, facts_of, run, tempdir};
use plimsoll_elf::{ElfKind, GoBuildInfo, Libc, analyse};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const DEP_GO_MOD: &str = "module example.com/dep\n\ngo 1.19\n";
const DEP_GO: &str = "package dep\n\nfunc Greeting() string { return \"hello from dep\" }\n";
const APP_GO_MOD: &str = "module example.com/app\n\ngo 1.19\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ../dep\n";
const APP_GO: &str = r#"package main

import (
	"fmt"

	"example.com/dep"
)

func main() { fmt.Println(dep.Greeting()) }
"#;
const CGO_GO_MOD: &str = "module example.com/cgoapp\n\ngo 1.19\n";
const CGO_GO: &str = r#"package main

/*
#include <stdlib.h>
static int twice(int x) { return 2 * x; }
*/
import "C"

import "fmt"

func main() { fmt.Println(int(C.twice(21))) }
"#;

/// Every Go binary the tests look at, built once with one build cache.
struct GoBins {
    _dir: tempfile::TempDir,
    static_bin: PathBuf,
    cgo_bin: PathBuf,
    stripped_bin: PathBuf,
    trimpath_bin: PathBuf,
    pie_bin: PathBuf,
}

fn go_build(root: &Path, module: &str, out: &Path, cgo: bool, args: &[&str]) {
    run(Command::new("go")
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(out)
        .arg(".")
        .current_dir(root.join(module))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GO111MODULE", "on")
        .env("GOCACHE", root.join("gocache"))
        .env("GOPATH", root.join("gopath"))
        .env("CGO_ENABLED", if cgo { "1" } else { "0" }));
}

fn bins() -> &'static GoBins {
    static BINS: OnceLock<GoBins> = OnceLock::new();
    BINS.get_or_init(|| {
        let dir = tempdir();
        let root = dir.path();
        for (rel, text) in [
            ("dep/go.mod", DEP_GO_MOD),
            ("dep/dep.go", DEP_GO),
            ("app/go.mod", APP_GO_MOD),
            ("app/main.go", APP_GO),
            ("cgoapp/go.mod", CGO_GO_MOD),
            ("cgoapp/main.go", CGO_GO),
        ] {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write Go source");
        }
        let out = root.join("out");
        std::fs::create_dir_all(&out).expect("mkdir out");
        let static_bin = out.join("static");
        let cgo_bin = out.join("cgo");
        let stripped_bin = out.join("stripped");
        let trimpath_bin = out.join("trimpath");
        let pie_bin = out.join("pie");
        go_build(root, "app", &static_bin, false, &[]);
        go_build(root, "cgoapp", &cgo_bin, true, &[]);
        go_build(root, "app", &stripped_bin, false, &["-ldflags=-s -w"]);
        go_build(root, "app", &trimpath_bin, false, &["-trimpath"]);
        go_build(root, "app", &pie_bin, false, &["-buildmode=pie"]);
        GoBins {
            _dir: dir,
            static_bin,
            cgo_bin,
            stripped_bin,
            trimpath_bin,
            pie_bin,
        }
    })
}

/// What Go itself reads from `path` (`go version -m`), parsed into the same
/// shape: its output lines, untabbed, are the module-information text.
fn go_version_m(path: &Path) -> GoBuildInfo {
    let out = run(Command::new("go")
        .arg("version")
        .arg("-m")
        .arg(path)
        .env("GOFLAGS", "")
        .env("GOPROXY", "off"));
    let (first, rest) = out.split_once('\n').expect("first line");
    let version = first
        .rsplit(": ")
        .next()
        .expect("version")
        .trim()
        .to_string();
    let text: String = rest
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix('\t').unwrap_or(l)))
        .collect();
    GoBuildInfo::parse_modinfo(version, &text)
}

fn go_info(path: &Path) -> GoBuildInfo {
    let f = facts_of(path);
    let go = f.go.expect("Go build info");
    assert_eq!(
        go,
        go_version_m(path),
        "same as `go version -m` for {}",
        path.display()
    );
    go
}

#[test]
fn static_go_binary_has_buildinfo_and_no_libc() {
    let path = &bins().static_bin;
    let f = facts_of(path);
    assert_eq!(f.kind, ElfKind::Executable);
    assert!(f.is_static);
    assert_eq!(f.interpreter, None);
    assert_eq!(f.libc(), Libc::None);
    assert!(!f.stripped, "Go keeps .symtab by default");
    assert!(f.debug_bytes > 0, "Go writes DWARF by default");
    assert!(f.go_build_id.as_deref().is_some_and(|id| id.contains('/')));

    let go = go_info(path);
    assert!(go.go_version.starts_with("go1.19"), "{}", go.go_version);
    assert_eq!(go.path, "example.com/app");
    let main = go.main.as_ref().expect("main module");
    assert_eq!(main.path, "example.com/app");
    assert_eq!(main.version, "(devel)");
    assert_eq!(go.deps.len(), 1);
    let dep = &go.deps[0];
    assert_eq!(dep.path, "example.com/dep");
    assert_eq!(dep.version, "v0.0.0");
    let replace = dep.replace.as_ref().expect("local replacement");
    assert_eq!(replace.path, "../dep");
    assert_eq!(go.cgo_enabled(), Some(false));
    assert_eq!(go.setting("GOOS"), Some("linux"));
    assert_eq!(go.setting("GOARCH"), Some("amd64"));
    assert_eq!(go.setting("-ldflags"), None);

    let out = run(&mut Command::new(path));
    assert_eq!(out.trim(), "hello from dep");
}

#[test]
fn cgo_binary_needs_glibc() {
    let path = &bins().cgo_bin;
    let f = facts_of(path);
    assert!(!f.is_static);
    assert_eq!(
        f.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert!(f.needed.iter().any(|n| n == "libc.so.6"));
    assert_eq!(f.libc(), Libc::Glibc);
    assert_eq!(f.max_glibc_needed().as_deref(), Some("GLIBC_2.34"));
    let go = go_info(path);
    assert_eq!(go.cgo_enabled(), Some(true));
    assert_eq!(go.path, "example.com/cgoapp");
    assert_eq!(go.setting("CGO_LDFLAGS"), Some(""));
    assert_eq!(run(&mut Command::new(path)).trim(), "42");
}

#[test]
fn stripped_go_binary_records_ldflags() {
    let path = &bins().stripped_bin;
    let f = facts_of(path);
    assert!(f.stripped);
    assert_eq!(f.debug_bytes, 0);
    let go = go_info(path);
    assert_eq!(go.setting("-ldflags"), Some("-s -w"));
    assert_eq!(go.cgo_enabled(), Some(false));
}

#[test]
fn trimpath_is_recorded() {
    let go = go_info(&bins().trimpath_bin);
    assert_eq!(go.setting("-trimpath"), Some("true"));
    assert_eq!(go.deps.len(), 1);
}

#[test]
fn go_pie_is_a_pie_executable_with_a_loader() {
    let path = &bins().pie_bin;
    let f = facts_of(path);
    assert_eq!(f.kind, ElfKind::PieExecutable);
    // Even with cgo off, a Go PIE is started by the system's dynamic loader:
    // it cannot run on an image without one.
    assert_eq!(
        f.interpreter.as_deref(),
        Some("/lib64/ld-linux-x86-64.so.2")
    );
    assert!(!f.is_static);
    assert_eq!(f.libc(), Libc::Glibc);
    let go = go_info(path);
    assert_eq!(go.cgo_enabled(), Some(false));
}

/// Go cross-compiles (cgo off) without any other toolchain: real 32-bit and
/// big-endian ELF files.
#[test]
fn cross_compiled_go_binaries() {
    let dir = tempdir();
    let root = dir.path();
    for (rel, text) in [
        ("dep/go.mod", DEP_GO_MOD),
        ("dep/dep.go", DEP_GO),
        ("app/go.mod", APP_GO_MOD),
        ("app/main.go", APP_GO),
    ] {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write Go source");
    }
    // (GOARCH, class, big-endian, e_machine, machine name)
    let targets = [
        ("386", 32, false, 3, "i386"),
        ("arm64", 64, false, 183, "aarch64"),
        ("s390x", 64, true, 22, "s390x"),
        ("mips", 32, true, 8, "mips"),
    ];
    for (goarch, class, big, machine, name) in targets {
        let out = root.join(format!("app-{goarch}"));
        run(Command::new("go")
            .args(["build", "-o"])
            .arg(&out)
            .arg(".")
            .current_dir(root.join("app"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOPROXY", "off")
            .env("GOSUMDB", "off")
            .env("GOCACHE", root.join("gocache"))
            .env("GOPATH", root.join("gopath"))
            .env("CGO_ENABLED", "0")
            .env("GOOS", "linux")
            .env("GOARCH", goarch));
        let f = facts_of(&out);
        assert_eq!(f.class, class, "{goarch}");
        assert_eq!(f.big_endian, big, "{goarch}");
        assert_eq!(f.machine, machine, "{goarch}");
        assert_eq!(f.machine_name, name);
        assert_eq!(f.kind, ElfKind::Executable);
        assert!(f.is_static);
        assert!(!f.stripped);
        assert!(f.go_build_id.is_some(), "{goarch}");
        let go = go_info(&out);
        assert_eq!(go.setting("GOARCH"), Some(goarch));
        assert_eq!(go.deps.len(), 1);
    }
}

/// Clears `e_shoff`, `e_shnum` and `e_shstrndx` of a 64-bit little-endian
/// ELF file, as `sstrip` does: the kernel and loader never read sections.
fn drop_section_headers(bytes: &mut [u8]) {
    bytes[0x28..0x30].fill(0); // e_shoff
    bytes[0x3c..0x40].fill(0); // e_shnum, e_shstrndx
}

#[test]
fn facts_survive_removal_of_section_headers() {
    for path in [&bins().cgo_bin, &bins().static_bin] {
        let bytes = std::fs::read(path).expect("read");
        let full = analyse(&bytes).expect("analyse");
        let mut bare = bytes.clone();
        drop_section_headers(&mut bare);
        let f = analyse(&bare).expect("analyse without sections");
        // What the loader sees is unchanged.
        assert_eq!(f.interpreter, full.interpreter);
        assert_eq!(f.needed, full.needed);
        assert_eq!(f.version_needs, full.version_needs);
        assert_eq!(f.kind, full.kind);
        // Build info is found by scanning the first writable segment.
        assert_eq!(f.go, full.go, "{}", path.display());
        // Without section headers nothing tells about symbols or DWARF.
        assert!(f.stripped);
        assert_eq!(f.debug_bytes, 0);
    }
}

#[test]
fn third_party_dive_has_buildinfo() {
    let path = Path::new("/root/.cache/plimsoll-venv/bin/dive");
    let f = facts_of(path);
    assert!(f.is_static);
    assert_eq!(f.libc(), Libc::None);
    let go = go_info(path);
    assert!(go.go_version.starts_with("go1."), "{}", go.go_version);
    assert_eq!(go.path, "github.com/wagoodman/dive");
    assert!(go.deps.len() > 10);
    assert!(
        go.deps
            .iter()
            .all(|d| d.sum.as_deref().is_some_and(|s| s.starts_with("h1:")))
    );
    assert_eq!(go.cgo_enabled(), Some(false));
}

/// Go before 1.18 stored two pointers to Go string headers instead of inline
/// strings. No such toolchain is installed here, so gcc and ld lay out that
/// form for real: a `.go.buildinfo` section whose pointers the linker
/// resolves, in a non-PIE executable.
const POINTER_FORM_C: &str = r#"
struct gostring { const char *data; long len; };
static const char vers[] = "go1.16.15";
static const char mod[] =
    "0123456789abcdef"
    "path\texample.com/old\n"
    "mod\texample.com/old\t(devel)\t\n"
    "dep\tgolang.org/x/sys\tv0.0.0-20210124154548-22da62e12c0c\th1:abc=\n"
    "fedcba9876543210";
static const struct gostring vers_hdr = { vers, sizeof(vers) - 1 };
static const struct gostring mod_hdr = { mod, sizeof(mod) - 1 };
struct header {
    char magic[14];
    char ptr_size;
    char flags;
    const struct gostring *vers;
    const struct gostring *mod;
};
__attribute__((section(".go.buildinfo"), aligned(16), used))
const struct header buildinfo = { "\xff Go buildinf:", 8, 0, &vers_hdr, &mod_hdr };
int main(void) { return 0; }
"#;

#[test]
fn pointer_form_of_buildinfo() {
    let dir = tempdir();
    let bin = compile_c(
        dir.path(),
        "oldgo",
        "gcc",
        POINTER_FORM_C,
        &["-no-pie", "-O0"],
    );
    let f = facts_of(&bin);
    let go = f.go.expect("pointer-form build info");
    assert_eq!(go.go_version, "go1.16.15");
    assert_eq!(go.path, "example.com/old");
    assert_eq!(
        go.main.as_ref().map(|m| m.version.as_str()),
        Some("(devel)")
    );
    assert_eq!(go.deps.len(), 1);
    assert_eq!(go.deps[0].sum.as_deref(), Some("h1:abc="));
    assert_eq!(
        go.cgo_enabled(),
        None,
        "Go before 1.18 recorded no settings"
    );
    // And Go's own reader agrees.
    let theirs = go_version_m(&bin);
    assert_eq!(theirs.go_version, "go1.16.15");
    assert_eq!(theirs.deps.len(), 1);
}

#[test]
fn c_binaries_have_no_go_info() {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "c", "gcc", HELLO_C, &[]);
    let f = facts_of(&bin);
    assert!(f.go.is_none());
    assert!(f.go_build_id.is_none());
}
