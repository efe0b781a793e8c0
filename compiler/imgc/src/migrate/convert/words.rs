//! Dockerfile words (with `$VAR`, `${VAR:-…}`) as the inside of `.img` strings.

use super::Converter;
use crate::diagnostics::{Code, Diagnostic};
use crate::dockerfile::Instruction;
use crate::dockerfile::words::{Piece, Variable, Word, parse_word};
use crate::migrate::tree::{self, Parts};
use crate::syntax::ast::Expr;

impl Converter<'_> {
    /// Reads a builder-expanded word of `instruction`.
    pub(super) fn word(&mut self, instruction: &Instruction, text: &str) -> Option<Word> {
        match parse_word(text, self.df.escape) {
            Ok(word) => Some(word),
            Err(problem) => {
                self.errors.push(
                    Diagnostic::error(Code::DockerfileSyntax, format!("`{text}` cannot be read: {problem}"))
                        .with_label(self.span(instruction.span), "in this instruction")
                        .with_help("the builder would refuse it too; fix the quoting"),
                );
                None
            }
        }
    }

    /// A word as an `.img` string: its text as written code, variables as `$NAME`.
    pub(super) fn word_text(&mut self, instruction: &Instruction, word: &Word) -> Option<Expr> {
        Some(tree::string_of(self.pieces(instruction, &word.0)?))
    }

    /// Some pieces of a word as the parts of a string.
    pub(super) fn pieces(&mut self, instruction: &Instruction, pieces: &[Piece]) -> Option<Parts> {
        let mut code = Parts::default();
        for (index, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Literal(text) => {
                    if text.contains(['\n', '\r', '\0']) {
                        self.unsupported(instruction.span, "a line break in an operand", "remove it");
                        return None;
                    }
                    let next = pieces.get(index + 1).map(|p| matches!(p, Piece::Variable(_)));
                    code.extend(literal_text(text, next.unwrap_or(false)));
                }
                Piece::Variable(variable) => {
                    code.extend(self.variable_text(instruction, variable, pieces.get(index + 1))?)
                }
            }
        }
        Some(code)
    }

    /// `$NAME` or `${NAME…}` as code in a string (the formatter escapes the `${`).
    fn variable_text(&mut self, instruction: &Instruction, variable: &Variable, next: Option<&Piece>) -> Option<Parts> {
        let next_is_name =
            matches!(next, Some(Piece::Literal(t)) if t.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
        let mut out = Parts::default();
        if variable.modifier.is_none() && !variable.braced && !next_is_name {
            out.text(&format!("${}", variable.name));
            return Some(out);
        }
        out.text(&format!("${{{}", variable.name));
        if let Some((op, word)) = &variable.modifier {
            out.text(op);
            // The pattern of `${NAME/pattern/replacement}` ends at a `/`.
            let pattern = op.starts_with('/');
            out.extend(self.nested_text(instruction, word, pattern)?);
            if let Some(replacement) = &variable.replacement {
                out.text("/");
                out.extend(self.nested_text(instruction, replacement, false)?);
            }
        }
        out.text("}");
        Some(out)
    }

    /// A word inside `${NAME:-word}`: the builder reads it again, so characters it would take
    /// for syntax there (and that imgc cannot escape) cannot be written.
    fn nested_text(&mut self, instruction: &Instruction, word: &Word, pattern: bool) -> Option<Parts> {
        let special: &[char] = if pattern { &['}', '\'', '/'] } else { &['}', '\''] };
        for piece in &word.0 {
            if let Piece::Literal(text) = piece
                && text.contains(special)
            {
                self.unsupported(
                    instruction.span,
                    "a literal `}`, `'` (or `/` in a pattern) inside a `${…}` substitution",
                    "set the value with an `ARG` or `ENV` first and substitute that",
                );
                return None;
            }
        }
        self.pieces(instruction, &word.0)
    }
}

/// Literal text of a word as string parts: a `$` that the builder would take for a variable is
/// inserted as a value (`${"$"}`).
fn literal_text(text: &str, variable_follows: bool) -> Parts {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Parts::default();
    for (index, &c) in chars.iter().enumerate() {
        if c != '$' {
            out.text(c.encode_utf8(&mut [0; 4]));
            continue;
        }
        let starts_variable = match chars.get(index + 1).copied() {
            Some(n) => n == '{' || n.is_alphanumeric() || "_@*#?-$!".contains(n),
            None => variable_follows,
        };
        if starts_variable {
            out.interpolate(tree::string("$"));
        } else {
            out.text("$");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{ExprKind, StrPart};

    fn written(parts: Parts) -> String {
        parts
            .0
            .iter()
            .map(|part| match part {
                StrPart::Text(text) => text.clone(),
                StrPart::Interpolation(Expr { kind: ExprKind::Str(inner), .. }) => format!("<{inner:?}>"),
                StrPart::Interpolation(other) => format!("<{other:?}>"),
            })
            .collect()
    }

    #[test]
    fn a_dollar_the_builder_would_read_is_a_value() {
        let dollar = format!("<{:?}>", [StrPart::Text("$".into())]);
        assert_eq!(written(literal_text("cost $5 and $", true)), format!("cost {dollar}5 and {dollar}"));
        assert_eq!(written(literal_text("a$ b", false)), "a$ b");
    }
}
