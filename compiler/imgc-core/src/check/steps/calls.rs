//! Function calls as steps: the callee resolved, arguments bound to parameters, the body
//! elaborated in the function's module; and the bodies of functions no step called.

use super::{StageBuilder, StepContext};
use crate::check::Checker;
use crate::check::scope::{Binding, Env};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, Expr, StatementKind};
use std::collections::HashMap;

impl Checker<'_> {
    /// Expands a function call in place: arguments checked against parameters, body elaborated
    /// in the function's own module with the parameters bound.
    pub(super) fn call_step(
        &mut self,
        call: &ast::Call,
        env: &mut Env,
        builder: &mut StageBuilder,
        context: StepContext,
    ) {
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
    pub(in crate::check) fn check_uncalled_functions(&mut self) {
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
                        let help = match crate::check::scope::closest(member, &members) {
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
                let help = match crate::check::scope::closest(&name.name, &names) {
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
