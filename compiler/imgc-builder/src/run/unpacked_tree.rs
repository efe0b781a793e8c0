//! A layer's file tree read from its unpacked form (overlay's format, as [`super::store`] keeps
//! it for `run` steps) instead of from its blob: a walk of the folder with one `lstat` an
//! entry, where reading the blob means decompressing all of it. What a rebuild with nothing
//! changed spends its time on, so it matters.
//!
//! Applies the layer as reading its blob would: a 0/0 character device removes what it names, a
//! directory marked opaque hides what lower layers had under it, a path replaced by another kind
//! is replaced whole; files point at their bytes in the unpacked folder; hard links within the
//! layer stay hard links. Reads the folder only.

use super::xattr;
use crate::tree::{Attrs, Content, Kind, Node, Tree, join};
use std::collections::HashMap;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// The unpacked folder of the layer `digest` in the cache at `cache_dir`, if it is there.
pub fn find(cache_dir: &Path, digest: &str) -> Option<PathBuf> {
    let dir = cache_dir.join("unpacked").join(digest.trim_start_matches("sha256:"));
    dir.is_dir().then_some(dir)
}

/// Applies the unpacked layer at `dir` to `tree`.
pub fn apply(dir: &Path, tree: &mut Tree) -> io::Result<()> {
    let mut links = HashMap::new();
    walk(dir, "", tree, &mut links)
}

fn walk(dir: &Path, relative: &str, tree: &mut Tree, links: &mut HashMap<(u64, u64), String>) -> io::Result<()> {
    // In name order, as a layer's entries are: the first of hard-linked names is the file.
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = join(relative, &entry.file_name().to_string_lossy());
        let full = entry.path();
        let meta = std::fs::symlink_metadata(&full)?;
        let file_type = meta.file_type();
        if file_type.is_char_device() && meta.rdev() == 0 {
            tree.remove_all(&path);
            continue;
        }
        let attrs = Attrs { mtime: u64::try_from(meta.mtime()).ok(), xattrs: xattr::kept(&full)? };
        let (mode, uid, gid) = (meta.mode() & 0o7777, u64::from(meta.uid()), u64::from(meta.gid()));
        let kind = if file_type.is_dir() {
            Kind::Dir
        } else if file_type.is_symlink() {
            Kind::Symlink(std::fs::read_link(&full)?.to_string_lossy().into_owned())
        } else if file_type.is_file() {
            match links.get(&(meta.dev(), meta.ino())) {
                Some(first) if meta.nlink() > 1 => Kind::Link(first.clone()),
                _ => {
                    if meta.nlink() > 1 {
                        links.insert((meta.dev(), meta.ino()), path.clone());
                    }
                    Kind::File { content: Content::Disk(full.clone()), size: meta.len() }
                }
            }
        } else if let Some(special) = Kind::special_file(&file_type, &meta) {
            special
        } else {
            continue;
        };
        let node = Node { kind, mode, uid, gid, attrs };
        match tree.get(&path) {
            Some(existing) if existing.is_dir() && node.is_dir() => {}
            Some(_) => tree.remove_all(&path),
            None => {}
        }
        let is_dir = node.is_dir();
        tree.insert(path.clone(), node);
        if is_dir {
            if xattr::get(&full, xattr::OPAQUE)?.as_deref() == Some(b"y") {
                let below: Vec<String> = tree.under(&path).map(|(p, _)| p.clone()).collect();
                for child in below {
                    tree.remove_all(&child);
                }
            }
            walk(&full, &path, tree, links)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree read from a blob and from its unpacked folder: the same.
    #[test]
    fn an_unpacked_layer_gives_the_tree_its_blob_gives() {
        let dir = tempfile::tempdir().expect("temp dir");
        let upper = dir.path().join("upper");
        std::fs::create_dir_all(upper.join("etc/opaque")).expect("mkdir");
        std::fs::write(upper.join("etc/a"), "a").expect("write");
        std::fs::hard_link(upper.join("etc/a"), upper.join("etc/b")).expect("link");
        std::os::unix::fs::symlink("a", upper.join("etc/c")).expect("symlink");
        std::fs::write(upper.join("etc/opaque/new"), "n").expect("write");
        super::super::store::whiteout(&upper.join("etc/gone")).expect("mknod (needs root)");
        xattr::set(&upper.join("etc/opaque"), xattr::OPAQUE, b"y").expect("xattr (needs root)");
        let changes = super::super::whiteout::changes(&upper).expect("read");
        let blob = dir.path().join("blob");
        let written =
            crate::layer::write(&changes, &blob, crate::layer::Compression::Gzip(1), 0, &|_| {}).expect("write");
        let layer = crate::base::BaseLayer {
            blob,
            digest: written.digest,
            size: written.size,
            media_type: crate::layer::Compression::Gzip(1).media_type().to_string(),
            diff_id: written.diff_id,
        };
        let lower = || {
            let mut tree = Tree::default();
            tree.insert("etc".into(), Node::dir(0o755, 0, 0));
            for path in ["etc/gone", "etc/opaque", "etc/opaque/old", "etc/kept"] {
                let node = if path == "etc/opaque" { Node::dir(0o755, 0, 0) } else { file_node() };
                tree.insert(path.into(), node);
            }
            tree
        };
        std::fs::create_dir_all(dir.path().join("x")).expect("mkdir");
        let mut from_blob = lower();
        crate::base::apply_layers(std::slice::from_ref(&layer), &mut from_blob, Some(&dir.path().join("x")))
            .expect("blob");
        let mut from_dir = lower();
        apply(&upper, &mut from_dir).expect("walk");
        let shape = |tree: &Tree| -> Vec<(String, String, u32)> {
            tree.iter()
                .map(|(p, n)| {
                    let kind = match &n.kind {
                        Kind::File { size, .. } => format!("file {size}"),
                        other => format!("{other:?}"),
                    };
                    (p.clone(), kind, n.mode)
                })
                .collect()
        };
        assert_eq!(shape(&from_dir), shape(&from_blob));
        assert!(from_dir.get("etc/gone").is_none() && from_dir.get("etc/opaque/old").is_none());
        assert!(from_dir.get("etc/kept").is_some());
    }

    fn file_node() -> Node {
        let kind = Kind::File { content: Content::Bytes(std::sync::Arc::from(&b"x"[..])), size: 1 };
        Node { kind, mode: 0o644, uid: 0, gid: 0, attrs: Attrs::default() }
    }
}
