//! The `imgc` command's inputs and non-diagnostic errors: `-` reads standard input, and
//! `--message-format json` covers I/O and usage errors too.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn imgc_with_stdin(args: &[&str], dir: &Path, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imgc"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imgc");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait for imgc")
}

const GOOD: &str = "image from \"debian:bookworm-slim\" {\n    run \"echo hi\"\n}\n";

#[test]
fn dash_reads_the_program_from_standard_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc_with_stdin(&["dockerfile", "-"], dir.path(), GOOD);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("RUN echo hi"));
    let bad = imgc_with_stdin(&["check", "-"], dir.path(), "image from \"debian:bookworm-slim\" {\n    RUN \"x\"\n}\n");
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("<stdin>:2:5"), "{stderr}");
}

#[test]
fn dash_reads_a_dockerfile_to_migrate_from_standard_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc_with_stdin(&["migrate", "-"], dir.path(), "FROM debian:bookworm-slim\nRUN echo hi\n");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("run \"echo hi\""));
}

/// Every line of `stderr` is one JSON object with the diagnostics' fields.
fn json_lines(stderr: &[u8]) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(stderr);
    assert!(!text.trim().is_empty(), "no message");
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))).collect()
}

#[test]
fn json_covers_io_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc_with_stdin(&["--message-format", "json", "check", "missing.img"], dir.path(), "");
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out.stderr);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["severity"], "error");
    assert!(lines[0]["message"].as_str().is_some_and(|m| m.contains("missing.img")), "{:?}", lines[0]);
    assert!(lines[0]["code"].is_null() && lines[0]["location"].is_null());
}

#[test]
fn json_covers_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc_with_stdin(&["--message-format=json", "dockerfile", "-O", "7", "app.img"], dir.path(), "");
    assert_eq!(out.status.code(), Some(2));
    let lines = json_lines(&out.stderr);
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["message"].as_str().is_some_and(|m| m.contains('7')), "{:?}", lines[0]);
}
