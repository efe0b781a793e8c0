//! `imgc build` against docker's built-in BuildKit, for the optimizer programs where buildah
//! differs from BuildKit ([`BUILDAH_DIFFERS_FROM_BUILDKIT`]: writes under a volume, a process a
//! step leaves running), which optimizer.rs therefore does not compare with buildah's builds.
//! Each program's Dockerfile, as `imgc dockerfile` emits it, is built by BuildKit offline
//! (`DOCKER_BUILDKIT=1`, no cache) and read back from docker's engine with skopeo; `imgc build`
//! of the program must give the same file tree and process settings
//! ([`ProgramBuilds::compare`], whose quirk lists are the one place for exceptions), or, where
//! BuildKit's build fails, fail in the same command: the same exit status and last line of
//! output. The BuildKit builds run in a thread of their own beside imgc's.

use std::sync::mpsc;

use imgc::Optimize;
use imgc_tests::builder::ProgramBuilds;
use imgc_tests::programs::{BUILDAH_DIFFERS_FROM_BUILDKIT, programs_dir, target};
use imgc_tests::{BuildOptions, Dockerfile, Engine, Image, ToolError, ensure_test_env};

/// A program's text and its Dockerfile as `imgc dockerfile` emits it (optimized, for its target;
/// without the `# syntax=` line, whose frontend cannot be pulled offline: BuildKit's built-in one
/// has what the emitted Dockerfiles use but here-documents).
fn compile(name: &str) -> (String, String) {
    let path = programs_dir().join(format!("{name}.img"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let compilation = imgc::compile_file(&path, &imgc::Options::default()).expect("readable");
    let dockerfile = compilation
        .dockerfile_with(target(&source), &Optimize::default())
        .unwrap_or_else(|errors| panic!("{name} does not compile:\n{}", compilation.render(&errors, false)));
    let dockerfile = dockerfile.strip_prefix("# syntax=docker/dockerfile:1\n").unwrap_or(&dockerfile).to_string();
    (source, dockerfile)
}

/// BuildKit's build of `dockerfile`, tagged `imgc-test-buildkit-NAME:…` (removed when dropped).
fn buildkit_build(name: &str, dockerfile: &str) -> Result<Image, ToolError> {
    let options = BuildOptions { no_cache: true, ..BuildOptions::default() };
    Engine::Buildkit.build_image_with(
        Dockerfile::Text(dockerfile),
        &programs_dir(),
        &format!("buildkit-{name}"),
        &options,
    )
}

/// The number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> Option<i32> {
    let rest = &text[text.find(marker)? + marker.len()..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Whether imgc's failure (`ours`, as imgc prints it) is BuildKit's (`theirs`, its build log):
/// a failed `run` step (E0035) with BuildKit's exit status, whose last line of output BuildKit's
/// log shows too.
fn same_failure(ours: &str, theirs: &ToolError) -> Result<(), String> {
    let log = format!("{}\n{}\n{}", theirs.message, theirs.stdout, theirs.stderr);
    let their_status = number_after(&log, "exit code: ").ok_or("BuildKit's build failed, but not in a RUN")?;
    if !ours.contains("error[E0035]") {
        return Err("BuildKit's build failed in a RUN, imgc's not in a `run` step".into());
    }
    let our_status = number_after(ours, "exited with status ");
    if our_status != Some(their_status) {
        return Err(format!("BuildKit's RUN exited with status {their_status}, imgc's step with {our_status:?}"));
    }
    let last_line = ours
        .split_once("its last lines of output:")
        .and_then(|(_, tail)| tail.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .ok_or("imgc's error shows no output of the step")?;
    if !log.contains(last_line) {
        return Err(format!("the last line of imgc's step, `{last_line}`, is not in BuildKit's log"));
    }
    Ok(())
}

#[test]
fn programs_where_buildah_differs_build_with_imgc_as_with_buildkit() {
    ensure_test_env();
    let started = std::time::Instant::now();
    let programs: Vec<(&str, String, String)> = BUILDAH_DIFFERS_FROM_BUILDKIT
        .iter()
        .map(|name| {
            let (source, dockerfile) = compile(name);
            (*name, source, dockerfile)
        })
        .collect();
    let mut failures = Vec::new();
    let mut compared = 0;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        let to_build = &programs;
        scope.spawn(move || {
            for (name, _, dockerfile) in to_build {
                if sender.send(buildkit_build(name, dockerfile)).is_err() {
                    break;
                }
            }
        });
        let dockerfiles: Vec<&str> = programs.iter().map(|(_, _, dockerfile)| dockerfile.as_str()).collect();
        let builds = ProgramBuilds::for_dockerfiles(&programs_dir(), &dockerfiles);
        for ((name, source, dockerfile), theirs) in programs.iter().zip(receiver) {
            compared += 1;
            let problem = match theirs {
                Ok(image) => builds
                    .compare(source, &image)
                    .err()
                    .map(|e| format!("`imgc build` differs from BuildKit's build:\n{e}")),
                Err(theirs) => match builds.failure(source) {
                    None => Some(format!("BuildKit's build fails, `imgc build` does not: {theirs}")),
                    Some(ours) => same_failure(&ours, &theirs).err().map(|e| {
                        format!("both fail, differently: {e}\n--- imgc ---\n{ours}\n--- BuildKit ---\n{theirs}")
                    }),
                },
            };
            eprintln!("{name}: {}", if problem.is_none() { "as BuildKit builds it" } else { "differs" });
            if let Some(problem) = problem {
                failures.push(format!("{name}: {problem}\n--- Dockerfile ---\n{dockerfile}"));
            }
        }
    });
    assert_eq!(compared, programs.len(), "the BuildKit builds stopped early");
    eprintln!("{compared} programs compared with BuildKit in {:.1}s", started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} of {} programs:\n\n{}", failures.len(), programs.len(), failures.join("\n\n"));
}
