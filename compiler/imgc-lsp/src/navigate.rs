//! Go to definition, find references and rename, read from the name index. An import leads to
//! the module's file; a standard module's file is the server's read-only copy.
//!
//! Must never depend on: the server's state or transport.

use crate::analysis::Analysis;
use crate::text::LineIndex;
use imgc_core::index::DefinitionKind;
use imgc_core::source::FileId;
use imgc_core::syntax::ast::StatementKind;
use lsp_types::{Location, Position, Range, TextEdit, Url, WorkspaceEdit};
use std::collections::HashMap;

/// Where the name at `offset` is declared; for an import, the module's file.
pub fn definition(analysis: &Analysis, offset: u32) -> Option<Location> {
    let module_of_import = analysis.root_statements().iter().find_map(|s| match &s.kind {
        StatementKind::Import(_) if s.span.start <= offset && offset <= s.span.end => {
            analysis.compilation.modules.as_ref()?.modules.first()?.imports.get(&s.span).copied()
        }
        _ => None,
    });
    let id = analysis.index.definition_at(FileId(0), offset);
    let target_module = module_of_import.or_else(|| {
        let definition = &analysis.index.definitions[id?];
        // On the import's own name, or on a use of it: the module.
        (definition.kind == DefinitionKind::Module).then_some(definition.target_module).flatten()
    });
    if let Some(module) = target_module {
        let url = analysis.url(analysis.module_file(module)?)?.clone();
        return Some(Location::new(url, Range::new(Position::new(0, 0), Position::new(0, 0))));
    }
    analysis.location(analysis.index.definitions[id?].span)
}

/// Every use of the name at `offset` (and its declaration when asked).
pub fn references(analysis: &Analysis, offset: u32, include_declaration: bool) -> Vec<Location> {
    let Some(id) = analysis.index.definition_at(FileId(0), offset) else { return Vec::new() };
    let declaration = include_declaration.then(|| analysis.index.definitions[id].span);
    declaration.into_iter().chain(analysis.index.references_to(id)).filter_map(|span| analysis.location(span)).collect()
}

/// The name under the cursor if it may be renamed, with its range; else why not.
pub fn prepare_rename(analysis: &Analysis, offset: u32) -> Result<Range, String> {
    let id = analysis.index.definition_at(FileId(0), offset).ok_or("no name here to rename")?;
    let definition = &analysis.index.definitions[id];
    if definition.in_stdlib || is_std_import(analysis, id) {
        return Err(format!("`{}` belongs to the standard library and cannot be renamed", definition.name));
    }
    let span = analysis
        .index
        .references
        .iter()
        .map(|r| r.span)
        .chain(std::iter::once(definition.span))
        .find(|s| s.file == FileId(0) && s.start <= offset && offset <= s.end)
        .ok_or("no name here to rename")?;
    Ok(LineIndex::new(analysis.root_text()).range(span.range()))
}

fn is_std_import(analysis: &Analysis, id: usize) -> bool {
    let definition = &analysis.index.definitions[id];
    definition.kind == DefinitionKind::Module
        && definition
            .target_module
            .and_then(|m| analysis.module_file(m))
            .and_then(|f| analysis.file(f))
            .is_some_and(|f| f.name.starts_with("std/"))
}

/// The edits renaming the name at `offset` to `new_name` in every file that uses it, or why not:
/// a standard library name, a word that is not a name, or a name already declared where the
/// renamed one is visible.
pub fn rename(analysis: &Analysis, offset: u32, new_name: &str) -> Result<WorkspaceEdit, String> {
    prepare_rename(analysis, offset)?;
    let id = analysis.index.definition_at(FileId(0), offset).ok_or("no name here to rename")?;
    let definition = &analysis.index.definitions[id];
    if !imgc_core::syntax::is_ident(new_name) {
        return Err(format!("`{new_name}` is not a name (a keyword, or not letters, digits and `_`)"));
    }
    let clash = analysis.index.definitions.iter().enumerate().find(|(other, d)| {
        *other != id && d.name == new_name && d.module == definition.module && scopes_meet(definition.scope, d.scope)
    });
    if let Some((_, other)) = clash {
        let place = analysis.compilation.sources.location(other.span);
        return Err(format!("`{new_name}` is already declared at {place}"));
    }
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for span in std::iter::once(definition.span).chain(analysis.index.references_to(id)) {
        if let Some(location) = analysis.location(span) {
            changes.entry(location.uri).or_default().push(TextEdit::new(location.range, new_name.to_string()));
        }
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..Default::default() })
}

/// Where the name at `offset` is declared, as a location (to find it in another document's
/// analysis).
pub fn declaration(analysis: &Analysis, offset: u32) -> Option<Location> {
    let id = analysis.index.definition_at(FileId(0), offset)?;
    analysis.location(analysis.index.definitions[id].span)
}

/// Adds to `edit` the renaming of the uses `analysis` (another open document) makes of the name
/// declared at `declaration`, where the edit does not have them yet.
pub fn rename_uses_of(analysis: &Analysis, declaration: &Location, new_name: &str, edit: &mut WorkspaceEdit) {
    let Some(id) =
        analysis.index.definitions.iter().position(|d| analysis.location(d.span).as_ref() == Some(declaration))
    else {
        return;
    };
    let changes = edit.changes.get_or_insert_with(HashMap::new);
    for location in analysis.index.references_to(id).filter_map(|span| analysis.location(span)) {
        let edits = changes.entry(location.uri).or_default();
        if !edits.iter().any(|e| e.range == location.range) {
            edits.push(TextEdit::new(location.range, new_name.to_string()));
        }
    }
}

/// Whether two names' scopes overlap (a module-wide scope meets every scope of its module).
fn scopes_meet(a: Option<imgc_core::source::Span>, b: Option<imgc_core::source::Span>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.start <= b.end && b.start <= a.end,
        _ => true,
    }
}
