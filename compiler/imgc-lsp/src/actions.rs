//! Code actions (the compiler's "did you mean" suggestions as quick fixes, and adding a missing
//! `import std.x`), the code lens over each `image` and the Dockerfile it shows.
//!
//! Must never depend on: the server's state or transport.

use crate::analysis::Analysis;
use crate::text::LineIndex;
use imgc_core::diagnostics::Code;
use imgc_core::source::FileId;
use imgc_core::syntax::ast::StatementKind;
use imgc_core::{Target, stdlib};
use lsp_types::{
    CodeAction, CodeActionKind, CodeLens, Command, Diagnostic, Position, Range, TextEdit, Url, WorkspaceEdit,
};
use std::collections::HashMap;

/// The command that shows the Dockerfile of a document (its argument: the document's URI).
pub const SHOW_DOCKERFILE: &str = "imgc.showDockerfile";

/// Quick fixes for the document's diagnostics that touch `range`.
pub fn code_actions(analysis: &Analysis, range: Range) -> Vec<CodeAction> {
    let text = analysis.root_text();
    let lines = LineIndex::new(text);
    let mut actions = Vec::new();
    for diagnostic in &analysis.compilation.diagnostics {
        let Some(label) = diagnostic.primary.as_ref().filter(|l| l.span.file == FileId(0)) else { continue };
        let label_range = lines.range(label.span.range());
        if label_range.end < range.start || range.end < label_range.start {
            continue;
        }
        let shown = crate::diagnostics::convert(analysis, diagnostic, label.span);
        let written = analysis.compilation.sources.snippet(label.span);
        if let Some(suggestion) = diagnostic.help.as_deref().and_then(suggested_name) {
            // `did you mean `apt.install`?` under `instal` replaces the member only.
            let replacement =
                if written.contains('.') { suggestion } else { suggestion.rsplit('.').next().unwrap_or(suggestion) };
            actions.push(quick_fix(
                format!("Replace `{written}` with `{replacement}`"),
                &analysis.uri,
                TextEdit::new(label_range, replacement.to_string()),
                shown.clone(),
            ));
        }
        if diagnostic.code == Code::UnknownName {
            let module = written.split('.').next().unwrap_or(written);
            if stdlib::module(module).is_some() && !imports(analysis, module) {
                let at = import_position(analysis, &lines);
                actions.push(quick_fix(
                    format!("Add `import std.{module}`"),
                    &analysis.uri,
                    TextEdit::new(Range::new(at, at), format!("import std.{module}\n")),
                    shown,
                ));
            }
        }
    }
    actions
}

/// The name in a help line `did you mean `X`?`.
fn suggested_name(help: &str) -> Option<&str> {
    let rest = help.strip_prefix("did you mean `")?;
    let end = rest.find('`')?;
    let name = &rest[..end];
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.').then_some(name)
}

fn imports(analysis: &Analysis, module: &str) -> bool {
    analysis.root_statements().iter().any(|s| {
        matches!(&s.kind, StatementKind::Import(imgc_core::syntax::ast::Import::Std { path }) if path.last().is_some_and(|p| p.name == module))
    })
}

/// Where a new import goes: after the last import, else after the file's leading comments.
fn import_position(analysis: &Analysis, lines: &LineIndex) -> Position {
    let last_import = analysis.root_statements().iter().rfind(|s| matches!(s.kind, StatementKind::Import(_)));
    if let Some(import) = last_import {
        return Position::new(lines.line(import.span.end as usize) + 1, 0);
    }
    let leading_comments = analysis.root_text().lines().take_while(|l| l.trim_start().starts_with('#')).count();
    Position::new(leading_comments as u32, 0)
}

fn quick_fix(title: String, uri: &Url, edit: TextEdit, diagnostic: Option<Diagnostic>) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: diagnostic.map(|d| vec![d]),
        edit: Some(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), vec![edit])])), ..Default::default() }),
        is_preferred: Some(true),
        ..Default::default()
    }
}

/// A lens over each `image` block that shows the Dockerfile.
pub fn code_lenses(analysis: &Analysis) -> Vec<CodeLens> {
    let lines = LineIndex::new(analysis.root_text());
    analysis
        .root_statements()
        .iter()
        .filter(|s| matches!(&s.kind, StatementKind::Stage(stage) if stage.is_image))
        .map(|s| {
            let at = lines.position(s.span.start as usize);
            CodeLens {
                range: Range::new(at, at),
                command: Some(Command {
                    title: "Show Dockerfile".to_string(),
                    command: SHOW_DOCKERFILE.to_string(),
                    arguments: Some(vec![serde_json::Value::String(analysis.uri.to_string())]),
                }),
                data: None,
            }
        })
        .collect()
}

/// The optimized Dockerfile of the document, or the first error that prevents it.
pub fn dockerfile(analysis: &Analysis) -> Result<String, String> {
    analysis.compilation.dockerfile(Target::Buildkit).map_err(|errors| match errors.first() {
        Some(error) => format!(
            "the program does not compile: {}[{}]: {}",
            if error.is_error() { "error" } else { "warning" },
            error.code.as_str(),
            error.message
        ),
        None => "the program does not compile".to_string(),
    })
}
