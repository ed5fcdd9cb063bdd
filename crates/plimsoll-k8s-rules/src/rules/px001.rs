//! # PX001: runAsNonRoot set, but the image runs as root or as a name the kubelet cannot verify
//!
//! When a pod or container sets `runAsNonRoot: true` without `runAsUser`,
//! the kubelet decides from the image's configured `USER` alone, without
//! reading the image's `/etc/passwd`: an empty `USER`, `0` or `0:…` means
//! root and the container is refused with `CreateContainerConfigError:
//! container has runAsNonRoot and image will run as root`; a non-numeric
//! `USER` (`app`, `nobody`, even `root`) is refused with `image has
//! non-numeric user (app), cannot verify user is non-root`. Either way the
//! pod never starts, and the manifest looks correct in review. This rule
//! reads the image's `USER` and predicts the kubelet's verdict for every
//! container that runs the image (`--image`).
//!
//! ## Bad
//! ```yaml
//! # image built with `USER app` (or no USER at all)
//! securityContext:
//!   runAsNonRoot: true
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Good
//! ```yaml
//! securityContext:
//!   runAsNonRoot: true
//!   runAsUser: 10001        # or build the image with a numeric `USER 10001`
//! containers:
//!   - name: api
//!     image: registry.example.com/api:1.4.2
//! ```
//!
//! ## Fix
//! Build the image with a numeric `USER 10001:10001` (the uid the image's
//! `/etc/passwd` gives the account), or set `runAsUser` (and
//! `runAsGroup`) in the pod's `securityContext`.
//!
//! ## Incident it prevents
//! A hardening change added `runAsNonRoot: true` to every Deployment; the
//! services whose Dockerfiles said `USER app` stayed in
//! `CreateContainerConfigError` for the whole rollout window.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PX001",
    severity: Severity::Error,
    category: Category::Cross,
    summary: "runAsNonRoot is set but the image runs as root or as a non-numeric user: the kubelet will refuse the container",
};

/// The kubelet's reading of an image `USER`: `Ok(uid)` when numeric,
/// `Err(name)` when not.
fn kubelet_uid(user: &str) -> Result<u64, &str> {
    let name = user.split(':').next().unwrap_or("");
    if name.is_empty() {
        return Ok(0);
    }
    name.parse::<u64>().map_err(|_| name)
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(image) = cx.image else {
        return Vec::new();
    };
    let w = cx.workload;
    let mut out = Vec::new();
    for c in image.targets.of(w) {
        let Some(non_root) = c.effective(w, "runAsNonRoot") else {
            continue;
        };
        if non_root.as_bool() != Some(true) || c.effective(w, "runAsUser").is_some() {
            continue;
        }
        let who = cx.who(c);
        let fix = match image.uid {
            Some(uid) if uid != 0 => format!(
                "securityContext:\n  runAsNonRoot: true\n  runAsUser: {uid}   # what the image's /etc/passwd gives {:?}",
                image.user
            ),
            _ => "securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001   # and make the image work as that uid".into(),
        };
        let hit = match kubelet_uid(&image.user) {
            Ok(0) => format!(
                "{who} sets runAsNonRoot without runAsUser, and the image {} runs as root (USER {:?}): the kubelet will refuse it (\"container has runAsNonRoot and image will run as root\")",
                image.reference, image.user
            ),
            Ok(_) => continue,
            Err(name) => format!(
                "{who} sets runAsNonRoot without runAsUser, and the image {} has the non-numeric USER {name:?}: the kubelet cannot verify it and will refuse the container (\"image has non-numeric user ({name}), cannot verify user is non-root\")",
                image.reference
            ),
        };
        // Point at the runAsNonRoot that applies (container or pod level).
        out.push(hit_at(non_root, hit).with_fix(fix));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{Stub, lines, run, run_with, view};

    const POD: &str = "apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: api
      image: registry.example.com/team/app:1
    - name: pinned
      image: registry.example.com/team/app:1
      securityContext: {runAsUser: 10001}
";

    fn hits(user: &str, uid: Option<u32>, yaml: &str) -> Vec<Hit> {
        let stub = Stub {
            dirs: vec![],
            programs: vec![],
        };
        let v = view(&stub, user, uid);
        run_with(check, yaml, &Settings::default(), Some(&v))
    }

    #[test]
    fn root_and_non_numeric_users_are_refused() {
        let h = hits("", Some(0), POD);
        assert_eq!(lines(&h), [6]);
        assert!(
            h[0].message.contains("will run as root"),
            "{}",
            h[0].message
        );
        let h = hits("app", Some(1000), POD);
        assert_eq!(lines(&h), [6]);
        assert!(
            h[0].message.contains("non-numeric USER \"app\""),
            "{}",
            h[0].message
        );
        assert!(h[0].fix.as_deref().unwrap().contains("runAsUser: 1000"));
        // Even `root` by name is non-numeric to the kubelet.
        assert!(
            hits("root", Some(0), POD)[0]
                .message
                .contains("non-numeric")
        );
        assert_eq!(lines(&hits("0:0", Some(0), POD)), [6]);
    }

    #[test]
    fn numeric_non_root_users_runasuser_or_no_image_pass() {
        assert!(hits("10001", Some(10001), POD).is_empty());
        assert!(hits("65532:65532", None, POD).is_empty());
        let no_flag = POD.replace("runAsNonRoot: true", "runAsNonRoot: false");
        assert!(hits("", Some(0), &no_flag).is_empty());
        assert!(run(check, POD).is_empty(), "no image, no cross-check");
    }

    #[test]
    fn only_containers_running_the_image() {
        let yaml = POD.replace(
            "    - name: pinned\n      image: registry.example.com/team/app:1\n      securityContext: {runAsUser: 10001}\n",
            "    - name: proxy\n      image: envoyproxy/envoy:v1.30\n",
        );
        let h = hits("", Some(0), &yaml);
        assert_eq!(h.len(), 1);
        assert!(h[0].message.contains("\"api\""));
    }
}
