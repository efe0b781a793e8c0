//! W0108: a `run` uses a command of another distribution than its base image's: `apt-get` or
//! `groupadd` on Alpine or busybox (Alpine has `apk`, `addgroup` and `adduser`; busybox has no
//! package manager), `apk` on Debian or Ubuntu. The build fails with "not found", after the steps
//! before it have run. Knows bases only by their image name and tag (`base_family`); never reads
//! an image. Steps of standard library functions are W0110's, which names the function to use.

use super::base_family::{self, Family};
use super::stage_runs::StageRuns;
use super::{at, stdlib_family};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Program;
use crate::source::SourceMap;

/// Package managers of other distributions than Alpine's (none exists on busybox).
const PACKAGE_MANAGERS: &[&str] = &["apt-get", "apt", "dpkg", "aptitude", "yum", "dnf", "microdnf"];
/// shadow's user commands, which Alpine and busybox do not have.
const USER_COMMANDS: &[&str] = &["groupadd", "useradd", "usermod", "groupmod", "userdel", "groupdel"];

/// What to write instead of `command` on `family`, when the base does not have it.
fn instead(family: Family, command: &str, shadow_installed: bool) -> Option<&'static str> {
    let package = PACKAGE_MANAGERS.contains(&command);
    let users = USER_COMMANDS.contains(&command);
    match family {
        Family::Debian if command == "apk" => {
            Some("Debian and Ubuntu install packages with `apt-get` (`apt.install` from `std.apt`)")
        }
        Family::Alpine if package => Some("Alpine installs packages with `apk add --no-cache …`"),
        Family::Alpine if users && !shadow_installed => Some(
            "Alpine creates users with busybox's `addgroup -S NAME` and `adduser -S -G GROUP NAME` (or `apk add --no-cache shadow` first)",
        ),
        Family::Busybox if package => {
            Some("busybox has no package manager: start from a distribution (`debian:bookworm-slim`, `alpine:3.20`)")
        }
        Family::Busybox if users => {
            Some("busybox creates users with `addgroup -S NAME` and `adduser -S -G GROUP NAME`")
        }
        _ => None,
    }
}

/// The commands this rule looks for on `family`: those [`instead`] names, and on Alpine `apk`,
/// which may install `shadow`.
fn looked_for(family: Family) -> Vec<&'static str> {
    match family {
        Family::Debian => vec!["apk"],
        Family::Alpine => [PACKAGE_MANAGERS, USER_COMMANDS, &["apk"]].concat(),
        Family::Busybox => [PACKAGE_MANAGERS, USER_COMMANDS].concat(),
    }
}

pub(super) fn foreign_package_manager(
    program: &Program,
    stage: usize,
    runs: &StageRuns,
    sources: &SourceMap,
    out: &mut Vec<Diagnostic>,
) {
    let Some((family, reference)) = base_family::of_stage(program, stage) else { return };
    let looked_for = looked_for(family);
    let mut shadow_installed = false;
    for (instruction, read) in runs.runs() {
        // A run that runs none of them changes nothing here: it is not read.
        if !read.may_run_any(&looked_for) {
            continue;
        }
        let from_stdlib = stdlib_family::function(instruction, sources).is_some();
        for command in read.commands() {
            let Some(name) = command.name() else { continue };
            if name == "apk" && command.arguments().flatten().any(|a| a == "shadow") {
                shadow_installed = true;
            }
            if from_stdlib {
                continue;
            }
            if let Some(help) = instead(family, name, shadow_installed) {
                out.push(at(
                    Code::ForeignPackageManager,
                    instruction,
                    format!("`{name}` does not exist on the base image `{reference}`"),
                    "fails with \"not found\"",
                    help,
                ));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;

    #[test]
    fn commands_of_another_distribution() {
        let on = |base: &str, command: &str| {
            codes(&format!("image from \"{base}\" {{\n    run \"{command}\"\n}}\n"))
                .into_iter()
                .filter(|c| *c == "W0108")
                .count()
        };
        assert_eq!(on("alpine:3.20", "apt-get install -y curl"), 1);
        assert_eq!(on("python:3.12-alpine", "groupadd app"), 1);
        assert_eq!(on("busybox:1.35", "useradd app"), 1);
        assert_eq!(on("alpine:3.20", "apk add --no-cache shadow && groupadd app"), 0);
        assert_eq!(on("alpine:3.20", "addgroup -S app && adduser -S -G app app"), 0);
        assert_eq!(on("debian:bookworm-slim", "groupadd app"), 0);
        assert_eq!(on("debian:bookworm-slim", "apk add --no-cache curl"), 1);
        assert_eq!(on("python:3.12-slim", "apt-get update"), 0);
        // Names quoted or escaped in parts are the same names.
        assert_eq!(on("alpine:3.20", "a'pt-g'et install -y curl"), 1);
        assert_eq!(on("alpine:3.20", "ap\\\"t-g\\\"et install -y curl"), 1);
        assert_eq!(on("debian:bookworm-slim", "a\\\\pk add curl"), 1);
        assert_eq!(on("debian:bookworm-slim", "echo apk; \\\"apk\\\" add curl"), 1);
        assert_eq!(on("debian:bookworm-slim", "echo a p k"), 0);
        let through_a_stage = "stage base from \"alpine:3.20\" {\n    run \"true\"\n}\nimage from base {\n    run \"apt-get update\"\n}\n";
        assert!(codes(through_a_stage).contains(&"W0108"));
    }
}
