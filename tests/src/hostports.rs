//! Serialising tests that use fixed ports on the host network.
//!
//! Containers run with `--network host` (and buildah's chroot isolation has no
//! network namespace), so two servers on port 80 would collide. Hold
//! [`lock_host_ports`] for as long as a server is running: a process-wide
//! mutex serialises the test threads, and an flock(2) on
//! `$TMPDIR/imgc-test-host-ports.lock` serialises test processes (cargo
//! nextest, or several test binaries run at once).

use std::fs::File;
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
    let file = crate::store_lock::flock_file("imgc-test-host-ports.lock", libc::LOCK_EX);
    HostPortsGuard { _file: file, _guard: guard }
}
