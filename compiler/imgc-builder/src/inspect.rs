//! `imgc inspect`: what an image holds, read back from a layout or an archive.

use super::base::REF_NAME;
use super::config::ImageConfig;
use super::output::Destination;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

/// Largest JSON file read.
const MAX_JSON: u64 = 8 << 20;

/// The files of an image: small ones' bytes, every blob's size.
struct Files {
    json: HashMap<String, Vec<u8>>,
    sizes: HashMap<String, u64>,
}

impl Files {
    fn from_dir(dir: &Path) -> Result<Files, String> {
        let mut files = Files { json: HashMap::new(), sizes: HashMap::new() };
        if !dir.join("oci-layout").is_file() {
            return Err(format!("`{}` is not an OCI image layout", dir.display()));
        }
        let index = std::fs::read(dir.join("index.json"))
            .map_err(|e| format!("cannot read `{}/index.json`: {e}", dir.display()))?;
        files.json.insert("index.json".into(), index);
        let blobs = dir.join("blobs/sha256");
        for entry in std::fs::read_dir(&blobs).map_err(|e| format!("cannot read `{}`: {e}", blobs.display()))? {
            let entry = entry.map_err(|e| e.to_string())?;
            let size = entry.metadata().map_err(|e| e.to_string())?.len();
            let name = format!("blobs/sha256/{}", entry.file_name().to_string_lossy());
            if size <= MAX_JSON {
                files.json.insert(name.clone(), std::fs::read(entry.path()).map_err(|e| e.to_string())?);
            }
            files.sizes.insert(name, size);
        }
        Ok(files)
    }

    fn from_archive(file: &Path) -> Result<Files, String> {
        let reader = std::fs::File::open(file).map_err(|e| format!("cannot open `{}`: {e}", file.display()))?;
        let mut archive = tar::Archive::new(std::io::BufReader::new(reader));
        let mut files = Files { json: HashMap::new(), sizes: HashMap::new() };
        let bad = |e: std::io::Error| format!("cannot read the archive `{}`: {e}", file.display());
        for entry in archive.entries().map_err(bad)? {
            let mut entry = entry.map_err(bad)?;
            let path = entry.path().map_err(bad)?.to_string_lossy().trim_start_matches("./").to_string();
            let size = entry.size();
            if size <= MAX_JSON && (path.ends_with(".json") || path.starts_with("blobs/")) {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).map_err(bad)?;
                files.json.insert(path.clone(), bytes);
            }
            files.sizes.insert(path, size);
        }
        Ok(files)
    }

    fn json(&self, path: &str) -> Result<Value, String> {
        let bytes = self.json.get(path).ok_or_else(|| format!("the image has no `{path}`"))?;
        serde_json::from_slice(bytes).map_err(|e| format!("`{path}` is not valid JSON: {e}"))
    }
}

fn blob_name(digest: &str) -> String {
    format!("blobs/{}", digest.replace(':', "/"))
}

/// A human summary of the image at `destination`: manifest, config, layers and their steps.
pub fn inspect(destination: &Destination) -> Result<String, String> {
    let files = match destination {
        Destination::Layout { dir, .. } => Files::from_dir(dir)?,
        Destination::OciArchive { file, .. } | Destination::DockerArchive { file, .. } => Files::from_archive(file)?,
        #[cfg(feature = "registry")]
        Destination::Registry { reference } => {
            return Err(format!(
                "`imgc inspect` reads layouts and archives; for `{reference}` use `skopeo inspect docker://{reference}`"
            ));
        }
    };
    let index = files.json("index.json")?;
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let wanted = destination.tag();
    let descriptor =
        manifests.iter().find(|d| wanted.is_none() || d["annotations"][REF_NAME].as_str() == wanted).ok_or_else(
            || format!("no image tagged `{}` in `{}`", wanted.unwrap_or_default(), destination.path().display()),
        )?;
    let digest = descriptor["digest"].as_str().unwrap_or_default();
    let tags: Vec<&str> = manifests.iter().filter_map(|d| d["annotations"][REF_NAME].as_str()).collect();
    let top = files.json(&blob_name(digest))?;
    let Some(images) = top["manifests"].as_array() else {
        return summary(&files, digest, &top, &tags);
    };
    // An image index: each platform's image in turn.
    let mut out = String::new();
    let _ = writeln!(out, "index      {digest}");
    if !tags.is_empty() {
        let _ = writeln!(out, "tags       {}", tags.join(", "));
    }
    for entry in images {
        let digest = entry["digest"].as_str().unwrap_or_default();
        let manifest = files.json(&blob_name(digest))?;
        out.push('\n');
        out.push_str(&summary(&files, digest, &manifest, &[])?);
    }
    Ok(out)
}

/// The summary of one image: its manifest, config and layers.
fn summary(files: &Files, manifest_digest: &str, manifest: &Value, tags: &[&str]) -> Result<String, String> {
    let config_digest = manifest["config"]["digest"].as_str().unwrap_or_default();
    let config: ImageConfig = serde_json::from_value(files.json(&blob_name(config_digest))?)
        .map_err(|e| format!("the image config is not valid: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(out, "manifest   {manifest_digest}");
    let _ = writeln!(out, "config     {config_digest}");
    if !tags.is_empty() {
        let _ = writeln!(out, "tags       {}", tags.join(", "));
    }
    let _ = writeln!(out, "platform   {}/{}", config.os, config.architecture);
    let _ = writeln!(out, "created    {}", config.created.as_deref().unwrap_or("-"));
    let run = &config.config;
    let list = |items: Option<&Vec<String>>| items.map(|i| serde_json::to_string(i).unwrap_or_default());
    let fields: [(&str, Option<String>); 11] = [
        ("user", run.user.clone()),
        ("workdir", run.working_dir.clone()),
        ("env", run.env.as_ref().map(|e| e.join("\n           "))),
        ("entrypoint", list(run.entrypoint.as_ref())),
        ("cmd", list(run.cmd.as_ref())),
        ("ports", run.exposed_ports.as_ref().map(|p| p.keys().cloned().collect::<Vec<_>>().join(" "))),
        ("volumes", run.volumes.as_ref().map(|v| v.keys().cloned().collect::<Vec<_>>().join(" "))),
        (
            "labels",
            run.labels
                .as_ref()
                .map(|l| l.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n           ")),
        ),
        ("stopsignal", run.stop_signal.clone()),
        ("health", run.healthcheck.as_ref().map(|h| list(Some(&h.test)).unwrap_or_default())),
        ("shell", list(run.shell.as_ref())),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            let _ = writeln!(out, "{name:<10} {value}");
        }
    }
    if let Some(triggers) = &run.on_build {
        for trigger in triggers {
            let _ = writeln!(out, "onbuild    {trigger}");
        }
    }
    let steps: Vec<&str> =
        config.history.iter().filter(|h| !h.empty_layer).map(|h| h.created_by.as_deref().unwrap_or("-")).collect();
    let layers = manifest["layers"].as_array().cloned().unwrap_or_default();
    let total: u64 = layers.iter().filter_map(|l| l["size"].as_u64()).sum();
    let _ = writeln!(out, "layers     {} ({})", layers.len(), human_size(total));
    for (n, layer) in layers.iter().enumerate() {
        let digest = layer["digest"].as_str().unwrap_or_default();
        let size = layer["size"].as_u64().unwrap_or_default();
        let step = steps.get(n).copied().unwrap_or("-");
        let short = digest.get(..19).unwrap_or(digest);
        let _ =
            writeln!(out, "  {:>2}  {short}  {:>9}  {}", n + 1, human_size(size), step.lines().next().unwrap_or(""));
    }
    Ok(out)
}

/// `1.2 MB`, in powers of 1000.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_human() {
        assert_eq!(super::human_size(999), "999 B");
        assert_eq!(super::human_size(1_234_567), "1.2 MB");
    }
}
