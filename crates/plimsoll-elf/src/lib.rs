//! Typed facts about one ELF file, read from memory, for predicting whether a
//! binary will run in a container image.
//!
//! [`analyse`] takes the whole file as a byte slice (the caller reads it and
//! caps its size) and returns [`ElfFacts`]:
//!
//! - the ELF header: class (32/64), byte order, machine and file type; an
//!   `ET_DYN` file with a `PT_INTERP` segment or the `DF_1_PIE` flag is a PIE
//!   executable, otherwise a shared object;
//! - what the dynamic loader reads, taken from the program headers exactly as
//!   the loader takes them: the `PT_INTERP` path, and from `PT_DYNAMIC` the
//!   `DT_NEEDED` libraries, `DT_SONAME`, `DT_RPATH`/`DT_RUNPATH` and the GNU
//!   symbol versions needed (`DT_VERNEED`, e.g. `GLIBC_2.34` from
//!   `libc.so.6`) and defined (`DT_VERDEF`); addresses are resolved to file
//!   offsets through the `PT_LOAD` segments;
//! - from the section headers: whether a `.symtab` is present (not stripped),
//!   the bytes taken by `.debug_*`/`.zdebug_*` sections, UPX section names and
//!   the `.go.buildinfo` section;
//! - notes: the GNU build-id and Go's own build id;
//! - UPX packing: the `UPX!` magic in the first 4 KiB or `UPX0`/`UPX1`
//!   sections;
//! - Go build information (toolchain version, main module, dependencies,
//!   build settings such as `CGO_ENABLED` and `-ldflags`), in both the inline
//!   form written by Go 1.18 and later and the older pointer form.
//!
//! From these, [`ElfFacts::libc`] judges which C library the binary expects
//! and [`ElfFacts::max_glibc_needed`] names the newest glibc symbol version
//! it needs; [`compare_versions`] orders symbol-version names numerically.
//!
//! Limits: the input is untrusted. Parsing never panics; every loop is
//! bounded (program headers, sections, dynamic entries, version entries,
//! notes) and collected strings are capped in length and in total, with an
//! [`ElfError::Malformed`] naming what was wrong when a structure the loader
//! needs (headers, `PT_INTERP`, `PT_DYNAMIC` and its string and version
//! tables) cannot be read. Notes and Go build information are best effort:
//! when they cannot be read they are reported absent rather than failing the
//! file. Nothing is relocated or executed: addresses in the dynamic table are
//! taken as link-time addresses, which is what they are in a file on disk.
//! Compressed debug sections count with their compressed size. Core dumps and
//! relocatable objects are recognised but only their headers are meaningful.

mod go;
mod parse;
mod versions;

pub use go::{GoBuildInfo, GoModule};
pub use versions::compare_versions;

use serde::Serialize;
use std::fmt;

/// The four bytes every ELF file starts with.
pub const ELF_MAGIC: [u8; 4] = *b"\x7fELF";

/// Reads one ELF file held in memory.
///
/// Returns [`ElfError::NotElf`] when `bytes` does not start with the ELF magic
/// and [`ElfError::Malformed`] when it does but the structures the dynamic
/// loader relies on cannot be read.
pub fn analyse(bytes: &[u8]) -> Result<ElfFacts, ElfError> {
    parse::analyse(bytes)
}

/// Whether `prefix` (the first bytes of a file, at least four) carries the ELF
/// magic. Use it to decide cheaply whether a file is worth reading whole.
pub fn is_elf(prefix: &[u8]) -> bool {
    prefix.starts_with(&ELF_MAGIC)
}

/// Why a file could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfError {
    /// The bytes do not start with `\x7fELF`.
    NotElf,
    /// The file claims to be ELF but a structure could not be read; the
    /// message names the structure and what is wrong with it.
    Malformed(String),
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElfError::NotElf => f.write_str("not an ELF file (no \\x7fELF magic at offset 0)"),
            ElfError::Malformed(msg) => write!(f, "malformed ELF file: {msg}"),
        }
    }
}

impl std::error::Error for ElfError {}

/// What the ELF file type and dynamic flags say the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElfKind {
    /// `ET_EXEC`: a position-dependent executable.
    Executable,
    /// `ET_DYN` with `PT_INTERP` or `DF_1_PIE`: a position-independent
    /// executable (including static PIE).
    PieExecutable,
    /// `ET_DYN` without either: a shared library.
    SharedObject,
    /// `ET_REL`: an object file.
    Relocatable,
    /// `ET_CORE`: a core dump.
    Core,
    /// Any other `e_type` value.
    Other(u16),
}

/// Symbol versions needed from one library (`DT_VERNEED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionNeed {
    /// The library, as named in the version-needed entry (e.g. `libc.so.6`).
    pub file: String,
    /// The version names needed from it, in file order (e.g. `GLIBC_2.34`).
    pub versions: Vec<String>,
}

/// Which C library a dynamically linked binary expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Libc {
    /// GNU C library (`ld-linux*`/`ld64.so*` loader, `libc.so.6`, `GLIBC_*`).
    Glibc,
    /// musl (`ld-musl-*` loader, `libc.so` or `libc.musl-*`).
    Musl,
    /// Static, or a C library this crate does not recognise; see
    /// [`ElfFacts::is_static`] to tell the two apart.
    None,
}

/// Facts read from one ELF file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElfFacts {
    /// 32 or 64.
    pub class: u8,
    /// Whether the file is big-endian.
    pub big_endian: bool,
    /// `e_machine`.
    pub machine: u16,
    /// A name for `e_machine` as image platforms spell it (`x86_64`,
    /// `aarch64`, `i386`, `arm`, `riscv64`, `ppc64le`, `s390x`, …) or
    /// `unknown(N)`.
    pub machine_name: String,
    /// What kind of file this is.
    pub kind: ElfKind,
    /// The `PT_INTERP` path (program interpreter, i.e. dynamic loader).
    pub interpreter: Option<String>,
    /// `DT_NEEDED` entries in order.
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// `DT_RPATH` split on `:` (`$ORIGIN` kept literally).
    pub rpath: Vec<String>,
    /// `DT_RUNPATH` split on `:` (`$ORIGIN` kept literally).
    pub runpath: Vec<String>,
    /// No `PT_INTERP` and no `DT_NEEDED`: needs nothing from the image at
    /// load time. (A shared object without dependencies is also "static" in
    /// this sense.)
    pub is_static: bool,
    /// Symbol versions needed, per library, from `DT_VERNEED`.
    pub version_needs: Vec<VersionNeed>,
    /// Symbol versions this file defines (`DT_VERDEF`), without the base
    /// entry that repeats the soname.
    pub version_defs: Vec<String>,
    /// No `.symtab` section.
    pub stripped: bool,
    /// Sum of the sizes of `.debug_*` and `.zdebug_*` sections present in the
    /// file: what stripping debug information would save.
    pub debug_bytes: u64,
    /// GNU build-id note, lowercase hex.
    pub build_id: Option<String>,
    /// Go's build id note (`Go` / type 4), as text.
    pub go_build_id: Option<String>,
    /// Packed with UPX.
    pub upx: bool,
    /// Go build information, when this is a Go binary that carries it.
    pub go: Option<GoBuildInfo>,
}

impl ElfFacts {
    /// Judges the C library from the interpreter path, then `DT_NEEDED`, then
    /// the symbol versions needed.
    pub fn libc(&self) -> Libc {
        if let Some(interp) = &self.interpreter {
            let base = interp.rsplit('/').next().unwrap_or(interp);
            if base.starts_with("ld-musl-") {
                return Libc::Musl;
            }
            if base.starts_with("ld-linux") || base.starts_with("ld64.so") || base == "ld.so.1" {
                return Libc::Glibc;
            }
        }
        for lib in &self.needed {
            let base = lib.rsplit('/').next().unwrap_or(lib);
            if base.starts_with("libc.musl-") || base.starts_with("ld-musl-") || base == "libc.so" {
                return Libc::Musl;
            }
            if base == "libc.so.6" || base == "libc.so.6.1" || base.starts_with("ld-linux") {
                return Libc::Glibc;
            }
        }
        let glibc_versions = self
            .version_needs
            .iter()
            .flat_map(|n| n.versions.iter())
            .any(|v| v.starts_with("GLIBC_"));
        if glibc_versions {
            return Libc::Glibc;
        }
        Libc::None
    }

    /// The highest `GLIBC_x.y[.z]` version needed from any library, compared
    /// numerically (`GLIBC_2.34` > `GLIBC_2.9`). `GLIBC_PRIVATE` and other
    /// names without a number are ignored.
    pub fn max_glibc_needed(&self) -> Option<String> {
        self.version_needs
            .iter()
            .flat_map(|n| n.versions.iter())
            .filter(|v| {
                v.strip_prefix("GLIBC_")
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(|c| c.is_ascii_digit())
            })
            .max_by(|a, b| compare_versions(a, b))
            .cloned()
    }

    /// All version names needed from any library, flattened, in file order.
    pub fn needed_versions(&self) -> impl Iterator<Item = &str> {
        self.version_needs
            .iter()
            .flat_map(|n| n.versions.iter().map(String::as_str))
    }
}

/// A name for an `e_machine` value.
pub fn machine_name(machine: u16, class: u8, big_endian: bool) -> String {
    let is64 = class == 64;
    let name = match machine {
        3 => "i386",
        62 => "x86_64",
        40 => "arm",
        183 => "aarch64",
        243 if is64 => "riscv64",
        243 => "riscv32",
        21 if big_endian => "ppc64",
        21 => "ppc64le",
        20 if big_endian => "ppc",
        20 => "ppcle",
        22 if is64 => "s390x",
        22 => "s390",
        8 => match (is64, big_endian) {
            (true, true) => "mips64",
            (true, false) => "mips64el",
            (false, true) => "mips",
            (false, false) => "mipsel",
        },
        258 if is64 => "loongarch64",
        258 => "loongarch32",
        43 => "sparc64",
        2 => "sparc",
        50 => "ia64",
        15 => "parisc",
        42 => "sh",
        9 => "s370",
        _ => return format!("unknown({machine})"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ElfFacts {
        ElfFacts {
            class: 64,
            big_endian: false,
            machine: 62,
            machine_name: "x86_64".into(),
            kind: ElfKind::PieExecutable,
            interpreter: None,
            needed: Vec::new(),
            soname: None,
            rpath: Vec::new(),
            runpath: Vec::new(),
            is_static: true,
            version_needs: Vec::new(),
            version_defs: Vec::new(),
            stripped: false,
            debug_bytes: 0,
            build_id: None,
            go_build_id: None,
            upx: false,
            go: None,
        }
    }

    #[test]
    fn machine_names() {
        assert_eq!(machine_name(62, 64, false), "x86_64");
        assert_eq!(machine_name(183, 64, false), "aarch64");
        assert_eq!(machine_name(21, 64, false), "ppc64le");
        assert_eq!(machine_name(21, 64, true), "ppc64");
        assert_eq!(machine_name(22, 64, true), "s390x");
        assert_eq!(machine_name(243, 64, false), "riscv64");
        assert_eq!(machine_name(8, 32, false), "mipsel");
        assert_eq!(machine_name(9999, 64, false), "unknown(9999)");
    }

    #[test]
    fn libc_from_loaders_of_other_architectures() {
        let with_interp = |p: &str| ElfFacts {
            interpreter: Some(p.into()),
            is_static: false,
            ..facts()
        };
        for glibc in [
            "/lib/ld-linux-aarch64.so.1",
            "/lib/ld-linux-armhf.so.3",
            "/lib/ld-linux.so.2",
            "/lib64/ld64.so.2",
            "/lib/ld64.so.1",
            "/lib/ld-linux-riscv64-lp64d.so.1",
        ] {
            assert_eq!(with_interp(glibc).libc(), Libc::Glibc, "{glibc}");
        }
        for musl in ["/lib/ld-musl-aarch64.so.1", "/lib/ld-musl-armhf.so.1"] {
            assert_eq!(with_interp(musl).libc(), Libc::Musl, "{musl}");
        }
        assert_eq!(with_interp("/system/bin/linker64").libc(), Libc::None);
        assert_eq!(facts().libc(), Libc::None);
    }

    #[test]
    fn libc_from_needed_and_versions_when_there_is_no_loader() {
        let alpine = ElfFacts {
            needed: vec!["libc.musl-x86_64.so.1".into()],
            ..facts()
        };
        assert_eq!(alpine.libc(), Libc::Musl);
        let versions_only = ElfFacts {
            version_needs: vec![VersionNeed {
                file: "libm.so.6".into(),
                versions: vec![
                    "GLIBC_2.29".into(),
                    "GLIBC_PRIVATE".into(),
                    "GLIBC_2.2.5".into(),
                ],
            }],
            ..facts()
        };
        assert_eq!(versions_only.libc(), Libc::Glibc);
        assert_eq!(
            versions_only.max_glibc_needed().as_deref(),
            Some("GLIBC_2.29")
        );
    }
}
