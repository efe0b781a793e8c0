//! Base images where people keep them on their machine: the docker engine
//! (`docker-daemon:NAME[:TAG]`) and containers-storage, buildah's and podman's store
//! (`containers-storage:[DRIVER@ROOT+RUNROOT]NAME[:TAG]`), in skopeo's transport names. Each is
//! copied by `skopeo copy` into imgc's cache as an OCI layout, once per image ID: a rebuild with
//! the same image asks the engine or the store for its ID only.
//!
//! Runs `docker` and `skopeo`; knows nothing of plans or layers.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The transports of local stores.
const TRANSPORTS: [&str; 2] = ["docker-daemon:", "containers-storage:"];

/// Whether `text` names an image in the docker engine or containers-storage.
pub fn is_local_store(text: &str) -> bool {
    TRANSPORTS.iter().any(|t| text.starts_with(t))
}

/// The OCI layout (and its tag) holding the image `text`, copied now unless it was before.
pub fn layout(text: &str, cache: &Path) -> Result<(PathBuf, String), String> {
    let id = image_id(text)?;
    let key = crate::digest::sha256_digest(format!("{text}\n{id}").as_bytes());
    let dir = cache.join("local-images").join(key.trim_start_matches("sha256:"));
    let tag = "image".to_string();
    if dir.join("index.json").is_file() {
        return Ok((dir, tag));
    }
    let parent = cache.join("local-images");
    std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    let temp = tempfile::Builder::new()
        .prefix(".copy-")
        .tempdir_in(&parent)
        .map_err(|e| format!("cannot create a folder in `{}`: {e}", parent.display()))?;
    let target = format!("oci:{}:{tag}", temp.path().join("layout").display());
    let output = Command::new("skopeo")
        .args(["copy", "--quiet", text, &target])
        .output()
        .map_err(|e| format!("cannot run skopeo to read `{text}` (Debian: `apt-get install skopeo`): {e}"))?;
    if !output.status.success() {
        return Err(format!("cannot copy `{text}` with skopeo: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    match std::fs::rename(temp.path().join("layout"), &dir) {
        Ok(()) => Ok((dir, tag)),
        // Another build copied it at the same time.
        Err(_) if dir.join("index.json").is_file() => Ok((dir, tag)),
        Err(e) => Err(format!("cannot keep the copy of `{text}`: {e}")),
    }
}

/// The image's ID in its store: what changes when the image does.
fn image_id(text: &str) -> Result<String, String> {
    let output = if let Some(name) = text.strip_prefix("docker-daemon:") {
        Command::new("docker").args(["image", "inspect", "--format", "{{.Id}}", name]).output()
    } else {
        Command::new("skopeo").args(["inspect", "--format", "{{.Digest}}", text]).output()
    };
    let output = output.map_err(|e| format!("cannot look up `{text}`: {e}"))?;
    if !output.status.success() {
        return Err(format!("cannot find `{text}`: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_stores_are_named_by_skopeos_transports() {
        assert!(is_local_store("docker-daemon:busybox:1.35"));
        assert!(is_local_store("containers-storage:[vfs@/var/lib/containers/storage+/run/containers/storage]busybox"));
        assert!(!is_local_store("docker://busybox"));
        assert!(!is_local_store("oci:dir:tag"));
    }
}
