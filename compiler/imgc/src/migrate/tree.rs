//! The `.img` syntax tree migrate writes: constructors for its nodes, which have no source text
//! behind them (empty spans), and [`Body`], statements with the comment and blank lines carried
//! over from the Dockerfile. [`crate::format::format_module`] prints the tree.
//!
//! Must never depend on: the Dockerfile (the converter reads it and calls these).

use crate::dockerfile::Comment;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Argument, Call, Clause, Entry, Expr, ExprKind, Ident, Layout, NamedArg, Statement, StatementKind, StrPart, Trivia,
    TypeExpr,
};

/// Where a synthesized node is: nowhere in any source.
pub fn nowhere() -> Span {
    Span::new(FileId(u32::MAX), 0..0)
}

pub fn ident(name: &str) -> Ident {
    Ident { name: name.to_string(), span: nowhere() }
}

/// A type without a parameter: `secret`, `int`.
pub fn type_name(name: &str) -> TypeExpr {
    TypeExpr { name: ident(name), param: None, span: nowhere() }
}

fn expr(kind: ExprKind) -> Expr {
    Expr::new(kind, nowhere())
}

/// A string of text (the formatter escapes it).
pub fn string(text: &str) -> Expr {
    expr(ExprKind::Str(vec![StrPart::Text(text.to_string())]))
}

/// A string of text and interpolations.
pub fn string_of(parts: Parts) -> Expr {
    expr(ExprKind::Str(parts.0))
}

/// A string of text written across lines: a line continuation before each of `breaks` (byte
/// offsets of `text`).
pub fn continued_string(text: &str, breaks: Vec<usize>) -> Expr {
    let mut out = string(text);
    if !breaks.is_empty() {
        out.layout = Layout::Continued(breaks);
    }
    out
}

pub fn name(name: &str) -> Expr {
    expr(ExprKind::Name(name.to_string()))
}

pub fn int(value: i64) -> Expr {
    expr(ExprKind::Int(value))
}

pub fn boolean(value: bool) -> Expr {
    expr(ExprKind::Bool(value))
}

pub fn port(number: i64, protocol: &str) -> Expr {
    expr(ExprKind::Port { number, protocol: protocol.to_string() })
}

pub fn duration(millis: u64) -> Expr {
    expr(ExprKind::Duration { millis })
}

pub fn scratch() -> Expr {
    expr(ExprKind::Scratch)
}

/// A list of strings; written one a line when `broken`.
pub fn list(items: Vec<Expr>, broken: bool) -> Expr {
    let mut out = expr(ExprKind::List(items));
    if broken {
        out.layout = Layout::Broken;
    }
    out
}

pub fn strings(items: &[impl AsRef<str>]) -> Expr {
    list(items.iter().map(|item| string(item.as_ref())).collect(), false)
}

/// A call `module.function(args)`; an argument with a name is `name: value`.
pub fn call(callee: &str, args: Vec<(Option<&str>, Expr)>) -> Call {
    Call {
        callee: callee.split('.').map(ident).collect(),
        args: args.into_iter().map(|(name, value)| Argument { name: name.map(ident), value }).collect(),
        parens: nowhere(),
        span: nowhere(),
    }
}

pub fn call_expr(call: Call) -> Expr {
    expr(ExprKind::Call(Box::new(call)))
}

/// A step option: `keyword [value] [(name: value, …)]`.
pub fn clause(keyword: &str, value: Option<Expr>, options: Vec<(String, Expr)>) -> Clause {
    let options: Vec<NamedArg> =
        options.into_iter().map(|(name, value)| NamedArg { name: ident(&name), value }).collect();
    Clause { keyword: ident(keyword), value, options, options_parens: None, span: nowhere() }
}

pub fn entry(key: &str, value: Expr) -> Entry {
    Entry { key: key.to_string(), key_span: nowhere(), value }
}

pub fn statement(kind: StatementKind) -> Statement {
    Statement { kind, span: nowhere(), end: 0, braces: None, trivia: Vec::new() }
}

/// The parts of a string being written: text (consecutive pieces joined) and interpolations.
#[derive(Debug, Default)]
pub struct Parts(pub Vec<StrPart>);

impl Parts {
    pub fn text(&mut self, text: &str) {
        match self.0.last_mut() {
            Some(StrPart::Text(last)) => last.push_str(text),
            _ => self.0.push(StrPart::Text(text.to_string())),
        }
    }

    pub fn interpolate(&mut self, value: Expr) {
        self.0.push(StrPart::Interpolation(value));
    }

    pub fn extend(&mut self, other: Parts) {
        for part in other.0 {
            match part {
                StrPart::Text(text) => self.text(&text),
                interpolation => self.0.push(interpolation),
            }
        }
    }
}

/// Statements being written, and the comment and blank lines waiting for the next one.
#[derive(Debug, Default)]
pub struct Body {
    statements: Vec<Statement>,
    pending: Vec<Trivia>,
}

impl Body {
    /// A Dockerfile comment as an `.img` comment line above the next statement.
    pub fn comment(&mut self, comment: &Comment) {
        self.pending.push(Trivia::Comment(comment_text(comment)));
    }

    pub fn comments(&mut self, comments: &[Comment]) {
        comments.iter().for_each(|c| self.comment(c));
    }

    /// A blank line above the next statement (and its comments).
    pub fn blank(&mut self) {
        if self.pending.last() != Some(&Trivia::BlankLine) {
            self.pending.push(Trivia::BlankLine);
        }
    }

    /// Lines to write above the next statement.
    pub fn lines(&mut self, lines: Vec<Trivia>) {
        self.pending.extend(lines);
    }

    pub fn push(&mut self, mut statement: Statement) {
        statement.trivia = std::mem::take(&mut self.pending);
        self.statements.push(statement);
    }

    /// Whether nothing is written yet (no statement, no line waiting).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty() && self.pending.is_empty()
    }

    /// Appends `other`'s statements, the lines waiting here going above its first.
    pub fn append(&mut self, other: Body) {
        for statement in other.statements {
            let mut lines = std::mem::take(&mut self.pending);
            lines.extend(statement.trivia.iter().cloned());
            self.statements.push(Statement { trivia: lines, ..statement });
        }
        self.pending.extend(other.pending);
    }

    /// The statements, and the lines after the last of them.
    pub fn finish(self) -> (Vec<Statement>, Vec<Trivia>) {
        (self.statements, self.pending)
    }
}

/// A Dockerfile comment's text as an `.img` comment.
fn comment_text(comment: &Comment) -> String {
    format!("#{}", comment.text.trim_end())
}
