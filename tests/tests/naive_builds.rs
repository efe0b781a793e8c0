//! Every example's `Dockerfile.naive` builds with buildah and with docker, and
//! the image behaves as its example's check expects.

use imgc_tests::{Engine, build_example, checks, ensure_test_env};

fn naive(example: &str, engine: Engine) {
    ensure_test_env();
    let image = build_example(engine, example, "Dockerfile.naive");
    eprintln!(
        "{engine}: built {example}/Dockerfile.naive as {} in {:.1}s",
        image.reference,
        image.build.duration.as_secs_f64()
    );
    checks::check_example(example, engine, &image.reference);
}

#[test]
fn nginx_buildah() {
    naive("nginx", Engine::Buildah);
}

#[test]
fn nginx_docker() {
    naive("nginx", Engine::Docker);
}

#[test]
fn c_static_buildah() {
    naive("c-static", Engine::Buildah);
}

#[test]
fn c_static_docker() {
    naive("c-static", Engine::Docker);
}

#[test]
fn python_web_buildah() {
    naive("python-web", Engine::Buildah);
}

#[test]
fn python_web_docker() {
    naive("python-web", Engine::Docker);
}

#[test]
fn static_site_buildah() {
    naive("static-site", Engine::Buildah);
}

#[test]
fn static_site_docker() {
    naive("static-site", Engine::Docker);
}

#[test]
fn node_app_buildah() {
    naive("node-app", Engine::Buildah);
}

#[test]
fn node_app_docker() {
    naive("node-app", Engine::Docker);
}

#[test]
fn python_venv_buildah() {
    naive("python-venv", Engine::Buildah);
}

#[test]
fn python_venv_docker() {
    naive("python-venv", Engine::Docker);
}

#[test]
fn go_service_buildah() {
    naive("go-service", Engine::Buildah);
}

#[test]
fn go_service_docker() {
    naive("go-service", Engine::Docker);
}

/// Every example with a check has a naive Dockerfile tested above.
#[test]
fn every_example_is_covered() {
    for example in checks::EXAMPLES {
        let dir = imgc_tests::example_dir(example);
        assert!(dir.join("Dockerfile.naive").is_file(), "{} has no Dockerfile.naive", dir.display());
    }
}
