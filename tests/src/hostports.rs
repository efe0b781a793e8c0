//! Serialising tests that use fixed ports on the host network.
//!
//! Containers run with `--network host` (and buildah's chroot isolation has no
//! network namespace), so two servers on port 80 would collide. Hold
//! [`lock_host_ports`] for as long as a server is running: a process-wide
//! mutex serialises the test threads, and an flock(2) on
//! `$TMPDIR/imgc-test-host-ports.lock` serialises test processes (cargo
//! nextest, or several test binaries run at once).

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::sync::{Mutex, MutexGuard};

static HOST_PORTS: Mutex<()> = Mutex::new(());

/// Held while a test uses host ports; released when dropped.
pub struct HostPortsGuard {
    // Closing the file releases the flock; drop order: file, then mutex.
    _file: File,
    _guard: MutexGuard<'static, ()>,
}

/// Blocks until no other test thread or test process holds the host ports.
pub fn lock_host_ports() -> HostPortsGuard {
    // A test that panicked while holding the lock poisons it; the ports are
    // free again once its containers are dropped, so ignore the poison.
    let guard = HOST_PORTS.lock().unwrap_or_else(|e| e.into_inner());
    let path = std::env::temp_dir().join("imgc-test-host-ports.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open host-port lock {}: {e}", path.display()));
    loop {
        // SAFETY: flock on a file descriptor we own for the call's duration.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            panic!("cannot lock {}: {err}", path.display());
        }
    }
    HostPortsGuard { _file: file, _guard: guard }
}
