//! The syntax tree: instructions with byte spans on every part.

use crate::span::{OffsetMap, Span, Spanned};

/// Which instruction an [`Instruction`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    /// Not a Dockerfile instruction; BuildKit rejects it.
    Unknown,
}

impl Kind {
    pub fn from_keyword(k: &str) -> Kind {
        match k.to_ascii_lowercase().as_str() {
            "from" => Kind::From,
            "run" => Kind::Run,
            "cmd" => Kind::Cmd,
            "label" => Kind::Label,
            "maintainer" => Kind::Maintainer,
            "expose" => Kind::Expose,
            "env" => Kind::Env,
            "add" => Kind::Add,
            "copy" => Kind::Copy,
            "entrypoint" => Kind::Entrypoint,
            "volume" => Kind::Volume,
            "user" => Kind::User,
            "workdir" => Kind::Workdir,
            "arg" => Kind::Arg,
            "onbuild" => Kind::Onbuild,
            "stopsignal" => Kind::Stopsignal,
            "healthcheck" => Kind::Healthcheck,
            "shell" => Kind::Shell,
            _ => Kind::Unknown,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Expose => "EXPOSE",
            Kind::Env => "ENV",
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Volume => "VOLUME",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Arg => "ARG",
            Kind::Onbuild => "ONBUILD",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
            Kind::Unknown => "UNKNOWN",
        }
    }

    /// Instructions whose arguments may be a JSON array (exec form).
    pub fn takes_json(self) -> bool {
        matches!(
            self,
            Kind::Run
                | Kind::Cmd
                | Kind::Entrypoint
                | Kind::Shell
                | Kind::Add
                | Kind::Copy
                | Kind::Volume
        )
    }

    /// Instructions that may carry heredocs (BuildKit: ADD, COPY, RUN).
    pub fn takes_heredoc(self) -> bool {
        matches!(self, Kind::Run | Kind::Copy | Kind::Add)
    }
}

/// A `--name[=value]` flag of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name without the leading dashes.
    pub name: String,
    /// Value after `=`, unquoted; `None` for a bare boolean flag.
    pub value: Option<String>,
    pub span: Span,
}

/// A heredoc attached to an instruction (`<<EOF` … `EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// Delimiter name, quotes removed.
    pub name: String,
    /// The delimiter was quoted: the body is not expanded.
    pub quoted: bool,
    /// `<<-`: leading tabs are stripped from body lines and the terminator.
    pub chomp: bool,
    /// File descriptor prefix (`3<<EOF`), when given.
    pub fd: Option<u32>,
    /// Span of the `<<EOF` marker on the instruction line.
    pub marker: Span,
    /// The body, line endings included, exactly as in the file.
    pub body: String,
    /// Span of the body in the source (terminator excluded).
    pub body_span: Span,
}

impl Heredoc {
    /// The body as the builder sees it (`<<-` strips leading tabs).
    pub fn content(&self) -> String {
        if !self.chomp {
            return self.body.clone();
        }
        let mut out = String::with_capacity(self.body.len());
        for line in self.body.split_inclusive('\n') {
            out.push_str(line.trim_start_matches('\t'));
        }
        out
    }
}

/// A whitespace-separated argument word as written (quotes kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub raw: String,
    pub span: Span,
}

/// One Dockerfile instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub kind: Kind,
    /// The keyword as written (`run`, `RUN`, …).
    pub keyword: Spanned<String>,
    /// From the keyword to the end of the last line (heredoc bodies included).
    pub span: Span,
    pub flags: Vec<Flag>,
    /// Arguments after the flags, continuation lines joined (BuildKit's
    /// logical line), with `args_map` mapping offsets back to the source.
    pub args: String,
    pub args_map: OffsetMap,
    /// Exec form: the JSON array's strings with their spans.
    pub json: Option<Vec<Spanned<String>>>,
    pub heredocs: Vec<Heredoc>,
    /// The trigger instruction of an `ONBUILD`.
    pub onbuild: Option<Box<Instruction>>,
    /// The escape character in force (`\` or `` ` ``).
    pub escape: char,
}

impl Instruction {
    /// Source span of the logical argument range `[start, end)`.
    pub fn args_span(&self, start: usize, end: usize) -> Span {
        self.args_map.span(start, end)
    }

    /// Span of the whole argument text.
    pub fn args_full_span(&self) -> Span {
        let t = self.args.trim_end();
        if t.is_empty() {
            return self.keyword.span;
        }
        self.args_map.span(0, t.len())
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The flag's value (`Some("")` for a bare flag).
    pub fn flag_value(&self, name: &str) -> Option<&str> {
        self.flag(name).map(|f| f.value.as_deref().unwrap_or(""))
    }

    pub fn is_exec_form(&self) -> bool {
        self.json.is_some()
    }

    /// Arguments split into words as BuildKit splits them (quotes kept).
    pub fn words(&self) -> Vec<Word> {
        crate::words::split_words(&self.args, self.escape)
            .into_iter()
            .map(|(raw, s, e)| Word {
                raw,
                span: self.args_map.span(s, e),
            })
            .collect()
    }
}

/// A syntax error: what was expected, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

/// A comment line (`# ...`), kept for pragmas such as `# hadolint ignore=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// 1-based line.
    pub line: u32,
    pub span: Span,
}

/// Parser directives at the top of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directives {
    pub syntax: Option<Spanned<String>>,
    pub escape: Option<Spanned<String>>,
    pub check: Option<Spanned<String>>,
    /// The effective escape character.
    pub escape_char: char,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            syntax: None,
            escape: None,
            check: None,
            escape_char: '\\',
        }
    }
}
