//! The `imgc` command: a thin layer over the library.

use clap::{Parser, Subcommand, ValueEnum};
use imgc::diagnostics::{Diagnostic, render_human, render_json};
use imgc::source::SourceMap;
use imgc::{Compilation, Optimize, Options, Pass, Target};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[cfg(feature = "oci")]
mod build_cmd;
mod cli_input;
#[cfg(feature = "oci")]
mod project_cmd;
mod shell_docs;
#[cfg(feature = "oci")]
use build_cmd as build;

const EXAMPLES: &str = "\
Examples:
  imgc check app.img                      check a program, print any problems
  imgc dockerfile app.img                 print the Dockerfile
  imgc dockerfile app.img -o Dockerfile   write it to a file (only when it compiles)
  imgc dockerfile app.img --arg version=1.5.0 --target classic
  imgc dockerfile app.img -O0             one instruction per step, in order: no optimizer pass
  imgc explain app.img                    what the optimizer did, step by step, and why
  imgc check --message-format json *.img  problems as JSON, one object a line
  imgc build app.img --output oci:out:v1  build the image into an OCI layout
  imgc fmt app.img                        format a program in place
  imgc migrate --check Dockerfile -o app.img  convert a Dockerfile, proving nothing was lost

  imgc check - < app.img                  read the program from standard input

Exit status: 0 success, 1 compile errors, 2 usage or I/O errors.";

#[derive(Parser)]
#[command(name = "imgc", version, about = "Compile .img programs into container images", after_help = EXAMPLES)]
struct Cli {
    /// When to colour messages [default: auto, off when not a terminal or NO_COLOR is set]
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// How to print problems
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check programs for errors without writing anything
    #[command(after_help = "Example:\n  imgc check examples/nginx/app.img")]
    Check {
        /// The .img files to check (`-`: standard input)
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Set a build argument: --arg NAME=VALUE (repeatable)
        #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
        args: Vec<(String, String)>,
    },
    /// Compile a program into a Dockerfile
    #[command(
        after_help = "Examples:\n  imgc dockerfile app.img -o Dockerfile\n  imgc dockerfile app.img --target classic | buildah bud -f - ."
    )]
    Dockerfile {
        /// The .img file to compile (`-`: standard input), or the name of an image of the project (imgc.toml)
        #[arg(required_unless_present = "all")]
        file: Option<PathBuf>,
        /// Write the Dockerfile here instead of standard output (replaced atomically)
        #[arg(short, long, value_name = "OUT", conflicts_with = "all")]
        output: Option<PathBuf>,
        /// Write the Dockerfile of every image of the project where its `dockerfile` says
        #[arg(long, conflicts_with = "file")]
        all: bool,
        /// In a project: fail if imgc.lock is missing or out of date
        #[arg(long)]
        locked: bool,
        /// Set a build argument: --arg NAME=VALUE (repeatable)
        #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
        args: Vec<(String, String)>,
        /// The builders the Dockerfile must work with [default: buildkit, or the project image's `builder`]
        #[arg(long, value_enum)]
        target: Option<TargetArg>,
        #[command(flatten)]
        optimize: OptimizeArgs,
    },
    /// Pin the base images of the project (imgc.toml) by digest in imgc.lock
    #[cfg(feature = "oci")]
    #[command(
        after_help = "Examples:\n  imgc lock                          lock what is not locked yet\n  imgc lock --update                 move every pin to what its tag names now\n  imgc lock --update debian:bookworm-slim"
    )]
    Lock {
        /// Resolve again what is locked already (all, or NAME's)
        #[arg(long)]
        update: bool,
        /// With --update: a base image reference, or an image of the project (its base images)
        #[arg(requires = "update")]
        name: Option<String>,
    },
    /// Convert a Dockerfile into an .img program
    #[command(
        after_help = "Examples:\n  imgc migrate Dockerfile -o app.img\n  imgc migrate --check Dockerfile -o app.img\n  imgc migrate --check Dockerfile --against app.img"
    )]
    Migrate {
        /// The Dockerfile to convert (`-`: standard input)
        file: PathBuf,
        /// Write the program here instead of standard output (replaced atomically)
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
        /// Compile the program back and compare it with the Dockerfile; write it only if nothing differs
        #[arg(long)]
        check: bool,
        /// With --check: compare this existing program with the Dockerfile instead of converting
        #[arg(long, value_name = "PROGRAM", requires = "check", conflicts_with = "output")]
        against: Option<PathBuf>,
    },
    /// Print shell completions for imgc
    #[command(after_help = "Example:\n  imgc completions bash > /etc/bash_completion.d/imgc")]
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print imgc's man page (roff)
    #[command(after_help = "Example:\n  imgc man > /usr/local/share/man/man1/imgc.1")]
    Man,
    /// Run the language server for editors, over standard input and output
    #[command(after_help = "Editors start it themselves; see the book's Editors chapter.")]
    Lsp,
    /// Format programs in place: one canonical layout, comments kept
    #[command(after_help = "Examples:\n  imgc fmt app.img\n  imgc fmt --check *.img")]
    Fmt {
        /// Change nothing: list the files that are not formatted and exit 1 if there are any
        #[arg(long)]
        check: bool,
        /// The .img files to format
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Build the image itself (no daemon) into an OCI layout or archive
    #[cfg(feature = "oci")]
    #[command(after_help = build::BUILD_EXAMPLES)]
    Build(Box<build::BuildArgs>),
    /// Show what an image written by `imgc build` holds
    #[cfg(feature = "oci")]
    #[command(after_help = "Example:\n  imgc inspect oci:out:latest")]
    Inspect {
        /// oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE
        image: String,
    },
    /// Manage imgc's cache (layers, run steps, cache mounts, pulled blobs)
    #[cfg(feature = "oci")]
    Cache {
        #[command(subcommand)]
        action: build::CacheAction,
    },
    /// Show, stage by stage, the steps beside the instructions they became, and what each
    /// optimizer pass did or refused to do, and why
    #[command(
        after_help = "Examples:\n  imgc explain app.img\n  imgc explain app.img --no-pass merge-runs\n  imgc explain app.img --format json"
    )]
    Explain {
        /// The .img file to explain (`-`: standard input)
        file: PathBuf,
        /// How to print the explanation
        #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
        format: ExplainFormat,
        /// Set a build argument: --arg NAME=VALUE (repeatable)
        #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
        args: Vec<(String, String)>,
        /// The builders the Dockerfile must work with
        #[arg(long, value_enum, default_value_t = TargetArg::Buildkit)]
        target: TargetArg,
        #[command(flatten)]
        optimize: OptimizeArgs,
    },
}

/// The optimizer switches of `dockerfile` and `explain`.
#[derive(clap::Args)]
struct OptimizeArgs {
    /// Optimization level: 0 turns every pass off (one instruction per step, in order); 1 runs them all
    #[arg(short = 'O', value_name = "LEVEL", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    level: u8,
    /// Turn a pass on, also with -O0 (repeatable): unused-stages, metadata, env-placement, arg-placement, merge-runs
    #[arg(long = "pass", value_name = "NAME", value_parser = parse_pass)]
    passes: Vec<Pass>,
    /// Turn a pass off (repeatable); wins over --pass
    #[arg(long = "no-pass", value_name = "NAME", value_parser = parse_pass)]
    no_passes: Vec<Pass>,
}

impl OptimizeArgs {
    fn options(&self) -> Optimize {
        let mut options = if self.level == 0 { Optimize::none() } else { Optimize::default() };
        for pass in &self.passes {
            options.set(*pass, true);
        }
        for pass in &self.no_passes {
            options.set(*pass, false);
        }
        options
    }
}

fn parse_pass(name: &str) -> Result<Pass, String> {
    Pass::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Pass::ALL.iter().map(|p| p.name()).collect();
        format!("no pass is called `{name}`; the passes are {}", names.join(", "))
    })
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExplainFormat {
    /// Text: the steps and instructions side by side, then what each pass did
    Human,
    /// One JSON document, for tools
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum TargetArg {
    /// BuildKit: every feature, `# syntax=` added when needed
    Buildkit,
    /// docker's classic builder, buildah, kaniko: BuildKit-only features are refused
    Classic,
}

fn parse_arg(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

#[cfg(feature = "oci")]
fn reporter_for_build(reporter: &Reporter) -> impl Fn(&Compilation, &[Diagnostic]) + '_ {
    move |compilation, diagnostics| reporter.report(compilation, diagnostics)
}

struct Reporter {
    color: bool,
    format: MessageFormat,
}

impl Reporter {
    /// Reports an error that is no diagnostic: a file that cannot be read or written.
    fn error(&self, message: &str) {
        let text = match self.format {
            MessageFormat::Human => format!("error: {message}\n"),
            MessageFormat::Json => cli_input::error_json(message),
        };
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    fn report(&self, compilation: &Compilation, diagnostics: &[Diagnostic]) {
        self.report_sources(&compilation.sources, diagnostics);
    }

    fn report_sources(&self, sources: &SourceMap, diagnostics: &[Diagnostic]) {
        if diagnostics.is_empty() {
            return;
        }
        let text = match self.format {
            MessageFormat::Human => render_human(sources, diagnostics, self.color),
            MessageFormat::Json => render_json(sources, diagnostics),
        };
        let _ = std::io::stderr().write_all(text.as_bytes());
    }

    /// Reports the errors, then the warnings, and gives the exit status for compile errors.
    fn fail(&self, compilation: &Compilation, errors: Vec<Diagnostic>, warnings: Vec<Diagnostic>) -> ExitCode {
        let mut all = errors;
        all.extend(warnings);
        self.report(compilation, &all);
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) if cli_input::wants_json(&args) && error.use_stderr() => {
            let message = error.to_string();
            let first = message.lines().next().unwrap_or("").trim_start_matches("error: ");
            let _ = std::io::stderr().write_all(cli_input::error_json(first).as_bytes());
            return ExitCode::from(2);
        }
        Err(error) => error.exit(),
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let reporter = Reporter { color, format: cli.message_format };
    match cli.command {
        #[cfg(feature = "oci")]
        Command::Build(args) => build::build(args, &reporter),
        #[cfg(feature = "oci")]
        Command::Lock { update, name } => project_cmd::lock(update, name.as_deref(), &reporter),
        #[cfg(feature = "oci")]
        Command::Inspect { image } => build::inspect(&image),
        #[cfg(feature = "oci")]
        Command::Cache { action } => build::cache(action),
        Command::Check { files, args } => {
            let options = Options { args };
            let mut failed = false;
            let mut unreadable = false;
            for (index, file) in files.iter().enumerate() {
                match cli_input::compile(file, &options) {
                    Ok(compilation) => {
                        reporter.report(&compilation, &compilation.diagnostics);
                        failed |= compilation.has_errors();
                        if index + 1 == files.len() {
                            exit_keeping(compilation);
                        }
                    }
                    Err(message) => {
                        reporter.error(&message);
                        unreadable = true;
                    }
                }
            }
            exit_code(unreadable, failed)
        }
        Command::Completions { shell } => shell_docs::completions::<Cli>(shell),
        Command::Man => shell_docs::man_page::<Cli>(),
        Command::Lsp => match imgc_lsp::run_stdio() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: imgc lsp: {error}");
                ExitCode::from(2)
            }
        },
        Command::Fmt { check, files } => fmt(&files, check, &reporter),
        Command::Migrate { file, output, check, against } => {
            migrate(&file, output.as_deref(), check, against.as_deref(), &reporter)
        }
        Command::Dockerfile { file, output, all, locked, args, target, optimize } => {
            let file = match file {
                #[cfg(feature = "oci")]
                Some(file) if !project_cmd::names_image(&file) => file,
                #[cfg(not(feature = "oci"))]
                Some(file) => file,
                #[cfg(feature = "oci")]
                name => {
                    let name = name.map(|n| n.to_string_lossy().into_owned());
                    let request = project_cmd::DockerfileRequest {
                        name: if all { None } else { name.as_deref() },
                        output: output.as_deref(),
                        args: &args,
                        target: target.map(Target::from),
                        optimize: &optimize.options(),
                        locked,
                    };
                    return project_cmd::dockerfile(&request, &reporter);
                }
                #[cfg(not(feature = "oci"))]
                None => {
                    reporter.error("projects (imgc.toml) need an imgc built with the `oci` feature");
                    return ExitCode::from(2);
                }
            };
            if locked {
                reporter.error("`--locked` applies to a project's images (imgc.toml), not to a file");
                return ExitCode::from(2);
            }
            let Some(compilation) = compile(&file, args, &reporter) else {
                return ExitCode::from(2);
            };
            let warnings = warnings(&compilation);
            let result =
                compilation.dockerfile_with(target.map_or(Target::Buildkit, Target::from), &optimize.options());
            let compilation = exit_keeping(compilation);
            match result {
                Ok(text) => {
                    reporter.report(compilation, &warnings);
                    match write_output(output.as_deref(), &text) {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(message) => {
                            reporter.error(&message);
                            ExitCode::from(2)
                        }
                    }
                }
                Err(errors) => reporter.fail(compilation, errors, warnings),
            }
        }
        Command::Explain { file, format, args, target, optimize } => {
            let Some(compilation) = compile(&file, args, &reporter) else {
                return ExitCode::from(2);
            };
            let warnings = warnings(&compilation);
            match compilation.explain(target.into(), &optimize.options()) {
                Ok(report) => {
                    reporter.report(&compilation, &warnings);
                    let text = match format {
                        ExplainFormat::Human => report.render(),
                        ExplainFormat::Json => report.to_json(),
                    };
                    match write_output(None, &text) {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(message) => {
                            reporter.error(&message);
                            ExitCode::from(2)
                        }
                    }
                }
                Err(errors) => reporter.fail(&compilation, errors, warnings),
            }
        }
    }
}

/// `imgc migrate`: converts a Dockerfile, or with `against` checks an existing program.
fn migrate(file: &Path, output: Option<&Path>, check: bool, against: Option<&Path>, reporter: &Reporter) -> ExitCode {
    let read = |path: &Path| {
        cli_input::read(path).map_err(|message| {
            reporter.error(&message);
            ExitCode::from(2)
        })
    };
    let dockerfile = match read(file) {
        Ok(text) => text,
        Err(code) => return code,
    };
    let name = cli_input::display_name(file);
    let (program_path, program) = match against {
        Some(path) => match read(path) {
            Ok(text) => (cli_input::program_path(path), text),
            Err(code) => return code,
        },
        None => {
            let migration = imgc::migrate::migrate(&name, &dockerfile);
            match migration.program {
                Some(program) => {
                    let beside = file.parent().unwrap_or(Path::new("")).join("app.img");
                    (output.map_or(beside, Path::to_path_buf), program)
                }
                None => {
                    reporter.report_sources(&migration.sources, &migration.diagnostics);
                    return ExitCode::from(1);
                }
            }
        }
    };
    if check {
        let report = imgc::migrate::check(&name, &dockerfile, &program_path, &program);
        if !report.diagnostics.is_empty() {
            reporter.report_sources(&report.sources, &report.diagnostics);
            return ExitCode::from(1);
        }
    }
    if against.is_some() {
        return ExitCode::SUCCESS;
    }
    match write_output(output, &program) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            reporter.error(&message);
            ExitCode::from(2)
        }
    }
}

/// `imgc fmt`: formats each file in place, or with `check` only lists those that are not formatted.
fn fmt(files: &[PathBuf], check: bool, reporter: &Reporter) -> ExitCode {
    let (mut failed, mut unreadable) = (false, false);
    for path in files {
        let text = match imgc::read_text(path) {
            Ok(text) => text,
            Err(error) => {
                reporter.error(&error.to_string());
                unreadable = true;
                continue;
            }
        };
        let mut sources = imgc::source::SourceMap::new();
        let file = sources.add(path.display().to_string(), text.as_str());
        match imgc::format::format_source(file, &text) {
            Ok(formatted) if formatted == text => {}
            Ok(_) if check => {
                println!("{}", path.display());
                failed = true;
            }
            Ok(formatted) => {
                if let Err(message) = write_output(Some(path), &formatted) {
                    reporter.error(&message);
                    unreadable = true;
                }
            }
            Err(diagnostics) => {
                reporter.report_sources(&sources, &diagnostics);
                failed = true;
            }
        }
    }
    exit_code(unreadable, failed)
}

/// The exit code of a command over several files: 2 when one could not be read, 1 when one has
/// errors, else 0.
fn exit_code(unreadable: bool, failed: bool) -> ExitCode {
    if unreadable {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Compiles a file (`-`: standard input); `None` (after saying why) when it cannot be read.
fn compile(file: &Path, args: Vec<(String, String)>, reporter: &Reporter) -> Option<Compilation> {
    match cli_input::compile(file, &Options { args }) {
        Ok(compilation) => Some(compilation),
        Err(message) => {
            reporter.error(&message);
            None
        }
    }
}

/// The last compilation of a command that ends the process after it: its trees are left for the
/// process's exit to free (freeing them one allocation at a time is a tenth of the work on a
/// large program).
fn exit_keeping(compilation: Compilation) -> &'static Compilation {
    Box::leak(Box::new(compilation))
}

fn warnings(compilation: &Compilation) -> Vec<Diagnostic> {
    compilation.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect()
}

impl From<TargetArg> for Target {
    fn from(target: TargetArg) -> Target {
        match target {
            TargetArg::Buildkit => Target::Buildkit,
            TargetArg::Classic => Target::Classic,
        }
    }
}

/// Writes to a temporary file beside the output and renames it over, so the output is whole or
/// untouched.
fn write_output(output: Option<&Path>, text: &str) -> Result<(), String> {
    let Some(path) = output else {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write output: {e}"));
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "Dockerfile".into());
    let temp = dir.join(format!(".{name}.imgc-{}.tmp", std::process::id()));
    let result = std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, path));
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(format!("cannot write `{}`: {error}", path.display()));
    }
    Ok(())
}
