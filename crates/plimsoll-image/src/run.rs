//! Will it run? A prediction of what the kernel and the dynamic loader do
//! when the container starts, made from the merged filesystem alone.
//!
//! For the entrypoint program and every ELF executable in the image's
//! `PATH` directories and the entrypoint's directory: the file resolves
//! (symlinks followed inside the image), is executable by the runtime
//! user, is an ELF for the image's architecture or a script whose
//! interpreter runs (no CR in the shebang), its `PT_INTERP` loader is in
//! the image, every `DT_NEEDED` library is found the way glibc's or musl's
//! loader searches (RPATH, `LD_LIBRARY_PATH`, RUNPATH, `$ORIGIN`,
//! `/etc/ld.so.conf`, default directories), and every `GLIBC_x.y` symbol
//! version it needs is defined by the library that will be loaded. The
//! verdict quotes the error the kernel or loader would print.

use crate::layer::{Content, Kind};
use crate::tree::{Node, ResolveError, Tree};
use plimsoll_elf::{ElfFacts, ElfKind};
use plimsoll_oci::ImageConfig;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Runs,
    Fails,
}

/// What stops a binary, when something does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Nothing: it runs.
    None,
    /// The program or a path component does not exist (or loops).
    NotFound,
    /// No exec permission for the runtime user, or not a regular file.
    Permission,
    /// Not an executable for this platform (wrong machine, not ELF, no #!).
    Format,
    /// The ELF loader (`PT_INTERP`) is missing or unusable.
    Loader,
    /// A `DT_NEEDED` library is not found.
    Library,
    /// A library lacks a needed symbol version (`GLIBC_x.y`).
    SymbolVersion,
    /// A script's interpreter does not run (CRLF, missing interpreter).
    Interpreter,
    /// The runtime user cannot be resolved.
    User,
    /// No program to run at all.
    NoCommand,
}

/// One binary's prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Binary {
    pub path: String,
    pub verdict: Verdict,
    pub reason: String,
    pub cause: Cause,
    /// The container's entrypoint program.
    pub entrypoint: bool,
    /// `elf`, `script` or `other`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linkage: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libc: Option<plimsoll_elf::Libc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glibc_required: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glibc_available: Option<String>,
    /// Layer that put the binary there.
    pub layer: usize,
    pub size: u64,
}

impl Binary {
    /// A binary that does not run (until a check says otherwise).
    pub fn failing(path: &str, entrypoint: bool, cause: Cause, reason: String) -> Binary {
        Binary {
            path: path.to_string(),
            verdict: Verdict::Fails,
            reason,
            cause,
            entrypoint,
            kind: "other",
            linkage: None,
            libc: None,
            interpreter: None,
            glibc_required: None,
            glibc_available: None,
            layer: 0,
            size: 0,
        }
    }
}

/// The runtime user, as the config names it and as `/etc/passwd` resolves it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct User {
    /// `User` as configured (empty: root).
    pub spec: String,
    pub uid: u32,
    pub gid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why the runtime could not resolve the user, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Parses `/etc/passwd` text into name → (uid, gid).
pub fn passwd(tree: &Tree) -> BTreeMap<String, (u32, u32)> {
    let mut out = BTreeMap::new();
    if let Some(text) = text_of(tree, "etc/passwd") {
        for line in text.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 4
                && let (Ok(u), Ok(g)) = (f[2].parse(), f[3].parse())
            {
                out.entry(f[0].to_string()).or_insert((u, g));
            }
        }
    }
    out
}

fn groups(tree: &Tree) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    if let Some(text) = text_of(tree, "etc/group") {
        for line in text.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 3
                && let Ok(g) = f[2].parse()
            {
                out.entry(f[0].to_string()).or_insert(g);
            }
        }
    }
    out
}

/// The text of a small file the layer reader kept.
pub fn text_of(tree: &Tree, path: &str) -> Option<String> {
    let (_, n) = tree.resolve(path).ok()?;
    match n.content.as_deref() {
        Some(Content::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

/// Resolves the configured user the way runc does: numeric ids need no
/// passwd entry; names must be in `/etc/passwd` (and groups in
/// `/etc/group`).
pub fn user(tree: &Tree, spec: &str) -> User {
    let spec = spec.trim();
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let pw = passwd(tree);
    let mut out = User {
        spec: spec.to_string(),
        uid: 0,
        gid: 0,
        name: None,
        error: None,
    };
    if u.is_empty() {
        out.name = Some("root".into());
    } else if let Ok(n) = u.parse::<u32>() {
        out.uid = n;
        if let Some((name, (_, gid))) = pw.iter().find(|(_, (uid, _))| *uid == n) {
            out.name = Some(name.clone());
            out.gid = *gid;
        }
    } else if let Some((uid, gid)) = pw.get(u) {
        out.uid = *uid;
        out.gid = *gid;
        out.name = Some(u.to_string());
    } else {
        out.error = Some(if tree.get("etc/passwd").is_some() {
            format!("unable to find user {u}: no matching entries in passwd file")
        } else {
            format!("unable to find user {u}: the image has no /etc/passwd")
        });
    }
    if let Some(g) = g.filter(|g| !g.is_empty()) {
        if let Ok(n) = g.parse::<u32>() {
            out.gid = n;
        } else if let Some(n) = groups(tree).get(g) {
            out.gid = *n;
        } else if out.error.is_none() {
            out.error = Some(format!(
                "unable to find group {g}: no matching entries in group file"
            ));
        }
    }
    out
}

/// Can `user` execute `node`?
pub fn can_exec(node: &Node, user: &User) -> bool {
    if user.uid == 0 {
        return node.mode & 0o111 != 0;
    }
    let bit = if node.uid == user.uid {
        0o100
    } else if node.gid == user.gid {
        0o010
    } else {
        0o001
    };
    node.mode & bit != 0
}

/// Can `user` write into directory `node`?
pub fn can_write(node: &Node, user: &User) -> bool {
    if user.uid == 0 {
        return true;
    }
    let bit = if node.uid == user.uid {
        0o200
    } else if node.gid == user.gid {
        0o020
    } else {
        0o002
    };
    node.mode & bit != 0 && can_exec(node, user)
}

/// The architecture an image platform runs, as ELF `e_machine`.
fn machine_for(arch: &str) -> Option<u16> {
    Some(match arch {
        "amd64" => 62,
        "arm64" => 183,
        "386" => 3,
        "arm" => 40,
        "ppc64le" | "ppc64" => 21,
        "s390x" => 22,
        "riscv64" => 243,
        "mips64le" | "mips64" | "mipsle" | "mips" => 8,
        "loong64" => 258,
        _ => return None,
    })
}

fn elf_of(n: &Node) -> Option<&ElfFacts> {
    match n.content.as_deref() {
        Some(Content::Elf(f)) => Some(f),
        _ => None,
    }
}

/// Everything the checks need, computed once per image.
pub struct Runtime<'a> {
    pub tree: &'a Tree,
    pub user: User,
    pub env: BTreeMap<String, String>,
    pub arch: String,
    ld_conf_dirs: Vec<String>,
    musl_path: Option<Vec<String>>,
    lib_cache: HashMap<(String, Vec<String>), Option<String>>,
}

/// Directories listed by `/etc/ld.so.conf` and its includes.
fn ld_so_conf(tree: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec!["etc/ld.so.conf".to_string()];
    let mut seen = BTreeSet::new();
    while let Some(f) = todo.pop() {
        if !seen.insert(f.clone()) || seen.len() > 256 {
            continue;
        }
        let Some(text) = text_of(tree, &f) else {
            continue;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if let Some(pat) = line.strip_prefix("include") {
                let pat = pat.trim();
                // `include /etc/ld.so.conf.d/*.conf`
                let (dir, glob) = pat.rsplit_once('/').unwrap_or(("", pat));
                let dir = dir.trim_start_matches('/');
                let suffix = glob.strip_prefix('*').unwrap_or(glob);
                for (p, _) in tree.children(dir) {
                    if p.ends_with(suffix) {
                        todo.push(p.to_string());
                    }
                }
            } else if !line.is_empty() {
                for d in line.split([':', ',', ' ', '\t']).filter(|d| !d.is_empty()) {
                    out.push(d.to_string());
                }
            }
        }
    }
    out
}

impl<'a> Runtime<'a> {
    pub fn new(tree: &'a Tree, config: &ImageConfig) -> Runtime<'a> {
        let env: BTreeMap<String, String> = config
            .config
            .env
            .iter()
            .filter_map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect();
        let musl_arch = match config.architecture.as_str() {
            "amd64" => "x86_64",
            "arm64" => "aarch64",
            "386" => "i386",
            other => other,
        };
        let musl_path = text_of(tree, &format!("etc/ld-musl-{musl_arch}.path")).map(|t| {
            t.split(['\n', ':'])
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string)
                .collect()
        });
        Runtime {
            tree,
            user: user(tree, &config.config.user),
            env,
            arch: plimsoll_oci::normalise_arch(&config.architecture).to_string(),
            ld_conf_dirs: ld_so_conf(tree),
            musl_path,
            lib_cache: HashMap::new(),
        }
    }

    pub fn path_dirs(&self) -> Vec<String> {
        self.env
            .get("PATH")
            .map(String::as_str)
            .unwrap_or(DEFAULT_PATH)
            .split(':')
            .filter(|d| d.starts_with('/'))
            .map(str::to_string)
            .collect()
    }

    /// Finds a program the way runc's PATH lookup does.
    pub fn look_path(&self, prog: &str, workdir: &str) -> Result<String, String> {
        if prog.contains('/') {
            return Ok(if prog.starts_with('/') {
                prog.to_string()
            } else {
                format!("{}/{}", workdir.trim_end_matches('/'), prog)
            });
        }
        for d in self.path_dirs() {
            let p = format!("{}/{prog}", d.trim_end_matches('/'));
            if let Ok((_, n)) = self.tree.resolve(&p)
                && n.kind != Kind::Dir
                && n.mode & 0o111 != 0
            {
                return Ok(p);
            }
        }
        Err(format!(
            "exec: \"{prog}\": executable file not found in $PATH"
        ))
    }

    /// Predicts whether `path` can be executed.
    pub fn check(&mut self, path: &str, entrypoint: bool) -> Binary {
        let mut b = Binary::failing(path, entrypoint, Cause::None, String::new());
        match self.check_exec(path, path, 0, &mut b) {
            Ok(reason) => {
                b.verdict = Verdict::Runs;
                b.reason = reason;
            }
            Err((cause, reason)) => {
                b.cause = cause;
                b.reason = reason;
            }
        }
        b
    }

    fn check_exec(
        &mut self,
        argv0: &str,
        path: &str,
        depth: u32,
        b: &mut Binary,
    ) -> Result<String, (Cause, String)> {
        let tree = self.tree;
        let (real, node) = tree.resolve(path).map_err(|e| {
            let cause = if depth == 0 {
                Cause::NotFound
            } else {
                Cause::Interpreter
            };
            (
                cause,
                match e {
                    ResolveError::Loop(_) => {
                        format!("exec {argv0}: too many levels of symbolic links ({e})")
                    }
                    ResolveError::NotDir(_) => format!("exec {argv0}: not a directory ({e})"),
                    ResolveError::NotFound(_) => {
                        format!("exec {argv0}: no such file or directory ({e})")
                    }
                },
            )
        })?;
        let perm = if depth == 0 {
            Cause::Permission
        } else {
            Cause::Interpreter
        };
        let format = if depth == 0 {
            Cause::Format
        } else {
            Cause::Interpreter
        };
        if depth == 0 {
            b.layer = node.changed;
            b.size = node.size;
        }
        if node.kind == Kind::Dir {
            return Err((
                perm,
                format!("exec {argv0}: permission denied (/{real} is a directory)"),
            ));
        }
        if node.kind != Kind::File && node.kind != Kind::Hardlink {
            return Err((
                perm,
                format!("exec {argv0}: permission denied (/{real} is not a regular file)"),
            ));
        }
        if !can_exec(node, &self.user) {
            return Err((
                perm,
                format!(
                    "exec {argv0}: permission denied (/{real} has mode {:04o}, owner {}:{}, and the runtime user is {}:{})",
                    node.mode, node.uid, node.gid, self.user.uid, self.user.gid
                ),
            ));
        }
        match node.content.as_deref() {
            Some(Content::Elf(f)) => {
                if depth == 0 {
                    b.kind = "elf";
                }
                let f = f.clone();
                self.check_elf(argv0, &real, &f, depth, b)
            }
            Some(Content::Script { shebang }) => {
                if depth == 0 {
                    b.kind = "script";
                }
                if depth >= 4 {
                    return Err((
                        Cause::Interpreter,
                        format!("exec {argv0}: too many levels of script interpreters"),
                    ));
                }
                let line = shebang.trim_start_matches([' ', '\t']);
                let interp = line.split([' ', '\t']).next().unwrap_or("");
                if interp.is_empty() {
                    return Err((
                        Cause::Interpreter,
                        format!("exec {argv0}: exec format error (empty #! line in /{real})"),
                    ));
                }
                if interp.contains('\r') {
                    return Err((
                        Cause::Interpreter,
                        format!(
                            "exec {argv0}: no such file or directory (the #! line of /{real} names {:?}: it has Windows CRLF line endings)",
                            interp
                        ),
                    ));
                }
                if depth == 0 {
                    b.interpreter = Some(interp.to_string());
                }
                match self.check_exec(argv0, interp, depth + 1, b) {
                    Ok(_) => Ok(format!("script run by {interp}")),
                    Err((_, e)) => {
                        Err((Cause::Interpreter, format!("{e} (interpreter of /{real})")))
                    }
                }
            }
            Some(Content::BadElf(why)) => Err((
                format,
                format!("exec {argv0}: exec format error (/{real}: {why})"),
            )),
            _ => Err((
                format,
                format!(
                    "exec {argv0}: exec format error (/{real} is neither an ELF binary nor a #! script)"
                ),
            )),
        }
    }

    fn check_elf(
        &mut self,
        argv0: &str,
        real: &str,
        f: &ElfFacts,
        depth: u32,
        b: &mut Binary,
    ) -> Result<String, (Cause, String)> {
        let format = if depth == 0 {
            Cause::Format
        } else {
            Cause::Interpreter
        };
        if let Some(m) = machine_for(&self.arch)
            && m != f.machine
        {
            return Err((
                format,
                format!(
                    "exec {argv0}: exec format error (/{real} is built for {}, the image platform is {})",
                    f.machine_name, self.arch
                ),
            ));
        }
        if matches!(
            f.kind,
            ElfKind::Relocatable | ElfKind::Core | ElfKind::Other(_)
        ) {
            return Err((
                format,
                format!("exec {argv0}: exec format error (/{real} is not an executable)"),
            ));
        }
        let top = depth == 0;
        if top {
            b.libc = Some(f.libc()).filter(|l| *l != plimsoll_elf::Libc::None);
            b.glibc_required = f.max_glibc_needed();
        }
        let Some(interp) = f.interpreter.clone() else {
            if top {
                b.linkage = Some("static");
            }
            return Ok("static executable".into());
        };
        if top {
            b.linkage = Some("dynamic");
            b.interpreter = Some(interp.clone());
        }
        let libc_hint = |l: plimsoll_elf::Libc| match l {
            plimsoll_elf::Libc::Glibc
                if self.tree.resolve("lib/ld-musl-x86_64.so.1").is_ok() || self.has_musl() =>
            {
                " (a glibc binary on a musl image)"
            }
            plimsoll_elf::Libc::Musl => " (a musl binary; the image has no musl loader)",
            plimsoll_elf::Libc::Glibc => " (a glibc binary; the image has no glibc)",
            _ => "",
        };
        let (interp_real, interp_node) = match self.tree.resolve(&interp) {
            Ok(x) => x,
            Err(_) => {
                return Err((
                    Cause::Loader,
                    format!(
                        "exec {argv0}: no such file or directory (interpreter {interp} is not in the image{})",
                        libc_hint(f.libc())
                    ),
                ));
            }
        };
        let Some(loader) = elf_of(interp_node).cloned() else {
            return Err((
                Cause::Loader,
                format!(
                    "exec {argv0}: exec format error (interpreter {interp} → /{interp_real} is not an ELF binary)"
                ),
            ));
        };
        if loader.machine != f.machine {
            return Err((
                Cause::Loader,
                format!(
                    "exec {argv0}: exec format error (interpreter {interp} is built for {})",
                    loader.machine_name
                ),
            ));
        }
        let musl = interp.contains("ld-musl")
            || loader.libc() == plimsoll_elf::Libc::Musl && !interp.contains("ld-linux");
        self.load_libraries(argv0, real, f, musl, b)
    }

    fn has_musl(&self) -> bool {
        self.tree
            .children("lib")
            .iter()
            .any(|(p, _)| p.contains("ld-musl-"))
    }

    fn load_libraries(
        &mut self,
        argv0: &str,
        real: &str,
        exe: &ElfFacts,
        musl: bool,
        b: &mut Binary,
    ) -> Result<String, (Cause, String)> {
        // Breadth-first, as both loaders do; each object once.
        let mut loaded: Vec<(String, String, ElfFacts)> = Vec::new(); // (needed name, path, facts)
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<(String, String, ElfFacts)> = VecDeque::new();
        queue.push_back((String::new(), real.to_string(), exe.clone()));
        let ld_library_path: Vec<String> = self
            .env
            .get("LD_LIBRARY_PATH")
            .map(|v| {
                v.split([':', ';'])
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        while let Some((_, obj_path, obj)) = queue.pop_front() {
            if loaded.len() > 1024 {
                break;
            }
            let origin = obj_path
                .rsplit_once('/')
                .map(|(d, _)| format!("/{d}"))
                .unwrap_or_else(|| "/".into());
            let expand = |d: &str| {
                d.replace("${ORIGIN}", &origin)
                    .replace("$ORIGIN", &origin)
                    .replace("${LIB}", "lib64")
                    .replace("$LIB", "lib64")
                    .replace("${PLATFORM}", "x86_64")
                    .replace("$PLATFORM", "x86_64")
            };
            for name in &obj.needed {
                if seen.contains(name) {
                    continue;
                }
                if musl && musl_reserved(name) {
                    seen.insert(name.clone());
                    continue;
                }
                let mut dirs: Vec<String> = Vec::new();
                if musl {
                    dirs.extend(ld_library_path.iter().cloned());
                    dirs.extend(obj.rpath.iter().chain(&obj.runpath).map(|d| expand(d)));
                    match &self.musl_path {
                        Some(p) => dirs.extend(p.iter().cloned()),
                        None => {
                            dirs.extend(["/lib", "/usr/local/lib", "/usr/lib"].map(String::from))
                        }
                    }
                } else {
                    if obj.runpath.is_empty() {
                        dirs.extend(obj.rpath.iter().map(|d| expand(d)));
                        if exe.runpath.is_empty() && obj_path != real {
                            dirs.extend(exe.rpath.iter().map(|d| expand(d)));
                        }
                    }
                    dirs.extend(ld_library_path.iter().cloned());
                    dirs.extend(obj.runpath.iter().map(|d| expand(d)));
                    dirs.extend(self.ld_conf_dirs.iter().cloned());
                    dirs.extend(glibc_default_dirs(&self.arch));
                }
                let found = if name.contains('/') {
                    self.tree.resolve(name).ok().map(|(p, _)| p)
                } else {
                    self.find_lib(name, &dirs, exe)
                };
                let Some(found) = found else {
                    return Err((
                        Cause::Library,
                        if musl {
                            format!(
                                "Error loading shared library {name}: No such file or directory (needed by {argv0})"
                            )
                        } else {
                            format!(
                                "{argv0}: error while loading shared libraries: {name}: cannot open shared object file: No such file or directory"
                            )
                        },
                    ));
                };
                let (opened, lib_path) = match found.split_once('\0') {
                    Some((o, r)) => (o.to_string(), r.to_string()),
                    None => (found.clone(), found.clone()),
                };
                seen.insert(name.clone());
                let facts = self.tree.get(&lib_path).and_then(elf_of).cloned();
                if let Some(facts) = facts {
                    loaded.push((name.clone(), opened, facts.clone()));
                    queue.push_back((name.clone(), lib_path, facts));
                }
            }
        }
        if !musl {
            // Symbol versions: each object's needs against the loaded
            // object that provides them.
            let mut objects: Vec<(&str, &ElfFacts)> = vec![(real, exe)];
            objects.extend(loaded.iter().map(|(_, p, f)| (p.as_str(), f)));
            for (who, obj) in &objects {
                for need in &obj.version_needs {
                    let provider = loaded.iter().find(|(n, _, f)| {
                        *n == need.file || f.soname.as_deref() == Some(need.file.as_str())
                    });
                    let Some((_, ppath, pf)) = provider else {
                        continue;
                    };
                    if pf.version_defs.is_empty() {
                        continue;
                    }
                    if need.file.starts_with("libc.so") && std::ptr::eq(*obj, exe) {
                        b.glibc_available = pf
                            .version_defs
                            .iter()
                            .filter(|v| v.starts_with("GLIBC_2"))
                            .max_by(|a, b| plimsoll_elf::compare_versions(a, b))
                            .cloned();
                    }
                    for v in &need.versions {
                        if !pf.version_defs.iter().any(|d| d == v) {
                            let requirer = if *who == real {
                                argv0.to_string()
                            } else {
                                format!("/{who}")
                            };
                            return Err((
                                Cause::SymbolVersion,
                                format!(
                                    "{argv0}: /{ppath}: version `{v}' not found (required by {requirer})"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(format!(
            "dynamic executable; loader and {} libraries found{}",
            loaded.len(),
            b.glibc_available
                .as_ref()
                .map(|v| format!(", glibc {}", v.trim_start_matches("GLIBC_")))
                .unwrap_or_default()
        ))
    }

    fn find_lib(&mut self, name: &str, dirs: &[String], exe: &ElfFacts) -> Option<String> {
        let key = (name.to_string(), dirs.to_vec());
        if let Some(hit) = self.lib_cache.get(&key) {
            return hit.clone();
        }
        let mut hit = None;
        for d in dirs {
            let p = format!("{}/{name}", d.trim_end_matches('/'));
            if let Ok((real, n)) = self.tree.resolve(&p) {
                // The loaders skip libraries of another class or machine.
                if let Some(f) = elf_of(n)
                    && (f.machine != exe.machine || f.class != exe.class)
                {
                    continue;
                }
                if n.kind == Kind::File || n.kind == Kind::Hardlink {
                    // Keep the path the loader opened (messages quote it)
                    // and the real file behind it.
                    hit = Some(format!("{}\0{real}", p.trim_start_matches('/')));
                    break;
                }
            }
        }
        self.lib_cache.insert(key, hit.clone());
        hit
    }
}

/// Libraries musl's loader provides itself.
fn musl_reserved(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("lib") else {
        return false;
    };
    let stem = rest.split('.').next().unwrap_or("");
    let after = &rest[stem.len()..];
    (after.is_empty() || after.starts_with(".so"))
        && matches!(stem, "c" | "pthread" | "rt" | "m" | "dl" | "util" | "xnet")
        || name.starts_with("libc.musl-")
        || name.starts_with("ld-musl-")
}

/// glibc's built-in search directories (Debian's multiarch ones first).
fn glibc_default_dirs(arch: &str) -> Vec<String> {
    let triplet = match arch {
        "amd64" => "x86_64-linux-gnu",
        "arm64" => "aarch64-linux-gnu",
        "386" => "i386-linux-gnu",
        "arm" => "arm-linux-gnueabihf",
        "ppc64le" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        "riscv64" => "riscv64-linux-gnu",
        _ => "",
    };
    let mut v = Vec::new();
    if !triplet.is_empty() {
        v.push(format!("/lib/{triplet}"));
        v.push(format!("/usr/lib/{triplet}"));
    }
    if matches!(arch, "amd64" | "arm64" | "ppc64le" | "s390x" | "riscv64") {
        v.push("/lib64".into());
        v.push("/usr/lib64".into());
    }
    v.push("/lib".into());
    v.push("/usr/lib".into());
    v
}

/// The entrypoint program: `Entrypoint` + `Cmd`, its first word looked
/// up in `PATH`.
pub fn entrypoint_argv(config: &ImageConfig) -> Vec<String> {
    let c = &config.config;
    if c.entrypoint.is_empty() {
        c.cmd.clone()
    } else {
        c.entrypoint.iter().chain(&c.cmd).cloned().collect()
    }
}

/// Predicts the entrypoint and every ELF executable in PATH directories
/// and the entrypoint's directory.
pub fn binaries(tree: &Tree, config: &ImageConfig) -> (User, Vec<Binary>) {
    let mut rt = Runtime::new(tree, config);
    let mut out = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let argv = entrypoint_argv(config);
    let mut dirs: Vec<String> = rt.path_dirs();
    let workdir = if config.config.working_dir.is_empty() {
        "/"
    } else {
        config.config.working_dir.as_str()
    };
    if let Some(prog) = argv.first() {
        let b = match rt.look_path(prog, workdir) {
            Ok(p) => {
                if let Ok((real, _)) = tree.resolve(&p) {
                    done.insert(real.clone());
                    if let Some((d, _)) = real.rsplit_once('/') {
                        dirs.push(format!("/{d}"));
                    }
                }
                let mut b = rt.check(&p, true);
                if let Some(e) = &rt.user.error {
                    b.verdict = Verdict::Fails;
                    b.reason = e.clone();
                    b.cause = Cause::User;
                }
                b
            }
            Err(e) => Binary::failing(prog, true, Cause::NotFound, e),
        };
        out.push(b);
    }
    let mut seen_dirs = BTreeSet::new();
    for d in dirs {
        let Ok((real_dir, n)) = tree.resolve(&d) else {
            continue;
        };
        if n.kind != Kind::Dir || !seen_dirs.insert(real_dir.clone()) {
            continue;
        }
        let mut names: Vec<String> = tree
            .children(&real_dir)
            .into_iter()
            .map(|(p, _)| p.to_string())
            .collect();
        names.sort();
        for p in names {
            let Ok((real, node)) = tree.resolve(&p) else {
                continue;
            };
            if elf_of(node).is_none() || node.mode & 0o111 == 0 || !done.insert(real.clone()) {
                continue;
            }
            if matches!(elf_of(node).map(|f| f.kind), Some(ElfKind::SharedObject)) {
                continue;
            }
            out.push(rt.check(&format!("/{p}"), false));
        }
    }
    (rt.user.clone(), out)
}
