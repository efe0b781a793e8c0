//! Blocks: statements one a line with the comments between them, blank lines kept (at most
//! one) and always around top-level `stage`, `image` and `fn` blocks.

use super::doc::{Doc, nest, text};
use super::{INDENT, Printer};
use crate::syntax::ast::{Statement, StatementKind, Trivia};

impl Printer<'_> {
    pub(super) fn top_level(&mut self, statements: &[Statement]) -> Doc {
        self.items(statements, 0, self.src.len(), None, &self.extra.trailing)
    }

    /// A `{ … }` block whose `{` is at `open` and `}` at `close`.
    pub(super) fn block(&mut self, statements: &[Statement], open: usize, close: usize) -> Doc {
        if statements.is_empty() && self.comments_in(open, close).is_empty() {
            return text("{}");
        }
        let items = self.items(statements, open + 1, close, Some(open + 1), &[]);
        Doc::Concat(vec![text("{"), nest(INDENT, items), Doc::Line, text("}")])
    }

    /// Statements and the comments around them, in `start..end`, then the `after` lines of a
    /// synthesized tree. `after_open` is the offset after an opening brace, for a comment on the
    /// brace's line.
    pub(super) fn items(
        &mut self,
        statements: &[Statement],
        start: usize,
        end: usize,
        after_open: Option<usize>,
        after: &[Trivia],
    ) -> Doc {
        let top = after_open.is_none();
        let ranges: Vec<(usize, usize)> = statements.iter().map(|s| (s.span.start as usize, s.end as usize)).collect();
        let inside_statement = |offset: usize| ranges.iter().any(|&(s, e)| offset >= s && offset < e);
        // Events: comments outside statements, and statements, by position.
        let mut events: Vec<(usize, Option<usize>)> = self
            .comments_in(start, end)
            .into_iter()
            .filter(|&i| !inside_statement(self.comments[i].range.start))
            .map(|i| (self.comments[i].range.start, Some(i)))
            .collect();
        events.extend(ranges.iter().map(|&(s, _)| (s, None)));
        events.sort_by_key(|&(offset, comment)| (offset, comment.is_none()));
        let mut lines =
            Lines { out: Vec::new(), top, printed_any: false, previous_was_block: false, follows_comment: false };
        let mut previous_end = after_open;
        let mut statement_index = 0;
        for (position, (offset, comment)) in events.iter().enumerate() {
            match comment {
                Some(index) if self.used[*index] => previous_end = Some(self.comments[*index].range.end),
                Some(index) => {
                    let same_line = previous_end.is_some_and(|p| !self.has_newline(p, *offset));
                    if same_line && (lines.printed_any || after_open.is_some()) {
                        lines.out.push(self.trailing(*index));
                    } else {
                        let blank = previous_end.is_some_and(|p| self.blank_between(p, *offset));
                        let attached =
                            lines.may_force_blank() && self.attached_to_block(&events[position..], statements);
                        let comment = self.take_comment(*index);
                        lines.comment(comment, blank, attached);
                    }
                    previous_end = Some(self.comments[*index].range.end);
                }
                None => {
                    let statement = &statements[statement_index];
                    let (_, content_end) = ranges[statement_index];
                    statement_index += 1;
                    let is_block = is_block(statement);
                    let mut blank = previous_end.is_some_and(|p| self.blank_between(p, *offset));
                    blank = lines.trivia(&statement.trivia, is_block) || blank;
                    let printed = self.statement_with_comments(statement);
                    lines.statement(printed, blank, is_block);
                    previous_end = Some(content_end);
                }
            }
        }
        lines.trivia(after, false);
        Doc::Concat(lines.out)
    }

    /// Whether the comments starting the events lead, without a blank line, to a block
    /// declaration (they describe it, so the blank line goes above them).
    fn attached_to_block(&self, events: &[(usize, Option<usize>)], statements: &[Statement]) -> bool {
        let mut previous_end: Option<usize> = None;
        for (offset, comment) in events {
            if previous_end.is_some_and(|p| self.blank_between(p, *offset)) {
                return false;
            }
            match comment {
                Some(index) => previous_end = Some(self.comments[*index].range.end),
                None => {
                    return statements.iter().any(|s| s.span.start as usize == *offset && is_block(s));
                }
            }
        }
        false
    }

    /// A statement; comments inside it that the layout has no place for go above it.
    fn statement_with_comments(&mut self, statement: &Statement) -> Doc {
        let printed = self.statement(statement);
        let mut out = Vec::new();
        for index in self.comments_in(statement.span.start as usize, statement.end as usize) {
            out.push(text(self.take_comment(index)));
            out.push(Doc::Line);
        }
        out.push(printed);
        Doc::Concat(out)
    }
}

fn is_block(statement: &Statement) -> bool {
    matches!(statement.kind, StatementKind::Fn(_) | StatementKind::Stage(_))
}

/// The lines of a block as they are printed, and what the layout of the next one depends on.
struct Lines {
    out: Vec<Doc>,
    top: bool,
    printed_any: bool,
    previous_was_block: bool,
    /// The last line printed is a comment.
    follows_comment: bool,
}

impl Lines {
    /// A comment line; `blank` when its author left a blank line above it, `attached` when it
    /// leads to a block declaration (whose blank line at the top level goes above it).
    fn comment(&mut self, comment: String, blank: bool, attached: bool) {
        let forced = self.top && self.printed_any && !self.follows_comment && (self.previous_was_block || attached);
        if (blank && self.printed_any) || forced {
            self.out.push(Doc::BlankLine);
        }
        if self.printed_any || !self.top {
            self.out.push(Doc::Line);
        }
        self.out.push(text(comment));
        self.printed_any = true;
        self.previous_was_block = false;
        self.follows_comment = true;
    }

    /// Whether a comment printed now may need a blank line above it for a block it leads to.
    fn may_force_blank(&self) -> bool {
        self.top && self.printed_any && !self.follows_comment && !self.previous_was_block
    }

    /// A statement; `blank` when its author left a blank line above it.
    fn statement(&mut self, printed: Doc, blank: bool, is_block: bool) {
        let forced = self.top && self.printed_any && (self.previous_was_block || is_block && !self.follows_comment);
        if (blank && self.printed_any) || forced {
            self.out.push(Doc::BlankLine);
        }
        if self.printed_any || !self.top {
            self.out.push(Doc::Line);
        }
        self.out.push(printed);
        self.printed_any = true;
        self.previous_was_block = is_block;
        self.follows_comment = false;
    }

    /// The lines a synthesized tree writes above a statement (a block declaration when
    /// `before_block`), as the same source would be printed. Whether a blank line ends them.
    fn trivia(&mut self, trivia: &[Trivia], before_block: bool) -> bool {
        let mut blank = false;
        for (index, line) in trivia.iter().enumerate() {
            match line {
                Trivia::BlankLine => blank = true,
                Trivia::Comment(comment) => {
                    let attached = before_block && !trivia[index..].contains(&Trivia::BlankLine);
                    self.comment(comment.clone(), blank, attached);
                    blank = false;
                }
            }
        }
        blank
    }
}
