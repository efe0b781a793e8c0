//! imgc compiles `.img` programs, a typed language for container images, into Dockerfiles and
//! OCI images.
//!
//! This crate is the face of the project: the `imgc` command (`src/main.rs`), [`migrate`]
//! (Dockerfile to `.img`), [`build_script`] (Cargo build scripts) and the functions that read
//! programs from disk. The work is done by three crates it re-exports:
//! [`imgc_core`] (parse, check, optimize, emit, format; no IO), [`dockerfile`] (the Dockerfile
//! parser) and, with the `oci` feature, [`oci`] (the image builder).
//!
//! ```
//! let source = r#"
//! image from "debian:bookworm-slim" {
//!     run "echo hello"
//!     cmd ["bash"]
//! }
//! "#;
//! let compilation = imgc::compile_source("app.img", source, &imgc::Options::default());
//! let dockerfile = compilation.dockerfile(imgc::Target::Buildkit).expect("compiles");
//! assert!(dockerfile.contains("RUN echo hello"));
//! ```

pub mod build_script;
pub mod migrate;
#[cfg(feature = "project")]
pub mod project;

#[cfg(feature = "oci")]
pub use imgc_builder as oci;
pub use imgc_core::{
    Compilation, Loader, Optimize, Options, Pass, Target, check, compile_with_loader, diagnostics, emit, facts, format,
    ir, lints, literals, modules, optimize, shell, source, stdlib, syntax, types, value,
};
pub use imgc_dockerfile as dockerfile;

use std::path::{Path, PathBuf};

/// Reads imported modules from the file system, relative to the importing file.
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// The program file itself could not be read (a missing import is a diagnostic instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for InputError {}

/// Compiles the file at `path`, reading it and its imports from disk.
pub fn compile_file(path: &Path, options: &Options) -> Result<Compilation, InputError> {
    let text = read_text(path)?;
    Ok(compile_with_loader(path, text, &FsLoader, options))
}

/// Reads a source file (a program, a Dockerfile) as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let bytes =
        std::fs::read(path).map_err(|error| InputError { path: path.to_path_buf(), reason: error.to_string() })?;
    String::from_utf8(bytes).map_err(|error| InputError {
        path: path.to_path_buf(),
        reason: format!("it is not UTF-8 text (invalid byte at offset {})", error.utf8_error().valid_up_to()),
    })
}

/// Compiles source text given by the caller; `name` is used in messages and for resolving
/// relative imports.
pub fn compile_source(name: &str, text: &str, options: &Options) -> Compilation {
    compile_with_loader(Path::new(name), text.to_string(), &FsLoader, options)
}
