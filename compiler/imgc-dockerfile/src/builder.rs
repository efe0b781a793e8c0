//! Builds the owned AST with a line scanner, following BuildKit's `Parse`
//! loop (`frontend/dockerfile/parser/parser.go`): directives at the top,
//! blank and comment lines, instructions joined across continuation lines
//! (comment and blank lines inside them skipped), heredoc bodies after the
//! line that opens them. Each physical line is read once; the arguments are
//! left to `instructions.rs`.
//!
//! The structure it reads, line by line:
//! - a line ends at `\n` or at the end of input; `\r`s before its end are not
//!   content, other `\r`s are;
//! - a blank line holds only whitespace (Unicode, as Go's `unicode.IsSpace`);
//! - a comment line is whitespace, `#`, then its text;
//! - any other line starts an instruction. Leading whitespace is trimmed on its
//!   first line only. A line continues when it ends with one escape character
//!   followed by spaces or tabs; a run of two or more escape characters never
//!   continues (BuildKit's `([^\\])\\[ \t]*$|^\\[ \t]*$`).

use super::ast::{Arguments, Comment, Directive, Dockerfile, Heredoc, Instruction, InstructionKind, Span, Warning};
use super::error::ParseError;
use super::heredoc::{Opener, openers};
use super::instructions::{LineCtx, parse_instruction};
use super::source::{LineIndex, LogicalLine};
use super::text::Str;

/// Longest physical line BuildKit reads (`bufio.MaxScanTokenSize - 1`).
const MAX_LINE: usize = 65_535;

/// Directives BuildKit honours.
const DIRECTIVES: [&str; 3] = ["syntax", "escape", "check"];

/// Parses `src` into a [`Dockerfile`] (BuildKit parser semantics, no validation).
pub(super) fn build(src: &str) -> Result<Dockerfile, ParseError> {
    let first = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let index = LineIndex::new(src, first);
    // Instructions average about two lines; growing the vector costs more than the spare room.
    let instructions = Vec::with_capacity((index.starts().len() / 2 + 1).min(1024));
    let mut b = Builder {
        src,
        text: Str::from(src),
        index,
        pos: first,
        escape: '\\',
        directives_done: false,
        df: Dockerfile {
            directives: Vec::new(),
            instructions,
            comments: Vec::new(),
            trailing_comments: Vec::new(),
            escape: '\\',
            warnings: Vec::new(),
        },
        pending: Vec::new(),
        scratch: LogicalLine::for_file(src.len()),
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
    /// `src`, shared by the pieces of it in the tree.
    text: Str,
    index: LineIndex<'a>,
    pos: usize,
    escape: char,
    directives_done: bool,
    df: Dockerfile,
    /// Comments not yet attached to an instruction.
    pending: Vec<Comment>,
    /// The logical line being joined, its buffers reused from one
    /// instruction to the next.
    scratch: LogicalLine,
}

/// One physical line: `start..end` is the line without its `\n`,
/// `start..content_end` without its trailing `\r`s, and `next` is where the
/// following line starts (the end of input after the last line).
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    content_end: usize,
    next: usize,
}

/// What a physical line is.
enum LineKind {
    /// Nothing but whitespace.
    Blank,
    /// A comment line; `#` is at `hash`.
    Comment { hash: usize },
    /// Anything else, first non-whitespace character at `first`.
    Other { first: usize },
}

impl Builder<'_> {
    fn run(&mut self) -> Result<(), ParseError> {
        while self.pos < self.src.len() {
            let line = self.line(self.pos);
            match self.kind(line) {
                LineKind::Comment { hash } => {
                    self.comment_line(hash, line)?;
                    self.pos = line.next;
                }
                LineKind::Other { first } => {
                    self.directives_done = true;
                    self.pos = self.instruction(line, first)?;
                }
                LineKind::Blank => {
                    self.directives_done = true;
                    self.pos = line.next;
                }
            }
        }
        Ok(())
    }

    /// BuildKit reads lines with a 64 KiB `bufio.Scanner`: longer lines fail
    /// (a byte-order mark counts toward the first line).
    fn check_line_lengths(&self) -> Result<(), ParseError> {
        let starts = self.index.starts();
        for (i, &start) in starts.iter().enumerate() {
            let start = if i == 0 { 0 } else { start };
            let end = starts.get(i + 1).map_or(self.src.len(), |&next| next - 1);
            if end - start > MAX_LINE {
                return Err(ParseError::new(
                    format!("dockerfile line greater than max allowed size of {MAX_LINE}"),
                    self.index.span(start, end),
                ));
            }
        }
        Ok(())
    }

    /// The physical line starting at `start` (a line start or the end of input).
    fn line(&self, start: usize) -> Line {
        let bytes = self.src.as_bytes();
        let (end, next) = match self.index.starts().get(self.index.line_number(start)) {
            Some(&next) => (next - 1, next),
            None => (bytes.len(), bytes.len()),
        };
        let mut content_end = end;
        while content_end > start && bytes[content_end - 1] == b'\r' {
            content_end -= 1;
        }
        Line { start, end, content_end, next }
    }

    fn kind(&self, line: Line) -> LineKind {
        let text = &self.src[line.start..line.end];
        match first_non_space(text) {
            None => LineKind::Blank,
            Some(i) if text.as_bytes()[i] == b'#' => LineKind::Comment { hash: line.start + i },
            Some(i) => LineKind::Other { first: line.start + i },
        }
    }

    /// Where the instruction text of `line`, read from `from`, ends, and
    /// whether the line continues: it does when it ends with a lone escape
    /// character followed by spaces or tabs (and `\r`s); the escape and what
    /// follows it are not text.
    fn body(&self, line: Line, from: usize) -> (usize, bool) {
        let bytes = self.src.as_bytes();
        let escape = self.escape as u8;
        let mut t = line.content_end;
        while t > from && matches!(bytes[t - 1], b' ' | b'\t') {
            t -= 1;
        }
        let lone_escape = t > from && bytes[t - 1] == escape && !(t - 1 > from && bytes[t - 2] == escape);
        if lone_escape { (t - 1, true) } else { (line.content_end, false) }
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

    /// The comment whose `#` is at `hash` on `line`.
    fn comment(&self, hash: usize, line: Line) -> Comment {
        Comment { text: self.text.slice(hash + 1..line.content_end), span: self.index.span(hash, line.content_end) }
    }

    fn comment_line(&mut self, hash: usize, line: Line) -> Result<(), ParseError> {
        let comment = self.comment(hash, line);
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
        let Some((name, value)) = directive_parts(&comment.text) else {
            return Ok(false);
        };
        let name = name.to_ascii_lowercase();
        if !DIRECTIVES.contains(&name.as_str()) {
            return Ok(false);
        }
        if self.df.directives.iter().any(|d| d.name == name) {
            return Err(ParseError::new(format!("only one {name} parser directive can be used"), comment.span));
        }
        if name == "escape" {
            self.escape = match value {
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
        self.df.directives.push(Directive { name, value: value.to_string(), span: comment.span });
        Ok(true)
    }

    /// Builds the instruction whose first line is `first_line`, text from
    /// `first`; returns the offset after it (heredocs included).
    fn instruction(&mut self, first_line: Line, first: usize) -> Result<usize, ParseError> {
        let mut line = std::mem::take(&mut self.scratch);
        line.clear();
        let result = self.join_and_parse(&mut line, first_line, first);
        self.scratch = line;
        result
    }

    /// [`Builder::instruction`] with the logical line buffer `line`.
    fn join_and_parse(&mut self, line: &mut LogicalLine, first_line: Line, first: usize) -> Result<usize, ParseError> {
        let mut inner = Vec::new();
        let mut blank: Option<Span> = None;
        let (end, mut continues) = self.body(first_line, first);
        // A first line that is only the escape adds no text.
        if end > first {
            line.push(&self.src[first..end], first);
        }
        let mut last = first_line;
        while continues {
            let mut pos = last.next;
            // Comment and blank lines inside a continued instruction are skipped.
            while pos < self.src.len() {
                let skipped = self.line(pos);
                match self.kind(skipped) {
                    LineKind::Blank => {
                        blank.get_or_insert_with(|| self.index.span(skipped.start, skipped.content_end));
                    }
                    LineKind::Comment { hash } => inner.push(self.comment(hash, skipped)),
                    LineKind::Other { .. } => break,
                }
                pos = skipped.next;
            }
            last = self.line(pos);
            let (end, more) = self.body(last, pos);
            line.push(&self.src[pos..end], pos);
            continues = more;
        }
        let unit_end = last.next;
        // A line without continuations is a piece of the file; joined lines are new text.
        let mut pieces = line.pieces();
        let text = match (pieces.next(), pieces.next()) {
            (Some((_, source)), None) => self.text.slice(source..source + line.text.len()),
            (None, _) => Str::default(),
            _ => Str::from(line.text.as_str()),
        };
        let ctx = LineCtx { index: &self.index, line, text, escape: self.escape, end: self.content_end(unit_end) };
        let mut ins = parse_instruction(&ctx, &line.text, 0, 0)?;
        ins.line_starts = line.pieces().map(|(logical, source)| (logical, self.index.line_number(source))).collect();
        // Like BuildKit, the instruction starts on its first physical line.
        if ins.span.start.offset != first {
            ins.span.start = self.index.position(first);
        }
        let mut pos = unit_end;
        if can_contain_heredoc(&ins) && has_heredoc_marker(&line.text) {
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
        while pos < self.src.len() {
            let line = self.line(pos);
            let text = &self.src[pos..line.content_end];
            let candidate = if op.chomp { text.trim_start_matches('\t') } else { text };
            if candidate == op.name {
                let doc = Heredoc {
                    name: op.name,
                    fd: op.fd,
                    expand: op.expand,
                    chomp: op.chomp,
                    content: self.text.slice(start..pos),
                    span: self.index.span(start, self.content_end(line.next)),
                };
                return Ok((doc, line.next));
            }
            pos = line.next;
        }
        let span = Span { start: ins.span.start, end: self.index.position(self.content_end(pos)) };
        Err(ParseError::new(format!("unterminated heredoc {}", op.name), span))
    }
}

/// Byte offset of the first character of `text` that is not whitespace
/// (Unicode `White_Space`, as Go's `unicode.IsSpace`).
fn first_non_space(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            if !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
                return Some(i);
            }
            i += 1;
        } else {
            let c = text[i..].chars().next()?;
            if !c.is_whitespace() {
                return Some(i);
            }
            i += c.len_utf8();
        }
    }
    None
}

/// Name and value of a directive comment (the text after `#`), BuildKit's
/// `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` after trimming leading spaces.
fn directive_parts(text: &str) -> Option<(&str, &str)> {
    let is_re_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0C' | '\r');
    let text = text.trim_start();
    let name_end = text.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(text.len());
    let name = &text[..name_end];
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let rest = text[name_end..].trim_start_matches(is_re_space).strip_prefix('=')?;
    let value = rest.trim_matches(is_re_space);
    (!value.is_empty()).then_some((name, value))
}

/// Whether `text` holds a `<<`, which every heredoc opener starts with.
fn has_heredoc_marker(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'<', bytes).any(|i| bytes.get(i + 1) == Some(&b'<'))
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
