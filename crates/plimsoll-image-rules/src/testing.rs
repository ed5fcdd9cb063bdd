//! Images for the rules' unit tests, built in memory the way the real
//! reader builds them: every layer is a real tar archive (ustar headers,
//! written here) read by `plimsoll_image::layer::read_layer`, so file
//! contents go through the same ELF, script, text and secret inspection as
//! in a pulled image. Real files of this machine (its glibc, gcc's `cc1`,
//! Go binaries built here with the Debian toolchain) can be put in layers.
//! For sizes too large to hold in memory, or ELF facts this machine cannot
//! produce (UPX), a layer also takes synthetic entries.

use crate::{Context, Hit, Settings};
use plimsoll_elf::{ElfFacts, ElfKind, GoBuildInfo};
use plimsoll_image::Image;
use plimsoll_image::facts::{self, Facts};
use plimsoll_image::layer::{self, Content, Entry, Expect, Kind, Limits};
use plimsoll_oci::{Healthcheck, History, ImageConfig};
use std::path::Path;
use std::sync::{Arc, OnceLock};

const TYPE_FILE: u8 = b'0';
const TYPE_HARDLINK: u8 = b'1';
const TYPE_SYMLINK: u8 = b'2';
const TYPE_DIR: u8 = b'5';

/// One layer under construction: a tar archive, then synthetic entries
/// appended to what the reader lists.
pub struct Layer {
    created_by: String,
    tar: Vec<u8>,
    extra: Vec<Entry>,
}

fn octal(field: &mut [u8], v: u64) {
    let s = format!("{v:0w$o}\0", w = field.len() - 1);
    field.copy_from_slice(s.as_bytes());
}

impl Layer {
    /// A layer whose history line (`created_by`) is `command`.
    pub fn new(command: &str) -> Layer {
        Layer {
            created_by: command.to_string(),
            tar: Vec::new(),
            extra: Vec::new(),
        }
    }

    fn header(
        &mut self,
        path: &str,
        kind: u8,
        mode: u32,
        owner: (u32, u32),
        size: u64,
        link: &str,
    ) {
        let mut h = [0u8; 512];
        let (prefix, name) = if path.len() > 100 {
            let cut = path[..path.len().min(155)]
                .rfind('/')
                .expect("a path longer than 100 bytes needs a '/'");
            (&path[..cut], &path[cut + 1..])
        } else {
            ("", path)
        };
        assert!(
            name.len() <= 100 && link.len() <= 100,
            "test path or link too long: {path}"
        );
        h[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut h[100..108], u64::from(mode));
        octal(&mut h[108..116], u64::from(owner.0));
        octal(&mut h[116..124], u64::from(owner.1));
        octal(&mut h[124..136], size);
        octal(&mut h[136..148], 1_700_000_000);
        h[156] = kind;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h[148..156].fill(b' ');
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        self.tar.extend_from_slice(&h);
    }

    fn data(&mut self, data: &[u8]) {
        self.tar.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.tar.extend(std::iter::repeat_n(0u8, pad));
    }

    /// A directory, mode 0755, owned by root.
    pub fn dir(self, path: &str) -> Layer {
        self.dir_with(path, 0o755, (0, 0))
    }

    pub fn dir_with(mut self, path: &str, mode: u32, owner: (u32, u32)) -> Layer {
        self.header(path, TYPE_DIR, mode, owner, 0, "");
        self
    }

    /// A regular file, mode 0644, owned by root.
    pub fn file(self, path: &str, data: &[u8]) -> Layer {
        self.file_with(path, data, 0o644, (0, 0))
    }

    /// An executable file, mode 0755, owned by root.
    pub fn exe(self, path: &str, data: &[u8]) -> Layer {
        self.file_with(path, data, 0o755, (0, 0))
    }

    pub fn file_with(mut self, path: &str, data: &[u8], mode: u32, owner: (u32, u32)) -> Layer {
        self.header(path, TYPE_FILE, mode, owner, data.len() as u64, "");
        self.data(data);
        self
    }

    /// A file of `size` zero bytes.
    pub fn sized(self, path: &str, size: usize) -> Layer {
        self.file(path, &vec![0; size])
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Layer {
        self.header(path, TYPE_SYMLINK, 0o777, (0, 0), 0, target);
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Layer {
        self.header(path, TYPE_HARDLINK, 0o755, (0, 0), 0, target);
        self
    }

    /// Deletes `path` from the layers below (`.wh.NAME`).
    pub fn whiteout(mut self, path: &str) -> Layer {
        let p = match path.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/.wh.{name}"),
            None => format!(".wh.{path}"),
        };
        self.header(&p, TYPE_FILE, 0o644, (0, 0), 0, "");
        self
    }

    /// Hides what the layers below have in `dir` (`.wh..wh..opq`).
    pub fn opaque(mut self, dir: &str) -> Layer {
        self.header(
            &format!("{dir}/.wh..wh..opq"),
            TYPE_FILE,
            0o644,
            (0, 0),
            0,
            "",
        );
        self
    }

    /// A real file of this machine, at `path` in the image, with its mode.
    /// A test that needs it fails when the file is missing.
    pub fn host(self, path: &str, host_path: &str) -> Layer {
        let data = host_bytes(host_path);
        let mode = host_mode(host_path);
        self.file_with(path, &data, mode, (0, 0))
    }

    /// A synthetic entry, listed after the archive's.
    pub fn entry(mut self, e: Entry) -> Layer {
        self.extra.push(e);
        self
    }

    /// A synthetic regular file of any size, without content facts.
    pub fn big(self, path: &str, size: u64) -> Layer {
        self.entry(entry(path, Kind::File, 0o644, size, None))
    }

    /// A synthetic executable with the given ELF facts.
    pub fn elf(self, path: &str, size: u64, facts: ElfFacts) -> Layer {
        self.entry(entry(
            path,
            Kind::File,
            0o755,
            size,
            Some(Content::Elf(Box::new(facts))),
        ))
    }
}

/// A synthetic entry.
pub fn entry(path: &str, kind: Kind, mode: u32, size: u64, content: Option<Content>) -> Entry {
    Entry {
        path: path.trim_start_matches('/').into(),
        kind,
        mode,
        uid: 0,
        gid: 0,
        size,
        link: None,
        normalised: false,
        content: content.map(Arc::new),
    }
}

/// An image configuration and its layers.
pub struct ImageBuilder {
    config: ImageConfig,
    layers: Vec<Layer>,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ImageBuilder {
    /// A linux/amd64 image without layers, user or command.
    pub fn new() -> ImageBuilder {
        let config = ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            ..Default::default()
        };
        ImageBuilder {
            config,
            layers: Vec::new(),
        }
    }

    pub fn user(mut self, user: &str) -> ImageBuilder {
        self.config.config.user = user.into();
        self
    }

    /// `KEY=VALUE`.
    pub fn env(mut self, kv: &str) -> ImageBuilder {
        self.config.config.env.push(kv.into());
        self
    }

    pub fn entrypoint(mut self, argv: &[&str]) -> ImageBuilder {
        self.config.config.entrypoint = argv.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn healthcheck(mut self, test: &[&str]) -> ImageBuilder {
        self.config.config.healthcheck = Some(Healthcheck {
            test: test.iter().map(|s| s.to_string()).collect(),
        });
        self
    }

    /// An instruction that made no layer (`ENV`, `USER`, …).
    pub fn empty_layer(mut self, command: &str) -> ImageBuilder {
        self.config.history.push(History {
            created_by: command.into(),
            empty_layer: true,
            ..Default::default()
        });
        self
    }

    pub fn layer(mut self, layer: Layer) -> ImageBuilder {
        self.config.history.push(History {
            created_by: layer.created_by.clone(),
            ..Default::default()
        });
        self.layers.push(layer);
        self
    }

    /// Reads every layer's archive with the real layer reader.
    pub fn build(self) -> Image {
        let mut listings = Vec::new();
        for (i, mut l) in self.layers.into_iter().enumerate() {
            l.tar.extend(std::iter::repeat_n(0u8, 1024));
            let expect = Expect {
                name: format!("test layer {i}"),
                ..Default::default()
            };
            let mut listing =
                layer::read_layer(std::io::Cursor::new(l.tar), &expect, &Limits::default())
                    .unwrap_or_else(|e| panic!("test layer {i} does not read: {e}"));
            listing.entries.extend(l.extra);
            listings.push(listing);
        }
        Image::from_listings("test:latest", self.config, listings)
    }
}

/// Facts of an image, as `plimsoll image` computes them.
pub fn facts_of(image: &Image) -> Facts {
    facts::facts(image)
}

/// Runs one rule over an image with the default settings.
pub fn run(rule: fn(&Context) -> Vec<Hit>, image: &Image) -> Vec<Hit> {
    run_with(rule, image, &Settings::default())
}

/// Runs one rule over an image.
pub fn run_with(rule: fn(&Context) -> Vec<Hit>, image: &Image, settings: &Settings) -> Vec<Hit> {
    let facts = facts::facts(image);
    rule(&Context {
        image,
        facts: &facts,
        settings,
    })
}

/// `/etc/passwd`, `/etc/group` and a `/tmp` as Debian has them, with a
/// `app` user 1000.
pub fn base_files(l: Layer) -> Layer {
    l.dir("etc")
        .file(
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\napp:x:1000:1000::/home/app:/bin/sh\n",
        )
        .file("etc/group", b"root:x:0:\nnogroup:x:65534:\napp:x:1000:\n")
        .dir_with("tmp", 0o1777, (0, 0))
}

/// The real glibc loader and C library of this machine (Debian 12), laid
/// out as Debian lays them out.
pub fn glibc(l: Layer) -> Layer {
    l.dir("lib64")
        .dir("lib")
        .dir("lib/x86_64-linux-gnu")
        .host(
            "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
            "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        )
        .symlink(
            "lib64/ld-linux-x86-64.so.2",
            "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        )
        .host(
            "lib/x86_64-linux-gnu/libc.so.6",
            "/lib/x86_64-linux-gnu/libc.so.6",
        )
}

/// The bytes of a real file of this machine.
pub fn host_bytes(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("this test needs {path} on the machine: {e}"))
}

fn host_mode(path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644)
}

/// The facts of a real ELF file of this machine.
pub fn host_elf(path: &str) -> ElfFacts {
    plimsoll_elf::analyse(&host_bytes(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A real Go program built here with the Debian Go toolchain: it imports
/// `net`, so with `cgo` it links against glibc dynamically (as `go build`
/// does by default when a C compiler is present) and without it is static.
/// Built once per test run; the test fails when `go` or `gcc` is missing.
pub fn go_program(cgo: bool) -> Vec<u8> {
    static BUILT: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (with, without) = BUILT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("plimsoll-rules-go-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(
            dir.join("main.go"),
            "package main\n\nimport (\n\t\"fmt\"\n\t\"net\"\n)\n\nfunc main() { fmt.Println(net.ParseIP(\"127.0.0.1\")) }\n",
        )
        .expect("write main.go");
        build_go(&dir, "cgo", "1");
        build_go(&dir, "static", "0");
        let read = |name: &str| host_bytes(&dir.join(name).display().to_string());
        let built = (read("cgo"), read("static"));
        let _ = std::fs::remove_dir_all(&dir);
        built
    });
    if cgo { with.clone() } else { without.clone() }
}

/// The real `rustc` executable of the toolchain running these tests
/// (`$(rustc --print sysroot)/bin/rustc`, not rustup's proxy).
pub fn rustc_path() -> String {
    let out = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .unwrap_or_else(|e| panic!("this test needs rustc: {e}"));
    let sysroot = String::from_utf8_lossy(&out.stdout).trim().to_string();
    format!("{sysroot}/bin/rustc")
}

/// The Go toolchain version of this machine's real Go binaries.
pub fn go_version_of(bytes: &[u8]) -> String {
    plimsoll_elf::analyse(bytes)
        .ok()
        .and_then(|f| f.go)
        .map(|g| g.go_version)
        .expect("a Go binary with build information")
}

fn build_go(dir: &Path, out: &str, cgo: &str) {
    let st = std::process::Command::new("go")
        .args(["build", "-o", out, "main.go"])
        .current_dir(dir)
        .env("CGO_ENABLED", cgo)
        .env("GO111MODULE", "off")
        .status()
        .unwrap_or_else(|e| {
            panic!("this test needs the Go toolchain (apt-get install golang-go): {e}")
        });
    assert!(st.success(), "go build (CGO_ENABLED={cgo}) failed");
}

/// Synthetic facts of a static x86-64 executable.
pub fn static_elf() -> ElfFacts {
    ElfFacts {
        class: 64,
        big_endian: false,
        machine: 62,
        machine_name: "x86_64".into(),
        kind: ElfKind::Executable,
        interpreter: None,
        needed: Vec::new(),
        soname: None,
        rpath: Vec::new(),
        runpath: Vec::new(),
        is_static: true,
        version_needs: Vec::new(),
        version_defs: Vec::new(),
        stripped: true,
        debug_bytes: 0,
        build_id: None,
        go_build_id: None,
        upx: false,
        go: None,
    }
}

/// Synthetic facts of a static Go executable built by `version`.
pub fn go_elf(version: &str, cgo: Option<bool>) -> ElfFacts {
    let mut settings = vec![("-compiler".to_string(), "gc".to_string())];
    if let Some(c) = cgo {
        settings.push(("CGO_ENABLED".into(), if c { "1" } else { "0" }.into()));
    }
    ElfFacts {
        go_build_id: Some("test/build/id".into()),
        go: Some(GoBuildInfo {
            go_version: version.into(),
            path: "example.com/app".into(),
            main: None,
            deps: Vec::new(),
            settings,
        }),
        ..static_elf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn codes(image: &Image) -> BTreeSet<String> {
        let facts = facts_of(image);
        let findings = crate::check(image, &facts, &Settings::default());
        assert!(findings.iter().all(|f| f.file == "test:latest"));
        findings.into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_careful_image_has_no_findings() {
        let img = ImageBuilder::new()
            .user("65532:65532")
            .entrypoint(&["/app/server"])
            .healthcheck(&["CMD", "/app/server", "-healthcheck"])
            .layer(base_files(Layer::new("ADD rootfs.tar /")))
            .layer(Layer::new("COPY --from=build /out/server /app/server").elf(
                "app/server",
                8_000_000,
                go_elf("go1.22.5", Some(false)),
            ))
            .build();
        assert_eq!(codes(&img), BTreeSet::new());
    }

    #[test]
    fn a_careless_image_trips_every_rule() {
        let img = ImageBuilder::new()
            .entrypoint(&["/app/server"])
            .layer(
                Layer::new("ADD rootfs.tar /")
                    .dir("etc")
                    .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
                    .file_with("usr/bin/su", b"x", 0o4755, (0, 0))
                    .dir("var/lib/apt/lists")
                    .sized("var/lib/apt/lists/deb_Packages", 2_000_000),
            )
            .layer(
                Layer::new("COPY . /app")
                    .dir_with("app", 0o777, (0, 0))
                    .file("app/.env", b"TOKEN=x\n")
                    .exe("app/server", &go_program(true))
                    .sized("app/build.tar", 3_000_000),
            )
            .layer(Layer::new("RUN rm /app/build.tar").whiteout("app/build.tar"))
            .layer(
                Layer::new("COPY tools/ /usr/local/")
                    .elf("usr/local/go/bin/go", 1000, go_elf("go1.22.5", Some(false)))
                    .dir("usr/local/go/pkg/tool")
                    .elf(
                        "usr/local/bin/packed",
                        1000,
                        ElfFacts {
                            upx: true,
                            ..static_elf()
                        },
                    )
                    .host("usr/local/bin/ls", "/usr/bin/ls"),
            )
            .build();
        let want: BTreeSet<String> = [
            "PI001", "PI003", "PI004", "PI005", "PI006", "PI007", "PI008", "PI009", "PR001",
            "PR002", "PR003", "PR004", "PR005", "PR006", "PS001", "PS003", "PS004",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(codes(&img), want);
        // PI002 and PS002 need a user name and a threshold.
        let img = ImageBuilder::new()
            .user("app")
            .layer(Layer::new("COPY x /x").file("x", b"x"))
            .build();
        assert!(codes(&img).contains("PI002"));
    }
}
