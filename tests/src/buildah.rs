//! buildah wrappers. Everything uses `--storage-driver overlay` (the store that
//! scripts/setup-test-env fills with the base images), chroot isolation and
//! `--pull=never`, so nothing ever asks a registry.

use std::io::Read;
use std::marker::PhantomData;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::Value;

use crate::cmd::{Output, ToolError, display_command, run_command, run_ok, wait_with_timeout};
use crate::image::{BuildOptions, Dockerfile, ImageConfig, unique_tag};

/// Timeout of one build.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Timeout of one `run`/`exec` and of the small buildah commands.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The store's graph driver. Overlay, not vfs: vfs copies the whole root file system at every
/// step, which fills the disk when the image-build tests run side by side.
pub const STORAGE_DRIVER: &str = "overlay";

/// The store as a skopeo transport, followed by an image name: `{STORE}docker.io/library/busybox`.
pub const STORE: &str = "containers-storage:[overlay@/var/lib/containers/storage+/run/containers/storage]";

/// `buildah --storage-driver overlay` (the program can be overridden with
/// `IMGC_BUILDAH`).
pub fn command() -> Command {
    let program = std::env::var("IMGC_BUILDAH").unwrap_or_else(|_| "buildah".to_string());
    let mut cmd = Command::new(program);
    cmd.args(["--storage-driver", STORAGE_DRIVER]);
    cmd
}

/// `buildah bud --isolation chroot --layers --force-rm --pull=never --format
/// docker -f DOCKERFILE -t TAG CONTEXT`. The docker format keeps HEALTHCHECK
/// (the OCI format drops it); `--force-rm` removes the build container of a
/// failed build too. `Err` if the build fails, with the build log.
pub fn build(
    dockerfile: Dockerfile<'_>,
    context: &Path,
    tag: &str,
    options: &BuildOptions,
) -> Result<Output, ToolError> {
    let file = dockerfile.on_disk()?;
    let mut cmd = command();
    cmd.args(["bud", "--isolation", "chroot", "--layers", "--force-rm", "--pull=never", "--format", "docker"]);
    cmd.arg("-f").arg(&file.path).args(["-t", tag]);
    options.apply(&mut cmd);
    cmd.arg(context);
    let _store = crate::store_lock::shared();
    run_runtime(&mut cmd, None, BUILD_TIMEOUT)?.ok()
}

/// What buildah prints when its runtime failed before the process started.
const RUNTIME_FLAKE: &str = "sealing memfd copy: Device or resource busy";

/// Runs a buildah command that starts processes in a container (`bud`, `from` with ONBUILD
/// triggers, `run`). buildah's chroot runner copies its own binary into a sealed memfd before
/// each process; under load sealing sometimes fails with EBUSY, before the process starts.
/// That failure says nothing about what was run, so the command is tried again (three times
/// at most).
fn run_runtime(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Result<Output, ToolError> {
    let mut attempt = 1;
    loop {
        let out = run_command(cmd, stdin, timeout)?;
        if out.success() || attempt == 3 || !out.stderr.contains(RUNTIME_FLAKE) {
            return Ok(out);
        }
        attempt += 1;
    }
}

/// Runs `run` (a `buildah run`) again, twice at most, while it succeeds without a byte of output.
/// Under load (image builds beside it) buildah 1.28's chroot runner has been seen to exit 0
/// having printed nothing, for a `cat` of a file that holds text and for a program that always
/// prints: the process never ran. The commands the tests run in containers may be run again (they
/// read, or write what they would write anyway), and one that prints nothing by design costs two
/// more runs; a result that is wrong every time stays wrong.
fn run_silent_again(run: impl Fn() -> Result<Output, ToolError>) -> Result<Output, ToolError> {
    let mut out = run()?;
    for _ in 0..2 {
        if !(out.success() && out.stdout.is_empty() && out.stderr.is_empty()) {
            break;
        }
        out = run()?;
    }
    Ok(out)
}

/// A working container (`buildah from`), removed when dropped.
pub struct WorkingContainer {
    pub name: String,
}

/// `buildah from --pull=never IMAGE` under a unique container name. An image's ONBUILD
/// triggers run here, so it uses chroot isolation like every other run (the default, an OCI
/// runtime, fails on hosts whose cgroups are in hybrid mode).
pub fn from(image: &str) -> Result<WorkingContainer, ToolError> {
    let name = unique_tag(crate::Engine::Docker, "ctr").replace([':', '/'], "-").replace('.', "-");
    let mut cmd = command();
    cmd.args(["from", "--isolation", "chroot", "--pull=never", "--name", &name, image]);
    run_runtime(&mut cmd, None, RUN_TIMEOUT)?.ok()?;
    Ok(WorkingContainer { name })
}

impl WorkingContainer {
    /// `buildah run --isolation chroot CTR -- ARGV` as the image's user, with
    /// `env` added. A non-zero exit is returned as an `Output`.
    pub fn run_with_env(&self, argv: &[&str], env: &[(&str, &str)]) -> Result<Output, ToolError> {
        run_silent_again(|| run_runtime(&mut self.run_command(argv, env), None, RUN_TIMEOUT))
    }

    pub fn run(&self, argv: &[&str]) -> Result<Output, ToolError> {
        self.run_with_env(argv, &[])
    }

    /// Like [`WorkingContainer::run`] with `input` on stdin.
    pub fn run_with_stdin(&self, argv: &[&str], input: &[u8]) -> Result<Output, ToolError> {
        run_silent_again(|| run_runtime(&mut self.run_command(argv, &[]), Some(input), RUN_TIMEOUT))
    }

    fn run_command(&self, argv: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = command();
        cmd.args(["run", "--isolation", "chroot"]);
        for (key, value) in env {
            cmd.arg("--env").arg(format!("{key}={value}"));
        }
        cmd.arg(&self.name).arg("--").args(argv);
        cmd
    }
}

impl Drop for WorkingContainer {
    fn drop(&mut self) {
        let _ = run_command(command().args(["rm", &self.name]), None, RUN_TIMEOUT);
    }
}

/// Runs `argv` in a fresh working container of `image` (bypassing ENTRYPOINT).
pub fn exec(image: &str, argv: &[&str]) -> Result<Output, ToolError> {
    if argv.is_empty() {
        return Err(ToolError::new("buildah run", "exec needs a command"));
    }
    from(image)?.run(argv)
}

/// Runs `image` like `docker run IMAGE ARGS...` (ENTRYPOINT + ARGS, or + CMD).
pub fn run(image: &str, args: &[&str]) -> Result<Output, ToolError> {
    let argv = image_config(image)?.command_line(args);
    if argv.is_empty() {
        return Err(ToolError::new(format!("buildah run {image}"), "the image has neither ENTRYPOINT nor CMD"));
    }
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    exec(image, &argv)
}

/// The image's configuration from `buildah inspect --type image`.
pub fn image_config(image: &str) -> Result<ImageConfig, ToolError> {
    let out = run_ok(command().args(["inspect", "--type", "image", image]), RUN_TIMEOUT)?;
    let json: Value = serde_json::from_str(&out.stdout)
        .map_err(|e| ToolError::new(&out.command, format!("printed JSON that does not parse: {e}")))?;
    let docker = &json["Docker"]["config"];
    let config = if docker.is_object() { docker } else { &json["OCIv1"]["config"] };
    Ok(ImageConfig::from_json(config))
}

pub fn image_exists(image: &str) -> bool {
    run_command(command().args(["inspect", "--type", "image", image]), None, RUN_TIMEOUT).is_ok_and(|out| out.success())
}

/// `buildah rmi IMAGE` (intermediate layer images stay as the build cache).
pub fn remove_image(image: &str) -> Result<(), ToolError> {
    let _store = crate::store_lock::exclusive();
    run_ok(command().args(["rmi", image]), RUN_TIMEOUT).map(|_| ())
}

/// A command running in the background under `buildah run` (chroot
/// isolation shares the host network, so a server listens on host ports).
/// Its stdout and stderr are collected while it runs. Stopped (SIGTERM, then
/// SIGKILL after 5 s) by [`Server::stop`] or when dropped.
///
/// Needs `/bin/sh` in the image: a small shell wrapper runs the command and
/// kills it once our end of its stdin closes.
pub struct Server<'a> {
    pub command: String,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<thread::JoinHandle<()>>,
    // Dropped after `Drop for Server` has stopped the command.
    _owned: Option<WorkingContainer>,
    _borrowed: PhantomData<&'a WorkingContainer>,
}

const SERVE_WRAPPER: &str = r#""$@" &
pid=$!
read -r _ignored
kill "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i+1)); done
kill -9 "$pid" 2>/dev/null
wait "$pid""#;

/// Starts `image`'s ENTRYPOINT+CMD (with `env` added) in the background, in
/// a working container of its own.
pub fn serve(image: &str, env: &[(&str, &str)]) -> Result<Server<'static>, ToolError> {
    let argv = default_command(image)?;
    let container = from(image)?;
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut server = container.start_server(&argv, env)?;
    server._owned = Some(container);
    Ok(server)
}

/// The image's ENTRYPOINT+CMD; `Err` if it has neither.
pub fn default_command(image: &str) -> Result<Vec<String>, ToolError> {
    let argv = image_config(image)?.command_line(&[]);
    if argv.is_empty() {
        return Err(ToolError::new(format!("buildah inspect {image}"), "the image has neither ENTRYPOINT nor CMD"));
    }
    Ok(argv)
}

impl WorkingContainer {
    /// Starts `argv` (with `env` added) in the background in this container;
    /// other `run`s in the container can go on meanwhile (e.g. a client).
    pub fn serve(&self, argv: &[&str], env: &[(&str, &str)]) -> Result<Server<'_>, ToolError> {
        self.start_server(argv, env)
    }

    /// [`WorkingContainer::spawn_server`], started again when buildah's runtime fails before
    /// the command starts (see [`run_runtime`]).
    fn start_server<'a>(&self, argv: &[&str], env: &[(&str, &str)]) -> Result<Server<'a>, ToolError> {
        let mut attempt = 1;
        loop {
            let mut server = self.spawn_server(argv, env)?;
            if attempt == 3 || !server.runtime_failed() {
                return Ok(server);
            }
            attempt += 1;
        }
    }

    fn spawn_server<'a>(&self, argv: &[&str], env: &[(&str, &str)]) -> Result<Server<'a>, ToolError> {
        let mut wrapped = vec!["/bin/sh", "-c", SERVE_WRAPPER, "imgc-serve"];
        wrapped.extend_from_slice(argv);
        let mut cmd = self.run_command(&wrapped, env);
        let command = display_command(&cmd);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ToolError::new(&command, format!("could not be started: {e}")))?;
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            spawn_collector(child.stdout.take().expect("piped"), stdout.clone()),
            spawn_collector(child.stderr.take().expect("piped"), stderr.clone()),
        ];
        Ok(Server {
            command,
            stdin: child.stdin.take(),
            child: Some(child),
            stdout,
            stderr,
            readers,
            _owned: None,
            _borrowed: PhantomData,
        })
    }
}

fn spawn_collector(mut pipe: impl Read + Send + 'static, sink: Arc<Mutex<Vec<u8>>>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => sink.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(&buf[..n]),
            }
        }
    })
}

impl Server<'_> {
    /// (stdout, stderr) so far.
    pub fn logs(&self) -> (String, String) {
        let read = |buf: &Arc<Mutex<Vec<u8>>>| {
            String::from_utf8_lossy(&buf.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
        };
        (read(&self.stdout), read(&self.stderr))
    }

    /// Whether the runtime failed to start the command: it exited within two seconds with the
    /// memfd error [`run_runtime`] retries on. Returns as soon as it exits or has run 2 s.
    fn runtime_failed(&mut self) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while self.is_running() && std::time::Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        if self.is_running() {
            return false;
        }
        self.shutdown();
        self.logs().1.contains(RUNTIME_FLAKE)
    }

    /// `false` once the server (its wrapper) has exited.
    pub fn is_running(&mut self) -> bool {
        match &mut self.child {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Stops the server and returns its exit status (of the served command,
    /// so usually a "killed by SIGTERM" status or its own exit code) and
    /// complete logs.
    pub fn stop(mut self) -> Result<(Option<ExitStatus>, String, String), ToolError> {
        let status = self.shutdown();
        let (stdout, stderr) = self.logs();
        match status {
            Some(status) => Ok((Some(status), stdout, stderr)),
            None => Err(ToolError {
                command: self.command.clone(),
                message: "did not stop within 60s and was killed".to_string(),
                stdout,
                stderr,
            }),
        }
    }

    fn shutdown(&mut self) -> Option<ExitStatus> {
        drop(self.stdin.take());
        let mut child = self.child.take()?;
        let status = wait_with_timeout(&mut child, Duration::from_secs(60));
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        status
    }
}

impl Drop for Server<'_> {
    fn drop(&mut self) {
        self.shutdown();
    }
}
