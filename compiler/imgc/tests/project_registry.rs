//! `imgc.lock` against a real registry (Debian's `docker-registry` on 127.0.0.1): two versions of
//! a base image pushed under one tag; the lock keeps builds and Dockerfiles on the first until
//! `imgc lock --update` moves it to the second.
#![cfg(all(feature = "registry", feature = "cli"))]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A registry with its storage in a temporary folder, stopped (by handle) when dropped.
struct Registry {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Registry {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).expect("config");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry (scripts/setup-test-env installs it)");
        let registry = Registry { port, child, _dir: dir };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(30), "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn imgc(args: &[&str], dir: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_imgc"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("DOCKER_CONFIG", dir.join(".docker"))
        .output()
        .expect("run imgc");
    assert!(out.status.success(), "imgc {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Pushes a one-file image holding `version` as `reference`; returns its manifest digest.
fn push_base(dir: &Path, reference: &str, version: &str) -> String {
    std::fs::create_dir_all(dir.join("base")).expect("mkdir");
    std::fs::write(dir.join("base/version.txt"), version).expect("write");
    std::fs::write(
        dir.join("base/base.img"),
        "image from scratch {\n    copy \"version.txt\" to \"/version.txt\"\n}\n",
    )
    .expect("write");
    let out = imgc(&["build", "base/base.img", "--output", &format!("docker://{reference}")], dir);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The `version.txt` of the image's first layer, in the layout `out`.
fn base_version(layout: &Path) -> String {
    let read = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:")));
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index")).expect("JSON");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(index["manifests"][0]["digest"].as_str().expect("digest")).expect("manifest"))
            .expect("JSON");
    let layer = read(manifest["layers"][0]["digest"].as_str().expect("layer")).expect("layer blob");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&layer[..]));
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        if entry.path().expect("path").ends_with("version.txt") {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).expect("read");
            return text;
        }
    }
    panic!("no version.txt in the first layer")
}

#[test]
fn a_locked_tag_that_moves_is_built_as_locked_until_updated() {
    let registry = Registry::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let reference = format!("127.0.0.1:{}/imgc-project/base:1", registry.port);
    let v1 = push_base(dir, &reference, "v1\n");
    std::fs::create_dir_all(dir.join("app")).expect("mkdir");
    std::fs::write(
        dir.join("app/app.img"),
        format!("image from \"{reference}\" {{\n    copy \"hello.txt\" to \"/hello.txt\"\n}}\n"),
    )
    .expect("write");
    std::fs::write(dir.join("app/hello.txt"), "hello\n").expect("write");
    std::fs::write(
        dir.join("imgc.toml"),
        "[images.app]\nprogram = \"app/app.img\"\noutputs = [\"oci:out\"]\ndockerfile = \"app/Dockerfile\"\n",
    )
    .expect("write");

    imgc(&["lock"], dir);
    let lock = std::fs::read_to_string(dir.join("imgc.lock")).expect("imgc.lock");
    assert!(lock.contains(&format!("digest = \"{v1}\"")), "{lock}");

    // The tag moves to a second version.
    let v2 = push_base(dir, &reference, "v2\n");
    assert_ne!(v1, v2);
    imgc(&["build", "--locked"], dir);
    assert_eq!(base_version(&dir.join("out")), "v1\n", "the locked digest is built on");
    imgc(&["dockerfile", "--all", "--locked"], dir);
    let dockerfile = std::fs::read_to_string(dir.join("app/Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains(&format!("FROM {reference}@{v1}\n")), "{dockerfile}");

    let out = imgc(&["lock", "--update", &reference], dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("updated {reference} {v1} -> {v2}")), "{stderr}");
    imgc(&["build", "app", "--locked"], dir);
    assert_eq!(base_version(&dir.join("out")), "v2\n", "the updated digest is built on");
    imgc(&["dockerfile", "--all"], dir);
    let dockerfile = std::fs::read_to_string(dir.join("app/Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains(&format!("FROM {reference}@{v2}\n")), "{dockerfile}");
}
