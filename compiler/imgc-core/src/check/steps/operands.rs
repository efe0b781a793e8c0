//! Steps whose operands the builder expands in place: `workdir`, `user`, `expose`, `volume`,
//! `stopsignal`, `shell`, `maintainer`, and the checks every such operand goes through.

use crate::check::Checker;
use crate::check::scope::Env;
use crate::diagnostics::Code;
use crate::ir::Text;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};
use crate::types::Type;
use crate::value::{Typed, Value};

impl Checker<'_> {
    /// `user`: a name or id, without spaces.
    pub(super) fn user(&mut self, expr: &Expr, env: &Env) -> Option<Text> {
        let text = self.operand(expr, &Type::String, env, "a user")?;
        if text.as_literal().is_some_and(|u| u.is_empty() || u.contains(char::is_whitespace)) {
            self.error(
                Code::InvalidLiteral,
                expr.span,
                "a user is a name or id without spaces",
                "not a user",
                "write `\"app\"`, `\"10001\"` or `\"app:app\"`",
            );
            return None;
        }
        Some(text)
    }

    /// `shell [...]`: the shell's words, each a plain string.
    pub(super) fn shell(&mut self, expr: &Expr, env: &Env) -> Option<Vec<String>> {
        let typed = self.eval(expr, Some(&Type::List(Box::new(Type::String))), env)?;
        let Value::List(items) = typed.value else {
            return None;
        };
        let words: Vec<String> = items.iter().filter_map(|v| v.scalar_text().and_then(|t| t.as_literal())).collect();
        if words.len() != items.len() || words.is_empty() {
            self.error(
                Code::InvalidLiteral,
                expr.span,
                "a shell is a non-empty list of plain strings",
                "not a shell",
                "for example `shell [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`",
            );
            return None;
        }
        Some(words)
    }

    /// `maintainer`: written as is after `MAINTAINER`, which the builder neither expands nor
    /// unquotes.
    pub(super) fn maintainer(&mut self, expr: &Expr, env: &Env) -> Option<Text> {
        let text = self.operand(expr, &Type::String, env, "a maintainer")?;
        if let Some(name) = text.args().next() {
            self.error(
                Code::ArgAtRuntime,
                expr.span,
                format!("build argument `{name}` is not expanded in `maintainer`"),
                "a build argument",
                "the builder writes the maintainer as it is; give a literal name",
            );
            return None;
        }
        let literal = text.display();
        if literal.trim().is_empty() || literal.trim() != literal {
            self.error(
                Code::InvalidLiteral,
                expr.span,
                "a maintainer is a name without leading or trailing spaces",
                "not a maintainer",
                "for example `maintainer \"Jane Doe <jane@example.com>\"`",
            );
            return None;
        }
        Some(text)
    }

    /// One operand of an instruction that the builder expands (`WORKDIR`, `USER`, …).
    pub(super) fn operand(&mut self, expr: &Expr, ty: &Type, env: &Env, what: &str) -> Option<Text> {
        let typed = self.eval(expr, Some(ty), env)?;
        let text = self.instruction_text(typed, expr.span, what)?;
        self.check_expressible(&text, expr.span, what)?;
        Some(text)
    }

    /// Operands that may each be a value or a list of values (`expose 80, 443`, `expose ports`).
    pub(super) fn flat_operands(&mut self, exprs: &[Expr], ty: &Type, env: &Env, what: &str) -> Option<Vec<Text>> {
        let mut out = Vec::new();
        for expr in exprs {
            let list_type = Type::List(Box::new(ty.clone()));
            let expected = if matches!(expr.kind, ast::ExprKind::List(_)) { &list_type } else { ty };
            let typed = self.eval(expr, None, env).and_then(|t| {
                if matches!(t.value, Value::List(_)) { self.expect(t, Some(&list_type), expr.span) } else { None }
            });
            let typed = match typed {
                Some(t) => t,
                None => self.eval(expr, Some(expected), env)?,
            };
            match &typed.value {
                Value::List(items) => {
                    for item in items {
                        out.push(self.instruction_text(Typed::new(ty.clone(), item.clone()), expr.span, what)?);
                    }
                }
                _ => out.push(self.instruction_text(typed, expr.span, what)?),
            }
        }
        if out.is_empty() {
            let span = exprs.first().map_or_else(Span::default, |e| e.span);
            self.error(
                Code::MissingArgument,
                span,
                format!("this needs at least one {}", what.trim_start_matches("a ").trim_start_matches("an ")),
                "empty",
                "give at least one value, or remove the step",
            );
            return None;
        }
        for text in &out {
            self.check_expressible(text, exprs[0].span, what)?;
        }
        Some(out)
    }

    /// Newlines cannot be written in Dockerfile operands (only commands can carry them).
    pub(super) fn check_expressible(&mut self, text: &Text, span: Span, what: &str) -> Option<()> {
        // An argument's name holds neither.
        if text.literal_parts().any(|s| s.contains('\0')) {
            self.error(
                Code::NotExpressible,
                span,
                format!("{what} cannot contain a NUL character"),
                "has a NUL",
                "remove the NUL character",
            );
            return None;
        }
        if text.literal_parts().any(|s| s.contains(['\n', '\r'])) {
            self.error(
                Code::NotExpressible,
                span,
                format!("{what} cannot contain a line break in a Dockerfile"),
                "has a line break",
                "remove the line break; only run commands can span lines",
            );
            return None;
        }
        Some(())
    }
}
