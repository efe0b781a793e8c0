//! Which `ENV` settings a build can observe. One that no later step of its stage can see —
//! no `RUN` after it, no later instruction expanding its variable, no later setting of the same
//! name kept in place — only configures the container, so it may move to the end of the stage:
//! `imgc migrate` writes it as runtime `env { … }`, and the check compares such settings as the
//! stage's final environment rather than by position.

use crate::dockerfile::words::parse_word;
use crate::dockerfile::{Arguments, Instruction, InstructionKind};
use std::collections::HashSet;

/// For each instruction of a stage (in order): for an `ENV`, whether each of its settings may
/// move to the end of the stage; an empty list for any other instruction.
pub fn movable(instructions: &[&Instruction], escape: char) -> Vec<Vec<bool>> {
    let mut out = vec![Vec::new(); instructions.len()];
    let mut later_run = false;
    let mut referenced: HashSet<String> = HashSet::new();
    let mut kept: HashSet<String> = HashSet::new();
    for (index, instruction) in instructions.iter().enumerate().rev() {
        match (&instruction.kind, &instruction.args) {
            (InstructionKind::Env, Arguments::KeyValues(pairs)) => {
                let mut flags = vec![false; pairs.len()];
                for (position, pair) in pairs.iter().enumerate().rev() {
                    let literal = parse_word(&pair.value, escape).is_ok_and(|w| w.variables().next().is_none());
                    let key = parse_word(&pair.key, escape).ok().and_then(|w| w.literal()).unwrap_or_default();
                    let free = literal && !later_run && !referenced.contains(&key) && !kept.contains(&key);
                    flags[position] = free && !key.is_empty();
                    if !flags[position] {
                        kept.insert(key);
                    }
                }
                // Within one ENV the values are expanded with the settings before it.
                referenced.extend(variables(&instruction.raw_args));
                out[index] = flags;
            }
            (InstructionKind::Run, _) => {
                later_run = true;
                referenced.extend(variables(&instruction.original));
            }
            (InstructionKind::Arg, Arguments::ArgDecls(decls)) => {
                kept.extend(decls.iter().map(|d| d.name.to_string()));
                referenced.extend(variables(&instruction.raw_args));
            }
            // Not expanded by the builder: these run in the container, or later builds.
            (
                InstructionKind::Cmd
                | InstructionKind::Entrypoint
                | InstructionKind::Healthcheck
                | InstructionKind::Shell
                | InstructionKind::Maintainer
                | InstructionKind::Onbuild,
                _,
            ) => {}
            _ => referenced.extend(variables(&instruction.original)),
        }
    }
    out
}

/// The names `$NAME` and `${NAME…}` refer to anywhere in `text` (quoted or not: a name too many
/// only keeps a setting in place).
pub fn variables(text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name_part = rest.strip_prefix('{').unwrap_or(rest);
        let len = name_part.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(name_part.len());
        if len > 0 {
            out.insert(name_part[..len].to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    fn flags(dockerfile: &str) -> Vec<Vec<bool>> {
        let df = parse(dockerfile).unwrap_or_else(|e| panic!("{e}"));
        let stage: Vec<&Instruction> = df.instructions.iter().skip(1).collect();
        movable(&stage, df.escape).into_iter().filter(|f| !f.is_empty()).collect()
    }

    #[test]
    fn settings_after_the_last_run_move() {
        assert_eq!(
            flags("FROM a\nENV A=1\nRUN x\nENV B=2 C=$A\nWORKDIR /w\nENV D=4\nCMD echo $D\n"),
            [vec![false], vec![true, false], vec![true]]
        );
    }

    #[test]
    fn settings_a_later_step_expands_stay() {
        assert_eq!(
            flags("FROM a\nENV HOME=/h\nWORKDIR $HOME\nENV P=1 P=2\nLABEL x=${P}\n"),
            [vec![false], vec![false, false]]
        );
        assert_eq!(flags("FROM a\nENV A=1\nENV A=$B\nRUN x\n"), [vec![false], vec![false]]);
        assert_eq!(flags("FROM a\nENV A=1\nARG A\n"), [vec![false]]);
    }

    #[test]
    fn variable_names_are_found() {
        let names = variables("echo $A ${B:-x} $$ $1 ${C}d \\$E");
        for name in ["A", "B", "C", "1", "E"] {
            assert!(names.contains(name), "{name}");
        }
    }
}
