//! Owned syntax tree of a parsed Dockerfile. No pest types appear here. Its text is [`Str`]:
//! pieces of the parsed file, shared.

use super::text::Str;

/// A point in the source: 1-based line and column (column counted in
/// characters) plus the byte offset into the text given to the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in Unicode scalar values.
    pub column: usize,
    /// Byte offset.
    pub offset: usize,
}

/// A half-open source range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First character.
    pub start: Position,
    /// Just past the last character (line terminators excluded).
    pub end: Position,
}

impl Span {
    /// The source text this span covers, given the text that was parsed.
    pub fn slice<'a>(&self, src: &'a str) -> Option<&'a str> {
        src.get(self.start.offset..self.end.offset)
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// Parser directives (`# syntax=`, `# escape=`, `# check=`) from the top.
    pub directives: Vec<Directive>,
    /// Instructions in source order.
    pub instructions: Vec<Instruction>,
    /// Every comment that is not a directive, in source order (also those
    /// attached to instructions below).
    pub comments: Vec<Comment>,
    /// Comments after the last instruction.
    pub trailing_comments: Vec<Comment>,
    /// The escape character in effect (`\` or `` ` ``).
    pub escape: char,
    /// Non-fatal findings, such as empty continuation lines.
    pub warnings: Vec<Warning>,
}

impl Dockerfile {
    /// Value of directive `name` (lowercase), if present.
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives.iter().find(|d| d.name == name).map(|d| d.value.as_str())
    }
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lowercased name: `syntax`, `escape` or `check`.
    pub name: String,
    /// Value with surrounding whitespace removed.
    pub value: String,
    /// The whole directive line.
    pub span: Span,
}

/// A comment line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Text after `#`, verbatim (leading space kept, trailing `\r` dropped).
    pub text: Str,
    /// From `#` to the end of the line.
    pub span: Span,
}

impl Comment {
    /// The text with surrounding whitespace removed.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }
}

/// A non-fatal finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What was found.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// The instruction, from its lowercased keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstructionKind {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// Not a Dockerfile instruction (only produced by lenient parsing).
    Unknown,
}

impl InstructionKind {
    /// Kind for a lowercased keyword.
    pub fn from_name(name: &str) -> Self {
        Self::from_lowercase_bytes(name.as_bytes())
    }

    /// [`InstructionKind::from_name`] of a name's bytes.
    pub(crate) fn from_lowercase_bytes(name: &[u8]) -> Self {
        match name {
            b"add" => Self::Add,
            b"arg" => Self::Arg,
            b"cmd" => Self::Cmd,
            b"copy" => Self::Copy,
            b"entrypoint" => Self::Entrypoint,
            b"env" => Self::Env,
            b"expose" => Self::Expose,
            b"from" => Self::From,
            b"healthcheck" => Self::Healthcheck,
            b"label" => Self::Label,
            b"maintainer" => Self::Maintainer,
            b"onbuild" => Self::Onbuild,
            b"run" => Self::Run,
            b"shell" => Self::Shell,
            b"stopsignal" => Self::Stopsignal,
            b"user" => Self::User,
            b"volume" => Self::Volume,
            b"workdir" => Self::Workdir,
            _ => Self::Unknown,
        }
    }

    /// Lowercase keyword (`"unknown"` for [`InstructionKind::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Arg => "arg",
            Self::Cmd => "cmd",
            Self::Copy => "copy",
            Self::Entrypoint => "entrypoint",
            Self::Env => "env",
            Self::Expose => "expose",
            Self::From => "from",
            Self::Healthcheck => "healthcheck",
            Self::Label => "label",
            Self::Maintainer => "maintainer",
            Self::Onbuild => "onbuild",
            Self::Run => "run",
            Self::Shell => "shell",
            Self::Stopsignal => "stopsignal",
            Self::User => "user",
            Self::Volume => "volume",
            Self::Workdir => "workdir",
            Self::Unknown => "unknown",
        }
    }
}

/// One instruction (one logical line plus its heredoc bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Keyword as written, e.g. `Run`.
    pub keyword: Str,
    /// Keyword lowercased, e.g. `run`.
    pub name: Str,
    /// Kind from `name`.
    pub kind: InstructionKind,
    /// `--name[=value]` flags before the arguments.
    pub flags: Vec<Flag>,
    /// Arguments, structured per instruction.
    pub args: Arguments,
    /// Argument text after keyword and flags, continuations joined.
    pub raw_args: Str,
    /// The whole logical line (continuations joined, skipped lines removed).
    pub original: Str,
    /// Heredoc bodies opened on this line (for ONBUILD, those of its trigger).
    pub heredocs: Vec<Heredoc>,
    /// Comments between the previous instruction (or the directives) and this one.
    pub leading_comments: Vec<Comment>,
    /// Comment lines inside the continued instruction.
    pub inner_comments: Vec<Comment>,
    /// From the first character to the end of the last line (heredocs included).
    pub span: Span,
    /// The keyword.
    pub keyword_span: Span,
    /// Where each physical line of the instruction starts in [`Instruction::original`]:
    /// `(offset in original, source line)`, in order.
    pub line_starts: Vec<(usize, usize)>,
}

impl Instruction {
    /// Whether the arguments are in exec (JSON) form.
    pub fn is_exec_form(&self) -> bool {
        match &self.args {
            Arguments::Exec(_) => true,
            Arguments::Healthcheck { args, .. } => matches!(**args, Arguments::Exec(_)),
            _ => false,
        }
    }

    /// The source line of a byte offset into [`Instruction::original`].
    pub fn line_of(&self, offset: usize) -> usize {
        let index = self.line_starts.partition_point(|&(start, _)| start <= offset);
        index.checked_sub(1).and_then(|i| self.line_starts.get(i)).map_or(self.span.start.line, |&(_, line)| line)
    }

    /// The flag named `name` (last occurrence), if present.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }
}

/// A builder flag such as `--mount=type=cache,target=/x` or `--link`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The flag word after quote removal, e.g. `--from=build`.
    pub raw: Str,
    /// Name without dashes, e.g. `from`.
    pub name: Str,
    /// Value after the first `=`, if there is one.
    pub value: Option<Str>,
    /// The flag as written.
    pub span: Span,
}

/// Instruction arguments. Text is kept exactly as written: quotes,
/// escapes and variable references (`$X`, `${X:-d}`, …) are not processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arguments {
    /// No arguments.
    Empty,
    /// Shell form (RUN, CMD, ENTRYPOINT, SHELL): the argument text.
    Shell(Str),
    /// Exec form: the decoded JSON string array (any instruction taking a list).
    Exec(Vec<Str>),
    /// Whitespace-separated words (FROM, EXPOSE; ADD, COPY and VOLUME when not JSON).
    Words(Vec<Str>),
    /// ARG declarations.
    ArgDecls(Vec<ArgDecl>),
    /// ENV / LABEL pairs.
    KeyValues(Vec<KeyValue>),
    /// A single text argument (USER, WORKDIR, MAINTAINER, STOPSIGNAL).
    Text(Str),
    /// HEALTHCHECK: the type word (`NONE`, `CMD`, as written) and its command
    /// ([`Arguments::Empty`], [`Arguments::Shell`] or [`Arguments::Exec`]).
    Healthcheck { kind: Str, args: Box<Arguments> },
    /// ONBUILD: the trigger instruction.
    Onbuild(Box<Instruction>),
    /// Unknown instruction (lenient parsing only): the argument text, uninterpreted.
    Unknown(Str),
}

/// One ARG declaration: `name` or `name=value` (value kept as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    /// Variable name.
    pub name: Str,
    /// Default value, quotes kept.
    pub value: Option<Str>,
}

/// One ENV / LABEL pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// Key as written (quotes kept).
    pub key: Str,
    /// Value as written (quotes and escapes kept).
    pub value: Str,
    /// `true` for the legacy `KEY value` form, `false` for `key=value`.
    pub legacy: bool,
}

/// A heredoc body (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// Delimiter with quotes removed.
    pub name: String,
    /// File descriptor digits before `<<`, if any.
    pub fd: Option<u32>,
    /// `false` when the delimiter was quoted (no variable expansion).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from body lines and the terminator.
    pub chomp: bool,
    /// Body lines exactly as in the source, line terminators included.
    pub content: Str,
    /// From the first body line to the end of the terminator line.
    pub span: Span,
}

impl Heredoc {
    /// The body with leading tabs removed from every line when `chomp` is set.
    pub fn chomped_content(&self) -> String {
        if !self.chomp {
            return self.content.to_string();
        }
        self.content.split_inclusive('\n').map(|line| line.trim_start_matches('\t')).collect()
    }
}
