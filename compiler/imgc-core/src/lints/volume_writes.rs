//! W0107: a step that writes under a volume after the volume is declared.

use super::{at, commands};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, InstructionKind, Stage};

pub(super) fn volume_writes(stage: &Stage, out: &mut Vec<Diagnostic>) {
    let mut volumes: Vec<(String, &Instruction)> = Vec::new();
    for instruction in &stage.instructions {
        let written: Vec<String> = match &instruction.kind {
            InstructionKind::Volume(paths) => {
                volumes.extend(
                    paths
                        .iter()
                        .filter_map(|p| p.as_literal())
                        .map(|p| (p.trim_end_matches('/').to_string(), instruction)),
                );
                continue;
            }
            InstructionKind::Copy(copy) => copy.dest.as_literal().into_iter().collect(),
            InstructionKind::Workdir(path) => path.as_literal().into_iter().collect(),
            InstructionKind::Run(run) => commands(run)
                .iter()
                .flat_map(|c| c.words.iter().skip(1).chain(&c.redirections))
                .map(|w| w.literal.clone().unwrap_or_else(|| w.text.clone()))
                .collect(),
            _ => continue,
        };
        let hit = volumes.iter().find(|(volume, _)| {
            written
                .iter()
                .any(|w| w == volume || w.strip_prefix(volume.as_str()).is_some_and(|rest| rest.starts_with('/')))
        });
        if let Some((volume, declared)) = hit {
            out.push(
                at(
                    Code::VolumeWrite,
                    instruction,
                    format!("this step writes under the volume `{volume}` after it is declared"),
                    "writes under the volume",
                    "declare the volume after the steps that fill it: docker documents that what a step writes under a volume after `VOLUME` is discarded, and builders differ",
                )
                .with_secondary(declared.origin, "declared here"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn writes_under_a_volume() {
        assert_eq!(codes(&image("volume \"/data\"\nrun \"echo x > /data/x\"")), ["W0107"]);
        assert_eq!(codes(&image("volume \"/data\"\ncopy \"x\" to \"/data/x\"")), ["W0107"]);
        assert!(codes(&image("run \"echo x > /data/x\"\nvolume \"/data\"\nrun \"echo /database\"")).is_empty());
    }
}
