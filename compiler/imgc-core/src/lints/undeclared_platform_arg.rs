//! W0109: a `run` command reads a platform argument (`$TARGETARCH`, `${TARGETOS:-linux}`…) as a
//! shell variable, and its stage declares no `ARG` of that name, so the shell sees it unset. A
//! program that interpolates it (`${TARGETARCH}` in the `.img` string) gets the declaration from
//! imgc; a shell read keeps the Dockerfile's meaning, which is what migrate relies on, so it is
//! only warned about.

use super::stage_runs::StageRuns;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, InstructionKind};
use crate::literals::AUTOMATIC_ARGS;
use crate::shell;

pub(super) fn undeclared_platform_arg(runs: &StageRuns, out: &mut Vec<Diagnostic>) {
    let mut declared: Vec<&str> = Vec::new();
    for (instruction, read) in runs.steps() {
        if let InstructionKind::Arg(def) = &instruction.kind {
            declared.push(&def.name);
        }
        // Only a run reads variables; its exec form and here-documents have no shell text.
        // A script that names no platform argument reads none: it is not rendered nor lexed.
        let Some(read) = read.filter(|read| read.shell_text_may_hold(AUTOMATIC_ARGS)) else { continue };
        let read = read
            .shell_texts()
            .iter()
            .filter_map(|script| shell::lexer::lex(script).ok())
            .flat_map(|lexed| lexed.parameters)
            .find(|name| AUTOMATIC_ARGS.contains(&name.as_str()) && !declared.contains(&name.as_str()));
        if let Some(name) = read {
            out.push(warning(instruction, &name));
        }
    }
}

fn warning(instruction: &Instruction, name: &str) -> Diagnostic {
    super::at(
        Code::UndeclaredPlatformArg,
        instruction,
        format!("this command reads `${name}`, which is empty here: the stage does not declare it"),
        "the shell sees it unset",
        &format!(
            "interpolate it, `${{{name}}}`, and imgc declares `ARG {name}` in the stage; or declare it yourself with `arg {name}` before this step"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn shell_reads_of_undeclared_platform_arguments() {
        assert_eq!(codes(&image("run \"echo $TARGETARCH\"")), ["W0109"]);
        assert_eq!(codes(&image("run \"echo \\${TARGETOS:-linux}\"")), ["W0109"]);
        // Interpolated: imgc declares it. Declared by the program: the shell sees it.
        assert!(codes(&image("run \"echo ${TARGETARCH}\"")).is_empty());
        assert!(codes(&image("arg TARGETARCH\nrun \"echo $TARGETARCH\"")).is_empty());
        // Quoted or escaped, it is no read; other names are the shell's business.
        assert!(codes(&image("run \"echo '$TARGETARCH' \\\\$TARGETARCH\"")).is_empty());
        assert!(codes(&image("run \"echo $TARGETARCHIVE $HOME\"")).is_empty());
    }
}
