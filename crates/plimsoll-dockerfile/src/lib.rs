//! Dockerfile input for Plimsoll.
//!
//! `parse` turns text into a syntax tree with byte spans ([`ast`]);
//! [`shell`] splits shell-form RUN text and shell heredocs into commands
//! with word positions; [`facts`] resolves stages, base images and variable
//! scopes the way BuildKit does. Rules read these facts and nothing else.

pub mod ast;
pub mod facts;
pub mod parse;
pub mod shell;
pub mod span;
pub mod words;

pub use ast::{Comment, Directives, Flag, Heredoc, Instruction, Kind, SyntaxError, Word};
pub use facts::{BaseImage, Facts, Stage};
pub use parse::{Dockerfile, parse};
pub use span::{LineIndex, OffsetMap, Span, Spanned};
