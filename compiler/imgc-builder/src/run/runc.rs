//! Running a bundle with runc: the container started under a unique id, its output streamed (as
//! [`super::view`] shows it) while the last lines are kept for an error, SIGINT and SIGTERM turned
//! into killing the container, and the container's state deleted whatever happens.
//!
//! Knows the runc command line only; never mounts, never reads layers.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Lines of output kept for the error of a failing step.
pub const TAIL: usize = 20;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether SIGINT or SIGTERM arrived since [`Interrupts::catch`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// SIGINT and SIGTERM caught (so the build can stop its container and clean up) until dropped,
/// when the previous handlers come back.
pub struct Interrupts {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

impl Interrupts {
    pub fn catch() -> Interrupts {
        INTERRUPTED.store(false, Ordering::SeqCst);
        let mut previous = Vec::new();
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: sigaction with a handler that only stores to an atomic; zeroed structs are
            // valid sigaction values.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, &action, &mut old) == 0 {
                    previous.push((signal, old));
                }
            }
        }
        Interrupts { previous }
    }
}

impl Drop for Interrupts {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: restores the action saved by `catch`.
            unsafe {
                libc::sigaction(*signal, old, std::ptr::null_mut());
            }
        }
    }
}

/// The runtime `given`, else the runc binary on PATH.
pub fn find(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(runtime) = given {
        return match runtime.is_file() {
            true => Ok(runtime.to_path_buf()),
            false => Err(format!("the runtime `{}` does not exist", runtime.display())),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("runc"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| "runc is not installed (install it: `apt-get install runc`)".to_string())
}

/// How a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Exited(i32),
    /// Killed by this signal.
    Signal(i32),
    /// Stopped by imgc on SIGINT or SIGTERM.
    Interrupted,
}

/// A container's end and its last lines of output.
pub struct Finished {
    pub ending: Ending,
    pub tail: Vec<String>,
}

/// A container id; `runc delete -f` on drop.
struct Container<'a> {
    runc: &'a Path,
    id: &'a str,
}

impl Drop for Container<'_> {
    fn drop(&mut self) {
        let _ = Command::new(self.runc)
            .args(["delete", "-f", self.id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs the bundle at `bundle` as container `id`, each line of its output written to standard
/// error after `prefix`.
pub fn run(runc: &Path, bundle: &Path, id: &str, prefix: &str) -> Result<Finished, String> {
    let _container = Container { runc, id };
    let mut child = Command::new(runc)
        .args(["run", "--no-new-keyring", "--bundle"])
        .arg(bundle)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", runc.display()))?;
    let (sender, receiver) = mpsc::channel::<Vec<u8>>();
    let readers: Vec<_> = [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    .map(|stream| {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                if sender.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        })
    })
    .collect();
    drop(sender);
    let mut tail: VecDeque<String> = VecDeque::new();
    let mut killed = false;
    let mut view = super::view::View::new(prefix);
    loop {
        match receiver.recv_timeout(Duration::from_millis(50)) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let line = text.trim_end_matches(['\n', '\r']);
                view.line(line);
                if tail.len() == TAIL {
                    tail.pop_front();
                }
                tail.push_back(line.to_string());
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if interrupted() && !killed {
            killed = true;
            let _ = Command::new(runc).args(["kill", id, "KILL"]).stderr(Stdio::null()).status();
        }
    }
    for reader in readers {
        let _ = reader.join();
    }
    view.finish();
    let status = child.wait().map_err(|e| format!("cannot wait for runc: {e}"))?;
    let ending = if killed || interrupted() {
        Ending::Interrupted
    } else {
        match status.code() {
            Some(code) if code > 128 => Ending::Signal(code - 128),
            Some(code) => Ending::Exited(code),
            None => Ending::Signal(std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)),
        }
    };
    Ok(Finished { ending, tail: tail.into() })
}
