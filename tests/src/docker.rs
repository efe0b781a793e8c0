//! docker wrappers. The engine runs without a bridge network (see
//! scripts/setup-test-env), so builds and containers always use
//! `--network host`; builds use the classic builder (`DOCKER_BUILDKIT=0`) or the built-in
//! BuildKit (`DOCKER_BUILDKIT=1`).

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cmd::{Output, ToolError, run_command, run_ok};
use crate::image::{BuildOptions, Dockerfile, ImageConfig, keep_images};

/// Timeout of one build.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Timeout of one `run`/`exec` and of the small docker commands.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// `docker` (the program can be overridden with `IMGC_DOCKER`).
pub fn command() -> Command {
    let program = std::env::var("IMGC_DOCKER").unwrap_or_else(|_| "docker".to_string());
    Command::new(program)
}

/// `DOCKER_BUILDKIT=0 docker build --network host --force-rm -f DOCKERFILE
/// -t TAG CONTEXT`, or with `buildkit` docker's built-in BuildKit (`DOCKER_BUILDKIT=1`, Debian's
/// client `/usr/bin/docker`, which needs no buildx). `Err` if the build fails, with the build log.
pub fn build(
    dockerfile: Dockerfile<'_>,
    context: &Path,
    tag: &str,
    options: &BuildOptions,
    buildkit: bool,
) -> Result<Output, ToolError> {
    let file = dockerfile.on_disk()?;
    let mut cmd =
        if buildkit && std::env::var_os("IMGC_DOCKER").is_none() { Command::new("/usr/bin/docker") } else { command() };
    cmd.env("DOCKER_BUILDKIT", if buildkit { "1" } else { "0" })
        .args(["build", "--network", "host", "--force-rm"])
        .arg("-f")
        .arg(&file.path)
        .args(["-t", tag]);
    options.apply(&mut cmd);
    cmd.arg(context);
    let out = run_command(&mut cmd, None, BUILD_TIMEOUT)?;
    if !buildkit && !out.success() && out.stderr.contains(CACHED_IMAGE_GONE) {
        return run_ok(&mut cmd, BUILD_TIMEOUT);
    }
    out.ok()
}

/// What docker's classic builder prints when the image it took from its cache for a step was
/// removed meanwhile: another test, building at the same time, removed its own image, which was
/// the same image. It says nothing about the Dockerfile, so the build runs once more.
const CACHED_IMAGE_GONE: &str = "unable to find image \"sha256:";

/// `docker run --rm --network host DOCKER_OPTS... IMAGE ARGS...`. A non-zero
/// exit of the container is returned as an `Output` (docker's own errors
/// exit 125-127).
pub fn run_with(image: &str, docker_opts: &[&str], args: &[&str]) -> Result<Output, ToolError> {
    let mut cmd = command();
    cmd.args(["run", "--rm", "--network", "host"]).args(docker_opts).arg(image).args(args);
    run_command(&mut cmd, None, RUN_TIMEOUT)
}

/// `docker run IMAGE ARGS...`: ENTRYPOINT + ARGS (or + CMD).
pub fn run(image: &str, args: &[&str]) -> Result<Output, ToolError> {
    run_with(image, &[], args)
}

/// Runs `argv` in `image`, bypassing its ENTRYPOINT (`--entrypoint ARGV0`).
pub fn exec(image: &str, argv: &[&str]) -> Result<Output, ToolError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(ToolError::new("docker run", "exec needs a command"));
    };
    run_with(image, &["--entrypoint", program], args)
}

/// A detached container, removed (`docker rm -f -v`) when dropped unless
/// `IMGC_TEST_KEEP_IMAGES=1`.
pub struct Container {
    pub id: String,
    pub image: String,
}

/// `docker run -d --network host DOCKER_OPTS... IMAGE ARGS...`.
pub fn start(image: &str, docker_opts: &[&str], args: &[&str]) -> Result<Container, ToolError> {
    let mut cmd = command();
    cmd.args(["run", "-d", "--network", "host"]).args(docker_opts).arg(image).args(args);
    let out = run_ok(&mut cmd, RUN_TIMEOUT)?;
    let id = out.stdout.trim().to_string();
    if id.is_empty() {
        return Err(ToolError::new(out.command, "printed no container id"));
    }
    Ok(Container { id, image: image.to_string() })
}

/// A container's state from `docker inspect`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerState {
    /// "created", "running", "exited", ...
    pub status: String,
    pub running: bool,
    pub exit_code: i64,
    pub oom_killed: bool,
    /// HEALTHCHECK status ("starting", "healthy", "unhealthy") if it has one.
    pub health: Option<String>,
}

impl Container {
    /// (stdout, stderr) from `docker logs`.
    pub fn logs(&self) -> Result<(String, String), ToolError> {
        let out = run_ok(command().args(["logs", &self.id]), RUN_TIMEOUT)?;
        Ok((out.stdout, out.stderr))
    }

    /// Polls `docker logs` until `found(stdout, stderr)` holds; `Err` with
    /// the logs on timeout.
    pub fn wait_for_logs(
        &self,
        timeout: Duration,
        found: impl Fn(&str, &str) -> bool,
    ) -> Result<(String, String), ToolError> {
        let deadline = Instant::now() + timeout;
        loop {
            let (stdout, stderr) = self.logs()?;
            if found(&stdout, &stderr) {
                return Ok((stdout, stderr));
            }
            if Instant::now() >= deadline {
                return Err(ToolError {
                    command: format!("docker logs {}", self.id),
                    message: format!("did not show the expected lines within {}s", timeout.as_secs()),
                    stdout,
                    stderr,
                });
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// `docker exec CONTAINER ARGV...` (as the image's user). A non-zero exit
    /// is returned as an `Output`.
    pub fn exec(&self, argv: &[&str]) -> Result<Output, ToolError> {
        run_command(command().arg("exec").arg(&self.id).args(argv), None, RUN_TIMEOUT)
    }

    pub fn state(&self) -> Result<ContainerState, ToolError> {
        let out = run_ok(
            command().args(["inspect", "--type", "container", "--format", "{{json .State}}", &self.id]),
            RUN_TIMEOUT,
        )?;
        let state: Value = serde_json::from_str(out.stdout.trim())
            .map_err(|e| ToolError::new(&out.command, format!("printed JSON that does not parse: {e}")))?;
        Ok(ContainerState {
            status: state["Status"].as_str().unwrap_or_default().to_string(),
            running: state["Running"].as_bool().unwrap_or(false),
            exit_code: state["ExitCode"].as_i64().unwrap_or(-1),
            oom_killed: state["OOMKilled"].as_bool().unwrap_or(false),
            health: state["Health"]["Status"].as_str().map(str::to_string),
        })
    }

    /// `docker stop -t TIMEOUT`: sends the image's STOPSIGNAL, then SIGKILL
    /// after `timeout_secs`. Returns how long stopping took.
    pub fn stop(&self, timeout_secs: u32) -> Result<Duration, ToolError> {
        let start = Instant::now();
        run_ok(command().args(["stop", "-t", &timeout_secs.to_string(), &self.id]), RUN_TIMEOUT)?;
        Ok(start.elapsed())
    }

    /// `docker rm -f -v` now (also done on drop).
    pub fn remove(&self) -> Result<(), ToolError> {
        run_ok(command().args(["rm", "-f", "-v", &self.id]), RUN_TIMEOUT).map(|_| ())
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if !keep_images() {
            let _ = self.remove();
        }
    }
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "docker container {} of {}", self.id, self.image)
    }
}

fn inspect_image(image: &str) -> Result<Value, ToolError> {
    let out = run_ok(command().args(["image", "inspect", image]), RUN_TIMEOUT)?;
    let json: Value = serde_json::from_str(&out.stdout)
        .map_err(|e| ToolError::new(&out.command, format!("printed JSON that does not parse: {e}")))?;
    Ok(json[0].clone())
}

/// The image's configuration (`Config` of `docker image inspect`).
pub fn image_config(image: &str) -> Result<ImageConfig, ToolError> {
    Ok(ImageConfig::from_json(&inspect_image(image)?["Config"]))
}

/// The image's size in bytes as docker reports it.
pub fn image_size(image: &str) -> Result<u64, ToolError> {
    Ok(inspect_image(image)?["Size"].as_u64().unwrap_or(0))
}

pub fn image_exists(image: &str) -> bool {
    run_command(command().args(["image", "inspect", image]), None, RUN_TIMEOUT).is_ok_and(|out| out.success())
}

/// `docker rmi --no-prune IMAGE`: removes the tag but keeps its untagged
/// parents, which are the classic builder's layer cache.
pub fn remove_image(image: &str) -> Result<(), ToolError> {
    run_ok(command().args(["rmi", "--no-prune", image]), RUN_TIMEOUT).map(|_| ())
}
