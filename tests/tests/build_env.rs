//! `env build` reaches the build steps the same way on every builder — for new names, for names
//! the base image's config sets (PATH), for names an earlier stage's `env both` set (HOME, LANG)
//! and for a name an `env both` of the same stage set — and never reaches the image config.
//! Built for real with buildah, docker's classic builder and docker's built-in BuildKit.

use imgc_tests::{Engine, ensure_test_env};

const PROGRAM: &str = r#"
stage base from "busybox:1.35" {
    env both { HOME = "/base-home", LANG = "C.base" }
}

image from base {
    env both { MODE = "runtime" }
    env build { PATH = "/opt/x/bin:$PATH", HOME = "/build-home", LANG = "C.UTF-8", NEW = "new value" }
    env build { MODE = "build" }
    run "echo \"$PATH|$HOME|$LANG|$NEW|$MODE\" > /seen"
    run ["sh", "-c", "echo \"$PATH|$MODE\" > /seen-exec"]
    run "mkdir -p /opt/x/bin && printf '#!/bin/sh\\necho tool\\n' > /opt/x/bin/tool && chmod +x /opt/x/bin/tool"
    run "tool > /tool"
}
"#;

const BASE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn check(engine: Engine) {
    ensure_test_env();
    let target = if engine == Engine::Buildkit { imgc::Target::Buildkit } else { imgc::Target::Classic };
    let compilation = imgc::compile_source("build-env.img", PROGRAM, &imgc::Options::default());
    let text = compilation.dockerfile(target).unwrap_or_else(|e| panic!("{}", compilation.render(&e, false)));
    let context = tempfile::tempdir().expect("temp dir");
    let image = engine
        .build_image(imgc_tests::Dockerfile::Text(&text), context.path(), "correct-build-env")
        .unwrap_or_else(|e| panic!("{engine} build failed: {e}\n{text}"));
    let read = |file: &str| engine.exec(&image.reference, &["cat", file]).expect("cat").stdout;
    assert_eq!(
        read("/seen"),
        format!("/opt/x/bin:{BASE_PATH}|/build-home|C.UTF-8|new value|build\n"),
        "{engine}: the build steps see the build env\n{text}"
    );
    assert_eq!(read("/seen-exec"), format!("/opt/x/bin:{BASE_PATH}|build\n"), "{engine}: exec form\n{text}");
    assert_eq!(read("/tool"), "tool\n", "{engine}: a command found on the build PATH\n{text}");
    let config = engine.image_config(&image.reference).expect("config");
    let mut env = config.env.clone();
    env.sort();
    let expected =
        ["HOME=/base-home".to_string(), "LANG=C.base".into(), "MODE=runtime".into(), format!("PATH={BASE_PATH}")];
    assert_eq!(env, expected, "{engine}: the image config has no build env\n{text}");
}

#[test]
fn build_env_reaches_buildah_steps_only() {
    check(Engine::Buildah);
}

#[test]
fn build_env_reaches_classic_docker_steps_only() {
    check(Engine::Docker);
}

#[test]
fn build_env_reaches_buildkit_steps_only() {
    check(Engine::Buildkit);
}
