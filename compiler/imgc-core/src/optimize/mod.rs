//! The optimizer: named passes over the IR that make the Dockerfile cheaper to rebuild without
//! changing the image it builds, each with its own switch, and a log of what they did.
//!
//! Passes run in the order of [`Pass::ALL`]. unused-stages runs first and makes the optimizer's
//! copy of the program (so a stage it drops is never cloned); each other pass is a
//! `fn(&mut Program, &mut Explain)` on that copy.
//! Lints are not a pass: they live in [`crate::lints`].

pub mod arg_placement;
pub mod env_placement;
pub mod explain;
pub mod merge_runs;
pub mod metadata;
pub mod path_lookup;
pub mod report;
pub mod unused_stages;
pub mod vars;

pub use explain::{Event, EventKind, Explain};

use crate::ir::{Instruction, Program};
use serde::Serialize;

/// An optimizer pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pass {
    UnusedStages,
    Metadata,
    EnvPlacement,
    ArgPlacement,
    MergeRuns,
}

impl Pass {
    /// Every pass, in the order they run: moves first, so that runs they bring together merge.
    pub const ALL: [Pass; 5] =
        [Pass::UnusedStages, Pass::Metadata, Pass::EnvPlacement, Pass::ArgPlacement, Pass::MergeRuns];

    /// The name used on the command line and in `imgc explain`.
    pub fn name(self) -> &'static str {
        match self {
            Pass::UnusedStages => "unused-stages",
            Pass::Metadata => "metadata",
            Pass::EnvPlacement => "env-placement",
            Pass::ArgPlacement => "arg-placement",
            Pass::MergeRuns => "merge-runs",
        }
    }

    pub fn from_name(name: &str) -> Option<Pass> {
        Pass::ALL.into_iter().find(|p| p.name() == name)
    }

    /// What it does, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Pass::UnusedStages => "drops stages the image does not use",
            Pass::Metadata => "puts labels, ports, commands and the stop signal after the last build step, grouped",
            Pass::EnvPlacement => "moves `env both` down to the first step that can see it, and groups adjacent ones",
            Pass::ArgPlacement => "declares each build argument just before its first use",
            Pass::MergeRuns => "joins consecutive shell-form runs with the same options into one RUN",
        }
    }
}

impl std::fmt::Display for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which passes run. The default runs all of them; [`Optimize::none`] is `-O0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Optimize {
    enabled: [bool; Pass::ALL.len()],
}

impl Default for Optimize {
    fn default() -> Optimize {
        Optimize { enabled: [true; Pass::ALL.len()] }
    }
}

impl Optimize {
    /// Every pass off: the Dockerfile has one instruction per step, in the order written.
    pub fn none() -> Optimize {
        Optimize { enabled: [false; Pass::ALL.len()] }
    }

    /// The same with `pass` turned on or off.
    pub fn with(mut self, pass: Pass, on: bool) -> Optimize {
        self.set(pass, on);
        self
    }

    pub fn set(&mut self, pass: Pass, on: bool) {
        self.enabled[pass as usize] = on;
    }

    pub fn is_enabled(&self, pass: Pass) -> bool {
        self.enabled[pass as usize]
    }

    /// The passes that run, in order.
    pub fn passes(&self) -> impl Iterator<Item = Pass> + '_ {
        Pass::ALL.into_iter().filter(|p| self.is_enabled(*p))
    }
}

/// Runs the enabled passes on a copy of the program.
pub fn optimize(program: &Program, options: &Optimize) -> (Program, Explain) {
    let mut explain = Explain::default();
    let mut program = if options.is_enabled(Pass::UnusedStages) {
        unused_stages::unused_stages(program, &mut explain)
    } else {
        program.clone()
    };
    for pass in options.passes() {
        match pass {
            Pass::UnusedStages => {} // made the copy above
            Pass::Metadata => metadata::metadata(&mut program, &mut explain),
            Pass::EnvPlacement => env_placement::env_placement(&mut program, &mut explain),
            Pass::ArgPlacement => arg_placement::arg_placement(&mut program, &mut explain),
            Pass::MergeRuns => merge_runs::merge_runs(&mut program, &mut explain),
        }
    }
    (program, explain)
}

/// Moves the instructions at `moving` (indices, ascending) so that each comes right before the
/// instruction at its target index (`instructions.len()` for the end), keeping their order.
/// Targets are indices into the list as it was, and each must be after its instruction.
fn place(instructions: &mut Vec<Instruction>, moving: &[(usize, usize)]) {
    let old = std::mem::take(instructions);
    let mut before: Vec<Vec<Instruction>> = (0..=old.len()).map(|_| Vec::new()).collect();
    let mut staying = Vec::new();
    for (index, instruction) in old.into_iter().enumerate() {
        match moving.iter().find(|(i, _)| *i == index) {
            Some((_, target)) => before[*target].push(instruction),
            None => staying.push((index, instruction)),
        }
    }
    for (index, instruction) in staying {
        instructions.append(&mut before[index]);
        instructions.push(instruction);
    }
    if let Some(last) = before.last_mut() {
        instructions.append(last);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::ir::Program;

    /// The IR of a program that must compile.
    pub fn program(source: &str) -> Program {
        let compilation = crate::compile_source("app.img", source, &crate::Options::default());
        assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        compilation.program.expect("compiles")
    }

    /// The Dockerfile lines of one stage, without its `FROM`.
    pub fn lines(program: &Program, stage: usize) -> Vec<String> {
        let emitted = crate::emit::dockerfile::emit_parts(program, crate::Target::Buildkit).expect("emits");
        emitted.stages[stage].instructions.iter().flatten().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_are_named_and_switched_one_by_one() {
        for pass in Pass::ALL {
            assert_eq!(Pass::from_name(pass.name()), Some(pass));
            assert!(Optimize::default().is_enabled(pass));
            assert!(!Optimize::none().is_enabled(pass));
        }
        let options = Optimize::default().with(Pass::MergeRuns, false);
        assert_eq!(options.passes().count(), Pass::ALL.len() - 1);
        assert!(!options.is_enabled(Pass::MergeRuns));
        assert_eq!(Pass::from_name("merge"), None);
    }

    #[test]
    fn no_pass_means_no_change() {
        let program = test_support::program(
            "image from \"busybox:1.35\" {\n    label \"a\" = \"1\"\n    run \"true\"\n    run \"true\"\n}\n",
        );
        let (optimized, explain) = optimize(&program, &Optimize::none());
        assert_eq!(optimized, program);
        assert!(explain.events().is_empty());
    }

    #[test]
    fn place_moves_instructions_before_their_targets_in_order() {
        use crate::ir::{InstructionKind, Text};
        let mut list: Vec<Instruction> = (0..5)
            .map(|i| {
                Instruction::new(
                    InstructionKind::Workdir(Text::code(i.to_string())),
                    Default::default(),
                    Default::default(),
                )
            })
            .collect();
        place(&mut list, &[(0, 3), (1, 3), (2, 5)]);
        let order: Vec<String> = list
            .iter()
            .map(|i| match &i.kind {
                InstructionKind::Workdir(t) => t.display(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, ["0", "1", "3", "4", "2"]);
    }
}
