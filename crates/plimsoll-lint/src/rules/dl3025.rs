//! # DL3025: Use arguments JSON notation for CMD and ENTRYPOINT arguments
//!
//! **What it checks.** `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written in
//! shell form (`CMD node server.js`) instead of exec form
//! (`CMD ["node", "server.js"]`). Triggers of `ONBUILD` are checked too.
//!
//! **Why.** In shell form the builder wraps the command in `/bin/sh -c`.
//! The shell becomes PID 1 and does not forward `SIGTERM`, so
//! `docker stop` and Kubernetes wait out the grace period and `SIGKILL` the
//! process: no graceful shutdown, lost in-flight requests. A shell-form
//! `ENTRYPOINT` also silently ignores `CMD` and `docker run` arguments. For
//! `HEALTHCHECK`, exec form avoids a shell per probe and works in images
//! without `/bin/sh` (distroless, scratch).
//!
//! ## Bad
//! ```dockerfile
//! FROM node:20
//! CMD node server.js
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:20
//! CMD ["node", "server.js"]
//! ```
//!
//! ## Fix
//! `CMD ["node", "server.js"]`. When shell features are really needed, use
//! `CMD ["/bin/sh", "-c", "exec node server.js"]` so the program replaces the
//! shell.
//!
//! ## Incident it prevents
//! Every deploy took the full 30-second termination grace period and cut
//! open connections, because the server never saw `SIGTERM`.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::{Instruction, Kind};

pub const META: Meta = Meta {
    code: "DL3025",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
    enabled_by_default: true,
};

/// The exec-form equivalent of a simple shell-form command line, when the
/// text uses no shell syntax.
fn json_fix(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty()
        || t.chars().any(|c| {
            matches!(
                c,
                '$' | '`'
                    | '|'
                    | '&'
                    | ';'
                    | '<'
                    | '>'
                    | '*'
                    | '?'
                    | '"'
                    | '\''
                    | '\\'
                    | '('
                    | ')'
                    | '~'
                    | '#'
            )
        })
    {
        return None;
    }
    let parts: Vec<String> = t.split_whitespace().map(|w| format!("\"{w}\"")).collect();
    Some(format!("[{}]", parts.join(", ")))
}

fn check_one(ins: &Instruction, out: &mut Vec<Hit>) {
    match ins.kind {
        Kind::Cmd | Kind::Entrypoint => {
            if ins.json.is_some() || ins.args.trim().is_empty() {
                return;
            }
            let kw = ins.kind.name();
            let mut hit = Hit::new(
                ins.args_full_span(),
                format!(
                    "Use JSON notation for {kw}: shell form runs under `/bin/sh -c`, which does not forward signals"
                ),
            );
            if let Some(j) = json_fix(&ins.args) {
                hit = hit.with_fix(format!("{kw} {j}"));
            }
            out.push(hit);
        }
        Kind::Healthcheck => {
            let a = ins.args.trim_start();
            let typ = a.split_whitespace().next().unwrap_or("");
            if !typ.eq_ignore_ascii_case("cmd") || ins.json.is_some() {
                return;
            }
            let rest = a[typ.len()..].trim();
            if rest.is_empty() {
                return;
            }
            let mut hit = Hit::new(
                ins.args_full_span(),
                "Use JSON notation for HEALTHCHECK CMD: shell form needs `/bin/sh` in the image and a shell per probe",
            );
            if let Some(j) = json_fix(rest) {
                hit = hit.with_fix(format!("HEALTHCHECK CMD {j}"));
            }
            out.push(hit);
        }
        _ => {}
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, ins) in cx.instructions() {
        check_one(ins, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_shell_form() {
        let src = "FROM a\nCMD node server.js\nENTRYPOINT /run.sh\nHEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\nONBUILD CMD make\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5]);
    }

    #[test]
    fn passes_exec_form() {
        let src = "FROM a\nCMD [\"node\", \"s.js\"]\nENTRYPOINT [\"/run.sh\"]\nHEALTHCHECK CMD [\"curl\", \"-f\", \"http://x/\"]\nHEALTHCHECK NONE\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn invalid_json_is_shell_form() {
        assert_eq!(
            lines(check, "FROM a\nCMD [node, x]\nCMD \\\n  [\"a\"\n"),
            vec![2, 4]
        );
    }

    #[test]
    fn fix_for_simple_commands() {
        assert_eq!(
            json_fix("node server.js").as_deref(),
            Some("[\"node\", \"server.js\"]")
        );
        assert_eq!(json_fix("a && b"), None);
    }
}
