//! Lints: warnings (`W01xx`) about the program as written that teach a better way. They read
//! the checked program before any pass, so they are the same at every optimization level, and
//! change nothing.

use super::script::{self, Script, SimpleCommand};
use crate::diagnostics::{Code, Diagnostic};
use crate::emit::dockerfile::shell_script;
use crate::ir::{Base, Command, Instruction, InstructionKind, MountKind, Program, Run, Stage, Text};
use crate::source::{SourceMap, Span};

/// Every warning for the program.
pub fn lint(program: &Program, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for arg in &program.args {
        secret_value(&arg.name, arg.default.as_ref(), arg.span, None, &mut out);
    }
    for (index, stage) in program.stages.iter().enumerate() {
        base_tag(stage, sources, &mut out);
        apt_update_alone(stage, &mut out);
        for instruction in &stage.instructions {
            step(instruction, &mut out);
        }
        volume_writes(stage, &mut out);
        if index == program.target {
            root_at_end(stage, &mut out);
        }
    }
    out
}

/// A warning at a step, pointing also at the call it came from.
fn at(code: Code, instruction: &Instruction, message: String, label: &str, help: &str) -> Diagnostic {
    let mut diagnostic = Diagnostic::warning(code, message).with_label(instruction.span, label).with_help(help);
    if instruction.origin != instruction.span {
        diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
    }
    diagnostic
}

/// The simple commands of a run, exec form included; `None` when it cannot be read.
fn commands(run: &Run) -> Vec<SimpleCommand> {
    let texts = match &run.command {
        Command::Exec(words) => {
            let words = words.iter().map(|w| shell_script(&Text::value(w.display()))).collect::<Vec<_>>();
            return script::read(&words.join(" ")).map(|s| s.commands).unwrap_or_default();
        }
        Command::Shell(text) => vec![text],
        Command::Chain(texts) => texts.iter().collect(),
        // A here-document is a script of its own interpreter.
        Command::Heredoc(_) => return Vec::new(),
    };
    texts.into_iter().filter_map(|t| script::read(&shell_script(t)).ok()).flat_map(|s: Script| s.commands).collect()
}

/// The first argument that is not an option.
fn subcommand(command: &SimpleCommand) -> Option<&str> {
    command.arguments().flatten().find(|a| !a.starts_with('-'))
}

fn is_apt(command: &SimpleCommand, action: &str) -> bool {
    matches!(command.name(), Some("apt-get" | "apt")) && subcommand(command) == Some(action)
}

fn has_cache_mount(run: &Run, target: &str) -> bool {
    run.mounts.iter().any(|m| {
        m.kind == MountKind::Cache
            && m.options.iter().any(|(k, v)| k == "target" && v.as_literal().is_some_and(|t| t.starts_with(target)))
    })
}

fn mentions(commands: &[SimpleCommand], name: &str, argument_prefix: &str) -> bool {
    commands.iter().any(|c| c.name() == Some(name) && c.words.iter().any(|w| w.text.starts_with(argument_prefix)))
}

fn apt_update_alone(stage: &Stage, out: &mut Vec<Diagnostic>) {
    let runs: Vec<(&Instruction, Vec<SimpleCommand>)> = stage
        .instructions
        .iter()
        .filter_map(|i| match &i.kind {
            InstructionKind::Run(run) => Some((i, commands(run))),
            _ => None,
        })
        .collect();
    for (position, (instruction, commands)) in runs.iter().enumerate() {
        let updates = commands.iter().any(|c| is_apt(c, "update"));
        if !updates || commands.iter().any(|c| is_apt(c, "install")) {
            continue;
        }
        let Some((install, _)) = runs[position + 1..].iter().find(|(_, c)| c.iter().any(|c| is_apt(c, "install")))
        else {
            continue;
        };
        out.push(
            at(
                Code::AptUpdateAlone,
                instruction,
                "`apt-get update` runs in another step than `apt-get install`".into(),
                "updates the package lists here",
                "run both in one step (`run \"apt-get update && apt-get install -y …\"`, or `apt.install([…])` from `std.apt`): a builder reuses a cached update layer for months, and the install then asks for versions the mirrors no longer have",
            )
            .with_secondary(install.origin, "installs here"),
        );
    }
}

fn step(instruction: &Instruction, out: &mut Vec<Diagnostic>) {
    match &instruction.kind {
        InstructionKind::Run(run) => package_cache(instruction, run, out),
        InstructionKind::Env { vars, .. } => {
            for (name, value) in vars {
                secret_value(name, Some(value), instruction.span, Some(instruction), out);
            }
        }
        InstructionKind::Arg(def) if def.default.is_some() => {
            secret_value(&def.name, def.default.as_ref(), instruction.span, Some(instruction), out);
        }
        InstructionKind::Copy(copy) if copy.is_add => add_for_copy(instruction, copy, out),
        _ => {}
    }
}

fn package_cache(instruction: &Instruction, run: &Run, out: &mut Vec<Diagnostic>) {
    let commands = commands(run);
    let any = |f: &dyn Fn(&SimpleCommand) -> bool| commands.iter().any(f);
    let left = if any(&|c| is_apt(c, "update"))
        && !mentions(&commands, "rm", "/var/lib/apt/lists")
        && !has_cache_mount(run, "/var/lib/apt")
    {
        Some((
            "the package lists `apt-get update` downloads",
            "add `&& rm -rf /var/lib/apt/lists/*` after the install, as `apt.install` from `std.apt` does",
        ))
    } else if any(&|c| {
        c.name() == Some("apk") && subcommand(c) == Some("add") && !c.arguments().flatten().any(|a| a == "--no-cache")
    }) && !has_cache_mount(run, "/var/cache/apk")
    {
        Some(("apk's package index", "add `--no-cache` to `apk add`"))
    } else if any(&|c| {
        let pip = matches!(c.name(), Some("pip" | "pip3"))
            || (matches!(c.name(), Some("python" | "python3")) && c.arguments().flatten().any(|a| a == "pip"));
        pip && c.arguments().flatten().any(|a| a == "install")
            && !c.arguments().flatten().any(|a| a == "--no-cache-dir")
    }) && !has_cache_mount(run, "/root/.cache")
    {
        Some((
            "pip's download cache",
            "add `--no-cache-dir` to `pip install`, or use a cache mount: `cache \"/root/.cache/pip\"`",
        ))
    } else if any(&|c| matches!(c.name(), Some("dnf" | "yum" | "microdnf")) && subcommand(c) == Some("install"))
        && !any(&|c| matches!(c.name(), Some("dnf" | "yum" | "microdnf")) && subcommand(c) == Some("clean"))
        && !has_cache_mount(run, "/var/cache")
    {
        Some((
            "the package manager's metadata and downloads",
            "add `&& dnf clean all` (or `yum clean all`) in the same step",
        ))
    } else {
        None
    };
    if let Some((what, help)) = left {
        out.push(at(
            Code::PackageCacheLeft,
            instruction,
            format!("this step leaves {what} in its layer"),
            "leaves a cache in the image",
            &format!("{help}; a file removed by a later step still takes space in this layer"),
        ));
    }
}

const SECRET_WORDS: &[&str] =
    &["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "ACCESS_KEY", "CREDENTIAL"];

fn secret_value(
    name: &str,
    value: Option<&Text>,
    span: Span,
    instruction: Option<&Instruction>,
    out: &mut Vec<Diagnostic>,
) {
    let upper = name.to_ascii_uppercase();
    let literal = value.and_then(Text::as_literal).is_some_and(|v| !v.is_empty());
    let names_a_file = ["_FILE", "_PATH", "_DIR"].iter().any(|s| upper.ends_with(s));
    if !literal || names_a_file || !SECRET_WORDS.iter().any(|w| upper.contains(w)) {
        return;
    }
    let mut diagnostic = Diagnostic::warning(Code::SecretInEnv, format!("`{name}` looks like a secret, and its value is written in the program"))
        .with_label(span, "stored in the image's configuration or history")
        .with_help("pass secrets with a secret mount: `let token: secret = \"api_token\"` and `run \"…\" secret token (env: \"API_TOKEN\")`; a secret never reaches the image");
    if let Some(instruction) = instruction.filter(|i| i.origin != i.span) {
        diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
    }
    out.push(diagnostic);
}

fn add_for_copy(instruction: &Instruction, copy: &crate::ir::Copy, out: &mut Vec<Diagnostic>) {
    const ARCHIVES: &[&str] =
        &[".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".gz", ".bz2", ".xz"];
    let add_only = copy.checksum.is_some() || copy.keep_git_dir.is_some() || copy.unpack.is_some();
    let plain = copy.sources.iter().all(|s| {
        s.as_literal().is_some_and(|s| {
            !s.contains("://")
                && !s.starts_with("git@")
                && !s.contains(".git")
                && !ARCHIVES.iter().any(|a| s.ends_with(a))
        })
    });
    if plain && !add_only {
        out.push(at(
            Code::AddForCopy,
            instruction,
            "`add` of local files that are not archives".into(),
            "`copy` does this",
            "write `copy`: `add` also downloads URLs and unpacks archives, which a reader must rule out",
        ));
    }
}

fn base_tag(stage: &Stage, sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    let Base::Image(image) = &stage.base else { return };
    let Some(reference) = image.as_literal() else { return };
    let problem = match image_tag(&reference) {
        _ if reference.contains('@') => return,
        None => "has no tag, so it means `latest`",
        Some("latest") => "is tagged `latest`",
        Some(_) => return,
    };
    let header = sources
        .snippet(stage.span)
        .find('\n')
        .map_or(stage.span, |end| Span { end: stage.span.start + u32::try_from(end).unwrap_or(0), ..stage.span });
    out.push(
        Diagnostic::warning(Code::UnpinnedBase, format!("base image `{reference}` {problem}"))
            .with_label(header, "whatever `latest` is on the day of the build")
            .with_help("name a version (`debian:bookworm-slim`, `python:3.12-slim`), or a digest (`…@sha256:…`) for builds that never change"),
    );
}

/// The tag of an image reference: after the last `:` that follows the last `/`.
fn image_tag(reference: &str) -> Option<&str> {
    let name = reference.rsplit('/').next().unwrap_or(reference);
    name.split_once(':').map(|(_, tag)| tag)
}

fn root_at_end(stage: &Stage, out: &mut Vec<Diagnostic>) {
    let last_user = stage.instructions.iter().rev().find_map(|i| match &i.kind {
        InstructionKind::User(user) => Some((i, user)),
        _ => None,
    });
    let Some((instruction, user)) = last_user else { return };
    let Some(user) = user.as_literal() else { return };
    let name = user.split(':').next().unwrap_or_default();
    if name == "root" || name == "0" {
        out.push(at(
            Code::RootAtEnd,
            instruction,
            "the image runs as root".into(),
            "the last `user` of the image",
            "end with a user without privileges (`user.create(\"app\")` from `std.user`, then `user \"app\"`); a program that must start as root, to bind a port below 1024, can drop them itself",
        ));
    }
}

fn volume_writes(stage: &Stage, out: &mut Vec<Diagnostic>) {
    let mut volumes: Vec<(String, &Instruction)> = Vec::new();
    for instruction in &stage.instructions {
        let written: Vec<String> = match &instruction.kind {
            InstructionKind::Volume(paths) => {
                volumes.extend(
                    paths
                        .iter()
                        .filter_map(|p| p.as_literal())
                        .map(|p| (p.trim_end_matches('/').to_string(), instruction)),
                );
                continue;
            }
            InstructionKind::Copy(copy) => copy.dest.as_literal().into_iter().collect(),
            InstructionKind::Workdir(path) => path.as_literal().into_iter().collect(),
            InstructionKind::Run(run) => commands(run)
                .iter()
                .flat_map(|c| c.words.iter().skip(1).chain(&c.redirections))
                .map(|w| w.literal.clone().unwrap_or_else(|| w.text.clone()))
                .collect(),
            _ => continue,
        };
        let hit = volumes.iter().find(|(volume, _)| {
            written
                .iter()
                .any(|w| w == volume || w.strip_prefix(volume.as_str()).is_some_and(|rest| rest.starts_with('/')))
        });
        if let Some((volume, declared)) = hit {
            out.push(
                at(
                    Code::VolumeWrite,
                    instruction,
                    format!("this step writes under the volume `{volume}` after it is declared"),
                    "writes under the volume",
                    "declare the volume after the steps that fill it: docker documents that what a step writes under a volume after `VOLUME` is discarded, and builders differ",
                )
                .with_secondary(declared.origin, "declared here"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    fn codes(source: &str) -> Vec<&'static str> {
        let compilation = crate::compile_source("app.img", source, &crate::Options::default());
        assert!(!compilation.has_errors(), "{:?}", compilation.diagnostics);
        compilation.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    fn image(body: &str) -> String {
        format!("image from \"debian:bookworm-slim\" {{\n{body}\n}}\n")
    }

    #[test]
    fn apt_update_apart_from_the_install() {
        assert_eq!(
            codes(&image("run \"apt-get update\"\nrun \"apt-get install -y curl && rm -rf /var/lib/apt/lists/*\"")),
            ["W0101", "W0102"]
        );
        assert!(
            codes(&image("run \"apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\""))
                .is_empty()
        );
        assert!(
            codes("import std.apt\nimage from \"debian:bookworm-slim\" {\n    apt.install([\"curl\"])\n}\n").is_empty()
        );
    }

    #[test]
    fn caches_left_in_a_layer() {
        assert_eq!(codes(&image("run \"apt-get update && apt-get install -y curl\"")), ["W0102"]);
        assert_eq!(codes(&image("run \"pip install flask\"")), ["W0102"]);
        assert!(codes(&image("run \"pip install --no-cache-dir flask\"")).is_empty());
        assert_eq!(codes(&image("run \"apk add curl\"")), ["W0102"]);
        assert!(codes(&image("run \"apk add --no-cache curl\"")).is_empty());
        assert!(
            codes(&image("run \"apt-get update && apt-get install -y curl\" cache \"/var/lib/apt/lists\"")).is_empty()
        );
    }

    #[test]
    fn base_images_need_a_tag() {
        assert_eq!(codes("image from \"debian\" {\n}\n"), ["W0103"]);
        assert_eq!(codes("image from \"localhost:5000/debian:latest\" {\n}\n"), ["W0103"]);
        assert!(codes("image from \"localhost:5000/debian:12\" {\n}\n").is_empty());
        assert!(
            codes(
                "image from \"debian@sha256:0000000000000000000000000000000000000000000000000000000000000000\" {\n}\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn secrets_in_env_and_arg() {
        assert_eq!(codes(&image("env { DB_PASSWORD = \"hunter2\" }")), ["W0104"]);
        assert_eq!(codes("arg api_token = \"abc\"\nimage from scratch {\n}\n"), ["W0104"]);
        assert!(codes(&image("env { TOKEN_FILE_MODE = \"\" }")).is_empty());
        assert!(codes(&image("env { PASSWORD_FILE = \"/run/secrets/db\" }")).is_empty());
    }

    #[test]
    fn add_where_copy_would_do() {
        assert_eq!(codes(&image("add \"conf/\" to \"/etc/app/\"")), ["W0105"]);
        assert!(codes(&image("add \"vendor.tar.gz\" to \"/opt/\"")).is_empty());
        assert!(codes(&image("add \"https://example.com/x\" to \"/x\"")).is_empty());
    }

    #[test]
    fn root_at_the_end() {
        assert_eq!(codes(&image("user \"app\"\nuser \"root\"")), ["W0106"]);
        assert_eq!(codes(&image("user \"0:0\"")), ["W0106"]);
        assert!(codes(&image("user \"root\"\nrun \"true\"\nuser \"app\"")).is_empty());
        assert!(codes(&image("run \"true\"")).is_empty());
    }

    #[test]
    fn writes_under_a_volume() {
        assert_eq!(codes(&image("volume \"/data\"\nrun \"echo x > /data/x\"")), ["W0107"]);
        assert_eq!(codes(&image("volume \"/data\"\ncopy \"x\" to \"/data/x\"")), ["W0107"]);
        assert!(codes(&image("run \"echo x > /data/x\"\nvolume \"/data\"\nrun \"echo /database\"")).is_empty());
    }
}
