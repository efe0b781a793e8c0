//! Reparsing a file after an edit: the top-level statements before the edit are kept from the
//! previous parse and only the text from there on is parsed again, so typing near the end of a
//! long file costs little. The result is the same as a full parse (tested on every one-character
//! edit of the examples).
//!
//! Must never depend on: anything but the parser (`syntax::parse`).

use super::{ast, parse};
use crate::diagnostics::Diagnostic;
use crate::source::FileId;

/// A file's text with its parse, kept to reparse the next version of the file.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub text: String,
    pub module: Option<ast::Module>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Parses `text` from scratch.
    pub fn new(file: FileId, text: &str) -> Parsed {
        let (module, diagnostics) = parse(file, text);
        Parsed { text: text.to_string(), module, diagnostics }
    }

    /// Parses `text`, a new version of this file, reusing the statements the edit cannot reach.
    pub fn reparse(&self, file: FileId, text: &str) -> Parsed {
        let Some(previous) = &self.module else { return Parsed::new(file, text) };
        let common = self.text.bytes().zip(text.bytes()).take_while(|(a, b)| a == b).count();
        // Statements wholly before the edit, less the last of them: a step's options may
        // continue it on the next line, so it is parsed again with the edited text.
        let before_edit = previous.statements.iter().take_while(|s| (s.span.end as usize) < common).count();
        let kept = before_edit.saturating_sub(1);
        let Some(resume) = kept.checked_sub(1).map(|last| previous.statements[last].span.end as usize) else {
            return Parsed::new(file, text);
        };
        // The kept statements' text becomes blanks: offsets stay those of the whole file.
        let mut masked = " ".repeat(resume);
        masked.push_str(&text[resume..]);
        let (rest, rest_diagnostics) = parse(file, &masked);
        let Some(rest) = rest else {
            // A syntax error is the only diagnostic of a file that does not parse.
            return Parsed { text: text.to_string(), module: None, diagnostics: rest_diagnostics };
        };
        let kept_diagnostics =
            self.diagnostics.iter().filter(|d| d.primary.as_ref().is_some_and(|l| (l.span.end as usize) <= resume));
        let mut diagnostics: Vec<Diagnostic> = kept_diagnostics.cloned().collect();
        diagnostics.extend(rest_diagnostics);
        let mut statements = previous.statements[..kept].to_vec();
        statements.extend(rest.statements);
        Parsed {
            text: text.to_string(),
            module: Some(ast::Module { statements, extra: super::module_extra(file, text) }),
            diagnostics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = r#"# A program with a bit of everything.
import std.apt
arg version: string = "1.0"
let http: port = 8080/tcp
let slow: duration = 30x

fn build(name: string) {
    run "make ${name}"
}

stage deps from "debian:bookworm-slim" {
    apt.install(["gcc"])
    run "make"
        cache "/root/.cache"
}

image from "debian:bookworm-slim" {
    copy from deps "/out" to "/app"
    build("x")
    expose http
    cmd ["/app"]
}
"#;

    /// Every one-character insertion and deletion reparses to what a full parse gives.
    #[test]
    fn reparsing_after_any_small_edit_equals_a_full_parse() {
        let file = FileId(0);
        let previous = Parsed::new(file, PROGRAM);
        assert!(previous.module.is_some() && previous.diagnostics.len() == 1, "{:?}", previous.diagnostics);
        let mut edits = Vec::new();
        for (at, _) in PROGRAM.char_indices() {
            for inserted in ["x", "\n", "}", "\"", " cache \"/c\"\n", "\nrun \"y\"\n"] {
                edits.push(format!("{}{inserted}{}", &PROGRAM[..at], &PROGRAM[at..]));
            }
            let next = at + PROGRAM[at..].chars().next().map_or(0, char::len_utf8);
            edits.push(format!("{}{}", &PROGRAM[..at], &PROGRAM[next..]));
        }
        for edited in &edits {
            let full = Parsed::new(file, edited);
            let incremental = previous.reparse(file, edited);
            assert_eq!(incremental.module, full.module, "differs after the edit:\n{edited}");
            assert_eq!(incremental.diagnostics, full.diagnostics, "diagnostics differ after the edit:\n{edited}");
            // And from a broken version back.
            let back = incremental.reparse(file, PROGRAM);
            assert_eq!(back.module, previous.module);
            assert_eq!(back.diagnostics, previous.diagnostics);
        }
    }
}
