//! `env` (build and runtime scope) and `label`: key/value pairs.

use super::{StageBuilder, StepContext};
use crate::check::Checker;
use crate::check::scope::Env;
use crate::diagnostics::Code;
use crate::ir::{EnvScope, InstructionKind, Text};
use crate::literals::is_env_name;
use crate::source::Span;
use crate::syntax::ast::{self};
use crate::types::Type;
use crate::value::{Typed, Value};

impl Checker<'_> {
    /// `label KEY: VALUE, …`: the pairs, each key non-empty.
    pub(super) fn labels(&mut self, entries: &ast::Entries, env: &Env) -> Vec<(String, Text)> {
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
        labels
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
            let Some(text) = self.instruction_text(typed, value_span, what) else { continue };
            if self.check_expressible(&text, value_span, what).is_some() {
                out.push((key, key_span, text));
            }
        }
        out
    }

    pub(super) fn env_step(
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
}
