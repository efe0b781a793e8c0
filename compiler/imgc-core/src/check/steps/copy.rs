//! `copy` and `add`: sources (from the context, a stage or an image, or here-documents),
//! destination and options.

use super::commands::heredoc_call;
use super::options::{ADD_CLAUSES, COPY_CLAUSES};
use crate::check::Checker;
use crate::check::scope::Env;
use crate::diagnostics::Code;
use crate::ir::{Copy, CopySource, Text, TextPart};
use crate::literals::check_mode;
use crate::source::Span;
use crate::syntax::ast::{self, Clause, Expr};
use crate::types::Type;
use crate::value::{Typed, Value};

impl Checker<'_> {
    pub(super) fn copy(
        &mut self,
        from: Option<&Expr>,
        sources: &[Expr],
        dest: &Expr,
        clauses: &[Clause],
        is_add: bool,
        env: &Env,
    ) -> Option<Copy> {
        let allowed = if is_add { ADD_CLAUSES } else { COPY_CLAUSES };
        let step = if is_add { "add" } else { "copy" };
        let clauses = self.clauses(clauses, allowed, step)?;
        let mut copy = Copy {
            is_add,
            from: None,
            sources: Vec::new(),
            heredocs: Vec::new(),
            dest: Text::default(),
            chown: None,
            chmod: None,
            link: false,
            parents: false,
            exclude: Vec::new(),
            checksum: None,
            keep_git_dir: None,
            unpack: None,
        };
        let from_clause = clauses.iter().find(|c| c.keyword.name == "from").and_then(|c| c.value.as_ref());
        if let Some(from_expr) = from.or(from_clause) {
            copy.from = Some(self.copy_source(from_expr, env)?);
        }
        let mut ok = true;
        for source in sources {
            if let Some(call) = heredoc_call(source) {
                match self.heredoc(call, true, env) {
                    Some(heredoc) => copy.heredocs.push(heredoc),
                    None => ok = false,
                }
                continue;
            }
            let Some(typed) = self.eval(source, None, env) else {
                ok = false;
                continue;
            };
            let items = match typed.value {
                Value::List(items) => items.into_iter().map(|v| Typed::new(Type::Path, v)).collect(),
                _ => match self.expect(typed, Some(&Type::Path), source.span) {
                    Some(t) => vec![t],
                    None => {
                        ok = false;
                        continue;
                    }
                },
            };
            for item in items {
                let Some(text) = self.instruction_text(item, source.span, "a source path") else {
                    ok = false;
                    continue;
                };
                if self.check_expressible(&text, source.span, "a path").is_none() {
                    ok = false;
                    continue;
                }
                if copy.from.is_none() && !self.check_context_path(&text, source.span, is_add) {
                    ok = false;
                    continue;
                }
                copy.sources.push(text);
            }
        }
        if copy.sources.is_empty() && copy.heredocs.is_empty() && ok {
            self.error(
                Code::MissingArgument,
                dest.span,
                format!("`{step}` needs at least one source"),
                "nothing to copy",
                format!("write `{step} \"src\" to \"/dest\"`"),
            );
            return None;
        }
        copy.dest = self.operand(dest, &Type::Path, env, "a destination")?;
        for clause in clauses {
            match clause.keyword.name.as_str() {
                "chown" => {
                    let value = self.clause_value(clause)?;
                    copy.chown = Some(self.operand(value, &Type::String, env, "an owner")?);
                }
                "chmod" => {
                    let value = self.clause_value(clause)?;
                    // A mode is a string: `755` as a number would be decimal.
                    let mode = self.compile_time(value, &Type::String, env, "a file mode")?;
                    let mode = mode.scalar_text().and_then(|t| t.as_literal()).unwrap_or_default();
                    if let Err(problem) = check_mode(&mode) {
                        self.error(
                            Code::InvalidLiteral,
                            value.span,
                            problem,
                            "not a mode",
                            "write the mode as a string: `\"755\"` or `\"u+x\"`",
                        );
                        return None;
                    }
                    copy.chmod = Some(mode);
                }
                "link" => copy.link = self.flag(clause, env)?,
                "parents" => copy.parents = self.flag(clause, env)?,
                "keep_git_dir" => copy.keep_git_dir = Some(self.flag(clause, env)?),
                "unpack" => copy.unpack = Some(self.flag(clause, env)?),
                "exclude" => {
                    let value = self.clause_value(clause)?;
                    let patterns =
                        self.flat_operands(std::slice::from_ref(value), &Type::Path, env, "an exclude pattern")?;
                    copy.exclude.extend(patterns);
                }
                "checksum" => {
                    let value = self.clause_value(clause)?;
                    let text = self.compile_time(value, &Type::String, env, "a checksum")?;
                    let text = text.scalar_text().and_then(|t| t.as_literal()).unwrap_or_default();
                    let valid = text
                        .strip_prefix("sha256:")
                        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
                    if !valid {
                        self.error(
                            Code::InvalidLiteral,
                            value.span,
                            "a checksum is `sha256:` and 64 hex digits",
                            "not a checksum",
                            "write `checksum \"sha256:…\"`",
                        );
                        return None;
                    }
                    copy.checksum = Some(text);
                }
                _ => {}
            }
        }
        ok.then_some(copy)
    }

    fn copy_source(&mut self, expr: &Expr, env: &Env) -> Option<CopySource> {
        if let ast::ExprKind::Name(name) = &expr.kind
            && self.lookup(env, name).is_none()
        {
            self.unknown_stage(name, expr.span);
            return None;
        }
        let typed = self.eval(expr, Some(&Type::Image), env)?;
        match typed.value {
            Value::Stage(index) => Some(CopySource::Stage(index)),
            Value::Image(Some(text)) => Some(CopySource::Image(text)),
            Value::Arg(name) => Some(CopySource::Image(Text(vec![TextPart::Arg(name)]))),
            _ => {
                self.error(
                    Code::TypeMismatch,
                    expr.span,
                    "files cannot be copied from `scratch`",
                    "scratch is empty",
                    "copy from a stage or an image",
                );
                None
            }
        }
    }

    /// A source read from the build context must stay inside it.
    fn check_context_path(&mut self, text: &Text, span: Span, is_add: bool) -> bool {
        let Some(path) = text.as_literal() else {
            return true;
        };
        if is_add && (path.contains("://") || path.starts_with("git@")) {
            return true;
        }
        if crate::literals::escapes_context(&path) {
            self.error(
                Code::ContextEscape,
                span,
                format!("`{path}` is outside the build context"),
                "escapes the context",
                "a build can only read files inside its context folder; move the file into it or widen the context",
            );
            return false;
        }
        true
    }
}
