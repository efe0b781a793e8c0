//! unused-stages: stages the image does not reach are left out. A stage is reached when it is
//! the image, the base of a reached stage, or the source of a `copy from` or a mount `from` in
//! one. BuildKit skips such stages by itself; classic builders and buildah build every stage.

use super::Pass;
use super::explain::{EventKind, Explain};
use crate::ir::{Base, CopySource, InstructionKind, Program, Stage, Text};

const PASS: Pass = Pass::UnusedStages;

/// The program with only the stages the image reaches, renumbered. It is the optimizer's copy of
/// the program: a stage it drops is never cloned.
pub fn unused_stages(program: &Program, explain: &mut Explain) -> Program {
    let reached = reached(program);
    let mut new_index = vec![None; program.stages.len()];
    let mut next = 0;
    for (old, keep) in reached.iter().enumerate() {
        if *keep {
            new_index[old] = Some(next);
            next += 1;
        }
    }
    let mut stages = Vec::with_capacity(next);
    for (old, stage) in program.stages.iter().enumerate() {
        if !reached[old] {
            explain.record(
                PASS,
                stage,
                EventKind::Dropped,
                vec![stage.span],
                format!(
                    "stage `{}` dropped: the image does not use it (it is no base, and nothing copies or mounts from it)",
                    super::explain::stage_label(stage)
                ),
            );
            continue;
        }
        let mut stage = stage.clone();
        if let Base::Stage(base) = &mut stage.base {
            *base = new_index[*base].unwrap_or(*base);
        }
        for instruction in &mut stage.instructions {
            renumber(&mut instruction.kind, &new_index);
        }
        stages.push(stage);
    }
    Program {
        args: program.args.clone(),
        stages,
        target: new_index[program.target].unwrap_or(0),
        directives: program.directives.clone(),
        source_name: program.source_name.clone(),
    }
}

fn renumber(kind: &mut InstructionKind, new_index: &[Option<usize>]) {
    match kind {
        InstructionKind::Copy(copy) => {
            if let Some(CopySource::Stage(index)) = &mut copy.from {
                *index = new_index[*index].unwrap_or(*index);
            }
        }
        InstructionKind::Run(run) => {
            // An unnamed stage is mounted by its index, which moves with the stages dropped.
            for (key, value) in run.mounts.iter_mut().flat_map(|m| m.options.iter_mut()) {
                let old = value.as_literal().and_then(|v| v.parse::<usize>().ok());
                if let Some(new) = old.filter(|_| key == "from").and_then(|old| new_index.get(old).copied().flatten()) {
                    *value = Text::value(new.to_string());
                }
            }
        }
        InstructionKind::OnBuild(inner) => renumber(inner, new_index),
        _ => {}
    }
}

/// For each stage, whether the target reaches it.
fn reached(program: &Program) -> Vec<bool> {
    let mut reached = vec![false; program.stages.len()];
    let mut pending = vec![program.target];
    while let Some(index) = pending.pop() {
        let Some(stage) = program.stages.get(index) else { continue };
        if std::mem::replace(&mut reached[index], true) {
            continue;
        }
        pending.extend(uses(program, stage));
    }
    reached
}

/// The stages one stage uses directly.
fn uses(program: &Program, stage: &Stage) -> Vec<usize> {
    let mut out = Vec::new();
    if let Base::Stage(base) = stage.base {
        out.push(base);
    }
    for instruction in &stage.instructions {
        match &instruction.kind {
            InstructionKind::Copy(copy) => {
                if let Some(CopySource::Stage(index)) = copy.from {
                    out.push(index);
                }
            }
            InstructionKind::Run(run) => {
                // A mount names its stage (BuildKit takes a stage of that name before an image),
                // or gives an unnamed one's index.
                for (key, value) in run.mounts.iter().flat_map(|m| m.options.iter()) {
                    let Some(literal) = value.as_literal().filter(|_| key == "from") else { continue };
                    let named = |s: &Stage| s.dockerfile_name.as_deref() == Some(literal.as_str());
                    match literal.parse::<usize>() {
                        Ok(index) if index < program.stages.len() => out.push(index),
                        _ => out.extend(program.stages.iter().position(named)),
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::program;
    use super::*;

    #[test]
    fn stages_the_image_does_not_reach_are_dropped_and_references_renumbered() {
        let program = program(
            "stage unused from \"busybox:1.35\" {\n    run \"true\"\n}\n\
             stage base from \"busybox:1.35\" {\n    run \"touch /a\"\n}\n\
             stage files from \"busybox:1.35\" {\n    run \"touch /b\"\n}\n\
             stage mounted from \"busybox:1.35\" {\n    run \"touch /c\"\n}\n\
             image from base {\n    copy from files \"/b\" to \"/b\"\n    run \"cat /m/c\" bind \"/m\" (from: mounted, source: \"/\")\n}\n",
        );
        let mut explain = Explain::default();
        let program = unused_stages(&program, &mut explain);
        let names: Vec<_> = program.stages.iter().map(|s| s.name.clone().unwrap_or_default()).collect();
        assert_eq!(names, ["base", "files", "mounted", ""]);
        assert_eq!(program.target, 3);
        assert_eq!(program.stages[3].base, Base::Stage(0));
        assert!(matches!(&program.stages[3].instructions[0].kind,
            InstructionKind::Copy(c) if c.from == Some(CopySource::Stage(1))));
        assert_eq!(explain.events().len(), 1);
        assert_eq!(explain.events()[0].stage, "unused");
        assert_eq!(explain.events()[0].kind, EventKind::Dropped);
    }

    #[test]
    fn a_program_whose_stages_are_all_used_is_unchanged() {
        let source = "stage build from \"busybox:1.35\" {\n    run \"touch /a\"\n}\nimage from scratch {\n    copy from build \"/a\" to \"/a\"\n}\n";
        let written = program(source);
        assert_eq!(unused_stages(&written, &mut Explain::default()), written);
    }

    #[test]
    fn an_unnamed_stage_mounted_by_index_keeps_its_mount_when_earlier_stages_go() {
        let program = program(
            "stage unused from \"busybox:1.35\" {\n    run \"true\"\n}\n\
             stage tools from \"busybox:1.35\" as none {\n    run \"touch /c\"\n}\n\
             image from \"busybox:1.35\" {\n    run \"cat /m/c\" bind \"/m\" (from: tools, source: \"/\")\n}\n",
        );
        let from = |program: &Program| match &program.stages.last().map(|s| &s.instructions[0].kind) {
            Some(InstructionKind::Run(run)) => {
                run.mounts[0].options.iter().find(|(k, _)| k == "from").map(|(_, v)| v.clone())
            }
            _ => None,
        };
        assert_eq!(from(&program), Some(Text::value("1")));
        let program = unused_stages(&program, &mut Explain::default());
        assert_eq!(program.stages.len(), 2);
        assert_eq!(program.stages[0].dockerfile_name, None);
        assert_eq!(from(&program), Some(Text::value("0")));
    }
}
