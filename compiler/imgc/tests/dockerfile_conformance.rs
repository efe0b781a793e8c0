//! Conformance with BuildKit's own parser test cases
//! (`frontend/dockerfile/parser/testfiles*`), compared through BuildKit's
//! AST dump format. Corpus: `$IMGC_CORPUS/buildkit-parser`, by default
//! `tests/corpus/buildkit-parser` (vendored; see its `SOURCE.txt`).

use std::fs;
use std::path::{Path, PathBuf};

use imgc::dockerfile::{ParseOptions, parse_bytes};

fn corpus() -> PathBuf {
    let root = std::env::var_os("IMGC_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus"));
    root.join("buildkit-parser")
}

fn case_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn name(dir: &Path) -> String {
    dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[test]
fn buildkit_parser_corpus() {
    let root = corpus();
    let mut failures = Vec::new();
    let mut total = 0;

    for dir in case_dirs(&root.join("testfiles")) {
        total += 1;
        let expected = String::from_utf8_lossy(&read(&dir.join("result"))).into_owned();
        match parse_bytes(&read(&dir.join("Dockerfile")), ParseOptions::lenient()) {
            Ok(df) if df.dump() == expected => {}
            Ok(df) => {
                failures.push(format!("{}: dump differs\n--- expected\n{expected}--- got\n{}", name(&dir), df.dump()))
            }
            Err(e) => failures.push(format!("{}: unexpected error: {e}", name(&dir))),
        }
    }

    for dir in case_dirs(&root.join("testfiles-negative")) {
        total += 1;
        if let Ok(df) = parse_bytes(&read(&dir.join("Dockerfile")), ParseOptions::lenient()) {
            failures.push(format!("{}: accepted, expected an error; dump:\n{}", name(&dir), df.dump()));
        }
    }

    total += 1;
    let line_case = root.join("testfile-line").join("Dockerfile");
    match parse_bytes(&read(&line_case), ParseOptions::lenient()) {
        Ok(df) => {
            let got: Vec<(usize, usize)> =
                df.instructions.iter().map(|i| (i.span.start.line, i.span.end.line)).collect();
            if got != [(5, 5), (11, 12), (17, 31)] {
                failures.push(format!("testfile-line: line ranges {got:?}"));
            }
        }
        Err(e) => failures.push(format!("testfile-line: unexpected error: {e}")),
    }

    let passed = total - failures.len();
    println!("buildkit parser conformance: {passed} of {total} passing");
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{passed} of {total} passing");
}
