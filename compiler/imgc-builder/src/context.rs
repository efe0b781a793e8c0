//! The build context: the directory `copy` reads from, less what `.dockerignore` excludes.
//! A source may not leave it, through `..` or through a symbolic link.

use super::dockerignore::{Ignore, clean, glob_matches, has_glob};
use std::fs::Metadata;
use std::path::{Path, PathBuf};

/// Symlinks followed while resolving one source before giving up.
const MAX_LINKS: usize = 40;

#[derive(Debug)]
pub struct Context {
    root: PathBuf,
    ignore: Ignore,
}

/// Why a source cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// It leaves the context (the text says how).
    Escapes(String),
    /// Nothing in the context matches (or `.dockerignore` excludes it).
    NotFound(String),
    /// The file system failed.
    Io(String),
}

/// A file or directory of the context that a source names.
#[derive(Debug)]
pub struct Source {
    /// Relative to the context root, symlinks resolved.
    pub relative: String,
    pub path: PathBuf,
    pub metadata: Metadata,
}

/// An entry found while walking a directory source.
#[derive(Debug)]
pub struct WalkEntry {
    /// Relative to the directory walked.
    pub relative: String,
    pub path: PathBuf,
    pub metadata: Metadata,
}

impl Context {
    /// Opens the context at `dir`, reading its `.dockerignore` if there is one.
    pub fn open(dir: &Path) -> Result<Context, String> {
        let root = dir.canonicalize().map_err(|e| format!("cannot open the build context `{}`: {e}", dir.display()))?;
        if !root.is_dir() {
            return Err(format!("the build context `{}` is not a directory", dir.display()));
        }
        let ignore_file = root.join(".dockerignore");
        let ignore = match std::fs::read_to_string(&ignore_file) {
            Ok(text) => Ignore::parse(&text).map_err(|e| format!("{}: {e}", ignore_file.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ignore::default(),
            Err(e) => return Err(format!("cannot read `{}`: {e}", ignore_file.display())),
        };
        Ok(Context { root, ignore })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `.dockerignore` rules (none when it has no such file).
    pub fn ignore(&self) -> &Ignore {
        &self.ignore
    }

    /// The files and directories a source names: a path, or a pattern with `*`, `?`, `[…]`.
    pub fn sources(&self, source: &str) -> Result<Vec<Source>, SourceError> {
        let cleaned = clean(source.trim_start_matches('/'));
        if cleaned == ".." || cleaned.starts_with("../") {
            return Err(SourceError::Escapes(format!("`{source}` is outside the build context")));
        }
        let parts: Vec<&str> = cleaned.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        // Expand patterns component by component, over resolved directories.
        let mut candidates: Vec<String> = vec![String::new()];
        for part in parts {
            let mut next = Vec::new();
            for base in candidates {
                let base = self.resolve(&base, source)?;
                if has_glob(part) {
                    let dir = self.root.join(&base);
                    let Ok(entries) = std::fs::read_dir(&dir) else { continue };
                    let mut names: Vec<String> =
                        entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                    names.sort();
                    for name in names.into_iter().filter(|n| glob_matches(part, n)) {
                        next.push(join(&base, &name));
                    }
                } else {
                    next.push(join(&base, part));
                }
            }
            candidates = next;
        }
        let mut found = Vec::new();
        for candidate in candidates {
            let relative = self.resolve(&candidate, source)?;
            if !relative.is_empty() && self.ignore.excludes(&relative) {
                continue;
            }
            let path = self.root.join(&relative);
            match std::fs::symlink_metadata(&path) {
                Ok(metadata) => found.push(Source { relative, path, metadata }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(SourceError::Io(format!("cannot read `{}`: {e}", path.display()))),
            }
        }
        if found.is_empty() {
            let why = if has_glob(source) { "matches nothing" } else { "does not exist" };
            return Err(SourceError::NotFound(format!("`{source}` {why} in the build context")));
        }
        Ok(found)
    }

    /// `relative` with every symlink resolved, staying inside the context.
    fn resolve(&self, relative: &str, source: &str) -> Result<String, SourceError> {
        let mut pending: Vec<String> =
            relative.split('/').filter(|p| !p.is_empty()).rev().map(str::to_string).collect();
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        let escapes = |how: String| SourceError::Escapes(format!("`{source}` leaves the build context: {how}"));
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if done.pop().is_none() {
                        return Err(escapes("`..` above its root".to_string()));
                    }
                    continue;
                }
                _ => {}
            }
            done.push(part);
            let path = self.root.join(done.join("/"));
            let Ok(metadata) = std::fs::symlink_metadata(&path) else { continue };
            if !metadata.file_type().is_symlink() {
                continue;
            }
            links += 1;
            if links > MAX_LINKS {
                return Err(SourceError::Io(format!("too many levels of symbolic links in `{source}`")));
            }
            let target = std::fs::read_link(&path)
                .map_err(|e| SourceError::Io(format!("cannot read `{}`: {e}", path.display())))?;
            let link = done.join("/");
            done.pop();
            let target_text = target.to_string_lossy().into_owned();
            if target.is_absolute() {
                let inside = target
                    .strip_prefix(&self.root)
                    .map_err(|_| escapes(format!("the symbolic link `{link}` points to `{target_text}`")))?;
                done.clear();
                pending.extend(inside.to_string_lossy().split('/').filter(|p| !p.is_empty()).rev().map(str::to_string));
            } else {
                // Check the relative target on its own so the message names the link.
                let mut depth = done.len() as i64;
                for part in target_text.split('/') {
                    match part {
                        ".." => depth -= 1,
                        "" | "." => {}
                        _ => depth += 1,
                    }
                    if depth < 0 {
                        return Err(escapes(format!("the symbolic link `{link}` points to `{target_text}`")));
                    }
                }
                pending.extend(target_text.split('/').filter(|p| !p.is_empty()).rev().map(str::to_string));
            }
        }
        Ok(done.join("/"))
    }

    /// Every entry under the directory `source` (not following links), less what `.dockerignore`
    /// excludes, sorted by path.
    pub fn walk(&self, source: &Source) -> Result<Vec<WalkEntry>, SourceError> {
        let mut out = Vec::new();
        self.walk_into(&source.relative, "", &mut out)?;
        Ok(out)
    }

    fn walk_into(&self, dir: &str, prefix: &str, out: &mut Vec<WalkEntry>) -> Result<(), SourceError> {
        let path = self.root.join(dir);
        let io = |e: std::io::Error| SourceError::Io(format!("cannot read `{}`: {e}", path.display()));
        let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(&path)
            .map_err(io)?
            .map(|e| e.map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for (name, entry_path) in entries {
            let context_relative = join(dir, &name);
            let relative = join(prefix, &name);
            let metadata = std::fs::symlink_metadata(&entry_path)
                .map_err(|e| SourceError::Io(format!("cannot read `{}`: {e}", entry_path.display())))?;
            let excluded = self.ignore.excludes(&context_relative);
            if metadata.is_dir() {
                // An excluded directory is still walked when a `!` pattern may bring back
                // something inside it.
                if excluded && !self.ignore.has_exceptions() {
                    continue;
                }
                let at = out.len();
                self.walk_into(&context_relative, &relative, out)?;
                if !excluded || out.len() > at {
                    out.insert(at, WalkEntry { relative, path: entry_path, metadata });
                }
            } else if !excluded {
                out.push(WalkEntry { relative, path: entry_path, metadata });
            }
        }
        Ok(())
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn context() -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("ctx");
        std::fs::create_dir_all(root.join("src/sub")).expect("mkdir");
        std::fs::create_dir_all(root.join("target/debug")).expect("mkdir");
        std::fs::write(root.join("src/a.rs"), "a").expect("write");
        std::fs::write(root.join("src/b.txt"), "b").expect("write");
        std::fs::write(root.join("src/sub/c.rs"), "c").expect("write");
        std::fs::write(root.join("target/debug/app"), "bin").expect("write");
        std::fs::write(root.join("target/keep"), "k").expect("write");
        std::fs::write(dir.path().join("secret"), "s").expect("write");
        std::fs::write(root.join(".dockerignore"), "target\n!target/keep\n*.txt\n**/*.txt\n").expect("write");
        symlink("../secret", root.join("up")).expect("symlink");
        symlink(dir.path().join("secret"), root.join("abs")).expect("symlink");
        symlink("src/sub", root.join("inside")).expect("symlink");
        let context = Context::open(&root).expect("opens");
        (dir, context)
    }

    #[test]
    fn sources_resolve_inside_the_context() {
        let (_dir, context) = context();
        let found = context.sources("inside/c.rs").expect("found");
        assert_eq!(found[0].relative, "src/sub/c.rs");
        let found = context.sources("src/*.rs").expect("found");
        assert_eq!(found.iter().map(|s| s.relative.as_str()).collect::<Vec<_>>(), ["src/a.rs"]);
        assert!(matches!(context.sources("src/b.txt"), Err(SourceError::NotFound(_))));
        assert!(matches!(context.sources("nope*"), Err(SourceError::NotFound(_))));
    }

    #[test]
    fn escapes_are_refused_links_included() {
        let (_dir, context) = context();
        for source in ["../secret", "src/../../secret", "up", "abs"] {
            assert!(matches!(context.sources(source), Err(SourceError::Escapes(_))), "{source}");
        }
    }

    #[test]
    fn walks_skip_ignored_entries_but_keep_exceptions() {
        let (_dir, context) = context();
        let root = context.sources(".").expect("root");
        let entries: Vec<String> = context.walk(&root[0]).expect("walks").into_iter().map(|e| e.relative).collect();
        assert!(entries.contains(&"target".to_string()));
        assert!(entries.contains(&"target/keep".to_string()));
        assert!(!entries.iter().any(|e| e.starts_with("target/debug")));
        assert!(!entries.contains(&"src/b.txt".to_string()));
        assert!(entries.contains(&"src/sub/c.rs".to_string()));
        let target = entries.iter().position(|e| e == "target").expect("dir");
        let keep = entries.iter().position(|e| e == "target/keep").expect("file");
        assert!(target < keep, "a directory comes before its contents");
    }
}
