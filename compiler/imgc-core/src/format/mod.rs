//! The `.img` formatter: one canonical layout, comments kept.
//!
//! The layout: four spaces of indentation; one statement a line; at most one blank line where the
//! author left blank lines, and always one around top-level `stage`, `image` and `fn` blocks; a
//! trailing comment two spaces after its line. A list, map, argument list or option list stays on
//! one line when it fits in [`WIDTH`] columns, holds no comment, and its author did not break the
//! line after its opening bracket; otherwise it is written one item a line (with a trailing comma
//! where the grammar allows one). Step options follow the step on its line under the same rule
//! (their author breaking the line before the first option counts, and so does a comment between
//! two options), or stand one a line, indented. Literals (strings, numbers, names) are written
//! exactly as in the source; a tree built without source ([`format_module`]) has its literals
//! written from their values (`literals`).
//!
//! Comments are placed by position: before the statement, list item, entry or option that
//! follows them, or after the one they end the line of. A comment in a place the layout has no
//! line for (inside an expression written on one line) is moved above its statement. No comment
//! is ever dropped.
//!
//! How: the parser records the comments and line breaks beside the tree
//! ([`crate::syntax::ast::ModuleExtra`]) and the spans of `( )` and `{ }` on the nodes; the
//! printer reads those (never scanning the source, whose text it copies only for literals and
//! comments; a synthesized tree's comments are on its statements, as `Trivia`) and builds a
//! document (`doc`: text, line breaks, nesting, groups that stay on one
//! line when they fit), which `doc::render` lays out.

mod blocks;
mod doc;
mod exprs;
mod literals;
mod sequences;
mod statements;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast::{Module, ModuleExtra, Statement, TypeExpr};
use crate::syntax::comments::Comment;
use doc::{Doc, text};

/// The column a line should not pass when the layout has a choice.
pub const WIDTH: usize = 100;
const INDENT: usize = 4;

/// Formats `.img` source text. Fails with the syntax error when the text does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (module, diagnostics) = crate::syntax::parse(file, text);
    let Some(module) = module else {
        return Err(diagnostics);
    };
    let mut printer = Printer::new(Some(text), &module.extra);
    let doc = printer.file(&module.statements);
    Ok(printer.finish(&doc::render(&doc)))
}

/// Formats a tree built without source text (as `imgc migrate` builds one): literals written
/// from their values, comments and blank lines from its [`Trivia`](crate::syntax::ast::Trivia),
/// lists and strings laid out as their [`Layout`](crate::syntax::ast::Layout) asks, the rest as
/// for a source with no line breaks.
pub fn format_module(module: &Module) -> String {
    let mut printer = Printer::new(None, &module.extra);
    let doc = printer.file(&module.statements);
    printer.finish(&doc::render(&doc))
}

struct Printer<'s> {
    /// The source, for the text of literals and comments as written (empty for a synthesized
    /// tree).
    src: &'s str,
    /// Whether the tree was parsed from `src`; a synthesized tree's literals are written from
    /// their values.
    parsed: bool,
    /// Whether trailing comments are aligned: the source leaves the marker free (else it was
    /// never written, and text holding it stays). A synthesized tree has no trailing comment.
    align: bool,
    extra: &'s ModuleExtra,
    comments: Vec<Comment>,
    used: Vec<bool>,
}

impl<'s> Printer<'s> {
    fn new(src: Option<&'s str>, extra: &'s ModuleExtra) -> Printer<'s> {
        let comments: Vec<Comment> =
            extra.comments.iter().map(|span| Comment { range: span.start as usize..span.end as usize }).collect();
        let used = vec![false; comments.len()];
        let align = src.is_some_and(|src| !src.contains(MARK));
        Printer { src: src.unwrap_or(""), parsed: src.is_some(), align, extra, comments, used }
    }

    /// The whole file's document; any comment the layout did not reach (none is expected) goes
    /// at the end.
    fn file(&mut self, statements: &[Statement]) -> Doc {
        let mut out = vec![self.top_level(statements)];
        for index in 0..self.comments.len() {
            if !self.used[index] {
                out.push(Doc::Line);
                out.push(text(self.take_comment(index)));
            }
        }
        Doc::Concat(out)
    }

    /// The laid-out text, its trailing comments aligned.
    fn finish(&self, laid_out: &str) -> String {
        let trimmed = laid_out.trim();
        let mut text = if self.align { align_trailing_comments(trimmed) } else { trimmed.to_string() };
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }

    // ---- the source, as the parser recorded it ----

    /// A comment at the end of the current line. Comments ending consecutive lines are aligned
    /// (by [`align_trailing_comments`]) when `align`.
    pub(super) fn trailing(&mut self, index: usize) -> Doc {
        let separator = if self.align { MARK_STR } else { "  " };
        Doc::Trailing(format!("{separator}{}", self.take_comment(index)))
    }

    pub(super) fn text(&self, start: usize, end: usize) -> &'s str {
        self.src.get(start..end).unwrap_or("")
    }

    pub(super) fn has_newline(&self, start: usize, end: usize) -> bool {
        self.extra.newlines_in(offset(start), offset(end)) > 0
    }

    /// The offset of the line break ending the line `at` is on (the end of the source on the last
    /// line).
    pub(super) fn next_line(&self, at: usize) -> usize {
        self.extra.next_newline(offset(at)).map_or(self.src.len(), |n| n as usize)
    }

    /// Two line breaks between `start` and `end`: the author left a blank line.
    pub(super) fn blank_between(&self, start: usize, end: usize) -> bool {
        self.extra.newlines_in(offset(start), offset(end)) >= 2
    }

    /// Unused comments that start in `start..end`, by index.
    pub(super) fn comments_in(&self, start: usize, end: usize) -> Vec<usize> {
        (0..self.comments.len())
            .filter(|&i| !self.used[i] && self.comments[i].range.start >= start && self.comments[i].range.start < end)
            .collect()
    }

    pub(super) fn any_comment_in(&self, start: usize, end: usize) -> bool {
        self.comments.iter().any(|c| c.range.start >= start && c.range.start < end)
    }

    pub(super) fn take_comment(&mut self, index: usize) -> String {
        self.used[index] = true;
        self.comments[index].text(self.src).to_string()
    }
}

/// Stands where a trailing comment starts until the comments are aligned.
const MARK: char = '\u{1}';
const MARK_STR: &str = "\u{1}";

/// Aligns the trailing comments of consecutive lines two spaces after the longest of those lines.
fn align_trailing_comments(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut index = 0;
    while index < lines.len() {
        if !lines[index].contains(MARK) {
            out.push(lines[index].to_string());
            index += 1;
            continue;
        }
        let group_end = (index..lines.len()).find(|&i| !lines[i].contains(MARK)).unwrap_or(lines.len());
        let width = lines[index..group_end]
            .iter()
            .map(|line| line.split(MARK).next().unwrap_or("").chars().count())
            .max()
            .unwrap_or(0);
        for line in &lines[index..group_end] {
            let (code, comment) = line.split_once(MARK).unwrap_or((line, ""));
            let pad = width - code.chars().count() + 2;
            out.push(format!("{code}{}{comment}", " ".repeat(pad)));
        }
        index = group_end;
    }
    out.join("\n")
}

/// A byte offset as the tree stores it.
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// A type as written: `list[string]`.
fn type_text(ty: &TypeExpr) -> String {
    match &ty.param {
        Some(inner) => format!("{}[{}]", ty.name.name, type_text(inner)),
        None => ty.name.name.clone(),
    }
}
