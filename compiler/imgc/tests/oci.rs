//! `imgc build` and `imgc inspect` through the command line: reproducible digests, steps that
//! cannot be built, errors that leave no output.
#![cfg(all(feature = "oci", feature = "cli"))]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

fn imgc(args: &[&str], dir: &Path, umask: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("sh");
    command.arg("-c").arg(format!("umask {umask} && exec \"$0\" \"$@\"")).arg(env!("CARGO_BIN_EXE_imgc")).args(args);
    command.current_dir(dir).env_remove("SOURCE_DATE_EPOCH").env("XDG_CACHE_HOME", dir.join(".cache"));
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run imgc")
}

const PROGRAM: &str = r#"
stage assets from scratch {
    copy "site/" to "/site/"
}

image from scratch {
    copy "bin/" to "/usr/local/bin/"
    copy from assets "/site" to "/srv/www" chown "101:101" chmod "640"
    workdir "/srv/www"
    env { MODE = "production" }
    label { "org.opencontainers.image.title" = "repro" }
    expose 8080/tcp
    user "101"
    entrypoint ["/usr/local/bin/serve"]
    cmd ["--port", "8080"]
}
"#;

/// The same files in `dir`, with file and directory times from `time`.
fn context(dir: &Path, time: SystemTime) {
    let files: [(&str, &str, u32); 5] = [
        ("app.img", PROGRAM, 0o644),
        ("bin/serve", "#!/bin/sh\necho serving\n", 0o755),
        ("bin/helper", "helper\n", 0o700),
        ("site/index.html", "<h1>hi</h1>\n", 0o644),
        ("site/img/logo.svg", "<svg/>\n", 0o644),
    ];
    for (path, text, mode) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    for path in ["bin/serve", "bin/helper", "site/index.html", "site/img/logo.svg", "site/img", "site", "bin"] {
        let path = dir.join(path);
        if path.is_dir() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        std::fs::File::open(&path).and_then(|f| f.set_modified(time)).expect("set mtime");
    }
}

fn stdout(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn two_builds_in_different_folders_times_and_umasks_have_one_digest() {
    let root = tempfile::tempdir().expect("temp dir");
    let first = root.path().join("one");
    let second = root.path().join("elsewhere/two");
    context(&first, SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000));
    context(&second, SystemTime::now());
    let a = stdout(&imgc(&["build", "app.img", "--output", "oci:out:v1"], &first, "022", &[]));
    let b = stdout(&imgc(&["build", "app.img", "--output", "oci:out:v1"], &second, "077", &[]));
    assert!(a.starts_with("sha256:"), "{a}");
    assert_eq!(a, b, "the manifest digests differ");
    let archive = stdout(&imgc(&["build", "app.img", "--output", "oci-archive:image.tar"], &second, "077", &[]));
    assert_eq!(archive, a, "an archive holds the same image");

    // The epoch is the only time in the image.
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let dated = stdout(&imgc(&["build", "app.img", "--output", "oci:dated"], &first, "022", &env));
    assert_ne!(dated, a);
    let shown = stdout(&imgc(&["inspect", "oci:dated"], &first, "022", &[]));
    assert!(shown.contains("created    2023-11-14T22:13:20Z"), "{shown}");
}

#[test]
fn inspect_shows_the_config_and_the_step_of_each_layer() {
    let root = tempfile::tempdir().expect("temp dir");
    context(root.path(), SystemTime::now());
    let digest = stdout(&imgc(&["build", "app.img", "-o", "oci:out:v1", "--tag", "latest"], root.path(), "022", &[]));
    let shown = stdout(&imgc(&["inspect", "oci:out:v1"], root.path(), "022", &[]));
    for expected in [
        format!("manifest   {}", digest.trim()),
        "tags       v1, latest".to_string(),
        "user       101".to_string(),
        "workdir    /srv/www".to_string(),
        "entrypoint [\"/usr/local/bin/serve\"]".to_string(),
        "cmd        [\"--port\",\"8080\"]".to_string(),
        "ports      8080/tcp".to_string(),
        "MODE=production".to_string(),
        "COPY bin/ /usr/local/bin/".to_string(),
        "COPY --from=assets --chown=101:101 --chmod=640 /site /srv/www".to_string(),
    ] {
        assert!(shown.contains(&expected), "`{expected}` missing from:\n{shown}");
    }
}

#[test]
fn add_steps_build_like_copy_for_plain_files() {
    let root = tempfile::tempdir().expect("temp dir");
    let program = "image from scratch {\n    copy \"a\" to \"/a\"\n    add \"a\" to \"/b\"\n}\n";
    std::fs::write(root.path().join("app.img"), program).expect("write");
    std::fs::write(root.path().join("a"), "a").expect("write");
    let output = imgc(&["build", "app.img", "--output", "oci:out"], root.path(), "022", &[]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let image = imgc::oci::base::open_layout(&root.path().join("out"), None, &imgc::oci::platform::Platform::host())
        .expect("a layout");
    assert_eq!(image.layers.len(), 2, "one layer each");
}

#[test]
fn bad_destinations_and_base_images_are_usage_errors() {
    let root = tempfile::tempdir().expect("temp dir");
    context(root.path(), SystemTime::now());
    let output = imgc(&["build", "app.img", "--output", "tarball:x"], root.path(), "022", &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("oci:DIR[:TAG]"));
    std::fs::write(root.path().join("base.img"), "image from \"debian:bookworm-slim\" {\n}\n").expect("write");
    let output = imgc(&["build", "base.img", "--output", "oci:out"], root.path(), "022", &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--base-image debian:bookworm-slim=oci:DIR"), "{stderr}");
    assert!(!root.path().join("out").exists());
}

#[test]
fn the_config_holds_what_docker_reads_besides_the_oci_fields() {
    let root = tempfile::tempdir().expect("temp dir");
    let program = r#"
stage base from scratch {
    cmd ["inherited"]
    env { PATH = "/opt/bin:/usr/bin" }
}

image from base {
    shell ["/bin/bash", "-c"]
    entrypoint ["/app"]
    healthcheck "curl -f http://localhost/"
        interval 30s
        retries 3
    onbuild {
        copy "." to "/src"
        run "make -C /src"
    }
    volume "/data"
    stopsignal "SIGQUIT"
    env { EXTRA = "1" }
}
"#;
    std::fs::write(root.path().join("app.img"), program).expect("write");
    let digest = stdout(&imgc(&["build", "app.img", "-o", "oci:out"], root.path(), "022", &[]));
    let blob = |digest: &str| -> serde_json::Value {
        let path = root.path().join("out/blobs/sha256").join(digest.trim().trim_start_matches("sha256:"));
        serde_json::from_slice(&std::fs::read(path).expect("blob")).expect("JSON")
    };
    let manifest = blob(&digest);
    let config = blob(manifest["config"]["digest"].as_str().expect("config digest"));
    let run = &config["config"];
    assert_eq!(run["Entrypoint"], serde_json::json!(["/app"]));
    assert!(run.get("Cmd").is_none(), "a new entrypoint clears the inherited cmd: {run}");
    assert_eq!(run["Env"], serde_json::json!(["PATH=/opt/bin:/usr/bin", "EXTRA=1"]), "PATH replaced in place");
    assert_eq!(run["Healthcheck"]["Test"], serde_json::json!(["CMD-SHELL", "curl -f http://localhost/"]));
    assert_eq!(run["Healthcheck"]["Interval"], 30_000_000_000u64);
    assert_eq!(run["Healthcheck"]["Retries"], 3);
    assert_eq!(run["Shell"], serde_json::json!(["/bin/bash", "-c"]));
    assert_eq!(run["OnBuild"], serde_json::json!(["COPY . /src", "RUN make -C /src"]));
    assert_eq!(run["Volumes"], serde_json::json!({ "/data": {} }));
    assert_eq!(run["StopSignal"], "SIGQUIT");
    assert_eq!(config["created"], "1970-01-01T00:00:00Z");
    let history = config["history"].as_array().expect("history");
    assert!(history.iter().any(|h| h["created_by"] == "STOPSIGNAL SIGQUIT"), "{history:?}");
    // No step made a layer; a manifest lists at least one: an empty one.
    assert_eq!(manifest["layers"].as_array().map(Vec::len), Some(1));
    let non_empty: Vec<_> = history.iter().filter(|h| h["empty_layer"] != true).collect();
    assert_eq!(non_empty.len(), 1, "{history:?}");
}
