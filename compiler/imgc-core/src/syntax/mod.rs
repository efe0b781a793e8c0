//! Parsing `.img` text into the syntax tree. The pest grammar stays behind [`parse`]: nothing
//! outside this module sees a pest type.

pub mod ast;
mod builder;
pub mod comments;
pub mod incremental;

pub(crate) use builder::parse_duration;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "syntax/grammar.pest"]
struct ImgParser;

/// Parses one file. A syntax error gives one diagnostic (parsing stops there); malformed literals
/// are collected and the tree is still returned.
pub fn parse(file: FileId, text: &str) -> (Option<ast::Module>, Vec<Diagnostic>) {
    if let Some(position) = too_deep(text) {
        let diagnostic = Diagnostic::error(Code::Syntax, "brackets are nested too deeply")
            .with_label(Span::new(file, position..position + 1), format!("more than {MAX_DEPTH} levels deep"))
            .with_help("flatten the expression; no program needs this much nesting");
        return (None, vec![diagnostic]);
    }
    match ImgParser::parse(Rule::file, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(pair) => {
                let mut builder = builder::Builder::new(file);
                let module = builder.module(pair);
                (Some(module), builder.into_diagnostics())
            }
            None => (None, vec![Diagnostic::error(Code::Syntax, "empty parse")]),
        },
        Err(error) => (None, vec![syntax_error(file, text, error)]),
    }
}

/// Whether `word` is a name a program may declare: not a keyword, and shaped like a name.
pub fn is_ident(word: &str) -> bool {
    ImgParser::parse(Rule::ident, word).is_ok_and(|mut pairs| pairs.next().is_some_and(|p| p.as_str() == word))
}

/// The parser and checker recurse on nesting; this bound keeps them far from the stack's end.
const MAX_DEPTH: usize = 64;

/// The offset of the first bracket nested deeper than [`MAX_DEPTH`], counting `(`, `[`, `{`
/// and `${` (inside or outside strings: an over-estimate is harmless).
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, byte) in text.bytes().enumerate() {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(offset);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn syntax_error(file: FileId, text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match error.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    // Point at the whole offending token where there is one, so the label is readable.
    let token_end = text
        .get(start..)
        .map(|rest| {
            let len = rest.find(|c: char| c.is_whitespace() || "()[]{},;\"".contains(c)).unwrap_or(rest.len());
            start + len.max(rest.chars().next().map_or(0, char::len_utf8))
        })
        .unwrap_or(start);
    let at_line_break = text.get(start..).is_some_and(|rest| rest.starts_with(['\n', '\r']));
    let end = if at_line_break { start } else { end.max(token_end).min(text.len()) };
    let found = text.get(start..end).filter(|s| !s.is_empty());
    let expected = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let message = match found {
        Some(found) => {
            let shown: String = found
                .chars()
                .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
                .collect();
            format!("unexpected `{shown}`")
        }
        None if start >= text.len() => "unexpected end of file".to_string(),
        None => "unexpected line break".to_string(),
    };
    Diagnostic::error(Code::Syntax, message)
        .with_label(Span::new(file, start..end), format!("expected {expected}"))
        .with_help("see the language reference in the book for the shape of each statement")
}

/// Turns pest's expected-rule list into words a user knows.
fn describe_expected(rules: &[Rule]) -> String {
    let mut words: Vec<&str> = rules.iter().map(|rule| rule_description(*rule)).collect();
    words.sort_unstable();
    words.dedup();
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn rule_description(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::expr | Rule::term | Rule::number | Rule::string | Rule::list | Rule::map | Rule::boolean => "a value",
        Rule::ident | Rule::word | Rule::callee => "a name",
        Rule::type_expr => "a type",
        Rule::block => "`{`",
        Rule::entries | Rule::entry => "`{ KEY = value }`",
        Rule::key => "a key",
        Rule::clause | Rule::clause_keyword => "an option",
        Rule::arguments | Rule::clause_options => "`(`",
        Rule::env_scope => "`build`, `both`, `runtime`",
        Rule::kw_none => "`none`",
        Rule::interpolation | Rule::escape | Rule::text => "string text",
        _ => "a statement",
    }
}
