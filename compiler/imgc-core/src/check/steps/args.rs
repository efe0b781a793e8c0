//! `arg` inside a stage (a build argument the stage declares or takes from the top) and inside
//! `onbuild` (a trigger's argument, declared in the build that uses the image).

use crate::check::Checker;
use crate::check::scope::{Binding, Env};
use crate::diagnostics::Code;
use crate::ir;
use crate::syntax::ast;
use crate::types::Type;
use crate::value::{Typed, Value};

impl Checker<'_> {
    /// A trigger's argument belongs to the build that uses this image: declared there, with the
    /// default given here, and not a name in this stage.
    pub(super) fn trigger_arg(&mut self, decl: &ast::ArgDecl, env: &Env) -> Option<ir::ArgDef> {
        let default = match &decl.default {
            Some(expr) => {
                let ty = decl.ty.as_ref().and_then(|t| self.resolve_type(t)).unwrap_or(Type::String);
                let typed = self.eval(expr, Some(&ty), env)?;
                Some(self.instruction_text(typed, expr.span, "a build argument")?)
            }
            None => None,
        };
        Some(ir::ArgDef { name: decl.name.name.clone(), default, span: decl.name.span })
    }

    /// `arg NAME…` in a stage of the compiled file: bound in the stage, with the global argument's
    /// type when it names one.
    pub(super) fn stage_arg(&mut self, decl: &ast::ArgDecl, env: &mut Env) -> Option<ir::ArgDef> {
        let global = self.global_args.get(&decl.name.name).cloned();
        let written = match &decl.ty {
            Some(t) => match self.resolve_type(t) {
                Some(ty) => Some(ty),
                None => {
                    env.bind(&decl.name.name, Binding::Invalid, decl.name.span);
                    return None;
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
                return None;
            }
            ir::ArgDef { name: decl.name.name.clone(), default: None, span: decl.name.span }
        } else {
            let given = self.cli_value(&decl.name.name);
            let Some(def) = self.arg_decl(decl, given.as_deref(), env) else {
                env.bind(&decl.name.name, Binding::Invalid, decl.name.span);
                return None;
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
            return None;
        }
        Some(def)
    }
}
