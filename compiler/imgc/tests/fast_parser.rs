//! The hand-written `.img` parser against pest's, the reference: on every `.img` file of the
//! repository (examples, standard library, optimizer programs, the book's snippets, the front
//! end's fuzz regressions, the compile bench's generated program) and on thousands of mutations
//! of them, both accept or both reject, and when they accept their trees are the same.

use imgc::source::FileId;
use imgc::syntax::{fast_parser_disagreement, parse};
use std::path::{Path, PathBuf};

#[path = "../benches/shared/generated_program.rs"]
mod generated_program;
#[path = "shared/xorshift.rs"]
mod xorshift;

use xorshift::Rng;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_in(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).filter(|p| keep(p)).collect()).unwrap_or_default();
    found.sort();
    found
}

fn is_img(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "img")
}

/// The body of every ```` ```img ```` block of a Markdown text.
fn img_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if !trimmed.starts_with("```img") {
            continue;
        }
        let mut body = String::new();
        for line in lines.by_ref() {
            if line.trim_start().starts_with("```") {
                break;
            }
            body.push_str(line.get(indent.min(line.len() - line.trim_start().len())..).unwrap_or(line));
            body.push('\n');
        }
        blocks.push(body);
    }
    blocks
}

/// Every `.img` text of the repository, named.
fn corpus() -> Vec<(String, String)> {
    let root = repository();
    let mut paths = Vec::new();
    for example in files_in(&root.join("examples"), |p| p.is_dir()) {
        paths.push(example.join("app.img"));
    }
    paths.extend(files_in(&root.join("compiler/imgc-core/stdlib"), is_img));
    paths.extend(files_in(&root.join("tests/optimizer-programs"), is_img));
    paths.extend(files_in(&root.join("fuzz/regressions"), |p| {
        p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("front_end-"))
    }));
    let mut texts: Vec<(String, String)> =
        paths.iter().filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?))).collect();
    let mut chapters = vec![root.join("book/src")];
    while let Some(dir) = chapters.pop() {
        for path in files_in(&dir, |_| true) {
            if path.is_dir() {
                chapters.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let markdown = std::fs::read_to_string(&path).unwrap_or_default();
                for (n, block) in img_blocks(&markdown).into_iter().enumerate() {
                    texts.push((format!("{} block {n}", path.display()), block));
                }
            }
        }
    }
    texts.push(("the generated program".to_string(), generated_program::generated_program(10_000)));
    texts
}

/// Pieces inserted by the mutations: line breaks of every kind, comments, continuations,
/// brackets, quotes, operators and the words that change what a line means.
const PIECES: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    " ",
    "\t",
    "# note\n",
    "#",
    "\\\n",
    "\\\r\n",
    "\\",
    ";",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "${",
    "${x}",
    "+",
    ".",
    "=",
    ":",
    " cache \"/c\"",
    "\n    cache \"/c\"",
    " from ",
    "none",
    "to",
    "as",
    "x",
    "_",
    "1",
    "8080/tcp",
    "30s",
    "true",
    "scratch",
    "f(",
    "a.b(",
    "run ",
    "env build ",
    "label ",
    "é",
];

/// A variant of `text`: a deleted, duplicated or swapped range, or an inserted piece.
fn mutate(text: &str, random: &mut Rng) -> String {
    let boundary = |random: &mut Rng| {
        let mut at = random.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let (mut a, mut b) = (boundary(random), boundary(random));
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    // Short ranges: one token or a few.
    let mut short = (a + random.below(12)).min(b);
    while !text.is_char_boundary(short) {
        short -= 1;
    }
    match random.below(6) {
        0 => format!("{}{}", &text[..a], &text[short..]),
        1 => format!("{}{}{}", &text[..short], &text[a..short], &text[short..]),
        2 => {
            // Swap the words at two places.
            let word = |at: usize| {
                let len = text[at..].find(|c: char| !c.is_alphanumeric() && c != '_').unwrap_or(text.len() - at);
                at..at + len
            };
            let (first, second) = (word(a), word(b));
            if first.end > second.start {
                return text.to_string();
            }
            format!(
                "{}{}{}{}{}",
                &text[..first.start],
                &text[second.clone()],
                &text[first.end..second.start],
                &text[first],
                &text[second.end..]
            )
        }
        3 => format!("{}{}", &text[..a], &text[b..]),
        _ => format!("{}{}{}", &text[..a], PIECES[random.below(PIECES.len())], &text[a..]),
    }
}

#[test]
fn the_fast_parser_agrees_with_pest_on_every_img_file_and_its_mutations() {
    let corpus = corpus();
    assert!(corpus.len() > 100, "found only {} texts", corpus.len());
    let mut failures = Vec::new();
    let mut random = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut checked, mut accepted) = (0, 0);
    for (name, text) in &corpus {
        if let Some(problem) = fast_parser_disagreement(text) {
            failures.push(format!("{name}: {problem}"));
        }
        // The generated program is long: a few mutations of it, many of the others.
        let variants = if text.len() > 100_000 { 3 } else { 60 };
        for _ in 0..variants {
            let mut variant = mutate(text, &mut random);
            if random.below(3) == 0 {
                variant = mutate(&variant, &mut random);
            }
            checked += 1;
            if text.len() < 100_000 && parse(FileId(0), &variant).0.is_some() {
                accepted += 1;
            }
            if let Some(problem) = fast_parser_disagreement(&variant) {
                failures.push(format!("{name}, mutated: {problem}\n{variant:?}"));
            }
        }
    }
    // Enough variants parse for the trees to be compared, not only the verdicts.
    assert!(checked > 3000 && accepted * 5 > checked, "{accepted} of {checked} variants parse");
    eprintln!("{accepted} of {checked} variants parse");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.iter().take(5).cloned().collect::<Vec<_>>().join("\n\n")
    );
}

/// The corners of pest's semantics the hand-written parser reproduces, each both ways.
#[test]
fn the_fast_parser_agrees_with_pest_on_the_grammars_corners() {
    let cases = [
        // White space a rule ending in an optional or repeated part takes in, or gives back.
        "let a = \"x\"  # c\nrun \"a\" + b  \\\n  \nrun \"b\"\t\n",
        "arg a: string  \narg b = none  \narg user = \"x\"\narg none\n",
        // A clause keyword on the next line continues the step; another word does not.
        "run \"x\"\n  cache \"/c\" (sharing: \"locked\",)\n  network\nrun \"y\"\n  copy \"a\" to \"/a\"\n",
        "run \"x\" cache (\"/c\")\nrun \"x\" cache (a: 1)\n",
        // Line breaks of every kind, a continuation, `;`.
        "run \"a\"\r\nrun \"b\"\rrun \"c\"; run \"d\" \\\r\n  cache \"/c\"\r",
        // Calls, fields, keywords as names and as callees.
        "run(\"x\")\nlabel(\"x\")\na.b.c(x: 1, 2,\n)\nlet x = y . z .w\nlet t = true.x + truex + scratch(1)\n",
        "label a = 1\nlabel \"k\" = 2\nlabel { a = 1, \"b\" = 2\n c = 3, }\nlabel x.y\nenv build { A = \"1\" }\nenv buildx\n",
        // Strings: escapes, interpolation, a lone `$`, non-ASCII text.
        "let s = \"a\\\"b ${ x +\n y } $ {} \\é é\"\n",
        // Numbers, types, stages.
        "let p: port = 80/tcp\nlet q = 1m30s\nlet r: list[list[string]] = [[\"a\"]]\nimage from \"x\" platform \"p\" as none {}\nstage s from scratch as \"n\" { layer {} }\n",
        "import \"./lib.img\" as lib\nimport std . apt\nfn f(a: string = \"x\",\n b: int\n) { onbuild { run \"x\" } }\n",
        "",
        "\n\n",
        "# only a comment",
        "run \"x\" cache",
    ];
    // Each fails at a different rule.
    let broken = [
        "run",
        "image from \"x\" {",
        "let = 1",
        "f (1)",
        "label {a = 1}.x",
        "let t = \"${\"",
        "let q = 1m30s/",
        "run \"a\" \\ \n",
        "copy from \"a\" to \"b\"",
    ];
    for (case, parses) in cases.iter().map(|c| (c, true)).chain(broken.iter().map(|c| (c, false))) {
        assert_eq!(parse(FileId(0), case).0.is_some(), parses, "{case:?}");
        assert_eq!(fast_parser_disagreement(case), None, "{case:?}");
        for cut in (0..case.len()).filter(|&at| case.is_char_boundary(at)) {
            let prefix = &case[..cut];
            assert_eq!(fast_parser_disagreement(prefix), None, "{prefix:?}");
        }
    }
}
