//! `imgc build` running `run` steps under real runc on overlayfs, through the command line: what
//! a step sees (user, directory, environment, shell, network, mounts), the layers it leaves
//! (whiteouts, opaque directories, hard links, no mount stubs, the runtime's mount points as
//! BuildKit leaves them), the run cache, secrets that never reach the image or the cache, and
//! failures (a failing command, a signal, Ctrl-C, a missing secret or runtime) that are coded
//! errors leaving no output, mount, container or folder.
//!
//! The images start from scratch with Debian's static busybox copied in: no registry, no engine.
#![cfg(all(feature = "oci", feature = "cli"))]

use imgc::oci::base;
use imgc::oci::platform::Platform;
use imgc::oci::tree::{Content, Kind, Tree};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The system tests' file server (std only), shared by path: this crate cannot depend on them.
#[path = "../../../tests/src/file_server.rs"]
mod file_server;

/// The first lines of every program: busybox, and its applets linked in `/bin`.
const BASE: &str = r#"image from scratch {
    copy "busybox" to "/bin/busybox"
    run ["/bin/busybox", "--install", "-s", "/bin"]
"#;

/// A context with busybox and `files`, its program `BASE` + `body` + `}`.
fn project(body: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::copy("/bin/busybox", root.path().join("busybox")).expect("Debian's busybox-static at /bin/busybox");
    std::fs::set_permissions(root.path().join("busybox"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(root.path().join("app.img"), format!("{BASE}{body}}}\n")).expect("write");
    for (path, text) in files {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    root
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_imgc"));
    command.args(args).current_dir(dir).env_remove("SOURCE_DATE_EPOCH").env("XDG_CACHE_HOME", dir.join(".cache"));
    command
}

fn imgc(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run imgc")
}

fn build(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["build", "app.img", "--output", "oci:out:v1"];
    args.extend(extra);
    imgc(dir, &args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The image's files, contents extracted under `dir/files`.
fn files(dir: &Path) -> Tree {
    let image = base::open_layout(&dir.join("out"), Some("v1"), &Platform::host()).expect("a layout");
    let extract = dir.join("files");
    std::fs::create_dir_all(&extract).expect("mkdir");
    let mut tree = Tree::default();
    base::apply_layers(&image.layers, &mut tree, Some(&extract)).expect("layers apply");
    tree
}

fn read(tree: &Tree, path: &str) -> String {
    match tree.get(path).map(|n| &n.kind) {
        Some(Kind::File { content: Content::Disk(source), .. }) => std::fs::read_to_string(source).expect("read"),
        other => panic!("`{path}` is not a file of the image: {other:?}"),
    }
}

/// Mounts, runc containers and temporary folders of builds in `dir`: none may be left.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let needle = dir.to_string_lossy().into_owned();
    let mounts = std::fs::read_to_string("/proc/mounts").expect("mounts");
    found.extend(mounts.lines().filter(|l| l.contains(&needle)).map(|l| format!("mount: {l}")));
    if let Ok(list) = Command::new("runc").args(["list"]).output() {
        found.extend(text(&list.stdout).lines().filter(|l| l.contains(&needle)).map(|l| format!("container: {l}")));
    }
    if let Ok(entries) = std::fs::read_dir(dir.join(".cache/imgc/tmp")) {
        found.extend(entries.flatten().map(|e| format!("temporary: {}", e.path().display())));
    }
    let stray = std::fs::read_dir(dir).expect("read").flatten().map(|e| e.file_name().to_string_lossy().into_owned());
    found.extend(stray.filter(|n| n.starts_with(".imgc-build-")).map(|n| format!("staging: {n}")));
    found
}

#[test]
fn a_step_runs_as_the_stage_says_and_its_layer_holds_only_its_changes() {
    let body = r#"    copy "etc/" to "/etc/"
    copy "old/" to "/old/"
    arg version = "1.2"
    env both { GREETING = "hello" }
    env build { STEP_ONLY = "b" }
    workdir "/work/here"
    run "id -u > /uid; id -G > /groups; pwd > /pwd; echo \"$GREETING $version $STEP_ONLY\" > /env; hostname > /host; cat /etc/hosts > /hosts"
    run "rm /old/gone && rm -rf /old/dir && mkdir /old/dir && echo new > /old/dir/fresh && echo x > /a && ln /a /b"
    run "ls /sys/class/net > /net"
        network "none"
    run ["/bin/sh", "-c", "echo exec-form > /exec; mkdir -m 1777 /tmp"]
    user "web"
    run "id -u > /tmp/web-uid; id -G > /tmp/web-groups"
"#;
    let project = project(
        body,
        &[
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nweb:x:10001:10001::/home/web:/bin/sh\n"),
            ("etc/group", "root:x:0:\nweb:x:10001:\nstaff:x:50:web\n"),
            ("old/gone", "gone\n"),
            ("old/dir/kept-below", "below\n"),
        ],
    );
    let dir = project.path();
    let output = build(dir, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "uid"), "0\n");
    assert_eq!(read(&tree, "pwd"), "/work/here\n");
    assert_eq!(read(&tree, "env"), "hello 1.2 b\n");
    assert_eq!(read(&tree, "host"), "buildkitsandbox\n");
    assert!(read(&tree, "hosts").contains("127.0.0.1\tlocalhost buildkitsandbox"));
    assert_eq!(read(&tree, "net"), "lo\n", "network none: only the loopback");
    assert_eq!(read(&tree, "exec"), "exec-form\n");
    assert_eq!(read(&tree, "tmp/web-uid"), "10001\n");
    assert_eq!(read(&tree, "tmp/web-groups"), "10001 50\n", "the user's groups from /etc/group");
    assert!(tree.get("old/gone").is_none(), "a deleted file is a whiteout");
    assert!(tree.get("old/dir/kept-below").is_none(), "a recreated directory is opaque");
    assert_eq!(read(&tree, "old/dir/fresh"), "new\n");
    assert!(matches!(tree.get("b").map(|n| &n.kind), Some(Kind::Link(target)) if target == "a"));
    for stub in ["etc/hosts", "etc/resolv.conf"] {
        assert!(tree.get(stub).is_none(), "the mount stub `/{stub}` is not in the image");
    }
    // The runtime's own mount points, which the base has not, stay as BuildKit leaves them:
    // empty folders, 0755, root's.
    for mount_point in ["proc", "sys", "dev"] {
        assert!(tree.get(mount_point).is_some_and(|n| n.is_dir()), "`/{mount_point}` is a folder of the image");
        assert_eq!(meta(&tree, mount_point), (0o755, 0, 0), "`/{mount_point}`");
        assert_eq!(tree.under(mount_point).count(), 0, "`/{mount_point}` is empty");
    }
    let stderr = text(&output.stderr);
    assert!(stderr.contains("#2 RUN id -u > /uid"), "each step is announced with its number: {stderr}");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn an_unchanged_rebuild_runs_nothing_and_an_edit_reruns_only_what_follows() {
    let body = r#"    run "echo ran >> /counted/runs; echo one > /one"
        cache "/counted" (id: "counter")
    copy "late.txt" to "/late.txt"
    run "cat /late.txt > /copy-of-late; echo ran >> /counted/after"
        cache "/counted" (id: "counter")
"#;
    let project = project(body, &[("late.txt", "v1\n")]);
    let dir = project.path();
    let first = build(dir, &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let digest = text(&first.stdout);
    let started = Instant::now();
    let again = build(dir, &[]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(text(&again.stdout), digest, "the same image");
    assert!(started.elapsed() < Duration::from_secs(3), "no-change rebuild took {:?}", started.elapsed());
    assert!(!text(&again.stderr).contains(" | "), "nothing ran:\n{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("CACHED"), "{}", text(&again.stderr));
    let counter = |name: &str| {
        let mounts = dir.join(".cache/imgc/mounts");
        let entry =
            std::fs::read_dir(&mounts).expect("cache mounts").flatten().find(|e| e.path().is_dir()).expect("one");
        std::fs::read_to_string(entry.path().join("data").join(name)).unwrap_or_default().lines().count()
    };
    assert_eq!((counter("runs"), counter("after")), (1, 1));
    std::fs::write(dir.join("late.txt"), "v2\n").expect("edit");
    let edited = build(dir, &[]);
    assert!(edited.status.success(), "{}", text(&edited.stderr));
    assert_eq!((counter("runs"), counter("after")), (1, 2), "only the step after the edited copy ran again");
    assert_eq!(read(&files(dir), "copy-of-late"), "v2\n");
    let uncached = build(dir, &["--no-cache"]);
    assert!(uncached.status.success(), "{}", text(&uncached.stderr));
    assert_eq!((counter("runs"), counter("after")), (2, 3), "--no-cache runs every step");
    assert_eq!(read(&files(dir), "one"), "one\n");
    let prune = imgc(dir, &["cache", "prune"]);
    assert!(prune.status.success(), "{}", text(&prune.stderr));
    assert!(text(&prune.stdout).contains("freed"), "{}", text(&prune.stdout));
    assert!(
        !dir.join(".cache/imgc").exists() || std::fs::read_dir(dir.join(".cache/imgc")).expect("read").count() == 0
    );
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn a_failing_step_is_an_error_with_its_place_status_and_last_lines() {
    let body = "    run \"echo working; echo to-stderr >&2; exit 3\"\n";
    let project = project(body, &[]);
    let dir = project.path();
    let output = build(dir, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[E0035]") && stderr.contains("exited with status 3"), "{stderr}");
    assert!(stderr.contains("app.img:4:5") && stderr.contains("  to-stderr"), "{stderr}");
    assert!(stderr.contains("#2 | working"), "output is streamed with the step's number: {stderr}");
    assert!(!dir.join("out").exists(), "nothing written");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn a_step_killed_by_a_signal_is_an_error_that_says_so() {
    let project = project("    run \"echo started; sleep 60\"\n", &[]);
    let dir = project.path();
    let needle = dir.to_string_lossy().into_owned();
    let (seen, status) = build_with_signal(dir, move |_| {
        // The container's process, found as its runtime lists it, killed from outside.
        let list = Command::new("runc").arg("list").output().expect("runc list");
        let line = text(&list.stdout).lines().find(|l| l.contains(&needle)).map(str::to_string).expect("the container");
        let pid: i32 = line.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("a pid");
        // SAFETY: a signal to the step's process.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("error[E0035]") && seen.contains("killed by signal 9"), "{seen}");
    assert!(!dir.join("out").exists());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

/// Builds in `dir`, calling `signal` with imgc's pid once the step printed `started`; its
/// standard error and exit status.
fn build_with_signal(dir: &Path, signal: impl FnOnce(i32) + Send + 'static) -> (String, std::process::ExitStatus) {
    let mut child = command(dir, &["build", "app.img", "--output", "oci:out:v1"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let pid = child.id() as i32;
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = String::new();
        let mut signal = Some(signal);
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("| started")
                && let Some(signal) = signal.take()
            {
                signal(pid);
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        seen
    });
    let started = Instant::now();
    let seen = reader.join().expect("reader");
    let status = child.wait().expect("wait");
    assert!(started.elapsed() < Duration::from_secs(30), "stopped at once: {:?}", started.elapsed());
    (seen, status)
}

#[test]
fn secrets_reach_the_step_and_nothing_else() {
    const SECRET: &str = "s3cr3t-imgc-builder-bytes";
    // The step checks the secret by its digest: the command text, kept in the history, must
    // not hold it either.
    let digest = imgc::oci::digest::sha256_digest(SECRET.as_bytes());
    let body = format!(
        "    run \"test $(sha256sum < /run/secrets/token | cut -d' ' -f1) = {} && echo used > /used\"\n        secret \"token\" (required: true)\n",
        digest.trim_start_matches("sha256:")
    );
    let project = project(&body, &[("token.txt", SECRET)]);
    let dir = project.path();
    let missing = build(dir, &[]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = text(&missing.stderr);
    assert!(stderr.contains("error[E0037]") && stderr.contains("--secret id=token"), "{stderr}");
    assert!(!dir.join("out").exists());
    let output = build(dir, &["--secret", "id=token,src=token.txt"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "used"), "used\n");
    assert!(tree.get("run").is_none(), "the secret's mount point is not in the image");
    // Every byte the build left: the image (layers, config, manifests) and the cache.
    let mut searched = 0;
    for root in [dir.join("out"), dir.join(".cache")] {
        for file in walk(&root) {
            let bytes = std::fs::read(&file).expect("read");
            let mut plain = Vec::new();
            let decoded = flate2::read::MultiGzDecoder::new(&bytes[..]);
            let plain = match std::io::Read::read_to_end(&mut { decoded }, &mut plain) {
                Ok(_) => plain,
                Err(_) => bytes,
            };
            assert!(!contains(&plain, SECRET.as_bytes()), "the secret is in {}", file.display());
            searched += 1;
        }
    }
    assert!(searched > 5, "searched {searched} files");
    assert!(!text(&output.stderr).contains(SECRET) && !text(&output.stdout).contains(SECRET));
    let by_env = command(dir, &["build", "app.img", "--output", "oci:out2:v1", "--secret", "id=token,env=TOKEN_VAR"])
        .env("TOKEN_VAR", SECRET)
        .arg("--no-cache")
        .output()
        .expect("run");
    assert!(by_env.status.success(), "{}", text(&by_env.stderr));
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let meta = std::fs::symlink_metadata(entry.path()).expect("metadata");
        if meta.is_dir() {
            out.extend(walk(&entry.path()));
        } else if meta.is_file() {
            out.push(entry.path());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn ctrl_c_stops_the_container_and_leaves_nothing() {
    let project = project("    run \"echo started; sleep 60\"\n", &[]);
    let dir = project.path();
    // SAFETY: a signal to our own child.
    let (seen, status) = build_with_signal(dir, |pid| unsafe {
        libc::kill(pid, libc::SIGINT);
    });
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("error[E0038]"), "{seen}");
    assert!(!dir.join("out").exists());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn without_runc_the_error_says_what_to_install() {
    let project = project("", &[]);
    let dir = project.path();
    let output = command(dir, &["build", "app.img", "--output", "oci:out:v1"])
        .env("PATH", "/nonexistent")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[E0036]") && stderr.contains("apt-get install runc"), "{stderr}");
    assert!(!dir.join("out").exists());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

/// A context with busybox and `files`, its program `text` as written.
fn project_text(text: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = project("", files);
    std::fs::write(root.path().join("app.img"), text).expect("write");
    root
}

#[test]
fn secrets_as_variables_interpreter_scripts_and_mounts_from_a_stage() {
    const SECRET: &str = "env-s3cr3t-imgc-builder";
    let program = r##"stage tools from scratch {
    copy "data/" to "/data/"
}

image from scratch {
    copy "busybox" to "/bin/busybox"
    run ["/bin/busybox", "--install", "-s", "/bin"]
    run "test \"$API_TOKEN\" = \"$(cat /check)\" && echo matched > /env-secret; test ! -e /run/secrets/token && echo no-file > /no-file"
        secret "token" (env: "API_TOKEN")
        bind "/check" (source: "expected.txt")
    run heredoc("#!/bin/awk -f
BEGIN { print \"awk ran\" > \"/awk-out\" }
")
    run "cat /from/x > /from-stage; echo scribble > /from/new 2> /dev/null || echo read-only > /ro"
        bind "/from" (from: tools, source: "/data")
    run "echo scribble > /rw/new && cat /rw/new > /rw-wrote"
        bind "/rw" (from: tools, readwrite: true)
}
"##;
    let project = project_text(program, &[("data/x", "from tools\n"), ("expected.txt", SECRET)]);
    let dir = project.path();
    let output = command(dir, &["build", "app.img", "--output", "oci:out:v1", "--secret", "id=token,env=TOKEN_VAR"])
        .env("TOKEN_VAR", SECRET)
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "env-secret"), "matched\n", "the secret is the variable's value");
    assert_eq!(read(&tree, "no-file"), "no-file\n", "with `env` and no target the secret is no file");
    assert_eq!(read(&tree, "awk-out"), "awk ran\n", "a `#!` here-document runs with its interpreter");
    assert_eq!(read(&tree, "from-stage"), "from tools\n");
    assert_eq!(read(&tree, "ro"), "read-only\n", "a bind mount from a stage is read-only");
    assert_eq!(read(&tree, "rw-wrote"), "scribble\n");
    for gone in ["from", "rw", "check", "dev/pipes", "data"] {
        assert!(tree.get(gone).is_none(), "`/{gone}` is not in the image");
    }
    for file in walk(&dir.join("out")).into_iter().chain(walk(&dir.join(".cache"))) {
        let bytes = std::fs::read(&file).expect("read");
        let mut plain = Vec::new();
        let plain = match std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&bytes[..]), &mut plain) {
            Ok(_) => plain,
            Err(_) => bytes,
        };
        assert!(!contains(&plain, SECRET.as_bytes()), "the secret is in {}", file.display());
    }
    assert!(!text(&output.stderr).contains(SECRET));
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn security_insecure_needs_the_entitlement_and_then_has_every_capability() {
    let body = r#"    run "grep CapEff /proc/self/status > /default-caps"
    run "grep CapEff /proc/self/status > /caps; mkdir /m && mount -t tmpfs none /m && echo mounted > /mounted; umount /m; rmdir /m"
        security "insecure"
"#;
    let project = project(body, &[]);
    let dir = project.path();
    let refused = build(dir, &[]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("error[E0037]") && stderr.contains("--allow security.insecure"), "{stderr}");
    assert!(!dir.join("out").exists());
    let output = build(dir, &["--allow", "security.insecure"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "default-caps"), "CapEff:\t00000000a80425fb\n", "Docker's default capabilities");
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let host = status.lines().find_map(|l| l.strip_prefix("CapBnd:")).expect("CapBnd").trim();
    assert_eq!(read(&tree, "caps"), format!("CapEff:\t{host}\n"), "every capability the host allows");
    assert_eq!(read(&tree, "mounted"), "mounted\n");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

/// Serves the files under `root` over HTTP on the loopback (GET only, one request a
/// connection); its port.
fn run_ok(command: &mut Command) {
    let output = command.output().expect("runs");
    assert!(output.status.success(), "{command:?}: {}", text(&output.stderr));
}

/// Modes and owners of a path of the image.
fn meta(tree: &Tree, path: &str) -> (u32, u64, u64) {
    let node = tree.get(path).unwrap_or_else(|| panic!("`/{path}` is in the image"));
    (node.mode, node.uid, node.gid)
}

#[test]
fn add_copy_parents_exclude_symbolic_modes_here_documents_and_images() {
    let project = project(
        "",
        &[
            ("vendor/lib/v.txt", "vendored\n"),
            ("served/tool.txt", "a tool\n"),
            ("src/a.txt", "a\n"),
            ("src/sub/b.txt", "b\n"),
            ("conf/app.conf", "conf\n"),
            ("conf/old.bak", "old\n"),
            ("conf/deep/x.bak", "old\n"),
            ("bin/tool", "#!/bin/sh\n"),
            ("box/data/x", "from an image\n"),
            ("repo/README", "from git\n"),
        ],
    );
    let dir = project.path();
    std::fs::set_permissions(dir.join("bin/tool"), std::fs::Permissions::from_mode(0o664)).expect("chmod");
    run_ok(Command::new("tar").current_dir(dir).args([
        "-czf",
        "vendor.tar.gz",
        "--owner=7",
        "--group=8",
        "-C",
        "vendor",
        "lib",
    ]));
    let git = |args: &[&str]| {
        let mut command = Command::new("git");
        command.current_dir(dir).env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null");
        command.args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]).args(args);
        run_ok(&mut command);
    };
    git(&["-C", "repo", "init", "-q"]);
    git(&["-C", "repo", "add", "README"]);
    git(&["-C", "repo", "commit", "-qm", "one"]);
    git(&["-C", "repo", "tag", "v1"]);
    git(&["clone", "-q", "--bare", "repo", "served/repo.git"]);
    git(&["-C", "served/repo.git", "update-server-info"]);
    let port = file_server::serve(dir.join("served"));
    let digest = imgc::oci::digest::sha256_digest(b"a tool\n");
    std::fs::write(dir.join("box.img"), "image from scratch {\n    copy \"box/\" to \"/\"\n}\n").expect("write");
    let boxed = imgc(dir, &["build", "box.img", "--output", "oci:box-image:v1"]);
    assert!(boxed.status.success(), "{}", text(&boxed.stderr));
    let body = format!(
        r#"    env both {{ NAME = "world" }}
    add "vendor.tar.gz" to "/opt/vendor/"
    add "vendor.tar.gz" to "/opt/packed/" unpack false
    add "http://127.0.0.1:{port}/tool.txt" to "/opt/tool.txt" checksum "{digest}"
    add "http://127.0.0.1:{port}/repo.git#v1" to "/src/repo"
    copy "src/a.txt", "src/sub/b.txt" to "/work/" parents
    copy "conf/" to "/etc/app/" exclude "*.bak" exclude "**/*.bak"
    copy "bin/tool" to "/usr/local/bin/tool" chmod "u+x,g-w"
    copy heredoc("hello $NAME\n", name: "greeting", expand: true) to "/etc/"
    copy heredoc("as $NAME is\n") to "/etc/kept"
    copy from "example.test/box:1" "/data/x" to "/from-image"
    run "cat /opt/vendor/lib/v.txt /src/repo/README > /checked"
"#
    );
    std::fs::write(dir.join("app.img"), format!("{BASE}{body}}}\n")).expect("write");
    let output = build(dir, &["--base-image", "example.test/box:1=oci:box-image:v1"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "opt/vendor/lib/v.txt"), "vendored\n", "a local archive is unpacked");
    assert_eq!(meta(&tree, "opt/vendor/lib/v.txt").1, 7, "with the archive's owners");
    assert!(tree.get("opt/packed/vendor.tar.gz").is_some(), "`unpack false` copies the archive");
    assert_eq!(read(&tree, "opt/tool.txt"), "a tool\n");
    assert_eq!(meta(&tree, "opt/tool.txt"), (0o600, 0, 0), "a download is the owner's only");
    assert_eq!(read(&tree, "src/repo/README"), "from git\n");
    assert!(tree.get("src/repo/.git").is_none(), "no .git unless keep_git_dir");
    assert_eq!(read(&tree, "work/src/a.txt"), "a\n", "parents keep the sources' paths");
    assert_eq!(read(&tree, "work/src/sub/b.txt"), "b\n");
    assert_eq!(read(&tree, "etc/app/app.conf"), "conf\n");
    assert!(tree.get("etc/app/old.bak").is_none() && tree.get("etc/app/deep/x.bak").is_none(), "excluded");
    assert_eq!(meta(&tree, "usr/local/bin/tool").0, 0o744, "0664 with u+x,g-w");
    assert_eq!(read(&tree, "etc/greeting"), "hello world\n");
    assert_eq!(meta(&tree, "etc/greeting").0, 0o644);
    assert_eq!(read(&tree, "etc/kept"), "as $NAME is\n");
    assert_eq!(read(&tree, "from-image"), "from an image\n");
    assert_eq!(read(&tree, "checked"), "vendored\nfrom git\n");

    let wrong = body.replace(&digest, &format!("sha256:{}", "0".repeat(64)));
    std::fs::write(dir.join("app.img"), format!("{BASE}{wrong}}}\n")).expect("write");
    std::fs::remove_dir_all(dir.join("out")).expect("clean");
    let refused = build(dir, &["--base-image", "example.test/box:1=oci:box-image:v1"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("error[E0031]") && stderr.contains("does not match its checksum"), "{stderr}");
    assert!(!dir.join("out").exists(), "nothing written");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn cdi_devices_give_the_step_their_nodes_and_variables() {
    let body = r#"    run "echo written > /dev/imgc-null && echo \"$IMGC_DEVICE\" > /device; test -e /dev/imgc-other || echo absent > /other"
        device "example.test/dev=null" (required: true)
        device "example.test/dev=missing"
"#;
    let project = project(body, &[]);
    let dir = project.path();
    std::fs::create_dir_all(dir.join("cdi")).expect("mkdir");
    let spec = r#"{"cdiVersion": "0.6.0", "kind": "example.test/dev", "devices": [{"name": "null",
        "containerEdits": {"env": ["IMGC_DEVICE=null"], "deviceNodes": [{"path": "/dev/imgc-null", "hostPath": "/dev/null"}]}}]}"#;
    std::fs::write(dir.join("cdi/dev.json"), spec).expect("write");
    let output = build(dir, &["--cdi-spec-dir", "cdi"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "device"), "null\n");
    assert_eq!(read(&tree, "other"), "absent\n");
    assert!(tree.get("dev/imgc-null").is_none(), "the device node is not in the image");
    assert!(text(&output.stderr).contains("`example.test/dev=missing` is not available"), "{}", text(&output.stderr));
    let required =
        body.replace("device \"example.test/dev=missing\"", "device \"example.test/dev=missing\" (required: true)");
    std::fs::write(dir.join("app.img"), format!("{BASE}{required}}}\n")).expect("write");
    std::fs::remove_dir_all(dir.join("out")).expect("clean");
    let refused = build(dir, &["--cdi-spec-dir", "cdi"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("error[E0037]") && stderr.contains("example.test/dev=missing"), "{stderr}");
    assert!(!dir.join("out").exists());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn times_are_clamped_to_the_epoch_and_run_layers_keep_fifos_and_devices() {
    let body = r#"    copy "old.txt", "new.txt" to "/files/"
    run "mkfifo -m 600 /pipe && mknod -m 640 /null-device c 1 3 && touch -d @1000000000 /touched-old && touch /touched-new"
"#;
    let project = project(body, &[("old.txt", "old\n"), ("new.txt", "new\n")]);
    let dir = project.path();
    let old = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::open(dir.join("old.txt")).and_then(|f| f.set_modified(old)).expect("mtime");
    let output = command(dir, &["build", "app.img", "--output", "oci:out:v1"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    let mtime =
        |path: &str| tree.get(path).and_then(|n| n.attrs.mtime).unwrap_or_else(|| panic!("`/{path}` has a time"));
    assert_eq!(mtime("files/old.txt"), 1_000_000_000, "an older file keeps its time");
    assert_eq!(mtime("files/new.txt"), 1_700_000_000, "a newer one gets the epoch");
    assert_eq!(mtime("touched-old"), 1_000_000_000);
    assert_eq!(mtime("touched-new"), 1_700_000_000);
    let pipe = tree.get("pipe").expect("the fifo is in the layer");
    assert_eq!((&pipe.kind, pipe.mode), (&Kind::Fifo, 0o600));
    let device = tree.get("null-device").expect("the device node is in the layer");
    assert_eq!((&device.kind, device.mode), (&Kind::Device { block: false, major: 1, minor: 3 }, 0o640));
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn a_step_that_fills_its_tmpfs_fails_with_a_code_and_leaves_nothing() {
    let body = r#"    run "echo started; dd if=/dev/zero of=/scratch/big bs=1M count=1024"
        tmpfs "/scratch" (size: 16777216)
"#;
    let project = project(body, &[]);
    let dir = project.path();
    let output = build(dir, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[E0035]") && stderr.contains("No space left on device"), "{stderr}");
    assert!(!dir.join("out").exists());
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

/// A tmpfs of `size` mounted at `dir`; unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(dir).expect("mkdir");
        run_ok(Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir));
        SmallDisk(dir.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_an_error_with_a_code_that_leaves_nothing() {
    let project = project("    run \"dd if=/dev/zero of=/big bs=1M count=200\"\n", &[]);
    let dir = project.path();
    // The cache (unpacked layers, upper dirs, blobs) on a disk too small for the step.
    let _disk = SmallDisk::mount(&dir.join(".cache"), "48m");
    let output = build(dir, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[E0035]") && stderr.contains("No space left on device"), "{stderr}");
    assert!(!dir.join("out").exists());
    let cache = dir.join(".cache").to_string_lossy().into_owned();
    let left: Vec<String> =
        leftovers(dir).into_iter().filter(|l| l.split(' ').nth(2) != Some(cache.as_str())).collect();
    assert!(left.is_empty(), "only the small disk itself is mounted: {left:?}");
    let tmp: Vec<_> = std::fs::read_dir(dir.join(".cache/imgc/tmp")).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(tmp.is_empty(), "{tmp:?}");
}

/// Every file under `dir` (but the cache, the output and its extracted files) with a digest
/// of its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = walk(dir)
        .into_iter()
        .filter(|p| ![".cache", "out", "files"].iter().any(|skip| p.starts_with(dir.join(skip))))
        .map(|p| {
            let digest = imgc::oci::digest::sha256_digest(&std::fs::read(&p).expect("read"));
            (p, digest)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_step_cannot_write_outside_its_root_or_into_the_context() {
    let escape = format!("imgc-builder-escape-{}", std::process::id());
    let body = format!(
        r#"    run "mkdir -p /tmp; echo x > /../../../../../tmp/{escape}; ln -s / /host-root-link; echo y > /host-root-link/{escape}-2; touch /ctx/new 2> /ro-error || echo refused > /ro; echo z > /ctx/a.txt 2>> /ro-error || true"
        bind "/ctx"
    run "echo changed > /rwctx/a.txt && echo new > /rwctx/made && cat /rwctx/a.txt > /rw-saw"
        bind "/rwctx" (readwrite: true)
"#
    );
    let project = project(&body, &[("a.txt", "original\n")]);
    let dir = project.path();
    let before = snapshot(dir);
    let output = build(dir, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(read(&tree, "ro"), "refused\n", "the context is read-only");
    assert_eq!(read(&tree, "rw-saw"), "changed\n", "`readwrite` writes a throw-away copy");
    assert_eq!(read(&tree, &format!("tmp/{escape}")), "x\n", "`/..` stays in the root");
    assert_eq!(read(&tree, &format!("{escape}-2")), "y\n", "a link to `/` is the container's root");
    for host in [format!("/tmp/{escape}"), format!("/{escape}-2")] {
        assert!(!Path::new(&host).exists(), "{host} written on the host");
    }
    assert_eq!(snapshot(dir), before, "the context is unchanged");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn a_bind_of_the_context_sees_only_what_dockerignore_keeps() {
    let body = r#"    run "ls -A /ctx /ctx/target /ctx/target/keep > /seen && cat /ctx/target/keep/y > /kept"
        bind "/ctx"
    run "rm /rwctx/a.txt && echo new > /rwctx/made && ls -A /rwctx > /rw-seen"
        bind "/rwctx" (readwrite: true)
"#;
    let files_in_context = [
        ("a.txt", "a\n"),
        ("secret.key", "k\n"),
        ("target/debug/x", "x\n"),
        ("target/keep/y", "kept\n"),
        (".dockerignore", "*.key\ntarget\n!target/keep\n.cache\nout\nfiles\n"),
    ];
    let project = project(body, &files_in_context);
    let dir = project.path();
    let before = snapshot(dir);
    let output = build(dir, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let tree = files(dir);
    assert_eq!(
        read(&tree, "seen"),
        "/ctx:\n.dockerignore\na.txt\napp.img\nbusybox\ntarget\n\n/ctx/target:\nkeep\n\n/ctx/target/keep:\ny\n",
        "excluded files and folders are hidden, a `!` exception is kept"
    );
    assert_eq!(read(&tree, "kept"), "kept\n");
    assert_eq!(
        read(&tree, "rw-seen"),
        ".dockerignore\napp.img\nbusybox\nmade\ntarget\n",
        "`readwrite` writes a throw-away view"
    );
    assert_eq!(snapshot(dir), before, "the context is unchanged");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));

    // Binding what .dockerignore excludes is an error, as with BuildKit.
    std::fs::write(
        dir.join("app.img"),
        format!("{BASE}    run \"cat /k\"\n        bind \"/k\" (source: \"secret.key\")\n}}\n"),
    )
    .expect("write");
    let output = build(dir, &[]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[E") && stderr.contains("secret.key"), "{stderr}");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}

#[test]
fn a_killed_build_leaves_state_that_the_next_build_sweeps() {
    let project = project("    run \"echo started; sleep 60\"\n", &[]);
    let dir = project.path();
    // SAFETY: a signal to our own child.
    let (_, status) = build_with_signal(dir, |pid| unsafe {
        libc::kill(pid, libc::SIGKILL);
    });
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGKILL));
    let left = leftovers(dir);
    assert!(left.iter().any(|l| l.starts_with("mount:")), "SIGKILL leaves the overlay mounted: {left:?}");
    assert!(left.iter().any(|l| l.starts_with("container:")), "and the container running: {left:?}");
    std::fs::write(dir.join("app.img"), format!("{BASE}    run \"echo quick > /quick\"\n}}\n")).expect("write");
    let output = build(dir, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(read(&files(dir), "quick"), "quick\n");
    assert!(leftovers(dir).is_empty(), "the next build swept: {:?}", leftovers(dir));
}

#[test]
fn on_a_terminal_a_step_is_a_live_view_that_ends_in_one_line() {
    let project = project("    run \"for i in 1 2 3 4 5 6 7 8; do echo line-$i; done\"\n", &[]);
    let dir = project.path();
    let build_command = format!("{} build app.img --output oci:out:v1", env!("CARGO_BIN_EXE_imgc"));
    // `script` gives imgc a terminal and writes what it shows to our pipe.
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &build_command, "/dev/null"])
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("TERM", "xterm")
        .output()
        .expect("run script (util-linux)");
    let shown = text(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("#2 | line-8"), "{shown}");
    assert!(shown.contains("\u{1b}[6F\u{1b}[J"), "the view is redrawn in place: {shown:?}");
    assert!(shown.contains("#2 done in "), "and ends in one line: {shown:?}");
    // Not a terminal: every line, plain, as before.
    let plain = build(dir, &["--no-cache"]);
    let stderr = text(&plain.stderr);
    assert!(stderr.contains("#2 | line-1\n#2 | line-2\n") && stderr.contains("#2 | line-8\n"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no escape codes in logs: {stderr:?}");
    assert!(leftovers(dir).is_empty(), "{:?}", leftovers(dir));
}
