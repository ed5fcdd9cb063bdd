//! Helpers shared by the PD rules (delivery contract): the final image's
//! lineage and base, its runtime user, images by kind (Go SDK, distroless,
//! libc), `go build` commands with the environment they see, what a
//! `COPY --from` ships, `.dockerignore` matching, and `chmod` modes.

use crate::Context;
use plimsoll_dockerfile::facts::{ImageRef, pairs_with_spans};
use plimsoll_dockerfile::shell::{Command, ShWord};
use plimsoll_dockerfile::{BaseImage, Instruction, Kind, Span, Stage};
use std::collections::HashMap;

// ---------------------------------------------------------------------------
// Lineage

/// Stage indices from `stage` down to the stage whose FROM names a real
/// image (or scratch), root first.
pub fn lineage_of(cx: &Context, stage: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = Some(stage);
    while let Some(s) = cur {
        if s >= cx.facts.stages.len() || out.contains(&s) {
            break;
        }
        out.push(s);
        cur = cx.facts.stages[s].base.stage;
    }
    out.reverse();
    out
}

/// The final stage's lineage, root first.
pub fn final_lineage(cx: &Context) -> Vec<usize> {
    let mut v = cx.facts.final_lineage();
    v.reverse();
    v
}

/// The stage at the root of a lineage (its FROM names an image).
pub fn root_stage<'a>(cx: &Context<'a>, lineage: &[usize]) -> Option<&'a Stage> {
    let f = cx.facts;
    lineage.first().and_then(|&s| f.stages.get(s))
}

/// Instruction indices of the stages (FROM lines excluded), build order.
pub fn lineage_instructions(cx: &Context, lineage: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    for &s in lineage {
        if let Some(st) = cx.facts.stages.get(s) {
            out.extend(st.from + 1..st.end.min(cx.df().instructions.len()));
        }
    }
    out
}

/// The raw instruction (not an ONBUILD trigger).
pub fn instr<'a>(cx: &Context<'a>, i: usize) -> Option<&'a Instruction> {
    cx.df().instructions.get(i)
}

/// 1-based line of a span.
pub fn line_of(cx: &Context, span: Span) -> u32 {
    cx.df().position(span.start).0
}

/// Whether the base reference can be judged (no variables without a value).
pub fn base_known(b: &BaseImage) -> bool {
    b.unresolved.is_empty() && !b.resolved.trim().is_empty()
}

// ---------------------------------------------------------------------------
// Images

/// Lower-case registry host, with Docker Hub's aliases folded to `docker.io`.
pub fn normalize_registry(r: &str) -> String {
    let r = r.trim().to_ascii_lowercase();
    let r = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
        .unwrap_or(&r)
        .trim_end_matches('/')
        .to_string();
    match r.as_str() {
        "index.docker.io"
        | "registry-1.docker.io"
        | "hub.docker.com"
        | "registry.hub.docker.com" => "docker.io".to_string(),
        _ => r,
    }
}

/// The registry an image is pulled from (`docker.io` when none is written).
pub fn registry_of(img: &ImageRef) -> String {
    normalize_registry(img.registry.as_deref().unwrap_or("docker.io"))
}

/// A Go SDK image: `golang:*`, `docker.io/library/golang`, mirrors of it,
/// `cimg/go`, `circleci/golang`, `bitnami/golang`, `cgr.dev/chainguard/go`.
pub fn is_go_sdk(img: &ImageRef) -> bool {
    let name = img.name.to_ascii_lowercase();
    let short = name.rsplit('/').next().unwrap_or(&name);
    short == "golang"
        || name == "cimg/go"
        || name == "chainguard/go"
        || (short == "go" && img.registry.as_deref() == Some("cgr.dev"))
}

/// A distroless-style image: no shell, no package manager, a fixed
/// `/etc/passwd` with `root`, `nonroot` and `nobody`.
pub fn is_distroless(img: &ImageRef) -> bool {
    let name = img.name.to_ascii_lowercase();
    let reg = img.registry.as_deref().unwrap_or("").to_ascii_lowercase();
    name.starts_with("distroless/")
        || name.contains("/distroless/")
        || (reg == "cgr.dev" && name.starts_with("chainguard/"))
        || name.starts_with("chainguard/")
}

/// Which C library the image provides to a dynamically linked binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    /// No libc and no dynamic loader (scratch, distroless/static).
    None,
    Musl,
    Glibc,
    Unknown,
}

impl Libc {
    pub fn describe(self) -> &'static str {
        match self {
            Libc::None => "no C library and no dynamic loader",
            Libc::Musl => "musl, not glibc",
            Libc::Glibc => "glibc",
            Libc::Unknown => "an unknown C library",
        }
    }
}

/// The C library of the image a lineage root stage is built FROM.
pub fn libc_of(b: &BaseImage) -> Libc {
    if b.scratch {
        return Libc::None;
    }
    if !base_known(b) {
        return Libc::Unknown;
    }
    let img = &b.image;
    let name = img.name.to_ascii_lowercase();
    let short = name.rsplit('/').next().unwrap_or(&name).to_string();
    let tag = img.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    if is_distroless(img) {
        if short.starts_with("static") || short == "static" {
            return Libc::None;
        }
        return Libc::Glibc;
    }
    if short == "alpine" || tag.contains("alpine") || short.contains("alpine") {
        return Libc::Musl;
    }
    if short == "busybox" {
        return match tag.as_str() {
            t if t.contains("musl") => Libc::Musl,
            t if t.contains("glibc") => Libc::Glibc,
            _ => Libc::Unknown,
        };
    }
    const GLIBC: &[&str] = &[
        "golang",
        "debian",
        "ubuntu",
        "buildpack-deps",
        "fedora",
        "centos",
        "rockylinux",
        "almalinux",
        "amazonlinux",
        "oraclelinux",
        "ubi",
        "ubi8",
        "ubi9",
        "ubi-minimal",
        "ubi8-minimal",
        "ubi9-minimal",
        "archlinux",
        "opensuse",
        "leap",
        "photon",
    ];
    if GLIBC.contains(&short.as_str())
        || [
            "bookworm", "bullseye", "buster", "trixie", "jammy", "noble", "focal",
        ]
        .iter()
        .any(|c| tag.contains(c))
    {
        return Libc::Glibc;
    }
    Libc::Unknown
}

/// Windows base images: users and libc work differently there.
pub fn is_windows(img: &ImageRef) -> bool {
    let n = img.name.to_ascii_lowercase();
    let t = img.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    n.contains("windows")
        || n.contains("nanoserver")
        || t.contains("nanoserver")
        || t.contains("windowsservercore")
}

/// Images that run as a non-root user when no USER is given.
pub fn image_defaults_nonroot(img: &ImageRef) -> bool {
    let t = img.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    t.contains("nonroot")
        || (img
            .registry
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("cgr.dev"))
            && img.name.to_ascii_lowercase().starts_with("chainguard/"))
}

/// Users and groups a distroless-style image's `/etc/passwd` already has.
pub const DISTROLESS_USERS: &[&str] = &["root", "nonroot", "nobody"];
pub const DISTROLESS_GROUPS: &[&str] = &["root", "nonroot", "nobody", "tty", "staff"];

// ---------------------------------------------------------------------------
// Runtime user

/// Who the final container runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunUser {
    /// The last USER of the lineage, expanded.
    Explicit {
        instr: usize,
        span: Span,
        user: String,
        group: Option<String>,
    },
    /// The last USER uses a variable with no known value.
    Unknown,
    /// No USER anywhere in the lineage: the image's default.
    Default { nonroot: bool },
}

impl RunUser {
    pub fn is_root(&self) -> bool {
        match self {
            RunUser::Explicit { user, .. } => is_root_user(user),
            RunUser::Unknown => false,
            RunUser::Default { nonroot } => !nonroot,
        }
    }

    pub fn is_nonroot(&self) -> bool {
        match self {
            RunUser::Explicit { user, .. } => !is_root_user(user),
            RunUser::Unknown => false,
            RunUser::Default { nonroot } => *nonroot,
        }
    }

    pub fn name(&self) -> String {
        match self {
            RunUser::Explicit { user, .. } => user.clone(),
            RunUser::Default { nonroot: true } => "the image's non-root default".into(),
            _ => "root".into(),
        }
    }
}

pub fn is_root_user(u: &str) -> bool {
    let u = u.trim();
    u == "root" || (!u.is_empty() && u.chars().all(|c| c == '0'))
}

/// The user the final image runs as.
pub fn final_user(cx: &Context) -> RunUser {
    let lineage = final_lineage(cx);
    user_of_lineage(cx, &lineage)
}

pub fn user_of_lineage(cx: &Context, lineage: &[usize]) -> RunUser {
    let mut last = None;
    for i in lineage_instructions(cx, lineage) {
        if let Some(ins) = instr(cx, i)
            && ins.kind == Kind::User
        {
            last = Some((i, ins));
        }
    }
    match last {
        Some((i, ins)) => {
            let raw = ins.args.trim();
            let ex = cx.facts.expand(i, raw);
            if !ex.unset.is_empty() || ex.value.trim().is_empty() {
                return RunUser::Unknown;
            }
            let v = ex.value.trim().to_string();
            let (user, group) = match v.split_once(':') {
                Some((u, g)) => (u.to_string(), Some(g.to_string())),
                None => (v, None),
            };
            RunUser::Explicit {
                instr: i,
                span: ins.args_full_span(),
                user,
                group,
            }
        }
        None => {
            let nonroot = root_stage(cx, lineage).is_some_and(|s| {
                !s.base.scratch && base_known(&s.base) && image_defaults_nonroot(&s.base.image)
            });
            RunUser::Default { nonroot }
        }
    }
}

// ---------------------------------------------------------------------------
// Paths

/// Resolves `.` and `..`; the result is absolute without a trailing slash
/// (except `/`).
pub fn clean_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `p` relative to `cwd` (or `p` when absolute), cleaned.
pub fn join_path(cwd: &str, p: &str) -> String {
    if p.starts_with('/') {
        clean_path(p)
    } else {
        clean_path(&format!("{cwd}/{p}"))
    }
}

/// `p` is `dir` or inside it.
pub fn is_within(p: &str, dir: &str) -> bool {
    dir == "/"
        || p == dir
        || (p.len() > dir.len() && p.starts_with(dir) && p.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// The working directory just before each instruction of the lineage,
/// following WORKDIR (`default` for the root image's own WORKDIR); `None`
/// after a WORKDIR that uses an unknown variable.
pub fn workdirs(cx: &Context, lineage: &[usize], default: &str) -> HashMap<usize, Option<String>> {
    let mut out = HashMap::new();
    let mut cwd = Some(default.to_string());
    for i in lineage_instructions(cx, lineage) {
        out.insert(i, cwd.clone());
        let Some(ins) = instr(cx, i) else { continue };
        if ins.kind != Kind::Workdir {
            continue;
        }
        let ex = cx.facts.expand(i, ins.args.trim());
        cwd = if !ex.unset.is_empty() {
            None
        } else if ex.value.starts_with('/') {
            Some(clean_path(&ex.value))
        } else {
            cwd.map(|c| join_path(&c, &ex.value))
        };
    }
    out
}

/// The root image's default working directory (the Go images use `/go`).
pub fn default_workdir(cx: &Context, lineage: &[usize]) -> &'static str {
    match root_stage(cx, lineage) {
        Some(s) if !s.base.scratch && is_go_sdk(&s.base.image) => "/go",
        _ => "/",
    }
}

/// Expands a shell word's text with the Dockerfile variables in scope at
/// instruction `i`; `None` if it refers to something unknown.
pub fn expand_shell(cx: &Context, i: usize, text: &str) -> Option<String> {
    if !text.contains('$') {
        return Some(text.to_string());
    }
    if text.contains("$(") || text.contains('`') {
        return None;
    }
    // The text has its quotes removed already: protect what is left.
    let ex = cx
        .facts
        .expand(i, &text.replace('\\', "\\\\").replace(['"', '\''], ""));
    if ex.unset.is_empty() {
        Some(ex.value)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// COPY / ADD

/// A source or destination of COPY/ADD, expanded.
#[derive(Debug, Clone)]
pub struct CopyPath {
    pub raw: String,
    /// `None` when a variable has no known value.
    pub value: Option<String>,
    pub span: Span,
}

/// The parts of a COPY or ADD.
#[derive(Debug, Clone)]
pub struct CopyParts {
    pub sources: Vec<CopyPath>,
    pub dest: CopyPath,
    /// `--from`, expanded.
    pub from: Option<String>,
    /// Sources are heredocs.
    pub heredoc: bool,
}

pub fn copy_parts(cx: &Context, i: usize, ins: &Instruction) -> Option<CopyParts> {
    if !matches!(ins.kind, Kind::Copy | Kind::Add) {
        return None;
    }
    let mut items: Vec<(String, Span, bool)> = match &ins.json {
        Some(j) => j.iter().map(|s| (s.value.clone(), s.span, true)).collect(),
        None => ins
            .words()
            .into_iter()
            .map(|w| (w.raw, w.span, false))
            .collect(),
    };
    if items.len() < 2 {
        return None;
    }
    let (draw, dspan, djson) = items.pop()?;
    let exp = |raw: &str, json: bool| -> Option<String> {
        let src = if json {
            raw.replace('"', "\\\"")
        } else {
            raw.to_string()
        };
        let ex = cx.facts.expand(i, &src);
        if ex.unset.is_empty() {
            Some(ex.value)
        } else {
            None
        }
    };
    let heredoc = items.iter().any(|(r, _, _)| r.starts_with("<<"));
    let sources = items
        .into_iter()
        .filter(|(r, _, _)| !r.starts_with("<<"))
        .map(|(raw, span, json)| CopyPath {
            value: exp(&raw, json),
            raw,
            span,
        })
        .collect();
    // Expanded; as written when a variable leaves it empty (still not the
    // build context).
    let from = ins.flag_value("from").map(|v| {
        let e = cx.facts.expand(i, v);
        if e.unset.is_empty() && !e.value.is_empty() {
            e.value
        } else {
            v.to_string()
        }
    });
    Some(CopyParts {
        sources,
        dest: CopyPath {
            value: exp(&draw, djson),
            raw: draw,
            span: dspan,
        },
        from,
        heredoc,
    })
}

/// The stage a `COPY --from` in stage `stage` names, if it is a stage.
pub fn from_stage<'a>(cx: &Context<'a>, from: &str, stage: usize) -> Option<&'a Stage> {
    let f = cx.facts;
    f.stage_named(from, stage)
}

// ---------------------------------------------------------------------------
// Go builds

/// A Go environment variable as one command sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoVar {
    /// The value as written (`$TARGETARCH`, `0`).
    pub raw: String,
    /// The value when known.
    pub value: Option<String>,
    pub span: Span,
    pub instr: usize,
    /// Where it was set.
    pub source: VarSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarSource {
    /// `NAME=value go build` (or via `env`).
    Inline,
    /// `export NAME=value` earlier in the same RUN.
    Export,
    /// `ENV`/`ARG` in the stage.
    Env,
    /// `go env -w NAME=value` in an earlier RUN.
    GoEnv,
    /// A wrapper (`xx-go`) that sets it.
    Wrapper,
}

impl GoVar {
    pub fn describe(&self, cx: &Context, name: &str) -> String {
        let line = line_of(cx, self.span);
        match self.source {
            VarSource::Inline => format!("`{name}={}` on line {line}", self.raw),
            VarSource::Export => format!("`export {name}={}` on line {line}", self.raw),
            VarSource::Env => format!("`{name}={}` (ENV/ARG on line {line})", self.raw),
            VarSource::GoEnv => format!("`go env -w {name}={}` on line {line}", self.raw),
            VarSource::Wrapper => format!("`xx-go` on line {line}"),
        }
    }
}

/// Where a build writes its binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    /// A directory the binary is written into (name chosen by Go).
    pub dir: bool,
}

/// One `go build|install|mod download|get` in a RUN.
#[derive(Debug, Clone)]
pub struct GoCmd<'a> {
    pub instr: usize,
    pub stage: usize,
    pub cmd: &'a Command,
    /// `build`, `install`, `mod download`, `get`.
    pub sub: String,
    /// From `go` to the subcommand.
    pub span: Span,
    pub cgo: Option<GoVar>,
    pub goarch: Option<GoVar>,
    pub goos: Option<GoVar>,
    /// The C compiler (`CC`), when set.
    pub cc: Option<GoVar>,
    /// Last `-ldflags` value and its span.
    pub ldflags: Option<(String, Span)>,
    pub tags: Vec<String>,
    pub output: Option<Output>,
    /// Built with the `xx-go` cross-compilation wrapper.
    pub xx: bool,
}

impl GoCmd<'_> {
    pub fn is_build(&self) -> bool {
        self.sub == "build" || self.sub == "install"
    }

    /// `-extldflags` asks the external linker for a static binary.
    pub fn extld_static(&self) -> Option<Span> {
        let (v, span) = self.ldflags.as_ref()?;
        extldflags_static(v).then_some(*span)
    }

    /// Build tags that make the binary independent of libc for DNS/users.
    pub fn netgo(&self) -> bool {
        self.tags.iter().any(|t| t == "netgo")
    }
}

/// Whether an `-ldflags` value has `-extldflags` with `-static`.
pub fn extldflags_static(ld: &str) -> bool {
    let mut rest = ld;
    while let Some(p) = rest.find("extldflags") {
        let after = &rest[p + "extldflags".len()..];
        let after = after.trim_start_matches(['=', ' ', '\t']);
        let val: String = match after.chars().next() {
            Some(q @ ('"' | '\'')) => after[1..].split(q).next().unwrap_or("").to_string(),
            _ => after.split_whitespace().next().unwrap_or("").to_string(),
        };
        if val
            .split_whitespace()
            .any(|w| w.trim_matches(['"', '\'']) == "-static")
            || val.contains("-static")
        {
            return true;
        }
        rest = after;
    }
    false
}

const GO_VARS: &[&str] = &["CGO_ENABLED", "GOARCH", "GOOS", "GOBIN", "GOPATH", "CC"];

fn split_assign(text: &str) -> Option<(&str, &str)> {
    let (k, v) = text.split_once('=')?;
    (!k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some((k, v))
}

/// The words of `cmd` from the real command on, skipping `env A=b`,
/// `sudo`, `time`; with assignments made by `env`.
fn unwrap_command(cmd: &Command) -> (Vec<&ShWord>, &[ShWord]) {
    let mut extra: Vec<&ShWord> = cmd.assignments.iter().collect();
    let mut words: &[ShWord] = &cmd.words;
    for _ in 0..4 {
        let Some(first) = words.first() else { break };
        let base = first.text.rsplit('/').next().unwrap_or(&first.text);
        match base {
            "env" => {
                let mut k = 1;
                while let Some(w) = words.get(k) {
                    if w.text == "-u" || w.text == "--unset" {
                        k += 2;
                    } else if w.text.starts_with('-') {
                        k += 1;
                    } else if split_assign(&w.text).is_some() {
                        extra.push(w);
                        k += 1;
                    } else {
                        break;
                    }
                }
                words = words.get(k..).unwrap_or(&[]);
            }
            "sudo" | "time" | "nice" | "nohup" | "exec" => {
                words = words.get(1..).unwrap_or(&[]);
                while words.first().is_some_and(|w| w.text.starts_with('-')) {
                    words = words.get(1..).unwrap_or(&[]);
                }
            }
            _ => break,
        }
    }
    (extra, words)
}

/// `go build`/`go install` flags that take a separate value.
const GO_VALUE_FLAGS: &[&str] = &[
    "o",
    "ldflags",
    "gcflags",
    "asmflags",
    "gccgoflags",
    "tags",
    "mod",
    "modfile",
    "p",
    "buildmode",
    "compiler",
    "installsuffix",
    "overlay",
    "pgo",
    "pkgdir",
    "toolexec",
    "C",
    "coverpkg",
    "covermode",
    "buildvcs",
    "exec",
];

/// The package (or file) arguments of `go build|install`, after the flags.
fn go_packages(args: &[ShWord]) -> Vec<&ShWord> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if t == "--" {
            out.extend(args[i + 1..].iter());
            break;
        }
        if let Some(f) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) {
            if !f.contains('=') && GO_VALUE_FLAGS.contains(&f) {
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        out.push(w);
        i += 1;
    }
    out
}

/// The name Go gives the binary of a package argument (`./cmd/api` →
/// `api`, `example.com/x/y@v1` → `y`, `main.go` → `main`); `None` when
/// it depends on the module name or there is no single main package.
fn go_binary_name(pkgs: &[&ShWord]) -> Option<String> {
    let first = pkgs.first()?;
    let t = first.text.trim_end_matches('/');
    if pkgs.iter().any(|p| p.text.contains("...")) {
        return None;
    }
    if t.ends_with(".go") {
        let base = t.rsplit('/').next().unwrap_or(t);
        return Some(base.trim_end_matches(".go").to_string());
    }
    if pkgs.len() > 1 {
        return None;
    }
    let t = t.split('@').next().unwrap_or(t);
    let base = t.rsplit('/').next().unwrap_or(t);
    if base.is_empty() || base == "." || base == ".." || base.contains('$') {
        return None;
    }
    // `example.com/x/v2` names the binary after `x`.
    if base.len() > 1 && base.starts_with('v') && base[1..].chars().all(|c| c.is_ascii_digit()) {
        let parent = t.rsplit('/').nth(1)?;
        return Some(parent.to_string());
    }
    Some(base.to_string())
}

/// Value of a Go command flag (`-o x`, `-o=x`, `--o x`).
fn go_flag(args: &[ShWord], name: &str) -> Option<(String, Span)> {
    let mut found = None;
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if t == "--" {
            break;
        }
        let stripped = t.strip_prefix("--").or_else(|| t.strip_prefix('-'));
        if let Some(s) = stripped {
            if s == name {
                if let Some(n) = args.get(i + 1) {
                    found = Some((n.text.clone(), w.span.cover(n.span)));
                    i += 2;
                    continue;
                }
            } else if let Some(v) = s.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                found = Some((v.to_string(), w.span));
            }
        }
        i += 1;
    }
    found
}

fn make_var(cx: &Context, i: usize, raw: &str, span: Span, source: VarSource) -> GoVar {
    GoVar {
        raw: raw.to_string(),
        value: expand_shell(cx, i, raw),
        span,
        instr: i,
        source,
    }
}

/// Every Go command run in the lineage of `stage` (its own RUNs and those
/// of the stages it is built FROM), with the Go environment each sees.
pub fn go_commands<'a>(cx: &Context<'a>, stage: usize) -> Vec<GoCmd<'a>> {
    // Most Dockerfiles run no Go at all: skip the environment tracking.
    let runs_go = cx.commands().any(|(_, c)| {
        c.words.iter().any(|w| {
            let b = w.text.rsplit('/').next().unwrap_or(&w.text);
            b == "go" || b == "xx-go"
        })
    });
    if !runs_go {
        return Vec::new();
    }
    let lineage = lineage_of(cx, stage);
    let default_cwd = default_workdir(cx, &lineage);
    let mut out = Vec::new();
    let mut env: HashMap<String, GoVar> = HashMap::new();
    let mut goenv: HashMap<String, GoVar> = HashMap::new();
    let mut workdir = Some(default_cwd.to_string());
    for i in lineage_instructions(cx, &lineage) {
        let Some(ins) = instr(cx, i) else { continue };
        let st = cx.facts.stage_of.get(i).copied().flatten().unwrap_or(stage);
        match ins.kind {
            Kind::Workdir => {
                let ex = cx.facts.expand(i, ins.args.trim());
                workdir = if !ex.unset.is_empty() {
                    None
                } else {
                    workdir.map(|w| join_path(&w, &ex.value))
                };
            }
            Kind::Env | Kind::Arg => {
                for (k, v, _, pair) in pairs_with_spans(ins) {
                    if !GO_VARS.contains(&k.as_str()) {
                        continue;
                    }
                    let var = match v {
                        Some(raw) => {
                            let ex = cx.facts.expand(i, &raw);
                            GoVar {
                                raw: raw.trim_matches(['"', '\'']).to_string(),
                                value: ex.unset.is_empty().then_some(ex.value),
                                span: pair,
                                instr: i,
                                source: VarSource::Env,
                            }
                        }
                        None => GoVar {
                            raw: format!("${k}"),
                            value: cx
                                .facts
                                .global_args
                                .iter()
                                .rev()
                                .find(|(n, _)| *n == k)
                                .and_then(|(_, v)| v.clone()),
                            span: pair,
                            instr: i,
                            source: VarSource::Env,
                        },
                    };
                    env.insert(k, var);
                }
            }
            Kind::Run => {
                let mut exports: HashMap<String, GoVar> = HashMap::new();
                for script in cx.scripts(i) {
                    let mut cwd = workdir.clone();
                    for cmd in &script.commands {
                        let (extra, words) = unwrap_command(cmd);
                        let name = words
                            .first()
                            .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text).to_string());
                        // Bare assignments and `export` change the shell's env.
                        if words.is_empty() {
                            for a in &cmd.assignments {
                                if let Some((k, v)) = split_assign(&a.text)
                                    && GO_VARS.contains(&k)
                                {
                                    exports.insert(
                                        k.into(),
                                        make_var(cx, i, v, a.span, VarSource::Export),
                                    );
                                }
                            }
                            continue;
                        }
                        let Some(name) = name else { continue };
                        let args = words.get(1..).unwrap_or(&[]);
                        match name.as_str() {
                            "export" => {
                                for a in args {
                                    if let Some((k, v)) = split_assign(&a.text)
                                        && GO_VARS.contains(&k)
                                    {
                                        exports.insert(
                                            k.into(),
                                            make_var(cx, i, v, a.span, VarSource::Export),
                                        );
                                    }
                                }
                            }
                            "cd" => {
                                let target = args.iter().find(|w| !w.text.starts_with('-'));
                                cwd = match target {
                                    None => None,
                                    Some(t) => match (expand_shell(cx, i, &t.text), cwd.clone()) {
                                        (Some(v), _) if v.starts_with('/') => Some(clean_path(&v)),
                                        (Some(v), Some(c)) => Some(join_path(&c, &v)),
                                        _ => None,
                                    },
                                };
                            }
                            "go" | "xx-go" => {
                                let Some(sub) = args.first() else { continue };
                                let xx = name == "xx-go";
                                if sub.text == "env" && args.get(1).is_some_and(|w| w.text == "-w")
                                {
                                    for a in args.get(2..).unwrap_or(&[]) {
                                        if let Some((k, v)) = split_assign(&a.text)
                                            && GO_VARS.contains(&k)
                                        {
                                            goenv.insert(
                                                k.into(),
                                                make_var(cx, i, v, a.span, VarSource::GoEnv),
                                            );
                                        }
                                    }
                                    continue;
                                }
                                let subname = match sub.text.as_str() {
                                    "build" | "install" | "get" => sub.text.clone(),
                                    "mod" if args.get(1).is_some_and(|w| w.text == "download") => {
                                        "mod download".to_string()
                                    }
                                    _ => continue,
                                };
                                let span_end = if subname == "mod download" {
                                    args.get(1).map(|w| w.span).unwrap_or(sub.span)
                                } else {
                                    sub.span
                                };
                                let mut inline: HashMap<&str, GoVar> = HashMap::new();
                                for a in &extra {
                                    if let Some((k, v)) = split_assign(&a.text)
                                        && let Some(known) = GO_VARS.iter().find(|g| **g == k)
                                    {
                                        inline.insert(
                                            known,
                                            make_var(cx, i, v, a.span, VarSource::Inline),
                                        );
                                    }
                                }
                                let lookup = |k: &str| -> Option<GoVar> {
                                    inline
                                        .get(k)
                                        .or_else(|| exports.get(k))
                                        .or_else(|| env.get(k))
                                        .or_else(|| goenv.get(k))
                                        .cloned()
                                };
                                let cmd_span = words.first().map(|w| w.span).unwrap_or(cmd.span);
                                let mut goarch = lookup("GOARCH");
                                let mut goos = lookup("GOOS");
                                if xx {
                                    let w = GoVar {
                                        raw: "$TARGETARCH".into(),
                                        value: None,
                                        span: cmd_span,
                                        instr: i,
                                        source: VarSource::Wrapper,
                                    };
                                    if goarch
                                        .as_ref()
                                        .is_none_or(|g| g.source != VarSource::Inline)
                                    {
                                        goarch = Some(w.clone());
                                    }
                                    if goos.as_ref().is_none_or(|g| g.source != VarSource::Inline) {
                                        goos = Some(GoVar {
                                            raw: "$TARGETOS".into(),
                                            ..w
                                        });
                                    }
                                }
                                let bargs = if subname == "mod download" {
                                    &[][..]
                                } else {
                                    args.get(1..).unwrap_or(&[])
                                };
                                let tags = go_flag(bargs, "tags")
                                    .map(|(v, _)| {
                                        v.split([',', ' '])
                                            .map(|s| s.trim().to_string())
                                            .filter(|s| !s.is_empty())
                                            .collect()
                                    })
                                    .unwrap_or_default();
                                let output = match subname.as_str() {
                                    "build" => match go_flag(bargs, "o") {
                                        Some((o, _)) => {
                                            let o2 = expand_shell(cx, i, &o);
                                            match (o2, cwd.clone()) {
                                                (Some(o), _) if o.starts_with('/') => {
                                                    Some(Output {
                                                        dir: o.ends_with('/'),
                                                        path: clean_path(&o),
                                                    })
                                                }
                                                (Some(o), Some(c)) => Some(Output {
                                                    dir: o.ends_with('/'),
                                                    path: join_path(&c, &o),
                                                }),
                                                _ => None,
                                            }
                                        }
                                        None => {
                                            let pkgs = go_packages(bargs);
                                            if pkgs.iter().any(|p| p.text.contains("...")) {
                                                // Several packages: `go build` writes nothing.
                                                None
                                            } else {
                                                cwd.clone().map(|c| match go_binary_name(&pkgs) {
                                                    Some(n) => Output {
                                                        path: join_path(&c, &n),
                                                        dir: false,
                                                    },
                                                    None => Output { path: c, dir: true },
                                                })
                                            }
                                        }
                                    },
                                    "install" => {
                                        let bin = lookup("GOBIN")
                                            .and_then(|g| g.value)
                                            .filter(|v| v.starts_with('/'))
                                            .or_else(|| {
                                                lookup("GOPATH")
                                                    .and_then(|g| g.value)
                                                    .filter(|v| v.starts_with('/'))
                                                    .map(|p| {
                                                        format!(
                                                            "{}/bin",
                                                            p.split(':').next().unwrap_or(&p)
                                                        )
                                                    })
                                            })
                                            .unwrap_or_else(|| {
                                                if default_cwd == "/go" {
                                                    "/go/bin".into()
                                                } else {
                                                    "/root/go/bin".into()
                                                }
                                            });
                                        let pkgs = go_packages(bargs);
                                        Some(match go_binary_name(&pkgs) {
                                            Some(n) => Output {
                                                path: join_path(&clean_path(&bin), &n),
                                                dir: false,
                                            },
                                            None => Output {
                                                path: clean_path(&bin),
                                                dir: true,
                                            },
                                        })
                                    }
                                    _ => None,
                                };
                                out.push(GoCmd {
                                    instr: i,
                                    stage: st,
                                    cmd,
                                    sub: subname,
                                    span: cmd_span.cover(span_end),
                                    cgo: lookup("CGO_ENABLED"),
                                    goarch,
                                    goos,
                                    cc: lookup("CC"),
                                    ldflags: go_flag(bargs, "ldflags"),
                                    tags,
                                    output,
                                    xx,
                                });
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a COPY source path (absolute in the source stage, maybe a
/// glob) takes the output of a build.
pub fn source_takes(src: &str, out: &Output) -> bool {
    let glob_at = src.find(['*', '?', '[']);
    let src_clean = clean_path(src);
    if src_clean == "/" {
        return true;
    }
    if let Some(g) = glob_at {
        let prefix = &src[..g];
        let dir = match prefix.rfind('/') {
            Some(p) => clean_path(&prefix[..p.max(1)]),
            None => "/".to_string(),
        };
        return is_within(&out.path, &dir) || (out.dir && is_within(&dir, &out.path));
    }
    if is_within(&out.path, &src_clean) {
        return true;
    }
    if out.dir && is_within(&src_clean, &out.path) {
        // A file inside the output directory: a binary has no extension.
        let base = src_clean.rsplit('/').next().unwrap_or("");
        return !base.contains('.') || base.ends_with(".exe");
    }
    false
}

/// A Go binary that reaches the final image through a `COPY --from`.
#[derive(Debug, Clone)]
pub struct Shipped<'a> {
    /// The COPY instruction.
    pub copy: usize,
    /// The COPY source word that takes the binary.
    pub src_span: Span,
    pub src: String,
    /// The builder stage named by `--from`.
    pub builder: usize,
    pub go: GoCmd<'a>,
}

/// Go builds whose output a `COPY --from` in the final lineage takes.
pub fn shipped_go_builds<'a>(cx: &Context<'a>) -> Vec<Shipped<'a>> {
    let lineage = final_lineage(cx);
    let mut out = Vec::new();
    let mut cache: HashMap<usize, Vec<GoCmd<'a>>> = HashMap::new();
    for i in lineage_instructions(cx, &lineage) {
        let Some(ins) = instr(cx, i) else { continue };
        if ins.kind != Kind::Copy {
            continue;
        }
        let Some(parts) = copy_parts(cx, i, ins) else {
            continue;
        };
        let Some(from) = parts.from.as_deref() else {
            continue;
        };
        let stage = cx.facts.stage_of.get(i).copied().flatten().unwrap_or(0);
        let Some(b) = from_stage(cx, from, stage) else {
            continue;
        };
        let cmds = cache
            .entry(b.index)
            .or_insert_with(|| go_commands(cx, b.index));
        for g in cmds.iter().filter(|g| g.is_build()) {
            let Some(o) = &g.output else { continue };
            if let Some(src) = parts.sources.iter().find(|s| {
                s.value
                    .as_deref()
                    .is_some_and(|v| source_takes(&join_path("/", v), o))
            }) {
                out.push(Shipped {
                    copy: i,
                    src_span: src.span,
                    src: src.value.clone().unwrap_or_default(),
                    builder: b.index,
                    go: g.clone(),
                });
            }
        }
    }
    out
}

/// Whether a RUN in the lineage installs a C compiler.
pub fn installs_c_compiler(cx: &Context, lineage: &[usize]) -> bool {
    const CC: &[&str] = &[
        "gcc",
        "build-base",
        "build-essential",
        "clang",
        "musl-gcc",
        "gcc-c++",
        "g++",
    ];
    lineage_instructions(cx, lineage).into_iter().any(|i| {
        cx.scripts(i).iter().any(|s| {
            s.commands.iter().any(|c| {
                (c.is("apk")
                    || c.is("apt-get")
                    || c.is("apt")
                    || c.is("yum")
                    || c.is("dnf")
                    || c.is("microdnf"))
                    && c.args().iter().any(|w| CC.contains(&w.text.as_str()))
            })
        })
    })
}

// ---------------------------------------------------------------------------
// Platforms

/// A CPU architecture as a Dockerfile determines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arch {
    Lit(String),
    /// The build's target platform (`$TARGETARCH`; linux/amd64 by default).
    Target,
    /// The platform the builder runs on (`$BUILDPLATFORM`).
    Build,
    Unknown,
}

impl Arch {
    pub fn describe(&self) -> String {
        match self {
            Arch::Lit(a) => a.clone(),
            Arch::Target => "the target platform ($TARGETARCH, linux/amd64 by default)".into(),
            Arch::Build => "the build host's platform ($BUILDPLATFORM)".into(),
            Arch::Unknown => "unknown".into(),
        }
    }
}

/// GOARCH spelling of an architecture name.
pub fn normalize_arch(a: &str) -> String {
    let a = a.trim().to_ascii_lowercase();
    match a.as_str() {
        "x86_64" | "x86-64" | "x64" => "amd64".into(),
        "aarch64" | "arm64v8" => "arm64".into(),
        "armhf" | "armv7" | "armv7l" | "armv6" | "armel" | "arm32v7" | "arm32v6" => "arm".into(),
        "i386" | "i686" | "x86" => "386".into(),
        _ => a,
    }
}

/// Architecture of a `--platform` value as written.
pub fn platform_arch(raw: &str, expanded: Option<&str>) -> Arch {
    if raw.contains("TARGETPLATFORM") || raw.contains("TARGETARCH") {
        return Arch::Target;
    }
    if raw.contains("BUILDPLATFORM") || raw.contains("BUILDARCH") {
        return Arch::Build;
    }
    match expanded {
        Some(v) if !v.is_empty() && !v.contains('$') => {
            let mut parts = v.split('/');
            let _os = parts.next();
            match parts.next() {
                Some(a) if !a.is_empty() => Arch::Lit(normalize_arch(a)),
                _ => Arch::Unknown,
            }
        }
        _ => Arch::Unknown,
    }
}

/// Architecture a GOARCH setting selects.
pub fn goarch_arch(v: &GoVar) -> Arch {
    if v.source == VarSource::Wrapper
        || v.raw.contains("TARGETARCH")
        || v.raw.contains("TARGETPLATFORM")
    {
        return Arch::Target;
    }
    if v.raw.contains("BUILDARCH") || v.raw.contains("BUILDPLATFORM") {
        return Arch::Build;
    }
    match v.value.as_deref() {
        Some(x) if !x.is_empty() => Arch::Lit(normalize_arch(x)),
        _ => Arch::Unknown,
    }
}

/// Architecture of a lineage: the first `FROM --platform` from the stage
/// down to the root; the target platform when none is given.
pub fn lineage_arch(cx: &Context, lineage: &[usize]) -> (Arch, Option<Span>) {
    for &s in lineage.iter().rev() {
        let Some(st) = cx.facts.stages.get(s) else {
            continue;
        };
        let Some(ins) = instr(cx, st.from) else {
            continue;
        };
        if let Some(f) = ins.flag("platform") {
            let raw = f.value.as_deref().unwrap_or("");
            return (platform_arch(raw, st.platform.as_deref()), Some(f.span));
        }
    }
    // Docker Hub's per-architecture namespaces: `arm64v8/alpine`.
    if let Some(root) = root_stage(cx, lineage) {
        let b = &root.base;
        if !b.scratch && base_known(b) && b.image.registry.is_none() {
            let ns = b.image.name.split('/').next().unwrap_or("");
            let arch = match ns {
                "amd64" => Some("amd64"),
                "arm64v8" => Some("arm64"),
                "arm32v5" | "arm32v6" | "arm32v7" => Some("arm"),
                "i386" => Some("386"),
                "ppc64le" | "s390x" | "riscv64" | "mips64le" => Some(ns),
                _ => None,
            };
            if let Some(a) = arch.filter(|_| b.image.name.contains('/')) {
                return (Arch::Lit(a.to_string()), Some(b.span));
            }
        }
    }
    (Arch::Target, None)
}

/// The final stage only collects files for `docker build --output`: it is
/// built on `scratch` and its lineage only copies files (COPY, ADD, ARG,
/// LABEL) — no ENTRYPOINT, CMD, USER, ENV, EXPOSE, WORKDIR, … — so there
/// is nothing to run and runtime rules do not apply.
pub fn is_artifact_image(cx: &Context) -> bool {
    let lineage = final_lineage(cx);
    let Some(root) = root_stage(cx, &lineage) else {
        return false;
    };
    root.base.scratch
        && lineage_instructions(cx, &lineage).into_iter().all(|i| {
            instr(cx, i)
                .is_none_or(|x| matches!(x.kind, Kind::Copy | Kind::Add | Kind::Arg | Kind::Label))
        })
}

/// The lineage installs a glibc compatibility layer on musl (`gcompat`,
/// `libc6-compat`) or provides a glibc loader path by hand.
pub fn provides_glibc_compat(cx: &Context, lineage: &[usize]) -> bool {
    lineage_instructions(cx, lineage).into_iter().any(|i| {
        cx.scripts(i).iter().any(|s| {
            s.commands.iter().any(|c| {
                c.args().iter().any(|w| {
                    let t = w.text.as_str();
                    t == "gcompat"
                        || t == "libc6-compat"
                        || t.contains("ld-linux")
                        || t.starts_with("glibc")
                })
            })
        }) || instr(cx, i).is_some_and(|x| {
            matches!(x.kind, Kind::Copy | Kind::Add) && x.args.contains("ld-linux")
        })
    })
}

/// Two architectures differ for sure (treating the default target as
/// linux/amd64, as the brief for Docker's default build does).
pub fn arch_mismatch(a: &Arch, b: &Arch) -> bool {
    let lit = |x: &Arch| -> Option<String> {
        match x {
            Arch::Lit(s) => Some(s.clone()),
            Arch::Target => Some("amd64".into()),
            _ => None,
        }
    };
    match (a, b) {
        (Arch::Unknown, _) | (_, Arch::Unknown) => false,
        (Arch::Target, Arch::Build) | (Arch::Build, Arch::Target) => true,
        (Arch::Build, Arch::Build) => false,
        (Arch::Build, _) | (_, Arch::Build) => false,
        _ => match (lit(a), lit(b)) {
            (Some(x), Some(y)) => x != y,
            _ => false,
        },
    }
}

// ---------------------------------------------------------------------------
// chmod modes

/// Whether a chmod mode (octal or symbolic) makes files writable by
/// everyone without the sticky bit. `None` when it cannot be read.
pub fn world_writable(mode: &str) -> Option<bool> {
    let m = mode.trim();
    if m.is_empty() {
        return None;
    }
    if m.chars().all(|c| c.is_ascii_digit()) {
        if m.len() > 5 || m.chars().any(|c| c > '7') {
            return None;
        }
        let v = u32::from_str_radix(m, 8).ok()?;
        let other_w = v & 0o002 != 0;
        let sticky = v & 0o1000 != 0;
        return Some(other_w && !sticky);
    }
    let mut ww = false;
    let mut sticky = false;
    for clause in m.split(',') {
        let who_end = clause.find(['+', '-', '=']).unwrap_or(clause.len());
        let who = &clause[..who_end];
        if !who.chars().all(|c| "ugoa".contains(c)) {
            return None;
        }
        let others = who.contains('o') || who.contains('a');
        let mut rest = &clause[who_end..];
        while let Some(op) = rest.chars().next() {
            if !"+-=".contains(op) {
                return None;
            }
            let body = &rest[1..];
            let end = body.find(['+', '-', '=']).unwrap_or(body.len());
            let perms = &body[..end];
            if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                return None;
            }
            if op != '-' && perms.contains('t') {
                sticky = true;
            }
            if op != '-' && perms.contains('w') && others {
                ww = true;
            }
            if op == '-' && perms.contains('w') && others {
                ww = false;
            }
            rest = &body[end..];
        }
    }
    Some(ww && !sticky)
}

/// Directories that are meant to be world-writable (with the sticky bit).
pub fn is_tmp_like(p: &str) -> bool {
    matches!(
        p.trim_end_matches('/'),
        "/tmp" | "/var/tmp" | "/dev/shm" | "/run/lock" | "/var/lock" | "$TMPDIR" | "${TMPDIR}"
    )
}

// ---------------------------------------------------------------------------
// .dockerignore

/// One `.dockerignore` line.
#[derive(Debug, Clone)]
pub struct IgnorePattern {
    pub pattern: String,
    pub exclusion: bool,
}

/// Reads a `.dockerignore` as the Docker CLI does: `#` comments, blank
/// lines skipped, `!` exceptions, paths cleaned, a leading `/` dropped.
pub fn parse_dockerignore(text: &str) -> Vec<IgnorePattern> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with('#') {
            continue;
        }
        let mut p = line.trim();
        if p.is_empty() {
            continue;
        }
        let exclusion = p.starts_with('!');
        if exclusion {
            p = p[1..].trim();
        }
        if p.is_empty() {
            continue;
        }
        let mut cleaned = clean_rel(p);
        if cleaned.len() > 1 && cleaned.starts_with('/') {
            cleaned.remove(0);
        }
        out.push(IgnorePattern {
            pattern: cleaned,
            exclusion,
        });
    }
    out
}

/// Go's `filepath.Clean` for a relative or absolute slash path.
fn clean_rel(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            x => parts.push(x),
        }
    }
    let j = parts.join("/");
    if abs {
        format!("/{j}")
    } else if j.is_empty() {
        ".".into()
    } else {
        j
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(char),
    /// `*`: any run of non-slash characters.
    Star,
    /// `?`: one non-slash character.
    One,
    /// `[...]`: (negated, ranges).
    Class(bool, Vec<(char, char)>),
    /// `**/` or `**` before more pattern: zero or more whole directories.
    AnyDirs,
    /// `**` at the end: anything.
    Rest,
}

fn compile(p: &str) -> Vec<Tok> {
    let cs: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            '*' if cs.get(i + 1) == Some(&'*') => {
                i += 2;
                if cs.get(i) == Some(&'/') {
                    i += 1;
                }
                out.push(if i >= cs.len() {
                    Tok::Rest
                } else {
                    Tok::AnyDirs
                });
                continue;
            }
            '*' => out.push(Tok::Star),
            '?' => out.push(Tok::One),
            '\\' => {
                if let Some(&n) = cs.get(i + 1) {
                    out.push(Tok::Lit(n));
                    i += 1;
                }
            }
            '[' => {
                let mut j = i + 1;
                let neg = matches!(cs.get(j), Some('^') | Some('!'));
                if neg {
                    j += 1;
                }
                let mut ranges = Vec::new();
                let mut closed = false;
                while j < cs.len() {
                    if cs[j] == ']' && (!ranges.is_empty() || j > i + 1 + usize::from(neg)) {
                        closed = true;
                        break;
                    }
                    let mut lo = cs[j];
                    if lo == '\\' && j + 1 < cs.len() {
                        j += 1;
                        lo = cs[j];
                    }
                    let mut hi = lo;
                    if cs.get(j + 1) == Some(&'-') && cs.get(j + 2).is_some_and(|c| *c != ']') {
                        hi = cs[j + 2];
                        j += 2;
                    }
                    ranges.push((lo, hi));
                    j += 1;
                }
                if closed {
                    out.push(Tok::Class(neg, ranges));
                    i = j + 1;
                    continue;
                }
                out.push(Tok::Lit('['));
            }
            c => out.push(Tok::Lit(c)),
        }
        i += 1;
    }
    out
}

fn match_toks(t: &[Tok], s: &[char]) -> bool {
    // memo[ti][si]: 0 unknown, 1 false, 2 true
    let mut memo = vec![vec![0u8; s.len() + 1]; t.len() + 1];
    fn go(t: &[Tok], s: &[char], ti: usize, si: usize, memo: &mut Vec<Vec<u8>>) -> bool {
        if memo[ti][si] != 0 {
            return memo[ti][si] == 2;
        }
        let r = if ti == t.len() {
            si == s.len()
        } else {
            match &t[ti] {
                Tok::Lit(c) => si < s.len() && s[si] == *c && go(t, s, ti + 1, si + 1, memo),
                Tok::One => si < s.len() && s[si] != '/' && go(t, s, ti + 1, si + 1, memo),
                Tok::Class(neg, ranges) => {
                    si < s.len()
                        && s[si] != '/'
                        && (ranges.iter().any(|(lo, hi)| s[si] >= *lo && s[si] <= *hi) != *neg)
                        && go(t, s, ti + 1, si + 1, memo)
                }
                Tok::Star => {
                    let mut k = si;
                    loop {
                        if go(t, s, ti + 1, k, memo) {
                            break true;
                        }
                        if k >= s.len() || s[k] == '/' {
                            break false;
                        }
                        k += 1;
                    }
                }
                Tok::Rest => true,
                Tok::AnyDirs => {
                    // zero directories, or any prefix ending in '/'
                    go(t, s, ti + 1, si, memo)
                        || (si..s.len()).any(|k| s[k] == '/' && go(t, s, ti + 1, k + 1, memo))
                }
            }
        };
        memo[ti][si] = if r { 2 } else { 1 };
        r
    }
    go(t, s, 0, 0, &mut memo)
}

/// Whether one pattern matches a path (the path itself, not parents).
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let t = compile(pattern);
    let s: Vec<char> = path.chars().collect();
    match_toks(&t, &s)
}

/// Whether the `.dockerignore` keeps `path` (relative to the context) out
/// of the build context: the last matching pattern decides, and a pattern
/// that matches a parent directory matches everything in it.
pub fn ignored(patterns: &[IgnorePattern], path: &str) -> bool {
    let path = clean_rel(path);
    let parts: Vec<&str> = path.split('/').collect();
    let mut matched = false;
    for p in patterns {
        if p.exclusion != matched {
            continue;
        }
        let mut m = pattern_matches(&p.pattern, &path);
        if !m && parts.len() > 1 {
            for k in 1..parts.len() {
                if pattern_matches(&p.pattern, &parts[..k].join("/")) {
                    m = true;
                    break;
                }
            }
        }
        if m {
            matched = !p.exclusion;
        }
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(text: &str, path: &str) -> bool {
        ignored(&parse_dockerignore(text), path)
    }

    #[test]
    fn dockerignore_semantics() {
        assert!(ig(".git\n", ".git/config"));
        assert!(ig("/.git/\n", ".git/config"));
        assert!(!ig("# .git\n", ".git/config"));
        assert!(ig("*\n!main.go\n", ".env"));
        assert!(!ig("*\n!main.go\n", "main.go"));
        assert!(ig("**/*.pem\n", "server.pem"));
        assert!(ig("**/*.pem\n", "a/b/server.pem"));
        assert!(!ig("*.pem\n", "a/server.pem"));
        assert!(ig("*.pem\n", "server.pem"));
        assert!(ig(".env*\n!.env.example\n", ".env"));
        assert!(!ig(".env*\n!.env.example\n", ".env.example"));
        assert!(ig("**\n", "x/y"));
        assert!(ig("node_modules\n", "node_modules/a/b.js"));
        assert!(!ig("node_modules\n", "web/node_modules/a.js"));
        assert!(ig("**/node_modules\n", "web/node_modules/a.js"));
        assert!(ig("[.]git\n", ".git"));
        assert!(ig("./target/\n", "target/debug/x"));
        assert!(!ig("\n\n", ".git"));
    }

    #[test]
    fn chmod_modes() {
        assert_eq!(world_writable("777"), Some(true));
        assert_eq!(world_writable("0777"), Some(true));
        assert_eq!(world_writable("1777"), Some(false));
        assert_eq!(world_writable("755"), Some(false));
        assert_eq!(world_writable("666"), Some(true));
        assert_eq!(world_writable("a+rwx"), Some(true));
        assert_eq!(world_writable("o+w"), Some(true));
        assert_eq!(world_writable("ugo=rwx"), Some(true));
        assert_eq!(world_writable("+x"), Some(false));
        assert_eq!(world_writable("u+w,g+w"), Some(false));
        assert_eq!(world_writable("a+rwxt"), Some(false));
        assert_eq!(world_writable("o-w"), Some(false));
        assert_eq!(world_writable("$MODE"), None);
        assert_eq!(world_writable("99"), None);
    }

    #[test]
    fn ldflags() {
        assert!(extldflags_static("-s -w -extldflags \"-static\""));
        assert!(extldflags_static("-extldflags=-static"));
        assert!(extldflags_static(
            "-linkmode external -extldflags '-static -lm'"
        ));
        assert!(!extldflags_static("-s -w"));
    }

    #[test]
    fn copy_sources_take_outputs() {
        let f = Output {
            path: "/out/app".into(),
            dir: false,
        };
        assert!(source_takes("/out/app", &f));
        assert!(source_takes("/out", &f));
        assert!(source_takes("/out/*", &f));
        assert!(!source_takes("/etc/ssl/certs/ca-certificates.crt", &f));
        let d = Output {
            path: "/src".into(),
            dir: true,
        };
        assert!(source_takes("/src/orders", &d));
        assert!(!source_takes("/src/config.yaml", &d));
        assert!(source_takes("/", &d));
    }

    /// examples/go-service: the bad Dockerfile carries the incidents, the
    /// fixed one passes every PD rule.
    #[test]
    fn go_service_example() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/go-service");
        let lint_file = |rel: &str| -> Option<Vec<String>> {
            let path = dir.join(rel);
            let src = std::fs::read_to_string(&path).ok()?;
            let di = match std::fs::read_to_string(path.parent()?.join(".dockerignore")) {
                Ok(t) => crate::DockerIgnore::Present(t),
                Err(_) => crate::DockerIgnore::Absent,
            };
            let opts = crate::Options {
                select: vec!["PD".into()],
                ..crate::Options::default()
            };
            let mut v: Vec<String> = crate::lint(rel, &src, &di, &opts)
                .into_iter()
                .map(|f| format!("{}:{}", f.region.line, f.code))
                .collect();
            v.sort();
            Some(v)
        };
        let Some(bad) = lint_file("Dockerfile") else {
            return;
        };
        assert_eq!(
            bad,
            [
                "13:PD002", "20:PD001", "20:PD003", "21:PD010", "22:PD007", "28:PD011"
            ],
            "{bad:?}"
        );
        let fixed = lint_file("fixed/Dockerfile").unwrap_or_default();
        assert!(fixed.is_empty(), "{fixed:?}");
    }

    #[test]
    fn paths() {
        assert_eq!(clean_path("/a/./b/../c/"), "/a/c");
        assert_eq!(join_path("/go", "bin/x"), "/go/bin/x");
        assert!(is_within("/a/b", "/a"));
        assert!(!is_within("/ab", "/a"));
    }
}
