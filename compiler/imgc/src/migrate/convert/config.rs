//! The image's settings: `ENV`, `LABEL`, `EXPOSE`, `CMD`/`ENTRYPOINT`, `HEALTHCHECK` and the
//! one-operand instructions.

use super::Converter;
use crate::dockerfile::words::parse_word;
use crate::dockerfile::{self, Arguments, Instruction, KeyValue};
use crate::migrate::tree;
use crate::syntax::ast::{Entries, EnvScope, Expr, Statement, StatementKind};

impl Converter<'_> {
    /// The one operand of `workdir`, `user`, `stopsignal`.
    pub(super) fn single(&mut self, instruction: &Instruction, text: &str) -> Option<Expr> {
        let word = self.word(instruction, text)?;
        self.word_text(instruction, &word)
    }

    pub(super) fn env(
        &mut self,
        instruction: &Instruction,
        pairs: &[KeyValue],
        runtime: &[bool],
        trigger: bool,
    ) -> Vec<Statement> {
        let mut both = Vec::new();
        let mut config = Vec::new();
        for (index, pair) in pairs.iter().enumerate() {
            let Some(key) = self.word(instruction, &pair.key).and_then(|w| w.literal()) else {
                self.unsupported(instruction.span, "a variable in an `ENV` name", "write the name literally");
                return Vec::new();
            };
            if !crate::literals::is_env_name(&key) {
                self.unsupported(
                    instruction.span,
                    format!("the environment variable name `{key}`"),
                    "name it with letters, digits and `_`, not starting with a digit",
                );
                return Vec::new();
            }
            let Some(value) = self.word(instruction, &pair.value).and_then(|w| self.word_text(instruction, &w)) else {
                return Vec::new();
            };
            let entry = tree::entry(&key, value);
            if !trigger && runtime.get(index).copied().unwrap_or(false) {
                config.push(entry);
            } else {
                both.push(entry);
            }
        }
        let mut out = Vec::new();
        for (scope, entries) in [(EnvScope::Both, both), (EnvScope::Runtime, config)] {
            if !entries.is_empty() {
                out.push(tree::statement(StatementKind::Env { scope, entries: Entries::Literal(entries) }));
            }
        }
        out
    }

    pub(super) fn label(&mut self, instruction: &Instruction, pairs: &[KeyValue]) -> Option<Statement> {
        let mut entries = Vec::new();
        for pair in pairs {
            let Some(key) = self.word(instruction, &pair.key)?.literal() else {
                self.unsupported(instruction.span, "a variable in a `LABEL` key", "write the key literally");
                return None;
            };
            if key.is_empty() {
                self.unsupported(instruction.span, "a `LABEL` with an empty name", "give the label a name");
                return None;
            }
            if key.contains(['\n', '\r']) {
                self.unsupported(instruction.span, "a line break in a `LABEL` name", "write the name on one line");
                return None;
            }
            let value = self.word(instruction, &pair.value)?;
            entries.push(tree::entry(&key, self.word_text(instruction, &value)?));
        }
        Some(tree::statement(StatementKind::Label(Entries::Literal(entries))))
    }

    pub(super) fn expose(&mut self, instruction: &Instruction, words: &[dockerfile::Str]) -> Option<Statement> {
        let mut ports = Vec::new();
        for text in words {
            let word = self.word(instruction, text)?;
            let port = match word.literal() {
                Some(literal) => match port_literal(&literal) {
                    Some(port) => port,
                    None => {
                        self.unsupported(
                            instruction.span,
                            format!("the port `{literal}`"),
                            "expose the ports one by one, as `NUMBER[/tcp|udp|sctp]`",
                        );
                        return None;
                    }
                },
                None => self.word_text(instruction, &word)?,
            };
            ports.push(port);
        }
        Some(tree::statement(StatementKind::Expose(ports)))
    }

    /// A `CMD`/`ENTRYPOINT` command: shell form as written, or the exec list.
    pub(super) fn command(&mut self, instruction: &Instruction, args: &Arguments) -> Option<Expr> {
        match args {
            Arguments::Shell(text) => Some(tree::string(text)),
            Arguments::Exec(words) => Some(tree::strings(words)),
            Arguments::Empty => {
                self.unsupported(instruction.span, "an empty command", "give the command");
                None
            }
            _ => None,
        }
    }

    pub(super) fn healthcheck(&mut self, instruction: &Instruction, kind: &str, args: &Arguments) -> Option<Statement> {
        if kind.eq_ignore_ascii_case("none") {
            return Some(tree::statement(StatementKind::Healthcheck(None)));
        }
        let command = self.command(instruction, args)?;
        let mut clauses = Vec::new();
        for flag in &instruction.flags {
            let value = flag.value.as_deref().unwrap_or_default();
            let clause = match flag.name.as_str() {
                "retries" => value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .map(|n| tree::clause("retries", Some(tree::int(n)), Vec::new())),
                name => go_duration_millis(value)
                    .map(|millis| tree::clause(&name.replace('-', "_"), Some(tree::duration(millis)), Vec::new())),
            };
            match clause {
                Some(clause) => clauses.push(clause),
                None => {
                    self.unsupported(
                        flag.span,
                        format!("`--{}={value}`", flag.name),
                        "durations are whole milliseconds, retries a number, both written literally",
                    );
                    return None;
                }
            }
        }
        Some(tree::statement(StatementKind::Healthcheck(Some((command, clauses)))))
    }
}

/// `DEBIAN_FRONTEND` after an `ENV`: set to `noninteractive` (literally), or unset as known.
pub(super) fn frontend_after(before: bool, pairs: &[KeyValue], escape: char) -> bool {
    let mut value = before;
    for pair in pairs {
        if pair.key == "DEBIAN_FRONTEND" {
            let literal = parse_word(&pair.value, escape).ok().and_then(|w| w.literal());
            value = literal.as_deref() == Some("noninteractive");
        }
    }
    value
}

/// Go's `strconv.ParseBool`.
pub(super) fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A Go duration as an `.img` duration (whole milliseconds).
fn go_duration_millis(text: &str) -> Option<u64> {
    let nanos = dockerfile::go_duration(text).ok()?;
    if nanos <= 0 || nanos % 1_000_000 != 0 {
        return None;
    }
    u64::try_from(nanos / 1_000_000).ok()
}

/// A literal `EXPOSE` port as an `.img` port (a bare number, or with its protocol), or `None`
/// (a range, a bad number).
fn port_literal(text: &str) -> Option<Expr> {
    let (number, protocol) = match text.split_once('/') {
        Some((n, p)) => (n, Some(p.to_lowercase())),
        None => (text, None),
    };
    // Digits only, as Go's `strconv.ParseUint` reads a port (Rust's `parse` also takes a `+`).
    let digits = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    let value: u16 = number.parse().ok().filter(|n| digits && *n >= 1 && !number.starts_with('0'))?;
    match protocol.as_deref() {
        None => Some(tree::int(i64::from(value))),
        Some(p @ ("tcp" | "udp" | "sctp")) => Some(tree::port(i64::from(value), p)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_durations_and_headers() {
        assert_eq!(port_literal("80"), Some(tree::int(80)));
        assert_eq!(port_literal("53/UDP"), Some(tree::port(53, "udp")));
        assert_eq!(port_literal("8000-8010"), None);
        // The builder refuses a sign; a leading zero would be written back without it.
        assert_eq!(port_literal("+80"), None);
        assert_eq!(port_literal("+080/tcp"), None);
        assert_eq!(port_literal("080"), None);
        assert_eq!(go_duration_millis("90s"), Some(90_000));
        assert_eq!(go_duration_millis("0.5s"), Some(500));
        assert_eq!(go_duration_millis("1us"), None);
    }
}
