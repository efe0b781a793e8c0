//! Parsing `.img` text into the syntax tree. The pest grammar stays behind [`parse`]: nothing
//! outside this module sees a pest type. A hand-written parser of the same grammar (`fast`) reads
//! the file first; pest, the reference, runs when it declines and reports the syntax errors.

pub mod ast;
mod builder;
pub mod comments;
mod errors;
mod fast;
pub mod incremental;
mod scan;
mod tree;

pub(crate) use builder::parse_duration;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "syntax/grammar.pest"]
struct ImgParser;

/// Parses one file. Syntax errors give no tree; after one, reading resumes at the next statement
/// where that is safe, so a file reports several. Malformed literals are collected and the tree
/// is still returned.
pub fn parse(file: FileId, text: &str) -> (Option<ast::Module>, Vec<Diagnostic>) {
    if let Some(position) = too_deep(text) {
        let diagnostic = Diagnostic::error(Code::Syntax, "brackets are nested too deeply")
            .with_label(Span::new(file, position..position + 1), format!("more than {MAX_DEPTH} levels deep"))
            .with_help("flatten the expression; no program needs this much nesting");
        return (None, vec![diagnostic]);
    }
    // The fast parser accepts exactly what pest accepts, with the same tree; pest runs when it
    // declines, to report the errors (or, on a text too long for it, to parse).
    let tree = match fast::parse(text) {
        Some(tree) => tree,
        None => match ImgParser::parse(Rule::file, text) {
            Ok(pairs) => match tree::from_pest(text, pairs) {
                Some(tree) => tree,
                None => return (None, vec![Diagnostic::error(Code::Syntax, "the file is too long")]),
            },
            Err(error) => return (None, syntax_errors(file, text, error)),
        },
    };
    match tree.root() {
        Some(root) => {
            let mut builder = builder::Builder::new(file);
            let module = builder.module(root);
            (Some(module), builder.into_diagnostics())
        }
        None => (None, vec![Diagnostic::error(Code::Syntax, "empty parse")]),
    }
}

/// Where the hand-written parser and pest disagree on `text`, described; `None` when both reject
/// it or both accept it with the same tree. For the differential tests and the fuzz target.
#[doc(hidden)]
pub fn fast_parser_disagreement(text: &str) -> Option<String> {
    if too_deep(text).is_some() {
        return None;
    }
    let fast = fast::parse(text);
    let reference = ImgParser::parse(Rule::file, text).ok().map(|pairs| tree::from_pest(text, pairs));
    match (fast, reference) {
        (None, None) => None,
        (Some(_), None) => Some("the fast parser accepts what pest rejects".to_string()),
        (None, Some(_)) => Some("the fast parser rejects what pest accepts".to_string()),
        (Some(fast), Some(reference)) if Some(&fast) == reference.as_ref() => None,
        (Some(fast), Some(reference)) => {
            let reference = reference.map(|tree| tree.nodes).unwrap_or_default();
            let at = fast
                .nodes
                .iter()
                .zip(&reference)
                .position(|(a, b)| a != b)
                .unwrap_or(reference.len().min(fast.nodes.len()));
            Some(format!("the trees differ at node {at}: fast {:?}, pest {:?}", fast.nodes.get(at), reference.get(at)))
        }
    }
}

/// At most this many syntax errors are reported for one file.
const MAX_SYNTAX_ERRORS: usize = 10;

/// Files longer than this get one syntax error: reading on would parse them again and again.
const MAX_RECOVERY_LEN: usize = 64 * 1024;

/// Describes the first syntax error, then blanks its statement out and reads on while that is
/// safe.
fn syntax_errors(file: FileId, text: &str, first: pest::error::Error<Rule>) -> Vec<Diagnostic> {
    let mut work = text.to_string();
    let mut diagnostics = Vec::new();
    let mut failure = errors::Failure::new(&first);
    loop {
        let (diagnostic, after) = errors::describe(file, &work, &failure);
        diagnostics.push(diagnostic);
        if after == errors::After::Stop || diagnostics.len() >= MAX_SYNTAX_ERRORS || text.len() > MAX_RECOVERY_LEN {
            break;
        }
        let Some(region) = errors::resume(&work, failure.position) else { break };
        // Same byte length, same line breaks: offsets after the region stay right.
        let blanked: String = work[region.clone()]
            .chars()
            .map(|c| if c == '\n' { "\n".to_string() } else { " ".repeat(c.len_utf8()) })
            .collect();
        work.replace_range(region.clone(), &blanked);
        match ImgParser::parse(Rule::file, &work) {
            Err(next) => {
                let next = errors::Failure::new(&next);
                if next.position < region.end {
                    break;
                }
                failure = next;
            }
            Ok(_) => break,
        }
    }
    diagnostics
}

/// What the parser records beside the tree of `text`: its comments (found by the lexical scan of
/// [`comments`], which follows the grammar's rules) and its line breaks.
pub fn module_extra(file: FileId, text: &str) -> ast::ModuleExtra {
    let comments = comments::comments(text).into_iter().map(|c| Span::new(file, c.range)).collect();
    let newlines = text.match_indices('\n').filter_map(|(offset, _)| u32::try_from(offset).ok()).collect();
    ast::ModuleExtra { comments, newlines, trailing: Vec::new() }
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
