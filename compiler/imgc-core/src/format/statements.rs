//! Statements: each keyword and its operands, `env`/`label` entries, step options, calls.

use super::doc::{Doc, flat_alt, group, nest, text};
use super::literals;
use super::sequences::{BRACES, Item, PARENS};
use super::{INDENT, Printer, type_text};
use crate::source::Span;
use crate::syntax::ast::{
    Argument, Call, Clause, Entries, Entry, EnvScope, Expr, ExprKind, Import, Statement, StatementKind, TypeExpr,
};

impl Printer<'_> {
    pub(super) fn statement(&mut self, statement: &Statement) -> Doc {
        let mut out = Vec::new();
        match &statement.kind {
            StatementKind::Import(Import::Std { path }) => {
                let path: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                out.push(text(format!("import {}", path.join("."))));
            }
            StatementKind::Import(Import::File { path, path_span, alias }) => {
                let path = match self.parsed {
                    true => self.text(path_span.start as usize, path_span.end as usize).to_string(),
                    false => literals::string(path),
                };
                out.push(text(format!("import {path} as {}", alias.name)));
            }
            StatementKind::Arg(decl) => {
                out.push(text(format!("arg {}", decl.name.name)));
                out.push(type_annotation(decl.ty.as_ref()));
                if let Some(default) = &decl.default {
                    out.push(text(" = "));
                    out.push(self.expr(default));
                } else if decl.no_default {
                    out.push(text(" = none"));
                }
            }
            StatementKind::Directive { name, value } => {
                out.push(text(format!("directive {} = ", name.name)));
                out.push(self.expr(value));
            }
            StatementKind::Maintainer(e) => out.push(self.keyword_expr("maintainer", e)),
            StatementKind::Let(decl) => {
                out.push(text(format!("let {}", decl.name.name)));
                out.push(type_annotation(decl.ty.as_ref()));
                out.push(text(" = "));
                out.push(self.expr(&decl.value));
            }
            StatementKind::Fn(decl) => {
                out.push(text(format!("fn {}", decl.name.name)));
                let (open, close) = delimiters(decl.parens);
                let items: Vec<Item> = decl.params.iter().map(Item::Param).collect();
                out.push(self.sequence(&PARENS, open, close, &items));
                out.push(text(" "));
                let (open, close) = braces(statement);
                out.push(self.block(&decl.body, open, close));
            }
            StatementKind::Stage(decl) => {
                if decl.is_image {
                    out.push(text("image"));
                    if let Some(name) = &decl.name {
                        out.push(text(format!(" {}", name.name)));
                    }
                } else {
                    out.push(text(format!("stage {}", decl.name.as_ref().map_or("", |n| n.name.as_str()))));
                }
                out.push(text(" from "));
                out.push(self.expr(&decl.base));
                if let Some(platform) = &decl.platform {
                    out.push(text(" platform "));
                    out.push(self.expr(platform));
                }
                if let Some(alias) = &decl.alias {
                    // `as none`, or the name's string as written (after the keyword `as`).
                    let (start, end) = (alias.span.start as usize + "as".len(), alias.span.end as usize);
                    let name = match (&alias.name, self.parsed) {
                        (_, true) => self.text(start, end).trim_start().to_string(),
                        (Some(name), false) => literals::string(name),
                        (None, false) => "none".to_string(),
                    };
                    out.push(text(format!(" as {name}")));
                }
                out.push(text(" "));
                let (open, close) = braces(statement);
                out.push(self.block(&decl.body, open, close));
            }
            StatementKind::Run { command, clauses } => {
                out.push(text("run "));
                out.push(self.expr(command));
                out.push(self.clauses(clauses, command.span.end as usize));
            }
            StatementKind::Copy { from, sources, dest, clauses } => {
                out.push(text("copy "));
                if let Some(from) = from {
                    out.push(text("from "));
                    out.push(self.expr(from));
                    out.push(text(" "));
                }
                out.push(self.operands(sources));
                out.push(text(" to "));
                out.push(self.expr(dest));
                out.push(self.clauses(clauses, dest.span.end as usize));
            }
            StatementKind::Add { sources, dest, clauses } => {
                out.push(text("add "));
                out.push(self.operands(sources));
                out.push(text(" to "));
                out.push(self.expr(dest));
                out.push(self.clauses(clauses, dest.span.end as usize));
            }
            StatementKind::Env { scope, entries } => {
                out.push(text(match scope {
                    EnvScope::Runtime => "env ",
                    EnvScope::Build => "env build ",
                    EnvScope::Both => "env both ",
                }));
                out.push(self.entries(entries, statement));
            }
            StatementKind::Label(Entries::Literal(entries)) if entries.len() == 1 => {
                out.push(text("label "));
                out.push(self.entry(&entries[0]));
            }
            StatementKind::Label(entries) => {
                out.push(text("label "));
                out.push(self.entries(entries, statement));
            }
            StatementKind::Workdir(e) => out.push(self.keyword_expr("workdir", e)),
            StatementKind::User(e) => out.push(self.keyword_expr("user", e)),
            StatementKind::Cmd(e) => out.push(self.keyword_expr("cmd", e)),
            StatementKind::Entrypoint(e) => out.push(self.keyword_expr("entrypoint", e)),
            StatementKind::StopSignal(e) => out.push(self.keyword_expr("stopsignal", e)),
            StatementKind::Shell(e) => out.push(self.keyword_expr("shell", e)),
            StatementKind::Expose(exprs) => {
                out.push(text("expose "));
                out.push(self.operands(exprs));
            }
            StatementKind::Volume(exprs) => {
                out.push(text("volume "));
                out.push(self.operands(exprs));
            }
            StatementKind::Healthcheck(None) => out.push(text("healthcheck none")),
            StatementKind::Healthcheck(Some((command, clauses))) => {
                out.push(text("healthcheck "));
                out.push(self.expr(command));
                out.push(self.clauses(clauses, command.span.end as usize));
            }
            StatementKind::OnBuild(body) | StatementKind::Layer(body) => {
                let keyword = if matches!(statement.kind, StatementKind::OnBuild(_)) { "onbuild " } else { "layer " };
                out.push(text(keyword));
                let (open, close) = braces(statement);
                out.push(self.block(body, open, close));
            }
            StatementKind::Call(call) => out.push(self.call(call)),
        }
        Doc::Concat(out)
    }

    fn keyword_expr(&mut self, keyword: &str, expr: &Expr) -> Doc {
        Doc::Concat(vec![text(format!("{keyword} ")), self.expr(expr)])
    }

    /// `env`/`label` entries: written out in braces, or a map value.
    fn entries(&mut self, entries: &Entries, statement: &Statement) -> Doc {
        match entries {
            Entries::Map(expr) => self.expr(expr),
            Entries::Literal(entries) => {
                let (open, close) = braces(statement);
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.sequence(&BRACES, open, close, &items)
            }
        }
    }

    pub(super) fn entry(&mut self, entry: &Entry) -> Doc {
        let key = match self.parsed {
            true => self.text(entry.key_span.start as usize, entry.key_span.end as usize).to_string(),
            false => literals::key(&entry.key),
        };
        Doc::Concat(vec![text(format!("{key} = ")), self.expr(&entry.value)])
    }

    /// The operands of `copy`, `add`, `expose`, `volume`: on the line, or one a line, indented
    /// (always when their author broke the line between two).
    fn operands(&mut self, exprs: &[Expr]) -> Doc {
        let broken =
            exprs.windows(2).any(|pair| self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize));
        let mut out = Vec::new();
        for (index, expr) in exprs.iter().enumerate() {
            if index > 0 {
                out.push(flat_alt(Doc::Concat(vec![text(","), Doc::Line]), text(", ")));
            }
            out.push(self.expr(expr));
        }
        let operands = nest(INDENT, Doc::Concat(out));
        if broken { operands } else { group(operands) }
    }

    /// A step's options: on its line, or one a line, indented (always when their author broke
    /// the line before the first, or a comment stands between them).
    fn clauses(&mut self, clauses: &[Clause], before: usize) -> Doc {
        let (Some(first), Some(last)) = (clauses.first(), clauses.last()) else { return Doc::Concat(Vec::new()) };
        let broken = self.has_newline(before, first.span.start as usize)
            || self.any_comment_in(before, last.span.start as usize);
        if !broken {
            let mut out = Vec::new();
            for clause in clauses {
                out.push(flat_alt(Doc::Line, text(" ")));
                out.push(self.clause(clause));
            }
            return group(nest(INDENT, Doc::Concat(out)));
        }
        let mut out = Vec::new();
        let mut previous_end = before;
        for clause in clauses {
            let clause_start = clause.span.start as usize;
            for index in self.comments_in(previous_end, clause_start) {
                out.push(Doc::Line);
                out.push(text(self.take_comment(index)));
            }
            out.push(Doc::Line);
            out.push(self.clause(clause));
            previous_end = self.clause_end(clause);
            let next_line = self.next_line(previous_end);
            for index in self.comments_in(previous_end, next_line) {
                out.push(self.trailing(index));
            }
        }
        nest(INDENT, Doc::Concat(out))
    }

    fn clause_end(&self, clause: &Clause) -> usize {
        match clause.options.last() {
            Some(_) => clause.options_parens.map_or(clause.span.end, |parens| parens.end) as usize,
            None => clause.value.as_ref().map_or(clause.keyword.span.end, |v| v.span.end) as usize,
        }
    }

    fn clause(&mut self, clause: &Clause) -> Doc {
        let mut out = vec![text(clause.keyword.name.clone())];
        if let Some(value) = &clause.value {
            out.push(text(" "));
            out.push(self.expr(value));
        }
        if !clause.options.is_empty() {
            let (open, close) = clause.options_parens.map_or((0, 0), delimiters);
            let items: Vec<Item> = clause.options.iter().map(Item::Named).collect();
            out.push(text(" "));
            out.push(self.sequence(&PARENS, open, close, &items));
        }
        Doc::Concat(out)
    }

    pub(super) fn call(&mut self, call: &Call) -> Doc {
        let callee: Vec<&str> = call.callee.iter().map(|i| i.name.as_str()).collect();
        let callee = text(callee.join("."));
        let (open, close) = delimiters(call.parens);
        // A lone list or map argument hugs the parentheses: `apt.install([` … `])`.
        if let [Argument { name: None, value }] = call.args.as_slice()
            && matches!(value.kind, ExprKind::List(_) | ExprKind::Map(_))
            && !self.has_newline(open, value.span.start as usize)
            && !self.has_newline(value.span.end as usize, close)
        {
            return Doc::Concat(vec![callee, text("("), self.expr(value), text(")")]);
        }
        let items: Vec<Item> = call.args.iter().map(Item::Argument).collect();
        Doc::Concat(vec![callee, self.sequence(&PARENS, open, close, &items)])
    }
}

fn type_annotation(ty: Option<&TypeExpr>) -> Doc {
    text(ty.map_or(String::new(), |ty| format!(": {}", type_text(ty))))
}

/// The offsets of the opening and the closing delimiter of `span` (`(…)`, `{…}`).
fn delimiters(span: Span) -> (usize, usize) {
    (span.start as usize, span.end.saturating_sub(1) as usize)
}

/// The braces of a block statement or of written-out entries (recorded by the parser).
fn braces(statement: &Statement) -> (usize, usize) {
    statement.braces.map_or((statement.end as usize, statement.end as usize), delimiters)
}
