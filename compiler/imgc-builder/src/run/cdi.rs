//! CDI devices (`run … device "vendor.com/class=name"`): the Container Device Interface spec
//! files (JSON or YAML, `.json`, `.yaml` or `.yml`) in the spec folders (`/etc/cdi`, `/var/run/cdi`, or `--cdi-spec-dir`) say what
//! a device is: device nodes, mounts and variables to add to the container. A device named
//! without `=name`, or `=all`, is every device of its kind. A device not found is skipped
//! unless it is required, as BuildKit does.
//!
//! Reads spec files; knows nothing of runc.

use super::RunError;
use oci_spec::runtime::{LinuxDevice, LinuxDeviceBuilder, LinuxDeviceType, Mount, MountBuilder};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The folders CDI specs are read from when none is given.
pub const DEFAULT_SPEC_DIRS: [&str; 2] = ["/etc/cdi", "/var/run/cdi"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpecFile {
    kind: String,
    #[serde(default)]
    devices: Vec<Device>,
    #[serde(default)]
    container_edits: Edits,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Device {
    name: String,
    #[serde(default)]
    container_edits: Edits,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct Edits {
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    device_nodes: Vec<DeviceNode>,
    #[serde(default)]
    mounts: Vec<CdiMount>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct DeviceNode {
    path: String,
    host_path: Option<String>,
    permissions: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct CdiMount {
    host_path: String,
    container_path: String,
    #[serde(default)]
    options: Vec<String>,
}

/// What the step's devices add to its container.
#[derive(Default)]
pub struct Applied {
    pub env: Vec<String>,
    pub devices: Vec<LinuxDevice>,
    pub mounts: Vec<Mount>,
    /// The devices found, for the cache key.
    pub key: Vec<String>,
}

/// Resolves each `(name, required)` against the specs in `dirs`.
pub fn apply(requests: &[(String, bool)], dirs: &[PathBuf]) -> Result<Applied, RunError> {
    let mut applied = Applied::default();
    if requests.is_empty() {
        return Ok(applied);
    }
    let specs = read_specs(dirs)?;
    for (name, required) in requests {
        let (kind, device) = name.split_once('=').unwrap_or((name, "all"));
        let matching: Vec<(&SpecFile, &Device)> = specs
            .iter()
            .filter(|s| s.kind == kind)
            .flat_map(|s| s.devices.iter().map(move |d| (s, d)))
            .filter(|(_, d)| device == "all" || d.name == device)
            .collect();
        if matching.is_empty() {
            if *required {
                let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                return Err(RunError::Secret(format!(
                    "the step needs the device `{name}`, which no CDI spec in {} describes",
                    searched.join(", ")
                )));
            }
            eprintln!("imgc: the device `{name}` is not available; the step runs without it");
            continue;
        }
        let mut spec_edits_done: Vec<*const SpecFile> = Vec::new();
        for (spec, device) in matching {
            if !spec_edits_done.contains(&(spec as *const SpecFile)) {
                spec_edits_done.push(spec);
                add(&spec.container_edits, &mut applied)?;
            }
            add(&device.container_edits, &mut applied)?;
            applied.key.push(format!("{}={}", spec.kind, device.name));
        }
    }
    Ok(applied)
}

fn read_specs(dirs: &[PathBuf]) -> Result<Vec<SpecFile>, RunError> {
    let mut specs = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let yaml = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => false,
                Some("yaml" | "yml") => true,
                _ => continue,
            };
            let text = std::fs::read_to_string(&path)
                .map_err(|e| RunError::Other(format!("cannot read the CDI spec `{}`: {e}", path.display())))?;
            let invalid = |e: &dyn std::fmt::Display| {
                RunError::Other(format!("the CDI spec `{}` is not valid: {e}", path.display()))
            };
            let spec: SpecFile = if yaml {
                serde_norway::from_str(&text).map_err(|e| invalid(&e))?
            } else {
                serde_json::from_str(&text).map_err(|e| invalid(&e))?
            };
            specs.push(spec);
        }
    }
    Ok(specs)
}

fn add(edits: &Edits, applied: &mut Applied) -> Result<(), RunError> {
    applied.env.extend(edits.env.iter().cloned());
    for node in &edits.device_nodes {
        applied.devices.push(device(node)?);
    }
    for mount in &edits.mounts {
        let options = if mount.options.is_empty() { vec!["bind".to_string()] } else { mount.options.clone() };
        let built = MountBuilder::default()
            .destination(PathBuf::from(&mount.container_path))
            .typ("bind")
            .source(PathBuf::from(&mount.host_path))
            .options(options)
            .build()
            .map_err(|e| RunError::Other(e.to_string()))?;
        applied.mounts.push(built);
    }
    Ok(())
}

/// A device node as runc creates it: type and numbers from the host's node.
fn device(node: &DeviceNode) -> Result<LinuxDevice, RunError> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let host = node.host_path.as_deref().unwrap_or(&node.path);
    let meta = std::fs::metadata(Path::new(host))
        .map_err(|e| RunError::Other(format!("the CDI device node `{host}`: {e}")))?;
    let typ = if meta.file_type().is_char_device() {
        LinuxDeviceType::C
    } else if meta.file_type().is_block_device() {
        LinuxDeviceType::B
    } else {
        return Err(RunError::Other(format!("the CDI device node `{host}` is not a device")));
    };
    let rdev = meta.rdev();
    let _ = &node.permissions;
    LinuxDeviceBuilder::default()
        .path(PathBuf::from(&node.path))
        .typ(typ)
        .major(i64::from(libc::major(rdev)))
        .minor(i64::from(libc::minor(rdev)))
        .file_mode(meta.mode() & 0o777)
        .uid(0u32)
        .gid(0u32)
        .build()
        .map_err(|e| RunError::Other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_found_by_kind_and_name_and_missing_ones_skipped_unless_required() {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec = r#"{"cdiVersion": "0.6.0", "kind": "example.test/gpu",
            "containerEdits": {"env": ["SHARED=1"]},
            "devices": [
                {"name": "one", "containerEdits": {"env": ["GPU=one"], "deviceNodes": [{"path": "/dev/gpu0", "hostPath": "/dev/null"}]}},
                {"name": "two", "containerEdits": {"env": ["GPU=two"]}}
            ]}"#;
        std::fs::write(dir.path().join("gpu.json"), spec).expect("write");
        let dirs = vec![dir.path().to_path_buf()];
        let one = apply(&[("example.test/gpu=one".into(), true)], &dirs).expect("found");
        assert_eq!(one.env, ["SHARED=1", "GPU=one"]);
        assert_eq!(one.devices.len(), 1);
        assert_eq!(one.devices[0].path(), Path::new("/dev/gpu0"));
        assert_eq!(one.devices[0].typ(), LinuxDeviceType::C);
        let all = apply(&[("example.test/gpu".into(), false)], &dirs).expect("found");
        assert_eq!(all.env, ["SHARED=1", "GPU=one", "GPU=two"]);
        assert_eq!(all.key, ["example.test/gpu=one", "example.test/gpu=two"]);
        // The same in YAML, as vendors ship them (`nvidia-ctk cdi generate` writes YAML).
        let yaml = "cdiVersion: 0.6.0\nkind: example.test/fpga\ndevices:\n  - name: f0\n    containerEdits:\n      env: [FPGA=f0]\n      deviceNodes:\n        - path: /dev/fpga0\n          hostPath: /dev/null\n";
        std::fs::write(dir.path().join("fpga.yaml"), yaml).expect("write");
        let fpga = apply(&[("example.test/fpga=f0".into(), true)], &dirs).expect("found in YAML");
        assert_eq!(fpga.env, ["FPGA=f0"]);
        assert_eq!(fpga.devices[0].path(), Path::new("/dev/fpga0"));
        std::fs::write(dir.path().join("broken.yml"), "kind: [").expect("write");
        assert!(
            matches!(apply(&[("example.test/gpu=one".into(), true)], &dirs), Err(RunError::Other(m)) if m.contains("broken.yml"))
        );
        std::fs::remove_file(dir.path().join("broken.yml")).expect("rm");
        let skipped = apply(&[("example.test/gpu=three".into(), false)], &dirs).expect("skipped");
        assert!(skipped.env.is_empty());
        assert!(matches!(apply(&[("example.test/gpu=three".into(), true)], &dirs), Err(RunError::Secret(_))));
    }
}
