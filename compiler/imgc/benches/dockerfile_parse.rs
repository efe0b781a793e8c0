//! Dockerfile parse throughput on the migration corpus (`tests/dockerfiles`) and BuildKit's own
//! parser test files, one file at a time and as one large file (all of them, ten times over).
//! `scripts/bench-dockerfile-parse` runs this and BuildKit's Go parser (PyPI `dockerfile`) on the
//! same files in the same run, `scripts/bench-buildkit-native` against a native build of BuildKit's
//! parser, both with the generated corpus of `scripts/gen-dockerfile-corpus` added.
//!
//! `cargo bench -p imgc --bench dockerfile_parse`; with `IMGC_PARSE_CPU` set, also the throughput
//! in CPU time, sampled the way scripts/buildkit-parse-bench samples BuildKit's parser.

use criterion::{Criterion, Throughput, criterion_group};
use imgc::dockerfile::{ParseOptions, parse_with};
use std::path::{Path, PathBuf};

/// The corpus: every file the parser accepts in BuildKit's parser stage, from the list of paths
/// in the file `IMGC_PARSE_FILES` names (the bench scripts write it, so that both parsers read the
/// same files in the same order), else the migration corpus and BuildKit's test files.
fn corpus() -> Vec<String> {
    let paths = match std::env::var_os("IMGC_PARSE_FILES") {
        Some(list) => std::fs::read_to_string(list).expect("IMGC_PARSE_FILES").lines().map(PathBuf::from).collect(),
        None => default_paths(),
    };
    paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|text| parse_with(text, ParseOptions::lenient()).is_ok())
        .collect()
}

fn default_paths() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(manifest.join("../../tests/dockerfiles"))
        .expect("tests/dockerfiles")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    let buildkit = std::env::var_os("IMGC_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../tests/corpus"))
        .join("buildkit-parser/testfiles");
    if let Ok(dirs) = std::fs::read_dir(buildkit) {
        paths.extend(dirs.flatten().map(|e| e.path().join("Dockerfile")));
    }
    paths.sort();
    paths
}

/// Whether a file can be joined to others into the large file and still mean the same: no
/// `escape` directive (it applies only at the top of a file) and no continuation at its end
/// (it would swallow the next file's first line). `scripts/bench-dockerfile-parse` uses the
/// same rule for the Go parser.
fn joinable(text: &str) -> bool {
    let escape_directive = text.lines().take_while(|l| l.trim_start().starts_with('#')).any(|l| {
        let body = l.trim_start().trim_start_matches('#').trim_start().to_ascii_lowercase();
        body.strip_prefix("escape").is_some_and(|rest| rest.trim_start().starts_with('='))
    });
    let last = text.lines().rev().find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    !escape_directive && !last.is_some_and(|l| l.trim_end().ends_with('\\'))
}

/// CPU time this process has spent, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Parses `texts` over and over for about half a second a sample and prints the median and best
/// throughput in CPU time, in the format of scripts/buildkit-parse-bench: on a loaded machine
/// the wall clock measures the load as much as the parser.
fn cpu_throughput(label: &str, texts: &[&str], samples: usize) {
    let size: usize = texts.iter().map(|t| t.len()).sum();
    let mut rates = Vec::with_capacity(samples);
    for _ in 0..samples {
        let (start, cpu_start, mut passes) = (std::time::Instant::now(), cpu_seconds(), 0);
        while start.elapsed().as_secs_f64() < 0.5 {
            for text in texts {
                std::hint::black_box(parse_with(text, ParseOptions::lenient()).is_ok());
            }
            passes += 1;
        }
        rates.push((size * passes) as f64 / (cpu_seconds() - cpu_start) / f64::from(1 << 20));
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "dockerfile_parse/{label:<24} cpu:   median {:8.2} MiB/s, best {:8.2} MiB/s ({samples} samples)",
        rates[samples / 2],
        rates[samples - 1]
    );
}

fn bench(c: &mut Criterion) {
    let files = corpus();
    let bytes: usize = files.iter().map(String::len).sum();
    let joined: Vec<&str> = files.iter().filter(|t| joinable(t)).map(String::as_str).collect();
    let large = joined.repeat(10).join("\n");
    println!("corpus: {} files, {bytes} bytes; large file: {} bytes", files.len(), large.len());
    if std::env::var_os("IMGC_PARSE_CPU").is_some() {
        cpu_throughput("corpus_files", &files.iter().map(String::as_str).collect::<Vec<_>>(), 10);
        cpu_throughput("large_file", &[large.as_str()], 10);
    }

    let mut group = c.benchmark_group("dockerfile_parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("corpus_files", |b| {
        b.iter(|| {
            for text in &files {
                std::hint::black_box(parse_with(text, ParseOptions::lenient()).is_ok());
            }
        })
    });
    group.bench_function("corpus_files_validated", |b| {
        b.iter(|| {
            for text in &files {
                std::hint::black_box(parse_with(text, ParseOptions::default()).is_ok());
            }
        })
    });
    group.throughput(Throughput::Bytes(large.len() as u64));
    group.bench_function("large_file", |b| {
        b.iter(|| std::hint::black_box(parse_with(&large, ParseOptions::lenient()).is_ok()))
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
