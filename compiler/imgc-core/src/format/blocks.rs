//! Blocks: statements one a line with the comments between them, blank lines kept (at most
//! one) and always around top-level `stage`, `image` and `fn` blocks.

use super::doc::{Doc, nest, text};
use super::{INDENT, Printer};
use crate::syntax::ast::{Statement, StatementKind};

impl Printer<'_> {
    pub(super) fn top_level(&mut self, statements: &[Statement]) -> Doc {
        self.items(statements, 0, self.src.len(), None)
    }

    /// A `{ … }` block whose `{` is at `open` and `}` at `close`.
    pub(super) fn block(&mut self, statements: &[Statement], open: usize, close: usize) -> Doc {
        if statements.is_empty() && self.comments_in(open, close).is_empty() {
            return text("{}");
        }
        let items = self.items(statements, open + 1, close, Some(open + 1));
        Doc::Concat(vec![text("{"), nest(INDENT, items), Doc::Line, text("}")])
    }

    /// Statements and the comments around them, in `start..end`. `after_open` is the offset after
    /// an opening brace, for a comment on the brace's line.
    pub(super) fn items(
        &mut self,
        statements: &[Statement],
        start: usize,
        end: usize,
        after_open: Option<usize>,
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
        let mut out = Vec::new();
        let mut previous_end = after_open;
        let mut previous_was_block = false;
        let mut follows_comment_line = false;
        let mut statement_index = 0;
        let mut printed_any = false;
        for (position, (offset, comment)) in events.iter().enumerate() {
            match comment {
                Some(index) if self.used[*index] => previous_end = Some(self.comments[*index].range.end),
                Some(index) => {
                    let same_line = previous_end.is_some_and(|p| !self.has_newline(p, *offset));
                    if same_line && (printed_any || after_open.is_some()) {
                        out.push(self.trailing(*index));
                    } else {
                        let blank = previous_end.is_some_and(|p| self.blank_between(p, *offset)) && printed_any;
                        let forced = top
                            && printed_any
                            && !follows_comment_line
                            && (previous_was_block || self.attached_to_block(&events[position..], statements));
                        if blank || forced {
                            out.push(Doc::BlankLine);
                        }
                        if printed_any || !top {
                            out.push(Doc::Line);
                        }
                        out.push(text(self.take_comment(*index)));
                        printed_any = true;
                        previous_was_block = false;
                        follows_comment_line = true;
                    }
                    previous_end = Some(self.comments[*index].range.end);
                }
                None => {
                    let statement = &statements[statement_index];
                    let (_, content_end) = ranges[statement_index];
                    statement_index += 1;
                    let is_block = is_block(statement);
                    let blank = previous_end.is_some_and(|p| self.blank_between(p, *offset)) && printed_any;
                    let forced = top && printed_any && (previous_was_block || is_block && !follows_comment_line);
                    follows_comment_line = false;
                    if blank || forced {
                        out.push(Doc::BlankLine);
                    }
                    if printed_any || !top {
                        out.push(Doc::Line);
                    }
                    out.push(self.statement_with_comments(statement));
                    printed_any = true;
                    previous_was_block = is_block;
                    previous_end = Some(content_end);
                }
            }
        }
        Doc::Concat(out)
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
