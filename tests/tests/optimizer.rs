//! Differential builds: the optimizer keeps every image the same. For every example and every
//! program in `tests/optimizer-programs/`, the `-O0` Dockerfile and the optimized one are built
//! with buildah, and the two images must have the same file tree and the same configuration
//! (see `imgc_tests::snapshot`). A program named `fail-*.img` must fail to build both ways.
//! Each program is also built by `imgc build` itself (its `run` steps under runc), which must
//! give buildah's file tree and process settings (`imgc_tests::builder::ProgramBuilds`) or fail
//! where buildah fails; but for the programs where buildah differs from BuildKit
//! (`imgc_tests::programs::BUILDAH_DIFFERS_FROM_BUILDKIT`), which buildkit.rs compares with
//! docker's built-in BuildKit.
//!
//! The programs of [`ON_DOCKER`], those where builders differ (environment and argument scoping,
//! volumes, mounts, triggers, shells, multi-line commands, processes a RUN leaves, failures), are
//! also built with docker's classic builder and with its built-in BuildKit, both at once and
//! beside the buildah builds (a test of their own). The others exercise the shell tokenizer,
//! which is the same whatever builds the Dockerfile; the examples are built with docker by
//! `examples.rs`.
//!
//! Programs build with `--target classic` output, except those with a line `# test: buildkit`
//! (buildah 1.28 builds `RUN --mount` for cache, bind and tmpfs mounts; docker's classic builder
//! does not, so it skips them). `IMGC_TEST_PROGRAMS=mounts,onbuild` builds only the programs named
//! (when debugging one).

use std::path::{Path, PathBuf};

use imgc::{Optimize, Target};
use imgc_tests::builder::ProgramBuilds;
use imgc_tests::programs::{BUILDAH_DIFFERS_FROM_BUILDKIT, programs_dir, target};
use imgc_tests::snapshot::{Snapshot, differences, docker_snapshot, snapshot};
use imgc_tests::{BuildOptions, Dockerfile, Engine, Image, ToolError, ensure_test_env, repo_root};

/// The least number of optimizer programs the suite must have.
const MIN_PROGRAMS: usize = 40;

/// The programs also built with docker's classic builder and BuildKit: where builders differ.
/// Not `daemon`: docker ends a RUN's detached processes at once, so whether the detached writer
/// ran is a race there, with or without the optimizer.
const ON_DOCKER: &[&str] = &[
    "env-build-and-both",
    "env-in-copy-and-workdir",
    "env-label-reference",
    "env-order",
    "env-shadowing",
    "runtime-env",
    "global-args",
    "stage-args",
    "unused-stage",
    "volume-then-writes",
    "volume-write-ends-run",
    "volume-of-base-stage",
    "mounts",
    "onbuild",
    "shell-form-cmd-and-shell",
    "stage-shell-inherited",
    "replace-shell",
    "here-document",
    "multi-line-command",
    "background",
    "fail-set-e-first",
    "workdir",
    "remove-workdir",
    "healthcheck",
];

fn programs() -> Vec<PathBuf> {
    let mut programs: Vec<PathBuf> = std::fs::read_dir(programs_dir())
        .expect("tests/optimizer-programs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "img"))
        .collect();
    programs.sort();
    programs
}

/// The `-O0` and the optimized Dockerfile of a program, and how many things the optimizer
/// logged (merges, moves, refusals…).
struct Compiled {
    /// The program's text.
    source: String,
    unoptimized: String,
    optimized: String,
    events: usize,
    /// Emitted for BuildKit (`# test: buildkit`).
    buildkit_only: bool,
}

fn compile(path: &Path) -> Compiled {
    let source = std::fs::read_to_string(path).expect("readable");
    let target = target(&source);
    let compilation = imgc::compile_file(path, &imgc::Options::default()).expect("readable");
    let emit = |optimize: &Optimize| match compilation.dockerfile_with(target, optimize) {
        Ok(text) => text,
        Err(errors) => panic!("{} does not compile:\n{}", path.display(), compilation.render(&errors, false)),
    };
    let events = compilation
        .explain(target, &Optimize::default())
        .map_or(0, |r| r.stages.iter().map(|s| s.events.len()).sum::<usize>() + r.dropped.len());
    Compiled {
        source: source.clone(),
        unoptimized: emit(&Optimize::none()),
        optimized: emit(&Optimize::default()),
        events,
        buildkit_only: target == Target::Buildkit,
    }
}

/// Builds, retrying when another test's `buildah rmi` removed a layer this build was using. For
/// docker's BuildKit, without the `# syntax=` line: its built-in frontend has `RUN --mount`, and
/// the named one cannot be pulled offline.
fn build(engine: Engine, text: &str, context: &Path, name: &str) -> Result<Image, ToolError> {
    let text = match engine {
        Engine::Buildkit => text.strip_prefix("# syntax=docker/dockerfile:1\n").unwrap_or(text),
        _ => text,
    };
    // docker's classic builder reuses a cached image for a metadata instruction without comparing
    // its health check, so what earlier builds left in its cache could decide the result.
    let options = BuildOptions { no_cache: engine == Engine::Docker, ..BuildOptions::default() };
    let mut attempt = 0;
    loop {
        attempt += 1;
        match engine.build_image_with(Dockerfile::Text(text), context, name, &options) {
            Err(error) if attempt < 3 && error.to_string().contains("layer not known") => {
                eprintln!("retrying {name}: {}", error.message);
            }
            result => return result,
        }
    }
}

fn snapshot_of(engine: Engine, reference: &str) -> Result<Snapshot, ToolError> {
    match engine {
        Engine::Buildah => snapshot(reference),
        Engine::Docker | Engine::Buildkit => docker_snapshot(reference),
    }
}

/// Builds both Dockerfiles with `engine` and compares the images; the problem, if any, as text.
fn differential(engine: Engine, name: &str, compiled: &Compiled, context: &Path, must_fail: bool) -> Option<String> {
    differential_build(engine, name, compiled, context, must_fail).err()
}

/// [`differential`], giving the optimized build's image when both builds agree (removed when
/// dropped).
fn differential_build(
    engine: Engine,
    name: &str,
    compiled: &Compiled,
    context: &Path,
    must_fail: bool,
) -> Result<Option<Image>, String> {
    let both =
        format!("--- -O0 Dockerfile ---\n{}--- optimized Dockerfile ---\n{}", compiled.unoptimized, compiled.optimized);
    let name = if engine == Engine::Buildah { name.to_string() } else { format!("{name} ({engine})") };
    let name = name.as_str();
    let unoptimized = build(engine, &compiled.unoptimized, context, &format!("{name}-o0"));
    let optimized = build(engine, &compiled.optimized, context, &format!("{name}-opt"));
    match (unoptimized, optimized, must_fail) {
        (Err(_), Err(_), true) => Ok(None),
        (a, b, true) => Err(format!(
            "{name}: must fail both ways; -O0 {}, optimized {}\n{both}",
            if a.is_ok() { "built" } else { "failed" },
            if b.is_ok() { "built" } else { "failed" }
        )),
        (Err(e), _, false) => Err(format!("{name}: the -O0 build failed: {e}\n{both}")),
        (_, Err(e), false) => Err(format!("{name}: the optimized build failed: {e}\n{both}")),
        (Ok(a), Ok(b), false) => {
            let (a_snapshot, b_snapshot) = match (snapshot_of(engine, &a.reference), snapshot_of(engine, &b.reference))
            {
                (Ok(x), Ok(y)) => (x, y),
                (Err(e), _) | (_, Err(e)) => return Err(format!("{name}: cannot read the images: {e}")),
            };
            let diff = differences(&a_snapshot, &b_snapshot, &records_build_time);
            eprintln!("{name}: {} paths compared, {} differences", a_snapshot.files.len(), diff.len());
            if diff.is_empty() {
                Ok(Some(b))
            } else {
                Err(format!("{name}: the images differ (- only -O0, + only optimized):\n{}\n{both}", diff.join("\n")))
            }
        }
    }
}

/// Files whose content records when they were written (package managers' logs and caches of
/// timestamps): compared without their content. Everything else about them still counts.
fn records_build_time(path: &str) -> bool {
    const LOGS: [&str; 5] = [
        "/var/log/dpkg.log",
        "/var/log/alternatives.log",
        "/var/log/apt/history.log",
        "/var/log/apt/term.log",
        "/var/log/apt/eipp.log.xz",
    ];
    // Python's compiled files embed their source's modification time (pip installs a package's
    // files at the time of the build).
    LOGS.contains(&path) || path == "/var/cache/ldconfig/aux-cache" || path.ends_with(".pyc")
}

fn report(failures: Vec<String>, total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total} differential build(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn optimizer_programs_build_the_same_image_with_and_without_the_optimizer() {
    ensure_test_env();
    let only = std::env::var("IMGC_TEST_PROGRAMS").ok();
    let programs: Vec<PathBuf> = programs()
        .into_iter()
        .filter(|p| only.as_deref().is_none_or(|only| only.split(',').any(|n| p.file_stem().is_some_and(|s| s == n))))
        .collect();
    let imgc_builds = ProgramBuilds::new(&programs_dir());
    let mut failures = Vec::new();
    for path in &programs {
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let compiled = compile(path);
        let must_fail = name.starts_with("fail-");
        let problem = match differential_build(Engine::Buildah, &name, &compiled, &programs_dir(), must_fail) {
            Err(problem) => Some(problem),
            // Compared with docker's BuildKit instead, by tests/buildkit.rs.
            Ok(_) if BUILDAH_DIFFERS_FROM_BUILDKIT.contains(&name.as_str()) => None,
            Ok(None) => (!imgc_builds.fails(&compiled.source)).then(|| format!("{name}: `imgc build` must fail")),
            Ok(Some(image)) => imgc_builds
                .compare(&compiled.source, &image)
                .err()
                .map(|e| format!("{name}: `imgc build` differs from buildah's build:\n{e}")),
        };
        if let Some(problem) = problem {
            eprintln!("{problem}");
            failures.push(problem);
        }
    }
    report(failures, programs.len());
}

#[test]
fn optimizer_programs_build_the_same_image_on_docker_builders() {
    ensure_test_env();
    let all = programs();
    let only = std::env::var("IMGC_TEST_PROGRAMS").ok();
    let mut programs = Vec::new();
    for name in ON_DOCKER {
        let path = programs_dir().join(format!("{name}.img"));
        assert!(all.contains(&path), "ON_DOCKER names {name}, which is not in tests/optimizer-programs");
        if only.as_deref().is_none_or(|only| only.split(',').any(|n| n == *name)) {
            programs.push((name.to_string(), compile(&path)));
        }
    }
    let on = |engine: Engine| {
        let mut failures = Vec::new();
        for (name, compiled) in &programs {
            if engine == Engine::Docker && compiled.buildkit_only {
                continue;
            }
            let must_fail = name.starts_with("fail-");
            if let Some(problem) = differential(engine, name, compiled, &programs_dir(), must_fail) {
                eprintln!("{problem}");
                failures.push(problem);
            }
        }
        failures
    };
    let failures = std::thread::scope(|scope| {
        let classic = scope.spawn(|| on(Engine::Docker));
        let buildkit = on(Engine::Buildkit);
        let mut failures = classic.join().expect("the classic builds do not panic");
        failures.extend(buildkit);
        failures
    });
    report(failures, programs.len() * 2);
}

/// Every `examples/*/app.img`.
fn examples() -> Vec<PathBuf> {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("app.img").is_file())
        .collect();
    examples.sort();
    examples
}

/// A copy of an example to build in, with what `cargo build` would add for one with a build
/// script (the Rust constants its image compiles, `gen/image.rs`); build outputs are left out.
fn example_context(example: &Path) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("create folder");
        for entry in std::fs::read_dir(from).expect("read folder").map(|e| e.expect("entry")) {
            let name = entry.file_name();
            let path = entry.path();
            if path.is_dir() && name != "target" && name != "gen" {
                copy(&path, &to.join(&name));
            } else if path.is_file() {
                std::fs::copy(&path, to.join(&name)).expect("copy file");
            }
        }
    }
    let context = tempfile::Builder::new().prefix("imgc-example-").tempdir().expect("temp dir");
    copy(example, context.path());
    if example.join("build.rs").is_file() {
        let compilation =
            imgc::compile_file(&context.path().join("app.img"), &imgc::Options::default()).expect("readable");
        let program = compilation.program.as_ref().expect("compiles");
        let constants = imgc::emit::rust::constants(&imgc::facts::ImageFacts::of(program), "image", "app.img");
        std::fs::create_dir_all(context.path().join("gen")).expect("gen folder");
        std::fs::write(context.path().join("gen/image.rs"), constants).expect("write constants");
    }
    context
}

#[test]
fn examples_build_the_same_image_with_and_without_the_optimizer() {
    ensure_test_env();
    let examples = examples();
    assert!(examples.len() >= 5, "examples: {examples:?}");
    let mut failures = Vec::new();
    for example in &examples {
        let name = example.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let context = example_context(example);
        let mut compiled = compile(&context.path().join("app.img"));
        // An example that fetches from a registry builds trusting the network's CA (both ways).
        let trusted = imgc_tests::egress::REGISTRY_EXAMPLES.contains(&name.as_str()).then(|| {
            let unoptimized = imgc_tests::egress::trusting(&compiled.unoptimized, context.path());
            compiled.optimized = imgc_tests::egress::trusting(&compiled.optimized, context.path()).dockerfile;
            compiled.unoptimized = unoptimized.dockerfile;
            unoptimized.context
        });
        let context = trusted.as_ref().map_or(context.path(), |t| t.path());
        if let Some(problem) = differential(Engine::Buildah, &name, &compiled, context, false) {
            failures.push(problem);
        }
    }
    report(failures, examples.len());
}

/// The suite is as big as promised, and every program gives the optimizer something to do or
/// to refuse.
#[test]
fn every_optimizer_program_exercises_the_optimizer() {
    let programs = programs();
    assert!(programs.len() >= MIN_PROGRAMS, "{} optimizer programs, fewer than {MIN_PROGRAMS}", programs.len());
    for path in &programs {
        let compiled = compile(path);
        assert!(compiled.events > 0, "{}: the optimizer neither changes nor refuses anything", path.display());
    }
}
