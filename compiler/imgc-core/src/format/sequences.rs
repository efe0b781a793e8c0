//! Bracketed sequences (lists, maps, arguments, options, parameters): on one line when they
//! fit and hold no comment, otherwise one item a line.

use super::statements::type_text;
use super::{INDENT, Printer, fits};
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
    /// A bracketed sequence whose opening bracket is at `open` and closing one at `close`.
    pub(super) fn sequence(&mut self, brackets: &Brackets, open: usize, close: usize, items: &[Item], indent: usize) {
        let inline = self.flat_sequence(brackets, open, close, items).filter(|line| fits(self.col(), line));
        if let Some(line) = inline {
            self.out.push_str(&line);
            return;
        }
        self.out.push_str(brackets.open);
        let inner = indent + INDENT;
        let mut previous_end = open + 1;
        let mut first = true;
        for item in items {
            let start = item.start();
            for index in self.comments_in(previous_end, start) {
                if first && !self.has_newline(open, self.comments[index].range.start) {
                    let text = self.take_comment(index);
                    self.trailing(&text);
                    continue;
                }
                let blank = !first && self.blank_between(previous_end, self.comments[index].range.start);
                if blank {
                    self.blank_line();
                }
                let text = self.take_comment(index);
                self.line_break(inner);
                self.out.push_str(&text);
                previous_end = self.comments[index].range.end;
                first = false;
            }
            if !first && self.blank_between(previous_end, start) {
                self.blank_line();
            }
            self.line_break(inner);
            self.item(item, inner);
            if brackets.commas {
                self.out.push(',');
            }
            previous_end = item.end();
            first = false;
            let next_line = self.src[previous_end..].find('\n').map_or(self.src.len(), |n| previous_end + n);
            for index in self.comments_in(previous_end, next_line.min(close)) {
                let text = self.take_comment(index);
                self.trailing(&text);
                previous_end = self.comments[index].range.end;
            }
        }
        for index in self.comments_in(previous_end, close) {
            let text = self.take_comment(index);
            if first && !self.has_newline(open, self.comments[index].range.start) {
                self.trailing(&text);
            } else {
                self.line_break(inner);
                self.out.push_str(&text);
            }
            first = false;
        }
        self.line_break(indent);
        self.out.push_str(brackets.close);
    }

    pub(super) fn item(&mut self, item: &Item, indent: usize) {
        match item {
            Item::Expr(e) => self.expr(e, indent),
            Item::Entry(e) => self.entry(e, indent),
            Item::Argument(a) => {
                if let Some(name) = &a.name {
                    self.out.push_str(&name.name);
                    self.out.push_str(": ");
                }
                self.expr(&a.value, indent);
            }
            Item::Named(n) => {
                self.out.push_str(&n.name.name);
                self.out.push_str(": ");
                self.expr(&n.value, indent);
            }
            Item::Param(p) => {
                self.out.push_str(&p.name.name);
                self.out.push_str(": ");
                self.out.push_str(&type_text(&p.ty));
                if let Some(default) = &p.default {
                    self.out.push_str(" = ");
                    self.expr(default, indent);
                }
            }
        }
    }
}
