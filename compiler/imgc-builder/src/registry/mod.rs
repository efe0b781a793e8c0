//! Registries, through `oci-client`: pushing a built image (`docker://HOST/REPO:TAG`) and pulling
//! base images by tag or digest into a content-addressed blob cache, so that a second build
//! downloads no blob again. Every blob is checked against its digest and size. Registries on the
//! loopback (`localhost`, `127.*`, `[::1]`) are spoken to over plain HTTP, others over HTTPS.

pub mod auth;
pub mod resolve;

use super::base::{DOCKER_LIST, DOCKER_MANIFEST, INDEX, MANIFEST, blob_path, for_platform};
use super::digest::{HashWriter, is_sha256, sha256_digest};
use super::platform::Platform;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

const ACCEPTED: [&str; 4] = [MANIFEST, INDEX, DOCKER_MANIFEST, DOCKER_LIST];
/// Bytes read from a blob per upload chunk.
const CHUNK: usize = 4 << 20;

/// A connection to one registry.
struct Remote {
    client: Client,
    /// Where credentials were looked for, for messages.
    authfile: PathBuf,
    auth: RegistryAuth,
    reference: Reference,
    runtime: tokio::runtime::Runtime,
}

impl Remote {
    fn new(text: &str, authfile: Option<&Path>) -> Result<Remote, String> {
        let reference: Reference =
            text.parse().map_err(|e| format!("`{text}` is not a registry image reference: {e}"))?;
        // rustls needs one crypto provider for the process; another may have been installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let registry = reference.resolve_registry().to_string();
        let loopback = ["localhost", "127.", "[::1]"].iter().any(|p| registry.starts_with(p));
        let protocol =
            if loopback { ClientProtocol::HttpsExcept(vec![registry.clone()]) } else { ClientProtocol::Https };
        let client = Client::new(ClientConfig { protocol, ..ClientConfig::default() });
        let auth = match auth::lookup(reference.registry(), authfile)? {
            Some(credentials) => RegistryAuth::Basic(credentials.username, credentials.password),
            None => RegistryAuth::Anonymous,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the network runtime: {e}"))?;
        let authfile = authfile.map(Path::to_path_buf).or_else(auth::config_path).unwrap_or_default();
        Ok(Remote { client, authfile, auth, reference, runtime })
    }

    /// An error from the registry, with a hint when it is about credentials. No credential
    /// ever appears in it.
    fn error(&self, doing: &str, error: impl std::fmt::Display) -> String {
        let text = error.to_string();
        let registry = self.reference.registry();
        let denied = ["401", "403", "nauthorized", "uthentication", "denied"].iter().any(|w| text.contains(w));
        if denied {
            let source = self.authfile.display().to_string();
            let how = match self.auth {
                RegistryAuth::Anonymous => format!("no credentials for `{registry}` were found in `{source}`"),
                _ => format!("the credentials for `{registry}` in `{source}` were refused"),
            };
            format!(
                "cannot {doing} `{}`: authentication failed: {how} (`docker login {registry}` writes them)",
                self.reference
            )
        } else {
            format!("cannot {doing} `{}`: {text}", self.reference)
        }
    }
}

/// Pulls the image `text` for `platform` into the blob cache `cache`; returns its manifest.
/// Blobs already in the cache are not downloaded again.
pub fn pull(text: &str, platform: &Platform, cache: &Path, authfile: Option<&Path>) -> Result<Value, String> {
    let remote = Remote::new(text, authfile)?;
    std::fs::create_dir_all(cache.join("blobs/sha256"))
        .map_err(|e| format!("cannot create `{}`: {e}", cache.display()))?;
    remote.runtime.block_on(async {
        let mut reference = remote.reference.clone();
        for _ in 0..3 {
            let bytes = match reference.digest().filter(|d| is_sha256(d)).and_then(|d| cached(cache, d)) {
                Some(bytes) => bytes,
                None => {
                    let (bytes, digest) = remote
                        .client
                        .pull_manifest_raw(&reference, &remote.auth, &ACCEPTED)
                        .await
                        .map_err(|e| remote.error("pull", e))?;
                    let actual = sha256_digest(&bytes);
                    let expected = reference.digest().unwrap_or(&digest);
                    if actual != expected {
                        return Err(format!("the manifest of `{reference}` has digest {actual}, not {expected}"));
                    }
                    store(cache, &actual, &bytes)?;
                    bytes.to_vec()
                }
            };
            let json: Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("the manifest of `{reference}` is not JSON: {e}"))?;
            let media_type = json["mediaType"].as_str().unwrap_or(MANIFEST);
            if media_type == INDEX || media_type == DOCKER_LIST {
                let entry = for_platform(&json, platform)
                    .ok_or_else(|| format!("`{reference}` has no image for {platform}"))?;
                let digest = entry["digest"].as_str().unwrap_or_default().to_string();
                reference = remote.reference.clone_with_digest(digest);
                continue;
            }
            let mut blobs = vec![json["config"].clone()];
            blobs.extend(json["layers"].as_array().cloned().unwrap_or_default());
            for descriptor in &blobs {
                fetch_blob(&remote, &reference, descriptor, cache).await?;
            }
            return Ok(json);
        }
        Err(format!("image indexes nested too deep in `{text}`"))
    })
}

/// The bytes of a cached blob, if they match their digest.
fn cached(cache: &Path, digest: &str) -> Option<Vec<u8>> {
    let bytes = std::fs::read(blob_path(cache, digest)).ok()?;
    (sha256_digest(&bytes) == digest).then_some(bytes)
}

/// Writes a blob into the cache by rename, so the cache never holds part of one.
fn store(cache: &Path, digest: &str, bytes: &[u8]) -> Result<(), String> {
    let target = blob_path(cache, digest);
    let temp = target.with_extension(format!("partial-{}", std::process::id()));
    std::fs::write(&temp, bytes)
        .and_then(|()| std::fs::rename(&temp, &target))
        .map_err(|e| format!("cannot write the cache `{}`: {e}", cache.display()))
}

async fn fetch_blob(remote: &Remote, reference: &Reference, descriptor: &Value, cache: &Path) -> Result<(), String> {
    let digest = descriptor["digest"].as_str().unwrap_or_default();
    let size = descriptor["size"].as_u64().unwrap_or_default();
    if !is_sha256(digest) {
        return Err(format!("`{reference}` names a blob with the unsupported digest `{digest}`"));
    }
    let target = blob_path(cache, digest);
    if std::fs::metadata(&target).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let temp = target.with_extension(format!("partial-{}", std::process::id()));
    let file = tokio::fs::File::create(&temp).await.map_err(|e| format!("cannot write `{}`: {e}", temp.display()))?;
    let bar = super::progress::bar(&format!("pull {}", &digest[7..19]), size);
    let result = remote.client.pull_blob(reference, digest, file).await;
    bar.finish_and_clear();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(remote.error("pull", e));
    }
    let (actual, actual_size) = hash_file(&temp)?;
    if actual != digest || actual_size != size {
        let _ = std::fs::remove_file(&temp);
        return Err(format!(
            "the blob {digest} of `{reference}` came with {actual_size} bytes and digest {actual}, expected {size} bytes"
        ));
    }
    std::fs::rename(&temp, &target).map_err(|e| format!("cannot write the cache `{}`: {e}", cache.display()))
}

fn hash_file(path: &Path) -> Result<(String, u64), String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut sink = HashWriter::new(std::io::sink());
    std::io::copy(&mut file, &mut sink).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let (_, digest, size) = sink.finish();
    Ok((digest, size))
}

/// Pushes the image whose manifest (or image index, with the manifests it names) is
/// `manifest_digest` in the layout `layout` to `text`, and tags it with `tags` too. Blobs the
/// registry has are not sent again.
pub fn push(
    layout: &Path,
    manifest_digest: &str,
    text: &str,
    tags: &[String],
    authfile: Option<&Path>,
) -> Result<(), String> {
    let remote = Remote::new(text, authfile)?;
    let read = |digest: &str| {
        let bytes = std::fs::read(blob_path(layout, digest)).map_err(|e| format!("cannot read the manifest: {e}"))?;
        let json: Value = serde_json::from_slice(&bytes).map_err(|e| format!("the manifest is not JSON: {e}"))?;
        Ok::<_, String>((bytes, json))
    };
    let (manifest, json) = read(manifest_digest)?;
    let is_index = json["mediaType"].as_str() == Some(INDEX);
    // An index's manifests are pushed (by digest) before it.
    let mut images = Vec::new();
    if is_index {
        for entry in json["manifests"].as_array().into_iter().flatten() {
            let digest = entry["digest"].as_str().unwrap_or_default().to_string();
            let (bytes, child) = read(&digest)?;
            images.push((Some(digest), bytes, child));
        }
    } else {
        images.push((None, manifest.clone(), json));
    }
    remote.runtime.block_on(async {
        remote
            .client
            .auth(&remote.reference, &remote.auth, RegistryOperation::Push)
            .await
            .map_err(|e| remote.error("push to", e))?;
        for (digest, bytes, json) in &images {
            push_blobs(&remote, layout, json).await?;
            if let Some(digest) = digest {
                let reference = remote.reference.clone_with_digest(digest.clone());
                remote
                    .client
                    .push_manifest_raw(&reference, bytes.clone(), http::HeaderValue::from_static(MANIFEST))
                    .await
                    .map_err(|e| remote.error("push to", e))?;
            }
        }
        let content_type = http::HeaderValue::from_static(if is_index { INDEX } else { MANIFEST });
        let mut references = vec![remote.reference.clone()];
        for tag in tags {
            references.push(Reference::with_tag(
                remote.reference.registry().to_string(),
                remote.reference.repository().to_string(),
                tag.clone(),
            ));
        }
        for reference in &references {
            remote
                .client
                .push_manifest_raw(reference, manifest.clone(), content_type.clone())
                .await
                .map_err(|e| remote.error("push to", e))?;
        }
        Ok(())
    })
}

/// Pushes the config and layers of an image manifest that the registry does not have yet.
async fn push_blobs(remote: &Remote, layout: &Path, json: &Value) -> Result<(), String> {
    let mut blobs = vec![json["config"].clone()];
    blobs.extend(json["layers"].as_array().cloned().unwrap_or_default());
    for descriptor in &blobs {
        let digest = descriptor["digest"].as_str().unwrap_or_default().to_string();
        let size = descriptor["size"].as_u64().unwrap_or_default();
        if remote.client.blob_exists(&remote.reference, &digest).await.map_err(|e| remote.error("push to", e))? {
            continue;
        }
        let path = blob_path(layout, &digest);
        let file = std::fs::File::open(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let bar = super::progress::bar(&format!("push {}", &digest[7.min(digest.len())..19.min(digest.len())]), size);
        let stream = file_stream(file, bar.clone());
        let result = remote.client.push_blob_stream(&remote.reference, stream, &digest, Some(size)).await;
        bar.finish_and_clear();
        result.map_err(|e| remote.error("push to", e))?;
    }
    Ok(())
}

/// The file as a stream of chunks, advancing `bar`.
fn file_stream(
    file: std::fs::File,
    bar: indicatif::ProgressBar,
) -> impl futures_util::Stream<Item = oci_client::errors::Result<bytes::Bytes>> + Send + 'static {
    futures_util::stream::try_unfold((file, bar), |(mut file, bar)| async move {
        let mut buffer = vec![0u8; CHUNK];
        let mut filled = 0;
        while filled < CHUNK {
            match file.read(&mut buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => return Err(oci_client::errors::OciDistributionError::IoError(e)),
            }
        }
        if filled == 0 {
            return Ok(None);
        }
        buffer.truncate(filled);
        bar.inc(filled as u64);
        Ok(Some((bytes::Bytes::from(buffer), (file, bar))))
    })
}
