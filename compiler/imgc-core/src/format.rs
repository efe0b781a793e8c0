//! The `.img` formatter: one canonical layout, comments kept.
//!
//! The layout: four spaces of indentation; one statement a line; at most one blank line where the
//! author left blank lines, and always one around top-level `stage`, `image` and `fn` blocks; a
//! trailing comment two spaces after its line. A list, map, argument list or option list stays on
//! one line when it fits in [`WIDTH`] columns, holds no comment, and its author did not break the
//! line after its opening bracket; otherwise it is written one item a line (with a trailing comma
//! where the grammar allows one). Step options follow the step on its line under the same rule
//! (their author breaking the line before the first option counts), or stand one a line, indented.
//! Literals (strings, numbers, names) are written exactly as in the source.
//!
//! Comments are found by [`crate::syntax::comments`] and placed by position: before the statement,
//! list item, entry or option that follows them, or after the one they end the line of. A
//! comment in a place the layout has no line for (inside an expression written on one line) is
//! moved above its statement. No comment is ever dropped.

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast::{
    Argument, Call, Clause, Entries, Entry, EnvScope, Expr, ExprKind, Import, NamedArg, Param, Statement,
    StatementKind, TypeExpr,
};
use crate::syntax::comments::{Comment, comments};

/// The column a line should not pass when the layout has a choice.
pub const WIDTH: usize = 100;
const INDENT: usize = 4;

/// Formats `.img` source text. Fails with the syntax error when the text does not parse.
pub fn format_source(file: FileId, text: &str) -> Result<String, Vec<Diagnostic>> {
    let (module, diagnostics) = crate::syntax::parse(file, text);
    let Some(module) = module else {
        return Err(diagnostics);
    };
    let mut printer = Printer::new(text);
    printer.top_level(&module.statements);
    Ok(printer.finish())
}

struct Printer<'s> {
    src: &'s str,
    comments: Vec<Comment>,
    used: Vec<bool>,
    out: String,
}

/// An item of a bracketed sequence.
enum Item<'a> {
    Expr(&'a Expr),
    Entry(&'a Entry),
    Argument(&'a Argument),
    Named(&'a NamedArg),
    Param(&'a Param),
}

impl Item<'_> {
    fn start(&self) -> usize {
        match self {
            Item::Expr(e) => e.span.start as usize,
            Item::Entry(e) => e.key_span.start as usize,
            Item::Argument(a) => a.name.as_ref().map_or(a.value.span.start, |n| n.span.start) as usize,
            Item::Named(n) => n.name.span.start as usize,
            Item::Param(p) => p.name.span.start as usize,
        }
    }

    fn end(&self) -> usize {
        match self {
            Item::Expr(e) => e.span.end as usize,
            Item::Entry(e) => e.value.span.end as usize,
            Item::Argument(a) => a.value.span.end as usize,
            Item::Named(n) => n.value.span.end as usize,
            Item::Param(p) => p.default.as_ref().map_or(p.ty.span.end, |d| d.span.end) as usize,
        }
    }
}

/// How a sequence is punctuated.
struct Brackets {
    open: &'static str,
    close: &'static str,
    /// Inline: `{ a }` rather than `{a}`.
    padded: bool,
    /// Expanded: a comma after every item (lists, arguments); maps and entries use line breaks.
    commas: bool,
}

const LIST: Brackets = Brackets { open: "[", close: "]", padded: false, commas: true };
const PARENS: Brackets = Brackets { open: "(", close: ")", padded: false, commas: true };
const BRACES: Brackets = Brackets { open: "{", close: "}", padded: true, commas: false };

impl<'s> Printer<'s> {
    fn new(src: &'s str) -> Printer<'s> {
        let comments = comments(src);
        let used = vec![false; comments.len()];
        Printer { src, comments, used, out: String::new() }
    }

    fn finish(mut self) -> String {
        // Any comment the layout did not reach (none is expected) goes at the end.
        for index in 0..self.comments.len() {
            if !self.used[index] {
                self.used[index] = true;
                let text = self.comments[index].text(self.src).to_string();
                self.line_break(0);
                self.out.push_str(&text);
            }
        }
        // The marker is free in the source (else it was never written, and text holding it stays).
        let trimmed = self.out.trim();
        let mut text = if self.src.contains(MARK) { trimmed.to_string() } else { align_trailing_comments(trimmed) };
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }

    // ---- output helpers ----

    /// A comment at the end of the current line. Comments ending consecutive lines are aligned
    /// (by [`align_trailing_comments`]) when the source leaves the marker free.
    fn trailing(&mut self, text: &str) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push_str(if self.src.contains(MARK) { "  " } else { MARK_STR });
        self.out.push_str(text);
    }

    fn col(&self) -> usize {
        let line = self.out.rsplit('\n').next().unwrap_or("");
        line.chars().count()
    }

    /// Ends the line (dropping trailing spaces) and starts the next at `indent`.
    fn line_break(&mut self, indent: usize) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        self.out.push('\n');
        self.out.push_str(&" ".repeat(indent));
    }

    fn blank_line(&mut self) {
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn text(&self, start: usize, end: usize) -> &'s str {
        self.src.get(start..end).unwrap_or("")
    }

    fn has_newline(&self, start: usize, end: usize) -> bool {
        start < end && self.text(start, end).contains('\n')
    }

    /// Two line breaks between `start` and `end`: the author left a blank line.
    fn blank_between(&self, start: usize, end: usize) -> bool {
        start < end && self.text(start, end).matches('\n').count() >= 2
    }

    /// Unused comments that start in `start..end`, by index.
    fn comments_in(&self, start: usize, end: usize) -> Vec<usize> {
        (0..self.comments.len())
            .filter(|&i| !self.used[i] && self.comments[i].range.start >= start && self.comments[i].range.start < end)
            .collect()
    }

    fn any_comment_in(&self, start: usize, end: usize) -> bool {
        self.comments.iter().any(|c| c.range.start >= start && c.range.start < end)
    }

    fn take_comment(&mut self, index: usize) -> String {
        self.used[index] = true;
        self.comments[index].text(self.src).to_string()
    }

    /// Where a statement's own text ends: its span may also cover trailing comments, spaces and
    /// a line-continuing backslash.
    fn content_end(&self, start: usize, end: usize) -> usize {
        let mut end = end;
        loop {
            let trimmed = self.text(start, end).trim_end().len();
            end = start + trimmed;
            if let Some(comment) =
                self.comments.iter().find(|c| c.range.start >= start && c.range.start < end && end <= c.range.end + 1)
            {
                end = comment.range.start;
                continue;
            }
            if end > start && self.text(end - 1, end) == "\\" {
                end -= 1;
                continue;
            }
            return end;
        }
    }

    /// The offset of the first `needle` at or after `from`, outside comments (for brackets the
    /// syntax tree does not record).
    fn find(&self, from: usize, needle: char) -> usize {
        let mut at = from;
        while let Some(rest) = self.src.get(at..) {
            let Some(offset) = rest.find(['#', needle]) else {
                return self.src.len();
            };
            at += offset;
            if self.src[at..].starts_with(needle) {
                return at;
            }
            at = self.src[at..].find('\n').map_or(self.src.len(), |n| at + n);
        }
        self.src.len()
    }

    // ---- blocks ----

    fn top_level(&mut self, statements: &[Statement]) {
        self.items(statements, 0, self.src.len(), 0, None);
    }

    /// A `{ … }` block whose `{` is at `open` and `}` at `close`.
    fn block(&mut self, statements: &[Statement], open: usize, close: usize, indent: usize) {
        self.out.push('{');
        if statements.is_empty() && self.comments_in(open, close).is_empty() {
            self.out.push('}');
            return;
        }
        self.items(statements, open + 1, close, indent + INDENT, Some(open + 1));
        self.line_break(indent);
        self.out.push('}');
    }

    /// Statements and the comments around them, in `start..end`. `after_open` is the offset after
    /// an opening brace, for a comment on the brace's line.
    fn items(&mut self, statements: &[Statement], start: usize, end: usize, indent: usize, after_open: Option<usize>) {
        let top = after_open.is_none();
        let ranges: Vec<(usize, usize)> = statements
            .iter()
            .map(|s| (s.span.start as usize, self.content_end(s.span.start as usize, s.span.end as usize)))
            .collect();
        let inside_statement = |offset: usize| ranges.iter().any(|&(s, e)| offset >= s && offset < e);
        // Events: comments outside statements, and statements, by position.
        let mut events: Vec<(usize, Option<usize>)> = self
            .comments_in(start, end)
            .into_iter()
            .filter(|&i| !inside_statement(self.comments[i].range.start))
            .map(|i| (self.comments[i].range.start, Some(i)))
            .collect();
        events.extend(ranges.iter().map(|&(s, _)| (s, None)));
        events.sort_by_key(|&(offset, comment)| (offset, comment.is_none()));
        let mut previous_end = after_open;
        let mut previous_was_block = false;
        let mut follows_comment_line = false;
        let mut statement_index = 0;
        let mut printed_any = false;
        for (position, (offset, comment)) in events.iter().enumerate() {
            match comment {
                Some(index) if self.used[*index] => previous_end = Some(self.comments[*index].range.end),
                Some(index) => {
                    let same_line = previous_end.is_some_and(|p| !self.has_newline(p, *offset));
                    if same_line && (printed_any || after_open.is_some()) {
                        let text = self.take_comment(*index);
                        self.trailing(&text);
                    } else {
                        let blank = previous_end.is_some_and(|p| self.blank_between(p, *offset)) && printed_any;
                        let forced = top
                            && printed_any
                            && !follows_comment_line
                            && (previous_was_block || self.attached_to_block(&events[position..], statements));
                        if blank || forced {
                            self.blank_line();
                        }
                        self.start_line(indent, printed_any || !top);
                        let text = self.take_comment(*index);
                        self.out.push_str(&text);
                        printed_any = true;
                        previous_was_block = false;
                        follows_comment_line = true;
                    }
                    previous_end = Some(self.comments[*index].range.end);
                }
                None => {
                    let statement = &statements[statement_index];
                    let (_, content_end) = ranges[statement_index];
                    statement_index += 1;
                    let is_block = is_block(statement);
                    let blank = previous_end.is_some_and(|p| self.blank_between(p, *offset)) && printed_any;
                    let forced = top && printed_any && (previous_was_block || is_block && !follows_comment_line);
                    follows_comment_line = false;
                    if blank || forced {
                        self.blank_line();
                    }
                    self.start_line(indent, printed_any || !top);
                    self.statement_with_comments(statement, content_end, indent);
                    printed_any = true;
                    previous_was_block = is_block;
                    previous_end = Some(content_end);
                }
            }
        }
    }

    /// Whether the comments starting the events lead, without a blank line, to a block
    /// declaration (they describe it, so the blank line goes above them).
    fn attached_to_block(&self, events: &[(usize, Option<usize>)], statements: &[Statement]) -> bool {
        let mut previous_end: Option<usize> = None;
        for (offset, comment) in events {
            if previous_end.is_some_and(|p| self.blank_between(p, *offset)) {
                return false;
            }
            match comment {
                Some(index) => previous_end = Some(self.comments[*index].range.end),
                None => {
                    return statements.iter().any(|s| s.span.start as usize == *offset && is_block(s));
                }
            }
        }
        false
    }

    fn start_line(&mut self, indent: usize, break_first: bool) {
        if break_first {
            self.line_break(indent);
        } else {
            self.out.push_str(&" ".repeat(indent));
        }
    }

    /// Prints a statement; comments inside it that the layout cannot place go above it.
    fn statement_with_comments(&mut self, statement: &Statement, content_end: usize, indent: usize) {
        let saved = std::mem::take(&mut self.out);
        self.out.push_str(&" ".repeat(indent));
        self.statement(statement, content_end, indent);
        let printed = std::mem::replace(&mut self.out, saved);
        let leftovers = self.comments_in(statement.span.start as usize, content_end);
        // The line is already started at `indent`; put the leftovers there first.
        let trimmed = self.out.trim_end_matches(' ').len();
        self.out.truncate(trimmed);
        for index in leftovers {
            let text = self.take_comment(index);
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(&text);
            self.out.push('\n');
        }
        self.out.push_str(&printed);
    }

    // ---- statements ----

    fn statement(&mut self, statement: &Statement, content_end: usize, indent: usize) {
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

    fn keyword_expr(&mut self, keyword: &str, expr: &Expr, indent: usize) {
        self.out.push_str(keyword);
        self.out.push(' ');
        self.expr(expr, indent);
    }

    fn type_annotation(&mut self, ty: Option<&TypeExpr>) {
        if let Some(ty) = ty {
            self.out.push_str(": ");
            self.out.push_str(&type_text(ty));
        }
    }

    /// `env`/`label` entries: written out in braces, or a map value.
    fn entries(&mut self, entries: &Entries, start: usize, content_end: usize, indent: usize) {
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

    fn entry(&mut self, entry: &Entry, indent: usize) {
        self.out.push_str(self.text(entry.key_span.start as usize, entry.key_span.end as usize));
        self.out.push_str(" = ");
        self.expr(&entry.value, indent);
    }

    /// The operands of `copy`, `add`, `expose`, `volume`: on the line, or one a line, indented.
    fn operands(&mut self, exprs: &[Expr], indent: usize) {
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

    fn clauses(&mut self, clauses: &[Clause], before: usize, indent: usize) {
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

    fn clause_end(&self, clause: &Clause) -> usize {
        match clause.options.last() {
            Some(last) => self.find(Item::Named(last).end(), ')') + 1,
            None => clause.value.as_ref().map_or(clause.keyword.span.end, |v| v.span.end) as usize,
        }
    }

    fn clause(&mut self, clause: &Clause, indent: usize) {
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

    fn call(&mut self, call: &Call, indent: usize) {
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

    // ---- sequences ----

    /// A bracketed sequence whose opening bracket is at `open` and closing one at `close`.
    fn sequence(&mut self, brackets: &Brackets, open: usize, close: usize, items: &[Item], indent: usize) {
        let inline = self.flat_sequence(brackets, open, close, items).filter(|line| fits(self.col(), line));
        if let Some(line) = inline {
            self.out.push_str(&line);
            return;
        }
        self.out.push_str(brackets.open);
        let inner = indent + INDENT;
        let mut previous_end = open + 1;
        let mut first = true;
        for item in items {
            let start = item.start();
            for index in self.comments_in(previous_end, start) {
                if first && !self.has_newline(open, self.comments[index].range.start) {
                    let text = self.take_comment(index);
                    self.trailing(&text);
                    continue;
                }
                let blank = !first && self.blank_between(previous_end, self.comments[index].range.start);
                if blank {
                    self.blank_line();
                }
                let text = self.take_comment(index);
                self.line_break(inner);
                self.out.push_str(&text);
                previous_end = self.comments[index].range.end;
                first = false;
            }
            if !first && self.blank_between(previous_end, start) {
                self.blank_line();
            }
            self.line_break(inner);
            self.item(item, inner);
            if brackets.commas {
                self.out.push(',');
            }
            previous_end = item.end();
            first = false;
            let next_line = self.src[previous_end..].find('\n').map_or(self.src.len(), |n| previous_end + n);
            for index in self.comments_in(previous_end, next_line.min(close)) {
                let text = self.take_comment(index);
                self.trailing(&text);
                previous_end = self.comments[index].range.end;
            }
        }
        for index in self.comments_in(previous_end, close) {
            let text = self.take_comment(index);
            if first && !self.has_newline(open, self.comments[index].range.start) {
                self.trailing(&text);
            } else {
                self.line_break(inner);
                self.out.push_str(&text);
            }
            first = false;
        }
        self.line_break(indent);
        self.out.push_str(brackets.close);
    }

    fn item(&mut self, item: &Item, indent: usize) {
        match item {
            Item::Expr(e) => self.expr(e, indent),
            Item::Entry(e) => self.entry(e, indent),
            Item::Argument(a) => {
                if let Some(name) = &a.name {
                    self.out.push_str(&name.name);
                    self.out.push_str(": ");
                }
                self.expr(&a.value, indent);
            }
            Item::Named(n) => {
                self.out.push_str(&n.name.name);
                self.out.push_str(": ");
                self.expr(&n.value, indent);
            }
            Item::Param(p) => {
                self.out.push_str(&p.name.name);
                self.out.push_str(": ");
                self.out.push_str(&type_text(&p.ty));
                if let Some(default) = &p.default {
                    self.out.push_str(" = ");
                    self.expr(default, indent);
                }
            }
        }
    }

    // ---- expressions ----

    fn expr(&mut self, expr: &Expr, indent: usize) {
        let start = expr.span.start as usize;
        let end = expr.span.end as usize;
        match &expr.kind {
            ExprKind::List(items) => {
                let items: Vec<Item> = items.iter().map(Item::Expr).collect();
                self.sequence(&LIST, start, end.saturating_sub(1), &items, indent);
            }
            ExprKind::Map(entries) => {
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.sequence(&BRACES, start, end.saturating_sub(1), &items, indent);
            }
            ExprKind::Call(call) => self.call(call, indent),
            ExprKind::Field { base, field } => {
                let parens = matches!(base.kind, ExprKind::Concat(_));
                if parens {
                    self.out.push('(');
                }
                self.expr(base, indent);
                if parens {
                    self.out.push(')');
                }
                self.out.push('.');
                self.out.push_str(&field.name);
            }
            ExprKind::Concat(terms) => {
                let broken = terms
                    .windows(2)
                    .any(|pair| self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize));
                for (index, term) in terms.iter().enumerate() {
                    if index > 0 {
                        self.out.push_str(" +");
                        if broken {
                            self.line_break(indent + INDENT);
                        } else {
                            self.out.push(' ');
                        }
                    }
                    let parens = matches!(term.kind, ExprKind::Concat(_));
                    if parens {
                        self.out.push('(');
                    }
                    self.expr(term, indent + INDENT);
                    if parens {
                        self.out.push(')');
                    }
                }
            }
            _ => {
                // Literals and names, exactly as written (comments inside interpolations too).
                for index in self.comments_in(start, end) {
                    self.used[index] = true;
                }
                self.out.push_str(self.text(start, end));
            }
        }
    }

    /// The expression without line breaks of the layout's own (a string may still span lines),
    /// or `None` when it cannot or should not be (a comment inside, a bracket its author broke the
    /// line after).
    fn flat(&self, expr: &Expr) -> Option<String> {
        let start = expr.span.start as usize;
        let end = expr.span.end as usize;
        if self.any_comment_in(start, end) {
            return None;
        }
        match &expr.kind {
            ExprKind::List(items) => {
                let items: Vec<Item> = items.iter().map(Item::Expr).collect();
                self.flat_sequence(&LIST, start, end.saturating_sub(1), &items)
            }
            ExprKind::Map(entries) => {
                let items: Vec<Item> = entries.iter().map(Item::Entry).collect();
                self.flat_sequence(&BRACES, start, end.saturating_sub(1), &items)
            }
            ExprKind::Call(call) => self.flat_call(call),
            ExprKind::Field { base, field } => {
                let base_text = self.flat(base)?;
                let base_text =
                    if matches!(base.kind, ExprKind::Concat(_)) { format!("({base_text})") } else { base_text };
                Some(format!("{base_text}.{}", field.name))
            }
            ExprKind::Concat(terms) => {
                let mut parts = Vec::new();
                for pair in terms.windows(2) {
                    if self.has_newline(pair[0].span.end as usize, pair[1].span.start as usize) {
                        return None;
                    }
                }
                for term in terms {
                    let text = self.flat(term)?;
                    parts.push(if matches!(term.kind, ExprKind::Concat(_)) { format!("({text})") } else { text });
                }
                Some(parts.join(" + "))
            }
            // A string may span lines; only its first and last lines count for the layout.
            _ => Some(self.text(start, end).to_string()),
        }
    }

    fn flat_call(&self, call: &Call) -> Option<String> {
        let callee: Vec<&str> = call.callee.iter().map(|i| i.name.as_str()).collect();
        let after_callee = call.callee.last().map_or(call.span.start, |i| i.span.end) as usize;
        let open = self.find(after_callee, '(');
        let close = call.span.end.saturating_sub(1) as usize;
        let items: Vec<Item> = call.args.iter().map(Item::Argument).collect();
        Some(format!("{}{}", callee.join("."), self.flat_sequence(&PARENS, open, close, &items)?))
    }

    fn flat_clause(&self, clause: &Clause) -> Option<String> {
        let mut text = clause.keyword.name.clone();
        if let Some(value) = &clause.value {
            text.push(' ');
            text.push_str(&self.flat(value)?);
        }
        if !clause.options.is_empty() {
            let after = clause.value.as_ref().map_or(clause.keyword.span.end, |v| v.span.end) as usize;
            let open = self.find(after, '(');
            let close = self.clause_end(clause).saturating_sub(1);
            let items: Vec<Item> = clause.options.iter().map(Item::Named).collect();
            text.push(' ');
            text.push_str(&self.flat_sequence(&PARENS, open, close, &items)?);
        }
        Some(text)
    }

    fn flat_sequence(&self, brackets: &Brackets, open: usize, close: usize, items: &[Item]) -> Option<String> {
        if self.any_comment_in(open, close) {
            return None;
        }
        let first = items.first().map_or(close, Item::start);
        if self.has_newline(open, first) {
            return None;
        }
        let mut parts = Vec::new();
        for item in items {
            parts.push(self.flat_item(item)?);
        }
        if parts.is_empty() {
            return Some(format!("{}{}", brackets.open, brackets.close));
        }
        let pad = if brackets.padded { " " } else { "" };
        Some(format!("{}{pad}{}{pad}{}", brackets.open, parts.join(", "), brackets.close))
    }

    fn flat_item(&self, item: &Item) -> Option<String> {
        Some(match item {
            Item::Expr(e) => self.flat(e)?,
            Item::Entry(e) => {
                format!("{} = {}", self.text(e.key_span.start as usize, e.key_span.end as usize), self.flat(&e.value)?)
            }
            Item::Argument(a) => match &a.name {
                Some(name) => format!("{}: {}", name.name, self.flat(&a.value)?),
                None => self.flat(&a.value)?,
            },
            Item::Named(n) => format!("{}: {}", n.name.name, self.flat(&n.value)?),
            Item::Param(p) => match &p.default {
                Some(default) => format!("{}: {} = {}", p.name.name, type_text(&p.ty), self.flat(default)?),
                None => format!("{}: {}", p.name.name, type_text(&p.ty)),
            },
        })
    }
}

/// Stands where a trailing comment starts until the comments are aligned.
const MARK: char = '\u{1}';
const MARK_STR: &str = "\u{1}";

/// Aligns the trailing comments of consecutive lines two spaces after the longest of those lines.
fn align_trailing_comments(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut index = 0;
    while index < lines.len() {
        if !lines[index].contains(MARK) {
            out.push(lines[index].to_string());
            index += 1;
            continue;
        }
        let group_end = (index..lines.len()).find(|&i| !lines[i].contains(MARK)).unwrap_or(lines.len());
        let width = lines[index..group_end]
            .iter()
            .map(|line| line.split(MARK).next().unwrap_or("").chars().count())
            .max()
            .unwrap_or(0);
        for line in &lines[index..group_end] {
            let (code, comment) = line.split_once(MARK).unwrap_or((line, ""));
            let pad = width - code.chars().count() + 2;
            out.push(format!("{code}{}{comment}", " ".repeat(pad)));
        }
        index = group_end;
    }
    out.join("\n")
}

/// Whether text written at column `col` keeps within [`WIDTH`]: its first line from `col`, its
/// last line from the start (lines between are inside a string, whose layout is the author's).
fn fits(col: usize, text: &str) -> bool {
    let first = text.split('\n').next().unwrap_or("");
    let last = text.rsplit('\n').next().unwrap_or("");
    col + first.chars().count() <= WIDTH && (!text.contains('\n') || last.chars().count() <= WIDTH)
}

fn type_text(ty: &TypeExpr) -> String {
    match &ty.param {
        Some(inner) => format!("{}[{}]", ty.name.name, type_text(inner)),
        None => ty.name.name.clone(),
    }
}

fn is_block(statement: &Statement) -> bool {
    matches!(statement.kind, StatementKind::Fn(_) | StatementKind::Stage(_))
}
