//! Every example's `app.img`, compiled by imgc, builds with buildah and with docker's classic
//! builder (its built-in BuildKit for the examples with cache mounts), and the image behaves as
//! the example promises; `imgc build` builds the same image as buildah (tests/src/builder.rs).
//! The examples that fetch from a registry are built, by every builder, as the variant that
//! trusts the network's CA (tests/src/egress.rs).

use imgc_tests::{Engine, checks, egress, ensure_test_env, example_dir};
use std::path::{Path, PathBuf};

/// Compiles `CONTEXT/app.img` for builders without BuildKit, or for BuildKit when it has a
/// line `# test: buildkit` (cache mounts: buildah 1.28 builds them, docker's classic builder
/// does not, so docker's built-in BuildKit builds those).
fn compile(context: &Path) -> (String, imgc::Target) {
    let path = context.join("app.img");
    let source = std::fs::read_to_string(&path).expect("readable");
    let target = if source.lines().any(|l| l.trim() == "# test: buildkit") {
        imgc::Target::Buildkit
    } else {
        imgc::Target::Classic
    };
    let compilation = imgc::compile_file(&path, &imgc::Options::default()).expect("readable");
    match compilation.dockerfile(target) {
        Ok(text) => (text, target),
        Err(errors) => panic!("{} does not compile:\n{}", path.display(), compilation.render(&errors, false)),
    }
}

/// The example's folder, or for one that fetches from a registry a copy whose `app.img` trusts
/// the network's CA (kept while the returned guard lives).
fn context(example: &str) -> (PathBuf, Option<egress::TrustingProgram>) {
    let dir = example_dir(example);
    if !egress::REGISTRY_EXAMPLES.contains(&example) {
        return (dir, None);
    }
    let source = std::fs::read_to_string(dir.join("app.img")).expect("readable");
    let trusting = egress::trusting_program(&source, &dir);
    (trusting.context.path().to_path_buf(), Some(trusting))
}

fn compiled(example: &str, engine: Engine) {
    ensure_test_env();
    let (context, _trusting) = context(example);
    let (dockerfile, target) = compile(&context);
    // BuildKit's built-in frontend: the named one in `# syntax=` cannot be pulled offline.
    let (engine, dockerfile) = match target {
        imgc::Target::Buildkit if engine == Engine::Docker => {
            (Engine::Buildkit, dockerfile.replacen("# syntax=docker/dockerfile:1\n", "", 1))
        }
        _ => (engine, dockerfile),
    };
    let image = engine
        .build_image(imgc_tests::Dockerfile::Text(&dockerfile), &context, &format!("{example}-imgc"))
        .unwrap_or_else(|e| panic!("{engine} build of {example}/app.img: {e}"));
    eprintln!("{engine}: built {example}/app.img as {} in {:.1}s", image.reference, image.build.duration.as_secs_f64());
    checks::check_example(example, engine, &image.reference);
    if engine == Engine::Buildah {
        // `imgc build` of the same program, `run` steps and all: checked against this build.
        imgc_tests::builder::builds_like_buildah(example, &context, &image.reference);
    }
}

#[test]
fn nginx_buildah() {
    compiled("nginx", Engine::Buildah);
}

#[test]
fn nginx_docker() {
    compiled("nginx", Engine::Docker);
}

#[test]
fn c_static_buildah() {
    compiled("c-static", Engine::Buildah);
}

#[test]
fn c_static_docker() {
    compiled("c-static", Engine::Docker);
}

#[test]
fn python_web_buildah() {
    compiled("python-web", Engine::Buildah);
}

#[test]
fn python_web_docker() {
    compiled("python-web", Engine::Docker);
}

#[test]
fn static_site_buildah() {
    compiled("static-site", Engine::Buildah);
}

#[test]
fn static_site_docker() {
    compiled("static-site", Engine::Docker);
}

#[test]
fn node_app_buildah() {
    compiled("node-app", Engine::Buildah);
}

#[test]
fn node_app_docker() {
    compiled("node-app", Engine::Docker);
}

#[test]
fn python_venv_buildah() {
    compiled("python-venv", Engine::Buildah);
}

#[test]
fn python_venv_docker() {
    compiled("python-venv", Engine::Docker);
}

#[test]
fn go_service_buildah() {
    compiled("go-service", Engine::Buildah);
}

#[test]
fn go_service_docker() {
    compiled("go-service", Engine::Docker);
}

/// Every example directory has an `app.img` that is tested above.
#[test]
fn every_example_has_a_program_and_a_check() {
    for example in checks::EXAMPLES {
        assert!(example_dir(example).join("app.img").is_file(), "examples/{example}/app.img is missing");
        compile(&example_dir(example));
    }
}

/// The trusting variant of a program that fetches from a registry compiles to the trusting
/// variant of its Dockerfile (tests/src/egress.rs): `imgc build` and the other builders trust the
/// CA the same way, so they build one program.
#[test]
fn trusting_programs_compile_to_the_trusting_dockerfiles() {
    for example in egress::REGISTRY_EXAMPLES {
        let (trusting_context, _trusting) = context(example);
        let (original, _) = compile(&example_dir(example));
        let expected = egress::trusting(&original, &example_dir(example)).dockerfile;
        assert_eq!(compile(&trusting_context).0, expected, "{example}");
    }
}
