//! Values interpolated into a shell command reach the program exactly, whatever they hold:
//! built and run for real.

use imgc_tests::{Engine, ensure_test_env};

/// A value full of what shells interpret: quotes, substitutions, separators, globs, newlines.
const NASTY: &str = "it's \"quoted\" $(echo injected) `echo backtick` ; echo semi && false || true | cat\n\
second line\twith tab \\ backslash \\n not-a-newline $HOME ${HOME} * ? [a] ~ # not a comment & bg > redirect";

fn program(value: &str) -> String {
    // The value goes through a `let`, a list splice and a direct interpolation.
    let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$");
    format!(
        "let value = \"{escaped}\"\nlet words = [value, \"two words\", \"\"]\n\
         image from \"busybox:1.35\" {{\n    run \"printf '%s' ${{value}} > /value.txt\"\n    \
         run \"printf '<%s>' ${{words}} > /words.txt\"\n}}\n"
    )
}

fn dockerfile(value: &str) -> String {
    let compilation = imgc::compile_source("interpolation.img", &program(value), &imgc::Options::default());
    match compilation.dockerfile(imgc::Target::Classic) {
        Ok(text) => text,
        Err(errors) => panic!("does not compile:\n{}", compilation.render(&errors, false)),
    }
}

fn check(engine: Engine) {
    ensure_test_env();
    let text = dockerfile(NASTY);
    let context = tempfile::tempdir().expect("temp dir");
    let image = engine
        .build_image(imgc_tests::Dockerfile::Text(&text), context.path(), "interpolation")
        .unwrap_or_else(|e| panic!("{engine} build failed: {e}\n{text}"));
    let value = engine.exec(&image.reference, &["cat", "/value.txt"]).expect("cat value");
    assert_eq!(value.stdout, NASTY, "{engine}: the value changed on its way through the shell\n{text}");
    let words = engine.exec(&image.reference, &["cat", "/words.txt"]).expect("cat words");
    assert_eq!(words.stdout, format!("<{NASTY}><two words><>"), "{engine}: list splice\n{text}");
}

#[test]
fn nasty_values_survive_buildah() {
    check(Engine::Buildah);
}

#[test]
fn nasty_values_survive_docker() {
    check(Engine::Docker);
}
