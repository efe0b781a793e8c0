//! A step's upper directory read back as a layer: overlay's 0/0 character devices become
//! whiteouts, directories marked opaque hide everything below them (`.wh..wh..opq`), hard links
//! inside the layer stay hard links, owners are numeric. Times are not read: the layer writer
//! gives every entry the build's epoch.
//!
//! Reads the upper dir only; never the lower layers, never the container.

use super::xattr;
use crate::layer::Changes;
use crate::tree::{Content, Kind, Node, join};
use std::collections::HashMap;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// The name (under a directory) that the layer writer turns into `.wh..wh..opq`.
pub const OPAQUE_ENTRY: &str = ".wh..opq";

/// The changes an upper directory holds.
pub fn changes(upper: &Path) -> io::Result<Changes> {
    let mut changes = Changes::default();
    let mut links: HashMap<(u64, u64), String> = HashMap::new();
    walk(upper, "", &mut changes, &mut links)?;
    Ok(changes)
}

fn walk(dir: &Path, relative: &str, changes: &mut Changes, links: &mut HashMap<(u64, u64), String>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = join(relative, &name);
        let full = entry.path();
        let meta = std::fs::symlink_metadata(&full)?;
        let file_type = meta.file_type();
        let (mode, uid, gid) = (meta.mode() & 0o7777, u64::from(meta.uid()), u64::from(meta.gid()));
        let kind = if file_type.is_char_device() && meta.rdev() == 0 {
            changes.whiteouts.insert(path);
            continue;
        } else if file_type.is_dir() {
            if xattr::get(&full, xattr::OPAQUE)?.as_deref() == Some(b"y") {
                changes.whiteouts.insert(join(&path, OPAQUE_ENTRY));
            }
            changes.entries.insert(path.clone(), Node { kind: Kind::Dir, mode, uid, gid });
            walk(&full, &path, changes, links)?;
            continue;
        } else if file_type.is_symlink() {
            Kind::Symlink(std::fs::read_link(&full)?.to_string_lossy().into_owned())
        } else if file_type.is_file() {
            if meta.nlink() > 1 {
                if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
                    changes.entries.insert(path, Node { kind: Kind::Link(first.clone()), mode, uid, gid });
                    continue;
                }
                links.insert((meta.dev(), meta.ino()), path.clone());
            }
            Kind::File { content: Content::Disk(full), size: meta.len() }
        } else {
            // Sockets, fifos and devices a step leaves behind are not kept, as BuildKit's
            // differ keeps them: a known gap, rare in practice.
            continue;
        };
        changes.entries.insert(path, Node { kind, mode, uid, gid });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whiteouts_opaque_dirs_and_hard_links_are_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let upper = dir.path();
        std::fs::create_dir_all(upper.join("etc/opaque")).expect("mkdir");
        std::fs::write(upper.join("etc/a"), "a").expect("write");
        std::fs::hard_link(upper.join("etc/a"), upper.join("etc/b")).expect("link");
        std::os::unix::fs::symlink("a", upper.join("etc/c")).expect("symlink");
        super::super::store::whiteout(&upper.join("etc/gone")).expect("mknod (needs root)");
        xattr::set(&upper.join("etc/opaque"), xattr::OPAQUE, b"y").expect("xattr (needs root)");
        let changes = changes(upper).expect("read");
        let paths: Vec<&String> = changes.entries.iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["etc", "etc/a", "etc/b", "etc/c", "etc/opaque"]);
        assert_eq!(changes.entries.get("etc/b").map(|n| &n.kind), Some(&Kind::Link("etc/a".into())));
        assert_eq!(changes.entries.get("etc/c").map(|n| &n.kind), Some(&Kind::Symlink("a".into())));
        let whiteouts: Vec<&String> = changes.whiteouts.iter().collect();
        assert_eq!(whiteouts, ["etc/gone", "etc/opaque/.wh..opq"]);
    }
}
