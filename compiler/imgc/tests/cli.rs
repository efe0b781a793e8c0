//! The `imgc` command: exit codes, output files, message formats, colours.

use std::path::Path;
use std::process::{Command, Output};

fn imgc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgc"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run imgc")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write file");
}

const GOOD: &str = "image from \"debian:bookworm-slim\" {\n    run \"echo hi\"\n}\n";
const BAD: &str = "image from \"debian:bookworm-slim\" {\n    expose 99999\n}\n";

#[test]
fn check_exits_zero_on_success_and_one_on_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "good.img", GOOD);
    write(dir.path(), "bad.img", BAD);
    let ok = imgc(&["check", "good.img"], dir.path());
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(ok.stderr.is_empty());
    let bad = imgc(&["check", "good.img", "bad.img"], dir.path());
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("error[E0007]") && stderr.contains("bad.img:2:12"), "{stderr}");
}

#[test]
fn usage_errors_exit_two() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(imgc(&["dockerfile"], dir.path()).status.code(), Some(2));
    assert_eq!(imgc(&["frobnicate"], dir.path()).status.code(), Some(2));
    assert_eq!(imgc(&["dockerfile", "x.img", "--target", "kaniko9"], dir.path()).status.code(), Some(2));
    assert_eq!(imgc(&["dockerfile", "x.img", "--arg", "novalue"], dir.path()).status.code(), Some(2));
}

#[test]
fn unreadable_and_binary_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = imgc(&["check", "missing.img"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read `missing.img`"));
    std::fs::write(dir.path().join("binary.img"), [0xff, 0xfe, 0x00, 0x12, 0x80]).expect("write");
    let binary = imgc(&["check", "binary.img"], dir.path());
    assert_eq!(binary.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&binary.stderr).contains("not UTF-8"));
}

#[test]
fn dockerfile_goes_to_stdout_or_to_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app.img", GOOD);
    let out = imgc(&["dockerfile", "app.img"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("FROM debian:bookworm-slim\nRUN echo hi\n"), "{stdout}");
    let written = imgc(&["dockerfile", "app.img", "-o", "Dockerfile"], dir.path());
    assert_eq!(written.status.code(), Some(0));
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read"), stdout);
}

#[test]
fn a_failed_compile_leaves_the_output_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "bad.img", BAD);
    write(dir.path(), "Dockerfile", "FROM previous\n");
    let out = imgc(&["dockerfile", "bad.img", "-o", "Dockerfile"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read"), "FROM previous\n");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
    assert_eq!(leftovers.len(), 2, "no temporary files are left behind");
    let unwritable = imgc(&["dockerfile", "bad.img", "-o", "no/such/dir/Dockerfile"], dir.path());
    assert_eq!(unwritable.status.code(), Some(1));
    write(dir.path(), "good.img", GOOD);
    let unwritable = imgc(&["dockerfile", "good.img", "-o", "no/such/dir/Dockerfile"], dir.path());
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unwritable.stderr).contains("cannot write"));
}

#[test]
fn args_and_targets() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "app.img",
        "arg version: string = \"1.0\"\nimage from \"debian:bookworm-slim\" {\n    run \"echo ${version}\" cache \"/root/.cache\"\n}\n",
    );
    let out = imgc(&["dockerfile", "app.img", "--arg", "version=2.0"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("# syntax=docker/dockerfile:1\n"), "{stdout}");
    assert!(stdout.contains("ARG version=\"2.0\""), "{stdout}");
    let classic = imgc(&["dockerfile", "app.img", "--target", "classic"], dir.path());
    assert_eq!(classic.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&classic.stderr).contains("error[E0023]"));
    let unknown = imgc(&["check", "app.img", "--arg", "nope=1"], dir.path());
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("error[E0024]"));
}

#[test]
fn json_messages_are_one_object_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "bad.img", "image from \"debian:bookworm-slim\" {\n    expose 0\n    stopsignal \"NOPE\"\n}\n");
    let out = imgc(&["check", "--message-format", "json", "bad.img"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let codes: Vec<String> = stderr
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON")["code"].to_string())
        .collect();
    assert_eq!(codes, ["\"E0007\"", "\"E0020\""]);
}

#[test]
fn colours_follow_the_terminal_and_no_color() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "bad.img", BAD);
    let piped = imgc(&["check", "bad.img"], dir.path());
    assert!(!piped.stderr.contains(&0x1b), "no escape codes when not a terminal");
    let forced = imgc(&["check", "--color", "always", "bad.img"], dir.path());
    assert!(forced.stderr.contains(&0x1b), "--color always forces colour");
    let never = Command::new(env!("CARGO_BIN_EXE_imgc"))
        .args(["check", "--color", "auto", "bad.img"])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!never.stderr.contains(&0x1b));
}

#[test]
fn help_shows_examples() {
    let dir = tempfile::tempdir().expect("temp dir");
    let help = imgc(&["--help"], dir.path());
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Examples:") && text.contains("imgc dockerfile app.img -o Dockerfile"), "{text}");
    let sub = imgc(&["dockerfile", "--help"], dir.path());
    assert!(String::from_utf8_lossy(&sub.stdout).contains("--target"));
}

#[test]
fn fmt_rewrites_files_and_check_lists_the_unformatted_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let messy = "image from \"debian:bookworm-slim\"{run \"echo hi\"   # greet\n}\n";
    write(dir.path(), "messy.img", messy);
    write(dir.path(), "good.img", GOOD);
    let check = imgc(&["fmt", "--check", "good.img", "messy.img"], dir.path());
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&check.stdout), "messy.img\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("messy.img")).expect("read"), messy, "--check writes nothing");
    let format = imgc(&["fmt", "messy.img", "good.img"], dir.path());
    assert_eq!(format.status.code(), Some(0), "{}", String::from_utf8_lossy(&format.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("messy.img")).expect("read"),
        "image from \"debian:bookworm-slim\" {\n    run \"echo hi\"  # greet\n}\n"
    );
    assert_eq!(imgc(&["fmt", "--check", "messy.img"], dir.path()).status.code(), Some(0));
}

#[test]
fn fmt_reports_syntax_errors_and_leaves_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "broken.img", "image from scratch {\n    run\n}\n");
    let out = imgc(&["fmt", "broken.img"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E0001]"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("broken.img")).expect("read"),
        "image from scratch {\n    run\n}\n"
    );
    assert_eq!(imgc(&["fmt", "missing.img"], dir.path()).status.code(), Some(2));
}

const DOCKERFILE: &str = "FROM debian:bookworm-slim\n# greet\nRUN echo hi && echo there\nCMD [\"bash\"]\n";

#[test]
fn migrate_writes_the_program_and_checks_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "Dockerfile", DOCKERFILE);
    let out = imgc(&["migrate", "Dockerfile"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let program = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        program,
        "image from \"debian:bookworm-slim\" {\n    # greet\n    run \"echo hi\"\n    run \"echo there\"\n    cmd [\"bash\"]\n}\n"
    );
    let checked = imgc(&["migrate", "--check", "Dockerfile", "-o", "app.img"], dir.path());
    assert_eq!(checked.status.code(), Some(0), "{}", String::from_utf8_lossy(&checked.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("app.img")).expect("written"), program);
    let same = imgc(&["migrate", "--check", "Dockerfile", "--against", "app.img"], dir.path());
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stderr));
}

#[test]
fn migrate_reports_differences_errors_and_usage() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "Dockerfile", DOCKERFILE);
    write(
        dir.path(),
        "edited.img",
        "image from \"debian:bookworm-slim\" {\n    run \"echo hi\"\n    cmd [\"sh\"]\n}\n",
    );
    let differs = imgc(&["migrate", "--check", "Dockerfile", "--against", "edited.img"], dir.path());
    assert_eq!(differs.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&differs.stderr);
    assert!(
        stderr.contains("error[E0034]") && stderr.contains("Dockerfile:3:1") && stderr.contains("edited.img:"),
        "{stderr}"
    );
    write(dir.path(), "Broken", "FROM debian\nRUNN x\n");
    let broken = imgc(&["migrate", "Broken", "-o", "out.img"], dir.path());
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("error[E0032]"));
    assert!(!dir.path().join("out.img").exists(), "nothing is written on errors");
    assert_eq!(imgc(&["migrate", "Missing"], dir.path()).status.code(), Some(2));
    assert_eq!(imgc(&["migrate", "Dockerfile", "--against", "edited.img"], dir.path()).status.code(), Some(2));
}

const OPTIMIZABLE: &str = "stage unused from \"busybox:1.35\" {\n    run \"true\"\n}\n\
image from \"busybox:1.35\" {\n    label \"a\" = \"1\"\n    run \"echo a\"\n    run \"echo b\"\n}\n";

fn dockerfile(dir: &Path, options: &[&str]) -> String {
    let mut args = vec!["dockerfile", "app.img"];
    args.extend_from_slice(options);
    let out = imgc(&args, dir);
    assert_eq!(out.status.code(), Some(0), "{options:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn optimization_levels_and_single_passes() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app.img", OPTIMIZABLE);
    let merged = "RUN echo a \\\n    && echo b\n";
    let apart = "RUN echo a\nRUN echo b\n";

    let default = dockerfile(dir.path(), &[]);
    assert!(default.contains(merged) && !default.contains("AS unused"), "{default}");
    assert!(default.ends_with("LABEL a=\"1\"\n"), "{default}");
    assert_eq!(dockerfile(dir.path(), &["-O1"]), default);

    let none = dockerfile(dir.path(), &["-O0"]);
    assert!(none.contains(&format!("LABEL a=\"1\"\n{apart}")) && none.contains("AS unused"), "{none}");

    let no_merge = dockerfile(dir.path(), &["--no-pass", "merge-runs"]);
    assert!(no_merge.contains(apart) && !no_merge.contains("AS unused"), "{no_merge}");

    let only_merge = dockerfile(dir.path(), &["-O0", "--pass", "merge-runs"]);
    assert!(only_merge.contains(merged) && only_merge.contains("AS unused"), "{only_merge}");

    let both = dockerfile(dir.path(), &["--pass", "merge-runs", "--no-pass", "merge-runs"]);
    assert!(both.contains(apart), "--no-pass wins: {both}");
}

#[test]
fn unknown_passes_and_levels_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app.img", OPTIMIZABLE);
    let unknown = imgc(&["dockerfile", "app.img", "--no-pass", "merge"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("no pass is called `merge`") && stderr.contains("merge-runs"), "{stderr}");
    assert_eq!(imgc(&["dockerfile", "app.img", "-O2"], dir.path()).status.code(), Some(2));
    assert_eq!(imgc(&["explain", "app.img", "--format", "yaml"], dir.path()).status.code(), Some(2));
}

#[test]
fn explain_prints_text_or_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app.img", OPTIMIZABLE);
    let human = imgc(&["explain", "app.img"], dir.path());
    assert_eq!(human.status.code(), Some(0));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.starts_with("imgc explain app.img (target buildkit; passes: unused-stages,"), "{text}");
    assert!(text.contains("merge-runs    merged   app.img:6, app.img:7:"), "{text}");
    assert!(text.contains("dropped stages"), "{text}");

    let json = imgc(&["explain", "app.img", "--format", "json", "-O0"], dir.path());
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert_eq!(value["passes"], serde_json::json!([]));
    assert_eq!(value["stages"][1]["name"], "image");
    assert_eq!(value["stages"][1]["rows"][2]["emitted"], "RUN echo a");

    write(dir.path(), "bad.img", BAD);
    let bad = imgc(&["explain", "bad.img"], dir.path());
    assert_eq!(bad.status.code(), Some(1));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error[E0007]"));
}

#[test]
fn warnings_are_printed_without_failing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "app.img", "image from \"debian\" {\n    run \"true\"\n}\n");
    let check = imgc(&["check", "app.img"], dir.path());
    assert_eq!(check.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&check.stderr).contains("warning[W0103]"));
    let out = imgc(&["dockerfile", "app.img"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning[W0103]"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FROM debian\n"));
}

#[test]
fn bash_completion_registers_and_offers_the_subcommands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc(&["completions", "bash"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    write(dir.path(), "imgc.bash", &String::from_utf8_lossy(&out.stdout));
    // Source the script in a real bash and ask it to complete `imgc ` and `imgc dockerfile --t`.
    let script = r#"
        source ./imgc.bash
        complete -p imgc >/dev/null || exit 3
        COMP_WORDS=(imgc ""); COMP_CWORD=1; COMP_LINE="imgc "; COMP_POINT=${#COMP_LINE}
        _imgc imgc "" imgc; echo "top: ${COMPREPLY[*]}"
        COMP_WORDS=(imgc dockerfile --t); COMP_CWORD=2; COMP_LINE="imgc dockerfile --t"; COMP_POINT=${#COMP_LINE}
        _imgc imgc --t dockerfile; echo "flags: ${COMPREPLY[*]}"
    "#;
    let run = Command::new("bash").arg("-c").arg(script).current_dir(dir.path()).output().expect("run bash");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    let top = stdout.lines().find_map(|l| l.strip_prefix("top: ")).unwrap_or_default();
    for sub in ["check", "dockerfile", "migrate", "fmt", "explain", "build", "completions", "man"] {
        assert!(top.split(' ').any(|w| w == sub), "`{sub}` missing from {top:?}");
    }
    let flags = stdout.lines().find_map(|l| l.strip_prefix("flags: ")).unwrap_or_default();
    assert!(flags.split(' ').any(|w| w == "--target"), "{flags:?}");
}

#[test]
fn completions_exist_for_every_shell_clap_knows() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (shell, marker) in
        [("zsh", "#compdef imgc"), ("fish", "complete -c imgc"), ("elvish", "imgc"), ("powershell", "imgc")]
    {
        let out = imgc(&["completions", shell], dir.path());
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(marker), "{shell}");
    }
    assert_eq!(imgc(&["completions", "tcsh"], dir.path()).status.code(), Some(2));
}

#[test]
fn man_page_documents_every_subcommand_and_its_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc(&["man"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH imgc 1"), "{page}");
    for (sub, option) in [
        ("CHECK", "\\-\\-arg"),
        ("DOCKERFILE", "\\-\\-target"),
        ("MIGRATE", "\\-\\-check"),
        ("BUILD", "\\-\\-output"),
        ("FMT", "\\-\\-check"),
    ] {
        let heading = format!(".SH \"IMGC {sub}\"");
        let section = page.split(&heading).nth(1).unwrap_or_else(|| panic!("no section {heading}"));
        let section = section.split("\n.SH \"IMGC ").next().unwrap_or_default();
        assert!(section.contains(option), "{heading} lacks {option}");
    }
    // Each subcommand's examples are in its section.
    let build = page.split(".SH \"IMGC BUILD\"").nth(1).unwrap_or_default();
    assert!(build.contains("imgc build app.img"), "{build}");
}
