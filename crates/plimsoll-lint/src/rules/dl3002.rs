//! # DL3002: Last USER should not be root
//!
//! **What it checks.** The user the final image runs as. That is decided by
//! the last `USER` of the final stage or, when the final stage has none and
//! is built `FROM` an earlier stage, by the last `USER` of that stage (and
//! so on up the chain). When that `USER` is `root` or `0` (with or without
//! a `:group`), it is reported. Variables are expanded with the ARG/ENV
//! values in scope; a `USER` whose value cannot be known at lint time
//! (`USER ${UID}:${GID}` with an ARG that has no default) is not judged.
//! A Dockerfile with no `USER` at all is not judged either: the base image
//! decides.
//!
//! **Why.** A process running as root inside the container is root on the
//! host's kernel: a container escape, a writable host mount or a
//! misconfigured capability becomes a host compromise.
//!
//! **Where hadolint is wrong.** hadolint reports the last `USER root` of
//! *every* stage, so a builder stage that switches to root to install
//! packages is reported although nothing of it runs in the shipped image
//! (hadolint #405, #1068). Only the final image's user matters; Plimsoll
//! judges that one, following `FROM <stage>` inheritance. hadolint also
//! compares the `USER` text as written, so `ARG RUNAS=root` + `USER
//! $RUNAS` passes; Plimsoll resolves ARG/ENV values, reports a variable
//! that really is root, and never reports `USER ${UID}:${GID}` whose values
//! are non-root or unknown (the variable-in-USER false positives of
//! hadolint's user rules, hadolint #1222/#1234).
//!
//! ## Bad
//! ```dockerfile
//! FROM debian:12
//! RUN useradd -u 10001 app
//! USER root
//! CMD ["/app/server"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! USER root
//! RUN go build -o /server .
//! FROM gcr.io/distroless/static:nonroot
//! COPY --from=build /server /server
//! USER 65532:65532
//! ```
//!
//! ## Fix
//! End the final stage with an unprivileged user: `USER 10001:10001`.
//!
//! ## Incident it prevents
//! A file-upload bug let an attacker write to a bind-mounted host path; the
//! service ran as root, so the written cron job ran as root on the node.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "DL3002",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Last USER should not be root",
    enabled_by_default: true,
};

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let f = cx.facts;
    // The last USER (not an ONBUILD trigger) that the final image runs as.
    let mut last = None;
    for s in f.final_lineage() {
        let Some(st) = f.stages.get(s) else { continue };
        let found = st.instructions().rev().find(|&i| {
            f.df.instructions
                .get(i)
                .is_some_and(|ins| ins.kind == Kind::User)
        });
        if found.is_some() {
            last = found;
            break;
        }
    }
    let Some(i) = last else { return Vec::new() };
    let Some(ins) = f.df.instructions.get(i) else {
        return Vec::new();
    };
    let Some(word) = ins.words().into_iter().next() else {
        return Vec::new();
    };
    let ex = f.expand(i, &word.raw);
    if !ex.unset.is_empty() || !is_root(&ex.value) {
        return Vec::new();
    }
    let shown = if ex.had_vars {
        format!("`{}` (= `{}`)", word.raw, ex.value)
    } else {
        format!("`{}`", word.raw)
    };
    vec![
        Hit::new(
            word.span,
            format!("Last USER should not be root: the final image runs as {shown}"),
        )
        .with_fix("USER 10001:10001"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_root_final_user() {
        assert_eq!(lines(check, "FROM a:1\nUSER app\nUSER root\n"), vec![3]);
        assert_eq!(lines(check, "FROM a:1\nUSER 0:0\nRUN x\n"), vec![2]);
        assert_eq!(lines(check, "FROM a:1\nUSER root:staff\n"), vec![2]);
    }

    #[test]
    fn passes_non_root_and_no_user() {
        assert!(lines(check, "FROM a:1\nUSER root\nRUN x\nUSER app\n").is_empty());
        assert!(lines(check, "FROM a:1\nRUN x\n").is_empty());
        assert!(lines(check, "FROM a:1\nUSER rooted\nUSER 1000:0\n").is_empty());
    }

    #[test]
    fn only_the_final_stage_matters() {
        let src = "FROM golang:1 AS build\nUSER root\nRUN go build\nFROM alpine:3\nUSER 1000\n";
        assert!(lines(check, src).is_empty());
        let src = "FROM golang:1 AS build\nUSER root\nFROM alpine:3\nRUN x\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn inherits_user_from_parent_stage() {
        let src = "FROM debian:12 AS base\nUSER root\nFROM base\nRUN x\n";
        assert_eq!(lines(check, src), vec![2]);
        let src = "FROM debian:12 AS base\nUSER root\nFROM base\nUSER app\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables_are_resolved() {
        assert!(
            lines(
                check,
                "FROM a:1\nARG UID=1000\nARG GID=1000\nUSER ${UID}:${GID}\n"
            )
            .is_empty()
        );
        assert!(lines(check, "FROM a:1\nARG UID\nUSER ${UID}:${UID}\n").is_empty());
        assert_eq!(
            lines(check, "FROM a:1\nARG RUNAS=root\nUSER $RUNAS\n"),
            vec![3]
        );
        assert_eq!(lines(check, "FROM a:1\nENV U=0\nUSER \"$U\"\n"), vec![3]);
    }

    #[test]
    fn onbuild_user_is_for_child_images() {
        assert!(lines(check, "FROM a:1\nUSER app\nONBUILD USER root\n").is_empty());
    }
}
