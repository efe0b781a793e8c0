//! The layer cache: a layer already written from the same inputs is reused instead of being
//! written again. The key covers everything that goes into the layer: the compression, the epoch,
//! and for each entry its path, type, mode, owner, link target and contents. A file's contents are
//! stood for by its identity (device, inode, size, modification and change time), as `make`,
//! git and cargo do: a file cannot be changed without its change time moving.

use super::digest::{HashWriter, hex};
use super::layer::{Changes, Compression, LayerBlob};
use super::tree::{Content, Kind};
use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Bump when the layer format changes, so old entries are not used.
const VERSION: &str = "imgc-layer-cache-2";

/// Temporary names taken in this process: layers written at once each get their own.
static TEMPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A temporary name's suffix, unique among this process's threads and other processes.
pub(crate) fn temp_suffix() -> String {
    let n = TEMPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("{}-{n}", std::process::id())
}

/// Layers under `DIR/layers/KEY` (a record) and `DIR/blobs/sha256/HEX` (the blob).
pub struct LayerCache {
    dir: PathBuf,
}

impl LayerCache {
    pub fn new(dir: PathBuf) -> LayerCache {
        LayerCache { dir }
    }

    /// The key of a layer; `None` when a source cannot be looked at (then it is not cached).
    pub fn key(changes: &Changes, compression: Compression, epoch: u64) -> Option<String> {
        let mut hasher = HashWriter::new(std::io::sink());
        writeln!(hasher, "{VERSION} {compression:?} {epoch}").ok()?;
        for hidden in &changes.whiteouts {
            writeln!(hasher, "whiteout {hidden}").ok()?;
        }
        for (path, node) in changes.entries.iter() {
            let mtime = node.attrs.mtime.map_or(epoch, |mtime| mtime.min(epoch));
            write!(hasher, "{path:?} {:o} {} {} {mtime} {:?} ", node.mode, node.uid, node.gid, node.attrs.xattrs)
                .ok()?;
            match &node.kind {
                Kind::Dir => writeln!(hasher, "dir"),
                Kind::Symlink(target) => writeln!(hasher, "symlink {target:?}"),
                Kind::Link(target) => writeln!(hasher, "link {target:?}"),
                Kind::Fifo => writeln!(hasher, "fifo"),
                Kind::Device { block, major, minor } => writeln!(hasher, "device {block} {major} {minor}"),
                Kind::File { content: Content::Disk(source), size } => {
                    let m = std::fs::metadata(source).ok()?;
                    writeln!(
                        hasher,
                        "file {size} {} {} {} {}.{} {}.{}",
                        m.dev(),
                        m.ino(),
                        m.len(),
                        m.mtime(),
                        m.mtime_nsec(),
                        m.ctime(),
                        m.ctime_nsec()
                    )
                }
                Kind::File { content: Content::Bytes(bytes), .. } => {
                    writeln!(hasher, "bytes {}", hex(&Sha256::digest(bytes)))
                }
                Kind::File { content: Content::Absent, .. } => return None,
            }
            .ok()?;
        }
        let (_, digest, _) = hasher.finish();
        Some(digest.trim_start_matches("sha256:").to_string())
    }

    /// The cached layer for `key`, if its blob is still there and whole.
    pub fn get(&self, key: &str) -> Option<(LayerBlob, PathBuf)> {
        let text = std::fs::read_to_string(self.dir.join("layers").join(key)).ok()?;
        let mut fields = text.split_whitespace();
        let blob = LayerBlob {
            diff_id: fields.next()?.to_string(),
            digest: fields.next()?.to_string(),
            size: fields.next()?.parse().ok()?,
        };
        let path = super::base::blob_path(&self.dir, &blob.digest);
        let on_disk = std::fs::metadata(&path).ok()?;
        (on_disk.len() == blob.size).then_some((blob, path))
    }

    /// Keeps `blob` (written at `path`) for `key`: a hard link when possible, else a copy.
    /// Failing to cache is not an error: the build goes on.
    pub fn put(&self, key: &str, blob: &LayerBlob, path: &Path) {
        let target = super::base::blob_path(&self.dir, &blob.digest);
        let layers = self.dir.join("layers");
        let stored = std::fs::create_dir_all(target.parent().unwrap_or(&self.dir))
            .and_then(|()| std::fs::create_dir_all(&layers))
            .and_then(|()| {
                if target.exists() {
                    return Ok(());
                }
                let temp = target.with_extension(format!("partial-{}", temp_suffix()));
                std::fs::hard_link(path, &temp)
                    .or_else(|_| std::fs::copy(path, &temp).map(|_| ()))
                    .and_then(|()| std::fs::rename(&temp, &target))
            });
        if stored.is_ok() {
            let record = format!("{} {} {}\n", blob.diff_id, blob.digest, blob.size);
            let temp = layers.join(format!(".{key}.{}", temp_suffix()));
            let _ = std::fs::write(&temp, record).and_then(|()| std::fs::rename(&temp, layers.join(key)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Node;

    #[test]
    fn keys_change_with_contents_and_layers_come_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = dir.path().join("f");
        std::fs::write(&source, "one").expect("write");
        let mut changes = Changes::default();
        let file = Kind::File { content: Content::Disk(source.clone()), size: 3 };
        changes.entries.insert("f".into(), Node { kind: file, mode: 0o644, uid: 0, gid: 0, attrs: Default::default() });
        let key = LayerCache::key(&changes, Compression::DEFAULT, 0).expect("a key");
        assert_eq!(LayerCache::key(&changes, Compression::DEFAULT, 0).as_deref(), Some(key.as_str()));
        assert_ne!(LayerCache::key(&changes, Compression::DEFAULT, 1).as_deref(), Some(key.as_str()));
        std::fs::write(&source, "two").expect("rewrite");
        assert_ne!(LayerCache::key(&changes, Compression::DEFAULT, 0).as_deref(), Some(key.as_str()));

        let cache = LayerCache::new(dir.path().join("cache"));
        assert!(cache.get(&key).is_none());
        let written = dir.path().join("layer");
        let blob = super::super::layer::write(&changes, &written, Compression::DEFAULT, 0, &|_| ()).expect("written");
        cache.put(&key, &blob, &written);
        let (cached, path) = cache.get(&key).expect("cached");
        assert_eq!(cached, blob);
        assert_eq!(std::fs::read(path).expect("blob"), std::fs::read(&written).expect("layer"));
    }
}
