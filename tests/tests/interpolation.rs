//! Values interpolated into a shell command reach the program exactly, whatever they hold and
//! wherever the command inserts them (a bare word, inside `"…"` or `'…'`, a here-document's body,
//! `$(…)`, backquotes): built and run for real on buildah, docker's classic builder and BuildKit.

use imgc_tests::{Engine, ensure_test_env};

/// A value full of what shells interpret: quotes, substitutions, separators, globs, newlines.
const NASTY: &str = "it's \"quoted\" $(echo injected) `echo backtick` ; echo semi && false || true | cat\n\
second line\twith tab \\ backslash \\n not-a-newline $HOME ${HOME} * ? [a] ~ # not a comment & bg > redirect";

/// A build argument's value: what a Dockerfile `ARG` default can hold (no line break).
const NASTY_ARG: &str = "it's \"quoted\" $(echo injected) `echo bt` ; a  b \\ * ~";

/// What a context's file must hold, given the inserted text.
type Expected = fn(&str) -> String;

/// Each context: the file the step writes, the command (`@` is the interpolation) and what the
/// file must hold.
const CONTEXTS: &[(&str, &str, Expected)] = &[
    ("bare", "printf '%s' @ > /bare.txt", |v| v.to_string()),
    ("double", "printf '%s' \\\"@\\\" > /double.txt", |v| v.to_string()),
    ("single", "printf '%s' '@' > /single.txt", |v| v.to_string()),
    ("heredoc", "cat > /heredoc.txt <<EOF\\n@\\nEOF\\n", |v| format!("{v}\n")),
    ("quoted-heredoc", "cat > /quoted-heredoc.txt <<'EOF'\\n@\\nEOF\\n", |v| format!("{v}\n")),
    ("substitution", "printf '%s' \\\"$(printf '%s' @)\\\" > /substitution.txt", |v| v.to_string()),
    ("backquotes", "x=`printf '%s' @`; printf '%s' \\\"$x\\\" > /backquotes.txt", |v| v.to_string()),
    ("in-word", "printf '%s' prefix-@-suffix > /in-word.txt", |v| format!("prefix-{v}-suffix")),
];

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$").replace('\n', "\\n")
}

fn program() -> String {
    // The value goes through a `let`, a list splice and a direct interpolation in every context;
    // the build argument in every context where the shell can expand it.
    let mut steps = String::new();
    for (name, command, _) in CONTEXTS {
        steps.push_str(&format!("    run \"{}\"\n", command.replace('@', "${value}")));
        if *name != "quoted-heredoc" {
            let arg_command = command.replace(&format!("/{name}.txt"), &format!("/arg-{name}.txt"));
            steps.push_str(&format!("    run \"{}\"\n", arg_command.replace('@', "${nasty}")));
        }
    }
    format!(
        "arg nasty = \"{}\"\nlet value = \"{}\"\nlet words = [value, \"two words\", \"\"]\n\
         image from \"busybox:1.35\" {{\n{steps}    run \"printf '<%s>' ${{words}} > /words.txt\"\n}}\n",
        escape(NASTY_ARG),
        escape(NASTY)
    )
}

fn dockerfile(target: imgc::Target) -> String {
    let compilation = imgc::compile_source("interpolation.img", &program(), &imgc::Options::default());
    match compilation.dockerfile(target) {
        Ok(text) => text,
        Err(errors) => panic!("does not compile:\n{}", compilation.render(&errors, false)),
    }
}

fn check(engine: Engine) {
    ensure_test_env();
    // For BuildKit, the here-document contexts are written as `RUN` here-documents, which need the
    // `docker/dockerfile:1` frontend: offline, docker's BuildKit has only its built-in frontend,
    // which reads none. The other contexts are written alike for both targets, so BuildKit builds
    // the classic output (the here-document form is checked in compiler/imgc/tests/language.rs).
    let buildkit = dockerfile(imgc::Target::Buildkit);
    assert!(buildkit.contains("\nRUN cat > /heredoc.txt <<EOF\n"), "{buildkit}");
    let text = dockerfile(imgc::Target::Classic);
    let context = tempfile::tempdir().expect("temp dir");
    let image = engine
        .build_image(imgc_tests::Dockerfile::Text(&text), context.path(), "correct-interpolation")
        .unwrap_or_else(|e| panic!("{engine} build failed: {e}\n{text}"));
    let read = |file: &str| engine.exec(&image.reference, &["cat", file]).expect("cat").stdout;
    for (name, _, expected) in CONTEXTS {
        assert_eq!(read(&format!("/{name}.txt")), expected(NASTY), "{engine}: the value in context {name}\n{text}");
        if *name != "quoted-heredoc" {
            let got = read(&format!("/arg-{name}.txt"));
            assert_eq!(got, expected(NASTY_ARG), "{engine}: the build argument in context {name}\n{text}");
        }
    }
    assert_eq!(read("/words.txt"), format!("<{NASTY}><two words><>"), "{engine}: list splice\n{text}");
}

#[test]
fn nasty_values_survive_buildah() {
    check(Engine::Buildah);
}

#[test]
fn nasty_values_survive_docker() {
    check(Engine::Docker);
}

#[test]
fn nasty_values_survive_buildkit() {
    check(Engine::Buildkit);
}
