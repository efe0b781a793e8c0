//! `imgc migrate`: a Dockerfile turned into an `.img` program, and the proof that nothing was
//! lost.
//!
//! [`migrate`] parses the Dockerfile ([`crate::dockerfile`]), converts it into an `.img` syntax
//! tree ([`convert`], built with [`tree`]) and prints the tree ([`crate::format::format_module`]). [`check`] compiles a program back into a Dockerfile,
//! with every optimizer pass off, and compares it with the original instruction by instruction, after
//! normalising what does not change the image ([`compare`]).

mod compare;
mod convert;
mod env;
mod idioms;
mod model;
mod shell;
mod tree;

pub use compare::check;

use crate::Options;
use crate::diagnostics::{Code, Diagnostic};
use crate::dockerfile::{self, ParseOptions};
use crate::source::{FileId, SourceMap, Span};
use std::path::Path;

/// The outcome of a migration: the sources (the Dockerfile, then the program when there is one),
/// the program's text, and the problems found.
#[derive(Debug)]
pub struct Migration {
    pub sources: SourceMap,
    pub program: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Converts the Dockerfile `text` (named `name` in messages) into a formatted `.img` program.
///
/// `&&` chains are split into steps (and idioms such as `apt.install`) where the split is exact;
/// should the optimized program then have more `RUN`s than the Dockerfile (the optimizer cannot
/// always merge the steps back), every `RUN` is kept whole instead: migrating never costs layers.
pub fn migrate(name: &str, text: &str) -> Migration {
    let mut sources = SourceMap::new();
    let file = sources.add(name, text);
    let dockerfile = match parse(file, text) {
        Ok(dockerfile) => dockerfile,
        Err(diagnostics) => return Migration { sources, program: None, diagnostics },
    };
    let original_runs = dockerfile.instructions.iter().filter(|i| i.kind == dockerfile::InstructionKind::Run).count();
    let mut migration = convert_and_compile(sources.clone(), file, &dockerfile, false);
    let more_runs = migration.program.as_deref().is_some_and(|program| emitted_runs(program) > original_runs);
    if more_runs {
        // Kept whole only when that program still builds what the Dockerfile does.
        let whole = convert_and_compile(sources, file, &dockerfile, true);
        let exact = whole
            .program
            .as_deref()
            .is_some_and(|program| check(name, text, Path::new("app.img"), program).diagnostics.is_empty());
        if exact {
            migration = whole;
        }
    }
    migration
}

/// The `RUN` instructions of a program's optimized Dockerfile.
fn emitted_runs(program: &str) -> usize {
    let compiled = crate::compile_with_loader(
        Path::new("app.img"),
        program.to_string(),
        &crate::modules::NoFiles,
        &Options::default(),
    );
    compiled
        .dockerfile(crate::Target::Buildkit)
        .ok()
        .and_then(|text| dockerfile::parse_with(&text, ParseOptions::default()).ok())
        .map_or(0, |df| df.instructions.iter().filter(|i| i.kind == dockerfile::InstructionKind::Run).count())
}

/// Converts (keeping `RUN`s whole when `whole_runs`), prints and compiles the program.
fn convert_and_compile(
    mut sources: SourceMap,
    file: FileId,
    df: &dockerfile::Dockerfile,
    whole_runs: bool,
) -> Migration {
    let program = match convert::convert(df, file, whole_runs) {
        Ok(module) => crate::format::format_module(&module),
        Err(diagnostics) => return Migration { sources, program: None, diagnostics },
    };
    // What the converter writes compiles; should it not, nothing broken is handed out.
    let compiled = crate::compile_with_loader(
        Path::new("app.img"),
        program.clone(),
        &crate::modules::NoFiles,
        &Options::default(),
    );
    if let Some(error) = compiled.diagnostics.iter().find(|d| d.is_error()) {
        let at = error.primary.as_ref().map_or(0..0, |l| l.span.range());
        let program_file = sources.add("app.img", program.as_str());
        let diagnostic = Diagnostic::error(
            Code::NotMigratable,
            format!("the converted program does not compile: {}", error.message),
        )
        .with_label(Span::new(file, 0..0), "converting this Dockerfile")
        .with_secondary(
            Span::new(program_file, at),
            error.primary.as_ref().map_or(String::new(), |l| l.message.clone()),
        )
        .with_help("imgc checks this value more strictly than builders do; write it in the form its error asks for");
        return Migration { sources, program: None, diagnostics: vec![diagnostic] };
    }
    Migration { sources, program: Some(program), diagnostics: Vec::new() }
}

/// Parses and validates a Dockerfile the way BuildKit does; errors as [`Code::DockerfileSyntax`].
fn parse(file: FileId, text: &str) -> Result<dockerfile::Dockerfile, Vec<Diagnostic>> {
    dockerfile::parse_with(text, ParseOptions::default()).map_err(|error| {
        vec![
            Diagnostic::error(Code::DockerfileSyntax, error.message.clone())
                .with_label(Span::new(file, error.span.start.offset..error.span.end.offset), "here")
                .with_help("builders refuse this Dockerfile too; see the Dockerfile reference"),
        ]
    })
}
