//! arg-placement: each `ARG` of a stage is declared just before the first instruction that uses
//! it. Builders treat every `RUN` after an `ARG` as depending on its value, so a declaration at
//! the top of a stage makes a new value re-run the whole stage; declared late, only what follows.
//!
//! A use is an interpolated build argument, a `$name` the builder expands, a `$name` a `RUN`'s
//! shell expands (read with the shell tokenizer; a command it cannot read counts as a use), or
//! an instruction that sets the same name. The global arguments' redeclarations, which imgc
//! writes itself, may move into a `layer` block; an `arg` written in the stage does not cross
//! a `layer` edge.

use super::Pass;
use super::explain::{EventKind, Explain};
use super::{place, vars};
use crate::ir::{Command, InstructionKind, Program, Stage};
use crate::shell;
use crate::shell::script;

const PASS: Pass = Pass::ArgPlacement;

pub fn arg_placement(program: &mut Program, explain: &mut Explain) {
    let globals: Vec<String> = program.args.iter().map(|a| a.name.clone()).collect();
    for stage in &mut program.stages {
        place_stage(stage, &globals, explain);
    }
}

/// Whether the instruction needs the build argument `name` declared before it.
fn uses(kind: &InstructionKind, name: &str) -> bool {
    match kind {
        InstructionKind::Run(run) => {
            let texts = match &run.command {
                Command::Shell(text) => vec![text],
                Command::Chain(texts) => texts.iter().collect(),
                Command::Exec(words) => return words.iter().any(|w| w.args().any(|a| a == name)),
                // A here-document's program may read any variable of its environment.
                Command::Heredoc(_) => return true,
            };
            let in_mounts = run.mounts.iter().flat_map(|m| &m.options).any(|(_, v)| v.args().any(|a| a == name));
            in_mounts
                || texts.into_iter().any(|text| match script::read(&shell::render(text)) {
                    Ok(script) => script.lexed.parameters.contains(name) || script.lexed.indirect_expansion,
                    Err(_) => true,
                })
        }
        InstructionKind::OnBuild(inner) => uses(inner, name),
        _ => vars::reads(kind).any_of([name]) || vars::sets(kind).contains(&name),
    }
}

fn place_stage(stage: &mut Stage, globals: &[String], explain: &mut Explain) {
    let list = &stage.instructions;
    let candidates: Vec<usize> = (0..list.len()).filter(|i| matches!(list[*i].kind, InstructionKind::Arg(_))).collect();
    // For each candidate, the index it goes before (itself when it stays).
    let mut target_of = vec![0; list.len()];
    let mut moving = Vec::new();
    for &candidate in candidates.iter().rev() {
        let InstructionKind::Arg(def) = &list[candidate].kind else { continue };
        let generated = def.default.is_none() && globals.contains(&def.name);
        let mut target = list.len();
        let mut edge = false;
        for (index, instruction) in list.iter().enumerate().skip(candidate + 1) {
            if candidates.contains(&index) {
                if uses(&instruction.kind, &def.name) {
                    target = target_of[index];
                    break;
                }
                continue;
            }
            if !generated && matches!(instruction.kind, InstructionKind::LayerBoundary) {
                target = index;
                edge = true;
                break;
            }
            if uses(&instruction.kind, &def.name) {
                target = index;
                break;
            }
        }
        let passed = (candidate + 1..target).filter(|i| !candidates.contains(i)).count();
        if passed == 0 {
            target_of[candidate] = candidate;
            continue;
        }
        target_of[candidate] = target;
        moving.push((candidate, target));
        let origin = list[candidate].origin;
        let (steps, message) = match list.get(target) {
            None => (
                vec![origin],
                format!("ARG {} moved to the end of the stage: nothing in it uses the argument", def.name),
            ),
            Some(next) if edge => (
                vec![origin, next.origin],
                format!(
                    "ARG {} moved past {passed} step(s), up to the edge of a `layer` block, which a step written in it does not cross",
                    def.name
                ),
            ),
            Some(next) => (
                vec![origin, next.origin],
                format!(
                    "ARG {} moved past {passed} step(s) to just before its first use: a new value re-runs only the steps from there",
                    def.name
                ),
            ),
        };
        explain.record(PASS, stage, EventKind::Moved, steps, message);
    }
    moving.sort_unstable();
    place(&mut stage.instructions, &moving);
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lines, program};
    use super::*;

    fn optimized(source: &str) -> (Vec<String>, Explain) {
        let mut program = program(source);
        let mut explain = Explain::default();
        arg_placement(&mut program, &mut explain);
        let target = program.target;
        (lines(&program, target), explain)
    }

    #[test]
    fn global_arguments_are_declared_before_their_first_use() {
        let (lines, explain) = optimized(
            "arg version = \"1\"\narg other = \"2\"\nimage from \"busybox:1.35\" {\n    run \"apk --version\"\n    copy \"x\" to \"/x\"\n    run \"echo ${version} ${other}\"\n    label \"v\" = version\n}\n",
        );
        assert_eq!(
            lines,
            [
                "RUN apk --version",
                "COPY x /x",
                "ARG version",
                "ARG other",
                "RUN echo \"${version}\" \"${other}\"",
                "LABEL v=\"${version}\""
            ]
        );
        assert_eq!(explain.events().len(), 2);
        assert!(explain.events().iter().all(|e| e.kind == EventKind::Moved));
    }

    #[test]
    fn a_shell_reference_counts_as_a_use() {
        let (lines, _) = optimized(
            "image from \"busybox:1.35\" {\n    arg mode = \"fast\"\n    run \"true\"\n    run \"echo $mode\"\n}\n",
        );
        assert_eq!(lines, ["RUN true", "ARG mode=\"fast\"", "RUN echo $mode"]);
    }

    #[test]
    fn stage_arguments_do_not_cross_a_layer_edge_but_redeclarations_do() {
        let (lines, _) = optimized(
            "arg g = \"1\"\nimage from \"busybox:1.35\" {\n    arg local = \"2\"\n    run \"true\"\n    layer {\n        run \"echo ${g} ${local}\"\n    }\n}\n",
        );
        assert_eq!(lines, ["RUN true", "ARG local=\"2\"", "ARG g", "RUN echo \"${g}\" \"${local}\""]);
    }

    #[test]
    fn an_unused_argument_goes_to_the_end_and_a_used_one_stays() {
        let (lines, _) = optimized(
            "image from \"busybox:1.35\" {\n    arg unused = \"1\"\n    run \"true\"\n    copy \"x\" to \"/x\"\n}\n",
        );
        assert_eq!(lines, ["RUN true", "COPY x /x", "ARG unused=\"1\""]);
        let (lines, explain) = optimized("arg v = \"1\"\nimage from \"busybox:1.35\" {\n    run \"echo ${v}\"\n}\n");
        assert_eq!(lines, ["ARG v", "RUN echo \"${v}\""]);
        assert!(explain.events().is_empty());
    }
}
