//! Statements inside stages and functions: each becomes IR instructions. Function calls expand
//! here, with their arguments checked against the parameters. `step` dispatches on the statement
//! kind; each kind's checks live in the file named for it.

mod args;
mod calls;
mod commands;
mod copy;
mod env;
mod operands;
mod options;
mod run;
mod stage;

pub use options::step_options;
pub(super) use stage::{StageBuilder, StepContext};

use super::Checker;
use super::scope::{Binding, Env};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::InstructionKind;
use crate::source::Span;
use crate::syntax::ast::{self, StatementKind};
use crate::types::Type;
use std::collections::HashMap;

impl Checker<'_> {
    /// Elaborates one statement. A step that becomes one instruction is checked by the function
    /// for its kind and pushed here; declarations, blocks, `env` and calls push their own.
    pub(super) fn step(
        &mut self,
        statement: &ast::Statement,
        env: &mut Env,
        builder: &mut StageBuilder,
        context: StepContext,
    ) {
        let span = statement.span;
        let instruction = match &statement.kind {
            StatementKind::Let(decl) => return self.let_step(decl, env),
            StatementKind::Arg(decl) if context.onbuild => self.trigger_arg(decl, env).map(InstructionKind::Arg),
            StatementKind::Arg(decl) if env.module == 0 && self.call_stack.is_empty() => {
                let def = self.stage_arg(decl, env);
                if let Some(def) = &def {
                    builder.declare_local_arg(&def.name);
                }
                def.map(InstructionKind::Arg)
            }
            StatementKind::Run { command, clauses } => self.run(command, clauses, env).map(InstructionKind::Run),
            StatementKind::Copy { from, sources, dest, clauses } => {
                self.copy(from.as_ref(), sources, dest, clauses, false, env).map(InstructionKind::Copy)
            }
            StatementKind::Add { sources, dest, clauses } => {
                self.copy(None, sources, dest, clauses, true, env).map(InstructionKind::Copy)
            }
            StatementKind::Env { scope, entries } => {
                return self.env_step(*scope, entries, span, env, builder, context);
            }
            StatementKind::Workdir(expr) => {
                self.operand(expr, &Type::Path, env, "a directory").map(InstructionKind::Workdir)
            }
            StatementKind::User(expr) => self.user(expr, env).map(InstructionKind::User),
            StatementKind::Expose(exprs) => {
                self.flat_operands(exprs, &Type::Port, env, "a port").map(InstructionKind::Expose)
            }
            StatementKind::Volume(exprs) => {
                self.flat_operands(exprs, &Type::Path, env, "a volume path").map(InstructionKind::Volume)
            }
            StatementKind::Label(entries) => Some(InstructionKind::Label(self.labels(entries, env))),
            StatementKind::Cmd(expr) => self.runtime_command(expr, env, "cmd").map(InstructionKind::Cmd),
            StatementKind::Entrypoint(expr) => {
                self.runtime_command(expr, env, "entrypoint").map(InstructionKind::Entrypoint)
            }
            StatementKind::Healthcheck(None) => Some(InstructionKind::Healthcheck(None)),
            StatementKind::Healthcheck(Some((command, clauses))) => {
                self.healthcheck(command, clauses, env).map(|health| InstructionKind::Healthcheck(Some(health)))
            }
            StatementKind::StopSignal(expr) => {
                self.operand(expr, &Type::Signal, env, "a signal").map(InstructionKind::StopSignal)
            }
            StatementKind::Shell(expr) => self.shell(expr, env).map(InstructionKind::Shell),
            StatementKind::OnBuild(body) => return self.onbuild(body, span, env, builder, context),
            StatementKind::Layer(body) => return self.layer(body, span, env, builder, context),
            StatementKind::Maintainer(expr) if !context.onbuild => {
                self.maintainer(expr, env).map(InstructionKind::Maintainer)
            }
            StatementKind::Call(call) => return self.call_step(call, env, builder, context),
            other => return self.misplaced(other, span),
        };
        if let Some(kind) = instruction {
            builder.push(kind, span, context);
        }
    }

    fn let_step(&mut self, decl: &ast::LetDecl, env: &mut Env) {
        let binding = self.let_value(decl, env).map_or(Binding::Invalid, Binding::Value);
        if let Some(earlier) = env.bind(&decl.name.name, binding, decl.name.span) {
            self.duplicate(&decl.name, earlier);
        }
    }

    /// `onbuild { … }`: every step inside becomes an `ONBUILD` trigger.
    fn onbuild(
        &mut self,
        body: &[ast::Statement],
        span: Span,
        env: &mut Env,
        builder: &mut StageBuilder,
        context: StepContext,
    ) {
        if context.onbuild {
            self.error(
                Code::Misplaced,
                span,
                "`onbuild` cannot be nested",
                "inside another onbuild",
                "put all triggers in one `onbuild { … }` block",
            );
            return;
        }
        let inner = StepContext { onbuild: true, ..context };
        env.frames.push(HashMap::new());
        for statement in body {
            self.step(statement, env, builder, inner);
        }
        env.frames.pop();
    }

    /// `layer { … }`: the steps inside, between two layer boundaries.
    fn layer(
        &mut self,
        body: &[ast::Statement],
        span: Span,
        env: &mut Env,
        builder: &mut StageBuilder,
        context: StepContext,
    ) {
        builder.push(InstructionKind::LayerBoundary, span, StepContext { onbuild: false, ..context });
        env.frames.push(HashMap::new());
        for statement in body {
            self.step(statement, env, builder, context);
        }
        env.frames.pop();
        builder.push(InstructionKind::LayerBoundary, span, StepContext { onbuild: false, ..context });
    }

    /// A statement written where it cannot go.
    fn misplaced(&mut self, kind: &StatementKind, span: Span) {
        let keyword = kind.keyword();
        let help = match kind {
            StatementKind::Arg(_) => "declare build arguments at the top of the file or directly in a stage",
            StatementKind::Directive { .. } => "directives are written at the top level of the compiled file",
            StatementKind::Maintainer(_) => "builders refuse `MAINTAINER` as an `ONBUILD` trigger",
            StatementKind::Stage(_) => "stages are declared at the top level, one after another",
            StatementKind::Import(_) => "imports go at the top of the file",
            StatementKind::Fn(_) => "functions are declared at the top level",
            _ => "see the language reference for where each statement goes",
        };
        self.error(
            Code::Misplaced,
            span,
            format!("`{keyword}` is not allowed here"),
            "not allowed in this block",
            help,
        );
    }

    fn duplicate(&mut self, name: &ast::Ident, earlier: Span) {
        self.push(
            Diagnostic::error(Code::Duplicate, format!("`{}` is defined twice in this block", name.name))
                .with_label(name.span, "defined again here")
                .with_secondary(earlier, "first defined here")
                .with_help("rename one of them"),
        );
    }
}
