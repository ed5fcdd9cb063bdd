//! # PR006: UPX-packed binaries
//!
//! UPX compresses an executable and prepends a stub that decompresses it
//! into anonymous memory at every start. The image gets smaller, but the
//! container pays at run time: the whole program is resident and private
//! to each process (no sharing of its pages through the page cache between
//! containers on a node, nothing paged back out to the file), start-up is
//! slower, and the stub needs memory that is writable and then executable —
//! which SELinux `execmem` denials, PaX/grsecurity `MPROTECT`, some
//! seccomp and exploit-mitigation policies, and some kernels and
//! architectures refuse. Packed binaries also look like malware to
//! scanners and EDR agents, and their debug and build information is
//! hidden from tools that read it (this analysis included).
//!
//! ## Bad
//! ```dockerfile
//! RUN CGO_ENABLED=0 go build -o /server . && upx --best /server
//! ```
//!
//! ## Good
//! ```dockerfile
//! RUN CGO_ENABLED=0 go build -ldflags="-s -w" -o /server .
//! ```
//!
//! ## Fix
//! Ship the binary unpacked; make it smaller by stripping
//! (`-ldflags="-s -w"`, `strip`) and layer compression (zstd) instead.
//!
//! ## Incident it prevents
//! After enabling an SELinux policy without `execmem`, a UPX-packed
//! sidecar crash-looped on every node, while the same binary unpacked ran.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::{Content, Kind};

pub const META: Meta = Meta {
    code: "PR006",
    severity: Severity::Info,
    category: Category::Runnability,
    summary: "UPX-packed binaries (unpacked into memory at every start)",
};

const SHOWN: usize = 20;

pub fn check(cx: &Context) -> Vec<Hit> {
    let packed: Vec<(String, u64)> = cx
        .image
        .tree
        .nodes
        .iter()
        .filter(|(_, n)| n.kind == Kind::File)
        .filter(|(_, n)| matches!(n.content.as_deref(), Some(Content::Elf(f)) if f.upx))
        .map(|(p, n)| (format!("/{p}"), n.size))
        .collect();
    let mut out: Vec<Hit> = packed
        .iter()
        .take(SHOWN)
        .map(|(p, size)| {
            Hit::new(format!(
                "{p} ({}) is packed with UPX: it unpacks itself into private memory at every start (more memory per container, no page sharing, slower start), and SELinux execmem or PaX MPROTECT policies refuse to run it",
                crate::human(*size)
            ))
            .with_fix("ship it unpacked; shrink it with -ldflags=\"-s -w\" or strip instead of upx")
        })
        .collect();
    if packed.len() > SHOWN {
        out.push(Hit::new(format!(
            "{} more UPX-packed binaries ({} in all)",
            packed.len() - SHOWN,
            packed.len()
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing::*;
    use plimsoll_elf::ElfFacts;

    // UPX is not installable on this machine: the packed binary's facts are
    // synthetic; the unpacked one is a real Go build.
    #[test]
    fn packed_is_reported_unpacked_is_not() {
        let img = ImageBuilder::new()
            .layer(
                Layer::new("COPY --from=build /out/ /usr/local/bin/")
                    .elf(
                        "usr/local/bin/packed",
                        2_500_000,
                        ElfFacts {
                            upx: true,
                            ..static_elf()
                        },
                    )
                    .exe("usr/local/bin/plain", &go_program(false)),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0]
                .message
                .starts_with("/usr/local/bin/packed (2.5 MB) is packed with UPX"),
            "{}",
            hits[0].message
        );
        assert!(hits[0].fix.as_deref().unwrap_or("").contains("unpacked"));
        let plain = ImageBuilder::new()
            .layer(Layer::new("COPY server /server").exe("server", &go_program(false)))
            .build();
        assert!(run(super::check, &plain).is_empty());
    }

    #[test]
    fn many_are_capped() {
        let mut l = Layer::new("COPY bin/ /bin/");
        for i in 0..22 {
            l = l.elf(
                &format!("bin/p{i:02}"),
                100,
                ElfFacts {
                    upx: true,
                    ..static_elf()
                },
            );
        }
        let hits = run(super::check, &ImageBuilder::new().layer(l).build());
        assert_eq!(hits.len(), 21);
        assert_eq!(hits[20].message, "2 more UPX-packed binaries (22 in all)");
    }
}
