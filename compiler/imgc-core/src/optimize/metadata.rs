//! metadata: `LABEL`, `EXPOSE`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK` and `STOPSIGNAL` move after
//! the last build step of their stage, and labels and ports that end up side by side are written
//! as one instruction each. Build steps cannot see any of them, so the image is the same, and
//! editing one re-runs no build step. The other metadata goes before the runtime `ENV`, labels
//! after it, last: labels hold versions and revisions, which change more often than anything
//! else, and a builder re-runs every instruction after the one that changed.
//!
//! They keep their order among themselves, and do not move past: a `layer` block edge; a step
//! that sets a variable their value expands (`LABEL v=$VERSION` before `ENV VERSION=…`); a
//! `SHELL`, for a shell-form command, which runs in the shell in effect where it is written.
//! `VOLUME` never moves: a builder discards what later steps write under a volume.

use super::Pass;
use super::explain::{EventKind, Explain};
use super::vars::{self, Reads};
use crate::ir::{Command, EnvScope, Instruction, InstructionKind, Program, Stage};

const PASS: Pass = Pass::Metadata;

pub fn metadata(program: &mut Program, explain: &mut Explain) {
    for stage in &mut program.stages {
        sink(stage, explain);
        labels_last(stage, explain);
        group(stage, explain);
    }
}

fn is_metadata(kind: &InstructionKind) -> bool {
    matches!(
        kind,
        InstructionKind::Label(_)
            | InstructionKind::Expose(_)
            | InstructionKind::Cmd(_)
            | InstructionKind::Entrypoint(_)
            | InstructionKind::Healthcheck(_)
            | InstructionKind::StopSignal(_)
    )
}

/// A step metadata moves past: everything but metadata, the runtime env and layer edges.
fn is_build_step(kind: &InstructionKind) -> bool {
    !is_metadata(kind)
        && !matches!(kind, InstructionKind::Env { scope: EnvScope::Runtime, .. } | InstructionKind::LayerBoundary)
}

/// A shell-form command, whose meaning depends on the `SHELL` in effect.
fn shell_command(kind: &InstructionKind) -> bool {
    match kind {
        InstructionKind::Cmd(command) | InstructionKind::Entrypoint(command) => vars::uses_shell(command),
        InstructionKind::Healthcheck(Some(health)) => !matches!(health.command, Command::Exec(_)),
        _ => false,
    }
}

/// Why `moving` cannot go past `next`, a build step, if it cannot.
fn barrier(moving: &InstructionKind, next: &InstructionKind) -> Option<String> {
    if matches!(next, InstructionKind::Shell(_)) && shell_command(moving) {
        return Some("it is in shell form, and the `shell` step after it changes the shell that would run it".into());
    }
    let set = vars::sets(next);
    let reads = vars::reads(moving);
    if !set.is_empty() && reads.any_of(set.iter().copied()) {
        let what = match &reads {
            Reads::Everything => "variables imgc cannot list".to_string(),
            names => names.describe(&set),
        };
        return Some(format!("it expands {what}, which the `{}` after it sets", next.keyword()));
    }
    None
}

fn sink(stage: &mut Stage, explain: &mut Explain) {
    let mut list = std::mem::take(&mut stage.instructions);
    for start in (0..list.len()).rev() {
        if !is_metadata(&list[start].kind) {
            continue;
        }
        let mut at = start;
        let mut stop: Option<(usize, String)> = None;
        while let Some(next) = list.get(at + 1) {
            if !is_build_step(&next.kind) {
                if list[at + 1..].iter().any(|i| is_build_step(&i.kind)) {
                    let reason = match &next.kind {
                        InstructionKind::LayerBoundary => "no step moves across the edge of a `layer` block".into(),
                        _ => "the instruction after it stays there, and these keep their order".into(),
                    };
                    stop = Some((at + 1, reason));
                }
                break;
            }
            if let Some(reason) = barrier(&list[at].kind, &next.kind) {
                stop = Some((at + 1, reason));
                break;
            }
            list.swap(at, at + 1);
            at += 1;
        }
        let keyword = list[at].kind.keyword();
        let origin = list[at].origin;
        match stop {
            None if at > start => explain.record(
                PASS,
                stage,
                EventKind::Moved,
                vec![origin],
                format!(
                    "{keyword} moved after the last build step: build steps cannot see it, so editing it re-runs none"
                ),
            ),
            None => {}
            Some((blocker, reason)) => {
                let moved =
                    if at > start { format!("{keyword} moved down, but not") } else { format!("{keyword} not moved") };
                explain.record(
                    PASS,
                    stage,
                    EventKind::Refused,
                    vec![origin, list[blocker].origin],
                    format!("{moved} past the step after it: {reason}"),
                );
            }
        }
    }
    stage.instructions = list;
}

/// Moves the labels among the instructions after the last build step to the end of the stage,
/// past the other metadata and the runtime env, unless a variable they expand is set there.
fn labels_last(stage: &mut Stage, explain: &mut Explain) {
    let mut list = std::mem::take(&mut stage.instructions);
    let tail = list.iter().rposition(|i| is_build_step(&i.kind) || matches!(i.kind, InstructionKind::LayerBoundary));
    let tail = tail.map_or(0, |last| last + 1);
    for start in (tail..list.len()).rev() {
        if !matches!(list[start].kind, InstructionKind::Label(_)) {
            continue;
        }
        let mut at = start;
        let mut stop = None;
        while at + 1 < list.len() && !matches!(list[at + 1].kind, InstructionKind::Label(_)) {
            if let Some(reason) = barrier(&list[at].kind, &list[at + 1].kind) {
                stop = Some((at + 1, reason));
                break;
            }
            list.swap(at, at + 1);
            at += 1;
        }
        let origin = list[at].origin;
        match stop {
            Some((blocker, reason)) => explain.record(
                PASS,
                stage,
                EventKind::Refused,
                vec![origin, list[blocker].origin],
                format!("LABEL not moved to the end of the stage: {reason}"),
            ),
            None if at > start => explain.record(
                PASS,
                stage,
                EventKind::Moved,
                vec![origin],
                "LABEL moved to the end of the stage: labels (versions, revisions) change most often, \
                 and editing the last instruction re-runs only itself",
            ),
            None => {}
        }
    }
    stage.instructions = list;
}

/// Writes the labels, and the ports, of each run of adjacent metadata as one instruction.
fn group(stage: &mut Stage, explain: &mut Explain) {
    let list = std::mem::take(&mut stage.instructions);
    let mut out: Vec<Instruction> = Vec::new();
    // Where the current run of metadata starts in `out`.
    let mut run_start = 0;
    for instruction in list {
        if !is_metadata(&instruction.kind) {
            out.push(instruction);
            run_start = out.len();
            continue;
        }
        let same_kind = out[run_start..].iter_mut().find(|i| {
            matches!(
                (&i.kind, &instruction.kind),
                (InstructionKind::Label(_), InstructionKind::Label(_))
                    | (InstructionKind::Expose(_), InstructionKind::Expose(_))
            )
        });
        match (same_kind, instruction.kind) {
            (Some(into), InstructionKind::Label(vars)) => {
                if let InstructionKind::Label(existing) = &mut into.kind {
                    existing.extend(vars);
                }
                into.merged.push(instruction.origin);
                into.merged.extend(instruction.merged);
            }
            (Some(into), InstructionKind::Expose(ports)) => {
                if let InstructionKind::Expose(existing) = &mut into.kind {
                    for port in ports {
                        if !existing.contains(&port) {
                            existing.push(port);
                        }
                    }
                }
                into.merged.push(instruction.origin);
                into.merged.extend(instruction.merged);
            }
            (_, kind) => out.push(Instruction { kind, ..instruction }),
        }
    }
    for instruction in &out {
        if !instruction.merged.is_empty()
            && matches!(instruction.kind, InstructionKind::Label(_) | InstructionKind::Expose(_))
        {
            let origins: Vec<_> = instruction.origins().collect();
            explain.record(
                PASS,
                stage,
                EventKind::Grouped,
                origins.clone(),
                format!("{} {} steps written as one instruction", origins.len(), instruction.kind.keyword()),
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
        metadata(&mut program, &mut explain);
        (lines(&program, 0), explain)
    }

    #[test]
    fn metadata_goes_after_the_last_build_step_in_order_and_grouped() {
        let (lines, explain) = optimized(
            "label \"a\" = \"1\"\nexpose 80\ncmd [\"sh\"]\nrun \"true\"\nlabel \"b\" = \"2\"\ncopy \"x\" to \"/x\"\nexpose 443\nenv { A = \"1\" }",
        );
        assert_eq!(
            lines,
            [
                "RUN true",
                "COPY x /x",
                "EXPOSE 80/tcp 443/tcp",
                "CMD [\"sh\"]",
                "ENV A=\"1\"",
                "LABEL a=\"1\" \\\n      b=\"2\""
            ]
        );
        let kinds: Vec<EventKind> = explain.events().iter().map(|e| e.kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == EventKind::Moved).count(), 6);
        assert_eq!(kinds.iter().filter(|k| **k == EventKind::Grouped).count(), 2);
    }

    #[test]
    fn a_label_that_expands_a_variable_stays_before_the_step_that_sets_it() {
        let (lines, explain) =
            optimized("env both { V = \"1\" }\nlabel \"v\" = raw(\"$V\")\nenv both { V = \"2\" }\nrun \"true\"");
        assert_eq!(lines, ["ENV V=\"1\"", "LABEL v=\"$V\"", "ENV V=\"2\"", "RUN true"]);
        let refused: Vec<_> = explain.events().iter().filter(|e| e.kind == EventKind::Refused).collect();
        assert!(refused[0].message.contains("`$V`"), "{refused:?}");
    }

    #[test]
    fn shell_form_commands_stay_before_a_shell_change_and_layer_edges_hold() {
        let (lines, _) = optimized("cmd \"serve\"\nshell [\"/bin/bash\", \"-c\"]\nrun \"true\"");
        assert_eq!(lines, ["CMD serve", "SHELL [\"/bin/bash\", \"-c\"]", "RUN true"]);
        let (lines, _) = optimized("cmd [\"serve\"]\nshell [\"/bin/bash\", \"-c\"]\nrun \"true\"");
        assert_eq!(lines, ["SHELL [\"/bin/bash\", \"-c\"]", "RUN true", "CMD [\"serve\"]"]);
        let (lines, _) = optimized("layer {\n    label \"a\" = \"1\"\n    run \"true\"\n}\nrun \"false\"");
        assert_eq!(lines, ["RUN true", "LABEL a=\"1\"", "RUN false"]);
    }

    #[test]
    fn a_label_that_expands_a_runtime_variable_stays_before_the_runtime_env() {
        let (lines, explain) = optimized("run \"true\"\nlabel \"port\" = raw(\"$PORT\")\nenv { PORT = \"80\" }");
        assert_eq!(lines, ["RUN true", "LABEL port=\"$PORT\"", "ENV PORT=\"80\""]);
        let refused: Vec<_> = explain.events().iter().filter(|e| e.kind == EventKind::Refused).collect();
        assert!(refused[0].message.contains("`$PORT`"), "{refused:?}");
    }

    #[test]
    fn volumes_stay_where_they_are() {
        let (lines, _) = optimized("volume \"/data\"\nrun \"true\"");
        assert_eq!(lines, ["VOLUME /data", "RUN true"]);
    }
}
