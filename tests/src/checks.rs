//! Behaviour checks for the examples' images, shared by the tests of the
//! naive Dockerfiles and of the Dockerfiles imgc compiles from `app.img`:
//! any image built from an example's context must pass its example's check.
//!
//! Each check takes the engine and the image reference, panics with a
//! readable message on the first failure, and takes the host-port lock
//! itself when it runs a server.

use std::time::Duration;

use crate::buildah;
use crate::docker;
use crate::hostports::lock_host_ports;
use crate::http::{HttpResponse, http_get, port_is_free, wait_for_http_while};
use crate::image::{Engine, ImageConfig};
use crate::read_example_file;

/// How long a server may take to answer its first request.
pub const SERVER_START_TIMEOUT: Duration = Duration::from_secs(60);

/// The names of the examples under `examples/` that have a check.
pub const EXAMPLES: [&str; 7] =
    ["nginx", "c-static", "python-web", "static-site", "node-app", "python-venv", "go-service"];

/// Runs the check of `example` (one of [`EXAMPLES`]).
pub fn check_example(example: &str, engine: Engine, image: &str) {
    match example {
        "nginx" => check_nginx(engine, image),
        "c-static" => check_c_static(engine, image),
        "python-web" => check_python_web(engine, image),
        "static-site" => check_static_site(engine, image),
        "node-app" => check_node_app(engine, image),
        "python-venv" => check_python_venv(engine, image),
        "go-service" => check_go_service(engine, image),
        other => panic!("no check for example {other:?}"),
    }
}

fn config(engine: Engine, image: &str) -> ImageConfig {
    engine.image_config(image).unwrap_or_else(|e| panic!("{engine} image config of {image}: {e}"))
}

fn expect_get(port: u16, path: &str, status: u16, body: Option<&str>) -> HttpResponse {
    let response = http_get(port, path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.status, status,
        "GET 127.0.0.1:{port}{path}: status {} (body {:?})",
        response.status, response.body
    );
    if let Some(body) = body {
        assert_eq!(response.body, body, "GET 127.0.0.1:{port}{path}: unexpected body");
    }
    response
}

fn assert_port_free(port: u16) {
    assert!(
        port_is_free(port),
        "something already listens on 127.0.0.1:{port}; the check would talk to it instead \
         of the image under test (a leftover container? see `docker ps`)"
    );
}

/// The uid and gid of the container's PID 1, from /proc/1/status.
fn proc1_ids(container: &docker::Container) -> (String, String) {
    let out = container
        .exec(&["cat", "/proc/1/status"])
        .and_then(|o| o.ok())
        .unwrap_or_else(|e| panic!("read /proc/1/status in {container:?}: {e}"));
    let field = |name: &str| {
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no {name} in /proc/1/status:\n{}", out.stdout))
            .to_string()
    };
    (field("Uid:"), field("Gid:"))
}

/// One working container for all of a check's buildah runs, not one a run.
fn buildah_container(image: &str) -> buildah::WorkingContainer {
    buildah::from(image).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `argv` in `ctr` and returns its trimmed stdout; panics unless it
/// exits 0.
fn buildah_output(ctr: &buildah::WorkingContainer, argv: &[&str]) -> String {
    let out = ctr.run(argv).and_then(|o| o.ok()).unwrap_or_else(|e| panic!("{e}"));
    out.stdout.trim().to_string()
}

/// Starts the image's default command in `ctr`.
fn buildah_serve<'a>(ctr: &'a buildah::WorkingContainer, image: &str, env: &[(&str, &str)]) -> buildah::Server<'a> {
    let argv = buildah::default_command(image).unwrap_or_else(|e| panic!("{e}"));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    ctr.serve(&argv, env).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a HEALTHCHECK test (`["CMD-SHELL", s]` or `["CMD", argv...]`) with
/// `run` and returns its output.
fn run_healthcheck(test: &[String], run: impl Fn(&[&str]) -> crate::cmd::Output) -> crate::cmd::Output {
    let argv: Vec<&str> = match test.split_first() {
        Some((kind, rest)) if kind == "CMD-SHELL" => {
            let mut argv = vec!["/bin/sh", "-c"];
            argv.extend(rest.iter().map(String::as_str));
            argv
        }
        Some((kind, rest)) if kind == "CMD" => rest.iter().map(String::as_str).collect(),
        _ => panic!("unexpected HEALTHCHECK test {test:?}"),
    };
    run(&argv)
}

// ---------------------------------------------------------------- nginx --

/// examples/nginx: the site on port 80 with request logs on stdout, graceful
/// stop on SIGQUIT, `nginx -t` passes.
pub fn check_nginx(engine: Engine, image: &str) {
    let index = read_example_file("nginx", "site/index.html");
    let css = read_example_file("nginx", "site/style.css");
    let cfg = config(engine, image);
    assert_eq!(cfg.exposed_ports, ["80/tcp"], "EXPOSE of {image}");
    assert_eq!(cfg.stop_signal.as_deref(), Some("SIGQUIT"), "STOPSIGNAL of {image}");
    assert_eq!(cfg.command_line(&[]), ["nginx", "-g", "daemon off;"], "ENTRYPOINT+CMD of {image}");

    let buildah_ctr = (engine == Engine::Buildah).then(|| buildah_container(image));
    let test = match &buildah_ctr {
        Some(ctr) => ctr.run(&["nginx", "-t"]),
        None => engine.exec(image, &["nginx", "-t"]),
    };
    let test = test.and_then(|o| o.ok()).unwrap_or_else(|e| panic!("nginx -t in {image}: {e}"));
    assert!(test.stderr.contains("test is successful"), "nginx -t output: {}", test.stderr);

    let _ports = lock_host_ports();
    assert_port_free(80);
    let access_line = "\"GET / HTTP/1.0\" 200";
    match engine {
        Engine::Docker | Engine::Buildkit => {
            let ctr = docker::start(image, &[], &[]).unwrap_or_else(|e| panic!("{e}"));
            let first = wait_for_http_while(80, "/", SERVER_START_TIMEOUT, || ctr.state().is_ok_and(|s| s.running))
                .unwrap_or_else(|e| panic!("nginx in {ctr:?}: {e}\nlogs: {:?}", ctr.logs()));
            assert_eq!(first.status, 200, "GET /: {first:?}");
            assert_eq!(first.body, index, "GET / serves site/index.html");
            expect_get(80, "/style.css", 200, Some(&css));
            expect_get(80, "/healthz", 200, Some("ok\n"));
            expect_get(80, "/no-such-page", 404, None);
            let (stdout, _) = ctr
                .wait_for_logs(Duration::from_secs(10), |out, _| {
                    out.contains(access_line) && out.contains("\"GET /no-such-page HTTP/1.0\" 404")
                })
                .unwrap_or_else(|e| panic!("access log not on stdout: {e}"));
            assert!(!stdout.contains("/healthz"), "/healthz is excluded from the access log:\n{stdout}");
            // STOPSIGNAL SIGQUIT: graceful shutdown, well before the SIGKILL.
            let took = ctr.stop(20).unwrap_or_else(|e| panic!("{e}"));
            let state = ctr.state().unwrap_or_else(|e| panic!("{e}"));
            assert!(!state.running, "nginx still running after docker stop");
            assert_eq!(state.exit_code, 0, "nginx exit code after docker stop ({state:?}, took {took:?})");
            assert!(took < Duration::from_secs(15), "docker stop took {took:?}");
        }
        Engine::Buildah => {
            let ctr = buildah_ctr.as_ref().expect("made above");
            let mut server = buildah_serve(ctr, image, &[]);
            let first = wait_for_http_while(80, "/", SERVER_START_TIMEOUT, || server.is_running())
                .unwrap_or_else(|e| panic!("nginx under buildah run: {e}\nlogs: {:?}", server.logs()));
            assert_eq!(first.status, 200, "GET /: {first:?}");
            assert_eq!(first.body, index, "GET / serves site/index.html");
            expect_get(80, "/style.css", 200, Some(&css));
            expect_get(80, "/no-such-page", 404, None);
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !server.logs().0.contains(access_line) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let (_, stdout, stderr) = server.stop().unwrap_or_else(|e| panic!("{e}"));
            assert!(
                stdout.contains(access_line),
                "access log not on stdout:\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
            );
        }
    }
}

// ------------------------------------------------------------- c-static --

/// examples/c-static: the static `greet` binary is the entrypoint, with
/// `world` as the default argument.
pub fn check_c_static(engine: Engine, image: &str) {
    let cases: [(&[&str], &str); 3] = [
        (&[], "Hello, world!\n1 name, 5 letters\n"),
        (&["Ada", "Grace"], "Hello, Ada!\nHello, Grace!\n2 names, 8 letters\n"),
        (&["R2-D2"], "Hello, R2-D2!\n1 name, 2 letters\n"),
    ];
    for (args, expected) in cases {
        let out = engine
            .run(image, args)
            .and_then(|o| o.ok())
            .unwrap_or_else(|e| panic!("{engine} run {image} {args:?}: {e}"));
        assert_eq!(out.stdout, expected, "output of greet {args:?}");
    }
    // Only the entrypoint's binary is needed: nothing else (no shell) in it.
    let cfg = config(engine, image);
    assert_eq!(cfg.entrypoint.len(), 1, "ENTRYPOINT is one binary: {cfg:?}");
    let shell = engine.exec(image, &["/bin/sh", "-c", "true"]);
    assert!(!shell.is_ok_and(|o| o.success()), "{image} has a working /bin/sh; expected a scratch image");
}

// ----------------------------------------------------------- python-web --

/// The uid/gid the python-web app runs as.
pub const PYTHON_WEB_UID: &str = "10001";

/// examples/python-web: `/` answers `$APP_GREETING`, `/health` answers ok,
/// on `$APP_PORT` (8000); runs as uid/gid 10001; the HEALTHCHECK passes.
pub fn check_python_web(engine: Engine, image: &str) {
    let cfg = config(engine, image);
    assert_eq!(cfg.exposed_ports, ["8000/tcp"], "EXPOSE of {image}");
    assert_eq!(cfg.env_var("APP_PORT"), Some("8000"), "ENV APP_PORT of {image}");
    let greeting =
        cfg.env_var("APP_GREETING").unwrap_or_else(|| panic!("{image} sets no APP_GREETING: {cfg:?}")).to_string();
    let healthcheck = cfg.healthcheck.clone().unwrap_or_else(|| panic!("{image} has no HEALTHCHECK: {cfg:?}"));

    let _ports = lock_host_ports();
    assert_port_free(8000);
    match engine {
        Engine::Docker | Engine::Buildkit => {
            for (opts, expected) in [
                (vec![], greeting.clone()),
                (vec!["-e", "APP_GREETING=Bonjour from a test"], "Bonjour from a test".to_string()),
            ] {
                let ctr = docker::start(image, &opts, &[]).unwrap_or_else(|e| panic!("{e}"));
                let first =
                    wait_for_http_while(8000, "/", SERVER_START_TIMEOUT, || ctr.state().is_ok_and(|s| s.running))
                        .unwrap_or_else(|e| panic!("app in {ctr:?}: {e}\nlogs: {:?}", ctr.logs()));
                assert_eq!(first.status, 200, "GET /: {first:?}");
                assert_eq!(first.body, format!("{expected}\n"), "GET / with {opts:?}");
                expect_get(8000, "/health", 200, Some("ok\n"));
                expect_get(8000, "/nope", 404, None);
                assert_eq!(
                    proc1_ids(&ctr),
                    (PYTHON_WEB_UID.to_string(), PYTHON_WEB_UID.to_string()),
                    "uid/gid of the app process"
                );
                let health = run_healthcheck(&healthcheck, |argv| ctr.exec(argv).unwrap_or_else(|e| panic!("{e}")));
                assert!(health.success(), "HEALTHCHECK {healthcheck:?} failed: {health:?}");
                // The app handles SIGTERM (it is PID 1): no 10 s wait for SIGKILL.
                let took = ctr.stop(20).unwrap_or_else(|e| panic!("{e}"));
                let state = ctr.state().unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(state.exit_code, 0, "exit code after docker stop ({state:?})");
                assert!(took < Duration::from_secs(15), "docker stop took {took:?}");
            }
        }
        Engine::Buildah => {
            let ctr = buildah_container(image);
            assert_eq!(buildah_output(&ctr, &["id", "-u"]), PYTHON_WEB_UID, "uid");
            assert_eq!(buildah_output(&ctr, &["id", "-g"]), PYTHON_WEB_UID, "gid");
            let mut server = buildah_serve(&ctr, image, &[("APP_GREETING", "Hej from buildah")]);
            let first = wait_for_http_while(8000, "/", SERVER_START_TIMEOUT, || server.is_running())
                .unwrap_or_else(|e| panic!("app under buildah run: {e}\nlogs: {:?}", server.logs()));
            assert_eq!(first.body, "Hej from buildah\n", "GET /: {first:?}");
            expect_get(8000, "/health", 200, Some("ok\n"));
            let health = run_healthcheck(&healthcheck, |argv| ctr.run(argv).unwrap_or_else(|e| panic!("{e}")));
            assert!(health.success(), "HEALTHCHECK {healthcheck:?} failed: {health:?}");
            server.stop().unwrap_or_else(|e| panic!("{e}"));
            // Without the env override the greeting is the image's own.
            let mut server = buildah_serve(&ctr, image, &[]);
            let first = wait_for_http_while(8000, "/", SERVER_START_TIMEOUT, || server.is_running())
                .unwrap_or_else(|e| panic!("app under buildah run: {e}\nlogs: {:?}", server.logs()));
            assert_eq!(first.body, format!("{greeting}\n"), "GET /: {first:?}");
            server.stop().unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

// ---------------------------------------------------------- static-site --

/// The uid busybox httpd runs as (`nobody`).
pub const STATIC_SITE_UID: &str = "65534";

/// examples/static-site: busybox httpd serves www/ on port 8080 as nobody.
pub fn check_static_site(engine: Engine, image: &str) {
    let files = ["index.html", "about.html", "style.css"]
        .map(|name| (name, read_example_file("static-site", &format!("www/{name}"))));
    let cfg = config(engine, image);
    assert_eq!(cfg.exposed_ports, ["8080/tcp"], "EXPOSE of {image}");

    let _ports = lock_host_ports();
    assert_port_free(8080);
    let check_files = || {
        for (name, content) in &files {
            let response = expect_get(8080, &format!("/{name}"), 200, Some(content));
            if name.ends_with(".css") {
                assert_eq!(response.header("Content-Type"), Some("text/css"), "{name}");
            }
        }
        expect_get(8080, "/missing.html", 404, None);
    };
    match engine {
        Engine::Docker | Engine::Buildkit => {
            let ctr = docker::start(image, &[], &[]).unwrap_or_else(|e| panic!("{e}"));
            let first = wait_for_http_while(8080, "/", SERVER_START_TIMEOUT, || ctr.state().is_ok_and(|s| s.running))
                .unwrap_or_else(|e| panic!("httpd in {ctr:?}: {e}\nlogs: {:?}", ctr.logs()));
            assert_eq!(first.body, files[0].1, "GET / serves index.html");
            check_files();
            assert_eq!(proc1_ids(&ctr).0, STATIC_SITE_UID, "uid of httpd");
        }
        Engine::Buildah => {
            let ctr = buildah_container(image);
            assert_eq!(buildah_output(&ctr, &["id", "-u"]), STATIC_SITE_UID, "uid");
            let mut server = buildah_serve(&ctr, image, &[]);
            let first = wait_for_http_while(8080, "/", SERVER_START_TIMEOUT, || server.is_running())
                .unwrap_or_else(|e| panic!("httpd under buildah run: {e}\nlogs: {:?}", server.logs()));
            assert_eq!(first.body, files[0].1, "GET / serves index.html");
            check_files();
            server.stop().unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

// ------------------------------------------------------------- cargo-app --

/// The uid the cargo-app server runs as.
pub const CARGO_APP_UID: &str = "10001";

/// examples/cargo-app: the Rust server answers on `port` (the one app.img exposes): `/` with
/// `$APP_GREETING`, `/health` with ok, `/version` with `version` (the crate's, through the image's
/// label); it runs as uid 10001.
pub fn check_cargo_app(engine: Engine, image: &str, port: u16, version: &str) {
    let cfg = config(engine, image);
    assert_eq!(cfg.exposed_ports, [format!("{port}/tcp")], "EXPOSE of {image}");
    assert_eq!(cfg.user, "app", "USER of {image}");
    assert_eq!(
        cfg.labels.get("org.opencontainers.image.version").map(String::as_str),
        Some(version),
        "version label of {image}"
    );
    let greeting =
        cfg.env_var("APP_GREETING").unwrap_or_else(|| panic!("{image} sets no APP_GREETING: {cfg:?}")).to_string();
    let check_answers = |greeting: &str| {
        expect_get(port, "/", 200, Some(&format!("{greeting}\n")));
        expect_get(port, "/health", 200, Some("ok\n"));
        expect_get(port, "/version", 200, Some(&format!("{version}\n")));
        expect_get(port, "/nope", 404, None);
    };

    let _ports = lock_host_ports();
    assert_port_free(port);
    match engine {
        Engine::Docker | Engine::Buildkit => {
            for (opts, expected) in
                [(vec![], greeting.clone()), (vec!["-e", "APP_GREETING=Hi from a test"], "Hi from a test".into())]
            {
                let ctr = docker::start(image, &opts, &[]).unwrap_or_else(|e| panic!("{e}"));
                wait_for_http_while(port, "/health", SERVER_START_TIMEOUT, || ctr.state().is_ok_and(|s| s.running))
                    .unwrap_or_else(|e| panic!("server in {ctr:?}: {e}\nlogs: {:?}", ctr.logs()));
                check_answers(&expected);
                assert_eq!(proc1_ids(&ctr).0, CARGO_APP_UID, "uid of the server");
            }
        }
        Engine::Buildah => {
            let ctr = buildah_container(image);
            assert_eq!(buildah_output(&ctr, &["id", "-u"]), CARGO_APP_UID, "uid");
            for (env, expected) in [(vec![], greeting.as_str()), (vec![("APP_GREETING", "Hej")], "Hej")] {
                let mut server = buildah_serve(&ctr, image, &env);
                wait_for_http_while(port, "/health", SERVER_START_TIMEOUT, || server.is_running())
                    .unwrap_or_else(|e| panic!("server under buildah run: {e}\nlogs: {:?}", server.logs()));
                check_answers(expected);
                server.stop().unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

// ------------------------------------- node-app, python-venv, go-service --

/// A path the server answers, and the check of the body it answers with.
type Answer<'a> = (&'a str, fn(&str) -> bool);

/// What an HTTP example promises: its port (exposed, and in `$APP_PORT`), the uid it runs as,
/// and answers besides `/` (`$APP_GREETING`) and `/health` (ok).
struct HttpApp<'a> {
    port: u16,
    uid: &'a str,
    answers: &'a [Answer<'a>],
}

/// The example's server answers `/`, `/health` and its other paths, with the greeting of the
/// image's env and with one given to the container; it runs as its uid; its HEALTHCHECK passes;
/// it stops at once on `docker stop`.
fn check_http_app(engine: Engine, image: &str, app: &HttpApp<'_>) {
    let cfg = config(engine, image);
    assert_eq!(cfg.exposed_ports, [format!("{}/tcp", app.port)], "EXPOSE of {image}");
    assert_eq!(cfg.env_var("APP_PORT"), Some(app.port.to_string().as_str()), "ENV APP_PORT of {image}");
    let greeting =
        cfg.env_var("APP_GREETING").unwrap_or_else(|| panic!("{image} sets no APP_GREETING: {cfg:?}")).to_string();
    let healthcheck = cfg.healthcheck.clone().unwrap_or_else(|| panic!("{image} has no HEALTHCHECK: {cfg:?}"));
    let answers = |expected: &str| {
        expect_get(app.port, "/", 200, Some(&format!("{expected}\n")));
        expect_get(app.port, "/health", 200, Some("ok\n"));
        expect_get(app.port, "/nope", 404, None);
        for (path, check) in app.answers {
            let response = expect_get(app.port, path, 200, None);
            assert!(check(&response.body), "GET {path}: unexpected body {:?}", response.body);
        }
    };

    let _ports = lock_host_ports();
    assert_port_free(app.port);
    match engine {
        Engine::Docker | Engine::Buildkit => {
            for (opts, expected) in
                [(vec![], greeting.clone()), (vec!["-e", "APP_GREETING=Hi from a test"], "Hi from a test".to_string())]
            {
                let ctr = docker::start(image, &opts, &[]).unwrap_or_else(|e| panic!("{e}"));
                wait_for_http_while(app.port, "/health", SERVER_START_TIMEOUT, || ctr.state().is_ok_and(|s| s.running))
                    .unwrap_or_else(|e| panic!("server in {ctr:?}: {e}\nlogs: {:?}", ctr.logs()));
                answers(&expected);
                // From the host's `ps`: the image may have no `cat` (scratch).
                let top = docker::command().args(["top", &ctr.id, "-o", "pid,uid"]).output().expect("docker top");
                let top = String::from_utf8_lossy(&top.stdout).into_owned();
                let uid = top.lines().nth(1).and_then(|l| l.split_whitespace().nth(1));
                assert_eq!(uid, Some(app.uid), "uid of the server: {top}");
                let health = run_healthcheck(&healthcheck, |argv| ctr.exec(argv).unwrap_or_else(|e| panic!("{e}")));
                assert!(health.success(), "HEALTHCHECK {healthcheck:?} failed: {health:?}");
                let took = ctr.stop(20).unwrap_or_else(|e| panic!("{e}"));
                assert!(took < Duration::from_secs(15), "docker stop took {took:?}");
            }
        }
        Engine::Buildah => {
            let ctr = buildah_container(image);
            assert_eq!(buildah_output(&ctr, &["id", "-u"]), app.uid, "uid");
            for (env, expected) in [(vec![], greeting.as_str()), (vec![("APP_GREETING", "Hej")], "Hej")] {
                let mut server = buildah_serve(&ctr, image, &env);
                wait_for_http_while(app.port, "/health", SERVER_START_TIMEOUT, || server.is_running())
                    .unwrap_or_else(|e| panic!("server under buildah run: {e}\nlogs: {:?}", server.logs()));
                answers(expected);
                let health = run_healthcheck(&healthcheck, |argv| ctr.run(argv).unwrap_or_else(|e| panic!("{e}")));
                assert!(health.success(), "HEALTHCHECK {healthcheck:?} failed: {health:?}");
                server.stop().unwrap_or_else(|e| panic!("{e}"));
            }
        }
    }
}

/// examples/node-app: the server answers on 3000 as uid 10001; `/uptime` is formatted by `ms`,
/// its dependency from the npm registry.
pub fn check_node_app(engine: Engine, image: &str) {
    let uptime: fn(&str) -> bool = |body| body.trim_end().ends_with("ms") || body.trim_end().ends_with('s');
    check_http_app(engine, image, &HttpApp { port: 3000, uid: "10001", answers: &[("/uptime", uptime)] });
}

/// examples/python-venv: the server answers on 8000 as uid 10001; `/sign/x` is signed by
/// itsdangerous, installed from PyPI into the virtual environment.
pub fn check_python_venv(engine: Engine, image: &str) {
    let signed: fn(&str) -> bool = |body| body.starts_with("x.") && body.trim_end().len() > "x.".len();
    check_http_app(engine, image, &HttpApp { port: 8000, uid: "10001", answers: &[("/sign/x", signed)] });
}

/// examples/go-service: the server answers on 8080 as uid 65534, in the time zone Europe/Paris,
/// with CA certificates. An image with no shell (the compiled one is on `scratch`) cannot be
/// served by `buildah run`'s wrapper: buildah's image is copied into docker's engine and run there.
pub fn check_go_service(engine: Engine, image: &str) {
    let paris: fn(&str) -> bool = |body| body == "CET +0100\n" || body == "CEST +0200\n";
    let certs: fn(&str) -> bool = |body| body == "true\n";
    let app = HttpApp { port: 8080, uid: "65534", answers: &[("/time", paris), ("/certs", certs)] };
    let has_shell = engine.exec(image, &["/bin/sh", "-c", "true"]).is_ok_and(|o| o.success());
    if engine != Engine::Buildah || has_shell {
        return check_http_app(engine, image, &app);
    }
    let copy = crate::unique_tag(Engine::Docker, "go-service-from-buildah");
    let push = buildah::command()
        .args(["push", image, &format!("docker-daemon:{copy}")])
        .output()
        .unwrap_or_else(|e| panic!("buildah push: {e}"));
    assert!(push.status.success(), "buildah push {image}: {}", String::from_utf8_lossy(&push.stderr));
    check_http_app(Engine::Docker, &copy, &app);
    if !crate::keep_images() {
        let _ = docker::command().args(["rmi", &copy]).output();
    }
}
