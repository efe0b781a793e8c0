//! Parses the Dockerfiles listed in a file (one path a line) PASSES times over, one at a time,
//! the way the `dockerfile_parse` bench reads its corpus: a fixed amount of work to count the
//! parser's instructions with callgrind, whatever the machine's load (book: "How fast the parser
//! reads").
//!
//! `cargo build --release -p imgc-dockerfile --example parse_files`, then
//! `valgrind --tool=callgrind target/release/examples/parse_files LIST PASSES` for PASSES 1
//! and 11: the difference over 10 is one pass.

use imgc_dockerfile::{ParseOptions, parse_with};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(list), passes) = (args.get(1), args.get(2).map_or(Ok(1), |p| p.parse::<usize>())) else {
        eprintln!("usage: parse_files LIST [PASSES]");
        std::process::exit(2);
    };
    let Ok(passes) = passes else {
        eprintln!("PASSES is a number");
        std::process::exit(2);
    };
    let list = std::fs::read_to_string(list).unwrap_or_else(|e| panic!("{list}: {e}"));
    // The bench's corpus: the files the parser accepts.
    let files: Vec<String> = list
        .lines()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter(|text| parse_with(text, ParseOptions::lenient()).is_ok())
        .collect();
    let bytes: usize = files.iter().map(String::len).sum();
    for _ in 1..passes {
        for text in &files {
            std::hint::black_box(parse_with(std::hint::black_box(text), ParseOptions::lenient()).is_ok());
        }
    }
    println!("{} files, {bytes} bytes, {passes} passes", files.len());
}
