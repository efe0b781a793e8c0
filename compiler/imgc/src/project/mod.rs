//! Projects: `imgc.toml` (the images of a project and the settings they share) and `imgc.lock`
//! (their base images pinned by digest). This module reads and checks both files, reports their
//! problems as diagnostics with spans in them (like a program's), compiles a project's images and
//! says which base images they need; it never builds, pulls or resolves anything itself (the
//! command line does, with the builder) and never depends on the command line.

pub mod lock;
pub mod manifest;

use crate::{Compilation, FsLoader, InputError, Options, compile_with_loader};
use imgc_core::diagnostics::{Code, Diagnostic};
use imgc_core::literals::check_platform;
use imgc_core::source::{FileId, SourceMap, Span};
use manifest::{Image, Manifest};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The project file's name.
pub const PROJECT_FILE: &str = "imgc.toml";
/// The lock file's name, beside the project file.
pub const LOCK_FILE: &str = "imgc.lock";

/// A project file that was read and checked.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder of `imgc.toml`: every path in it is relative to this.
    pub root: PathBuf,
    pub sources: SourceMap,
    pub file: FileId,
    pub manifest: Manifest,
}

/// A file with errors, and the sources its diagnostics point into.
#[derive(Debug, Clone)]
pub struct Invalid {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a project could not be loaded.
#[derive(Debug, Clone)]
pub enum LoadError {
    /// The file could not be read.
    Read(String),
    Invalid(Invalid),
}

/// The JSON Schema of `imgc.toml`, generated from [`Manifest`] (checked in as
/// `book/src/imgc.toml.schema.json`, where editors find it).
pub fn schema() -> String {
    let schema = schemars::schema_for!(Manifest);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The project file that applies in `start`: `imgc.toml` there or in the nearest folder above.
pub fn find(start: &Path) -> Option<PathBuf> {
    start.ancestors().map(|dir| dir.join(PROJECT_FILE)).find(|path| path.is_file())
}

/// Reads and checks the project file at `path`, and that the programs it names exist.
pub fn load(path: &Path) -> Result<Project, LoadError> {
    let text = crate::read_text(path).map_err(|e| LoadError::Read(e.to_string()))?;
    let project = parse(&path.display().to_string(), &text).map_err(LoadError::Invalid)?;
    let missing: Vec<Diagnostic> = project
        .manifest
        .images
        .get_ref()
        .values()
        .filter(|image| !project.root.join(image.program.get_ref()).is_file())
        .map(|image| {
            Diagnostic::error(Code::ProjectValue, format!("the program `{}` does not exist", image.program.get_ref()))
                .with_label(project.span(&image.program), "no such file")
                .with_help(format!("paths are relative to `{}`", project.root.display()))
        })
        .collect();
    if missing.is_empty() {
        Ok(project)
    } else {
        Err(LoadError::Invalid(Invalid { sources: project.sources, diagnostics: missing }))
    }
}

/// Reads a project file's text (named `name` in messages) and checks what needs no other file.
pub fn parse(name: &str, text: &str) -> Result<Project, Invalid> {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let manifest: Manifest = match toml::from_str(text) {
        Ok(manifest) => manifest,
        Err(error) => {
            let mut diagnostic = Diagnostic::error(Code::ProjectFile, error.message().trim_end());
            if let Some(range) = error.span() {
                diagnostic = diagnostic.with_label(Span::new(file, range), "here");
            }
            diagnostic = diagnostic.with_help("the book's Projects chapter lists what `imgc.toml` holds");
            return Err(Invalid { sources, diagnostics: vec![diagnostic] });
        }
    };
    let root = Path::new(name).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let project = Project { root: root.to_path_buf(), sources, file, manifest };
    let diagnostics = project.check();
    if diagnostics.is_empty() { Ok(project) } else { Err(Invalid { sources: project.sources, diagnostics }) }
}

impl Project {
    /// The span of a value in the project file.
    pub fn span<T>(&self, value: &Spanned<T>) -> Span {
        Span::new(self.file, value.span())
    }

    /// The names of the images, in the order the file lists them.
    pub fn names(&self) -> Vec<&str> {
        self.manifest.images.get_ref().keys().map(String::as_str).collect()
    }

    /// The image called `name`, or an E0043 that lists the others.
    pub fn image(&self, name: &str) -> Result<&Image, Diagnostic> {
        self.manifest.images.get_ref().get(name).ok_or_else(|| self.unknown_image(name, None))
    }

    fn unknown_image(&self, name: &str, at: Option<Span>) -> Diagnostic {
        let mut diagnostic = Diagnostic::error(Code::UnknownProjectImage, format!("the project has no image `{name}`"))
            .with_help(format!("its images are: {}", self.names().join(", ")));
        if let Some(span) = at {
            diagnostic = diagnostic.with_label(span, "not an image of this project");
        }
        diagnostic
    }

    /// What the types cannot say: platforms, names, dependencies, registry outputs.
    fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let images = self.manifest.images.get_ref();
        if images.is_empty() {
            out.push(
                Diagnostic::error(Code::ProjectValue, "the project lists no image")
                    .with_label(self.span(&self.manifest.images), "no image here")
                    .with_help("add one: `[images.app]` with `program = \"app.img\"`"),
            );
        }
        let platforms = self.manifest.platforms.iter().chain(images.values().flat_map(|i| &i.platforms));
        for platform in platforms {
            if let Err(message) = check_platform(platform.get_ref()) {
                out.push(
                    Diagnostic::error(Code::ProjectValue, message).with_label(self.span(platform), "not a platform"),
                );
            }
        }
        for (name, image) in images {
            if !is_image_name(name) {
                out.push(
                    Diagnostic::error(Code::ProjectValue, format!("`{name}` is not a valid image name"))
                        .with_label(self.span(&image.program), "in this image")
                        .with_help("an image name is lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit"),
                );
            }
            if image.program.get_ref().is_empty() {
                out.push(
                    Diagnostic::error(Code::ProjectValue, "the program path is empty")
                        .with_label(self.span(&image.program), "here"),
                );
            }
            for dependency in &image.depends_on {
                if !images.contains_key(dependency.get_ref()) {
                    out.push(self.unknown_image(dependency.get_ref(), Some(self.span(dependency))));
                } else if dependency.get_ref() == name {
                    out.push(
                        Diagnostic::error(Code::ProjectValue, format!("the image `{name}` depends on itself"))
                            .with_label(self.span(dependency), "here"),
                    );
                }
            }
            for output in image.outputs.iter().filter(|o| o.get_ref() == "registry") {
                if self.manifest.registry.url.is_none() {
                    out.push(
                        Diagnostic::error(Code::ProjectValue, "a `registry` output, but the project names no registry")
                            .with_label(self.span(output), "pushes where?")
                            .with_help("set `url` in `[registry]`, e.g. `url = \"registry.example.com/team\"`"),
                    );
                }
            }
        }
        if out.is_empty()
            && let Err(cycle) = self.order(&self.names())
        {
            out.push(cycle);
        }
        out
    }

    /// The images `names` in groups that can be built at once: each group after the groups of
    /// the images it depends on (dependencies not in `names` are taken as built already).
    pub fn order(&self, names: &[&str]) -> Result<Vec<Vec<String>>, Diagnostic> {
        let images = self.manifest.images.get_ref();
        let mut left: Vec<&str> = names.to_vec();
        let mut done: Vec<&str> = Vec::new();
        let mut waves = Vec::new();
        while !left.is_empty() {
            let ready: Vec<&str> = left
                .iter()
                .copied()
                .filter(|name| {
                    images.get(*name).is_none_or(|image| {
                        image
                            .depends_on
                            .iter()
                            .all(|d| done.contains(&d.get_ref().as_str()) || !names.contains(&d.get_ref().as_str()))
                    })
                })
                .collect();
            if ready.is_empty() {
                let first = left[0];
                let mut diagnostic = Diagnostic::error(
                    Code::ProjectValue,
                    format!(
                        "the images {} depend on each other",
                        left.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ),
                );
                if let Some(dependency) = images.get(first).and_then(|i| i.depends_on.first()) {
                    diagnostic = diagnostic.with_label(self.span(dependency), "this dependency closes a cycle");
                }
                return Err(diagnostic.with_help("remove one of the `depends-on` entries"));
            }
            left.retain(|name| !ready.contains(name));
            done.extend(&ready);
            waves.push(ready.into_iter().map(str::to_string).collect());
        }
        Ok(waves)
    }

    /// The platforms `image` is built for (empty: the host's).
    pub fn platforms(&self, image: &Image) -> Vec<String> {
        let list = if image.platforms.is_empty() { &self.manifest.platforms } else { &image.platforms };
        list.iter().map(|p| p.get_ref().clone()).collect()
    }

    /// A path of the project file, made relative to the current folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The program of `image`.
    pub fn program(&self, image: &Image) -> PathBuf {
        self.path(image.program.get_ref())
    }

    /// The build context of `image`: its `context`, else its program's folder.
    pub fn context(&self, image: &Image) -> PathBuf {
        match &image.context {
            Some(context) => self.path(context),
            None => {
                let program = self.program(image);
                program
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            }
        }
    }

    /// Compiles the program of `image` with its build arguments: the project's shared ones that
    /// the program declares, the image's own, then `extra` (from `--arg`), the last one winning.
    pub fn compile(&self, image: &Image, extra: &[(String, String)]) -> Result<Compilation, InputError> {
        let path = self.program(image);
        let text = crate::read_text(&path)?;
        let own: Vec<(String, String)> =
            image.args.iter().map(|(k, v)| (k.clone(), v.clone())).chain(extra.iter().cloned()).collect();
        let mut args: Vec<(String, String)> = Vec::new();
        if !self.manifest.args.is_empty() {
            // Shared arguments go only to programs that declare them.
            let bare = compile_with_loader(&path, text.clone(), &FsLoader, &Options { args: own.clone() });
            let declared: Vec<String> = match &bare.program {
                Some(program) => program.args.iter().map(|a| a.name.clone()).collect(),
                None => self.manifest.args.keys().cloned().collect(),
            };
            args.extend(
                self.manifest.args.iter().filter(|(k, _)| declared.contains(k)).map(|(k, v)| (k.clone(), v.clone())),
            );
        }
        args.extend(own);
        Ok(compile_with_loader(&path, text, &FsLoader, &Options { args }))
    }
}

/// Image names become parts of registry references and file names.
fn is_image_name(name: &str) -> bool {
    name.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}
