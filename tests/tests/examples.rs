//! Every example's `app.img`, compiled by imgc, builds with buildah and with docker's classic
//! builder, and the image behaves as the example promises; `imgc build` builds the same image as
//! buildah (tests/src/builder.rs).

use imgc_tests::{Engine, build_example_text, checks, ensure_test_env, example_dir};

/// Compiles `examples/NAME/app.img` for builders without BuildKit.
fn compile(example: &str) -> String {
    let path = example_dir(example).join("app.img");
    let compilation = imgc::compile_file(&path, &imgc::Options::default()).expect("readable");
    match compilation.dockerfile(imgc::Target::Classic) {
        Ok(text) => text,
        Err(errors) => panic!("{} does not compile:\n{}", path.display(), compilation.render(&errors, false)),
    }
}

fn compiled(example: &str, engine: Engine) {
    ensure_test_env();
    let dockerfile = compile(example);
    let image = build_example_text(engine, example, &dockerfile, &format!("{example}-imgc"));
    eprintln!("{engine}: built {example}/app.img as {} in {:.1}s", image.reference, image.build.duration.as_secs_f64());
    checks::check_example(example, engine, &image.reference);
    if engine == Engine::Buildah {
        // `imgc build` of the same program, `run` steps and all: checked against this build.
        imgc_tests::builder::builds_like_buildah(example, &image.reference);
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

/// Every example directory has an `app.img` that is tested above.
#[test]
fn every_example_has_a_program_and_a_check() {
    for example in checks::EXAMPLES {
        assert!(example_dir(example).join("app.img").is_file(), "examples/{example}/app.img is missing");
        compile(example);
    }
}
