//! The check behind `imgc migrate --check`: a program compiled back into a Dockerfile with every
//! optimizer pass off (`-O0`) is compared with the original, instruction by
//! instruction, after normalising what does not change the image — spaces, keyword case, JSON
//! or shell spelling, quoting, the order of flags and settings, `ENV` settings no
//! step observes, `RUN` steps split at `&&` where merging them back is exact, and the commands
//! the standard library writes. Each difference is an [`Code::MigrationDiffers`] with the
//! Dockerfile's line and the program's.

use super::idioms::canonical_chain;
use super::model::{Base, Command, Model, Norm, Stage, Step, model};
use super::shell::{self, Token};
use crate::FsLoader;
use crate::diagnostics::{Code, Diagnostic};
use crate::dockerfile::{self, Dockerfile, ParseOptions};
use crate::ir::{EnvScope, InstructionKind, Program};
use crate::source::{FileId, SourceMap, Span};
use crate::{Optimize, Options, Target};
use std::path::Path;

/// What a check found: the sources (the program and its modules, then the Dockerfile) and the
/// differences or errors. No diagnostic means the program builds what the Dockerfile builds.
#[derive(Debug)]
pub struct Report {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compiles `program` (named `program_name`, imports resolved from there) and compares the
/// Dockerfile it writes with `dockerfile`.
pub fn check(dockerfile_name: &str, dockerfile_text: &str, program_name: &Path, program: &str) -> Report {
    let compilation = crate::compile_with_loader(program_name, program.to_string(), &FsLoader, &Options::default());
    let mut sources = compilation.sources.clone();
    let file = sources.add(dockerfile_name, dockerfile_text);
    let original = match dockerfile::parse_with(dockerfile_text, ParseOptions::default()) {
        Ok(df) => df,
        Err(error) => {
            let diagnostic = Diagnostic::error(Code::DockerfileSyntax, error.message.clone())
                .with_label(Span::new(file, error.span.start.offset..error.span.end.offset), "here")
                .with_help("builders refuse this Dockerfile too; see the Dockerfile reference");
            return Report { sources, diagnostics: vec![diagnostic] };
        }
    };
    let written = match compilation.dockerfile_with(Target::Buildkit, &Optimize::none()) {
        Ok(text) => text,
        Err(errors) => return Report { sources, diagnostics: errors },
    };
    let Some(ir) = &compilation.program else {
        return Report { sources, diagnostics: compilation.diagnostics };
    };
    let compiled = match dockerfile::parse_with(&written, ParseOptions::default()) {
        Ok(df) => df,
        Err(error) => {
            let diagnostic = Diagnostic::error(
                Code::MigrationDiffers,
                format!("the Dockerfile the program compiles to does not parse: {}", error.message),
            )
            .with_label(Span::new(file, 0..0), "compared with this Dockerfile")
            .with_help("this is a bug in imgc; please report it with the program");
            return Report { sources, diagnostics: vec![diagnostic] };
        }
    };
    let origins = origins(ir, &compiled);
    let mut comparer = Comparer {
        original: &original,
        compiled: &compiled,
        file,
        origins,
        diagnostics: Vec::new(),
        program_span: Span::new(FileId(0), 0..0),
    };
    comparer.compare(&model(&original), &model(&compiled));
    Report { sources, diagnostics: comparer.diagnostics }
}

/// For each instruction of the compiled Dockerfile, the place in the program that wrote it.
fn origins(program: &Program, compiled: &Dockerfile) -> Vec<Option<Span>> {
    let mut spans: Vec<Span> = program.args.iter().map(|a| a.span).collect();
    for stage in &program.stages {
        spans.push(stage.span);
        for instruction in &stage.instructions {
            let count = match &instruction.kind {
                InstructionKind::LayerBoundary => 0,
                InstructionKind::Env { scope: EnvScope::Build, vars } => vars.len(),
                _ => 1,
            };
            spans.extend(std::iter::repeat_n(instruction.origin, count));
        }
    }
    if spans.len() != compiled.instructions.len() {
        return vec![None; compiled.instructions.len()];
    }
    spans.into_iter().map(Some).collect()
}

struct Comparer<'a> {
    original: &'a Dockerfile,
    compiled: &'a Dockerfile,
    /// The Dockerfile's file.
    file: FileId,
    origins: Vec<Option<Span>>,
    diagnostics: Vec<Diagnostic>,
    /// Where the program is, when no step fits.
    program_span: Span,
}

impl Comparer<'_> {
    fn original_span(&self, span: dockerfile::Span) -> Span {
        Span::new(self.file, span.start.offset..span.end.offset)
    }

    fn program_span(&self, index: Option<usize>) -> Span {
        index.and_then(|i| self.origins.get(i).copied().flatten()).unwrap_or(self.program_span)
    }

    /// Reports that an instruction of the Dockerfile (`original`) has no equal in the program's
    /// (`compiled`, an instruction index of the compiled Dockerfile). `detail` names what differs
    /// on each side, when known better than by the instructions' text.
    fn differs(
        &mut self,
        what: &str,
        original: Option<(dockerfile::Span, usize)>,
        compiled: Option<usize>,
        detail: Option<(String, String)>,
    ) {
        let text = |df: &Dockerfile, index: usize| -> String {
            df.instructions.get(index).map(|i| short(&i.original)).unwrap_or_default()
        };
        let (original_text, compiled_text) = match (&detail, original, compiled) {
            (Some((o, c)), _, _) => (o.clone(), c.clone()),
            (None, o, c) => (
                o.map(|(_, i)| text(self.original, i)).unwrap_or_default(),
                c.map(|i| text(self.compiled, i)).unwrap_or_default(),
            ),
        };
        let mut diagnostic = Diagnostic::error(Code::MigrationDiffers, format!("the program {what}"));
        diagnostic = match original {
            Some((span, _)) => {
                diagnostic.with_label(self.original_span(span), format!("the Dockerfile has `{original_text}`"))
            }
            None => diagnostic.with_label(Span::new(self.file, 0..0), "the Dockerfile has nothing there"),
        };
        diagnostic = match compiled {
            Some(index) if !compiled_text.is_empty() => diagnostic
                .with_secondary(self.program_span(Some(index)), format!("the program writes `{compiled_text}`")),
            Some(index) => {
                diagnostic.with_secondary(self.program_span(Some(index)), "the program writes nothing there")
            }
            None => diagnostic.with_secondary(self.program_span(None), "the program writes nothing there"),
        };
        self.diagnostics.push(diagnostic.with_help(
            "make the program say what the Dockerfile says (if `imgc migrate` wrote it, this is a bug: please report it)",
        ));
    }

    fn compare(&mut self, original: &Model, compiled: &Model) {
        let syntax_added = |m: &Model| m.directives.iter().any(|(n, v)| n == "syntax" && v == "docker/dockerfile:1");
        let mut compiled_directives = compiled.directives.clone();
        if !original.directives.iter().any(|(n, _)| n == "syntax") && syntax_added(compiled) {
            compiled_directives.retain(|(n, _)| n != "syntax");
        }
        if original.directives != compiled_directives {
            self.differs("has other parser directives", None, None, None);
        }
        self.steps(&original.args, &compiled.args, &[], "declares other build arguments");
        if original.stages.len() != compiled.stages.len() {
            self.differs(
                &format!("has {} stages where the Dockerfile has {}", compiled.stages.len(), original.stages.len()),
                None,
                None,
                None,
            );
            return;
        }
        for (o, c) in original.stages.iter().zip(&compiled.stages) {
            self.stage(o, c);
        }
    }

    fn stage(&mut self, o: &Stage, c: &Stage) {
        let base = |b: &Base| match b {
            Base::Image(word) => Base::Image(word.normalized()),
            other => other.clone(),
        };
        if base(&o.base) != base(&c.base) || o.platform != c.platform {
            self.differs("builds this stage on another base", Some((o.span, o.index)), Some(c.index), None);
            return;
        }
        if o.name != c.name {
            let name =
                |n: &Option<String>| n.as_ref().map_or("leaves it unnamed".to_string(), |n| format!("names it `{n}`"));
            let detail = format!("{} where the Dockerfile {}", name(&c.name), name(&o.name));
            self.differs(&detail, Some((o.span, o.index)), Some(c.index), None);
        }
        if !self.steps(&o.steps, &c.steps, &o.frontend, "has another step here") {
            return;
        }
        let keys: std::collections::BTreeSet<&String> = o.runtime_env.keys().chain(c.runtime_env.keys()).collect();
        for key in keys {
            let (in_original, in_compiled) = (o.runtime_env.get(key), c.runtime_env.get(key));
            if in_original.map(|(w, _)| w) == in_compiled.map(|(w, _)| w) {
                continue;
            }
            let value = |entry: Option<&(crate::dockerfile::words::Word, usize)>| {
                entry.map_or("nothing".to_string(), |(w, _)| format!("{key}={}", describe_word(w)))
            };
            let original_at = in_original.map_or((o.span, o.index), |(_, i)| (self.original.instructions[*i].span, *i));
            self.differs(
                &format!("gives the container's `{key}` another value"),
                Some(original_at),
                Some(in_compiled.map_or(c.index, |(_, i)| *i)),
                Some((value(in_original), value(in_compiled))),
            );
            return;
        }
    }

    /// Compares steps in order; `RUN` chains may stand split in the program. Reports the first
    /// difference and returns whether there was none.
    fn steps(&mut self, o: &[Step], c: &[Step], frontend: &[bool], what: &str) -> bool {
        let mut j = 0;
        for (i, step) in o.iter().enumerate() {
            let frontend_here = frontend.get(i).copied().unwrap_or(false);
            let consumed = match &step.norm {
                Norm::Run { flags, command: Command::Script(script) } => {
                    self.run_group(script, flags, &c[j.min(c.len())..], frontend_here)
                }
                norm => c.get(j).filter(|s| s.norm == *norm).map(|_| 1),
            };
            match consumed {
                Some(count) => j += count,
                None => {
                    let detail = match &step.norm {
                        Norm::Run { command: Command::Script(script), .. } => {
                            run_detail(script, c.get(j), frontend_here)
                        }
                        _ => None,
                    };
                    self.differs(what, Some((step.span, step.index)), c.get(j).map(|s| s.index), detail);
                    return false;
                }
            }
        }
        if let Some(extra) = c.get(j) {
            self.differs("has a step the Dockerfile does not have", None, Some(extra.index), None);
            return false;
        }
        true
    }

    /// How many of the program's steps, from the first of `c`, run what the original script
    /// runs: one equal step, or `RUN`s with the same flags whose commands, joined with `&&`, are
    /// the script's chain, split only after commands that leave no state behind.
    fn run_group(&self, script: &str, flags: &super::model::RunFlags, c: &[Step], frontend: bool) -> Option<usize> {
        let run_script = |step: &Step| match &step.norm {
            Norm::Run { flags: f, command: Command::Script(s) } if f == flags => Some(s.clone()),
            _ => None,
        };
        let first = run_script(c.first()?)?;
        if first == script {
            return Some(1);
        }
        // Scripts of several lines (here-documents, multi-line commands) compare as written.
        let single_line = |s: &str| !s.contains('\n');
        if !single_line(script) {
            return None;
        }
        let original = chain_of(script)?;
        let wanted = canonical_chain(&original, frontend);
        let mut commands: Vec<Vec<Token>> = Vec::new();
        for (count, step) in c.iter().enumerate() {
            let text = run_script(step)?;
            if !single_line(&text) {
                return None;
            }
            if count > 0 {
                // Merging steps back is exact only if the earlier ones leave no state behind.
                if !flags.mergeable() || !commands.iter().all(|c| shell::is_stateless(c)) {
                    return None;
                }
            }
            commands.extend(chain_of(&text)?);
            let got = canonical_chain(&commands, frontend);
            if got == wanted {
                return Some(count + 1);
            }
            if got.len() >= wanted.len() || wanted[..got.len()] != got[..] {
                return None;
            }
        }
        None
    }
}

/// The first command of a `RUN` chain that differs from the program's step: what each side runs
/// there.
fn run_detail(script: &str, step: Option<&Step>, frontend: bool) -> Option<(String, String)> {
    let Some(Step { norm: Norm::Run { command: Command::Script(other), .. }, .. }) = step else { return None };
    let wanted = canonical_chain(&chain_of(script)?, frontend);
    let got = canonical_chain(&chain_of(other)?, frontend);
    let at = wanted.iter().zip(&got).position(|(a, b)| a != b).unwrap_or(wanted.len().min(got.len()));
    // Within the command, start a few words before the first that differs.
    let word = match (wanted.get(at), got.get(at)) {
        (Some(a), Some(b)) => a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len())),
        _ => 0,
    };
    let from = word.saturating_sub(2);
    let show = |commands: &[Vec<String>]| match commands.get(at) {
        None => "nothing more".to_string(),
        Some(c) if from == 0 => short(&c.join(" ")),
        Some(c) => format!("… {}", short(&c[from.min(c.len())..].join(" "))),
    };
    Some((show(&wanted), show(&got)))
}

/// A word as the builder's text, variables as `${NAME}`.
fn describe_word(word: &crate::dockerfile::words::Word) -> String {
    word.0
        .iter()
        .map(|piece| match piece {
            crate::dockerfile::words::Piece::Literal(text) => text.clone(),
            crate::dockerfile::words::Piece::Variable(v) => format!("${{{}}}", v.name),
        })
        .collect()
}

/// A script's commands: its `&&` chain, or the script as one command.
fn chain_of(script: &str) -> Option<Vec<Vec<Token>>> {
    let tokens = shell::tokens(script)?;
    Some(shell::and_chain(&tokens).unwrap_or_else(|| vec![tokens]))
}

/// An instruction's text for a message: its first line, shortened.
fn short(text: &str) -> String {
    let line = text.trim();
    let shortened: String = line.chars().take(80).collect();
    if shortened.len() < line.len() { format!("{shortened}…") } else { shortened }
}
