//! Inline pragmas: `# hadolint ignore=DL3006,DL3008` (or `# plimsoll
//! ignore=…`) on the comment lines just above an instruction silence those
//! codes for that instruction; `# hadolint global ignore=…` for the file.

use plimsoll_dockerfile::{Dockerfile, Span};

#[derive(Debug, Default)]
pub struct Pragmas {
    global: Vec<String>,
    /// (index of the instruction it applies to, codes)
    local: Vec<(usize, Vec<String>)>,
}

/// Parses one comment's text (after `#`); returns (global, codes).
pub fn parse_pragma(text: &str) -> Option<(bool, Vec<String>)> {
    let t = text.trim();
    let rest = t
        .strip_prefix("hadolint")
        .or_else(|| t.strip_prefix("plimsoll"))?
        .trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let rest = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    let codes: Vec<String> = rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    (!codes.is_empty()).then_some((global, codes))
}

impl Pragmas {
    pub fn read(df: &Dockerfile) -> Pragmas {
        let mut p = Pragmas::default();
        for c in &df.comments {
            let Some((global, codes)) = parse_pragma(&c.text) else {
                continue;
            };
            if global {
                p.global.extend(codes);
                continue;
            }
            // The next instruction starting after the comment.
            if let Some(i) = df
                .instructions
                .iter()
                .position(|ins| ins.span.start > c.span.start)
            {
                p.local.push((i, codes));
            }
        }
        p
    }

    /// Whether `code` is silenced for a hit at `span`.
    pub fn ignores(&self, df: &Dockerfile, code: &str, span: Span) -> bool {
        if self.global.iter().any(|c| c == code) {
            return true;
        }
        if self.local.is_empty() {
            return false;
        }
        let Some(i) = df
            .instructions
            .iter()
            .position(|ins| ins.span.start <= span.start && span.start <= ins.span.end)
        else {
            return false;
        };
        self.local
            .iter()
            .any(|(j, codes)| *j == i && codes.iter().any(|c| c == code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pragmas() {
        assert_eq!(
            parse_pragma("hadolint ignore=DL3006,dl3008"),
            Some((false, vec!["DL3006".into(), "DL3008".into()]))
        );
        assert_eq!(
            parse_pragma("hadolint global ignore=DL3003"),
            Some((true, vec!["DL3003".into()]))
        );
        assert_eq!(
            parse_pragma("plimsoll ignore = PD001"),
            Some((false, vec!["PD001".into()]))
        );
        assert_eq!(parse_pragma("just a comment"), None);
    }

    #[test]
    fn applies_to_next_instruction_only() {
        let df = plimsoll_dockerfile::parse("FROM a\n# hadolint ignore=DL3008\nRUN x\nRUN y\n");
        let p = Pragmas::read(&df);
        let run_x = df.instructions[1].span;
        let run_y = df.instructions[2].span;
        assert!(p.ignores(&df, "DL3008", run_x));
        assert!(!p.ignores(&df, "DL3008", run_y));
        assert!(!p.ignores(&df, "DL3009", run_x));
    }
}
