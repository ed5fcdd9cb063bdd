//! # PK030: read-only root filesystem without a writable /tmp
//!
//! Checks containers that set `securityContext.readOnlyRootFilesystem:
//! true`. With a read-only root, `/tmp` is read-only too unless a volume is
//! mounted there, and a great deal of software writes temporary files
//! without asking: JVMs (`hsperfdata`, unpacked native libraries), Python's
//! `tempfile`, nginx's body buffers, Go's `os.CreateTemp`, shells' here
//! documents. The rule reports a container when no writable volume is
//! mounted at `/tmp`, or at the directory `TMPDIR` names when the
//! container sets it literally (a mount at a parent directory counts; a
//! `TMPDIR` from `valueFrom` or with `$(VAR)` references cannot be
//! resolved and is not checked). `configMap`, `secret`, `downwardAPI` and
//! `projected` volumes and mounts marked `readOnly` are not writable.
//!
//! Plenty of programs (static Go binaries, most proxies) never touch a
//! temporary directory and run fine this way, so the finding is a
//! `warning` only when something says the container will write one: it
//! sets `TMPDIR`, sets a variable only a runtime that does reads
//! (`JAVA_TOOL_OPTIONS`, `JAVA_OPTS`, `NODE_OPTIONS`, `PYTHONPATH`,
//! `GUNICORN_CMD_ARGS`, …), runs such a program (`java`, `python`, `node`,
//! `gunicorn`, `uvicorn`, `php`, `ruby`, `dotnet`, … in `command` or the
//! first `args` word), or its image is such a runtime (`python`,
//! `eclipse-temurin`, `node`, …). Otherwise it is `info`.
//!
//! It also looks at the `emptyDir` that backs the temporary directory (of
//! any container, read-only root or not):
//!
//! - `medium: Memory` without `sizeLimit` is a `warning`: the tmpfs is
//!   charged to the container's memory, so a burst of temporary files
//!   OOM-kills the pod;
//! - a disk-backed `emptyDir` without `sizeLimit` is `info`: a runaway
//!   writer fills the node's disk and gets pods evicted.
//!
//! ## Bad
//! ```yaml
//! containers:
//!   - name: api
//!     securityContext:
//!       runAsNonRoot: true
//!       readOnlyRootFilesystem: true
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     securityContext:
//!       runAsNonRoot: true
//!       readOnlyRootFilesystem: true
//!     volumeMounts:
//!       - {name: tmp, mountPath: /tmp}
//! volumes:
//!   - name: tmp
//!     emptyDir: {sizeLimit: 256Mi}
//! ```
//!
//! ## Fix
//! Mount an `emptyDir` with a `sizeLimit` at `/tmp` (or at `$TMPDIR`).
//!
//! ## Incident it prevents
//! A hardening change set `readOnlyRootFilesystem: true` and
//! `runAsNonRoot: true` on a Python service; at start-up it could not
//! create its temporary upload directory under `/tmp`, crashed, and the
//! rollout stalled in CrashLoopBackOff.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::{Container, Node};
use std::collections::BTreeSet;

pub const META: Meta = Meta {
    code: "PK030",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "Read-only root filesystem without a writable /tmp",
};

pub const PEERS: &[&str] = &[];

/// The temporary directory the container uses: `TMPDIR` when set
/// literally (empty means `/tmp`), `/tmp` when unset, `None` when it
/// cannot be known.
fn tmp_dir(c: &Container) -> Option<String> {
    if !c.has_env("TMPDIR") {
        return Some("/tmp".into());
    }
    let v = c.env("TMPDIR")?;
    let text = v.as_str()?.trim();
    if text.contains("$(") {
        return None;
    }
    Some(normalize(if text.is_empty() { "/tmp" } else { text }))
}

fn normalize(path: &str) -> String {
    let t = path.trim().trim_end_matches('/');
    if t.is_empty() {
        "/".into()
    } else {
        t.to_string()
    }
}

/// Whether `dir` is `mount` or below it.
fn covers(mount: &str, dir: &str) -> bool {
    mount != "/"
        && (dir == mount
            || dir
                .strip_prefix(mount)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// A mount covering `dir`: the deepest one, with its volume (if the
/// pod declares it).
fn mount_for<'a>(
    cx: &Context<'a>,
    c: &Container<'a>,
    dir: &str,
) -> Option<(&'a Node, Option<&'a Node>)> {
    let mounts = c.get("volumeMounts")?.items();
    mounts
        .iter()
        .filter_map(|m| {
            let path = normalize(m.str_at("mountPath")?);
            covers(&path, dir).then_some((path.len(), m))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, m)| (m, m.str_at("name").and_then(|n| cx.workload.volume(n))))
}

/// Whether a mount lets the container write: not `readOnly`, and not a
/// volume type the kubelet always mounts read-only.
fn writable(mount: &Node, volume: Option<&Node>) -> bool {
    if mount.get("readOnly").and_then(Node::as_bool) == Some(true) {
        return false;
    }
    let Some(v) = volume else {
        return true; // unknown volume: another rule's business
    };
    if ["configMap", "secret", "downwardAPI", "projected"]
        .iter()
        .any(|k| v.get(k).is_some_and(|n| !n.is_null()))
    {
        return false;
    }
    !v.entries()
        .iter()
        .any(|(_, src)| src.is_map() && src.get("readOnly").and_then(Node::as_bool) == Some(true))
}

/// Runtimes known to write temporary files at start (JVMs unpack native
/// libraries, gunicorn keeps worker heartbeats in the temp directory,
/// Python's `tempfile` and Node's `os.tmpdir()` users, PHP sessions and
/// uploads, .NET's startup files).
const RUNTIME_PROGRAMS: &[&str] = &[
    "java",
    "python",
    "python2",
    "python3",
    "pypy",
    "pypy3",
    "node",
    "nodejs",
    "npm",
    "yarn",
    "gunicorn",
    "uvicorn",
    "celery",
    "php",
    "php-fpm",
    "ruby",
    "rails",
    "bundle",
    "puma",
    "dotnet",
    "catalina.sh",
];

/// Environment variables only those runtimes read.
const RUNTIME_ENV: &[&str] = &[
    "JAVA_TOOL_OPTIONS",
    "JAVA_OPTS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CATALINA_OPTS",
    "NODE_OPTIONS",
    "PYTHONUNBUFFERED",
    "PYTHONPATH",
    "PYTHONDONTWRITEBYTECODE",
    "GUNICORN_CMD_ARGS",
    "RAILS_ENV",
    "ASPNETCORE_URLS",
];

/// Runtime base images, by the last component of their repository.
const RUNTIME_IMAGES: &[&str] = &[
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "java",
    "python",
    "pypy",
    "node",
    "php",
    "ruby",
    "tomcat",
    "jetty",
    "aspnet",
];

/// Why the container probably writes temporary files, if anything says
/// so.
fn temp_writer(c: &Container) -> Option<String> {
    if c.has_env("TMPDIR") {
        return Some("it sets TMPDIR".into());
    }
    if let Some(e) = RUNTIME_ENV.iter().find(|e| c.has_env(e)) {
        return Some(format!("it sets {e}"));
    }
    let mut words: Vec<&str> = c
        .get("command")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .flat_map(str::split_whitespace)
        .collect();
    // `args` name the program only when there is no `command`, or when
    // the command is a shell running them (`sh -c` + `args: ["python …"]`);
    // otherwise they are the command's arguments (`plimsoll` + `node watch`).
    let shell = words
        .first()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .is_some_and(|w| matches!(w, "sh" | "bash" | "ash" | "dash"));
    if (words.is_empty() || shell)
        && let Some(first) = c
            .get("args")
            .and_then(|a| a.items().first())
            .and_then(Node::as_str)
    {
        words.extend(first.split_whitespace().next());
    }
    if let Some(p) = words
        .iter()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .find(|w| RUNTIME_PROGRAMS.contains(w))
    {
        return Some(format!("it runs {p}"));
    }
    let image = crate::registry::pk040::image_of(c)
        .and_then(|(_, t)| crate::registry::pk040::parse_image(t).ok())?;
    let last = image.path.rsplit('/').next().unwrap_or(image.path);
    RUNTIME_IMAGES
        .contains(&last)
        .then(|| format!("its image is the {last} runtime"))
}

const TMP_FIX: &str = "volumeMounts:\n  - name: tmp\n    mountPath: /tmp\nvolumes:\n  - name: tmp\n    emptyDir:\n      sizeLimit: 256Mi";

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut seen_volumes = BTreeSet::new();
    for c in cx.containers() {
        let Some(dir) = tmp_dir(c) else { continue };
        let mount = mount_for(cx, c, &dir);
        let ro = c
            .effective(cx.workload, "readOnlyRootFilesystem")
            .filter(|n| n.as_bool() == Some(true));
        if let Some(ro) = ro
            && !mount.is_some_and(|(m, v)| writable(m, v))
        {
            let what = if dir == "/tmp" {
                "/tmp".to_string()
            } else {
                format!("{dir} (its TMPDIR)")
            };
            let why = match mount {
                Some((m, _)) => format!(
                    "the volume mounted at {} is read-only",
                    m.str_at("mountPath").unwrap_or("?")
                ),
                None => "no volume is mounted there".to_string(),
            };
            let (consequence, advice) = match temp_writer(c) {
                Some(because) => (
                    format!("{because}, so expect it to crash when it creates a temporary file"),
                    false,
                ),
                None => (
                    "if it ever creates a temporary file, that fails".to_string(),
                    true,
                ),
            };
            let hit = hit_at(
                ro,
                format!(
                    "{} has readOnlyRootFilesystem: true but cannot write {what}: {why}; {consequence}",
                    cx.who(c)
                ),
            )
            .with_fix(TMP_FIX.replace("/tmp", &dir));
            out.push(if advice {
                hit.with_severity(Severity::Info)
            } else {
                hit
            });
        }
        let Some((_, Some(volume))) = mount else {
            continue;
        };
        let Some(empty_dir) = volume.get("emptyDir") else {
            continue;
        };
        let name = volume.str_at("name").unwrap_or("");
        if !seen_volumes.insert(name.to_string()) {
            continue;
        }
        if empty_dir.get("sizeLimit").is_some_and(|s| !s.is_null()) {
            continue;
        }
        let at = volume.entry("emptyDir").map_or(empty_dir, |(k, _)| k);
        if empty_dir.str_at("medium") == Some("Memory") {
            out.push(
                hit_at(
                    at,
                    format!(
                        "{}: the memory-backed emptyDir {name:?} at {dir} has no sizeLimit; its files count against the memory limit and can OOM-kill the pod",
                        cx.who(c)
                    ),
                )
                .with_fix("emptyDir:\n  medium: Memory\n  sizeLimit: 64Mi   # part of the memory limit"),
            );
        } else {
            out.push(
                hit_at(
                    at,
                    format!(
                        "{}: the emptyDir {name:?} at {dir} has no sizeLimit; a runaway writer can fill the node's disk",
                        cx.who(c)
                    ),
                )
                .with_severity(Severity::Info)
                .with_fix("emptyDir:\n  sizeLimit: 256Mi"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_read_only_roots_without_a_writable_tmp() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      initContainers:
        - name: init
          securityContext: {readOnlyRootFilesystem: true}
      containers:
        - name: api
          securityContext:
            readOnlyRootFilesystem: true
          volumeMounts:
            - {name: cache, mountPath: /tmp/cache}
            - {name: config, mountPath: /tmp}
        - name: ro-mount
          securityContext: {readOnlyRootFilesystem: true}
          volumeMounts:
            - {name: scratch, mountPath: /tmp, readOnly: true}
        - name: tmpdir
          securityContext: {readOnlyRootFilesystem: yes}
          env: [{name: TMPDIR, value: /scratch/tmp/}]
          volumeMounts:
            - {name: scratch, mountPath: /tmp}
      volumes:
        - {name: cache, emptyDir: {sizeLimit: 1Gi}}
        - {name: config, configMap: {name: cfg}}
        - {name: scratch, emptyDir: {sizeLimit: 1Gi}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 14, 19, 23]);
        let sev: Vec<_> = hits.iter().map(|h| h.severity).collect();
        let info = Some(Severity::Info);
        assert_eq!(
            sev,
            [info, info, info, None],
            "only the TMPDIR user is a warning"
        );
        assert!(
            hits[0].message.contains("no volume is mounted there"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("mounted at /tmp is read-only"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[3].message.contains("/scratch/tmp (its TMPDIR)"),
            "{}",
            hits[3].message
        );
        assert!(
            hits[3]
                .fix
                .as_deref()
                .unwrap()
                .contains("mountPath: /scratch/tmp")
        );
    }

    #[test]
    fn runtimes_that_write_temp_files_are_warnings() {
        let yaml = "kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
        - name: jvm
          image: registry.example.com/team/api:1.0
          command: [/bin/sh, -c, exec java -jar /app.jar]
          securityContext: {readOnlyRootFilesystem: true}
        - name: py
          image: python:3.12-slim
          securityContext: {readOnlyRootFilesystem: true}
        - name: opts
          image: api:1
          env: [{name: JAVA_TOOL_OPTIONS, value: -XX:MaxRAMPercentage=75}]
          securityContext: {readOnlyRootFilesystem: true}
        - name: gunicorn
          image: api:1
          args: [/usr/local/bin/gunicorn, app:app]
          securityContext: {readOnlyRootFilesystem: true}
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.0
          args: [--path.rootfs=/host]
          securityContext: {readOnlyRootFilesystem: true}
        - name: agent
          image: registry.example.com/plimsoll:1
          command: [plimsoll]
          args: [node, watch]
          securityContext: {readOnlyRootFilesystem: true}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 13, 17, 21, 25, 30]);
        let sev: Vec<_> = hits.iter().map(|h| h.severity).collect();
        // `node` after `command: [plimsoll]` is an argument, not Node.js.
        assert_eq!(
            sev,
            [None, None, None, None, Some(Severity::Info), Some(Severity::Info)]
        );
        assert!(
            hits[0].message.contains("it runs java"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("the python runtime"),
            "{}",
            hits[1].message
        );
        assert!(
            hits[2].message.contains("it sets JAVA_TOOL_OPTIONS"),
            "{}",
            hits[2].message
        );
        assert!(
            hits[3].message.contains("it runs gunicorn"),
            "{}",
            hits[3].message
        );
    }

    #[test]
    fn writable_volumes_pass() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      securityContext: {readOnlyRootFilesystem: true}
      volumeMounts: [{name: tmp, mountPath: /tmp/}]
    - name: b
      securityContext: {readOnlyRootFilesystem: true}
      env: [{name: TMPDIR, value: /work/tmp}]
      volumeMounts: [{name: work, mountPath: /work}]
    - name: c
      securityContext: {readOnlyRootFilesystem: true}
      env: [{name: TMPDIR, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    - name: d
      securityContext: {readOnlyRootFilesystem: \"true\"}
    - name: e
      securityContext: {readOnlyRootFilesystem: false}
    - name: f
      securityContext: {readOnlyRootFilesystem: true}
      volumeMounts: [{name: undeclared, mountPath: /tmp}]
    - name: g
      securityContext: {readOnlyRootFilesystem: true}
      volumeMounts: [{name: eph, mountPath: /tmp}]
  volumes:
    - {name: tmp, emptyDir: {sizeLimit: 100Mi}}
    - {name: work, persistentVolumeClaim: {claimName: w}}
    - name: eph
      ephemeral:
        volumeClaimTemplate:
          spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
";
        assert!(run(check, yaml).is_empty(), "{:#?}", run(check, yaml));
    }

    #[test]
    fn pod_level_read_only_is_not_a_thing() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  securityContext: {readOnlyRootFilesystem: true}
  containers: [{name: a}]
";
        assert!(run(check, yaml).is_empty());
    }

    #[test]
    fn emptydir_size_limits_once_per_volume() {
        let yaml = "kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      volumeMounts: [{name: tmp, mountPath: /tmp}]
    - name: b
      securityContext: {readOnlyRootFilesystem: true}
      volumeMounts: [{name: tmp, mountPath: /tmp}]
    - name: c
      volumeMounts: [{name: disk, mountPath: /tmp}]
    - name: d
      volumeMounts: [{name: other, mountPath: /data}]
  volumes:
    - name: tmp
      emptyDir:
        medium: Memory
    - name: disk
      emptyDir: {}
    - name: other
      emptyDir: {}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [16, 19]);
        assert_eq!(hits[0].severity, None);
        assert!(
            hits[0].message.contains("memory-backed"),
            "{}",
            hits[0].message
        );
        assert_eq!(hits[1].severity, Some(Severity::Info));
    }
}
