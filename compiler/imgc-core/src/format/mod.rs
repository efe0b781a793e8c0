//! The `.img` formatter: one canonical layout, comments kept.
//!
//! The layout: four spaces of indentation; one statement a line; at most one blank line where the
//! author left blank lines, and always one around top-level `stage`, `image` and `fn` blocks; a
//! trailing comment two spaces after its line. A list, map, argument list or option list stays on
//! one line when it fits in [`WIDTH`] columns, holds no comment, and its author did not break the
//! line after its opening bracket; otherwise it is written one item a line (with a trailing comma
//! where the grammar allows one). Step options follow the step on its line under the same rule
//! (their author breaking the line before the first option counts), or stand one a line, indented.
//! Literals (strings, numbers, names) are written exactly as in the source.
//!
//! Comments are found by [`crate::syntax::comments`] and placed by position: before the statement,
//! list item, entry or option that follows them, or after the one they end the line of. A
//! comment in a place the layout has no line for (inside an expression written on one line) is
//! moved above its statement. No comment is ever dropped.

mod blocks;
mod exprs;
mod sequences;
mod statements;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::comments::{Comment, comments};

/// The column a line should not pass when the layout has a choice.
pub const WIDTH: usize = 100;
const INDENT: usize = 4;

/// Formats `.img` source text. Fails with the syntax error when the text does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (module, diagnostics) = crate::syntax::parse(file, text);
    let Some(module) = module else {
        return Err(diagnostics);
    };
    let mut printer = Printer::new(text);
    printer.top_level(&module.statements);
    Ok(printer.finish())
}

struct Printer<'s> {
    src: &'s str,
    comments: Vec<Comment>,
    used: Vec<bool>,
    out: String,
}

impl<'s> Printer<'s> {
    fn new(src: &'s str) -> Printer<'s> {
        let comments = comments(src);
        let used = vec![false; comments.len()];
        Printer { src, comments, used, out: String::new() }
    }

    fn finish(mut self) -> String {
        // Any comment the layout did not reach (none is expected) goes at the end.
        for index in 0..self.comments.len() {
            if !self.used[index] {
                self.used[index] = true;
                let text = self.comments[index].text(self.src).to_string();
                self.line_break(0);
                self.out.push_str(&text);
            }
        }
        // The marker is free in the source (else it was never written, and text holding it stays).
        let trimmed = self.out.trim();
        let mut text = if self.src.contains(MARK) { trimmed.to_string() } else { align_trailing_comments(trimmed) };
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }

    // ---- output helpers ----

    /// A comment at the end of the current line. Comments ending consecutive lines are aligned
    /// (by [`align_trailing_comments`]) when the source leaves the marker free.
    pub(super) fn trailing(&mut self, text: &str) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push_str(if self.src.contains(MARK) { "  " } else { MARK_STR });
        self.out.push_str(text);
    }

    pub(super) fn col(&self) -> usize {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        line.chars().count()
    }

    /// Ends the line (dropping trailing spaces) and starts the next at `indent`.
    pub(super) fn line_break(&mut self, indent: usize) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.out.push_str(&" ".repeat(indent));
    }

    pub(super) fn blank_line(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    pub(super) fn text(&self, start: usize, end: usize) -> &'s str {
        self.src.get(start..end).unwrap_or("")
    }

    pub(super) fn has_newline(&self, start: usize, end: usize) -> bool {
        start < end && self.text(start, end).contains('\n')
    }

    /// Two line breaks between `start` and `end`: the author left a blank line.
    pub(super) fn blank_between(&self, start: usize, end: usize) -> bool {
        start < end && self.text(start, end).matches('\n').count() >= 2
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

    /// Where a statement's own text ends: its span may also cover trailing comments, spaces and
    /// a line-continuing backslash.
    pub(super) fn content_end(&self, start: usize, end: usize) -> usize {
        let mut end = end;
        loop {
            let trimmed = self.text(start, end).trim_end().len();
            end = start + trimmed;
            if let Some(comment) =
                self.comments.iter().find(|c| c.range.start >= start && c.range.start < end && end <= c.range.end + 1)
            {
                end = comment.range.start;
                continue;
            }
            if end > start && self.text(end - 1, end) == "\\" {
                end -= 1;
                continue;
            }
            return end;
        }
    }

    /// The offset of the first `needle` at or after `from`, outside comments (for brackets the
    /// syntax tree does not record).
    pub(super) fn find(&self, from: usize, needle: char) -> usize {
        let mut at = from;
        while let Some(rest) = self.src.get(at..) {
            let Some(offset) = rest.find(['#', needle]) else {
                return self.src.len();
            };
            at += offset;
            if self.src[at..].starts_with(needle) {
                return at;
            }
            at = self.src[at..].find('\n').map_or(self.src.len(), |n| at + n);
        }
        self.src.len()
    }
}

/// Stands where a trailing comment starts until the comments are aligned.
pub(super) const MARK: char = '\u{1}';
pub(super) const MARK_STR: &str = "\u{1}";

/// Aligns the trailing comments of consecutive lines two spaces after the longest of those lines.
pub(super) fn align_trailing_comments(text: &str) -> String {
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

/// Whether text written at column `col` keeps within [`WIDTH`]: its first line from `col`, its
/// last line from the start (lines between are inside a string, whose layout is the author's).
pub(super) fn fits(col: usize, text: &str) -> bool {
    let first = text.split('\n').next().unwrap_or("");
    let last = text.rsplit('\n').next().unwrap_or("");
    col + first.chars().count() <= WIDTH && (!text.contains('\n') || last.chars().count() <= WIDTH)
}
