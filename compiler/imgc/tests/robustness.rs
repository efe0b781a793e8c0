//! No input panics the compiler or the formatter: fuzz regressions, truncations and seeded
//! mutations of every example, and pathological shapes.

use imgc::modules::Loader;
use std::path::{Path, PathBuf};

struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, _path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

/// Runs the whole front end, the optimizer and both emitters, as the fuzz target does, and the
/// formatter, whose output must format to itself.
fn compile(text: &str) {
    if let Ok(formatted) = imgc::format::format_source(imgc::source::FileId(0), text) {
        let again = imgc::format::format_source(imgc::source::FileId(0), &formatted);
        assert_eq!(again.as_deref(), Ok(formatted.as_str()), "formatting is not idempotent for:\n{text}");
    }
    let compilation =
        imgc::compile_with_loader(Path::new("input.img"), text.to_string(), &NoFiles, &imgc::Options::default());
    let _ = compilation.render(&compilation.diagnostics, false);
    let _ = imgc::diagnostics::render_json(&compilation.sources, &compilation.diagnostics);
    let _ = compilation.dockerfile(imgc::Target::Buildkit);
    let _ = compilation.dockerfile(imgc::Target::Classic);
    let _ = compilation.dockerfile_with(imgc::Target::Buildkit, &imgc::Optimize::none());
    if let Ok(report) = compilation.explain(imgc::Target::Buildkit, &imgc::Optimize::default()) {
        let _ = (report.render(), report.to_json());
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seeds() -> Vec<String> {
    let mut seeds = Vec::new();
    let examples = std::fs::read_dir(repo().join("examples")).expect("examples");
    for entry in examples.flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path().join("app.img")) {
            seeds.push(text);
        }
    }
    for (_, source) in imgc::stdlib::MODULES {
        seeds.push(source.to_string());
    }
    // The optimizer programs with the most shell syntax: the merge pass reads every command.
    for name in ["quotes", "here-document", "command-substitution", "parameter-assignment", "unreadable-shell"] {
        let path = repo().join("tests/optimizer-programs").join(format!("{name}.img"));
        seeds.push(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    assert!(seeds.len() >= 4, "the examples are the seeds");
    seeds
}

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = repo().join("fuzz/regressions");
    for entry in std::fs::read_dir(&dir).expect("fuzz/regressions").flatten() {
        let bytes = std::fs::read(entry.path()).expect("read");
        if let Ok(text) = String::from_utf8(bytes) {
            compile(&text);
        }
    }
}

#[test]
fn every_truncation_of_every_example_is_handled() {
    for seed in seeds() {
        for (end, _) in seed.char_indices() {
            compile(&seed[..end]);
        }
    }
}

/// xorshift64*: a fixed seed, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "${",
    "\\",
    "\n",
    ",",
    ":",
    "=",
    "+",
    ".",
    "#",
    ";",
    "run",
    "copy",
    "from",
    "image",
    "stage",
    "fn",
    "let",
    "arg",
    "env",
    "build",
    "both",
    "to",
    "cache",
    "secret",
    "0",
    "99999",
    "80/tcp",
    "30s",
    "1m",
    "x",
    "scratch",
    "true",
    "é",
    "\u{0}",
    "onbuild",
    "layer",
    "import",
    "std.apt",
    "apt.install(",
];

#[test]
fn seeded_mutations_of_every_example_are_handled() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for seed in seeds() {
        for _ in 0..400 {
            let mut text = seed.clone();
            for _ in 0..1 + rng.below(4) {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => text.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
                    1 => {
                        let mut end = (at + 1 + rng.below(12)).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        let piece = seed[rng.below(seed.len())..].chars().take(rng.below(40)).collect::<String>();
                        text.insert_str(at, &piece);
                    }
                }
            }
            compile(&text);
        }
    }
}

#[test]
fn pathological_shapes_are_handled() {
    compile(&"[".repeat(100_000));
    compile(&"(".repeat(100_000));
    compile(&format!("let x = {}1{}", "[".repeat(60), "]".repeat(60)));
    compile(&format!("image from scratch {{\n    run \"{}\"\n}}\n", "${\"".repeat(40)));
    compile(&"\"".repeat(10_001));
    compile("image from scratch {\n    run \"\\");
    compile("\u{feff}image from scratch {}");
    compile(&format!("image from scratch {{\n{}}}\n", "    run \"x\"\n".repeat(20_000)));
}
