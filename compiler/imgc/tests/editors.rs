//! The editor support in editors/: the tree-sitter grammar (editors/tree-sitter-img), the VS Code
//! extension (editors/vscode) and the book's highlighter (book/highlight-img.js).
//!
//! - Their keyword lists are the pest grammar's (compiler/imgc-core/src/syntax/grammar.pest),
//!   always checked.
//! - With the `tree-sitter` CLI: the committed parser is the one `tree-sitter generate` makes, the
//!   corpus tests pass, and every `.img` file in the repository and every `img` block of the book
//!   that the compiler's parser reads parses without an ERROR or MISSING node.
//! - With node and editors/vscode/node_modules: the TextMate grammar and the book's highlight.js
//!   definition (with mdbook's bundled highlight.js) give every `.img` file the token classes
//!   tree-sitter's highlights.scm gives it, and the `.vsix` packages.
//!
//! A missing tool skips its check, except under `CI=true`, where it fails: CI installs them
//! (.ci/run, scripts/setup-test-env).

use imgc_core::source::FileId;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whether `program --version` runs; under CI a missing tool fails the test.
fn tool(program: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{program} is not installed, and CI installs it (scripts/setup-test-env)"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The words of a pest rule written as a first-letter trie (`"a" ~ ("dd" ~ !ident_char | ...)`).
fn pest_trie(grammar: &str, rule: &str) -> BTreeSet<String> {
    let start = grammar.find(&format!("\n{rule} = @{{")).unwrap_or_else(|| panic!("rule {rule}"));
    let body = &grammar[start..];
    let body = &body[..body.find("\n}").expect("rule end")];
    let mut out = BTreeSet::new();
    for line in body.lines().filter(|l| l.trim_start().starts_with('|') || l.contains("~ (")) {
        let quoted: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
        let (prefix, suffixes) = quoted.split_first().expect("trie line");
        out.extend(suffixes.iter().map(|s| format!("{prefix}{s}")));
    }
    out
}

/// The words of `name`'s array in grammar.js (`const NAME = [ 'a', 'b', ... ];`).
fn js_array(source: &str, name: &str) -> BTreeSet<String> {
    let start = source.find(&format!("const {name} = [")).unwrap_or_else(|| panic!("{name}"));
    let body = &source[start..];
    let body = &body[body.find('[').expect("[") + 1..body.find("];").expect("];")];
    body.split('\'').skip(1).step_by(2).map(str::to_string).collect()
}

/// The words between `open` and the `close` after it.
fn between(source: &str, open: &str, close: &str) -> BTreeSet<String> {
    let start = source.find(open).unwrap_or_else(|| panic!("{open:?} not found")) + open.len();
    words(&source[start..start + source[start..].find(close).expect("close")])
}

fn set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn keyword_lists_agree_with_the_pest_grammar() {
    let root = repo();
    let pest = read(&root.join("compiler/imgc-core/src/syntax/grammar.pest"));
    let grammar_js = read(&root.join("editors/tree-sitter-img/grammar.js"));
    let scanner = read(&root.join("editors/tree-sitter-img/src/scanner.c"));
    let highlights = read(&root.join("editors/tree-sitter-img/queries/highlights.scm"));
    let textmate = read(&root.join("editors/vscode/syntaxes/img.tmLanguage.json"));
    let book = read(&root.join("book/highlight-img.js"));

    let literals = set(&["true", "false", "scratch", "none"]);
    let reserved = pest_trie(&pest, "keyword");
    let clauses = pest_trie(&pest, "clause_keyword");
    let scopes = between(&pest, "env_scope   = @{ (", ")");
    assert_eq!(scopes, set(&["build", "both", "runtime"]));
    assert!(clauses.is_subset(&reserved));

    // tree-sitter: the lists in grammar.js, the scanner's clause keywords, the highlight query.
    let steps = js_array(&grammar_js, "STEP_KEYWORDS");
    let declarations = js_array(&grammar_js, "DECLARATION_KEYWORDS");
    assert_eq!(js_array(&grammar_js, "CLAUSE_KEYWORDS"), clauses, "grammar.js CLAUSE_KEYWORDS");
    assert_eq!(js_array(&grammar_js, "ENV_SCOPES"), scopes, "grammar.js ENV_SCOPES");
    let all: BTreeSet<String> = steps.iter().chain(&declarations).chain(&clauses).chain(&literals).cloned().collect();
    assert_eq!(all, reserved, "grammar.js keywords and literals against pest's `keyword`");
    assert_eq!(between(&scanner, "CLAUSE_KEYWORDS[] = {", "};"), clauses, "scanner.c");
    let lists: Vec<&str> = highlights.split("] @keyword\n").collect();
    let keyword_captures = lists[..lists.len() - 1]
        .iter()
        .flat_map(|part| words(&part[part.rfind('[').expect("[")..]))
        .collect::<BTreeSet<_>>();
    let statement_words: BTreeSet<String> = steps.union(&declarations).cloned().collect();
    assert_eq!(keyword_captures, statement_words, "highlights.scm @keyword lists");

    // VS Code: the TextMate grammar's keyword rules.
    let option_words: BTreeSet<String> = clauses.difference(&declarations).cloned().collect();
    assert_eq!(between(&textmate, "\\\\b(import|", ")\\\\b").len() + 1, declarations.len());
    let mut textmate_declarations = between(&textmate, "\\\\b(import|", ")\\\\b");
    textmate_declarations.insert("import".into());
    assert_eq!(textmate_declarations, declarations, "TextMate declarations");
    assert_eq!(between(&textmate, "\\\\b(run|", ")\\\\b").len() + 1, steps.len(), "TextMate steps");
    assert!(between(&textmate, "\\\\b(run|", ")\\\\b").is_subset(&steps));
    let mut textmate_options = between(&textmate, "\\\\b(cache|", ")\\\\b");
    textmate_options.insert("cache".into());
    assert_eq!(textmate_options, option_words, "TextMate clause keywords");
    assert_eq!(between(&textmate, "\\\\b(true|", ")\\\\b").len() + 1, literals.len());
    assert_eq!(between(&textmate, "(env)\\\\s+(", ")\\\\b"), scopes, "TextMate env scopes");

    // The book: highlight.js keyword classes.
    let hljs = |class: &str| between(&book, &format!("{class}:"), ",\n");
    assert_eq!(hljs("keyword"), statement_words, "book keyword");
    assert_eq!(hljs("built_in"), option_words, "book built_in");
    assert_eq!(between(&book, "env\\s+)(", ")"), scopes, "book env scopes");
    assert_eq!(hljs("literal"), literals, "book literal");
}

/// Every `.img` file of the repository (examples, stdlib, test programs), outside target dirs.
fn img_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read dir").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !name.starts_with('.') && !["target", "node_modules", "book"].contains(&name) {
                img_files(&path, out);
            }
        } else if name.ends_with(".img") {
            out.push(path);
        }
    }
}

/// The book's `img` blocks that the compiler's parser reads (not those that show a syntax error),
/// written to `dir` one a file.
fn book_snippets(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut markdown = Vec::new();
    let mut pending = vec![root.join("book/src")];
    while let Some(d) = pending.pop() {
        for path in fs::read_dir(&d).expect("book dir").flatten().map(|e| e.path()) {
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                markdown.push(path);
            }
        }
    }
    markdown.sort();
    let mut out = Vec::new();
    for path in markdown {
        let text = read(&path);
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(info) = line.strip_prefix("```img") else { continue };
            let block: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
            let program = block.join("\n") + "\n";
            if !(info.is_empty() || info.starts_with(',')) || imgc_core::syntax::parse(FileId(0), &program).0.is_none()
            {
                continue;
            }
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("book");
            let file = dir.join(format!("{stem}-{}.img", out.len()));
            fs::write(&file, program).expect("write snippet");
            out.push(file);
        }
    }
    out
}

fn every_program(root: &Path, scratch: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    img_files(root, &mut files);
    let snippets = book_snippets(root, scratch);
    assert!(files.len() > 100 && snippets.len() > 50, "{} files, {} snippets", files.len(), snippets.len());
    files.extend(snippets);
    files
}

/// The parser's ABI: 14, which editors built on tree-sitter 0.20.7 to 0.24 load too (Neovim 0.7
/// to 0.10, Helix); 15 needs tree-sitter 0.25.
const ABI: &str = "14";

/// A copy of the grammar in a temporary directory, generated and compiled there, so the test
/// writes nothing into the repository.
struct Grammar {
    dir: tempfile::TempDir,
}

impl Grammar {
    fn generate(root: &Path) -> Grammar {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = root.join("editors/tree-sitter-img");
        copy_dir(&source, dir.path());
        run(Command::new("tree-sitter").args(["generate", "--abi", ABI]).current_dir(dir.path()));
        for generated in ["src/parser.c", "src/grammar.json", "src/node-types.json"] {
            assert!(
                read(&dir.path().join(generated)) == read(&source.join(generated)),
                "editors/tree-sitter-img/{generated} is stale: run `tree-sitter generate --abi {ABI}` there"
            );
        }
        Grammar { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("tree-sitter");
        command.args(args).current_dir(self.dir.path()).env("TREE_SITTER_LIBDIR", self.dir.path().join("lib"));
        command
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

#[test]
fn tree_sitter_grammar_parses_every_program() {
    if !tool("tree-sitter") {
        return;
    }
    let root = repo();
    let grammar = Grammar::generate(&root);
    run(&mut grammar.command(&["test"]));

    let scratch = tempfile::tempdir().expect("tempdir");
    let files = every_program(&root, scratch.path());
    let mut command = grammar.command(&["parse", "--quiet", "--stat"]);
    command.args(&files);
    let output = command.output().expect("tree-sitter parse");
    // The other queries compile against the grammar's node types and find something.
    for (query, capture) in [("queries/locals.scm", "local.definition.var"), ("queries/folds.scm", "fold")] {
        let example = root.join("examples/python-web/app.img");
        let found = run(grammar.command(&["query", query]).arg(&example));
        assert!(String::from_utf8_lossy(&found.stdout).contains(capture), "{query} captures no {capture}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success()
            && stdout.contains(&format!("Total parses: {}; successful parses: {};", files.len(), files.len())),
        "files with ERROR or MISSING nodes:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn textmate_and_book_highlighting_agree_with_tree_sitter_and_the_vsix_packages() {
    let root = repo();
    let vscode = root.join("editors/vscode");
    if !tool("tree-sitter") || !tool("node") {
        return;
    }
    if !vscode.join("node_modules").is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "editors/vscode/node_modules is missing: CI runs `npm ci` there (scripts/setup-test-env)"
        );
        eprintln!("skipped: no editors/vscode/node_modules (run `npm ci` there)");
        return;
    }
    let grammar = Grammar::generate(&root);
    let scratch = tempfile::tempdir().expect("tempdir");
    let files = every_program(&root, scratch.path());

    // tree-sitter's captures of highlights.scm, then the comparison in node.
    let captures = scratch.path().join("captures.txt");
    let mut query = grammar.command(&["query", "--captures", "queries/highlights.scm"]);
    query.args(&files);
    fs::write(&captures, run(&mut query).stdout).expect("write captures");
    // The book's highlighter too: mdbook's bundled highlight.js with book/highlight-img.js.
    let mut compare = Command::new("node");
    compare.arg(vscode.join("test/compare-highlights.js"));
    if tool("mdbook") {
        let book = scratch.path().join("book");
        run(Command::new("mdbook").arg("build").arg(root.join("book")).arg("-d").arg(&book));
        let bundled = fs::read_dir(&book)
            .expect("built book")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                name.starts_with("highlight") && name.ends_with(".js") && !name.starts_with("highlight-img")
            })
            .expect("mdbook bundles highlight.js");
        compare.arg("--book-hljs").arg(bundled);
    }
    let compare = run(compare.arg(&captures).args(&files));
    let report = String::from_utf8_lossy(&compare.stdout);
    assert!(report.contains(&format!("{} files agree", files.len())), "{report}");

    let vsix = scratch.path().join("imgc-img.vsix");
    run(Command::new("npx")
        .args(["--no-install", "vsce", "package", "--skip-license", "-o"])
        .arg(&vsix)
        .current_dir(&vscode));
    let listing = run(Command::new("npx").args(["--no-install", "vsce", "ls"]).current_dir(&vscode));
    let listing = String::from_utf8_lossy(&listing.stdout);
    for file in ["package.json", "extension.js", "language-configuration.json", "syntaxes/img.tmLanguage.json"] {
        assert!(listing.lines().any(|l| l == file), "{file} not in the .vsix:\n{listing}");
    }
    assert!(
        listing.lines().any(|l| l.starts_with("node_modules/vscode-languageclient/")),
        "the language client is not bundled:\n{listing}"
    );
    assert!(fs::metadata(&vsix).expect("vsix written").len() > 10_000);
}

/// Neovim's own tree-sitter loads the committed parser (compiled as an editor does, from
/// src/parser.c and src/scanner.c with a C compiler), parses the examples without an error and
/// runs the highlight and locals queries.
#[test]
fn neovim_loads_the_parser_and_runs_the_queries() {
    if !tool("nvim") || !tool("cc") {
        return;
    }
    let root = repo();
    let grammar = root.join("editors/tree-sitter-img");
    let scratch = tempfile::tempdir().expect("tempdir");
    let library = scratch.path().join("img.so");
    run(Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-I"])
        .arg(grammar.join("src"))
        .arg(grammar.join("src/parser.c"))
        .arg(grammar.join("src/scanner.c"))
        .arg("-o")
        .arg(&library));
    let script = scratch.path().join("check.lua");
    fs::write(
        &script,
        r#"
local library, queries = os.getenv("IMG_PARSER"), os.getenv("IMG_QUERIES")
vim.treesitter.require_language("img", library)
local function read(path) return table.concat(vim.fn.readfile(path), "\n") end
local highlights = vim.treesitter.parse_query("img", read(queries .. "/highlights.scm"))
vim.treesitter.parse_query("img", read(queries .. "/locals.scm"))
local captures = {}
for _, file in ipairs(vim.split(os.getenv("IMG_FILES"), "\n")) do
  local text = read(file)
  local root = vim.treesitter.get_string_parser(text, "img"):parse()[1]:root()
  if root:has_error() then io.stdout:write("error in " .. file .. "\n") end
  for id in highlights:iter_captures(root, text, 0, -1) do captures[highlights.captures[id]] = true end
end
local names = vim.tbl_keys(captures)
table.sort(names)
io.stdout:write("captures: " .. table.concat(names, " ") .. "\n")
"#,
    )
    .expect("write script");
    let mut examples = Vec::new();
    img_files(&root.join("examples"), &mut examples);
    img_files(&root.join("compiler/imgc-core/stdlib"), &mut examples);
    let files: Vec<String> = examples.iter().map(|p| p.display().to_string()).collect();
    let output = run(Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!("luafile {}", script.display()))
        .args(["-c", "qa!"])
        .env("IMG_PARSER", &library)
        .env("IMG_QUERIES", grammar.join("queries"))
        .env("IMG_FILES", files.join("\n")));
    let report = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(!report.contains("error"), "{report}");
    let captures = report.lines().find_map(|l| l.strip_prefix("captures: ")).unwrap_or_else(|| panic!("{report}"));
    for expected in
        ["comment", "string", "number", "keyword", "keyword.option", "function.call", "type", "variable.parameter"]
    {
        assert!(captures.split(' ').any(|c| c == expected), "no {expected} in Neovim's captures: {captures}");
    }
}
