//! `imgc build`: the image itself, written as an OCI layout or archive, with no daemon.
//!
//! [`build`] plans the image from the IR ([`plan`]: trees, layers, config), writes each new layer
//! once, streaming ([`layer`]), several at once (`layer_set`), then the config, manifest and
//! index, and moves the result into place ([`output`]). Layers are deterministic: the same
//! program and files give the same digests, whatever the file times, the umask or the folder, and
//! however many layers are written at once.
//!
//! Must never depend on: the command line (`clap`), migrate, or the `imgc` crate; it takes the IR
//! from `imgc-core` and options from its caller.

pub mod archive;
pub mod base;
pub mod cache;
pub mod chmod;
mod compress;
pub mod config;
pub mod context;
mod copy;
mod daemon;
pub mod digest;
pub mod dockerignore;
pub mod emulation;
mod fetch;
mod gzip_member;
pub mod inspect;
pub mod layer;
mod layer_set;
pub mod multi;
pub mod output;
pub mod plan;
pub mod platform;
mod progress;
#[cfg(feature = "registry")]
pub mod registry;
pub mod resolve;
pub mod run;
pub mod tree;

use digest::sha256_digest;
use imgc_core::diagnostics::Diagnostic;
use imgc_core::ir::Program;
use layer::Compression;
use oci_spec::image::{Descriptor, ImageManifestBuilder, MediaType};
use output::{Destination, Staging};
use plan::PlannedLayer;
use platform::Platform;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How to build.
#[derive(Debug, Clone)]
pub struct Options {
    /// The directory `copy` reads from.
    pub context: PathBuf,
    /// The stage to build, by name; the program's `image` when `None`.
    pub stage: Option<String>,
    /// The platform of stages that name none, and of scratch images; the host's when `None`.
    pub platform: Option<Platform>,
    /// Seconds since the Unix epoch for every time in the image (`SOURCE_DATE_EPOCH`, else 0).
    pub epoch: u64,
    pub compression: Compression,
    /// `(image name, oci:DIR[:TAG] or oci-archive:FILE[:TAG])`: where base images are.
    pub base_images: Vec<(String, String)>,
    /// Tags besides the destination's own.
    pub tags: Vec<String>,
    /// Where blobs pulled from registries (and cached layers) are kept; [`default_cache_dir`]
    /// when `None`.
    pub cache_dir: Option<PathBuf>,
    /// Reuse layers written before from the same inputs (see [`cache`]), and keep new ones.
    pub layer_cache: bool,
    /// Registry credentials, in the format of `~/.docker/config.json`; that file (or
    /// `$DOCKER_CONFIG/config.json`) when `None`.
    pub authfile: Option<PathBuf>,
    /// Secrets and the ssh agent for `run` steps.
    pub run: run::RunOptions,
    /// Base images pinned by a lock file: reference (as the program writes it) to platform
    /// (`os/arch[/variant]`) to the digest of the manifest to build on.
    pub pins: BTreeMap<String, BTreeMap<String, String>>,
    /// New layers written at once; 0: by the cores (2 to 4). The image is the same either way.
    /// [`Options::new`] takes it from `IMGC_LAYER_JOBS` when that is set to a number.
    pub layer_jobs: usize,
}

impl Options {
    /// Defaults for a build of the context `context`: the time from `SOURCE_DATE_EPOCH` (0 when
    /// unset), gzip, the host platform, layers written at once as `IMGC_LAYER_JOBS` says (by the
    /// cores when unset).
    pub fn new(context: impl Into<PathBuf>) -> Options {
        Options {
            context: context.into(),
            stage: None,
            platform: None,
            epoch: source_date_epoch().unwrap_or(0),
            compression: Compression::DEFAULT,
            base_images: Vec::new(),
            tags: Vec::new(),
            cache_dir: None,
            layer_cache: false,
            authfile: None,
            run: run::RunOptions::default(),
            pins: BTreeMap::new(),
            layer_jobs: std::env::var("IMGC_LAYER_JOBS").ok().and_then(|n| n.trim().parse().ok()).unwrap_or(0),
        }
    }
}

/// The cache: `$XDG_CACHE_HOME/imgc`, else `~/.cache/imgc`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("imgc"))
}

/// `SOURCE_DATE_EPOCH`, when set to a number.
pub fn source_date_epoch() -> Option<u64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.trim().parse().ok()
}

/// Why a build failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Problems with steps of the program, with their places in it.
    Program(Vec<Diagnostic>),
    /// Anything else: files, base images, the output.
    Failed(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Program(diagnostics) => {
                let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
                f.write_str(&messages.join("; "))
            }
            Error::Failed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

/// What was written.
#[derive(Debug, Clone)]
pub struct Built {
    pub manifest_digest: String,
    pub config_digest: String,
    /// Each layer's digest, compressed size and the step that made it (`None` for a base layer).
    pub layers: Vec<(String, u64, Option<String>)>,
}

/// Builds the image of `program` (or of `options.stage`) and writes it to `destination`.
pub fn build(program: &Program, destination: &Destination, options: &Options) -> Result<Built, Error> {
    let target = target_stage(program, options)?;
    emulation::check(program, target, options)?;
    // Ctrl-C stops a step's container and unwinds: no mount, container or folder left.
    let _interrupts = run::Interrupts::catch();
    let staging = Staging::beside(&destination.staging_place()).map_err(Error::Failed)?;
    let (built, manifest_descriptor) = write_image(program, target, options, &staging, &staging.scratch())?;
    let mut tags: Vec<String> = destination.tag().map(str::to_string).into_iter().collect();
    tags.extend(options.tags.iter().cloned());
    output::finish(staging, destination, &manifest_descriptor, &tags, options.authfile.as_deref())
        .map_err(Error::Failed)?;
    Ok(built)
}

/// The index of the stage to build: `options.stage`, else the program's `image`.
fn target_stage(program: &Program, options: &Options) -> Result<usize, Error> {
    match &options.stage {
        Some(name) => program.stages.iter().position(|s| s.name.as_deref() == Some(name)).ok_or_else(|| {
            let names: Vec<&str> = program.stages.iter().filter_map(|s| s.name.as_deref()).collect();
            Error::Failed(format!("the program has no stage `{name}` (stages: {})", names.join(", ")))
        }),
        None => Ok(program.target),
    }
}

/// Plans the image and writes its layers, config and manifest into `staging`; returns what was
/// written and the manifest's descriptor, with its platform.
fn write_image(
    program: &Program,
    target: usize,
    options: &Options,
    staging: &Staging,
    scratch: &std::path::Path,
) -> Result<(Built, Descriptor), Error> {
    let plan = plan::plan(program, target, options, scratch)?;
    let layer_cache = match (options.layer_cache, options.cache_dir.clone().or_else(default_cache_dir)) {
        (true, Some(dir)) => Some(cache::LayerCache::new(dir)),
        _ => None,
    };
    let mut config = plan.config;
    let jobs = layer_set::jobs(options.layer_jobs);
    let bars = progress::bars();
    let placed = layer_set::in_order(plan.layers, jobs, |n, planned| {
        place_layer(n, planned, options, staging, layer_cache.as_ref(), &bars)
    })?;
    let mut descriptors = Vec::new();
    let mut layers = Vec::new();
    let mut diff_ids = Vec::new();
    for (media_type, digest, size, diff_id, step) in placed {
        descriptors.push(descriptor(&media_type, size, &digest)?);
        layers.push((digest, size, step));
        diff_ids.push(diff_id);
    }
    if run::interrupted() {
        return Err(plan::interrupted());
    }
    config.rootfs.diff_ids = diff_ids;
    config.created = Some(config::rfc3339(options.epoch));
    let config_bytes = serde_json::to_vec(&config).map_err(|e| Error::Failed(e.to_string()))?;
    let config_digest = sha256_digest(&config_bytes);
    staging.put_bytes(&config_digest, &config_bytes).map_err(Error::Failed)?;
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(descriptor("application/vnd.oci.image.config.v1+json", config_bytes.len() as u64, &config_digest)?)
        .layers(descriptors)
        .build()
        .map_err(|e| Error::Failed(e.to_string()))?;
    let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| Error::Failed(e.to_string()))?;
    let manifest_digest = sha256_digest(&manifest_bytes);
    staging.put_bytes(&manifest_digest, &manifest_bytes).map_err(Error::Failed)?;
    let mut manifest_descriptor =
        descriptor("application/vnd.oci.image.manifest.v1+json", manifest_bytes.len() as u64, &manifest_digest)?;
    let mut platform = oci_spec::image::PlatformBuilder::default()
        .os(config.os.as_str())
        .architecture(config.architecture.as_str())
        .build()
        .map_err(|e| Error::Failed(e.to_string()))?;
    platform.set_variant(config.variant.clone());
    manifest_descriptor.set_platform(Some(platform));
    Ok((Built { manifest_digest, config_digest, layers }, manifest_descriptor))
}

/// A layer placed in the staged layout: its media type, digest, size, diff_id and the step that
/// made it (`None` for a base layer).
type Placed = (String, String, u64, String, Option<String>);

/// Puts layer `n` of the plan into `staging`: a base layer or one a `run` step wrote is linked
/// in; a new layer is taken from the layer cache or written (a blob under a temporary name until
/// it is whole) and kept in the cache.
fn place_layer(
    n: usize,
    planned: PlannedLayer,
    options: &Options,
    staging: &Staging,
    layer_cache: Option<&cache::LayerCache>,
    bars: &indicatif::MultiProgress,
) -> Result<Placed, Error> {
    match planned {
        PlannedLayer::Base(base) => {
            staging.put_file(&base.digest, &base.blob).map_err(Error::Failed)?;
            let media_type = base_media_type(&base.media_type).to_string();
            Ok((media_type, base.digest, base.size, base.diff_id, None))
        }
        PlannedLayer::Written { layer, step } => {
            staging.put_file(&layer.digest, &layer.blob).map_err(Error::Failed)?;
            Ok((layer.media_type, layer.digest, layer.size, layer.diff_id, Some(step)))
        }
        PlannedLayer::New { changes, step } => {
            let key = layer_cache.and_then(|_| cache::LayerCache::key(&changes, options.compression, options.epoch));
            let hit = layer_cache.zip(key.as_deref()).and_then(|(c, key)| c.get(key));
            let blob = match hit {
                Some((blob, path)) => {
                    staging.put_file(&blob.digest, &path).map_err(Error::Failed)?;
                    blob
                }
                None => {
                    let temp = staging.temp_blob(n);
                    let bar = bars.add(progress::bar(&format!("layer {}", n + 1), changes.content_size()));
                    let written =
                        layer::write(&changes, &temp, options.compression, options.epoch, &|bytes| bar.inc(bytes));
                    bar.finish_and_clear();
                    let blob = written.map_err(|e| {
                        // A layer that failed leaves no partial blob, even before the staging
                        // folder goes.
                        let _ = std::fs::remove_file(&temp);
                        Error::Failed(format!("cannot write the layer of `{step}`: {e}"))
                    })?;
                    staging.commit_blob(&temp, &blob.digest).map_err(Error::Failed)?;
                    if let (Some(cache), Some(key)) = (layer_cache, &key) {
                        cache.put(key, &blob, &base::blob_path(&staging.layout(), &blob.digest));
                    }
                    blob
                }
            };
            let media_type = options.compression.media_type().to_string();
            Ok((media_type, blob.digest, blob.size, blob.diff_id, Some(step)))
        }
    }
}

/// OCI media types for base layers that came with Docker's.
fn base_media_type(media_type: &str) -> &str {
    match media_type {
        "application/vnd.docker.image.rootfs.diff.tar.gzip" => "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.docker.image.rootfs.diff.tar" => "application/vnd.oci.image.layer.v1.tar",
        "" => "application/vnd.oci.image.layer.v1.tar+gzip",
        other => other,
    }
}

fn descriptor(media_type: &str, size: u64, digest: &str) -> Result<Descriptor, Error> {
    let digest: oci_spec::image::Digest =
        digest.parse().map_err(|e| Error::Failed(format!("bad digest `{digest}`: {e}")))?;
    Ok(Descriptor::new(MediaType::from(media_type), size, digest))
}
