//! The types of `imgc.toml`, as serde reads them and schemars describes them (the JSON Schema
//! editors validate the file with is generated from these types). Only the file's shape lives
//! here: what the values mean is checked in `project::check`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// `imgc.toml`: the images of a project and the settings they share.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "imgc.toml", description = "An imgc project: its images and the settings they share.")]
pub struct Manifest {
    /// Build arguments for every image whose program declares them (an image's own `args` and
    /// `--arg` win).
    #[serde(default)]
    pub args: IndexMap<String, String>,
    /// The platforms of images that name none (`os/arch[/variant]`) [default: the host's].
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub platforms: Vec<Spanned<String>>,
    /// Where `registry` outputs push to, and the credentials for registries.
    #[serde(default)]
    pub registry: Registry,
    /// The cache `imgc build` keeps layers and pulled blobs in.
    #[serde(default)]
    pub cache: Cache,
    /// Local copies of base images: an image reference, as programs write it, mapped to
    /// `oci:DIR[:TAG]` or `oci-archive:FILE[:TAG]` (paths relative to this file).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, String>")]
    pub base_images: IndexMap<String, Spanned<String>>,
    /// The images of the project, by name, in the order they are listed.
    #[schemars(with = "IndexMap<String, Image>")]
    pub images: Spanned<IndexMap<String, Image>>,
}

/// One image of the project.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Image {
    /// The `.img` program, relative to this file.
    #[schemars(with = "String")]
    pub program: Spanned<String>,
    /// The build context, relative to this file [default: the program's folder].
    #[serde(default)]
    pub context: Option<String>,
    /// The image's tags; the first is the tag of `registry` outputs.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Build arguments (`--arg` wins).
    #[serde(default)]
    pub args: IndexMap<String, String>,
    /// The stage to build instead of the program's `image`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub stage: Option<Spanned<String>>,
    /// The platforms to build for [default: the project's `platforms`].
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub platforms: Vec<Spanned<String>>,
    /// Where `imgc build` writes the image: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
    /// `docker-archive:FILE[:NAME:TAG]`, `docker://HOST/REPO:TAG`, or `registry` (the project's
    /// registry, this image's name and first tag). Paths are relative to this file.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub outputs: Vec<Spanned<String>>,
    /// Where `imgc dockerfile --all` writes this image's Dockerfile, relative to this file.
    #[serde(default)]
    pub dockerfile: Option<String>,
    /// The builders that Dockerfile must work with.
    #[serde(default)]
    pub builder: Builder,
    /// Images of this project that must be built before this one (their outputs are its bases).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub depends_on: Vec<Spanned<String>>,
}

/// Registry settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Registry {
    /// `HOST[/NAMESPACE]` that `registry` outputs push to, e.g. `registry.example.com/team`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
    /// Credentials in the format of `~/.docker/config.json`, relative to this file [default: that
    /// file].
    #[serde(default)]
    pub authfile: Option<String>,
}

/// Cache settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Cache {
    /// The cache folder, relative to this file [default: `$XDG_CACHE_HOME/imgc`].
    #[serde(default)]
    pub dir: Option<String>,
    /// Reuse layers written by earlier builds (`false`: like `--no-cache`).
    #[serde(default = "yes")]
    pub layers: bool,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache { dir: None, layers: true }
    }
}

fn yes() -> bool {
    true
}

/// The builders a Dockerfile is written for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Builder {
    /// BuildKit: every feature.
    #[default]
    Buildkit,
    /// docker's classic builder, buildah, kaniko: BuildKit-only features are refused.
    Classic,
}
