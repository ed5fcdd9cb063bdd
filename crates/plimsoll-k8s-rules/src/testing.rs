//! Helpers for the rules' unit tests: YAML text in, the hits of one rule
//! over every workload out.

use crate::{Context, Hit, ImageView, Settings};
use plimsoll_k8s::{Limits, load};

/// Runs `check` over every workload of `yaml` with default settings.
pub fn run(check: fn(&Context) -> Vec<Hit>, yaml: &str) -> Vec<Hit> {
    run_with(check, yaml, &Settings::default(), None)
}

/// Runs `check` over every workload of `yaml`.
pub fn run_with(
    check: fn(&Context) -> Vec<Hit>,
    yaml: &str,
    settings: &Settings,
    image: Option<&ImageView>,
) -> Vec<Hit> {
    let m = load("test.yaml", yaml, Limits::default()).expect("test YAML parses");
    let mut out = Vec::new();
    for w in m.workloads() {
        let cx = Context {
            file: "test.yaml",
            workload: &w,
            settings,
            image,
        };
        out.extend(check(&cx));
    }
    out
}

/// The line each hit points at.
pub fn lines(hits: &[Hit]) -> Vec<u32> {
    hits.iter()
        .map(|h| h.region.map_or(0, |r| r.line))
        .collect()
}

/// An image for the cross-checks' unit tests: a table of directories and
/// programs. (The real implementation over an analysed image is tested
/// end to end with real images in the binary's tests.)
pub struct Stub {
    /// (directory, owner uid, mode).
    pub dirs: Vec<(&'static str, u32, u32)>,
    /// (absolute path, runs, reason).
    pub programs: Vec<(&'static str, bool, &'static str)>,
}

impl crate::ImageFiles for Stub {
    fn writable_dir(&self, path: &str, uid: u32, _gid: u32) -> Option<bool> {
        let (_, owner, mode) = self.dirs.iter().find(|(p, _, _)| *p == path)?;
        Some(uid == 0 || (uid == *owner && mode & 0o200 != 0) || mode & 0o002 != 0)
    }

    fn program(
        &self,
        program: &str,
        path_env: Option<&str>,
        _workdir: &str,
    ) -> Result<crate::Program, String> {
        let candidates: Vec<String> = if program.starts_with('/') {
            vec![program.to_string()]
        } else {
            path_env
                .unwrap_or("/usr/local/bin:/usr/bin:/bin")
                .split(':')
                .map(|d| format!("{d}/{program}"))
                .collect()
        };
        for c in candidates {
            if let Some((p, runs, reason)) = self.programs.iter().find(|(p, _, _)| *p == c) {
                return Ok(crate::Program {
                    path: p.to_string(),
                    runs: *runs,
                    reason: reason.to_string(),
                });
            }
        }
        Err(format!(
            "exec: \"{program}\": executable file not found in $PATH"
        ))
    }
}

/// An image view over `stub` running as `user` (`uid`, `gid` as
/// `/etc/passwd` resolves it).
pub fn view<'a>(stub: &'a Stub, user: &str, uid: Option<u32>) -> ImageView<'a> {
    ImageView {
        reference: "registry.example.com/team/app:1".into(),
        user: user.into(),
        uid,
        gid: uid,
        exposed_ports: vec![(8080, "tcp".into())],
        env: vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())],
        entrypoint: Some(("/app/server".into(), true, "static executable".into())),
        working_dir: "/".into(),
        targets: crate::Targets::Repository("team/app".into()),
        files: stub,
    }
}
