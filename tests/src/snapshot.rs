//! What two builds of the same program must agree on: an image's whole file tree (path, type,
//! mode, owner, size and content hash of files, symlink targets, device numbers; not times) and
//! its runtime configuration. Read from a buildah image by mounting a working container and
//! walking it, so it works for images without a shell (`scratch`); from a docker image by
//! exporting a container's file system into a temporary folder and walking that.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::buildah;
use crate::cmd::{ToolError, run_ok};

/// The configuration fields compared, as `buildah inspect` names them.
pub const CONFIG_FIELDS: [&str; 12] = [
    "Env",
    "Cmd",
    "Entrypoint",
    "WorkingDir",
    "User",
    "ExposedPorts",
    "Labels",
    "Volumes",
    "Healthcheck",
    "StopSignal",
    "Shell",
    "OnBuild",
];

/// One entry of the file tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// `file`, `dir`, `symlink`, `char`, `block`, `fifo` or `socket`.
    pub kind: &'static str,
    /// Permission bits with set-id and sticky bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Files: size and sha256 of the content. Symlinks: the target. Devices: the device number.
    pub content: String,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:04o} {}:{} {}", self.kind, self.mode, self.uid, self.gid, self.content)
    }
}

/// An image's file tree and configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// By absolute path inside the image.
    pub files: BTreeMap<String, Entry>,
    /// The fields of [`CONFIG_FIELDS`] that are set.
    pub config: BTreeMap<String, Value>,
}

/// Reads a buildah image (a working container is made, mounted, walked and removed).
pub fn snapshot(image: &str) -> Result<Snapshot, ToolError> {
    let container = working_container(image)?;
    let mounted = run_ok(buildah::command().args(["mount", &container.name]), buildah::RUN_TIMEOUT)?;
    let root = mounted.stdout.trim().to_string();
    let mut files = BTreeMap::new();
    let walked = walk(Path::new(&root), "", &mut files);
    let _ = run_ok(buildah::command().args(["umount", &container.name]), buildah::RUN_TIMEOUT);
    walked.map_err(|e| ToolError::new(format!("walk {root}"), e.to_string()))?;
    let inspected = run_ok(buildah::command().args(["inspect", "--type", "image", image]), buildah::RUN_TIMEOUT)?;
    let json: Value = serde_json::from_str(&inspected.stdout)
        .map_err(|e| ToolError::new(&inspected.command, format!("printed JSON that does not parse: {e}")))?;
    let docker = &json["Docker"]["config"];
    let raw = if docker.is_object() { docker } else { &json["OCIv1"]["config"] };
    let config = CONFIG_FIELDS
        .iter()
        .filter_map(|k| raw.get(*k).filter(|v| !is_empty(v)).map(|v| (k.to_string(), v.clone())))
        .collect();
    Ok(Snapshot { files, config })
}

/// Reads an image in docker's store: a container is created (not started), its file system
/// exported and unpacked with its owners and modes, walked, and removed. The files docker adds to
/// every container (`/.dockerenv`, `/etc/hosts`…) are the same for any two images.
pub fn docker_snapshot(image: &str) -> Result<Snapshot, ToolError> {
    let name = crate::unique_tag(crate::Engine::Docker, "snapshot").replace([':', '/', '.'], "-");
    run_ok(crate::docker::command().args(["create", "--name", &name, image, "/none"]), crate::docker::RUN_TIMEOUT)?;
    let unpacked = tempfile::tempdir().map_err(|e| ToolError::new("tempdir", e.to_string()));
    let result = unpacked.and_then(|dir| {
        let root = dir.path().to_string_lossy().into_owned();
        let docker = crate::docker::command().get_program().to_string_lossy().into_owned();
        let script = "set -o pipefail 2>/dev/null; \"$3\" export \"$1\" | tar -x --same-owner --same-permissions --numeric-owner -f - -C \"$2\"";
        let mut command = std::process::Command::new("bash");
        command.args(["-c", script, "sh", &name, &root, &docker]);
        run_ok(&mut command, crate::docker::RUN_TIMEOUT)?;
        let mut files = BTreeMap::new();
        walk(dir.path(), "", &mut files).map_err(|e| ToolError::new(format!("walk {root}"), e.to_string()))?;
        let inspected =
            run_ok(crate::docker::command().args(["inspect", "--type", "image", image]), crate::docker::RUN_TIMEOUT)?;
        let json: Value = serde_json::from_str(&inspected.stdout)
            .map_err(|e| ToolError::new(&inspected.command, format!("printed JSON that does not parse: {e}")))?;
        let raw = &json[0]["Config"];
        let config = CONFIG_FIELDS
            .iter()
            .filter_map(|k| raw.get(*k).filter(|v| !is_empty(v)).map(|v| (k.to_string(), v.clone())))
            .collect();
        Ok(Snapshot { files, config })
    });
    let _ = run_ok(crate::docker::command().args(["rm", "-f", &name]), crate::docker::RUN_TIMEOUT);
    result
}

/// `buildah from` with chroot isolation: it runs the image's `ONBUILD` triggers, and chroot is
/// the isolation the builds use (the default OCI runtime may not run where the tests do).
fn working_container(image: &str) -> Result<buildah::WorkingContainer, ToolError> {
    let name = crate::unique_tag(crate::Engine::Docker, "snapshot").replace([':', '/', '.'], "-");
    let args = ["from", "--pull=never", "--isolation", "chroot", "--name", &name, image];
    run_ok(buildah::command().args(args), buildah::RUN_TIMEOUT)?;
    Ok(buildah::WorkingContainer { name })
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Entry>) -> std::io::Result<()> {
    let mut names: Vec<_> = fs::read_dir(dir)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let inside = format!("{prefix}/{}", name.to_string_lossy());
        let meta = fs::symlink_metadata(&path)?;
        let kind = meta.file_type();
        let (kind_name, content) = if kind.is_symlink() {
            ("symlink", fs::read_link(&path)?.to_string_lossy().into_owned())
        } else if kind.is_dir() {
            ("dir", String::new())
        } else if kind.is_file() {
            ("file", format!("{} bytes sha256:{}", meta.len(), hash(&path)?))
        } else if kind.is_char_device() {
            ("char", format!("rdev {}", meta.rdev()))
        } else if kind.is_block_device() {
            ("block", format!("rdev {}", meta.rdev()))
        } else if kind.is_fifo() {
            ("fifo", String::new())
        } else {
            ("socket", String::new())
        };
        let entry = Entry { kind: kind_name, mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid(), content };
        out.insert(inside.clone(), entry);
        if kind.is_dir() {
            walk(&path, &inside, out)?;
        }
    }
    Ok(())
}

fn hash(path: &Path) -> std::io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Every difference between two snapshots, one line each: `-` only in `a`, `+` only in `b`,
/// `~` in both but different. Files matched by `ignore_content` are compared without their
/// content (files that record when they were written, such as package manager logs).
pub fn differences(a: &Snapshot, b: &Snapshot, ignore_content: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for (path, entry) in &a.files {
        match b.files.get(path) {
            None => out.push(format!("- {path}: {entry}")),
            Some(other) if other == entry => {}
            Some(other)
                if ignore_content(path)
                    && Entry { content: String::new(), ..other.clone() }
                        == Entry { content: String::new(), ..entry.clone() } => {}
            Some(other) => out.push(format!("~ {path}: {entry} → {other}")),
        }
    }
    for (path, entry) in &b.files {
        if !a.files.contains_key(path) {
            out.push(format!("+ {path}: {entry}"));
        }
    }
    for field in CONFIG_FIELDS {
        let (x, y) = (a.config.get(field), b.config.get(field));
        if x != y {
            let show = |v: Option<&Value>| v.map_or_else(|| "(unset)".to_string(), Value::to_string);
            out.push(format!("~ config {field}: {} → {}", show(x), show(y)));
        }
    }
    out
}
