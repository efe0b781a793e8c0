//! What a build killed outright (SIGKILL, a crash, a power cut) leaves under the cache: its
//! containers may still run, its overlays stay mounted, its temporary folders stay. The next
//! build that runs a step sweeps whatever belongs to a process that is gone: it deletes the
//! containers (`runc delete -f`), unmounts what is mounted below the folders, deepest first,
//! and removes them. Folders and containers are named after their build's process id.
//!
//! The output's staging folders (`.imgc-build-PID-…` beside the output) are swept the same way
//! when the next build writes beside them. Never touches what a live process owns.

use crate::output::STAGING_NAME;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The temporary folder name prefix of this process (`run-PID-`).
pub fn prefix(kind: &str) -> String {
    format!("{kind}-{}-", std::process::id())
}

/// The container id prefix of this process.
pub fn container_prefix() -> String {
    format!("imgc-{}-", std::process::id())
}

fn is_gone(pid: u32) -> bool {
    pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists()
}

/// The process id in a name made by [`prefix`] (`KIND-PID-…`) or [`container_prefix`].
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("imgc-").or_else(|| name.strip_prefix(STAGING_NAME)?.strip_prefix('-'));
    match rest {
        Some(rest) => rest.split('-').next()?.parse().ok(),
        None => name.split('-').nth(1)?.parse().ok(),
    }
}

/// Sweeps `tmp` (the cache's temporary folders) of what dead builds made; `runc` deletes their
/// containers.
pub fn sweep(tmp: &Path, runc: Option<&Path>) {
    sweep_where(tmp, runc, |_| true);
}

/// Sweeps an output's folder of the staging folders of dead builds.
pub fn sweep_staging(parent: &Path) {
    sweep_where(parent, None, |name| name.strip_prefix(STAGING_NAME).is_some_and(|rest| rest.starts_with('-')));
}

fn sweep_where(tmp: &Path, runc: Option<&Path>, ours: fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(tmp) else { return };
    let stale: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_str().unwrap_or_default();
            ours(name) && owner(name).is_some_and(is_gone)
        })
        .map(|e| e.path())
        .collect();
    if stale.is_empty() {
        return;
    }
    if let Some(runc) = runc
        && let Ok(list) = Command::new(runc).args(["list", "-q"]).stderr(Stdio::null()).output()
    {
        for id in String::from_utf8_lossy(&list.stdout).lines() {
            if id.starts_with("imgc-") && owner(id).is_some_and(is_gone) {
                let _ =
                    Command::new(runc).args(["delete", "-f", id]).stdout(Stdio::null()).stderr(Stdio::null()).status();
            }
        }
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    for dir in stale {
        let mut points: Vec<PathBuf> = mounts
            .lines()
            .filter_map(|line| line.split(' ').nth(4))
            .map(|point| PathBuf::from(point.replace("\\040", " ")))
            .filter(|point| point.starts_with(&dir))
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
        for point in points {
            let _ = super::overlay::unmount(&point).or_else(|_| super::overlay::detach(&point));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_read_from_folder_and_container_names() {
        assert_eq!(owner("run-4242-abcdef"), Some(4242));
        assert_eq!(owner("imgc-4242-3-123456"), Some(4242));
        assert_eq!(owner(".imgc-build-4242-Xy12"), Some(4242));
        assert_eq!(owner("unrelated"), None);
        assert!(!is_gone(std::process::id()));
        let dir = tempfile::tempdir().expect("temp dir");
        // A process id above the kernel's limit is never alive.
        std::fs::create_dir_all(dir.path().join("run-99999999-x/merged")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join(format!("run-{}-y", std::process::id()))).expect("mkdir");
        sweep(dir.path(), None);
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, [format!("run-{}-y", std::process::id())], "only the dead build's folder is swept");
    }
}
