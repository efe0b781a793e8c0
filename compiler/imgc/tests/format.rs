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
