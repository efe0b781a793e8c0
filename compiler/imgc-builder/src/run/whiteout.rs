//! A step's upper directory read back as a layer: overlay's 0/0 character devices become
//! whiteouts, directories marked opaque hide everything below them (`.wh..wh..opq`), hard links
//! inside the layer stay hard links, owners are numeric; modification times (the layer writer
//! clamps them to the epoch), extended attributes (file capabilities), fifos and device nodes
//! are kept.
//!
//! Reads the upper dir only; never the lower layers, never the container.

use super::xattr;
use crate::layer::Changes;
use crate::tree::{Attrs, Content, Kind, Node, join};
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
        let attrs = || -> io::Result<Attrs> {
            Ok(Attrs { mtime: u64::try_from(meta.mtime()).ok(), xattrs: xattr::kept(&full)? })
        };
        let kind = if file_type.is_char_device() && meta.rdev() == 0 {
            changes.whiteouts.insert(path);
            continue;
        } else if file_type.is_dir() {
            if xattr::get(&full, xattr::OPAQUE)?.as_deref() == Some(b"y") {
                changes.whiteouts.insert(join(&path, OPAQUE_ENTRY));
            }
            changes.entries.insert(path.clone(), Node { kind: Kind::Dir, mode, uid, gid, attrs: attrs()? });
            walk(&full, &path, changes, links)?;
            continue;
        } else if file_type.is_symlink() {
            Kind::Symlink(std::fs::read_link(&full)?.to_string_lossy().into_owned())
        } else if file_type.is_file() {
            if meta.nlink() > 1 {
                if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
                    changes
                        .entries
                        .insert(path, Node { kind: Kind::Link(first.clone()), mode, uid, gid, attrs: attrs()? });
                    continue;
                }
                links.insert((meta.dev(), meta.ino()), path.clone());
            }
            Kind::File { content: Content::Disk(full.clone()), size: meta.len() }
        } else if let Some(special) = Kind::special_file(&file_type, &meta) {
            special
        } else {
            continue;
        };
        changes.entries.insert(path, Node { kind, mode, uid, gid, attrs: attrs()? });
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

    #[test]
    fn capabilities_fifos_devices_and_times_reach_the_layer() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let upper = dir.path().join("upper");
        std::fs::create_dir_all(&upper).expect("mkdir");
        std::fs::write(upper.join("ping"), "elf").expect("write");
        // cap_net_raw+ep, as `setcap` writes it (VFS_CAP_REVISION_2).
        let capability: [u8; 20] = [0, 0, 0, 2, 0, 0x20, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        xattr::set(&upper.join("ping"), "security.capability", &capability).expect("xattr (needs root)");
        xattr::set(&upper.join("ping"), "user.origin", b"step").expect("xattr");
        let fifo = std::ffi::CString::new(upper.join("pipe").to_string_lossy().as_bytes()).expect("path");
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let null = std::ffi::CString::new(upper.join("null").to_string_lossy().as_bytes()).expect("path");
        // SAFETY: a valid C string; a character device 1:3 (needs root).
        assert_eq!(unsafe { libc::mknod(null.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) }, 0);
        std::fs::write(upper.join("old"), "old").expect("write");
        let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
        std::fs::File::open(upper.join("old")).and_then(|f| f.set_modified(old)).expect("mtime");
        let changes = changes(&upper).expect("read");
        let layer = dir.path().join("layer.tar.gz");
        let epoch = 1_700_000_000;
        crate::layer::write(&changes, &layer, crate::layer::Compression::Gzip(1), epoch, &|_| {}).expect("written");
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(&layer).expect("open")));
        let mut seen = Vec::new();
        for entry in archive.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            let header = entry.header().clone();
            let xattrs: Vec<(String, Vec<u8>)> = entry
                .pax_extensions()
                .expect("pax")
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| (e.key().expect("key").to_string(), e.value_bytes().to_vec()))
                .collect();
            seen.push((
                path,
                header.entry_type(),
                header.mtime().expect("mtime"),
                header.device_major().ok().flatten(),
                header.device_minor().ok().flatten(),
                xattrs,
            ));
        }
        let find = |name: &str| seen.iter().find(|s| s.0 == name).unwrap_or_else(|| panic!("`{name}` in {seen:?}"));
        assert_eq!(find("pipe").1, tar::EntryType::Fifo);
        assert_eq!((find("null").1, find("null").3, find("null").4), (tar::EntryType::Char, Some(1), Some(3)));
        assert_eq!(find("old").2, 1_000_000_000, "an older time is kept");
        assert_eq!(find("ping").2, epoch, "a newer time is the epoch");
        let xattrs = &find("ping").5;
        assert!(xattrs.contains(&("SCHILY.xattr.security.capability".to_string(), capability.to_vec())), "{xattrs:?}");
        assert!(xattrs.contains(&("SCHILY.xattr.user.origin".to_string(), b"step".to_vec())), "{xattrs:?}");
        assert!(std::fs::metadata(upper.join("old")).expect("meta").mtime() == 1_000_000_000);
    }
}
