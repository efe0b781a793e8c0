//! A file tree as image layers describe it: paths with their type, mode, owner and where their
//! bytes are. A stage's file system is one `Tree`; a layer is the `Tree` of what it changes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Metadata of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    /// Permission bits, setuid/setgid/sticky included (`0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub attrs: Attrs,
}

/// What a layer entry may carry besides its kind, mode and owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    /// Modification time (seconds); the layer writer clamps it to the build's epoch, as
    /// BuildKit's `rewrite-timestamp` does. `None`: the epoch.
    pub mtime: Option<u64>,
    /// Extended attributes (`security.capability`, `user.*`), written as PAX `SCHILY.xattr.`
    /// records.
    pub xattrs: BTreeMap<String, Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File {
        content: Content,
        size: u64,
    },
    Symlink(String),
    /// A hard link to another path of the same layer.
    Link(String),
    /// A named pipe a `run` step made.
    Fifo,
    /// A device node a `run` step made.
    Device {
        block: bool,
        major: u32,
        minor: u32,
    },
}

impl Kind {
    /// A named pipe or device node read from disk, as a layer entry; `None` for any other kind
    /// of file (sockets among them: no tar entry holds one, and BuildKit's differ drops them too).
    pub fn special_file(file_type: &std::fs::FileType, meta: &std::fs::Metadata) -> Option<Kind> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        if file_type.is_fifo() {
            Some(Kind::Fifo)
        } else if file_type.is_char_device() || file_type.is_block_device() {
            let rdev = meta.rdev();
            Some(Kind::Device {
                block: file_type.is_block_device(),
                major: libc::major(rdev),
                minor: libc::minor(rdev),
            })
        } else {
            None
        }
    }
}

/// Where a file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A file on disk (in the build context, or extracted from a base layer).
    Disk(PathBuf),
    /// Small contents kept in memory.
    Bytes(Arc<[u8]>),
    /// In a base layer and not extracted: metadata only.
    Absent,
}

impl Node {
    pub fn dir(mode: u32, uid: u64, gid: u64) -> Node {
        Node { kind: Kind::Dir, mode, uid, gid, attrs: Default::default() }
    }

    pub fn is_dir(&self) -> bool {
        matches!(self.kind, Kind::Dir)
    }
}

/// Paths relative to the root (`usr/bin/env`, no leading `/`), sorted so that a directory comes
/// before what it holds. The root itself is implicit.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
}

/// Symlinks followed while resolving one path before giving up (Linux's limit).
const MAX_LINKS: usize = 40;

impl Tree {
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    pub fn insert(&mut self, path: String, node: Node) {
        self.nodes.insert(path, node);
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Removes `path` and everything under it.
    pub fn remove_all(&mut self, path: &str) {
        self.nodes.remove(path);
        let prefix = format!("{path}/");
        let under: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for key in under {
            self.nodes.remove(&key);
        }
    }

    /// Every path, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.nodes.iter()
    }

    /// The paths strictly under directory `path` (`""` for the root), in order.
    pub fn under<'a>(&'a self, path: &str) -> impl Iterator<Item = (&'a String, &'a Node)> + 'a {
        let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
        let len = prefix.len();
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter(move |(k, _)| k.len() > len)
    }

    /// `path` with every symlink among its components resolved inside the tree (an absolute link
    /// starts again at the root, `..` stops at the root), the last component too when
    /// `follow_last`. Components that do not exist are kept as written. `None` on a link loop.
    pub fn resolve(&self, path: &str, follow_last: bool) -> Option<String> {
        let mut pending: Vec<String> = split(path).into_iter().rev().map(str::to_string).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            let candidate = if done.is_empty() { part.clone() } else { format!("{}/{part}", done.join("/")) };
            let is_last = pending.is_empty();
            match self.nodes.get(&candidate) {
                Some(Node { kind: Kind::Symlink(target), .. }) if follow_last || !is_last => {
                    links += 1;
                    if links > MAX_LINKS {
                        return None;
                    }
                    if target.starts_with('/') {
                        done.clear();
                    }
                    pending.extend(split(target).into_iter().rev().map(str::to_string));
                }
                _ => done.push(part),
            }
        }
        Some(done.join("/"))
    }
}

/// The components of a `/`-separated path.
pub fn split(path: &str) -> Vec<&str> {
    path.split('/').filter(|p| !p.is_empty()).collect()
}

/// The parent of a relative path (`""` for a top-level name).
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The last component of a path.
pub fn base_name(path: &str) -> &str {
    path.rfind('/').map_or(path, |i| &path[i + 1..])
}

/// `dir/name`, or `name` at the root.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(target: &str) -> Node {
        Node { kind: Kind::Symlink(target.into()), mode: 0o777, uid: 0, gid: 0, attrs: Default::default() }
    }

    #[test]
    fn resolve_follows_links_inside_the_tree() {
        let mut tree = Tree::default();
        tree.insert("usr".into(), Node::dir(0o755, 0, 0));
        tree.insert("usr/bin".into(), Node::dir(0o755, 0, 0));
        tree.insert("bin".into(), link("usr/bin"));
        tree.insert("etc".into(), Node::dir(0o755, 0, 0));
        tree.insert("etc/up".into(), link("../../../usr"));
        tree.insert("etc/abs".into(), link("/usr/bin"));
        tree.insert("loop".into(), link("loop"));
        assert_eq!(tree.resolve("bin/app", true).as_deref(), Some("usr/bin/app"));
        assert_eq!(tree.resolve("/etc/up/bin", true).as_deref(), Some("usr/bin"));
        assert_eq!(tree.resolve("etc/abs", true).as_deref(), Some("usr/bin"));
        assert_eq!(tree.resolve("etc/abs", false).as_deref(), Some("etc/abs"));
        assert_eq!(tree.resolve("loop", true), None);
        assert_eq!(tree.resolve("./a/../b", true).as_deref(), Some("b"));
    }

    #[test]
    fn remove_all_takes_the_subtree_only() {
        let mut tree = Tree::default();
        for path in ["a", "a/b", "a/b/c", "a-b", "ab"] {
            tree.insert(path.into(), Node::dir(0o755, 0, 0));
        }
        tree.remove_all("a");
        let left: Vec<&String> = tree.iter().map(|(k, _)| k).collect();
        assert_eq!(left, ["a-b", "ab"]);
        assert_eq!(tree.under("").count(), 2);
    }
}
