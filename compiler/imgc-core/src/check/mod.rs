//! Name resolution, type checking and elaboration: turns the loaded modules into the IR.
//! Values are computed at compile time (functions expand, constants fold); build arguments stay
//! symbolic so the builder can still override them.

mod expr;

mod scope;
mod stages;
mod steps;

pub use steps::step_options;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir;
use crate::modules::ModuleGraph;
use crate::source::Span;
use crate::syntax::ast;
use crate::types::Type;
use scope::{Binding, Env};
use std::collections::{HashMap, HashSet};

/// The parser directives a program may set (`escape` is not one: imgc writes `\\`).
const DIRECTIVES: &[&str] = &["syntax", "check"];

/// Build-argument values given on the command line (`--arg name=value`), in order.
#[derive(Debug, Clone, Default)]
pub struct ArgValues(pub Vec<(String, String)>);

/// Checks the program and lowers it to the IR. Returns `None` when an error was reported.
pub fn check(
    graph: &ModuleGraph,
    source_name: &str,
    args: &ArgValues,
    diagnostics: &mut Diagnostics,
) -> Option<ir::Program> {
    let mut checker = Checker::new(graph);
    let program = checker.program(source_name, args);
    let failed = checker.diagnostics.has_errors();
    diagnostics.extend(checker.diagnostics);
    if failed { None } else { program }
}

/// What the stage currently being elaborated needs to know about its neighbours.
struct StageInfo {
    name: Option<String>,
    /// The name in the emitted Dockerfile (`ir::Stage::dockerfile_name`).
    dockerfile_name: Option<String>,
    span: Span,
}

pub(crate) struct Checker<'g> {
    graph: &'g ModuleGraph,
    diagnostics: Diagnostics,
    /// Each module's top-level names, filled on first use.
    module_scopes: Vec<Option<HashMap<String, (Binding, Span)>>>,
    stages: Vec<StageInfo>,
    /// Stage-to-stage references that lie on a cycle.
    cyclic_edges: HashSet<(usize, usize)>,
    /// Global build arguments: name to type.
    global_args: HashMap<String, Type>,
    /// Functions being expanded, for recursion checks: (module, statement index).
    call_stack: Vec<(usize, usize)>,
    current_stage: Option<usize>,
    /// `--arg` values, in order; the last one given for a name wins.
    cli_args: Vec<(String, String)>,
    /// Names of `--arg` values some declaration took.
    used_cli_args: HashSet<String>,
    /// Functions expanded at least once: (module, statement index).
    called: HashSet<(usize, usize)>,
    /// The root file's build arguments, in order.
    program_args: Vec<ir::ArgDef>,
}

impl<'g> Checker<'g> {
    fn new(graph: &'g ModuleGraph) -> Checker<'g> {
        Checker {
            graph,
            diagnostics: Diagnostics::default(),
            module_scopes: vec![None; graph.modules.len()],
            stages: Vec::new(),
            cyclic_edges: HashSet::new(),
            global_args: HashMap::new(),
            call_stack: Vec::new(),
            current_stage: None,
            cli_args: Vec::new(),
            used_cli_args: HashSet::new(),
            called: HashSet::new(),
            program_args: Vec::new(),
        }
    }

    fn error(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic::error(code, message).with_label(span, label).with_help(help));
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn program(&mut self, source_name: &str, args: &ArgValues) -> Option<ir::Program> {
        let root = self.graph.modules.first()?;
        let statements = &root.ast.statements;
        self.declare_stages(statements);
        self.cli_args = args.0.clone();
        self.module_scope(0);
        let mut stages = Vec::new();
        let mut target = None;
        let mut stage_index = 0;
        let mut directives: Vec<(String, String, Span)> = Vec::new();
        for statement in statements {
            match &statement.kind {
                ast::StatementKind::Directive { name, value } => self.directive(name, value, &mut directives),
                ast::StatementKind::Stage(decl) => {
                    if decl.is_image {
                        target = Some(stage_index);
                    }
                    self.current_stage = Some(stage_index);
                    stages.push(self.stage(stage_index, decl, statement.span));
                    self.current_stage = None;
                    stage_index += 1;
                }
                ast::StatementKind::Import(_)
                | ast::StatementKind::Arg(_)
                | ast::StatementKind::Let(_)
                | ast::StatementKind::Fn(_) => {}
                other => {
                    let keyword = other.keyword();
                    self.error(
                        Code::Misplaced,
                        statement.span,
                        format!("`{keyword}` is not allowed at the top level"),
                        "outside any stage",
                        "build steps go inside a `stage NAME from IMAGE { … }` or `image from IMAGE { … }` block",
                    );
                }
            }
        }
        // Everything is checked, used or not: every module's top level and every function body.
        for module in 0..self.graph.modules.len() {
            self.module_scope(module);
        }
        self.check_uncalled_functions();
        self.report_unknown_cli_args();
        let Some(target) = target else {
            let last_stage = self.stages.last().map(|s| (s.span, "the last stage is not an `image`"));
            let (span, label) = last_stage.unwrap_or((Span::default(), "the program has no stages"));
            self.push(
                Diagnostic::error(Code::NoImage, "this program has no `image` block")
                    .with_label(span, label)
                    .with_help("add the image to build: `image from \"debian:bookworm-slim\" { … }`"),
            );
            return None;
        };
        Some(ir::Program {
            args: std::mem::take(&mut self.program_args),
            stages,
            target,
            directives: directives.into_iter().map(|(name, value, _)| (name, value)).collect(),
            source_name: source_name.to_string(),
        })
    }

    /// `directive NAME = "value"`: a parser directive for the Dockerfile's first lines.
    fn directive(&mut self, name: &ast::Ident, value: &ast::Expr, directives: &mut Vec<(String, String, Span)>) {
        if !DIRECTIVES.contains(&name.name.as_str()) {
            self.error(
                Code::InvalidLiteral,
                name.span,
                format!("`{}` is not a directive imgc writes", name.name),
                "unknown directive",
                "the directives are `syntax` and `check`; imgc always writes `\\` as the escape character",
            );
            return;
        }
        if let Some((_, _, earlier)) = directives.iter().find(|(n, _, _)| *n == name.name) {
            let earlier = *earlier;
            self.push(
                Diagnostic::error(Code::Duplicate, format!("directive `{}` is given twice", name.name))
                    .with_label(name.span, "given again")
                    .with_secondary(earlier, "first given here")
                    .with_help("give each directive once"),
            );
            return;
        }
        let env = self.env(0);
        let Some(typed) = self.eval(value, Some(&crate::types::Type::String), &env) else {
            return;
        };
        let literal = typed.value.scalar_text().and_then(|t| t.as_literal()).unwrap_or_default();
        if literal.trim().is_empty() || literal.contains(['\n', '\r']) || literal.trim() != literal {
            self.error(
                Code::InvalidLiteral,
                value.span,
                "a directive's value is one line of text without surrounding spaces",
                "not a directive value",
                "for example `directive syntax = \"docker/dockerfile:1.7\"`",
            );
            return;
        }
        directives.push((name.name.clone(), literal, name.span));
    }

    /// A fresh environment for code written in `module`.
    fn env(&self, module: usize) -> Env {
        Env { module, frames: vec![HashMap::new()] }
    }

    /// Looks a name up: local frames, then the module's top level.
    fn lookup(&mut self, env: &Env, name: &str) -> Option<Binding> {
        for frame in env.frames.iter().rev() {
            if let Some((binding, _)) = frame.get(name) {
                return Some(binding.clone());
            }
        }
        self.module_scope(env.module).get(name).map(|(b, _)| b.clone())
    }

    /// All names visible from `env`, for "did you mean" suggestions.
    fn visible_names(&mut self, env: &Env) -> Vec<String> {
        let mut names: Vec<String> = env.frames.iter().flat_map(|f| f.keys().cloned()).collect();
        names.extend(self.module_scope(env.module).keys().cloned());
        names
    }

    fn unknown_name(&mut self, env: &Env, name: &str, span: Span) {
        let candidates = self.visible_names(env);
        let help = match scope::closest(name, &candidates) {
            Some(close) => format!("did you mean `{close}`?"),
            None if name.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()) => {
                format!(
                    "to write a shell or Dockerfile variable in a string, write `${name}` or `\\${{{name}}}`; `${{…}}` interpolates an imgc name"
                )
            }
            None => "declare it with `let`, `arg` or `fn`, or import the module that has it".to_string(),
        };
        self.error(Code::UnknownName, span, format!("unknown name `{name}`"), "not found in this scope", help);
    }
}
