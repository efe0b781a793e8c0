//! An example built by `imgc build` itself (its `run` steps under runc) against buildah's build
//! of the same program's Dockerfile, which tests/examples.rs makes anyway: the same file tree and
//! config (but for the volatile files and buildah's quirks listed here, the one place for such
//! exceptions), and, loaded into docker, the same behaviour the example promises.

use crate::oci::{FileInfo, build, export_base, file_tree, umoci_unpack};
use crate::{Engine, buildah, checks, docker, ensure_test_env, example_dir, unique_tag};
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

/// Where buildah 1.28 (vfs storage, chroot isolation) differs from BuildKit, and imgc does what
/// BuildKit does: left out of the comparison too.
const BUILDAH_QUIRKS: &[(&str, &str)] = &[
    // The mount points of the files it binds into a RUN stay in the layer as empty files;
    // BuildKit removes its mount stubs, as imgc does.
    ("etc/hosts", "buildah's mount stub"),
    ("etc/resolv.conf", "buildah's mount stub"),
    // shadow's backup copies keep the original's size and time: buildah's vfs differ (size and
    // modification time) misses the new contents and keeps the base's; overlay's upper dir (imgc,
    // BuildKit) has them.
    ("etc/group-", "a change buildah's vfs differ misses"),
    ("etc/gshadow-", "a change buildah's vfs differ misses"),
];

fn is_volatile(path: &str) -> bool {
    VOLATILE.iter().any(|(p, _)| *p == path)
        // Python's compiled files embed their source's modification time.
        || path.ends_with(".pyc")
}

fn setup(example: &str) -> (tempfile::TempDir, Options) {
    ensure_test_env();
    let dir = crate::oci::lowercase_tempdir();
    let mut options = Options::new(example_dir(example));
    // The examples' bases, from the local stores the setup script fills (no registry here).
    for (image, tag) in [("debian:bookworm-slim", "12"), ("busybox:1.35", "1.35")] {
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

/// `imgc build` of `examples/EXAMPLE/app.img` against `buildah_image`, buildah's build of its
/// Dockerfile, then the example's behaviour checks on the image loaded into docker.
pub fn builds_like_buildah(example: &str, buildah_image: &str) {
    let (dir, options) = setup(example);
    let source = std::fs::read_to_string(example_dir(example).join("app.img")).expect("read");
    let ours = dir.path().join("ours");
    let started = std::time::Instant::now();
    build(&source, &format!("oci:{}:v1", ours.display()), &options).expect("imgc builds");
    eprintln!("imgc build of {example}: {:.1}s", started.elapsed().as_secs_f64());

    let theirs = dir.path().join("theirs");
    {
        let _store = crate::store_lock::shared();
        let push = format!("oci:{}:v1", theirs.display());
        crate::cmd::run_ok(buildah::command().args(["push", "--quiet", buildah_image, &push]), buildah::RUN_TIMEOUT)
            .expect("buildah push");
    }
    umoci_unpack(&theirs, "v1", &dir.path().join("theirs-bundle")).expect("unpack buildah's");
    umoci_unpack(&ours, "v1", &dir.path().join("ours-bundle")).expect("unpack ours");
    let theirs_tree = file_tree(&dir.path().join("theirs-bundle/rootfs"));
    let ours_tree = file_tree(&dir.path().join("ours-bundle/rootfs"));
    let paths: BTreeSet<&String> = theirs_tree.keys().chain(ours_tree.keys()).collect();
    let differences: Vec<String> = paths
        .into_iter()
        .filter(|path| {
            let (a, b) = (theirs_tree.get(*path), ours_tree.get(*path));
            match (a, b) {
                _ if BUILDAH_QUIRKS.iter().any(|(p, _)| p == path) => false,
                (Some(a), Some(b)) if is_volatile(path) => {
                    (a.kind, a.mode, a.uid, a.gid) != (b.kind, b.mode, b.uid, b.gid)
                }
                _ => a != b,
            }
        })
        .map(|path| {
            format!("{path}: buildah {:?} / imgc {:?}", summary(theirs_tree.get(path)), summary(ours_tree.get(path)))
        })
        .collect();
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
