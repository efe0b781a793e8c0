//! Compiles every `.img` snippet in the book (`book/src/**/*.md`) and compares the output the
//! book shows with the compiler's, so the book cannot drift from the compiler.
//!
//! # Snippets
//!
//! A snippet is a fenced code block whose info string starts with `img`. The info string is a
//! comma-separated list of tags:
//!
//! | tag               | meaning                                                                    |
//! |-------------------|----------------------------------------------------------------------------|
//! | `img`             | a whole program: must compile with no error and emit a Dockerfile          |
//! | `fragment`        | a piece of a program, checked after wrapping (see below)                   |
//! | `error=E0003`     | must fail, and every error it reports must have this code                  |
//! | `warning=W0101`   | must compile with this warning; repeatable: every warning it reports must  |
//! |                   | be tagged, and every tagged one reported (untagged: it must not warn)      |
//! | `target=classic`  | emit for `Target::Classic` instead of `Target::Buildkit`                   |
//! | `build`           | also build the image with `imgc build` (an empty context, scratch bases);  |
//! |                   | with `error=`, the error may come from that build                          |
//! | `O0`              | emit with every optimizer pass off (`imgc dockerfile -O0`)                 |
//! | `explain`         | its output block shows `imgc explain` instead of the Dockerfile            |
//! | `arg=NAME=VALUE`  | a `--arg NAME=VALUE` for this snippet (repeatable)                         |
//! | `runtime=PATH`    | with `build`: the OCI runtime `run` steps use (`--runtime`), PATH from the |
//! |                   | repository's root                                                          |
//! | `file=NAME.img`   | not compiled on its own: a module that other snippets of the same chapter  |
//! |                   | import as `import "./NAME.img" as x`; at least one of them must import it  |
//!
//! Wrapping rule for `fragment`: the fragment is read line by line. A line that starts a top-level
//! statement (outside any bracket or string) with `import`, `let`, `fn`, `arg` or `stage` is
//! hoisted, together with the lines that continue that statement (open brackets, open strings, a
//! trailing `\`), to the top of the program, in order. Every other line goes, in order, into
//! `image from "debian:bookworm-slim" { … }`, placed after the hoisted lines. A fragment must not
//! contain an `image` block (write a whole program instead).
//!
//! Each snippet is compiled as `app.img` through the library, with a loader that serves only the
//! chapter's `file=` snippets, so nothing is read from disk.
//!
//! # Dockerfile snippets
//!
//! A block whose info string starts with `dockerfile,migrate` is a Dockerfile, named
//! `Dockerfile`: `imgc migrate --check` must convert it, and the program it writes (shown in an
//! `img,output` block) must build the same image. Tags: `error=CODE` as above, and
//! `against=NAME.img` to check the chapter's `file=NAME.img` program against the Dockerfile
//! instead of converting it.
//!
//! # Project files
//!
//! A block whose info string starts with `toml,project` is an `imgc.toml`, one starting with
//! `toml,lock` an `imgc.lock`: it must be read with no error, or with `error=CODE` fail with
//! that code only (its output block shows the diagnostics). Programs it names are not read.
//!
//! Every `img` snippet is written in `imgc fmt`'s layout.
//!
//! # Outputs
//!
//! A block tagged `dockerfile,output`, `img,output` or `text,output` that is the next code block after a snippet
//! (prose may stand between them) shows what the compiler prints for it, and must match exactly (trailing whitespace
//! aside): the Dockerfile for a snippet that compiles, the diagnostics as `imgc` renders them
//! without colour for one that fails or warns, the explanation for an `explain` snippet. A fragment's output is that of its wrapped program.
//! After a deliberate compiler change, rewrite every output block with
//!
//! ```text
//! IMGC_BLESS=1 cargo test -p imgc --test book
//! ```
//!
//! # Error index
//!
//! `errors.md` must have, for every code in `Code::ALL`, a heading that names the code and at
//! least one `error=CODE` snippet (`warning=CODE` for a warning).
//!
//! Failures are listed as `file.md:LINE: reason`, LINE being the line of the opening fence.

use imgc::diagnostics::{Code, Diagnostic};
use imgc::modules::Loader;
use imgc::{Optimize, Options, Target};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

const ERROR_INDEX: &str = "errors.md";
const WRAP_IMAGE: &str = "image from \"debian:bookworm-slim\" {";
const HOISTED: &[&str] = &["import", "let", "fn", "arg", "stage"];
const BLESS_VAR: &str = "IMGC_BLESS";

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src")
}

/// A fenced code block of a Markdown file.
#[derive(Debug)]
struct Block {
    /// 0-based line of the opening fence.
    fence_line: usize,
    /// 0-based line of the closing fence (the body is between).
    close_line: usize,
    indent: usize,
    info: String,
    body: String,
}

/// The output block shown after a snippet.
#[derive(Debug)]
struct OutputBlock {
    /// The body lines to replace when blessing: `fence_line + 1 .. close_line`.
    fence_line: usize,
    close_line: usize,
    indent: usize,
    /// `dockerfile` or `text`.
    kind: String,
    body: String,
}

/// A fenced `img` block.
#[derive(Debug)]
struct Snippet {
    /// Path relative to `book/src`, with `/`.
    file: String,
    /// 0-based line of the opening fence.
    line: usize,
    text: String,
    fragment: bool,
    error: Option<String>,
    warnings: Vec<String>,
    target: Target,
    unoptimized: bool,
    explain: bool,
    args: Vec<(String, String)>,
    module_name: Option<String>,
    output: Option<OutputBlock>,
    /// Also built with `imgc build`.
    build: bool,
    /// The runtime of that build, relative to the repository's root.
    runtime: Option<String>,
    /// A `dockerfile,migrate` snippet: the Dockerfile is `text`; `Some(name)` checks the
    /// chapter's `file=` program `name` against it instead of converting it.
    migrate: Option<Option<String>>,
    /// A `toml,project` or `toml,lock` snippet: an `imgc.toml` or `imgc.lock`, read and checked.
    project: Option<String>,
}

impl Snippet {
    fn location(&self) -> String {
        format!("{}:{}", self.file, self.line + 1)
    }
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Every fenced (backtick) code block of a Markdown text.
fn blocks(file: &str, text: &str, failures: &mut Vec<String>) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let fence_len = trimmed.chars().take_while(|&c| c == '`').count();
        if fence_len < 3 {
            index += 1;
            continue;
        }
        let fence = &trimmed[..fence_len];
        let info = trimmed[fence_len..].trim().to_string();
        let mut body = Vec::new();
        let mut close_line = None;
        for (offset, body_line) in lines[index + 1..].iter().enumerate() {
            let t = body_line.trim_start();
            if t.starts_with(fence) && t.trim_end().chars().all(|c| c == '`') {
                close_line = Some(index + 1 + offset);
                break;
            }
            // Strip the fence's indentation (blocks inside list items).
            let strip = body_line.chars().take(indent).take_while(|c| *c == ' ').count();
            body.push(&body_line[strip..]);
        }
        let Some(close_line) = close_line else {
            failures.push(format!("{file}:{}: code block is never closed", index + 1));
            break;
        };
        let mut body = body.join("\n");
        body.push('\n');
        out.push(Block { fence_line: index, close_line, indent, info, body });
        index = close_line + 1;
    }
    out
}

/// The `img` snippets of one Markdown file, each with the output block after it. Problems with
/// the tags are returned as failures.
fn extract(file: &str, text: &str, failures: &mut Vec<String>) -> Vec<Snippet> {
    let blocks = blocks(file, text, failures);
    let mut snippets: Vec<Snippet> = Vec::new();
    let mut previous: Option<&Block> = None;
    for block in &blocks {
        let location = format!("{file}:{}", block.fence_line + 1);
        let mut tags = block.info.split(',').map(str::trim);
        let first = tags.next().unwrap_or_default();
        let rest: Vec<&str> = tags.collect();
        if rest.contains(&"output") {
            let follows_snippet = previous.is_some_and(|p| is_snippet(&p.info));
            let attached =
                follows_snippet && snippets.last().is_some_and(|s| Some(s.line) == previous.map(|p| p.fence_line));
            if !matches!(first, "dockerfile" | "text" | "img") || rest.len() != 1 {
                failures.push(format!(
                    "{location}: an output block is tagged `dockerfile,output`, `img,output` or `text,output`"
                ));
            } else if !attached {
                failures.push(format!("{location}: an output block must be the next code block after a snippet"));
            } else if let Some(snippet) = snippets.last_mut() {
                snippet.output = Some(OutputBlock {
                    fence_line: block.fence_line,
                    close_line: block.close_line,
                    indent: block.indent,
                    kind: first.to_string(),
                    body: block.body.clone(),
                });
            }
            previous = Some(block);
            continue;
        }
        previous = Some(block);
        let migrate = rest.first() == Some(&"migrate") && first == "dockerfile";
        let project =
            (first == "toml").then(|| rest.first().copied()).flatten().filter(|t| matches!(*t, "project" | "lock"));
        if first != "img" && !migrate && project.is_none() {
            continue;
        }
        let rest: Vec<&str> = if migrate || project.is_some() { rest[1..].to_vec() } else { rest };
        let mut snippet = Snippet {
            file: file.to_string(),
            line: block.fence_line,
            text: block.body.clone(),
            fragment: false,
            error: None,
            warnings: Vec::new(),
            target: Target::Buildkit,
            unoptimized: false,
            explain: false,
            args: Vec::new(),
            module_name: None,
            output: None,
            build: false,
            runtime: None,
            migrate: migrate.then_some(None),
            project: project.map(str::to_string),
        };
        let mut ok = true;
        if snippet.project.is_some() && rest.iter().any(|t| !t.starts_with("error=")) {
            failures.push(format!("{location}: a `toml,project` or `toml,lock` block takes only `error=CODE`"));
            ok = false;
        }
        for tag in rest {
            match tag.split_once('=') {
                None if tag == "fragment" => snippet.fragment = true,
                None if tag == "build" => snippet.build = true,
                None if tag == "O0" => snippet.unoptimized = true,
                None if tag == "explain" => snippet.explain = true,
                Some(("error", code)) if code.starts_with('E') && Code::ALL.iter().any(|c| c.as_str() == code) => {
                    snippet.error = Some(code.to_string());
                }
                Some(("warning", code)) if code.starts_with('W') && Code::ALL.iter().any(|c| c.as_str() == code) => {
                    snippet.warnings.push(code.to_string());
                }
                Some((kind @ ("error" | "warning"), code)) => {
                    failures.push(format!("{location}: `{kind}={code}` names no {kind} code"));
                    ok = false;
                }
                Some(("target", "classic")) => snippet.target = Target::Classic,
                Some(("target", "buildkit")) => snippet.target = Target::Buildkit,
                Some(("runtime", path)) => snippet.runtime = Some(path.to_string()),
                Some(("arg", pair)) => match pair.split_once('=') {
                    Some((name, value)) if !name.is_empty() => snippet.args.push((name.to_string(), value.to_string())),
                    _ => {
                        failures.push(format!("{location}: `arg={pair}` is not arg=NAME=VALUE"));
                        ok = false;
                    }
                },
                Some(("file", name)) if name.ends_with(".img") && !migrate => {
                    snippet.module_name = Some(normalize(name))
                }
                Some(("against", name)) if name.ends_with(".img") && migrate => {
                    snippet.migrate = Some(Some(normalize(name)))
                }
                _ => {
                    failures.push(format!("{location}: unknown tag `{tag}` in `{}`", block.info));
                    ok = false;
                }
            }
        }
        let shows_one_thing = [snippet.error.is_some(), !snippet.warnings.is_empty(), snippet.explain];
        if shows_one_thing.iter().filter(|t| **t).count() > 1 {
            failures.push(format!("{location}: `error=`, `warning=` and `explain` exclude each other"));
            ok = false;
        }
        if snippet.module_name.is_some()
            && (snippet.fragment
                || snippet.error.is_some()
                || !snippet.warnings.is_empty()
                || snippet.explain
                || snippet.unoptimized
                || !snippet.args.is_empty())
        {
            failures.push(format!("{location}: a `file=` block is a module; it takes no other tag"));
            ok = false;
        }
        if ok {
            snippets.push(snippet);
        }
    }
    snippets
}

/// Whether a block's info string makes it a snippet (an `img` program or a Dockerfile to migrate).
fn is_snippet(info: &str) -> bool {
    let mut tags = info.split(',').map(str::trim);
    match tags.next() {
        Some("img") => !info.contains("output"),
        Some("dockerfile") => tags.next() == Some("migrate"),
        Some("toml") => matches!(tags.next(), Some("project" | "lock")),
        _ => false,
    }
}

fn normalize(name: &str) -> String {
    name.trim_start_matches("./").to_string()
}

/// Bracket depth and string state carried from line to line, for the fragment wrapping rule.
#[derive(Default)]
struct Scanner {
    /// Innermost last: `true` for a string, `false` for a bracket (or an interpolation's braces).
    stack: Vec<bool>,
    /// The previous line ended with `\` (outside strings).
    continued: bool,
}

impl Scanner {
    fn at_top(&self) -> bool {
        self.stack.is_empty() && !self.continued
    }

    fn feed(&mut self, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if self.stack.last() == Some(&true) {
                match c {
                    '\\' => i += 1,
                    '"' => {
                        self.stack.pop();
                    }
                    '$' if chars.get(i + 1) == Some(&'{') => {
                        self.stack.push(false);
                        i += 1;
                    }
                    _ => {}
                }
            } else {
                match c {
                    '#' => break,
                    '"' => self.stack.push(true),
                    '(' | '[' | '{' => self.stack.push(false),
                    ')' | ']' | '}' if self.stack.last() == Some(&false) => {
                        self.stack.pop();
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        self.continued = self.stack.last() != Some(&true) && line.trim_end().ends_with('\\');
    }
}

fn first_word(line: &str) -> &str {
    let trimmed = line.trim_start();
    let end = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
    &trimmed[..end]
}

/// Applies the wrapping rule to a fragment.
fn wrap(fragment: &str) -> Result<String, String> {
    let mut hoisted = Vec::new();
    let mut body = Vec::new();
    let mut scanner = Scanner::default();
    let mut hoisting = false;
    for line in fragment.lines() {
        if scanner.at_top() {
            let word = first_word(line);
            if word == "image" {
                return Err("a fragment cannot contain an `image` block; tag the block `img`".into());
            }
            hoisting = HOISTED.contains(&word);
        }
        if hoisting {
            hoisted.push(line.to_string());
        } else if line.trim().is_empty() {
            body.push(String::new());
        } else {
            body.push(format!("    {line}"));
        }
        scanner.feed(line);
    }
    let mut program = hoisted.join("\n");
    program.push('\n');
    program.push_str(WRAP_IMAGE);
    program.push('\n');
    program.push_str(&body.join("\n"));
    program.push_str("\n}\n");
    Ok(program)
}

/// Serves the chapter's `file=` snippets and nothing else.
struct BookLoader<'a> {
    files: &'a BTreeMap<String, String>,
    read: RefCell<BTreeSet<String>>,
}

impl Loader for BookLoader<'_> {
    fn read(&self, path: &Path) -> io::Result<String> {
        let name = normalize(&path.to_string_lossy().replace('\\', "/"));
        match self.files.get(&name) {
            Some(text) => {
                self.read.borrow_mut().insert(name);
                Ok(text.clone())
            }
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the book defines no `file={name}` block in this chapter"),
            )),
        }
    }
}

/// What a snippet produced, rendered as `imgc` prints it: the Dockerfile (or the explanation)
/// and the warnings, or the errors.
enum Outcome {
    Compiled(String, Vec<Diagnostic>, String),
    Failed(Vec<Diagnostic>, String),
}

fn compile(snippet: &Snippet, program: &str, loader: &BookLoader<'_>) -> Outcome {
    let options = Options { args: snippet.args.clone() };
    let compilation = imgc::compile_with_loader(Path::new("app.img"), program.to_string(), loader, &options);
    let optimize = if snippet.unoptimized { Optimize::none() } else { Optimize::default() };
    let output = if snippet.explain {
        compilation.explain(snippet.target, &optimize).map(|report| report.render())
    } else {
        compilation.dockerfile_with(snippet.target, &optimize)
    };
    match output {
        Ok(_)
            if snippet.build
                && let Err(errors) = build(&compilation, snippet.runtime.as_deref()) =>
        {
            let rendered = compilation.render(&errors, false);
            Outcome::Failed(errors, rendered)
        }
        Ok(text) => {
            let warnings: Vec<Diagnostic> = compilation.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect();
            let rendered = compilation.render(&warnings, false);
            Outcome::Compiled(text, warnings, rendered)
        }
        Err(errors) => {
            let rendered = compilation.render(&errors, false);
            Outcome::Failed(errors, rendered)
        }
    }
}

/// Builds a compiled snippet with `imgc build`, in an empty context, into a temporary layout.
#[cfg(feature = "oci")]
fn build(compilation: &imgc::Compilation, runtime: Option<&str>) -> Result<(), Vec<Diagnostic>> {
    use imgc::oci;
    let program = compilation.program.as_ref().expect("compiled");
    let dir = tempfile::tempdir().expect("temp dir");
    let context = dir.path().join("context");
    std::fs::create_dir(&context).expect("mkdir");
    let destination =
        oci::output::Destination::parse(&format!("oci:{}", dir.path().join("out").display())).expect("a destination");
    let mut options = oci::Options::new(context);
    options.cache_dir = Some(dir.path().join("cache"));
    options.run.runtime = runtime.map(|path| Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path));
    match oci::build(program, &destination, &options) {
        Ok(_) => Ok(()),
        Err(oci::Error::Program(errors)) => Err(errors),
        Err(oci::Error::Failed(message)) => panic!("imgc build failed: {message}"),
    }
}

#[cfg(not(feature = "oci"))]
fn build(_: &imgc::Compilation, _: Option<&str>) -> Result<(), Vec<Diagnostic>> {
    Ok(())
}

/// Migrates a Dockerfile snippet and checks the program (or the chapter's program named by
/// `against`) against it.
fn migrate(snippet: &Snippet, against: Option<&str>, loader: &BookLoader<'_>) -> Result<Outcome, String> {
    let program = match against {
        Some(name) => loader.read(Path::new(name)).map_err(|e| e.to_string())?,
        None => {
            let migration = imgc::migrate::migrate("Dockerfile", &snippet.text);
            match migration.program {
                Some(program) => program,
                None => {
                    let rendered = imgc::diagnostics::render_human(&migration.sources, &migration.diagnostics, false);
                    return Ok(Outcome::Failed(migration.diagnostics, rendered));
                }
            }
        }
    };
    let report = imgc::migrate::check("Dockerfile", &snippet.text, Path::new(against.unwrap_or("app.img")), &program);
    if report.diagnostics.is_empty() {
        Ok(Outcome::Compiled(program, Vec::new(), String::new()))
    } else {
        let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
        Ok(Outcome::Failed(report.diagnostics, rendered))
    }
}

/// Reads an `imgc.toml` (`kind` "project") or an `imgc.lock` ("lock") as the command line does.
fn project_file(kind: &str, text: &str) -> Outcome {
    let invalid = if kind == "project" {
        imgc::project::parse("imgc.toml", text).err()
    } else {
        imgc::project::lock::Lock::parse("imgc.lock", text).err()
    };
    match invalid {
        None => Outcome::Compiled(String::new(), Vec::new(), String::new()),
        Some(invalid) => {
            let rendered = imgc::diagnostics::render_human(&invalid.sources, &invalid.diagnostics, false);
            Outcome::Failed(invalid.diagnostics, rendered)
        }
    }
}

/// Every snippet is written in `imgc fmt`'s layout (a snippet that does not parse is checked by
/// compiling it).
fn formatting_problem(text: &str) -> Option<String> {
    let formatted = imgc::format::format_source(imgc::source::FileId(0), text).ok()?;
    (formatted != text).then(|| format!("not formatted; `imgc fmt` writes it as:\n{}", quote(&formatted)))
}

/// Checks one snippet; returns the text its output block should hold, or why it fails.
fn check(snippet: &Snippet, loader: &BookLoader<'_>) -> Result<String, String> {
    let program = if snippet.fragment { wrap(&snippet.text)? } else { snippet.text.clone() };
    let describe = |diagnostics: &[Diagnostic]| {
        diagnostics.iter().map(|d| format!("{} {}", d.code.as_str(), d.message)).collect::<Vec<_>>().join("; ")
    };
    let outcome = match (&snippet.migrate, snippet.project.as_deref()) {
        (_, Some(kind)) => project_file(kind, &snippet.text),
        (Some(against), None) => migrate(snippet, against.as_deref(), loader)?,
        (None, None) => compile(snippet, &program, loader),
    };
    match (&snippet.error, outcome) {
        (None, Outcome::Compiled(text, warnings, rendered)) => {
            let tagged = |d: &Diagnostic| snippet.warnings.iter().any(|w| w == d.code.as_str());
            let missing: Vec<&String> =
                snippet.warnings.iter().filter(|w| !warnings.iter().any(|d| d.code.as_str() == *w)).collect();
            if !warnings.iter().all(tagged) {
                Err(format!("warns ({}); tag each code with `warning=CODE`", describe(&warnings)))
            } else if !missing.is_empty() {
                Err(format!("expected warning {missing:?}, got: {}", describe(&warnings)))
            } else if warnings.is_empty() {
                Ok(text)
            } else {
                Ok(rendered)
            }
        }
        (None, Outcome::Failed(errors, _)) => Err(format!(
            "expected to compile, but: {}{}",
            describe(&errors),
            if snippet.fragment { format!("\n    wrapped program:\n{}", quote(&program)) } else { String::new() }
        )),
        (Some(code), Outcome::Compiled(..)) => Err(format!("expected error {code}, but it compiled")),
        (Some(code), Outcome::Failed(errors, rendered)) => {
            if errors.is_empty() {
                Err(format!("expected error {code}, but no diagnostic was reported"))
            } else if errors.iter().all(|d| d.code.as_str() == code) {
                Ok(rendered)
            } else {
                Err(format!("expected only error {code}, got: {}", describe(&errors)))
            }
        }
    }
}

fn quote(text: &str) -> String {
    text.lines().map(|l| format!("    | {l}")).collect::<Vec<_>>().join("\n")
}

/// Trailing whitespace of lines and of the whole text does not count.
fn comparable(text: &str) -> String {
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string()
}

/// Rewrites output blocks: `(fence_line, close_line, indent, new body)` for one file.
fn bless(path: &Path, replacements: &[(usize, usize, usize, String)]) {
    let text = std::fs::read_to_string(path).expect("read for bless");
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut next = 0;
    for (fence, close, indent, body) in replacements {
        out.extend(lines[next..=*fence].iter().map(|l| l.to_string()));
        let pad = " ".repeat(*indent);
        for line in comparable(body).lines() {
            if line.is_empty() {
                out.push(String::new());
            } else {
                out.push(format!("{pad}{line}"));
            }
        }
        next = *close;
    }
    out.extend(lines[next..].iter().map(|l| l.to_string()));
    let mut new_text = out.join("\n");
    new_text.push('\n');
    if new_text != text {
        std::fs::write(path, new_text).expect("write blessed chapter");
    }
}

#[test]
fn every_img_snippet_in_the_book_compiles_as_tagged() {
    let blessing = std::env::var_os(BLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0");
    let src = book_src();
    let mut paths = Vec::new();
    markdown_files(&src, &mut paths);
    assert!(!paths.is_empty(), "no Markdown files under {}", src.display());

    let mut failures = Vec::new();
    let mut checked = 0;
    let mut outputs = 0;
    let mut error_index: Option<(String, Vec<Snippet>)> = None;
    for path in &paths {
        let relative = path.strip_prefix(&src).unwrap_or(path).to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let snippets = extract(&relative, &text, &mut failures);

        let mut files = BTreeMap::new();
        for snippet in snippets.iter().filter(|s| s.module_name.is_some()) {
            let name = snippet.module_name.clone().unwrap_or_default();
            if files.insert(name.clone(), snippet.text.clone()).is_some() {
                failures.push(format!("{}: `file={name}` is defined twice", snippet.location()));
            }
        }
        for snippet in snippets.iter().filter(|s| s.migrate.is_none() && s.project.is_none()) {
            if let Some(problem) = formatting_problem(&snippet.text) {
                failures.push(format!("{}: {problem}", snippet.location()));
            }
        }
        let loader = BookLoader { files: &files, read: RefCell::new(BTreeSet::new()) };
        let mut replacements = Vec::new();
        for snippet in snippets.iter().filter(|s| s.module_name.is_none()) {
            checked += 1;
            let actual = match check(snippet, &loader) {
                Ok(actual) => actual,
                Err(reason) => {
                    failures.push(format!("{}: {reason}", snippet.location()));
                    continue;
                }
            };
            let Some(output) = &snippet.output else {
                continue;
            };
            outputs += 1;
            let (expected_kind, what) = if snippet.error.is_some() {
                ("text", "a failing snippet")
            } else if snippet.migrate.is_some() {
                ("img", "a migrated Dockerfile")
            } else if !snippet.warnings.is_empty() {
                ("text", "a warning snippet")
            } else if snippet.explain {
                ("text", "an `explain` snippet")
            } else {
                ("dockerfile", "a compiling snippet")
            };
            if output.kind != expected_kind {
                failures.push(format!(
                    "{}:{}: the output of {what} is tagged `{expected_kind},output`",
                    relative,
                    output.fence_line + 1,
                ));
            } else if blessing {
                replacements.push((output.fence_line, output.close_line, output.indent, actual));
            } else if comparable(&output.body) != comparable(&actual) {
                failures.push(format!(
                    "{}:{}: the output shown differs from the compiler's ({BLESS_VAR}=1 rewrites it); the compiler prints:\n{}",
                    relative,
                    output.fence_line + 1,
                    quote(&actual)
                ));
            }
        }
        if blessing && !replacements.is_empty() {
            bless(path, &replacements);
        }
        for snippet in snippets.iter().filter(|s| s.module_name.is_some()) {
            checked += 1;
            let name = snippet.module_name.as_deref().unwrap_or_default();
            if !loader.read.borrow().contains(name) {
                failures.push(format!(
                    "{}: module `{name}` is imported by no snippet of this chapter, so it is never checked",
                    snippet.location()
                ));
            }
            if snippet.output.is_some() {
                failures.push(format!("{}: a `file=` block has no output of its own", snippet.location()));
            }
        }
        if relative == ERROR_INDEX {
            error_index = Some((text, snippets));
        }
    }

    match error_index {
        None => failures.push(format!("{ERROR_INDEX}: the error index is missing")),
        Some((text, snippets)) => {
            let headings: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
            for code in Code::ALL {
                let code = code.as_str();
                if !headings.iter().any(|h| h.contains(code)) {
                    failures.push(format!("{ERROR_INDEX}: no heading names {code}"));
                }
                let tag = if code.starts_with('W') { "warning" } else { "error" };
                let shown = |s: &Snippet| s.error.as_deref() == Some(code) || s.warnings.iter().any(|w| w == code);
                if !snippets.iter().any(shown) {
                    failures.push(format!("{ERROR_INDEX}: no ```img,{tag}={code} snippet shows {code}"));
                }
            }
        }
    }

    println!("checked {checked} img snippets ({outputs} with output blocks) in {} chapters", paths.len());
    assert!(failures.is_empty(), "{} book snippet problem(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn wrapping_rule_hoists_declarations() {
    let fragment =
        "import std.apt\nlet ports = [\n    80,\n    443,\n]\nexpose ports\nfn f() {\n    run \"x\"\n}\nf()\n";
    let wrapped = wrap(fragment).expect("wraps");
    assert_eq!(
        wrapped,
        "import std.apt\nlet ports = [\n    80,\n    443,\n]\nfn f() {\n    run \"x\"\n}\n\
         image from \"debian:bookworm-slim\" {\n    expose ports\n    f()\n}\n"
    );
    assert!(wrap("image from scratch {}\n").is_err());
    // A `let` inside a multi-line string is not a statement.
    let wrapped = wrap("run \"echo a\nlet b\"\n").expect("wraps");
    assert!(wrapped.starts_with('\n'), "{wrapped}");
}

#[test]
fn output_blocks_attach_to_the_snippet_before_them() {
    let text =
        "```img\nimage from scratch {}\n```\n\n```dockerfile,output\nFROM scratch\n```\n\n```text,output\nx\n```\n";
    let mut failures = Vec::new();
    let snippets = extract("t.md", text, &mut failures);
    assert_eq!(snippets.len(), 1);
    let output = snippets[0].output.as_ref().expect("attached");
    assert_eq!((output.fence_line, output.close_line), (4, 6));
    assert_eq!(output.body, "FROM scratch\n");
    // The second output block follows an output block, not a snippet.
    assert_eq!(failures.len(), 1, "{failures:?}");
}
