//! The document's shape: symbols (stages, functions, lets, args, imports), folding ranges
//! (blocks and comment runs) and semantic tokens (names from the index, with keywords, strings,
//! numbers and comments from the text).
//!
//! Must never depend on: the server's state or transport.

use crate::analysis::Analysis;
use crate::text::LineIndex;
use imgc_core::index::DefinitionKind;
use imgc_core::source::FileId;
use imgc_core::syntax::ast::{Statement, StatementKind};
use lsp_types::{DocumentSymbol, FoldingRange, FoldingRangeKind, SemanticToken, SemanticTokenType, SymbolKind};

/// The document's symbols, nested as written.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written out.
pub fn symbols(analysis: &Analysis) -> Vec<DocumentSymbol> {
    let lines = LineIndex::new(analysis.root_text());
    symbols_of(analysis.root_statements(), &lines)
}

#[allow(deprecated)]
fn symbols_of(statements: &[Statement], lines: &LineIndex) -> Vec<DocumentSymbol> {
    let mut symbols = Vec::new();
    for statement in statements {
        let (name, name_span, kind, detail, children) = match &statement.kind {
            StatementKind::Stage(stage) => {
                let (name, span) = match &stage.name {
                    Some(name) => (name.name.clone(), name.span),
                    None => ("image".to_string(), statement.span),
                };
                let kind = if stage.is_image { SymbolKind::CLASS } else { SymbolKind::MODULE };
                (name, span, kind, Some(if stage.is_image { "image" } else { "stage" }), symbols_of(&stage.body, lines))
            }
            StatementKind::Fn(decl) => (
                decl.name.name.clone(),
                decl.name.span,
                SymbolKind::FUNCTION,
                Some("fn"),
                symbols_of(&decl.body, lines),
            ),
            StatementKind::Let(decl) => {
                (decl.name.name.clone(), decl.name.span, SymbolKind::VARIABLE, Some("let"), Vec::new())
            }
            StatementKind::Arg(decl) => {
                (decl.name.name.clone(), decl.name.span, SymbolKind::CONSTANT, Some("arg"), Vec::new())
            }
            StatementKind::Import(import) => {
                let (name, span) = match import {
                    imgc_core::syntax::ast::Import::Std { path } => {
                        (path.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("."), statement.span)
                    }
                    imgc_core::syntax::ast::Import::File { alias, .. } => (alias.name.clone(), alias.span),
                };
                (name, span, SymbolKind::NAMESPACE, Some("import"), Vec::new())
            }
            StatementKind::Layer(body) | StatementKind::OnBuild(body) => {
                let keyword = statement.kind.keyword();
                (keyword.to_string(), statement.span, SymbolKind::STRUCT, None, symbols_of(body, lines))
            }
            _ => continue,
        };
        symbols.push(DocumentSymbol {
            name,
            detail: detail.map(str::to_string),
            kind,
            tags: None,
            deprecated: None,
            range: lines.range(statement.span.range()),
            selection_range: lines.range(name_span.range()),
            children: (!children.is_empty()).then_some(children),
        });
    }
    symbols
}

/// Blocks over more than one line, and runs of two or more comment lines.
pub fn folding(analysis: &Analysis) -> Vec<FoldingRange> {
    let text = analysis.root_text();
    let lines = LineIndex::new(text);
    let mut ranges = Vec::new();
    fold_statements(analysis.root_statements(), &lines, &mut ranges);
    let mut run_start: Option<u32> = None;
    let all: Vec<&str> = text.lines().collect();
    for (number, line) in all.iter().enumerate().chain(std::iter::once((all.len(), &""))) {
        let number = number as u32;
        match (line.trim_start().starts_with('#'), run_start) {
            (true, None) => run_start = Some(number),
            (false, Some(start)) => {
                if number - start >= 2 {
                    ranges.push(FoldingRange {
                        start_line: start,
                        end_line: number - 1,
                        kind: Some(FoldingRangeKind::Comment),
                        ..Default::default()
                    });
                }
                run_start = None;
            }
            _ => {}
        }
    }
    ranges
}

fn fold_statements(statements: &[Statement], lines: &LineIndex, ranges: &mut Vec<FoldingRange>) {
    for statement in statements {
        let (start, end) = (lines.line(statement.span.start as usize), lines.line(statement.span.end as usize));
        if end > start {
            ranges.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Region),
                ..Default::default()
            });
        }
        match &statement.kind {
            StatementKind::Stage(stage) => fold_statements(&stage.body, lines, ranges),
            StatementKind::Fn(decl) => fold_statements(&decl.body, lines, ranges),
            StatementKind::Layer(body) | StatementKind::OnBuild(body) => fold_statements(body, lines, ranges),
            _ => {}
        }
    }
}

/// The token types, in the order of the legend the server announces.
pub const TOKEN_TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::CLASS,
];

fn token_type(kind: DefinitionKind) -> u32 {
    match kind {
        DefinitionKind::Let | DefinitionKind::Arg => 4,
        DefinitionKind::Parameter => 5,
        DefinitionKind::Function => 6,
        DefinitionKind::Module => 7,
        DefinitionKind::Stage => 8,
    }
}

/// Words the grammar reserves, highlighted as keywords.
const KEYWORDS: &[&str] = &[
    "import",
    "as",
    "arg",
    "let",
    "fn",
    "stage",
    "image",
    "from",
    "platform",
    "to",
    "run",
    "copy",
    "add",
    "env",
    "workdir",
    "user",
    "expose",
    "label",
    "volume",
    "cmd",
    "entrypoint",
    "healthcheck",
    "stopsignal",
    "shell",
    "onbuild",
    "layer",
    "maintainer",
    "directive",
    "none",
    "true",
    "false",
    "scratch",
    "build",
    "both",
    "runtime",
];

/// Semantic tokens of the document, as the protocol's relative encoding.
pub fn tokens(analysis: &Analysis) -> Vec<SemanticToken> {
    let text = analysis.root_text();
    let index = &analysis.index;
    let mut names: Vec<(usize, usize, u32)> = index
        .definitions
        .iter()
        .map(|d| (d.span, d.kind))
        .chain(index.references.iter().map(|r| (r.span, index.definitions[r.definition].kind)))
        .filter(|(span, _)| span.file == FileId(0))
        .map(|(span, kind)| (span.start as usize, span.end as usize, token_type(kind)))
        .collect();
    names.sort_unstable();
    names.dedup_by_key(|n| n.0);
    let mut spans = Vec::with_capacity(names.len() * 2);
    for (start, end, ty) in lexical(text) {
        // A string around interpolated names is cut into the pieces between them.
        let first = names.partition_point(|n| n.0 < start);
        let mut piece = start;
        for &(name_start, name_end, _) in names[first..].iter().take_while(|n| n.1 <= end) {
            if piece < name_start {
                spans.push((piece, name_start, ty));
            }
            piece = name_end;
        }
        if piece < end {
            spans.push((piece, end, ty));
        }
    }
    spans.extend(names);
    spans.sort_unstable_by_key(|&(start, _, _)| start);
    encode(text, &spans)
}

/// Keywords, strings, numbers and comments, from the text alone.
fn lexical(text: &str) -> Vec<(usize, usize, u32)> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'#' {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            tokens.push((i, end, 3));
            i = end;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(bytes.len());
            tokens.push((i, end, 1));
            i = end;
        } else if c.is_ascii_digit() {
            let end = text[i..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '/'))
                .map_or(text.len(), |n| i + n);
            tokens.push((i, end, 2));
            i = end;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end =
                text[i..].find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).map_or(text.len(), |n| i + n);
            let word = &text[i..end];
            let is_option = ["run", "copy", "add", "healthcheck"]
                .iter()
                .any(|step| imgc_core::check::step_options(step).contains(&word));
            if KEYWORDS.contains(&word) || is_option {
                tokens.push((i, end, 0));
            }
            i = end;
        } else {
            i += 1;
        }
    }
    tokens
}

/// The protocol's encoding: each token relative to the one before, split at line ends.
fn encode(text: &str, spans: &[(usize, usize, u32)]) -> Vec<SemanticToken> {
    let lines = LineIndex::new(text);
    let mut tokens = Vec::new();
    let (mut last_line, mut last_start) = (0u32, 0u32);
    for &(start, end, ty) in spans {
        let mut piece_start = start;
        while piece_start < end {
            let piece_end = text[piece_start..end].find('\n').map_or(end, |n| piece_start + n);
            let from = lines.position(piece_start);
            let to = lines.position(piece_end);
            if to.character > from.character {
                let delta_line = from.line - last_line;
                let delta_start = if delta_line == 0 { from.character - last_start } else { from.character };
                tokens.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: to.character - from.character,
                    token_type: ty,
                    token_modifiers_bitset: 0,
                });
                (last_line, last_start) = (from.line, from.character);
            }
            piece_start = piece_end + 1;
        }
    }
    tokens
}
