//! Syntax errors as a new user meets them: each common mistake gets a message that names it,
//! points at its cause (the unclosed `{`, the string's opening quote) and says what to write.

use imgc::Options;

/// Compiles `source` and renders its diagnostics without colour.
fn render(source: &str) -> String {
    let compilation = imgc::compile_source("app.img", source, &Options::default());
    assert!(compilation.has_errors(), "expected errors for:\n{source}");
    compilation.render(&compilation.diagnostics, false)
}

#[test]
fn dockerfile_keyword_names_its_step() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    RUN \"apt-get update\"\n}\n"));
}

#[test]
fn dockerfile_from_names_image_and_stage() {
    insta::assert_snapshot!(render("FROM debian:bookworm-slim\nrun \"make\"\n"));
}

#[test]
fn misspelt_step_suggests_the_step() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    exposee 8080\n}\n"));
}

#[test]
fn stage_name_with_a_dash() {
    let rendered = render("stage build-tools from \"debian:bookworm-slim\" {\n    run \"make\"\n}\n");
    assert!(rendered.contains("error[E0029]"), "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn reserved_word_as_a_name() {
    insta::assert_snapshot!(render("let timeout = 5\nimage from \"debian:bookworm-slim\" {\n    cmd [\"true\"]\n}\n"));
}

#[test]
fn missing_brace_points_at_the_opener() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    run \"make\"\n    user \"app\"\n"));
}

#[test]
fn unterminated_string_at_its_start() {
    insta::assert_snapshot!(render(
        "image from \"debian:bookworm-slim\" {\n    run \"echo hi\n    copy \"a\" to \"/a\"\n}\n"
    ));
}

#[test]
fn unterminated_string_at_end_of_file() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    run \"echo hi\n"));
}

#[test]
fn missing_comma_in_a_list() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    cmd [\"node\" \"server.js\"]\n}\n"));
}

#[test]
fn missing_to_in_a_copy() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    copy \"a\" \"/a\"\n}\n"));
}

#[test]
fn missing_from_in_an_image() {
    insta::assert_snapshot!(render("image \"debian:bookworm-slim\" {\n    run \"make\"\n}\n"));
}

#[test]
fn mismatched_bracket_names_both_ends() {
    insta::assert_snapshot!(render("image from \"debian:bookworm-slim\" {\n    cmd [\"a\", \"b\")\n}\n"));
}

#[test]
fn other_errors_show_the_shape_of_their_statement() {
    let rendered = render("image from \"debian:bookworm-slim\" {\n    healthcheck interval 30s\n}\n");
    assert!(rendered.contains("help: write it as `healthcheck"), "{rendered}");
}

#[test]
fn several_errors_in_one_file() {
    let rendered = render(
        "image from \"debian:bookworm-slim\" {\n    RUN \"apt-get update\"\n    exposee 8080\n    cmd [\"node\" \"server.js\"]\n    copy \"a\" \"/a\"\n}\n",
    );
    assert_eq!(rendered.matches("error[E0001]").count(), 4, "{rendered}");
    insta::assert_snapshot!(rendered);
}

#[test]
fn no_resumption_past_an_unbalanced_statement() {
    // The `{` of the broken stage is never closed by what follows it: reading stops there.
    let rendered = render("stage b \"x\" {\n    run \"a\"\n}\nimage from b {\n    RUN \"b\"\n}\n");
    assert_eq!(rendered.matches("error[").count(), 1, "{rendered}");
}

#[test]
fn resumption_keeps_offsets_after_multibyte_text() {
    let rendered = render(
        "image from \"debian:bookworm-slim\" {\n    RUN \"echo héllo…\"\n    label \"é\" = \"…\"\n    exposee 80\n}\n",
    );
    assert!(rendered.contains("4 │     exposee 80"), "{rendered}");
}

#[test]
fn a_word_inside_a_map_is_no_unknown_step() {
    let rendered = render("image from \"debian:bookworm-slim\" {\n    env {\n        MODE \"prod\"\n    }\n}\n");
    assert!(!rendered.contains("unknown step"), "{rendered}");
    assert!(rendered.contains("error[E0001]"), "{rendered}");
}
