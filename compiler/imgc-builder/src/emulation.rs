//! `run` steps for another platform than the host's: they run under QEMU user emulation, which
//! the kernel starts for foreign binaries when binfmt_misc has an entry for the architecture
//! (with the `F` flag, so that it works inside a container's root). Checked before anything is
//! built: a step that cannot run is an E0045 that says what to install.
//!
//! Must never depend on: the run-step runtime (`run/`); it only reads the program and
//! `/proc/sys/fs/binfmt_misc`.

use super::plan::{expand, needed_stages};
use super::platform::Platform;
use super::{Error, Options};
use imgc_core::diagnostics::{Code, Diagnostic};
use imgc_core::ir::{InstructionKind, Program};
use std::collections::BTreeMap;
use std::path::Path;

const BINFMT: &str = "/proc/sys/fs/binfmt_misc";

/// QEMU's name of an architecture (Go's name).
fn qemu_name(architecture: &str) -> &str {
    match architecture {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "mips64le" => "mips64el",
        "mipsle" => "mipsel",
        other => other,
    }
}

/// Whether the kernel runs binaries of `architecture` through an emulator that works in a
/// container: `Ok`, or why not.
pub fn emulated(architecture: &str, binfmt: &Path) -> Result<(), String> {
    let name = format!("qemu-{}", qemu_name(architecture));
    let entry = binfmt.join(&name);
    let text = std::fs::read_to_string(&entry)
        .map_err(|_| format!("binfmt_misc has no `{name}` entry (`{}`)", entry.display()))?;
    if text.lines().next() != Some("enabled") {
        return Err(format!("the binfmt_misc entry `{}` is disabled", entry.display()));
    }
    let flags = text.lines().find_map(|l| l.strip_prefix("flags:")).unwrap_or_default();
    if !flags.contains('F') {
        return Err(format!(
            "the binfmt_misc entry `{}` lacks the `F` flag, so the emulator is not found inside a container",
            entry.display()
        ));
    }
    Ok(())
}

/// Checks that every `run` step of the stages `target` needs can run: on the host's
/// architecture, or under an emulator for its stage's platform.
pub fn check(program: &Program, target: usize, options: &Options) -> Result<(), Error> {
    check_with(program, target, options, Path::new(BINFMT))
}

fn check_with(program: &Program, target: usize, options: &Options, binfmt: &Path) -> Result<(), Error> {
    let host = Platform::host();
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for arg in &program.args {
        let value = arg.default.as_ref().map(|d| expand(d, &vars)).unwrap_or_default();
        vars.insert(arg.name.clone(), value);
    }
    let default = options.platform.clone().unwrap_or_else(|| host.clone());
    let mut problems = Vec::new();
    for index in needed_stages(program, target) {
        let Some(stage) = program.stages.get(index) else { continue };
        let platform = match &stage.platform {
            Some(text) => Platform::parse(&expand(text, &vars)).unwrap_or_else(|_| default.clone()),
            None => default.clone(),
        };
        if platform.architecture == host.architecture {
            continue;
        }
        let Some(step) = stage.instructions.iter().find(|i| matches!(i.kind, InstructionKind::Run(_))) else {
            continue;
        };
        if let Err(reason) = emulated(&platform.architecture, binfmt) {
            let mut diagnostic = Diagnostic::error(
                Code::NoEmulation,
                format!("this `run` step runs {platform} programs, which this machine cannot run"),
            )
            .with_label(step.span, format!("runs {platform} programs"))
            .with_help(format!(
                "{reason}; install QEMU user emulation (Debian: `apt-get install qemu-user-static binfmt-support`), \
                 or build {platform} without `run` steps (copy-only stages always build)"
            ));
            if step.origin != step.span {
                diagnostic = diagnostic.with_secondary(step.origin, "from this call");
            }
            problems.push(diagnostic);
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::Program(problems)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(source: &str) -> Program {
        let compilation = imgc_core::compile_with_loader(
            Path::new("app.img"),
            source.to_string(),
            &imgc_core::modules::NoFiles,
            &imgc_core::Options::default(),
        );
        compilation.program.expect("compiles")
    }

    fn foreign() -> &'static str {
        if Platform::host().architecture == "arm64" { "linux/amd64" } else { "linux/arm64" }
    }

    #[test]
    fn foreign_run_steps_need_an_emulator_with_the_f_flag() {
        let binfmt = tempfile::tempdir().expect("temp dir");
        let source = "image from scratch {\n    run \"true\"\n}\n";
        let mut options = Options::new(".");
        options.platform = Some(Platform::parse(foreign()).expect("platform"));
        let program = program(source);
        let Err(Error::Program(problems)) = check_with(&program, program.target, &options, binfmt.path()) else {
            panic!("no emulator: an error");
        };
        assert_eq!(problems[0].code, Code::NoEmulation);
        assert!(problems[0].help.as_deref().unwrap_or_default().contains("binfmt_misc has no `qemu-"));
        let name = format!("qemu-{}", qemu_name(&options.platform.as_ref().expect("set").architecture));
        std::fs::write(binfmt.path().join(&name), "enabled\ninterpreter /usr/bin/qemu\nflags: OC\n").expect("write");
        let Err(Error::Program(problems)) = check_with(&program, program.target, &options, binfmt.path()) else {
            panic!("no F flag: an error");
        };
        assert!(problems[0].help.as_deref().unwrap_or_default().contains("lacks the `F` flag"));
        std::fs::write(binfmt.path().join(&name), "enabled\ninterpreter /usr/bin/qemu\nflags: OCF\n").expect("write");
        assert!(check_with(&program, program.target, &options, binfmt.path()).is_ok());
    }

    #[test]
    fn copy_only_and_host_stages_need_nothing() {
        let binfmt = tempfile::tempdir().expect("temp dir");
        let mut options = Options::new(".");
        options.platform = Some(Platform::parse(foreign()).expect("platform"));
        let program = program("image from scratch {\n    copy \"a\" to \"/a\"\n}\n");
        assert!(check_with(&program, program.target, &options, binfmt.path()).is_ok());
        options.platform = None;
        let program = program_with_run();
        assert!(check_with(&program, program.target, &options, binfmt.path()).is_ok());
    }

    fn program_with_run() -> Program {
        program("image from scratch {\n    run \"true\"\n}\n")
    }
}
