//! The scanner (`builder::build`) against the pest oracle (`oracle::build`):
//! the same tree (spans, comments, warnings, heredocs) or the same error on
//! every corpus file, every fuzz regression, mutations of them and generated
//! token soups rich in the structure's edge cases (escapes before line ends,
//! `\r`, blank and comment lines inside continuations, directives, heredocs,
//! a byte-order mark, non-ASCII whitespace).

use std::path::{Path, PathBuf};

use crate::builder;

/// Asserts that both readers give the same answer for `src`.
fn same(src: &str) {
    let new = builder::build(src);
    let old = super::build(src);
    assert_eq!(new, old, "scanner and pest oracle differ on {src:?}");
}

/// Corpus texts: the migration corpus, BuildKit's parser test files and the
/// fuzz regressions.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut add_dir = |dir: PathBuf, nested: Option<&str>| {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let path = entry.path();
            match nested {
                Some(file) => paths.push(path.join(file)),
                None => paths.push(path),
            }
        }
    };
    add_dir(root.join("tests/dockerfiles"), None);
    add_dir(root.join("tests/corpus/buildkit-parser/testfiles"), Some("Dockerfile"));
    add_dir(root.join("fuzz/regressions"), None);
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect();
    assert!(texts.len() > 150, "corpus not found: {} files", texts.len());
    texts
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pieces that matter to the structure reader.
const TOKENS: &[&str] = &[
    "\n",
    "\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    " ",
    "\t",
    "\\",
    "\\",
    "\\\\",
    "`",
    "``",
    "#",
    "# c",
    "  # in",
    "\u{feff}",
    "\u{a0}",
    "\u{2028}",
    "\u{85}",
    "\x0b",
    "\x0c",
    "é",
    "FROM a",
    "RUN ",
    "run",
    "COPY ",
    "ADD ",
    "ONBUILD ",
    "ENV A=1",
    "ARG x",
    "CMD [\"a\"]",
    "RUN [\"sh\"]",
    "LABEL a=b",
    "HEALTHCHECK CMD x",
    "echo",
    "x",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "<<\"E F\"",
    "2<<X",
    "<<",
    "EOF",
    "\tEOF",
    "X",
    "E F",
    "# escape=`",
    "# escape=\\",
    "#syntax=a",
    "# check=skip",
    "# Escape = x",
    "#escape=",
    "=",
    "\"",
    "'",
    "--mount=type=cache,target=/x",
    "--from=a",
    "$A",
    "${A:-b}",
];

/// Random text from [`TOKENS`].
fn soup(rng: &mut Rng) -> String {
    let n = 1 + rng.below(40);
    (0..n).map(|_| rng.pick(TOKENS)).collect()
}

/// `text` changed in a few places: tokens inserted, ranges deleted or
/// duplicated, line ends turned into `\r\n`, the escape character switched.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut out = text.to_string();
    for _ in 0..1 + rng.below(4) {
        let at = floor_char(&out, rng.below(out.len() + 1));
        match rng.below(6) {
            0 | 1 => out.insert_str(at, rng.pick(TOKENS)),
            2 => {
                let end = floor_char(&out, (at + rng.below(40)).min(out.len()));
                out.replace_range(at..end, "");
            }
            3 => {
                let end = floor_char(&out, (at + rng.below(80)).min(out.len()));
                let copy = out[at..end].to_string();
                out.insert_str(at, &copy);
            }
            4 => out = out.replace('\n', "\r\n"),
            _ => out = format!("# escape=`\n{}", out.replace('\\', "`")),
        }
    }
    out
}

/// The char boundary at or before `at`.
fn floor_char(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[test]
fn corpus_files_read_the_same() {
    for text in corpus() {
        same(&text);
        same(&text.replace('\n', "\r\n"));
        same(&format!("\u{feff}{text}"));
    }
}

#[test]
fn mutated_corpus_files_read_the_same() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for text in corpus() {
        for _ in 0..12 {
            same(&mutate(&text, &mut rng));
        }
    }
}

#[test]
fn generated_inputs_read_the_same() {
    let mut rng = Rng(0x0ddc_0ffe_e15e_a5e5);
    for _ in 0..30_000 {
        same(&soup(&mut rng));
    }
}

#[test]
fn structure_edge_cases_read_the_same() {
    let cases = [
        "RUN a \\ \t\nb\n",
        "RUN a\\\\\nb\n",
        "RUN a\\\\\\\nb\n",
        "RUN a\\b\\\r\r\nc\rd\r\n",
        "RUN a \\\r\n",
        "\\\n",
        "\\",
        "RUN a \\\n\n  # c\n \t\n b",
        "RUN a \\\n   ",
        "RUN a\\ \r \nb",
        "\u{a0}# c\n\u{2028}\nFROM a\n",
        "# escape=`\nFROM a\nRUN a `\n b\\\n",
        "#  escape = ` \r\nFROM a",
        "# syntax=x\n# syntax=y\nFROM a",
        "# escape=x\nFROM a",
        "FROM a\nRUN <<A <<-\"B\" cat\n1\nA\n\t2\n\tB\nCMD x",
        "FROM a\nRUN <<EOF\nno end",
        "FROM a\nONBUILD RUN <<EOF\nx\nEOF\r\n",
        "FROM a\nRUN [\"<<EOF\"]\nEOF",
        "",
        "\u{feff}",
        "# only a comment",
    ];
    for src in cases {
        same(src);
    }
    // BuildKit's longest line, 65,535 bytes, and one more; a byte-order mark counts.
    for len in [65_535, 65_536] {
        let long = "x".repeat(len - "RUN ".len());
        same(&format!("FROM a\nRUN {long}\n"));
        same(&format!("FROM a\r\nRUN {long}"));
        same(&format!("\u{feff}RUN {}\nFROM a", &long[3..]));
    }
}
