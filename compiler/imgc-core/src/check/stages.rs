//! Top-level declarations: stages (names, order, cycles), module scopes, build arguments, and
//! the elaboration of one stage.

use super::scope::{Binding, Env};
use super::steps::{StageBuilder, StepContext};
use super::{Checker, StageInfo};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, Text, TextPart};
use crate::literals::AUTOMATIC_ARGS;
use crate::literals::{check_image_reference, check_platform, is_dockerfile_stage_name, is_stage_name};
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind, StatementKind};
use crate::types::Type;
use crate::value::{Typed, Value};
use std::collections::{HashMap, HashSet};

impl Checker<'_> {
    /// First pass over the root file: stage names, duplicates, the image's place, and cycles.
    pub(super) fn declare_stages(&mut self, statements: &[ast::Statement]) {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut by_dockerfile_name: HashMap<String, (Span, bool)> = HashMap::new();
        let mut decls = Vec::new();
        let mut image_span: Option<Span> = None;
        for statement in statements {
            let StatementKind::Stage(decl) = &statement.kind else {
                continue;
            };
            let index = self.stages.len();
            if let Some(earlier) = image_span {
                let what = if decl.is_image { "a second `image` block" } else { "a stage after the `image` block" };
                self.push(
                    Diagnostic::error(Code::Misplaced, format!("{what} is not allowed"))
                        .with_label(statement.span, "after the image")
                        .with_secondary(earlier, "the image is declared here")
                        .with_help("a program builds one image, declared last; put helper stages before it"),
                );
            }
            if decl.is_image {
                image_span = Some(statement.span);
            }
            if let Some(name) = &decl.name {
                if !is_stage_name(&name.name) {
                    self.error(
                        Code::InvalidStageName,
                        name.span,
                        format!("`{}` is not a valid stage name", name.name),
                        "invalid name",
                        "stage names start with a lowercase letter and use lowercase letters, digits and `_`",
                    );
                }
                if let Some(&earlier) = by_name.get(&name.name) {
                    let earlier_span = self.stages[earlier].span;
                    self.push(
                        Diagnostic::error(Code::DuplicateStage, format!("stage `{}` is declared twice", name.name))
                            .with_label(name.span, "declared again here")
                            .with_secondary(earlier_span, "first declared here")
                            .with_help("give each stage its own name"),
                    );
                } else {
                    by_name.insert(name.name.clone(), index);
                }
            }
            let span = decl.name.as_ref().map_or(statement.span, |n| n.span);
            let dockerfile_name = self.dockerfile_name(decl, &mut by_dockerfile_name);
            self.stages.push(StageInfo { name: decl.name.as_ref().map(|n| n.name.clone()), dockerfile_name, span });
            decls.push(decl);
        }
        // Edges between stages as written (base and `from` options), for cycle detection.
        let mut edges: Vec<(usize, usize)> = Vec::new();
        for (index, decl) in decls.iter().enumerate() {
            let mut names = Vec::new();
            if let ExprKind::Name(name) = &decl.base.kind {
                names.push(name.clone());
            }
            collect_stage_refs(&decl.body, &mut names);
            for name in names {
                if let Some(&target) = by_name.get(&name) {
                    edges.push((index, target));
                }
            }
        }
        // A cycle needs an edge to the same or a later stage, so only those are followed.
        for &(from, to) in &edges {
            if from == to || (to > from && reaches(&edges, to, from)) {
                self.cyclic_edges.insert((from, to));
            }
        }
    }

    /// A stage's name in the emitted Dockerfile: its `as "…"` string (checked by BuildKit's rule),
    /// `None` for `as none`, else its own name. Two stages may not share one; two `.img` names
    /// alike are E0010 already. `seen` holds each earlier name, its span and whether `as` gave it.
    fn dockerfile_name(&mut self, decl: &ast::StageDecl, seen: &mut HashMap<String, (Span, bool)>) -> Option<String> {
        let (name, span, is_alias) = match &decl.alias {
            Some(alias) => (alias.name.clone()?, alias.span, true),
            None => decl.name.as_ref().map(|n| (n.name.clone(), n.span, false))?,
        };
        if is_alias && !is_dockerfile_stage_name(&name) {
            self.error(
                Code::InvalidStageName,
                span,
                format!("`{name}` is not a valid Dockerfile stage name"),
                "invalid name",
                "a Dockerfile stage name starts with a lowercase letter and uses lowercase letters, digits, `-`, `_` and `.`",
            );
            return Some(name);
        }
        match seen.get(&name) {
            Some(&(earlier, earlier_is_alias)) if is_alias || earlier_is_alias => self.push(
                Diagnostic::error(Code::DuplicateStage, format!("two stages are named `{name}` in the Dockerfile"))
                    .with_label(span, "named again here")
                    .with_secondary(earlier, "first named here")
                    .with_help("give each stage its own Dockerfile name, or write `as none` to leave one unnamed"),
            ),
            Some(_) => {}
            None => {
                seen.insert(name.clone(), (span, is_alias));
            }
        }
        Some(name)
    }

    /// The names a module defines at its top level, computed once. Root-file build arguments
    /// and `let` values are evaluated here, in order.
    pub(super) fn module_scope(&mut self, module: usize) -> &HashMap<String, (Binding, Span)> {
        if self.module_scopes[module].is_none() {
            self.module_scopes[module] = Some(HashMap::new());
            self.fill_module_scope(module);
        }
        self.module_scopes[module].get_or_insert_with(HashMap::new)
    }

    fn bind_top(&mut self, module: usize, name: &ast::Ident, binding: Binding) {
        let scope = self.module_scopes[module].get_or_insert_with(HashMap::new);
        if let Some((_, earlier)) = scope.get(&name.name) {
            let earlier = *earlier;
            // Stages are bound before `let`s: the labels follow the source order.
            let (first, again) = if earlier.file == name.span.file && earlier.start > name.span.start {
                (name.span, earlier)
            } else {
                (earlier, name.span)
            };
            // Uses of the name report nothing more: which definition was meant is unknown.
            scope.insert(name.name.clone(), (Binding::Invalid, first));
            self.push(
                Diagnostic::error(Code::Duplicate, format!("`{}` is defined twice", name.name))
                    .with_label(again, "defined again here")
                    .with_secondary(first, "first defined here")
                    .with_help("rename one of them"),
            );
            return;
        }
        scope.insert(name.name.clone(), (binding, name.span));
    }

    fn fill_module_scope(&mut self, module: usize) {
        let graph = self.graph;
        let loaded = &graph.modules[module];
        let is_root = module == 0;
        // Functions, imports and stages are visible everywhere in the module, whatever the order.
        for (index, statement) in loaded.ast.statements.iter().enumerate() {
            match &statement.kind {
                StatementKind::Fn(decl) => {
                    self.bind_top(module, &decl.name, Binding::Function { module, statement: index });
                }
                StatementKind::Import(import) => {
                    let Some(&target) = loaded.imports.get(&statement.span) else {
                        continue;
                    };
                    let alias = match import {
                        ast::Import::Std { path } => path.last().cloned(),
                        ast::Import::File { alias, .. } => Some(alias.clone()),
                    };
                    if let Some(alias) = alias {
                        self.bind_top(module, &alias, Binding::Module(target));
                    }
                }
                StatementKind::Stage(decl) if is_root => {
                    if let Some(name) = &decl.name
                        && let Some(index) = self.stages.iter().position(|s| s.name.as_deref() == Some(&name.name))
                    {
                        let scope = self.module_scopes[module].get_or_insert_with(HashMap::new);
                        scope.entry(name.name.clone()).or_insert((Binding::Stage(index), name.span));
                    }
                }
                _ => {}
            }
        }
        for statement in &loaded.ast.statements {
            match &statement.kind {
                StatementKind::Let(decl) => {
                    let env = self.env(module);
                    let binding = self.let_value(decl, &env).map_or(Binding::Invalid, Binding::Value);
                    self.bind_top(module, &decl.name, binding);
                }
                StatementKind::Arg(decl) if is_root => self.global_arg(decl),
                kind @ (StatementKind::Arg(_) | StatementKind::Stage(_)) if !is_root => {
                    let keyword = kind.keyword();
                    self.error(
                        Code::Misplaced,
                        statement.span,
                        format!("`{keyword}` is not allowed in an imported module"),
                        "in a module",
                        "a module holds `import`, `let` and `fn`; stages and build arguments belong to the compiled file",
                    );
                }
                StatementKind::Import(_) | StatementKind::Fn(_) | StatementKind::Stage(_) => {}
                other if !is_root => {
                    let keyword = other.keyword();
                    self.error(
                        Code::Misplaced,
                        statement.span,
                        format!("`{keyword}` is not allowed at the top level of a module"),
                        "outside any function",
                        "put steps inside a `fn` so the importing program can call it in a stage",
                    );
                }
                _ => {}
            }
        }
    }

    /// Evaluates a `let` (top level or local).
    pub(super) fn let_value(&mut self, decl: &ast::LetDecl, env: &Env) -> Option<Typed> {
        let ty = decl.ty.as_ref().and_then(|t| self.resolve_type(t));
        if decl.ty.is_some() && ty.is_none() {
            return None;
        }
        self.eval(&decl.value, ty.as_ref(), env)
    }

    pub(super) fn resolve_type(&mut self, ty: &ast::TypeExpr) -> Option<Type> {
        let param = match &ty.param {
            Some(inner) => Some(self.resolve_type(inner)?),
            None => None,
        };
        let has_param = param.is_some();
        match Type::from_name(&ty.name.name, param) {
            Some(resolved) => Some(resolved),
            None => {
                let help = match (ty.name.name.as_str(), has_param) {
                    ("list" | "map", false) => {
                        format!("`{}` needs an element type: `{}[string]`", ty.name.name, ty.name.name)
                    }
                    _ => format!("the types are {}", Type::NAMES),
                };
                self.error(Code::UnknownName, ty.span, format!("unknown type `{}`", ty.name.name), "not a type", help);
                None
            }
        }
    }

    /// Checks one build argument of the root file, applies its command-line value, and binds it.
    fn global_arg(&mut self, decl: &ast::ArgDecl) {
        let env = self.env(0);
        let given = self.cli_value(&decl.name.name);
        let Some(def) = self.arg_decl(decl, given.as_deref(), &env) else {
            self.bind_top(0, &decl.name, Binding::Invalid);
            return;
        };
        let ty = decl.ty.as_ref().and_then(|t| self.resolve_type(t)).unwrap_or(Type::String);
        // A global argument declared again (`ARG X=…` then `ARG X=${X:+…}`, as Dockerfiles do) is
        // written again in order: its new default may read the earlier value, and uses see one argument.
        if let Some(earlier) = self.global_args.get(&decl.name.name).cloned() {
            if earlier != ty {
                let message = format!("`{}` was declared a `{earlier}`, here a `{ty}`", decl.name.name);
                self.error(
                    Code::TypeMismatch,
                    decl.name.span,
                    message,
                    "declared again",
                    "give both declarations one type",
                );
            }
            self.program_args.push(def);
            return;
        }
        self.global_args.insert(decl.name.name.clone(), ty.clone());
        self.bind_top(0, &decl.name, Binding::Value(Typed::new(ty, Value::Arg(decl.name.name.clone()))));
        self.program_args.push(def);
    }

    /// The `--arg` value for `name`, if one was given (the last one wins).
    pub(super) fn cli_value(&mut self, name: &str) -> Option<String> {
        let value = self.cli_args.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone())?;
        self.used_cli_args.insert(name.to_string());
        Some(value)
    }

    /// Reports `--arg` values that name no build argument.
    pub(super) fn report_unknown_cli_args(&mut self) {
        let declared: Vec<String> = self.program_args.iter().map(|d| d.name.clone()).collect();
        let mut unknown: Vec<String> =
            self.cli_args.iter().map(|(k, _)| k.clone()).filter(|k| !self.used_cli_args.contains(k)).collect();
        unknown.sort_unstable();
        unknown.dedup();
        for name in unknown {
            self.push(
                Diagnostic::error(
                    Code::InvalidCliArg,
                    format!("`--arg {name}=…` names no build argument of this program"),
                )
                .with_help(if declared.is_empty() {
                    "this program declares no `arg`".to_string()
                } else {
                    format!("its build arguments are: {}", declared.join(", "))
                }),
            );
        }
    }

    /// One `arg` declaration (global or in a stage): its type, default, and command-line value.
    pub(super) fn arg_decl(&mut self, decl: &ast::ArgDecl, given: Option<&str>, env: &Env) -> Option<ir::ArgDef> {
        let ty = match &decl.ty {
            Some(t) => self.resolve_type(t)?,
            None => Type::String,
        };
        if matches!(ty, Type::Secret | Type::List(_) | Type::Map(_)) {
            let help = if ty == Type::Secret {
                "declare a secret with `let name: secret = \"id\"` and mount it in a `run` step"
            } else {
                "build arguments hold one value: string, int, bool, path, port, duration, image or signal"
            };
            self.error(
                Code::TypeMismatch,
                decl.ty.as_ref().map_or(decl.name.span, |t| t.span),
                format!("a build argument cannot be a `{ty}`"),
                "not allowed for `arg`",
                help,
            );
            return None;
        }
        // An invalid `--arg` value is reported; the declared default stands in, so the rest of
        // the program is still checked.
        let from_cli = given.and_then(|text| self.cli_arg_value(&decl.name, &ty, text));
        let default = match (from_cli, &decl.default) {
            (Some(value), _) => Some(value),
            (None, Some(expr)) => {
                let typed = self.eval(expr, Some(&ty), env)?;
                Some(self.instruction_text(typed, expr.span, "a build argument")?)
            }
            (None, None) => None,
        };
        // BuildKit sets the platform arguments itself; a default would override its value.
        let automatic = AUTOMATIC_ARGS.contains(&decl.name.name.as_str());
        if automatic && decl.default.is_some() {
            self.error(
                Code::InvalidLiteral,
                decl.name.span,
                format!("`{}` is set by the builder", decl.name.name),
                "has a default",
                format!("declare it without a value: `arg {}`", decl.name.name),
            );
            return None;
        }
        if default.is_none() && given.is_none() && !automatic && !decl.no_default {
            self.push(
                Diagnostic::error(Code::MissingBuildArg, format!("build argument `{}` has no value", decl.name.name))
                    .with_label(decl.name.span, "no default and no `--arg`")
                    .with_help(format!(
                        "give it a default (`arg {}: {ty} = …`) or a value on the command line (`--arg {}=…`)",
                        decl.name.name, decl.name.name
                    )),
            );
        }
        Some(ir::ArgDef { name: decl.name.name.clone(), default, span: decl.name.span })
    }

    /// Parses a `--arg` value by the argument's type.
    fn cli_arg_value(&mut self, name: &ast::Ident, ty: &Type, text: &str) -> Option<Text> {
        let problem = match ty {
            Type::Int => text.parse::<i64>().err().map(|_| "is not an integer".to_string()),
            Type::Bool => (!matches!(text, "true" | "false")).then(|| "is not `true` or `false`".to_string()),
            Type::Port => {
                let number = text.split_once('/').map_or(text, |(n, _)| n);
                match number.parse::<u32>() {
                    Ok(1..=65535) => None,
                    _ => Some("is not a port from 1 to 65535".to_string()),
                }
            }
            Type::Duration => {
                crate::syntax::parse_duration(text).is_none().then(|| "is not a duration like `30s`".to_string())
            }
            Type::Image => check_image_reference(text).err(),
            Type::Signal => crate::literals::check_signal(text).err(),
            _ => None,
        };
        match problem {
            Some(problem) => {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCliArg,
                        format!("`--arg {}={text}`: the value {problem}", name.name),
                    )
                    .with_label(name.span, format!("declared as `{ty}` here"))
                    .with_help(format!("give a `{ty}` value")),
                );
                None
            }
            None => Some(Text::value(text)),
        }
    }

    /// Elaborates one stage into the IR.
    pub(super) fn stage(&mut self, index: usize, decl: &ast::StageDecl, span: Span) -> ir::Stage {
        let env = self.env(0);
        let base = match &decl.base.kind {
            ExprKind::Name(name)
                if !matches!(self.lookup(&env, name), Some(Binding::Stage(_)) | Some(Binding::Value(_))) =>
            {
                // An invalid name is already reported.
                if !matches!(self.lookup(&env, name), Some(Binding::Invalid)) {
                    self.unknown_stage(name, decl.base.span);
                }
                ir::Base::Scratch
            }
            _ => match self.eval(&decl.base, Some(&Type::Image), &env) {
                Some(Typed { value: Value::Stage(target), .. }) => ir::Base::Stage(target),
                Some(Typed { value: Value::Image(Some(text)), .. }) => ir::Base::Image(text),
                Some(Typed { value: Value::Arg(name), .. }) => ir::Base::Image(Text(vec![TextPart::Arg(name)])),
                _ => ir::Base::Scratch,
            },
        };
        let platform = decl.platform.as_ref().and_then(|expr| {
            let typed = self.eval(expr, Some(&Type::String), &env)?;
            let text = self.instruction_text(typed, expr.span, "a platform")?;
            if let Some(literal) = text.as_literal().filter(|l| !l.contains('$'))
                && let Err(problem) = check_platform(&literal)
            {
                self.error(
                    Code::InvalidLiteral,
                    expr.span,
                    problem,
                    "not a platform",
                    "for example `linux/amd64` or `linux/arm64/v8`",
                );
            }
            Some(text)
        });
        let mut builder = StageBuilder::default();
        let mut env = self.env(0);
        let context = StepContext { origin: None, onbuild: false };
        for statement in &decl.body {
            self.step(statement, &mut env, &mut builder, context);
        }
        let name = decl.name.as_ref().map(|n| n.name.clone());
        let dockerfile_name = self.stages.get(index).and_then(|s| s.dockerfile_name.clone());
        let instructions = builder.finish(&self.global_args, span);
        ir::Stage { name, dockerfile_name, base, platform, instructions, span }
    }

    pub(super) fn unknown_stage(&mut self, name: &str, span: Span) {
        let names: Vec<String> = self.stages.iter().filter_map(|s| s.name.clone()).collect();
        let help = match super::scope::closest(name, &names) {
            Some(close) => format!("did you mean `{close}`?"),
            None if names.is_empty() => "this program declares no named stage".to_string(),
            None => format!("the stages are: {}", names.join(", ")),
        };
        self.error(Code::UnknownStage, span, format!("there is no stage `{name}`"), "unknown stage", help);
    }

    /// Checks a reference from the current stage to stage `target`.
    pub(super) fn check_stage_reference(&mut self, target: usize, span: Span) -> bool {
        let Some(current) = self.current_stage else {
            return true;
        };
        if target < current {
            return true;
        }
        let name = self.stages[target].name.clone().unwrap_or_default();
        let target_span = self.stages[target].span;
        if self.cyclic_edges.contains(&(current, target)) || target == current {
            self.push(
                Diagnostic::error(Code::StageCycle, format!("stage `{name}` depends on itself through this reference"))
                    .with_label(span, "this reference closes a cycle")
                    .with_secondary(target_span, "declared here")
                    .with_help("stages form a chain: each may use only stages declared before it"),
            );
        } else {
            self.push(
                Diagnostic::error(Code::LaterStage, format!("stage `{name}` is declared after this one"))
                    .with_label(span, "used before it is declared")
                    .with_secondary(target_span, "declared here")
                    .with_help(format!("move stage `{name}` above the stage that uses it")),
            );
        }
        false
    }
}

/// Stage names a body refers to syntactically (`copy from X`, `from: X` options).
fn collect_stage_refs(statements: &[ast::Statement], out: &mut Vec<String>) {
    for statement in statements {
        match &statement.kind {
            StatementKind::Copy { from, clauses, .. } => {
                if let Some(ast::Expr { kind: ExprKind::Name(name), .. }) = from {
                    out.push(name.clone());
                }
                clause_refs(clauses, out);
            }
            StatementKind::Run { clauses, .. } => clause_refs(clauses, out),
            StatementKind::OnBuild(body) | StatementKind::Layer(body) => collect_stage_refs(body, out),
            _ => {}
        }
    }
}

fn clause_refs(clauses: &[ast::Clause], out: &mut Vec<String>) {
    for clause in clauses {
        if clause.keyword.name == "from"
            && let Some(ast::Expr { kind: ExprKind::Name(name), .. }) = &clause.value
        {
            out.push(name.clone());
        }
        for option in &clause.options {
            if option.name.name == "from"
                && let ExprKind::Name(name) = &option.value.kind
            {
                out.push(name.clone());
            }
        }
    }
}

/// Whether `from` reaches `to` along `edges`.
fn reaches(edges: &[(usize, usize)], from: usize, to: usize) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from];
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if seen.insert(node) {
            stack.extend(edges.iter().filter(|(a, _)| *a == node).map(|(_, b)| *b));
        }
    }
    false
}
