//! W0110: a standard library function written for one distribution family is called in a stage
//! whose base image is of another: `apt.install` or `user.create` (`groupadd`/`useradd`) on an
//! Alpine or busybox base, `apk.install` or `user.create_busybox` on a Debian or Ubuntu one. The
//! build would fail with "not found". The family is the base image's, as its name and tag tell
//! (`base_family`); which function a step comes from, the standard module's text its span is in.
//! Reported at the call, with the function to call instead.

use super::base_family::{self, Family};
use super::stage_runs::StageRuns;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, Program};
use crate::source::SourceMap;
use crate::stdlib;

/// The standard function (`module`, `function`) a step is written in, when it is one: its span is
/// in the text of `std.MODULE` (the loader names that file `std/MODULE.img`), inside `fn NAME`.
pub(super) fn function<'a>(instruction: &Instruction, sources: &'a SourceMap) -> Option<(&'a str, &'a str)> {
    let file = sources.get(instruction.span.file)?;
    let module = file.name.strip_prefix("std/")?.strip_suffix(".img")?;
    if stdlib::module(module) != Some(file.text.as_str()) {
        return None;
    }
    let before = file.text.get(..instruction.span.start as usize)?;
    let start = before.rfind("\nfn ").map(|i| i + 1).or_else(|| before.starts_with("fn ").then_some(0))?;
    let rest = before.get(start + 3..)?;
    let name = &rest[..rest.find('(')?];
    Some((module, name))
}

/// The families a standard function works on (`None`: any).
fn families(module: &str, function: &str) -> Option<&'static [Family]> {
    match (module, function) {
        ("apt", _) => Some(&[Family::Debian]),
        ("apk", _) => Some(&[Family::Alpine]),
        ("user", "create") => Some(&[Family::Debian]),
        ("user", "create_busybox") => Some(&[Family::Alpine, Family::Busybox]),
        _ => None,
    }
}

/// What to call instead of `module.function` on `family`.
fn instead(module: &str, function: &str, family: Family) -> &'static str {
    match (family, module, function) {
        (Family::Busybox, "apt" | "apk", _) => {
            "busybox has no package manager: start from `debian:bookworm-slim` (`std.apt`) or `alpine:3.20` (`std.apk`)"
        }
        (Family::Debian, "apk", "remove" | "remove_build_deps") => "call `apt.purge` from `std.apt`",
        (Family::Debian, "apk", _) => "call `apt.install` from `std.apt`",
        (Family::Debian, "user", _) => "call `user.create`, which uses `groupadd` and `useradd`",
        (Family::Alpine, "apt", "purge") => "call `apk.remove` from `std.apk`",
        (Family::Alpine, "apt", _) => "call `apk.install` from `std.apk`",
        (Family::Alpine, "user", _) => {
            "call `user.create_busybox`, which uses busybox's `addgroup` and `adduser` (or install `shadow` first: `apk.install([\"shadow\"])`)"
        }
        _ => "call `user.create_busybox`, which uses busybox's `addgroup` and `adduser`",
    }
}

pub(super) fn stdlib_family(
    program: &Program,
    stage: usize,
    runs: &StageRuns,
    sources: &SourceMap,
    out: &mut Vec<Diagnostic>,
) {
    let Some((family, reference)) = base_family::of_stage(program, stage) else { return };
    let mut shadow_installed = false;
    let mut reported = Vec::new();
    for (instruction, read) in runs.runs() {
        // Only an Alpine stage can install `shadow` for `user.create`: other stages' steps are not read.
        if family == Family::Alpine
            && read.commands().any(|c| c.name() == Some("apk") && c.arguments().flatten().any(|a| a == "shadow"))
        {
            shadow_installed = true;
        }
        let Some((module, function)) = function(instruction, sources) else { continue };
        let Some(allowed) = families(module, function) else { continue };
        let with_shadow = family == Family::Alpine && shadow_installed && (module, function) == ("user", "create");
        if allowed.contains(&family) || with_shadow || reported.contains(&instruction.origin) {
            continue;
        }
        reported.push(instruction.origin);
        let written_for = allowed.iter().map(|f| f.name()).collect::<Vec<_>>().join(" and ");
        out.push(
            Diagnostic::warning(
                Code::StdlibFamily,
                format!(
                    "`{module}.{function}` is for {written_for} images, and the base image `{reference}` is {}",
                    family.name()
                ),
            )
            .with_label(instruction.origin, "its commands do not exist there: fails with \"not found\"")
            .with_help(instead(module, function, family)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;

    fn on(base: &str, body: &str) -> Vec<&'static str> {
        let imports = "import std.apt\nimport std.apk\nimport std.user\n";
        codes(&format!("{imports}image from \"{base}\" {{\n{body}\n    user \"app\"\n}}\n"))
    }

    #[test]
    fn functions_of_another_family() {
        assert_eq!(on("debian:bookworm-slim", "apk.install([\"curl\"])"), ["W0110"]);
        assert_eq!(on("python:3.12-slim", "user.create_busybox(\"app\")"), ["W0110"]);
        assert_eq!(on("alpine:3.20", "apt.install([\"curl\"])"), ["W0110"]);
        assert_eq!(on("alpine:3.20", "user.create(\"app\")"), ["W0110"]);
        assert_eq!(on("busybox:1.35", "apk.install_build_deps([\"gcc\"])"), ["W0110"]);
        assert_eq!(on("busybox:1.35", "user.create(\"app\")"), ["W0110"]);
    }

    #[test]
    fn functions_of_the_base_family() {
        assert!(on("debian:bookworm-slim", "apt.install([\"curl\"])\nuser.create(\"app\")").is_empty());
        assert!(on("alpine:3.20", "apk.install([\"curl\"])\nuser.create_busybox(\"app\")").is_empty());
        assert!(on("alpine:3.20", "apk.install([\"shadow\"])\nuser.create(\"app\")").is_empty());
        assert!(on("busybox:1.35", "user.create_busybox(\"app\")").is_empty());
        // A family the name does not tell, and a function for every family.
        assert!(on("fedora:40", "apk.install([\"curl\"])\nuser.create(\"app\")").is_empty());
        assert!(on("alpine:3.20", "user.create_any(\"app\")").is_empty());
        assert!(on("debian:bookworm-slim", "user.create_any(\"app\")").is_empty());
    }

    #[test]
    fn a_user_file_named_like_a_standard_module_is_not_one() {
        let source = "fn install(packages: list[string]) {\n    run \"apk add --no-cache ${packages}\"\n}\n\
                      image from \"debian:bookworm-slim\" {\n    install([\"curl\"])\n    user \"app\"\n}\n";
        let compilation = crate::compile_source("std/apk.img", source, &crate::Options::default());
        let codes: Vec<_> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["W0108"]);
    }
}
