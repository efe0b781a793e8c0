//! Step options (`(cache …, from: …)`): which a step takes, which may repeat, and reading their
//! values.

use crate::check::Checker;
use crate::check::scope::Env;
use crate::diagnostics::Code;
use crate::syntax::ast::{Clause, Expr};
use crate::types::Type;
use crate::value::Value;

/// Which options a step takes.
pub(super) const RUN_CLAUSES: &[&str] = &["cache", "bind", "tmpfs", "secret", "ssh", "network", "security", "device"];
pub(super) const COPY_CLAUSES: &[&str] = &["from", "chown", "chmod", "link", "exclude", "parents"];
pub(super) const ADD_CLAUSES: &[&str] = &["chown", "chmod", "link", "exclude", "checksum", "keep_git_dir", "unpack"];
pub(super) const HEALTHCHECK_CLAUSES: &[&str] = &["interval", "timeout", "start_period", "start_interval", "retries"];
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

impl Checker<'_> {
    /// Checks a step's options: known for this step, and not repeated unless repeatable.
    pub(super) fn clauses<'c>(
        &mut self,
        clauses: &'c [Clause],
        allowed: &[&str],
        step: &str,
    ) -> Option<Vec<&'c Clause>> {
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
    pub(super) fn choice(&mut self, clause: &Clause, choices: &[&str], env: &Env) -> Option<String> {
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

    pub(super) fn clause_value<'c>(&mut self, clause: &'c Clause) -> Option<&'c Expr> {
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

    pub(super) fn no_options(&mut self, clause: &Clause) -> Option<()> {
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
    pub(super) fn flag(&mut self, clause: &Clause, env: &Env) -> Option<bool> {
        self.no_options(clause)?;
        match &clause.value {
            None => Some(true),
            Some(expr) => match self.compile_time(expr, &Type::Bool, env, "a flag")? {
                Value::Bool(b) => Some(b),
                _ => None,
            },
        }
    }
}
