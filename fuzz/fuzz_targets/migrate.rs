//! Migrate arbitrary text as a Dockerfile, then check the program it writes against it: both
//! must answer with diagnostics or a program, never panic; a program migrate writes must parse,
//! be formatted, and pass its own check.
#![no_main]

use std::path::Path;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let migration = imgc::migrate::migrate("Dockerfile", text);
    let _ = imgc::diagnostics::render_human(&migration.sources, &migration.diagnostics, false);
    let Some(program) = migration.program else { return };
    let formatted = imgc::format::format_source(imgc::source::FileId(0), &program);
    assert_eq!(formatted.as_deref(), Ok(program.as_str()), "migrate wrote an unformatted program");
    let report = imgc::migrate::check("Dockerfile", text, Path::new("app.img"), &program);
    let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
    assert!(report.diagnostics.is_empty(), "the check found differences:\n{rendered}\n{program}");
});
