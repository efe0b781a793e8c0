//! The root file system of a step: the stage's layers stacked as overlayfs lower directories,
//! the step's writes landing in a fresh upper directory.
//!
//! Many layers would overflow the mount options (one page): the lower directories are named by
//! short symbolic links (`0`, `1`, …) in a folder the `mount` command runs in, so each costs a few
//! bytes. Unmounted when dropped. Never runs a container.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Linux stacks at most this many lower directories.
pub const MAX_LOWERS: usize = 500;

/// A mounted overlay; unmounted (lazily, if busy) when dropped.
pub struct Overlay {
    merged: PathBuf,
    mounted: bool,
}

impl Overlay {
    /// Mounts `lowers` (bottom first) under `work_root/merged`, writes going to `work_root/upper`.
    pub fn mount(lowers: &[PathBuf], work_root: &Path) -> Result<Overlay, String> {
        if lowers.len() > MAX_LOWERS {
            return Err(format!(
                "the stage has {} layers; overlayfs stacks at most {MAX_LOWERS}: merge steps",
                lowers.len()
            ));
        }
        let names = work_root.join("l");
        let (upper, work, merged) = (work_root.join("upper"), work_root.join("work"), work_root.join("merged"));
        for dir in [&names, &upper, &work, &merged] {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        }
        let mut lowerdir = Vec::new();
        // Overlay lists the topmost lower directory first, and refuses one directory twice
        // (ELOOP). A layer that comes again (two steps that wrote the same change, e.g. a folder
        // removed and made again) is stacked at its topmost place only: every path the lower copy
        // sets, the upper one sets the same way above everything between them.
        let mut seen = std::collections::HashSet::new();
        for (n, lower) in lowers.iter().enumerate().rev() {
            if !seen.insert(lower) {
                continue;
            }
            std::os::unix::fs::symlink(lower, names.join(n.to_string()))
                .map_err(|e| format!("cannot link `{}`: {e}", lower.display()))?;
            lowerdir.push(n.to_string());
        }
        let options = if lowerdir.is_empty() {
            // An overlay needs a lower directory: an empty one for a stage with no layers.
            std::fs::create_dir_all(names.join("empty")).map_err(|e| e.to_string())?;
            format!("lowerdir=empty,upperdir={},workdir={}", upper.display(), work.display())
        } else {
            format!("lowerdir={},upperdir={},workdir={}", lowerdir.join(":"), upper.display(), work.display())
        };
        let output = Command::new("mount")
            .current_dir(&names)
            .args(["-t", "overlay", "overlay", "-o", &options])
            .arg(&merged)
            .output()
            .map_err(|e| missing_overlay(&format!("cannot run `mount`: {e}")))?;
        if !output.status.success() {
            return Err(missing_overlay(String::from_utf8_lossy(&output.stderr).trim()));
        }
        Ok(Overlay { merged, mounted: true })
    }

    pub fn merged(&self) -> &Path {
        &self.merged
    }

    /// Unmounts now, reporting failure (dropping unmounts too, ignoring it).
    pub fn unmount(mut self) -> io::Result<()> {
        self.mounted = false;
        unmount(&self.merged)
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        if self.mounted {
            let _ = unmount(&self.merged).or_else(|_| detach(&self.merged));
        }
    }
}

fn missing_overlay(reason: &str) -> String {
    format!(
        "cannot mount an overlay file system ({reason}): `imgc build` runs `run` steps on overlayfs, as root; \
         load it with `modprobe overlay`"
    )
}

fn c_path(path: &Path) -> io::Result<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)
}

pub fn unmount(path: &Path) -> io::Result<()> {
    let path = c_path(path)?;
    // SAFETY: a valid C string, not kept.
    if unsafe { libc::umount2(path.as_ptr(), 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

pub fn detach(path: &Path) -> io::Result<()> {
    let path = c_path(path)?;
    // SAFETY: a valid C string, not kept.
    if unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
