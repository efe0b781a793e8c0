//! Dockerfile words (with `$VAR`, `${VAR:-…}`) as the inside of `.img` strings.

use super::Converter;
use crate::diagnostics::{Code, Diagnostic};
use crate::dockerfile::Instruction;
use crate::dockerfile::words::{Piece, Variable, Word, parse_word};
use crate::migrate::literal::string_literal;

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
    pub(super) fn word_text(&mut self, instruction: &Instruction, word: &Word) -> Option<String> {
        Some(format!("\"{}\"", self.pieces_text(instruction, &word.0)?))
    }

    /// The inside of a string literal for some pieces of a word.
    pub(super) fn pieces_text(&mut self, instruction: &Instruction, pieces: &[Piece]) -> Option<String> {
        let mut code = String::new();
        for (index, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Literal(text) => {
                    if text.contains(['\n', '\r', '\0']) {
                        self.unsupported(instruction.span, "a line break in an operand", "remove it");
                        return None;
                    }
                    let next = pieces.get(index + 1).map(|p| matches!(p, Piece::Variable(_)));
                    code.push_str(&literal_text(text, next.unwrap_or(false)));
                }
                Piece::Variable(variable) => {
                    code.push_str(&self.variable_text(instruction, variable, pieces.get(index + 1))?)
                }
            }
        }
        Some(code)
    }

    /// `$NAME` or `\${NAME…}` as code in a string.
    fn variable_text(
        &mut self,
        instruction: &Instruction,
        variable: &Variable,
        next: Option<&Piece>,
    ) -> Option<String> {
        let next_is_name =
            matches!(next, Some(Piece::Literal(t)) if t.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
        if variable.modifier.is_none() && !variable.braced && !next_is_name {
            return Some(format!("${}", variable.name));
        }
        let mut out = format!("\\${{{}", variable.name);
        if let Some((op, word)) = &variable.modifier {
            out.push_str(op);
            // The pattern of `${NAME/pattern/replacement}` ends at a `/`.
            let pattern = op.starts_with('/');
            out.push_str(&self.nested_text(instruction, word, pattern)?);
            if let Some(replacement) = &variable.replacement {
                out.push('/');
                out.push_str(&self.nested_text(instruction, replacement, false)?);
            }
        }
        out.push('}');
        Some(out)
    }

    /// A word inside `${NAME:-word}`: the builder reads it again, so characters it would take
    /// for syntax there (and that imgc cannot escape) cannot be written.
    fn nested_text(&mut self, instruction: &Instruction, word: &Word, pattern: bool) -> Option<String> {
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
        self.pieces_text(instruction, &word.0)
    }
}

/// An `env`/`label` key: a name where the grammar allows one, otherwise a string.
pub(super) fn entry_key(key: &str) -> String {
    if crate::syntax::is_ident(key) { key.to_string() } else { string_literal(key) }
}

/// Literal text of a word as the inside of an `.img` string: escapes for `\`, `"` and `${`; a `$`
/// that the builder would take for a variable is inserted as a value (`${"$"}`).
fn literal_text(text: &str, variable_follows: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (index, &c) in chars.iter().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => {
                let next = chars.get(index + 1).copied();
                let starts_variable = match next {
                    Some(n) => n == '{' || n.is_alphanumeric() || "_@*#?-$!".contains(n),
                    None => variable_follows,
                };
                out.push_str(if starts_variable { "${\"$\"}" } else { "$" });
            }
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::literal::string_literal;

    #[test]
    fn string_literals_escape_what_imgc_would_read() {
        assert_eq!(string_literal("echo \"$HOME\" ${X} \\n"), "\"echo \\\"$HOME\\\" \\${X} \\\\n\"");
        assert_eq!(literal_text("cost $5 and $", true), "cost ${\"$\"}5 and ${\"$\"}");
        assert_eq!(literal_text("a$ b", false), "a$ b");
    }
}
