//! W0101: `apt-get update` in another step than the `apt-get install` that needs it.

use super::stage_runs::{RunRead, StageRuns};
use super::{at, is_apt};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Instruction;

pub(super) fn apt_update_alone(stage: &StageRuns, out: &mut Vec<Diagnostic>) {
    let runs: Vec<(&Instruction, &RunRead)> = stage.runs().collect();
    for (position, (instruction, read)) in runs.iter().enumerate() {
        let updates = read.commands().any(|c| is_apt(c, "update"));
        if !updates || read.commands().any(|c| is_apt(c, "install")) {
            continue;
        }
        let Some((install, _)) = runs[position + 1..].iter().find(|(_, r)| r.commands().any(|c| is_apt(c, "install")))
        else {
            continue;
        };
        out.push(
            at(
                Code::AptUpdateAlone,
                instruction,
                "`apt-get update` runs in another step than `apt-get install`".into(),
                "updates the package lists here",
                "run both in one step (`run \"apt-get update && apt-get install -y …\"`, or `apt.install([…])` from `std.apt`): a builder reuses a cached update layer for months, and the install then asks for versions the mirrors no longer have",
            )
            .with_secondary(install.origin, "installs here"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn apt_update_apart_from_the_install() {
        assert_eq!(
            codes(&image(
                "run \"apt-get update\"\ncopy \"x\" to \"/x\"\nrun \"apt-get install -y curl && rm -rf /var/lib/apt/lists/*\""
            )),
            ["W0101", "W0102"]
        );
        assert!(
            codes(&image("run \"apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\""))
                .is_empty()
        );
        assert!(
            codes("import std.apt\nimage from \"debian:bookworm-slim\" {\n    apt.install([\"curl\"])\n}\n").is_empty()
        );
    }
}
