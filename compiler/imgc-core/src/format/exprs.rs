//! Expressions, and the one-line form of every construct that has one (`None` when it must
//! break).

use super::sequences::{BRACES, Brackets, Item, LIST, PARENS};
use super::statements::type_text;
use super::{INDENT, Printer};
use crate::syntax::ast::{Call, Clause, Expr, ExprKind};

impl Printer<'_> {
    pub(super) fn expr(&mut self, expr: &Expr, indent: usize) {
        let start = expr.span.start as usize;
        let end = expr.span.end as usize;
        match &expr.kind {
            ExprKind::List(items) => {
                let items: Vec<Item> = items.iter().map(Item::Expr).collect();
                self.sequence(&LIST, start, end.saturating_sub(1), &items, indent);
            }
            ExprKind::Map(entries) => {
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.sequence(&BRACES, start, end.saturating_sub(1), &items, indent);
            }
            ExprKind::Call(call) => self.call(call, indent),
            ExprKind::Field { base, field } => {
                let parens = matches!(base.kind, ExprKind::Concat(_));
                if parens {
                    self.out.push('(');
                }
                self.expr(base, indent);
                if parens {
                    self.out.push(')');
                }
                self.out.push('.');
                self.out.push_str(&field.name);
            }
            ExprKind::Concat(terms) => {
                let broken = terms
                    .windows(2)
                    .any(|pair| self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize));
                for (index, term) in terms.iter().enumerate() {
                    if index > 0 {
                        self.out.push_str(" +");
                        if broken {
                            self.line_break(indent + INDENT);
                        } else {
                            self.out.push(' ');
                        }
                    }
                    let parens = matches!(term.kind, ExprKind::Concat(_));
                    if parens {
                        self.out.push('(');
                    }
                    self.expr(term, indent + INDENT);
                    if parens {
                        self.out.push(')');
                    }
                }
            }
            _ => {
                // Literals and names, exactly as written (comments inside interpolations too).
                for index in self.comments_in(start, end) {
                    self.used[index] = true;
                }
                self.out.push_str(self.text(start, end));
            }
        }
    }

    /// The expression without line breaks of the layout's own (a string may still span lines),
    /// or `None` when it cannot or should not be (a comment inside, a bracket its author broke the
    /// line after).
    pub(super) fn flat(&self, expr: &Expr) -> Option<String> {
        let start = expr.span.start as usize;
        let end = expr.span.end as usize;
        if self.any_comment_in(start, end) {
            return None;
        }
        match &expr.kind {
            ExprKind::List(items) => {
                let items: Vec<Item> = items.iter().map(Item::Expr).collect();
                self.flat_sequence(&LIST, start, end.saturating_sub(1), &items)
            }
            ExprKind::Map(entries) => {
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.flat_sequence(&BRACES, start, end.saturating_sub(1), &items)
            }
            ExprKind::Call(call) => self.flat_call(call),
            ExprKind::Field { base, field } => {
                let base_text = self.flat(base)?;
                let base_text =
                    if matches!(base.kind, ExprKind::Concat(_)) { format!("({base_text})") } else { base_text };
                Some(format!("{base_text}.{}", field.name))
            }
            ExprKind::Concat(terms) => {
                let mut parts = Vec::new();
                for pair in terms.windows(2) {
                    if self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize) {
                        return None;
                    }
                }
                for term in terms {
                    let text = self.flat(term)?;
                    parts.push(if matches!(term.kind, ExprKind::Concat(_)) { format!("({text})") } else { text });
                }
                Some(parts.join(" + "))
            }
            // A string may span lines; only its first and last lines count for the layout.
            _ => Some(self.text(start, end).to_string()),
        }
    }

    pub(super) fn flat_call(&self, call: &Call) -> Option<String> {
        let callee: Vec<&str> = call.callee.iter().map(|i| i.name.as_str()).collect();
        let after_callee = call.callee.last().map_or(call.span.start, |i| i.span.end) as usize;
        let open = self.find(after_callee, '(');
        let close = call.span.end.saturating_sub(1) as usize;
        let items: Vec<Item> = call.args.iter().map(Item::Argument).collect();
        Some(format!("{}{}", callee.join("."), self.flat_sequence(&PARENS, open, close, &items)?))
    }

    pub(super) fn flat_clause(&self, clause: &Clause) -> Option<String> {
        let mut text = clause.keyword.name.clone();
        if let Some(value) = &clause.value {
            text.push(' ');
            text.push_str(&self.flat(value)?);
        }
        if !clause.options.is_empty() {
            let after = clause.value.as_ref().map_or(clause.keyword.span.end, |v| v.span.end) as usize;
            let open = self.find(after, '(');
            let close = self.clause_end(clause).saturating_sub(1);
            let items: Vec<Item> = clause.options.iter().map(Item::Named).collect();
            text.push(' ');
            text.push_str(&self.flat_sequence(&PARENS, open, close, &items)?);
        }
        Some(text)
    }

    pub(super) fn flat_sequence(
        &self,
        brackets: &Brackets,
        open: usize,
        close: usize,
        items: &[Item],
    ) -> Option<String> {
        if self.any_comment_in(open, close) {
            return None;
        }
        let first = items.first().map_or(close, Item::start);
        if self.has_newline(open, first) {
            return None;
        }
        let mut parts = Vec::new();
        for item in items {
            parts.push(self.flat_item(item)?);
        }
        if parts.is_empty() {
            return Some(format!("{}{}", brackets.open, brackets.close));
        }
        let pad = if brackets.padded { " " } else { "" };
        Some(format!("{}{pad}{}{pad}{}", brackets.open, parts.join(", "), brackets.close))
    }

    pub(super) fn flat_item(&self, item: &Item) -> Option<String> {
        Some(match item {
            Item::Expr(e) => self.flat(e)?,
            Item::Entry(e) => {
                format!("{} = {}", self.text(e.key_span.start as usize, e.key_span.end as usize), self.flat(&e.value)?)
            }
            Item::Argument(a) => match &a.name {
                Some(name) => format!("{}: {}", name.name, self.flat(&a.value)?),
                None => self.flat(&a.value)?,
            },
            Item::Named(n) => format!("{}: {}", n.name.name, self.flat(&n.value)?),
            Item::Param(p) => match &p.default {
                Some(default) => format!("{}: {} = {}", p.name.name, type_text(&p.ty), self.flat(default)?),
                None => format!("{}: {}", p.name.name, type_text(&p.ty)),
            },
        })
    }
}
