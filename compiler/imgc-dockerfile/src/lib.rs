//! Dockerfile parser for `imgc migrate`. Depends on nothing else of imgc.
//!
//! Accepts what BuildKit accepts and produces an owned AST ([`Dockerfile`])
//! with a span for every instruction, flag and comment. Its text is [`Str`]:
//! pieces of one shared copy of the file, which deref to `str`. The file structure
//! (lines, continuations, comments, directives, heredoc bodies) is read by a
//! line scanner (`builder.rs`) and small hand-written parsers handle each
//! instruction's arguments, mirroring BuildKit's `frontend/dockerfile/parser`. [`Dockerfile::dump`] prints
//! BuildKit's own AST dump, which the conformance test compares against
//! BuildKit's test cases.
//!
//! ```
//! use imgc_dockerfile::{parse, Arguments};
//! let df = parse("FROM alpine\nRUN echo hi \\\n  there\n").unwrap();
//! assert_eq!(df.instructions[1].args, Arguments::Shell("echo hi   there".into()));
//! assert_eq!(df.instructions[1].span.end.line, 3);
//! ```

mod ast;
mod builder;
mod dump;
mod error;
mod go;
mod heredoc;
mod instructions;
mod json;
mod mounts;
#[cfg(test)]
mod oracle;
// pest without its `std` feature generates code that names the `alloc` crate.
#[cfg(test)]
extern crate alloc;
mod shell;
mod source;
mod text;
mod validate;
pub mod words;

pub use ast::{
    ArgDecl, Arguments, Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, InstructionKind, KeyValue,
    Position, Span, Warning,
};
pub use error::ParseError;
pub use heredoc::is_heredoc_word;
pub use mounts::csv_fields;
pub use text::Str;
pub use validate::go_duration;

/// Parsing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Also run BuildKit's instruction-level checks: unknown instructions,
    /// unknown or malformed flags, argument counts, only ARG before FROM.
    /// Without it, exactly BuildKit's parser stage is applied.
    pub validate: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self { validate: true }
    }
}

impl ParseOptions {
    /// BuildKit's parser stage only (what its parser test cases exercise).
    pub fn lenient() -> Self {
        Self { validate: false }
    }
}

/// Parses and validates a Dockerfile.
pub fn parse(src: &str) -> Result<Dockerfile, ParseError> {
    parse_with(src, ParseOptions::default())
}

/// Parses a Dockerfile with `options`.
pub fn parse_with(src: &str, options: ParseOptions) -> Result<Dockerfile, ParseError> {
    let df = builder::build(src)?;
    if options.validate {
        validate::validate(&df)?;
    }
    Ok(df)
}

/// Parses raw bytes; invalid UTF-8 is an error at the first bad byte.
pub fn parse_bytes(src: &[u8], options: ParseOptions) -> Result<Dockerfile, ParseError> {
    match std::str::from_utf8(src) {
        Ok(s) => parse_with(s, options),
        Err(e) => {
            let valid = &src[..e.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let first = if valid.starts_with('\u{feff}') { 3 } else { 0 };
            let at = source::LineIndex::new(valid, first).span(valid.len(), valid.len());
            Err(ParseError::new("file is not valid UTF-8", at))
        }
    }
}
