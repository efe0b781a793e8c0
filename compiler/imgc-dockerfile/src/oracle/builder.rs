//! The pest-based structure reader that `builder.rs` replaced: the oracle of
//! the differential tests, which must agree with the scanner on every input.

use pest::Parser;
use pest::iterators::Pair;

use super::grammar::{DockerfileGrammar, Rule};
use crate::ast::{Arguments, Comment, Directive, Dockerfile, Heredoc, Instruction, InstructionKind, Span, Warning};
use crate::error::ParseError;
use crate::heredoc::{Opener, openers};
use crate::instructions::{LineCtx, parse_instruction};
use crate::source::{LineIndex, LogicalLine};
use crate::text::Str;

/// Longest physical line BuildKit reads (`bufio.MaxScanTokenSize - 1`).
const MAX_LINE: usize = 65_535;

/// Directives BuildKit honours.
const DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

/// Parses `src` into a [`Dockerfile`] (BuildKit parser semantics, no validation).
pub(crate) fn build(src: &str) -> Result<Dockerfile, ParseError> {
    let first = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let mut b = Builder {
        src,
        index: LineIndex::new(src, first),
        pos: first,
        escape: '\\',
        directives_done: false,
        df: Dockerfile {
            directives: Vec::new(),
            instructions: Vec::new(),
            comments: Vec::new(),
            trailing_comments: Vec::new(),
            escape: '\\',
            warnings: Vec::new(),
        },
        pending: Vec::new(),
    };
    b.check_line_lengths()?;
    b.run()?;
    if b.df.instructions.is_empty() {
        let end = b.index.span(src.len(), src.len());
        return Err(ParseError::new("file with no instructions", end));
    }
    b.df.escape = b.escape;
    b.df.trailing_comments = std::mem::take(&mut b.pending);
    Ok(b.df)
}

struct Builder<'a> {
    src: &'a str,
    index: LineIndex<'a>,
    pos: usize,
    escape: char,
    directives_done: bool,
    df: Dockerfile,
    /// Comments not yet attached to an instruction.
    pending: Vec<Comment>,
}

impl Builder<'_> {
    fn run(&mut self) -> Result<(), ParseError> {
        while self.pos < self.src.len() {
            let rule = if self.escape == '`' { Rule::unit_bt } else { Rule::unit_bs };
            let rest = &self.src[self.pos..];
            let unit = DockerfileGrammar::parse(rule, rest)
                .ok()
                .and_then(|mut p| p.next())
                .ok_or_else(|| self.internal("no grammar item matches"))?;
            let consumed = unit.as_span().end();
            if consumed == 0 {
                return Err(self.internal("empty grammar item"));
            }
            let base = self.pos;
            let next = base + consumed;
            match unit.into_inner().next() {
                Some(item) if item.as_rule() == Rule::comment_line => {
                    self.comment_line(item, base)?;
                    self.pos = next;
                }
                Some(item) if matches!(item.as_rule(), Rule::instruction_bs | Rule::instruction_bt) => {
                    self.directives_done = true;
                    self.pos = self.instruction(item, base, next)?;
                }
                _ => {
                    self.directives_done = true;
                    self.pos = next;
                }
            }
        }
        Ok(())
    }

    /// BuildKit reads lines with a 64 KiB `bufio.Scanner`: longer lines fail.
    fn check_line_lengths(&self) -> Result<(), ParseError> {
        let mut start = 0;
        for line in self.src.split_inclusive('\n') {
            let len = line.strip_suffix('\n').unwrap_or(line).len();
            if len > MAX_LINE {
                return Err(ParseError::new(
                    format!("dockerfile line greater than max allowed size of {MAX_LINE}"),
                    self.index.span(start, start + len),
                ));
            }
            start += line.len();
        }
        Ok(())
    }

    fn internal(&self, what: &str) -> ParseError {
        let at = self.index.span(self.pos, self.pos);
        ParseError::new(format!("internal parser error: {what}"), at)
    }

    /// Byte offset where the content of the line ending before `end` stops.
    fn content_end(&self, end: usize) -> usize {
        let bytes = self.src.as_bytes();
        let mut e = end;
        if e > 0 && bytes[e - 1] == b'\n' {
            e -= 1;
        }
        while e > 0 && bytes[e - 1] == b'\r' {
            e -= 1;
        }
        e
    }

    /// A comment from a `comment_text` pair.
    fn comment(&self, text: Pair<'_, Rule>, base: usize, line_end: usize) -> Comment {
        let start = base + text.as_span().start();
        let hash = start.saturating_sub(1);
        Comment { text: text.as_str().into(), span: self.index.span(hash, line_end) }
    }

    fn comment_line(&mut self, item: Pair<'_, Rule>, base: usize) -> Result<(), ParseError> {
        let line_end = base + item.as_span().end();
        let line_end = self.content_end(line_end);
        let Some(text) = item.into_inner().next() else {
            return Err(self.internal("comment without text"));
        };
        let comment = self.comment(text, base, line_end);
        if !self.directives_done {
            if self.directive(&comment)? {
                return Ok(());
            }
            self.directives_done = true;
        }
        self.df.comments.push(comment.clone());
        self.pending.push(comment);
        Ok(())
    }

    /// Handles a leading comment as a parser directive; `false` if it is not one.
    fn directive(&mut self, comment: &Comment) -> Result<bool, ParseError> {
        let Ok(mut pairs) = DockerfileGrammar::parse(Rule::directive, &comment.text) else {
            return Ok(false);
        };
        let mut name = String::new();
        let mut value = String::new();
        for p in pairs.next().into_iter().flat_map(|p| p.into_inner()) {
            match p.as_rule() {
                Rule::directive_name => name = p.as_str().to_ascii_lowercase(),
                Rule::directive_value => value = p.as_str().to_string(),
                _ => {}
            }
        }
        if !DIRECTIVES.contains(&name.as_str()) {
            return Ok(false);
        }
        if self.df.directives.iter().any(|d| d.name == name) {
            return Err(ParseError::new(format!("only one {name} parser directive can be used"), comment.span));
        }
        if name == "escape" {
            self.escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(ParseError::new(
                        format!("invalid escape token '{value}' does not match ` or \\"),
                        comment.span,
                    ));
                }
            };
        }
        self.df.directives.push(Directive { name, value, span: comment.span });
        Ok(true)
    }

    /// Builds one instruction; returns the offset after it (heredocs included).
    fn instruction(&mut self, item: Pair<'_, Rule>, base: usize, unit_end: usize) -> Result<usize, ParseError> {
        let mut line = LogicalLine::default();
        // Like BuildKit, the instruction starts on its first physical line.
        let text = item.as_str();
        let first = base + text.find(|c: char| !c.is_whitespace()).unwrap_or(0);
        let mut inner = Vec::new();
        let mut blank: Option<Span> = None;
        for p in item.into_inner() {
            let (s, e) = (base + p.as_span().start(), base + p.as_span().end());
            match p.as_rule() {
                Rule::body_bs | Rule::body_bt | Rule::first_body_bs | Rule::first_body_bt => line.push(p.as_str(), s),
                Rule::cont_comment => {
                    if let Some(text) = p.into_inner().next() {
                        inner.push(self.comment(text, base, self.content_end(e)));
                    }
                }
                Rule::cont_blank => {
                    blank.get_or_insert_with(|| self.index.span(s, self.content_end(e)));
                }
                _ => {}
            }
        }
        let text = Str::from(line.text.as_str());
        let ctx =
            LineCtx { index: &self.index, line: &line, text, escape: self.escape, end: self.content_end(unit_end) };
        let mut ins = parse_instruction(&ctx, &line.text, 0, 0)?;
        ins.line_starts = line.pieces().map(|(logical, source)| (logical, self.index.position(source).line)).collect();
        ins.span.start = self.index.position(first);
        let mut pos = unit_end;
        if can_contain_heredoc(&ins) && line.text.contains("<<") {
            let found = openers(&line.text).map_err(|e| ParseError::new(e, ins.span))?;
            for op in found {
                let (doc, next) = self.heredoc(op, pos, &ins)?;
                ins.span.end = doc.span.end;
                ins.heredocs.push(doc);
                pos = next;
            }
        }
        if let Some(span) = blank {
            self.df
                .warnings
                .push(Warning { message: format!("Empty continuation line found in: {}", line.text), span });
        }
        ins.leading_comments = std::mem::take(&mut self.pending);
        self.df.comments.extend(inner.iter().cloned());
        ins.inner_comments = inner;
        self.df.instructions.push(ins);
        Ok(pos)
    }

    /// Reads the body of heredoc `op` starting at `pos`.
    fn heredoc(&self, op: Opener, mut pos: usize, ins: &Instruction) -> Result<(Heredoc, usize), ParseError> {
        let start = pos;
        let mut content = String::new();
        loop {
            let unterminated = || {
                let span = Span { start: ins.span.start, end: self.index.position(self.content_end(pos)) };
                ParseError::new(format!("unterminated heredoc {}", op.name), span)
            };
            if pos >= self.src.len() {
                return Err(unterminated());
            }
            let line = DockerfileGrammar::parse(Rule::heredoc_line, &self.src[pos..])
                .ok()
                .and_then(|mut p| p.next())
                .ok_or_else(unterminated)?;
            let end = pos + line.as_span().end();
            let text = line.into_inner().next().map_or("", |t| t.as_str());
            let candidate = if op.chomp { text.trim_start_matches('\t') } else { text };
            if candidate == op.name {
                let doc = Heredoc {
                    name: op.name,
                    fd: op.fd,
                    expand: op.expand,
                    chomp: op.chomp,
                    content: content.into(),
                    span: self.index.span(start, self.content_end(end)),
                };
                return Ok((doc, end));
            }
            if end == pos {
                return Err(unterminated());
            }
            content.push_str(&self.src[pos..end]);
            pos = end;
        }
    }
}

/// BuildKit's `canContainHeredoc`: RUN, COPY, ADD (also as ONBUILD trigger),
/// not in exec form.
fn can_contain_heredoc(ins: &Instruction) -> bool {
    let target = match (&ins.kind, &ins.args) {
        (InstructionKind::Onbuild, Arguments::Onbuild(child)) => child,
        _ => ins,
    };
    matches!(target.kind, InstructionKind::Run | InstructionKind::Copy | InstructionKind::Add)
        && !matches!(target.args, Arguments::Exec(_))
}
