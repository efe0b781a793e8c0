//! Base images from local OCI layouts and archives: the index, manifest and config read and
//! checked against their digests and sizes, the layers read into a [`Tree`] (and checked too).

use super::config::ImageConfig;
use super::digest::{HashWriter, hex, is_sha256};
use super::platform::Platform;
use super::tree::{Content, Kind, Node, Tree, base_name, join, parent};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The annotation that names a manifest in an OCI layout's index.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Largest manifest, index or config read (the registry's limit is 4 MiB).
const MAX_JSON: u64 = 8 << 20;
/// Files kept in memory from a base image even when nothing is extracted: `copy` resolves
/// owner names with them.
const KEPT: [&str; 2] = ["etc/passwd", "etc/group"];

/// A base image, ready to build on.
#[derive(Debug)]
pub struct BaseImage {
    pub config: ImageConfig,
    pub layers: Vec<BaseLayer>,
}

/// One layer of a base image, as a blob in the layout it came from.
#[derive(Debug, Clone)]
pub struct BaseLayer {
    pub blob: PathBuf,
    pub digest: String,
    pub size: u64,
    pub media_type: String,
    pub diff_id: String,
}

/// Where a local image is: `oci:DIR[:TAG]` or `oci-archive:FILE[:TAG]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalRef {
    Layout { dir: PathBuf, tag: Option<String> },
    Archive { file: PathBuf, tag: Option<String> },
}

impl LocalRef {
    /// Parses `oci:…` or `oci-archive:…`; relative paths are taken from `base_dir`. `None` for
    /// anything else.
    pub fn parse(text: &str, base_dir: &Path) -> Option<LocalRef> {
        let (archive, rest) = if let Some(rest) = text.strip_prefix("oci-archive:") {
            (true, rest)
        } else {
            (false, text.strip_prefix("oci:")?)
        };
        let (path, tag) = match rest.split_once(':') {
            Some((path, tag)) if !tag.is_empty() => (path, Some(tag.to_string())),
            Some((path, _)) => (path, None),
            None => (rest, None),
        };
        let path = base_dir.join(path);
        Some(if archive { LocalRef::Archive { file: path, tag } } else { LocalRef::Layout { dir: path, tag } })
    }
}

/// Opens a local image. An archive is unpacked into `scratch` first.
pub fn open(reference: &LocalRef, platform: &Platform, scratch: &Path) -> Result<BaseImage, String> {
    let (dir, tag) = layout_dir(reference, scratch)?;
    open_layout(&dir, tag.as_deref(), platform)
}

/// Opens the manifest `digest` (pinned by a lock file) of a local image, whatever its tag names
/// now.
pub fn open_pinned(
    reference: &LocalRef,
    digest: &str,
    platform: &Platform,
    scratch: &Path,
) -> Result<BaseImage, String> {
    let (dir, _) = layout_dir(reference, scratch)?;
    let path = blob_path(&dir, digest);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!("the locked manifest {digest} is not in `{}` ({e}): run `imgc lock --update`", dir.display())
    })?;
    if format!("sha256:{}", hex(&Sha256::digest(&bytes))) != digest {
        return Err(format!("the blob `{}` does not match its digest", path.display()));
    }
    let manifest: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the manifest {digest} in `{}` is not JSON: {e}", dir.display()))?;
    from_manifest(&dir, &manifest, platform)
}

/// The layout folder of a local image (an archive unpacked into `scratch` first) and its tag.
pub fn layout_dir(reference: &LocalRef, scratch: &Path) -> Result<(PathBuf, Option<String>), String> {
    Ok(match reference {
        LocalRef::Layout { dir, tag } => (dir.clone(), tag.clone()),
        LocalRef::Archive { file, tag } => {
            let dir = scratch.join(format!("archive-{}", hex(&Sha256::digest(file.to_string_lossy().as_bytes()))));
            if !dir.exists() {
                unpack_archive(file, &dir)?;
            }
            (dir, tag.clone())
        }
    })
}

fn unpack_archive(file: &Path, dir: &Path) -> Result<(), String> {
    let reader = File::open(file).map_err(|e| format!("cannot open the archive `{}`: {e}", file.display()))?;
    let mut archive = tar::Archive::new(BufReader::new(reader));
    archive.set_preserve_permissions(false);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    archive.unpack(dir).map_err(|e| format!("cannot unpack the archive `{}`: {e}", file.display()))
}

/// Opens the image tagged `tag` (or the only one) in the layout at `dir`, for `platform`.
pub fn open_layout(dir: &Path, tag: Option<&str>, platform: &Platform) -> Result<BaseImage, String> {
    let name = dir.display();
    if !dir.join("oci-layout").is_file() {
        return Err(format!("`{name}` is not an OCI image layout (it has no `oci-layout` file)"));
    }
    let index = read_json(&dir.join("index.json")).map_err(|e| format!("cannot read `{name}/index.json`: {e}"))?;
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    let tag_of = |d: &Value| d["annotations"][REF_NAME].as_str().map(str::to_string);
    let chosen = match tag {
        Some(tag) => manifests.iter().find(|d| tag_of(d).as_deref() == Some(tag)).ok_or_else(|| {
            let tags: Vec<String> = manifests.iter().filter_map(tag_of).collect();
            format!("the layout `{name}` has no image tagged `{tag}` (tags: {})", list_or_none(&tags))
        })?,
        None if manifests.len() == 1 => &manifests[0],
        None => {
            let tags: Vec<String> = manifests.iter().filter_map(tag_of).collect();
            return Err(format!(
                "the layout `{name}` holds {} images: say which with `:TAG` (tags: {})",
                manifests.len(),
                list_or_none(&tags)
            ));
        }
    };
    let manifest = resolve_manifest(dir, chosen, platform)?;
    from_manifest(dir, &manifest, platform)
}

/// The image a manifest describes, its blobs in the layout (or blob cache) at `dir`.
pub fn from_manifest(dir: &Path, manifest: &Value, platform: &Platform) -> Result<BaseImage, String> {
    let name = dir.display();
    let config_descriptor = &manifest["config"];
    let config_bytes = read_blob(dir, config_descriptor)?;
    let config: ImageConfig = serde_json::from_slice(&config_bytes)
        .map_err(|e| format!("the config of the image in `{name}` is not valid: {e}"))?;
    let layer_descriptors = manifest["layers"].as_array().cloned().unwrap_or_default();
    if layer_descriptors.len() != config.rootfs.diff_ids.len() {
        return Err(format!(
            "the image in `{name}` has {} layers but its config lists {} diff_ids",
            layer_descriptors.len(),
            config.rootfs.diff_ids.len()
        ));
    }
    let mut layers = Vec::new();
    for (descriptor, diff_id) in layer_descriptors.iter().zip(&config.rootfs.diff_ids) {
        let (digest, size) = descriptor_digest(descriptor)?;
        layers.push(BaseLayer {
            blob: blob_path(dir, &digest),
            digest,
            size,
            media_type: descriptor["mediaType"].as_str().unwrap_or_default().to_string(),
            diff_id: diff_id.clone(),
        });
    }
    if !platform.accepts(&config.os, &config.architecture, config.variant.as_deref()) {
        return Err(format!("the image in `{name}` is for {}/{}, not {platform}", config.os, config.architecture));
    }
    Ok(BaseImage { config, layers })
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(", ") }
}

/// Follows an index to the manifest for `platform`.
fn resolve_manifest(dir: &Path, descriptor: &Value, platform: &Platform) -> Result<Value, String> {
    let mut descriptor = descriptor.clone();
    for _ in 0..4 {
        let bytes = read_blob(dir, &descriptor)?;
        let json: Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("a manifest in `{}` is not JSON: {e}", dir.display()))?;
        let media_type = json["mediaType"].as_str().or(descriptor["mediaType"].as_str()).unwrap_or(MANIFEST);
        match media_type {
            MANIFEST | DOCKER_MANIFEST => return Ok(json),
            INDEX | DOCKER_LIST => {
                descriptor = for_platform(&json, platform)
                    .ok_or_else(|| format!("the image index in `{}` has no image for {platform}", dir.display()))?
                    .clone();
            }
            other => return Err(format!("unsupported manifest type `{other}` in `{}`", dir.display())),
        }
    }
    Err(format!("image indexes nested too deep in `{}`", dir.display()))
}

/// The entry of an image index for `platform`.
pub fn for_platform<'a>(index: &'a Value, platform: &Platform) -> Option<&'a Value> {
    index["manifests"].as_array()?.iter().find(|d| {
        let p = &d["platform"];
        platform.accepts(
            p["os"].as_str().unwrap_or_default(),
            p["architecture"].as_str().unwrap_or_default(),
            p["variant"].as_str(),
        )
    })
}

fn descriptor_digest(descriptor: &Value) -> Result<(String, u64), String> {
    let digest = descriptor["digest"].as_str().unwrap_or_default();
    if !is_sha256(digest) {
        return Err(format!("unsupported or malformed digest `{digest}`"));
    }
    let size = descriptor["size"].as_u64().ok_or_else(|| format!("the descriptor of `{digest}` has no size"))?;
    Ok((digest.to_string(), size))
}

/// `DIR/blobs/sha256/HEX`.
pub fn blob_path(dir: &Path, digest: &str) -> PathBuf {
    let (algorithm, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    dir.join("blobs").join(algorithm).join(hex)
}

/// Reads a small blob and checks its size and digest.
fn read_blob(dir: &Path, descriptor: &Value) -> Result<Vec<u8>, String> {
    let (digest, size) = descriptor_digest(descriptor)?;
    if size > MAX_JSON {
        return Err(format!("the blob `{digest}` is too large for a manifest or config ({size} bytes)"));
    }
    let path = blob_path(dir, &digest);
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read the blob `{}`: {e}", path.display()))?;
    let actual = format!("sha256:{}", hex(&Sha256::digest(&bytes)));
    if bytes.len() as u64 != size || actual != digest {
        return Err(format!(
            "the blob `{}` is corrupt: expected {size} bytes with digest {digest}, found {} bytes with digest {actual}",
            path.display(),
            bytes.len()
        ));
    }
    Ok(bytes)
}

fn read_json(path: &Path) -> io::Result<Value> {
    let file = File::open(path)?;
    serde_json::from_reader(BufReader::new(file.take(MAX_JSON))).map_err(io::Error::other)
}

/// Applies each layer to `tree`, checking digests, sizes and diff_ids as the bytes go by. File
/// contents are written under `extract` when given (so later stages can copy them); otherwise
/// only metadata is kept, and the few files listed in `KEPT`.
pub fn apply_layers(layers: &[BaseLayer], tree: &mut Tree, extract: Option<&Path>) -> Result<(), String> {
    let mut counter = 0u64;
    for layer in layers {
        apply_layer(layer, tree, extract, &mut counter).map_err(|e| {
            // A corrupt blob usually fails to decompress before its digest can be compared:
            // say that it is corrupt rather than how decompression failed.
            let reason = verify(layer).err().unwrap_or_else(|| e.to_string());
            format!("cannot read the base layer `{}`: {reason}", layer.blob.display())
        })?;
    }
    Ok(())
}

/// A reader that hashes and counts what it reads.
struct Hashing<'a, R> {
    inner: R,
    sink: &'a mut HashWriter<io::Sink>,
}

impl<R: Read> Read for Hashing<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        io::Write::write_all(self.sink, &buf[..n])?;
        Ok(n)
    }
}

fn decompressor<'a, R: Read + 'a>(mut reader: BufReader<R>) -> io::Result<Box<dyn Read + 'a>> {
    use io::BufRead;
    let head = reader.fill_buf()?.to_vec();
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(reader))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::Decoder::with_buffer(reader)?)
    } else {
        Box::new(reader)
    })
}

fn apply_layer(layer: &BaseLayer, tree: &mut Tree, extract: Option<&Path>, counter: &mut u64) -> io::Result<()> {
    let file = File::open(&layer.blob)?;
    let mut compressed_hash = HashWriter::new(io::sink());
    let mut tar_hash = HashWriter::new(io::sink());
    {
        // The compressed bytes are hashed below the decompressor, the tar stream above it.
        let reader = BufReader::with_capacity(1 << 20, Hashing { inner: file, sink: &mut compressed_hash });
        let mut tar_stream = Hashing { inner: decompressor(reader)?, sink: &mut tar_hash };
        let mut archive = tar::Archive::new(&mut tar_stream);
        for entry in archive.entries()? {
            let mut entry = entry?;
            apply_entry(&mut entry, tree, extract, counter)?;
        }
        // Read to the end so the hashes cover the whole blob (tar stops at its end marker).
        io::copy(&mut tar_stream, &mut io::sink())?;
    }
    let (_, digest, size) = compressed_hash.finish();
    if digest != layer.digest || size != layer.size {
        return Err(io::Error::other(format!(
            "the blob is corrupt: expected {} bytes with digest {}, found {size} bytes with digest {digest}",
            layer.size, layer.digest
        )));
    }
    let (_, diff_id, _) = tar_hash.finish();
    if diff_id != layer.diff_id {
        return Err(io::Error::other(format!("its content has diff_id {diff_id}, the config says {}", layer.diff_id)));
    }
    Ok(())
}

/// Checks a blob's size and digest.
fn verify(layer: &BaseLayer) -> Result<(), String> {
    let mut sink = HashWriter::new(io::sink());
    File::open(&layer.blob).and_then(|mut f| io::copy(&mut f, &mut sink)).map_err(|e| e.to_string())?;
    let (_, digest, size) = sink.finish();
    if digest != layer.digest || size != layer.size {
        return Err(format!(
            "the blob is corrupt: expected {} bytes with digest {}, found {size} bytes with digest {digest}",
            layer.size, layer.digest
        ));
    }
    Ok(())
}

fn normalize(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.split('/').filter(|p| !p.is_empty() && *p != ".").collect::<Vec<_>>().join("/")
}

fn apply_entry<R: Read>(
    entry: &mut tar::Entry<R>,
    tree: &mut Tree,
    extract: Option<&Path>,
    counter: &mut u64,
) -> io::Result<()> {
    let path = normalize(&entry.path()?);
    if path.is_empty() || path.split('/').any(|p| p == "..") {
        return Ok(());
    }
    let name = base_name(&path);
    if name == ".wh..wh..opq" {
        let dir = parent(&path).to_string();
        let children: Vec<String> = tree.under(&dir).map(|(k, _)| k.clone()).collect();
        for child in children {
            tree.remove_all(&child);
        }
        return Ok(());
    }
    if let Some(hidden) = name.strip_prefix(".wh.") {
        tree.remove_all(&join(parent(&path), hidden));
        return Ok(());
    }
    let mut attrs = crate::tree::Attrs { mtime: entry.header().mtime().ok(), xattrs: Default::default() };
    for extension in entry.pax_extensions()?.into_iter().flatten().flatten() {
        if let Some(name) = extension.key().ok().and_then(|k| k.strip_prefix("SCHILY.xattr.")) {
            attrs.xattrs.insert(name.to_string(), extension.value_bytes().to_vec());
        }
    }
    let header = entry.header();
    let mode = header.mode()? & 0o7777;
    let uid = header.uid()?;
    let gid = header.gid()?;
    let kind = match header.entry_type() {
        tar::EntryType::Directory => Kind::Dir,
        tar::EntryType::Symlink => Kind::Symlink(link_name(entry)?),
        tar::EntryType::Link => Kind::Link(normalize(Path::new(&link_name(entry)?))),
        tar::EntryType::Regular | tar::EntryType::Continuous => {
            let size = entry.size();
            let content = if let Some(dir) = extract {
                *counter += 1;
                let target = dir.join(counter.to_string());
                let mut out = File::create(&target)?;
                io::copy(entry, &mut out)?;
                Content::Disk(target)
            } else if KEPT.contains(&path.as_str()) && size < (1 << 20) {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes)?;
                Content::Bytes(Arc::from(bytes))
            } else {
                Content::Absent
            };
            Kind::File { content, size }
        }
        tar::EntryType::Fifo => Kind::Fifo,
        tar::EntryType::Char | tar::EntryType::Block => Kind::Device {
            block: header.entry_type() == tar::EntryType::Block,
            major: header.device_major()?.unwrap_or(0),
            minor: header.device_minor()?.unwrap_or(0),
        },
        // Pax and GNU long-name records are read by the tar crate; nothing else is a file.
        _ => return Ok(()),
    };
    let node = Node { kind, mode, uid, gid, attrs };
    match tree.get(&path) {
        Some(existing) if existing.is_dir() && node.is_dir() => {}
        Some(_) => tree.remove_all(&path),
        None => {}
    }
    tree.insert(path, node);
    Ok(())
}

fn link_name<R: Read>(entry: &tar::Entry<R>) -> io::Result<String> {
    Ok(entry.link_name()?.map(|p| p.to_string_lossy().into_owned()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_references() {
        let base = Path::new("/ctx");
        assert_eq!(
            LocalRef::parse("oci:./base:v1", base),
            Some(LocalRef::Layout { dir: PathBuf::from("/ctx/./base"), tag: Some("v1".into()) })
        );
        assert_eq!(
            LocalRef::parse("oci-archive:/x/b.tar", base),
            Some(LocalRef::Archive { file: PathBuf::from("/x/b.tar"), tag: None })
        );
        assert_eq!(LocalRef::parse("debian:bookworm", base), None);
    }
}
