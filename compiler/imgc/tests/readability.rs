//! How the emitted Dockerfiles read, measured over every example and every migrated Dockerfile
//! of tests/dockerfiles (the same programs `scripts/measure-subshells` reports on):
//! - merged RUNs rarely wrap a command in a subshell `( … )` (the merge-runs pass resets the
//!   shell's command table with `hash -r` where it must instead): at most one in ten;
//! - no line of a RUN is longer than 120 columns where the shell allows a break: a longer line is a
//!   single word the shell cannot split (a long URL, a quoted string), never a chain of commands.
//!   (CMD, ENTRYPOINT and HEALTHCHECK stay on one line: the image config keeps their text.)

use imgc::{Optimize, Options, Target};
use std::path::{Path, PathBuf};

fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .expect("examples")
        .flatten()
        .map(|e| e.path().join("app.img"))
        .filter(|p| p.is_file())
        .collect();
    paths.extend(
        std::fs::read_dir(root.join("tests/dockerfiles"))
            .expect("tests/dockerfiles")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "img")),
    );
    paths.sort();
    paths
}

/// A command of a RUN's chain that starts with `(`: the first, or one after `&&`.
fn has_subshell(run: &str) -> bool {
    let mut rest = run.strip_prefix("RUN").unwrap_or(run).trim_start();
    while rest.starts_with("--") {
        rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r).trim_start_matches([' ', '\\', '\n']);
    }
    rest.starts_with('(') || run.contains("&& (")
}

#[test]
fn merged_runs_rarely_need_a_subshell() {
    let (mut merged, mut wrapped) = (0, 0);
    for path in programs() {
        let compilation = imgc::compile_file(&path, &Options::default()).expect("readable");
        let Ok(report) = compilation.explain(Target::Buildkit, &Optimize::default()) else { continue };
        for row in report.stages.iter().flat_map(|s| &s.rows) {
            if row.emitted.starts_with("RUN") && row.sources.len() >= 2 {
                merged += 1;
                if has_subshell(&row.emitted) {
                    wrapped += 1;
                }
            }
        }
    }
    assert!(merged >= 40, "only {merged} merged RUNs: the measure lost its programs");
    assert!(wrapped * 10 <= merged, "{wrapped} of {merged} merged RUNs wrap a command in a subshell");
}

#[test]
fn no_breakable_line_is_longer_than_120_columns() {
    let mut long = Vec::new();
    for path in programs() {
        let compilation = imgc::compile_file(&path, &Options::default()).expect("readable");
        let Ok(text) = compilation.dockerfile(Target::Buildkit) else { continue };
        let mut in_run = false;
        for line in text.lines() {
            // An instruction starts at the left margin; its continuation lines are indented.
            if !line.starts_with(char::is_whitespace) {
                in_run = line.starts_with("RUN ");
            }
            if !in_run || line.chars().count() <= 120 {
                continue;
            }
            // A line the shell could break holds a top-level separator or several words; an
            // unbreakable one is a single (continued) word.
            let body = line.trim_start().trim_start_matches("&& ").trim_end_matches(" \\");
            let breakable = body.contains(" && ") || body.contains(" | ") || body.contains("; ");
            if breakable {
                long.push(format!("{}: {line}", path.display()));
            }
        }
    }
    assert!(long.is_empty(), "lines over 120 columns that could break:\n{}", long.join("\n"));
}

#[test]
fn the_subshell_measure_sees_a_subshell() {
    assert!(has_subshell("RUN ( cd /x && make ) && make install"));
    assert!(has_subshell("RUN apt-get update && ( cd /x && make )"));
    assert!(has_subshell("RUN --mount=type=cache,target=/x \\\n    ( cd /x )"));
    assert!(!has_subshell("RUN apt-get update && apt-get install -y x"));
}
