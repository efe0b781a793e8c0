//! Migration never costs layers: over the corpus (`tests/dockerfiles`), no migrated program's
//! optimized Dockerfile has more `RUN` instructions than the Dockerfile it came from, and the
//! totals are the ones the book gives.

use imgc::dockerfile::InstructionKind;
use imgc::{Options, Target};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn runs(dockerfile: &str) -> usize {
    imgc::dockerfile::parse(dockerfile)
        .map(|df| df.instructions.iter().filter(|i| i.kind == InstructionKind::Run).count())
        .unwrap_or(0)
}

#[test]
fn no_migrated_dockerfile_has_more_runs_than_its_original() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/dockerfiles"))
        .expect("tests/dockerfiles")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    let (mut before, mut after, mut more) = (0, 0, Vec::new());
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read Dockerfile");
        let Some(program) = imgc::migrate::migrate("Dockerfile", &text).program else { continue };
        let compiled = imgc::compile_source("app.img", &program, &Options::default());
        let emitted = compiled.dockerfile(Target::Buildkit).expect("the migrated program compiles");
        let (original, optimized) = (runs(&text), runs(&emitted));
        before += original;
        after += optimized;
        if optimized > original {
            more.push(format!("{}: {original} RUN become {optimized}", path.display()));
        }
    }
    assert!(more.is_empty(), "{}", more.join("\n"));
    let book = std::fs::read_to_string(repo().join("book/src/migration.md")).expect("book/src/migration.md");
    let claim = format!("{before} `RUN` instructions of its {} Dockerfiles become {after}", files.len());
    assert!(book.contains(&claim), "the book should say: {claim}");
}
