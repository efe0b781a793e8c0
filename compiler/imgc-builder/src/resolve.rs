//! Base image references resolved to digests, for lock files: what a tag names now (an image
//! index or one manifest) and, per platform, the digest of that platform's manifest; read from a
//! local OCI layout here, from a registry in `registry::resolve`. And the other way: the
//! reference that pulls a pinned manifest by digest.

use super::base::{DOCKER_LIST, INDEX, LocalRef, REF_NAME, for_platform};
use super::config::ImageConfig;
use super::digest::sha256_digest;
use super::platform::Platform;
use serde_json::Value;
use std::path::Path;

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The digest of what the reference names: an index, or one manifest.
    pub digest: String,
    /// For each platform asked for, the digest of its manifest.
    pub platforms: Vec<(Platform, String)>,
}

/// `NAME@DIGEST` for a reference `NAME[:TAG][@OLD]`: pulls exactly `digest`.
pub fn by_digest(reference: &str, digest: &str) -> String {
    let name = reference.split_once('@').map_or(reference, |(name, _)| name);
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let name = match name[slash..].rfind(':') {
        Some(colon) => &name[..slash + colon],
        None => name,
    };
    format!("{name}@{digest}")
}

/// Picks the platforms' manifests from an index or checks one manifest's platform, given the
/// top-level JSON and its digest; `config` reads a manifest's config.
pub(crate) fn platforms_of(
    what: &str,
    json: &Value,
    digest: &str,
    platforms: &[Platform],
    config: &mut dyn FnMut(&Value) -> Result<ImageConfig, String>,
) -> Result<Resolved, String> {
    let media_type = json["mediaType"].as_str().unwrap_or_default();
    let is_index = media_type == INDEX || media_type == DOCKER_LIST || json.get("manifests").is_some();
    let mut out = Vec::new();
    if is_index {
        for platform in platforms {
            let entry = for_platform(json, platform).ok_or_else(|| {
                let offered: Vec<String> = json["manifests"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| {
                        let p = &d["platform"];
                        format!("{}/{}", p["os"].as_str().unwrap_or("?"), p["architecture"].as_str().unwrap_or("?"))
                    })
                    .collect();
                format!("`{what}` has no image for {platform} (it has: {})", offered.join(", "))
            })?;
            let manifest = entry["digest"].as_str().unwrap_or_default().to_string();
            out.push((platform.clone(), manifest));
        }
    } else {
        let config = config(&json["config"])?;
        for platform in platforms {
            if !platform.accepts(&config.os, &config.architecture, config.variant.as_deref()) {
                return Err(format!(
                    "`{what}` is an image for {}/{} only, not {platform}",
                    config.os, config.architecture
                ));
            }
            out.push((platform.clone(), digest.to_string()));
        }
    }
    Ok(Resolved { digest: digest.to_string(), platforms: out })
}

/// Resolves a local layout or archive (unpacked into `scratch`).
pub fn resolve_local(reference: &LocalRef, platforms: &[Platform], scratch: &Path) -> Result<Resolved, String> {
    let (dir, tag) = super::base::layout_dir(reference, scratch)?;
    let name = dir.display().to_string();
    let index_bytes =
        std::fs::read(dir.join("index.json")).map_err(|e| format!("cannot read `{name}/index.json`: {e}"))?;
    let index: Value =
        serde_json::from_slice(&index_bytes).map_err(|e| format!("`{name}/index.json` is not JSON: {e}"))?;
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let tag_of = |d: &Value| d["annotations"][REF_NAME].as_str().map(str::to_string);
    let chosen = match &tag {
        Some(tag) => manifests
            .iter()
            .find(|d| tag_of(d).as_deref() == Some(tag))
            .ok_or_else(|| format!("the layout `{name}` has no image tagged `{tag}`"))?,
        None if manifests.len() == 1 => &manifests[0],
        None => return Err(format!("the layout `{name}` holds {} images: say which with `:TAG`", manifests.len())),
    };
    let digest = chosen["digest"].as_str().unwrap_or_default().to_string();
    let json = read_json_blob(&dir, &digest)?;
    platforms_of(&name, &json, &digest, platforms, &mut |descriptor| {
        let digest = descriptor["digest"].as_str().unwrap_or_default();
        serde_json::from_value(read_json_blob(&dir, digest)?)
            .map_err(|e| format!("a config in `{name}` is not valid: {e}"))
    })
}

fn read_json_blob(dir: &Path, digest: &str) -> Result<Value, String> {
    let path = super::base::blob_path(dir, digest);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read the blob `{}`: {e}", path.display()))?;
    if sha256_digest(&bytes) != digest {
        return Err(format!("the blob `{}` does not match its digest", path.display()));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("the blob `{}` is not JSON: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_references_drop_the_tag_and_any_old_digest() {
        let d = "sha256:00";
        assert_eq!(by_digest("debian:bookworm-slim", d), "debian@sha256:00");
        assert_eq!(by_digest("127.0.0.1:5000/base:1", d), "127.0.0.1:5000/base@sha256:00");
        assert_eq!(by_digest("127.0.0.1:5000/base", d), "127.0.0.1:5000/base@sha256:00");
        assert_eq!(by_digest("busybox:1.35@sha256:11", d), "busybox@sha256:00");
    }
}
