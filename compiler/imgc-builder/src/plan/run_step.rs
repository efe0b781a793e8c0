//! The planner's side of a `run` step: the command, environment, user, directory, network and
//! mounts worked out from the stage as BuildKit would apply them; the stage's earlier layers
//! written so the step can run on them; the step's layer applied to the stage's tree; the
//! runner's errors turned into diagnostics at the step's place.

use super::{Error, PlannedLayer, Planner, Stage, argv, expand};
use crate::base::BaseLayer;
use crate::config::DEFAULT_PATH;
use crate::platform::Platform;
use crate::run::{Ending, MountRequest, RunError, Runner, Step};
use imgc_core::diagnostics::{Code, Diagnostic};
use imgc_core::ir::{Command, Instruction, MountKind, Run};
use std::collections::BTreeMap;

/// Lines of a failing step's output repeated in its error.
const SHOWN_LINES: usize = 10;

pub fn interrupted() -> Error {
    Error::Program(vec![
        Diagnostic::error(Code::Interrupted, "the build was interrupted (SIGINT or SIGTERM)")
            .with_help("its container was stopped and its mounts and temporary files removed; nothing was written"),
    ])
}

impl Planner<'_> {
    fn runner(&mut self) -> Result<&Runner, Error> {
        if self.runner.is_none() {
            let cache_dir = match &self.options.cache_dir {
                Some(dir) => dir.clone(),
                None => crate::default_cache_dir()
                    .ok_or_else(|| Error::Failed("no cache directory: set XDG_CACHE_HOME or HOME".into()))?,
            };
            self.runner = Some(Runner::new(
                cache_dir,
                &self.options.context,
                self.options.layer_cache,
                self.options.compression,
                self.options.epoch,
                self.options.run.clone(),
            ));
        }
        self.runner.as_ref().ok_or_else(|| Error::Failed("no runner".into()))
    }

    /// Applies `layers` to `tree`: from their unpacked folders in the cache where they are (a
    /// rebuild reads no blob), else from their blobs, contents extracted to `extract`.
    pub(super) fn apply_layers(
        &self,
        layers: &[BaseLayer],
        tree: &mut crate::tree::Tree,
        extract: Option<&std::path::Path>,
    ) -> Result<(), Error> {
        let cache_dir = self.options.cache_dir.clone().or_else(crate::default_cache_dir);
        crate::run::apply_layers(layers, tree, extract, cache_dir.as_deref()).map_err(Error::Failed)
    }

    /// The stage's layers so far, each written (`copy` layers are written now, once, several at
    /// once).
    fn written_layers(&mut self, state: &Stage) -> Result<Vec<BaseLayer>, Error> {
        self.runner()?;
        let mut planned = Vec::new();
        for &index in &state.layers {
            match self.layers.get_mut(index).and_then(Option::take) {
                Some(layer) => planned.push((index, layer)),
                None => return Err(Error::Failed(format!("layer {index} is missing"))),
            }
        }
        let runner = self.runner.as_ref().ok_or_else(|| Error::Failed("no runner".into()))?;
        let jobs = crate::layer_set::jobs(self.options.layer_jobs);
        let written = crate::layer_set::in_order(planned, jobs, |_, (index, planned)| {
            let (layer, replaced) = match planned {
                PlannedLayer::Base(layer) => (layer.clone(), PlannedLayer::Base(layer)),
                PlannedLayer::Written { layer, step } => (layer.clone(), PlannedLayer::Written { layer, step }),
                PlannedLayer::New { changes, step } => {
                    let layer = runner
                        .write_layer(&changes)
                        .map_err(|e| Error::Failed(format!("cannot write the layer of `{step}`: {e}")))?;
                    (layer.clone(), PlannedLayer::Written { layer, step })
                }
            };
            Ok((index, layer, replaced))
        })?;
        let mut layers = Vec::new();
        for (index, layer, replaced) in written {
            self.layers[index] = Some(replaced);
            layers.push(layer);
        }
        Ok(layers)
    }

    /// The layers a bind mount's `from` names: an earlier stage (by its Dockerfile name or
    /// index) or an image.
    fn mount_source(
        &mut self,
        from: &str,
        states: &[Option<Stage>],
        platform: &Platform,
    ) -> Result<Vec<BaseLayer>, Error> {
        match super::stage_index(self.program, from) {
            Some(index) => {
                let stage = states
                    .get(index)
                    .and_then(Option::as_ref)
                    .ok_or_else(|| {
                        Error::Failed(format!("stage `{from}` was not built before the step that mounts it"))
                    })?
                    .clone();
                self.written_layers(&stage)
            }
            None => Ok(self.base_image(from, platform)?.layers.clone()),
        }
    }

    /// Runs a `run` step; its layer, `None` when it changed nothing.
    pub(super) fn run_step(
        &mut self,
        state: &mut Stage,
        instruction: &Instruction,
        run: &Run,
        emitted: &str,
        states: &[Option<Stage>],
    ) -> Result<Option<BaseLayer>, Error> {
        let mut script = None;
        let args = match &run.command {
            Command::Heredoc(heredoc) => {
                let content = heredoc.content.display();
                if content.starts_with("#!") {
                    // As BuildKit: the script is a file of its own, run by its interpreter.
                    let path = format!("/dev/pipes/{}", heredoc.name);
                    script = Some((heredoc.name.clone(), content));
                    vec![path]
                } else {
                    // As BuildKit: a here-document with no interpreter line is the shell's script.
                    state.shell.iter().cloned().chain(std::iter::once(content)).collect()
                }
            }
            command => argv(command, &state.shell, &state.vars),
        };
        let config = &state.config.config;
        let mut env: Vec<String> = config.env.clone().unwrap_or_default();
        let has = |env: &[String], name: &str| env.iter().any(|e| e.split_once('=').is_some_and(|(k, _)| k == name));
        if !has(&env, "PATH") {
            env.push(format!("PATH={DEFAULT_PATH}"));
        }
        for (name, value) in &state.run_args {
            if !has(&env, name) {
                env.push(format!("{name}={value}"));
            }
        }
        let mut mounts = Vec::new();
        for mount in &run.mounts {
            let options: BTreeMap<String, String> =
                mount.options.iter().map(|(k, v)| (k.clone(), expand(v, &state.vars))).collect();
            let from = match options.get("from") {
                Some(from) if mount.kind == MountKind::Bind => {
                    Some(self.mount_source(from, states, &state.platform)?)
                }
                _ => None,
            };
            mounts.push(MountRequest { kind: mount.kind, options, from });
        }
        let parents = self.written_layers(state)?;
        self.runs += 1;
        let step = Step {
            number: self.runs,
            text: emitted,
            args,
            env,
            user: config.user.clone().unwrap_or_default(),
            cwd: config.working_dir.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| "/".to_string()),
            network_none: run.network.as_deref() == Some("none"),
            privileged: run.security.as_deref() == Some("insecure"),
            script,
            devices: run.devices.iter().map(|d| (expand(&d.name, &state.vars), d.required)).collect(),
            mounts,
            parents,
            tree: &state.tree,
        };
        let result = self.runner()?.run(&step);
        let layer = result.map_err(|e| run_error(instruction, e))?;
        if let Some(layer) = &layer {
            let extract = if state.extract {
                let dir = self.scratch.join(format!("run-{}", self.layers.len()));
                std::fs::create_dir_all(&dir)
                    .map_err(|e| Error::Failed(format!("cannot create `{}`: {e}", dir.display())))?;
                Some(dir)
            } else {
                None
            };
            self.apply_layers(std::slice::from_ref(layer), &mut state.tree, extract.as_deref())?;
        }
        Ok(layer)
    }
}

fn run_error(instruction: &Instruction, error: RunError) -> Error {
    let at = |diagnostic: Diagnostic, label: &str| {
        let mut diagnostic = diagnostic.with_label(instruction.span, label);
        if instruction.origin != instruction.span {
            diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
        }
        Error::Program(vec![diagnostic])
    };
    match error {
        RunError::Failed { ending: Ending::Interrupted, .. } => interrupted(),
        RunError::Failed { ending, tail } => {
            let how = match ending {
                Ending::Exited(code) => format!("exited with status {code}"),
                Ending::Signal(signal) => format!("was killed by signal {signal}"),
                Ending::Interrupted => "was interrupted".to_string(),
            };
            let shown = &tail[tail.len().saturating_sub(SHOWN_LINES)..];
            let help = if shown.is_empty() {
                "the command printed nothing".to_string()
            } else {
                format!(
                    "its last lines of output:\n{}",
                    shown.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
                )
            };
            at(Diagnostic::error(Code::RunFailed, format!("the command {how}")).with_help(help), "this step failed")
        }
        RunError::Runtime(message) => at(
            Diagnostic::error(Code::NoContainerRuntime, format!("cannot run the step: {message}")).with_help(
                "`imgc build` runs `run` steps with runc on overlayfs, as root (Debian: `apt-get install runc`)",
            ),
            "this step runs a command",
        ),
        RunError::Secret(message) => at(Diagnostic::error(Code::MissingSecret, message), "this step mounts it"),
        RunError::SourceNotFound(message) => at(
            Diagnostic::error(Code::CopySourceNotFound, message)
                .with_help("mount a path that the stage or image has (`source` is a path inside it)"),
            "this step mounts it",
        ),
        RunError::Invalid(message) => at(
            Diagnostic::error(Code::InvalidLiteral, message)
                .with_help("the step's mounts and user must name what the stage has"),
            "this step",
        ),
        RunError::Other(message) => Error::Failed(message),
    }
}
