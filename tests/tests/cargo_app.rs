//! examples/cargo-app for real: `cargo build` runs its build.rs, which writes the Dockerfile and
//! the constants from app.img; the image builds from that Dockerfile with buildah and with docker,
//! and the server in it answers on the port app.img declares. With `--features image` the build
//! script builds the image itself (`Image::oci`, its `run` steps in runc), and docker runs it.

use imgc_tests::{Dockerfile, Engine, checks, ensure_test_env, example_dir};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The crate's version, which build.rs passes to app.img.
const VERSION: &str = "0.1.0";

/// Runs `cargo build` in examples/cargo-app once per process (in the target folder the
/// build-script tests share, so imgc is compiled once), and returns the Dockerfile it wrote.
fn cargo_build() -> &'static str {
    static DOCKERFILE: OnceLock<String> = OnceLock::new();
    DOCKERFILE.get_or_init(|| {
        let dir = example_dir("cargo-app");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-tests");
        // The example alone is cleaned (imgc stays built): its build.rs runs now, whatever an
        // earlier build left (a checkout cleaned of the files it writes would not rerun it).
        let clean = Command::new(&cargo)
            .args(["clean", "-p", "cargo-app"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo clean");
        assert!(clean.status.success(), "cargo clean -p cargo-app:\n{}", String::from_utf8_lossy(&clean.stderr));
        let out = Command::new(cargo)
            .arg("build")
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .expect("run cargo");
        assert!(out.status.success(), "cargo build in {}:\n{}", dir.display(), String::from_utf8_lossy(&out.stderr));
        let path = dir.join("Dockerfile");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("build.rs wrote no {}: {e}", path.display()))
    })
}

/// The port app.img exposes, as the library reads it.
fn declared_port() -> u16 {
    let path = example_dir("cargo-app").join("app.img");
    let options = imgc::Options { args: vec![("version".into(), VERSION.into())] };
    let compilation = imgc::compile_file(&path, &options).expect("readable");
    let program = compilation.program.as_ref().expect("app.img compiles");
    let facts = imgc::facts::ImageFacts::of(program);
    match facts.ports.as_slice() {
        [port] if port.protocol == "tcp" => port.number,
        other => panic!("app.img should expose one TCP port, not {other:?}"),
    }
}

fn built_and_served(engine: Engine) {
    ensure_test_env();
    let dockerfile = cargo_build();
    let path = example_dir("cargo-app").join("app.img");
    let options = imgc::Options { args: vec![("version".into(), VERSION.into())] };
    let expected = imgc::compile_file(&path, &options).expect("readable").dockerfile(imgc::Target::Classic);
    assert_eq!(Ok(dockerfile), expected.as_deref(), "build.rs wrote what imgc makes of app.img");

    let dir = example_dir("cargo-app");
    let image = engine
        .build_image(Dockerfile::Path(&dir.join("Dockerfile")), &dir, "cargo-app")
        .unwrap_or_else(|e| panic!("{engine} build of examples/cargo-app: {e}"));
    eprintln!("{engine}: built cargo-app as {} in {:.1}s", image.reference, image.build.duration.as_secs_f64());
    checks::check_cargo_app(engine, &image.reference, declared_port(), VERSION);
}

#[test]
fn cargo_app_buildah() {
    built_and_served(Engine::Buildah);
}

#[test]
fn cargo_app_docker() {
    built_and_served(Engine::Docker);
}

#[test]
fn cargo_app_image_from_its_build_script() {
    ensure_test_env();
    let dir = example_dir("cargo-app");
    let layout = dir.join("target/image");
    let _ = std::fs::remove_dir_all(&layout);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--features", "image"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-tests"))
        .env("CARGO_TERM_COLOR", "never")
        // The base from docker's store, where the setup script put it (no registry here).
        .env("CARGO_APP_BASE", "docker-daemon:debian:bookworm-slim")
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "cargo build --features image:\n{}", String::from_utf8_lossy(&out.stderr));
    let tag = imgc_tests::unique_tag(Engine::Docker, "builder-cargo-app");
    let source = format!("oci:{}:latest", layout.display());
    imgc_tests::oci::skopeo(&["copy", "-q", &source, &format!("docker-daemon:{tag}")]).expect("load into docker");
    let result = std::panic::catch_unwind(|| checks::check_cargo_app(Engine::Docker, &tag, declared_port(), VERSION));
    let _ = imgc_tests::docker::remove_image(&tag);
    let _ = std::fs::remove_dir_all(&layout);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
