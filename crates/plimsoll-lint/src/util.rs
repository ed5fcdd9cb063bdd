//! Small helpers shared by several rules.

use plimsoll_dockerfile::shell::{Command, ShWord};

/// For `apt-get install a b`, `apk add a`, … : the words after the
/// subcommand that are packages (not flags, not flag values).
pub fn packages_after<'a>(cmd: &'a Command, subcommands: &[&str]) -> Vec<&'a ShWord> {
    let args = cmd.args();
    let Some(pos) = args
        .iter()
        .position(|w| subcommands.contains(&w.text.as_str()))
    else {
        return Vec::new();
    };
    args[pos + 1..]
        .iter()
        .filter(|w| !w.text.starts_with('-'))
        .collect()
}

/// Whether the command is `name sub …` (e.g. `apt-get install`).
pub fn is_subcommand(cmd: &Command, name: &str, subs: &[&str]) -> bool {
    cmd.is(name)
        && cmd
            .args_no_flags()
            .first()
            .is_some_and(|w| subs.contains(&w.text.as_str()))
}

/// A word that is a single variable reference (`$PKGS`, `${PKGS}`): its
/// value is unknown to a linter.
pub fn is_variable(word: &str) -> bool {
    word.starts_with('$')
}

/// Merges the hits of one rule that fall in the same instruction into one
/// hit at the first of them (hadolint reports once per instruction; one
/// finding per unpinned package floods reports). The message says how many
/// more there are; the fixes are joined.
pub fn one_per_instruction(cx: &crate::Context, hits: Vec<crate::Hit>) -> Vec<crate::Hit> {
    let ins = &cx.df().instructions;
    let owner = |h: &crate::Hit| {
        ins.iter()
            .position(|x| x.span.start <= h.span.start && h.span.start <= x.span.end)
    };
    let mut out: Vec<(Option<usize>, crate::Hit, usize)> = Vec::new();
    for h in hits {
        let o = owner(&h);
        match out.iter_mut().find(|(k, _, _)| o.is_some() && *k == o) {
            Some((_, first, more)) => {
                *more += 1;
                if let Some(f) = h.fix {
                    let joined = match first.fix.take() {
                        Some(prev) => format!("{prev} {f}"),
                        None => f,
                    };
                    first.fix = Some(joined);
                }
            }
            None => out.push((o, h, 0)),
        }
    }
    out.into_iter()
        .map(|(_, mut h, more)| {
            if more > 0 {
                h.message = format!("{} (and {more} more in this instruction)", h.message);
            }
            h
        })
        .collect()
}
