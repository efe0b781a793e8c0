//! The compiler's diagnostics as the protocol's: one list per file (the document and the modules
//! it imports), with the code, the primary label's range, the secondary labels as related
//! locations and the help line under the message.
//!
//! Must never depend on: the server's state or transport.

use crate::analysis::Analysis;
use crate::text::LineIndex;
use imgc_core::diagnostics::{Diagnostic, Severity};
use imgc_core::source::{FileId, Span};
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Url};
use std::collections::BTreeMap;

/// The document's diagnostics grouped by the file they point into. The document is always
/// present (an empty list clears what the editor shows).
pub fn by_file(analysis: &Analysis) -> BTreeMap<Url, Vec<lsp_types::Diagnostic>> {
    let mut files: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    files.insert(analysis.uri.clone(), Vec::new());
    for diagnostic in &analysis.compilation.diagnostics {
        let span = diagnostic.primary.as_ref().map_or(Span::default(), |l| l.span);
        // A problem in a standard module is the compiler's, not the user's: shown at the import.
        let Some(url) = analysis.url(span.file).filter(|_| !is_std(analysis, span.file)) else {
            if let Some(converted) = convert(analysis, diagnostic, Span::default()) {
                files.entry(analysis.uri.clone()).or_default().push(converted);
            }
            continue;
        };
        if let Some(converted) = convert(analysis, diagnostic, span) {
            files.entry(url.clone()).or_default().push(converted);
        }
    }
    files
}

fn is_std(analysis: &Analysis, file: FileId) -> bool {
    analysis.file(file).is_some_and(|f| f.name.starts_with("std/"))
}

/// One diagnostic, shown at `span`.
pub fn convert(analysis: &Analysis, diagnostic: &Diagnostic, span: Span) -> Option<lsp_types::Diagnostic> {
    let file = analysis.file(span.file)?;
    let range = LineIndex::new(&file.text).range(span.range());
    let mut message = diagnostic.message.clone();
    if let Some(label) = diagnostic.primary.as_ref().filter(|l| !l.message.is_empty()) {
        message.push_str(&format!(" ({})", label.message));
    }
    if let Some(help) = &diagnostic.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            Some(DiagnosticRelatedInformation {
                location: analysis.location(label.span)?,
                message: label.message.clone(),
            })
        })
        .collect();
    Some(lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.as_str().to_string())),
        source: Some("imgc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    })
}
