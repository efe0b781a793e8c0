//! The project commands: `imgc build` with no file (every image of `imgc.toml`) or with an image
//! name, `imgc dockerfile NAME` and `imgc dockerfile --all`, and `imgc lock`. Finds `imgc.toml`
//! from the current folder up, reads `imgc.lock` beside it, compiles each image with the
//! project's settings, resolves base images with the builder and builds. What the files mean is
//! `imgc::project`'s; how one image is built is the builder's.

use super::Reporter;
use super::build_cmd::{self, BuildArgs};
use imgc::Compilation;
use imgc::diagnostics::{Code, Diagnostic};
use imgc::oci::base::LocalRef;
use imgc::oci::output::Destination;
use imgc::oci::platform::Platform;
use imgc::oci::resolve::Resolved;
use imgc::project::lock::{self, Lock, Locked, Needs};
use imgc::project::manifest::{Builder, Image};
use imgc::project::{self, LOCK_FILE, LoadError, Project};
use imgc::{Optimize, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

/// A project and its lock file (when there is one).
pub struct Loaded {
    pub project: Project,
    pub lock: Option<Lock>,
}

impl Loaded {
    fn lock_path(&self) -> PathBuf {
        self.project.path(LOCK_FILE)
    }

    fn report(&self, reporter: &Reporter, diagnostics: &[Diagnostic]) {
        reporter.report_sources(&self.project.sources, diagnostics);
    }
}

/// The project of the current folder; `Err` (after saying why) when there is none or it has
/// errors. `name` is the image asked for, if any (for the message when there is no project).
pub fn load(reporter: &Reporter, name: Option<&str>) -> Result<Loaded, ExitCode> {
    let cwd = std::env::current_dir().map_err(|e| {
        reporter.error(&format!("cannot read the current folder: {e}"));
        ExitCode::from(2)
    })?;
    let Some(path) = project::find(&cwd) else {
        if let Some(name) = name {
            reporter.error(&format!(
                "cannot read `{name}`: it is no file, and no {} in `{}` or a folder above it names an image `{name}`",
                project::PROJECT_FILE,
                cwd.display()
            ));
            return Err(ExitCode::from(2));
        }
        reporter.error(&format!(
            "no {} in `{}` or a folder above it: name a program file, or write an {} (see the book's Projects chapter)",
            project::PROJECT_FILE,
            cwd.display(),
            project::PROJECT_FILE
        ));
        return Err(ExitCode::from(2));
    };
    // Paths in messages and outputs are relative to the current folder when they can be.
    let path = path.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(path);
    let project = match project::load(&path) {
        Ok(project) => project,
        Err(LoadError::Read(message)) => {
            reporter.error(&message);
            return Err(ExitCode::from(2));
        }
        Err(LoadError::Invalid(invalid)) => {
            reporter.report_sources(&invalid.sources, &invalid.diagnostics);
            return Err(ExitCode::from(1));
        }
    };
    let lock_path = project.path(LOCK_FILE);
    let lock = match std::fs::read_to_string(&lock_path) {
        Ok(text) => match Lock::parse(&lock_path.display().to_string(), &text) {
            Ok(lock) => Some(lock),
            Err(invalid) => {
                reporter.report_sources(&invalid.sources, &invalid.diagnostics);
                return Err(ExitCode::from(1));
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            reporter.error(&format!("cannot read `{}`: {e}", lock_path.display()));
            return Err(ExitCode::from(2));
        }
    };
    Ok(Loaded { project, lock })
}

/// Whether `name` (a command's file argument) names an image of the project rather than a file.
pub fn names_image(name: &Path) -> bool {
    let text = name.to_string_lossy();
    name.as_os_str() != "-" && !text.contains('/') && !text.ends_with(".img") && !name.is_file()
}

/// Compiles an image's program; `Err` after reporting its errors.
fn compile(
    loaded: &Loaded,
    image: &Image,
    args: &[(String, String)],
    reporter: &Reporter,
) -> Result<Compilation, ExitCode> {
    let compilation = loaded.project.compile(image, args).map_err(|e| {
        reporter.error(&e.to_string());
        ExitCode::from(2)
    })?;
    if compilation.has_errors() || compilation.program.is_none() {
        reporter.report(&compilation, &compilation.diagnostics);
        return Err(ExitCode::from(1));
    }
    Ok(compilation)
}

fn image<'a>(loaded: &'a Loaded, name: &str, reporter: &Reporter) -> Result<&'a Image, ExitCode> {
    loaded.project.image(name).map_err(|diagnostic| {
        loaded.report(reporter, &[diagnostic]);
        ExitCode::from(1)
    })
}

/// Where a reference is read from when not from its registry, and the folder that location is
/// relative to: the project's `base-images`, or an `oci:` reference (relative to the context).
fn local_source(loaded: &Loaded, image: &Image, reference: &str) -> Option<(String, PathBuf)> {
    let project = &loaded.project;
    if let Some((_, location)) = project.manifest.base_images.iter().find(|(name, _)| name.as_str() == reference) {
        return Some((location.get_ref().clone(), project.root.clone()));
    }
    imgc::literals::local_image_path(reference).map(|_| (reference.to_string(), project.context(image)))
}

/// The base images every image of the project needs, and the folder each local one is relative
/// to.
fn needs(loaded: &Loaded, reporter: &Reporter) -> Result<(Needs, BTreeMap<String, PathBuf>), ExitCode> {
    let host = Platform::host().to_string();
    let mut all = Needs::new();
    let dirs = std::cell::RefCell::new(BTreeMap::new());
    for name in loaded.project.names() {
        let image = image(loaded, name, reporter)?;
        let compilation = compile(loaded, image, &[], reporter)?;
        let program = compilation.program.as_ref().ok_or(ExitCode::from(1))?;
        let platforms = loaded.project.platforms(image);
        let mut found = lock::needs(program, &platforms, &host, &|reference| {
            local_source(loaded, image, reference).map(|(source, dir)| {
                dirs.borrow_mut().entry(reference.to_string()).or_insert(dir);
                source
            })
        });
        // An image the project builds itself is no base to pin: it changes with every build.
        found.retain(|reference, _| !built_here(loaded, image, reference));
        lock::merge(&mut all, found);
    }
    Ok((all, dirs.into_inner()))
}

/// Whether `reference` (a base of `image`) is where an image of the project is written.
fn built_here(loaded: &Loaded, image: &Image, reference: &str) -> bool {
    let project = &loaded.project;
    let local_path = |location: &str, base: &Path| {
        imgc::literals::local_image_path(location).map(|rest| {
            let path = rest.split_once(':').map_or(rest, |(path, _)| path);
            normalize(&base.join(path))
        })
    };
    let wanted = match local_source(loaded, image, reference) {
        Some((source, dir)) => local_path(&source, &dir),
        None => None,
    };
    project.manifest.images.get_ref().iter().any(|(name, other)| {
        other.outputs.iter().any(|output| match (output.get_ref().as_str(), &wanted) {
            ("registry", None) => {
                let url = project.manifest.registry.url.as_ref().map_or("", |u| u.get_ref().trim_end_matches('/'));
                let tags: Vec<&str> = if other.tags.is_empty() {
                    vec!["latest"]
                } else {
                    other.tags.iter().map(String::as_str).collect()
                };
                tags.iter().any(|tag| reference == format!("{url}/{name}:{tag}"))
            }
            (output, None) => output.strip_prefix("docker://") == Some(reference),
            (output, Some(path)) => local_path(output, &project.root).as_ref() == Some(path),
        })
    })
}

/// `path` with `.` and `name/..` taken out, without asking the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// With `--locked`: fails with E0044 when the lock is missing or does not match the project.
fn check_locked(loaded: &Loaded, reporter: &Reporter) -> Result<(), ExitCode> {
    let (needs, _) = needs(loaded, reporter)?;
    let empty = Lock::default();
    let lock = loaded.lock.as_ref().unwrap_or(&empty);
    match lock.stale_error(&needs, loaded.lock.is_some()) {
        Some(diagnostic) => {
            loaded.report(reporter, &[diagnostic]);
            Err(ExitCode::from(1))
        }
        None => Ok(()),
    }
}

/// What `imgc dockerfile` was asked for, in a project.
pub struct DockerfileRequest<'a> {
    /// One image (to `output` or standard output), or `None`: every image that names a
    /// `dockerfile` path, written there.
    pub name: Option<&'a str>,
    pub output: Option<&'a Path>,
    pub args: &'a [(String, String)],
    pub target: Option<Target>,
    pub optimize: &'a Optimize,
    pub locked: bool,
}

/// `imgc dockerfile NAME` and `imgc dockerfile --all`: locked base images written with their
/// digests.
pub fn dockerfile(request: &DockerfileRequest<'_>, reporter: &Reporter) -> ExitCode {
    let loaded = match load(reporter, request.name) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if request.locked
        && let Err(code) = check_locked(&loaded, reporter)
    {
        return code;
    }
    let jobs: Vec<(String, Option<PathBuf>)> = match request.name {
        Some(name) => vec![(name.to_string(), request.output.map(Path::to_path_buf))],
        None => {
            let jobs: Vec<(String, Option<PathBuf>)> = loaded
                .project
                .manifest
                .images
                .get_ref()
                .iter()
                .filter_map(|(name, image)| Some((name.clone(), Some(loaded.project.path(image.dockerfile.as_ref()?)))))
                .collect();
            if jobs.is_empty() {
                reporter
                    .error("no image of the project says where its Dockerfile goes: add `dockerfile = \"PATH\"` to it");
                return ExitCode::from(2);
            }
            jobs
        }
    };
    // Everything is compiled before anything is written: an error leaves every file as it was.
    let mut texts = Vec::new();
    for (name, path) in jobs {
        let image = match image(&loaded, &name, reporter) {
            Ok(image) => image,
            Err(code) => return code,
        };
        let mut compilation = match compile(&loaded, image, request.args, reporter) {
            Ok(compilation) => compilation,
            Err(code) => return code,
        };
        if let (Some(lock), Some(program)) = (&loaded.lock, compilation.program.as_mut()) {
            lock.pin_program(program);
        }
        let target = request.target.unwrap_or(match image.builder {
            Builder::Buildkit => Target::Buildkit,
            Builder::Classic => Target::Classic,
        });
        let warnings: Vec<Diagnostic> = compilation.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect();
        match compilation.dockerfile_with(target, request.optimize) {
            Ok(text) => {
                reporter.report(&compilation, &warnings);
                texts.push((path, text));
            }
            Err(errors) => return reporter.fail(&compilation, errors, warnings),
        }
    }
    for (path, text) in texts {
        if let Err(message) = super::write_output(path.as_deref(), &text) {
            reporter.error(&message);
            return ExitCode::from(2);
        }
        if request.name.is_none()
            && let Some(path) = path
        {
            println!("wrote {}", path.display());
        }
    }
    ExitCode::SUCCESS
}

/// `imgc lock`: pins every base image reference of the project; with `update`, moves the pins of
/// `name` (a reference or an image of the project), or of all.
pub fn lock(update: bool, name: Option<&str>, reporter: &Reporter) -> ExitCode {
    let loaded = match load(reporter, None) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let (needs, dirs) = match needs(&loaded, reporter) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let moved: Vec<String> = match name {
        None => needs.keys().cloned().collect(),
        Some(name) if needs.contains_key(name) => vec![name.to_string()],
        Some(name) => match loaded.project.image(name) {
            Ok(image) => {
                let compilation = match compile(&loaded, image, &[], reporter) {
                    Ok(compilation) => compilation,
                    Err(code) => return code,
                };
                let program = compilation.program.as_ref();
                let platforms = loaded.project.platforms(image);
                let host = Platform::host().to_string();
                program.map(|p| lock::needs(p, &platforms, &host, &|_| None).into_keys().collect()).unwrap_or_default()
            }
            Err(_) => {
                let references: Vec<&str> = needs.keys().map(String::as_str).collect();
                reporter.error(&format!(
                    "`{name}` is neither a base image of the project nor one of its images (base images: {}; images: {})",
                    references.join(", "),
                    loaded.project.names().join(", ")
                ));
                return ExitCode::from(2);
            }
        },
    };
    let old = loaded.lock.clone().unwrap_or_default();
    let mut new = Lock { version: lock::VERSION, images: BTreeMap::new() };
    let scratch = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            reporter.error(&format!("cannot create a temporary folder: {e}"));
            return ExitCode::from(2);
        }
    };
    for (reference, need) in &needs {
        let kept = old.images.get(reference).filter(|locked| {
            !(update && moved.contains(reference))
                && locked.source == need.source
                && need.platforms.iter().all(|p| locked.platforms.contains_key(p))
        });
        let locked = match kept {
            Some(locked) => {
                let mut locked = locked.clone();
                locked.platforms.retain(|p, _| need.platforms.contains(p));
                locked
            }
            None => {
                let platforms: Result<Vec<Platform>, String> =
                    need.platforms.iter().map(|p| Platform::parse(p)).collect();
                let resolved = platforms.and_then(|platforms| {
                    resolve(reference, &need.source, dirs.get(reference), &platforms, &loaded, scratch.path())
                });
                match resolved {
                    Ok(resolved) => Locked {
                        source: need.source.clone(),
                        digest: resolved.digest,
                        platforms: resolved.platforms.into_iter().map(|(p, d)| (p.to_string(), d)).collect(),
                    },
                    Err(message) => {
                        reporter.error(&format!("cannot lock `{reference}`: {message}"));
                        return ExitCode::from(2);
                    }
                }
            }
        };
        new.images.insert(reference.clone(), locked);
    }
    for (reference, locked) in &new.images {
        match old.images.get(reference) {
            None => eprintln!("locked {reference} {}", locked.digest),
            Some(before) if before.digest != locked.digest => {
                eprintln!("updated {reference} {} -> {}", before.digest, locked.digest)
            }
            Some(_) => {}
        }
    }
    for reference in old.images.keys().filter(|r| !new.images.contains_key(*r)) {
        eprintln!("removed {reference}");
    }
    if loaded.lock.as_ref() == Some(&new) {
        return ExitCode::SUCCESS;
    }
    match super::write_output(Some(&loaded.lock_path()), &new.render()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            reporter.error(&message);
            ExitCode::from(2)
        }
    }
}

/// Resolves one reference from its registry or its local copy.
fn resolve(
    reference: &str,
    source: &str,
    dir: Option<&PathBuf>,
    platforms: &[Platform],
    loaded: &Loaded,
    scratch: &Path,
) -> Result<Resolved, String> {
    if source == lock::REGISTRY {
        let authfile = loaded.project.manifest.registry.authfile.as_ref().map(|a| loaded.project.path(a));
        return imgc::oci::registry::resolve::resolve(reference, platforms, authfile.as_deref());
    }
    let base = dir.cloned().unwrap_or_else(|| loaded.project.root.clone());
    let local = LocalRef::parse(source, &base)
        .ok_or_else(|| format!("`{source}` is not a local image: write oci:DIR[:TAG] or oci-archive:FILE[:TAG]"))?;
    imgc::oci::resolve::resolve_local(&local, platforms, scratch)
}

/// `imgc build` in a project: `name` alone, or every image (in groups of independent ones, each
/// built by its own `imgc build NAME`, at once).
pub fn build(args: Box<BuildArgs>, name: Option<&str>, reporter: &Reporter) -> ExitCode {
    let loaded = match load(reporter, name) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if args.locked
        && let Err(code) = check_locked(&loaded, reporter)
    {
        return code;
    }
    match name {
        Some(name) => build_one(&loaded, name, args, reporter),
        None => {
            let names = loaded.project.names();
            if let [only] = names.as_slice() {
                return build_one(&loaded, only, args, reporter);
            }
            if args.output.is_some() {
                reporter.error(
                    "`--output` names one image's destination: give the image too (`imgc build NAME --output …`)",
                );
                return ExitCode::from(2);
            }
            match loaded.project.order(&names) {
                Ok(waves) => build_all(&waves, reporter),
                Err(diagnostic) => {
                    loaded.report(reporter, &[diagnostic]);
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// Builds each group of images at once, one `imgc build NAME` process each (as many at a time as
/// there are processors); prints `NAME DIGEST` for each. Stops after the group where one failed.
fn build_all(waves: &[Vec<String>], reporter: &Reporter) -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let Some(at) = argv.iter().skip(1).position(|a| a == "build").map(|i| i + 2) else {
        reporter.error("cannot find `build` on the command line");
        return ExitCode::from(2);
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            reporter.error(&format!("cannot find imgc's own program: {e}"));
            return ExitCode::from(2);
        }
    };
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let mut failed = false;
    for wave in waves {
        for group in wave.chunks(jobs) {
            let children: Vec<_> = group
                .iter()
                .map(|name| {
                    let mut child_args = argv[1..at].to_vec();
                    child_args.push(name.clone());
                    child_args.extend_from_slice(&argv[at..]);
                    let child = Command::new(&exe).args(&child_args).stdout(Stdio::piped()).spawn();
                    (name, child)
                })
                .collect();
            for (name, child) in children {
                match child.and_then(|c| c.wait_with_output()) {
                    Ok(output) if output.status.success() => {
                        for digest in String::from_utf8_lossy(&output.stdout).lines() {
                            println!("{name} {digest}");
                        }
                    }
                    Ok(_) => {
                        eprintln!("error: the image `{name}` failed to build");
                        failed = true;
                    }
                    Err(e) => {
                        reporter.error(&format!("cannot start the build of `{name}`: {e}"));
                        failed = true;
                    }
                }
            }
        }
        if failed {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

/// A path of the project file, for the builder: the project's folder joined in front of a
/// relative one.
fn rooted(project: &Project, location: &str) -> String {
    for prefix in ["oci-archive:", "docker-archive:", "oci:"] {
        if let Some(path) = location.strip_prefix(prefix)
            && !path.starts_with('/')
        {
            return format!("{prefix}{}", project.path(path).display());
        }
    }
    location.to_string()
}

/// Builds one image of the project to each of its outputs (or `--output`).
fn build_one(loaded: &Loaded, name: &str, mut args: Box<BuildArgs>, reporter: &Reporter) -> ExitCode {
    let project = &loaded.project;
    let image = match image(loaded, name, reporter) {
        Ok(image) => image,
        Err(code) => return code,
    };
    if args.platform.is_empty() {
        let platforms: Result<Vec<Platform>, String> =
            project.platforms(image).iter().map(|p| Platform::parse(p)).collect();
        match platforms {
            Ok(platforms) => args.platform = platforms,
            Err(message) => {
                reporter.error(&message);
                return ExitCode::from(2);
            }
        }
    }
    let mut destinations = Vec::new();
    match &args.output {
        Some(output) => match Destination::parse(output) {
            Ok(destination) => destinations.push(destination),
            Err(message) => {
                reporter.error(&message);
                return ExitCode::from(2);
            }
        },
        None => {
            let mut errors = Vec::new();
            for output in &image.outputs {
                let text = if output.get_ref() == "registry" {
                    let url = project.manifest.registry.url.as_ref().map(|u| u.get_ref().trim_end_matches('/'));
                    let tag = image.tags.first().map_or("latest", String::as_str);
                    format!("docker://{}/{name}:{tag}", url.unwrap_or_default())
                } else {
                    rooted(project, output.get_ref())
                };
                match Destination::parse(&text) {
                    Ok(destination) => destinations.push(destination),
                    Err(message) => errors.push(
                        Diagnostic::error(Code::ProjectValue, message)
                            .with_label(project.span(output), "not an output"),
                    ),
                }
            }
            if !errors.is_empty() {
                loaded.report(reporter, &errors);
                return ExitCode::from(1);
            }
        }
    }
    if destinations.is_empty() {
        reporter.error(&format!(
            "the image `{name}` has no outputs: add `outputs = [\"oci:DIR\"]` to it in {}, or give `--output`",
            project::PROJECT_FILE
        ));
        return ExitCode::from(2);
    }
    let compilation = match compile(loaded, image, &args.args, reporter) {
        Ok(compilation) => compilation,
        Err(code) => return code,
    };
    if let (Some(stage), Some(program)) = (&image.stage, &compilation.program)
        && !program.stages.iter().any(|s| s.name.as_deref() == Some(stage.get_ref().as_str()))
    {
        let names: Vec<&str> = program.stages.iter().filter_map(|s| s.name.as_deref()).collect();
        let diagnostic =
            Diagnostic::error(Code::ProjectValue, format!("the program has no stage `{}`", stage.get_ref()))
                .with_label(project.span(stage), "no such stage")
                .with_help(format!("its stages are: {}", names.join(", ")));
        loaded.report(reporter, &[diagnostic]);
        return ExitCode::from(1);
    }
    let mut tags = image.tags.clone();
    tags.append(&mut args.tags);
    args.tags = tags;
    if args.stage.is_none() {
        args.stage = image.stage.as_ref().map(|s| s.get_ref().clone());
    }
    if args.authfile.is_none() {
        args.authfile = project.manifest.registry.authfile.as_ref().map(|a| project.path(a));
    }
    args.no_cache |= !project.manifest.cache.layers;
    let mut base_images: Vec<(String, String)> =
        project.manifest.base_images.iter().map(|(n, l)| (n.clone(), rooted(project, l.get_ref()))).collect();
    base_images.append(&mut args.base_images);
    args.base_images = base_images;
    let context = args.context.clone().unwrap_or_else(|| project.context(image));
    let mut options = match build_cmd::options(&args, context) {
        Ok(options) => options,
        Err(message) => {
            reporter.error(&message);
            return ExitCode::from(2);
        }
    };
    options.cache_dir = project.manifest.cache.dir.as_ref().map(|d| project.path(d));
    if let Some(lock) = &loaded.lock {
        options.pins = lock.images.iter().map(|(r, l)| (r.clone(), l.platforms.clone())).collect();
    }
    let report = super::reporter_for_build(reporter);
    for destination in &destinations {
        // A project's outputs go into folders of their own (`out/web`): made when missing.
        if args.output.is_none()
            && let Some(parent) = destination.staging_place().parent().filter(|p| !p.as_os_str().is_empty())
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            reporter.error(&format!("cannot create `{}`: {e}", parent.display()));
            return ExitCode::from(2);
        }
        let code = build_cmd::build_program(&compilation, destination, &options, &args.platform, &report);
        if code != ExitCode::SUCCESS {
            return code;
        }
    }
    ExitCode::SUCCESS
}
