//! One test per diagnostic code: the program that triggers it and the rendered message,
//! snapshotted with the source in it.

use imgc::diagnostics::Code;
use imgc::{Options, Target};
use std::collections::BTreeSet;
use std::path::Path;

/// Compiles `source` and renders every diagnostic without colour.
fn render_with(source: &str, args: &[(&str, &str)], target: Target) -> (String, BTreeSet<&'static str>) {
    let options = Options { args: args.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let compilation = imgc::compile_source("app.img", source, &options);
    let diagnostics = match compilation.dockerfile(target) {
        Ok(_) => compilation.diagnostics.clone(),
        Err(errors) => errors,
    };
    let codes = diagnostics.iter().map(|d| d.code.as_str()).collect();
    (compilation.render(&diagnostics, false), codes)
}

/// Asserts that `source` fails with `code` and snapshots the message.
fn check(code: Code, source: &str) -> String {
    check_with(code, source, &[], Target::Buildkit)
}

fn check_with(code: Code, source: &str, args: &[(&str, &str)], target: Target) -> String {
    let (rendered, codes) = render_with(source, args, target);
    assert!(codes.contains(code.as_str()), "expected {}, got {codes:?}:\n{rendered}", code.as_str());
    assert!(rendered.contains("help:"), "every message has a help line:\n{rendered}");
    rendered
}

macro_rules! snapshot {
    ($code:ident, $source:expr) => {
        insta::assert_snapshot!(stringify!($code), check(Code::$code, $source))
    };
}

#[test]
fn e0001_syntax() {
    snapshot!(Syntax, "image from \"debian:bookworm-slim\" {\n    run\n}\n");
}

#[test]
fn e0002_unknown_name() {
    snapshot!(
        UnknownName,
        "let version = \"1.0\"\nimage from \"debian:bookworm-slim\" {\n    run \"echo ${verison}\"\n}\n"
    );
}

#[test]
fn e0003_type_mismatch() {
    snapshot!(TypeMismatch, "let debug = true\nimage from \"debian:bookworm-slim\" {\n    expose debug\n}\n");
}

#[test]
fn e0004_argument_count() {
    snapshot!(
        ArgumentCount,
        "import std.apt\nimage from \"debian:bookworm-slim\" {\n    apt.install([\"curl\"], [\"git\"])\n}\n"
    );
}

#[test]
fn e0005_unknown_named_argument() {
    snapshot!(
        UnknownNamedArgument,
        "import std.user\nimage from \"debian:bookworm-slim\" {\n    user.create(\"app\", uidd: 10001)\n}\n"
    );
}

#[test]
fn e0006_missing_argument() {
    snapshot!(
        MissingArgument,
        "import std.user\nimage from \"debian:bookworm-slim\" {\n    user.create(uid: 10001)\n}\n"
    );
}

#[test]
fn e0007_port_out_of_range() {
    snapshot!(
        PortOutOfRange,
        "let http: port = 80800/tcp\nimage from \"debian:bookworm-slim\" {\n    expose http\n}\n"
    );
}

#[test]
fn e0008_malformed_duration() {
    snapshot!(
        MalformedDuration,
        "image from \"debian:bookworm-slim\" {\n    healthcheck [\"true\"] interval 30 timeout 5x\n}\n"
    );
}

#[test]
fn e0009_malformed_image() {
    snapshot!(MalformedImage, "image from \"Debian:bookworm slim\" {\n    cmd [\"bash\"]\n}\n");
}

#[test]
fn e0010_duplicate_stage() {
    snapshot!(
        DuplicateStage,
        "stage build from \"debian:bookworm-slim\" {\n    run \"make\"\n}\nstage build from \"debian:bookworm-slim\" {\n    run \"make test\"\n}\nimage from scratch {\n    copy from build \"/out\" to \"/\"\n}\n"
    );
}

#[test]
fn e0010_two_stages_with_one_dockerfile_name() {
    insta::assert_snapshot!(
        "DuplicateStage_dockerfile_name",
        check(
            Code::DuplicateStage,
            "stage dev_envs from \"debian:bookworm-slim\" as \"dev\" {\n    run \"make\"\n}\nstage dev from \"debian:bookworm-slim\" {\n    run \"make test\"\n}\nimage from scratch {\n    copy from dev_envs \"/out\" to \"/\"\n}\n"
        )
    );
}

#[test]
fn e0011_unknown_stage() {
    snapshot!(
        UnknownStage,
        "stage build from \"debian:bookworm-slim\" {\n    run \"make\"\n}\nimage from scratch {\n    copy from biuld \"/out/app\" to \"/app\"\n}\n"
    );
}

#[test]
fn e0012_later_stage() {
    snapshot!(
        LaterStage,
        "stage test from \"debian:bookworm-slim\" {\n    copy from build \"/out/app\" to \"/app\"\n}\nstage build from \"debian:bookworm-slim\" {\n    run \"make\"\n}\nimage from scratch {\n    copy from build \"/out/app\" to \"/app\"\n}\n"
    );
}

#[test]
fn e0013_stage_cycle() {
    snapshot!(
        StageCycle,
        "stage a from \"debian:bookworm-slim\" {\n    copy from b \"/b\" to \"/b\"\n}\nstage b from a {\n    run \"true\"\n}\nimage from scratch {\n    copy from b \"/b\" to \"/b\"\n}\n"
    );
}

#[test]
fn e0014_import_cycle() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.img"), "import \"./b.img\" as b\n").expect("write a");
    std::fs::write(dir.path().join("b.img"), "import \"./a.img\" as a\n").expect("write b");
    let main = dir.path().join("app.img");
    std::fs::write(&main, "import \"./a.img\" as a\nimage from scratch {\n    cmd [\"/app\"]\n}\n").expect("write app");
    let compilation = imgc::compile_file(&main, &Options::default()).expect("readable");
    assert!(compilation.diagnostics.iter().any(|d| d.code == Code::ImportCycle));
    let rendered = compilation.render(&compilation.diagnostics, false);
    let rendered = rendered.replace(&dir.path().display().to_string(), "<dir>");
    insta::assert_snapshot!("ImportCycle", rendered);
}

#[test]
fn e0015_secret_misuse() {
    snapshot!(
        SecretMisuse,
        "let token: secret = \"npm_token\"\nimage from \"debian:bookworm-slim\" {\n    env { NPM_TOKEN = token }\n    run \"npm ci\" secret token (target: \"/root/.npmrc\")\n}\n"
    );
}

#[test]
fn e0016_context_escape() {
    snapshot!(
        ContextEscape,
        "image from \"debian:bookworm-slim\" {\n    copy \"config/../../secrets.env\" to \"/etc/app.env\"\n}\n"
    );
}

#[test]
fn e0017_missing_build_arg() {
    snapshot!(
        MissingBuildArg,
        "arg version: string\nimage from \"debian:bookworm-slim\" {\n    label \"version\" = version\n}\n"
    );
}

#[test]
fn e0018_misplaced() {
    snapshot!(Misplaced, "run \"apt-get update\"\nimage from \"debian:bookworm-slim\" {\n    cmd [\"bash\"]\n}\n");
}

#[test]
fn e0019_duplicate() {
    snapshot!(
        Duplicate,
        "let name = \"web\"\nlet name = \"api\"\nimage from \"debian:bookworm-slim\" {\n    label \"name\" = name\n}\n"
    );
}

/// A name defined twice is one error, labelled in source order, and its uses add nothing.
#[test]
fn e0019_a_let_and_a_stage_of_one_name_are_one_error() {
    for (source, first, again) in [
        (
            "let web: port = 8080\nimage web from \"debian:bookworm-slim\" {\n    expose web\n}\n",
            "1 │ let web",
            "2 │ image web",
        ),
        (
            "stage web from \"debian:bookworm-slim\" {\n    run \"true\"\n}\nlet web: port = 8080\nimage from web {\n    expose web\n}\n",
            "1 │ stage web",
            "4 │ let web",
        ),
    ] {
        let (rendered, codes) = render_with(source, &[], Target::Buildkit);
        assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["E0019"], "{rendered}");
        assert_eq!(rendered.matches("error[").count(), 1, "{rendered}");
        let first_at = rendered.find(first).expect(first);
        let again_at = rendered.find(again).expect(again);
        let first_label = rendered[first_at..].find("first defined here").map(|i| i + first_at);
        let again_label = rendered[again_at..].find("defined again here").map(|i| i + again_at);
        assert!(first_label.is_some_and(|i| i < again_at), "first definition labelled first:\n{rendered}");
        assert!(again_label.is_some(), "{rendered}");
    }
}

#[test]
fn e0020_invalid_literal() {
    snapshot!(InvalidLiteral, "image from \"debian:bookworm-slim\" {\n    stopsignal \"SIGSTOPP\"\n}\n");
}

#[test]
fn e0021_unknown_clause() {
    snapshot!(
        UnknownClause,
        "image from \"debian:bookworm-slim\" {\n    copy \"app\" to \"/app\" checksum \"sha256:00\"\n}\n"
    );
}

#[test]
fn e0022_no_image() {
    snapshot!(NoImage, "stage build from \"debian:bookworm-slim\" {\n    run \"make\"\n}\n");
}

#[test]
fn e0023_target_unsupported() {
    insta::assert_snapshot!(
        "TargetUnsupported",
        check_with(
            Code::TargetUnsupported,
            "image from \"debian:bookworm-slim\" {\n    run \"apt-get update\" cache \"/var/cache/apt\"\n}\n",
            &[],
            Target::Classic
        )
    );
}

#[test]
fn e0024_invalid_cli_arg() {
    insta::assert_snapshot!(
        "InvalidCliArg",
        check_with(
            Code::InvalidCliArg,
            "arg http: port = 8080\nimage from \"debian:bookworm-slim\" {\n    expose http\n}\n",
            &[("http", "99999")],
            Target::Buildkit
        )
    );
}

#[test]
fn e0025_import_not_found() {
    snapshot!(ImportNotFound, "import std.aptt\nimage from \"debian:bookworm-slim\" {\n    cmd [\"bash\"]\n}\n");
}

#[test]
fn e0026_recursive_function() {
    snapshot!(
        RecursiveFunction,
        "fn setup() {\n    run \"true\"\n    setup()\n}\nimage from \"debian:bookworm-slim\" {\n    setup()\n}\n"
    );
}

#[test]
fn e0027_arg_at_runtime() {
    snapshot!(
        ArgAtRuntime,
        "arg version: string = \"1.0\"\nimage from \"debian:bookworm-slim\" {\n    cmd [\"app\", \"--version\", \"${version}\"]\n}\n"
    );
}

#[test]
fn e0028_not_expressible() {
    snapshot!(
        NotExpressible,
        "image from \"debian:bookworm-slim\" {\n    label \"description\" = \"first line\\nsecond line\"\n}\n"
    );
}

#[test]
fn e0029_invalid_stage_name() {
    snapshot!(
        InvalidStageName,
        "stage Build from \"debian:bookworm-slim\" {\n    run \"make\"\n}\nimage from scratch {\n    cmd [\"/app\"]\n}\n"
    );
}

#[test]
fn e0029_invalid_dockerfile_stage_name() {
    insta::assert_snapshot!(
        "InvalidStageName_dockerfile_name",
        check(
            Code::InvalidStageName,
            "stage dev_envs from \"debian:bookworm-slim\" as \"Dev Envs\" {\n    run \"make\"\n}\nimage from scratch {\n    copy from dev_envs \"/out\" to \"/\"\n}\n"
        )
    );
}

#[test]
fn e0040_not_quotable() {
    snapshot!(
        NotQuotable,
        "let notes = \"line one\\nEOF\\nrm -rf /\"\nimage from \"debian:bookworm-slim\" {\n    run \"cat > /notes <<EOF\\n${notes}\\nEOF\\n\"\n}\n"
    );
}

/// Builds `source` with `imgc build` in an empty context and renders its errors.
#[cfg(feature = "oci")]
fn build_errors(source: &str) -> String {
    use imgc::oci;
    let compilation = imgc::compile_source("app.img", source, &Options::default());
    let program = compilation.program.as_ref().expect("compiles");
    let dir = tempfile::tempdir().expect("temp dir");
    let destination =
        oci::output::Destination::parse(&format!("oci:{}", dir.path().join("out").display())).expect("a destination");
    let mut options = oci::Options::new(dir.path());
    options.cache_dir = Some(dir.path().join("cache"));
    match oci::build(program, &destination, &options) {
        Err(oci::Error::Program(errors)) => compilation.render(&errors, false),
        other => panic!("expected diagnostics, got {other:?}"),
    }
}

#[cfg(feature = "oci")]
#[test]
fn e0031_copy_source_not_found() {
    let rendered = build_errors("image from scratch {\n    copy \"missing/*.txt\" to \"/x/\"\n}\n");
    assert!(rendered.contains("error[E0031]") && rendered.contains("`missing/*.txt` matches nothing"), "{rendered}");
    assert!(rendered.contains("app.img:2:5") && rendered.contains("help:"), "{rendered}");
}

#[cfg(feature = "oci")]
#[test]
fn e0035_run_failed() {
    let rendered = build_errors("image from scratch {\n    run [\"/missing\"]\n}\n");
    assert!(rendered.contains("error[E0035]") && rendered.contains("exited with status 1"), "{rendered}");
    assert!(rendered.contains("app.img:2:5") && rendered.contains("its last lines of output"), "{rendered}");
}

#[cfg(all(feature = "oci", feature = "cli"))]
#[test]
fn e0036_no_container_runtime() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("app.img"), "image from scratch {\n    run [\"/bin/true\"]\n}\n").expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_imgc"))
        .args(["build", "app.img", "--output", "oci:out"])
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .expect("run imgc");
    let rendered = String::from_utf8_lossy(&output.stderr);
    assert!(rendered.contains("error[E0036]") && rendered.contains("runc is not installed"), "{rendered}");
    assert!(rendered.contains("app.img:2:5") && rendered.contains("apt-get install runc"), "{rendered}");
}

#[cfg(feature = "oci")]
#[test]
fn e0037_missing_secret() {
    let rendered =
        build_errors("image from scratch {\n    run [\"/bin/true\"]\n        secret \"token\" (required: true)\n}\n");
    assert!(rendered.contains("error[E0037]") && rendered.contains("--secret id=token,src=FILE"), "{rendered}");
    assert!(rendered.contains("app.img:2:5"), "{rendered}");
}

#[cfg(feature = "oci")]
#[test]
fn e0038_interrupted() {
    // Ctrl-C during a real step is tested in tests/oci_run.rs; here, what the error says.
    let imgc::oci::Error::Program(diagnostics) = imgc::oci::plan::interrupted() else { panic!("a diagnostic") };
    assert_eq!(diagnostics[0].code, Code::Interrupted);
    assert_eq!(diagnostics[0].code.as_str(), "E0038");
    assert!(diagnostics[0].help.as_deref().is_some_and(|h| h.contains("nothing was written")));
}

/// Migrates a Dockerfile (and checks a program against it, when given); the diagnostics rendered.
fn migrate_errors(dockerfile: &str, program: Option<&str>) -> String {
    match program {
        None => {
            let migration = imgc::migrate::migrate("Dockerfile", dockerfile);
            assert!(migration.program.is_none(), "migrated");
            imgc::diagnostics::render_human(&migration.sources, &migration.diagnostics, false)
        }
        Some(program) => {
            let report = imgc::migrate::check("Dockerfile", dockerfile, std::path::Path::new("app.img"), program);
            imgc::diagnostics::render_human(&report.sources, &report.diagnostics, false)
        }
    }
}

#[test]
fn e0032_dockerfile_syntax() {
    let rendered = migrate_errors("FROM alpine\nCOPY --user=me a /b\n", None);
    assert!(
        rendered.contains("error[E0032]: unknown flag: --user") && rendered.contains("Dockerfile:2:6"),
        "{rendered}"
    );
    assert!(rendered.contains("help:"), "{rendered}");
}

#[test]
fn e0033_not_migratable() {
    let rendered = migrate_errors("FROM alpine\nEXPOSE 8000-8010\n", None);
    assert!(rendered.contains("error[E0033]") && rendered.contains("the port `8000-8010`"), "{rendered}");
    assert!(rendered.contains("Dockerfile:2:1") && rendered.contains("help:"), "{rendered}");
}

#[test]
fn e0034_migration_differs() {
    let rendered = migrate_errors(
        "FROM alpine\nRUN apk add curl\n",
        Some("image from \"alpine\" {\n    run \"apk add wget\"\n}\n"),
    );
    assert!(rendered.contains("error[E0034]") && rendered.contains("Dockerfile:2:1"), "{rendered}");
    assert!(rendered.contains("app.img:2:5") && rendered.contains("`apk add wget`"), "{rendered}");
}

/// A project file's diagnostics, rendered as `imgc.toml`.
fn project_errors(text: &str) -> String {
    let invalid = imgc::project::parse("imgc.toml", text).expect_err("the project file has errors");
    imgc::diagnostics::render_human(&invalid.sources, &invalid.diagnostics, false)
}

#[test]
fn e0041_project_file() {
    let rendered = project_errors("[images.web]\nprogram = \"app.img\"\ntags = \"v1\"\n");
    assert!(rendered.contains("error[E0041]: invalid type: string \"v1\", expected a sequence"), "{rendered}");
    assert!(rendered.contains("imgc.toml:3:8"), "{rendered}");
    let rendered = project_errors("[images.web\n");
    assert!(rendered.contains("error[E0041]") && rendered.contains("imgc.toml:1:"), "{rendered}");
    let rendered = project_errors("args = {}\n");
    assert!(rendered.contains("error[E0041]: missing field `images`"), "{rendered}");
}

#[test]
fn e0042_project_value() {
    let rendered = project_errors("[images.Web]\nprogram = \"app.img\"\noutputs = [\"registry\"]\n");
    assert!(rendered.contains("error[E0042]: `Web` is not a valid image name"), "{rendered}");
    assert!(rendered.contains("error[E0042]: a `registry` output, but the project names no registry"), "{rendered}");
    assert!(rendered.contains("imgc.toml:3:12"), "{rendered}");
    let rendered = project_errors("[images]\n");
    assert!(rendered.contains("error[E0042]: the project lists no image"), "{rendered}");
    let cycle = "[images.a]\nprogram = \"a.img\"\ndepends-on = [\"b\"]\n[images.b]\nprogram = \"b.img\"\ndepends-on = [\"a\"]\n";
    let rendered = project_errors(cycle);
    assert!(rendered.contains("error[E0042]: the images `a`, `b` depend on each other"), "{rendered}");
    assert!(rendered.contains("imgc.toml:3:15"), "{rendered}");
}

#[test]
fn e0043_unknown_project_image() {
    let rendered = project_errors("[images.web]\nprogram = \"app.img\"\ndepends-on = [\"bsae\"]\n");
    assert!(rendered.contains("error[E0043]: the project has no image `bsae`"), "{rendered}");
    assert!(rendered.contains("imgc.toml:3:15") && rendered.contains("its images are: web"), "{rendered}");
    let project = imgc::project::parse("imgc.toml", "[images.web]\nprogram = \"app.img\"\n").expect("valid");
    assert_eq!(project.image("api").expect_err("no api").code, Code::UnknownProjectImage);
}

#[test]
fn e0044_lock_file() {
    use imgc::project::lock::Lock;
    for (text, message) in [
        ("version = 1\n[image.\"a:1\"]\nsource = \"registry\"\n", "missing field `digest`"),
        ("version = 7\n", "lock file version 7 is not 1"),
        ("version = 1\n[image.\"a:1\"]\nsource = \"registry\"\ndigest = \"md5:1\"\nplatforms = {}\n", "`md5:1`"),
    ] {
        let invalid = Lock::parse("imgc.lock", text).expect_err(text);
        let rendered = imgc::diagnostics::render_human(&invalid.sources, &invalid.diagnostics, false);
        assert!(rendered.contains("error[E0044]") && rendered.contains(message), "{rendered}");
    }
}

#[cfg(feature = "oci")]
#[test]
fn e0045_no_emulation() {
    // binfmt_misc is kernel-wide and scripts/setup-test-env registers qemu-aarch64: the step
    // targets an architecture this machine has no emulator for.
    let architecture = ["s390x", "ppc64le", "riscv64", "mips64"]
        .into_iter()
        .find(|a| !Path::new("/proc/sys/fs/binfmt_misc").join(format!("qemu-{a}")).exists())
        .expect("an architecture with no QEMU binfmt_misc entry");
    let source = format!(
        "stage tools from scratch platform \"linux/{architecture}\" {{\n    copy \"a\" to \"/a\"\n    run \"true\"\n}}\nimage from scratch {{\n    copy from tools \"/a\" to \"/a\"\n}}\n"
    );
    let compilation = imgc::compile_source("app.img", &source, &Options::default());
    let program = compilation.program.as_ref().expect("compiles");
    let dir = tempfile::tempdir().expect("temp dir");
    let destination = imgc::oci::output::Destination::parse(&format!("oci:{}", dir.path().join("out").display()))
        .expect("destination");
    let error = imgc::oci::build(program, &destination, &imgc::oci::Options::new(dir.path())).expect_err("no emulator");
    let imgc::oci::Error::Program(diagnostics) = error else { panic!("a diagnostic: {error}") };
    let rendered = compilation.render(&diagnostics, false);
    assert!(
        rendered.contains(&format!("error[E0045]: this `run` step runs linux/{architecture} programs")),
        "{rendered}"
    );
    assert!(rendered.contains("app.img:3:5") && rendered.contains("qemu-user-static"), "{rendered}");
    assert!(!dir.path().join("out").exists(), "nothing written");
}

#[test]
fn every_code_has_a_test_here() {
    let this_file =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics.rs")).expect("read");
    for code in Code::ALL {
        let test_name = format!("fn {}_", code.as_str().to_lowercase());
        assert!(this_file.contains(&test_name), "no test for {}", code.as_str());
    }
}

#[test]
fn errors_are_collected_not_stopped_at_the_first() {
    let source = "let p: port = 70000\nimage from \"debian:bookworm-slim\" {\n    run \"echo ${nope}\"\n    stopsignal \"SIGNOPE\"\n    copy \"../x\" to \"/x\"\n}\n";
    let (rendered, codes) = render_with(source, &[], Target::Buildkit);
    for code in ["E0007", "E0002", "E0020", "E0016"] {
        assert!(codes.contains(code), "missing {code} in:\n{rendered}");
    }
}

#[test]
fn json_has_the_same_content() {
    let compilation = imgc::compile_source(
        "app.img",
        "image from \"debian:bookworm-slim\" {\n    expose 0\n}\n",
        &Options::default(),
    );
    let json = imgc::diagnostics::render_json(&compilation.sources, &compilation.diagnostics);
    let value: serde_json::Value = serde_json::from_str(json.lines().next().expect("one line")).expect("valid json");
    assert_eq!(value["code"], "E0007");
    assert_eq!(value["severity"], "error");
    assert_eq!(value["location"]["file"], "app.img");
    assert_eq!(value["location"]["line"], 2);
    assert_eq!(value["location"]["column"], 12);
    assert!(value["help"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn w0101_apt_update_alone() {
    snapshot!(
        AptUpdateAlone,
        "image from \"debian:bookworm-slim\" {\n    run \"apt-get update\"\n    copy \"a.deb\" to \"/tmp/\"\n    run \"apt-get install -y /tmp/a.deb && rm -rf /var/lib/apt/lists/*\"\n}\n"
    );
}

#[test]
fn w0102_package_cache_left() {
    snapshot!(PackageCacheLeft, "image from \"alpine:3.20\" {\n    run \"apk add curl\"\n}\n");
}

#[test]
fn w0103_unpinned_base() {
    snapshot!(UnpinnedBase, "stage build from \"golang:latest\" {\n    run \"go version\"\n}\nimage from build {\n}\n");
}

#[test]
fn w0104_secret_in_env() {
    snapshot!(SecretInEnv, "arg github_token = \"ghp_123\"\nimage from \"debian:bookworm-slim\" {\n}\n");
}

#[test]
fn w0105_add_for_copy() {
    snapshot!(AddForCopy, "image from \"debian:bookworm-slim\" {\n    add \"app.py\", \"lib/\" to \"/app/\"\n}\n");
}

#[test]
fn w0106_root_at_end() {
    snapshot!(RootAtEnd, "image from \"debian:bookworm-slim\" {\n    user \"0\"\n}\n");
}

#[test]
fn w0107_volume_write() {
    snapshot!(
        VolumeWrite,
        "image from \"debian:bookworm-slim\" {\n    volume \"/var/lib/app\"\n    copy \"seed.db\" to \"/var/lib/app/seed.db\"\n}\n"
    );
}

#[test]
fn w0108_foreign_package_manager() {
    snapshot!(
        ForeignPackageManager,
        "image from \"node:22-alpine\" {\n    run \"apt-get update && apt-get install -y git\"\n}\n"
    );
}

#[test]
fn w0110_stdlib_family() {
    snapshot!(
        StdlibFamily,
        "import std.user\n\nimage from \"alpine:3.20\" {\n    user.create(\"app\")\n    user \"app\"\n}\n"
    );
}

#[test]
fn w0109_undeclared_platform_arg() {
    snapshot!(
        UndeclaredPlatformArg,
        "image from \"debian:bookworm-slim\" {\n    run \"curl -fsSLo /tool https://example.com/tool-$TARGETARCH\"\n}\n"
    );
}

#[test]
fn warnings_do_not_stop_the_dockerfile() {
    let compilation = imgc::compile_source("app.img", "image from \"debian\" {\n}\n", &Options::default());
    assert!(!compilation.has_errors());
    assert_eq!(compilation.diagnostics.len(), 1);
    assert!(compilation.dockerfile(Target::Buildkit).is_ok());
    let json = imgc::diagnostics::render_json(&compilation.sources, &compilation.diagnostics);
    let value: serde_json::Value = serde_json::from_str(json.trim()).expect("valid json");
    assert_eq!(value["severity"], "warning");
    assert_eq!(value["code"], "W0103");
}
