//! imgc's core: everything between `.img` source text and a Dockerfile, with no IO.
//!
//! The pipeline runs one way: [`syntax`] parses, [`modules`] loads imports through a [`Loader`]
//! the caller supplies, [`check`] resolves names, checks types and lowers to the [`ir`],
//! [`optimize`] rewrites the IR for the build cache ([`lints`] warn about the program), and [`emit`]
//! writes the Dockerfile (and the Rust constants of [`facts`]). [`format`] prints programs in
//! their canonical layout; [`shell`] is the one POSIX shell layer every part uses. Every stage
//! reports problems as [`diagnostics::Diagnostic`]s; none panics on bad input.
//!
//! Must never depend on: the file system, the network, processes, threads, async runtimes, or
//! the other imgc crates. This is what a build script and the language server link.
//!
//! ```
//! use imgc_core::{Options, Target, compile_with_loader, modules::NoFiles};
//! let source = r#"
//! image from "debian:bookworm-slim" {
//!     run "echo hello"
//!     cmd ["bash"]
//! }
//! "#;
//! let compilation = compile_with_loader("app.img".as_ref(), source.into(), &NoFiles, &Options::default());
//! let dockerfile = compilation.dockerfile(Target::Buildkit).expect("compiles");
//! assert!(dockerfile.contains("RUN echo hello"));
//! ```

// pest without its `std` feature (no stack probe on every rule: `syntax` bounds nesting itself)
// generates code that names the `alloc` crate.
extern crate alloc;

pub mod check;
pub mod diagnostics;
pub mod emit;
pub mod facts;
pub mod format;
pub mod index;
pub mod ir;
pub mod lints;
pub mod literals;
pub mod modules;
pub mod optimize;
pub mod shell;
pub mod source;
pub mod stdlib;
mod suggest;
pub mod syntax;
pub mod types;
pub mod value;

pub use emit::dockerfile::Target;
pub use modules::Loader;
pub use optimize::{Optimize, Pass};

use diagnostics::{Diagnostic, Diagnostics};
use source::SourceMap;
use std::path::{Path, PathBuf};

/// What a compilation may be told from outside the program.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Build-argument values (`--arg name=value`), overriding the program's defaults.
    pub args: Vec<(String, String)>,
}

/// The result of checking a program: its sources (for rendering diagnostics), the diagnostics,
/// and the IR when there were no errors.
#[derive(Debug)]
pub struct Compilation {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub program: Option<ir::Program>,
    /// Every file the compilation read from disk: the program and its user modules.
    pub files_read: Vec<PathBuf>,
    /// The parsed modules (the compiled file first), when the compiled file parsed: what
    /// [`index::Index`] and editors read.
    pub modules: Option<modules::ModuleGraph>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Emits the optimized Dockerfile, or the errors that prevent it (compile errors, or
    /// features the target cannot build).
    pub fn dockerfile(&self, target: Target) -> Result<String, Vec<Diagnostic>> {
        self.dockerfile_with(target, &Optimize::default())
    }

    /// Emits the Dockerfile with the chosen optimizer passes ([`Optimize::none`] for `-O0`).
    pub fn dockerfile_with(&self, target: Target, optimize: &Optimize) -> Result<String, Vec<Diagnostic>> {
        let program = self.checked(target)?;
        let (optimized, _) = optimize::optimize(program, optimize);
        emit::dockerfile::emit(&optimized, target)
    }

    /// What the optimizer did, step by step, beside the Dockerfile it gives (`imgc explain`).
    pub fn explain(&self, target: Target, optimize: &Optimize) -> Result<optimize::report::Report, Vec<Diagnostic>> {
        let program = self.checked(target)?;
        let (optimized, log) = optimize::optimize(program, optimize);
        let emitted = emit::dockerfile::emit_parts(&optimized, target)?;
        Ok(optimize::report::report(&optimized, &log, &emitted, &self.sources, target, optimize))
    }

    /// The program, when it has no error and the target can build it. The target is checked on
    /// the program as written, so each problem is reported at its step whatever the passes do.
    fn checked(&self, target: Target) -> Result<&ir::Program, Vec<Diagnostic>> {
        match &self.program {
            Some(program) if !self.has_errors() => {
                let errors = emit::dockerfile::target_errors(program, target);
                if errors.is_empty() { Ok(program) } else { Err(errors) }
            }
            _ => Err(self.diagnostics.iter().filter(|d| d.is_error()).cloned().collect()),
        }
    }

    /// Renders diagnostics for a terminal.
    pub fn render(&self, diagnostics: &[Diagnostic], color: bool) -> String {
        diagnostics::render_human(&self.sources, diagnostics, color)
    }
}

/// Compiles with a custom loader for imported files.
pub fn compile_with_loader(path: &Path, text: String, loader: &dyn Loader, options: &Options) -> Compilation {
    compile(path, text, None, loader, options)
}

/// Compiles a file already parsed (as file 0): an editor reparses only what an edit reaches
/// ([`syntax::incremental`]).
pub fn compile_parsed(
    path: &Path,
    parsed: &syntax::incremental::Parsed,
    loader: &dyn Loader,
    options: &Options,
) -> Compilation {
    compile(path, parsed.text.clone(), Some(parsed), loader, options)
}

fn compile(
    path: &Path,
    text: String,
    parsed: Option<&syntax::incremental::Parsed>,
    loader: &dyn Loader,
    options: &Options,
) -> Compilation {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::default();
    let source_name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let graph = match parsed {
        Some(parsed) => modules::load_parsed(path, parsed, loader, &mut sources, &mut diagnostics),
        None => modules::load(path, text, loader, &mut sources, &mut diagnostics),
    };
    let files_read = graph.as_ref().map(|graph| graph.files_read.clone()).unwrap_or_default();
    let program = graph.as_ref().and_then(|graph| {
        if diagnostics.has_errors() {
            // A module that did not parse would only cause follow-on errors.
            None
        } else {
            check::check(graph, &source_name, &check::ArgValues(options.args.clone()), &mut diagnostics)
        }
    });
    if let Some(program) = &program {
        // Lints about layers judge the RUNs imgc writes by default, after the optimizer.
        let (emitted, _) = optimize::optimize(program, &Optimize::default());
        diagnostics.extend(lints::lint(program, &emitted, &sources));
    }
    Compilation { sources, diagnostics: diagnostics.into_sorted(), program, files_read, modules: graph }
}

/// Compiles `text` with only the standard library importable (the core's own tests).
#[cfg(test)]
pub(crate) fn compile_source(name: &str, text: &str, options: &Options) -> Compilation {
    compile_with_loader(Path::new(name), text.to_string(), &modules::NoFiles, options)
}
