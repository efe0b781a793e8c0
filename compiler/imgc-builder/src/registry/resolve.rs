//! What a registry reference names now, for lock files: the digest of its manifest or index and,
//! per platform, the digest of that platform's manifest (for a single manifest, its config says
//! which platform it is). Reads manifests and at most one small config; pulls no layer.

use super::super::config::ImageConfig;
use super::super::digest::sha256_digest;
use super::super::platform::Platform;
use super::super::resolve::{Resolved, platforms_of};
use super::{ACCEPTED, Remote};
use serde_json::Value;
use std::path::Path;

/// Largest config read.
const MAX_CONFIG: u64 = 4 << 20;

/// Resolves the registry reference `text` for `platforms`.
pub fn resolve(text: &str, platforms: &[Platform], authfile: Option<&Path>) -> Result<Resolved, String> {
    let remote = Remote::new(text, authfile)?;
    remote.runtime.block_on(async {
        let reference = &remote.reference;
        let (bytes, digest) = remote
            .client
            .pull_manifest_raw(reference, &remote.auth, &ACCEPTED)
            .await
            .map_err(|e| remote.error("resolve", e))?;
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(format!(
                "the registry says the manifest of `{reference}` is {digest}, but it hashes to {actual}"
            ));
        }
        let json: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("the manifest of `{reference}` is not JSON: {e}"))?;
        let config = match json.get("manifests") {
            Some(_) => None,
            None => {
                let descriptor = &json["config"];
                let config_digest = descriptor["digest"].as_str().unwrap_or_default();
                if descriptor["size"].as_u64().unwrap_or(u64::MAX) > MAX_CONFIG {
                    return Err(format!("the config of `{reference}` is too large"));
                }
                let mut bytes: Vec<u8> = Vec::new();
                remote
                    .client
                    .pull_blob(reference, config_digest, &mut bytes)
                    .await
                    .map_err(|e| remote.error("resolve", e))?;
                if sha256_digest(&bytes) != config_digest {
                    return Err(format!("the config of `{reference}` does not match its digest {config_digest}"));
                }
                let config: ImageConfig = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("the config of `{reference}` is not valid: {e}"))?;
                Some(config)
            }
        };
        platforms_of(text, &json, &actual, platforms, &mut |_| {
            config.clone().ok_or_else(|| format!("`{reference}` has no config"))
        })
    })
}
