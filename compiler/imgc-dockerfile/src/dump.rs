//! BuildKit's AST dump format (`parser.Node.Dump`), used for conformance:
//! one `(keyword ["--flag" …] "arg" …)` line per instruction, values quoted
//! like Go's `strconv.Quote`.

use super::ast::{Arguments, Dockerfile, Instruction};
use super::instructions::go_lower;

impl Dockerfile {
    /// The BuildKit dump: one line per instruction, each ending in `\n`
    /// (byte-identical to BuildKit's `testfiles/*/result`).
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for ins in &self.instructions {
            out.push('(');
            out.push_str(&ins.dump());
            out.push_str(")\n");
        }
        out
    }
}

impl Instruction {
    /// This instruction in BuildKit's dump format, without the outer parentheses.
    pub fn dump(&self) -> String {
        let mut s = go_lower(&self.keyword);
        if !self.flags.is_empty() {
            let flags: Vec<String> = self.flags.iter().map(|f| go_quote(&f.raw)).collect();
            s.push_str(" [");
            s.push_str(&flags.join(" "));
            s.push(']');
        }
        push_args(&mut s, &self.args);
        s.trim().to_string()
    }
}

fn push_values<'a>(s: &mut String, values: impl IntoIterator<Item = &'a str>) {
    for v in values {
        s.push(' ');
        s.push_str(&go_quote(v));
    }
}

fn push_args(s: &mut String, args: &Arguments) {
    match args {
        Arguments::Empty => {}
        Arguments::Shell(t) | Arguments::Text(t) => push_values(s, [t.as_str()]),
        Arguments::Exec(v) | Arguments::Words(v) => push_values(s, v.iter().map(String::as_str)),
        Arguments::ArgDecls(decls) => {
            for d in decls {
                let word = match &d.value {
                    Some(v) => format!("{}={v}", d.name),
                    None => d.name.clone(),
                };
                push_values(s, [word.as_str()]);
            }
        }
        Arguments::KeyValues(pairs) => {
            for p in pairs {
                let sep = if p.legacy { "" } else { "=" };
                push_values(s, [p.key.as_str(), p.value.as_str(), sep]);
            }
        }
        Arguments::Healthcheck { kind, args } => {
            push_values(s, [kind.as_str()]);
            push_args(s, args);
        }
        Arguments::Onbuild(child) => {
            s.push_str(" (");
            s.push_str(&child.dump());
            s.push(')');
        }
        Arguments::Unknown(_) => push_values(s, [""]),
    }
}

/// Go's `strconv.Quote`.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if go_is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Unicode format characters (category Cf), which Go does not print.
const FORMAT: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Approximates Go's `strconv.IsPrint` (letters, marks, numbers,
/// punctuation, symbols and ASCII space). Unassigned code points other than
/// noncharacters count as printable here; Go escapes them.
fn go_is_print(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let private = (0xE000..=0xF8FF).contains(&u) || u >= 0xF0000;
    let nonchar = (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE;
    let format = FORMAT.iter().any(|&(a, b)| (a..=b).contains(&u));
    !(private || nonchar || format)
}

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\u{0}\u{7f}\t\n"), r#""\x00\x7f\t\n""#);
        assert_eq!(go_quote("♥☃"), "\"♥☃\"");
        assert_eq!(go_quote("\u{a0}\u{feff}\u{e000}"), r#""\u00a0\ufeff\ue000""#);
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
    }
}
