//! # PX002: the runtime user cannot write /tmp (or TMPDIR) in the image
//!
//! Programs write temporary files to `/tmp`, or to the directory `TMPDIR`
//! names (from the container's `env` or the image's `ENV`). Whether that
//! works depends on both the manifest and the image: a volume mounted
//! there is writable; otherwise under `readOnlyRootFilesystem: true`
//! nothing in the image is, and without it the directory must exist in the
//! image and be writable by the uid and gid the container really runs as
//! (`runAsUser`/`runAsGroup`, else the image's `USER`). A `scratch` or
//! distroless image may have no `/tmp` at all; a directory created by a
//! root `RUN mkdir` is not writable by uid 10001. The process then fails
//! at its first temporary file, often long after start.
//!
//! ## Bad
//! ```yaml
//! # image FROM scratch, no /tmp; or any image with readOnlyRootFilesystem
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     securityContext:
//!       readOnlyRootFilesystem: true
//! ```
//!
//! ## Good
//! ```yaml
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//!     securityContext:
//!       readOnlyRootFilesystem: true
//!     volumeMounts:
//!       - {name: tmp, mountPath: /tmp}
//! volumes:
//!   - name: tmp
//!     emptyDir: {medium: Memory, sizeLimit: 64Mi}
//! ```
//!
//! ## Fix
//! Mount an `emptyDir` at `/tmp` (and at `TMPDIR` when it points
//! elsewhere), or create the directory in the image with mode 1777
//! (`COPY --chmod=1777` of an empty directory, or `RUN mkdir -m 1777
//! /tmp`).
//!
//! ## Incident it prevents
//! A Go service moved to a distroless base under `runAsNonRoot` and a
//! read-only root filesystem; its first upload, buffered to a temporary
//! file, failed with `open /tmp/multipart-…: read-only file system` in
//! production only.

use crate::{Context, Hit, Meta, missing_in};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Container;

pub const META: Meta = Meta {
    code: "PX002",
    severity: Severity::Error,
    category: Category::Cross,
    summary: "The container's user cannot write /tmp or TMPDIR: no volume there and the image's directory is missing, read-only or not writable",
};

/// Whether a volume is mounted at `dir` or above it.
fn mounted(c: &Container, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    c.get("volumeMounts").is_some_and(|m| {
        m.items().iter().any(|v| {
            let Some(p) = v.str_at("mountPath") else {
                return false;
            };
            let p = p.trim_end_matches('/');
            let covers = p.is_empty() || dir == p || dir.starts_with(&format!("{p}/"));
            covers && v.get("readOnly").and_then(|r| r.as_bool()) != Some(true)
        })
    })
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(image) = cx.image else {
        return Vec::new();
    };
    let w = cx.workload;
    let mut out = Vec::new();
    for c in image.targets.of(w) {
        let mut dirs = vec!["/tmp".to_string()];
        let tmpdir = c
            .env("TMPDIR")
            .and_then(|n| n.as_str())
            .or_else(|| image.env("TMPDIR"));
        if let Some(t) = tmpdir.filter(|t| t.starts_with('/') && !t.contains("$(")) {
            let t = t.trim_end_matches('/').to_string();
            if !t.is_empty() && !dirs.contains(&t) {
                dirs.push(t);
            }
        }
        let read_only = c
            .effective(w, "readOnlyRootFilesystem")
            .and_then(|n| n.as_bool())
            == Some(true);
        let uid = c
            .effective(w, "runAsUser")
            .and_then(|n| n.as_i64())
            .and_then(|u| u32::try_from(u).ok())
            .or(image.uid);
        let gid = c
            .effective(w, "runAsGroup")
            .and_then(|n| n.as_i64())
            .and_then(|g| u32::try_from(g).ok())
            .or(image.gid)
            .unwrap_or(0);
        let who = cx.who(c);
        for dir in &dirs {
            if mounted(c, dir) {
                continue;
            }
            let problem = if read_only {
                format!("the root filesystem is read-only and no volume is mounted at {dir}")
            } else {
                let Some(uid) = uid else {
                    continue; // the image's user does not resolve: PR rules say so
                };
                match image.files.writable_dir(dir, uid, gid) {
                    Some(true) => continue,
                    Some(false) => format!("uid {uid} (gid {gid}) cannot write {dir} in the image"),
                    None => format!("the image has no {dir}"),
                }
            };
            out.push(
                missing_in(c, format!("{who} cannot create temporary files: {problem} ({})", image.reference))
                    .with_fix(format!(
                        "volumeMounts:\n  - {{name: tmp, mountPath: {dir}}}\n# pod spec:\nvolumes:\n  - name: tmp\n    emptyDir: {{medium: Memory, sizeLimit: 64Mi}}"
                    )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{Stub, lines, run_with, view};

    const POD: &str = "kind: Pod
metadata: {name: api}
spec:
  securityContext: {runAsUser: 10001}
  containers:
    - name: api
      image: registry.example.com/team/app:1
";

    fn hits(dirs: Vec<(&'static str, u32, u32)>, yaml: &str) -> Vec<Hit> {
        let stub = Stub {
            dirs,
            programs: vec![],
        };
        let v = view(&stub, "10001", Some(10001));
        run_with(check, yaml, &Settings::default(), Some(&v))
    }

    #[test]
    fn missing_or_unwritable_tmp() {
        let h = hits(vec![], POD);
        assert_eq!(lines(&h), [6]);
        assert!(h[0].message.contains("has no /tmp"), "{}", h[0].message);
        let h = hits(vec![("/tmp", 0, 0o755)], POD);
        assert!(
            h[0].message
                .contains("uid 10001 (gid 10001) cannot write /tmp"),
            "{}",
            h[0].message
        );
    }

    #[test]
    fn read_only_root_needs_a_volume_at_tmp_and_tmpdir() {
        let yaml = POD.replace(
            "      image: registry.example.com/team/app:1\n",
            "      image: registry.example.com/team/app:1\n      securityContext: {readOnlyRootFilesystem: true}\n      env: [{name: TMPDIR, value: /scratch}]\n      volumeMounts: [{name: tmp, mountPath: /tmp}]\n",
        );
        let h = hits(vec![("/tmp", 0, 0o1777)], &yaml);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(
            h[0].message.contains("no volume is mounted at /scratch"),
            "{}",
            h[0].message
        );
    }

    #[test]
    fn writable_tmp_or_a_mounted_volume_pass() {
        assert!(hits(vec![("/tmp", 0, 0o1777)], POD).is_empty());
        assert!(hits(vec![("/tmp", 10001, 0o700)], POD).is_empty());
        let yaml = POD.replace(
            "      image: registry.example.com/team/app:1\n",
            "      image: registry.example.com/team/app:1\n      volumeMounts: [{name: tmp, mountPath: /tmp/}]\n",
        );
        assert!(hits(vec![], &yaml).is_empty());
    }
}
