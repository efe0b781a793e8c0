//! `run` steps for a foreign platform, run for real under QEMU user emulation: a busybox base
//! for amd64 (the host's Debian busybox-static) and arm64 (Debian's arm64 busybox-static, cached
//! by scripts/setup-test-env, which also registers qemu-aarch64 in binfmt_misc) made here as one
//! image index in a local OCI layout; an image on it built for both platforms whose `run` step
//! writes `uname -m` and reads a copied file. Each platform's image, unpacked by umoci, holds its
//! own machine name (`x86_64`, `aarch64`), and its config names its architecture.

use imgc::oci::multi::build_index;
use imgc::oci::output::Destination;
use imgc::oci::platform::Platform;
use imgc_tests::ensure_test_env;
use imgc_tests::oci::{
    blob_path, compile_program, lowercase_tempdir, read_json, test_options, umoci_unpack, validate_layout, write_files,
};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Each platform's architecture and the machine name `uname -m` prints there.
const PLATFORMS: [(&str, &str); 2] = [("amd64", "x86_64"), ("arm64", "aarch64")];

fn platform(architecture: &str) -> Platform {
    Platform::parse(&format!("linux/{architecture}")).expect("platform")
}

/// Debian's busybox-static binary for `architecture`.
fn busybox(architecture: &str) -> PathBuf {
    match architecture {
        "amd64" => PathBuf::from("/bin/busybox"),
        _ => {
            let cache = std::env::var_os("IMGC_TEST_CACHE").unwrap_or_else(|| "/var/cache/imgc-test".into());
            Path::new(&cache).join(format!("busybox-{architecture}"))
        }
    }
}

/// Tags `descriptor` as `tag` in the layout's index.json.
fn tag(layout: &Path, descriptor: serde_json::Value, tag: &str) {
    let mut descriptor = descriptor;
    descriptor["annotations"] = serde_json::json!({ "org.opencontainers.image.ref.name": tag });
    let mut index = read_json(&layout.join("index.json"));
    index["manifests"].as_array_mut().expect("manifests").push(descriptor);
    std::fs::write(layout.join("index.json"), index.to_string()).expect("write index.json");
}

/// The base: per platform, busybox as /bin/busybox with the applets the step uses linked to it,
/// built from scratch into one layout; an index of the two tagged `multi`.
fn make_base(dir: &Path) -> PathBuf {
    let layout = dir.join("base");
    let mut descriptors = Vec::new();
    for (architecture, _) in PLATFORMS {
        let context = dir.join(format!("base-{architecture}"));
        let bin = context.join("rootfs/bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        let binary = busybox(architecture);
        std::fs::copy(&binary, bin.join("busybox"))
            .unwrap_or_else(|e| panic!("{}: {e} (scripts/setup-test-env caches the arm64 busybox)", binary.display()));
        for applet in ["sh", "uname", "cat"] {
            std::os::unix::fs::symlink("busybox", bin.join(applet)).expect("symlink");
        }
        let mut options = test_options(dir, &context);
        options.platform = Some(platform(architecture));
        let destination = Destination::parse(&format!("oci:{}:{architecture}", layout.display())).expect("destination");
        let program = compile_program("image from scratch {\n    copy \"rootfs/\" to \"/\"\n}\n", &context);
        let built = imgc::oci::build(&program, &destination, &options).expect("a base image");
        let size = std::fs::metadata(blob_path(&layout, &built.manifest_digest)).expect("size").len();
        descriptors.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": built.manifest_digest,
            "size": size,
            "platform": { "os": "linux", "architecture": architecture },
        }));
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": descriptors,
    });
    let bytes = serde_json::to_vec(&index).expect("JSON");
    let digest = format!("sha256:{:x}", Sha256::digest(&bytes));
    std::fs::write(blob_path(&layout, &digest), &bytes).expect("write the index");
    let descriptor = serde_json::json!({
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": digest,
        "size": bytes.len(),
    });
    tag(&layout, descriptor, "multi");
    layout
}

#[test]
fn run_steps_for_arm64_run_under_qemu() {
    ensure_test_env();
    let dir = lowercase_tempdir();
    let base = make_base(dir.path());

    let context = dir.path().join("app");
    write_files(&context, &[("app.txt", "copied\n", 0o644)]);
    let source = format!(
        "image from \"oci:{}:multi\" {{\n    copy \"app.txt\" to \"/app.txt\"\n    \
         run \"uname -m > /arch && cat /app.txt > /seen.txt\"\n}}\n",
        base.display()
    );
    let program = compile_program(&source, &context);
    let layout = dir.path().join("out");
    let destination = Destination::parse(&format!("oci:{}:v1", layout.display())).expect("destination");
    let platforms: Vec<Platform> = PLATFORMS.iter().map(|(a, _)| platform(a)).collect();
    let built = build_index(&program, &destination, &test_options(dir.path(), &context), &platforms)
        .unwrap_or_else(|e| panic!("builds both platforms: {e}"));
    validate_layout(&layout).expect("valid against the OCI schemas");

    let index = read_json(&blob_path(&layout, &built.index_digest));
    let manifests = index["manifests"].as_array().expect("manifests");
    assert_eq!(manifests.len(), 2, "{index}");
    for (entry, (architecture, machine)) in manifests.iter().zip(PLATFORMS) {
        assert_eq!(entry["platform"]["architecture"], architecture, "{entry}");
        let manifest = read_json(&blob_path(&layout, entry["digest"].as_str().expect("digest")));
        let config = read_json(&blob_path(&layout, manifest["config"]["digest"].as_str().expect("config")));
        assert_eq!((config["os"].as_str(), config["architecture"].as_str()), (Some("linux"), Some(architecture)));

        let name = format!("check-{architecture}");
        tag(&layout, entry.clone(), &name);
        let bundle = dir.path().join(format!("bundle-{architecture}"));
        umoci_unpack(&layout, &name, &bundle).expect("umoci unpacks it");
        let read = |path: &str| std::fs::read_to_string(bundle.join("rootfs").join(path)).expect(path);
        assert_eq!(read("arch"), format!("{machine}\n"), "the {architecture} image's step ran as {machine}");
        assert_eq!(read("seen.txt"), "copied\n", "the {architecture} step read the copied file");
    }
}
