//! Plimsoll's Kubernetes rules: workload facts in, findings out.
//!
//! Every rule is one file in `src/rules/` (registered by `build.rs`): a
//! `//!` doc that is the rule's documentation (`plimsoll rule CODE`), a
//! `META`, a pure `check(&Context) -> Vec<Hit>` run once per workload, and
//! `PEERS`: the checks of other tools it stands for (kube-linter,
//! kube-score, Polaris, Kyverno, checkov, trivy), which drive the ignore
//! annotations those tools' users already write and `docs/k8s-parity.md`.
//! Codes: `PK` the manifest alone (category `kubernetes`), `PX` the
//! manifest against the image it deploys (`cross`).

use plimsoll_core::{Finding, Region};
use plimsoll_k8s::{Container, Manifest, Node, Workload};
use serde::Deserialize;
use std::collections::BTreeMap;

mod registry {
    include!(concat!(env!("OUT_DIR"), "/registry.rs"));
}
pub use registry::{PEERS, RULES};

#[cfg(test)]
pub mod testing;

pub use plimsoll_core::fact_rules::{Hit, Meta};

/// A registered rule (see `plimsoll_core::fact_rules`).
pub type Rule = plimsoll_core::fact_rules::Rule<fn(&Context) -> Vec<Hit>>;

/// CPU and memory as written in a resource table (`200m`, `512Mi`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

/// Expected requests and limits for a workload or a class.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceTable {
    #[serde(default)]
    pub requests: Resources,
    #[serde(default)]
    pub limits: Resources,
}

/// What users set in `plimsoll.toml`'s `[k8s]` table (and on the command
/// line).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Highest accepted limit/request ratio, for CPU and memory.
    pub max_limit_request_ratio: f64,
    /// The memory limit must be at least this many times `GOMEMLIMIT`.
    pub go_heap_headroom: f64,
    /// The delivery class of the workloads checked (`--class`); when
    /// unset, a workload's `plimsoll.dev/class` label names it.
    pub class: Option<String>,
    /// Classes whose images must be pinned by digest.
    pub digest_required_classes: Vec<String>,
    /// Registries images may come from (empty: any). `docker.io` covers
    /// unqualified names.
    pub trusted_registries: Vec<String>,
    /// Seconds a liveness probe must let a container start before it can
    /// kill it, when there is no startupProbe.
    pub min_start_seconds: u64,
    /// Expected requests/limits per workload name.
    pub workloads: BTreeMap<String, ResourceTable>,
    /// Expected requests/limits per class.
    pub classes: BTreeMap<String, ResourceTable>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_limit_request_ratio: 4.0,
            go_heap_headroom: 2.0,
            class: None,
            digest_required_classes: vec!["production".into()],
            trusted_registries: Vec::new(),
            min_start_seconds: 30,
            workloads: BTreeMap::new(),
            classes: BTreeMap::new(),
        }
    }
}

/// What the cross-checks (`PX`) need from the image the manifest deploys,
/// filled in by whoever analysed it.
pub struct ImageView<'a> {
    /// The reference as the user gave it.
    pub reference: String,
    /// The config's `User` as written (empty: root).
    pub user: String,
    /// The uid the image runs as, resolved through its `/etc/passwd`
    /// (`None`: the name does not resolve).
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// The config's `ExposedPorts`: (port, protocol).
    pub exposed_ports: Vec<(u16, String)>,
    /// The config's `Env`.
    pub env: Vec<(String, String)>,
    /// The verdict on the config's entrypoint: (program, runs, reason).
    pub entrypoint: Option<(String, bool, String)>,
    /// The config's `WorkingDir`.
    pub working_dir: String,
    /// Which containers of the manifests run this image.
    pub targets: Targets,
    /// Questions about the image's filesystem.
    pub files: &'a dyn ImageFiles,
}

impl ImageView<'_> {
    /// The image's `Env` value of `name`.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Which containers an image given on the command line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// The container with this name (`--container`).
    Named(String),
    /// Containers whose `image:` names this repository; when no container
    /// of a workload does (or the repository is unknown, as for archives),
    /// every main container of it.
    Repository(String),
}

impl Targets {
    /// The containers of `w` that run the image.
    pub fn of<'w, 'a>(&self, w: &'w Workload<'a>) -> Vec<&'w Container<'a>> {
        match self {
            Targets::Named(n) => w.containers.iter().filter(|c| c.name == n).collect(),
            Targets::Repository(repo) => {
                let by_repo: Vec<_> = w
                    .containers
                    .iter()
                    .filter(|c| {
                        !repo.is_empty() && c.image().map(image_repository).as_deref() == Some(repo)
                    })
                    .collect();
                if by_repo.is_empty() {
                    w.containers
                        .iter()
                        .filter(|c| c.role == plimsoll_k8s::Role::Main)
                        .collect()
                } else {
                    by_repo
                }
            }
        }
    }
}

/// The repository of an image reference as its registry knows it, without
/// host, tag or digest (`registry.example.com:5000/team/api:1.2@sha256:…`
/// → `team/api`; `nginx` and `docker.io/library/nginx` → `library/nginx`);
/// empty when the reference does not parse.
pub fn image_repository(reference: &str) -> String {
    registry::pk040::parse_image(reference)
        .map(|r| r.repository())
        .unwrap_or_default()
}

/// A program as the container runtime would start it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The resolved path inside the image.
    pub path: String,
    /// Whether it will start (loader, libraries, permissions, shebang).
    pub runs: bool,
    /// Why, in one line.
    pub reason: String,
}

/// Filesystem questions a cross-check asks of an image.
pub trait ImageFiles {
    /// Whether `uid`/`gid` may create files in the directory `path`
    /// (`None`: no such path; `Some(false)` also when it is not a
    /// directory).
    fn writable_dir(&self, path: &str, uid: u32, gid: u32) -> Option<bool>;
    /// Resolves `program` as exec does (absolute, relative to `workdir`, or
    /// looked up in `path_env`, default the image's `PATH`), symbolic links
    /// followed inside the image, and judges whether it starts; `Err`: why
    /// it cannot be found.
    fn program(
        &self,
        program: &str,
        path_env: Option<&str>,
        workdir: &str,
    ) -> Result<Program, String>;
}

/// What a rule sees: one workload of one file.
pub struct Context<'a> {
    pub file: &'a str,
    pub workload: &'a Workload<'a>,
    pub settings: &'a Settings,
    pub image: Option<&'a ImageView<'a>>,
}

impl<'a> Context<'a> {
    /// Every container, init and ephemeral ones included.
    pub fn containers(&self) -> impl Iterator<Item = &'a Container<'a>> + 'a {
        self.workload.containers.iter()
    }

    /// Main containers and native sidecars: the ones that keep running.
    pub fn long_running_containers(&self) -> impl Iterator<Item = &'a Container<'a>> + 'a {
        self.workload.containers.iter().filter(|c| c.long_running())
    }

    /// The delivery class: `--class`/`[k8s] class`, else the workload's
    /// `plimsoll.dev/class` label.
    pub fn class(&self) -> Option<&'a str> {
        self.settings
            .class
            .as_deref()
            .or_else(|| self.workload.label_value("plimsoll.dev/class"))
    }

    /// `Kind/name` and, for per-container findings, the container.
    pub fn who(&self, c: &Container) -> String {
        if c.name.is_empty() {
            format!("{} in {}", c.role.as_str(), self.workload.label())
        } else {
            format!(
                "{} {:?} in {}",
                c.role.as_str(),
                c.name,
                self.workload.label()
            )
        }
    }
}

/// The region a node covers (collections: their first line only, so a
/// finding points at where the thing starts rather than spanning a block).
pub fn region(n: &Node) -> Region {
    let single_line = n.end.line == n.start.line;
    Region {
        line: n.start.line,
        column: n.start.col,
        end_line: n.start.line,
        end_column: if single_line && n.end.col > n.start.col {
            n.end.col
        } else {
            n.start.col + 1
        },
    }
}

/// A hit pointing at `node`.
pub fn hit_at(node: &Node, message: impl Into<String>) -> Hit {
    Hit::new(message).with_region(region(node))
}

/// Where to point when something is missing from a container: its `name`
/// value, else the container itself.
pub fn container_anchor<'a>(c: &Container<'a>) -> &'a Node {
    c.node.get("name").unwrap_or(c.node)
}

/// A hit for something missing from a container.
pub fn missing_in(c: &Container, message: impl Into<String>) -> Hit {
    hit_at(container_anchor(c), message)
}

/// Where to point when something is missing from the pod spec: the pod
/// spec's first key, else the object's `kind`.
pub fn pod_anchor<'a>(w: &Workload<'a>) -> &'a Node {
    w.pod_spec
        .entries()
        .first()
        .map(|(k, _)| k)
        .or_else(|| w.object.entry("kind").map(|(k, _)| k))
        .unwrap_or(w.pod_spec)
}

/// The codes a workload's ignore annotations switch off.
fn ignored(w: &Workload, code: &str) -> bool {
    if w.ignores.all || w.ignores.codes.contains(code) {
        return true;
    }
    let peers = PEERS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, p)| *p)
        .unwrap_or(&[]);
    peers.iter().any(|p| {
        if let Some(check) = p.strip_prefix("kube-linter:") {
            w.ignores.kube_linter.contains(check)
        } else if let Some(check) = p.strip_prefix("kube-score:") {
            w.ignores.kube_score.contains(check)
        } else {
            false
        }
    })
}

/// Runs every rule over every workload of a manifest. `image`: the image
/// the manifest deploys, when known (enables the `PX` rules).
pub fn check(manifest: &Manifest, settings: &Settings, image: Option<&ImageView>) -> Vec<Finding> {
    let mut out = Vec::new();
    for w in manifest.workloads() {
        let cx = Context {
            file: &manifest.file,
            workload: &w,
            settings,
            image,
        };
        for rule in RULES {
            if ignored(&w, rule.meta.code) {
                continue;
            }
            for hit in (rule.check)(&cx) {
                out.push(rule.finding(hit, &manifest.file));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_repositories() {
        for (r, want) in [
            ("nginx", "library/nginx"),
            ("nginx:1.25", "library/nginx"),
            ("docker.io/library/nginx:1.25", "library/nginx"),
            ("localhost:5000/app:1", "app"),
            ("registry.example.com:5000/team/api:1.2", "team/api"),
            ("not a reference", ""),
        ] {
            assert_eq!(image_repository(r), want, "{r}");
        }
    }

    #[test]
    fn registry_is_sound() {
        let problems = plimsoll_core::fact_rules::registry_problems(
            RULES.iter().map(|r| (r.meta.code, r.source)),
        );
        assert!(problems.is_empty(), "{problems:#?}");
        for r in RULES {
            let code = r.meta.code;
            assert!(code.starts_with("PK") || code.starts_with("PX"), "{code}");
            let want = if code.starts_with("PK") {
                plimsoll_core::Category::Kubernetes
            } else {
                plimsoll_core::Category::Cross
            };
            assert_eq!(r.meta.category, want, "{code}");
        }
        for (code, peers) in PEERS {
            for p in *peers {
                let tool = p.split(':').next().unwrap_or("");
                assert!(
                    [
                        "kube-linter",
                        "kube-score",
                        "polaris",
                        "kyverno",
                        "checkov",
                        "trivy"
                    ]
                    .contains(&tool)
                        && p.len() > tool.len() + 1,
                    "{code}: peer {p:?} is not tool:check"
                );
            }
        }
    }
}
