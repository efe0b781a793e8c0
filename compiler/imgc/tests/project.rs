//! Projects through the command line: `imgc.toml` found from a subfolder, every image built (in
//! dependency order, shared arguments only where declared), one image by name, every Dockerfile
//! written, coded errors that write nothing, the JSON Schema checked in, and `imgc.lock` over a
//! local OCI layout: locked, kept when the tag moves, moved by `--update`, enforced by `--locked`.
#![cfg(all(feature = "oci", feature = "cli"))]

use std::path::Path;
use std::process::{Command, Output};

fn imgc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgc"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("DOCKER_CONFIG", dir.join(".docker"))
        .output()
        .expect("run imgc")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
}

/// The manifest of the image tagged `tag` in the layout `dir`.
fn manifest(dir: &Path, tag: &str) -> serde_json::Value {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index")).expect("JSON");
    let entry = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|d| tag.is_empty() || d["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap_or_else(|| panic!("no tag {tag} in {index}"));
    blob_json(dir, entry["digest"].as_str().expect("digest"))
}

fn blob_json(dir: &Path, digest: &str) -> serde_json::Value {
    let path = dir.join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
    serde_json::from_slice(&std::fs::read(path).expect("blob")).expect("JSON")
}

const WEB: &str = "arg VERSION: string = \"0\"\nimage from scratch {\n    copy \"hello.txt\" to \"/hello.txt\"\n    env { VERSION = VERSION }\n}\n";
const API: &str = "image from \"oci:../out/web:v1\" {\n    copy \"api.txt\" to \"/api.txt\"\n}\n";

/// Two images: `api` builds on `web`'s output; a shared argument only `web` declares.
fn project(dir: &Path) {
    write(
        dir,
        &[
            ("web/app.img", WEB),
            ("web/hello.txt", "hello\n"),
            ("api/app.img", API),
            ("api/api.txt", "api\n"),
            (
                "imgc.toml",
                r#"args = { VERSION = "2" }

[images.api]
program = "api/app.img"
outputs = ["oci:out/api"]
depends-on = ["web"]

[images.web]
program = "web/app.img"
tags = ["v1", "latest"]
outputs = ["oci:out/web"]
dockerfile = "web/Dockerfile"
"#,
            ),
        ],
    );
}

#[test]
fn every_image_is_built_after_what_it_depends_on_from_a_subfolder() {
    let dir = tempfile::tempdir().expect("temp dir");
    project(dir.path());
    let out = imgc(&["build"], &dir.path().join("web"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("web sha256:") && lines[1].starts_with("api sha256:"), "{lines:?}");
    let web = manifest(&dir.path().join("out/web"), "latest");
    let config = blob_json(&dir.path().join("out/web"), web["config"]["digest"].as_str().expect("digest"));
    assert!(config["config"]["Env"].to_string().contains("VERSION=2"), "the shared argument: {config}");
    // `api` is on `web`: its first layer is web's.
    let api = manifest(&dir.path().join("out/api"), "");
    assert_eq!(api["layers"][0]["digest"], web["layers"][0]["digest"]);

    // `web`'s output is built here, so it is no base to lock: the lock is empty and current.
    let out = imgc(&["lock"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lock = std::fs::read_to_string(dir.path().join("imgc.lock")).expect("imgc.lock");
    assert!(!lock.contains("[image"), "{lock}");
    let out = imgc(&["build", "--locked"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn one_image_by_name_and_an_unknown_name_is_e0043() {
    let dir = tempfile::tempdir().expect("temp dir");
    project(dir.path());
    let out = imgc(&["build", "web"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).trim().starts_with("sha256:"));
    assert!(dir.path().join("out/web/index.json").is_file());
    assert!(!dir.path().join("out/api").exists(), "only web is built");
    let out = imgc(&["build", "wbe"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error[E0043]: the project has no image `wbe`"), "{stderr}");
    assert!(stderr.contains("its images are: api, web"), "{stderr}");

    // A stage the program does not have, at its place in the file.
    let toml = std::fs::read_to_string(dir.path().join("imgc.toml")).expect("read");
    write(dir.path(), &[("imgc.toml", &toml.replace("tags = [", "stage = \"runtime\"\ntags = ["))]);
    let out = imgc(&["build", "web"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error[E0042]: the program has no stage `runtime`"), "{stderr}");
    assert!(stderr.contains("imgc.toml:10:9"), "{stderr}");
}

#[test]
fn every_dockerfile_is_written_where_the_project_says_or_none() {
    let dir = tempfile::tempdir().expect("temp dir");
    project(dir.path());
    let out = imgc(&["dockerfile", "--all"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let web = std::fs::read_to_string(dir.path().join("web/Dockerfile")).expect("web's Dockerfile");
    assert!(web.contains("ARG VERSION=\"2\""), "{web}");
    assert!(!dir.path().join("api/Dockerfile").exists(), "api names no `dockerfile`");
    let out = imgc(&["dockerfile", "web"], dir.path());
    assert_eq!(text(&out.stdout), web, "one image to standard output");

    // A program with an error: no Dockerfile is written, not even the other image's.
    std::fs::remove_file(dir.path().join("web/Dockerfile")).expect("rm");
    let toml = std::fs::read_to_string(dir.path().join("imgc.toml")).expect("read");
    write(dir.path(), &[("imgc.toml", &toml.replace("depends-on", "dockerfile = \"api/Dockerfile\"\ndepends-on"))]);
    write(dir.path(), &[("api/app.img", "image from \"debian:bookworm-slim\" {\n}\n")]);
    write(dir.path(), &[("web/app.img", "image from scratch {\n    cpy \"x\" to \"/x\"\n}\n")]);
    let out = imgc(&["dockerfile", "--all"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!dir.path().join("api/Dockerfile").exists() && !dir.path().join("web/Dockerfile").exists());
}

#[test]
fn errors_in_the_project_file_are_coded_and_build_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    project(dir.path());
    let toml = std::fs::read_to_string(dir.path().join("imgc.toml")).expect("read");
    let cases = [
        (toml.replace("tags = [", "tag = ["), "error[E0041]: unknown field `tag`", "imgc.toml:10:1"),
        (
            toml.replace("\"api/app.img\"", "\"api/missing.img\""),
            "error[E0042]: the program `api/missing.img` does not exist",
            "imgc.toml:4:11",
        ),
        (toml.replace("[\"web\"]", "[\"api\"]"), "error[E0042]: the image `api` depends on itself", "imgc.toml:6:15"),
        (format!("platforms = [\"amd64\"]\n{toml}"), "error[E0042]: `amd64` is not a platform", "imgc.toml:1:14"),
        (toml.replace("[\"web\"]", "[\"base\"]"), "error[E0043]: the project has no image `base`", "imgc.toml:6:15"),
    ];
    for (content, message, location) in cases {
        write(dir.path(), &[("imgc.toml", &content)]);
        for args in [&["build"][..], &["dockerfile", "--all"], &["lock"]] {
            let out = imgc(args, dir.path());
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert!(stderr.contains(message) && stderr.contains(location), "{args:?}: {stderr}");
        }
        assert!(!dir.path().join("out").exists() && !dir.path().join("imgc.lock").exists());
        assert!(!dir.path().join("web/Dockerfile").exists());
    }
}

#[test]
fn without_a_project_the_commands_say_where_they_looked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = imgc(&["build"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no imgc.toml in"), "{}", text(&out.stderr));
    let out = imgc(&["dockerfile", "app"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read `app`: it is no file, and no imgc.toml"), "{}", text(&out.stderr));
}

#[test]
fn the_checked_in_json_schema_is_the_one_the_types_give() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/imgc.toml.schema.json");
    let generated = imgc::project::schema();
    if std::env::var_os("IMGC_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write the schema");
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(checked_in, generated, "the schema changed: IMGC_BLESS=1 rewrites {}", path.display());
    let schema: serde_json::Value = serde_json::from_str(&generated).expect("JSON");
    assert_eq!(schema["additionalProperties"], false, "unknown keys are errors in editors too");
    let image = &schema["$defs"]["Image"];
    assert_eq!(image["required"], serde_json::json!(["program"]));
    for key in ["program", "tags", "args", "stage", "platforms", "outputs", "dockerfile", "depends-on"] {
        assert!(image["properties"].get(key).is_some(), "{key} in {image}");
    }
}

/// A base image in a local layout (`base`, tag `1`) holding `version.txt`, written by imgc.
fn base(dir: &Path, version: &str) -> String {
    write(
        dir,
        &[
            ("base/version.txt", version),
            ("base/base.img", "image from scratch {\n    copy \"version.txt\" to \"/version.txt\"\n}\n"),
        ],
    );
    let layout = format!("oci:{}:1", dir.join("layout").display());
    let out = imgc(&["build", "base/base.img", "--output", &layout], dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[test]
fn a_lock_pins_a_local_base_until_it_is_updated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let v1 = base(dir.path(), "v1\n");
    write(
        dir.path(),
        &[
            ("app/app.img", "image from \"example.com/base:1\" {\n    copy \"hello.txt\" to \"/hello.txt\"\n}\n"),
            ("app/hello.txt", "hello\n"),
            (
                "imgc.toml",
                "[base-images]\n\"example.com/base:1\" = \"oci:layout:1\"\n\n[images.app]\nprogram = \"app/app.img\"\noutputs = [\"oci:out\"]\n",
            ),
        ],
    );
    let out = imgc(&["build", "--locked"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[E0044]: the project has no imgc.lock"), "{}", text(&out.stderr));

    let out = imgc(&["lock"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lock = std::fs::read_to_string(dir.path().join("imgc.lock")).expect("imgc.lock");
    let host = imgc::oci::platform::Platform::host().to_string();
    assert!(lock.contains("[image.\"example.com/base:1\"]\nsource = \"oci:layout:1\""), "{lock}");
    assert!(lock.contains(&format!("\"{host}\" = \"{v1}\"")), "{lock}");

    // The tag moves; the build keeps to the locked manifest.
    let v2 = base(dir.path(), "v2\n");
    assert_ne!(v1, v2);
    let first_layer = |dir: &Path| {
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("out/index.json")).expect("index")).expect("JSON");
        let manifest = blob_json(&dir.join("out"), index["manifests"][0]["digest"].as_str().expect("digest"));
        manifest["layers"][0]["digest"].as_str().expect("a layer").to_string()
    };
    let out = imgc(&["build", "--locked"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(first_layer(dir.path()), blob_json(&dir.path().join("layout"), &v1)["layers"][0]["digest"]);

    // Locking again changes nothing; `--update` moves the pin.
    assert!(imgc(&["lock"], dir.path()).status.success());
    assert_eq!(std::fs::read_to_string(dir.path().join("imgc.lock")).expect("lock"), lock);
    let out = imgc(&["lock", "--update", "app"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("updated example.com/base:1 {v1} -> {v2}")), "{}", text(&out.stderr));
    let out = imgc(&["build", "app", "--locked"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(first_layer(dir.path()), blob_json(&dir.path().join("layout"), &v2)["layers"][0]["digest"]);

    // A base the lock does not know makes it stale.
    write(dir.path(), &[("app/app.img", "image from \"example.com/other:1\" {\n}\n")]);
    let out = imgc(&["dockerfile", "app", "--locked"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("imgc.lock is out of date: `example.com/other:1` is not locked; `example.com/base:1` is locked but no image uses it"), "{stderr}");
}

#[test]
fn an_image_for_two_platforms_is_an_index_from_the_project_or_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[
            ("app.img", "image from scratch {\n    copy \"hello.txt\" to \"/hello.txt\"\n}\n"),
            ("hello.txt", "hello\n"),
            (
                "imgc.toml",
                "platforms = [\"linux/amd64\", \"linux/arm64\"]\n\n[images.app]\nprogram = \"app.img\"\ntags = [\"v1\"]\noutputs = [\"oci:out\"]\n",
            ),
        ],
    );
    let out = imgc(&["build"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let index = manifest(&dir.path().join("out"), "v1");
    assert_eq!(index["mediaType"], "application/vnd.oci.image.index.v1+json", "{index}");
    let arches: Vec<&str> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .filter_map(|m| m["platform"]["architecture"].as_str())
        .collect();
    assert_eq!(arches, ["amd64", "arm64"]);
    for entry in index["manifests"].as_array().expect("manifests") {
        let image = blob_json(&dir.path().join("out"), entry["digest"].as_str().expect("digest"));
        let config = blob_json(&dir.path().join("out"), image["config"]["digest"].as_str().expect("config"));
        assert_eq!(config["architecture"], entry["platform"]["architecture"]);
    }
    let out = imgc(&["build", "app.img", "--platform", "linux/arm64,linux/amd64", "-o", "oci:two"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let index = manifest(&dir.path().join("two"), "");
    let arches: Vec<&str> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .filter_map(|m| m["platform"]["architecture"].as_str())
        .collect();
    assert_eq!(arches, ["arm64", "amd64"], "in the order asked");
    let out = imgc(&["inspect", "oci:two"], dir.path());
    let shown = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(shown.starts_with("index      sha256:"), "{shown}");
    assert!(shown.find("platform   linux/arm64") < shown.find("platform   linux/amd64"), "{shown}");
}

#[test]
fn each_platform_gets_its_own_platform_arguments() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        &[
            (
                "app.img",
                "image from scratch {\n    copy \"tool-${TARGETARCH}\" to \"/tool\"\n    env { BUILT_FOR = \"${TARGETPLATFORM}\" }\n}\n",
            ),
            ("tool-amd64", "amd64\n"),
            ("tool-arm64", "arm64\n"),
        ],
    );
    let out = imgc(&["build", "app.img", "--platform", "linux/amd64,linux/arm64", "-o", "oci:out"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let index = manifest(&dir.path().join("out"), "");
    let mut layers = Vec::new();
    for entry in index["manifests"].as_array().expect("manifests") {
        let arch = entry["platform"]["architecture"].as_str().expect("arch");
        let image = blob_json(&dir.path().join("out"), entry["digest"].as_str().expect("digest"));
        let config = blob_json(&dir.path().join("out"), image["config"]["digest"].as_str().expect("config"));
        assert!(config["config"]["Env"].to_string().contains(&format!("BUILT_FOR=linux/{arch}")), "{config}");
        layers.push(image["layers"][0]["digest"].clone());
    }
    assert_ne!(layers[0], layers[1], "tool-amd64 and tool-arm64 were copied");
}
