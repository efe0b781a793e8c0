//! `imgc build` checked with real tools: the images it writes are validated against the OCI
//! schemas (every blob's digest and size too), read by skopeo and umoci, loaded and run by
//! docker and buildah, and hold the same files as buildah's build of the same program's
//! Dockerfile. Bad inputs fail with clear errors and leave nothing behind.

use std::path::{Path, PathBuf};

use imgc::oci::Options;
use imgc_tests::oci::{build, export_base, file_tree, skopeo, umoci_unpack, validate_layout, write_files};
use imgc_tests::{Engine, buildah, docker, ensure_test_env, unique_tag};

const PROGRAM: &str = r#"
stage assets from scratch {
    copy "site/" to "/site/"
}

image from "busybox:1.35" {
    copy "app.sh" to "/usr/local/bin/app"
    copy from assets "/site" to "/srv/www" chown "1000:1000"
    copy "data/" to "/data/"
    copy ["notes.txt", "app.sh"] to "/opt/many/"
    workdir "/srv/www"
    env { GREETING = "hello from imgc" }
    label { "org.example.test" = "yes" }
    expose 8080/tcp
    user "1000"
    cmd ["/usr/local/bin/app"]
}
"#;

const EXPECTED_OUTPUT: &str = "hello from imgc\n<h1>imgc</h1>\n1000\n/srv/www\n";

/// A context for [`PROGRAM`]: a script, a site, files with varied modes, a symlink, a hard link
/// and a `.dockerignore`.
fn context(dir: &Path) -> PathBuf {
    let context = dir.join("context");
    write_files(
        &context,
        &[
            ("app.sh", "#!/bin/sh\necho \"$GREETING\"\ncat /srv/www/index.html\nid -u\npwd\n", 0o755),
            ("site/index.html", "<h1>imgc</h1>\n", 0o644),
            ("site/css/site.css", "body {}\n", 0o640),
            ("data/secret.txt", "ignored\n", 0o600),
            ("data/private", "0600\n", 0o600),
            ("data/nested/deep/file", "deep\n", 0o444),
            ("notes.txt", "notes\n", 0o644),
            (".dockerignore", "data/secret.txt\n**/*.tmp\n", 0o644),
            ("data/scratch.tmp", "tmp\n", 0o644),
        ],
    );
    std::fs::write(context.join("data/big.bin"), big_file()).expect("write");
    std::os::unix::fs::symlink("private", context.join("data/link")).expect("symlink");
    std::fs::hard_link(context.join("data/private"), context.join("data/hard")).expect("hard link");
    context
}

/// Over 1 MB, so a layer of several gzip members; stretches of random-looking bytes (stored, not
/// compressed) between stretches of text, so members mix stored and compressed deflate blocks.
fn big_file() -> Vec<u8> {
    (0..3_000_000u32)
        .map(|i| if i / 5_000 % 3 == 0 { b'a' + (i % 23) as u8 } else { (i.wrapping_mul(2_654_435_761) >> 24) as u8 })
        .collect()
}

/// A temporary directory with the busybox base exported as `oci:base:1.35`, and options
/// mapping `busybox:1.35` to it.
fn setup() -> (tempfile::TempDir, Options) {
    ensure_test_env();
    // buildah names an image read from a layout after its path, which must be lowercase.
    let dir = imgc_tests::oci::lowercase_tempdir();
    export_base("busybox:1.35", &dir.path().join("base"), "1.35").expect("export busybox");
    let mut options = Options::new(context(dir.path()));
    options.base_images = vec![("busybox:1.35".into(), format!("oci:{}:1.35", dir.path().join("base").display()))];
    (dir, options)
}

#[test]
fn layouts_validate_and_are_read_by_skopeo_and_umoci() {
    let (dir, options) = setup();
    let layout = dir.path().join("image");
    let built = build(PROGRAM, &format!("oci:{}:v1", layout.display()), &options).expect("builds");
    let validated = validate_layout(&layout).expect("the layout validates against the OCI schemas");
    assert!(validated.stdout.contains("config"), "{}", validated.stdout);

    let inspect = skopeo(&["inspect", &format!("oci:{}:v1", layout.display())]).expect("skopeo inspect");
    let json: serde_json::Value = serde_json::from_str(&inspect.stdout).expect("JSON");
    assert_eq!(json["Digest"], built.manifest_digest.as_str());
    assert_eq!(json["Labels"]["org.example.test"], "yes");
    assert_eq!(json["Layers"].as_array().map(Vec::len), Some(built.layers.len()));

    let copy = dir.path().join("copy");
    skopeo(&["copy", "-q", &format!("oci:{}:v1", layout.display()), &format!("oci:{}:v1", copy.display())])
        .expect("skopeo copy");
    validate_layout(&copy).expect("skopeo's copy validates");
    // The validator does reject a broken layout.
    let index = std::fs::read_to_string(copy.join("index.json")).expect("index");
    std::fs::write(copy.join("index.json"), index.replace("\"schemaVersion\":2", "\"schemaVersion\":3"))
        .expect("write");
    assert!(validate_layout(&copy).is_err(), "a schemaVersion of 3 is invalid");

    let bundle = dir.path().join("bundle");
    umoci_unpack(&layout, "v1", &bundle).expect("umoci unpack");
    let tree = file_tree(&bundle.join("rootfs"));
    let file = |path: &str| tree.get(path).unwrap_or_else(|| panic!("{path} missing from {:?}", tree.keys()));
    assert_eq!(file("usr/local/bin/app").mode, 0o755);
    assert_eq!((file("srv/www/index.html").uid, file("srv/www/index.html").gid), (1000, 1000));
    assert_eq!(file("srv/www/css/site.css").mode, 0o640);
    assert_eq!(file("data/private").mode, 0o600);
    assert_eq!(file("data/nested/deep/file").mode, 0o444);
    assert_eq!(file("data/link").kind, "link");
    assert_eq!(file("data/link").content, b"private");
    assert_eq!(file("data/hard").content, b"0600\n");
    assert!(file("data/big.bin").content == big_file(), "a layer of several gzip members unpacks whole");
    assert!(file("opt/many/notes.txt").kind == "file" && file("opt/many/app.sh").kind == "file");
    assert!(!tree.contains_key("data/secret.txt"), ".dockerignore is honoured");
    assert!(!tree.contains_key("data/scratch.tmp"), ".dockerignore is honoured");
    assert_eq!(file("bin/busybox").kind, "file", "the base image's files are there");
}

#[test]
fn docker_loads_and_runs_the_docker_archive() {
    let (dir, options) = setup();
    let archive = dir.path().join("image.tar");
    let tag = unique_tag(Engine::Docker, "oci-archive");
    build(PROGRAM, &format!("docker-archive:{}:{tag}", archive.display()), &options).expect("builds");
    let load = imgc_tests::cmd::run_ok(
        docker::command().arg("load").arg("-i").arg(&archive),
        std::time::Duration::from_secs(300),
    )
    .expect("docker load");
    assert!(load.stdout.contains(&tag), "{}", load.stdout);
    let run = docker::run(&tag, &[]);
    let _ = docker::remove_image(&tag);
    let run = run.expect("docker run");
    assert_eq!(run.stdout, EXPECTED_OUTPUT, "{run:?}");
}

#[test]
fn buildah_runs_the_layout() {
    let (dir, options) = setup();
    let layout = dir.path().join("image");
    build(PROGRAM, &format!("oci:{}:v1", layout.display()), &options).expect("builds");
    let container = buildah::from(&format!("oci:{}:v1", layout.display())).expect("buildah from");
    let run = container.run(&["/usr/local/bin/app"]).expect("buildah run");
    assert!(run.success(), "{run:?}");
    assert_eq!(run.stdout, EXPECTED_OUTPUT, "{run:?}");
}

#[test]
fn the_same_files_as_buildah_builds_from_the_dockerfile() {
    let (dir, options) = setup();
    let compilation = imgc::compile_source("app.img", PROGRAM, &imgc::Options::default());
    let dockerfile = compilation.dockerfile(imgc::Target::Classic).expect("compiles");
    let image = Engine::Buildah
        .build_image(imgc_tests::Dockerfile::Text(&dockerfile), &options.context, "oci-compare")
        .expect("buildah builds the Dockerfile");
    let theirs = dir.path().join("theirs");
    {
        let _store = imgc_tests::store_lock::shared();
        let push = format!("oci:{}:v1", theirs.display());
        imgc_tests::cmd::run_ok(
            buildah::command().args(["push", "--quiet", &image.reference, &push]),
            buildah::RUN_TIMEOUT,
        )
        .expect("buildah push");
    }
    let ours = dir.path().join("ours");
    build(PROGRAM, &format!("oci:{}:v1", ours.display()), &options).expect("builds");
    umoci_unpack(&theirs, "v1", &dir.path().join("theirs-bundle")).expect("unpack buildah's");
    umoci_unpack(&ours, "v1", &dir.path().join("ours-bundle")).expect("unpack ours");
    let theirs = file_tree(&dir.path().join("theirs-bundle/rootfs"));
    let ours = file_tree(&dir.path().join("ours-bundle/rootfs"));
    let differences: Vec<String> = theirs
        .keys()
        .chain(ours.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|path| theirs.get(*path) != ours.get(*path))
        .map(|path| format!("{path}: buildah {:?} / imgc {:?}", summary(theirs.get(path)), summary(ours.get(path))))
        .collect();
    assert!(differences.is_empty(), "the trees differ:\n{}", differences.join("\n"));
}

fn summary(info: Option<&imgc_tests::oci::FileInfo>) -> Option<String> {
    info.map(|i| format!("{} {:o} {}:{} {} bytes", i.kind, i.mode, i.uid, i.gid, i.content.len()))
}

/// Entries of `dir` other than `keep`: what a failed build left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

#[test]
fn bad_inputs_are_clear_errors_that_leave_nothing_behind() {
    let (dir, options) = setup();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");

    // A corrupted base layer.
    let corrupt = dir.path().join("corrupt");
    export_base("busybox:1.35", &corrupt, "1.35").expect("export");
    let biggest = std::fs::read_dir(corrupt.join("blobs/sha256"))
        .expect("blobs")
        .map(|e| e.expect("entry").path())
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .expect("a blob");
    let mut bytes = std::fs::read(&biggest).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&biggest, bytes).expect("write");
    let mut bad_base = options.clone();
    bad_base.base_images = vec![("busybox:1.35".into(), format!("oci:{}:1.35", corrupt.display()))];
    let error = build(PROGRAM, &format!("oci:{}/a", out.display()), &bad_base).expect_err("corrupt base");
    assert!(error.contains("corrupt") && error.contains(&*biggest.to_string_lossy()), "{error}");

    // A missing layout.
    let mut missing = options.clone();
    missing.base_images = vec![("busybox:1.35".into(), format!("oci:{}:1.35", dir.path().join("nope").display()))];
    let error = build(PROGRAM, &format!("oci:{}/b", out.display()), &missing).expect_err("missing base");
    assert!(error.contains("is not an OCI image layout"), "{error}");

    // A source outside the context, through a symbolic link.
    std::os::unix::fs::symlink("/etc/passwd", options.context.join("passwd")).expect("symlink");
    let escape = "image from scratch {\n    copy \"passwd\" to \"/etc/passwd\"\n}\n";
    let error = build(escape, &format!("oci:{}/c", out.display()), &options).expect_err("escapes");
    assert!(error.contains("E0016") && error.contains("/etc/passwd"), "{error}");

    // An output that cannot be written: its parent is a file.
    let file = out.join("file");
    std::fs::write(&file, "x").expect("write");
    let error = build(PROGRAM, &format!("oci-archive:{}/x.tar", file.display()), &options).expect_err("unwritable");
    assert!(error.contains("not a directory"), "{error}");

    // A failed build leaves an existing output as it was.
    let archive = out.join("image.tar");
    build(PROGRAM, &format!("oci-archive:{}", archive.display()), &options).expect("builds");
    let before = std::fs::read(&archive).expect("read");
    let missing_source = "image from scratch {\n    copy \"no-such-file\" to \"/\"\n}\n";
    let error = build(missing_source, &format!("oci-archive:{}", archive.display()), &options).expect_err("no source");
    assert!(error.contains("E0031") && error.contains("no-such-file"), "{error}");
    assert_eq!(std::fs::read(&archive).expect("read"), before, "the archive is untouched");

    assert_eq!(leftovers(&out, &["file", "image.tar"]), Vec::<String>::new());
}

#[test]
fn oci_archives_with_zstd_layers_are_read_by_skopeo() {
    let (dir, mut options) = setup();
    options.compression = imgc::oci::layer::Compression::Zstd(3);
    let archive = dir.path().join("image.tar");
    let built = build(PROGRAM, &format!("oci-archive:{}:v1", archive.display()), &options).expect("builds");
    let inspect = skopeo(&["inspect", "--raw", &format!("oci-archive:{}:v1", archive.display())]).expect("inspect");
    assert!(inspect.stdout.contains("application/vnd.oci.image.layer.v1.tar+zstd"), "{}", inspect.stdout);
    let layout = dir.path().join("copy");
    skopeo(&["copy", "-q", &format!("oci-archive:{}:v1", archive.display()), &format!("oci:{}:v1", layout.display())])
        .expect("skopeo copy");
    validate_layout(&layout).expect("valid");
    let index = std::fs::read_to_string(layout.join("index.json")).expect("index");
    assert!(index.contains(&built.manifest_digest), "{index}");
}

#[test]
fn base_images_come_from_the_docker_engine_and_containers_storage() {
    ensure_test_env();
    let dir = imgc_tests::oci::lowercase_tempdir();
    let program = "image from \"busybox:1.35\" {\n    run \"busybox echo built > /built\"\n}\n";
    let build_from = |location: &str, output: &str| {
        let mut options = Options::new(dir.path().to_path_buf());
        options.cache_dir = Some(dir.path().join("cache"));
        options.base_images = vec![("busybox:1.35".into(), location.to_string())];
        let _store = imgc_tests::store_lock::shared();
        build(program, &format!("oci:{}:v1", dir.path().join(output).display()), &options)
            .unwrap_or_else(|e| panic!("build from {location}: {e}"));
        imgc::oci::base::open_layout(&dir.path().join(output), Some("v1"), &imgc::oci::platform::Platform::host())
            .expect("a layout")
    };
    let engine = build_from("docker-daemon:busybox:1.35", "from-engine");
    let store = build_from(&format!("{}docker.io/library/busybox:1.35", imgc_tests::buildah::STORE), "from-store");
    assert_eq!(engine.layers.len(), 2, "busybox's layer and the step's");
    let tree = |image: &imgc::oci::base::BaseImage, name: &str| {
        let mut tree = imgc::oci::tree::Tree::default();
        let files = dir.path().join(name);
        std::fs::create_dir_all(&files).expect("mkdir");
        imgc::oci::base::apply_layers(&image.layers, &mut tree, Some(&files)).expect("layers");
        tree.iter()
            .map(|(path, node)| {
                let size = match node.kind {
                    imgc::oci::tree::Kind::File { size, .. } => size,
                    _ => 0,
                };
                (path.clone(), node.mode, node.uid, node.gid, size)
            })
            .collect::<Vec<_>>()
    };
    let (from_engine, from_store) = (tree(&engine, "engine-files"), tree(&store, "store-files"));
    assert!(from_engine.iter().any(|(path, ..)| path == "bin/busybox"), "{from_engine:?}");
    assert!(from_engine.iter().any(|(path, ..)| path == "built"));
    assert_eq!(from_engine, from_store, "the same files from either store");
    assert_eq!(engine.layers[1].diff_id, store.layers[1].diff_id, "the step's layer is the same");
    // A second build with the same engine image copies nothing again.
    build_from("docker-daemon:busybox:1.35", "again");
    let copies = std::fs::read_dir(dir.path().join("cache/local-images")).expect("copies").count();
    assert_eq!(copies, 2, "one copy per store and image");
}
