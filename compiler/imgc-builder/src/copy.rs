//! Copy steps as Docker's builders do them: what lands where, with which owner and mode, and the
//! change set (the layer) that results.
//!
//! A source directory's contents go into the destination; a file goes to the destination path,
//! or into it when it ends with `/`, names an existing directory, or several sources are copied.
//! Missing parent directories are created (`0755`, owned like the copied files); existing ones
//! are written into the layer with their metadata unchanged. Destinations resolve through the
//! stage's symbolic links (`/bin` → `usr/bin`). Replacing a directory by a file, or the reverse,
//! writes a whiteout for what was there. `exclude` patterns skip entries (as `.dockerignore`
//! lines, against each path below a copied directory, or a copied file's name); `parents` keeps
//! each source's path (from the context root, or from a `/./` in the source) under the
//! destination; here-documents are files of their own (`0644`).

use super::chmod::Chmod;
use super::context::{Context, SourceError};
use super::dockerignore::Ignore;
use super::layer::Changes;
use super::tree::{Content, Kind, Node, Tree, base_name, join, parent, split};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;

/// A copy step with its words expanded.
#[derive(Debug, Clone)]
pub struct CopyRequest {
    pub sources: Vec<String>,
    /// Absolute and cleaned.
    pub dest: String,
    /// Written with a trailing `/`, or several sources.
    pub dest_is_dir: bool,
    pub chown: Option<String>,
    pub chmod: Option<Chmod>,
    /// `exclude` patterns.
    pub exclude: Vec<String>,
    /// `parents`: each source's own path is kept under the destination.
    pub parents: bool,
}

impl CopyRequest {
    fn excluded(&self) -> Result<Ignore, SourceError> {
        Ignore::parse(&self.exclude.join("\n")).map_err(|e| SourceError::NotFound(format!("`exclude`: {e}")))
    }

    /// Where a source lands: the destination, or with `parents` the destination and the source's
    /// path (from its `/./`, if it has one).
    fn dest_for(&self, source_text: &str, relative: &str) -> String {
        if !self.parents {
            return self.dest.clone();
        }
        let cleaned = source_text.trim_start_matches('/');
        let kept = match cleaned.find("/./") {
            Some(at) => {
                let dropped = crate::dockerignore::clean(&cleaned[..at]).split('/').filter(|p| !p.is_empty()).count();
                relative.split('/').skip(dropped).collect::<Vec<_>>().join("/")
            }
            None => relative.to_string(),
        };
        format!("/{}", join_abs(&self.dest, parent(&kept)))
    }
}

/// An entry to place: its path under the destination root and its node.
struct Item {
    dest: String,
    node: Node,
}

/// Copies from the build context into `tree`; returns the layer.
pub fn from_context(tree: &mut Tree, context: &Context, request: &CopyRequest) -> Result<Changes, SourceError> {
    let owner = owner(tree, request.chown.as_deref())?;
    let exclude = request.excluded()?;
    let mut sources = Vec::new();
    for source in &request.sources {
        for found in context.sources(source)? {
            if found.metadata.is_dir() || !exclude.excludes(base_name(&found.relative)) {
                sources.push((request.dest_for(source, &found.relative), found));
            }
        }
    }
    let into_dir =
        request.parents || request.dest_is_dir || sources.len() > 1 || dest_is_existing_dir(tree, &request.dest);
    let mut items = Vec::new();
    let mut dirs = Vec::new();
    // Hard links within this copy stay hard links: (device, inode) → first path.
    let mut linked: HashMap<(u64, u64), String> = HashMap::new();
    for (dest, source) in sources {
        if source.metadata.is_dir() {
            let dest =
                if request.parents { format!("/{}", join_abs(&dest, base_name(&source.relative))) } else { dest };
            dirs.push(dest.clone());
            for entry in context.walk(&source)? {
                if exclude.excludes(&entry.relative) {
                    continue;
                }
                let dest = join_abs(&dest, &entry.relative);
                if let Some(node) = host_node(&entry.path, &entry.metadata, &dest, &mut linked)? {
                    items.push(Item { dest, node });
                }
            }
        } else {
            let dest = if into_dir { join_abs(&dest, base_name(&source.relative)) } else { dest };
            if into_dir {
                dirs.push(parent_abs(&dest));
            }
            if let Some(node) = host_node(&source.path, &source.metadata, &dest, &mut linked)? {
                items.push(Item { dest, node });
            }
        }
    }
    Ok(place(tree, &dirs, items, Some(owner), request.chmod.as_ref()))
}

/// Copies single files (here-documents, downloads) into `tree`: each lands at the destination,
/// or under its name in it when the destination is a directory; returns the layer.
pub fn from_files(tree: &mut Tree, files: Vec<(String, Node)>, request: &CopyRequest) -> Result<Changes, SourceError> {
    let owner = owner(tree, request.chown.as_deref())?;
    let into_dir = request.dest_is_dir || files.len() > 1 || dest_is_existing_dir(tree, &request.dest);
    let mut items = Vec::new();
    let mut dirs = Vec::new();
    for (name, node) in files {
        let dest = if into_dir { join_abs(&request.dest, &name) } else { request.dest.clone() };
        if into_dir {
            dirs.push(request.dest.clone());
        }
        items.push(Item { dest, node });
    }
    Ok(place(tree, &dirs, items, Some(owner), request.chmod.as_ref()))
}

/// Puts unpacked entries (paths relative to the destination directory) into `tree`: they keep
/// their owners unless the request has a `chown`; returns the layer. A missing destination is
/// made for the `chown`'s owner; the folders the entries imply (their parents with no entry of
/// their own) are root's whatever the `chown`, as BuildKit unpacks archives.
pub fn from_nodes(tree: &mut Tree, nodes: Vec<(String, Node)>, request: &CopyRequest) -> Result<Changes, SourceError> {
    let owner = match request.chown {
        Some(_) => Some(owner(tree, request.chown.as_deref())?),
        None => None,
    };
    let listed: std::collections::HashSet<&str> = nodes.iter().map(|(path, _)| path.as_str()).collect();
    let implied: std::collections::BTreeSet<String> = nodes
        .iter()
        .flat_map(|(path, _)| {
            let parts = split(path);
            (1..parts.len()).map(move |n| parts[..n].join("/"))
        })
        .filter(|dir| !listed.contains(dir.as_str()))
        .collect();
    let mut changes = place(tree, std::slice::from_ref(&request.dest), Vec::new(), owner, None);
    for dir in implied {
        if let Some(resolved) = tree.resolve(&join_abs(&request.dest, &dir), true)
            && !resolved.is_empty()
        {
            ensure_dirs(tree, &mut changes, &resolved, (0, 0), true);
        }
    }
    let items = nodes
        .into_iter()
        .map(|(relative, node)| {
            let node = match node.kind {
                Kind::Link(target) => Node { kind: Kind::Link(join_abs(&request.dest, &target)), ..node },
                _ => node,
            };
            Item { dest: join_abs(&request.dest, &relative), node }
        })
        .collect();
    let placed = place(tree, &[], items, owner, request.chmod.as_ref());
    for path in placed.whiteouts {
        changes.entries.remove_all(&path);
        changes.whiteouts.insert(path);
    }
    for (path, node) in placed.entries.iter() {
        changes.entries.insert(path.clone(), node.clone());
    }
    Ok(changes)
}

/// Copies from another stage's tree (`copy --from`) into `tree`; returns the layer.
pub fn from_tree(tree: &mut Tree, source_tree: &Tree, request: &CopyRequest) -> Result<Changes, SourceError> {
    let owner = owner(tree, request.chown.as_deref())?;
    let exclude = request.excluded()?;
    // Each source's matches, with where it lands.
    let mut roots: Vec<(String, String)> = Vec::new();
    for source in &request.sources {
        let resolved = source_tree
            .resolve(source, true)
            .ok_or_else(|| SourceError::Io(format!("too many levels of symbolic links in `{source}`")))?;
        let name = base_name(&resolved);
        let mut found = Vec::new();
        if super::dockerignore::has_glob(name) {
            let dir = parent(&resolved);
            found.extend(
                source_tree
                    .under(dir)
                    .filter(|(path, _)| parent(path) == dir && super::dockerignore::glob_matches(name, base_name(path)))
                    .map(|(path, _)| path.clone()),
            );
        } else if resolved.is_empty() || source_tree.get(&resolved).is_some() {
            found.push(resolved);
        }
        for root in found {
            let is_dir = root.is_empty() || source_tree.get(&root).is_some_and(Node::is_dir);
            if is_dir || !exclude.excludes(base_name(&root)) {
                roots.push((request.dest_for(source, &root), root));
            }
        }
    }
    if roots.is_empty() {
        return Err(SourceError::NotFound(format!(
            "`{}` does not exist in the stage copied from",
            request.sources.join("`, `")
        )));
    }
    let into_dir =
        request.parents || request.dest_is_dir || roots.len() > 1 || dest_is_existing_dir(tree, &request.dest);
    let mut items = Vec::new();
    let mut dirs = Vec::new();
    for (dest, root) in roots {
        let is_dir = root.is_empty() || source_tree.get(&root).is_some_and(Node::is_dir);
        if is_dir {
            let dest = if request.parents && !root.is_empty() {
                format!("/{}", join_abs(&dest, base_name(&root)))
            } else {
                dest
            };
            dirs.push(dest.clone());
            for (path, node) in source_tree.under(&root) {
                let relative = if root.is_empty() { path.as_str() } else { &path[root.len() + 1..] };
                if exclude.excludes(relative) {
                    continue;
                }
                let item_dest = join_abs(&dest, relative);
                items.push(Item { dest: item_dest, node: stage_node(source_tree, node, &root, &dest)? });
            }
        } else {
            let dest = if into_dir { join_abs(&dest, base_name(&root)) } else { dest };
            if into_dir {
                dirs.push(parent_abs(&dest));
            }
            let node =
                source_tree.get(&root).cloned().ok_or_else(|| SourceError::NotFound(format!("`/{root}` vanished")))?;
            let node = match node.kind {
                // A hard link copied on its own becomes a file.
                Kind::Link(_) => materialize(source_tree, &node)?,
                _ => node,
            };
            items.push(Item { dest, node });
        }
    }
    Ok(place(tree, &dirs, items, Some(owner), request.chmod.as_ref()))
}

/// The directory of an absolute path, absolute.
fn parent_abs(path: &str) -> String {
    format!("/{}", parent(path.trim_matches('/')))
}

/// A node of a copied subtree: hard links inside the subtree follow it to its new place, others
/// become files.
fn stage_node(source_tree: &Tree, node: &Node, root: &str, dest: &str) -> Result<Node, SourceError> {
    match &node.kind {
        Kind::Link(target) => {
            let inside = if root.is_empty() { Some(target.as_str()) } else { target.strip_prefix(&format!("{root}/")) };
            match inside {
                Some(relative) => Ok(Node { kind: Kind::Link(join_abs(dest, relative)), ..node.clone() }),
                None => materialize(source_tree, node),
            }
        }
        _ => Ok(node.clone()),
    }
}

/// The file a hard link points to, as a file of its own.
fn materialize(source_tree: &Tree, node: &Node) -> Result<Node, SourceError> {
    let mut current = node.clone();
    for _ in 0..8 {
        match &current.kind {
            Kind::Link(target) => {
                current = source_tree.get(target).cloned().ok_or_else(|| {
                    SourceError::Io(format!("a hard link points to `/{target}`, which does not exist"))
                })?;
            }
            _ => return Ok(Node { mode: node.mode, uid: node.uid, gid: node.gid, ..current }),
        }
    }
    Err(SourceError::Io("hard links nested too deep".into()))
}

/// Creates the directory `dir` (absolute) and its parents when missing; the layer, if any.
pub fn make_dir(tree: &mut Tree, dir: &str) -> Option<Changes> {
    let resolved = tree.resolve(dir, true)?;
    if resolved.is_empty() || tree.get(&resolved).is_some_and(Node::is_dir) {
        return None;
    }
    let mut changes = Changes::default();
    ensure_dirs(tree, &mut changes, &resolved, (0, 0), true);
    Some(changes)
}

fn dest_is_existing_dir(tree: &Tree, dest: &str) -> bool {
    tree.resolve(dest, true).is_some_and(|p| p.is_empty() || tree.get(&p).is_some_and(Node::is_dir))
}

/// `/a/b` + `c/d` → `a/b/c/d` (relative to the root, as trees keep paths).
fn join_abs(dir: &str, relative: &str) -> String {
    let dir = dir.trim_matches('/');
    join(dir, relative)
}

/// The node for a host file; `None` for what an image cannot hold (sockets, devices, fifos).
fn host_node(
    path: &std::path::Path,
    metadata: &std::fs::Metadata,
    dest: &str,
    linked: &mut HashMap<(u64, u64), String>,
) -> Result<Option<Node>, SourceError> {
    let file_type = metadata.file_type();
    let mode = metadata.mode() & 0o7777;
    let kind = if file_type.is_dir() {
        Kind::Dir
    } else if file_type.is_symlink() {
        let target =
            std::fs::read_link(path).map_err(|e| SourceError::Io(format!("cannot read `{}`: {e}", path.display())))?;
        Kind::Symlink(target.to_string_lossy().into_owned())
    } else if file_type.is_file() {
        if metadata.nlink() > 1 {
            let key = (metadata.dev(), metadata.ino());
            if let Some(first) = linked.get(&key) {
                return Ok(Some(Node {
                    kind: Kind::Link(first.clone()),
                    mode,
                    uid: 0,
                    gid: 0,
                    attrs: attrs(metadata),
                }));
            }
            linked.insert(key, dest.trim_matches('/').to_string());
        }
        Kind::File { content: Content::Disk(path.to_path_buf()), size: metadata.len() }
    } else {
        return Ok(None);
    };
    Ok(Some(Node { kind, mode, uid: 0, gid: 0, attrs: attrs(metadata) }))
}

/// A context file's time: kept (the layer writer clamps it to the epoch), as BuildKit's copy keeps it.
fn attrs(metadata: &std::fs::Metadata) -> super::tree::Attrs {
    super::tree::Attrs { mtime: u64::try_from(metadata.mtime()).ok(), xattrs: Default::default() }
}

/// Puts `items` into `tree` under `owner` (their own when `None`) and mode and returns the
/// change set.
fn place(
    tree: &mut Tree,
    dirs: &[String],
    items: Vec<Item>,
    chown: Option<(u64, u64)>,
    chmod: Option<&Chmod>,
) -> Changes {
    let owner = chown.unwrap_or((0, 0));
    let mut changes = Changes::default();
    for dir in dirs {
        if let Some(resolved) = tree.resolve(dir, true)
            && !resolved.is_empty()
        {
            ensure_dirs(tree, &mut changes, &resolved, owner, true);
        }
    }
    // Where each item's path resolves to, so a link's target follows the same resolution.
    let mut moved: HashMap<String, String> = HashMap::new();
    for item in items {
        let dest = item.dest.trim_matches('/');
        let Some(dir) = tree.resolve(parent(dest), true) else { continue };
        if !dir.is_empty() {
            ensure_dirs(tree, &mut changes, &dir, owner, true);
        }
        let path = join(&dir, base_name(dest));
        moved.insert(dest.to_string(), path.clone());
        let mut node = item.node;
        if let Some((uid, gid)) = chown {
            node.uid = uid;
            node.gid = gid;
        }
        if let Some(chmod) = chmod
            && !matches!(node.kind, Kind::Symlink(_))
        {
            node.mode = chmod.apply(node.mode, node.is_dir());
        }
        if let Kind::Link(target) = &node.kind {
            let target = moved.get(target).cloned().unwrap_or_else(|| target.clone());
            node.kind = Kind::Link(target);
        }
        if let Some(existing) = tree.get(&path)
            && existing.is_dir() != node.is_dir()
        {
            tree.remove_all(&path);
            changes.entries.remove_all(&path);
            changes.whiteouts.insert(path.clone());
        }
        tree.insert(path.clone(), node.clone());
        changes.entries.insert(path, node);
    }
    changes
}

/// Makes sure `dir` and its parents are directories in `tree` and in the layer: existing ones
/// with their metadata, missing ones created `0755` for `owner`.
fn ensure_dirs(tree: &mut Tree, changes: &mut Changes, dir: &str, owner: (u64, u64), create: bool) {
    let mut path = String::new();
    for part in split(dir) {
        path = join(&path, part);
        match tree.get(&path) {
            Some(node) if node.is_dir() && changes.entries.get(&path).is_none() => {
                // Written into: its time is the build's, as a builder's diff sees it.
                let attrs = super::tree::Attrs { mtime: None, ..node.attrs.clone() };
                changes.entries.insert(path.clone(), Node { attrs, ..node.clone() });
            }
            Some(node) if node.is_dir() => {}
            existing if create => {
                if existing.is_some() {
                    tree.remove_all(&path);
                    changes.whiteouts.insert(path.clone());
                }
                let node = Node::dir(0o755, owner.0, owner.1);
                tree.insert(path.clone(), node.clone());
                changes.entries.insert(path.clone(), node);
            }
            _ => {}
        }
    }
}

/// `user[:group]` as numeric ids, names looked up in the stage's `/etc/passwd` and
/// `/etc/group`. Without a group the user's id is the group's, as Docker does.
fn owner(tree: &Tree, chown: Option<&str>) -> Result<(u64, u64), SourceError> {
    let Some(chown) = chown else { return Ok((0, 0)) };
    let (user, group) = match chown.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (chown, None),
    };
    let uid = match user.parse::<u64>() {
        Ok(uid) => uid,
        Err(_) => lookup(tree, "etc/passwd", user)?,
    };
    let gid = match group {
        None => uid,
        Some(group) => match group.parse::<u64>() {
            Ok(gid) => gid,
            Err(_) => lookup(tree, "etc/group", group)?,
        },
    };
    Ok((uid, gid))
}

/// The id (third field) of `name` in a passwd or group file of the tree.
fn lookup(tree: &Tree, file: &str, name: &str) -> Result<u64, SourceError> {
    let unknown = |why: &str| SourceError::NotFound(format!("cannot resolve the owner `{name}`: {why}"));
    let resolved = tree.resolve(file, true).ok_or_else(|| unknown("link loop"))?;
    let text = match tree.get(&resolved).map(|n| &n.kind) {
        Some(Kind::File { content: Content::Bytes(bytes), .. }) => String::from_utf8_lossy(bytes).into_owned(),
        Some(Kind::File { content: Content::Disk(path), .. }) => std::fs::read_to_string(path)
            .map_err(|e| SourceError::Io(format!("cannot read `{}`: {e}", path.display())))?,
        _ => return Err(unknown(&format!("the stage has no /{file}; use numeric ids"))),
    };
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.len() > 2 && fields[0] == name).then(|| fields[2].parse::<u64>().ok()).flatten()
        })
        .next()
        .ok_or_else(|| unknown(&format!("no such name in /{file}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn base_tree() -> Tree {
        let mut tree = Tree::default();
        tree.insert("usr".into(), Node::dir(0o755, 0, 0));
        tree.insert("usr/bin".into(), Node::dir(0o755, 0, 0));
        tree.insert(
            "bin".into(),
            Node { kind: Kind::Symlink("usr/bin".into()), mode: 0o777, uid: 0, gid: 0, attrs: Default::default() },
        );
        tree.insert("etc".into(), Node::dir(0o755, 0, 0));
        let passwd = b"root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
        let file = Kind::File { content: Content::Bytes(Arc::from(&passwd[..])), size: passwd.len() as u64 };
        tree.insert("etc/passwd".into(), Node { kind: file, mode: 0o644, uid: 0, gid: 0, attrs: Default::default() });
        tree.insert("data".into(), Node::dir(0o700, 5, 5));
        tree
    }

    fn context(files: &[(&str, &str)]) -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let context = Context::open(dir.path()).expect("opens");
        (dir, context)
    }

    fn request(sources: &[&str], dest: &str) -> CopyRequest {
        CopyRequest {
            sources: sources.iter().map(|s| s.to_string()).collect(),
            dest: dest.trim_end_matches('/').to_string(),
            dest_is_dir: dest.ends_with('/'),
            chown: None,
            chmod: None,
            exclude: Vec::new(),
            parents: false,
        }
    }

    #[test]
    fn destinations_follow_the_stages_links() {
        let (_dir, context) = context(&[("app", "x")]);
        let mut tree = base_tree();
        let changes = from_context(&mut tree, &context, &request(&["app"], "/bin/")).expect("copies");
        let paths: Vec<&String> = changes.entries.iter().map(|(p, _)| p).collect();
        assert_eq!(paths, ["usr", "usr/bin", "usr/bin/app"]);
        assert!(changes.whiteouts.is_empty());
    }

    #[test]
    fn owners_modes_and_created_parents() {
        let (_dir, context) = context(&[("site/index.html", "hi"), ("site/css/a.css", "a")]);
        let mut tree = base_tree();
        let mut req = request(&["site"], "/srv/www");
        req.chown = Some("app".into());
        req.chmod = Some(Chmod::Octal(0o640));
        let changes = from_context(&mut tree, &context, &req).expect("copies");
        let srv = changes.entries.get("srv").expect("created");
        assert_eq!((srv.mode, srv.uid, srv.gid), (0o755, 1000, 1000));
        let css = changes.entries.get("srv/www/css/a.css").expect("copied");
        assert_eq!((css.mode, css.uid, css.gid), (0o640, 1000, 1000));
        assert!(changes.entries.get("srv/www/index.html").is_some());
        let mut bad = request(&["site"], "/x");
        bad.chown = Some("nobody".into());
        assert!(matches!(from_context(&mut tree, &context, &bad), Err(SourceError::NotFound(_))));
    }

    #[test]
    fn existing_parents_keep_their_metadata_and_files_go_into_existing_dirs() {
        let (_dir, context) = context(&[("f", "x")]);
        let mut tree = base_tree();
        let changes = from_context(&mut tree, &context, &request(&["f"], "/data")).expect("copies");
        let data = changes.entries.get("data").expect("parent in the layer");
        assert_eq!((data.mode, data.uid), (0o700, 5));
        assert!(changes.entries.get("data/f").is_some());
    }

    #[test]
    fn a_file_over_a_directory_writes_a_whiteout() {
        let mut source = Tree::default();
        let file = Kind::File { content: Content::Bytes(Arc::from(&b"x"[..])), size: 1 };
        source.insert("etc".into(), Node { kind: file, mode: 0o644, uid: 7, gid: 7, attrs: Default::default() });
        let mut tree = base_tree();
        let changes = from_tree(&mut tree, &source, &request(&["/etc"], "/etc-file")).expect("copies");
        assert!(changes.whiteouts.is_empty());
        let mut tree = base_tree();
        let mut req = request(&["/etc"], "/usr/bin");
        req.dest_is_dir = false;
        // /usr/bin is a directory: the file goes into it.
        let changes = from_tree(&mut tree, &source, &req).expect("copies");
        assert!(changes.entries.get("usr/bin/etc").is_some());
        let mut dirs = Tree::default();
        dirs.insert("x".into(), Node::dir(0o755, 0, 0));
        let mut tree = Tree::default();
        tree.insert(
            "x".into(),
            Node { kind: Kind::Symlink("y".into()), mode: 0o777, uid: 0, gid: 0, attrs: Default::default() },
        );
        let changes = from_tree(&mut tree, &dirs, &request(&["/"], "/")).expect("copies");
        assert!(changes.whiteouts.contains("x"), "{changes:?}");
        assert_eq!(changes.entries.get("x").map(Node::is_dir), Some(true));
    }

    #[test]
    fn unpacked_entries_take_a_chown_and_the_folders_they_imply_are_roots() {
        let file = |uid| Node {
            kind: Kind::File { content: Content::Bytes(Arc::from(&b"x"[..])), size: 1 },
            mode: 0o4755,
            uid,
            gid: uid,
            attrs: Default::default(),
        };
        let nodes = vec![
            ("pkg/bin/tool".to_string(), file(1234)),
            ("share".to_string(), Node::dir(0o750, 1234, 1234)),
            ("share/doc".to_string(), file(1234)),
        ];
        let mut tree = base_tree();
        let mut req = request(&["a.tar"], "/opt/x/");
        req.chown = Some("app".into());
        let changes = from_nodes(&mut tree, nodes.clone(), &req).expect("placed");
        let meta = |path: &str| {
            let node = changes.entries.get(path).unwrap_or_else(|| panic!("{path} in the layer"));
            (node.mode, node.uid, node.gid)
        };
        assert_eq!(meta("opt"), (0o755, 1000, 1000), "the destination's folders are the chown's");
        assert_eq!(meta("opt/x"), (0o755, 1000, 1000));
        assert_eq!(meta("opt/x/pkg"), (0o755, 0, 0), "implied: root's");
        assert_eq!(meta("opt/x/pkg/bin"), (0o755, 0, 0));
        assert_eq!(meta("opt/x/pkg/bin/tool"), (0o4755, 1000, 1000));
        assert_eq!(meta("opt/x/share"), (0o750, 1000, 1000), "an entry of the archive: the chown's");
        let mut tree = base_tree();
        let changes = from_nodes(&mut tree, nodes, &request(&["a.tar"], "/opt/x/")).expect("placed");
        let tool = changes.entries.get("opt/x/pkg/bin/tool").expect("placed");
        assert_eq!((tool.mode, tool.uid), (0o4755, 1234), "without a chown: the archive's owner");
    }
}
