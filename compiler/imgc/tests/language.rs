//! What each language construct compiles to, with the optimizer off (`-O0`): the Dockerfile as
//! written, one instruction per step.

use imgc::{Optimize, Options, Target};

fn dockerfile(source: &str) -> String {
    dockerfile_with(source, &[], Target::Buildkit)
}

fn dockerfile_with(source: &str, args: &[(&str, &str)], target: Target) -> String {
    let options = Options { args: args.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let compilation = imgc::compile_source("app.img", source, &options);
    match compilation.dockerfile_with(target, &Optimize::none()) {
        Ok(text) => text,
        Err(errors) => panic!("does not compile:\n{}", compilation.render(&errors, false)),
    }
}

fn error_codes(source: &str) -> Vec<&'static str> {
    let compilation = imgc::compile_source("app.img", source, &Options::default());
    compilation.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code.as_str()).collect()
}

/// The Dockerfile without its header comment.
fn body(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("# ")).collect::<Vec<_>>().join("\n").trim().to_string()
}

#[test]
fn interpolated_values_are_quoted_lists_splice_and_raw_is_verbatim() {
    let text = dockerfile(
        r#"
let message = "it's $(whoami); `id`"
let packages = ["curl", "ca-certificates", "a b"]
let glob = "*.txt"
image from "debian:bookworm-slim" {
    run "echo ${message}"
    run "apt-get install -y ${packages}"
    run "ls ${glob} ${raw(glob)} \${HOME} $PATH"
}
"#,
    );
    assert!(text.contains("RUN echo 'it'\\''s $(whoami); `id`'\n"), "{text}");
    assert!(text.contains("RUN apt-get install -y curl ca-certificates 'a b'\n"), "{text}");
    assert!(text.contains("RUN ls '*.txt' *.txt ${HOME} $PATH\n"), "{text}");
}

#[test]
fn build_arguments_stay_symbolic_and_are_declared_where_used() {
    let text = dockerfile(
        r#"
arg version: string = "1.4.2"
arg base: image = "debian:bookworm-slim"
stage build from base {
    run "make VERSION=${version}"
}
stage unrelated from base {
    run "true"
}
image from base {
    label "org.opencontainers.image.version" = version
    copy from build "/out" to "/opt/app-${version}/"
}
"#,
    );
    assert_eq!(
        body(&text),
        r#"ARG version="1.4.2"
ARG base="debian:bookworm-slim"

FROM ${base} AS build
ARG version
RUN make VERSION="${version}"

FROM ${base} AS unrelated
RUN true

FROM ${base}
ARG version
LABEL org.opencontainers.image.version="${version}"
COPY --from=build /out /opt/app-${version}/"#
    );
    let overridden = dockerfile_with(
        "arg port: port = 8080\nimage from scratch {\n    expose port\n}\n",
        &[("port", "9090")],
        Target::Buildkit,
    );
    assert!(overridden.contains("ARG port=\"9090\"") && overridden.contains("EXPOSE ${port}"), "{overridden}");
}

#[test]
fn runtime_env_is_emitted_once_sorted_after_the_last_step() {
    let text = dockerfile(
        r#"
let http: port = 8080/tcp
image from "debian:bookworm-slim" {
    env { PORT = "${http.number}", B = "2" }
    run "make"
    env build { CC = "gcc" }
    env both { PATH = "/opt/bin:$PATH" }
    run "make install"
    env { A = "1", B = "3" }
    cmd ["app"]
}
"#,
    );
    assert_eq!(
        body(&text),
        r#"FROM debian:bookworm-slim
RUN make
ENV PATH="/opt/bin:$PATH"
RUN export CC="gcc"; make install
CMD ["app"]
ENV A="1" \
    B="3" \
    PORT="8080""#
    );
}

#[test]
fn values_in_builder_expanded_operands_are_escaped() {
    let text = dockerfile(
        r#"
let price = "${"$"}5 \"each\""
image from "debian:bookworm-slim" {
    env { PRICE = price, HOME_BIN = "$HOME/bin" }
    label "note" = "a \\ b"
    workdir "/srv/my app"
    copy "my file.txt", "b.txt" to "/srv/my app/"
    volume "/data", "/var/my data"
}
"#,
    );
    assert!(text.contains("WORKDIR \"/srv/my app\"\n"), "{text}");
    assert!(text.contains("COPY [\"my file.txt\", \"b.txt\", \"/srv/my app/\"]\n"), "{text}");
    assert!(text.contains("VOLUME [\"/data\", \"/var/my data\"]\n"), "{text}");
    assert!(text.contains("LABEL note=\"a \\\\ b\"\n"), "{text}");
    assert!(text.contains("ENV HOME_BIN=\"$HOME/bin\" \\\n    PRICE=\"\\$5 \\\"each\\\"\"\n"), "{text}");
}

#[test]
fn run_options_emit_buildkit_flags_and_the_syntax_line() {
    let text = dockerfile(
        r#"
let token: secret = "npm_token"
stage deps from "node:20-bookworm-slim" {
    run "true"
}
image from "node:20-bookworm-slim" {
    run "npm ci"
        cache "/root/.npm" (id: "npm", sharing: "locked")
        secret token (target: "/root/.npmrc", required: true)
        bind "/src" (from: deps, source: "/app", readwrite: true)
        tmpfs "/tmp" (size: 1048576)
        ssh (id: "default")
        network "none"
        security "insecure"
}
"#,
    );
    assert!(text.starts_with("# syntax=docker/dockerfile:1\n"));
    assert!(
        // Options too long for one line go one a line, the command last.
        text.contains("RUN --mount=type=cache,target=/root/.npm,id=npm,sharing=locked \\\n    --mount=type=secret,id=npm_token,target=/root/.npmrc,required=true \\\n    --mount=type=bind,target=/src,from=deps,source=/app,readwrite=true \\\n    --mount=type=tmpfs,target=/tmp,size=1048576 \\\n    --mount=type=ssh,id=default \\\n    --network=none \\\n    --security=insecure \\\n    npm ci\n"),
        "{text}"
    );
    let plain = dockerfile("image from scratch {\n    cmd [\"/app\"]\n}\n");
    assert!(!plain.contains("# syntax="), "no syntax line without BuildKit features");
}

#[test]
fn a_command_starting_with_a_comment_stays_on_its_options_line() {
    // On a line of its own, `#…` would be a comment line to the Dockerfile parser, and the next
    // instruction would become this RUN's command (found by the migrate fuzz target).
    let long = "x".repeat(120);
    let text = dockerfile(&format!(
        "image from \"debian:bookworm-slim\" {{\n    run \"# {long}\" cache \"/root/.cache/a-long-cache-folder\" ssh\n    run \"echo next\"\n}}\n"
    ));
    let parsed = imgc::dockerfile::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    let runs: Vec<&str> = parsed
        .instructions
        .iter()
        .filter(|i| i.kind == imgc::dockerfile::InstructionKind::Run)
        .map(|i| i.original.as_str())
        .collect();
    assert_eq!(runs.len(), 2, "{text}");
    assert!(runs[0].contains(&format!("--mount=type=ssh # {long}")), "{text}");
    assert_eq!(runs[1].trim_end(), "RUN echo next", "{text}");
}

#[test]
fn copy_and_add_options() {
    let text = dockerfile(
        r#"
stage build from "debian:bookworm-slim" {
    run "make"
}
image from "debian:bookworm-slim" {
    copy from build "/out/app" to "/usr/local/bin/" chown "app:app" chmod "755" link
    copy "src/" to "/src/" exclude ["*.tmp", "target/"] parents
    copy from "nginx:1.25" "/etc/nginx/nginx.conf" to "/etc/nginx/"
    add "https://example.com/x.tar.gz" to "/opt/" checksum "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" chmod "644"
    add "git@github.com:moby/buildkit.git#v0.12" to "/buildkit" keep_git_dir true
    add "rootfs.tar" to "/" unpack false
}
"#,
    );
    for line in [
        "COPY --from=build --chown=app:app --chmod=755 --link /out/app /usr/local/bin/",
        "COPY --parents --exclude=*.tmp --exclude=target/ src/ /src/",
        "COPY --from=nginx:1.25 /etc/nginx/nginx.conf /etc/nginx/",
        "ADD --chmod=644 --checksum=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef https://example.com/x.tar.gz /opt/",
        "ADD --keep-git-dir=true git@github.com:moby/buildkit.git#v0.12 /buildkit",
        "ADD --unpack=false rootfs.tar /",
    ] {
        // Long commands are broken over lines; joined, they read as written.
        let joined = text.replace(" \\\n        ", " ").replace(" \\\n    ", " ");
        assert!(joined.contains(&format!("{line}\n")), "missing `{line}` in\n{text}");
    }
}

/// After the first `<<NAME` the builder reads no more flags, so a path starting with `--` stands
/// bare there (found by the migrate fuzz target); a path with a space still cannot.
#[test]
fn a_here_document_goes_with_a_path_starting_with_dashes() {
    let text = dockerfile("image from \"debian:bookworm-slim\" {\n    copy heredoc(\"x\\n\") to \"--out/x\"\n}\n");
    assert!(text.contains("COPY <<\"EOF\" --out/x\nx\nEOF\n"), "{text}");
    let spaced = "image from \"debian:bookworm-slim\" {\n    copy heredoc(\"x\\n\") to \"/a b\"\n}\n";
    let compilation = imgc::compile_source("app.img", spaced, &Options::default());
    let errors = compilation.dockerfile_with(Target::Buildkit, &Optimize::none()).expect_err("a quoted path");
    assert_eq!(errors.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["E0028"]);
}

#[test]
fn process_metadata_and_triggers() {
    let text = dockerfile(
        r#"
image from "debian:bookworm-slim" platform "linux/arm64" {
    shell ["/bin/bash", "-o", "pipefail", "-c"]
    run "set -e
echo two lines"
    user "10001:10001"
    expose 80, 53/udp
    expose [8080/tcp, 8443]
    stopsignal 3
    healthcheck "curl -f http://localhost/ || exit 1" interval 1m30s timeout 500ms start_period 10s start_interval 2s retries 5
    onbuild {
        copy "." to "/app/src"
        run "make -C /app/src"
    }
    layer {
        run "a"
        run "b"
    }
    entrypoint "exec app"
    cmd []
}
"#
        .replace("cmd []", "cmd [\"--serve\"]")
        .as_str(),
    );
    assert_eq!(
        body(&text),
        r#"FROM --platform=linux/arm64 debian:bookworm-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN ["/bin/bash", "-o", "pipefail", "-c", "set -e\necho two lines"]
USER 10001:10001
EXPOSE 80/tcp 53/udp
EXPOSE 8080/tcp 8443/tcp
STOPSIGNAL 3
HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=10s --start-interval=2s --retries=5 CMD curl -f http://localhost/ || exit 1
ONBUILD COPY . /app/src
ONBUILD RUN make -C /app/src
RUN a
RUN b
ENTRYPOINT exec app
CMD ["--serve"]"#
    );
    let none = dockerfile("image from \"debian:bookworm-slim\" {\n    healthcheck none\n}\n");
    assert!(none.contains("HEALTHCHECK NONE\n"));
}

#[test]
fn functions_take_positional_named_and_default_arguments() {
    let text = dockerfile(
        r#"
fn greet(name: string, greeting: string = "hello", times: int = 1, target: path = "/tmp/${name}") {
    run "echo ${greeting} ${name} ${times} > ${target}"
}
image from "debian:bookworm-slim" {
    greet("world")
    greet("you", times: 2, greeting: "hi")
}
"#,
    );
    assert!(text.contains("RUN echo hello world 1 > /tmp/world\n"), "{text}");
    assert!(text.contains("RUN echo hi you 2 > /tmp/you\n"), "{text}");
}

#[test]
fn user_modules_are_imported_relative_to_the_importing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("lib")).expect("mkdir");
    std::fs::write(
        dir.path().join("lib/common.img"),
        "import \"./more.img\" as more\nlet base = \"debian:bookworm-slim\"\nfn setup() {\n    more.touch(\"/ready\")\n}\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("lib/more.img"), "fn touch(file: path) {\n    run \"touch ${file}\"\n}\n")
        .expect("write");
    let app = dir.path().join("app.img");
    std::fs::write(&app, "import \"./lib/common.img\" as common\nimage from common.base {\n    common.setup()\n}\n")
        .expect("write");
    let compilation = imgc::compile_file(&app, &Options::default()).expect("readable");
    let text = compilation.dockerfile(Target::Buildkit).expect("compiles");
    assert!(text.contains("FROM debian:bookworm-slim\nRUN touch /ready\n"), "{text}");
    assert_eq!(compilation.files_read.len(), 3, "the program and both modules: {:?}", compilation.files_read);
}

#[test]
fn the_standard_library_checks_and_expands() {
    let text = dockerfile(
        r#"
import std.apt
import std.user
import std.log
image from "debian:bookworm-slim" {
    apt.install(["nginx=1.22.1-9+deb12u1", "curl"])
    apt.install_with_recommends(["git"])
    apt.purge(["curl"])
    user.create("app", uid: 10001)
    user.create("worker", uid: 10002, gid: 20000, home: "/srv/worker", login_shell: "/bin/sh")
    user.create_busybox("web")
    log.to_stdout("/var/log/nginx/access.log")
    log.to_stderr("/var/log/nginx/error.log")
}
"#,
    );
    for line in [
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends 'nginx=1.22.1-9+deb12u1' curl && rm -rf /var/lib/apt/lists/*",
        "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y git && rm -rf /var/lib/apt/lists/*",
        "RUN apt-get purge -y --auto-remove curl && rm -rf /var/lib/apt/lists/*",
        "RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /home/app --create-home --shell /usr/sbin/nologin app",
        "RUN groupadd --system --gid 20000 worker && useradd --system --uid 10002 --gid 20000 --home-dir /srv/worker --create-home --shell /bin/sh worker",
        "RUN addgroup -S -g 10001 web && adduser -S -D -u 10001 -G web -h /home/web -s /sbin/nologin web",
        "RUN mkdir -p \"$(dirname /var/log/nginx/access.log)\" && ln -sf /dev/stdout /var/log/nginx/access.log",
        "RUN mkdir -p \"$(dirname /var/log/nginx/error.log)\" && ln -sf /dev/stderr /var/log/nginx/error.log",
    ] {
        // Long commands are broken over lines; joined, they read as written.
        let joined = text.replace(" \\\n        ", " ").replace(" \\\n    ", " ");
        assert!(joined.contains(&format!("{line}\n")), "missing `{line}` in\n{text}");
    }
}

#[test]
fn every_standard_module_parses_and_checks_alone() {
    for (name, _) in imgc::stdlib::MODULES {
        let source = format!("import std.{name}\nimage from scratch {{\n    cmd [\"/x\"]\n}}\n");
        assert!(error_codes(&source).is_empty(), "std.{name} has errors");
    }
}

/// The standard library is written in `imgc fmt`'s layout, as the programs that read it are.
#[test]
fn every_standard_module_is_formatted() {
    for (name, text) in imgc::stdlib::MODULES {
        let formatted = imgc::format::format_source(imgc::source::FileId(0), text).expect("parses");
        assert_eq!(&formatted, text, "std.{name} is not in `imgc fmt`'s layout");
    }
}

#[test]
fn misplaced_statements_are_errors() {
    assert_eq!(error_codes("image from scratch {\n    stage x from scratch {\n    }\n}\n"), ["E0018"]);
    assert_eq!(error_codes("image from scratch {\n}\nimage from scratch {\n}\n"), ["E0018"]);
    assert_eq!(error_codes("image from scratch {\n    onbuild {\n        onbuild {\n        }\n    }\n}\n"), ["E0018"]);
    assert_eq!(error_codes("image from scratch {\n    import std.apt\n}\n"), ["E0018"]);
    assert_eq!(error_codes("image from scratch {\n    cmd [\"x\"]\n}\nstage late from scratch {\n}\n"), ["E0018"]);
}

#[test]
fn literals_take_their_type_from_context() {
    let text = dockerfile(
        "let p: port = \"53/udp\"\nlet d: duration = \"90s\"\nimage from scratch {\n    expose p, 8080\n    healthcheck [\"/ok\"] interval d\n}\n",
    );
    assert!(text.contains("EXPOSE 53/udp 8080/tcp\n") && text.contains("--interval=1m30s"), "{text}");
    assert_eq!(error_codes("let d: duration = 30\nimage from scratch {\n}\n"), ["E0008"]);
    assert_eq!(error_codes("let s: string = 30s\nimage from scratch {\n}\n"), ["E0003"]);
    assert_eq!(error_codes("let i: image = \"UPPER\"\nimage from scratch {\n}\n"), ["E0009"]);
}

#[test]
fn build_arguments_cannot_reach_runtime_commands_or_exec_runs() {
    let source = "arg v: string = \"1\"\nimage from scratch {\n    run [\"echo\", \"${v}\"]\n}\n";
    assert_eq!(error_codes(source), ["E0027"]);
    let source = "arg v: string = \"1\"\nimage from scratch {\n    healthcheck \"check ${v}\"\n}\n";
    assert_eq!(error_codes(source), ["E0027"]);
}

#[test]
fn output_is_deterministic() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/python-web/app.img"))
        .expect("read");
    let first = dockerfile(&source);
    for _ in 0..5 {
        assert_eq!(dockerfile(&source), first);
    }
}

#[test]
fn plus_joins_like_interpolation() {
    let text = dockerfile(
        "arg v: string = \"1\"\nfn greet(name: string) {\n    run \"echo hello \" + name\n}\nimage from scratch {\n    greet(\"x; id\")\n    run \"echo \" + v\n}\n",
    );
    assert!(text.contains("RUN echo hello 'x; id'\n"), "{text}");
    assert!(text.contains("RUN echo \"${v}\"\n"), "{text}");
}

#[test]
fn maps_give_env_and_labels() {
    let text = dockerfile(
        "let labels: map[string] = { \"org.opencontainers.image.title\" = \"web\", version = \"1\" }\nimage from scratch {\n    label labels\n    onbuild {\n        label { a = \"1\", b = \"2\" }\n    }\n}\n",
    );
    assert!(text.contains("LABEL org.opencontainers.image.title=\"web\" \\\n      version=\"1\"\n"), "{text}");
    assert!(text.contains("ONBUILD LABEL a=\"1\" b=\"2\"\n"), "a trigger stays on one line:\n{text}");
}

#[test]
fn values_imgc_needs_cannot_be_build_arguments() {
    assert_eq!(error_codes("arg n: int = 3\nimage from scratch {\n    healthcheck \"true\" retries n\n}\n"), ["E0027"]);
    assert_eq!(
        error_codes("arg l: bool = true\nimage from scratch {\n    copy \"a\" to \"/a\" link l\n}\n"),
        ["E0027"]
    );
    assert_eq!(error_codes("image from scratch {\n    copy \"a\" to \"/a\" chmod 755\n}\n"), ["E0003"]);
}

#[test]
fn unused_code_is_checked_too() {
    assert_eq!(error_codes("fn f(x: strin) {\n    run \"true\"\n}\nimage from scratch {\n}\n"), ["E0002"]);
    assert_eq!(error_codes("fn f(x: string) {\n    run \"${y}\"\n}\nimage from scratch {\n}\n"), ["E0002"]);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("m.img"), "let x: port = 0\n").expect("write");
    let app = dir.path().join("app.img");
    std::fs::write(&app, "import \"./m.img\" as m\nimage from scratch {\n}\n").expect("write");
    let compilation = imgc::compile_file(&app, &Options::default()).expect("readable");
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0007"], "an unused module's errors are reported");
}

#[test]
fn cli_arguments_reach_stage_arguments_and_the_last_one_wins() {
    let source = "image from scratch {\n    arg v: string = \"1\"\n    label \"v\" = v\n}\n";
    let text = dockerfile_with(source, &[("v", "2"), ("v", "3")], Target::Buildkit);
    assert!(text.contains("ARG v=\"3\"\n"), "{text}");
}

#[test]
fn platform_arguments_are_declared_without_a_value() {
    let text = dockerfile(
        "arg TARGETARCH\nimage from scratch {\n    arg BUILDPLATFORM\n    run \"echo ${TARGETARCH} ${BUILDPLATFORM}\"\n}\n",
    );
    assert!(text.contains("ARG TARGETARCH\n\nFROM scratch\nARG TARGETARCH\nARG BUILDPLATFORM\n"), "{text}");
    assert_eq!(error_codes("arg TARGETOS = \"linux\"\nimage from scratch {\n}\n"), ["E0020"]);
}

#[test]
fn a_global_argument_declared_again_is_written_again_and_reads_its_earlier_value() {
    let text = dockerfile(
        "arg X = \"\\${TARGETPLATFORM#linux/amd64}\"\narg X = \"${X}-suffix\"\nimage from scratch {\n    arg X\n    run \"echo $X\"\n}\n",
    );
    let body = body(&text);
    let first = body.find("ARG X=\"${TARGETPLATFORM#linux/amd64}\"").unwrap_or_else(|| panic!("{body}"));
    let second = body.find("ARG X=\"${X}-suffix\"").unwrap_or_else(|| panic!("{body}"));
    assert!(first < second, "{body}");
    assert_eq!(error_codes("arg X: int = 1\narg X = \"a\"\nimage from scratch {\n}\n"), ["E0003"]);
    assert_eq!(error_codes("let X = \"a\"\narg X = \"b\"\nimage from scratch {\n}\n"), ["E0019"]);
}

#[test]
fn a_here_document_in_a_run_stays_one_for_buildkit() {
    let source = "image from scratch {\n    run \"cat > /h.txt <<EOF\\nline one\\nline \\$HOME\\nEOF\\n\"\n}\n";
    let text = dockerfile(source);
    assert!(text.starts_with("# syntax=docker/dockerfile:1\n"), "{text}");
    assert!(text.contains("\nRUN cat > /h.txt <<EOF\nline one\nline $HOME\nEOF\n"), "{text}");
    // BuildKit's reader takes the lines after the opener as its body, up to the delimiter.
    let parsed = imgc::dockerfile::parse(&text).unwrap_or_else(|e| panic!("{}\n{text}", e.message));
    let run = parsed.instructions.last().unwrap_or_else(|| panic!("{text}"));
    assert_eq!(run.heredocs.len(), 1, "{text}");
    assert_eq!((run.heredocs[0].name.as_str(), run.heredocs[0].content.as_str()), ("EOF", "line one\nline $HOME\n"));
    // The classic builder has no here-documents: the script goes in exec form.
    let classic = dockerfile_with(source, &[], Target::Classic);
    assert!(
        classic.contains("RUN [\"/bin/sh\", \"-c\", \"cat > /h.txt <<EOF\\nline one\\nline $HOME\\nEOF\\n\"]"),
        "{classic}"
    );
}
