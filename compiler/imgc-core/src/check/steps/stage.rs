//! The stage being elaborated: where a step comes from (`StepContext`) and the instructions it
//! has produced so far (`StageBuilder`), closed with the runtime env and the `ARG`
//! redeclarations the stage needs.

use crate::ir::{self, Command, CopySource, EnvScope, Instruction, InstructionKind, Text};
use crate::source::Span;
use crate::types::Type;
use std::collections::{BTreeMap, HashMap};

/// Where a step is being elaborated from.
#[derive(Debug, Clone, Copy)]
pub(in crate::check) struct StepContext {
    /// The outermost call in the compiled file, when inside a function.
    pub origin: Option<Span>,
    /// Inside `onbuild { … }`: every instruction is wrapped in `ONBUILD`.
    pub onbuild: bool,
}

/// Instructions of the stage being elaborated, and its runtime env (emitted once at the end).
#[derive(Default)]
pub(in crate::check) struct StageBuilder {
    instructions: Vec<Instruction>,
    pub(super) runtime_env: BTreeMap<String, Text>,
    pub(super) runtime_env_span: Option<(Span, Span)>,
    /// Names declared in the stage by `arg` or `env build`, which need no global `ARG`.
    pub(super) local_args: Vec<String>,
}

impl StageBuilder {
    /// A name the stage declares itself (`arg`, `env build`), which needs no global `ARG`.
    pub(super) fn declare_local_arg(&mut self, name: &str) {
        self.local_args.push(name.to_string());
    }

    pub(super) fn push(&mut self, kind: InstructionKind, span: Span, context: StepContext) {
        let kind = if context.onbuild { InstructionKind::OnBuild(Box::new(kind)) } else { kind };
        self.instructions.push(Instruction::new(kind, span, context.origin.unwrap_or(span)));
    }

    /// Closes the stage: runtime env after the last step, sorted; `ARG` redeclarations for the
    /// global build arguments the stage uses, at its start.
    pub(in crate::check) fn finish(
        mut self,
        global_args: &HashMap<String, Type>,
        _stage_span: Span,
    ) -> Vec<Instruction> {
        if let Some((span, origin)) = self.runtime_env_span {
            let vars: Vec<(String, Text)> = std::mem::take(&mut self.runtime_env).into_iter().collect();
            self.instructions.push(Instruction::new(
                InstructionKind::Env { scope: EnvScope::Runtime, vars },
                span,
                origin,
            ));
        }
        let mut used: Vec<(String, Span, Span)> = Vec::new();
        for instruction in &self.instructions {
            let mut names = Vec::new();
            collect_args(&instruction.kind, &mut names);
            for name in names {
                let global = (global_args.contains_key(&name)
                    || crate::literals::AUTOMATIC_ARGS.contains(&name.as_str()))
                    && !self.local_args.contains(&name);
                if global && !used.iter().any(|(n, _, _)| *n == name) {
                    used.push((name, instruction.span, instruction.origin));
                }
            }
        }
        let declarations = used.into_iter().map(|(name, span, origin)| {
            Instruction::new(InstructionKind::Arg(ir::ArgDef { name, default: None, span }), span, origin)
        });
        declarations.chain(self.instructions).collect()
    }
}

/// The build-argument names an instruction refers to.
fn collect_args(kind: &InstructionKind, out: &mut Vec<String>) {
    let mut texts: Vec<&Text> = Vec::new();
    let command_texts = |command: &'_ Command| -> Vec<Text> {
        match command {
            Command::Exec(words) | Command::Chain(words) => words.clone(),
            Command::Shell(text) => vec![text.clone()],
            Command::Heredoc(heredoc) => vec![heredoc.content.clone()],
        }
    };
    let mut owned: Vec<Text> = Vec::new();
    match kind {
        InstructionKind::Arg(def) => texts.extend(def.default.iter()),
        InstructionKind::Run(run) => {
            owned.extend(command_texts(&run.command));
            for mount in &run.mounts {
                texts.extend(mount.options.iter().map(|(_, v)| v));
            }
            texts.extend(run.devices.iter().map(|d| &d.name));
        }
        InstructionKind::Copy(copy) => {
            texts.extend(copy.sources.iter());
            texts.extend(copy.heredocs.iter().map(|h| &h.content));
            texts.push(&copy.dest);
            texts.extend(copy.chown.iter());
            texts.extend(copy.exclude.iter());
            if let Some(CopySource::Image(image)) = &copy.from {
                texts.push(image);
            }
        }
        InstructionKind::Env { vars, .. } | InstructionKind::Label(vars) => texts.extend(vars.iter().map(|(_, v)| v)),
        InstructionKind::Workdir(t)
        | InstructionKind::User(t)
        | InstructionKind::StopSignal(t)
        | InstructionKind::Maintainer(t) => texts.push(t),
        InstructionKind::Expose(list) | InstructionKind::Volume(list) => texts.extend(list.iter()),
        InstructionKind::Cmd(_) | InstructionKind::Entrypoint(_) | InstructionKind::Healthcheck(_) => {}
        InstructionKind::Shell(_) | InstructionKind::LayerBoundary => {}
        InstructionKind::OnBuild(inner) => collect_args(inner, out),
    }
    for text in texts.into_iter().chain(owned.iter()) {
        out.extend(text.args().map(str::to_string));
    }
}
