//! # PX005: the manifest's command names a program the image cannot run
//!
//! A container's `command:` replaces the image's `ENTRYPOINT`; its first
//! word is executed inside the image: an absolute path, a path relative to
//! `workingDir`, or a name looked up in `PATH` (the container's `env`
//! value, else the image's). When `command:` is absent but the image has
//! no `ENTRYPOINT`, the first of `args:` is the program. This rule
//! resolves that program in the image (symbolic links followed) and
//! carries the runnability verdict: not found (`/bin/sh` in a distroless
//! or scratch image is the classic), not executable, or unable to start
//! (wrong libc, missing interpreter or library).
//!
//! ## Bad
//! ```yaml
//! # image: gcr.io/distroless/static (no shell)
//! command: ["/bin/sh", "-c", "exec /app/server --port=$PORT"]
//! ```
//!
//! ## Good
//! ```yaml
//! command: ["/app/server"]
//! args: ["--port=$(PORT)"]     # the kubelet expands $(VAR) from env
//! ```
//!
//! ## Fix
//! Name a program the image contains, or drop `command:` to run the
//! image's entrypoint; use `$(VAR)` in `args` instead of a shell for
//! variable expansion.
//!
//! ## Incident it prevents
//! A base-image switch to distroless left a chart's `command: [sh, -c,
//! …]` in place; every pod failed with `exec: "sh": executable file not
//! found in $PATH`.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PX005",
    severity: Severity::Error,
    category: Category::Cross,
    summary: "The container's command names a program the image lacks or cannot start",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(image) = cx.image else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in image.targets.of(cx.workload) {
        let first = |key: &str| c.get(key).and_then(|n| n.items().first());
        let program = match first("command") {
            Some(p) => p,
            None if image.entrypoint.is_none() => match first("args") {
                Some(p) => p,
                None => continue,
            },
            None => continue,
        };
        let Some(name) = program.as_str() else {
            continue;
        };
        if name.is_empty() || name.contains("$(") {
            continue; // expanded by the kubelet from env: not judged
        }
        let path_env = c.env("PATH").and_then(|n| n.as_str());
        let workdir = c.get("workingDir").and_then(|n| n.as_str()).unwrap_or(
            if image.working_dir.is_empty() {
                "/"
            } else {
                &image.working_dir
            },
        );
        let who = cx.who(c);
        let problem = match image.files.program(name, path_env, workdir) {
            Ok(p) if p.runs => continue,
            Ok(p) => format!("{} will not start: {}", p.path, p.reason),
            Err(why) => why,
        };
        out.push(
            hit_at(
                program,
                format!(
                    "{who} runs {name:?} from the image {}: {problem}",
                    image.reference
                ),
            )
            .with_fix("command: [\"/app/server\"]   # a program the image contains"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{Stub, lines, run_with, view};

    const POD: &str = "kind: Pod
spec:
  containers:
    - name: a
      image: registry.example.com/team/app:1
      command: [sh, -c, 'exec /app/server']
    - name: b
      image: registry.example.com/team/app:1
      command: [/app/server]
    - name: c
      image: registry.example.com/team/app:1
      command: [/app/helper]
    - name: d
      image: registry.example.com/team/app:1
      command: [\"$(TOOL)\"]
";

    #[test]
    fn missing_and_broken_programs() {
        let stub = Stub {
            dirs: vec![],
            programs: vec![
                ("/app/server", true, "static executable"),
                (
                    "/app/helper",
                    false,
                    "no ELF interpreter /lib/ld-musl-x86_64.so.1",
                ),
            ],
        };
        let v = view(&stub, "", Some(0));
        let h = run_with(check, POD, &Settings::default(), Some(&v));
        assert_eq!(lines(&h), [6, 12]);
        assert!(
            h[0].message.contains("executable file not found"),
            "{}",
            h[0].message
        );
        assert!(h[1].message.contains("ld-musl"), "{}", h[1].message);
    }

    #[test]
    fn args_are_the_program_when_the_image_has_no_entrypoint() {
        let stub = Stub {
            dirs: vec![],
            programs: vec![("/bin/sh", true, "ok")],
        };
        let mut v = view(&stub, "", Some(0));
        let yaml = "kind: Pod\nspec:\n  containers:\n    - name: a\n      image: registry.example.com/team/app:1\n      args: [/bin/bash]\n";
        assert!(
            run_with(check, yaml, &Settings::default(), Some(&v)).is_empty(),
            "entrypoint kept"
        );
        v.entrypoint = None;
        assert_eq!(
            lines(&run_with(check, yaml, &Settings::default(), Some(&v))),
            [6]
        );
    }
}
