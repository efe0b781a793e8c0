//! `imgc migrate`: the corpus of real-world Dockerfiles and BuildKit's parser test files all
//! convert into formatted programs that compile back to the same build (`--check`), and the
//! conversion's rules — stage names, scoped settings, typed arguments, split chains, library
//! calls, comments — hold. Expected programs live beside the corpus files
//! (`tests/dockerfiles/NAME.img`); `IMGC_BLESS=1` rewrites them after a deliberate change.

use imgc::diagnostics::Diagnostic;
use imgc::migrate::{check, migrate};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn buildkit_corpus() -> PathBuf {
    std::env::var_os("IMGC_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("tests/corpus"))
        .join("buildkit-parser")
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// Migrates and checks; the program, or the codes of what went wrong.
fn round_trip(name: &str, dockerfile: &str) -> Result<String, Vec<&'static str>> {
    let migration = migrate(name, dockerfile);
    let Some(program) = migration.program else {
        return Err(codes(&migration.diagnostics));
    };
    let report = check(name, dockerfile, Path::new("app.img"), &program);
    if !report.diagnostics.is_empty() {
        let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
        panic!("{name}: the check found differences:\n{rendered}\nprogram:\n{program}");
    }
    Ok(program)
}

fn migrated(dockerfile: &str) -> String {
    match round_trip("Dockerfile", dockerfile) {
        Ok(program) => program,
        Err(codes) => panic!("does not migrate: {codes:?}\n{dockerfile}"),
    }
}

/// The program's image block, without the lines before it.
fn image_block(program: &str) -> &str {
    program.find("image ").map_or(program, |at| &program[at..])
}

#[test]
fn the_corpus_round_trips_and_matches_the_expected_programs() {
    let blessing = std::env::var_os("IMGC_BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    let dir = repo().join("tests/dockerfiles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/dockerfiles")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(path).expect("read Dockerfile");
        let program = match round_trip(&name, &text) {
            Ok(program) => program,
            Err(codes) => {
                failures.push(format!("{name}: does not migrate: {codes:?}"));
                continue;
            }
        };
        let formatted = imgc::format::format_source(imgc::source::FileId(0), &program).expect("parses");
        if formatted != program {
            failures.push(format!("{name}: the program is not formatted"));
        }
        // Every comment is kept (directives are not comments).
        let dockerfile_comments = imgc::dockerfile::parse(&text).map(|df| df.comments.len()).unwrap_or_default();
        let program_comments = imgc::syntax::comments::comments(&program).len();
        if program_comments != dockerfile_comments {
            failures.push(format!("{name}: {dockerfile_comments} comments became {program_comments}"));
        }
        let expected_path = path.with_extension("img");
        if blessing {
            std::fs::write(&expected_path, &program).expect("write expected program");
        } else if std::fs::read_to_string(&expected_path).ok().as_deref() != Some(program.as_str()) {
            failures.push(format!(
                "{name}: the program differs from {} (IMGC_BLESS=1 rewrites it):\n{program}",
                expected_path.display()
            ));
        }
    }
    println!("migrate --check: {} of {} corpus Dockerfiles round-trip", files.len() - failures.len(), files.len());
    assert!(files.len() >= 60, "the corpus has {} Dockerfiles", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_buildkit_test_file_round_trips_or_is_refused_as_the_builder_refuses_it() {
    let root = buildkit_corpus();
    let mut round_tripped = 0;
    let mut refused = Vec::new();
    let mut total = 0;
    for sub in ["testfiles", "testfiles-negative"] {
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir(root.join(sub)).expect("BuildKit corpus").flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let Ok(bytes) = std::fs::read(dir.join("Dockerfile")) else { continue };
            total += 1;
            let text = String::from_utf8_lossy(&bytes);
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match round_trip(&name, &text) {
                Ok(_) => round_tripped += 1,
                // Files BuildKit parses but refuses to build (no FROM, unknown flags, words it
                // cannot expand), and its negative cases: the Dockerfile's own error.
                Err(codes) => {
                    assert!(codes.iter().all(|c| *c == "E0032"), "{name}: {codes:?}");
                    refused.push(name);
                }
            }
        }
    }
    println!(
        "migrate --check: {round_tripped} of {total} BuildKit test files round-trip; refused like BuildKit: {}",
        refused.join(", ")
    );
    assert!(total >= 37);
    // Every test file a build accepts converts without loss.
    assert_eq!(round_tripped + refused.len(), total);
    assert!(round_tripped >= 23, "{round_tripped}");
}

#[test]
fn stages_keep_their_dockerfile_names_and_unnamed_stages_stay_unnamed() {
    let dockerfile = "FROM golang:1.22 AS Build-Env\nRUN go build -o /app\n\nFROM alpine:3.19\nRUN echo unnamed\n\nFROM alpine:3.19 AS dev-envs\nRUN echo dev\n\nFROM alpine:3.19 AS run\nCOPY --from=build-env /app /app\nCOPY --from=1 /etc/os-release /x\nRUN --mount=type=bind,from=dev-envs,target=/d true\n";
    let program = migrated(dockerfile);
    // `.img` names are identifiers; `as` keeps the name the Dockerfile used, only where it differs.
    assert!(program.contains("stage build_env from \"golang:1.22\" as \"build-env\" {"), "{program}");
    assert!(program.contains("stage stage1 from \"alpine:3.19\" as none {"), "{program}");
    assert!(program.contains("stage dev_envs from \"alpine:3.19\" as \"dev-envs\" {"), "{program}");
    assert!(program.contains("image run_stage from \"alpine:3.19\" as \"run\" {"), "{program}");
    assert!(program.contains("copy from build_env \"/app\" to \"/app\""), "{program}");
    assert!(program.contains("copy from stage1 \"/etc/os-release\" to \"/x\""), "{program}");
    let written =
        imgc::compile_with_loader(Path::new("app.img"), program.clone(), &imgc::FsLoader, &imgc::Options::default())
            .dockerfile_with(imgc::Target::Buildkit, &imgc::Optimize::none())
            .unwrap_or_else(|errors| panic!("{errors:?}\n{program}"));
    for line in [
        "FROM golang:1.22 AS build-env\n",
        "FROM alpine:3.19\n",
        "FROM alpine:3.19 AS dev-envs\n",
        "FROM alpine:3.19 AS run\n",
        "COPY --from=build-env /app /app\n",
        "COPY --from=1 /etc/os-release /x\n",
        "from=dev-envs",
    ] {
        assert!(written.contains(line), "{line:?}\n{written}");
    }
    assert_eq!(written.matches(" AS ").count(), 3, "{written}");
    // A program that renames a stage no longer builds what the Dockerfile's `--target` names.
    let renamed = program.replace(" as \"dev-envs\"", "");
    let report = check("Dockerfile", dockerfile, Path::new("app.img"), &renamed);
    assert_eq!(codes(&report.diagnostics), ["E0034"], "{renamed}");
    let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
    assert!(rendered.contains("names it `dev_envs` where the Dockerfile names it `dev-envs`"), "{rendered}");
}

#[test]
fn settings_no_build_step_sees_become_runtime_env() {
    let program = migrated(
        "FROM debian:bookworm-slim\nENV LANG=C.UTF-8 HOME=/srv\nRUN echo $LANG\nWORKDIR $HOME\nENV PORT=8080 URL=http://$HOSTNAME\nCMD [\"app\"]\n",
    );
    assert!(program.contains("env both { LANG = \"C.UTF-8\", HOME = \"/srv\" }"), "{program}");
    assert!(program.contains("env both { URL = \"http://$HOSTNAME\" }"), "{program}");
    assert!(program.contains("env { PORT = \"8080\" }"), "{program}");
}

#[test]
fn arguments_are_typed_when_the_default_says_so() {
    let program = migrated(
        "ARG GO_VERSION=1.22\nARG JOBS=8\nARG DEBUG=false\nARG PORT=8080/tcp\nARG TOKEN\nARG TARGETARCH\nFROM golang:${GO_VERSION}\nARG JOBS\nRUN make -j$JOBS\n",
    );
    for line in [
        "arg GO_VERSION = \"1.22\"",
        "arg JOBS: int = 8",
        "arg DEBUG: bool = false",
        "arg PORT: port = 8080/tcp",
        "arg TOKEN = none",
        "arg TARGETARCH\n",
        "image from \"golang:${GO_VERSION}\" {\n    arg JOBS\n",
    ] {
        assert!(program.contains(line), "{line}\n{program}");
    }
}

#[test]
fn chains_split_into_steps_up_to_the_first_command_with_state() {
    let program =
        migrated("FROM alpine:3.19\nRUN apk add --no-cache git && git --version && cd /src && make && make install\n");
    assert!(
        image_block(&program).contains(
            "    run \"apk add --no-cache git\"\n    run \"git --version\"\n    run \"cd /src && make && make install\"\n"
        ),
        "{program}"
    );
    // Redirections are kept as written: `2>&1` stays one redirection, `>log` keeps its spacing.
    let redirected = migrated("FROM alpine:3.19\nRUN make >build.log 2>&1 && gzip -9 build.log && echo done > /done\n");
    assert!(
        image_block(&redirected).contains(
            "    run \"make >build.log 2>&1\"\n    run \"gzip -9 build.log\"\n    run \"echo done > /done\"\n"
        ),
        "{redirected}"
    );
    // A `tmpfs` lasts one step: its chain stays whole.
    let tmpfs = migrated("FROM alpine:3.19\nRUN --mount=type=tmpfs,target=/t echo a > /t/x && cat /t/x\n");
    assert!(tmpfs.contains("run \"echo a > /t/x && cat /t/x\" tmpfs \"/t\""), "{tmpfs}");
}

#[test]
fn idioms_become_library_calls_only_when_exact() {
    let program = migrated(
        "FROM debian:bookworm-slim\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \\\n && ln -sf /dev/stdout /var/log/app.log\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
    );
    assert!(program.starts_with("import std.apt\nimport std.log\n"), "{program}");
    assert!(program.contains("    apt.install([\"curl\"])\n    log.to_stdout(\"/var/log/app.log\")\n"), "{program}");
    // Without DEBIAN_FRONTEND the expansion would differ: the commands stay as they are.
    assert!(program.contains("    run \"apt-get install -y curl\"\n"), "{program}");
}

#[test]
fn comments_stay_beside_what_they_describe() {
    let program = migrated(
        "# The app's image.\n\n# Built on Debian.\nFROM debian:bookworm-slim\n# Tools\nRUN apt-get update \\\n    # the compiler\n    && apt-get install -y gcc \\\n    # a test\n    && gcc --version\n# The end.\n",
    );
    assert_eq!(
        program,
        "# The app's image.\n\n# Built on Debian.\nimage from \"debian:bookworm-slim\" {\n    # Tools\n    run \"apt-get update\"\n    # the compiler\n    run \"apt-get install -y gcc\"\n    # a test\n    run \"gcc --version\"\n}\n\n# The end.\n"
    );
}

/// Migrates `dockerfile`, which must be refused (E0033, no program) with a rendered diagnostic
/// that holds each of `expected`.
fn assert_refused(dockerfile: &str, expected: &[&str]) {
    let migration = migrate("Dockerfile", dockerfile);
    assert_eq!(codes(&migration.diagnostics), ["E0033"], "{dockerfile}");
    assert!(migration.program.is_none(), "{dockerfile}");
    let rendered = imgc::diagnostics::render_human(&migration.sources, &migration.diagnostics, false);
    for text in expected {
        assert!(rendered.contains(text), "{text:?} in:\n{rendered}");
    }
}

#[test]
fn dockerfile_errors_and_constructs_without_a_form_are_located() {
    assert_refused("FROM alpine\nCOPY --chmod=$MODE a /b\n", &["Dockerfile:2:6", "--chmod=$MODE"]);
    // BuildKit expands an ARG's name; `.img` names an argument where it declares it.
    for dockerfile in ["ARG NAME=FOO\nFROM alpine\nARG ${NAME}=1\n", "FROM alpine\nARG NAME=FOO\nARG $NAME\n"] {
        assert_refused(dockerfile, &["Dockerfile:3:1", "write the name it stands for"]);
    }
    // A `<<` word on a line whose words BuildKit cannot read is no here-document to it (found by
    // the migrate fuzz target): refused, never dropped.
    assert_refused("FROM alpine\nCOPY <<uz ${A_${B}} /x\n", &["Dockerfile:2:1"]);
    // A `--device` without a name has no `.img` form: refused, never a RUN dropped (found by the
    // migrate fuzz target).
    assert_refused(
        "FROM alpine\nRUN --device= true\n",
        &["Dockerfile:2:5", "without a device name", "name the CDI device"],
    );
    // A label whose quoted name is empty: refused, never a LABEL dropped.
    assert_refused("FROM alpine\nLABEL \"\"=x\n", &["Dockerfile:2:1", "give the label a name"]);
    // A here-document beside a path that needs quotes (which need the JSON form, which has no
    // here-documents): refused, never a program that does not compile (found by the migrate fuzz
    // target). A plain path and a variable beside one still migrate.
    for path in ["/dir\\\"", "\\$HOME/x", "${A:-x}"] {
        assert_refused(
            &format!("FROM alpine\nCOPY <<one.txt {path} /x/\nhello\none.txt\n"),
            &["Dockerfile:2:1", "needs quotes", "help: copy that path in an instruction of its own"],
        );
    }
    let plain = migrate("Dockerfile", "FROM alpine\nARG DIR=/x\nCOPY <<one.txt a.txt ${DIR}/\nhello\none.txt\n");
    assert!(plain.diagnostics.is_empty(), "{:?}", codes(&plain.diagnostics));
    // An empty volume path (which the builder refuses): refused, never a VOLUME written that
    // does not parse (found by the migrate fuzz target).
    for dockerfile in ["FROM alpine\nVOLUME /data \\ /x\n", "FROM alpine\nVOLUME /data \"\" /x\n"] {
        assert_refused(
            dockerfile,
            &["Dockerfile:2:1", "an empty volume path has no `.img` form", "help: remove the empty path"],
        );
    }
    // A port with a sign, which the builder refuses: refused, never rewritten as another port
    // (found by the migrate fuzz target).
    assert_refused(
        "FROM alpine\nEXPOSE +080\n",
        &["Dockerfile:2:1", "the port `+080` has no `.img` form", "help: expose the ports one by one"],
    );
    let syntax = migrate("Dockerfile", "FROM alpine\nRUN --mount=type=cachex,target=/x true\n");
    assert_eq!(codes(&syntax.diagnostics), ["E0032"]);
    assert!(syntax.program.is_none());
}

#[test]
fn the_check_finds_what_an_edited_program_changed() {
    let dockerfile = "FROM debian:bookworm-slim\nRUN cd /src && make\nENV MODE=release\n";
    let split = "image from \"debian:bookworm-slim\" {\n    run \"cd /src\"\n    run \"make\"\n    env { MODE = \"release\" }\n}\n";
    let report = check("Dockerfile", dockerfile, Path::new("app.img"), split);
    assert_eq!(codes(&report.diagnostics), ["E0034"], "a `cd` does not carry over to the next step");
    let rendered = imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false);
    assert!(rendered.contains("Dockerfile:2:1") && rendered.contains("app.img:2:5"), "{rendered}");
    let moved = "image from \"debian:bookworm-slim\" {\n    run \"cd /src && make\"\n    env { MODE = \"debug\" }\n}\n";
    let report = check("Dockerfile", dockerfile, Path::new("app.img"), moved);
    assert_eq!(codes(&report.diagnostics), ["E0034"]);
    let same =
        "image from \"debian:bookworm-slim\" {\n    env { MODE = \"release\" }\n    run \"cd /src && make\"\n}\n";
    assert!(check("Dockerfile", dockerfile, Path::new("app.img"), same).diagnostics.is_empty());
}

#[test]
fn values_are_escaped_as_the_tree_holds_them_not_piece_by_piece() {
    // `$$` (the shell's process id) before a literal `{`: written piece by piece, the two made
    // an `.img` interpolation (found by comparing migrate's output before and after it built
    // trees; kept in fuzz/regressions).
    let program = migrated("FROM busybox:1.35\nVOLUME $${A:-b}X\nENV Q=\"a\\\\b\" T=\"x\ty\"\n");
    assert_eq!(
        image_block(&program),
        "image from \"busybox:1.35\" {\n    volume \"$\\${A:-b}X\"\n    env { Q = \"a\\\\b\", T = \"x\\ty\" }\n}\n"
    );
    // `ADD --from` has no `.img` form (`add` has no `from`): refused, never dropped.
    let add = migrate("Dockerfile", "FROM alpine AS a\nFROM alpine\nADD --from=a /x /y\n");
    assert!(add.program.is_none() && !add.diagnostics.is_empty(), "{:?}", add.program);
}
