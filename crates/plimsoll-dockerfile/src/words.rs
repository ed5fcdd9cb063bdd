//! BuildKit's word rules: splitting arguments into words, removing quotes,
//! and expanding `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:+x}`,
//! `${VAR+x}`, `${VAR:?m}`, `${VAR#p}`, `${VAR%p}` the way the Dockerfile
//! frontend does before an instruction runs.

/// Splits `text` into words as BuildKit's `parseWords` does: whitespace
/// separates words, quotes group them and are kept in the word, the escape
/// character protects the next character. Returns (word, start, end) with
/// byte offsets into `text`.
pub fn split_words(text: &str, escape: char) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut start = 0usize;
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut blank_ok = false;
    let mut it = text.char_indices().peekable();
    while let Some((pos, ch)) = it.next() {
        if !in_word {
            if ch.is_whitespace() {
                continue;
            }
            in_word = true;
            start = pos;
        }
        match quote {
            None => {
                if ch.is_whitespace() {
                    if blank_ok || !word.is_empty() {
                        out.push((std::mem::take(&mut word), start, pos));
                    }
                    word.clear();
                    blank_ok = false;
                    in_word = false;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = Some(ch);
                    blank_ok = true;
                }
                if ch == escape {
                    match it.next() {
                        None => continue,
                        Some((_, next)) => {
                            word.push(ch);
                            word.push(next);
                            continue;
                        }
                    }
                }
                word.push(ch);
            }
            Some(q) => {
                if ch == q {
                    quote = None;
                }
                if ch == escape && q != '\'' {
                    match it.next() {
                        None => {
                            quote = None;
                            continue;
                        }
                        Some((_, next)) => {
                            word.push(ch);
                            word.push(next);
                            continue;
                        }
                    }
                }
                word.push(ch);
            }
        }
    }
    if in_word && (blank_ok || !word.is_empty()) {
        out.push((word, start, text.len()));
    }
    out
}

/// Result of expanding a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub value: String,
    /// Names referenced that had no value (expanded to "").
    pub unset: Vec<String>,
    /// Whether any variable reference was present.
    pub had_vars: bool,
}

/// Removes quotes and expands variables as BuildKit's shell lexer does for
/// FROM, COPY, ENV, USER, WORKDIR and friends. `lookup` returns a variable's
/// value when it is set.
pub fn expand(word: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> Expanded {
    let mut st = Expander {
        chars: word.chars().collect(),
        pos: 0,
        escape,
        lookup,
        unset: Vec::new(),
        had_vars: false,
        depth: 0,
    };
    let value = st.word(&[]);
    Expanded {
        value,
        unset: st.unset,
        had_vars: st.had_vars,
    }
}

struct Expander<'a> {
    chars: Vec<char>,
    pos: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: Vec<String>,
    had_vars: bool,
    depth: usize,
}

impl Expander<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Reads until one of `stop` (unquoted) or the end.
    fn word(&mut self, stop: &[char]) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if stop.contains(&c) {
                break;
            }
            self.pos += 1;
            if c == '\'' {
                while let Some(c) = self.next() {
                    if c == '\'' {
                        break;
                    }
                    out.push(c);
                }
            } else if c == '"' {
                self.double_quoted(&mut out);
            } else if c == self.escape {
                if let Some(n) = self.next() {
                    out.push(n);
                }
            } else if c == '$' {
                self.dollar(&mut out);
            } else {
                out.push(c);
            }
        }
        out
    }

    fn double_quoted(&mut self, out: &mut String) {
        while let Some(c) = self.next() {
            if c == '"' {
                return;
            }
            if c == self.escape {
                match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.pos += 1;
                        out.push(n);
                    }
                    _ => out.push(c),
                }
            } else if c == '$' {
                self.dollar(out);
            } else {
                out.push(c);
            }
        }
    }

    fn name(&mut self) -> String {
        let mut n = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                n.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        n
    }

    fn value_of(&mut self, name: &str) -> Option<String> {
        self.had_vars = true;
        let v = (self.lookup)(name);
        if v.is_none() && !self.unset.iter().any(|u| u == name) {
            self.unset.push(name.to_string());
        }
        v
    }

    fn dollar(&mut self, out: &mut String) {
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                self.braced(out);
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let n = self.name();
                if let Some(v) = self.value_of(&n) {
                    out.push_str(&v);
                }
            }
            Some(c) if c.is_ascii_digit() => {
                // Positional parameters are always empty here.
                self.pos += 1;
                self.had_vars = true;
            }
            _ => out.push('$'),
        }
    }

    fn braced(&mut self, out: &mut String) {
        self.depth += 1;
        if self.depth > 64 {
            // Absurd nesting: keep the rest literally rather than recurse on.
            self.depth -= 1;
            while let Some(c) = self.next() {
                out.push(c);
            }
            return;
        }
        let name = self.name();
        let val = self.value_of(&name);
        match self.next() {
            Some('}') | None => {
                if let Some(v) = val {
                    out.push_str(&v);
                }
            }
            Some(':') => {
                let op = self.next();
                let arg = self.word(&['}']);
                self.next();
                let set_nonempty = val.as_deref().is_some_and(|v| !v.is_empty());
                match op {
                    Some('-') => out.push_str(&if set_nonempty {
                        val.unwrap_or_default()
                    } else {
                        arg
                    }),
                    Some('+') => {
                        if set_nonempty {
                            out.push_str(&arg)
                        }
                    }
                    Some('?') => out.push_str(&val.unwrap_or_default()),
                    _ => out.push_str(&val.unwrap_or_default()),
                }
            }
            Some(op @ ('-' | '+' | '?')) => {
                let arg = self.word(&['}']);
                self.next();
                match op {
                    '-' => out.push_str(&val.unwrap_or(arg)),
                    '+' => {
                        if val.is_some() {
                            out.push_str(&arg)
                        }
                    }
                    _ => out.push_str(&val.unwrap_or_default()),
                }
            }
            Some(op @ ('#' | '%')) => {
                let longest = self.peek() == Some(op);
                if longest {
                    self.pos += 1;
                }
                let pat = self.word(&['}']);
                self.next();
                let v = val.unwrap_or_default();
                out.push_str(&trim_pattern(&v, &pat, op == '#', longest));
            }
            Some('/') => {
                let pat = self.word(&['/', '}']);
                let rep = if self.peek() == Some('/') {
                    self.pos += 1;
                    self.word(&['}'])
                } else {
                    String::new()
                };
                self.next();
                let v = val.unwrap_or_default();
                out.push_str(&if pat.is_empty() {
                    v.clone()
                } else {
                    v.replacen(&pat, &rep, 1)
                });
            }
            Some(_) => {
                // Unsupported modifier: skip to the closing brace.
                let _ = self.word(&['}']);
                self.next();
                out.push_str(&val.unwrap_or_default());
            }
        }
        self.depth -= 1;
    }
}

/// `${V#p}` / `${V%p}` with `*` and `?` globs.
fn trim_pattern(v: &str, pat: &str, prefix: bool, longest: bool) -> String {
    let idx: Vec<usize> = v
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(v.len()))
        .collect();
    let cands: Box<dyn Iterator<Item = &usize>> = if prefix == longest {
        Box::new(idx.iter().rev())
    } else {
        Box::new(idx.iter())
    };
    for &i in cands {
        let (part, rest) = if prefix {
            (&v[..i], &v[i..])
        } else {
            (&v[i..], &v[..i])
        };
        if glob_match(pat, part) {
            return rest.to_string();
        }
    }
    v.to_string()
}

/// Minimal glob: `*` any run, `?` any char, everything else literal.
pub fn glob_match(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        split_words(s, '\\').into_iter().map(|w| w.0).collect()
    }

    #[test]
    fn split_keeps_quotes() {
        assert_eq!(words(r#"a "b c"  'd e'"#), vec!["a", "\"b c\"", "'d e'"]);
        assert_eq!(words(r"a\ b c"), vec![r"a\ b", "c"]);
        let w = split_words("  x  yy", '\\');
        assert_eq!((w[1].1, w[1].2), (5, 7));
    }

    fn env(n: &str) -> Option<String> {
        match n {
            "A" => Some("alpine:3.19".into()),
            "E" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_like_buildkit() {
        let e = |s: &str| expand(s, '\\', &env).value;
        assert_eq!(e("$A"), "alpine:3.19");
        assert_eq!(e("${A}"), "alpine:3.19");
        assert_eq!(e("${B:-x}"), "x");
        assert_eq!(e("${E:-x}"), "x");
        assert_eq!(e("${E-x}"), "");
        assert_eq!(e("${A:+y}"), "y");
        assert_eq!(e("${B:+y}"), "");
        assert_eq!(e("'$A'"), "$A");
        assert_eq!(e("\"$A\""), "alpine:3.19");
        assert_eq!(e("${A%:*}"), "alpine");
        assert_eq!(e("${A#*:}"), "3.19");
        assert_eq!(e(r"\$A"), "$A");
        let x = expand("${NOPE}", '\\', &env);
        assert_eq!(x.unset, vec!["NOPE"]);
        assert!(x.had_vars);
    }

    #[test]
    fn glob() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a?c", "ac"));
    }
}
