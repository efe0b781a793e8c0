//! The paths cargo must watch to rerun a build script exactly when needed: the program, its
//! modules, and the build-context files and folders its `copy` and `add` steps and bind mounts
//! read. Never the script's own outputs, nor cargo's build folder: a watched path the script
//! writes, or one that changes on every build, would make cargo rerun it every time.

use crate::facts::ArgScope;
use crate::ir::{InstructionKind, MountKind, Program, Text};
use crate::modules::normalize;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

pub(super) struct Watch {
    manifest_dir: PathBuf,
    out_dir: PathBuf,
    /// Files the script writes.
    outputs: Vec<PathBuf>,
    /// Absolute paths for `cargo:rerun-if-changed`.
    pub paths: BTreeSet<PathBuf>,
    /// Problems for `cargo:warning`.
    pub warnings: Vec<String>,
}

impl Watch {
    /// All paths absolute.
    pub fn new(manifest_dir: &Path, out_dir: &Path, outputs: &[PathBuf]) -> Watch {
        Watch {
            manifest_dir: normalize(manifest_dir),
            out_dir: normalize(out_dir),
            outputs: outputs.iter().map(|p| normalize(p)).collect(),
            paths: BTreeSet::new(),
            warnings: Vec::new(),
        }
    }

    /// A source file of the program.
    pub fn file(&mut self, path: &Path) {
        self.paths.insert(normalize(path));
    }

    /// What the program's build steps read from `context` (an absolute folder). Every stage
    /// counts: docker's classic builder builds them all.
    pub fn context_reads(&mut self, program: &Program, context: &Path) {
        let context = normalize(context);
        for stage in &program.stages {
            let mut args = ArgScope::new(program);
            for instruction in &stage.instructions {
                args.enter(&instruction.kind);
                match &instruction.kind {
                    InstructionKind::Copy(copy) if copy.from.is_none() => {
                        for source in &copy.sources {
                            let (text, complete) = args.prefix(source);
                            if !(copy.is_add && is_remote(&text)) {
                                self.source(&context, &text, complete);
                            }
                        }
                    }
                    InstructionKind::Run(run) => {
                        for mount in run.mounts.iter().filter(|m| m.kind == MountKind::Bind) {
                            let option = |key: &str| mount.options.iter().find(|(k, _)| k == key).map(|(_, v)| v);
                            if option("from").is_none() {
                                let root = Text::value(".");
                                let (text, complete) = args.prefix(option("source").unwrap_or(&root));
                                self.source(&context, &text, complete);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// One source path as the builder reads it: relative to the context root, with wildcards.
    /// `complete` is false when `text` stops before a build argument without a value.
    fn source(&mut self, context: &Path, text: &str, complete: bool) {
        let wildcard = text.find(['*', '?', '[']);
        let exact = complete && wildcard.is_none();
        let fixed = match wildcard {
            Some(at) => &text[..at],
            None => text,
        };
        // Up to a wildcard or an unknown value, the folder that holds the matches is watched.
        let fixed = if exact { fixed } else { fixed.rfind('/').map_or("", |slash| &fixed[..slash]) };
        let mut relative = PathBuf::new();
        for component in Path::new(fixed).components() {
            match component {
                Component::Normal(part) => relative.push(part),
                Component::ParentDir if !relative.pop() => return, // outside the context: the builder refuses it
                _ => {}
            }
        }
        let path = context.join(relative);
        if self.outputs.contains(&path) {
            return; // written by this run, after the check
        }
        if exact && !path.exists() {
            self.warnings.push(format!(
                "`{text}` is not in the build context `{}`: building the image will fail",
                context.display()
            ));
            // Watch the nearest folder that exists, to rerun when the file appears.
            let mut folder = path.as_path();
            while let Some(parent) = folder.parent().filter(|_| !folder.exists() && folder != context) {
                folder = parent;
            }
            let folder = folder.to_path_buf();
            self.add(&folder);
        } else {
            self.add(&path);
        }
    }

    /// Watches `path`, leaving out outputs and the build folder: a folder that holds either is
    /// watched entry by entry (so a new entry right in it goes unnoticed).
    fn add(&mut self, path: &Path) {
        if self.outputs.iter().any(|o| o == path) || self.is_build_folder(path) {
            return;
        }
        let holds_excluded = self.out_dir.starts_with(path) || self.outputs.iter().any(|o| o.starts_with(path));
        if holds_excluded
            && path.is_dir()
            && let Ok(entries) = std::fs::read_dir(path)
        {
            let mut entries: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
            entries.sort();
            for entry in entries {
                self.add(&entry);
            }
            return;
        }
        self.paths.insert(path.to_path_buf());
    }

    /// Cargo's target folder, or a folder inside it: holds `OUT_DIR` but not the package.
    fn is_build_folder(&self, path: &Path) -> bool {
        (self.out_dir.starts_with(path) && !self.manifest_dir.starts_with(path)) || path.starts_with(&self.out_dir)
    }
}

/// A URL or git repository `add` downloads.
fn is_remote(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, compile_source};
    use std::fs;

    struct Fixture {
        _dir: tempfile::TempDir,
        root: PathBuf,
    }

    /// A package folder with `files` (created with their folders) and a target folder inside.
    fn fixture(files: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        for file in files.iter().chain(&["target/debug/build/app-1/out/keep"]) {
            let path = root.join(file);
            fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
            fs::write(&path, "x").expect("write");
        }
        Fixture { _dir: dir, root }
    }

    fn watch(fixture: &Fixture, source: &str, outputs: &[&str]) -> Watch {
        let compilation = compile_source("app.img", source, &Options::default());
        let rendered = compilation.render(&compilation.diagnostics, false);
        let program = compilation.program.unwrap_or_else(|| panic!("does not compile:\n{rendered}"));
        let root = &fixture.root;
        let outputs: Vec<PathBuf> = outputs.iter().map(|o| root.join(o)).collect();
        let mut watch = Watch::new(root, &root.join("target/debug/build/app-1/out"), &outputs);
        watch.context_reads(&program, root);
        watch
    }

    fn relative(fixture: &Fixture, watch: &Watch) -> Vec<String> {
        watch.paths.iter().map(|p| p.strip_prefix(&fixture.root).expect("inside").display().to_string()).collect()
    }

    #[test]
    fn files_folders_and_wildcards() {
        let fixture = fixture(&["Cargo.toml", "src/main.rs", "conf/a.toml", "conf/b.toml", "docs/x/y.md"]);
        let source = r#"
arg docs = "docs"
stage build from "debian:bookworm-slim" {
    copy "Cargo.toml", "./src/" to "/src/"
    copy "conf/*.toml" to "/etc/app/"
    copy "${docs}/x" to "/docs/"
    copy from "busybox:1.36" "/bin/busybox" to "/bin/"
    add "https://example.com/a.tar.gz" to "/opt/"
}
image from build {
    copy from build "/src" to "/app"
}
"#;
        let watch = watch(&fixture, source, &[]);
        assert_eq!(relative(&fixture, &watch), ["Cargo.toml", "conf", "docs/x", "src"]);
        assert!(watch.warnings.is_empty(), "{:?}", watch.warnings);
    }

    #[test]
    fn the_whole_context_leaves_out_outputs_and_the_target_folder() {
        let fixture = fixture(&["Cargo.toml", "src/main.rs", "gen/image.rs", "gen/notes.txt", "Dockerfile"]);
        let source = "image from \"debian:bookworm-slim\" {\n    copy \".\" to \"/src/\"\n}\n";
        let watch = watch(&fixture, source, &["Dockerfile", "gen/image.rs"]);
        assert_eq!(relative(&fixture, &watch), ["Cargo.toml", "gen/notes.txt", "src"]);
    }

    #[test]
    fn an_output_the_program_copies_is_neither_watched_nor_missing() {
        let fixture = fixture(&[]);
        let source = "image from \"debian:bookworm-slim\" {\n    copy \"gen/image.rs\" to \"/src/\"\n}\n";
        let watch = watch(&fixture, source, &["gen/image.rs"]);
        assert!(watch.paths.is_empty(), "{:?}", watch.paths);
        assert!(watch.warnings.is_empty(), "not written yet, but it will be: {:?}", watch.warnings);
    }

    #[test]
    fn a_missing_source_warns_and_watches_the_folder_it_would_be_in() {
        let fixture = fixture(&["src/main.rs"]);
        let source = "image from \"debian:bookworm-slim\" {\n    copy \"src/gen/version.txt\" to \"/\"\n}\n";
        let watch = watch(&fixture, source, &[]);
        assert_eq!(relative(&fixture, &watch), ["src"]);
        assert_eq!(watch.warnings.len(), 1);
        assert!(
            watch.warnings[0].starts_with("`src/gen/version.txt` is not in the build context"),
            "{:?}",
            watch.warnings
        );
    }

    #[test]
    fn bind_mounts_read_the_context_unless_they_name_a_stage() {
        let fixture = fixture(&["requirements/a.txt", "other"]);
        let source = r#"
stage wheels from "debian:bookworm-slim" {
    run "true"
}
image from "debian:bookworm-slim" {
    run "ls /src /w" bind "/src" (source: "requirements") bind "/w" (from: wheels, source: "/wheels")
}
"#;
        let watch = watch(&fixture, source, &[]);
        assert_eq!(relative(&fixture, &watch), ["requirements"]);
    }
}
