//! The distribution family of the image a stage starts from, as far as the base image's name and
//! tag tell (`debian:bookworm-slim`, `python:3.12-alpine`, `busybox:1.35`). Shared by the rules
//! about commands and standard library functions of another distribution (W0108, W0110). Never
//! reads an image: a base named otherwise, or chosen by a build argument, has no known family.

use crate::ir::{Base, Program};

/// A base image's distribution family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Debian and Ubuntu: `apt-get`, `groupadd`/`useradd`.
    Debian,
    /// Alpine: `apk`, busybox's `addgroup`/`adduser`.
    Alpine,
    /// busybox: no package manager, its own `addgroup`/`adduser`.
    Busybox,
}

impl Family {
    pub(super) fn name(self) -> &'static str {
        match self {
            Family::Debian => "Debian",
            Family::Alpine => "Alpine",
            Family::Busybox => "busybox",
        }
    }
}

/// Tags that name a Debian or Ubuntu release, as the official images' variants do
/// (`python:3.12-bookworm`, `node:20-bookworm-slim`, `buildpack-deps:jammy`).
const DEBIAN_RELEASES: [&str; 8] = ["trixie", "bookworm", "bullseye", "buster", "noble", "jammy", "focal", "bionic"];

/// The family of an image reference: by its name (`debian`, `ubuntu`, `alpine`, `busybox`, with
/// any registry or namespace before it), else by its tag (one with `alpine` in it; a Debian or
/// Ubuntu release name, or `slim`, which the official images build on Debian).
pub(super) fn of_reference(reference: &str) -> Option<Family> {
    let name_and_tag = reference.split('@').next().unwrap_or(reference);
    let name_and_tag = name_and_tag.rsplit('/').next().unwrap_or(name_and_tag);
    let (name, tag) = name_and_tag.split_once(':').unwrap_or((name_and_tag, ""));
    let tag_words = || tag.split(['-', '.', '_']);
    match name {
        "debian" | "ubuntu" => Some(Family::Debian),
        "alpine" => Some(Family::Alpine),
        "busybox" => Some(Family::Busybox),
        _ if tag.contains("alpine") => Some(Family::Alpine),
        _ if tag_words().any(|w| w == "slim" || DEBIAN_RELEASES.contains(&w)) => Some(Family::Debian),
        _ => None,
    }
}

/// The family of the image a stage starts from, following its base stages, with the reference
/// that tells it.
pub(super) fn of_stage(program: &Program, stage: usize) -> Option<(Family, String)> {
    let mut current = program.stages.get(stage)?;
    for _ in 0..=program.stages.len() {
        match &current.base {
            Base::Stage(index) => current = program.stages.get(*index)?,
            Base::Image(image) => {
                let reference = image.as_literal()?;
                return of_reference(&reference).map(|family| (family, reference));
            }
            Base::Scratch => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{Family, of_reference};

    #[test]
    fn families_by_name_and_tag() {
        assert_eq!(of_reference("debian:bookworm-slim"), Some(Family::Debian));
        assert_eq!(of_reference("docker.io/library/ubuntu:24.04"), Some(Family::Debian));
        assert_eq!(of_reference("python:3.12-slim"), Some(Family::Debian));
        assert_eq!(of_reference("node:20-bookworm-slim"), Some(Family::Debian));
        assert_eq!(of_reference("alpine:3.20"), Some(Family::Alpine));
        assert_eq!(of_reference("python:3.12-alpine3.20"), Some(Family::Alpine));
        assert_eq!(of_reference("registry.example.com:5000/busybox:1.36@sha256:abc"), Some(Family::Busybox));
        assert_eq!(of_reference("python:3.12"), None);
        assert_eq!(of_reference("example.com/slim-tools:1"), None);
        assert_eq!(of_reference("fedora:40"), None);
    }
}
