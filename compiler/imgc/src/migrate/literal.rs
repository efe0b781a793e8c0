//! `.img` string literals for text migrate carries over: code the shell or the builder reads as
//! it is, so only what `.img` itself would read (`\`, `"`, `${`) is escaped.

/// Text as an `.img` string literal whose content is written code: the shell or the builder
/// reads it as it is. Escapes `\`, `"`, and `${` (which would interpolate an `.img` name).
pub fn string_literal(text: &str) -> String {
    format!("\"{}\"", escape(text, true))
}

/// The inside of a string literal for a piece of a multi-line script: tabs written as they are.
pub(super) fn string_literal_raw_tabs(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, escape_tabs: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            '\r' => out.push_str("\\r"),
            '\t' if escape_tabs => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out
}
