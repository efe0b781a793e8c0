//! `ARG`: global build arguments, a stage's arguments and a trigger's, typed when the default
//! shows the type.

use super::Converter;
use crate::dockerfile::{Arguments, Instruction};
use crate::literals::AUTOMATIC_ARGS;
use crate::migrate::tree;
use crate::syntax::ast::{ArgDecl, Expr, Statement, StatementKind};

impl Converter<'_> {
    pub(super) fn global_arg(&mut self, instruction: &Instruction) -> Vec<Statement> {
        let Arguments::ArgDecls(decls) = &instruction.args else { return Vec::new() };
        let mut out = Vec::new();
        for decl in decls {
            out.extend(self.arg_decl(instruction, &decl.name, decl.value.as_deref(), false));
        }
        out
    }

    /// `arg NAME[: TYPE] = DEFAULT`, `arg NAME = none`, or a stage's `arg NAME` redeclaring a
    /// global argument.
    pub(super) fn arg_decl(
        &mut self,
        instruction: &Instruction,
        name: &str,
        value: Option<&str>,
        in_stage: bool,
    ) -> Option<Statement> {
        if !is_arg_name(name) {
            self.unsupported(instruction.span, format!("the build argument name `{name}`"), arg_name_help(name));
            return None;
        }
        let Some(value) = value else {
            let redeclared = in_stage && self.global_args.iter().any(|g| g == name);
            let no_default = !redeclared && !AUTOMATIC_ARGS.contains(&name);
            return Some(arg(name, None, None, no_default));
        };
        if AUTOMATIC_ARGS.contains(&name) {
            self.unsupported(
                instruction.span,
                format!("a default for `{name}`, which BuildKit sets itself"),
                format!("declare it without a value: `ARG {name}`"),
            );
            return None;
        }
        let word = self.word(instruction, value)?;
        let text = self.word_text(instruction, &word)?;
        let ty = match word.literal() {
            Some(literal) => arg_type(name, &literal),
            None => None,
        };
        let typed = match (ty, word.literal()) {
            (Some("int"), Some(literal)) => literal.parse().ok().map(|n| ("int", tree::int(n))),
            (Some("bool"), Some(literal)) => Some(("bool", tree::boolean(literal == "true"))),
            (Some("port"), Some(literal)) => literal
                .split_once('/')
                .and_then(|(number, protocol)| Some(("port", tree::port(number.parse().ok()?, protocol)))),
            _ => None,
        };
        Some(match typed {
            Some((ty, value)) => arg(name, Some(ty), Some(value), false),
            None => arg(name, None, Some(text), false),
        })
    }

    /// An `ONBUILD ARG`: `arg NAME [= DEFAULT]` in the `onbuild` block.
    pub(super) fn trigger_arg(
        &mut self,
        instruction: &Instruction,
        name: &str,
        value: Option<&str>,
    ) -> Option<Statement> {
        if !is_arg_name(name) {
            self.unsupported(instruction.span, format!("the build argument name `{name}`"), arg_name_help(name));
            return None;
        }
        match value {
            Some(value) => {
                let word = self.word(instruction, value)?;
                Some(arg(name, None, Some(self.word_text(instruction, &word)?), false))
            }
            None => Some(arg(name, None, None, false)),
        }
    }
}

/// `arg NAME[: TYPE] [= DEFAULT | = none]`.
fn arg(name: &str, ty: Option<&str>, default: Option<Expr>, no_default: bool) -> Statement {
    tree::statement(StatementKind::Arg(ArgDecl {
        name: tree::ident(name),
        ty: ty.map(tree::type_name),
        default,
        no_default,
    }))
}

/// The type a build argument's default makes clear, when the text of that type's value is the
/// default exactly: `int` for a plain number (not a version), `bool` for `true`/`false`, `port`
/// for `8080/tcp`.
fn arg_type(name: &str, default: &str) -> Option<&'static str> {
    let upper = name.to_uppercase();
    let versionish = upper.contains("VERSION") || upper.ends_with("_VER") || upper.contains("TAG");
    if default == "true" || default == "false" {
        return Some("bool");
    }
    if !versionish && default.parse::<i64>().is_ok_and(|n| n >= 0 && n.to_string() == default) {
        return Some("int");
    }
    if let Some((number, protocol)) = default.split_once('/')
        && matches!(protocol, "tcp" | "udp" | "sctp")
        && number.parse::<u16>().is_ok_and(|n| n >= 1 && n.to_string() == number)
    {
        return Some("port");
    }
    None
}

/// A name a build argument may have in `.img` (also a keyword).
fn is_arg_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What to write instead of a build argument name `.img` cannot declare.
fn arg_name_help(name: &str) -> &'static str {
    if name.contains('$') {
        "this name is read from a variable when the image is built, and a `.img` program names each argument where it \
         declares it: write the name it stands for"
    } else {
        "name the argument with letters, digits and `_`"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_types_only_when_the_text_is_the_same() {
        assert_eq!(arg_type("WORKERS", "4"), Some("int"));
        assert_eq!(arg_type("NODE_VERSION", "20"), None);
        assert_eq!(arg_type("X", "007"), None);
        assert_eq!(arg_type("DEBUG", "false"), Some("bool"));
        assert_eq!(arg_type("PORT", "8080"), Some("int"));
        assert_eq!(arg_type("PORT", "8080/tcp"), Some("port"));
        assert_eq!(arg_type("NAME", "app"), None);
    }
}
