//! Running external tools (buildah, docker, the setup script) and reporting
//! their failures with the command line and the tool's own output.

use std::fmt;
use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What one finished tool invocation printed, and how it exited.
#[derive(Clone)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub duration: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code; `None` if the tool was killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// `Ok(self)` if the command exited 0, otherwise a [`ToolError`] carrying
    /// its stdout and stderr.
    pub fn ok(self) -> Result<Output, ToolError> {
        if self.success() {
            Ok(self)
        } else {
            Err(ToolError {
                command: self.command.clone(),
                message: format!("exited with {}", describe_status(&self.status)),
                stdout: self.stdout,
                stderr: self.stderr,
            })
        }
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exited with {} after {:.1}s\n--- stdout ---\n{}--- stderr ---\n{}",
            self.command,
            describe_status(&self.status),
            self.duration.as_secs_f64(),
            tail(&self.stdout, 60),
            tail(&self.stderr, 60)
        )
    }
}

/// A tool could not be started, timed out, or exited non-zero. `Display` (and
/// `Debug`, so `.unwrap()` reads well) shows the command line, what went wrong
/// and the last lines of the tool's stderr and stdout.
#[derive(Clone)]
pub struct ToolError {
    pub command: String,
    pub message: String,
    pub stdout: String,
    pub stderr: String,
}

impl ToolError {
    pub(crate) fn new(command: impl Into<String>, message: impl Into<String>) -> ToolError {
        ToolError { command: command.into(), message: message.into(), stdout: String::new(), stderr: String::new() }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.command, self.message)?;
        if !self.stderr.trim().is_empty() {
            write!(f, "\n--- stderr (end) ---\n{}", tail(&self.stderr, 60))?;
        }
        if !self.stdout.trim().is_empty() {
            write!(f, "\n--- stdout (end) ---\n{}", tail(&self.stdout, 40))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ToolError {}

/// The last `n` lines of `text`, with a marker if some were cut.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    if lines.len() > n {
        out.push_str(&format!("[... {} earlier lines]\n", lines.len() - n));
    }
    for line in &lines[lines.len().saturating_sub(n)..] {
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn describe_status(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => status.to_string(),
    }
}

/// Shell-like rendering of a command for messages.
pub fn display_command(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            parts.push(format!("{}={}", key.to_string_lossy(), quote(&value.to_string_lossy())));
        }
    }
    parts.push(quote(&cmd.get_program().to_string_lossy()));
    for arg in cmd.get_args() {
        parts.push(quote(&arg.to_string_lossy()));
    }
    parts.join(" ")
}

fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Runs `cmd` to completion (stdin closed, or fed `stdin`), capturing its
/// output. A non-zero exit is NOT an error here (see [`Output::ok`]); failing
/// to start the tool, or running longer than `timeout` (then it is killed),
/// is.
pub fn run_command(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Result<Output, ToolError> {
    let command = display_command(cmd);
    let start = Instant::now();
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        ToolError::new(
            &command,
            format!("could not be started: {e} (is it installed? scripts/setup-test-env installs the test tools)"),
        )
    })?;
    let writer = stdin.map(|input| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        thread::spawn(move || {
            // The tool may exit without reading everything: ignore EPIPE.
            let _ = pipe.write_all(&input);
        })
    });
    let (stdout, stderr) = collect_output(&mut child);
    let status = wait_with_timeout(&mut child, timeout);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    match status {
        Some(status) => Ok(Output { command, status, stdout, stderr, duration: start.elapsed() }),
        None => Err(ToolError {
            command,
            message: format!("timed out after {}s and was killed", timeout.as_secs()),
            stdout,
            stderr,
        }),
    }
}

/// Like [`run_command`] without stdin, and a non-zero exit is an error.
pub fn run_ok(cmd: &mut Command, timeout: Duration) -> Result<Output, ToolError> {
    run_command(cmd, None, timeout)?.ok()
}

type Reader = thread::JoinHandle<String>;

fn collect_output(child: &mut Child) -> (Reader, Reader) {
    fn reader(mut pipe: impl Read + Send + 'static) -> Reader {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    }
    (reader(child.stdout.take().expect("stdout is piped")), reader(child.stderr.take().expect("stderr is piped")))
}

/// Waits for `child`; kills it (our own child, by its handle) after `timeout`.
/// `None` means it timed out.
pub(crate) fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}
