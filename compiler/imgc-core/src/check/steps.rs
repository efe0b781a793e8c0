//! Statements inside stages and functions: each becomes IR instructions. Function calls expand
//! here, with their arguments checked against the parameters.

use super::Checker;
use super::scope::{Binding, Env};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    self, Command, Copy, CopySource, EnvScope, Instruction, InstructionKind, Mount, MountKind, Text, TextPart,
};
use crate::literals::{check_mode, is_env_name};
use crate::source::Span;
use crate::syntax::ast::{self, Clause, Expr, StatementKind};
use crate::types::Type;
use crate::value::{Typed, Value};
use std::collections::{BTreeMap, HashMap};

/// Where a step is being elaborated from.
#[derive(Debug, Clone, Copy)]
pub(super) struct StepContext {
    /// The outermost call in the compiled file, when inside a function.
    pub origin: Option<Span>,
    /// Inside `onbuild { … }`: every instruction is wrapped in `ONBUILD`.
    pub onbuild: bool,
}

/// Instructions of the stage being elaborated, and its runtime env (emitted once at the end).
#[derive(Default)]
pub(super) struct StageBuilder {
    instructions: Vec<Instruction>,
    runtime_env: BTreeMap<String, Text>,
    runtime_env_span: Option<(Span, Span)>,
    /// Names declared in the stage by `arg` or `env build`, which need no global `ARG`.
    local_args: Vec<String>,
}

impl StageBuilder {
    fn push(&mut self, kind: InstructionKind, span: Span, context: StepContext) {
        let kind = if context.onbuild { InstructionKind::OnBuild(Box::new(kind)) } else { kind };
        self.instructions.push(Instruction::new(kind, span, context.origin.unwrap_or(span)));
    }

    /// Closes the stage: runtime env after the last step, sorted; `ARG` redeclarations for the
    /// global build arguments the stage uses, at its start.
    pub(super) fn finish(mut self, global_args: &HashMap<String, Type>, _stage_span: Span) -> Vec<Instruction> {
        if let Some((span, origin)) = self.runtime_env_span {
            let vars: Vec<(String, Text)> = std::mem::take(&mut self.runtime_env).into_iter().collect();
            self.instructions.push(Instruction::new(
                InstructionKind::Env { scope: EnvScope::Runtime, vars },
                span,
                origin,
            ));
        }
        let mut used: Vec<(String, Span, Span)> = Vec::new();
        for instruction in &self.instructions {
            let mut names = Vec::new();
            collect_args(&instruction.kind, &mut names);
            for name in names {
                let global = (global_args.contains_key(&name)
                    || crate::literals::AUTOMATIC_ARGS.contains(&name.as_str()))
                    && !self.local_args.contains(&name);
                if global && !used.iter().any(|(n, _, _)| *n == name) {
                    used.push((name, instruction.span, instruction.origin));
                }
            }
        }
        let declarations = used.into_iter().map(|(name, span, origin)| {
            Instruction::new(InstructionKind::Arg(ir::ArgDef { name, default: None, span }), span, origin)
        });
        declarations.chain(self.instructions).collect()
    }
}

/// The build-argument names an instruction refers to.
fn collect_args(kind: &InstructionKind, out: &mut Vec<String>) {
    let mut texts: Vec<&Text> = Vec::new();
    let command_texts = |command: &'_ Command| -> Vec<Text> {
        match command {
            Command::Exec(words) | Command::Chain(words) => words.clone(),
            Command::Shell(text) => vec![text.clone()],
            Command::Heredoc(heredoc) => vec![heredoc.content.clone()],
        }
    };
    let mut owned: Vec<Text> = Vec::new();
    match kind {
        InstructionKind::Arg(def) => texts.extend(def.default.iter()),
        InstructionKind::Run(run) => {
            owned.extend(command_texts(&run.command));
            for mount in &run.mounts {
                texts.extend(mount.options.iter().map(|(_, v)| v));
            }
            texts.extend(run.devices.iter().map(|d| &d.name));
        }
        InstructionKind::Copy(copy) => {
            texts.extend(copy.sources.iter());
            texts.extend(copy.heredocs.iter().map(|h| &h.content));
            texts.push(&copy.dest);
            texts.extend(copy.chown.iter());
            texts.extend(copy.exclude.iter());
            if let Some(CopySource::Image(image)) = &copy.from {
                texts.push(image);
            }
        }
        InstructionKind::Env { vars, .. } | InstructionKind::Label(vars) => texts.extend(vars.iter().map(|(_, v)| v)),
        InstructionKind::Workdir(t)
        | InstructionKind::User(t)
        | InstructionKind::StopSignal(t)
        | InstructionKind::Maintainer(t) => texts.push(t),
        InstructionKind::Expose(list) | InstructionKind::Volume(list) => texts.extend(list.iter()),
        InstructionKind::Cmd(_) | InstructionKind::Entrypoint(_) | InstructionKind::Healthcheck(_) => {}
        InstructionKind::Shell(_) | InstructionKind::LayerBoundary => {}
        InstructionKind::OnBuild(inner) => collect_args(inner, out),
    }
    for text in texts.into_iter().chain(owned.iter()) {
        out.extend(text.args().map(str::to_string));
    }
}

/// Which options a step takes.
const RUN_CLAUSES: &[&str] = &["cache", "bind", "tmpfs", "secret", "ssh", "network", "security", "device"];
const COPY_CLAUSES: &[&str] = &["from", "chown", "chmod", "link", "exclude", "parents"];
const ADD_CLAUSES: &[&str] = &["chown", "chmod", "link", "exclude", "checksum", "keep_git_dir", "unpack"];
const HEALTHCHECK_CLAUSES: &[&str] = &["interval", "timeout", "start_period", "start_interval", "retries"];
/// The options a step takes (`run`, `copy`, `add`, `healthcheck`), for editors' completion.
pub fn step_options(step: &str) -> &'static [&'static str] {
    match step {
        "run" => RUN_CLAUSES,
        "copy" => COPY_CLAUSES,
        "add" => ADD_CLAUSES,
        "healthcheck" => HEALTHCHECK_CLAUSES,
        _ => &[],
    }
}

/// Options that may be given more than once.
const REPEATABLE: &[&str] = &["cache", "bind", "tmpfs", "secret", "ssh", "exclude", "device"];

/// A `heredoc(…)` call written as a `run` command or a `copy` source.
fn heredoc_call(expr: &Expr) -> Option<&ast::Call> {
    match &expr.kind {
        ast::ExprKind::Call(call) if call.callee.len() == 1 && call.callee[0].name == "heredoc" => Some(call),
        _ => None,
    }
}

impl Checker<'_> {
    pub(super) fn step(
        &mut self,
        statement: &ast::Statement,
        env: &mut Env,
        builder: &mut StageBuilder,
        context: StepContext,
    ) {
        let span = statement.span;
        match &statement.kind {
            StatementKind::Let(decl) => {
                let binding = self.let_value(decl, env).map_or(Binding::Invalid, Binding::Value);
                if let Some(earlier) = env.bind(&decl.name.name, binding, decl.name.span) {
                    self.duplicate(&decl.name, earlier);
                }
            }
            // A trigger's argument belongs to the build that uses this image: declared there,
            // with the default given here, and not a name in this stage.
            StatementKind::Arg(decl) if context.onbuild => {
                let default = match &decl.default {
                    Some(expr) => {
                        let ty = decl.ty.as_ref().and_then(|t| self.resolve_type(t)).unwrap_or(Type::String);
                        let Some(typed) = self.eval(expr, Some(&ty), env) else { return };
                        let Some(text) = self.instruction_text(&typed, expr.span, "a build argument") else { return };
                        Some(text)
                    }
                    None => None,
                };
                builder.push(
                    InstructionKind::Arg(ir::ArgDef { name: decl.name.name.clone(), default, span: decl.name.span }),
                    span,
                    context,
                );
            }
            StatementKind::Arg(decl) if env.module == 0 && self.call_stack.is_empty() => {
                let global = self.global_args.get(&decl.name.name).cloned();
                let written = match &decl.ty {
                    Some(t) => match self.resolve_type(t) {
                        Some(ty) => Some(ty),
                        None => {
                            env.bind(&decl.name.name, Binding::Invalid, decl.name.span);
                            return;
                        }
                    },
                    None => None,
                };
                let redeclared = global.is_some() && decl.default.is_none() && !decl.no_default;
                let def = if let (true, Some(global_ty)) = (redeclared, &global) {
                    // `arg NAME` naming a global argument brings it into the stage here.
                    if let Some(ty) = written.as_ref().filter(|ty| *ty != global_ty) {
                        self.error(
                            Code::TypeMismatch,
                            decl.ty.as_ref().map_or(decl.name.span, |t| t.span),
                            format!("build argument `{}` is a `{global_ty}` at the top, not a `{ty}`", decl.name.name),
                            "another type",
                            "leave the type out: the stage takes the global argument as it is",
                        );
                        env.bind(&decl.name.name, Binding::Invalid, decl.name.span);
                        return;
                    }
                    ir::ArgDef { name: decl.name.name.clone(), default: None, span: decl.name.span }
                } else {
                    let given = self.cli_value(&decl.name.name);
                    let Some(def) = self.arg_decl(decl, given.as_deref(), env) else {
                        env.bind(&decl.name.name, Binding::Invalid, decl.name.span);
                        return;
                    };
                    def
                };
                let ty = written.or(global).unwrap_or(Type::String);
                if let Some(earlier) = env.bind(
                    &decl.name.name,
                    Binding::Value(Typed::new(ty, Value::Arg(decl.name.name.clone()))),
                    decl.name.span,
                ) {
                    self.duplicate(&decl.name, earlier);
                    return;
                }
                builder.local_args.push(def.name.clone());
                builder.push(InstructionKind::Arg(def), span, context);
            }
            StatementKind::Run { command, clauses } => {
                if let Some(run) = self.run(command, clauses, env) {
                    builder.push(InstructionKind::Run(run), span, context);
                }
            }
            StatementKind::Copy { from, sources, dest, clauses } => {
                if let Some(copy) = self.copy(from.as_ref(), sources, dest, clauses, false, env) {
                    builder.push(InstructionKind::Copy(copy), span, context);
                }
            }
            StatementKind::Add { sources, dest, clauses } => {
                if let Some(copy) = self.copy(None, sources, dest, clauses, true, env) {
                    builder.push(InstructionKind::Copy(copy), span, context);
                }
            }
            StatementKind::Env { scope, entries } => self.env_step(*scope, entries, span, env, builder, context),
            StatementKind::Workdir(expr) => {
                if let Some(text) = self.operand(expr, &Type::Path, env, "a directory") {
                    builder.push(InstructionKind::Workdir(text), span, context);
                }
            }
            StatementKind::User(expr) => {
                if let Some(text) = self.operand(expr, &Type::String, env, "a user") {
                    if text.as_literal().is_some_and(|u| u.is_empty() || u.contains(char::is_whitespace)) {
                        self.error(
                            Code::InvalidLiteral,
                            expr.span,
                            "a user is a name or id without spaces",
                            "not a user",
                            "write `\"app\"`, `\"10001\"` or `\"app:app\"`",
                        );
                        return;
                    }
                    builder.push(InstructionKind::User(text), span, context);
                }
            }
            StatementKind::Expose(exprs) => {
                let ports = self.flat_operands(exprs, &Type::Port, env, "a port");
                if let Some(ports) = ports {
                    builder.push(InstructionKind::Expose(ports), span, context);
                }
            }
            StatementKind::Volume(exprs) => {
                if let Some(paths) = self.flat_operands(exprs, &Type::Path, env, "a volume path") {
                    builder.push(InstructionKind::Volume(paths), span, context);
                }
            }
            StatementKind::Label(entries) => {
                let mut labels = Vec::new();
                for (key, key_span, text) in self.entry_texts(entries, env, "a label value") {
                    if key.is_empty() {
                        self.error(
                            Code::InvalidLiteral,
                            key_span,
                            "a label key cannot be empty",
                            "empty key",
                            "use a reverse-DNS key like `org.opencontainers.image.version`",
                        );
                        continue;
                    }
                    labels.push((key, text));
                }
                builder.push(InstructionKind::Label(labels), span, context);
            }
            StatementKind::Cmd(expr) => {
                if let Some(command) = self.runtime_command(expr, env, "cmd") {
                    builder.push(InstructionKind::Cmd(command), span, context);
                }
            }
            StatementKind::Entrypoint(expr) => {
                if let Some(command) = self.runtime_command(expr, env, "entrypoint") {
                    builder.push(InstructionKind::Entrypoint(command), span, context);
                }
            }
            StatementKind::Healthcheck(None) => builder.push(InstructionKind::Healthcheck(None), span, context),
            StatementKind::Healthcheck(Some((command, clauses))) => {
                if let Some(health) = self.healthcheck(command, clauses, env) {
                    builder.push(InstructionKind::Healthcheck(Some(health)), span, context);
                }
            }
            StatementKind::StopSignal(expr) => {
                if let Some(text) = self.operand(expr, &Type::Signal, env, "a signal") {
                    builder.push(InstructionKind::StopSignal(text), span, context);
                }
            }
            StatementKind::Shell(expr) => {
                let Some(typed) = self.eval(expr, Some(&Type::List(Box::new(Type::String))), env) else {
                    return;
                };
                let Value::List(items) = typed.value else {
                    return;
                };
                let words: Vec<String> =
                    items.iter().filter_map(|v| v.scalar_text().and_then(|t| t.as_literal())).collect();
                if words.len() != items.len() || words.is_empty() {
                    self.error(
                        Code::InvalidLiteral,
                        expr.span,
                        "a shell is a non-empty list of plain strings",
                        "not a shell",
                        "for example `shell [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`",
                    );
                    return;
                }
                builder.push(InstructionKind::Shell(words), span, context);
            }
            StatementKind::OnBuild(body) => {
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
            StatementKind::Layer(body) => {
                builder.push(InstructionKind::LayerBoundary, span, StepContext { onbuild: false, ..context });
                env.frames.push(HashMap::new());
                for statement in body {
                    self.step(statement, env, builder, context);
                }
                env.frames.pop();
                builder.push(InstructionKind::LayerBoundary, span, StepContext { onbuild: false, ..context });
            }
            StatementKind::Maintainer(expr) if !context.onbuild => {
                if let Some(text) = self.maintainer(expr, env) {
                    builder.push(InstructionKind::Maintainer(text), span, context);
                }
            }
            StatementKind::Call(call) => self.call_step(call, env, builder, context),
            other => {
                let keyword = other.keyword();
                let help = match other {
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
        }
    }

    /// `maintainer`: written as is after `MAINTAINER`, which the builder neither expands nor
    /// unquotes.
    fn maintainer(&mut self, expr: &Expr, env: &Env) -> Option<Text> {
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

    fn duplicate(&mut self, name: &ast::Ident, earlier: Span) {
        self.push(
            Diagnostic::error(Code::Duplicate, format!("`{}` is defined twice in this block", name.name))
                .with_label(name.span, "defined again here")
                .with_secondary(earlier, "first defined here")
                .with_help("rename one of them"),
        );
    }

    /// One operand of an instruction that the builder expands (`WORKDIR`, `USER`, …).
    fn operand(&mut self, expr: &Expr, ty: &Type, env: &Env, what: &str) -> Option<Text> {
        let typed = self.eval(expr, Some(ty), env)?;
        let text = self.instruction_text(&typed, expr.span, what)?;
        self.check_expressible(&text, expr.span, what)?;
        Some(text)
    }

    /// Operands that may each be a value or a list of values (`expose 80, 443`, `expose ports`).
    fn flat_operands(&mut self, exprs: &[Expr], ty: &Type, env: &Env, what: &str) -> Option<Vec<Text>> {
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
                        out.push(self.instruction_text(&Typed::new(ty.clone(), item.clone()), expr.span, what)?);
                    }
                }
                _ => out.push(self.instruction_text(&typed, expr.span, what)?),
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
    fn check_expressible(&mut self, text: &Text, span: Span, what: &str) -> Option<()> {
        if text.display().contains('\0') {
            self.error(
                Code::NotExpressible,
                span,
                format!("{what} cannot contain a NUL character"),
                "has a NUL",
                "remove the NUL character",
            );
            return None;
        }
        if text.display().contains(['\n', '\r']) {
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

    fn run(&mut self, command_expr: &Expr, clauses: &[Clause], env: &Env) -> Option<ir::Run> {
        let command = match heredoc_call(command_expr) {
            Some(call) => {
                let heredoc = self.heredoc(call, false, env)?;
                self.check_quotable(&heredoc.content, command_expr.span)?;
                Command::Heredoc(heredoc)
            }
            None => self.command(command_expr, env, "run")?,
        };
        if let Command::Exec(words) = &command
            && words.iter().any(|w| w.args().next().is_some())
        {
            self.error(
                Code::ArgAtRuntime,
                command_expr.span,
                "build arguments are not expanded in an exec-form `run`",
                "exec form",
                "use the shell form (`run \"cmd ${arg}\"`), where the shell expands it",
            );
            return None;
        }
        let clauses = self.clauses(clauses, RUN_CLAUSES, "run")?;
        let mut run = ir::Run { command, mounts: Vec::new(), network: None, security: None, devices: Vec::new() };
        for clause in clauses {
            match clause.keyword.name.as_str() {
                "network" => run.network = Some(self.choice(clause, &["none", "host", "default"], env)?),
                "security" => run.security = Some(self.choice(clause, &["insecure", "sandbox"], env)?),
                "device" => run.devices.push(self.device(clause, env)?),
                _ => run.mounts.push(self.mount(clause, env)?),
            }
        }
        Some(run)
    }

    /// `device "NAME" (required: BOOL)`: a CDI device for the step.
    fn device(&mut self, clause: &Clause, env: &Env) -> Option<ir::Device> {
        let value = self.clause_value(clause)?;
        let name = self.operand(value, &Type::String, env, "a device name")?;
        if name.as_literal().is_some_and(|n| n.is_empty()) {
            self.error(Code::InvalidLiteral, value.span, "a device name cannot be empty", "empty", "name the device");
            return None;
        }
        let mut required = false;
        for option in &clause.options {
            if option.name.name != "required" {
                self.error(
                    Code::UnknownNamedArgument,
                    option.name.span,
                    format!("a device has no setting `{}`", option.name.name),
                    "unknown setting",
                    "settings: required",
                );
                return None;
            }
            let Value::Bool(flag) = self.compile_time(&option.value, &Type::Bool, env, "`required`")? else {
                return None;
            };
            required = flag;
        }
        Some(ir::Device { name, required })
    }

    /// `heredoc(TEXT, name: "EOF", expand: false)`: a here-document, as a `copy`/`add` source
    /// (`in_copy`) or as a `run` command.
    fn heredoc(&mut self, call: &ast::Call, in_copy: bool, env: &Env) -> Option<ir::Heredoc> {
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
        let content = self.instruction_text(&typed, content_expr.span, "a here-document")?;
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
    fn check_quotable(&mut self, script: &Text, span: Span) -> Option<()> {
        let Some(problem) = crate::shell::unquotable(script) else { return Some(()) };
        self.error(Code::NotQuotable, span, problem.problem, "inserted here", problem.help);
        None
    }

    /// A shell-form (string) or exec-form (list) command.
    fn command(&mut self, expr: &Expr, env: &Env, what: &str) -> Option<Command> {
        let typed = self.eval(expr, None, env)?;
        match typed.value {
            Value::Text(text) | Value::Raw(text) => {
                if text.display().contains('\0') {
                    self.error(
                        Code::NotExpressible,
                        expr.span,
                        "a command cannot contain a NUL character",
                        "has a NUL",
                        "remove the NUL character",
                    );
                    return None;
                }
                if text.display().trim().is_empty() {
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
    fn runtime_command(&mut self, expr: &Expr, env: &Env, what: &str) -> Option<Command> {
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

    /// Checks a step's options: known for this step, and not repeated unless repeatable.
    fn clauses<'c>(&mut self, clauses: &'c [Clause], allowed: &[&str], step: &str) -> Option<Vec<&'c Clause>> {
        let mut seen: Vec<&str> = Vec::new();
        let mut ok = true;
        for clause in clauses {
            let name = clause.keyword.name.as_str();
            if !allowed.contains(&name) {
                self.error(
                    Code::UnknownClause,
                    clause.keyword.span,
                    format!("`{step}` has no option `{name}`"),
                    "unknown option",
                    format!("`{step}` takes: {}", allowed.join(", ")),
                );
                ok = false;
            } else if seen.contains(&name) && !REPEATABLE.contains(&name) {
                self.error(
                    Code::UnknownClause,
                    clause.keyword.span,
                    format!("option `{name}` is given twice"),
                    "repeated",
                    "give each option once",
                );
                ok = false;
            }
            seen.push(name);
        }
        ok.then(|| clauses.iter().collect())
    }

    /// The value of an option that must be one of a few words.
    fn choice(&mut self, clause: &Clause, choices: &[&str], env: &Env) -> Option<String> {
        let value = self.clause_value(clause)?;
        let text =
            self.compile_time(value, &Type::String, env, "this option")?.scalar_text().and_then(|t| t.as_literal());
        let text = text.unwrap_or_default();
        if !choices.contains(&text.as_str()) {
            self.error(
                Code::InvalidLiteral,
                value.span,
                format!("`{}` must be one of: {}", clause.keyword.name, choices.join(", ")),
                "not one of the choices",
                format!("write one of: {}", choices.join(", ")),
            );
            return None;
        }
        self.no_options(clause)?;
        Some(text)
    }

    fn clause_value<'c>(&mut self, clause: &'c Clause) -> Option<&'c Expr> {
        if clause.value.is_none() {
            self.error(
                Code::MissingArgument,
                clause.span,
                format!("option `{}` needs a value", clause.keyword.name),
                "no value",
                format!("write `{} VALUE`", clause.keyword.name),
            );
        }
        clause.value.as_ref()
    }

    fn no_options(&mut self, clause: &Clause) -> Option<()> {
        if let Some(option) = clause.options.first() {
            self.error(
                Code::UnknownNamedArgument,
                option.name.span,
                format!("option `{}` takes no `(…)` settings", clause.keyword.name),
                "unexpected",
                "remove the parenthesised settings",
            );
            return None;
        }
        Some(())
    }

    /// A flag option (`link`, `parents`): true when present, or the bool it is given.
    fn flag(&mut self, clause: &Clause, env: &Env) -> Option<bool> {
        self.no_options(clause)?;
        match &clause.value {
            None => Some(true),
            Some(expr) => match self.compile_time(expr, &Type::Bool, env, "a flag")? {
                Value::Bool(b) => Some(b),
                _ => None,
            },
        }
    }

    fn mount(&mut self, clause: &Clause, env: &Env) -> Option<Mount> {
        let kind = match clause.keyword.name.as_str() {
            "cache" => MountKind::Cache,
            "bind" => MountKind::Bind,
            "tmpfs" => MountKind::Tmpfs,
            "secret" => MountKind::Secret,
            _ => MountKind::Ssh,
        };
        let allowed: &[(&str, Type)] = match kind {
            MountKind::Cache => &[
                ("id", Type::String),
                ("sharing", Type::String),
                ("from", Type::Image),
                ("source", Type::Path),
                ("mode", Type::String),
                ("uid", Type::Int),
                ("gid", Type::Int),
                ("readonly", Type::Bool),
            ],
            MountKind::Bind => &[("from", Type::Image), ("source", Type::Path), ("readwrite", Type::Bool)],
            MountKind::Tmpfs => &[("size", Type::Int)],
            MountKind::Secret => &[
                ("target", Type::Path),
                ("env", Type::String),
                ("required", Type::Bool),
                ("mode", Type::String),
                ("uid", Type::Int),
                ("gid", Type::Int),
            ],
            MountKind::Ssh => &[
                ("id", Type::String),
                ("target", Type::Path),
                ("required", Type::Bool),
                ("mode", Type::String),
                ("uid", Type::Int),
                ("gid", Type::Int),
            ],
        };
        let mut options: Vec<(String, Text)> = Vec::new();
        match kind {
            MountKind::Secret => {
                let value = self.clause_value(clause)?;
                let typed = self.eval(value, Some(&Type::Secret), env)?;
                let Value::Secret(id) = typed.value else {
                    return None;
                };
                options.push(("id".into(), Text::value(id)));
            }
            MountKind::Ssh => {
                if let Some(value) = &clause.value {
                    let text = self.operand(value, &Type::String, env, "an ssh id")?;
                    options.push(("id".into(), text));
                }
            }
            _ => {
                let value = self.clause_value(clause)?;
                let text = self.operand(value, &Type::Path, env, "a mount target")?;
                options.push(("target".into(), text));
            }
        }
        for option in &clause.options {
            let name = option.name.name.as_str();
            let Some((_, ty)) = allowed.iter().find(|(n, _)| *n == name) else {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                self.error(
                    Code::UnknownNamedArgument,
                    option.name.span,
                    format!("a {} mount has no setting `{name}`", kind.as_str()),
                    "unknown setting",
                    format!("settings: {}", names.join(", ")),
                );
                return None;
            };
            if options.iter().any(|(n, _)| n == name) {
                self.error(
                    Code::UnknownNamedArgument,
                    option.name.span,
                    format!("setting `{name}` is given twice"),
                    "repeated",
                    "give each setting once",
                );
                return None;
            }
            let typed = self.eval(&option.value, Some(ty), env)?;
            let text = match &typed.value {
                Value::Stage(index) => {
                    Text::value(self.stages[*index].dockerfile_name.clone().unwrap_or_else(|| index.to_string()))
                }
                Value::Image(None) => {
                    self.error(
                        Code::TypeMismatch,
                        option.value.span,
                        "a mount cannot come from `scratch`",
                        "scratch",
                        "mount from a stage or an image",
                    );
                    return None;
                }
                _ => self.instruction_text(&typed, option.value.span, "a mount setting")?,
            };
            let literal = text.as_literal().unwrap_or_default();
            let problem = match name {
                "sharing" if !matches!(literal.as_str(), "shared" | "private" | "locked") => {
                    Some("`sharing` is `shared`, `private` or `locked`".to_string())
                }
                "mode" => check_mode(&literal).err(),
                "env" if !is_env_name(&literal) => Some(format!("`{literal}` is not an environment variable name")),
                "size" | "uid" | "gid" if literal.starts_with('-') => Some(format!("`{name}` cannot be negative")),
                _ => None,
            };
            if let Some(problem) = problem {
                self.error(
                    Code::InvalidLiteral,
                    option.value.span,
                    problem,
                    "invalid setting",
                    "see the mount settings in the language reference",
                );
                return None;
            }
            options.push((name.to_string(), text));
        }
        Some(Mount { kind, options })
    }

    fn copy(
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
                let Some(text) = self.instruction_text(&item, source.span, "a source path") else {
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

    /// The key, key span and value text of each pair of an `env` or `label` step; a key given
    /// twice is an error.
    fn entry_texts(&mut self, entries: &ast::Entries, env: &Env, what: &str) -> Vec<(String, Span, Text)> {
        let mut pairs: Vec<(String, Span, Typed, Span)> = Vec::new();
        match entries {
            ast::Entries::Literal(entries) => {
                for entry in entries {
                    if pairs.iter().any(|(k, ..)| *k == entry.key) {
                        self.error(
                            Code::Duplicate,
                            entry.key_span,
                            format!("`{}` is given twice", entry.key),
                            "given again",
                            "give each key once",
                        );
                        continue;
                    }
                    if let Some(typed) = self.eval(&entry.value, None, env) {
                        pairs.push((entry.key.clone(), entry.key_span, typed, entry.value.span));
                    }
                }
            }
            ast::Entries::Map(expr) => {
                let Some(typed) = self.eval(expr, Some(&Type::Map(Box::new(Type::Unknown))), env) else {
                    return Vec::new();
                };
                let element = match &typed.ty {
                    Type::Map(inner) => inner.as_ref().clone(),
                    _ => Type::Unknown,
                };
                if let Value::Map(items) = typed.value {
                    for (key, value) in items {
                        pairs.push((key, expr.span, Typed::new(element.clone(), value), expr.span));
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (key, key_span, typed, value_span) in pairs {
            let Some(text) = self.instruction_text(&typed, value_span, what) else { continue };
            if self.check_expressible(&text, value_span, what).is_some() {
                out.push((key, key_span, text));
            }
        }
        out
    }

    fn env_step(
        &mut self,
        scope: ast::EnvScope,
        entries: &ast::Entries,
        span: Span,
        env: &Env,
        builder: &mut StageBuilder,
        context: StepContext,
    ) {
        let mut vars: Vec<(String, Text)> = Vec::new();
        for (key, key_span, text) in self.entry_texts(entries, env, "an environment value") {
            if !is_env_name(&key) {
                self.error(
                    Code::InvalidLiteral,
                    key_span,
                    format!("`{key}` is not an environment variable name"),
                    "invalid name",
                    "names are letters, digits and `_`, not starting with a digit",
                );
                continue;
            }
            vars.push((key, text));
        }
        let scope = match scope {
            ast::EnvScope::Runtime if context.onbuild => EnvScope::Both,
            ast::EnvScope::Runtime => {
                for (key, value) in vars {
                    builder.runtime_env.insert(key, value);
                }
                builder.runtime_env_span.get_or_insert((span, context.origin.unwrap_or(span)));
                return;
            }
            ast::EnvScope::Build => {
                if context.onbuild {
                    self.error(
                        Code::Misplaced,
                        span,
                        "`env build` is not allowed in `onbuild`",
                        "in onbuild",
                        "use `env both` for a trigger's environment",
                    );
                    return;
                }
                for (key, _) in &vars {
                    if self.global_args.contains_key(key) {
                        self.error(
                            Code::Duplicate,
                            span,
                            format!("`{key}` is already a build argument"),
                            "same name as an `arg`",
                            "build env is written as a Dockerfile ARG; give it another name",
                        );
                        return;
                    }
                    builder.local_args.push(key.clone());
                }
                EnvScope::Build
            }
            ast::EnvScope::Both => EnvScope::Both,
        };
        builder.push(InstructionKind::Env { scope, vars }, span, context);
    }

    fn healthcheck(&mut self, command: &Expr, clauses: &[Clause], env: &Env) -> Option<ir::Healthcheck> {
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

    /// Expands a function call in place: arguments checked against parameters, body elaborated
    /// in the function's own module with the parameters bound.
    fn call_step(&mut self, call: &ast::Call, env: &mut Env, builder: &mut StageBuilder, context: StepContext) {
        let Some((module, statement)) = self.resolve_function(call, env) else {
            return;
        };
        let graph = self.graph;
        let StatementKind::Fn(decl) = &graph.modules[module].ast.statements[statement].kind else {
            return;
        };
        let callee = call.callee.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(".");
        if self.call_stack.contains(&(module, statement)) {
            self.push(
                Diagnostic::error(Code::RecursiveFunction, format!("`{callee}` calls itself"))
                    .with_label(call.span, "recursive call")
                    .with_secondary(decl.name.span, "function declared here")
                    .with_help("functions expand at compile time, so they cannot recurse; write the steps out"),
            );
            return;
        }
        let Some(frame) = self.bind_arguments(call, decl, &callee, env, module) else {
            return;
        };
        let mut inner_env = Env { module, frames: vec![frame] };
        let inner_context = StepContext { origin: Some(context.origin.unwrap_or(call.span)), onbuild: context.onbuild };
        self.called.insert((module, statement));
        self.call_stack.push((module, statement));
        let first_new = self.diagnostics.len();
        for statement in &decl.body {
            self.step(statement, &mut inner_env, builder, inner_context);
        }
        self.call_stack.pop();
        // A problem inside the function also points at the call that reached it.
        self.diagnostics.label_from(first_new, call.span, format!("in this call to `{callee}`"));
    }

    /// Checks the bodies of functions no program step called, with unknown parameter values,
    /// so their errors are reported too.
    pub(super) fn check_uncalled_functions(&mut self) {
        let graph = self.graph;
        for (module, loaded) in graph.modules.iter().enumerate() {
            for (index, statement) in loaded.ast.statements.iter().enumerate() {
                let StatementKind::Fn(decl) = &statement.kind else { continue };
                if self.called.contains(&(module, index)) {
                    continue;
                }
                let mut env = Env { module, frames: vec![HashMap::new()] };
                for param in &decl.params {
                    if let (Some(ty), Some(default)) = (self.resolve_type(&param.ty), &param.default) {
                        self.eval(default, Some(&ty), &env);
                    }
                    env.bind(&param.name.name, Binding::Invalid, param.name.span);
                }
                let mut scratch = StageBuilder::default();
                let context = StepContext { origin: None, onbuild: false };
                self.call_stack.push((module, index));
                for statement in &decl.body {
                    self.step(statement, &mut env, &mut scratch, context);
                }
                self.call_stack.pop();
            }
        }
    }

    fn resolve_function(&mut self, call: &ast::Call, env: &Env) -> Option<(usize, usize)> {
        let names: Vec<&str> = call.callee.iter().map(|i| i.name.as_str()).collect();
        let (binding, span) = match names.as_slice() {
            [name] => (self.lookup(env, name), call.callee[0].span),
            [module, member] => match self.lookup(env, module) {
                Some(Binding::Module(target)) => {
                    let found = self.module_scope(target).get(*member).map(|(b, _)| b.clone());
                    if found.is_none() {
                        let members: Vec<String> = self
                            .module_scope(target)
                            .iter()
                            .filter(|(_, (b, _))| matches!(b, Binding::Function { .. }))
                            .map(|(k, _)| k.clone())
                            .collect();
                        let help = match super::scope::closest(member, &members) {
                            Some(close) => format!("did you mean `{module}.{close}`?"),
                            None => {
                                let mut members = members;
                                members.sort();
                                if members.is_empty() {
                                    format!("module `{module}` defines no function")
                                } else {
                                    format!("module `{module}` has: {}", members.join(", "))
                                }
                            }
                        };
                        self.error(
                            Code::UnknownName,
                            call.callee[1].span,
                            format!("module `{module}` has no function `{member}`"),
                            "not in the module",
                            help,
                        );
                        return None;
                    }
                    (found, call.callee[1].span)
                }
                None => {
                    self.unknown_name(env, module, call.callee[0].span);
                    return None;
                }
                Some(_) => {
                    self.error(
                        Code::TypeMismatch,
                        call.callee[0].span,
                        format!("`{module}` is not a module"),
                        "not a module",
                        "call `module.function(…)` on an imported module",
                    );
                    return None;
                }
            },
            _ => {
                let span = call.callee.first().map_or(call.span, |i| i.span);
                self.error(
                    Code::UnknownName,
                    span,
                    format!("`{}` is not a function", names.join(".")),
                    "not a function",
                    "call a function as `name(…)` or `module.name(…)`",
                );
                return None;
            }
        };
        match binding {
            Some(Binding::Function { module, statement }) => Some((module, statement)),
            None => {
                self.unknown_name(env, names[0], span);
                None
            }
            Some(_) => {
                self.error(
                    Code::TypeMismatch,
                    span,
                    format!("`{}` is not a function", names.join(".")),
                    "not a function",
                    "only functions declared with `fn` can be called",
                );
                None
            }
        }
    }

    /// Matches call arguments to parameters: positional first, then named; every parameter
    /// without a default must be given.
    fn bind_arguments(
        &mut self,
        call: &ast::Call,
        decl: &ast::FnDecl,
        callee: &str,
        env: &Env,
        fn_module: usize,
    ) -> Option<HashMap<String, (Binding, Span)>> {
        let mut frame: HashMap<String, (Binding, Span)> = HashMap::new();
        let mut ok = true;
        let positional: Vec<&ast::Argument> = call.args.iter().take_while(|a| a.name.is_none()).collect();
        if positional.len() > decl.params.len() {
            let extra = &positional[decl.params.len()];
            self.push(
                Diagnostic::error(
                    Code::ArgumentCount,
                    format!(
                        "`{callee}` takes {} argument{}, {} given",
                        decl.params.len(),
                        if decl.params.len() == 1 { "" } else { "s" },
                        positional.len()
                    ),
                )
                .with_label(extra.value.span, "extra argument")
                .with_secondary(decl.name.span, "function declared here")
                .with_help(format!("`{callee}({})`", signature(decl))),
            );
            return None;
        }
        for (param, argument) in decl.params.iter().zip(&positional) {
            ok &= self.bind_parameter(&mut frame, param, &argument.value, env, call.span);
        }
        for argument in &call.args[positional.len()..] {
            let Some(name) = &argument.name else {
                self.error(
                    Code::ArgumentCount,
                    argument.value.span,
                    "a positional argument cannot follow a named one",
                    "positional after named",
                    "put positional arguments first",
                );
                ok = false;
                continue;
            };
            let Some(param) = decl.params.iter().find(|p| p.name.name == name.name) else {
                let names: Vec<String> = decl.params.iter().map(|p| p.name.name.clone()).collect();
                let help = match super::scope::closest(&name.name, &names) {
                    Some(close) => {
                        format!("did you mean `{close}`? `{callee}({})`", signature(decl))
                    }
                    None => format!("`{callee}({})`", signature(decl)),
                };
                self.push(
                    Diagnostic::error(
                        Code::UnknownNamedArgument,
                        format!("`{callee}` has no parameter `{}`", name.name),
                    )
                    .with_label(name.span, "unknown parameter")
                    .with_secondary(decl.name.span, "function declared here")
                    .with_help(help),
                );
                ok = false;
                continue;
            };
            if frame.contains_key(&name.name) {
                self.error(
                    Code::UnknownNamedArgument,
                    name.span,
                    format!("`{}` is given twice", name.name),
                    "given again",
                    "give each argument once",
                );
                ok = false;
                continue;
            }
            ok &= self.bind_parameter(&mut frame, param, &argument.value, env, call.span);
        }
        for param in &decl.params {
            if frame.contains_key(&param.name.name) {
                continue;
            }
            match &param.default {
                Some(default) => {
                    let Some(ty) = self.resolve_type(&param.ty) else {
                        ok = false;
                        continue;
                    };
                    // A default may refer to the other parameters (`gid: int = uid`).
                    let mut fn_env = self.env(fn_module);
                    fn_env.frames[0] = frame.clone();
                    match self.eval(default, Some(&ty), &fn_env) {
                        Some(value) => {
                            frame.insert(param.name.name.clone(), (Binding::Value(value), param.name.span));
                        }
                        None => ok = false,
                    }
                }
                None => {
                    frame.insert(param.name.name.clone(), (Binding::Invalid, param.name.span));
                    self.push(
                        Diagnostic::error(
                            Code::MissingArgument,
                            format!("`{callee}` needs argument `{}`", param.name.name),
                        )
                        .with_label(call.span, format!("`{}` is missing", param.name.name))
                        .with_secondary(param.name.span, "parameter declared here")
                        .with_help(format!("`{callee}({})`", signature(decl))),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(frame)
    }

    fn bind_parameter(
        &mut self,
        frame: &mut HashMap<String, (Binding, Span)>,
        param: &ast::Param,
        value: &Expr,
        env: &Env,
        _call: Span,
    ) -> bool {
        let Some(ty) = self.resolve_type(&param.ty) else {
            return false;
        };
        match self.eval(value, Some(&ty), env) {
            Some(typed) => {
                frame.insert(param.name.name.clone(), (Binding::Value(typed), param.name.span));
                true
            }
            None => {
                frame.insert(param.name.name.clone(), (Binding::Invalid, param.name.span));
                false
            }
        }
    }
}

/// `name: type = default, …` for messages.
fn signature(decl: &ast::FnDecl) -> String {
    decl.params
        .iter()
        .map(|p| {
            let ty = match &p.ty.param {
                Some(inner) => format!("{}[{}]", p.ty.name.name, inner.name.name),
                None => p.ty.name.name.clone(),
            };
            if p.default.is_some() { format!("{}: {ty} = …", p.name.name) } else { format!("{}: {ty}", p.name.name) }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
