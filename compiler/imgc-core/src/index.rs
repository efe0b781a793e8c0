//! The names of a loaded program and where each is used: every definition (`let`, `arg`, `fn`,
//! parameter, stage, import) with its span, doc comment and declared type, and every reference
//! resolved to its definition. It follows the checker's scoping rules on the syntax tree and
//! computes no values, so it is built even for a program with type errors. Editors use it (the
//! language server's hover, go to definition, references, rename, completion).
//!
//! Must never depend on: the checker's internals, the IR, the file system.

use crate::modules::{ModuleGraph, ModuleKey};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{self, Expr, ExprKind, Statement, StatementKind};
use std::collections::HashMap;

/// What a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionKind {
    Let,
    Arg,
    Function,
    Parameter,
    Stage,
    /// An import's name (`apt` of `import std.apt`).
    Module,
}

/// One declared name.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: String,
    pub kind: DefinitionKind,
    /// The name where it is declared.
    pub span: Span,
    /// The whole declaration (the `fn` with its body, the stage with its block).
    pub full_span: Span,
    /// The index of the module (in the [`ModuleGraph`]) it is written in.
    pub module: usize,
    /// Whether it is written in the standard library.
    pub in_stdlib: bool,
    /// A value's type as declared or as its literal shows (`None` when only the checker knows);
    /// a function's signature; a stage's base image text.
    pub detail: Option<String>,
    /// The `#` comment lines right above the declaration, without the `#`.
    pub doc: Option<String>,
    /// Where the name can be used: `None` for the whole module, else this span (from the
    /// declaration on).
    pub scope: Option<Span>,
    /// For a module name: the module it imports. For a function: its parameters' definitions.
    pub target_module: Option<usize>,
    pub parameters: Vec<usize>,
}

/// A use of a name, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub span: Span,
    /// Index into [`Index::definitions`].
    pub definition: usize,
}

/// The definitions and resolved references of every module of a program.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub definitions: Vec<Definition>,
    pub references: Vec<Reference>,
    /// Each module's top-level names.
    module_scopes: Vec<HashMap<String, usize>>,
}

impl Index {
    /// Builds the index of a loaded program.
    pub fn build(graph: &ModuleGraph, sources: &SourceMap) -> Index {
        let mut builder = Builder { graph, sources, index: Index::default(), frames: Vec::new(), module: 0 };
        builder.index.module_scopes = vec![HashMap::new(); graph.modules.len()];
        for module in 0..graph.modules.len() {
            builder.declare_top(module);
        }
        // Imported modules first (they come after their importers in the graph), so a value
        // copied from a module (`let v = common.version`) finds the module's type for it.
        for module in (0..graph.modules.len()).rev() {
            builder.module = module;
            for statement in &graph.modules[module].ast.statements {
                builder.statement(statement);
            }
        }
        builder.index
    }

    /// The definition whose name or one of whose references covers `offset` of `file`.
    pub fn definition_at(&self, span_file: crate::source::FileId, offset: u32) -> Option<usize> {
        let covers = |span: Span| span.file == span_file && span.start <= offset && offset <= span.end;
        self.references
            .iter()
            .find(|r| covers(r.span))
            .map(|r| r.definition)
            .or_else(|| self.definitions.iter().position(|d| covers(d.span)))
    }

    /// Every use of a definition.
    pub fn references_to(&self, definition: usize) -> impl Iterator<Item = Span> + '_ {
        self.references.iter().filter(move |r| r.definition == definition).map(|r| r.span)
    }

    /// The names visible at `offset` in the module with index `module`: its top-level names and
    /// the locals declared before `offset` whose scope covers it.
    pub fn visible_at(&self, module: usize, offset: u32) -> Vec<&Definition> {
        let mut names: Vec<&Definition> = self
            .module_scopes
            .get(module)
            .into_iter()
            .flat_map(|scope| scope.values())
            .filter_map(|&d| self.definitions.get(d))
            .collect();
        names.extend(self.definitions.iter().filter(|d| {
            d.module == module && d.scope.is_some_and(|s| s.start <= offset && offset <= s.end) && d.span.end <= offset
        }));
        names.sort_by(|a, b| a.name.cmp(&b.name));
        names.dedup_by(|a, b| a.name == b.name);
        names
    }

    /// A module's top-level names (`apt.` completes from std.apt's functions).
    pub fn members(&self, module: usize) -> Vec<&Definition> {
        let mut names: Vec<&Definition> = self
            .module_scopes
            .get(module)
            .into_iter()
            .flat_map(|scope| scope.values())
            .filter_map(|&d| self.definitions.get(d))
            .collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        names
    }
}

struct Builder<'a> {
    graph: &'a ModuleGraph,
    sources: &'a SourceMap,
    index: Index,
    /// Local scopes, innermost last: name to definition.
    frames: Vec<HashMap<String, usize>>,
    module: usize,
}

impl Builder<'_> {
    fn define(&mut self, module: usize, ident: &ast::Ident, kind: DefinitionKind, full_span: Span) -> usize {
        let in_stdlib = matches!(self.graph.modules[module].key, ModuleKey::Std(_));
        self.index.definitions.push(Definition {
            name: ident.name.clone(),
            kind,
            span: ident.span,
            full_span,
            module,
            in_stdlib,
            detail: None,
            doc: self.doc_above(full_span),
            scope: None,
            target_module: None,
            parameters: Vec::new(),
        });
        self.index.definitions.len() - 1
    }

    /// Top-level names, visible in the whole module whatever the order (as the checker has them).
    fn declare_top(&mut self, module: usize) {
        let loaded = &self.graph.modules[module];
        let is_root = module == 0;
        for statement in &loaded.ast.statements {
            let defined = match &statement.kind {
                StatementKind::Fn(decl) => {
                    let id = self.define(module, &decl.name, DefinitionKind::Function, statement.span);
                    let mut parameters = Vec::new();
                    for param in &decl.params {
                        let p = self.define(module, &param.name, DefinitionKind::Parameter, param.name.span);
                        let definition = &mut self.index.definitions[p];
                        definition.doc = None;
                        definition.scope = Some(Span { start: param.name.span.end, ..statement.span });
                        definition.detail = Some(type_text(&param.ty));
                        parameters.push(p);
                    }
                    self.index.definitions[id].detail = Some(signature(decl, self.sources));
                    self.index.definitions[id].parameters = parameters;
                    Some((decl.name.name.clone(), id))
                }
                StatementKind::Import(import) => {
                    let alias = match import {
                        ast::Import::Std { path } => path.last(),
                        ast::Import::File { alias, .. } => Some(alias),
                    };
                    alias.map(|alias| {
                        let id = self.define(module, alias, DefinitionKind::Module, statement.span);
                        let target = loaded.imports.get(&statement.span).copied();
                        let definition = &mut self.index.definitions[id];
                        definition.target_module = target;
                        definition.detail = Some(self.sources.snippet(statement.span).to_string());
                        (alias.name.clone(), id)
                    })
                }
                StatementKind::Stage(decl) if is_root => decl.name.as_ref().map(|name| {
                    let id = self.define(module, name, DefinitionKind::Stage, statement.span);
                    self.index.definitions[id].detail = Some(self.sources.snippet(decl.base.span).to_string());
                    (name.name.clone(), id)
                }),
                StatementKind::Let(decl) => {
                    let id = self.define(module, &decl.name, DefinitionKind::Let, statement.span);
                    Some((decl.name.name.clone(), id))
                }
                StatementKind::Arg(decl) if is_root => {
                    let id = self.define(module, &decl.name, DefinitionKind::Arg, statement.span);
                    Some((decl.name.name.clone(), id))
                }
                _ => None,
            };
            if let Some((name, id)) = defined {
                self.index.module_scopes[module].entry(name).or_insert(id);
            }
        }
    }

    /// The top-level definition of `name` declared by `statement` (already made by `declare_top`).
    fn top_definition(&self, ident: &ast::Ident) -> Option<usize> {
        self.index.definitions.iter().position(|d| d.span == ident.span)
    }

    fn lookup(&self, name: &str) -> Option<usize> {
        self.frames
            .iter()
            .rev()
            .find_map(|frame| frame.get(name).copied())
            .or_else(|| self.index.module_scopes[self.module].get(name).copied())
    }

    fn refer(&mut self, span: Span, definition: usize) {
        self.index.references.push(Reference { span, definition });
    }

    fn statement(&mut self, statement: &Statement) {
        match &statement.kind {
            StatementKind::Import(_) => {}
            StatementKind::Arg(decl) => {
                if let Some(default) = &decl.default {
                    self.expr(default);
                }
                let detail = decl.ty.as_ref().map_or_else(|| "string".to_string(), type_text);
                self.declare_value(&decl.name, DefinitionKind::Arg, statement.span, Some(detail));
            }
            StatementKind::Let(decl) => {
                self.expr(&decl.value);
                let detail = decl.ty.as_ref().map(type_text).or_else(|| self.shape(&decl.value));
                self.declare_value(&decl.name, DefinitionKind::Let, statement.span, detail);
            }
            StatementKind::Fn(decl) => {
                let parameters =
                    self.top_definition(&decl.name).map(|id| self.index.definitions[id].parameters.clone());
                self.frames.push(HashMap::new());
                for (i, param) in decl.params.iter().enumerate() {
                    if let Some(default) = &param.default {
                        self.expr(default);
                    }
                    if let Some(&p) = parameters.as_ref().and_then(|p| p.get(i)) {
                        self.frames.last_mut().map(|f| f.insert(param.name.name.clone(), p));
                    }
                }
                self.block(&decl.body);
                self.frames.pop();
            }
            StatementKind::Stage(decl) => {
                self.expr(&decl.base);
                if let Some(platform) = &decl.platform {
                    self.expr(platform);
                }
                self.frames.push(HashMap::new());
                self.block(&decl.body);
                self.frames.pop();
            }
            StatementKind::Run { command, clauses } => {
                self.expr(command);
                self.clauses(clauses);
            }
            StatementKind::Copy { from, sources, dest, clauses } => {
                if let Some(from) = from {
                    self.expr(from);
                }
                self.exprs(sources);
                self.expr(dest);
                self.clauses(clauses);
            }
            StatementKind::Add { sources, dest, clauses } => {
                self.exprs(sources);
                self.expr(dest);
                self.clauses(clauses);
            }
            StatementKind::Env { entries, .. } | StatementKind::Label(entries) => match entries {
                ast::Entries::Literal(entries) => {
                    for entry in entries {
                        self.expr(&entry.value);
                    }
                }
                ast::Entries::Map(expr) => self.expr(expr),
            },
            StatementKind::Workdir(e)
            | StatementKind::User(e)
            | StatementKind::Cmd(e)
            | StatementKind::Entrypoint(e)
            | StatementKind::StopSignal(e)
            | StatementKind::Shell(e)
            | StatementKind::Maintainer(e)
            | StatementKind::Directive { value: e, .. } => self.expr(e),
            StatementKind::Expose(list) | StatementKind::Volume(list) => self.exprs(list),
            StatementKind::Healthcheck(check) => {
                if let Some((command, clauses)) = check {
                    self.expr(command);
                    self.clauses(clauses);
                }
            }
            // Their steps belong to the enclosing stage's scope.
            StatementKind::OnBuild(body) | StatementKind::Layer(body) => {
                for statement in body {
                    self.statement(statement);
                }
            }
            StatementKind::Call(call) => self.call(call),
        }
    }

    fn block(&mut self, body: &[Statement]) {
        for statement in body {
            self.statement(statement);
        }
    }

    /// A `let` or `arg`: top level (already defined) or local to the innermost frame.
    fn declare_value(&mut self, name: &ast::Ident, kind: DefinitionKind, full_span: Span, detail: Option<String>) {
        let id = if self.frames.is_empty() {
            match self.top_definition(name) {
                Some(id) => id,
                None => return,
            }
        } else {
            let id = self.define(self.module, name, kind, full_span);
            let enclosing = self.enclosing_scope(full_span);
            self.index.definitions[id].scope = Some(enclosing);
            if let Some(frame) = self.frames.last_mut() {
                frame.insert(name.name.clone(), id);
            }
            id
        };
        self.index.definitions[id].detail = detail;
    }

    /// The block a local declaration lives in: from the declaration to the end of the innermost
    /// stage or function around it.
    fn enclosing_scope(&self, declaration: Span) -> Span {
        let end = self.graph.modules[self.module]
            .ast
            .statements
            .iter()
            .map(|s| s.span)
            .find(|s| s.start <= declaration.start && declaration.end <= s.end)
            .map_or(declaration.end, |s| s.end);
        Span { start: declaration.end, end, ..declaration }
    }

    fn clauses(&mut self, clauses: &[ast::Clause]) {
        for clause in clauses {
            if let Some(value) = &clause.value {
                self.expr(value);
            }
            for option in &clause.options {
                self.expr(&option.value);
            }
        }
    }

    fn exprs(&mut self, exprs: &[Expr]) {
        for expr in exprs {
            self.expr(expr);
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Name(name) => {
                if let Some(definition) = self.lookup(name) {
                    self.refer(expr.span, definition);
                }
            }
            ExprKind::Field { base, field } => {
                if let ExprKind::Name(name) = &base.kind
                    && let Some(module_def) = self.lookup(name)
                    && let Some(target) = self.index.definitions[module_def].target_module
                {
                    self.refer(base.span, module_def);
                    if let Some(&member) = self.index.module_scopes[target].get(&field.name) {
                        self.refer(field.span, member);
                    }
                } else {
                    self.expr(base);
                }
            }
            ExprKind::Call(call) => self.call(call),
            ExprKind::Str(parts) => {
                for part in parts {
                    if let ast::StrPart::Interpolation(inner) = part {
                        self.expr(inner);
                    }
                }
            }
            ExprKind::List(items) | ExprKind::Concat(items) => self.exprs(items),
            ExprKind::Map(entries) => {
                for entry in entries {
                    self.expr(&entry.value);
                }
            }
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Port { .. }
            | ExprKind::Duration { .. }
            | ExprKind::Scratch => {}
        }
    }

    fn call(&mut self, call: &ast::Call) {
        let function = match call.callee.as_slice() {
            [name] => self.lookup(&name.name).inspect(|&d| self.refer(name.span, d)),
            [module, member] => self.lookup(&module.name).and_then(|module_def| {
                self.refer(module.span, module_def);
                let target = self.index.definitions[module_def].target_module?;
                let function = self.index.module_scopes[target].get(&member.name).copied()?;
                self.refer(member.span, function);
                Some(function)
            }),
            _ => None,
        };
        for argument in &call.args {
            if let (Some(name), Some(function)) = (&argument.name, function) {
                let parameter = self.index.definitions[function]
                    .parameters
                    .iter()
                    .copied()
                    .find(|&p| self.index.definitions[p].name == name.name);
                if let Some(parameter) = parameter {
                    self.refer(name.span, parameter);
                }
            }
            self.expr(&argument.value);
        }
    }

    /// The type a value's literal shows, or the declared type of the name it copies.
    fn shape(&self, expr: &Expr) -> Option<String> {
        Some(match &expr.kind {
            ExprKind::Bool(_) => "bool".to_string(),
            ExprKind::Int(_) => "int".to_string(),
            ExprKind::Port { .. } => "port".to_string(),
            ExprKind::Duration { .. } => "duration".to_string(),
            ExprKind::Str(_) | ExprKind::Concat(_) => "string".to_string(),
            ExprKind::Scratch => "image".to_string(),
            ExprKind::List(items) => format!("list[{}]", items.first().and_then(|i| self.shape(i))?),
            ExprKind::Map(entries) => format!("map[{}]", entries.first().and_then(|e| self.shape(&e.value))?),
            ExprKind::Name(name) => {
                let definition = &self.index.definitions[self.lookup(name)?];
                match definition.kind {
                    DefinitionKind::Stage => "stage".to_string(),
                    DefinitionKind::Let | DefinitionKind::Arg | DefinitionKind::Parameter => {
                        definition.detail.clone()?
                    }
                    DefinitionKind::Function | DefinitionKind::Module => return None,
                }
            }
            // The built-in fields (the checker's `field`) and a module's value (`common.version`).
            ExprKind::Field { base, field } => {
                if let ExprKind::Name(name) = &base.kind
                    && let Some(target) = self.index.definitions[self.lookup(name)?].target_module
                {
                    let member = &self.index.definitions[*self.index.module_scopes[target].get(&field.name)?];
                    return matches!(member.kind, DefinitionKind::Let | DefinitionKind::Arg)
                        .then(|| member.detail.clone())
                        .flatten();
                }
                match (self.shape(base)?.as_str(), field.name.as_str()) {
                    ("port", "number") | ("duration", "seconds") => "int".to_string(),
                    ("port", "protocol") => "string".to_string(),
                    _ => return None,
                }
            }
            // `raw(…)` is the only call that is a value.
            ExprKind::Call(call) => match call.callee.as_slice() {
                [name] if name.name == "raw" && self.lookup("raw").is_none() => "string".to_string(),
                _ => return None,
            },
        })
    }

    /// The comment lines directly above a declaration.
    fn doc_above(&self, span: Span) -> Option<String> {
        let text = &self.sources.get(span.file)?.text;
        let before = text.get(..span.start as usize)?;
        let mut lines: Vec<&str> = Vec::new();
        // Skip the indentation of the declaration's own line.
        let mut rest = before.trim_end_matches([' ', '\t']).strip_suffix('\n')?;
        loop {
            let (head, line) = rest.rsplit_once('\n').unwrap_or(("", rest));
            let Some(comment) = line.trim().strip_prefix('#') else { break };
            lines.push(comment.strip_prefix(' ').unwrap_or(comment));
            if head.is_empty() && !rest.contains('\n') {
                break;
            }
            rest = head;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }
}

/// `list[string]`.
pub fn type_text(ty: &ast::TypeExpr) -> String {
    match &ty.param {
        Some(inner) => format!("{}[{}]", ty.name.name, type_text(inner)),
        None => ty.name.name.clone(),
    }
}

/// `fn create(name: string, uid: int = 10001)`.
fn signature(decl: &ast::FnDecl, sources: &SourceMap) -> String {
    let params: Vec<String> = decl
        .params
        .iter()
        .map(|p| match &p.default {
            Some(default) => format!("{}: {} = {}", p.name.name, type_text(&p.ty), sources.snippet(default.span)),
            None => format!("{}: {}", p.name.name, type_text(&p.ty)),
        })
        .collect();
    format!("fn {}({})", decl.name.name, params.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::modules::{self, NoFiles};
    use std::path::Path;

    fn index(text: &str) -> (Index, SourceMap) {
        let mut sources = SourceMap::new();
        let mut diagnostics = Diagnostics::default();
        let graph = modules::load(Path::new("app.img"), text.to_string(), &NoFiles, &mut sources, &mut diagnostics)
            .expect("parses");
        (Index::build(&graph, &sources), sources)
    }

    fn at(text: &str, needle: &str, nth: usize) -> u32 {
        text.match_indices(needle).nth(nth).map(|(i, _)| i as u32).expect("needle")
    }

    const PROGRAM: &str = r#"import std.apt
# The port the app serves.
let http: port = 8000/tcp
let home = "/app"
stage build from "debian:bookworm-slim" {
    let out = home
    apt.install(["gcc"])
    run "make ${out}"
}
# Greets.
fn greet(who: string, times: int = 1) {
    run "echo ${who} ${times}"
}
image from build {
    copy from build "/x" to home
    greet("world", times: 2)
    expose http
}
"#;

    #[test]
    fn resolves_lets_stages_functions_parameters_and_modules() {
        let (index, sources) = index(PROGRAM);
        let name_of =
            |offset: u32| index.definition_at(crate::source::FileId(0), offset).map(|d| &index.definitions[d]);
        let http = name_of(at(PROGRAM, "http", 1)).expect("http resolves");
        assert_eq!((http.kind, http.detail.as_deref()), (DefinitionKind::Let, Some("port")));
        assert_eq!(http.doc.as_deref(), Some("The port the app serves."));
        let home = name_of(at(PROGRAM, "home", 1)).expect("home resolves");
        assert_eq!(home.detail.as_deref(), Some("string"));
        let out = name_of(at(PROGRAM, "out", 1)).expect("local resolves");
        assert_eq!((out.kind, out.detail.as_deref()), (DefinitionKind::Let, Some("string")));
        let stage = name_of(at(PROGRAM, "build", 2)).expect("copy from resolves");
        assert_eq!(stage.kind, DefinitionKind::Stage);
        assert_eq!(
            index.references_to(index.definition_at(crate::source::FileId(0), stage.span.start).unwrap()).count(),
            2
        );
        let install = name_of(at(PROGRAM, "install", 0)).expect("module member resolves");
        assert!(install.in_stdlib && install.kind == DefinitionKind::Function);
        assert_eq!(install.detail.as_deref(), Some("fn install(packages: list[string])"));
        assert!(install.doc.as_deref().unwrap_or_default().starts_with("Updates the package lists"));
        let times = name_of(at(PROGRAM, "times", 2)).expect("named argument resolves");
        assert_eq!((times.kind, times.span.start), (DefinitionKind::Parameter, at(PROGRAM, "times", 0)));
        let greet = name_of(at(PROGRAM, "greet", 1)).expect("call resolves");
        assert_eq!(greet.detail.as_deref(), Some("fn greet(who: string, times: int = 1)"));
        assert_eq!(greet.doc.as_deref(), Some("Greets."));
        assert_eq!(
            sources.snippet(
                index.definitions[index.definition_at(crate::source::FileId(0), at(PROGRAM, "apt", 1)).unwrap()].span
            ),
            "apt"
        );
    }

    #[test]
    fn locals_are_visible_only_after_their_declaration_in_their_block() {
        let (index, _) = index(PROGRAM);
        let names = |offset| index.visible_at(0, offset).iter().map(|d| d.name.clone()).collect::<Vec<_>>();
        let inside = names(at(PROGRAM, "apt.install", 0));
        assert!(inside.contains(&"out".to_string()) && inside.contains(&"greet".to_string()));
        assert!(!names(at(PROGRAM, "let out", 0)).contains(&"out".to_string()));
        assert!(!names(at(PROGRAM, "image from", 0)).contains(&"out".to_string()));
        assert!(names(at(PROGRAM, "echo", 0)).contains(&"who".to_string()));
        let members: Vec<_> = index.members(1).iter().map(|d| d.name.clone()).collect();
        assert!(members.contains(&"install".to_string()) && members.contains(&"purge".to_string()));
    }
}
