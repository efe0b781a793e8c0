//! Engine-neutral types: which engine, what to build, the built image and its
//! configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::cmd::{Output, ToolError};
use crate::{buildah, docker};

/// A container engine the tests build with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// `buildah --storage-driver overlay bud --isolation chroot --layers`.
    Buildah,
    /// Docker's classic builder (`DOCKER_BUILDKIT=0 docker build --network host`).
    Docker,
    /// Docker's built-in BuildKit (`DOCKER_BUILDKIT=1 /usr/bin/docker build --network host`): RUN
    /// mounts, no here-documents (their frontend cannot be pulled offline). Images land in
    /// docker's store, so running them is docker's.
    Buildkit,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Buildah, Engine::Docker];
    /// Every builder a Dockerfile targets: buildah, docker's classic builder and BuildKit.
    pub const BUILDERS: [Engine; 3] = [Engine::Buildah, Engine::Docker, Engine::Buildkit];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Buildah => "buildah",
            Engine::Docker => "docker",
            Engine::Buildkit => "buildkit",
        }
    }

    /// Builds `dockerfile` with `context` into `tag`. A failed build is an
    /// `Err` whose message holds the build output.
    pub fn build(
        self,
        dockerfile: Dockerfile<'_>,
        context: &Path,
        tag: &str,
        options: &BuildOptions,
    ) -> Result<Output, ToolError> {
        match self {
            Engine::Buildah => buildah::build(dockerfile, context, tag, options),
            Engine::Docker => docker::build(dockerfile, context, tag, options, false),
            Engine::Buildkit => docker::build(dockerfile, context, tag, options, true),
        }
    }

    /// Builds into a fresh unique tag derived from `name` and returns a handle
    /// that removes the image when dropped (see [`Image`]).
    pub fn build_image(self, dockerfile: Dockerfile<'_>, context: &Path, name: &str) -> Result<Image, ToolError> {
        self.build_image_with(dockerfile, context, name, &BuildOptions::default())
    }

    pub fn build_image_with(
        self,
        dockerfile: Dockerfile<'_>,
        context: &Path,
        name: &str,
        options: &BuildOptions,
    ) -> Result<Image, ToolError> {
        let reference = unique_tag(self, name);
        let build = self.build(dockerfile, context, &reference, options)?;
        Ok(Image { engine: self, reference, build })
    }

    /// Runs the image like `docker run IMAGE ARGS...`: its ENTRYPOINT with
    /// `args`, or with its CMD when `args` is empty; as the image's USER, in
    /// its WORKDIR, with its ENV, on the host network. A non-zero exit is
    /// returned as an `Output`, not an error.
    pub fn run(self, image: &str, args: &[&str]) -> Result<Output, ToolError> {
        match self {
            Engine::Buildah => buildah::run(image, args),
            Engine::Docker | Engine::Buildkit => docker::run(image, args),
        }
    }

    /// Runs `argv` in the image, bypassing its ENTRYPOINT (still as its USER,
    /// in its WORKDIR, with its ENV).
    pub fn exec(self, image: &str, argv: &[&str]) -> Result<Output, ToolError> {
        match self {
            Engine::Buildah => buildah::exec(image, argv),
            Engine::Docker | Engine::Buildkit => docker::exec(image, argv),
        }
    }

    pub fn image_config(self, image: &str) -> Result<ImageConfig, ToolError> {
        match self {
            Engine::Buildah => buildah::image_config(image),
            Engine::Docker | Engine::Buildkit => docker::image_config(image),
        }
    }

    pub fn image_exists(self, image: &str) -> bool {
        match self {
            Engine::Buildah => buildah::image_exists(image),
            Engine::Docker | Engine::Buildkit => docker::image_exists(image),
        }
    }

    /// Removes the tag (keeping the engine's layer cache).
    pub fn remove_image(self, image: &str) -> Result<(), ToolError> {
        match self {
            Engine::Buildah => buildah::remove_image(image),
            Engine::Docker | Engine::Buildkit => docker::remove_image(image),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The Dockerfile to build: a file, or text (written to a temporary file
/// outside the context and passed with `-f`).
#[derive(Clone, Copy, Debug)]
pub enum Dockerfile<'a> {
    Path(&'a Path),
    Text(&'a str),
}

/// A Dockerfile on disk for the duration of a build.
pub(crate) struct DockerfileOnDisk {
    pub path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Dockerfile<'_> {
    pub(crate) fn on_disk(self) -> Result<DockerfileOnDisk, ToolError> {
        match self {
            Dockerfile::Path(path) => Ok(DockerfileOnDisk { path: path.to_path_buf(), _dir: None }),
            Dockerfile::Text(text) => {
                let dir = tempfile::Builder::new()
                    .prefix("imgc-dockerfile-")
                    .tempdir()
                    .map_err(|e| ToolError::new("write Dockerfile", e.to_string()))?;
                let path = dir.path().join("Dockerfile");
                std::fs::write(&path, text).map_err(|e| ToolError::new("write Dockerfile", e.to_string()))?;
                Ok(DockerfileOnDisk { path, _dir: Some(dir) })
            }
        }
    }
}

/// Extra build settings; the default is a plain build that may use the cache.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    /// `--no-cache`.
    pub no_cache: bool,
    /// Passed to the build command before the context argument.
    pub extra_args: Vec<String>,
}

impl BuildOptions {
    /// Adds `--build-arg`, `--target`, `--no-cache` and the extra arguments, which buildah and
    /// docker spell the same way.
    pub(crate) fn apply(&self, cmd: &mut std::process::Command) {
        for (key, value) in &self.build_args {
            cmd.arg("--build-arg").arg(format!("{key}={value}"));
        }
        if let Some(target) = &self.target {
            cmd.args(["--target", target]);
        }
        if self.no_cache {
            cmd.arg("--no-cache");
        }
        cmd.args(&self.extra_args);
    }
}

/// A built image. Dropping it removes the tag (the engines' layer caches are
/// kept) unless `IMGC_TEST_KEEP_IMAGES=1`.
pub struct Image {
    pub engine: Engine,
    /// The unique reference it was tagged with.
    pub reference: String,
    /// The build command's output (the build log is in `build.stdout`/`stderr`).
    pub build: Output,
}

impl Image {
    pub fn config(&self) -> Result<ImageConfig, ToolError> {
        self.engine.image_config(&self.reference)
    }

    pub fn run(&self, args: &[&str]) -> Result<Output, ToolError> {
        self.engine.run(&self.reference, args)
    }

    pub fn exec(&self, argv: &[&str]) -> Result<Output, ToolError> {
        self.engine.exec(&self.reference, argv)
    }
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} image {}", self.engine, self.reference)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        if !keep_images() {
            let _ = self.engine.remove_image(&self.reference);
        }
    }
}

/// `IMGC_TEST_KEEP_IMAGES=1` keeps test images and containers for debugging.
pub fn keep_images() -> bool {
    std::env::var("IMGC_TEST_KEEP_IMAGES").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// A tag no other test (or test process) uses: `imgc-test-NAME:MILLIS-PID-N`,
/// under `localhost/` for buildah.
pub fn unique_tag(engine: Engine, name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let name: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '-' })
        .collect();
    let name = name.trim_matches(|c| c == '-' || c == '.');
    let name = if name.is_empty() { "image" } else { name };
    let repo = format!("imgc-test-{name}:{millis}-{}-{n}", std::process::id());
    match engine {
        Engine::Buildah => format!("localhost/{repo}"),
        Engine::Docker | Engine::Buildkit => repo,
    }
}

/// An image's runtime configuration, the same shape for both engines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `USER` as written ("" when unset).
    pub user: String,
    /// `KEY=value` entries.
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// "" when unset.
    pub working_dir: String,
    /// Sorted, e.g. `["80/tcp"]`.
    pub exposed_ports: Vec<String>,
    pub stop_signal: Option<String>,
    /// The HEALTHCHECK test, e.g. `["CMD-SHELL", "curl ..."]`.
    pub healthcheck: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
}

impl ImageConfig {
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env.iter().find_map(|entry| {
            let (k, v) = entry.split_once('=')?;
            (k == key).then_some(v)
        })
    }

    /// What `docker run IMAGE ARGS...` executes: ENTRYPOINT followed by
    /// `args`, or by CMD when `args` is empty.
    pub fn command_line(&self, args: &[&str]) -> Vec<String> {
        let mut argv = self.entrypoint.clone();
        if args.is_empty() {
            argv.extend(self.cmd.iter().cloned());
        } else {
            argv.extend(args.iter().map(|s| s.to_string()));
        }
        argv
    }

    /// Parses a Docker-style config object (`Config` of `docker image
    /// inspect`, `Docker.config` or `OCIv1.config` of `buildah inspect`).
    pub fn from_json(config: &Value) -> ImageConfig {
        let string = |key: &str| config[key].as_str().unwrap_or_default().to_string();
        let strings = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        let mut exposed_ports: Vec<String> =
            config["ExposedPorts"].as_object().map(|ports| ports.keys().cloned().collect()).unwrap_or_default();
        exposed_ports.sort();
        let labels = config["Labels"]
            .as_object()
            .map(|labels| labels.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
            .unwrap_or_default();
        let healthcheck = config["Healthcheck"]["Test"].as_array().map(|_| strings(&config["Healthcheck"]["Test"]));
        ImageConfig {
            user: string("User"),
            env: strings(&config["Env"]),
            entrypoint: strings(&config["Entrypoint"]),
            cmd: strings(&config["Cmd"]),
            working_dir: string("WorkingDir"),
            exposed_ports,
            stop_signal: config["StopSignal"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
            healthcheck,
            labels,
        }
    }
}
