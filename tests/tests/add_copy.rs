//! `add` and `copy` forms built by `imgc build` against buildah's build of the Dockerfile
//! `imgc dockerfile` emits for the same program ([`ProgramBuilds::compare`]: the same file tree
//! and process settings, but for the one list of exceptions in builder.rs).
//!
//! The context is made here: a tree owned by 1234:5678 with modes 0640, 0755 and setuid, a
//! symbolic link, a hard link and a nested folder, archived as plain tar, gzip, bzip2, xz and
//! zstd (and once with no folder entries, whose folders an unpacker must make up), each `add`ed:
//! unpacked, with the archive's owners and modes (a `chmod` changes none of them; a `chown`
//! does with BuildKit 0.23 and later and imgc, not buildah: a quirk in builder.rs). Beside them
//! a gzip file holding no tar (copied as it is) and a plain file in one `add`; a file and an
//! archive served by an HTTP server on 127.0.0.1 that the test runs (`add` of a URL downloads a
//! `0600` file, or with the step's `chown` and `chmod`, and unpacks nothing); `copy` with
//! `chown` by number and by name and octal `chmod` (setuid too), and `copy` from an image.
//!
//! Left out, as buildah 1.28 cannot express them: `unpack false` (`ADD --unpack`, Dockerfile
//! syntax 1.17's; buildah rejects the flag, docker 20.10's built-in BuildKit too), `checksum`
//! (`ADD --checksum`), git sources, symbolic `chmod`, `exclude` and `parents` (later Dockerfile
//! syntax), here-documents. compiler/imgc/tests/oci_run.rs tests those with imgc alone.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use imgc::{Optimize, Target};
use imgc_tests::builder::ProgramBuilds;
use imgc_tests::{BuildOptions, Dockerfile, Engine, ensure_test_env};

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The context: `tree/` archived every way, `files/` to copy, `served/` for the HTTP server.
fn make_context(dir: &Path) {
    let tree = dir.join("tree");
    write(&tree.join("pkg/secret.conf"), "key = value\n", 0o640);
    write(&tree.join("pkg/bin/tool"), "#!/bin/sh\necho tool\n", 0o755);
    write(&tree.join("pkg/bin/su-tool"), "#!/bin/sh\necho root\n", 0o4755);
    write(&tree.join("pkg/share/doc/deep/README"), "nested\n", 0o644);
    std::fs::set_permissions(tree.join("pkg/share"), std::fs::Permissions::from_mode(0o750)).expect("chmod");
    std::os::unix::fs::symlink("bin/tool", tree.join("pkg/tool-link")).expect("symlink");
    std::fs::hard_link(tree.join("pkg/bin/tool"), tree.join("pkg/tool-hard")).expect("hard link");
    let tar = |archive: &str, flags: &[&str], paths: &[&str]| {
        run(Command::new("tar")
            .current_dir(&tree)
            .args(["--owner=1234", "--group=5678", "--numeric-owner", "--sort=name"])
            .args(flags)
            .arg("-f")
            .arg(dir.join(archive))
            .args(paths));
    };
    tar("tree.tar", &["-c"], &["pkg"]);
    tar("tree.tar.gz", &["-cz"], &["pkg"]);
    tar("tree.tar.bz2", &["-cj"], &["pkg"]);
    tar("tree.tar.xz", &["-cJ"], &["pkg"]);
    tar("tree.tar.zst", &["--zstd", "-c"], &["pkg"]);
    // Files only: the folders they are in are made by whoever unpacks.
    tar("implied.tar", &["-c"], &["pkg/share/doc/deep/README", "pkg/bin/tool"]);

    write(&dir.join("files/app.conf"), "conf\n", 0o644);
    write(&dir.join("files/sub/data.txt"), "data\n", 0o600);
    write(&dir.join("files/run.sh"), "#!/bin/sh\n", 0o644);
    // A gzip file that holds no tar: copied as it is.
    run(Command::new("sh").current_dir(dir).args(["-c", "printf 'not a tar\\n' | gzip -n > notes.gz"]));
    write(&dir.join("served/tool.txt"), "a downloaded tool\n", 0o644);
    std::fs::copy(dir.join("tree.tar.gz"), dir.join("served/remote.tar.gz")).expect("copy");
}

#[test]
fn add_and_copy_forms_build_with_imgc_as_with_buildah() {
    ensure_test_env();
    let started = std::time::Instant::now();
    let context = tempfile::tempdir().expect("temp dir");
    let dir = context.path();
    make_context(dir);
    let port = imgc_tests::file_server::serve(dir.join("served"));
    let source = format!(
        r#"# test: buildkit
image from "busybox:1.35" {{
    add "tree.tar" to "/opt/plain/"
    add "tree.tar.gz" to "/opt/gz/"
    add "tree.tar.bz2" to "/opt/bz2/"
    add "tree.tar.xz" to "/opt/xz/"
    add "tree.tar.zst" to "/opt/zst/"
    add "implied.tar" to "/opt/implied"
    add "tree.tar.gz" to "/opt/chowned-archive/" chown "42:43"
    add "http://127.0.0.1:{port}/tool.txt" to "/opt/tool.txt"
    add "http://127.0.0.1:{port}/remote.tar.gz" to "/opt/remote/"
    copy "files/" to "/srv/" chown "1234:5678" chmod "750"
    copy "files/run.sh" to "/usr/local/bin/run" chmod "4755"
    copy "files/app.conf" to "/etc/app/" chown "7"
    copy "files/sub/" to "/etc/named/" chown "nobody:nobody"
    add "notes.gz", "files/run.sh", "tree.tar" to "/opt/mixed/"
    add "http://127.0.0.1:{port}/tool.txt" to "/opt/downloads/" chown "42:43" chmod "755"
    add "tree.tar" to "/opt/chmodded/" chmod "700"
    copy from "busybox:1.35" "/etc/passwd", "/etc/group" to "/from-image/" chown "42"
}}
"#
    );
    std::fs::write(dir.join("app.img"), &source).expect("write");
    let compilation = imgc::compile_source(&dir.join("app.img").to_string_lossy(), &source, &imgc::Options::default());
    let dockerfile = compilation
        .dockerfile_with(Target::Buildkit, &Optimize::default())
        .unwrap_or_else(|errors| panic!("does not compile:\n{}", compilation.render(&errors, false)));
    let theirs = Engine::Buildah
        .build_image_with(Dockerfile::Text(&dockerfile), dir, "addforms-add-copy", &BuildOptions::default())
        .unwrap_or_else(|e| panic!("buildah builds:\n{e}\n--- Dockerfile ---\n{dockerfile}"));
    let builds = ProgramBuilds::for_dockerfiles(dir, &[&dockerfile]);
    if let Err(differences) = builds.compare(&source, &theirs) {
        panic!("`imgc build` differs from buildah's build:\n{differences}\n--- Dockerfile ---\n{dockerfile}");
    }
    eprintln!("add and copy forms compared with buildah in {:.1}s", started.elapsed().as_secs_f64());
}
