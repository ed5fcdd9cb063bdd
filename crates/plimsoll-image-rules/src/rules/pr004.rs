//! # PR004: binaries shipping debug information
//!
//! Debug sections (`.debug_*`, `.zdebug_*`: DWARF) and symbol tables help
//! debuggers and profilers but are never loaded when the program runs;
//! in an image they only add bytes to every pull. Go builds keep both by
//! default (`go build` without `-ldflags="-s -w"`), C and C++ builds with
//! `-g`, Rust with `debug = true`. The rule lists ELF files in the final
//! filesystem that carry at least 1 MiB of debug sections, and Go binaries
//! that are not stripped, with the total that stripping would save (the
//! debug sections' bytes; the symbol table comes on top).
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /server .
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /server .
//! ```
//!
//! ## Fix
//! Go: `-ldflags="-s -w"`. C/C++: `strip --strip-debug` (or
//! `--strip-unneeded`) after the build, or install the distribution's
//! stripped package. Rust: `[profile.release] strip = true`. Keep the
//! debug files out of the image if you need them (`objcopy
//! --only-keep-debug`, `debuginfod`).
//!
//! ## Incident it prevents
//! An image of twelve Go microservice binaries, each with its DWARF, was
//! 180 MB; stripped, 110 MB — 70 MB less on every node for every deploy.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::{Content, Kind};

pub const META: Meta = Meta {
    code: "PR004",
    severity: Severity::Info,
    category: Category::Runnability,
    summary: "Binaries ship debug information (1 MiB or more, or unstripped Go)",
};

const MIN: u64 = 1 << 20;
const SHOWN: usize = 10;

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut found: Vec<(String, u64, bool, bool)> = Vec::new(); // (path, debug bytes, go, stripped)
    for (path, n) in &cx.image.tree.nodes {
        if n.kind != Kind::File {
            continue;
        }
        let Some(Content::Elf(f)) = n.content.as_deref() else {
            continue;
        };
        let go = f.go.is_some();
        if f.debug_bytes >= MIN || (go && !f.stripped) {
            found.push((format!("/{path}"), f.debug_bytes, go, f.stripped));
        }
    }
    if found.is_empty() {
        return vec![];
    }
    found.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let total = found.iter().fold(0u64, |a, f| a.saturating_add(f.1));
    let go = found.iter().any(|f| f.2);
    let list: Vec<String> = found
        .iter()
        .take(SHOWN)
        .map(|(p, bytes, go, stripped)| {
            let mut what = format!("{} of debug sections", crate::human(*bytes));
            if !stripped {
                what.push_str(", symbol table");
            }
            if *go {
                what.push_str(", Go");
            }
            format!("{p} ({what})")
        })
        .collect();
    let more = found.len().saturating_sub(SHOWN);
    let n = found.len();
    let mut msg = format!(
        "{n} {} debug information; stripping would save at least {}: {}",
        if n == 1 {
            "binary ships"
        } else {
            "binaries ship"
        },
        crate::human(total),
        list.join(", ")
    );
    if more > 0 {
        msg.push_str(&format!(" and {more} more"));
    }
    let fix = if go {
        "go build -ldflags=\"-s -w\" …   # C/C++: strip --strip-debug FILE; Rust: [profile.release] strip = true"
    } else {
        "strip --strip-debug FILE   # Go: -ldflags=\"-s -w\"; Rust: [profile.release] strip = true"
    };
    vec![Hit::new(msg).with_fix(fix)]
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn real_unstripped_go_build() {
        let bin = go_program(false);
        let facts = plimsoll_elf::analyse(&bin).expect("a Go binary");
        assert!(
            !facts.stripped && facts.debug_bytes > 0,
            "go build keeps DWARF by default"
        );
        let img = ImageBuilder::new()
            .layer(Layer::new("COPY --from=build /server /server").exe("server", &bin))
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1);
        let want = format!(
            "1 binary ships debug information; stripping would save at least {0}: /server ({0} of debug sections, symbol table, Go)",
            crate::human(facts.debug_bytes)
        );
        assert_eq!(hits[0].message, want);
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .starts_with("go build -ldflags=\"-s -w\"")
        );
    }

    #[test]
    fn stripped_binaries_and_small_debug_pass() {
        // Debian's own binaries are stripped; its Go tool too.
        let img = ImageBuilder::new()
            .layer(
                Layer::new("ADD rootfs.tar /")
                    .host("usr/bin/ls", "/usr/bin/ls")
                    .host("usr/lib/go-1.19/bin/go", "/usr/lib/go-1.19/bin/go"),
            )
            .layer(Layer::new("COPY tool /tool").elf(
                "tool",
                100_000,
                ElfFacts {
                    debug_bytes: 500_000,
                    stripped: false,
                    ..static_elf()
                },
            ))
            .build();
        assert!(run(super::check, &img).is_empty());
    }

    #[test]
    fn c_libraries_with_dwarf_sorted_and_capped() {
        let mut l = Layer::new("COPY build/ /opt/app/lib/");
        for i in 0..12u64 {
            l = l.elf(
                &format!("opt/app/lib/lib{i:02}.so"),
                10_000_000,
                ElfFacts {
                    debug_bytes: (i + 1) << 20,
                    stripped: false,
                    ..static_elf()
                },
            );
        }
        let hits = run(super::check, &ImageBuilder::new().layer(l).build());
        assert_eq!(hits.len(), 1);
        let m = &hits[0].message;
        assert!(m.starts_with("12 binaries ship debug information; stripping would save at least 81.8 MB: /opt/app/lib/lib11.so (12.6 MB"), "{m}");
        assert!(m.ends_with(" and 2 more"), "{m}");
        assert!(!m.contains("lib01.so") && !m.contains("Go)"), "{m}");
        assert!(
            hits[0]
                .fix
                .as_deref()
                .unwrap_or("")
                .starts_with("strip --strip-debug")
        );
    }

    use plimsoll_elf::ElfFacts;
}
