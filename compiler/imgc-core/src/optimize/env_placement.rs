//! env-placement: an `env both` (Dockerfile `ENV`) moves down, past steps that cannot see it, to
//! just before the first step that can, so that changing its value re-runs fewer steps; then
//! adjacent ones are grouped into one `ENV`.
//!
//! It never moves past a `RUN` (its shell sees every variable), a step that expands one of its
//! variables (`COPY`, `WORKDIR`, `USER`, `LABEL`, `EXPOSE`, `VOLUME`, `STOPSIGNAL`, `ARG` and
//! `ENV` values), a step that sets one of its variables or one its values expand, a `layer`
//! edge, or the stage's runtime `ENV`. It is grouped with the `ENV` before it only when none of
//! its values expands a variable that one sets: one `ENV` instruction expands with the old values.

use super::Pass;
use super::explain::{EventKind, Explain};
use super::vars::{self, Reads};
use crate::ir::{EnvScope, Instruction, InstructionKind, Program, Stage};

const PASS: Pass = Pass::EnvPlacement;

pub fn env_placement(program: &mut Program, explain: &mut Explain) {
    for stage in &mut program.stages {
        sink(stage, explain);
        group(stage, explain);
    }
}

fn is_both(kind: &InstructionKind) -> bool {
    matches!(kind, InstructionKind::Env { scope: EnvScope::Both, .. })
}

/// Why `env` cannot move past `next`, if it cannot.
fn barrier(env: &InstructionKind, next: &InstructionKind) -> Option<String> {
    let sets = vars::sets(env);
    let reads = vars::reads(env);
    match next {
        InstructionKind::Run(_) => return Some("the `RUN` after it sees every variable".into()),
        InstructionKind::LayerBoundary => return Some("no step moves across the edge of a `layer` block".into()),
        InstructionKind::Env { scope: EnvScope::Runtime, .. } => {
            return Some("the runtime `ENV` ends the stage".into());
        }
        _ if is_both(next) => return Some("another `ENV` follows, and these keep their order".into()),
        _ => {}
    }
    let next_reads = vars::reads(next);
    if next_reads.any_of(sets.iter().copied()) {
        let what = match &next_reads {
            Reads::Everything => "variables imgc cannot list".to_string(),
            names => names.describe(&sets),
        };
        return Some(format!("the `{}` after it expands {what}", next.keyword()));
    }
    let next_sets = vars::sets(next);
    if next_sets.iter().any(|n| sets.contains(n)) {
        return Some(format!("the `{}` after it sets the same variable", next.keyword()));
    }
    if !next_sets.is_empty() && reads.any_of(next_sets.iter().copied()) {
        return Some(format!("its value expands a variable that the `{}` after it sets", next.keyword()));
    }
    None
}

fn sink(stage: &mut Stage, explain: &mut Explain) {
    let mut list = std::mem::take(&mut stage.instructions);
    for start in (0..list.len()).rev() {
        if !is_both(&list[start].kind) {
            continue;
        }
        let mut at = start;
        let mut stop = None;
        while let Some(next) = list.get(at + 1) {
            if let Some(reason) = barrier(&list[at].kind, &next.kind) {
                stop = Some((at + 1, reason));
                break;
            }
            list.swap(at, at + 1);
            at += 1;
        }
        let origin = list[at].origin;
        let moved = at - start;
        match stop {
            _ if moved == 0 => {}
            None => explain.record(
                PASS,
                stage,
                EventKind::Moved,
                vec![origin],
                format!("ENV moved past {moved} step(s) that cannot see it, to the end of the stage"),
            ),
            Some((blocker, reason)) => explain.record(
                PASS,
                stage,
                EventKind::Moved,
                vec![origin, list[blocker].origin],
                format!("ENV moved past {moved} step(s) that cannot see it, to just before the next one: {reason}"),
            ),
        }
    }
    stage.instructions = list;
}

fn group(stage: &mut Stage, explain: &mut Explain) {
    let list = std::mem::take(&mut stage.instructions);
    let mut out: Vec<Instruction> = Vec::new();
    for instruction in list {
        let previous = out.last_mut().filter(|p| is_both(&p.kind) && is_both(&instruction.kind));
        let Some(previous) = previous else {
            out.push(instruction);
            continue;
        };
        let set = vars::sets(&previous.kind);
        let reads = vars::reads(&instruction.kind);
        if reads.any_of(set.iter().copied()) {
            explain.record(
                PASS,
                stage,
                EventKind::Refused,
                vec![instruction.origin, previous.origin],
                format!(
                    "not grouped with the ENV before it: its value expands {}, which that ENV sets (one ENV expands with the old values)",
                    match &reads {
                        Reads::Everything => "variables imgc cannot list".to_string(),
                        names => names.describe(&set),
                    }
                ),
            );
            out.push(instruction);
            continue;
        }
        if let (InstructionKind::Env { vars: into, .. }, InstructionKind::Env { vars, .. }) =
            (&mut previous.kind, instruction.kind)
        {
            into.extend(vars);
        }
        previous.merged.push(instruction.origin);
        previous.merged.extend(instruction.merged);
    }
    for instruction in &out {
        if is_both(&instruction.kind) && !instruction.merged.is_empty() {
            let origins: Vec<_> = instruction.origins().collect();
            explain.record(
                PASS,
                stage,
                EventKind::Grouped,
                origins.clone(),
                format!("{} adjacent `env both` steps written as one ENV", origins.len()),
            );
        }
    }
    stage.instructions = out;
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lines, program};
    use super::*;

    fn optimized(body: &str) -> (Vec<String>, Explain) {
        let mut program = program(&format!("image from \"busybox:1.35\" {{\n{body}\n}}\n"));
        let mut explain = Explain::default();
        env_placement(&mut program, &mut explain);
        (lines(&program, 0), explain)
    }

    #[test]
    fn env_moves_down_to_the_first_step_that_sees_it() {
        let (lines, explain) = optimized(
            "env both { A = \"1\" }\ncopy \"x\" to \"/x\"\nworkdir \"/w\"\nrun \"echo $A\"\ncopy \"y\" to \"/y\"",
        );
        assert_eq!(lines, ["COPY x /x", "WORKDIR /w", "ENV A=\"1\"", "RUN echo $A", "COPY y /y"]);
        assert_eq!(explain.events()[0].kind, EventKind::Moved);
        assert!(explain.events()[0].message.contains("`RUN`"));
    }

    #[test]
    fn env_stops_before_a_step_that_expands_it() {
        let (lines, _) =
            optimized("env both { DIR = \"/app\" }\ncopy \"x\" to \"/x\"\nworkdir raw(\"$DIR\")\nrun \"true\"");
        assert_eq!(lines, ["COPY x /x", "ENV DIR=\"/app\"", "WORKDIR $DIR", "RUN true"]);
    }

    #[test]
    fn adjacent_envs_group_unless_a_value_expands_an_earlier_one() {
        let (lines, explain) =
            optimized("env both { A = \"1\" }\nenv both { B = \"2\" }\nenv both { C = raw(\"$A-x\") }\nrun \"true\"");
        assert_eq!(lines, ["ENV A=\"1\" \\\n    B=\"2\"", "ENV C=\"$A-x\"", "RUN true"]);
        assert!(explain.events().iter().any(|e| e.kind == EventKind::Refused && e.message.contains("`$A`")));
        assert!(explain.events().iter().any(|e| e.kind == EventKind::Grouped));
    }

    #[test]
    fn env_without_any_observer_ends_before_the_runtime_env() {
        let (lines, _) = optimized(
            "run \"true\"\nenv both { A = \"1\" }\ncopy \"x\" to \"/x\"\nlabel \"l\" = \"v\"\nenv { R = \"1\" }",
        );
        assert_eq!(lines, ["RUN true", "COPY x /x", "LABEL l=\"v\"", "ENV A=\"1\"", "ENV R=\"1\""]);
        let (lines, _) = optimized("env both { A = \"1\" }\nenv build { B = raw(\"$A\") }\nrun \"true\"");
        assert_eq!(lines, ["ENV A=\"1\"", "RUN export B=\"$A\"; true"]);
    }
}
