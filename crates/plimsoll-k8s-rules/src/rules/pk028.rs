//! # PK028: container runtime socket mounted from the node
//!
//! Flags `hostPath` volumes that reach the node's container runtime API:
//! a socket file (`docker.sock`, `containerd.sock`, `crio.sock`,
//! `cri-dockerd.sock`, `podman.sock`, `dockershim.sock`, wherever it lives)
//! or a directory that holds the standard ones (`/`, `/run` or `/var/run`,
//! `/run/containerd`, `/run/crio`, `/run/podman`, `/run/k3s`). Whoever can
//! talk to that socket can ask the runtime to start a privileged container
//! with the node's root filesystem mounted: a pod with the socket is a pod
//! that owns the node, whatever its own `securityContext` says, and it
//! bypasses admission control entirely because the new container never
//! goes through the API server.
//!
//! Paths are compared after normalising `//`, `.` and `..` segments and a
//! trailing `/`; `/var/run` is a link to `/run` on every current
//! distribution and is treated as the same directory. Every `hostPath` is
//! also PK031's concern; a runtime socket is reported here only.
//! `readOnly: true` on the mount does not help: connecting to a socket is
//! not a write to the filesystem.
//!
//! ## Bad
//! ```yaml
//! volumes:
//!   - name: docker
//!     hostPath: {path: /var/run/docker.sock, type: Socket}
//! ```
//!
//! ## Good
//! ```yaml
//! # build images without the node's daemon: BuildKit rootless or kaniko
//! volumes:
//!   - name: workspace
//!     emptyDir: {}
//! ```
//!
//! ## Fix
//! Remove the volume. Build images with a daemonless builder (BuildKit
//! rootless, kaniko, buildah) or a separate build service; read container
//! metadata from the Kubernetes API or the kubelet's metrics instead of the
//! runtime socket.
//!
//! ## Incident it prevents
//! A CI runner mounted `/var/run/docker.sock` to build images; a pull
//! request's build script ran `docker run --privileged -v /:/host` and
//! installed a backdoor on the node, outside anything the cluster's
//! admission policies could see.

use super::pk020::names;
use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node, Workload};

pub const META: Meta = Meta {
    code: "PK028",
    severity: Severity::Error,
    category: Category::Kubernetes,
    summary: "A hostPath volume exposes the node's container runtime socket (docker.sock, containerd.sock, crio.sock, …)",
};

pub const PEERS: &[&str] = &[
    "kube-linter:docker-sock",
    "kyverno:disallow-container-sock-mounts",
    "checkov:CKV_K8S_27",
    "trivy:KSV006",
];

/// Socket file names and the runtime each belongs to.
const SOCKETS: [(&str, &str); 6] = [
    ("docker.sock", "Docker"),
    ("containerd.sock", "containerd"),
    ("crio.sock", "CRI-O"),
    ("cri-dockerd.sock", "cri-dockerd"),
    ("podman.sock", "Podman"),
    ("dockershim.sock", "dockershim"),
];

/// Where runtimes put their sockets (after `/var/run` → `/run`).
const SOCKET_PATHS: [&str; 7] = [
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/cri-dockerd.sock",
    "/run/podman/podman.sock",
    "/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
];

/// A host path as the node resolves it: no empty, `.` or `..` segments,
/// no trailing `/`, and `/var/run` spelled `/run`.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.trim().split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.len() >= 2 && parts[0] == "var" && parts[1] == "run" {
        parts.remove(0);
    }
    format!("/{}", parts.join("/"))
}

/// What a host path exposes of the runtime API: `Some(description)` for a
/// socket or a directory holding the standard sockets.
pub(crate) fn runtime_socket(path: &str) -> Option<String> {
    let p = normalize(path);
    let file = p.rsplit('/').next().unwrap_or("");
    if let Some((_, runtime)) = SOCKETS.iter().find(|(name, _)| *name == file) {
        return Some(format!("which is the {runtime} socket"));
    }
    let inside: Vec<&str> = SOCKET_PATHS
        .iter()
        .filter(|s| p == "/" || s.starts_with(&format!("{p}/")))
        .map(|s| s.rsplit('/').next().unwrap_or(""))
        .collect();
    if inside.is_empty() {
        return None;
    }
    let mut files: Vec<&str> = Vec::new();
    for f in inside {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    let more = if files.len() > 3 { ", …" } else { "" };
    files.truncate(3);
    Some(format!(
        "which holds the container runtime's socket ({}{more})",
        files.join(", ")
    ))
}

/// The containers that mount volume `name`, with their mount entries.
pub(crate) fn mounts<'a>(w: &'a Workload<'a>, name: &str) -> Vec<(&'a Container<'a>, &'a Node)> {
    let mut out = Vec::new();
    for c in &w.containers {
        for m in c.get("volumeMounts").map(Node::items).unwrap_or(&[]) {
            if m.str_at("name") == Some(name) {
                out.push((c, m));
            }
        }
    }
    out
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let mut out = Vec::new();
    for v in w.pod("volumes").map(Node::items).unwrap_or(&[]) {
        let Some(path) = v.path(&["hostPath", "path"]) else {
            continue;
        };
        let Some(raw) = path.as_str() else { continue };
        let Some(what) = runtime_socket(raw) else {
            continue;
        };
        let name = v.str_at("name").unwrap_or("");
        let users: Vec<&Container> = mounts(w, name).into_iter().map(|(c, _)| c).collect();
        let into = if users.is_empty() {
            " (no container mounts it yet)".to_string()
        } else {
            format!(", into {}", names(&users))
        };
        out.push(
            hit_at(
                path,
                format!(
                    "volume {name:?} of {} mounts {raw} from the node, {what}{into}: whoever talks to it can start a privileged container on the node, outside admission control",
                    w.label()
                ),
            )
            .with_fix("# remove the volume: build with BuildKit rootless, kaniko or buildah,\n# read container data from the Kubernetes API instead of the runtime"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_runtime_sockets_and_their_directories() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: ci}
spec:
  template:
    spec:
      containers:
        - name: build
          volumeMounts:
            - {name: docker, mountPath: /var/run/docker.sock}
            - {name: run, mountPath: /host/run}
      volumes:
        - name: docker
          hostPath: {path: /var/run/docker.sock, type: Socket}
        - name: run
          hostPath: {path: /var/run/}
        - name: crio
          hostPath: {path: //run/crio/./crio.sock}
        - name: custom
          hostPath: {path: /opt/k3s/containerd.sock}
        - name: logs
          hostPath: {path: /var/log}
        - name: cfg
          configMap: {name: x}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [14, 16, 18, 20]);
        assert!(
            hits[0].message.contains("volume \"docker\" of Deployment/ci mounts /var/run/docker.sock from the node, which is the Docker socket, into \"build\": whoever"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains(
                "/var/run/ from the node, which holds the container runtime's socket (docker.sock, containerd.sock, crio.sock, …), into \"build\""
            ),
            "{}",
            hits[1].message
        );
        assert!(hits[2].message.contains("no container mounts it yet"));
        assert!(hits[3].message.contains("containerd socket"));
    }

    #[test]
    fn normalisation_and_ancestors() {
        assert_eq!(normalize("/var/run/"), "/run");
        assert_eq!(normalize("/var//run/../run/containerd"), "/run/containerd");
        assert_eq!(normalize(""), "/");
        assert!(runtime_socket("/").is_some());
        assert!(runtime_socket("/run/k3s").is_some());
        assert!(
            runtime_socket("/var").is_none(),
            "/var/run is a link: mounting /var does not reach /run"
        );
        assert!(runtime_socket("/run/containerd-extra").is_none());
        assert!(runtime_socket("/var/lib/docker").is_none());
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      volumeMounts: 3
  volumes:
    - hostPath: {path: [x]}
    - hostPath: /var/run/docker.sock
    - 7
    - hostPath: {path: /run/docker.sock}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11]);
        assert!(hits[0].message.contains("volume \"\""));
    }
}
