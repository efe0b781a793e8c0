//! `imgc build` and `imgc inspect`: the command-line side of the OCI writer.

use super::{Reporter, project_cmd};
use clap::{Args, ValueEnum};
use imgc::diagnostics::Diagnostic;
use imgc::oci::layer::Compression;
use imgc::oci::output::Destination;
use imgc::oci::platform::Platform;
use imgc::oci::{self, Error};
use imgc::{Compilation, Options};
use std::path::PathBuf;
use std::process::ExitCode;

pub const BUILD_EXAMPLES: &str = "\
Examples:
  imgc build app.img --output oci:out:v1
  imgc build app.img --output docker-archive:app.tar:app:v1 && docker load -i app.tar
  imgc build app.img --output oci-archive:app.tar --base-image debian:bookworm-slim=oci:/images/debian:12
  imgc build                              every image of the project (imgc.toml), to its outputs
  imgc build web --locked                 one image of the project, its base images as imgc.lock pins them

Times in the image come from SOURCE_DATE_EPOCH (0 when unset).";

#[derive(Args)]
pub struct BuildArgs {
    /// The .img file to build, or the name of an image of the project (imgc.toml) [default: every
    /// image of the project]
    pub file: Option<PathBuf>,
    /// Where to write: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG] or docker://HOST/REPO:TAG [default for a project's image: its `outputs`]
    #[arg(short, long, value_name = "DEST")]
    pub output: Option<String>,
    /// Build this stage instead of the `image`
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// Another tag for the image (repeatable)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Set a build argument: --arg NAME=VALUE (repeatable)
    #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = super::parse_arg)]
    pub args: Vec<(String, String)>,
    /// The platform of stages that name none [default: the host's]; several, comma-separated:
    /// an image index with one image per platform
    #[arg(long, value_name = "OS/ARCH[,…]", value_parser = Platform::parse, value_delimiter = ',')]
    pub platform: Vec<Platform>,
    /// The build context [default: the directory of FILE]
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// Where a base image is: NAME=oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-daemon:NAME or containers-storage:NAME (repeatable)
    #[arg(long = "base-image", value_name = "NAME=LOCATION", value_parser = super::parse_arg)]
    pub base_images: Vec<(String, String)>,
    /// Registry credentials in the format of ~/.docker/config.json [default: that file]
    #[arg(long, value_name = "FILE")]
    pub authfile: Option<PathBuf>,
    /// A secret for `run` steps' secret mounts: id=NAME,src=FILE or id=NAME,env=VAR (repeatable)
    #[arg(long = "secret", value_name = "id=NAME,src=FILE", value_parser = oci::run::parse_secret)]
    pub secrets: Vec<(String, oci::run::SecretSource)>,
    /// Forward an ssh agent to `run` steps' ssh mounts: `default` (SSH_AUTH_SOCK) or a socket path
    #[arg(long, value_name = "default|SOCKET")]
    pub ssh: Option<String>,
    /// Let `run` steps with `security "insecure"` run with every capability: security.insecure
    #[arg(long = "allow", value_name = "ENTITLEMENT", value_parser = ["security.insecure"])]
    pub allow: Vec<String>,
    /// A folder of CDI specs (JSON or YAML) for `run` steps' devices (repeatable) [default: /etc/cdi, /var/run/cdi]
    #[arg(long = "cdi-spec-dir", value_name = "DIR")]
    pub cdi_spec_dirs: Vec<PathBuf>,
    /// The OCI runtime that runs `run` steps (runc's command line) [default: runc on PATH]
    #[arg(long, value_name = "PATH")]
    pub runtime: Option<PathBuf>,
    /// Write every layer anew instead of reusing layers cached from earlier builds
    #[arg(long)]
    pub no_cache: bool,
    /// How layers are compressed
    #[arg(long, value_enum, default_value_t = CompressionArg::Gzip)]
    compression: CompressionArg,
    /// Compression level [default: 1 for gzip, 3 for zstd]
    #[arg(long, value_name = "N")]
    compression_level: Option<i32>,
    /// In a project: fail if imgc.lock is missing or out of date
    #[arg(long)]
    pub locked: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CompressionArg {
    Gzip,
    Zstd,
}

/// Compiles and builds a file, or builds images of the project; prints the manifest digest.
pub fn build(args: Box<BuildArgs>, reporter: &Reporter) -> ExitCode {
    let file = match &args.file {
        None => return project_cmd::build(args, None, reporter),
        Some(file) if project_cmd::names_image(file) => {
            let name = file.to_string_lossy().into_owned();
            return project_cmd::build(args, Some(&name), reporter);
        }
        Some(file) => file.clone(),
    };
    let Some(output) = &args.output else {
        return fail(
            "building a file needs `--output DEST` (oci:DIR[:TAG], oci-archive:FILE, docker-archive:FILE, docker://HOST/REPO:TAG)",
        );
    };
    let destination = match Destination::parse(output) {
        Ok(destination) => destination,
        Err(message) => return fail(&message),
    };
    let compilation = match imgc::compile_file(&file, &Options { args: args.args.clone() }) {
        Ok(compilation) => compilation,
        Err(error) => return fail(&error.to_string()),
    };
    let context = args.context.clone().unwrap_or_else(|| {
        file.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    let options = match options(&args, context) {
        Ok(options) => options,
        Err(message) => return fail(&message),
    };
    build_program(&compilation, &destination, &options, &args.platform, &super::reporter_for_build(reporter))
}

/// The builder's options from the command line.
pub fn options(args: &BuildArgs, context: PathBuf) -> Result<oci::Options, String> {
    let mut options = oci::Options::new(context);
    options.stage = args.stage.clone();
    options.platform = match args.platform.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    options.tags = args.tags.clone();
    options.base_images = args.base_images.clone();
    options.authfile = args.authfile.clone();
    options.layer_cache = !args.no_cache;
    options.run.secrets = args.secrets.clone();
    options.run.runtime = args.runtime.clone();
    options.run.cdi_spec_dirs = args.cdi_spec_dirs.clone();
    options.run.allow_insecure = args.allow.iter().any(|a| a == "security.insecure");
    options.run.ssh = match args.ssh.as_deref() {
        None => None,
        Some("default") => match std::env::var_os("SSH_AUTH_SOCK") {
            Some(socket) => Some(PathBuf::from(socket)),
            None => return Err("`--ssh default` forwards SSH_AUTH_SOCK, which is not set".into()),
        },
        Some(socket) => Some(PathBuf::from(socket.strip_prefix("default=").unwrap_or(socket))),
    };
    options.compression = match (args.compression, args.compression_level) {
        (CompressionArg::Gzip, level) => Compression::Gzip(level.unwrap_or(1).clamp(0, 9) as u32),
        (CompressionArg::Zstd, level) => Compression::Zstd(level.unwrap_or(3).clamp(1, 22)),
    };
    Ok(options)
}

/// Builds a compiled program (reporting its errors or warnings) to `destination`, for several
/// `platforms` as an image index; prints the manifest's (or index's) digest.
pub fn build_program(
    compilation: &Compilation,
    destination: &Destination,
    options: &oci::Options,
    platforms: &[Platform],
    report: &dyn Fn(&Compilation, &[Diagnostic]),
) -> ExitCode {
    let warnings: Vec<Diagnostic> = compilation.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect();
    let program = match &compilation.program {
        Some(program) if !compilation.has_errors() => program,
        _ => {
            report(compilation, &compilation.diagnostics);
            return ExitCode::from(1);
        }
    };
    report(compilation, &warnings);
    let built = if platforms.len() > 1 {
        oci::multi::build_index(program, destination, options, platforms).map(|built| built.index_digest)
    } else {
        oci::build(program, destination, options).map(|built| built.manifest_digest)
    };
    match built {
        Ok(digest) => {
            println!("{digest}");
            ExitCode::SUCCESS
        }
        Err(Error::Program(diagnostics)) => {
            report(compilation, &diagnostics);
            ExitCode::from(1)
        }
        Err(Error::Failed(message)) => fail(&message),
    }
}

#[derive(clap::Subcommand)]
pub enum CacheAction {
    /// Remove everything in the cache and show the space freed
    Prune,
}

/// `imgc cache prune`.
pub fn cache(action: CacheAction) -> ExitCode {
    match action {
        CacheAction::Prune => {
            let Some(dir) = oci::default_cache_dir() else {
                return fail("no cache directory: set XDG_CACHE_HOME or HOME");
            };
            match oci::run::prune(&dir) {
                Ok(freed) => {
                    println!("freed {} in {}", oci::run::human_size(freed), dir.display());
                    ExitCode::SUCCESS
                }
                Err(message) => fail(&message),
            }
        }
    }
}

/// Prints the summary of an image.
pub fn inspect(image: &str) -> ExitCode {
    let result = Destination::parse(image).and_then(|d| oci::inspect::inspect(&d));
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
