//! Kubernetes manifests in, workload facts out.
//!
//! [`load`] reads one file's YAML or JSON stream (multi-document, `List`
//! kinds) into [`Manifest`]; [`Manifest::workloads`] finds the objects that
//! run pods (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob, Argo Rollout) and exposes their pod
//! spec and containers with source positions. Everything else (Services,
//! CRDs, …) is skipped without complaint.

pub mod quantity;
pub mod yaml;

use std::collections::BTreeSet;
pub use yaml::{Document, Error, Limits, Node, Pos, Value};

/// One file's documents.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The path as the user named it (`-` for stdin).
    pub file: String,
    pub documents: Vec<Document>,
}

/// Reads one file's text (YAML or JSON, which is YAML).
pub fn load(file: &str, text: &str, limits: Limits) -> Result<Manifest, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(Manifest {
        file: file.to_string(),
        documents: yaml::parse(text, limits)?,
    })
}

/// Where a container sits in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `spec.containers[]`.
    Main,
    /// `spec.initContainers[]` that run to completion before the main ones.
    Init,
    /// `spec.initContainers[]` with `restartPolicy: Always` (native sidecars,
    /// Kubernetes 1.28+): long-running like main containers.
    Sidecar,
    /// `spec.ephemeralContainers[]`.
    Ephemeral,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Main => "container",
            Role::Init => "init container",
            Role::Sidecar => "sidecar container",
            Role::Ephemeral => "ephemeral container",
        }
    }
}

/// One container of a workload.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    pub node: &'a Node,
    pub name: &'a str,
    pub role: Role,
}

impl<'a> Container<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.node.get(key)
    }

    /// `image:` as written.
    pub fn image(&self) -> Option<&'a str> {
        self.node.str_at("image")
    }

    /// The value of an `env` entry set literally (`value:`), with the node.
    pub fn env(&self, name: &str) -> Option<&'a Node> {
        let env = self.node.get("env")?;
        env.items()
            .iter()
            .rev()
            .find(|e| e.str_at("name") == Some(name))
            .and_then(|e| e.get("value").or(Some(e)))
    }

    /// Whether `env` names `name` at all (literally or `valueFrom`).
    pub fn has_env(&self, name: &str) -> bool {
        self.node
            .get("env")
            .is_some_and(|env| env.items().iter().any(|e| e.str_at("name") == Some(name)))
    }

    /// Long-running: main containers and native sidecars.
    pub fn long_running(&self) -> bool {
        matches!(self.role, Role::Main | Role::Sidecar)
    }

    /// The container's `securityContext` entry, if any.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.node.get("securityContext")
    }

    /// A security setting as the kubelet resolves it: the container's
    /// `securityContext.KEY`, else the pod's `securityContext.KEY` for the
    /// keys a pod can set (`runAsUser`, `runAsGroup`, `runAsNonRoot`,
    /// `seccompProfile`, `seLinuxOptions`, `appArmorProfile`,
    /// `windowsOptions`).
    pub fn effective(&self, w: &Workload<'a>, key: &str) -> Option<&'a Node> {
        if let Some(v) = self.security_context().and_then(|sc| sc.get(key))
            && !v.is_null()
        {
            return Some(v);
        }
        const POD_LEVEL: [&str; 7] = [
            "runAsUser",
            "runAsGroup",
            "runAsNonRoot",
            "seccompProfile",
            "seLinuxOptions",
            "appArmorProfile",
            "windowsOptions",
        ];
        if POD_LEVEL.contains(&key) {
            return w
                .pod_spec
                .path(&["securityContext", key])
                .filter(|v| !v.is_null());
        }
        None
    }
}

/// An object that runs pods, with its pod template located.
#[derive(Debug, Clone)]
pub struct Workload<'a> {
    /// Index of the document in the file (0-based; `List` items share their
    /// list's index).
    pub document: usize,
    pub object: &'a Node,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub namespace: Option<&'a str>,
    /// The pod template's metadata (the object's own for a Pod).
    pub pod_metadata: Option<&'a Node>,
    /// The pod spec: `spec` of a Pod, `spec.template.spec` of most
    /// controllers, `spec.jobTemplate.spec.template.spec` of a CronJob.
    pub pod_spec: &'a Node,
    pub containers: Vec<Container<'a>>,
    /// Rule codes or peer check names the user asked to ignore through
    /// annotations (see [`Ignores`]).
    pub ignores: Ignores,
}

/// Annotations that switch checks off for one object: Plimsoll's own
/// `plimsoll.dev/ignore: PK001,PK002` (or `all`), kube-linter's
/// `ignore-check.kube-linter.io/<check>` and kube-score's
/// `kube-score/ignore: <check>,<check>`. The peer names are kept as they
/// are; the rules crate maps them to codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignores {
    pub codes: BTreeSet<String>,
    pub all: bool,
    pub kube_linter: BTreeSet<String>,
    pub kube_score: BTreeSet<String>,
}

impl Ignores {
    fn read(metadata: Option<&Node>, into: &mut Ignores) {
        let Some(ann) = metadata.and_then(|m| m.get("annotations")) else {
            return;
        };
        for (k, v) in ann.entries() {
            let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
                continue;
            };
            if k == "plimsoll.dev/ignore" {
                for code in v.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()) {
                    if code.eq_ignore_ascii_case("all") {
                        into.all = true;
                    } else {
                        into.codes.insert(code.to_ascii_uppercase());
                    }
                }
            } else if let Some(check) = k.strip_prefix("ignore-check.kube-linter.io/") {
                into.kube_linter.insert(check.to_string());
            } else if k == "kube-score/ignore" {
                for c in v.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    into.kube_score.insert(c.to_string());
                }
            }
        }
    }
}

/// The pod-spec path of each workload kind, or `None` for kinds that run
/// no pods.
fn pod_template<'a>(
    kind: &str,
    api_version: &str,
    obj: &'a Node,
) -> Option<(Option<&'a Node>, &'a Node)> {
    let spec = obj.get("spec")?;
    match kind {
        "Pod" => Some((obj.get("metadata"), spec)),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => {
            let t = spec.get("template")?;
            Some((t.get("metadata"), t.get("spec")?))
        }
        "Rollout" if api_version.starts_with("argoproj.io/") => {
            let t = spec.get("template")?;
            Some((t.get("metadata"), t.get("spec")?))
        }
        "CronJob" => {
            let t = spec.path(&["jobTemplate", "spec", "template"])?;
            Some((t.get("metadata"), t.get("spec")?))
        }
        "PodTemplate" => {
            let t = obj.get("template")?;
            Some((t.get("metadata"), t.get("spec")?))
        }
        _ => None,
    }
}

fn workload_of<'a>(document: usize, obj: &'a Node, out: &mut Vec<Workload<'a>>, depth: usize) {
    let kind = obj.str_at("kind").unwrap_or("");
    let api_version = obj.str_at("apiVersion").unwrap_or("");
    if depth < 4 && kind.ends_with("List") {
        if let Some(items) = obj.get("items") {
            for item in items.items() {
                workload_of(document, item, out, depth + 1);
            }
        }
        return;
    }
    let Some((pod_metadata, pod_spec)) = pod_template(kind, api_version, obj) else {
        return;
    };
    if !pod_spec.is_map() {
        return;
    }
    let metadata = obj.get("metadata");
    let mut ignores = Ignores::default();
    Ignores::read(metadata, &mut ignores);
    if pod_metadata.map(|m| m as *const Node) != metadata.map(|m| m as *const Node) {
        Ignores::read(pod_metadata, &mut ignores);
    }
    let mut containers = Vec::new();
    for (key, role) in [
        ("initContainers", Role::Init),
        ("containers", Role::Main),
        ("ephemeralContainers", Role::Ephemeral),
    ] {
        for c in pod_spec.get(key).map(Node::items).unwrap_or(&[]) {
            if !c.is_map() {
                continue;
            }
            let role = if role == Role::Init && c.str_at("restartPolicy") == Some("Always") {
                Role::Sidecar
            } else {
                role
            };
            containers.push(Container {
                node: c,
                name: c.str_at("name").unwrap_or(""),
                role,
            });
        }
    }
    out.push(Workload {
        document,
        object: obj,
        api_version,
        kind,
        name: metadata.and_then(|m| m.str_at("name")).unwrap_or(""),
        namespace: metadata.and_then(|m| m.str_at("namespace")),
        pod_metadata,
        pod_spec,
        containers,
        ignores,
    });
}

impl Manifest {
    /// The workloads in this file, in document order.
    pub fn workloads(&self) -> Vec<Workload<'_>> {
        let mut out = Vec::new();
        for (i, d) in self.documents.iter().enumerate() {
            if let Some(root) = &d.root {
                workload_of(i, root, &mut out, 0);
            }
        }
        out
    }
}

impl<'a> Workload<'a> {
    /// Long-running: everything but Jobs, CronJobs and Pods whose
    /// `restartPolicy` is `Never` or `OnFailure`.
    pub fn long_running(&self) -> bool {
        match self.kind {
            "Job" | "CronJob" => false,
            "Pod" => !matches!(
                self.pod_spec.str_at("restartPolicy"),
                Some("Never" | "OnFailure")
            ),
            _ => true,
        }
    }

    /// `Kind/name` for messages.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.kind.to_string()
        } else {
            format!("{}/{}", self.kind, self.name)
        }
    }

    /// A pod-level field, e.g. `hostNetwork`.
    pub fn pod(&self, key: &str) -> Option<&'a Node> {
        self.pod_spec.get(key)
    }

    /// Labels of the object, then of its pod template.
    pub fn label_value(&self, key: &str) -> Option<&'a str> {
        self.object
            .path(&["metadata", "labels", key])
            .or_else(|| self.pod_metadata.and_then(|m| m.path(&["labels", key])))
            .and_then(Node::as_str)
    }

    /// An annotation of the object, then of its pod template.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.object
            .path(&["metadata", "annotations", key])
            .or_else(|| {
                self.pod_metadata
                    .and_then(|m| m.path(&["annotations", key]))
            })
            .and_then(Node::as_str)
    }

    /// The volume named `name` in the pod spec.
    pub fn volume(&self, name: &str) -> Option<&'a Node> {
        self.pod_spec
            .get("volumes")?
            .items()
            .iter()
            .find(|v| v.str_at("name") == Some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOY: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    plimsoll.dev/ignore: "PK001, pk002"
    ignore-check.kube-linter.io/run-as-non-root: "because"
spec:
  template:
    metadata:
      annotations:
        kube-score/ignore: pod-probes,container-resources
    spec:
      securityContext: {runAsUser: 1000}
      initContainers:
        - name: init
          image: busybox
        - name: proxy
          image: envoy
          restartPolicy: Always
      containers:
        - name: app
          image: app:1
          env:
            - {name: GOMEMLIMIT, value: 400MiB}
          securityContext:
            runAsUser: 0
        - name: side
          image: side:1
"#;

    #[test]
    fn finds_workloads_containers_roles_and_ignores() {
        let m = load("d.yaml", DEPLOY, Limits::default()).unwrap();
        let ws = m.workloads();
        assert_eq!(ws.len(), 1);
        let w = &ws[0];
        assert_eq!((w.kind, w.name, w.document), ("Deployment", "web", 1));
        let roles: Vec<_> = w.containers.iter().map(|c| (c.name, c.role)).collect();
        assert_eq!(
            roles,
            [
                ("init", Role::Init),
                ("proxy", Role::Sidecar),
                ("app", Role::Main),
                ("side", Role::Main)
            ]
        );
        assert!(w.ignores.codes.contains("PK001") && w.ignores.codes.contains("PK002"));
        assert!(w.ignores.kube_linter.contains("run-as-non-root"));
        assert!(w.ignores.kube_score.contains("pod-probes"));
        let app = &w.containers[2];
        assert_eq!(app.env("GOMEMLIMIT").unwrap().as_str(), Some("400MiB"));
        assert_eq!(app.effective(w, "runAsUser").unwrap().as_i64(), Some(0));
        let side = &w.containers[3];
        assert_eq!(side.effective(w, "runAsUser").unwrap().as_i64(), Some(1000));
        assert_eq!(side.effective(w, "readOnlyRootFilesystem"), None);
        assert!(w.long_running());
    }

    #[test]
    fn cronjobs_lists_rollouts_and_json() {
        let text = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
   "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "x", "image": "x:1"}]}}}}}},
  {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
   "spec": {"template": {"spec": {"containers": [{"name": "y", "image": "y:1"}]}}}},
  {"apiVersion": "example.com/v1", "kind": "Rollout", "spec": {"template": {"spec": {"containers": []}}}},
  {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "spec": {}}
]}"#;
        let m = load("l.json", text, Limits::default()).unwrap();
        let ws = m.workloads();
        let kinds: Vec<_> = ws
            .iter()
            .map(|w| (w.kind, w.name, w.long_running()))
            .collect();
        assert_eq!(kinds, [("CronJob", "c", false), ("Rollout", "r", true)]);
        assert_eq!(ws[0].containers[0].node.start.line, 3);
    }

    #[test]
    fn objects_without_a_pod_spec_are_skipped() {
        let m = load(
            "x.yaml",
            "kind: Deployment\nspec: {}\n---\nkind: Pod\nspec: 3\n",
            Limits::default(),
        )
        .unwrap();
        assert!(m.workloads().is_empty());
    }
}
