//! Lints: warnings (`W01xx`) about the program as written that teach a better way, one rule a
//! file. They read the checked program before any pass, so they are the same at every
//! optimization level, and change nothing. Not an optimizer pass: they never rewrite the IR.
//!
//! Must never depend on: the optimizer or the emitters.

mod add_for_copy;
mod apt_update_alone;
mod base_tag;
mod package_cache;
mod root_at_end;
mod secret_value;
mod volume_writes;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Command, Instruction, InstructionKind, MountKind, Program, Run, Text};
use crate::shell;
use crate::shell::script::{self, Script, SimpleCommand};
use crate::source::SourceMap;

/// Every warning for the program.
pub fn lint(program: &Program, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for arg in &program.args {
        secret_value::secret_value(&arg.name, arg.default.as_ref(), arg.span, None, &mut out);
    }
    for (index, stage) in program.stages.iter().enumerate() {
        base_tag::base_tag(stage, sources, &mut out);
        apt_update_alone::apt_update_alone(stage, &mut out);
        for instruction in &stage.instructions {
            step(instruction, &mut out);
        }
        volume_writes::volume_writes(stage, &mut out);
        if index == program.target {
            root_at_end::root_at_end(stage, &mut out);
        }
    }
    out
}

fn step(instruction: &Instruction, out: &mut Vec<Diagnostic>) {
    match &instruction.kind {
        InstructionKind::Run(run) => package_cache::package_cache(instruction, run, out),
        InstructionKind::Env { vars, .. } => {
            for (name, value) in vars {
                secret_value::secret_value(name, Some(value), instruction.span, Some(instruction), out);
            }
        }
        InstructionKind::Arg(def) if def.default.is_some() => {
            secret_value::secret_value(&def.name, def.default.as_ref(), instruction.span, Some(instruction), out);
        }
        InstructionKind::Copy(copy) if copy.is_add => add_for_copy::add_for_copy(instruction, copy, out),
        _ => {}
    }
}

/// A warning at a step, pointing also at the call it came from.
pub(super) fn at(code: Code, instruction: &Instruction, message: String, label: &str, help: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::warning(code, message).with_label(instruction.span, label).with_help(help);
    if instruction.origin != instruction.span {
        diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
    }
    diagnostic
}

/// The simple commands of a run, exec form included; `None` when it cannot be read.
pub(super) fn commands(run: &Run) -> Vec<SimpleCommand> {
    let texts = match &run.command {
        Command::Exec(words) => {
            let words = words.iter().map(|w| shell::render(&Text::value(w.display()))).collect::<Vec<_>>();
            return script::read(&words.join(" ")).map(|s| s.commands).unwrap_or_default();
        }
        Command::Shell(text) => vec![text],
        Command::Chain(texts) => texts.iter().collect(),
        // A here-document is a script of its own interpreter.
        Command::Heredoc(_) => return Vec::new(),
    };
    texts.into_iter().filter_map(|t| script::read(&shell::render(t)).ok()).flat_map(|s: Script| s.commands).collect()
}

/// The first argument that is not an option.
pub(super) fn subcommand(command: &SimpleCommand) -> Option<&str> {
    command.arguments().flatten().find(|a| !a.starts_with('-'))
}

pub(super) fn is_apt(command: &SimpleCommand, action: &str) -> bool {
    matches!(command.name(), Some("apt-get" | "apt")) && subcommand(command) == Some(action)
}

pub(super) fn has_cache_mount(run: &Run, target: &str) -> bool {
    run.mounts.iter().any(|m| {
        m.kind == MountKind::Cache
            && m.options.iter().any(|(k, v)| k == "target" && v.as_literal().is_some_and(|t| t.starts_with(target)))
    })
}

pub(super) fn mentions(commands: &[SimpleCommand], name: &str, argument_prefix: &str) -> bool {
    commands.iter().any(|c| c.name() == Some(name) && c.words.iter().any(|w| w.text.starts_with(argument_prefix)))
}

#[cfg(test)]
mod test_support {
    pub(super) fn codes(source: &str) -> Vec<&'static str> {
        let compilation = crate::compile_source("app.img", source, &crate::Options::default());
        assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        compilation.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    pub(super) fn image(body: &str) -> String {
        format!("image from \"debian:bookworm-slim\" {{\n{body}\n}}\n")
    }
}
