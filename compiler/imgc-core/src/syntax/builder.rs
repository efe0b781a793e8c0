//! Builds the owned syntax tree from the parse tree (`tree`), whichever parser made it.

use super::Rule;
use super::ast::*;
use super::tree::{Pair, Pairs};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

pub(super) struct Builder {
    file: FileId,
    diagnostics: Vec<Diagnostic>,
    /// The file's comments, in order: where statements' trailing comments are.
    comments: Vec<Span>,
}

impl Builder {
    pub(super) fn new(file: FileId) -> Builder {
        Builder { file, diagnostics: Vec::new(), comments: Vec::new() }
    }

    pub(super) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    fn span(&self, pair: &Pair<'_>) -> Span {
        Span::new(self.file, pair.start()..pair.end())
    }

    pub(super) fn module(&mut self, file: Pair<'_>) -> Module {
        let extra = super::module_extra(self.file, file.as_str());
        self.comments.clone_from(&extra.comments);
        let statements = self.statements(file.into_inner());
        Module { statements, extra }
    }

    fn statements(&mut self, pairs: Pairs<'_>) -> Vec<Statement> {
        pairs.filter(|p| p.as_rule() != Rule::EOI).map(|p| self.statement(p)).collect()
    }

    fn block(&mut self, pair: Pair<'_>) -> Vec<Statement> {
        self.statements(pair.into_inner())
    }

    fn statement(&mut self, pair: Pair<'_>) -> Statement {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let end = u32::try_from(self.content_end(&pair)).unwrap_or(span.end);
        let braces = pair
            .clone()
            .into_inner()
            .find(|p| matches!(p.as_rule(), Rule::block | Rule::entries))
            .map(|p| self.span(&p));
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::import => {
                let first = next(&mut inner);
                if first.as_rule() == Rule::string {
                    let path_span = self.span(&first);
                    let path = self.plain_string(first);
                    let alias = self.ident(next(&mut inner));
                    StatementKind::Import(Import::File { path, path_span, alias })
                } else {
                    let path = first.into_inner().map(|w| self.ident(w)).collect();
                    StatementKind::Import(Import::Std { path })
                }
            }
            Rule::arg_decl => {
                let name = self.ident(next(&mut inner));
                let (mut ty, mut default, mut no_default) = (None, None, false);
                for p in inner {
                    match p.as_rule() {
                        Rule::type_expr => ty = Some(self.type_expr(p)),
                        Rule::kw_none => no_default = true,
                        _ => default = Some(self.expr(p)),
                    }
                }
                StatementKind::Arg(ArgDecl { name, ty, default, no_default })
            }
            Rule::directive => {
                let name = self.ident(next(&mut inner));
                let value = self.expr(next(&mut inner));
                StatementKind::Directive { name, value }
            }
            Rule::maintainer => StatementKind::Maintainer(self.expr(next(&mut inner))),
            Rule::let_decl => {
                let name = self.ident(next(&mut inner));
                let mut ty = None;
                let mut value = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::type_expr => ty = Some(self.type_expr(p)),
                        _ => value = Some(self.expr(p)),
                    }
                }
                let value = value.unwrap_or(Expr::new(ExprKind::Bool(false), span));
                StatementKind::Let(LetDecl { name, ty, value })
            }
            Rule::fn_decl => {
                let name = self.ident(next(&mut inner));
                let params_pair = next(&mut inner);
                let parens = self.span(&params_pair);
                let mut params = Vec::new();
                for p in params_pair.into_inner() {
                    let mut parts = p.into_inner();
                    let name = self.ident(next(&mut parts));
                    let ty = self.type_expr(next(&mut parts));
                    let default = parts.next().map(|d| self.expr(d));
                    params.push(Param { name, ty, default });
                }
                let body = self.block(next(&mut inner));
                StatementKind::Fn(Box::new(FnDecl { name, params, parens, body }))
            }
            Rule::stage_decl | Rule::image_decl => {
                let is_image = rule == Rule::image_decl;
                let mut name = None;
                let mut base = None;
                let mut platform = None;
                let mut alias = None;
                let mut body = Vec::new();
                for p in inner {
                    match p.as_rule() {
                        Rule::ident => name = Some(self.ident(p)),
                        Rule::expr => base = Some(self.expr(p)),
                        Rule::platform => platform = p.into_inner().next().map(|e| self.expr(e)),
                        Rule::stage_alias => alias = Some(self.stage_alias(p)),
                        _ => body = self.block(p),
                    }
                }
                let base = base.unwrap_or(Expr::new(ExprKind::Scratch, span));
                StatementKind::Stage(Box::new(StageDecl { name, is_image, base, platform, alias, body }))
            }
            Rule::run => {
                let command = self.expr(next(&mut inner));
                let clauses = self.clauses(next(&mut inner));
                StatementKind::Run { command, clauses }
            }
            Rule::copy => {
                let parts: Vec<Pair<'_>> = inner.collect();
                let (from, rest) = match parts.as_slice() {
                    [from, list, dest, clauses] if list.as_rule() == Rule::expr_list => {
                        (Some(self.expr(from.clone())), (list.clone(), dest.clone(), clauses.clone()))
                    }
                    [list, dest, clauses] => (None, (list.clone(), dest.clone(), clauses.clone())),
                    _ => unreachable_shape(),
                };
                let sources = self.expr_list(rest.0);
                let dest = self.expr(rest.1);
                let clauses = self.clauses(rest.2);
                StatementKind::Copy { from, sources, dest, clauses }
            }
            Rule::add => {
                let sources = self.expr_list(next(&mut inner));
                let dest = self.expr(next(&mut inner));
                let clauses = self.clauses(next(&mut inner));
                StatementKind::Add { sources, dest, clauses }
            }
            Rule::env => {
                let mut scope = EnvScope::Runtime;
                let mut entries = Entries::Literal(Vec::new());
                for p in inner {
                    match p.as_rule() {
                        Rule::env_scope => {
                            scope = match p.as_str() {
                                "build" => EnvScope::Build,
                                "both" => EnvScope::Both,
                                _ => EnvScope::Runtime,
                            }
                        }
                        Rule::entries => entries = Entries::Literal(self.entries(p)),
                        _ => entries = Entries::Map(self.expr(p)),
                    }
                }
                StatementKind::Env { scope, entries }
            }
            Rule::workdir => StatementKind::Workdir(self.expr(next(&mut inner))),
            Rule::user => StatementKind::User(self.expr(next(&mut inner))),
            Rule::expose => StatementKind::Expose(self.expr_list(next(&mut inner))),
            Rule::label => {
                let p = next(&mut inner);
                let entries = match p.as_rule() {
                    Rule::entries => Entries::Literal(self.entries(p)),
                    Rule::entry => Entries::Literal(vec![self.entry(p)]),
                    _ => Entries::Map(self.expr(p)),
                };
                StatementKind::Label(entries)
            }
            Rule::volume => StatementKind::Volume(self.expr_list(next(&mut inner))),
            Rule::cmd => StatementKind::Cmd(self.expr(next(&mut inner))),
            Rule::entrypoint => StatementKind::Entrypoint(self.expr(next(&mut inner))),
            Rule::healthcheck => {
                let first = next(&mut inner);
                if first.as_rule() == Rule::kw_none {
                    StatementKind::Healthcheck(None)
                } else {
                    let command = self.expr(first);
                    let clauses = self.clauses(next(&mut inner));
                    StatementKind::Healthcheck(Some((command, clauses)))
                }
            }
            Rule::stopsignal => StatementKind::StopSignal(self.expr(next(&mut inner))),
            Rule::shell => StatementKind::Shell(self.expr(next(&mut inner))),
            Rule::onbuild => StatementKind::OnBuild(self.block(next(&mut inner))),
            Rule::layer => StatementKind::Layer(self.block(next(&mut inner))),
            Rule::call_stmt => StatementKind::Call(self.call(next(&mut inner))),
            _ => unreachable_shape(),
        };
        Statement { kind, span, end, braces, trivia: Vec::new() }
    }

    fn ident(&mut self, pair: Pair<'_>) -> Ident {
        Ident { name: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn type_expr(&mut self, pair: Pair<'_>) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = self.ident(next(&mut inner));
        let param = inner.next().map(|p| Box::new(self.type_expr(p)));
        TypeExpr { name, param, span }
    }

    fn expr_list(&mut self, pair: Pair<'_>) -> Vec<Expr> {
        pair.into_inner().map(|p| self.expr(p)).collect()
    }

    fn entries(&mut self, pair: Pair<'_>) -> Vec<Entry> {
        pair.into_inner().map(|p| self.entry(p)).collect()
    }

    fn entry(&mut self, pair: Pair<'_>) -> Entry {
        let mut inner = pair.into_inner();
        let key_pair = next(&mut inner);
        let key_span = self.span(&key_pair);
        let key_inner = next(&mut key_pair.into_inner());
        let key = match key_inner.as_rule() {
            Rule::string => self.plain_string(key_inner),
            _ => key_inner.as_str().to_string(),
        };
        let value = self.expr(next(&mut inner));
        Entry { key, key_span, value }
    }

    fn clauses(&mut self, pair: Pair<'_>) -> Vec<Clause> {
        pair.into_inner()
            .map(|clause| {
                let span = self.span(&clause);
                let mut inner = clause.into_inner();
                let keyword = self.ident(next(&mut inner));
                let mut value = None;
                let mut options = Vec::new();
                let mut options_parens = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::clause_options => {
                            options_parens = Some(self.span(&p));
                            for named in p.into_inner() {
                                let mut parts = named.into_inner();
                                let name = self.ident(next(&mut parts));
                                let value = self.expr(next(&mut parts));
                                options.push(NamedArg { name, value });
                            }
                        }
                        _ => value = Some(self.expr(p)),
                    }
                }
                Clause { keyword, value, options, options_parens, span }
            })
            .collect()
    }

    fn expr(&mut self, pair: Pair<'_>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => {
                let mut terms = pair.into_inner();
                if terms.size_hint().0 == 1 {
                    return self.term(next(&mut terms));
                }
                Expr::new(ExprKind::Concat(terms.map(|t| self.term(t)).collect()), span)
            }
            Rule::term => self.term(pair),
            _ => self.primary(pair),
        }
    }

    fn term(&mut self, pair: Pair<'_>) -> Expr {
        let mut inner = pair.into_inner();
        let first = next(&mut inner);
        if first.as_rule() == Rule::call {
            let span = self.span(&first);
            return Expr::new(ExprKind::Call(Box::new(self.call(first))), span);
        }
        let mut expr = self.primary(first);
        for field in inner {
            let field_span = self.span(&field);
            let name = self.ident(next(&mut field.into_inner()));
            let span = expr.span.to(field_span);
            expr = Expr::new(ExprKind::Field { base: Box::new(expr), field: name }, span);
        }
        expr
    }

    fn call(&mut self, pair: Pair<'_>) -> Call {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let callee_pair = next(&mut inner);
        let callee_start = callee_pair.start();
        let mut offset = callee_start;
        let callee = callee_pair
            .as_str()
            .split('.')
            .map(|segment| {
                let ident =
                    Ident { name: segment.to_string(), span: Span::new(self.file, offset..offset + segment.len()) };
                offset += segment.len() + 1;
                ident
            })
            .collect();
        let arguments = next(&mut inner);
        let parens = self.span(&arguments);
        let args = arguments
            .into_inner()
            .map(|argument| {
                let parts: Vec<Pair<'_>> = argument.into_inner().collect();
                match parts.as_slice() {
                    [name, value] => Argument { name: Some(self.ident(name.clone())), value: self.expr(value.clone()) },
                    [value] => Argument { name: None, value: self.expr(value.clone()) },
                    _ => unreachable_shape(),
                }
            })
            .collect();
        Call { callee, args, parens, span }
    }

    fn primary(&mut self, pair: Pair<'_>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::scratch => ExprKind::Scratch,
            Rule::number => self.number(pair.as_str(), span),
            Rule::string => ExprKind::Str(self.string_parts(pair)),
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect()),
            Rule::map => ExprKind::Map(pair.into_inner().map(|p| self.entry(p)).collect()),
            Rule::ident => ExprKind::Name(pair.as_str().to_string()),
            Rule::expr => return self.expr(pair),
            _ => unreachable_shape(),
        };
        Expr::new(kind, span)
    }

    /// Classifies a number-like token: integer, port, or duration.
    fn number(&mut self, text: &str, span: Span) -> ExprKind {
        if let Some((number, protocol)) = text.split_once('/') {
            let Ok(number) = number.parse::<i64>() else {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("`{text}` is not a port"),
                    "a port is written `8080/tcp` or `53/udp`",
                );
                return ExprKind::Int(0);
            };
            if !matches!(protocol, "tcp" | "udp" | "sctp") {
                self.error(
                    Code::InvalidLiteral,
                    span,
                    format!("unknown protocol `{protocol}`"),
                    "a port's protocol is `tcp`, `udp` or `sctp`",
                );
            }
            return ExprKind::Port { number, protocol: protocol.to_string() };
        }
        if let Some(int) = parse_int(text) {
            return ExprKind::Int(int);
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            self.error(Code::InvalidLiteral, span, format!("`{text}` is too large"), "integers are 64-bit");
            return ExprKind::Int(0);
        }
        match parse_duration(text) {
            Some(millis) => ExprKind::Duration { millis },
            None => {
                self.error(
                    Code::MalformedDuration,
                    span,
                    format!("`{text}` is not a duration"),
                    "write a duration as numbers with units `ms`, `s`, `m`, `h`: `30s`, `1m30s`, `500ms`",
                );
                ExprKind::Duration { millis: 0 }
            }
        }
    }

    fn string_parts(&mut self, pair: Pair<'_>) -> Vec<StrPart> {
        let pieces = pair.into_inner();
        // At most one part a piece (adjacent text and escapes join into one).
        let mut parts: Vec<StrPart> = Vec::with_capacity(pieces.size_hint().0);
        for part in pieces {
            match part.as_rule() {
                Rule::text => push_text(&mut parts, part.as_str()),
                Rule::escape => {
                    let span = self.span(&part);
                    let escaped = match part.as_str().chars().nth(1) {
                        Some('n') => "\n",
                        Some('t') => "\t",
                        Some('r') => "\r",
                        Some('\\') => "\\",
                        Some('"') => "\"",
                        Some('$') => "$",
                        Some('\n') => "",
                        _ => {
                            self.error(
                                Code::InvalidLiteral,
                                span,
                                format!("unknown escape `{}`", part.as_str().escape_debug()),
                                "strings know `\\n`, `\\t`, `\\r`, `\\\\`, `\\\"`, `\\$` and a backslash before a line break",
                            );
                            ""
                        }
                    };
                    push_text(&mut parts, escaped);
                }
                Rule::interpolation => {
                    if let Some(expr) = part.into_inner().next() {
                        parts.push(StrPart::Interpolation(self.expr(expr)));
                    }
                }
                _ => {}
            }
        }
        parts
    }

    /// `as "dev-envs"` or `as none` after a stage's base.
    fn stage_alias(&mut self, pair: Pair<'_>) -> StageAlias {
        let span = self.span(&pair);
        let name = pair.into_inner().find(|p| p.as_rule() == Rule::string).map(|p| self.plain_string(p));
        StageAlias { name, span }
    }

    /// A string that must not interpolate (import paths, keys).
    fn plain_string(&mut self, pair: Pair<'_>) -> String {
        let span = self.span(&pair);
        let mut out = String::new();
        for part in self.string_parts(pair) {
            match part {
                StrPart::Text(text) => out.push_str(&text),
                StrPart::Interpolation(expr) => self.error(
                    Code::Misplaced,
                    expr.span.to(span),
                    "interpolation is not allowed here".to_string(),
                    "import paths and keys are plain strings",
                ),
            }
        }
        out
    }

    /// Where the last token of `pair` ends. A pair can end later: a rule ending in an optional or
    /// repeated part (`expr`, `clauses`) takes in the spaces, comments and line continuations the
    /// grammar skipped looking for it. Read backwards from the pair's end over those (comments as
    /// the file's comment scan found them); every token ends in another character.
    fn content_end(&self, pair: &Pair<'_>) -> usize {
        let text = pair.input().as_bytes();
        let mut at = pair.end();
        while at > pair.start() {
            match text[at - 1] {
                b' ' | b'\t' | b'\r' | b'\n' | b'\\' => at -= 1,
                _ => {
                    let last = at - 1;
                    let after = self.comments.partition_point(|c| c.start as usize <= last);
                    match after.checked_sub(1).map(|i| self.comments[i]) {
                        Some(comment) if last < comment.end as usize => at = comment.start as usize,
                        _ => break,
                    }
                }
            }
        }
        at
    }

    fn error(&mut self, code: Code, span: Span, message: String, help: &str) {
        self.diagnostics.push(Diagnostic::error(code, message).with_label(span, "here").with_help(help));
    }
}

fn push_text(parts: &mut Vec<StrPart>, text: &str) {
    if let Some(StrPart::Text(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(StrPart::Text(text.to_string()));
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(octal) = clean.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()
    } else if let Some(binary) = clean.strip_prefix("0b") {
        i64::from_str_radix(binary, 2).ok()
    } else if let Some(hex) = clean.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if clean.bytes().all(|b| b.is_ascii_digit()) {
        clean.parse().ok()
    } else {
        None
    }
}

/// `1h30m`, `30s`, `500ms`: a sequence of number-unit pairs.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, len) = if rest.starts_with("ms") {
            (1, 2)
        } else if rest.starts_with('s') {
            (1000, 1)
        } else if rest.starts_with('m') {
            (60_000, 1)
        } else if rest.starts_with('h') {
            (3_600_000, 1)
        } else {
            return None;
        };
        rest = &rest[len..];
        total = total.checked_add(number.checked_mul(unit)?)?;
    }
    Some(total)
}

fn next<'i>(pairs: &mut Pairs<'i>) -> Pair<'i> {
    match pairs.next() {
        Some(pair) => pair,
        None => unreachable_shape(),
    }
}

/// The grammar guarantees each rule's children; a mismatch is a bug in this builder.
#[track_caller]
fn unreachable_shape() -> ! {
    unreachable!("the parse tree does not have the shape the grammar promises")
}

#[cfg(test)]
mod tests {
    use crate::source::FileId;
    use crate::syntax::ast::{ExprKind, StatementKind};
    use crate::syntax::parse;

    fn text_of(source: &str, start: u32, end: u32) -> &str {
        &source[start as usize..end as usize]
    }

    #[test]
    fn a_statement_ends_before_the_comment_or_continuation_after_it() {
        let source = "arg version = \"1\" + x  # why\nrun \"make\" \\\n  # more\n\nlet a = [1, 2]  # list\n";
        let module = parse(FileId(0), source).0.expect("parses");
        let ends: Vec<&str> = module.statements.iter().map(|s| text_of(source, s.span.start, s.end)).collect();
        assert_eq!(ends, ["arg version = \"1\" + x", "run \"make\"", "let a = [1, 2]"]);
    }

    #[test]
    fn delimiters_are_recorded_on_the_nodes() {
        let source = "fn f( a: string ) {\n    run \"x\" cache \"/c\" (sharing: \"locked\")\n}\nenv { A = \"1\" }\nlet c = g.h(1, 2)\n";
        let module = parse(FileId(0), source).0.expect("parses");
        let [function, env, constant] = module.statements.as_slice() else { panic!("three statements") };
        let StatementKind::Fn(decl) = &function.kind else { panic!("a function") };
        assert_eq!(text_of(source, decl.parens.start, decl.parens.end), "( a: string )");
        let braces = function.braces.expect("a block");
        assert!(
            text_of(source, braces.start, braces.end).starts_with("{\n")
                && source[..braces.end as usize].ends_with('}')
        );
        let StatementKind::Run { clauses, .. } = &decl.body[0].kind else { panic!("a run step") };
        let parens = clauses[0].options_parens.expect("options");
        assert_eq!(text_of(source, parens.start, parens.end), "(sharing: \"locked\")");
        let braces = env.braces.expect("entries");
        assert_eq!(text_of(source, braces.start, braces.end), "{ A = \"1\" }");
        let StatementKind::Let(decl) = &constant.kind else { panic!("a let") };
        let ExprKind::Call(call) = &decl.value.kind else { panic!("a call") };
        assert_eq!(text_of(source, call.parens.start, call.parens.end), "(1, 2)");
    }

    #[test]
    fn comments_and_line_breaks_are_recorded_beside_the_tree() {
        let source = "# head\nrun \"a # not a comment\"  # tail\n\nrun \"b\"\n";
        let module = parse(FileId(0), source).0.expect("parses");
        let comments: Vec<&str> = module.extra.comments.iter().map(|c| text_of(source, c.start, c.end)).collect();
        assert_eq!(comments, ["# head", "# tail"]);
        assert_eq!(module.extra.newlines.len(), 4);
        let second = module.statements[1].span.start;
        assert_eq!(module.extra.newlines_in(module.statements[0].end, second), 2);
        assert_eq!(module.extra.newlines_in(second, second), 0);
        assert_eq!(module.extra.next_newline(second), Some(source.len() as u32 - 1));
        assert_eq!(module.extra.next_newline(source.len() as u32), None);
    }
}
