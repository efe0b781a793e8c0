//! Builds and image removals in buildah's store, kept apart.
//!
//! `buildah rmi` running while another build looks up its layer cache can pull a layer from
//! under that lookup ("checking if cached image exists from a previous build: … layer not
//! known"). Builds take this lock shared and removals take it exclusive: builds still run in
//! parallel, a removal waits for the builds in flight. It is an flock(2) on
//! `$TMPDIR/imgc-buildah-store.lock`, so it also holds between test processes and worktrees.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;

/// Held while a build or a removal runs; released when dropped.
pub struct StoreGuard {
    _file: File,
}

fn lock(operation: libc::c_int) -> StoreGuard {
    StoreGuard { _file: flock_file("imgc-buildah-store.lock", operation) }
}

/// Opens `$TMPDIR/NAME` and takes an flock on it (`LOCK_SH` or `LOCK_EX`), blocking until it is
/// granted; closing the file releases it.
pub(crate) fn flock_file(name: &str, operation: libc::c_int) -> File {
    let path = std::env::temp_dir().join(name);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open the lock file {}: {e}", path.display()));
    loop {
        // SAFETY: flock on a file descriptor this function owns.
        let rc = unsafe { libc::flock(file.as_raw_fd(), operation) };
        if rc == 0 {
            return file;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            panic!("cannot lock {}: {error}", path.display());
        }
    }
}

/// For a build: many at once.
pub fn shared() -> StoreGuard {
    lock(libc::LOCK_SH)
}

/// For a removal: alone.
pub fn exclusive() -> StoreGuard {
    lock(libc::LOCK_EX)
}
