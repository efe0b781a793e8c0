//! Literals written from their values, for a tree without source text: strings escaped so that
//! reading them back gives the same value, numbers, ports and durations in their canonical
//! spelling, names and keys as the grammar reads them.
//!
//! Must never depend on: the source text (a parsed tree's literals are copied as written).

use super::Printer;
use super::doc::{Doc, text};
use crate::syntax::ast::{Expr, ExprKind, Layout, StrPart};

impl Printer<'_> {
    /// A literal or name from its value.
    pub(super) fn value(&mut self, expr: &Expr) -> Doc {
        match &expr.kind {
            ExprKind::Bool(value) => text(value.to_string()),
            ExprKind::Int(value) => text(value.to_string()),
            ExprKind::Port { number, protocol } => text(format!("{number}/{protocol}")),
            ExprKind::Duration { millis } => text(crate::value::format_duration(*millis)),
            ExprKind::Name(name) => text(name.clone()),
            ExprKind::Scratch => text("scratch"),
            ExprKind::Str(parts) => {
                let breaks = match &expr.layout {
                    Layout::Continued(breaks) => Some(breaks.as_slice()),
                    _ => None,
                };
                self.string(parts, breaks)
            }
            // Sequences, calls, fields and `+` chains are printed by `expr`.
            _ => text(""),
        }
    }

    /// A string: its text escaped, its interpolations as expressions; with `breaks`, a line
    /// continuation before each of those offsets of its text, and tabs as they are.
    fn string(&mut self, parts: &[StrPart], breaks: Option<&[usize]>) -> Doc {
        let mut out = vec![text("\"")];
        let mut written = String::new();
        let mut offset = 0;
        let mut index = 0;
        while index < parts.len() {
            if let StrPart::Interpolation(inner) = &parts[index] {
                out.push(text(std::mem::take(&mut written) + "${"));
                out.push(self.expr(inner));
                written.push('}');
                index += 1;
                continue;
            }
            // Consecutive text parts are one text: a `$` ending one and a `{` starting the next
            // are escaped as the `${` they make.
            let mut value = String::new();
            while let Some(StrPart::Text(more)) = parts.get(index) {
                value.push_str(more);
                index += 1;
            }
            let mut from = 0;
            for &at in breaks.unwrap_or(&[]) {
                let Some(at) = at.checked_sub(offset).filter(|&at| at >= from && at <= value.len()) else { continue };
                let Some(piece) = value.get(from..at) else { continue };
                written.push_str(&escape(piece, breaks.is_none()));
                written.push_str("\\\n");
                from = at;
            }
            written.push_str(&escape(value.get(from..).unwrap_or(""), breaks.is_none()));
            offset += value.len();
        }
        written.push('"');
        out.push(text(written));
        Doc::Concat(out)
    }
}

/// A string's text as the inside of a literal: `\`, `"`, `${` and carriage returns escaped, and
/// tabs when `tabs`; line breaks written as they are.
fn escape(value: &str, tabs: bool) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            '\r' => out.push_str("\\r"),
            '\t' if tabs => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out
}

/// A string literal of text with no interpolation.
pub(super) fn string(value: &str) -> String {
    format!("\"{}\"", escape(value, true))
}

/// A map or `env`/`label` key: a name where the grammar reads one, otherwise a string.
pub(super) fn key(key: &str) -> String {
    if crate::syntax::is_ident(key) { key.to_string() } else { string(key) }
}

#[cfg(test)]
mod tests {
    use crate::format::format_module;
    use crate::source::{FileId, Span};
    use crate::syntax::ast::*;

    fn span() -> Span {
        Span::new(FileId(0), 0..0)
    }

    fn ident(name: &str) -> Ident {
        Ident { name: name.to_string(), span: span() }
    }

    fn string(text: &str) -> Expr {
        Expr::new(ExprKind::Str(vec![StrPart::Text(text.to_string())]), span())
    }

    fn statement(kind: StatementKind, trivia: Vec<Trivia>) -> Statement {
        Statement { kind, span: span(), end: 0, braces: None, trivia }
    }

    fn let_(name: &str, value: Expr) -> Statement {
        statement(StatementKind::Let(LetDecl { name: ident(name), ty: None, value }), Vec::new())
    }

    /// The text of a string expression, interpolations written `{NAME}`.
    fn text_of(expr: &Expr) -> String {
        let ExprKind::Str(parts) = &expr.kind else { panic!("not a string: {expr:?}") };
        parts
            .iter()
            .map(|part| match part {
                StrPart::Text(text) => text.clone(),
                StrPart::Interpolation(inner) => match &inner.kind {
                    ExprKind::Name(name) => format!("{{{name}}}"),
                    _ => format!("{{{}}}", text_of(inner)),
                },
            })
            .collect()
    }

    const AWKWARD: &[&str] = &[
        "say \"hi\"",
        "C:\\path\\",
        "\\${not} ${HOME} $${X} $",
        "tab\there\r\nnext line\n",
        "ünïcødé ✓ 🐳 # not a comment",
        "\\",
        "ends with $",
        "{${",
        "the formatter's marker \u{1} stays",
        "",
    ];

    #[test]
    fn a_synthesized_tree_prints_and_reads_back_the_same_values() {
        let mut statements: Vec<Statement> =
            AWKWARD.iter().enumerate().map(|(index, value)| let_(&format!("v{index}"), string(value))).collect();
        // Text next to interpolations, one text split in two parts.
        let parts = vec![
            StrPart::Text("a$".into()),
            StrPart::Interpolation(Expr::new(ExprKind::Name("v0".into()), span())),
            StrPart::Text("$".into()),
            StrPart::Text("{b}".into()),
            StrPart::Interpolation(string("$")),
        ];
        statements.push(let_("mixed", Expr::new(ExprKind::Str(parts), span())));
        let mut continued = string("apt-get update\t&& \\\\ install");
        continued.layout = Layout::Continued(vec![15, 19, 19]);
        statements.push(let_("continued", continued));
        let mut list = Expr::new(ExprKind::List(vec![string("a"), string("b\"")]), span());
        list.layout = Layout::Broken;
        statements.push(let_("list", list));
        statements.push(let_("number", Expr::new(ExprKind::Int(42), span())));
        statements.push(let_("port", Expr::new(ExprKind::Port { number: 53, protocol: "udp".into() }, span())));
        statements.push(let_("time", Expr::new(ExprKind::Duration { millis: 90_500 }, span())));
        let entries = vec![
            Entry { key: "PLAIN".into(), key_span: span(), value: string("1") },
            Entry { key: "org.opencontainers \"x\"".into(), key_span: span(), value: string("$") },
        ];
        statements.push(statement(
            StatementKind::Env { scope: EnvScope::Both, entries: Entries::Literal(entries) },
            vec![Trivia::BlankLine, Trivia::Comment("# the environment \u{1}".into())],
        ));
        let module = Module {
            statements,
            extra: ModuleExtra { trailing: vec![Trivia::Comment("# the end".into())], ..ModuleExtra::default() },
        };
        let printed = format_module(&module);
        let (parsed, diagnostics) = crate::syntax::parse(FileId(1), &printed);
        assert!(diagnostics.is_empty(), "{printed}\n{diagnostics:?}");
        let parsed = parsed.expect("the printed tree parses");
        let values: Vec<&Expr> = parsed
            .statements
            .iter()
            .filter_map(|s| match &s.kind {
                StatementKind::Let(decl) => Some(&decl.value),
                _ => None,
            })
            .collect();
        for (index, value) in AWKWARD.iter().enumerate() {
            assert_eq!(text_of(values[index]), *value, "{printed}");
        }
        assert_eq!(text_of(values[AWKWARD.len()]), "a${v0}${b}{$}");
        assert_eq!(text_of(values[AWKWARD.len() + 1]), "apt-get update\t&& \\\\ install");
        let ExprKind::List(items) = &values[AWKWARD.len() + 2].kind else { panic!("{printed}") };
        assert_eq!(items.iter().map(text_of).collect::<Vec<_>>(), ["a", "b\""]);
        assert_eq!(values[AWKWARD.len() + 3].kind, ExprKind::Int(42));
        assert_eq!(values[AWKWARD.len() + 4].kind, ExprKind::Port { number: 53, protocol: "udp".into() });
        assert_eq!(values[AWKWARD.len() + 5].kind, ExprKind::Duration { millis: 90_500 });
        let Some(StatementKind::Env { entries: Entries::Literal(entries), .. }) =
            parsed.statements.last().map(|s| &s.kind)
        else {
            panic!("{printed}")
        };
        assert_eq!(entries[1].key, "org.opencontainers \"x\"");
        assert_eq!(text_of(&entries[1].value), "$");
        // The layout asked for: a continued string, a list one item a line, the comments.
        assert!(printed.contains("let continued = \"apt-get update\t\\\n&& \\\\\\\n\\\n\\\\ install\"\n"), "{printed}");
        assert!(printed.contains("let list = [\n    \"a\",\n    \"b\\\"\",\n]\n"), "{printed}");
        assert!(printed.contains("\n\n# the environment \u{1}\nenv both {"), "{printed}");
        assert!(printed.ends_with("}\n# the end\n"), "{printed}");
    }
}
