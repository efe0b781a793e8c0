//! The image as plain data: stages of typed instructions with the spans they came from.
//! Both emitters and every optimizer pass work on this, never on text.

use crate::source::Span;
use serde::Serialize;

/// A whole program after checking: every stage, in order, and the build arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Program {
    /// Build arguments declared at the top of the file (Dockerfile `ARG` before the first `FROM`).
    pub args: Vec<ArgDef>,
    pub stages: Vec<Stage>,
    /// Index of the stage to build: the `image` block.
    pub target: usize,
    /// Parser directives (`syntax`, `check`) and their values, in the order written.
    pub directives: Vec<(String, String)>,
    /// The source file name, for the header comment.
    pub source_name: String,
}

/// The shell of a stage without `SHELL` whose base stages have none either.
pub const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

impl Program {
    /// The shell a stage starts with: its base stage's last `SHELL`, or `/bin/sh -c`.
    pub fn initial_shell(&self, stage: usize) -> Vec<String> {
        let mut current = self.stages.get(stage);
        // Bases are earlier stages, so this ends; the bound guards against a malformed program.
        for _ in 0..=self.stages.len() {
            let Some(Base::Stage(base)) = current.map(|s| &s.base) else { break };
            let Some(base_stage) = self.stages.get(*base) else { break };
            let last_shell = base_stage.instructions.iter().rev().find_map(|i| match &i.kind {
                InstructionKind::Shell(words) => Some(words.clone()),
                _ => None,
            });
            if let Some(words) = last_shell {
                return words;
            }
            current = Some(base_stage);
        }
        DEFAULT_SHELL.iter().map(|s| s.to_string()).collect()
    }

    /// The `VOLUME` instructions of a stage's base stages (a volume a base declares is one in the
    /// stage too), the nearest base's first.
    pub fn base_volumes(&self, stage: usize) -> Vec<&Instruction> {
        let mut volumes = Vec::new();
        let mut current = self.stages.get(stage);
        for _ in 0..=self.stages.len() {
            let Some(Base::Stage(base)) = current.map(|s| &s.base) else { break };
            let Some(base_stage) = self.stages.get(*base) else { break };
            volumes.extend(base_stage.instructions.iter().filter(|i| matches!(i.kind, InstructionKind::Volume(_))));
            current = Some(base_stage);
        }
        volumes
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArgDef {
    pub name: String,
    pub default: Option<Text>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// `None` only for an unnamed `image`.
    pub name: Option<String>,
    /// The name in the emitted Dockerfile's `AS`: the `.img` name unless the stage says
    /// `as "…"`; `None` leaves the stage unnamed, referred to by its index.
    pub dockerfile_name: Option<String>,
    pub base: Base,
    pub platform: Option<Text>,
    pub instructions: Vec<Instruction>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Base {
    Scratch,
    Image(Text),
    /// An earlier stage, by index.
    Stage(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instruction {
    pub kind: InstructionKind,
    /// Where the step is written (maybe inside a function in another file).
    #[serde(skip)]
    pub span: Span,
    /// The outermost place in the compiled file that produced it: the step itself or the call
    /// that expanded to it.
    #[serde(skip)]
    pub origin: Span,
    /// The origins of the steps an optimizer pass merged into this one, in order after `origin`.
    #[serde(skip)]
    pub merged: Vec<Span>,
}

impl Instruction {
    pub fn new(kind: InstructionKind, span: Span, origin: Span) -> Instruction {
        Instruction { kind, span, origin, merged: Vec::new() }
    }

    /// Where every step in this instruction came from: `origin`, then the merged steps'.
    pub fn origins(&self) -> impl Iterator<Item = Span> + '_ {
        std::iter::once(self.origin).chain(self.merged.iter().copied())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum InstructionKind {
    /// `ARG name[=default]` inside a stage.
    Arg(ArgDef),
    Run(Run),
    Copy(Copy),
    Env {
        scope: EnvScope,
        vars: Vec<(String, Text)>,
    },
    Workdir(Text),
    User(Text),
    Expose(Vec<Text>),
    Label(Vec<(String, Text)>),
    Volume(Vec<Text>),
    Cmd(Command),
    Entrypoint(Command),
    /// `None` is `HEALTHCHECK NONE`.
    Healthcheck(Option<Healthcheck>),
    StopSignal(Text),
    Shell(Vec<String>),
    OnBuild(Box<InstructionKind>),
    /// The image's author field (`MAINTAINER`).
    Maintainer(Text),
    /// An explicit layer boundary: no pass merges steps across it. Emits nothing.
    LayerBoundary,
}

impl InstructionKind {
    /// The Dockerfile keyword this instruction emits.
    pub fn keyword(&self) -> &'static str {
        match self {
            InstructionKind::Arg(_) => "ARG",
            InstructionKind::Run(_) => "RUN",
            InstructionKind::Copy(c) if c.is_add => "ADD",
            InstructionKind::Copy(_) => "COPY",
            InstructionKind::Env { scope: EnvScope::Build, .. } => "ARG",
            InstructionKind::Env { .. } => "ENV",
            InstructionKind::Workdir(_) => "WORKDIR",
            InstructionKind::User(_) => "USER",
            InstructionKind::Expose(_) => "EXPOSE",
            InstructionKind::Label(_) => "LABEL",
            InstructionKind::Volume(_) => "VOLUME",
            InstructionKind::Cmd(_) => "CMD",
            InstructionKind::Entrypoint(_) => "ENTRYPOINT",
            InstructionKind::Healthcheck(_) => "HEALTHCHECK",
            InstructionKind::StopSignal(_) => "STOPSIGNAL",
            InstructionKind::Shell(_) => "SHELL",
            InstructionKind::OnBuild(_) => "ONBUILD",
            InstructionKind::Maintainer(_) => "MAINTAINER",
            InstructionKind::LayerBoundary => "",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EnvScope {
    /// The container's configuration: the stage's build steps do not see it; those of stages built
    /// `from` the stage do (it is in the image they start from).
    Runtime,
    /// Visible to later build steps of the stage, absent from the image config (emitted as `ARG`).
    Build,
    /// Dockerfile `ENV`: visible to later steps and kept in the image config.
    Both,
}

/// Text that may hold references to build arguments, and remembers which parts were written as
/// code in a template and which came from interpolated values (those are quoted in a shell).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Text(pub Vec<TextPart>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TextPart {
    /// Written by the user in a string template (or passed through `raw`): verbatim in a shell.
    Code(String),
    /// An interpolated value: one quoted word in a shell.
    Value(String),
    /// A build argument, expanded by the builder.
    Arg(String),
}

impl Text {
    pub fn code(s: impl Into<String>) -> Text {
        Text(vec![TextPart::Code(s.into())])
    }

    pub fn value(s: impl Into<String>) -> Text {
        Text(vec![TextPart::Value(s.into())])
    }

    pub fn push(&mut self, part: TextPart) {
        // An empty value is kept: in a shell it is an empty word (`''`).
        match (self.0.last_mut(), part) {
            (Some(TextPart::Code(a)), TextPart::Code(b)) => a.push_str(&b),
            (Some(TextPart::Value(a)), TextPart::Value(b)) => a.push_str(&b),
            (_, TextPart::Code(b)) if b.is_empty() => {}
            (_, part) => self.0.push(part),
        }
    }

    pub fn append(&mut self, other: Text) {
        for part in other.0 {
            self.push(part);
        }
    }

    /// The text when it holds no argument reference.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                TextPart::Code(s) | TextPart::Value(s) => out.push_str(s),
                TextPart::Arg(_) => return None,
            }
        }
        Some(out)
    }

    /// The text with each argument written as `${name}`, for messages and analysis.
    pub fn display(&self) -> String {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                TextPart::Code(s) | TextPart::Value(s) => out.push_str(s),
                TextPart::Arg(name) => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out
    }

    /// The bytes of its parts (an argument's name only, not the `${}` written around it).
    pub fn parts_len(&self) -> usize {
        self.0
            .iter()
            .map(|part| match part {
                TextPart::Code(s) | TextPart::Value(s) | TextPart::Arg(s) => s.len(),
            })
            .sum()
    }

    /// The text's code and values, without its argument references.
    pub fn literal_parts(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            TextPart::Code(s) | TextPart::Value(s) => Some(s.as_str()),
            TextPart::Arg(_) => None,
        })
    }

    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|p| match p {
            TextPart::Arg(name) => Some(name.as_str()),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Command {
    /// JSON (exec) form.
    Exec(Vec<Text>),
    /// Shell form, run by the stage's shell.
    Shell(Text),
    /// Shell-form commands that the merge-runs pass joined with `&&`, written one a line. Each is
    /// a complete command, already grouped in `( … )` where `&&` would otherwise bind wrongly.
    Chain(Vec<Text>),
    /// A here-document the builder writes to a file and runs (`RUN <<EOF`); only `run` has it.
    Heredoc(Heredoc),
}

/// A here-document: a file's content written in the Dockerfile (`<<NAME` … `NAME`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heredoc {
    /// The delimiter, and the file's name where a name is needed (`COPY <<NAME /dir/`).
    pub name: String,
    pub content: Text,
    /// Whether the builder expands variables in the content (an unquoted delimiter).
    pub expand: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub command: Command,
    pub mounts: Vec<Mount>,
    /// `none`, `host` or `default`.
    pub network: Option<String>,
    /// `insecure` or `sandbox`.
    pub security: Option<String>,
    /// `RUN --device=NAME[,required]`.
    pub devices: Vec<Device>,
}

/// A device (CDI) a `run` step may use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub name: Text,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MountKind {
    Cache,
    Bind,
    Secret,
    Tmpfs,
    Ssh,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Cache => "cache",
            MountKind::Bind => "bind",
            MountKind::Secret => "secret",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Ssh => "ssh",
        }
    }
}

/// A `RUN --mount`: its type and its options in the order they are written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mount {
    pub kind: MountKind,
    pub options: Vec<(String, Text)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CopySource {
    Stage(usize),
    Image(Text),
}

/// `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Copy {
    pub is_add: bool,
    pub from: Option<CopySource>,
    pub sources: Vec<Text>,
    /// Files whose content is written in the Dockerfile (`COPY <<EOF /dest`).
    pub heredocs: Vec<Heredoc>,
    pub dest: Text,
    pub chown: Option<Text>,
    pub chmod: Option<String>,
    pub link: bool,
    pub parents: bool,
    pub exclude: Vec<Text>,
    /// `ADD --checksum=`.
    pub checksum: Option<String>,
    /// `ADD --keep-git-dir=`.
    pub keep_git_dir: Option<bool>,
    /// `ADD --unpack=`.
    pub unpack: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Healthcheck {
    pub command: Command,
    pub interval_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub start_period_ms: Option<u64>,
    pub start_interval_ms: Option<u64>,
    pub retries: Option<i64>,
}
