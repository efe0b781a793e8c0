//! Expressions: lists and maps as sequences, calls, fields, `+` chains (broken where their
//! author broke them), and literals and names exactly as written (from their values in a tree
//! without source: `literals`).

use super::doc::{Doc, nest, text};
use super::sequences::{BRACES, Item, LIST};
use super::{INDENT, Printer};
use crate::syntax::ast::{Expr, ExprKind, Layout};

impl Printer<'_> {
    pub(super) fn expr(&mut self, expr: &Expr) -> Doc {
        let start = expr.span.start as usize;
        let end = expr.span.end as usize;
        // No expression holding a comment is written on one line with what surrounds it.
        let commented = self.any_comment_in(start, end);
        let doc = match &expr.kind {
            ExprKind::List(items) => {
                let items: Vec<Item> = items.iter().map(Item::Expr).collect();
                if expr.layout == Layout::Broken {
                    self.broken_sequence(&LIST, start, end.saturating_sub(1), &items)
                } else {
                    self.sequence(&LIST, start, end.saturating_sub(1), &items)
                }
            }
            ExprKind::Map(entries) => {
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.sequence(&BRACES, start, end.saturating_sub(1), &items)
            }
            ExprKind::Call(call) => self.call(call),
            ExprKind::Field { base, field } => Doc::Concat(vec![self.operand(base), text(format!(".{}", field.name))]),
            ExprKind::Concat(terms) => {
                let broken = terms
                    .windows(2)
                    .any(|pair| self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize));
                let mut out = Vec::new();
                for (index, term) in terms.iter().enumerate() {
                    if index > 0 {
                        out.push(if broken { Doc::Concat(vec![text(" +"), Doc::Line]) } else { text(" + ") });
                    }
                    out.push(self.operand(term));
                }
                nest(INDENT, Doc::Concat(out))
            }
            _ if !self.parsed => self.value(expr),
            _ => {
                // Literals and names, exactly as written (comments inside interpolations too).
                for index in self.comments_in(start, end) {
                    self.used[index] = true;
                }
                text(self.text(start, end))
            }
        };
        if commented { Doc::Concat(vec![doc, Doc::Break]) } else { doc }
    }

    /// An operand of `+` or `.`: a `+` chain inside is parenthesized.
    fn operand(&mut self, expr: &Expr) -> Doc {
        let doc = self.expr(expr);
        if matches!(expr.kind, ExprKind::Concat(_)) { Doc::Concat(vec![text("("), doc, text(")")]) } else { doc }
    }
}
