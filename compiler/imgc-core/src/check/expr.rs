//! Expression evaluation with type checking. Literals take their type from the context where
//! that is unambiguous (`"SIGQUIT"` where a signal is expected, `8080` where a port is).

use super::Checker;
use super::scope::{Binding, Env};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Text, TextPart};
use crate::literals::{check_image_reference, check_signal};
use crate::source::Span;
use crate::syntax::ast::{self, Expr, ExprKind, StrPart};
use crate::types::Type;
use crate::value::{Typed, Value};

impl Checker<'_> {
    /// Evaluates `expr`, checking it against `expected` when given. Reports and returns `None`
    /// on error.
    pub(super) fn eval(&mut self, expr: &Expr, expected: Option<&Type>, env: &Env) -> Option<Typed> {
        let typed = match &expr.kind {
            ExprKind::Bool(b) => Typed::new(Type::Bool, Value::Bool(*b)),
            ExprKind::Int(n) => return self.int_literal(*n, expected, expr.span),
            ExprKind::Port { number, protocol } => self.port(*number, protocol, expr.span)?,
            ExprKind::Duration { millis } => Typed::new(Type::Duration, Value::Duration { millis: *millis }),
            ExprKind::Str(parts) => return self.string_literal(parts, expected, expr.span, env),
            ExprKind::List(items) => {
                let element = match expected {
                    Some(Type::List(inner)) => Some(inner.as_ref().clone()),
                    _ => None,
                };
                let mut values = Vec::new();
                let mut element_type = element.clone();
                for item in items {
                    let typed = self.eval(item, element_type.as_ref(), env)?;
                    if element_type.is_none() {
                        element_type = Some(typed.ty.clone());
                    }
                    values.push(typed.value);
                }
                Typed::new(Type::List(Box::new(element_type.unwrap_or(Type::Unknown))), Value::List(values))
            }
            ExprKind::Map(entries) => {
                let mut element_type = match expected {
                    Some(Type::Map(inner)) => Some(inner.as_ref().clone()),
                    _ => None,
                };
                let mut values: Vec<(String, Value)> = Vec::new();
                for entry in entries {
                    if values.iter().any(|(k, _)| *k == entry.key) {
                        self.error(
                            Code::Duplicate,
                            entry.key_span,
                            format!("key `{}` is given twice", entry.key),
                            "repeated key",
                            "each key appears once",
                        );
                        continue;
                    }
                    let typed = self.eval(&entry.value, element_type.as_ref(), env)?;
                    if element_type.is_none() {
                        element_type = Some(typed.ty.clone());
                    }
                    values.push((entry.key.clone(), typed.value));
                }
                Typed::new(Type::Map(Box::new(element_type.unwrap_or(Type::Unknown))), Value::Map(values))
            }
            ExprKind::Name(name) => match self.lookup(env, name) {
                Some(Binding::Value(typed)) => typed,
                // `${TARGETARCH}`: the builder's platform argument, declared where it is used.
                None if crate::literals::AUTOMATIC_ARGS.contains(&name.as_str()) => {
                    Typed::new(Type::String, Value::Arg(name.clone()))
                }
                Some(Binding::Invalid) => return None,
                Some(Binding::Stage(index)) => {
                    if !self.check_stage_reference(index, expr.span) {
                        return None;
                    }
                    Typed::new(Type::Stage, Value::Stage(index))
                }
                Some(Binding::Module(_)) => {
                    self.error(
                        Code::TypeMismatch,
                        expr.span,
                        format!("`{name}` is a module, not a value"),
                        "a module",
                        format!("use one of its names: `{name}.NAME`"),
                    );
                    return None;
                }
                Some(Binding::Function { .. }) => {
                    self.error(
                        Code::TypeMismatch,
                        expr.span,
                        format!("`{name}` is a function, not a value"),
                        "a function",
                        format!("call it as a step: `{name}(…)`"),
                    );
                    return None;
                }
                None => {
                    self.unknown_name(env, name, expr.span);
                    return None;
                }
            },
            ExprKind::Field { base, field } => self.field(base, field, env)?,
            ExprKind::Call(call) => self.call_expr(call, env)?,
            ExprKind::Concat(terms) => self.concat(terms, expected, env)?,
            ExprKind::Scratch => Typed::new(Type::Image, Value::Image(None)),
        };
        self.expect(typed, expected, expr.span)
    }

    /// Evaluates a value imgc itself needs (a flag, a count, a duration, a mode): a build
    /// argument, known only when the image is built, is an error here.
    pub(super) fn compile_time(&mut self, expr: &Expr, ty: &Type, env: &Env, what: &str) -> Option<Value> {
        let typed = self.eval(expr, Some(ty), env)?;
        if let Value::Arg(name) = &typed.value {
            self.error(
                Code::ArgAtRuntime,
                expr.span,
                format!("build argument `{name}` has no value when imgc compiles; {what} must be known then"),
                "a build argument",
                "use a `let` constant here, or a `--arg` value through interpolation where the builder can expand it",
            );
            return None;
        }
        Some(typed.value)
    }

    /// Checks a computed value against the expected type.
    pub(super) fn expect(&mut self, typed: Typed, expected: Option<&Type>, span: Span) -> Option<Typed> {
        let Some(expected) = expected else {
            return Some(typed);
        };
        if typed.ty.fits(expected) {
            let ty = if matches!(expected, Type::Unknown) { typed.ty } else { expected.clone() };
            return Some(Typed { ty, value: typed.value });
        }
        // A stage is accepted where an image is expected (`from build`, `copy from build`).
        if typed.ty == Type::Stage && *expected == Type::Image {
            return Some(typed);
        }
        // A string names an image or a signal when it has the right shape.
        if let (Type::String, Value::Text(text), Type::Image | Type::Signal) = (&typed.ty, &typed.value, expected) {
            let check = if *expected == Type::Image { check_image_reference } else { check_signal };
            let checked = text.as_literal().filter(|_| !has_builder_variable(text));
            if let Some(Err(problem)) = checked.map(|literal| check(&literal)) {
                let code = if *expected == Type::Image { Code::MalformedImage } else { Code::InvalidLiteral };
                self.error(
                    code,
                    span,
                    format!("`{}` is not a valid {expected}", text.display()),
                    problem,
                    format!("give a `{expected}` value"),
                );
                return None;
            }
            let value =
                if *expected == Type::Image { Value::Image(Some(text.clone())) } else { Value::Signal(text.clone()) };
            return Some(Typed::new(expected.clone(), value));
        }
        let help = match (&typed.ty, expected) {
            (Type::Int, Type::String) => "turn a number into text with interpolation: `\"${n}\"`".to_string(),
            (Type::String, Type::Port) => {
                "a port is written `8080/tcp`, or a number where a port is expected".to_string()
            }
            (Type::Port, Type::Int) => "a port's number is `p.number`".to_string(),
            (found, Type::List(inner)) if found.fits(inner) => "wrap it in a list: `[…]`".to_string(),
            _ => format!("give a value of type `{expected}`"),
        };
        self.error(
            Code::TypeMismatch,
            span,
            format!("expected `{expected}`, found `{}`", typed.ty),
            format!("this is {}", a_type(&typed.ty)),
            help,
        );
        None
    }

    fn int_literal(&mut self, n: i64, expected: Option<&Type>, span: Span) -> Option<Typed> {
        match expected {
            Some(Type::Port) => self.port(n, "tcp", span),
            Some(Type::Duration) => {
                self.push(
                    Diagnostic::error(Code::MalformedDuration, format!("`{n}` is a number, not a duration"))
                        .with_label(span, "no unit")
                        .with_help(format!("durations carry a unit: `{n}s`, `{n}ms`, `{n}m` or `{n}h`")),
                );
                None
            }
            Some(Type::Signal) => {
                let text = n.to_string();
                if let Err(problem) = check_signal(&text) {
                    self.error(
                        Code::InvalidLiteral,
                        span,
                        problem,
                        "not a signal",
                        "signals are 1 to 64 or names like `SIGTERM`",
                    );
                    return None;
                }
                Some(Typed::new(Type::Signal, Value::Signal(Text::value(text))))
            }
            _ => self.expect(Typed::new(Type::Int, Value::Int(n)), expected, span),
        }
    }

    fn port(&mut self, number: i64, protocol: &str, span: Span) -> Option<Typed> {
        match u16::try_from(number) {
            Ok(number) if number >= 1 => {
                Some(Typed::new(Type::Port, Value::Port { number, protocol: protocol.to_string() }))
            }
            _ => {
                self.error(
                    Code::PortOutOfRange,
                    span,
                    format!("port {number} is out of range"),
                    "not between 1 and 65535",
                    "ports run from 1 to 65535",
                );
                None
            }
        }
    }

    /// A string template: text, and interpolated values.
    fn string_literal(&mut self, parts: &[StrPart], expected: Option<&Type>, span: Span, env: &Env) -> Option<Typed> {
        let mut text = Text::default();
        let mut ok = true;
        for part in parts {
            match part {
                StrPart::Text(s) => text.push(TextPart::Code(s.clone())),
                StrPart::Interpolation(expr) => match self.eval(expr, None, env) {
                    Some(typed) => match self.interpolate(typed, expr.span) {
                        Some(t) => text.append(t),
                        None => ok = false,
                    },
                    None => ok = false,
                },
            }
        }
        if !ok {
            return None;
        }
        // The text's value when it has no build argument; only literal types read it.
        let literal = match expected {
            Some(Type::Image | Type::Signal | Type::Secret | Type::Port | Type::Duration) => text.as_literal(),
            _ => None,
        };
        // `$NAME` written in the text is the builder's to expand: the value is not known here.
        let variable = has_builder_variable(&text);
        let typed = match expected {
            Some(Type::Image) => {
                if !variable
                    && let Some(reference) = &literal
                    && let Err(problem) = check_image_reference(reference)
                {
                    self.push(
                            Diagnostic::error(Code::MalformedImage, format!("`{reference}` is not a valid image reference"))
                                .with_label(span, problem)
                                .with_help("an image reference is `[registry/]name[:tag][@sha256:…]`, lowercase, like `debian:bookworm-slim`"),
                        );
                    return None;
                }
                Typed::new(Type::Image, Value::Image(Some(text)))
            }
            Some(Type::Signal) => {
                if !variable
                    && let Some(signal) = &literal
                    && let Err(problem) = check_signal(signal)
                {
                    self.error(
                        Code::InvalidLiteral,
                        span,
                        problem,
                        "not a signal",
                        "write a signal name like `SIGQUIT` or a number from 1 to 64",
                    );
                    return None;
                }
                Typed::new(Type::Signal, Value::Signal(text))
            }
            Some(Type::Secret) => {
                let valid = literal.as_deref().is_some_and(|id| {
                    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                });
                if !valid {
                    self.error(
                        Code::InvalidLiteral,
                        span,
                        "a secret id is a plain name",
                        "not a secret id",
                        "write the id the builder knows the secret by, like `\"npm_token\"`",
                    );
                    return None;
                }
                Typed::new(Type::Secret, Value::Secret(literal.unwrap_or_default()))
            }
            Some(Type::Port) if variable => Typed::new(Type::Port, Value::Text(text)),
            Some(Type::Port) => {
                let Some(literal) = literal else {
                    return self.expect(Typed::new(Type::String, Value::Text(text)), expected, span);
                };
                let (number, protocol) = literal.split_once('/').unwrap_or((&literal, "tcp"));
                match (number.parse::<i64>(), protocol) {
                    (Ok(number), "tcp" | "udp" | "sctp") => self.port(number, protocol, span)?,
                    _ => {
                        self.error(
                            Code::InvalidLiteral,
                            span,
                            format!("`{literal}` is not a port"),
                            "not a port",
                            "a port is `8080/tcp`, `53/udp` or a number",
                        );
                        return None;
                    }
                }
            }
            Some(Type::Duration) => match literal.as_deref().and_then(crate::syntax::parse_duration) {
                Some(millis) => Typed::new(Type::Duration, Value::Duration { millis }),
                None => {
                    self.push(
                        Diagnostic::error(Code::MalformedDuration, format!("`{}` is not a duration", text.display()))
                            .with_label(span, "malformed duration")
                            .with_help("write a duration with units `ms`, `s`, `m`, `h`: `30s`, `1m30s`"),
                    );
                    return None;
                }
            },
            Some(Type::Path) => Typed::new(Type::Path, Value::Text(text)),
            _ => Typed::new(Type::String, Value::Text(text)),
        };
        self.expect(typed, expected, span)
    }

    /// A value interpolated into a string: its text as one value (quoted in a shell), a list as
    /// several values separated by spaces, a raw value verbatim.
    pub(super) fn interpolate(&mut self, typed: Typed, span: Span) -> Option<Text> {
        match typed.value {
            Value::Raw(text) => Some(text),
            Value::Text(text) | Value::Signal(text) | Value::Image(Some(text)) => Some(as_value(text)),
            Value::List(items) => {
                let element = match &typed.ty {
                    Type::List(inner) => inner.as_ref().clone(),
                    _ => Type::Unknown,
                };
                let mut out = Text::default();
                for (i, item) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(TextPart::Code(" ".into()));
                    }
                    out.append(self.interpolate(Typed::new(element.clone(), item), span)?);
                }
                Some(out)
            }
            Value::Secret(_) => {
                self.secret_misuse(span);
                None
            }
            Value::Map(_) | Value::Stage(_) => {
                self.error(
                    Code::TypeMismatch,
                    span,
                    format!("a `{}` cannot be interpolated into a string", typed.ty),
                    "cannot be written as text",
                    "interpolate a string, number, path, port or list",
                );
                None
            }
            other => other.into_scalar_text(),
        }
    }

    pub(super) fn secret_misuse(&mut self, span: Span) {
        self.push(
            Diagnostic::error(Code::SecretMisuse, "a secret can only reach a step through a secret mount")
                .with_label(span, "secret used here")
                .with_help("mount it in a run step: `run \"…\" secret token (target: \"/run/secrets/token\")`; never in env, args, labels, files or command text"),
        );
    }

    /// The value as text for a Dockerfile instruction operand (not a shell command).
    pub(super) fn instruction_text(&mut self, typed: Typed, span: Span, what: &str) -> Option<Text> {
        if let Value::Secret(_) = typed.value {
            self.secret_misuse(span);
            return None;
        }
        let ty = typed.ty;
        let text = typed.value.into_scalar_text();
        if text.is_none() {
            self.error(
                Code::TypeMismatch,
                span,
                format!("a `{ty}` cannot be used as {what}"),
                format!("this is {}", a_type(&ty)),
                "give a single value here",
            );
        }
        text
    }

    fn field(&mut self, base: &Expr, field: &ast::Ident, env: &Env) -> Option<Typed> {
        // `module.name`
        if let ExprKind::Name(name) = &base.kind
            && let Some(Binding::Module(module)) = self.lookup(env, name)
        {
            let member = self.module_scope(module).get(&field.name).map(|(b, _)| b.clone());
            return match member {
                Some(Binding::Value(typed)) => Some(typed),
                Some(Binding::Function { .. }) => {
                    self.error(
                        Code::TypeMismatch,
                        field.span,
                        format!("`{name}.{}` is a function, not a value", field.name),
                        "a function",
                        format!("call it as a step: `{name}.{}(…)`", field.name),
                    );
                    None
                }
                _ => {
                    let members: Vec<String> = self.module_scope(module).keys().cloned().collect();
                    let help = match super::scope::closest(&field.name, &members) {
                        Some(close) => format!("did you mean `{name}.{close}`?"),
                        None if members.is_empty() => format!("module `{name}` defines nothing"),
                        None => format!("module `{name}` has: {}", sorted(members).join(", ")),
                    };
                    self.error(
                        Code::UnknownName,
                        field.span,
                        format!("module `{name}` has no `{}`", field.name),
                        "not in the module",
                        help,
                    );
                    None
                }
            };
        }
        let typed = self.eval(base, None, env)?;
        match (&typed.value, field.name.as_str()) {
            (Value::Port { number, .. }, "number") => Some(Typed::new(Type::Int, Value::Int(i64::from(*number)))),
            (Value::Port { protocol, .. }, "protocol") => {
                Some(Typed::new(Type::String, Value::Text(Text::value(protocol.clone()))))
            }
            (Value::Duration { millis }, "seconds") => Some(Typed::new(Type::Int, Value::Int((*millis / 1000) as i64))),
            _ => {
                let fields = match typed.ty {
                    Type::Port => "a port has `number` and `protocol`",
                    Type::Duration => "a duration has `seconds`",
                    _ => "this type has no fields",
                };
                self.error(
                    Code::UnknownName,
                    field.span,
                    format!("a `{}` has no field `{}`", typed.ty, field.name),
                    "unknown field",
                    fields,
                );
                None
            }
        }
    }

    /// `a + b`: lists join; strings join the way interpolation does, so `"echo " + name` is
    /// `"echo ${name}"` (a named value is quoted in a shell, a literal is code).
    fn concat(&mut self, terms: &[Expr], expected: Option<&Type>, env: &Env) -> Option<Typed> {
        let first = self.eval(&terms[0], expected.filter(|t| matches!(t, Type::List(_))), env)?;
        if let (Type::List(_), Value::List(mut items)) = (first.ty.clone(), first.value.clone()) {
            for term in &terms[1..] {
                let next = self.eval(term, Some(&first.ty), env)?;
                let Value::List(more) = next.value else { return None };
                items.extend(more);
            }
            return Some(Typed::new(first.ty, Value::List(items)));
        }
        let ty = if first.ty == Type::Path { Type::Path } else { Type::String };
        let mut text = Text::default();
        for (term, typed) in terms.iter().zip(std::iter::once(Some(first)).chain(terms[1..].iter().map(|_| None))) {
            let typed = match typed {
                Some(typed) => typed,
                None => self.eval(term, None, env)?,
            };
            let piece = match (&term.kind, typed.value) {
                (ExprKind::Str(_), Value::Text(literal)) => literal,
                (_, value @ (Value::Text(_) | Value::Raw(_) | Value::Arg(_)))
                    if matches!(typed.ty, Type::String | Type::Path) =>
                {
                    self.interpolate(Typed::new(typed.ty, value), term.span)?
                }
                _ => {
                    self.error(
                        Code::TypeMismatch,
                        term.span,
                        format!("`+` joins strings or lists, not `{}`", typed.ty),
                        "cannot be joined",
                        "join two strings or two lists; put other values in a string with `${…}`",
                    );
                    return None;
                }
            };
            text.append(piece);
        }
        Some(Typed::new(ty, Value::Text(text)))
    }

    /// A call in expression position: only built-in functions return values.
    fn call_expr(&mut self, call: &ast::Call, env: &Env) -> Option<Typed> {
        let name: Vec<&str> = call.callee.iter().map(|i| i.name.as_str()).collect();
        match name.as_slice() {
            ["raw"] => {
                let [argument] = call.args.as_slice() else {
                    self.error(
                        Code::ArgumentCount,
                        call.span,
                        format!("`raw` takes 1 argument, {} given", call.args.len()),
                        "wrong number of arguments",
                        "write `raw(\"shell text\")`",
                    );
                    return None;
                };
                let typed = self.eval(&argument.value, Some(&Type::String), env)?;
                let (Value::Text(text) | Value::Raw(text)) = typed.value else {
                    return None;
                };
                Some(Typed::new(Type::String, Value::Raw(as_code(&text))))
            }
            ["heredoc"] => {
                self.error(
                    Code::Misplaced,
                    call.span,
                    "a here-document is a `run` command or a `copy`/`add` source",
                    "not a value",
                    "write `run heredoc(\"…\")` or `copy heredoc(\"…\") to \"/path\"`",
                );
                None
            }
            _ => {
                self.error(
                    Code::Misplaced,
                    call.span,
                    format!("`{}(…)` adds steps; it cannot be used as a value", name.join(".")),
                    "a step, not a value",
                    "call functions as statements inside a stage; the built-in value function is `raw(text)`",
                );
                None
            }
        }
    }
}

/// Whether the text holds a `$` written as code: a variable the builder expands.
fn has_builder_variable(text: &Text) -> bool {
    text.0.iter().any(|part| matches!(part, TextPart::Code(s) if s.contains('$')))
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// Marks every part as an interpolated value (quoted in a shell).
fn as_value(text: Text) -> Text {
    if text.0.is_empty() {
        // The empty string is still one (empty) word.
        return Text::value("");
    }
    let mut out = Text::default();
    for part in text.0 {
        out.push(match part {
            TextPart::Code(s) | TextPart::Value(s) => TextPart::Value(s),
            arg @ TextPart::Arg(_) => arg,
        });
    }
    out
}

/// Marks every part as code (verbatim in a shell): what `raw` does.
fn as_code(text: &Text) -> Text {
    let mut out = Text::default();
    for part in &text.0 {
        out.push(match part {
            TextPart::Code(s) | TextPart::Value(s) => TextPart::Code(s.clone()),
            TextPart::Arg(name) => TextPart::Arg(name.clone()),
        });
    }
    out
}

/// "an `int`", "a `string`".
pub(super) fn a_type(ty: &Type) -> String {
    let name = ty.to_string();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} `{name}`")
}
