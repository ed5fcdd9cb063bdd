//! # PD004: USER names an account that does not exist in a scratch/distroless image
//!
//! **What it checks.** When the final image is built on `scratch` or a
//! distroless-style image (`gcr.io/distroless/*`, `cgr.dev/chainguard/*`,
//! other `…/distroless/…` images), a `USER` given as a **name** (not a
//! number) must exist in the image's `/etc/passwd` (and a group name in
//! `/etc/group`). It exists when
//!
//! - the image already has it: distroless images ship `root`, `nonroot`
//!   and `nobody` (groups also `tty`, `staff`); `scratch` has no
//!   `/etc/passwd` at all, not even `root`;
//! - a `RUN` in the final lineage creates it (`useradd`, `adduser`,
//!   `groupadd`, `addgroup`, or writes `/etc/passwd`);
//! - a `COPY`/`ADD` brings an `/etc/passwd` (`COPY --from=build /etc/passwd
//!   /etc/passwd`, or a whole root filesystem to `/`).
//!
//! A numeric `USER 65532:65532` never needs `/etc/passwd` and always passes.
//! A USER from a variable without a known value is not judged.
//!
//! **Why.** The runtime resolves a user name through the image's
//! `/etc/passwd` when the container starts. `docker build` succeeds; the
//! container then fails at start with `unable to find user app: no
//! matching entries in passwd file`, typically only in production, where
//! the image is first run.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN useradd app && CGO_ENABLED=0 go build -o /out/app .
//! FROM scratch
//! COPY --from=build /out/app /app
//! USER app
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! RUN CGO_ENABLED=0 go build -o /out/app .
//! FROM scratch
//! COPY --from=build /out/app /app
//! USER 65532:65532
//! ```
//!
//! ## Fix
//! Use a numeric uid:gid (`USER 65532:65532`), use distroless' `nonroot`,
//! or copy the account in: `COPY --from=build /etc/passwd /etc/group /etc/`.
//!
//! ## Incident it prevents
//! A "hardening" change moved a service from `debian` to `scratch` and kept
//! `USER app`; every pod went into CrashLoopBackOff with "no matching
//! entries in passwd file" during the rollout.

use crate::helpers_pd::{
    DISTROLESS_GROUPS, DISTROLESS_USERS, RunUser, base_known, copy_parts, final_lineage, instr,
    is_distroless, lineage_instructions, root_stage, user_of_lineage,
};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "PD004",
    severity: Severity::Error,
    category: Category::Dockerfile,
    summary: "USER name does not exist in a scratch or distroless final image",
    enabled_by_default: true,
};

fn numeric(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// What the final lineage adds to the image's accounts.
struct Accounts {
    /// A COPY/ADD or a RUN writes `/etc/passwd` or `/etc/group` wholesale:
    /// any name may exist.
    any: bool,
    /// Words given to useradd/adduser/groupadd/addgroup.
    created: Vec<String>,
}

fn accounts(cx: &Context, lineage: &[usize]) -> Accounts {
    let mut acc = Accounts {
        any: false,
        created: Vec::new(),
    };
    for i in lineage_instructions(cx, lineage) {
        let Some(ins) = instr(cx, i) else { continue };
        match ins.kind {
            Kind::Copy | Kind::Add => {
                let Some(p) = copy_parts(cx, i, ins) else {
                    continue;
                };
                let dest = p.dest.value.clone().unwrap_or_else(|| p.dest.raw.clone());
                let dest = dest.trim_end_matches('/');
                let src_brings = p.sources.iter().any(|s| {
                    let v = s.value.as_deref().unwrap_or(&s.raw).trim_end_matches('/');
                    v.is_empty()
                        || v == "/etc"
                        || v.ends_with("passwd")
                        || v.ends_with("group")
                        || v == "."
                });
                let dest_is = dest.ends_with("passwd") || dest.ends_with("group");
                let to_etc = dest == "/etc" || dest.is_empty();
                let archive = ins.kind == Kind::Add
                    && dest.is_empty()
                    && p.sources.iter().any(|s| s.raw.contains(".tar"));
                if dest_is || (src_brings && to_etc) || archive {
                    acc.any = true;
                }
            }
            Kind::Run => {
                for s in cx.scripts(i) {
                    for c in &s.commands {
                        let writes_passwd = c.redirects.iter().any(|w| {
                            w.text.ends_with("/etc/passwd") || w.text.ends_with("/etc/group")
                        });
                        let tee = c.is("tee") && c.args().iter().any(|w| w.text == "/etc/passwd");
                        if writes_passwd || tee {
                            acc.any = true;
                        }
                        if ["useradd", "adduser", "groupadd", "addgroup"]
                            .iter()
                            .any(|n| c.is(n))
                        {
                            acc.created.extend(c.args().iter().map(|w| w.text.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    acc
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let Some(root) = root_stage(cx, &lineage) else {
        return out;
    };
    let b = &root.base;
    let distroless = !b.scratch && base_known(b) && is_distroless(&b.image);
    if !b.scratch && !distroless {
        return out;
    }
    let RunUser::Explicit {
        span, user, group, ..
    } = user_of_lineage(cx, &lineage)
    else {
        return out;
    };
    let acc = accounts(cx, &lineage);
    if acc.any {
        return out;
    }
    let image = if b.scratch {
        "scratch".to_string()
    } else {
        b.resolved.clone()
    };
    let mut missing = Vec::new();
    if !numeric(&user) {
        let known = distroless && DISTROLESS_USERS.contains(&user.as_str());
        if !known && !acc.created.contains(&user) {
            missing.push(format!("user `{user}`"));
        }
    }
    if let Some(g) = group.as_deref().filter(|g| !g.is_empty() && !numeric(g)) {
        let known = distroless && DISTROLESS_GROUPS.contains(&g);
        if !known && !acc.created.iter().any(|c| c == g) {
            missing.push(format!("group `{g}`"));
        }
    }
    if missing.is_empty() {
        return out;
    }
    let has = if b.scratch {
        "has no /etc/passwd".to_string()
    } else {
        "only knows root, nonroot and nobody".to_string()
    };
    out.push(
        Hit::new(
            span,
            format!(
                "USER names {} but the final image (`{image}`) {has} and nothing here adds it: the container will fail to start with \"unable to find user {user}: no matching entries in passwd file\"",
                missing.join(" and "),
            ),
        )
        .with_fix(if distroless { "USER nonroot:nonroot   # or USER 65532:65532" } else { "USER 65532:65532" }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    const B: &str = "FROM golang:1.22 AS build\nRUN useradd app && go build -o /out/app .\n";

    #[test]
    fn flags_name_on_scratch() {
        let src = format!("{B}FROM scratch\nCOPY --from=build /out/app /app\nUSER app\n");
        let r = run(check, &src);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 5);
        assert!(r[0].1.contains("no matching entries"));
        // even root: scratch has no passwd at all
        assert_eq!(lines(check, "FROM scratch\nUSER root\n"), vec![2]);
    }

    #[test]
    fn flags_unknown_name_on_distroless() {
        let src = "FROM gcr.io/distroless/static-debian12\nUSER app\n";
        assert_eq!(lines(check, src), vec![2]);
        let src = "FROM cgr.dev/chainguard/static\nUSER nonroot:wheel\n";
        let r = run(check, src);
        assert!(r[0].1.contains("group `wheel`"));
    }

    #[test]
    fn passes_distroless_users_and_numbers() {
        assert!(
            lines(
                check,
                "FROM gcr.io/distroless/static-debian12\nUSER nonroot:nonroot\n"
            )
            .is_empty()
        );
        assert!(lines(check, "FROM gcr.io/distroless/base-debian12\nUSER nobody\n").is_empty());
        assert!(lines(check, "FROM scratch\nUSER 65532:65532\n").is_empty());
        assert!(lines(check, "FROM debian:12\nUSER app\n").is_empty());
    }

    #[test]
    fn passes_when_passwd_is_copied() {
        let src = format!(
            "{B}FROM scratch\nCOPY --from=build /etc/passwd /etc/passwd\nCOPY --from=build /out/app /app\nUSER app\n"
        );
        assert!(lines(check, &src).is_empty());
        let src = format!(
            "{B}FROM scratch\nCOPY --from=build /etc/passwd /etc/group /etc/\nUSER app:app\n"
        );
        assert!(lines(check, &src).is_empty());
    }

    #[test]
    fn passes_when_a_run_creates_it_in_the_lineage() {
        let src = "FROM gcr.io/distroless/base-debian12:debug AS base\nRUN [\"/busybox/sh\", \"-c\", \"x\"]\nRUN adduser -D app\nFROM base\nUSER app\n";
        assert!(lines(check, src).is_empty());
        // a user created in a builder that is not copied does not count
        let src = format!("{B}FROM scratch\nUSER app\n");
        assert_eq!(lines(check, &src), vec![4]);
    }

    #[test]
    fn variables() {
        assert!(lines(check, "FROM scratch\nARG U\nUSER $U\n").is_empty());
        assert_eq!(
            lines(check, "FROM scratch\nARG U=app\nUSER ${U}\n"),
            vec![3]
        );
        assert_eq!(
            lines(check, "ARG BASE=scratch\nFROM $BASE\nUSER app\n"),
            vec![3]
        );
    }
}
