//! `imgc fmt`: the canonical layout, comments kept, idempotence, and the repository's own
//! programs already formatted.

use imgc::format::format_source;
use imgc::source::FileId;
use std::path::Path;

fn fmt(text: &str) -> String {
    match format_source(FileId(0), text) {
        Ok(out) => out,
        Err(diagnostics) => panic!("does not parse: {diagnostics:?}\n{text}"),
    }
}

/// Formats, checks that formatting again changes nothing and that every comment survived.
fn canonical(text: &str) -> String {
    let once = fmt(text);
    assert_eq!(fmt(&once), once, "not idempotent; first pass:\n{once}");
    let comments = |s: &str| -> Vec<String> {
        imgc::syntax::comments::comments(s).iter().map(|c| c.text(s).to_string()).collect()
    };
    let mut before = comments(text);
    let mut after = comments(&once);
    before.sort();
    after.sort();
    assert_eq!(before, after, "comments changed:\n{once}");
    once
}

#[test]
fn layout_is_canonical() {
    let messy = "import std.apt;let v=\"1\"\nimage from   \"debian:bookworm-slim\"{\n  apt.install( [ \"curl\" ,\"jq\" ] )\n\n\n\n  run \"make\" ;run \"make install\"\n        env both {A=\"1\",B = v}\n}\n\n\n";
    assert_eq!(
        canonical(messy),
        "import std.apt\nlet v = \"1\"\n\nimage from \"debian:bookworm-slim\" {\n    apt.install([\"curl\", \"jq\"])\n\n    run \"make\"\n    run \"make install\"\n    env both { A = \"1\", B = v }\n}\n"
    );
}

#[test]
fn a_stage_s_dockerfile_name_is_kept() {
    let messy = "stage dev_envs from  \"debian:bookworm-slim\"   platform \"linux/amd64\" as   \"dev-envs\"{\n run \"make\"\n}\nstage tools from scratch as  none {\n}\nimage run_stage from dev_envs as \"run\" {\n}\n";
    assert_eq!(
        canonical(messy),
        "stage dev_envs from \"debian:bookworm-slim\" platform \"linux/amd64\" as \"dev-envs\" {\n    run \"make\"\n}\n\nstage tools from scratch as none {}\n\nimage run_stage from dev_envs as \"run\" {}\n"
    );
}

#[test]
fn brackets_the_author_broke_stay_one_item_a_line() {
    let text = "image from scratch {\n    cmd [\n        \"a\", \"b\"]\n    label { \"x\" = \"1\", \"y\" = \"2\" }\n    env {\n  A = \"1\", B = \"2\" }\n}\n";
    assert_eq!(
        canonical(text),
        "image from scratch {\n    cmd [\n        \"a\",\n        \"b\",\n    ]\n    label { \"x\" = \"1\", \"y\" = \"2\" }\n    env {\n        A = \"1\"\n        B = \"2\"\n    }\n}\n"
    );
}

#[test]
fn long_lines_are_broken_and_options_follow_their_author() {
    let long = format!("image from scratch {{\n    cmd [\"{}\", \"{}\"]\n}}\n", "a".repeat(50), "b".repeat(50));
    assert_eq!(
        canonical(&long),
        format!(
            "image from scratch {{\n    cmd [\n        \"{}\",\n        \"{}\",\n    ]\n}}\n",
            "a".repeat(50),
            "b".repeat(50)
        )
    );
    let options = "image from scratch {\n    run \"make\" cache \"/c\"   network \"none\"\n    run \"make\"\n      cache \"/c\" (sharing: \"locked\") network \"none\"\n}\n";
    assert_eq!(
        canonical(options),
        "image from scratch {\n    run \"make\" cache \"/c\" network \"none\"\n    run \"make\"\n        cache \"/c\" (sharing: \"locked\")\n        network \"none\"\n}\n"
    );
}

#[test]
fn comments_stay_where_they_were() {
    let text = "\
# file comment

import std.apt  # trailing import

# about the build stage
stage build from \"debian:bookworm-slim\" {  # after brace
    # before run
    run \"make\"   # after run
    apt.install([
        \"curl\",  # for the health check
        # the json tool
        \"jq\",
    ])
    run \"x\"
        # about the cache
        cache \"/c\"  # trailing cache
    # last in block
}
image from scratch {
}
# the end
";
    let expected = "\
# file comment

import std.apt  # trailing import

# about the build stage
stage build from \"debian:bookworm-slim\" {  # after brace
    # before run
    run \"make\"  # after run
    apt.install([
        \"curl\",  # for the health check
        # the json tool
        \"jq\",
    ])
    run \"x\"
        # about the cache
        cache \"/c\"  # trailing cache
    # last in block
}

image from scratch {}

# the end
";
    assert_eq!(canonical(text), expected);
}

#[test]
fn comments_without_a_line_of_their_own_move_above_their_statement() {
    let text = "image from scratch {\n    copy \"a\", # why a\n        \"b\" to \"/c\"\n}\n";
    assert_eq!(canonical(text), "image from scratch {\n    # why a\n    copy \"a\",\n        \"b\" to \"/c\"\n}\n");
}

#[test]
fn a_comment_between_step_options_keeps_them_one_a_line() {
    let text = "image from scratch {\n    run \"x\" cache \"/a\"  # why\n        bind \"b\"\n}\n";
    let expected = "image from scratch {\n    run \"x\"\n        cache \"/a\"  # why\n        bind \"b\"\n}\n";
    assert_eq!(canonical(text), expected);
}

#[test]
fn literals_are_kept_as_written() {
    let text = "let a = 0o755\nlet b = \"tab\\there \\${X} ${ a }\"\nlet c = \"multi\nline\"\nlet d = (\"x\" + b).y\n";
    assert_eq!(canonical(text), text);
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    assert!(format_source(FileId(0), "image from scratch {\n    run\n}\n").is_err());
}

#[test]
fn the_examples_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&root).expect("examples").flatten() {
        let path = entry.path().join("app.img");
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        assert_eq!(canonical(&text), text, "{} is not formatted (run `imgc fmt` on it)", path.display());
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn control_characters_in_strings_are_kept() {
    let text = "image from scratch {\n    run \"a\u{1}b\"  # c\n    run \"x\"  # d\n}\n";
    assert_eq!(canonical(text), text);
}

/// Every `.img` file of the repository (examples, the standard library, the migrate corpus, the
/// optimizer's programs).
fn repository_programs() -> Vec<(std::path::PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut found = Vec::new();
    let mut folders = vec![root.join("examples"), root.join("compiler/imgc-core/stdlib"), root.join("tests")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a folder of the repository").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "img") {
                let text = std::fs::read_to_string(&path).expect("readable");
                found.push((path, text));
            }
        }
    }
    found.sort();
    found
}

/// The start and end of every statement, blocks' statements included.
fn statement_bounds(statements: &[imgc::syntax::ast::Statement], out: &mut Vec<(usize, usize)>) {
    use imgc::syntax::ast::StatementKind;
    for statement in statements {
        out.push((statement.span.start as usize, statement.end as usize));
        match &statement.kind {
            StatementKind::Fn(decl) => statement_bounds(&decl.body, out),
            StatementKind::Stage(decl) => statement_bounds(&decl.body, out),
            StatementKind::OnBuild(body) | StatementKind::Layer(body) => statement_bounds(body, out),
            _ => {}
        }
    }
}

/// `text` with a comment line above every statement that starts its line and a comment after
/// every statement that ends its line, and the comments inserted.
fn with_comments_at_statement_boundaries(text: &str) -> (String, Vec<String>) {
    let (module, _) = imgc::syntax::parse(FileId(0), text);
    let module = module.expect("the repository's programs parse");
    let mut bounds = Vec::new();
    statement_bounds(&module.statements, &mut bounds);
    // Insertions by offset, applied from the end so earlier offsets stay right.
    let mut insertions: Vec<(usize, String)> = Vec::new();
    for (index, (start, end)) in bounds.into_iter().enumerate() {
        let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
        if text[line_start..start].trim().is_empty() {
            insertions.push((line_start, format!("{}# before statement {index}\n", &text[line_start..start])));
        }
        let line_end = text[end..].find('\n').map_or(text.len(), |n| end + n);
        if text[end..line_end].trim().is_empty() {
            insertions.push((end, format!("  # after statement {index}")));
        }
    }
    let inserted: Vec<String> = insertions.iter().map(|(_, c)| c.trim().to_string()).collect();
    insertions.sort_by_key(|(offset, _)| std::cmp::Reverse(*offset));
    let mut out = text.to_string();
    for (offset, comment) in insertions {
        out.insert_str(offset, &comment);
    }
    (out, inserted)
}

#[test]
fn comments_at_every_statement_boundary_of_every_program_survive() {
    let programs = repository_programs();
    assert!(programs.len() > 100, "found only {} programs", programs.len());
    let mut checked = 0;
    for (path, text) in programs {
        let (commented, inserted) = with_comments_at_statement_boundaries(&text);
        checked += inserted.len();
        // `canonical` checks idempotence and that the comments are the same before and after.
        let formatted = canonical(&commented);
        let kept: Vec<String> =
            imgc::syntax::comments::comments(&formatted).iter().map(|c| c.text(&formatted).to_string()).collect();
        for comment in &inserted {
            assert!(kept.contains(comment), "{}: `{comment}` was lost:\n{formatted}", path.display());
        }
    }
    assert!(checked > 2000, "only {checked} comments inserted");
}
