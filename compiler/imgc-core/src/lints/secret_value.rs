//! W0104: an `env` or `arg` whose name says secret and whose value is written in the program.

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, Text};
use crate::source::Span;

const SECRET_WORDS: &[&str] =
    &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL"];

pub(super) fn secret_value(
    name: &str,
    value: Option<&Text>,
    span: Span,
    instruction: Option<&Instruction>,
    out: &mut Vec<Diagnostic>,
) {
    let upper = name.to_ascii_uppercase();
    let literal = value.and_then(Text::as_literal).is_some_and(|v| !v.is_empty());
    let names_a_file = ["_FILE", "_PATH", "_DIR"].iter().any(|s| upper.ends_with(s));
    if !literal || names_a_file || !SECRET_WORDS.iter().any(|w| upper.contains(w)) {
        return;
    }
    let mut diagnostic = Diagnostic::warning(Code::SecretInEnv, format!("`{name}` looks like a secret, and its value is written in the program"))
        .with_label(span, "stored in the image's configuration or history")
        .with_help("pass secrets with a secret mount: `let token: secret = \"api_token\"` and `run \"…\" secret token (env: \"API_TOKEN\")`; a secret never reaches the image");
    if let Some(instruction) = instruction.filter(|i| i.origin != i.span) {
        diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
    }
    out.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn secrets_in_env_and_arg() {
        assert_eq!(codes(&image("env { DB_PASSWORD = \"hunter2\" }")), ["W0104"]);
        assert_eq!(codes("arg api_token = \"abc\"\nimage from scratch {\n}\n"), ["W0104"]);
        assert!(codes(&image("env { TOKEN_FILE_MODE = \"\" }")).is_empty());
        assert!(codes(&image("env { PASSWORD_FILE = \"/run/secrets/db\" }")).is_empty());
    }
}
