//! POSIX shell quoting for values interpolated into commands, and the command text of an IR
//! [`Text`] with its values quoted.

use crate::ir::{Text, TextPart};

/// Characters that need no quoting anywhere in a word. `=` is left out so a value can never be
/// read as a variable assignment, and `~` so it is never expanded as a home directory.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+:,./-".contains(c)
}

/// Quotes `value` so a POSIX shell reads it back as exactly one word with exactly these bytes.
pub fn quote(value: &str) -> String {
    if !value.is_empty() && value.chars().all(is_plain) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A shell command as the shell reads it: code verbatim, values quoted, arguments as `"${x}"`.
pub fn render(text: &Text) -> String {
    let mut out = String::new();
    for part in &text.0 {
        match part {
            TextPart::Code(s) => out.push_str(s),
            TextPart::Value(s) => out.push_str(&quote(s)),
            TextPart::Arg(name) => {
                out.push_str("\"${");
                out.push_str(name);
                out.push_str("}\"");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn plain_words_stay_plain() {
        assert_eq!(quote("curl"), "curl");
        assert_eq!(quote("/usr/local/bin"), "/usr/local/bin");
        assert_eq!(quote("libssl3:amd64"), "libssl3:amd64");
    }

    #[test]
    fn everything_else_is_single_quoted() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(quote("a=b"), "'a=b'");
        assert_eq!(quote("~root"), "'~root'");
        assert_eq!(quote("x\ny"), "'x\ny'");
    }
}
