//! Compile speed and memory. Targets: whole-process `imgc dockerfile` on each example under
//! 5 ms; a generated 10,000-line program in at most 40 ms with peak memory at most 30 MB.
//!
//! `cargo bench -p imgc --bench compile` runs it; the memory figure is printed, and the bench
//! fails when it is over the target.

use criterion::{Criterion, criterion_group};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "shared/generated_program.rs"]
mod generated_program;
use generated_program::generated_program;

fn examples() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .expect("examples")
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path().join("app.img")))
        .filter(|(_, path)| path.is_file())
        .collect();
    found.sort();
    found
}

fn bench(c: &mut Criterion) {
    let binary = env!("CARGO_BIN_EXE_imgc");
    for (name, path) in examples() {
        c.bench_function(&format!("whole_process/{name}"), |b| {
            b.iter(|| {
                let output = Command::new(binary).arg("dockerfile").arg(&path).output().expect("run imgc");
                assert!(output.status.success());
            })
        });
    }
    let program = generated_program(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("big.img");
    std::fs::write(&file, &program).expect("write");
    c.bench_function("whole_process/generated_10000_lines", |b| {
        b.iter(|| {
            let output = Command::new(binary).arg("dockerfile").arg(&file).output().expect("run imgc");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        })
    });
    c.bench_function("library/generated_10000_lines", |b| {
        b.iter(|| {
            let compilation = imgc::compile_source("big.img", &program, &imgc::Options::default());
            compilation.dockerfile(imgc::Target::Buildkit).expect("compiles")
        })
    });
}

/// Peak resident memory of one `imgc dockerfile` process on the generated program.
fn peak_memory() {
    let program = generated_program(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("big.img");
    std::fs::write(&file, &program).expect("write");
    let status = Command::new(env!("CARGO_BIN_EXE_imgc"))
        .arg("dockerfile")
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run imgc");
    assert!(status.success());
    // SAFETY: getrusage only writes into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let peak_mb = usage.ru_maxrss as f64 / 1024.0;
    println!("peak memory, imgc dockerfile on {} lines: {peak_mb:.1} MB (target <= 30 MB)", program.lines().count());
    assert!(peak_mb <= 30.0, "peak memory {peak_mb:.1} MB is over the 30 MB target");
}

criterion_group!(benches, bench);

fn main() {
    peak_memory();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
