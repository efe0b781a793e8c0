//! `imgc::build_script` under cargo: scratch Cargo projects depend on imgc by path, and
//! `cargo build -v` runs their build.rs. The checks are on what cargo does: the outputs it leaves,
//! whether it reruns the build script (`Running …/build-script-build` in its log, or `Fresh`), the
//! warnings and errors it shows, and the constants the program is compiled with.
//!
//! The projects share one target folder, `$CARGO_TARGET_TMPDIR/build-script-tests`, so imgc is
//! compiled once (the first run takes a minute or two); each test uses its own package name.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const BUILD_RS: &str = r#"fn main() -> Result<(), imgc::build_script::Error> {
    imgc::build_script::Image::new("deploy/app.img")
        .arg("version", "1.2.3")
        .context(".")
        .dockerfile("deploy/Dockerfile")
        .rust_constants("image.rs")
        .run()?;
    Ok(())
}
"#;

const APP_IMG: &str = r#"import "./lib.img" as lib

arg version = "0.0.0"
let http: port = 8080/tcp

image web from "debian:bookworm-slim" {
    copy "static/" to "/srv/static/"
    copy "config.toml" to "/etc/app/"
    lib.logging()
    env { APP_GREETING = "Hello from ${version}" }
    label "org.opencontainers.image.version" = version
    expose http, 53/udp
    user "app"
    cmd ["/usr/local/bin/app"]
}
"#;

const LIB_IMG: &str = "fn logging() {\n    env { LOG_LEVEL = \"info\" }\n}\n";

/// Prints the constants, one fact a line; uses the typed ones so a missing name fails to compile.
const MAIN_RS: &str = r#"include!(concat!(env!("OUT_DIR"), "/image.rs"));

fn main() {
    println!("out_dir {}", env!("OUT_DIR"));
    println!("name {:?}", image::NAME);
    println!("user {:?}", image::USER);
    for port in image::PORTS {
        println!("port {}/{}", port.number, port.protocol.as_str());
    }
    for (key, value) in image::LABELS {
        println!("label {key}={value}");
    }
    for var in image::ENV {
        println!("env {}={}", var.name, var.default);
    }
    let typed: [image::Var; 2] = [image::env::APP_GREETING, image::env::LOG_LEVEL];
    println!("typed {:?}", typed.map(|var| var.name));
}
"#;

/// What MAIN_RS prints for APP_IMG, after the `out_dir` line.
const FACTS: &str = r#"name Some("web")
user Some("app")
port 8080/tcp
port 53/udp
label org.opencontainers.image.version=1.2.3
env APP_GREETING=Hello from 1.2.3
env LOG_LEVEL=info
typed ["APP_GREETING", "LOG_LEVEL"]
"#;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch package `name` that build-depends on imgc.
struct Project {
    name: String,
    dir: tempfile::TempDir,
}

/// One `cargo build -v`.
struct Build {
    success: bool,
    /// cargo's standard error, where its log goes.
    log: String,
}

impl Build {
    /// Whether cargo ran this package's build script.
    fn reran(&self, project: &Project) -> bool {
        let script = format!("/{}-", project.name);
        self.log.lines().any(|l| l.contains("Running `") && l.contains(&script) && l.contains("build-script-build`"))
    }
}

impl Project {
    fn new(name: &str) -> Project {
        let dir = tempfile::Builder::new().prefix("imgc-build-script-").tempdir().expect("temp dir");
        let project = Project { name: name.to_string(), dir };
        let compiler = Path::new(env!("CARGO_MANIFEST_DIR"));
        project.write(
            "Cargo.toml",
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [build-dependencies]\nimgc = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
                compiler.display().to_string()
            ),
        );
        // The workspace's versions, so the shared target folder's imgc is reused.
        fs::copy(repo().join("Cargo.lock"), project.path("Cargo.lock")).expect("copy Cargo.lock");
        project.write("build.rs", BUILD_RS);
        project.write("src/main.rs", MAIN_RS);
        project.write("deploy/app.img", APP_IMG);
        project.write("deploy/lib.img", LIB_IMG);
        project.write("static/index.html", "<h1>hi</h1>\n");
        project.write("config.toml", "level = 1\n");
        project.write("README.md", "not read by the image\n");
        project
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap_or_else(|e| panic!("read {relative}: {e}"))
    }

    /// Sets the file's modification time to now, leaving its content alone.
    fn touch(&self, relative: &str) {
        let file = fs::File::options().write(true).open(self.path(relative)).expect("open");
        file.set_modified(SystemTime::now()).expect("set mtime");
    }

    fn build(&self) -> Build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-tests");
        let out = Command::new(cargo)
            .args(["build", "-v"])
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .expect("run cargo");
        let log = String::from_utf8_lossy(&out.stderr).into_owned();
        Build { success: out.status.success(), log }
    }

    fn build_ok(&self) -> Build {
        let build = self.build();
        assert!(build.success, "cargo build failed:\n{}", build.log);
        build
    }

    /// Runs the program cargo built and returns its output.
    fn run(&self) -> String {
        let binary = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-script-tests/debug").join(&self.name);
        let out = Command::new(&binary).output().unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
        assert!(out.status.success(), "{} failed: {:?}", binary.display(), out);
        String::from_utf8(out.stdout).expect("UTF-8")
    }
}

fn modified(path: &Path) -> SystemTime {
    fs::metadata(path).and_then(|m| m.modified()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The Dockerfile the `imgc` library makes of the project's program.
fn expected_dockerfile(project: &Project) -> String {
    let options = imgc::Options { args: vec![("version".into(), "1.2.3".into())] };
    let compilation = imgc::compile_file(&project.path("deploy/app.img"), &options).expect("readable");
    compilation.dockerfile(imgc::Target::Buildkit).expect("compiles")
}

#[test]
fn outputs_reruns_and_constants() {
    let project = Project::new("scratch-reruns");
    let first = project.build_ok();
    assert!(first.reran(&project), "the first build runs the script:\n{}", first.log);
    assert_eq!(project.read("deploy/Dockerfile"), expected_dockerfile(&project));

    let output = project.run();
    let (out_dir, facts) = output.split_once('\n').expect("lines");
    assert_eq!(facts, FACTS, "the constants are the program's values");
    let constants = Path::new(out_dir.strip_prefix("out_dir ").expect("OUT_DIR first")).join("image.rs");
    let dockerfile = project.path("deploy/Dockerfile");
    let stamps = || (modified(&dockerfile), modified(&constants));
    let written = stamps();

    let again = project.build_ok();
    assert!(!again.reran(&project), "nothing changed: the script must not rerun:\n{}", again.log);
    assert!(again.log.contains(&format!("Fresh {} v0.1.0", project.name)), "{}", again.log);

    project.touch("README.md");
    let unrelated = project.build_ok();
    assert!(!unrelated.reran(&project), "a file the image does not read:\n{}", unrelated.log);

    for input in ["deploy/app.img", "deploy/lib.img", "static/index.html", "config.toml"] {
        project.touch(input);
        let build = project.build_ok();
        assert!(build.reran(&project), "touching {input} reruns the script:\n{}", build.log);
        assert_eq!(stamps(), written, "same bytes after touching {input}: the outputs are not rewritten");
        let fresh = project.build_ok();
        assert!(!fresh.reran(&project), "after the rerun for {input}, fresh again:\n{}", fresh.log);
    }

    project.write("deploy/app.img", &APP_IMG.replace("8080/tcp", "9090/tcp"));
    let changed = project.build_ok();
    assert!(changed.reran(&project));
    assert!(project.read("deploy/Dockerfile").contains("EXPOSE 9090/tcp 53/udp"));
    assert_ne!(stamps().0, written.0, "the Dockerfile changed");
    assert!(project.run().contains("\nport 9090/tcp\nport 53/udp\n"), "the program follows the image");
}

#[test]
fn errors_fail_the_build_and_warnings_reach_cargo() {
    let project = Project::new("scratch-errors");
    project.write("deploy/app.img", &APP_IMG.replace("let http: port = 8080/tcp", "let http: port = true"));
    let failed = project.build();
    assert!(!failed.success, "a type error fails the build:\n{}", failed.log);
    for expected in [
        "error[E0003]: expected `port`, found `bool`",
        "┌─ deploy/app.img:4:18",
        "let http: port = true",
        "could not compile `deploy/app.img` (1 error)",
    ] {
        assert!(failed.log.contains(expected), "cargo's output shows {expected:?}:\n{}", failed.log);
    }
    assert!(!project.path("deploy/Dockerfile").exists(), "nothing is written");

    project.write("deploy/app.img", &APP_IMG.replace("copy \"config.toml\"", "copy \"settings.toml\""));
    let warned = project.build_ok();
    let warning = format!(
        "warning: {}@0.1.0: `settings.toml` is not in the build context `{}`",
        project.name,
        project.dir.path().display()
    );
    assert!(warned.log.contains(&warning), "{warning:?} in:\n{}", warned.log);
    assert!(project.path("deploy/Dockerfile").exists());
}

/// The code block of `chapter` that follows the line `after`.
fn block_after<'a>(chapter: &'a str, after: &str) -> &'a str {
    let start = chapter.find(after).unwrap_or_else(|| panic!("no {after:?} in the chapter"));
    let rest = &chapter[start..];
    let body = &rest[rest.find("```").expect("a code block")..];
    let body = &body[body.find('\n').expect("an info line") + 1..];
    &body[..body.find("```").expect("a closing fence")]
}

/// The book's chapter shows examples/cargo-app as it is, and the constants build.rs makes of it.
#[test]
fn the_book_shows_the_example() {
    let chapter = fs::read_to_string(repo().join("book/src/cargo.md")).expect("read the chapter");
    let example = repo().join("examples/cargo-app");
    let program = fs::read_to_string(example.join("app.img")).expect("read app.img");
    assert_eq!(block_after(&chapter, "`app.img`:\n"), program, "the chapter's app.img is the example's");

    let options = imgc::Options { args: vec![("version".into(), "0.1.0".into())] };
    let compilation = imgc::compile_file(&example.join("app.img"), &options).expect("readable");
    let facts = imgc::facts::ImageFacts::of(compilation.program.as_ref().expect("compiles"));
    let constants = imgc::emit::rust::constants(&facts, "image", "app.img");
    assert_eq!(block_after(&chapter, "and this module, as"), constants, "the chapter's image.rs");
}
