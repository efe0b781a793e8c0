//! The `.img` syntax tree: owned data with spans, built from the pest parse by `builder`.

use crate::source::Span;

/// A parsed file: its statements in order, and what the parser recorded beside them.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub statements: Vec<Statement>,
    pub extra: ModuleExtra,
}

/// What the tree leaves out and a printer of the source needs (as Gleam's `ModuleExtra`): the
/// comments, which may stand wherever a space may, and the line breaks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModuleExtra {
    /// Each comment, from `#` to the end of its line (the line break excluded), in order.
    pub comments: Vec<Span>,
    /// The offset of each line break (`\n`), in order.
    pub newlines: Vec<u32>,
    /// The comments and blank lines after the last statement of a synthesized tree (a parsed
    /// file's are in `comments`).
    pub trailing: Vec<Trivia>,
}

/// A line a synthesized tree (one built without source text, as `imgc migrate` builds it) asks
/// the formatter to write between statements. A parsed tree has none: its comments and blank
/// lines are found in its source ([`ModuleExtra`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trivia {
    /// A comment line: its text from `#` (no line break).
    Comment(String),
    BlankLine,
}

impl ModuleExtra {
    /// How many line breaks lie in `start..end`.
    pub fn newlines_in(&self, start: u32, end: u32) -> usize {
        if start >= end {
            return 0;
        }
        self.newlines.partition_point(|&n| n < end) - self.newlines.partition_point(|&n| n < start)
    }

    /// The offset of the first line break at or after `offset`, if any.
    pub fn next_newline(&self, offset: u32) -> Option<u32> {
        self.newlines.get(self.newlines.partition_point(|&n| n < offset)).copied()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    /// From the keyword to where the grammar stopped reading, which may be past a comment ending
    /// the line (the grammar looked there for options continuing the step).
    pub span: Span,
    /// Where the statement's own text ends: before any comment, space or line continuation
    /// that follows it.
    pub end: u32,
    /// The `{ … }` of a block (`stage`, `image`, `fn`, `onbuild`, `layer`) or of `env`/`label`
    /// entries written out.
    pub braces: Option<Span>,
    /// The lines a synthesized tree writes above the statement; empty in a parsed tree.
    pub trivia: Vec<Trivia>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    Import(Import),
    Arg(ArgDecl),
    Let(LetDecl),
    Fn(Box<FnDecl>),
    Stage(Box<StageDecl>),
    Run {
        command: Expr,
        clauses: Vec<Clause>,
    },
    Copy {
        from: Option<Expr>,
        sources: Vec<Expr>,
        dest: Expr,
        clauses: Vec<Clause>,
    },
    Add {
        sources: Vec<Expr>,
        dest: Expr,
        clauses: Vec<Clause>,
    },
    Env {
        scope: EnvScope,
        entries: Entries,
    },
    Workdir(Expr),
    User(Expr),
    Expose(Vec<Expr>),
    Label(Entries),
    Volume(Vec<Expr>),
    Cmd(Expr),
    Entrypoint(Expr),
    /// `None` is `healthcheck none`.
    Healthcheck(Option<(Expr, Vec<Clause>)>),
    StopSignal(Expr),
    Shell(Expr),
    OnBuild(Vec<Statement>),
    Layer(Vec<Statement>),
    /// `maintainer "name"`: the image's author field (Dockerfile `MAINTAINER`).
    Maintainer(Expr),
    /// `directive syntax = "…"`: a Dockerfile parser directive.
    Directive {
        name: Ident,
        value: Expr,
    },
    Call(Call),
}

impl StatementKind {
    /// The keyword a user wrote for this statement, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            StatementKind::Import(_) => "import",
            StatementKind::Arg(_) => "arg",
            StatementKind::Let(_) => "let",
            StatementKind::Fn(_) => "fn",
            StatementKind::Stage(s) if s.is_image => "image",
            StatementKind::Stage(_) => "stage",
            StatementKind::Run { .. } => "run",
            StatementKind::Copy { .. } => "copy",
            StatementKind::Add { .. } => "add",
            StatementKind::Env { .. } => "env",
            StatementKind::Workdir(_) => "workdir",
            StatementKind::User(_) => "user",
            StatementKind::Expose(_) => "expose",
            StatementKind::Label(_) => "label",
            StatementKind::Volume(_) => "volume",
            StatementKind::Cmd(_) => "cmd",
            StatementKind::Entrypoint(_) => "entrypoint",
            StatementKind::Healthcheck(_) => "healthcheck",
            StatementKind::StopSignal(_) => "stopsignal",
            StatementKind::Shell(_) => "shell",
            StatementKind::OnBuild(_) => "onbuild",
            StatementKind::Layer(_) => "layer",
            StatementKind::Maintainer(_) => "maintainer",
            StatementKind::Directive { .. } => "directive",
            StatementKind::Call(_) => "function call",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Import {
    /// `import std.apt`: a module of the embedded standard library, bound to its last segment.
    Std { path: Vec<Ident> },
    /// `import "./common.img" as common`: a file relative to the importing file.
    File { path: String, path_span: Span, alias: Ident },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArgDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
    /// `arg NAME = none`: no default; unset in the build unless the builder is given a value.
    pub no_default: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LetDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FnDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    /// The parentheses around the parameters.
    pub parens: Span,
    pub body: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageDecl {
    /// `None` only for an unnamed `image`.
    pub name: Option<Ident>,
    pub is_image: bool,
    pub base: Expr,
    pub platform: Option<Expr>,
    /// `as "dev-envs"` / `as none`: the stage's name in the emitted Dockerfile.
    pub alias: Option<StageAlias>,
    pub body: Vec<Statement>,
}

/// The name a stage has in the emitted Dockerfile when it differs from its `.img` name.
#[derive(Debug, Clone, PartialEq)]
pub struct StageAlias {
    /// `None` for `as none`: the Dockerfile leaves the stage unnamed and refers to it by index.
    pub name: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvScope {
    /// `env { … }`: the container's configuration only.
    Runtime,
    /// `env build { … }`: visible to later build steps of the stage, absent from the image config.
    Build,
    /// `env both { … }`: Dockerfile `ENV` semantics.
    Both,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub name: Ident,
    pub param: Option<Box<TypeExpr>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A trailing option of a step: `cache "/root/.cache" (sharing: "locked")`, `network "none"`, `link`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub keyword: Ident,
    pub value: Option<Expr>,
    pub options: Vec<NamedArg>,
    /// The parentheses around the options, when written.
    pub options_parens: Option<Span>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NamedArg {
    pub name: Ident,
    pub value: Expr,
}

/// The pairs of an `env` or `label` step: written out, or a `map[…]` value.
#[derive(Debug, Clone, PartialEq)]
pub enum Entries {
    Literal(Vec<Entry>),
    Map(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Expr,
}

// A large program holds tens of thousands of expressions and statements: their size is most of a
// compile's memory (boxing rare large variants took the 10,000-line bench from 30 to 24 MB).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Expr>() <= 88 && std::mem::size_of::<Statement>() <= 280);

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// How a synthesized tree asks for the expression to be written; `Auto` in a parsed tree,
    /// whose layout is its source's.
    pub layout: Layout,
}

impl Expr {
    /// An expression laid out as the formatter chooses (or as its source has it).
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span, layout: Layout::Auto }
    }
}

/// A synthesized expression's layout, where a parsed one's comes from its source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Layout {
    /// The formatter's choice: on one line when it fits.
    #[default]
    Auto,
    /// A list written one item a line.
    Broken,
    /// A string (of text only) written across lines: a line continuation (`\` and a line break,
    /// which the string's value does not hold) before each of these byte offsets of its text, in
    /// order (an offset given twice is two continuations), its tabs written as they are.
    Continued(Vec<usize>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Int(i64),
    /// `80/tcp`; the number is range-checked by the checker.
    Port {
        number: i64,
        protocol: String,
    },
    Duration {
        millis: u64,
    },
    Str(Vec<StrPart>),
    List(Vec<Expr>),
    Map(Vec<Entry>),
    Name(String),
    Field {
        base: Box<Expr>,
        field: Ident,
    },
    Call(Box<Call>),
    /// `a + b + …`
    Concat(Vec<Expr>),
    Scratch,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text(String),
    Interpolation(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `apt.install` is `["apt", "install"]`.
    pub callee: Vec<Ident>,
    pub args: Vec<Argument>,
    /// The parentheses around the arguments.
    pub parens: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    pub name: Option<Ident>,
    pub value: Expr,
}
