//! From the IR to an image plan: each stage's file tree, layers and config, step by step, the
//! way a Dockerfile builder would have it. Nothing is written here; new layers are change sets
//! whose file contents stay where they are until the layer is written.

use super::base::{self, BaseImage, BaseLayer, LocalRef};
use super::config::{DEFAULT_PATH, Empty, HealthConfig, History, ImageConfig};
use super::context::{Context, SourceError};
use super::copy;
use super::layer::Changes;
use super::platform::Platform;
use super::tree::Tree;
use super::{Error, Options};
use imgc_core::diagnostics::{Code, Diagnostic};
use imgc_core::emit::dockerfile::instruction_text;
use imgc_core::ir::{
    Base, Command, CopySource, EnvScope, Healthcheck, Instruction, InstructionKind, Program, Text, TextPart,
};
use imgc_core::shell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

mod copy_step;
mod run_step;
pub use run_step::interrupted;

/// One layer of the image to write.
#[derive(Debug)]
pub enum PlannedLayer {
    /// Taken as it is from a base image.
    Base(BaseLayer),
    /// Made by a step: written when the image is.
    New { changes: Changes, step: String },
    /// Made by a step and already written (a `run` step, or a step a `run` step runs on).
    Written { layer: BaseLayer, step: String },
}

/// The image to write: its layers in order and its config (without the new layers' diff_ids,
/// known once they are written).
#[derive(Debug)]
pub struct Plan {
    pub layers: Vec<PlannedLayer>,
    pub config: ImageConfig,
}

/// The state of a stage after some of its steps.
#[derive(Debug, Clone)]
struct Stage {
    tree: Tree,
    /// Indexes into the planner's layer list, in order.
    layers: Vec<usize>,
    config: ImageConfig,
    /// What `${name}` expands to: build arguments and environment.
    vars: BTreeMap<String, String>,
    shell: Vec<String>,
    /// The command came from the base image (a new entrypoint clears it, as builders do).
    cmd_inherited: bool,
    /// Build arguments and build-only variables declared in the stage: `run` steps get them.
    run_args: BTreeMap<String, String>,
    /// A later stage copies files from this one: `run` layers are extracted too.
    extract: bool,
    platform: Platform,
}

struct Planner<'a> {
    program: &'a Program,
    options: &'a Options,
    context: Context,
    platform_default: Platform,
    layers: Vec<Option<PlannedLayer>>,
    bases: HashMap<String, std::rc::Rc<BaseImage>>,
    /// Stages whose files a later stage copies: their base layers are extracted.
    extract: Vec<bool>,
    scratch: &'a Path,
    /// Runs `run` steps; made at the first one.
    runner: Option<super::run::Runner>,
    /// `run` steps carried out so far, to number their output.
    runs: usize,
}

/// Plans the image of `target` (an index into the program's stages).
pub fn plan(program: &Program, target: usize, options: &Options, scratch: &Path) -> Result<Plan, Error> {
    let needed = needed_stages(program, target);
    let mut extract = vec![false; program.stages.len()];
    for stage in needed.iter().filter_map(|&i| program.stages.get(i)) {
        for instruction in &stage.instructions {
            if let InstructionKind::Copy(copy) = &instruction.kind
                && let Some(CopySource::Stage(from)) = copy.from
            {
                mark_extract(program, from, &mut extract);
            }
        }
    }
    let context = Context::open(&options.context).map_err(Error::Failed)?;
    let platform_default = options.platform.clone().unwrap_or_else(Platform::host);
    let mut planner = Planner {
        program,
        options,
        context,
        platform_default,
        layers: Vec::new(),
        bases: HashMap::new(),
        extract,
        scratch,
        runner: None,
        runs: 0,
    };
    let mut states: Vec<Option<Stage>> = vec![None; program.stages.len()];
    for &index in &needed {
        let state = planner.stage(index, &states)?;
        states[index] = Some(state);
    }
    let state =
        states.get_mut(target).and_then(Option::take).ok_or_else(|| Error::Failed("no stage to build".into()))?;
    let mut layers: Vec<PlannedLayer> =
        state.layers.iter().filter_map(|&i| planner.layers.get_mut(i).and_then(Option::take)).collect();
    let mut config = state.config;
    if layers.is_empty() {
        // A manifest lists at least one layer (the OCI schema says so): an empty one.
        let step = "imgc: empty layer".to_string();
        config.history.push(History {
            created: Some(super::config::rfc3339(options.epoch)),
            created_by: Some(step.clone()),
            comment: Some("imgc".to_string()),
            empty_layer: false,
        });
        layers.push(PlannedLayer::New { changes: Changes::default(), step });
    }
    Ok(Plan { layers, config })
}

/// The stages `target` depends on and itself, each after its dependencies.
pub(crate) fn needed_stages(program: &Program, target: usize) -> Vec<usize> {
    fn visit(program: &Program, index: usize, seen: &mut Vec<bool>, order: &mut Vec<usize>) {
        if index >= seen.len() || seen[index] {
            return;
        }
        seen[index] = true;
        let stage = &program.stages[index];
        if let Base::Stage(base) = stage.base {
            visit(program, base, seen, order);
        }
        for instruction in &stage.instructions {
            match &instruction.kind {
                InstructionKind::Copy(copy) => {
                    if let Some(CopySource::Stage(from)) = copy.from {
                        visit(program, from, seen, order);
                    }
                }
                InstructionKind::Run(run) => {
                    let froms = run.mounts.iter().flat_map(|m| &m.options).filter(|(name, _)| name == "from");
                    for (_, from) in froms {
                        if let Some(from) = stage_index(program, &from.display()) {
                            visit(program, from, seen, order);
                        }
                    }
                }
                _ => {}
            }
        }
        order.push(index);
    }
    let mut seen = vec![false; program.stages.len()];
    let mut order = Vec::new();
    visit(program, target, &mut seen, &mut order);
    order
}

/// The stage a mount's `from` names, as the emitter writes it: its Dockerfile name or index.
fn stage_index(program: &Program, from: &str) -> Option<usize> {
    program
        .stages
        .iter()
        .position(|s| s.dockerfile_name.as_deref() == Some(from))
        .or_else(|| from.parse::<usize>().ok().filter(|&i| i < program.stages.len()))
}

fn mark_extract(program: &Program, index: usize, extract: &mut [bool]) {
    if let Some(flag) = extract.get_mut(index) {
        *flag = true;
        if let Some(Base::Stage(base)) = program.stages.get(index).map(|s| &s.base) {
            mark_extract(program, *base, extract);
        }
    }
}

impl Planner<'_> {
    fn stage(&mut self, index: usize, states: &[Option<Stage>]) -> Result<Stage, Error> {
        let ir_stage = &self.program.stages[index];
        // Builders set the platform arguments; a stage sees those it declares.
        let mut vars: BTreeMap<String, String> =
            super::platform::automatic_args(&self.platform_default, &Platform::host()).into_iter().collect();
        for arg in &self.program.args {
            let value = arg.default.as_ref().map(|d| expand(d, &vars)).or_else(|| vars.get(&arg.name).cloned());
            vars.insert(arg.name.clone(), value.unwrap_or_default());
        }
        let platform = match &ir_stage.platform {
            Some(text) => Platform::parse(&expand(text, &vars)).map_err(Error::Failed)?,
            None => self.platform_default.clone(),
        };
        let mut state = match &ir_stage.base {
            Base::Scratch => {
                let mut config = ImageConfig {
                    os: platform.os.clone(),
                    architecture: platform.architecture.clone(),
                    variant: platform.variant.clone(),
                    ..ImageConfig::default()
                };
                // BuildKit gives an image built from scratch the default PATH.
                config.config.set_env("PATH", DEFAULT_PATH);
                Stage {
                    tree: Tree::default(),
                    layers: Vec::new(),
                    config,
                    vars: BTreeMap::new(),
                    shell: default_shell(),
                    cmd_inherited: false,
                    run_args: BTreeMap::new(),
                    extract: false,
                    platform: platform.clone(),
                }
            }
            Base::Stage(base) => {
                let mut state = states.get(*base).cloned().flatten().ok_or_else(|| {
                    Error::Failed(format!("stage {base} was not built before the stage that uses it"))
                })?;
                state.cmd_inherited = state.config.config.cmd.is_some();
                // A stage's build arguments are its own, as a Dockerfile's `ARG`s are.
                state.run_args.clear();
                state
            }
            Base::Image(text) => self.image_stage(&expand(text, &vars), &platform, index)?,
        };
        for (key, value) in state.config.config.env.iter().flatten().filter_map(|e| e.split_once('=')) {
            vars.entry(key.to_string()).or_insert_with(|| value.to_string());
        }
        state.vars.extend(vars);
        state.extract = self.extract[index];
        for instruction in &ir_stage.instructions {
            self.step(&mut state, instruction, states)?;
            if super::run::interrupted() {
                return Err(run_step::interrupted());
            }
        }
        Ok(state)
    }

    /// A stage on an image: its tree, layers and config.
    fn image_stage(&mut self, name: &str, platform: &Platform, index: usize) -> Result<Stage, Error> {
        let image = self.base_image(name, platform)?;
        let mut tree = Tree::default();
        let extract_dir = if self.extract[index] {
            let dir = self.scratch.join(format!("stage-{index}"));
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::Failed(format!("cannot create `{}`: {e}", dir.display())))?;
            Some(dir)
        } else {
            None
        };
        self.apply_layers(&image.layers, &mut tree, extract_dir.as_deref())?;
        let mut layers = Vec::new();
        for layer in &image.layers {
            layers.push(self.layers.len());
            self.layers.push(Some(PlannedLayer::Base(layer.clone())));
        }
        let mut config = image.config.clone();
        config.created = None;
        Ok(Stage {
            tree,
            layers,
            cmd_inherited: config.config.cmd.is_some(),
            shell: config.config.shell.clone().unwrap_or_else(default_shell),
            config,
            vars: BTreeMap::new(),
            run_args: BTreeMap::new(),
            extract: false,
            platform: platform.clone(),
        })
    }

    fn base_image(&mut self, name: &str, platform: &Platform) -> Result<std::rc::Rc<BaseImage>, Error> {
        let key = format!("{name}@{platform}");
        if let Some(image) = self.bases.get(&key) {
            return Ok(image.clone());
        }
        let mapped = self.options.base_images.iter().find(|(n, _)| same_image(n, name)).map(|(_, l)| l.as_str());
        let local = match mapped {
            Some(location) if super::daemon::is_local_store(location) => Some(self.local_store(location)?),
            None if super::daemon::is_local_store(name) => Some(self.local_store(name)?),
            Some(location) => Some(LocalRef::parse(location, Path::new(".")).ok_or_else(|| {
                Error::Failed(format!(
                    "`{location}` is not a local image: write oci:DIR[:TAG], oci-archive:FILE[:TAG], \
                     docker-daemon:NAME or containers-storage:NAME"
                ))
            })?),
            None => LocalRef::parse(name, &self.options.context),
        };
        let pinned = self.options.pins.get(name).and_then(|p| p.get(&platform.to_string()));
        let image = match (local, pinned) {
            (Some(local), Some(digest)) => {
                base::open_pinned(&local, digest, platform, self.scratch).map_err(Error::Failed)?
            }
            (Some(local), None) => base::open(&local, platform, self.scratch).map_err(Error::Failed)?,
            (None, Some(digest)) => self.pull(&super::resolve::by_digest(name, digest), platform)?,
            (None, None) => self.pull(name, platform)?,
        };
        let image = std::rc::Rc::new(image);
        self.bases.insert(key, image.clone());
        Ok(image)
    }

    /// An image of the docker engine or containers-storage, as a layout in the cache.
    fn local_store(&self, text: &str) -> Result<LocalRef, Error> {
        let cache = match &self.options.cache_dir {
            Some(dir) => dir.clone(),
            None => super::default_cache_dir()
                .ok_or_else(|| Error::Failed("no cache directory: set XDG_CACHE_HOME or HOME".into()))?,
        };
        let (dir, tag) = super::daemon::layout(text, &cache).map_err(Error::Failed)?;
        Ok(LocalRef::Layout { dir, tag: Some(tag) })
    }

    /// A base image from its registry, through the blob cache.
    #[cfg(feature = "registry")]
    fn pull(&self, name: &str, platform: &Platform) -> Result<BaseImage, Error> {
        let cache = match &self.options.cache_dir {
            Some(dir) => dir.clone(),
            None => super::default_cache_dir()
                .ok_or_else(|| Error::Failed("no cache directory: set XDG_CACHE_HOME or HOME".into()))?,
        };
        let manifest =
            super::registry::pull(name, platform, &cache, self.options.authfile.as_deref()).map_err(|e| {
                Error::Failed(format!("{e}\n(to use a local copy instead: `--base-image {name}=oci:DIR[:TAG]`)"))
            })?;
        base::from_manifest(&cache, &manifest, platform).map_err(Error::Failed)
    }

    #[cfg(not(feature = "registry"))]
    fn pull(&self, name: &str, _: &Platform) -> Result<BaseImage, Error> {
        Err(Error::Failed(format!(
            "the base image `{name}` is not available: this imgc reads base images from OCI layouts and \
             archives only; map it with `--base-image {name}=oci:DIR[:TAG]`, or write `from \"oci:DIR:TAG\"`"
        )))
    }

    fn step(&mut self, state: &mut Stage, instruction: &Instruction, states: &[Option<Stage>]) -> Result<(), Error> {
        let text = instruction_text(self.program, instruction, &instruction.kind, &state.shell);
        let config = &mut state.config.config;
        let mut layer: Option<Changes> = None;
        let mut written: Option<BaseLayer> = None;
        match &instruction.kind {
            InstructionKind::Arg(def) => {
                let value = match &def.default {
                    Some(default) => expand(default, &state.vars),
                    None => state.vars.get(&def.name).cloned().unwrap_or_default(),
                };
                state.vars.insert(def.name.clone(), value.clone());
                state.run_args.insert(def.name.clone(), value);
            }
            InstructionKind::Env { scope, vars } => {
                for (name, value) in vars {
                    let value = expand(value, &state.vars);
                    if *scope != EnvScope::Runtime {
                        state.vars.insert(name.clone(), value.clone());
                    }
                    if *scope == EnvScope::Build {
                        state.run_args.insert(name.clone(), value.clone());
                    }
                    if *scope != EnvScope::Build {
                        config.set_env(name, &value);
                    }
                }
            }
            InstructionKind::Workdir(path) => {
                let current = config.working_dir.clone().unwrap_or_else(|| "/".to_string());
                let dir = absolute(&current, &expand(path, &state.vars));
                config.working_dir = Some(dir.clone());
                layer = copy::make_dir(&mut state.tree, &dir);
            }
            InstructionKind::User(user) => config.user = Some(expand(user, &state.vars)),
            InstructionKind::Expose(ports) => {
                let exposed = config.exposed_ports.get_or_insert_with(BTreeMap::new);
                for port in ports {
                    let port = expand(port, &state.vars);
                    let port = if port.contains('/') { port } else { format!("{port}/tcp") };
                    exposed.insert(port, Empty {});
                }
            }
            InstructionKind::Label(labels) => {
                let map = config.labels.get_or_insert_with(BTreeMap::new);
                for (key, value) in labels {
                    map.insert(key.clone(), expand(value, &state.vars));
                }
            }
            InstructionKind::Volume(paths) => {
                let volumes = config.volumes.get_or_insert_with(BTreeMap::new);
                for path in paths {
                    volumes.insert(expand(path, &state.vars), Empty {});
                }
            }
            InstructionKind::Cmd(command) => {
                config.cmd = Some(argv(command, &state.shell, &state.vars));
                state.cmd_inherited = false;
            }
            InstructionKind::Entrypoint(command) => {
                config.entrypoint = Some(argv(command, &state.shell, &state.vars));
                if state.cmd_inherited {
                    config.cmd = None;
                    state.cmd_inherited = false;
                }
            }
            InstructionKind::Healthcheck(health) => {
                config.healthcheck = Some(health_config(health.as_ref(), &state.vars));
            }
            InstructionKind::StopSignal(signal) => config.stop_signal = Some(expand(signal, &state.vars)),
            InstructionKind::Maintainer(name) => state.config.author = Some(name.display()),
            InstructionKind::Shell(words) => {
                state.shell = words.clone();
                config.shell = Some(words.clone());
            }
            InstructionKind::OnBuild(inner) => {
                let trigger = instruction_text(self.program, instruction, inner, &state.shell);
                config.on_build.get_or_insert_with(Vec::new).extend(trigger);
            }
            InstructionKind::Copy(ir_copy) => layer = Some(self.copy_step(state, instruction, ir_copy, states)?),
            InstructionKind::Run(run) => {
                let emitted = text.as_deref().unwrap_or_default();
                written = self.run_step(state, instruction, run, emitted, states)?;
            }
            InstructionKind::LayerBoundary => {}
        }
        let Some(text) = text else { return Ok(()) };
        let created = Some(super::config::rfc3339(self.options.epoch));
        let history = History {
            created,
            created_by: Some(text.clone()),
            comment: Some("imgc".to_string()),
            empty_layer: layer.is_none() && written.is_none(),
        };
        state.config.history.push(history);
        if let Some(changes) = layer {
            state.layers.push(self.layers.len());
            self.layers.push(Some(PlannedLayer::New { changes, step: text }));
        } else if let Some(layer) = written {
            state.layers.push(self.layers.len());
            self.layers.push(Some(PlannedLayer::Written { layer, step: text }));
        }
        Ok(())
    }
}

fn copy_error(instruction: &Instruction, error: SourceError) -> Error {
    let (code, message, label) = match error {
        SourceError::Escapes(message) => (Code::ContextEscape, message, "this source is outside the context"),
        SourceError::NotFound(message) => (Code::CopySourceNotFound, message, "this copy has no source"),
        SourceError::Io(message) => return Error::Failed(message),
    };
    let mut diagnostic = Diagnostic::error(code, message).with_label(instruction.span, label).with_help(match code {
        Code::ContextEscape => "copy only files inside the build context (the directory given with --context)",
        _ => "check the path, and that .dockerignore does not exclude it",
    });
    if instruction.origin != instruction.span {
        diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
    }
    Error::Program(vec![diagnostic])
}

/// Whether two image names mean the same image (`debian` is `docker.io/library/debian:latest`).
fn same_image(a: &str, b: &str) -> bool {
    fn normal(name: &str) -> String {
        let mut name = name.to_string();
        let last = name.rsplit('/').next().unwrap_or_default();
        if !last.contains(':') && !name.contains('@') {
            name.push_str(":latest");
        }
        if !name.contains('/') {
            name = format!("library/{name}");
        }
        let first = name.split('/').next().unwrap_or_default();
        if !(first.contains('.') || first.contains(':') || first == "localhost") {
            name = format!("docker.io/{name}");
        }
        name
    }
    normal(a) == normal(b)
}

fn default_shell() -> Vec<String> {
    vec!["/bin/sh".to_string(), "-c".to_string()]
}

/// `path` made absolute against `dir`, cleaned; a trailing `/` is kept off.
fn absolute(dir: &str, path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{dir}/{path}") };
    super::dockerignore::clean(&joined)
}

/// A word the builder expands: `$name`, `${name}`, `${name:-word}`, `${name:+word}` in code
/// parts; values verbatim; build arguments by their values (empty when unset).
pub fn expand(text: &Text, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for part in &text.0 {
        match part {
            TextPart::Value(s) => out.push_str(s),
            TextPart::Arg(name) => out.push_str(vars.get(name).map_or("", String::as_str)),
            TextPart::Code(s) => expand_code(s, vars, &mut out),
        }
    }
    out
}

fn expand_code(code: &str, vars: &BTreeMap<String, String>, out: &mut String) {
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    let lookup = |name: &str| vars.get(name).cloned().unwrap_or_default();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
        } else if c == '$' && chars.get(i + 1) == Some(&'{') {
            let Some(close) = chars[i + 2..].iter().position(|&c| c == '}') else {
                out.extend(&chars[i..]);
                return;
            };
            let inner: String = chars[i + 2..i + 2 + close].iter().collect();
            let value = match inner.split_once(':') {
                Some((name, word)) if word.starts_with('-') => {
                    let value = lookup(name);
                    if value.is_empty() { word[1..].to_string() } else { value }
                }
                Some((name, word)) if word.starts_with('+') => {
                    if lookup(name).is_empty() {
                        String::new()
                    } else {
                        word[1..].to_string()
                    }
                }
                _ => lookup(&inner),
            };
            out.push_str(&value);
            i += close + 3;
        } else if c == '$' && chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == '_') {
            let len = chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').count();
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            out.push_str(&lookup(&name));
            i += len + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
}

/// A shell command as the shell reads it, build arguments replaced by their quoted values.
fn script(text: &Text, vars: &BTreeMap<String, String>) -> String {
    let parts = text.0.iter().map(|part| match part {
        TextPart::Arg(name) => TextPart::Value(vars.get(name).cloned().unwrap_or_default()),
        other => other.clone(),
    });
    shell::render(&Text(parts.collect()))
}

/// The argument vector of a command: exec form as written, shell form through the stage's shell.
fn argv(command: &Command, shell: &[String], vars: &BTreeMap<String, String>) -> Vec<String> {
    match command {
        Command::Exec(words) => words.iter().map(|w| expand(w, vars)).collect(),
        Command::Shell(text) => {
            shell.iter().cloned().chain(std::iter::once(script(text, vars).trim().to_string())).collect()
        }
        Command::Chain(texts) => shell.iter().cloned().chain(std::iter::once(chain(texts, vars))).collect(),
        // Only a `run` has a here-document, and `imgc build` does not run steps.
        Command::Heredoc(heredoc) => vec![heredoc.content.display()],
    }
}

/// Commands joined with `&&`, as the merge-runs pass means them.
fn chain(texts: &[Text], vars: &BTreeMap<String, String>) -> String {
    texts.iter().map(|t| script(t, vars).trim().to_string()).collect::<Vec<_>>().join(" && ")
}

fn health_config(health: Option<&Healthcheck>, vars: &BTreeMap<String, String>) -> HealthConfig {
    let Some(health) = health else {
        return HealthConfig { test: vec!["NONE".to_string()], ..HealthConfig::default() };
    };
    let test = match &health.command {
        Command::Exec(words) => {
            std::iter::once("CMD".to_string()).chain(words.iter().map(|w| expand(w, vars))).collect()
        }
        Command::Shell(text) => vec!["CMD-SHELL".to_string(), script(text, vars).trim().to_string()],
        Command::Chain(texts) => vec!["CMD-SHELL".to_string(), chain(texts, vars)],
        Command::Heredoc(heredoc) => vec!["CMD-SHELL".to_string(), heredoc.content.display()],
    };
    let nanos = |ms: Option<u64>| ms.map(|ms| ms.saturating_mul(1_000_000));
    HealthConfig {
        test,
        interval: nanos(health.interval_ms),
        timeout: nanos(health.timeout_ms),
        start_period: nanos(health.start_period_ms),
        start_interval: nanos(health.start_interval_ms),
        retries: health.retries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_expands_variables_values_do_not() {
        let vars: BTreeMap<String, String> =
            [("HOME".to_string(), "/root".to_string()), ("v".to_string(), "1.2".to_string())].into();
        let text = Text(vec![
            TextPart::Code("$HOME/${v}-${missing:-x}${v:+y}\\$HOME".into()),
            TextPart::Value("$HOME".into()),
            TextPart::Arg("v".into()),
        ]);
        assert_eq!(expand(&text, &vars), "/root/1.2-xy$HOME$HOME1.2");
    }

    #[test]
    fn image_names_are_compared_in_full() {
        assert!(same_image("debian:bookworm-slim", "docker.io/library/debian:bookworm-slim"));
        assert!(same_image("busybox", "busybox:latest"));
        assert!(!same_image("debian:12", "debian:11"));
        assert!(same_image("localhost:5000/app:1", "localhost:5000/app:1"));
    }

    #[test]
    fn paths_are_made_absolute_against_the_workdir() {
        assert_eq!(absolute("/app", "bin/"), "/app/bin");
        assert_eq!(absolute("/app", "/etc/x"), "/etc/x");
        assert_eq!(absolute("/", "."), "/");
    }
}
