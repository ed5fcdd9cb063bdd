//! Small helpers shared by several rules.

use plimsoll_dockerfile::shell::{Command, ShWord};

/// For `apt-get install a b`, `apk add a`, … : the words after the
/// subcommand that are packages (not flags, not flag values).
pub fn packages_after<'a>(cmd: &'a Command, subcommands: &[&str]) -> Vec<&'a ShWord> {
    let args = cmd.args();
    let Some(pos) = args.iter().position(|w| subcommands.contains(&w.text.as_str())) else {
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
