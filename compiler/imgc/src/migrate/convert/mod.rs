//! Dockerfile to `.img` source: stages named, arguments typed, settings scoped, `RUN` chains
//! split into steps, standard idioms written as library calls, comments kept beside what they
//! describe. It builds the syntax tree ([`super::tree`]); [`crate::format::format_module`]
//! prints it. One file per instruction family; `stages::step` dispatches.

mod args;
mod config;
mod copy;
mod mounts;
mod run;
mod stages;
mod words;

use super::tree::{self, Body};
use crate::diagnostics::{Code, Diagnostic};
use crate::dockerfile::{self, Arguments, Comment, Dockerfile, Instruction, InstructionKind};
use crate::source::{FileId, Span};
use crate::syntax::ast::{Import, LetDecl, Module, ModuleExtra, StatementKind};
use std::collections::{BTreeSet, HashSet};

/// Converts a parsed Dockerfile (its text in `file`) into an `.img` syntax tree, or says which
/// constructs have no `.img` form. With `whole_runs`, every `RUN` stays one step.
pub fn convert(df: &Dockerfile, file: FileId, whole_runs: bool) -> Result<Module, Vec<Diagnostic>> {
    let mut converter = Converter::new(df, file);
    converter.whole_runs = whole_runs;
    let module = converter.program();
    if converter.errors.is_empty() { Ok(module) } else { Err(converter.errors) }
}

/// Names a stage or a secret cannot take: the modules migrate imports.
const MODULE_NAMES: &[&str] = &["apt", "user", "log"];

struct StageInfo {
    /// The Dockerfile's name, lowercased (`AS Build` is `build`).
    dockerfile_name: Option<String>,
    ident: String,
}

struct Converter<'d> {
    df: &'d Dockerfile,
    file: FileId,
    errors: Vec<Diagnostic>,
    imports: BTreeSet<&'static str>,
    /// `let NAME: secret = "ID"` declarations: (name, id).
    secrets: Vec<(String, String)>,
    global_args: Vec<String>,
    stages: Vec<StageInfo>,
    taken: HashSet<String>,
    /// The stage being written, by index.
    current: usize,
    /// Per stage: whether `DEBIAN_FRONTEND=noninteractive` is in the build environment at its end.
    frontend_at_end: Vec<bool>,
    /// Keep each `RUN` one step: split no `&&` chain.
    whole_runs: bool,
}

impl<'d> Converter<'d> {
    fn new(df: &'d Dockerfile, file: FileId) -> Converter<'d> {
        Converter {
            df,
            file,
            errors: Vec::new(),
            imports: BTreeSet::new(),
            secrets: Vec::new(),
            global_args: Vec::new(),
            stages: Vec::new(),
            taken: HashSet::new(),
            current: 0,
            frontend_at_end: Vec::new(),
            whole_runs: false,
        }
    }

    fn span(&self, span: dockerfile::Span) -> Span {
        Span::new(self.file, span.start.offset..span.end.offset)
    }

    /// A value builders refuse when they build (an image reference, a platform, a signal).
    fn invalid(&mut self, instruction: &Instruction, message: String) {
        self.errors.push(
            Diagnostic::error(Code::DockerfileSyntax, message)
                .with_label(self.span(instruction.span), "in this instruction")
                .with_help("builders refuse it too when they build; correct the Dockerfile"),
        );
    }

    /// A construct that `.img` cannot say.
    fn unsupported(&mut self, span: dockerfile::Span, what: impl Into<String>, help: impl Into<String>) {
        let what = what.into();
        self.errors.push(
            Diagnostic::error(Code::NotMigratable, format!("{what} has no `.img` form"))
                .with_label(self.span(span), what)
                .with_help(help),
        );
    }

    fn program(&mut self) -> Module {
        let df = self.df;
        let first_from = df.instructions.iter().position(|i| i.kind == InstructionKind::From);
        let globals = &df.instructions[..first_from.unwrap_or(df.instructions.len())];
        self.global_args = globals
            .iter()
            .filter_map(|i| match &i.args {
                Arguments::ArgDecls(decls) => Some(decls.iter().map(|d| d.name.to_string()).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        self.taken.extend(self.global_args.iter().cloned());
        self.taken.extend(MODULE_NAMES.iter().map(|s| s.to_string()));
        self.name_stages();

        let mut body = Body::default();
        let mut header: Vec<Comment> = Vec::new();
        let mut previous_line: Option<usize> = None;
        for (index, instruction) in globals.iter().enumerate() {
            let comments = if index == 0 {
                let (top, attached) = split_header(&instruction.leading_comments, instruction.span.start.line);
                header.extend(top.iter().cloned());
                attached
            } else {
                &instruction.leading_comments[..]
            };
            let first_line = comments.first().map_or(instruction.span.start.line, |c| c.span.start.line);
            // A blank line before an instruction when the Dockerfile has one.
            if previous_line.is_some_and(|p| first_line > p + 1) {
                body.blank();
            }
            body.comments(comments);
            body.comments(&instruction.inner_comments);
            for statement in self.global_arg(instruction) {
                body.push(statement);
            }
            previous_line = Some(instruction.span.end.line);
        }
        let stage_starts: Vec<usize> = df
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == InstructionKind::From)
            .map(|(index, _)| index)
            .collect();
        for (stage, &start) in stage_starts.iter().enumerate() {
            let end = stage_starts.get(stage + 1).copied().unwrap_or(df.instructions.len());
            let from = &df.instructions[start];
            let comments = if start == 0 {
                let (top, attached) = split_header(&from.leading_comments, from.span.start.line);
                header.extend(top.iter().cloned());
                attached
            } else {
                &from.leading_comments[..]
            };
            body.blank();
            body.comments(comments);
            body.comments(&from.inner_comments);
            self.current = stage;
            let last = stage + 1 == stage_starts.len();
            let instructions: Vec<&Instruction> = df.instructions[start + 1..end].iter().collect();
            let mut decl = self.stage_header(from, last);
            let (statements, leftover) = self.stage_body(&instructions, from.span.end.line).finish();
            decl.body = statements;
            body.push(tree::statement(StatementKind::Stage(Box::new(decl))));
            // Lines a stage's last instructions left without a statement stay after it.
            body.lines(leftover);
        }
        let mut out = Body::default();
        out.comments(&header);
        if !header.is_empty() {
            out.blank();
        }
        for directive in &df.directives {
            if matches!(directive.name.as_str(), "syntax" | "check") {
                out.push(tree::statement(StatementKind::Directive {
                    name: tree::ident(&directive.name),
                    value: tree::string(&directive.value),
                }));
            }
        }
        for module in &self.imports {
            out.push(tree::statement(StatementKind::Import(Import::Std {
                path: vec![tree::ident("std"), tree::ident(module)],
            })));
        }
        if !self.secrets.is_empty() {
            out.blank();
            for (name, id) in &self.secrets {
                out.push(tree::statement(StatementKind::Let(LetDecl {
                    name: tree::ident(name),
                    ty: Some(tree::type_name("secret")),
                    value: tree::string(id),
                })));
            }
        }
        if !out.is_empty() {
            out.blank();
        }
        out.append(body);
        out.comments(&df.trailing_comments);
        let (statements, trailing) = out.finish();
        Module { statements, extra: ModuleExtra { trailing, ..ModuleExtra::default() } }
    }

    /// Stage names: the Dockerfile's, made valid `.img` names, or `stage0`, `stage1`, ….
    fn name_stages(&mut self) {
        let froms: Vec<&Instruction> =
            self.df.instructions.iter().filter(|i| i.kind == InstructionKind::From).collect();
        for (index, from) in froms.iter().enumerate() {
            let dockerfile_name = match &from.args {
                Arguments::Words(words) if words.len() == 3 => Some(words[2].to_lowercase()),
                _ => None,
            };
            let wanted = match &dockerfile_name {
                Some(name) => {
                    let cleaned: String =
                        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
                    if cleaned.starts_with(|c: char| c.is_ascii_lowercase()) { cleaned } else { format!("s_{cleaned}") }
                }
                None => format!("stage{index}"),
            };
            let ident = self.fresh(&wanted);
            self.stages.push(StageInfo { dockerfile_name, ident });
        }
    }

    /// `wanted`, or the first of `wanted_stage`, `wanted_2`, … that is a free name.
    fn fresh(&mut self, wanted: &str) -> String {
        let usable = |name: &str, taken: &HashSet<String>| crate::syntax::is_ident(name) && !taken.contains(name);
        let mut candidate = wanted.to_string();
        if !usable(&candidate, &self.taken) {
            candidate = format!("{wanted}_stage");
        }
        let mut counter = 2;
        while !usable(&candidate, &self.taken) {
            candidate = format!("{wanted}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// The stage a name refers to, among the stages before `before` (or all, with `None`).
    fn stage_named(&self, name: &str, before: Option<usize>) -> Option<usize> {
        let limit = before.unwrap_or(self.stages.len());
        if let Ok(index) = name.parse::<usize>() {
            return (index < limit).then_some(index);
        }
        let lower = name.to_lowercase();
        self.stages[..limit].iter().position(|s| s.dockerfile_name.as_deref() == Some(lower.as_str()))
    }
}

/// The first comments of a file that stand apart (a blank line before the instruction or before
/// the comments that follow): the file's header, and the comments that describe the instruction.
fn split_header(comments: &[Comment], instruction_line: usize) -> (&[Comment], &[Comment]) {
    let mut split = 0;
    for (index, comment) in comments.iter().enumerate() {
        let next_line = comments.get(index + 1).map_or(instruction_line, |c| c.span.start.line);
        if next_line > comment.span.start.line + 1 {
            split = index + 1;
        }
    }
    comments.split_at(split)
}
