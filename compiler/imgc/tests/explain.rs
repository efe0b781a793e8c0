//! `imgc explain`: the report for every example and for programs that make each pass act and
//! refuse, snapshotted as text, and its JSON form.

use imgc::{Optimize, Options, Pass, Target};
use std::path::Path;

fn report(source: &str, optimize: &Optimize) -> imgc::optimize::report::Report {
    let compilation = imgc::compile_source("app.img", source, &Options::default());
    match compilation.explain(Target::Buildkit, optimize) {
        Ok(report) => report,
        Err(errors) => panic!("does not compile:\n{}", compilation.render(&errors, false)),
    }
}

fn explain(source: &str) -> String {
    report(source, &Optimize::default()).render()
}

#[test]
fn every_example() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .expect("examples")
        .flatten()
        .filter(|e| e.path().join("app.img").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4);
    for name in names {
        let source = std::fs::read_to_string(examples.join(&name).join("app.img")).expect("readable");
        insta::assert_snapshot!(format!("example_{name}"), explain(&source));
    }
}

const EVERY_KIND: &str = r#"arg version = "1.0"

stage unused from "busybox:1.35" {
    run "true"
}

image from "busybox:1.35" {
    label "a" = "1"
    env both { A = "1" }
    copy "x" to "/x"
    run "cd /tmp"
    run "echo a; echo b"
    run "set -e; echo errexit"
    run "echo after"
    run "echo # comment"
    run ["true"]
    run "echo ${version}"
    layer {
        run "echo inside"
    }
    label "b" = "2"
}
"#;

#[test]
fn every_kind_of_event() {
    insta::assert_snapshot!("every_kind", explain(EVERY_KIND));
}

#[test]
fn without_passes_only_the_rows_are_shown() {
    let text = report(EVERY_KIND, &Optimize::none()).render();
    assert!(text.starts_with("imgc explain app.img (target buildkit; passes: none)\n"), "{text}");
    assert!(text.contains("stage unused"), "{text}");
    for kind in ["merged", "moved", "refused", "grouped", "dropped"] {
        assert!(!text.contains(&format!(" {kind} ")), "{kind} in:\n{text}");
    }
    let one = report(EVERY_KIND, &Optimize::none().with(Pass::MergeRuns, true)).render();
    assert!(one.contains("passes: merge-runs)") && one.contains("merge-runs    merged"), "{one}");
}

#[test]
fn json_has_the_same_content() {
    let report = report(EVERY_KIND, &Optimize::default());
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("valid JSON");
    assert_eq!(json["file"], "app.img");
    assert_eq!(json["target"], "buildkit");
    assert_eq!(json["passes"][0], "unused-stages");
    assert_eq!(json["dropped"][0]["kind"], "dropped");
    let stage = &json["stages"][0];
    assert_eq!(stage["name"], "image");
    assert_eq!(stage["rows"][0]["emitted"], "FROM busybox:1.35");
    assert_eq!(stage["rows"][0]["sources"][0]["line"], 7);
    let merged = stage["events"].as_array().expect("events").iter().find(|e| e["kind"] == "merged").expect("a merge");
    assert_eq!(merged["pass"], "merge-runs");
    assert_eq!(merged["steps"][0]["text"], "run \"cd /tmp\"");
    insta::assert_snapshot!("every_kind_json", report.to_json());
}
