//! A hand-written recursive-descent parser of `grammar.pest`, several times cheaper than pest's
//! generated one, producing the very tree pest's pairs make (same rules, same byte ranges). It
//! follows the code pest generates rule by rule: implicit white space (`skip`) between the parts
//! of a sequence and between repetitions in the non-atomic rules, none inside `@` and `$` rules,
//! ordered choice with backtracking, nodes only for rules that are neither silent nor inside an
//! `@` rule. A repetition's failed attempt gives back the white space skipped before it; an
//! optional part does not, so a rule ending in one takes in the white space before it (pest does
//! the same). pest stays the reference: `syntax::parse` runs it whenever this parser declines, and
//! the differential tests and the fuzz target hold the two to the same answers.
//!
//! Must never depend on: pest, the builder, the AST.

use super::Rule;
use super::tree::{Node, Tree};

/// Parses a whole file; `None` when the text does not parse (or is too long for the tree's
/// offsets): then pest decides, and reports the error.
pub(super) fn parse(text: &str) -> Option<Tree<'_>> {
    u32::try_from(text.len()).ok()?;
    let mut parser = Parser { text: text.as_bytes(), pos: 0, nodes: Vec::with_capacity(text.len() / 3) };
    parser.file().then_some(Tree { text, nodes: parser.nodes })
}

/// Words the `keyword` rule matches: no `ident` is one of them.
const KEYWORDS: &[&[u8]] = &[
    b"add",
    b"arg",
    b"as",
    b"bind",
    b"checksum",
    b"cache",
    b"chmod",
    b"chown",
    b"copy",
    b"cmd",
    b"directive",
    b"device",
    b"entrypoint",
    b"exclude",
    b"expose",
    b"env",
    b"false",
    b"from",
    b"fn",
    b"healthcheck",
    b"interval",
    b"import",
    b"image",
    b"keep_git_dir",
    b"label",
    b"layer",
    b"link",
    b"let",
    b"maintainer",
    b"network",
    b"none",
    b"onbuild",
    b"platform",
    b"parents",
    b"retries",
    b"run",
    b"start_interval",
    b"start_period",
    b"stopsignal",
    b"security",
    b"scratch",
    b"secret",
    b"shell",
    b"stage",
    b"ssh",
    b"timeout",
    b"tmpfs",
    b"true",
    b"to",
    b"unpack",
    b"user",
    b"volume",
    b"workdir",
];

/// Words the `clause_keyword` rule matches.
const CLAUSE_KEYWORDS: &[&[u8]] = &[
    b"bind",
    b"checksum",
    b"cache",
    b"chmod",
    b"chown",
    b"device",
    b"exclude",
    b"from",
    b"interval",
    b"keep_git_dir",
    b"link",
    b"network",
    b"platform",
    b"parents",
    b"retries",
    b"start_interval",
    b"start_period",
    b"security",
    b"secret",
    b"ssh",
    b"timeout",
    b"tmpfs",
    b"unpack",
];

fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn is_word_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

/// The statement a keyword starts, and whether the grammar tries it before `call_stmt`.
fn statement_rule(word: &[u8]) -> Option<(Rule, bool)> {
    Some(match word {
        b"run" => (Rule::run, true),
        b"copy" => (Rule::copy, true),
        b"env" => (Rule::env, true),
        b"label" => (Rule::label, false),
        b"workdir" => (Rule::workdir, false),
        b"user" => (Rule::user, false),
        b"expose" => (Rule::expose, false),
        b"cmd" => (Rule::cmd, false),
        b"entrypoint" => (Rule::entrypoint, false),
        b"add" => (Rule::add, false),
        b"healthcheck" => (Rule::healthcheck, false),
        b"stopsignal" => (Rule::stopsignal, false),
        b"volume" => (Rule::volume, false),
        b"shell" => (Rule::shell, false),
        b"onbuild" => (Rule::onbuild, false),
        b"layer" => (Rule::layer, false),
        b"maintainer" => (Rule::maintainer, false),
        b"let" => (Rule::let_decl, false),
        b"arg" => (Rule::arg_decl, false),
        b"import" => (Rule::import, false),
        b"fn" => (Rule::fn_decl, false),
        b"stage" => (Rule::stage_decl, false),
        b"image" => (Rule::image_decl, false),
        b"directive" => (Rule::directive, false),
        _ => return None,
    })
}

struct Parser<'i> {
    text: &'i [u8],
    pos: usize,
    nodes: Vec<Node>,
}

/// A position to come back to: the offset and the number of nodes.
type Mark = (usize, usize);

impl Parser<'_> {
    // ---- machinery ----

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.pos + ahead).copied()
    }

    fn mark(&self) -> Mark {
        (self.pos, self.nodes.len())
    }

    fn reset(&mut self, (pos, nodes): Mark) {
        self.pos = pos;
        self.nodes.truncate(nodes);
    }

    /// Runs a sequence, giving back what it consumed when it fails.
    fn attempt(&mut self, f: impl FnOnce(&mut Self) -> bool) -> bool {
        let mark = self.mark();
        let matched = f(self);
        if !matched {
            self.reset(mark);
        }
        matched
    }

    /// A rule that makes a node with children.
    fn node(&mut self, rule: Rule, f: impl FnOnce(&mut Self) -> bool) -> bool {
        let mark = self.mark();
        // Offsets fit: `parse` checked the text's length.
        self.nodes.push(Node { rule, start: mark.0 as u32, end: 0, after: 0 });
        if f(self) {
            let after = self.nodes.len() as u32;
            let node = &mut self.nodes[mark.1];
            node.end = self.pos as u32;
            node.after = after;
            true
        } else {
            self.reset(mark);
            false
        }
    }

    /// An atomic rule's node, matched over `start..self.pos`.
    fn leaf(&mut self, rule: Rule, start: usize) -> bool {
        let after = self.nodes.len() as u32 + 1;
        self.nodes.push(Node { rule, start: start as u32, end: self.pos as u32, after });
        true
    }

    fn byte(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, literal: &[u8]) -> bool {
        if self.text[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    /// `x*` in a non-atomic rule: `x`, then white space and `x` again while that matches.
    fn repeat(&mut self, mut f: impl FnMut(&mut Self) -> bool) {
        if f(self) {
            loop {
                let mark = self.mark();
                self.skip();
                if !f(self) {
                    self.reset(mark);
                    break;
                }
            }
        }
    }

    /// The length of the run of `ident_char`s at the position.
    fn run_len(&self) -> usize {
        self.text[self.pos..].iter().take_while(|&&b| is_ident_char(b)).count()
    }

    /// Moves past one character (pest's `ANY`); false at the end.
    fn any(&mut self) -> bool {
        let Some(first) = self.peek() else { return false };
        self.pos += match first {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        self.pos = self.pos.min(self.text.len());
        true
    }

    // ---- white space ----

    /// `NEWLINE`: `"\n" | "\r\n" | "\r"`.
    fn newline(&mut self) -> bool {
        match self.peek() {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => self.pos += if self.peek_at(1) == Some(b'\n') { 2 } else { 1 },
            _ => return false,
        }
        true
    }

    /// pest's implicit `skip`: `WHITESPACE*`.
    fn skip(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'#') => {
                    let rest = &self.text[self.pos..];
                    self.pos += rest.iter().position(|&b| b == b'\n' || b == b'\r').unwrap_or(rest.len());
                }
                Some(b'\\') => {
                    let mark = self.pos;
                    self.pos += 1;
                    if !self.newline() {
                        self.pos = mark;
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// `nl = _{ NEWLINE* }`.
    fn nl(&mut self) {
        self.repeat(Self::newline);
    }

    /// `~ nl ~` inside a non-atomic rule: white space, line breaks, white space.
    fn skip_nl(&mut self) {
        self.skip();
        self.nl();
        self.skip();
    }

    /// `sep = _{ (NEWLINE | ";")+ }`.
    fn sep(&mut self) -> bool {
        let one = |p: &mut Self| p.newline() || p.byte(b';');
        if !one(self) {
            return false;
        }
        self.skip();
        self.repeat(one);
        true
    }

    /// `entry_sep = _{ (NEWLINE | ",")+ }`.
    fn entry_sep(&mut self) -> bool {
        let one = |p: &mut Self| p.newline() || p.byte(b',');
        if !one(self) {
            return false;
        }
        self.skip();
        self.repeat(one);
        true
    }

    // ---- words ----

    /// `kw_X`: the word X, not followed by a letter, digit or `_`.
    fn kw(&mut self, word: &[u8]) -> bool {
        if self.text[self.pos..].starts_with(word)
            && !self.text.get(self.pos + word.len()).is_some_and(|&b| is_ident_char(b))
        {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn kw_none(&mut self) -> bool {
        let start = self.pos;
        self.kw(b"none") && self.leaf(Rule::kw_none, start)
    }

    /// The length of the `word` at the position, 0 when there is none.
    fn word_len(&self) -> usize {
        match self.peek() {
            Some(b) if is_word_start(b) => self.run_len(),
            _ => 0,
        }
    }

    fn word(&mut self) -> bool {
        let len = self.word_len();
        if len == 0 {
            return false;
        }
        let start = self.pos;
        self.pos += len;
        self.leaf(Rule::word, start)
    }

    fn ident(&mut self) -> bool {
        let len = self.word_len();
        if len == 0 || KEYWORDS.contains(&&self.text[self.pos..self.pos + len]) {
            return false;
        }
        let start = self.pos;
        self.pos += len;
        self.leaf(Rule::ident, start)
    }

    /// An atomic rule matching one of `words` as a whole word.
    fn one_of(&mut self, rule: Rule, words: &[&[u8]]) -> bool {
        let len = self.run_len();
        if len == 0 || !words.contains(&&self.text[self.pos..self.pos + len]) {
            return false;
        }
        let start = self.pos;
        self.pos += len;
        self.leaf(rule, start)
    }

    // ---- file and statements ----

    fn file(&mut self) -> bool {
        self.node(Rule::file, |p| {
            p.skip();
            p.sep();
            p.skip();
            p.statements();
            p.skip();
            p.sep();
            p.skip();
            if p.pos != p.text.len() {
                return false;
            }
            let end = p.pos;
            p.leaf(Rule::EOI, end)
        })
    }

    /// `(statement ~ (sep ~ statement)*)?`
    fn statements(&mut self) {
        self.attempt(|p| {
            if !p.statement() {
                return false;
            }
            p.skip();
            p.repeat(|p| {
                p.attempt(|p| {
                    if !p.sep() {
                        return false;
                    }
                    p.skip();
                    p.statement()
                })
            });
            true
        });
    }

    fn block(&mut self) -> bool {
        self.node(Rule::block, |p| {
            if !p.byte(b'{') {
                return false;
            }
            p.skip();
            p.sep();
            p.skip();
            p.statements();
            p.skip();
            p.sep();
            p.skip();
            p.byte(b'}')
        })
    }

    fn statement(&mut self) -> bool {
        let len = self.run_len();
        let keyword = statement_rule(&self.text[self.pos..self.pos + len]);
        if let Some((rule, true)) = keyword
            && self.statement_of(rule)
        {
            return true;
        }
        if self.node(Rule::call_stmt, Self::call) {
            return true;
        }
        match keyword {
            Some((rule, false)) => self.statement_of(rule),
            _ => false,
        }
    }

    fn statement_of(&mut self, rule: Rule) -> bool {
        self.node(rule, |p| match rule {
            Rule::run => p.kw(b"run") && p.then(Self::expr) && p.then(Self::clauses),
            Rule::copy => {
                p.kw(b"copy")
                    && {
                        p.skip();
                        p.attempt(|p| p.kw(b"from") && p.then(Self::expr));
                        true
                    }
                    && p.then(Self::expr_list)
                    && p.then(|p| p.kw(b"to"))
                    && p.then(Self::expr)
                    && p.then(Self::clauses)
            }
            Rule::add => {
                p.kw(b"add")
                    && p.then(Self::expr_list)
                    && p.then(|p| p.kw(b"to"))
                    && p.then(Self::expr)
                    && p.then(Self::clauses)
            }
            Rule::env => {
                p.kw(b"env") && {
                    p.skip();
                    p.one_of(Rule::env_scope, &[b"build", b"both", b"runtime"]);
                    p.skip();
                    p.entries() || p.expr()
                }
            }
            Rule::label => p.kw(b"label") && p.then(|p| p.entries() || p.entry() || p.expr()),
            Rule::workdir => p.kw(b"workdir") && p.then(Self::expr),
            Rule::user => p.kw(b"user") && p.then(Self::expr),
            Rule::expose => p.kw(b"expose") && p.then(Self::expr_list),
            Rule::cmd => p.kw(b"cmd") && p.then(Self::expr),
            Rule::entrypoint => p.kw(b"entrypoint") && p.then(Self::expr),
            Rule::healthcheck => {
                p.kw(b"healthcheck") && p.then(|p| p.kw_none() || p.attempt(|p| p.expr() && p.then(Self::clauses)))
            }
            Rule::stopsignal => p.kw(b"stopsignal") && p.then(Self::expr),
            Rule::volume => p.kw(b"volume") && p.then(Self::expr_list),
            Rule::shell => p.kw(b"shell") && p.then(Self::expr),
            Rule::onbuild => p.kw(b"onbuild") && p.then(Self::block),
            Rule::layer => p.kw(b"layer") && p.then(Self::block),
            Rule::maintainer => p.kw(b"maintainer") && p.then(Self::expr),
            Rule::let_decl => {
                p.kw(b"let")
                    && p.then(Self::ident)
                    && {
                        p.skip();
                        p.attempt(|p| p.byte(b':') && p.then(Self::type_expr));
                        true
                    }
                    && p.then(|p| p.byte(b'='))
                    && p.then(Self::expr)
            }
            Rule::arg_decl => {
                p.kw(b"arg") && p.then(|p| p.ident() || p.word()) && {
                    p.skip();
                    p.attempt(|p| p.byte(b':') && p.then(Self::type_expr));
                    p.skip();
                    p.attempt(|p| p.byte(b'=') && p.then(|p| p.kw_none() || p.expr()));
                    true
                }
            }
            Rule::import => {
                p.kw(b"import")
                    && p.then(|p| {
                        p.attempt(|p| p.string() && p.then(|p| p.kw(b"as")) && p.then(Self::ident)) || p.module_path()
                    })
            }
            Rule::fn_decl => p.kw(b"fn") && p.then(Self::ident) && p.then(Self::params) && p.then(Self::block),
            Rule::stage_decl => p.kw(b"stage") && p.then(Self::ident) && p.then(Self::stage_rest),
            Rule::image_decl => {
                p.kw(b"image") && {
                    p.skip();
                    p.ident();
                    p.stage_rest()
                }
            }
            Rule::directive => {
                p.kw(b"directive") && p.then(Self::ident) && p.then(|p| p.byte(b'=')) && p.then(Self::expr)
            }
            _ => false,
        })
    }

    /// White space, then `f`: the next part of a sequence.
    fn then(&mut self, f: impl FnOnce(&mut Self) -> bool) -> bool {
        self.skip();
        f(self)
    }

    /// `~ kw_from ~ expr ~ platform? ~ stage_alias? ~ block` of a stage or image (after the name,
    /// with the white space before it skipped by the caller's sequence).
    fn stage_rest(&mut self) -> bool {
        self.skip();
        self.kw(b"from") && self.then(Self::expr) && {
            self.skip();
            self.node(Rule::platform, |p| p.kw(b"platform") && p.then(Self::expr));
            self.skip();
            self.node(Rule::stage_alias, |p| p.kw(b"as") && p.then(|p| p.kw_none() || p.string()));
            self.skip();
            self.block()
        }
    }

    fn module_path(&mut self) -> bool {
        self.node(Rule::module_path, |p| {
            p.word() && {
                p.skip();
                p.repeat(|p| p.attempt(|p| p.byte(b'.') && p.then(Self::word)));
                true
            }
        })
    }

    fn type_expr(&mut self) -> bool {
        self.node(Rule::type_expr, |p| {
            p.word() && {
                p.skip();
                p.attempt(|p| p.byte(b'[') && p.then(Self::type_expr) && p.then(|p| p.byte(b']')));
                true
            }
        })
    }

    fn params(&mut self) -> bool {
        self.node(Rule::params, |p| p.delimited(b'(', b')', Self::param))
    }

    fn param(&mut self) -> bool {
        self.node(Rule::param, |p| {
            p.ident() && p.then(|p| p.byte(b':')) && p.then(Self::type_expr) && {
                p.skip();
                p.attempt(|p| p.byte(b'=') && p.then(Self::expr));
                true
            }
        })
    }

    /// `open ~ nl ~ (item ~ (nl ~ "," ~ nl ~ item)*)? ~ nl ~ ","? ~ nl ~ close`
    fn delimited(&mut self, open: u8, close: u8, item: fn(&mut Self) -> bool) -> bool {
        if !self.byte(open) {
            return false;
        }
        self.skip_nl();
        self.attempt(|p| {
            item(p) && {
                p.skip();
                p.repeat(|p| {
                    p.attempt(|p| {
                        p.nl();
                        p.skip();
                        p.byte(b',') && {
                            p.skip_nl();
                            item(p)
                        }
                    })
                });
                true
            }
        });
        self.skip_nl();
        self.byte(b',');
        self.skip_nl();
        self.byte(close)
    }

    /// The body of `map` and `entries`:
    /// `"{" ~ nl ~ (entry ~ (entry_sep ~ entry)*)? ~ entry_sep? ~ nl ~ "}"`
    fn entry_braces(&mut self) -> bool {
        if !self.byte(b'{') {
            return false;
        }
        self.skip_nl();
        self.attempt(|p| {
            p.entry() && {
                p.skip();
                p.repeat(|p| p.attempt(|p| p.entry_sep() && p.then(Self::entry)));
                true
            }
        });
        self.skip();
        self.entry_sep();
        self.skip_nl();
        self.byte(b'}')
    }

    fn entries(&mut self) -> bool {
        self.node(Rule::entries, Self::entry_braces)
    }

    fn entry(&mut self) -> bool {
        self.node(Rule::entry, |p| {
            p.node(Rule::key, |p| p.ident() || p.string()) && p.then(|p| p.byte(b'=')) && p.then(Self::expr)
        })
    }

    fn expr_list(&mut self) -> bool {
        self.node(Rule::expr_list, |p| p.separated(b',', Self::expr))
    }

    fn clauses(&mut self) -> bool {
        self.node(Rule::clauses, |p| {
            p.repeat(|p| {
                p.attempt(|p| {
                    p.nl();
                    p.skip();
                    p.clause()
                })
            });
            true
        })
    }

    fn clause(&mut self) -> bool {
        self.node(Rule::clause, |p| {
            p.one_of(Rule::clause_keyword, CLAUSE_KEYWORDS) && {
                p.skip();
                p.expr();
                p.skip();
                p.node(Rule::clause_options, |p| p.delimited(b'(', b')', Self::named_arg));
                true
            }
        })
    }

    fn named_arg(&mut self) -> bool {
        self.node(Rule::named_arg, |p| p.word() && p.then(|p| p.byte(b':')) && p.then(Self::expr))
    }

    // ---- expressions ----

    fn expr(&mut self) -> bool {
        self.node(Rule::expr, |p| p.separated(b'+', Self::term))
    }

    /// `item ~ (separator ~ nl ~ item)*`: `expr_list` and `expr`.
    fn separated(&mut self, separator: u8, item: fn(&mut Self) -> bool) -> bool {
        item(self) && {
            self.skip();
            self.repeat(|p| {
                p.attempt(|p| {
                    p.byte(separator) && {
                        p.skip_nl();
                        item(p)
                    }
                })
            });
            true
        }
    }

    /// `open ~ nl ~ expr ~ nl ~ close`: a parenthesized expression and an interpolation.
    fn enclosed_expr(&mut self, open: &[u8], close: u8) -> bool {
        self.literal(open)
            && {
                self.skip_nl();
                self.expr()
            }
            && {
                self.skip_nl();
                self.byte(close)
            }
    }

    fn term(&mut self) -> bool {
        self.node(Rule::term, |p| {
            let with_fields = |p: &mut Self, first: bool| {
                first && {
                    p.skip();
                    p.repeat(Self::field);
                    true
                }
            };
            let value = match p.peek() {
                Some(b'"') => p.string(),
                Some(b'[') => p.node(Rule::list, |p| p.delimited(b'[', b']', Self::expr)),
                Some(b'0'..=b'9') => p.number(),
                Some(b'{') => p.node(Rule::map, Self::entry_braces),
                Some(b'(') => p.attempt(|p| p.enclosed_expr(b"(", b')')),
                _ => false,
            };
            if value {
                return with_fields(p, true);
            }
            if p.call() {
                return true;
            }
            let name =
                p.one_of(Rule::boolean, &[b"true", b"false"]) || p.one_of(Rule::scratch, &[b"scratch"]) || p.ident();
            with_fields(p, name)
        })
    }

    fn field(&mut self) -> bool {
        self.node(Rule::field, |p| p.byte(b'.') && p.then(Self::word))
    }

    /// `call = ${ callee ~ arguments }`: no white space between the name and `(`.
    fn call(&mut self) -> bool {
        self.node(Rule::call, |p| {
            let start = p.pos;
            let len = p.word_len();
            if len == 0 {
                return false;
            }
            p.pos += len;
            while p.peek() == Some(b'.') && p.peek_at(1).is_some_and(is_word_start) {
                p.pos += 1;
                p.pos += p.word_len();
            }
            p.leaf(Rule::callee, start);
            p.node(Rule::arguments, |p| p.delimited(b'(', b')', Self::argument))
        })
    }

    fn argument(&mut self) -> bool {
        self.node(Rule::argument, |p| {
            p.attempt(|p| p.ident() && p.then(|p| p.byte(b':')));
            p.skip();
            p.expr()
        })
    }

    fn number(&mut self) -> bool {
        let start = self.pos;
        if !self.peek().is_some_and(|b| b.is_ascii_digit()) {
            return false;
        }
        self.pos += self.run_len();
        if self.peek() == Some(b'/') {
            let letters = self.text[self.pos + 1..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
            if letters > 0 {
                self.pos += 1 + letters;
            }
        }
        self.leaf(Rule::number, start)
    }

    /// `string = ${ "\"" ~ (text | interpolation | escape)* ~ "\"" }`
    fn string(&mut self) -> bool {
        self.node(Rule::string, |p| {
            if !p.byte(b'"') {
                return false;
            }
            loop {
                let start = p.pos;
                match p.peek() {
                    None => return false,
                    Some(b'"') => {
                        p.pos += 1;
                        return true;
                    }
                    Some(b'\\') => {
                        p.pos += 1;
                        if !p.any() {
                            p.pos = start;
                            return false;
                        }
                        p.leaf(Rule::escape, start);
                    }
                    Some(b'$') if p.peek_at(1) == Some(b'{') => {
                        if !p.interpolation() {
                            return false;
                        }
                    }
                    Some(_) => {
                        p.any();
                        let rest = &p.text[p.pos..];
                        p.pos += rest
                            .iter()
                            .enumerate()
                            .position(|(i, &b)| {
                                b == b'"' || b == b'\\' || (b == b'$' && rest.get(i + 1) == Some(&b'{'))
                            })
                            .unwrap_or(rest.len());
                        p.leaf(Rule::text, start);
                    }
                }
            }
        })
    }

    /// `interpolation = !{ "${" ~ nl ~ expr ~ nl ~ "}" }`
    fn interpolation(&mut self) -> bool {
        self.node(Rule::interpolation, |p| p.enclosed_expr(b"${", b'}'))
    }
}

#[cfg(test)]
mod tests {
    use super::{CLAUSE_KEYWORDS, KEYWORDS};
    use crate::syntax::{ImgParser, Rule};
    use pest::Parser as _;

    /// Every word the grammar spells, and every first letter joined to a rest (the keyword
    /// tries): the word lists here hold exactly the words pest's `keyword` and `clause_keyword`
    /// rules match.
    #[test]
    fn the_keyword_lists_are_the_grammars() {
        let grammar = include_str!("grammar.pest");
        let quoted: Vec<&str> = grammar
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .collect();
        let mut candidates: Vec<String> = quoted.iter().map(|s| s.to_string()).collect();
        for first in quoted.iter().filter(|s| s.len() == 1) {
            candidates.extend(quoted.iter().map(|rest| format!("{first}{rest}")));
        }
        assert!(candidates.len() > 1000);
        for word in &candidates {
            for (rule, list) in [(Rule::keyword, KEYWORDS), (Rule::clause_keyword, CLAUSE_KEYWORDS)] {
                let pest_matches =
                    ImgParser::parse(rule, word).is_ok_and(|mut p| p.next().is_some_and(|p| p.as_str() == word));
                assert_eq!(pest_matches, list.contains(&word.as_bytes()), "{rule:?} on `{word}`");
            }
        }
    }
}
