//! Blocks: statements one a line with the comments between them, blank lines kept (at most
//! one) and always around top-level `stage`, `image` and `fn` blocks.

use super::{INDENT, Printer};
use crate::syntax::ast::{Statement, StatementKind};

impl Printer<'_> {
    pub(super) fn top_level(&mut self, statements: &[Statement]) {
        self.items(statements, 0, self.src.len(), 0, None);
    }

    /// A `{ … }` block whose `{` is at `open` and `}` at `close`.
    pub(super) fn block(&mut self, statements: &[Statement], open: usize, close: usize, indent: usize) {
        self.out.push('{');
        if statements.is_empty() && self.comments_in(open, close).is_empty() {
            self.out.push('}');
            return;
        }
        self.items(statements, open + 1, close, indent + INDENT, Some(open + 1));
        self.line_break(indent);
        self.out.push('}');
    }

    /// Statements and the comments around them, in `start..end`. `after_open` is the offset after
    /// an opening brace, for a comment on the brace's line.
    pub(super) fn items(
        &mut self,
        statements: &[Statement],
        start: usize,
        end: usize,
        indent: usize,
        after_open: Option<usize>,
    ) {
        let top = after_open.is_none();
        let ranges: Vec<(usize, usize)> = statements
            .iter()
            .map(|s| (s.span.start as usize, self.content_end(s.span.start as usize, s.span.end as usize)))
            .collect();
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
                        let text = self.take_comment(*index);
                        self.trailing(&text);
                    } else {
                        let blank = previous_end.is_some_and(|p| self.blank_between(p, *offset)) && printed_any;
                        let forced = top
                            && printed_any
                            && !follows_comment_line
                            && (previous_was_block || self.attached_to_block(&events[position..], statements));
                        if blank || forced {
                            self.blank_line();
                        }
                        self.start_line(indent, printed_any || !top);
                        let text = self.take_comment(*index);
                        self.out.push_str(&text);
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
                        self.blank_line();
                    }
                    self.start_line(indent, printed_any || !top);
                    self.statement_with_comments(statement, content_end, indent);
                    printed_any = true;
                    previous_was_block = is_block;
                    previous_end = Some(content_end);
                }
            }
        }
    }

    /// Whether the comments starting the events lead, without a blank line, to a block
    /// declaration (they describe it, so the blank line goes above them).
    pub(super) fn attached_to_block(&self, events: &[(usize, Option<usize>)], statements: &[Statement]) -> bool {
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

    pub(super) fn start_line(&mut self, indent: usize, break_first: bool) {
        if break_first {
            self.line_break(indent);
        } else {
            self.out.push_str(&" ".repeat(indent));
        }
    }

    /// Prints a statement; comments inside it that the layout cannot place go above it.
    pub(super) fn statement_with_comments(&mut self, statement: &Statement, content_end: usize, indent: usize) {
        let saved = std::mem::take(&mut self.out);
        self.out.push_str(&" ".repeat(indent));
        self.statement(statement, content_end, indent);
        let printed = std::mem::replace(&mut self.out, saved);
        let leftovers = self.comments_in(statement.span.start as usize, content_end);
        // The line is already started at `indent`; put the leftovers there first.
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        for index in leftovers {
            let text = self.take_comment(index);
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(&text);
            self.out.push('\n');
        }
        self.out.push_str(&printed);
    }
}

pub(super) fn is_block(statement: &Statement) -> bool {
    matches!(statement.kind, StatementKind::Fn(_) | StatementKind::Stage(_))
}
