//! Bracketed sequences (lists, maps, arguments, options, parameters): on one line when they
//! fit and hold no comment, otherwise one item a line.

use super::doc::{Doc, flat_alt, group, nest, text};
use super::{INDENT, Printer, type_text};
use crate::syntax::ast::{Argument, Entry, Expr, NamedArg, Param};

/// An item of a bracketed sequence.
pub(super) enum Item<'a> {
    Expr(&'a Expr),
    Entry(&'a Entry),
    Argument(&'a Argument),
    Named(&'a NamedArg),
    Param(&'a Param),
}

impl Item<'_> {
    pub(super) fn start(&self) -> usize {
        match self {
            Item::Expr(e) => e.span.start as usize,
            Item::Entry(e) => e.key_span.start as usize,
            Item::Argument(a) => a.name.as_ref().map_or(a.value.span.start, |n| n.span.start) as usize,
            Item::Named(n) => n.name.span.start as usize,
            Item::Param(p) => p.name.span.start as usize,
        }
    }

    pub(super) fn end(&self) -> usize {
        match self {
            Item::Expr(e) => e.span.end as usize,
            Item::Entry(e) => e.value.span.end as usize,
            Item::Argument(a) => a.value.span.end as usize,
            Item::Named(n) => n.value.span.end as usize,
            Item::Param(p) => p.default.as_ref().map_or(p.ty.span.end, |d| d.span.end) as usize,
        }
    }
}

/// How a sequence is punctuated.
pub(super) struct Brackets {
    pub(super) open: &'static str,
    pub(super) close: &'static str,
    /// Inline: `{ a }` rather than `{a}`.
    pub(super) padded: bool,
    /// Expanded: a comma after every item (lists, arguments); maps and entries use line breaks.
    pub(super) commas: bool,
}

pub(super) const LIST: Brackets = Brackets { open: "[", close: "]", padded: false, commas: true };
pub(super) const PARENS: Brackets = Brackets { open: "(", close: ")", padded: false, commas: true };
pub(super) const BRACES: Brackets = Brackets { open: "{", close: "}", padded: true, commas: false };

impl Printer<'_> {
    /// A bracketed sequence whose opening bracket is at `open` and closing one at `close`: a
    /// group, or broken when a comment is inside or its author broke the line after `open`.
    pub(super) fn sequence(&mut self, brackets: &Brackets, open: usize, close: usize, items: &[Item]) -> Doc {
        let first_start = items.first().map_or(close, Item::start);
        if self.any_comment_in(open, close) || self.has_newline(open, first_start) {
            return self.broken_sequence(brackets, open, close, items);
        }
        let pad = if brackets.padded && !items.is_empty() { " " } else { "" };
        let comma = if brackets.commas { "," } else { "" };
        let mut inner = vec![flat_alt(Doc::Line, text(pad))];
        let mut previous_end = open + 1;
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                let mut broken = vec![text(comma)];
                if self.blank_between(previous_end, item.start()) {
                    broken.push(Doc::BlankLine);
                }
                broken.push(Doc::Line);
                inner.push(flat_alt(Doc::Concat(broken), text(", ")));
            }
            inner.push(self.item(item));
            previous_end = item.end();
        }
        let last_comma = if items.is_empty() { "" } else { comma };
        group(Doc::Concat(vec![
            text(brackets.open),
            nest(INDENT, Doc::Concat(inner)),
            flat_alt(Doc::Concat(vec![text(last_comma), Doc::Line]), text(pad)),
            text(brackets.close),
        ]))
    }

    /// One item a line, with the comments between them.
    pub(super) fn broken_sequence(&mut self, brackets: &Brackets, open: usize, close: usize, items: &[Item]) -> Doc {
        let mut inner = Vec::new();
        let mut previous_end = open + 1;
        let mut first = true;
        for item in items {
            let start = item.start();
            for index in self.comments_in(previous_end, start) {
                if first && !self.has_newline(open, self.comments[index].range.start) {
                    inner.push(self.trailing(index));
                    continue;
                }
                if !first && self.blank_between(previous_end, self.comments[index].range.start) {
                    inner.push(Doc::BlankLine);
                }
                inner.push(Doc::Line);
                inner.push(text(self.take_comment(index)));
                previous_end = self.comments[index].range.end;
                first = false;
            }
            if !first && self.blank_between(previous_end, start) {
                inner.push(Doc::BlankLine);
            }
            inner.push(Doc::Line);
            inner.push(self.item(item));
            if brackets.commas {
                inner.push(text(","));
            }
            previous_end = item.end();
            first = false;
            let next_line = self.next_line(previous_end);
            for index in self.comments_in(previous_end, next_line.min(close)) {
                inner.push(self.trailing(index));
                previous_end = self.comments[index].range.end;
            }
        }
        for index in self.comments_in(previous_end, close) {
            if first && !self.has_newline(open, self.comments[index].range.start) {
                inner.push(self.trailing(index));
            } else {
                inner.push(Doc::Line);
                inner.push(text(self.take_comment(index)));
            }
            first = false;
        }
        Doc::Concat(vec![text(brackets.open), nest(INDENT, Doc::Concat(inner)), Doc::Line, text(brackets.close)])
    }

    fn item(&mut self, item: &Item) -> Doc {
        match item {
            Item::Expr(e) => self.expr(e),
            Item::Entry(e) => self.entry(e),
            Item::Argument(a) => match &a.name {
                Some(name) => Doc::Concat(vec![text(format!("{}: ", name.name)), self.expr(&a.value)]),
                None => self.expr(&a.value),
            },
            Item::Named(n) => Doc::Concat(vec![text(format!("{}: ", n.name.name)), self.expr(&n.value)]),
            Item::Param(p) => {
                let mut out = vec![text(format!("{}: {}", p.name.name, type_text(&p.ty)))];
                if let Some(default) = &p.default {
                    out.push(text(" = "));
                    out.push(self.expr(default));
                }
                Doc::Concat(out)
            }
        }
    }
}
