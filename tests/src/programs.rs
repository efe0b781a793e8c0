//! The optimizer's test programs (`tests/optimizer-programs/*.img`): where they are, which
//! Dockerfile target each is emitted for, and which of them buildah builds otherwise than
//! BuildKit. What the test binaries that build them (optimizer.rs, buildkit.rs) share.

use std::path::PathBuf;

use imgc::Target;

/// Programs where buildah 1.28 (chroot isolation) differs from BuildKit, and `imgc build` does
/// what BuildKit does: a RUN's writes under a volume, which buildah discards and BuildKit keeps
/// (the three `volume-*` programs), and a process a RUN leaves running, which buildah lets
/// finish and a container runtime ends with the step's first process (`daemon`: the detached
/// writer is gone before it writes, so the step after it fails). Their `imgc build` is compared
/// with docker's built-in BuildKit (tests/buildkit.rs), not with buildah (tests/optimizer.rs).
pub const BUILDAH_DIFFERS_FROM_BUILDKIT: &[&str] =
    &["volume-then-writes", "volume-write-ends-run", "volume-of-base-stage", "daemon"];

/// `tests/optimizer-programs`, the programs' folder and their build context.
pub fn programs_dir() -> PathBuf {
    crate::repo_root().join("tests").join("optimizer-programs")
}

/// The Dockerfile target a program is emitted for: BuildKit's for one with a line
/// `# test: buildkit` (it uses what only BuildKit and buildah build), else the classic builder's.
pub fn target(source: &str) -> Target {
    if source.lines().any(|l| l.trim() == "# test: buildkit") { Target::Buildkit } else { Target::Classic }
}
