//! Layers on disk for `run` steps: each layer unpacked once, by digest, into
//! `CACHE/unpacked/HEX` in overlayfs's own format (whiteouts as 0/0 character devices, opaque
//! directories marked with `trusted.overlay.opaque`), ready to be a lower directory; and new layer
//! blobs kept under `CACHE/blobs/sha256/HEX`.
//!
//! Knows files, tar and overlay's whiteout format; never runs a container.

use super::xattr;
use crate::base::{BaseLayer, blob_path};
use crate::layer::{self, Changes, Compression};
use std::ffi::CString;
use std::fs::File;
use std::io::{self, BufReader};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The unpacked layers and written blobs under one cache directory.
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A fresh temporary directory in the store (same file system as the unpacked layers).
    pub fn temp_dir(&self, kind: &str) -> io::Result<tempfile::TempDir> {
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        tempfile::Builder::new().prefix(&super::sweep::prefix(kind)).tempdir_in(tmp)
    }

    fn unpacked_path(&self, digest: &str) -> PathBuf {
        self.dir.join("unpacked").join(digest.trim_start_matches("sha256:"))
    }

    /// The layer's directory, unpacked now unless it was before.
    pub fn unpacked(&self, layer: &BaseLayer) -> Result<PathBuf, String> {
        let target = self.unpacked_path(&layer.digest);
        if target.is_dir() {
            return Ok(target);
        }
        let temp = self.temp_dir("unpack").map_err(|e| format!("cannot unpack a layer: {e}"))?;
        let root = temp.path().join("root");
        unpack(&layer.blob, &root).map_err(|e| format!("cannot unpack the layer `{}`: {e}", layer.blob.display()))?;
        self.adopt(&root, &layer.digest)
    }

    /// Moves a directory already in overlay's format (a step's upper dir) to be the unpacked form
    /// of the layer `digest`.
    pub fn adopt(&self, dir: &Path, digest: &str) -> Result<PathBuf, String> {
        let target = self.unpacked_path(digest);
        if target.is_dir() {
            return Ok(target);
        }
        let parent = target.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        match std::fs::rename(dir, &target) {
            Ok(()) => Ok(target),
            // Another build unpacked it meanwhile.
            Err(_) if target.is_dir() => Ok(target),
            Err(e) => Err(format!("cannot keep the layer in `{}`: {e}", target.display())),
        }
    }

    /// Writes `changes` as a layer blob into the store; its path, with what was written.
    pub fn write(
        &self,
        changes: &Changes,
        compression: Compression,
        epoch: u64,
    ) -> Result<(layer::LayerBlob, PathBuf), String> {
        let temp = self.temp_dir("layer").map_err(|e| format!("cannot write a layer: {e}"))?;
        let path = temp.path().join("blob");
        let blob = layer::write(changes, &path, compression, epoch, &|_| ())
            .map_err(|e| format!("cannot write a layer: {e}"))?;
        let target = blob_path(&self.dir, &blob.digest);
        let parent = target.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
        if !target.exists() {
            std::fs::rename(&path, &target).map_err(|e| format!("cannot keep `{}`: {e}", target.display()))?;
        }
        Ok((blob, target))
    }
}

/// Unpacks a layer blob into `root`, whiteouts turned into overlay's form.
fn unpack(blob: &Path, root: &Path) -> io::Result<()> {
    std::fs::create_dir_all(root)?;
    let file = BufReader::with_capacity(1 << 20, File::open(blob)?);
    let reader = decompressor(file)?;
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(true);
    archive.set_unpack_xattrs(true);
    archive.set_overwrite(true);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let name = path.file_name().map(|n| n.as_bytes().to_vec()).unwrap_or_default();
        if path.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
            continue;
        }
        if name == b".wh..wh..opq" {
            let dir = root.join(path.parent().unwrap_or(Path::new("")));
            std::fs::create_dir_all(&dir)?;
            xattr::set(&dir, xattr::OPAQUE, b"y")?;
            continue;
        }
        if let Some(hidden) = name.strip_prefix(b".wh.") {
            let parent = root.join(path.parent().unwrap_or(Path::new("")));
            std::fs::create_dir_all(&parent)?;
            whiteout(&parent.join(std::ffi::OsStr::from_bytes(hidden)))?;
            continue;
        }
        entry.unpack_in(root)?;
    }
    Ok(())
}

/// An overlay whiteout: a 0/0 character device.
pub fn whiteout(path: &Path) -> io::Result<()> {
    let _ = std::fs::remove_file(path);
    let c_path = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: a valid C string; mknod does not keep the pointer.
    let result = unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR, 0) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn decompressor<'a, R: io::BufRead + 'a>(mut reader: R) -> io::Result<Box<dyn io::Read + 'a>> {
    let head = reader.fill_buf()?.to_vec();
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(reader))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(zstd::Decoder::with_buffer(reader)?)
    } else {
        Box::new(reader)
    })
}
