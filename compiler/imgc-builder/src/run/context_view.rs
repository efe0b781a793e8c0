//! The build context as a `bind` mount sees it: less what `.dockerignore` excludes, as with
//! BuildKit, whose client sends the builder only the files `.dockerignore` keeps. The context
//! stays where it is: an overlay stacks above it a directory holding a whiteout for each excluded
//! entry (the folders on the way keep the context's mode, owner and times, since the topmost copy
//! of a folder gives the merged one its attributes). Writes of an `rw` bind land in the overlay's
//! upper dir and go with the step. The staging folders of imgc's own outputs are hidden too: they
//! are not the user's files, and their names change with every build.
//!
//! Must never depend on: the runtime spec or runc.

use super::overlay::Overlay;
use super::store::whiteout;
use crate::dockerignore::Ignore;
use std::fs::{self, File, FileTimes};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
use std::path::Path;

/// The entries of the context at `root` that `ignore` excludes, topmost first: none when the
/// context itself is the view.
pub fn excluded(root: &Path, ignore: &Ignore) -> Result<Vec<String>, String> {
    let mut hidden = Vec::new();
    excluded_entries(root, ignore, "", &mut hidden).map_err(|e| format!("cannot read the build context: {e}"))?;
    Ok(hidden)
}

/// The context at `root` with the `hidden` entries (from [`excluded`]) hidden, mounted under
/// `work_root`, which must not be inside `root` (overlayfs refuses layers inside one another).
pub fn mount(root: &Path, hidden: &[String], work_root: &Path) -> Result<Overlay, String> {
    let layer = work_root.join("hidden");
    let io = |e: io::Error| format!("cannot hide what .dockerignore excludes: {e}");
    fs::create_dir_all(&layer).map_err(io)?;
    let mut folders = vec![String::new()];
    for path in hidden {
        let parts: Vec<&str> = path.split('/').collect();
        for end in 1..parts.len() {
            let folder = parts[..end].join("/");
            if !folders.contains(&folder) {
                fs::create_dir(layer.join(&folder)).map_err(io)?;
                folders.push(folder);
            }
        }
        whiteout(&layer.join(path)).map_err(io)?;
    }
    // Deepest first, after everything inside them was made (which changed their times).
    for folder in folders.iter().rev() {
        mirror_attributes(&root.join(folder), &layer.join(folder)).map_err(io)?;
    }
    Overlay::mount(&[root.to_path_buf(), layer], &work_root.join("overlay"))
}

/// The topmost entries under `dir` (relative to `root`) that `ignore` excludes, as the context's
/// walk for `copy` leaves them out: an excluded folder whole, unless a `!` pattern keeps
/// something inside it. Returns how many entries of `dir` are kept.
fn excluded_entries(root: &Path, ignore: &Ignore, dir: &str, out: &mut Vec<String>) -> io::Result<usize> {
    let mut names: Vec<String> = fs::read_dir(root.join(dir))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    let mut kept = 0;
    for name in names {
        let relative = if dir.is_empty() { name } else { format!("{dir}/{name}") };
        if is_staging(&relative) {
            out.push(relative);
            continue;
        }
        let excluded = ignore.excludes(&relative);
        let is_dir = fs::symlink_metadata(root.join(&relative))?.is_dir();
        if is_dir && (!excluded || ignore.has_exceptions()) {
            let at = out.len();
            let inside = excluded_entries(root, ignore, &relative, out)?;
            if excluded && inside == 0 {
                out.truncate(at);
                out.push(relative);
            } else {
                kept += 1;
            }
        } else if excluded {
            out.push(relative);
        } else {
            kept += 1;
        }
    }
    Ok(kept)
}

/// A staging folder of an output `imgc build` is writing.
fn is_staging(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    name.strip_prefix(crate::output::STAGING_NAME).is_some_and(|rest| rest.starts_with('-'))
}

/// Gives the folder `copy` the mode, owner and times of `original`.
fn mirror_attributes(original: &Path, copy: &Path) -> io::Result<()> {
    let meta = fs::metadata(original)?;
    chown(copy, Some(meta.uid()), Some(meta.gid()))?;
    fs::set_permissions(copy, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    let times = FileTimes::new().set_accessed(meta.accessed()?).set_modified(meta.modified()?);
    File::open(copy)?.set_times(times)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden(files: &[&str], dockerignore: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            if !file.ends_with('/') {
                fs::write(&path, "x").expect("write");
            }
        }
        let ignore = Ignore::parse(dockerignore).expect("patterns");
        let mut out = Vec::new();
        excluded_entries(dir.path(), &ignore, "", &mut out).expect("walk");
        out
    }

    #[test]
    fn the_topmost_excluded_entries_are_hidden() {
        let files = ["src/main.rs", "target/debug/app", "target/keep/a", "notes.txt", "docs/a.txt", "docs/b.md"];
        assert_eq!(hidden(&files, ""), Vec::<String>::new());
        assert_eq!(hidden(&files, "target\n**/*.txt\n"), ["docs/a.txt", "notes.txt", "target"]);
        // A `!` pattern keeps something inside an excluded folder: the rest of it is hidden.
        assert_eq!(hidden(&files, "target\n!target/keep\n"), ["target/debug"]);
        // An excluded folder with nothing kept inside is hidden whole.
        assert_eq!(hidden(&files, "target\n!docs/b.md\n"), ["target"]);
        // So is the staging folder of an output being written, with no .dockerignore.
        assert_eq!(hidden(&["src/a", "out/.imgc-build-42-Ab12/x"], ""), ["out/.imgc-build-42-Ab12"]);
        assert_eq!(hidden(&["src/a", ".imgc-build-42-Ab12/x"], "src\n!src/a\n"), [".imgc-build-42-Ab12"]);
    }
}
