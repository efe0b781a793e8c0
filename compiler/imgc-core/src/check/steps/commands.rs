//! Commands: shell or exec form, here-documents, and the commands that run in the container
//! (`cmd`, `entrypoint`, `healthcheck`).

use super::options::HEALTHCHECK_CLAUSES;
use crate::check::Checker;
use crate::check::scope::Env;
use crate::diagnostics::Code;
use crate::ir::{self, Command, Text, TextPart};
use crate::source::Span;
use crate::syntax::ast::{self, Clause, Expr};
use crate::types::Type;
use crate::value::Value;

/// A `heredoc(…)` call written as a `run` command or a `copy` source.
pub(super) fn heredoc_call(expr: &Expr) -> Option<&ast::Call> {
    match &expr.kind {
        ast::ExprKind::Call(call) if call.callee.len() == 1 && call.callee[0].name == "heredoc" => Some(&**call),
        _ => None,
    }
}

impl Checker<'_> {
    /// `heredoc(TEXT, name: "EOF", expand: false)`: a here-document, as a `copy`/`add` source
    /// (`in_copy`) or as a `run` command.
    pub(super) fn heredoc(&mut self, call: &ast::Call, in_copy: bool, env: &Env) -> Option<ir::Heredoc> {
        let span = call.span;
        let (mut content, mut name, mut expand) = (None, None, None);
        for (index, argument) in call.args.iter().enumerate() {
            let slot = match (&argument.name, index) {
                (None, 0) => &mut content,
                (Some(n), _) if n.name == "name" => &mut name,
                (Some(n), _) if n.name == "expand" => &mut expand,
                _ => {
                    let at = argument.name.as_ref().map_or(argument.value.span, |n| n.span);
                    self.error(
                        Code::UnknownNamedArgument,
                        at,
                        "`heredoc` takes its text, then `name:` and `expand:`",
                        "unexpected argument",
                        "write `heredoc(\"text\\n\", name: \"EOF\", expand: false)`",
                    );
                    return None;
                }
            };
            *slot = Some(&argument.value);
        }
        let Some(content_expr) = content else {
            self.error(
                Code::MissingArgument,
                span,
                "`heredoc` needs the document's text",
                "no text",
                "write `heredoc(\"text\\n\")`",
            );
            return None;
        };
        let typed = self.eval(content_expr, Some(&Type::String), env)?;
        let content = self.instruction_text(typed, content_expr.span, "a here-document")?;
        let name = match name {
            Some(expr) => self.compile_time(expr, &Type::String, env, "a here-document's name")?,
            None => Value::Text(Text::value("EOF")),
        };
        let name = name.scalar_text().and_then(|t| t.as_literal()).unwrap_or_default();
        let expand = match expand {
            Some(expr) => matches!(self.compile_time(expr, &Type::Bool, env, "`expand`")?, Value::Bool(true)),
            None => false,
        };
        let display = content.display();
        let problem = if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
            Some("a here-document's name is letters, digits, `_`, `.` and `-`".to_string())
        } else if !display.is_empty() && !display.ends_with('\n') {
            Some("a here-document's text ends with a line break".to_string())
        } else if display.lines().any(|line| line == name) {
            Some(format!("the text has a line `{name}`, which would end the here-document early"))
        } else if display.contains('\0') {
            Some("a here-document cannot contain a NUL character".to_string())
        } else if !in_copy && expand {
            Some("builders do not expand variables in a `run` here-document".to_string())
        } else if !expand && content.args().next().is_some() {
            Some("a here-document expands build arguments only with `expand: true` (and never in `run`)".to_string())
        } else if expand && content.0.iter().any(|p| matches!(p, TextPart::Value(v) if v.contains(['$', '\\']))) {
            Some("a value inserted into an expanded here-document cannot hold `$` or `\\`".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            self.error(
                Code::InvalidLiteral,
                span,
                problem,
                "not a here-document",
                "see `heredoc` in the language reference",
            );
            return None;
        }
        Some(ir::Heredoc { name, content, expand })
    }

    /// Every value in a shell command can be escaped for the place it is inserted (E0040).
    pub(super) fn check_quotable(&mut self, script: &Text, span: Span) -> Option<()> {
        let Some(problem) = crate::shell::unquotable(script) else { return Some(()) };
        self.error(Code::NotQuotable, span, problem.problem, "inserted here", problem.help);
        None
    }

    /// A shell-form (string) or exec-form (list) command.
    pub(super) fn command(&mut self, expr: &Expr, env: &Env, what: &str) -> Option<Command> {
        let typed = self.eval(expr, None, env)?;
        match typed.value {
            Value::Text(text) | Value::Raw(text) => {
                if text.literal_parts().any(|s| s.contains('\0')) {
                    self.error(
                        Code::NotExpressible,
                        expr.span,
                        "a command cannot contain a NUL character",
                        "has a NUL",
                        "remove the NUL character",
                    );
                    return None;
                }
                // Blank: no argument, and white space only (an argument is written `${name}`).
                if text.args().next().is_none() && text.literal_parts().all(|s| s.trim().is_empty()) {
                    self.error(
                        Code::InvalidLiteral,
                        expr.span,
                        format!("`{what}` needs a command"),
                        "empty command",
                        "write the command to run",
                    );
                    return None;
                }
                self.check_quotable(&text, expr.span)?;
                Some(Command::Shell(text))
            }
            Value::List(items)
                if typed.ty.fits(&Type::List(Box::new(Type::String)))
                    && (!items.is_empty() || matches!(what, "cmd" | "entrypoint")) =>
            {
                let mut words = Vec::new();
                for item in items {
                    let word = match item {
                        Value::Secret(_) => {
                            self.secret_misuse(expr.span);
                            return None;
                        }
                        other => other.scalar_text()?,
                    };
                    words.push(word);
                }
                Some(Command::Exec(words))
            }
            Value::Secret(_) => {
                self.secret_misuse(expr.span);
                None
            }
            _ => {
                self.error(
                    Code::TypeMismatch,
                    expr.span,
                    format!(
                        "`{what}` takes a string (shell form) or a non-empty list of strings (exec form), found `{}`",
                        typed.ty
                    ),
                    "not a command",
                    "write `\"cmd args\"` or `[\"cmd\", \"args\"]`",
                );
                None
            }
        }
    }

    /// `cmd`, `entrypoint` and healthcheck commands run in the container, where build arguments
    /// have no value.
    pub(super) fn runtime_command(&mut self, expr: &Expr, env: &Env, what: &str) -> Option<Command> {
        let command = self.command(expr, env, what)?;
        let words: Vec<&Text> = match &command {
            Command::Exec(words) | Command::Chain(words) => words.iter().collect(),
            Command::Shell(text) => vec![text],
            Command::Heredoc(heredoc) => vec![&heredoc.content],
        };
        if let Some(name) = words.iter().flat_map(|w| w.args()).next() {
            self.error(
                Code::ArgAtRuntime,
                expr.span,
                format!("build argument `{name}` has no value when the container runs"),
                "used in a runtime command",
                format!(
                    "pass it through the environment: `env {{ {upper} = {name} }}`, then use `${upper}` in a shell-form command",
                    upper = name.to_uppercase()
                ),
            );
            return None;
        }
        Some(command)
    }

    pub(super) fn healthcheck(&mut self, command: &Expr, clauses: &[Clause], env: &Env) -> Option<ir::Healthcheck> {
        let command = self.runtime_command(command, env, "healthcheck")?;
        let clauses = self.clauses(clauses, HEALTHCHECK_CLAUSES, "healthcheck")?;
        let mut health = ir::Healthcheck {
            command,
            interval_ms: None,
            timeout_ms: None,
            start_period_ms: None,
            start_interval_ms: None,
            retries: None,
        };
        for clause in clauses {
            self.no_options(clause)?;
            let value = self.clause_value(clause)?;
            if clause.keyword.name == "retries" {
                let Value::Int(n) = self.compile_time(value, &Type::Int, env, "`retries`")? else {
                    return None;
                };
                if n < 0 {
                    self.error(
                        Code::InvalidLiteral,
                        value.span,
                        "`retries` cannot be negative",
                        "negative",
                        "give 0 or more",
                    );
                    return None;
                }
                health.retries = Some(n);
                continue;
            }
            let Value::Duration { millis } = self.compile_time(value, &Type::Duration, env, "a duration")? else {
                return None;
            };
            match clause.keyword.name.as_str() {
                "interval" => health.interval_ms = Some(millis),
                "timeout" => health.timeout_ms = Some(millis),
                "start_period" => health.start_period_ms = Some(millis),
                _ => health.start_interval_ms = Some(millis),
            }
        }
        Some(health)
    }
}
