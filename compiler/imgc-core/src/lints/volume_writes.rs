//! W0107: a step that surely writes under a volume after the volume is declared, in the stage or
//! in a stage it is built `from` (a workdir on the volume itself, or a step that only reads it, is
//! fine).

use super::at;
use super::stage_runs::StageRuns;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, InstructionKind, Program};
use crate::shell::volumes;

pub(super) fn volume_writes(program: &Program, index: usize, runs: &StageRuns, out: &mut Vec<Diagnostic>) {
    let mut volumes: Vec<(String, &Instruction)> = Vec::new();
    for instruction in program.base_volumes(index) {
        if let InstructionKind::Volume(paths) = &instruction.kind {
            volumes.extend(
                paths.iter().filter_map(|p| p.as_literal()).map(|p| (p.trim_end_matches('/').to_string(), instruction)),
            );
        }
    }
    for (instruction, read) in runs.steps() {
        // Nothing can be written under a volume before one is declared: no step is read then.
        if volumes.is_empty() && !matches!(instruction.kind, InstructionKind::Volume(_)) {
            continue;
        }
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
            // The volume's own directory exists: only a directory under it is created.
            InstructionKind::Workdir(path) => path
                .as_literal()
                .filter(|p| !volumes.iter().any(|(v, _)| p.trim_end_matches('/') == v))
                .into_iter()
                .collect(),
            InstructionKind::Run(_) => {
                read.map_or(&[][..], |r| r.scripts()).iter().flat_map(volumes::surely_written).collect()
            }
            _ => continue,
        };
        let hit = volumes.iter().find(|(volume, _)| written.iter().any(|w| volumes::is_under(w, volume)));
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
        // The redis image's pattern, and a step that only reads the volume.
        assert!(codes(&image("volume \"/data\"\nworkdir \"/data\"")).is_empty());
        assert!(codes(&image("volume \"/data\"\nrun \"ls /data > /ls.txt\"")).is_empty());
        assert_eq!(codes(&image("volume \"/data\"\nworkdir \"/data/sub\"")), ["W0107"]);
    }

    #[test]
    fn a_volume_a_base_stage_declares_counts_too() {
        let base = "stage base from \"busybox:1.35\" {\n    volume \"/data/\"\n}\n";
        assert_eq!(codes(&format!("{base}image from base {{\n    run \"echo x > /data/x\"\n}}\n")), ["W0107"]);
        assert!(
            codes(&format!("{base}image from base {{\n    workdir \"/data\"\n    run \"ls /data > /ls\"\n}}\n"))
                .is_empty()
        );
        // A stage on the same image, not built from the stage, has no volume.
        let apart = "stage base from \"busybox:1.35\" {\n    volume \"/data\"\n}\nimage from \"busybox:1.35\" {\n    copy from base \"/etc/hostname\" to \"/h\"\n    run \"echo x > /data/x\"\n}\n";
        assert!(codes(apart).is_empty());
    }
}
