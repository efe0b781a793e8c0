//! A Dockerfile reduced to what its build does, for comparing two Dockerfiles: words read as
//! the builder reads them, exec and shell forms of a command as the argument list they run,
//! stages by index rather than by name, flags as sets of settings, and the `ENV` settings no
//! build step observes gathered as the stage's final environment.

use super::env::movable;
use crate::dockerfile::words::{Word, parse_word};
use crate::dockerfile::{
    Arguments, Dockerfile, Heredoc, Instruction, InstructionKind, Span, Str, csv_fields, go_duration, is_heredoc_word,
};
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Model {
    pub directives: Vec<(String, String)>,
    pub args: Vec<Step>,
    pub stages: Vec<Stage>,
}

#[derive(Debug)]
pub struct Stage {
    /// The `FROM` instruction.
    pub index: usize,
    pub span: Span,
    /// The name after `AS`, lowercased as BuildKit reads it.
    pub name: Option<String>,
    pub base: Base,
    pub platform: Option<Word>,
    pub steps: Vec<Step>,
    /// Settings no step observes, with the last value each gets and the instruction giving it.
    pub runtime_env: BTreeMap<String, (Word, usize)>,
    /// Whether `DEBIAN_FRONTEND=noninteractive` is set in the build environment before each
    /// step (by the `ENV`s kept in place).
    pub frontend: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    Scratch,
    Stage(usize),
    Image(Word),
}

/// One step, with the instruction it came from (index into the Dockerfile's instructions).
#[derive(Debug, Clone)]
pub struct Step {
    pub norm: Norm,
    pub index: usize,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Norm {
    Arg {
        name: String,
        default: Option<Word>,
    },
    Env(Vec<(String, Word)>),
    Label(Vec<(Word, Word)>),
    Run {
        flags: RunFlags,
        command: Command,
    },
    Copy(Copy),
    Workdir(Word),
    User(Word),
    StopSignal(Word),
    Maintainer(String),
    Expose(Vec<Word>),
    Volume(Vec<Word>),
    Cmd(Vec<String>),
    Entrypoint(Vec<String>),
    /// `None` is `HEALTHCHECK NONE`.
    Healthcheck(Option<Health>),
    Shell(Vec<String>),
    Onbuild(Box<Norm>),
    /// A word the builder could not read (compared as written).
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A script run by the stage's shell.
    Script(String),
    /// An argument list run as it is.
    Argv(Vec<String>),
    /// A here-document written to a file and run (`#!`).
    File { name: String, content: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunFlags {
    pub mounts: Vec<BTreeMap<String, String>>,
    pub network: Option<String>,
    pub security: Option<String>,
    pub devices: Vec<(String, bool)>,
}

impl RunFlags {
    /// Whether steps with these flags may be merged: no mount whose content lasts only a step.
    pub fn mergeable(&self) -> bool {
        self.mounts.iter().all(|m| {
            let kind = m.get("type").map_or("bind", String::as_str);
            kind != "tmpfs" && !(kind == "bind" && m.get("readwrite").is_some_and(|v| v == "true"))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    Stage(usize),
    Image(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub add: bool,
    pub from: Option<From>,
    pub sources: Vec<Word>,
    /// `(name, content, expanded)`.
    pub heredocs: Vec<(String, String, bool)>,
    pub dest: Word,
    pub chown: Option<Word>,
    pub chmod: Option<String>,
    pub link: bool,
    pub parents: bool,
    pub exclude: Vec<Word>,
    pub checksum: Option<String>,
    pub keep_git_dir: bool,
    pub unpack: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub command: Vec<String>,
    /// Durations in nanoseconds, `retries`, by flag name.
    pub settings: BTreeMap<String, i128>,
}

const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

/// Reduces a parsed Dockerfile.
pub fn model(df: &Dockerfile) -> Model {
    let mut builder = Builder { df, stage_names: Vec::new(), frontend_at_end: Vec::new() };
    builder.stage_names = df
        .instructions
        .iter()
        .filter(|i| i.kind == InstructionKind::From)
        .map(|i| match &i.args {
            Arguments::Words(words) if words.len() == 3 => Some(words[2].to_lowercase()),
            _ => None,
        })
        .collect();
    let directives =
        df.directives.iter().filter(|d| d.name != "escape").map(|d| (d.name.clone(), d.value.clone())).collect();
    let first_from =
        df.instructions.iter().position(|i| i.kind == InstructionKind::From).unwrap_or(df.instructions.len());
    let mut args = Vec::new();
    for (index, instruction) in df.instructions[..first_from].iter().enumerate() {
        args.extend(builder.args(instruction, index));
    }
    let starts: Vec<usize> =
        (first_from..df.instructions.len()).filter(|&i| df.instructions[i].kind == InstructionKind::From).collect();
    let mut stages: Vec<Stage> = Vec::new();
    for (stage_index, &start) in starts.iter().enumerate() {
        let end = starts.get(stage_index + 1).copied().unwrap_or(df.instructions.len());
        let stage = builder.stage(start, end, stage_index, &stages);
        builder.frontend_at_end.push(stage.frontend.last().copied().unwrap_or(false));
        stages.push(stage);
    }
    Model { directives, args, stages }
}

struct Builder<'d> {
    df: &'d Dockerfile,
    /// Each stage's name, lowercased.
    stage_names: Vec<Option<String>>,
    frontend_at_end: Vec<bool>,
}

impl Builder<'_> {
    fn word(&self, text: &str) -> Word {
        match parse_word(text, self.df.escape) {
            Ok(word) => word.normalized(),
            Err(_) => Word(vec![crate::dockerfile::words::Piece::Literal(format!("\u{0}unreadable:{text}"))]),
        }
    }

    /// The stage a name refers to: by (case-insensitive) name or by number.
    fn stage_named(&self, name: &str, before: usize) -> Option<usize> {
        if let Ok(index) = name.parse::<usize>() {
            return (index < self.stage_names.len()).then_some(index);
        }
        let lower = name.to_lowercase();
        self.stage_names[..before.min(self.stage_names.len())].iter().position(|n| n.as_deref() == Some(lower.as_str()))
    }

    fn args(&self, instruction: &Instruction, index: usize) -> Vec<Step> {
        let Arguments::ArgDecls(decls) = &instruction.args else { return Vec::new() };
        decls
            .iter()
            .map(|d| Step {
                norm: Norm::Arg { name: d.name.to_string(), default: d.value.as_deref().map(|v| self.word(v)) },
                index,
                span: instruction.span,
            })
            .collect()
    }

    fn stage(&self, start: usize, end: usize, stage_index: usize, earlier: &[Stage]) -> Stage {
        let from = &self.df.instructions[start];
        let base = match &from.args {
            Arguments::Words(words) if !words.is_empty() => {
                let word = self.word(&words[0]);
                match word.literal() {
                    Some(literal) if literal == "scratch" => Base::Scratch,
                    Some(literal) if literal.parse::<usize>().is_err() => {
                        match self.stage_named(&literal, stage_index) {
                            Some(stage) => Base::Stage(stage),
                            None => Base::Image(word),
                        }
                    }
                    _ => Base::Image(word),
                }
            }
            _ => Base::Scratch,
        };
        let platform = from.flag("platform").and_then(|f| f.value.as_deref()).map(|v| self.word(v));
        let instructions: Vec<&Instruction> = self.df.instructions[start + 1..end].iter().collect();
        let runtime = movable(&instructions, self.df.escape);
        let mut shell: Vec<String> = match &base {
            Base::Stage(s) => earlier.get(*s).map_or_else(default_shell, stage_shell),
            _ => default_shell(),
        };
        let mut frontend_now = match base {
            Base::Stage(s) => self.frontend_at_end.get(s).copied().unwrap_or(false),
            _ => false,
        };
        let mut steps = Vec::new();
        let mut frontend = Vec::new();
        let mut runtime_env = BTreeMap::new();
        for (offset, instruction) in instructions.iter().enumerate() {
            let index = start + 1 + offset;
            let span = instruction.span;
            if let (InstructionKind::Env, Arguments::KeyValues(pairs)) = (&instruction.kind, &instruction.args) {
                let mut kept = Vec::new();
                for (position, pair) in pairs.iter().enumerate() {
                    let key = self.word(&pair.key).literal().unwrap_or_else(|| pair.key.to_string());
                    let value = self.word(&pair.value);
                    if runtime[offset].get(position).copied().unwrap_or(false) {
                        runtime_env.insert(key, (value, index));
                    } else {
                        if key == "DEBIAN_FRONTEND" {
                            frontend_now = value.literal().as_deref() == Some("noninteractive");
                        }
                        kept.push((key, value));
                    }
                }
                if !kept.is_empty() {
                    frontend.push(frontend_now);
                    steps.push(Step { norm: Norm::Env(kept), index, span });
                }
                continue;
            }
            if let (InstructionKind::Arg, Arguments::ArgDecls(_)) = (&instruction.kind, &instruction.args) {
                for step in self.args(instruction, index) {
                    frontend.push(frontend_now);
                    steps.push(step);
                }
                continue;
            }
            if let Arguments::Onbuild(child) = &instruction.args
                && let Arguments::ArgDecls(_) = &child.args
            {
                for step in self.args(child, index) {
                    frontend.push(frontend_now);
                    steps.push(Step { norm: Norm::Onbuild(Box::new(step.norm)), index, span });
                }
                continue;
            }
            let norm = self.norm(instruction, &shell, stage_index);
            if let Norm::Shell(words) = &norm {
                shell = words.clone();
            }
            frontend.push(frontend_now);
            steps.push(Step { norm, index, span });
        }
        frontend.push(frontend_now);
        let name = match &from.args {
            Arguments::Words(words) if words.len() == 3 => Some(words[2].to_lowercase()),
            _ => None,
        };
        Stage { index: start, span: from.span, name, base, platform, steps, runtime_env, frontend }
    }

    fn norm(&self, instruction: &Instruction, shell: &[String], stage: usize) -> Norm {
        let words = |list: &[Str]| list.iter().map(|w| self.word(w)).collect::<Vec<Word>>();
        match (&instruction.kind, &instruction.args) {
            (InstructionKind::Run, args) => {
                Norm::Run { flags: self.run_flags(instruction, stage), command: run_command(instruction, args, shell) }
            }
            (InstructionKind::Copy | InstructionKind::Add, Arguments::Words(list) | Arguments::Exec(list)) => {
                self.copy(instruction, list)
            }
            (InstructionKind::Label, Arguments::KeyValues(pairs)) => {
                Norm::Label(pairs.iter().map(|p| (self.word(&p.key), self.word(&p.value))).collect())
            }
            (InstructionKind::Workdir, Arguments::Text(t)) => Norm::Workdir(self.word(t)),
            (InstructionKind::User, Arguments::Text(t)) => Norm::User(self.word(t)),
            (InstructionKind::Stopsignal, Arguments::Text(t)) => Norm::StopSignal(self.word(t)),
            (InstructionKind::Maintainer, Arguments::Text(t)) => Norm::Maintainer(t.to_string()),
            (InstructionKind::Expose, Arguments::Words(list)) => {
                Norm::Expose(list.iter().map(|w| self.port(w)).collect())
            }
            (InstructionKind::Volume, Arguments::Words(list) | Arguments::Exec(list)) => Norm::Volume(words(list)),
            (InstructionKind::Cmd, args) => Norm::Cmd(argv(args, shell)),
            (InstructionKind::Entrypoint, args) => Norm::Entrypoint(argv(args, shell)),
            (InstructionKind::Shell, Arguments::Exec(list)) => Norm::Shell(list.iter().map(Str::to_string).collect()),
            (InstructionKind::Healthcheck, Arguments::Healthcheck { kind, args }) => {
                if kind.eq_ignore_ascii_case("none") {
                    Norm::Healthcheck(None)
                } else {
                    let settings = instruction
                        .flags
                        .iter()
                        .map(|f| {
                            let value = f.value.as_deref().unwrap_or_default();
                            let number =
                                if f.name == "retries" { value.parse::<i128>().ok() } else { go_duration(value).ok() };
                            (f.name.to_string(), number.unwrap_or(-1))
                        })
                        .collect();
                    Norm::Healthcheck(Some(Health { command: argv(args, shell), settings }))
                }
            }
            (InstructionKind::Onbuild, Arguments::Onbuild(child)) => {
                let inner = match (&child.kind, &child.args) {
                    (InstructionKind::Env, Arguments::KeyValues(pairs)) => Norm::Env(
                        pairs
                            .iter()
                            .map(|p| (self.word(&p.key).literal().unwrap_or_default(), self.word(&p.value)))
                            .collect(),
                    ),
                    _ => self.norm(child, shell, stage),
                };
                Norm::Onbuild(Box::new(inner))
            }
            _ => Norm::Unreadable(instruction.original.to_string()),
        }
    }

    /// A port word: a literal one written `NUMBER/protocol` (a bare number is TCP).
    fn port(&self, text: &str) -> Word {
        let word = self.word(text);
        match word.literal() {
            Some(literal) if !literal.contains('/') => self.word(&format!("{literal}/tcp")),
            Some(literal) => self.word(&literal.to_lowercase()),
            None => word,
        }
    }

    fn run_flags(&self, instruction: &Instruction, stage: usize) -> RunFlags {
        let mut flags = RunFlags::default();
        for flag in &instruction.flags {
            let value = flag.value.as_deref().unwrap_or_default().to_string();
            match flag.name.as_str() {
                "mount" => flags.mounts.push(self.mount(&value, stage)),
                "network" => flags.network = Some(value),
                "security" => flags.security = Some(value),
                "device" => {
                    let fields = csv_fields(&value).unwrap_or_default();
                    let mut name = String::new();
                    let mut required = false;
                    for field in fields {
                        match field.split_once('=') {
                            Some((k, v)) if k.eq_ignore_ascii_case("name") => name = v.to_string(),
                            Some((k, v)) if k.eq_ignore_ascii_case("required") => required = go_bool(v),
                            None if field.eq_ignore_ascii_case("required") => required = true,
                            _ => name = field,
                        }
                    }
                    flags.devices.push((name, required));
                }
                _ => {}
            }
        }
        flags
    }

    /// A mount's settings with their aliases, defaults and booleans made canonical.
    fn mount(&self, value: &str, stage: usize) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        out.insert("type".to_string(), "bind".to_string());
        for field in csv_fields(value).unwrap_or_default() {
            let (key, v) = match field.split_once('=') {
                Some((k, v)) => (k.to_lowercase(), Some(v.to_string())),
                None => (field.to_lowercase(), None),
            };
            let key = match key.as_str() {
                "dst" | "destination" => "target".to_string(),
                "src" => "source".to_string(),
                "ro" => "readonly".to_string(),
                "rw" => "readwrite".to_string(),
                _ => key,
            };
            let v = match (key.as_str(), v) {
                ("readonly" | "readwrite" | "required", None) => "true".to_string(),
                ("readonly" | "readwrite" | "required", Some(v)) => go_bool(&v).to_string(),
                ("type", Some(v)) => v.to_lowercase(),
                ("from", Some(v)) => match self.stage_named(&v, stage) {
                    Some(index) => format!("stage {index}"),
                    None => v,
                },
                (_, v) => v.unwrap_or_default(),
            };
            out.insert(key, v);
        }
        let kind = out.get("type").cloned().unwrap_or_default();
        // BuildKit joins a mount's target to the working directory, so no target means it.
        if matches!(kind.as_str(), "bind" | "cache" | "tmpfs") && !out.contains_key("target") {
            out.insert("target".into(), ".".into());
        }
        if kind == "bind" && out.get("readonly").is_some_and(|v| v == "true") {
            out.remove("readonly");
        }
        for (key, default) in [("readonly", "false"), ("readwrite", "false"), ("required", "false")] {
            if out.get(key).is_some_and(|v| v == default) {
                out.remove(key);
            }
        }
        if kind == "secret"
            && !out.contains_key("id")
            && let Some(target) = out.get("target").cloned()
        {
            out.insert("id".into(), target.rsplit('/').next().unwrap_or(&target).to_string());
        }
        if kind == "ssh" && !out.contains_key("id") {
            out.insert("id".into(), "default".into());
        }
        out
    }

    fn copy(&self, instruction: &Instruction, list: &[Str]) -> Norm {
        let Some((dest, sources)) = list.split_last() else {
            return Norm::Unreadable(instruction.original.to_string());
        };
        let mut heredocs = instruction.heredocs.iter();
        let mut copy = Copy {
            add: instruction.kind == InstructionKind::Add,
            from: None,
            sources: Vec::new(),
            heredocs: Vec::new(),
            dest: self.word(dest),
            chown: None,
            chmod: None,
            link: false,
            parents: false,
            exclude: Vec::new(),
            checksum: None,
            keep_git_dir: false,
            unpack: None,
        };
        for source in sources {
            if matches!(instruction.args, Arguments::Words(_)) && is_heredoc_word(source) {
                if let Some(heredoc) = heredocs.next() {
                    copy.heredocs.push(heredoc_entry(heredoc));
                }
            } else {
                copy.sources.push(self.word(source));
            }
        }
        for flag in &instruction.flags {
            let value = flag.value.as_deref().map(str::to_string);
            let on = value.as_deref().is_none_or(|v| v.eq_ignore_ascii_case("true"));
            match flag.name.as_str() {
                "from" => {
                    let text = value.unwrap_or_default();
                    copy.from = Some(match self.stage_named(&text, self.stage_names.len()) {
                        Some(index) => From::Stage(index),
                        None => From::Image(text),
                    });
                }
                "chown" => copy.chown = value.map(|v| self.word(&v)),
                "chmod" => copy.chmod = value,
                "link" => copy.link = on,
                "parents" => copy.parents = on,
                "exclude" => copy.exclude.extend(value.map(|v| self.word(&v))),
                "checksum" => copy.checksum = value,
                "keep-git-dir" => copy.keep_git_dir = on,
                "unpack" => copy.unpack = Some(on),
                _ => {}
            }
        }
        Norm::Copy(copy)
    }
}

fn default_shell() -> Vec<String> {
    DEFAULT_SHELL.iter().map(|s| s.to_string()).collect()
}

/// The shell a stage ends with: its last `SHELL`, or the one it started with.
fn stage_shell(stage: &Stage) -> Vec<String> {
    stage
        .steps
        .iter()
        .rev()
        .find_map(|s| match &s.norm {
            Norm::Shell(words) => Some(words.clone()),
            _ => None,
        })
        .unwrap_or_else(default_shell)
}

fn heredoc_entry(heredoc: &Heredoc) -> (String, String, bool) {
    let content = heredoc.chomped_content();
    let expanded = heredoc.expand && content.contains(['$', '\\']);
    (heredoc.name.clone(), content, expanded)
}

/// The arguments a `CMD`/`ENTRYPOINT`/health check runs: exec form as is, shell form with the
/// stage's shell.
fn argv(args: &Arguments, shell: &[String]) -> Vec<String> {
    match args {
        Arguments::Exec(words) => words.iter().map(Str::to_string).collect(),
        Arguments::Shell(text) => shell.iter().cloned().chain(std::iter::once(text.to_string())).collect(),
        _ => Vec::new(),
    }
}

/// What a `RUN` runs, the way BuildKit runs it: a script for the stage's shell, an argument list,
/// or (a here-document starting with `#!`) a file.
fn run_command(instruction: &Instruction, args: &Arguments, shell: &[String]) -> Command {
    match args {
        Arguments::Exec(words) => {
            if words.len() == shell.len() + 1 && words[..shell.len()] == *shell {
                Command::Script(words[shell.len()].to_string())
            } else {
                Command::Argv(words.iter().map(Str::to_string).collect())
            }
        }
        Arguments::Shell(text) if instruction.heredocs.is_empty() => Command::Script(text.to_string()),
        // No command: BuildKit joins the (no) words into an empty script for the shell.
        Arguments::Empty => Command::Script(String::new()),
        Arguments::Shell(text) => {
            let trimmed = text.trim();
            if instruction.heredocs.len() == 1 && is_heredoc_word(trimmed) && !trimmed.contains(char::is_whitespace) {
                let heredoc = &instruction.heredocs[0];
                let content = heredoc.chomped_content();
                if content.starts_with("#!") {
                    return Command::File { name: heredoc.name.clone(), content };
                }
                return Command::Script(content);
            }
            let mut script = text.to_string();
            for heredoc in &instruction.heredocs {
                script.push('\n');
                script.push_str(&heredoc.content);
                script.push_str(&heredoc.name);
            }
            Command::Script(script)
        }
        _ => Command::Argv(Vec::new()),
    }
}

/// Go's `strconv.ParseBool`, anything else being false.
fn go_bool(text: &str) -> bool {
    matches!(text, "1" | "t" | "T" | "TRUE" | "true" | "True")
}
