//! Lints: warnings (`W01xx`) that teach a better way, one rule a file; they change nothing. What a
//! step does on its own (a secret in `env`, `add` for `copy`, a write under a volume…) is judged
//! on the program as written. What depends on layers (an `apt-get update` apart from its install,
//! a cache left in a layer) is judged on the program the optimizer's default passes made, which
//! the caller gives: steps merged into one `RUN` are one layer, never reported as apart. Not an
//! optimizer pass: they never rewrite the IR.
//!
//! Must never depend on: the optimizer or the emitters.

mod add_for_copy;
mod apt_update_alone;
mod base_family;
mod base_tag;
mod foreign_package_manager;
mod package_cache;
mod root_at_end;
mod secret_value;
mod stage_runs;
mod stdlib_family;
mod undeclared_platform_arg;
mod volume_writes;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, InstructionKind, MountKind, Program, Run};
use crate::shell::script::SimpleCommand;
use crate::source::SourceMap;
use stage_runs::{RunRead, StageRuns};

/// Every warning for the program as written, and `emitted`, the same after the optimizer's
/// default passes.
pub fn lint(program: &Program, emitted: &Program, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for arg in &program.args {
        secret_value::secret_value(&arg.name, arg.default.as_ref(), arg.span, None, &mut out);
    }
    for (index, stage) in program.stages.iter().enumerate() {
        base_tag::base_tag(stage, sources, &mut out);
        for instruction in &stage.instructions {
            step(instruction, &mut out);
        }
        let runs = StageRuns::new(stage);
        volume_writes::volume_writes(program, index, &runs, &mut out);
        foreign_package_manager::foreign_package_manager(program, index, &runs, sources, &mut out);
        stdlib_family::stdlib_family(program, index, &runs, sources, &mut out);
        undeclared_platform_arg::undeclared_platform_arg(&runs, &mut out);
        if index == program.target {
            root_at_end::root_at_end(stage, &mut out);
        }
    }
    for (index, stage) in emitted.stages.iter().enumerate() {
        let runs = StageRuns::new(stage);
        apt_update_alone::apt_update_alone(&runs, &mut out);
        for (instruction, read) in runs.runs() {
            package_cache::package_cache(emitted, index, instruction, read, &mut out);
        }
    }
    out
}

fn step(instruction: &Instruction, out: &mut Vec<Diagnostic>) {
    match &instruction.kind {
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

fn mentions(read: &RunRead, name: &str, argument_prefix: &str) -> bool {
    read.commands().any(|c| c.name() == Some(name) && c.words.iter().any(|w| w.text.starts_with(argument_prefix)))
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
