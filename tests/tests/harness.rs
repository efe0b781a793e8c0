//! The harness itself: both engines build from a path or from text, resolve
//! the local base images offline, run with `docker run` semantics, and report
//! failures with the tool's output.

use imgc_tests::{Dockerfile, Engine, buildah, docker, ensure_test_env, unique_tag};

fn context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "hello from the context\n").unwrap();
    dir
}

const ENTRYPOINT_DOCKERFILE: &str = "\
FROM busybox:1.35
COPY hello.txt /hello.txt
ENV GREETING=hi
WORKDIR /work
ENTRYPOINT [\"/bin/sh\", \"-c\", \"echo \\\"$GREETING $0 $*\\\"; pwd; cat /hello.txt\"]
CMD [\"default-arg\"]
";

#[test]
fn text_build_run_and_exec_agree_between_engines() {
    ensure_test_env();
    let ctx = context();
    for engine in Engine::ALL {
        let image =
            engine.build_image(Dockerfile::Text(ENTRYPOINT_DOCKERFILE), ctx.path(), "harness-entrypoint").unwrap();
        assert!(engine.image_exists(&image.reference));

        let out = image.run(&[]).unwrap().ok().unwrap();
        assert_eq!(out.stdout, "hi default-arg \n/work\nhello from the context\n", "{engine}: ENTRYPOINT + CMD");
        let out = image.run(&["a", "b"]).unwrap().ok().unwrap();
        assert_eq!(out.stdout, "hi a b\n/work\nhello from the context\n", "{engine}: ENTRYPOINT + args");
        let out = image.exec(&["sh", "-c", "exit 3"]).unwrap();
        assert_eq!(out.code(), Some(3), "{engine}: exit code passes through");
        let err = image.exec(&["sh", "-c", "echo oops >&2; exit 4"]).unwrap().ok().unwrap_err();
        assert!(err.to_string().contains("oops"), "{engine}: {err}");

        let config = image.config().unwrap();
        assert_eq!(config.env_var("GREETING"), Some("hi"));
        assert_eq!(config.working_dir, "/work");
        assert_eq!(config.cmd, ["default-arg"]);
        assert_eq!(config.entrypoint[0], "/bin/sh");

        let reference = image.reference.clone();
        drop(image);
        assert!(!engine.image_exists(&reference), "{engine}: dropped image is removed");
    }
}

#[test]
fn base_images_are_local_and_offline() {
    ensure_test_env();
    let ctx = context();
    let dockerfile = "FROM debian:bookworm-slim\nRUN cat /etc/debian_version\n";
    for engine in Engine::ALL {
        let image = engine.build_image(Dockerfile::Text(dockerfile), ctx.path(), "harness-debian").unwrap();
        let log = format!("{}{}", image.build.stdout, image.build.stderr);
        assert!(log.contains("12."), "{engine}: not bookworm?\n{log}");
        let config = image.config().unwrap();
        assert_eq!(config.cmd, ["bash"], "{engine}: base CMD");
        assert!(config.env_var("PATH").is_some_and(|p| p.contains("/usr/sbin")));
        let out = image.exec(&["busybox", "true"]).unwrap();
        assert!(!out.success(), "{engine}: the Debian base has no busybox");
        let out = engine
            .exec("busybox:1.35", &["sh", "-c", "httpd --help 2>&1 | head -n 1; id -u nobody"])
            .unwrap()
            .ok()
            .unwrap();
        assert!(out.stdout.contains("BusyBox v1.35"), "{engine}: {out:?}");
        assert!(out.stdout.contains("65534"), "{engine}: {out:?}");
    }
}

#[test]
fn failed_build_reports_the_tools_output() {
    ensure_test_env();
    let ctx = context();
    let dockerfile = "FROM busybox:1.35\nRUN echo about-to-fail && exit 7\n";
    for engine in Engine::ALL {
        let tag = unique_tag(engine, "harness-fail");
        let err = engine.build(Dockerfile::Text(dockerfile), ctx.path(), &tag, &Default::default()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("about-to-fail"), "{engine}: {message}");
        assert!(message.contains("bud") || message.contains("build"), "{engine}: {message}");
        assert!(!engine.image_exists(&tag));
    }
}

#[test]
fn docker_detached_container_logs_and_stop() {
    ensure_test_env();
    let ctr = docker::start(
        "busybox:1.35",
        &[],
        &["sh", "-c", "echo out; echo err >&2; trap 'exit 0' TERM; while :; do sleep 0.1; done"],
    )
    .unwrap();
    let (stdout, stderr) =
        ctr.wait_for_logs(std::time::Duration::from_secs(10), |o, e| o.contains("out") && e.contains("err")).unwrap();
    assert_eq!((stdout.as_str(), stderr.as_str()), ("out\n", "err\n"));
    assert!(ctr.state().unwrap().running);
    let took = ctr.stop(10).unwrap();
    assert!(took.as_secs() < 5, "TERM handled: {took:?}");
    let state = ctr.state().unwrap();
    assert!(!state.running);
    assert_eq!(state.exit_code, 0);
}

#[test]
fn buildah_working_container_keeps_state_between_runs() {
    ensure_test_env();
    let ctr = buildah::from("busybox:1.35").unwrap();
    ctr.run(&["sh", "-c", "echo kept > /tmp/state"]).unwrap().ok().unwrap();
    let out = ctr.run(&["cat", "/tmp/state"]).unwrap().ok().unwrap();
    assert_eq!(out.stdout, "kept\n");
    let out = ctr.run_with_stdin(&["cat"], b"piped").unwrap().ok().unwrap();
    assert_eq!(out.stdout, "piped");
    let out = ctr.run_with_env(&["sh", "-c", "echo $X"], &[("X", "y")]).unwrap();
    assert_eq!(out.stdout, "y\n");
}
