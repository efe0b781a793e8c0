//! Statements: each keyword and its operands, `env`/`label` entries, step options, calls.

use super::sequences::{BRACES, Item, PARENS};
use super::{INDENT, Printer, fits};
use crate::syntax::ast::{
    Argument, Call, Clause, Entries, Entry, EnvScope, Expr, ExprKind, Import, Statement, StatementKind, TypeExpr,
};

impl Printer<'_> {
    pub(super) fn statement(&mut self, statement: &Statement, content_end: usize, indent: usize) {
        let start = statement.span.start as usize;
        match &statement.kind {
            StatementKind::Import(Import::Std { path }) => {
                let path: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                self.out.push_str("import ");
                self.out.push_str(&path.join("."));
            }
            StatementKind::Import(Import::File { path_span, alias, .. }) => {
                self.out.push_str("import ");
                self.out.push_str(self.text(path_span.start as usize, path_span.end as usize));
                self.out.push_str(" as ");
                self.out.push_str(&alias.name);
            }
            StatementKind::Arg(decl) => {
                self.out.push_str("arg ");
                self.out.push_str(&decl.name.name);
                self.type_annotation(decl.ty.as_ref());
                if let Some(default) = &decl.default {
                    self.out.push_str(" = ");
                    self.expr(default, indent);
                } else if decl.no_default {
                    self.out.push_str(" = none");
                }
            }
            StatementKind::Directive { name, value } => {
                self.out.push_str("directive ");
                self.out.push_str(&name.name);
                self.out.push_str(" = ");
                self.expr(value, indent);
            }
            StatementKind::Maintainer(e) => self.keyword_expr("maintainer", e, indent),
            StatementKind::Let(decl) => {
                self.out.push_str("let ");
                self.out.push_str(&decl.name.name);
                self.type_annotation(decl.ty.as_ref());
                self.out.push_str(" = ");
                self.expr(&decl.value, indent);
            }
            StatementKind::Fn(decl) => {
                self.out.push_str("fn ");
                self.out.push_str(&decl.name.name);
                let open = self.find(decl.name.span.end as usize, '(');
                let close = match decl.params.last() {
                    Some(last) => self.find(Item::Param(last).end(), ')'),
                    None => self.find(open + 1, ')'),
                };
                let items: Vec<Item> = decl.params.iter().map(Item::Param).collect();
                self.sequence(&PARENS, open, close, &items, indent);
                self.out.push(' ');
                let block_open = self.find(close + 1, '{');
                self.block(&decl.body, block_open, content_end.saturating_sub(1), indent);
            }
            StatementKind::Stage(decl) => {
                if decl.is_image {
                    self.out.push_str("image");
                    if let Some(name) = &decl.name {
                        self.out.push(' ');
                        self.out.push_str(&name.name);
                    }
                } else {
                    self.out.push_str("stage ");
                    self.out.push_str(decl.name.as_ref().map_or("", |n| n.name.as_str()));
                }
                self.out.push_str(" from ");
                self.expr(&decl.base, indent);
                let mut before_block = decl.base.span.end as usize;
                if let Some(platform) = &decl.platform {
                    self.out.push_str(" platform ");
                    self.expr(platform, indent);
                    before_block = platform.span.end as usize;
                }
                if let Some(alias) = &decl.alias {
                    // `as none`, or the name's string as written (after the keyword `as`).
                    let (start, end) = (alias.span.start as usize + "as".len(), alias.span.end as usize);
                    self.out.push_str(" as ");
                    self.out.push_str(self.text(start, end).trim_start());
                    before_block = end;
                }
                self.out.push(' ');
                let open = self.find(before_block, '{');
                self.block(&decl.body, open, content_end.saturating_sub(1), indent);
            }
            StatementKind::Run { command, clauses } => {
                self.out.push_str("run ");
                self.expr(command, indent);
                self.clauses(clauses, command.span.end as usize, indent);
            }
            StatementKind::Copy { from, sources, dest, clauses } => {
                self.out.push_str("copy ");
                if let Some(from) = from {
                    self.out.push_str("from ");
                    self.expr(from, indent);
                    self.out.push(' ');
                }
                self.operands(sources, indent);
                self.out.push_str(" to ");
                self.expr(dest, indent);
                self.clauses(clauses, dest.span.end as usize, indent);
            }
            StatementKind::Add { sources, dest, clauses } => {
                self.out.push_str("add ");
                self.operands(sources, indent);
                self.out.push_str(" to ");
                self.expr(dest, indent);
                self.clauses(clauses, dest.span.end as usize, indent);
            }
            StatementKind::Env { scope, entries } => {
                self.out.push_str(match scope {
                    EnvScope::Runtime => "env ",
                    EnvScope::Build => "env build ",
                    EnvScope::Both => "env both ",
                });
                self.entries(entries, start, content_end, indent);
            }
            StatementKind::Label(Entries::Literal(entries)) if entries.len() == 1 => {
                self.out.push_str("label ");
                self.entry(&entries[0], indent);
            }
            StatementKind::Label(entries) => {
                self.out.push_str("label ");
                self.entries(entries, start, content_end, indent);
            }
            StatementKind::Workdir(e) => self.keyword_expr("workdir", e, indent),
            StatementKind::User(e) => self.keyword_expr("user", e, indent),
            StatementKind::Cmd(e) => self.keyword_expr("cmd", e, indent),
            StatementKind::Entrypoint(e) => self.keyword_expr("entrypoint", e, indent),
            StatementKind::StopSignal(e) => self.keyword_expr("stopsignal", e, indent),
            StatementKind::Shell(e) => self.keyword_expr("shell", e, indent),
            StatementKind::Expose(exprs) => {
                self.out.push_str("expose ");
                self.operands(exprs, indent);
            }
            StatementKind::Volume(exprs) => {
                self.out.push_str("volume ");
                self.operands(exprs, indent);
            }
            StatementKind::Healthcheck(None) => self.out.push_str("healthcheck none"),
            StatementKind::Healthcheck(Some((command, clauses))) => {
                self.out.push_str("healthcheck ");
                self.expr(command, indent);
                self.clauses(clauses, command.span.end as usize, indent);
            }
            StatementKind::OnBuild(body) | StatementKind::Layer(body) => {
                let keyword = if matches!(statement.kind, StatementKind::OnBuild(_)) { "onbuild " } else { "layer " };
                self.out.push_str(keyword);
                let open = self.find(start, '{');
                self.block(body, open, content_end.saturating_sub(1), indent);
            }
            StatementKind::Call(call) => self.call(call, indent),
        }
    }

    pub(super) fn keyword_expr(&mut self, keyword: &str, expr: &Expr, indent: usize) {
        self.out.push_str(keyword);
        self.out.push(' ');
        self.expr(expr, indent);
    }

    pub(super) fn type_annotation(&mut self, ty: Option<&TypeExpr>) {
        if let Some(ty) = ty {
            self.out.push_str(": ");
            self.out.push_str(&type_text(ty));
        }
    }

    /// `env`/`label` entries: written out in braces, or a map value.
    pub(super) fn entries(&mut self, entries: &Entries, start: usize, content_end: usize, indent: usize) {
        match entries {
            Entries::Map(expr) => self.expr(expr, indent),
            Entries::Literal(entries) => {
                let first = entries.first().map_or(content_end, |e| e.key_span.start as usize);
                let open = self.find(start, '{').min(first);
                let close = content_end.saturating_sub(1);
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.sequence(&BRACES, open, close, &items, indent);
            }
        }
    }

    pub(super) fn entry(&mut self, entry: &Entry, indent: usize) {
        self.out.push_str(self.text(entry.key_span.start as usize, entry.key_span.end as usize));
        self.out.push_str(" = ");
        self.expr(&entry.value, indent);
    }

    /// The operands of `copy`, `add`, `expose`, `volume`: on the line, or one a line, indented.
    pub(super) fn operands(&mut self, exprs: &[Expr], indent: usize) {
        let broken =
            exprs.windows(2).any(|pair| self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize));
        let flat: Option<Vec<String>> = exprs.iter().map(|e| self.flat(e)).collect();
        let inline = match (&flat, broken) {
            (Some(items), false) => Some(items.join(", ")).filter(|line| fits(self.col(), line)),
            _ => None,
        };
        match inline {
            Some(line) => self.out.push_str(&line),
            None => {
                for (index, expr) in exprs.iter().enumerate() {
                    if index > 0 {
                        self.out.push(',');
                        self.line_break(indent + INDENT);
                    }
                    self.expr(expr, indent + INDENT);
                }
            }
        }
    }

    pub(super) fn clauses(&mut self, clauses: &[Clause], before: usize, indent: usize) {
        let Some(first) = clauses.first() else { return };
        let broken = self.has_newline(before, first.span.start as usize);
        let flat: Option<Vec<String>> = clauses.iter().map(|c| self.flat_clause(c)).collect();
        let inline = match (&flat, broken) {
            (Some(items), false) => {
                let line = items.join(" ");
                fits(self.col() + 1, &line).then_some(line)
            }
            _ => None,
        };
        if let Some(line) = inline {
            self.out.push(' ');
            self.out.push_str(&line);
            return;
        }
        let mut previous_end = before;
        for clause in clauses {
            let clause_start = clause.span.start as usize;
            for index in self.comments_in(previous_end, clause_start) {
                let text = self.take_comment(index);
                self.line_break(indent + INDENT);
                self.out.push_str(&text);
            }
            self.line_break(indent + INDENT);
            self.clause(clause, indent + INDENT);
            previous_end = self.clause_end(clause);
            let next_line = self.src[previous_end..].find('\n').map_or(self.src.len(), |n| previous_end + n);
            for index in self.comments_in(previous_end, next_line) {
                let text = self.take_comment(index);
                self.trailing(&text);
            }
        }
    }

    pub(super) fn clause_end(&self, clause: &Clause) -> usize {
        match clause.options.last() {
            Some(last) => self.find(Item::Named(last).end(), ')') + 1,
            None => clause.value.as_ref().map_or(clause.keyword.span.end, |v| v.span.end) as usize,
        }
    }

    pub(super) fn clause(&mut self, clause: &Clause, indent: usize) {
        self.out.push_str(&clause.keyword.name);
        if let Some(value) = &clause.value {
            self.out.push(' ');
            self.expr(value, indent);
        }
        if !clause.options.is_empty() {
            let after = clause.value.as_ref().map_or(clause.keyword.span.end, |v| v.span.end) as usize;
            let open = self.find(after, '(');
            let close = self.clause_end(clause).saturating_sub(1);
            let items: Vec<Item> = clause.options.iter().map(Item::Named).collect();
            self.out.push(' ');
            self.sequence(&PARENS, open, close, &items, indent);
        }
    }

    pub(super) fn call(&mut self, call: &Call, indent: usize) {
        let callee: Vec<&str> = call.callee.iter().map(|i| i.name.as_str()).collect();
        self.out.push_str(&callee.join("."));
        let after_callee = call.callee.last().map_or(call.span.start, |i| i.span.end) as usize;
        let open = self.find(after_callee, '(');
        let close = call.span.end.saturating_sub(1) as usize;
        // A lone list or map argument hugs the parentheses: `apt.install([` … `])`.
        if let [Argument { name: None, value }] = call.args.as_slice()
            && matches!(value.kind, ExprKind::List(_) | ExprKind::Map(_))
            && !self.has_newline(open, value.span.start as usize)
            && !self.has_newline(value.span.end as usize, close)
        {
            self.out.push('(');
            self.expr(value, indent);
            self.out.push(')');
            return;
        }
        let items: Vec<Item> = call.args.iter().map(Item::Argument).collect();
        self.sequence(&PARENS, open, close, &items, indent);
    }
}

pub(super) fn type_text(ty: &TypeExpr) -> String {
    match &ty.param {
        Some(inner) => format!("{}[{}]", ty.name.name, type_text(inner)),
        None => ty.name.name.clone(),
    }
}
