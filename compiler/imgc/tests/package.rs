//! The published packages build on their own: `cargo package` of every crate succeeds, and a
//! project that depends on the packaged `imgc` (unpacked from its `.crate` file, its sibling
//! crates from theirs) compiles every example to the same Dockerfile as this checkout. This is
//! what `cargo install imgc` and a build script depending on the published crate rely on.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.env("CARGO_TERM_COLOR", "never");
    command
}

const CRATES: [&str; 4] = ["imgc-dockerfile", "imgc-core", "imgc-builder", "imgc"];

const MAIN_RS: &str = r#"
fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        let compilation = imgc::compile_file(path.as_ref(), &imgc::Options::default()).expect("readable");
        match compilation.dockerfile(imgc::Target::Buildkit) {
            Ok(text) => print!("==> {path}\n{text}"),
            Err(_) => failed = true,
        }
    }
    std::process::exit(i32::from(failed));
}
"#;

#[test]
fn packaged_crates_build_and_compile_the_examples() {
    let work = tempfile::Builder::new().prefix("imgc-package-").tempdir().expect("temp dir");
    let package_target = work.path().join("package-target");
    let mut package = cargo();
    package.args(["package", "--no-verify", "--allow-dirty", "--target-dir"]).arg(&package_target);
    for name in CRATES {
        package.args(["-p", name]);
    }
    let out = package.current_dir(repo()).output().expect("run cargo package");
    assert!(out.status.success(), "cargo package failed:\n{}", String::from_utf8_lossy(&out.stderr));

    // Unpack each .crate as a registry would.
    let unpacked = work.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).expect("mkdir");
    for name in CRATES {
        let file = package_target.join("package").join(format!("{name}-0.1.0.crate"));
        let tar = Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(&unpacked).status().expect("run tar");
        assert!(tar.success(), "cannot unpack {}", file.display());
    }
    let listing = |name: &str| unpacked.join(format!("{name}-0.1.0"));
    for module in ["apt", "user", "log"] {
        assert!(listing("imgc-core").join(format!("stdlib/{module}.img")).is_file(), "std.{module} not packaged");
    }

    // A consumer that depends on the packaged imgc only, as a build script does.
    let consumer = work.path().join("consumer");
    std::fs::create_dir_all(consumer.join("src")).expect("mkdir");
    let mut manifest = format!(
        "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nimgc = {{ path = {:?}, default-features = false }}\n\n[patch.crates-io]\n",
        listing("imgc").display().to_string()
    );
    for name in ["imgc-dockerfile", "imgc-core", "imgc-builder"] {
        manifest.push_str(&format!("{name} = {{ path = {:?} }}\n", listing(name).display().to_string()));
    }
    manifest.push_str("\n[workspace]\n");
    std::fs::write(consumer.join("Cargo.toml"), manifest).expect("write manifest");
    std::fs::copy(repo().join("Cargo.lock"), consumer.join("Cargo.lock")).expect("copy Cargo.lock");
    std::fs::write(consumer.join("src/main.rs"), MAIN_RS).expect("write main.rs");

    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .expect("examples")
        .flatten()
        .map(|e| e.path().join("app.img"))
        .filter(|p| p.is_file())
        .collect();
    examples.sort();
    assert!(examples.len() >= 4, "{examples:?}");
    let run = cargo()
        .args(["run", "--quiet", "--"])
        .args(&examples)
        .current_dir(&consumer)
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("package-tests"))
        .output()
        .expect("run cargo");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "the packaged imgc failed:\n{}\n{stdout}", String::from_utf8_lossy(&run.stderr));

    let mut expected = String::new();
    for path in &examples {
        let compilation = imgc::compile_file(path, &imgc::Options::default()).expect("readable");
        let text = compilation.dockerfile(imgc::Target::Buildkit).expect("the example compiles");
        expected.push_str(&format!("==> {}\n{text}", path.display()));
    }
    assert_eq!(stdout, expected);
}
