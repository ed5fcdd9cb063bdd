//! # PD010: World-writable permissions (`chmod 777`)
//!
//! **What it checks.** Any mode that makes files or directories writable by
//! every user, without the sticky bit, in any stage:
//!
//! - `chmod 777`, `chmod -R 0777`, `chmod 666`, `chmod a+rwx`, `chmod o+w`,
//!   `chmod ugo=rwx` in a `RUN` (also through `find … -exec chmod`,
//!   `xargs chmod`, `sudo chmod`);
//! - `mkdir -m 777`, `install -m 0777`;
//! - `COPY --chmod=777` / `ADD --chmod=666`.
//!
//! Modes with the sticky bit (`1777`, `+t`, or a `chmod o+t` on the same
//! path in the same RUN) are how `/tmp` is meant to be and pass; so does
//! any mode applied only to `/tmp`, `/var/tmp`, `/dev/shm`. A mode from a variable with no known value is not judged.
//!
//! **Why.** `777` is what people type when a non-root container cannot
//! write somewhere. It does make the error go away — by letting *any* uid
//! replace the service's binary, config or templates: a compromised
//! sidecar or a second process in the pod, or any container mounting the
//! same volume. The correct fix is ownership: `chown` the path to the
//! runtime uid (or `COPY --chown`) and keep `755`/`750`.
//!
//! ## Bad
//! ```dockerfile
//! RUN mkdir -p /app/data && chmod -R 777 /app
//! ```
//!
//! ## Good
//! ```dockerfile
//! RUN mkdir -p /app/data && chown -R 10001:10001 /app/data && chmod 750 /app/data
//! USER 10001:10001
//! ```
//!
//! ## Fix
//! ```dockerfile
//! COPY --chown=10001:10001 --chmod=755 app /app/
//! ```
//!
//! ## Incident it prevents
//! A `chmod -R 777 /app` added "to fix permissions" let a compromised
//! log-shipper sidecar sharing the volume overwrite `/app/server`; the next
//! restart ran the attacker's binary with the service's credentials.

use crate::helpers_pd::{expand_shell, is_tmp_like, world_writable};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::shell::ShWord;
use plimsoll_dockerfile::{Kind, Span};

pub const META: Meta = Meta {
    code: "PD010",
    severity: Severity::Warning,
    category: Category::Dockerfile,
    summary: "World-writable permissions (chmod 777, o+w, --chmod=777)",
    enabled_by_default: true,
};

fn hit(span: Span, what: &str, mode: &str, paths: &str) -> Hit {
    let on = if paths.is_empty() {
        String::new()
    } else {
        format!(" on {paths}")
    };
    let sep = if what.ends_with('=') { "" } else { " " };
    Hit::new(
        span,
        format!(
            "`{what}{sep}{mode}`{on} makes it writable by every user in the container: any process can replace what the service runs; chown to the runtime user instead"
        ),
    )
    .with_fix("chown <uid>:<gid> <path> && chmod 755 <path>   # or COPY --chown=<uid>:<gid>")
}

/// Whether a mode sets the sticky bit (`1777`, `+t`, `o+t`).
fn sets_sticky(mode: &str) -> bool {
    if mode.chars().all(|c| c.is_ascii_digit()) {
        return u32::from_str_radix(mode, 8).is_ok_and(|v| v & 0o1000 != 0);
    }
    mode.split(',').any(|c| {
        c.contains("+t") || c.contains("=t") || (c.contains(['+', '=']) && c.ends_with('t'))
    })
}

/// Paths a RUN gives the sticky bit (`chmod o+t $TMPDIR` after
/// `chmod a+rwx $TMPDIR` makes a proper shared temp directory).
fn sticky_paths(cx: &Context, i: usize) -> Vec<String> {
    let mut v = Vec::new();
    for s in cx.scripts(i) {
        for c in s.commands.iter().filter(|c| c.is("chmod")) {
            let a = c.args_no_flags();
            if a.first().is_some_and(|m| sets_sticky(&m.text)) {
                v.extend(a.iter().skip(1).map(|w| w.text.clone()));
            }
        }
    }
    v
}

/// Judges `chmod` with its arguments (after the `chmod` word).
fn chmod_args(cx: &Context, i: usize, args: &[ShWord], out: &mut Vec<Hit>) {
    let mut mode: Option<&ShWord> = None;
    let mut paths: Vec<&ShWord> = Vec::new();
    let mut dashdash = false;
    for w in args {
        let t = w.text.as_str();
        if t == ";" || t == "+" {
            break;
        }
        if !dashdash && t == "--" {
            dashdash = true;
            continue;
        }
        if !dashdash && t.starts_with("--reference") {
            return;
        }
        // `-R`, `-v`, … are options; `-w` / `-x` would be modes, not judged.
        if !dashdash && t.starts_with('-') && mode.is_none() {
            continue;
        }
        if mode.is_none() {
            mode = Some(w);
        } else {
            paths.push(w);
        }
    }
    let Some(m) = mode else { return };
    let Some(mv) = expand_shell(cx, i, &m.text) else {
        return;
    };
    if world_writable(&mv) != Some(true) {
        return;
    }
    let sticky = sticky_paths(cx, i);
    if !paths.is_empty()
        && paths
            .iter()
            .all(|p| is_tmp_like(&p.text) || sticky.contains(&p.text))
    {
        return;
    }
    let shown: Vec<&str> = paths.iter().map(|p| p.text.as_str()).collect();
    out.push(hit(m.span, "chmod", &m.text, &shown.join(" ")));
}

fn mode_flag(cx: &Context, i: usize, prog: &str, words: &[ShWord], out: &mut Vec<Hit>) {
    let mut k = 0;
    while k < words.len() {
        let t = words[k].text.as_str();
        let (val, span) = if t == "-m" || t == "--mode" {
            match words.get(k + 1) {
                Some(n) => (n.text.clone(), n.span),
                None => break,
            }
        } else if let Some(v) = t.strip_prefix("--mode=") {
            (v.to_string(), words[k].span)
        } else if let Some(v) = t
            .strip_prefix("-m")
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
        {
            (v.to_string(), words[k].span)
        } else {
            k += 1;
            continue;
        };
        k += 1;
        let Some(v) = expand_shell(cx, i, &val) else {
            continue;
        };
        if world_writable(&v) != Some(true) {
            continue;
        }
        let paths: Vec<&str> = words
            .iter()
            .skip(k + 1)
            .filter(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
            .collect();
        if !paths.is_empty() && paths.iter().all(|p| is_tmp_like(p)) {
            continue;
        }
        out.push(hit(span, &format!("{prog} -m"), &val, &paths.join(" ")));
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (i, ins) in cx.instructions() {
        match ins.kind {
            Kind::Copy | Kind::Add => {
                if let Some(f) = ins.flag("chmod") {
                    let raw = f.value.as_deref().unwrap_or("");
                    let ex = cx.facts.expand(i, raw);
                    if ex.unset.is_empty() && world_writable(&ex.value) == Some(true) {
                        let kw = ins.keyword.value.to_ascii_uppercase();
                        out.push(
                            hit(f.span, &format!("{kw} --chmod="), raw, "")
                                .with_fix(format!("{kw} --chown=<uid>:<gid> --chmod=755 …")),
                        );
                    }
                }
            }
            Kind::Run => {
                for s in cx.scripts(i) {
                    for c in &s.commands {
                        let words = &c.words;
                        let base =
                            |w: &ShWord| w.text.rsplit('/').next().unwrap_or(&w.text).to_string();
                        for (k, w) in words.iter().enumerate() {
                            let b = base(w);
                            let starts = k == 0
                                || matches!(
                                    words[k - 1].text.as_str(),
                                    "-exec" | "-execdir" | "-ok"
                                )
                                || (k >= 1
                                    && matches!(
                                        base(&words[0]).as_str(),
                                        "xargs" | "sudo" | "doas" | "busybox"
                                    )
                                    && !words[1..k]
                                        .iter()
                                        .any(|x| !x.text.starts_with('-') && base(x) != "xargs"));
                            if !starts {
                                continue;
                            }
                            match b.as_str() {
                                "chmod" => {
                                    chmod_args(cx, i, words.get(k + 1..).unwrap_or(&[]), &mut out)
                                }
                                "mkdir" | "install" => mode_flag(
                                    cx,
                                    i,
                                    &b,
                                    words.get(k + 1..).unwrap_or(&[]),
                                    &mut out,
                                ),
                                _ => {}
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_chmod_777_variants() {
        let src = "FROM a\nRUN chmod 777 /app\nRUN chmod -R 0777 /app\nRUN chmod a+rwx /x\nRUN chmod o+w /x\nRUN chmod 666 /f\nRUN chmod ugo=rwx /x\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6, 7]);
        let r = run(check, "FROM a\nRUN mkdir /app && chmod -R 777 /app\n");
        assert!(r[0].1.contains("`chmod 777` on /app"), "{}", r[0].1);
        let r = run(check, "FROM a\nCOPY --chmod=0777 a /a\n");
        assert!(r[0].1.contains("`COPY --chmod=0777`"), "{}", r[0].1);
    }

    #[test]
    fn flags_other_spellings() {
        let src = "FROM a\nRUN find /app -type d -exec chmod 777 {} \\;\nRUN mkdir -m 777 /data\nRUN install -d -m 0777 /data\nCOPY --chmod=777 app /app\nADD --chmod=666 x /x\nRUN sudo chmod 777 /y\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn passes_sticky_tmp_and_sane_modes() {
        let src = "FROM a\nRUN chmod 1777 /scratch\nRUN chmod 777 /tmp\nRUN chmod -R 755 /app\nRUN chmod +x /app/run\nRUN chmod a+rwxt /shared\nRUN mkdir -m 1777 /q\nCOPY --chmod=755 a /a\nRUN chmod u+w,g+w /g\nRUN echo chmod 777 /x\nRUN mkdir /s && chmod a+rwx /s && chmod o+t /s\n";
        assert!(lines(check, src).is_empty());
    }

    #[test]
    fn variables_heredoc_and_multistage() {
        let src = "FROM a AS b\nARG M=777\nRUN chmod $M /app\nFROM c\nARG N\nRUN chmod $N /app\nRUN <<EOF\nchmod 777 /srv\nEOF\n";
        assert_eq!(lines(check, src), vec![3, 8]);
        let src = "FROM a\nRUN apt-get update \\\n && chmod -R \\\n    777 /app\n";
        assert_eq!(lines(check, src), vec![4]);
        assert_eq!(lines(check, "FROM a\nONBUILD RUN chmod 777 /x\n"), vec![2]);
    }
}
