//! Compiling a `.img` program from a Cargo build script, so `cargo build` keeps the Dockerfile,
//! and the constants the program shares with its image, in step with the program.
//!
//! In `build.rs` (with `imgc = { …, default-features = false }` under `[build-dependencies]`):
//!
//! ```no_run
//! use imgc::build_script::{Error, Image};
//!
//! fn main() -> Result<(), Error> {
//!     Image::new("deploy/app.img")
//!         .arg("version", env!("CARGO_PKG_VERSION"))
//!         .dockerfile("Dockerfile")
//!         .rust_constants("image.rs")
//!         .run()?;
//!     Ok(())
//! }
//! ```
//!
//! and in the program, `include!(concat!(env!("OUT_DIR"), "/image.rs"));` defines the module
//! `image`, with `image::PORTS`, `image::env::APP_PORT` and the rest (see [`Image::rust_constants`]).
//!
//! [`Image::run`] checks the program as `imgc dockerfile` does and prints what cargo needs:
//! `cargo:rerun-if-changed` for the program, its modules and the build-context paths its steps
//! read, so cargo reruns the script exactly when one changes; warnings as `cargo:warning`. Errors
//! fail the build script with the diagnostics as imgc renders them. An output is written only
//! when its bytes change, so nothing downstream rebuilds for nothing.
//!
//! The same run, outside cargo, with the folders given and the lines cargo would read captured:
//!
//! ```
//! use imgc::build_script::{BuildEnv, Image};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let package = tempfile::tempdir()?; // CARGO_MANIFEST_DIR
//! let out_dir = tempfile::tempdir()?; // OUT_DIR
//! std::fs::create_dir(package.path().join("static"))?;
//! std::fs::write(
//!     package.path().join("app.img"),
//!     r#"
//! arg version = "dev"
//! let http: port = 8080/tcp
//!
//! image app from "debian:bookworm-slim" {
//!     copy "static/" to "/srv/static/"
//!     env { APP_PORT = "${http.number}" }
//!     label "org.opencontainers.image.version" = version
//!     expose http
//!     cmd ["/usr/local/bin/app"]
//! }
//! "#,
//! )?;
//!
//! let env = BuildEnv { manifest_dir: package.path().into(), out_dir: out_dir.path().into() };
//! let image = Image::new("app.img").arg("version", "1.4.0").dockerfile("Dockerfile").rust_constants("image.rs");
//! let mut cargo = Vec::new();
//! let built = image.clone().run_in(&env, &mut cargo)?;
//!
//! let dockerfile = std::fs::read_to_string(package.path().join("Dockerfile"))?;
//! assert!(dockerfile.contains("EXPOSE 8080/tcp"));
//! assert_eq!(built.dockerfile, dockerfile);
//! let constants = std::fs::read_to_string(out_dir.path().join("image.rs"))?;
//! assert!(constants.contains("Port { number: 8080, protocol: Protocol::Tcp }"));
//! assert!(constants.contains(r#"("org.opencontainers.image.version", "1.4.0")"#));
//!
//! let cargo = String::from_utf8(cargo)?;
//! let watched = |path: &std::path::Path| format!("cargo:rerun-if-changed={}", path.display());
//! assert!(cargo.lines().any(|line| line == watched(&package.path().join("app.img"))));
//! assert!(cargo.lines().any(|line| line == watched(&package.path().join("static"))));
//! assert_eq!(built.written.len(), 2);
//!
//! // Nothing changed: nothing is written again.
//! let again = image.run_in(&env, &mut Vec::new())?;
//! assert!(again.written.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! This path compiles no more than the compiler itself: depend on imgc with
//! `default-features = false` to leave out the command line's dependencies.

#[cfg(feature = "oci")]
mod oci_image;
mod watch;

use crate::diagnostics::Diagnostic;
use crate::emit::rust;
use crate::facts::ImageFacts;
use crate::modules::{Loader, normalize};
use crate::{InputError, Options, Target};
use std::io::Write;
use std::path::{Path, PathBuf};
use watch::Watch;

/// A program to compile and the outputs to write. Relative paths are taken in the package
/// folder (`CARGO_MANIFEST_DIR`), except where a method says otherwise.
#[derive(Debug, Clone)]
pub struct Image {
    program: PathBuf,
    context: Option<PathBuf>,
    options: Options,
    target: Target,
    dockerfile: Option<PathBuf>,
    rust_constants: Vec<PathBuf>,
    /// Where to build the image, as `imgc build --output` takes it.
    #[cfg(feature = "oci")]
    oci: Option<String>,
    /// Base images mapped to local ones, as `imgc build --base-image` maps them.
    #[cfg(feature = "oci")]
    base_images: Vec<(String, String)>,
}

/// The folders cargo gives a build script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildEnv {
    /// `CARGO_MANIFEST_DIR`: the package's folder.
    pub manifest_dir: PathBuf,
    /// `OUT_DIR`: the script's output folder.
    pub out_dir: PathBuf,
}

impl BuildEnv {
    /// Reads `CARGO_MANIFEST_DIR` and `OUT_DIR`, which cargo sets when it runs a build script.
    pub fn from_cargo() -> Result<BuildEnv, Error> {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
                Error::Environment(format!("`{name}` is not set: run this from a Cargo build script (build.rs)"))
            })
        };
        Ok(BuildEnv { manifest_dir: var("CARGO_MANIFEST_DIR")?, out_dir: var("OUT_DIR")? })
    }
}

/// What a successful run produced.
#[derive(Debug, Clone)]
pub struct Built {
    pub dockerfile: String,
    pub facts: ImageFacts,
    /// The manifest digest of the image built with [`Image::oci`], if one was.
    pub image: Option<String>,
    /// The outputs whose bytes changed, which were therefore written.
    pub written: Vec<PathBuf>,
    /// The paths given to `cargo:rerun-if-changed`, sorted.
    pub watched: Vec<PathBuf>,
}

impl Image {
    /// The program at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Image {
        Image {
            program: path.into(),
            context: None,
            options: Options::default(),
            target: Target::default(),
            dockerfile: None,
            rust_constants: Vec::new(),
            #[cfg(feature = "oci")]
            oci: None,
            #[cfg(feature = "oci")]
            base_images: Vec::new(),
        }
    }

    /// Sets a build argument, like `imgc --arg NAME=VALUE`.
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Image {
        self.options.args.push((name.into(), value.into()));
        self
    }

    /// The build context, the folder `copy` reads from; by default the program's folder.
    pub fn context(mut self, folder: impl Into<PathBuf>) -> Image {
        self.context = Some(folder.into());
        self
    }

    /// The builders the Dockerfile must work with (BuildKit by default), like `imgc --target`.
    pub fn target(mut self, target: Target) -> Image {
        self.target = target;
        self
    }

    /// Writes the Dockerfile to `path`.
    pub fn dockerfile(mut self, path: impl Into<PathBuf>) -> Image {
        self.dockerfile = Some(path.into());
        self
    }

    /// Writes a Rust module of the image's [facts](ImageFacts) to `path`: a relative path is
    /// taken in `OUT_DIR`. The file `NAME.rs` holds `pub mod NAME`, with the types `Port`,
    /// `Protocol` and `Var`, and `NAME`, `USER`, `PORTS`, `LABELS`, `ENV` and one constant per
    /// variable in `NAME::env`. The code compiles with Rust 1.63 and later. May be given more than
    /// once, for instance to put a copy in the build context for a build stage that compiles the
    /// program without this script.
    pub fn rust_constants(mut self, path: impl Into<PathBuf>) -> Image {
        self.rust_constants.push(path.into());
        self
    }

    /// Also builds the image, as `imgc build` does, to `destination`: `oci:DIR[:TAG]`,
    /// `oci-archive:FILE[:TAG]` or `docker-archive:FILE[:NAME:TAG]`, a relative path taken in the
    /// package folder (`docker://…` pushes, which a build script should rarely do). Needs imgc's
    /// feature `oci`; make it opt-in with a feature of your own, so a plain `cargo build` stays
    /// fast:
    ///
    /// ```toml
    /// [features]
    /// image = ["imgc/oci"]
    /// ```
    ///
    /// and in `build.rs`, `#[cfg(feature = "image")] let image = image.oci("oci:target/image:latest");`.
    /// `run` steps run as with `imgc build` (runc, as root); the layer and run caches make a
    /// rebuild of unchanged files cheap.
    #[cfg(feature = "oci")]
    pub fn oci(mut self, destination: impl Into<String>) -> Image {
        self.oci = Some(destination.into());
        self
    }

    /// Builds `from "NAME"` on a local image (for [`oci`](Self::oci)), as `imgc build
    /// --base-image NAME=LOCATION` does: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]` (a relative
    /// path taken in the package folder), `docker-daemon:NAME` or `containers-storage:NAME`.
    #[cfg(feature = "oci")]
    pub fn base_image(mut self, name: impl Into<String>, location: impl Into<String>) -> Image {
        self.base_images.push((name.into(), location.into()));
        self
    }

    /// Runs in a build script: [`run_in`](Self::run_in) with cargo's folders, printing to
    /// standard output.
    pub fn run(self) -> Result<Built, Error> {
        let env = BuildEnv::from_cargo()?;
        self.run_in(&env, &mut std::io::stdout().lock())
    }

    /// Compiles the program, writes the outputs that changed, and prints the lines for cargo
    /// to `cargo`.
    pub fn run_in(self, env: &BuildEnv, cargo: &mut dyn Write) -> Result<Built, Error> {
        let in_package = |path: &Path| normalize(&env.manifest_dir.join(path));
        let mut constants = Vec::new();
        for path in &self.rust_constants {
            let module = path.file_stem().and_then(|s| s.to_str()).filter(|s| rust::is_module_name(s));
            let Some(module) = module.filter(|_| path.extension().is_some_and(|e| e == "rs")) else {
                return Err(Error::Setting(format!(
                    "`{}` cannot hold Rust constants: the file is named after its module, `NAME.rs`",
                    path.display()
                )));
            };
            constants.push((normalize(&env.out_dir.join(path)), module.to_string()));
        }
        let dockerfile_path = self.dockerfile.as_deref().map(in_package);

        let program_path = in_package(&self.program);
        let loader = InPackage(&env.manifest_dir);
        let text = loader
            .read(&self.program)
            .map_err(|error| Error::Input(InputError { path: program_path.clone(), reason: error.to_string() }))?;
        let compilation = crate::compile_with_loader(&self.program, text, &loader, &self.options);

        let mut outputs: Vec<PathBuf> = constants.iter().map(|(path, _)| path.clone()).collect();
        outputs.extend(dockerfile_path.clone());
        #[cfg(feature = "oci")]
        let destination = match &self.oci {
            Some(text) => {
                let destination = oci_image::destination(text, &env.manifest_dir).map_err(Error::Setting)?;
                outputs.push(destination.path().to_path_buf());
                Some(destination)
            }
            None => None,
        };
        let mut watch = Watch::new(&env.manifest_dir, &env.out_dir, &outputs);
        watch.file(&program_path);
        for file in &compilation.files_read {
            watch.file(&in_package(file));
        }
        let warnings: Vec<Diagnostic> = compilation.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect();
        let result = compilation.dockerfile(self.target);
        let (dockerfile, program) = match (result, &compilation.program) {
            (Ok(dockerfile), Some(program)) => (dockerfile, program),
            (result, _) => {
                let mut diagnostics = result.err().unwrap_or_default();
                let errors = diagnostics.len();
                diagnostics.extend(warnings);
                print_watched(cargo, &watch)?;
                return Err(Error::Compile {
                    program: self.program,
                    rendered: compilation.render(&diagnostics, false),
                    errors,
                });
            }
        };

        let context = match &self.context {
            Some(folder) => in_package(folder),
            None => program_path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        watch.context_reads(program, &context);
        let facts = ImageFacts::of(program);
        for port in &facts.unknown_ports {
            watch.warnings.push(format!("the exposed port `{port}` is known only when building: not in the constants"));
        }
        print_watched(cargo, &watch)?;
        print_warnings(cargo, &compilation.render(&warnings, false), &watch.warnings)?;

        let mut written = Vec::new();
        if let Some(path) = dockerfile_path {
            write_if_changed(&path, dockerfile.as_bytes(), &mut written)?;
        }
        let source_name = self.program.display().to_string();
        for (path, module) in &constants {
            write_if_changed(path, rust::constants(&facts, module, &source_name).as_bytes(), &mut written)?;
        }
        #[cfg(feature = "oci")]
        let image = match &destination {
            Some(destination) => {
                let base_images: Vec<(String, String)> = self
                    .base_images
                    .iter()
                    .map(|(name, location)| (name.clone(), oci_image::base_location(location, &env.manifest_dir)))
                    .collect();
                let target = oci_image::Target { program, destination, context: &context, base_images };
                Some(oci_image::build(&target, &compilation, &self.program)?)
            }
            None => None,
        };
        #[cfg(not(feature = "oci"))]
        let image = None;
        Ok(Built { dockerfile, facts, image, written, watched: watch.paths.into_iter().collect() })
    }
}

/// Reads the program and its modules relative to the package folder, so diagnostics name them
/// as the build script does.
struct InPackage<'a>(&'a Path);

impl Loader for InPackage<'_> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(self.0.join(path))
    }
}

fn cargo_line(cargo: &mut dyn Write, line: &str) -> Result<(), Error> {
    writeln!(cargo, "{line}")
        .map_err(|error| Error::Write { path: "standard output".into(), reason: error.to_string() })
}

fn print_watched(cargo: &mut dyn Write, watch: &Watch) -> Result<(), Error> {
    for path in &watch.paths {
        cargo_line(cargo, &format!("cargo:rerun-if-changed={}", path.display()))?;
    }
    Ok(())
}

/// One `cargo:warning` a line: cargo shows each on its own line, under the package's name.
fn print_warnings(cargo: &mut dyn Write, rendered: &str, others: &[String]) -> Result<(), Error> {
    for line in rendered.lines().chain(others.iter().map(String::as_str)) {
        if !line.trim().is_empty() {
            cargo_line(cargo, &format!("cargo:warning={line}"))?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` unless it holds them already, through a temporary file renamed
/// over it, so readers see the old file or the new one, whole.
fn write_if_changed(path: &Path, bytes: &[u8], written: &mut Vec<PathBuf>) -> Result<(), Error> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    let fail = |error: std::io::Error| Error::Write { path: path.to_path_buf(), reason: error.to_string() };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.imgc-{}.tmp", std::process::id()));
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(fail)?;
    }
    if let Err(error) = std::fs::write(&temp, bytes).and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(error));
    }
    written.push(path.to_path_buf());
    Ok(())
}

/// Why a build script's run failed. Its `Debug` form is its message, so a `main` that returns
/// it prints the diagnostics as they are.
#[non_exhaustive]
pub enum Error {
    /// Not run by cargo: a variable cargo sets is missing.
    Environment(String),
    /// A setting of the [`Image`] is invalid.
    Setting(String),
    /// The program file cannot be read.
    Input(InputError),
    /// The program has errors.
    Compile {
        program: PathBuf,
        /// The diagnostics as `imgc` prints them, without colour.
        rendered: String,
        errors: usize,
    },
    /// An output, or cargo's standard output, cannot be written.
    Write { path: PathBuf, reason: String },
    /// The image could not be built (see [`Image::oci`]).
    Image { destination: String, reason: String },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Environment(message) | Error::Setting(message) => f.write_str(message),
            Error::Image { destination, reason } => write!(f, "cannot build the image `{destination}`: {reason}"),
            Error::Input(error) => write!(f, "{error}"),
            Error::Compile { program, rendered, errors } => {
                let plural = if *errors == 1 { "" } else { "s" };
                write!(f, "{rendered}could not compile `{}` ({errors} error{plural})", program.display())
            }
            Error::Write { path, reason } => write!(f, "cannot write `{}`: {reason}", path.display()),
        }
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use std::fs;

    struct Package {
        _dirs: (tempfile::TempDir, tempfile::TempDir),
        env: BuildEnv,
    }

    fn package(program: &str) -> Package {
        let (root, out) = (tempfile::tempdir().expect("temp dir"), tempfile::tempdir().expect("temp dir"));
        fs::write(root.path().join("app.img"), program).expect("write");
        let env = BuildEnv { manifest_dir: root.path().into(), out_dir: out.path().into() };
        Package { _dirs: (root, out), env }
    }

    fn run(package: &Package, image: Image) -> (Result<Built, Error>, String) {
        let mut cargo = Vec::new();
        let result = image.run_in(&package.env, &mut cargo);
        (result, String::from_utf8(cargo).expect("UTF-8"))
    }

    #[test]
    fn errors_fail_with_the_rendered_diagnostic() {
        let package =
            package("let http: port = \"eighty\"\nimage from \"debian:bookworm-slim\" {\n    expose http\n}\n");
        let image = Image::new("app.img").dockerfile("Dockerfile");
        let (result, cargo) = run(&package, image);
        let error = result.expect_err("a type error");
        let message = format!("{error:?}");
        assert!(message.starts_with("error[E0"), "{message}");
        assert!(message.contains("┌─ app.img:1:"), "names the file as given: {message}");
        assert!(message.ends_with("could not compile `app.img` (1 error)"), "{message}");
        assert!(!message.contains('\u{1b}'), "no colour: {message:?}");
        assert!(!package.env.manifest_dir.join("Dockerfile").exists(), "nothing is written");
        assert!(cargo.contains("cargo:rerun-if-changed="), "the program is watched even when it fails: {cargo}");
    }

    #[test]
    fn target_classic_refuses_buildkit_features() {
        let package = package("image from \"debian:bookworm-slim\" {\n    run \"make\" cache \"/root/.cache\"\n}\n");
        let (result, _) = run(&package, Image::new("app.img").target(Target::Classic));
        assert!(matches!(result, Err(Error::Compile { errors: 1, .. })), "{result:?}");
        let (result, _) = run(&package, Image::new("app.img"));
        assert!(result.is_ok(), "BuildKit builds it: {result:?}");
    }

    #[test]
    fn warnings_become_cargo_warnings() {
        let package = package("image from \"debian:bookworm-slim\" {\n    copy \"missing.txt\" to \"/\"\n}\n");
        let (result, cargo) = run(&package, Image::new("app.img"));
        assert!(result.is_ok(), "{result:?}");
        let warnings: Vec<&str> = cargo.lines().filter(|l| l.starts_with("cargo:warning=")).collect();
        assert_eq!(warnings.len(), 1, "{cargo}");
        assert!(warnings[0].contains("`missing.txt` is not in the build context"), "{cargo}");
    }

    #[test]
    fn compiler_warnings_are_cargo_warnings_line_by_line() {
        let compilation = crate::compile_source("app.img", "image from scratch {\n}\n", &Options::default());
        let span = crate::source::Span::new(crate::source::FileId(0), 0..5);
        let warning = Diagnostic::warning(Code::Misplaced, "a test warning").with_label(span, "here");
        let rendered = compilation.render(&[warning], false);
        let mut cargo = Vec::new();
        print_warnings(&mut cargo, &rendered, &["another".to_string()]).expect("written");
        let cargo = String::from_utf8(cargo).expect("UTF-8");
        let lines: Vec<&str> = cargo.lines().collect();
        assert!(lines.len() > 3, "the snippet too: {cargo}");
        assert!(lines.iter().all(|l| l.starts_with("cargo:warning=") && l.len() > "cargo:warning=".len()), "{cargo}");
        assert_eq!(lines[0], "cargo:warning=warning[E0018]: a test warning");
        assert!(lines.iter().any(|l| l.contains("app.img:1:1")), "{cargo}");
        assert_eq!(lines.last(), Some(&"cargo:warning=another"));
    }

    #[test]
    fn constants_files_must_name_a_module() {
        let package = package("image from scratch {\n}\n");
        for bad in ["image.txt", "my-image.rs", "type.rs"] {
            let (result, _) = run(&package, Image::new("app.img").rust_constants(bad));
            assert!(matches!(result, Err(Error::Setting(_))), "{bad}: {result:?}");
        }
    }

    #[test]
    fn missing_program_and_missing_environment() {
        let package = package("");
        let (result, _) = run(&package, Image::new("nope.img"));
        match result {
            Err(Error::Input(error)) => assert_eq!(error.path, package.env.manifest_dir.join("nope.img")),
            other => panic!("{other:?}"),
        }
    }
}
