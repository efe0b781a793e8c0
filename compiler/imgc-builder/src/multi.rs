//! Images for several platforms: each platform's image built in turn into one staging layout
//! (base images resolved for that platform), then an OCI image index naming one manifest per
//! platform, written, tagged or pushed as one image.

use super::output::{Destination, Staging};
use super::platform::Platform;
use super::{Built, Error, Options, descriptor, emulation, output, run, target_stage, write_image};
use oci_spec::image::{ImageIndexBuilder, MediaType};

/// What was written: the index and each platform's image.
#[derive(Debug, Clone)]
pub struct BuiltIndex {
    pub index_digest: String,
    pub images: Vec<(Platform, Built)>,
}

/// Builds the image of `program` for each of `platforms` and writes an index of them to
/// `destination` (not a `docker-archive:`, which holds one image).
pub fn build_index(
    program: &imgc_core::ir::Program,
    destination: &Destination,
    options: &Options,
    platforms: &[Platform],
) -> Result<BuiltIndex, Error> {
    if matches!(destination, Destination::DockerArchive { .. }) {
        return Err(Error::Failed(
            "a docker-archive holds one platform's image: write oci:, oci-archive: or docker:// for several".into(),
        ));
    }
    for (n, platform) in platforms.iter().enumerate() {
        if platforms[..n].contains(platform) {
            return Err(Error::Failed(format!("{platform} is asked for twice")));
        }
    }
    let target = target_stage(program, options)?;
    let per_platform: Vec<Options> =
        platforms.iter().map(|p| Options { platform: Some(p.clone()), ..options.clone() }).collect();
    // Every platform is checked before any is built.
    let problems: Vec<_> = per_platform
        .iter()
        .filter_map(|o| match emulation::check(program, target, o) {
            Err(Error::Program(diagnostics)) => Some(diagnostics),
            _ => None,
        })
        .flatten()
        .collect();
    if !problems.is_empty() {
        return Err(Error::Program(problems));
    }
    let _interrupts = run::Interrupts::catch();
    let staging = Staging::beside(&destination.staging_place()).map_err(Error::Failed)?;
    let mut images = Vec::new();
    let mut descriptors = Vec::new();
    for (n, (platform, options)) in platforms.iter().zip(&per_platform).enumerate() {
        let scratch = staging.scratch().join(format!("platform-{n}"));
        let (built, manifest) = write_image(program, target, options, &staging, &scratch)?;
        descriptors.push(manifest);
        images.push((platform.clone(), built));
    }
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(descriptors)
        .build()
        .map_err(|e| Error::Failed(e.to_string()))?;
    let bytes = serde_json::to_vec(&index).map_err(|e| Error::Failed(e.to_string()))?;
    let index_digest = super::digest::sha256_digest(&bytes);
    staging.put_bytes(&index_digest, &bytes).map_err(Error::Failed)?;
    let index_descriptor = descriptor(super::base::INDEX, bytes.len() as u64, &index_digest)?;
    let mut tags: Vec<String> = destination.tag().map(str::to_string).into_iter().collect();
    tags.extend(options.tags.iter().cloned());
    output::finish(staging, destination, &index_descriptor, &tags, options.authfile.as_deref())
        .map_err(Error::Failed)?;
    Ok(BuiltIndex { index_digest, images })
}
