//! Images for several platforms: a base image index (amd64 and arm64, made here: a tiny layer
//! and a config per platform, pushed by skopeo as one index) in Debian's `docker-registry` on
//! 127.0.0.1; an image on it built for both into an OCI layout (valid against the OCI schemas,
//! one manifest per platform, each on its platform's base and with its platform in its config)
//! and pushed (the registry accepts it; `skopeo inspect --raw` shows both manifests).

use imgc::oci::Options;
use imgc::oci::multi::build_index;
use imgc::oci::output::Destination;
use imgc::oci::platform::Platform;
use imgc_tests::ensure_test_env;
use imgc_tests::oci::{
    blob_path, compile_program, lowercase_tempdir, read_json, skopeo, test_options, validate_layout, write_files,
};
use imgc_tests::registry::Registry;
use sha2::{Digest, Sha256};
use std::path::Path;

const ARCHES: [&str; 2] = ["amd64", "arm64"];

fn platforms() -> Vec<Platform> {
    ARCHES.iter().map(|a| Platform::parse(&format!("linux/{a}")).expect("platform")).collect()
}

fn blob(layout: &Path, digest: &str) -> serde_json::Value {
    read_json(&blob_path(layout, digest))
}

/// The base: for each platform, one layer with `/etc/arch` naming it and a config for it, in one
/// layout; an index of the two, tagged `multi`, pushed as `reference` with `skopeo copy --all`.
/// Returns each platform's base layer digest.
fn push_base(dir: &Path, reference: &str) -> Vec<String> {
    let layout = dir.join("base");
    let mut descriptors = Vec::new();
    let mut layers = Vec::new();
    for platform in platforms() {
        let context = dir.join(format!("base-{}", platform.architecture));
        write_files(&context, &[("arch", &format!("{}\n", platform.architecture), 0o644)]);
        let mut options = test_options(dir, &context);
        options.platform = Some(platform.clone());
        let destination =
            Destination::parse(&format!("oci:{}:{}", layout.display(), platform.architecture)).expect("destination");
        let program = compile_program("image from scratch {\n    copy \"arch\" to \"/etc/arch\"\n}\n", &context);
        let built = imgc::oci::build(&program, &destination, &options).expect("a base image");
        let manifest = blob(&layout, &built.manifest_digest);
        let size =
            std::fs::metadata(layout.join("blobs/sha256").join(&built.manifest_digest[7..])).expect("size").len();
        layers.push(manifest["layers"][0]["digest"].as_str().expect("a layer").to_string());
        descriptors.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": built.manifest_digest,
            "size": size,
            "platform": { "os": "linux", "architecture": platform.architecture },
        }));
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": descriptors,
    });
    let bytes = serde_json::to_vec(&index).expect("JSON");
    let digest = format!("sha256:{:x}", Sha256::digest(&bytes));
    std::fs::write(layout.join("blobs/sha256").join(&digest[7..]), &bytes).expect("write the index");
    let mut layout_index = read_json(&layout.join("index.json"));
    layout_index["manifests"].as_array_mut().expect("manifests").push(serde_json::json!({
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": digest,
        "size": bytes.len(),
        "annotations": { "org.opencontainers.image.ref.name": "multi" },
    }));
    std::fs::write(layout.join("index.json"), layout_index.to_string()).expect("write index.json");
    skopeo(&[
        "copy",
        "-q",
        "--all",
        "--dest-tls-verify=false",
        &format!("oci:{}:multi", layout.display()),
        &format!("docker://{reference}"),
    ])
    .expect("push the base index");
    layers
}

#[test]
fn one_build_writes_an_index_with_an_image_per_platform_on_its_base() {
    ensure_test_env();
    let registry = Registry::start(None);
    let dir = lowercase_tempdir();
    let base = format!("{}/imgc-platforms/base:1", registry.host());
    let base_layers = push_base(dir.path(), &base);

    // Resolved for a lock file: the index's digest, and each platform's manifest in it.
    let no_auth = dir.path().join("no-config.json");
    let resolved = imgc::oci::registry::resolve::resolve(&base, &platforms(), Some(&no_auth)).expect("resolves");
    let raw = skopeo(&["inspect", "--raw", "--tls-verify=false", &format!("docker://{base}")]).expect("inspect");
    assert_eq!(resolved.digest, format!("sha256:{:x}", Sha256::digest(raw.stdout.as_bytes())));
    let raw: serde_json::Value = serde_json::from_str(&raw.stdout).expect("JSON");
    for ((platform, digest), entry) in resolved.platforms.iter().zip(raw["manifests"].as_array().expect("an index")) {
        assert_eq!(entry["platform"]["architecture"], platform.architecture.as_str());
        assert_eq!(entry["digest"], digest.as_str());
    }
    let missing = Platform::parse("linux/s390x").expect("platform");
    let error = imgc::oci::registry::resolve::resolve(&base, &[missing], Some(&no_auth)).expect_err("no s390x");
    assert!(error.contains("has no image for linux/s390x (it has: linux/amd64, linux/arm64)"), "{error}");

    let context = dir.path().join("app");
    write_files(&context, &[("app.txt", "app\n", 0o644)]);
    let program =
        compile_program(&format!("image from \"{base}\" {{\n    copy \"app.txt\" to \"/app.txt\"\n}}\n"), &context);
    let options = Options { tags: vec!["latest".into()], ..test_options(dir.path(), &context) };
    let layout = dir.path().join("out");
    let destination = Destination::parse(&format!("oci:{}:v1", layout.display())).expect("destination");
    let built = build_index(&program, &destination, &options, &platforms()).expect("builds both");
    validate_layout(&layout).expect("valid against the OCI schemas");

    let index = blob(&layout, &built.index_digest);
    assert_eq!(index["mediaType"], "application/vnd.oci.image.index.v1+json");
    let manifests = index["manifests"].as_array().expect("manifests");
    assert_eq!(manifests.len(), 2, "{index}");
    for ((entry, arch), base_layer) in manifests.iter().zip(ARCHES).zip(&base_layers) {
        assert_eq!(entry["platform"]["architecture"], arch, "{entry}");
        let manifest = blob(&layout, entry["digest"].as_str().expect("digest"));
        let config = blob(&layout, manifest["config"]["digest"].as_str().expect("config"));
        assert_eq!((config["os"].as_str(), config["architecture"].as_str()), (Some("linux"), Some(arch)));
        assert_eq!(manifest["layers"][0]["digest"], base_layer.as_str(), "{arch} is built on the {arch} base");
    }
    let tags = read_json(&layout.join("index.json"));
    assert!(tags.to_string().contains("\"v1\"") && tags.to_string().contains("\"latest\""), "{tags}");

    // Pushed: the registry takes the index and both manifests.
    let reference = format!("{}/imgc-platforms/app:1", registry.host());
    let destination = Destination::parse(&format!("docker://{reference}")).expect("destination");
    let pushed = build_index(&program, &destination, &options, &platforms()).expect("pushes both");
    assert_eq!(pushed.index_digest, built.index_digest, "the same image, wherever it is written");
    let raw = skopeo(&["inspect", "--raw", "--tls-verify=false", &format!("docker://{reference}")]).expect("inspect");
    let raw: serde_json::Value = serde_json::from_str(&raw.stdout).expect("JSON");
    let digests: Vec<&str> =
        raw["manifests"].as_array().expect("an index").iter().filter_map(|m| m["digest"].as_str()).collect();
    assert_eq!(digests.len(), 2, "{raw}");
    for (arch, base_layer) in ARCHES.iter().zip(&base_layers) {
        let inspect = skopeo(&[
            "inspect",
            "--tls-verify=false",
            "--override-os",
            "linux",
            "--override-arch",
            *arch,
            &format!("docker://{reference}"),
        ])
        .expect("inspect one platform");
        let json: serde_json::Value = serde_json::from_str(&inspect.stdout).expect("JSON");
        assert_eq!(json["Architecture"], *arch, "{json}");
        assert_eq!(json["Layers"][0], base_layer.as_str(), "{json}");
    }
}

#[test]
fn a_docker_archive_holds_one_platform() {
    let dir = lowercase_tempdir();
    let context = dir.path().join("app");
    write_files(&context, &[("app.txt", "app\n", 0o644)]);
    let program = compile_program("image from scratch {\n    copy \"app.txt\" to \"/app.txt\"\n}\n", &context);
    let out = dir.path().join("app.tar");
    let destination = Destination::parse(&format!("docker-archive:{}", out.display())).expect("destination");
    let error =
        build_index(&program, &destination, &test_options(dir.path(), &context), &platforms()).expect_err("refused");
    assert!(error.to_string().contains("docker-archive holds one platform"), "{error}");
    assert!(!out.exists());
}
