//! Parse errors with a source location.

use std::fmt;

use super::ast::Span;

/// A parse or validation error, located in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Human-readable message (BuildKit's wording where there is one).
    pub message: String,
    /// Where the problem is; for whole-instruction problems, the instruction.
    pub span: Span,
}

impl ParseError {
    /// Creates an error at `span`.
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self { message: message.into(), span }
    }

    /// 1-based line of the error start.
    pub fn line(&self) -> usize {
        self.span.start.line
    }

    /// 1-based column (in characters) of the error start.
    pub fn column(&self) -> usize {
        self.span.start.column
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line(), self.column(), self.message)
    }
}

impl std::error::Error for ParseError {}
