//! Parse arbitrary bytes as a Dockerfile, with and without BuildKit's instruction checks: the
//! parser must answer with a located error or a tree, never panic, and its spans must lie in
//! the input.
#![no_main]

use imgc::dockerfile::{ParseOptions, parse_bytes};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for options in [ParseOptions::lenient(), ParseOptions::default()] {
        match parse_bytes(data, options) {
            Ok(df) => {
                let _ = df.dump();
                for instruction in &df.instructions {
                    assert!(instruction.span.start.offset <= instruction.span.end.offset);
                    assert!(instruction.span.end.offset <= data.len());
                    assert!(instruction.span.start.line >= 1 && instruction.span.start.column >= 1);
                }
            }
            Err(error) => assert!(error.span.end.offset <= data.len()),
        }
    }
});
