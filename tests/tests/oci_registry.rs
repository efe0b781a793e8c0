//! `imgc build` with registries: pushing to Debian's `docker-registry` on 127.0.0.1 and reading
//! the image back with skopeo; base images pulled from it into the blob cache, and not again;
//! basic authentication through a `config.json`, and a clear error for a wrong password.

use imgc::oci::Options;
use imgc_tests::ensure_test_env;
use imgc_tests::oci::{build, export_base, lowercase_tempdir, skopeo, validate_layout, write_files};
use imgc_tests::registry::Registry;

const PROGRAM: &str = r#"
image from scratch {
    copy "hello.txt" to "/hello.txt"
    cmd ["/hello"]
}
"#;

fn options(dir: &std::path::Path) -> Options {
    let context = dir.join("context");
    write_files(&context, &[("hello.txt", "hello\n", 0o644)]);
    let mut options = Options::new(context);
    options.cache_dir = Some(dir.join("cache"));
    // No credentials unless a test gives some.
    options.authfile = Some(dir.join("no-config.json"));
    options
}

#[test]
fn pushed_images_read_back_with_skopeo() {
    ensure_test_env();
    let registry = Registry::start(None);
    let dir = lowercase_tempdir();
    let options = Options { tags: vec!["latest".into()], ..options(dir.path()) };
    let reference = format!("{}/imgc/hello:v1", registry.host());
    let built = build(PROGRAM, &format!("docker://{reference}"), &options).expect("pushes");
    for tag in ["v1", "latest"] {
        let image = format!("docker://{}/imgc/hello:{tag}", registry.host());
        let inspect = skopeo(&["inspect", "--tls-verify=false", &image]).expect("skopeo inspect");
        let json: serde_json::Value = serde_json::from_str(&inspect.stdout).expect("JSON");
        assert_eq!(json["Digest"], built.manifest_digest.as_str(), "{tag}");
    }
    let copy = dir.path().join("copy");
    skopeo(&[
        "copy",
        "-q",
        "--src-tls-verify=false",
        &format!("docker://{reference}"),
        &format!("oci:{}:v1", copy.display()),
    ])
    .expect("skopeo copy");
    validate_layout(&copy).expect("valid");
    let index = std::fs::read_to_string(copy.join("index.json")).expect("index");
    assert!(index.contains(&built.manifest_digest), "skopeo's copy keeps the digest: {index}");

    // Pushing again sends no blob: the registry has them.
    build(PROGRAM, &format!("docker://{reference}"), &options).expect("pushes again");
}

#[test]
fn base_images_are_pulled_once_into_the_cache() {
    ensure_test_env();
    let registry = Registry::start(None);
    let dir = lowercase_tempdir();
    let options = options(dir.path());
    export_base("busybox:1.35", &dir.path().join("base"), "1.35").expect("export busybox");
    let image = format!("{}/library/busybox:1.35", registry.host());
    skopeo(&[
        "copy",
        "-q",
        "--dest-tls-verify=false",
        &format!("oci:{}:1.35", dir.path().join("base").display()),
        &format!("docker://{image}"),
    ])
    .expect("push busybox");
    let digest = skopeo(&["inspect", "--tls-verify=false", "--format", "{{.Digest}}", &format!("docker://{image}")])
        .expect("digest")
        .stdout
        .trim()
        .to_string();
    let program = format!("image from \"{image}\" {{\n    copy \"hello.txt\" to \"/hello.txt\"\n}}\n");
    let first = build(&program, &format!("oci:{}", dir.path().join("one").display()), &options).expect("builds");
    let blobs = std::fs::read_dir(dir.path().join("cache/blobs/sha256")).expect("cache").count();
    assert!(blobs >= 3, "manifest, config and layers are cached ({blobs})");

    // With the registry gone, a build naming the same image by digest downloads nothing.
    let host = registry.host();
    drop(registry);
    let program =
        format!("image from \"{host}/library/busybox@{digest}\" {{\n    copy \"hello.txt\" to \"/hello.txt\"\n}}\n");
    let second = build(&program, &format!("oci:{}", dir.path().join("two").display()), &options)
        .expect("builds from the cache alone");
    assert_eq!(first.manifest_digest, second.manifest_digest);
}

#[test]
fn credentials_come_from_config_json_and_a_wrong_password_is_a_clear_error() {
    ensure_test_env();
    let registry = Registry::start(Some(("alice", "s3cret-pw")));
    let dir = lowercase_tempdir();
    let reference = format!("docker://{}/imgc/private:v1", registry.host());

    let anonymous = build(PROGRAM, &reference, &options(dir.path())).expect_err("no credentials");
    assert!(anonymous.contains("authentication failed") && anonymous.contains("no credentials"), "{anonymous}");

    let wrong = Options { authfile: Some(registry.authfile(dir.path(), "alice", "wrong-pw")), ..options(dir.path()) };
    let error = build(PROGRAM, &reference, &wrong).expect_err("wrong password");
    assert!(error.contains("authentication failed") && error.contains("were refused"), "{error}");
    assert!(!error.contains("wrong-pw"), "the password is never shown: {error}");

    let right = Options { authfile: Some(registry.authfile(dir.path(), "alice", "s3cret-pw")), ..options(dir.path()) };
    let built = build(PROGRAM, &reference, &right).expect("pushes with the credentials");
    let inspect =
        skopeo(&["inspect", "--tls-verify=false", "--creds", "alice:s3cret-pw", &reference]).expect("inspect");
    assert!(inspect.stdout.contains(&built.manifest_digest), "{}", inspect.stdout);
}
