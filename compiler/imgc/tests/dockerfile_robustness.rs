//! Robustness: random bytes and random mutations of the BuildKit corpus, of the
//! migration corpus (and a few seeds for heredocs, directives, flags) must never
//! panic the parser or `imgc migrate`, and a program migrate writes must pass its
//! own check. A seeded
//! xorshift generator keeps runs reproducible; set `IMGC_FUZZ_ITERS` and
//! `IMGC_FUZZ_SEED` for longer or different runs.

use std::fs;
use std::path::{Path, PathBuf};

use imgc::dockerfile::{Dockerfile, ParseOptions, parse_bytes, parse_with};

#[path = "shared/xorshift.rs"]
mod xorshift;
use xorshift::Rng;

const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\\",
    "\\\n",
    "`",
    "`\n",
    " ",
    "\t",
    "#",
    "# escape=`\n",
    "# escape=\\\n",
    "# syntax=x\n",
    "<<",
    "<<-",
    "<<EOF",
    "\nEOF\n",
    "'",
    "\"",
    "[",
    "]",
    "[\"a\", \"b\"]",
    "[1]",
    "{",
    "}",
    "$",
    "${X:-d}",
    "${",
    "--",
    "--mount=",
    "--from=x ",
    "--link ",
    "=",
    ",",
    "RUN ",
    "FROM ",
    "ONBUILD ",
    "ENV ",
    "LABEL ",
    "ARG ",
    "COPY ",
    "ADD ",
    "HEALTHCHECK ",
    "CMD ",
    "NONE",
    "é",
    "\u{feff}",
    "\u{a0}",
    "\0",
    "\r",
];

const SEEDS: &[&str] = &[
    "FROM a\nCOPY <<A <<-\"B\" /d\na\nA\n\tb\n\tB\nRUN <<EOF\nx \\\nEOF\n",
    "# escape=`\nFROM a\nRUN x `\n  y\nONBUILD RUN <<E\nE\n",
    "ARG X=1\nFROM --platform=$P a AS b\nRUN --mount=type=cache,target=/x --network=none y\n",
    "FROM a\nHEALTHCHECK --interval=5s CMD [\"a\"]\nENV A=1 B=\"2 3\" C\\ D=e\nLABEL a b c\n",
];

/// The migration corpus, `tests/dockerfiles/*.Dockerfile`.
fn migration_corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/dockerfiles");
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "Dockerfile")).collect())
        .unwrap_or_default();
    paths.sort();
    paths.iter().filter_map(|p| fs::read(p).ok()).collect()
}

/// Migrates, and checks what migrate wrote.
fn migrate(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let migration = imgc::migrate::migrate("Dockerfile", text);
    let _ = imgc::diagnostics::render_human(&migration.sources, &migration.diagnostics, false);
    if let Some(program) = migration.program {
        // The printed tree is the formatter's layout of it, as the migrate fuzz target asserts.
        let formatted = imgc::format::format_source(imgc::source::FileId(0), &program);
        assert_eq!(formatted.as_deref(), Ok(program.as_str()), "migrate wrote an unformatted program");
        let report = imgc::migrate::check("Dockerfile", text, Path::new("app.img"), &program);
        let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
        assert!(
            report.diagnostics.is_empty(),
            "{rendered}
--- Dockerfile
{text}
--- program
{program}"
        );
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let root = std::env::var_os("IMGC_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus"))
        .join("buildkit-parser");
    let mut files: Vec<Vec<u8>> = SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect();
    for sub in ["testfiles", "testfiles-negative"] {
        let Ok(dirs) = fs::read_dir(root.join(sub)) else {
            continue;
        };
        let mut dirs: Vec<_> = dirs.filter_map(|d| d.ok().map(|d| d.path())).collect();
        dirs.sort();
        files.extend(dirs.iter().filter_map(|d| fs::read(d.join("Dockerfile")).ok()));
    }
    files
}

fn mutate(rng: &mut Rng, mut data: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 => {
                let end = (at + rng.below(40)).min(data.len());
                data.drain(at..end);
            }
            1 | 2 => {
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, tok.iter().copied());
            }
            3 => {
                if at < data.len() {
                    data[at] = rng.below(256) as u8;
                }
            }
            _ => {
                let end = (at + rng.below(80)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
        }
    }
    data
}

fn check(df: &Dockerfile, len: usize) {
    let _ = df.dump();
    for ins in &df.instructions {
        assert!(ins.span.start.line >= 1 && ins.span.start.column >= 1);
        assert!(ins.span.start.offset <= ins.span.end.offset);
        assert!(ins.span.end.offset <= len);
        for f in &ins.flags {
            assert!(f.span.start.offset <= f.span.end.offset && f.span.end.offset <= len);
        }
    }
}

fn run(input: &[u8]) {
    for opts in [ParseOptions::lenient(), ParseOptions::default()] {
        if let Ok(df) = parse_bytes(input, opts) {
            check(&df, input.len());
        }
        let text = String::from_utf8_lossy(input);
        if let Ok(df) = parse_with(&text, opts) {
            check(&df, text.len());
        }
    }
}

#[test]
fn random_inputs_never_panic() {
    let iters: usize = std::env::var("IMGC_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let files = corpus();
    let seed =
        std::env::var("IMGC_FUZZ_SEED").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    for i in 0..iters {
        let input: Vec<u8> = match i % 3 {
            0 => (0..rng.below(200)).map(|_| rng.below(256) as u8).collect(),
            1 => (0..rng.below(40)).flat_map(|_| TOKENS[rng.below(TOKENS.len())].bytes()).collect(),
            _ => {
                let seed = files[rng.below(files.len())].clone();
                mutate(&mut rng, seed)
            }
        };
        run(&input);
    }
}

#[test]
fn pathological_inputs_never_panic() {
    let deep_json = format!("CMD {}\n", "[".repeat(50_000));
    let deep_onbuild = format!("FROM a\n{}RUN x\n", "ONBUILD ".repeat(5_000));
    let escapes = format!("FROM a\nRUN {}\n", "\\".repeat(10_000));
    let heredocs = format!("FROM a\nRUN {}\n", "<<E ".repeat(2_000));
    for src in [deep_json, deep_onbuild, escapes, heredocs] {
        run(src.as_bytes());
    }
}

#[test]
fn mutated_dockerfiles_migrate_or_fail_cleanly() {
    let iters: usize = std::env::var("IMGC_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(600);
    let mut files = migration_corpus();
    files.extend(corpus());
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for file in &files {
        migrate(file);
    }
    for _ in 0..iters {
        let seed = files[rng.below(files.len())].clone();
        migrate(&mutate(&mut rng, seed));
    }
}

#[test]
fn fuzz_regressions_do_not_panic_the_parser_or_migrate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if let Ok(bytes) = fs::read(entry.path()) {
            eprintln!("replaying {}", entry.path().display());
            run(&bytes);
            migrate(&bytes);
        }
    }
}
