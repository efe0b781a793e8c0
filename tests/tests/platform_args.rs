//! The builder's platform arguments (`TARGETARCH`…) reach a `run` that reads them, written
//! `${TARGETARCH}` or `$TARGETARCH`, with no `arg` in the program: imgc declares them in the stage.
//! BuildKit and buildah set them; docker's classic builder does not, and takes `--build-arg`.

use imgc_tests::{BuildOptions, Engine, ensure_test_env};

const PROGRAM: &str = r#"
stage tools from "busybox:1.35" {
    run "echo $TARGETARCH > /shell-arch"
}

image from "busybox:1.35" {
    copy from tools "/shell-arch" to "/shell-arch"
    run "echo ${TARGETOS}/${TARGETARCH} > /arch"
}
"#;

/// The architecture as OCI platforms name it.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

fn check(engine: Engine, options: &BuildOptions) {
    ensure_test_env();
    let target = if engine == Engine::Buildkit { imgc::Target::Buildkit } else { imgc::Target::Classic };
    let compilation = imgc::compile_source("platform.img", PROGRAM, &imgc::Options::default());
    let text = compilation.dockerfile(target).unwrap_or_else(|e| panic!("{}", compilation.render(&e, false)));
    let context = tempfile::tempdir().expect("temp dir");
    let image = engine
        .build_image_with(imgc_tests::Dockerfile::Text(&text), context.path(), "correct-platform-args", options)
        .unwrap_or_else(|e| panic!("{engine} build failed: {e}\n{text}"));
    let read = |file: &str| engine.exec(&image.reference, &["cat", file]).expect("cat").stdout;
    assert_eq!(read("/arch"), format!("linux/{}\n", host_arch()), "{engine}\n{text}");
    assert_eq!(read("/shell-arch"), format!("{}\n", host_arch()), "{engine}\n{text}");
}

#[test]
fn platform_args_reach_buildah_steps() {
    check(Engine::Buildah, &BuildOptions::default());
}

#[test]
fn platform_args_reach_buildkit_steps() {
    check(Engine::Buildkit, &BuildOptions::default());
}

#[test]
fn platform_args_reach_classic_docker_steps_given_as_build_args() {
    let options = BuildOptions {
        build_args: vec![("TARGETOS".into(), "linux".into()), ("TARGETARCH".into(), host_arch().into())],
        ..BuildOptions::default()
    };
    check(Engine::Docker, &options);
}
