//! One diagnostic type for the whole pipeline, its stable codes, and its two renderings
//! (human, through codespan-reporting, and JSON).

use crate::source::{SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;

macro_rules! codes {
    ($($variant:ident = $code:literal, $title:literal;)*) => {
        /// A stable diagnostic code. Every code has an entry in the book's error index.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// `E0001`, `W0101`, …
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),* }
            }

            /// A one-line description, used by the error index.
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title),* }
            }
        }
    };
}

codes! {
    Syntax = "E0001", "syntax error";
    UnknownName = "E0002", "unknown name";
    TypeMismatch = "E0003", "type mismatch";
    ArgumentCount = "E0004", "wrong number of arguments";
    UnknownNamedArgument = "E0005", "unknown named argument";
    MissingArgument = "E0006", "missing required argument";
    PortOutOfRange = "E0007", "port out of range";
    MalformedDuration = "E0008", "malformed duration";
    MalformedImage = "E0009", "malformed image reference";
    DuplicateStage = "E0010", "duplicate stage";
    UnknownStage = "E0011", "copy from an unknown stage";
    LaterStage = "E0012", "reference to a later stage";
    StageCycle = "E0013", "stage cycle";
    ImportCycle = "E0014", "import cycle";
    SecretMisuse = "E0015", "secret used outside a secret mount";
    ContextEscape = "E0016", "copy source escapes the build context";
    MissingBuildArg = "E0017", "build argument without a value";
    Misplaced = "E0018", "not allowed in this position";
    Duplicate = "E0019", "duplicate definition";
    InvalidLiteral = "E0020", "invalid value";
    UnknownClause = "E0021", "unknown or repeated option";
    NoImage = "E0022", "no image to build";
    TargetUnsupported = "E0023", "feature not supported by the target builder";
    InvalidCliArg = "E0024", "invalid --arg";
    ImportNotFound = "E0025", "module not found";
    RecursiveFunction = "E0026", "recursive function";
    ArgAtRuntime = "E0027", "build argument used where it has no value";
    NotExpressible = "E0028", "value cannot be written in a Dockerfile";
    InvalidStageName = "E0029", "invalid stage name";
    CopySourceNotFound = "E0031", "copy source not found";
    DockerfileSyntax = "E0032", "Dockerfile syntax error";
    NotMigratable = "E0033", "Dockerfile construct with no `.img` form";
    MigrationDiffers = "E0034", "the program builds something else than the Dockerfile";
    RunFailed = "E0035", "a `run` step failed";
    NoContainerRuntime = "E0036", "no container runtime for `run` steps";
    MissingSecret = "E0037", "a secret, ssh agent, device or entitlement the step needs was not given";
    Interrupted = "E0038", "build interrupted";
    NotQuotable = "E0040", "value cannot be quoted where the command inserts it";
    ProjectFile = "E0041", "invalid project file";
    ProjectValue = "E0042", "invalid value in the project file";
    UnknownProjectImage = "E0043", "unknown image";
    LockFile = "E0044", "lock file missing, invalid or out of date";
    NoEmulation = "E0045", "a `run` step for another platform, with no emulator";
    AptUpdateAlone = "W0101", "`apt-get update` in another step than the install";
    PackageCacheLeft = "W0102", "package manager cache left in a layer";
    UnpinnedBase = "W0103", "base image without a tag, or tagged `latest`";
    SecretInEnv = "W0104", "secret-looking `env` or `arg` with a literal value";
    AddForCopy = "W0105", "`add` where `copy` would do";
    RootAtEnd = "W0106", "the image runs as root";
    VolumeWrite = "W0107", "a step writes under a declared volume";
    ForeignPackageManager = "W0108", "a command the base image's distribution does not have";
    UndeclaredPlatformArg = "W0109", "a command reads a platform argument its stage does not declare";
    StdlibFamily = "W0110", "a standard library function for another distribution";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A label pointing at source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A compiler message: a code, a primary label under the offending text, optional secondary labels
/// and a help line.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label { span, message: message.into() });
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, message: message.into() });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Diagnostics collected across a compilation.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Adds a secondary label to every diagnostic from index `start` on.
    pub fn label_from(&mut self, start: usize, span: Span, message: String) {
        for diagnostic in self.items.iter_mut().skip(start) {
            let already = diagnostic.primary.as_ref().is_some_and(|l| l.span == span)
                || diagnostic.secondary.iter().any(|l| l.span == span);
            if !already {
                diagnostic.secondary.push(Label { span, message: message.clone() });
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// In source order, so output does not depend on the order checks ran in.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.file, l.span.start, l.span.end)));
        self.items.dedup();
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Renders diagnostics for a terminal, with or without colour.
pub fn render_human(sources: &SourceMap, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut buffer = if color { term::termcolor::Buffer::ansi() } else { term::termcolor::Buffer::no_color() };
    let config = term::Config::default();
    for diagnostic in diagnostics {
        let mut cs_diagnostic = match diagnostic.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
        }
        .with_code(diagnostic.code.as_str())
        .with_message(&diagnostic.message);
        let mut labels = Vec::new();
        if let Some(primary) = &diagnostic.primary {
            labels.push(cs::Label::primary(primary.span.file, primary.span.range()).with_message(&primary.message));
        }
        for label in &diagnostic.secondary {
            labels.push(cs::Label::secondary(label.span.file, label.span.range()).with_message(&label.message));
        }
        cs_diagnostic = cs_diagnostic.with_labels(labels);
        if let Some(help) = &diagnostic.help {
            cs_diagnostic = cs_diagnostic.with_notes(vec![format!("help: {help}")]);
        }
        if term::emit_to_write_style(&mut buffer, &config, sources, &cs_diagnostic).is_err() {
            // A span outside its file (never expected): fall back to the plain message.
            use std::io::Write;
            let _ = writeln!(
                buffer,
                "{}[{}]: {}",
                severity_word(diagnostic.severity),
                diagnostic.code.as_str(),
                diagnostic.message
            );
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    byte_start: u32,
    byte_end: u32,
    label: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'static str,
    message: &'a str,
    location: Option<JsonLocation<'a>>,
    related: Vec<JsonLocation<'a>>,
    help: Option<&'a str>,
}

fn json_location<'a>(sources: &'a SourceMap, label: &'a Label) -> Option<JsonLocation<'a>> {
    let file = sources.get(label.span.file)?;
    let (line, column) = file.line_col(label.span.start as usize);
    let (end_line, end_column) = file.line_col(label.span.end as usize);
    Some(JsonLocation {
        file: &file.name,
        line,
        column,
        end_line,
        end_column,
        byte_start: label.span.start,
        byte_end: label.span.end,
        label: &label.message,
    })
}

/// One JSON object per line, the same content as the human rendering.
pub fn render_json(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let json = JsonDiagnostic {
            severity: diagnostic.severity,
            code: diagnostic.code.as_str(),
            message: &diagnostic.message,
            location: diagnostic.primary.as_ref().and_then(|l| json_location(sources, l)),
            related: diagnostic.secondary.iter().filter_map(|l| json_location(sources, l)).collect(),
            help: diagnostic.help.as_deref(),
        };
        if let Ok(line) = serde_json::to_string(&json) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
