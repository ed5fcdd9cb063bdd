//! # PI008: a compiler toolchain in the final image
//!
//! A service image needs the program, not what built it. Toolchains are
//! the largest things that end up in images by accident: the Go SDK is
//! about 250 MB, gcc's `cc1`/`cc1plus` and friends 100 MB, a Rust
//! toolchain over 500 MB. They slow every pull, widen the attack surface
//! (a compiler is exactly what an intruder wants to find) and drag in CVE
//! reports for code that never runs. Found by their markers: a Go SDK is a
//! `go` ELF binary in `ROOT/bin` with a `ROOT/pkg/tool` directory (as in
//! `/usr/local/go` or Debian's `/usr/lib/go-1.19`); gcc is a `cc1` under
//! `/usr/lib/gcc` or `/usr/libexec/gcc`; a Rust toolchain is a `rustc` ELF
//! binary in `ROOT/bin` with `ROOT/lib/rustlib`. The finding gives the
//! toolchain's directory and its bytes (directories its top-level symbolic
//! links point to included, as Debian splits the Go SDK).
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22
//! WORKDIR /src
//! COPY . .
//! RUN go build -o /server .
//! ENTRYPOINT ["/server"]              # ships the whole SDK
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! WORKDIR /src
//! COPY . .
//! RUN CGO_ENABLED=0 go build -o /server .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /server /server
//! ENTRYPOINT ["/server"]
//! ```
//!
//! ## Fix
//! Build in a separate stage and `COPY --from` only the artefacts into a
//! runtime base. For native Python or Node modules, install the compiler,
//! build and purge it in one `RUN`, or build wheels in a builder stage.
//!
//! ## Incident it prevents
//! A 1.1 GB image (`FROM rust:1.75` used as the runtime) made a node pool
//! scale-up take eight minutes; the same service from a builder stage was
//! 24 MB.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::layer::{Content, Kind};
use plimsoll_image::tree::Tree;
use std::collections::{BTreeMap, BTreeSet};

pub const META: Meta = Meta {
    code: "PI008",
    severity: Severity::Warning,
    category: Category::Image,
    summary: "A compiler toolchain (Go SDK, gcc, rustc) is in the final image",
};

/// Prefixes shared with the rest of the system: only the toolchain's own
/// parts are counted there.
const SHARED: [&str; 3] = ["", "usr", "usr/local"];

pub fn check(cx: &Context) -> Vec<Hit> {
    let tree = &cx.image.tree;
    let mut found: Vec<(String, String, Vec<String>)> = Vec::new(); // (what, root, counted dirs/files)
    let mut roots: BTreeSet<String> = BTreeSet::new();
    for (path, n) in &tree.nodes {
        if n.kind != Kind::File {
            continue;
        }
        let p: &str = path;
        let elf = match n.content.as_deref() {
            Some(Content::Elf(f)) => Some(f),
            _ => None,
        };
        if let Some(root) = strip(p, "bin/go")
            && let Some(f) = elf
            && is_dir(tree, &join(root, "pkg/tool"))
        {
            let version =
                f.go.as_ref()
                    .map(|g| format!(" {}", g.go_version))
                    .unwrap_or_default();
            let parts = if SHARED.contains(&root) {
                vec![
                    join(root, "pkg/tool"),
                    join(root, "bin/go"),
                    join(root, "bin/gofmt"),
                ]
            } else {
                vec![root.to_string()]
            };
            if roots.insert(root.to_string()) {
                found.push((format!("Go SDK{version}"), root.to_string(), parts));
            }
        } else if let Some(root) = strip(p, "bin/rustc")
            && elf.is_some()
            && is_dir(tree, &join(root, "lib/rustlib"))
        {
            let parts = if SHARED.contains(&root) {
                let mut v = vec![join(root, "lib/rustlib"), p.to_string()];
                let lib = join(root, "lib");
                let mut libdirs = vec![lib.clone()];
                for (d, n) in tree.children(&lib) {
                    if n.kind == Kind::Dir && d.contains("-linux-") {
                        libdirs.push(d.to_string());
                    }
                }
                for d in libdirs {
                    for (f, _) in tree.children(&d) {
                        let name = f.rsplit('/').next().unwrap_or(f);
                        if name.starts_with("librustc_driver-") || name.starts_with("libLLVM") {
                            v.push(f.to_string());
                        }
                    }
                }
                v
            } else {
                vec![root.to_string()]
            };
            if roots.insert(root.to_string()) {
                found.push(("Rust toolchain (rustc)".into(), root.to_string(), parts));
            }
        } else if p.rsplit('/').next() == Some("cc1")
            && (p.starts_with("usr/lib/gcc/") || p.starts_with("usr/libexec/gcc/"))
            && let Some((dir, _)) = p.rsplit_once('/')
        {
            let version = dir.rsplit('/').next().unwrap_or("");
            if roots.insert(dir.to_string()) {
                found.push((
                    format!("gcc {version} (cc1)"),
                    dir.to_string(),
                    vec![dir.to_string()],
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (what, root, parts) in found {
        let (bytes, files, by_layer) = measure(tree, &parts);
        let top = by_layer
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(i, _)| crate::layer_label(cx, *i))
            .unwrap_or_default();
        out.push(
            Hit::new(format!(
                "{what} in /{root}: {} in {files} {}, mostly from {top}; the running service does not need it",
                crate::human(bytes),
                if files == 1 { "file" } else { "files" }
            ))
            .with_fix("build in a separate stage and COPY --from=build only the binary into a runtime base (distroless, debian-slim, scratch)"),
        );
    }
    out
}

fn strip<'a>(p: &'a str, tail: &str) -> Option<&'a str> {
    if p == tail {
        return Some("");
    }
    p.strip_suffix(tail)?.strip_suffix('/')
}

fn join(root: &str, rest: &str) -> String {
    if root.is_empty() {
        rest.to_string()
    } else {
        format!("{root}/{rest}")
    }
}

fn is_dir(tree: &Tree, p: &str) -> bool {
    tree.resolve(p).is_ok_and(|(_, n)| n.kind == Kind::Dir)
}

/// Bytes and files of regular files under the parts (a file or a
/// directory each), following each directory's top-level symbolic links
/// to directories, every file counted once; bytes per layer.
fn measure(tree: &Tree, parts: &[String]) -> (u64, usize, BTreeMap<usize, u64>) {
    let mut dirs: Vec<String> = Vec::new();
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for p in parts {
        let Ok((real, n)) = tree.resolve(p) else {
            continue;
        };
        if n.kind == Kind::Dir {
            for (child, c) in tree.children(&real) {
                if c.kind == Kind::Symlink
                    && let Ok((target, t)) = tree.resolve(child)
                    && t.kind == Kind::Dir
                {
                    dirs.push(target);
                }
            }
            dirs.push(real);
        } else if let Some((k, n)) = tree.nodes.get_key_value(real.as_str())
            && n.kind == Kind::File
        {
            keys.insert(k);
        }
    }
    for d in &dirs {
        let lo = format!("{d}/");
        let hi = format!("{d}0");
        for (k, n) in tree.nodes.range::<str, _>((
            std::ops::Bound::Included(lo.as_str()),
            std::ops::Bound::Excluded(hi.as_str()),
        )) {
            if n.kind == Kind::File {
                keys.insert(k);
            }
        }
    }
    let (mut bytes, mut by_layer) = (0u64, BTreeMap::new());
    for k in &keys {
        if let Some(n) = tree.nodes.get(*k) {
            bytes = bytes.saturating_add(n.size);
            let e: &mut u64 = by_layer.entry(n.changed).or_insert(0);
            *e = e.saturating_add(n.size);
        }
    }
    (bytes, keys.len(), by_layer)
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn debian_go_sdk_real_binary_with_split_source() {
        // Debian's layout: /usr/lib/go-1.19 with src → /usr/share/go-1.19/src.
        let img = ImageBuilder::new()
            .layer(base_files(Layer::new("ADD rootfs.tar /")))
            .layer(
                Layer::new("RUN apt-get install -y golang-1.19-go")
                    .dir("usr/lib/go-1.19/bin")
                    .host("usr/lib/go-1.19/bin/go", "/usr/lib/go-1.19/bin/go")
                    .dir("usr/lib/go-1.19/pkg/tool/linux_amd64")
                    .sized("usr/lib/go-1.19/pkg/tool/linux_amd64/compile", 3_000_000)
                    .symlink("usr/lib/go-1.19/src", "../../share/go-1.19/src")
                    .sized("usr/share/go-1.19/src/net/http/server.go", 1_000_000)
                    .dir("usr/bin")
                    .symlink("usr/bin/go", "../lib/go-1.19/bin/go"),
            )
            .build();
        let go = host_bytes("/usr/lib/go-1.19/bin/go");
        let (go_size, version) = (go.len() as u64, go_version_of(&go));
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let want = format!(
            "Go SDK {version} in /usr/lib/go-1.19: {} in 3 files, mostly from layer 1 (`RUN apt-get install -y golang-1.19-go`)",
            crate::human(go_size + 4_000_000)
        );
        assert!(
            hits[0].message.starts_with(&want),
            "{}\n{want}",
            hits[0].message
        );
    }

    #[test]
    fn gcc_and_rustup_toolchain() {
        let rustc = rustc_path();
        let img = ImageBuilder::new()
            .layer(
                Layer::new("RUN apt-get install -y build-essential")
                    .dir("usr/lib/gcc/x86_64-linux-gnu/12")
                    .host("usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1")
                    .sized("usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a", 200_000),
            )
            .layer(
                Layer::new("RUN curl https://sh.rustup.rs | sh -s -- -y")
                    .dir("usr/local/rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/bin")
                    .host("usr/local/rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/bin/rustc", &rustc)
                    .sized("usr/local/rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu/lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd.rlib", 5_000_000),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(
            hits[0]
                .message
                .starts_with("gcc 12 (cc1) in /usr/lib/gcc/x86_64-linux-gnu/12: "),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.starts_with("Rust toolchain (rustc) in /usr/local/rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu: "),
            "{}",
            hits[1].message
        );
        assert!(
            hits[1]
                .message
                .contains("in 2 files, mostly from layer 1 (`RUN curl https://sh.rustup.rs"),
            "{}",
            hits[1].message
        );
    }

    #[test]
    fn go_binary_without_sdk_and_rustc_in_usr_pass_or_are_counted_narrowly() {
        // A service binary called `go` without pkg/tool is not an SDK.
        let img = ImageBuilder::new()
            .layer(Layer::new("COPY go /app/bin/go").elf(
                "app/bin/go",
                5_000_000,
                go_elf("go1.22.1", Some(false)),
            ))
            .build();
        assert!(run(super::check, &img).is_empty());
        // Debian's rustc lives in /usr: only its own files count, not all of /usr.
        let img = ImageBuilder::new()
            .layer(
                Layer::new("RUN apt-get install -y rustc")
                    .elf("usr/bin/rustc", 600_000, static_elf())
                    .big(
                        "usr/lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd.rlib",
                        4_000_000,
                    )
                    .big("usr/lib/x86_64-linux-gnu/librustc_driver-1.so", 100_000_000)
                    .big("usr/lib/librustc_driver-abc.so", 90_000_000)
                    .big("usr/lib/libunrelated.so", 1_000_000_000),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 1);
        assert!(
            hits[0]
                .message
                .starts_with("Rust toolchain (rustc) in /usr: 194.6 MB in 4 files"),
            "{}",
            hits[0].message
        );
    }
}
