//! An example built by `imgc build` itself (its `run` steps under runc) against buildah's build
//! of the same program's Dockerfile, which tests/examples.rs makes anyway: the same file tree and
//! config (but for the volatile files and the builders' quirks listed here, the one place for such
//! exceptions), and, loaded into docker, the same behaviour the example promises. Programs are
//! compared the same way with buildah's build or, where buildah differs from BuildKit, with
//! docker's built-in BuildKit's ([`ProgramBuilds`]).

use crate::oci::{FileInfo, build, export_base, file_tree, umoci_unpack};
use crate::{Engine, Image, buildah, checks, docker, ensure_test_env, unique_tag};
use imgc::oci::Options;
use std::collections::BTreeSet;

/// Files whose bytes depend on when or where a build ran, whoever builds: left out of the
/// comparison (with the quirks below: the one place for such exceptions). Each with why.
const VOLATILE: &[(&str, &str)] = &[
    // apt and dpkg logs: start and end times of each run.
    ("var/log/apt/history.log", "apt's log, with times"),
    ("var/log/apt/term.log", "apt's terminal log, with times"),
    ("var/log/apt/eipp.log.xz", "apt's solver log, with times"),
    ("var/log/dpkg.log", "dpkg's log, with times"),
    ("var/log/alternatives.log", "update-alternatives' log, with times"),
    // ldconfig's cache of file identities (inode numbers and times of the libraries).
    ("var/cache/ldconfig/aux-cache", "inodes and times of the libraries"),
    // debconf's databases keep the previous copy: same data, entries in hash order.
    ("var/cache/debconf/config.dat-old", "debconf's previous database"),
    ("var/cache/debconf/templates.dat-old", "debconf's previous database"),
];

/// Where buildah 1.28 (chroot isolation) differs from BuildKit, and imgc does what
/// BuildKit does: left out of the comparison too.
const BUILDAH_QUIRKS: &[(&str, &str)] = &[
    // The mount points of the files it binds into a RUN stay in the layer as empty files;
    // BuildKit removes its mount stubs, as imgc does.
    ("etc/hosts", "buildah's mount stub"),
    ("etc/resolv.conf", "buildah's mount stub"),
    ("etc/hostname", "buildah's mount stub"),
    // So does the folder it mounts a tmpfs on, where the base has none (the busybox base), which
    // BuildKit does not mount. (The mount points of `/proc`, `/dev` and `/sys` it leaves there
    // are BuildKit's and imgc's too: compared.)
    ("run", "buildah's mount point"),
];

/// What the comparison with `engine`'s image leaves out: buildah's quirks; nothing for docker's
/// BuildKit, whose mount points imgc leaves and whose mount stubs it removes as BuildKit does.
fn quirks(engine: Engine) -> &'static [(&'static str, &'static str)] {
    if engine == Engine::Buildah { BUILDAH_QUIRKS } else { &[] }
}

/// Another of buildah's quirks, in the config: an `ENV` that sets `PATH` moves it to the end of
/// the environment (`ENV A=5 PATH=/x` on `PATH=… A=1 B=2` gives buildah `A=5 B=2 PATH=/x`), where
/// BuildKit, and imgc, set it in place (`PATH=/x A=5 B=2`). The order has no effect on the
/// container; the comparison puts `PATH` last in both.
fn buildah_path_last(env: &mut [String]) {
    env.sort_by_key(|entry| entry.starts_with("PATH="));
}

fn is_volatile(path: &str) -> bool {
    VOLATILE.iter().any(|(p, _)| *p == path)
        // Python's compiled files embed their source's modification time.
        || path.ends_with(".pyc")
}

/// The test bases (the examples' and the programs'), from the local stores the setup script
/// fills (no registry here), with the tag of their exported OCI layouts.
const TEST_BASES: [(&str, &str); 2] = [("debian:bookworm-slim", "12"), ("busybox:1.35", "1.35")];

/// A temporary folder with the test bases that `wanted` picks exported as OCI layouts, and
/// build options reading them for a program whose context is `context`.
fn setup_in(context: &std::path::Path, wanted: &dyn Fn(&str) -> bool) -> (tempfile::TempDir, Options) {
    ensure_test_env();
    let dir = crate::oci::lowercase_tempdir();
    let mut options = Options::new(context);
    for (image, tag) in TEST_BASES.into_iter().filter(|(image, _)| wanted(image)) {
        let layout = dir.path().join(image.replace(':', "-"));
        export_base(image, &layout, tag).unwrap_or_else(|e| panic!("export {image}: {e}"));
        options.base_images.push((image.into(), format!("oci:{}:{tag}", layout.display())));
    }
    options.cache_dir = Some(dir.path().join("cache"));
    options.layer_cache = true;
    (dir, options)
}

fn summary(info: Option<&FileInfo>) -> Option<String> {
    use sha2::Digest as _;
    info.map(|i| {
        let digest: String = sha2::Sha256::digest(&i.content).iter().take(6).map(|b| format!("{b:02x}")).collect();
        format!("{} {:o} {}:{} {} bytes {digest}", i.kind, i.mode, i.uid, i.gid, i.content.len())
    })
}

/// `imgc build` of `CONTEXT/app.img` (`examples/EXAMPLE/app.img` or a variant of it, e.g. one
/// trusting the network's CA: [`crate::egress`]) against `buildah_image`, buildah's build of its
/// Dockerfile, then the example's behaviour checks on the image loaded into docker.
pub fn builds_like_buildah(example: &str, context: &std::path::Path, buildah_image: &str) {
    let (dir, options) = setup_in(context, &|_| true);
    let source = std::fs::read_to_string(context.join("app.img")).expect("read");
    let ours = dir.path().join("ours");
    let started = std::time::Instant::now();
    build(&source, &format!("oci:{}:v1", ours.display()), &options).expect("imgc builds");
    eprintln!("imgc build of {example}: {:.1}s", started.elapsed().as_secs_f64());

    let theirs = dir.path().join("theirs");
    export_image(Engine::Buildah, buildah_image, &theirs).expect("buildah push");
    let differences = tree_differences(Engine::Buildah, &theirs, &ours, dir.path());
    assert!(differences.is_empty(), "{example}: the trees differ:\n{}", differences.join("\n"));

    let archive = dir.path().join("image.tar");
    let tag = unique_tag(Engine::Docker, &format!("builder-{example}"));
    build(&source, &format!("docker-archive:{}:{tag}", archive.display()), &options).expect("cached rebuild");
    crate::cmd::run_ok(docker::command().arg("load").arg("-i").arg(&archive), std::time::Duration::from_secs(300))
        .expect("docker load");
    let mut ours_config = Engine::Docker.image_config(&tag).expect("config");
    let mut theirs_config = Engine::Buildah.image_config(buildah_image).expect("config");
    for config in [&mut ours_config, &mut theirs_config] {
        config.labels.retain(|k, _| k != "io.buildah.version");
        buildah_path_last(&mut config.env);
    }
    let result = std::panic::catch_unwind(|| {
        assert_eq!(ours_config, theirs_config, "{example}: the configs differ");
        checks::check_example(example, Engine::Docker, &tag);
    });
    let _ = docker::remove_image(&tag);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    let leftovers: Vec<String> = std::fs::read_dir(dir.path().join("cache/tmp"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left: {leftovers:?}");
}

/// The image `reference` in the store of `engine` (buildah's, or docker's engine for docker's
/// builders) copied to the OCI layout `layout`, tag `v1`.
fn export_image(engine: Engine, reference: &str, layout: &std::path::Path) -> Result<(), String> {
    let to = format!("oci:{}:v1", layout.display());
    match engine {
        Engine::Buildah => {
            let _store = crate::store_lock::shared();
            crate::cmd::run_ok(buildah::command().args(["push", "--quiet", reference, &to]), buildah::RUN_TIMEOUT)
                .map(drop)
                .map_err(|e| format!("buildah push: {e}"))
        }
        Engine::Docker | Engine::Buildkit => {
            crate::oci::skopeo(&["copy", "-q", &format!("docker-daemon:{reference}"), &to])
                .map(drop)
                .map_err(|e| format!("skopeo copy from docker's engine: {e}"))
        }
    }
}

/// The paths whose entries differ between two OCI layouts (tag `v1`), `theirs` built by
/// `engine`, unpacked under `work`: but for the volatile files and the builder's quirks listed
/// above.
fn tree_differences(
    engine: Engine,
    theirs: &std::path::Path,
    ours: &std::path::Path,
    work: &std::path::Path,
) -> Vec<String> {
    umoci_unpack(theirs, "v1", &work.join("theirs-bundle")).unwrap_or_else(|e| panic!("unpack {engine}'s: {e}"));
    umoci_unpack(ours, "v1", &work.join("ours-bundle")).expect("unpack ours");
    let theirs_tree = file_tree(&work.join("theirs-bundle/rootfs"));
    let ours_tree = file_tree(&work.join("ours-bundle/rootfs"));
    let paths: BTreeSet<&String> = theirs_tree.keys().chain(ours_tree.keys()).collect();
    paths
        .into_iter()
        .filter(|path| {
            let (a, b) = (theirs_tree.get(*path), ours_tree.get(*path));
            match (a, b) {
                _ if quirks(engine).iter().any(|(p, _)| p == path) => false,
                (Some(a), Some(b)) if is_volatile(path) => {
                    (a.kind, a.mode, a.uid, a.gid) != (b.kind, b.mode, b.uid, b.gid)
                }
                _ => a != b,
            }
        })
        .map(|path| {
            format!("{path}: {engine} {:?} / imgc {:?}", summary(theirs_tree.get(path)), summary(ours_tree.get(path)))
        })
        .collect()
}

/// The process settings of the image in an OCI layout (tag `v1`): its config's `config` object,
/// without buildah's version label, and without the fields only Docker's format has (health
/// check, shell, triggers), which buildah drops when it writes an OCI image and imgc keeps as
/// BuildKit does: the examples compare those through docker.
fn process_config(layout: &std::path::Path) -> Result<serde_json::Value, String> {
    let read = |path: std::path::PathBuf| -> Result<serde_json::Value, String> {
        let bytes = std::fs::read(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    };
    let blob = |digest: &serde_json::Value| {
        layout.join("blobs/sha256").join(digest.as_str().unwrap_or("").trim_start_matches("sha256:"))
    };
    let index = read(layout.join("index.json"))?;
    let manifest = read(blob(&index["manifests"][0]["digest"]))?;
    let mut config = read(blob(&manifest["config"]["digest"]))?["config"].take();
    if let Some(fields) = config.as_object_mut() {
        for docker_only in ["Healthcheck", "Shell", "OnBuild"] {
            fields.remove(docker_only);
        }
    }
    if let Some(labels) = config.get_mut("Labels").and_then(|l| l.as_object_mut()) {
        labels.remove("io.buildah.version");
        if labels.is_empty() {
            config.as_object_mut().map(|c| c.remove("Labels"));
        }
    }
    Ok(config)
}

/// `imgc build` of many programs of one context (tests/optimizer-programs) against buildah's or
/// docker's builds of their Dockerfiles: the bases are exported once for all of them.
pub struct ProgramBuilds {
    dir: tempfile::TempDir,
    options: Options,
    count: std::cell::Cell<usize>,
}

impl ProgramBuilds {
    pub fn new(context: &std::path::Path) -> Self {
        let (dir, options) = setup_in(context, &|_| true);
        ProgramBuilds { dir, options, count: std::cell::Cell::new(0) }
    }

    /// For the programs whose Dockerfiles are `dockerfiles`: only the test bases one of them
    /// starts `FROM` are exported (debian's takes seconds).
    pub fn for_dockerfiles(context: &std::path::Path, dockerfiles: &[&str]) -> Self {
        let named = |image: &str| {
            dockerfiles.iter().flat_map(|d| d.lines()).any(|line| {
                let mut words = line.split_whitespace();
                words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) && words.any(|w| w == image)
            })
        };
        let (dir, options) = setup_in(context, &named);
        ProgramBuilds { dir, options, count: std::cell::Cell::new(0) }
    }

    /// Whether `imgc build` of `source` fails (as a `fail-*` program must).
    pub fn fails(&self, source: &str) -> bool {
        self.failure(source).is_some()
    }

    /// Why `imgc build` of `source` fails (its error as imgc prints it), `None` if it builds.
    pub fn failure(&self, source: &str) -> Option<String> {
        let out = self.work("fails");
        build(source, &format!("oci:{}:v1", out.join("ours").display()), &self.options).err()
    }

    /// `imgc build` of `source` compared with `theirs`, another builder's build of the program's
    /// Dockerfile: the same file tree and process settings, or what differs.
    pub fn compare(&self, source: &str, theirs_image: &Image) -> Result<(), String> {
        let engine = theirs_image.engine;
        let work = self.work("compare");
        let (ours, theirs) = (work.join("ours"), work.join("theirs"));
        build(source, &format!("oci:{}:v1", ours.display()), &self.options).map_err(|e| format!("imgc build: {e}"))?;
        export_image(engine, &theirs_image.reference, &theirs)?;
        let mut problems = tree_differences(engine, &theirs, &ours, &work);
        let (theirs_config, ours_config) = (process_config(&theirs)?, process_config(&ours)?);
        if theirs_config != ours_config {
            problems.push(format!("config: {engine} {theirs_config} / imgc {ours_config}"));
        }
        let _ = std::fs::remove_dir_all(&work);
        if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
    }

    fn work(&self, what: &str) -> std::path::PathBuf {
        self.count.set(self.count.get() + 1);
        let work = self.dir.path().join(format!("{what}-{}", self.count.get()));
        std::fs::create_dir_all(&work).expect("work dir");
        work
    }
}
