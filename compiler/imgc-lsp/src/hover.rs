//! Hover: for a name, what it is (a value's type, a function's signature) and its doc comment;
//! for a step, the Dockerfile instructions it emits with the optimizer off and on.
//!
//! Must never depend on: the server's state or transport.

use crate::analysis::Analysis;
use imgc_core::index::{Definition, DefinitionKind};
use imgc_core::ir::Program;
use imgc_core::source::{FileId, Span};
use imgc_core::syntax::ast::{Statement, StatementKind};
use imgc_core::{Optimize, Target, emit, optimize};

/// The hover text at `offset` of the document, in Markdown, and the span it is about.
pub fn hover(analysis: &Analysis, offset: u32) -> Option<(String, Span)> {
    if let Some(id) = analysis.index.definition_at(FileId(0), offset) {
        let definition = &analysis.index.definitions[id];
        let span = analysis
            .index
            .references
            .iter()
            .find(|r| r.span.file == FileId(0) && r.span.start <= offset && offset <= r.span.end)
            .map_or(definition.span, |r| r.span);
        return Some((describe(definition), span));
    }
    let step = innermost_step(analysis.root_statements(), offset)?;
    Some((step_instructions(analysis, step.span)?, step.span))
}

/// A definition in Markdown: its declaration in a code block, then its doc comment.
pub fn describe(definition: &Definition) -> String {
    let detail = definition.detail.as_deref();
    let head = match definition.kind {
        DefinitionKind::Let => match detail {
            Some(ty) => format!("let {}: {ty}", definition.name),
            None => format!("let {}", definition.name),
        },
        DefinitionKind::Arg => format!("arg {}: {}", definition.name, detail.unwrap_or("string")),
        DefinitionKind::Parameter => format!("(parameter) {}: {}", definition.name, detail.unwrap_or("?")),
        DefinitionKind::Function => detail.map_or_else(|| format!("fn {}", definition.name), str::to_string),
        DefinitionKind::Stage => format!("stage {} from {}", definition.name, detail.unwrap_or("?")),
        DefinitionKind::Module => detail.unwrap_or("import").to_string(),
    };
    let mut text = format!("```img\n{head}\n```");
    if let Some(doc) = &definition.doc {
        text.push_str("\n\n");
        text.push_str(doc);
    }
    text
}

/// The innermost step (not a declaration or a block) written at `offset`.
fn innermost_step(statements: &[Statement], offset: u32) -> Option<&Statement> {
    let statement = statements.iter().find(|s| s.span.start <= offset && offset <= s.span.end)?;
    match &statement.kind {
        StatementKind::Stage(stage) => innermost_step(&stage.body, offset),
        StatementKind::Layer(body) | StatementKind::OnBuild(body) => innermost_step(body, offset).or(Some(statement)),
        StatementKind::Fn(_)
        | StatementKind::Let(_)
        | StatementKind::Arg(_)
        | StatementKind::Import(_)
        | StatementKind::Directive { .. } => None,
        _ => Some(statement),
    }
}

/// The Dockerfile lines a step gives, unoptimized and optimized (where a pass merged or moved it).
fn step_instructions(analysis: &Analysis, step: Span) -> Option<String> {
    let program = analysis.compilation.program.as_ref().filter(|_| !analysis.compilation.has_errors())?;
    let plain = lines_for(program, &Optimize::none(), step, false)?;
    let optimized = lines_for(program, &Optimize::default(), step, true)?;
    let mut text = format!("Dockerfile, optimizer off:\n```dockerfile\n{}\n```", plain.join("\n"));
    text.push_str("\n\nDockerfile, optimizer on:\n");
    if optimized.is_empty() {
        text.push_str("(no instruction: the optimizer removed or folded this step)");
    } else {
        text.push_str(&format!("```dockerfile\n{}\n```", optimized.join("\n")));
    }
    Some(text)
}

/// The instruction texts that came from `step` (through a function call too; optimized: merged
/// into another instruction too).
fn lines_for(program: &Program, options: &Optimize, step: Span, include_merged: bool) -> Option<Vec<String>> {
    let (optimized, _) = optimize::optimize(program, options);
    let emitted = emit::dockerfile::emit_parts(&optimized, Target::Buildkit).ok()?;
    let mut lines = Vec::new();
    for (stage, emitted_stage) in optimized.stages.iter().zip(&emitted.stages) {
        for (instruction, text) in stage.instructions.iter().zip(&emitted_stage.instructions) {
            let from_step = instruction.origin == step || (include_merged && instruction.merged.contains(&step));
            if let (true, Some(text)) = (from_step, text) {
                lines.push(text.clone());
            }
        }
    }
    Some(lines)
}
