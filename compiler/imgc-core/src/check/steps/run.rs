//! `run`: its command, mounts (`cache`, `bind`, `tmpfs`, `secret`, `ssh`), network, security
//! and devices.

use super::commands::heredoc_call;
use super::options::RUN_CLAUSES;
use crate::check::Checker;
use crate::check::scope::Env;
use crate::diagnostics::Code;
use crate::ir::{self, Command, Mount, MountKind, Text};
use crate::literals::{check_mode, is_env_name};
use crate::syntax::ast::{Clause, Expr};
use crate::types::Type;
use crate::value::Value;

impl Checker<'_> {
    pub(super) fn run(&mut self, command_expr: &Expr, clauses: &[Clause], env: &Env) -> Option<ir::Run> {
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
    pub(super) fn device(&mut self, clause: &Clause, env: &Env) -> Option<ir::Device> {
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

    pub(super) fn mount(&mut self, clause: &Clause, env: &Env) -> Option<Mount> {
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
                _ => self.instruction_text(typed, option.value.span, "a mount setting")?,
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
}
