//! Parse, check, optimize and emit arbitrary bytes: the compiler must answer with diagnostics, never
//! panic. The hand-written parser must give pest's answer and tree on every input.
#![no_main]

use imgc::modules::Loader;
use std::path::Path;

/// Imports resolve to nothing, so a run never reads the disk.
struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, _path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(problem) = imgc::syntax::fast_parser_disagreement(text) {
        panic!("the parsers disagree: {problem}");
    }
    let compilation =
        imgc::compile_with_loader(Path::new("fuzz.img"), text.to_string(), &NoFiles, &imgc::Options::default());
    let _ = compilation.render(&compilation.diagnostics, false);
    let _ = imgc::diagnostics::render_json(&compilation.sources, &compilation.diagnostics);
    let _ = compilation.dockerfile(imgc::Target::Buildkit);
    let _ = compilation.dockerfile(imgc::Target::Classic);
    let _ = compilation.dockerfile_with(imgc::Target::Buildkit, &imgc::Optimize::none());
    if let Ok(report) = compilation.explain(imgc::Target::Buildkit, &imgc::Optimize::default()) {
        let _ = (report.render(), report.to_json());
    }
});
