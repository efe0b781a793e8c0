//! `run` steps: each command runs in a runc container whose root is the stage's layers stacked
//! with overlayfs, and what it writes becomes the step's layer.
//!
//! [`Runner::run`] looks the step up in the run cache (keyed by the parent layers, the step as
//! emitted, its environment, user, directory, network and mounts, never a secret's bytes), else
//! unpacks the parent layers once each ([`store`]), mounts the overlay ([`overlay`]), prepares
//! the step's mounts ([`mounts`]), writes the runtime spec ([`spec`]) and runs it ([`runc`]);
//! then reads the upper dir back as a layer ([`whiteout`]). Every mount, container and
//! temporary folder is gone when it returns, whatever happened.
//!
//! Depends on the OCI writer's layer, tree and base modules; never on the planner.

mod cdi;
mod context_view;
mod mounts;
mod overlay;
mod runc;
mod spec;
mod store;
mod sweep;
mod unpacked_tree;
mod user;
mod view;
mod whiteout;
mod xattr;

pub use mounts::Request as MountRequest;
pub use runc::{Ending, Interrupts, interrupted};
pub use sweep::{prefix as stale_prefix, sweep_staging};

/// Applies `layers` to `tree`, each from its unpacked folder in the cache at `cache_dir` when it
/// has one (a walk: fast), else from its blob (`extract`: where file contents go then).
pub fn apply_layers(
    layers: &[BaseLayer],
    tree: &mut Tree,
    extract: Option<&Path>,
    cache_dir: Option<&Path>,
) -> Result<(), String> {
    for (n, layer) in layers.iter().enumerate() {
        match cache_dir.and_then(|dir| unpacked_tree::find(dir, &layer.digest)) {
            Some(dir) => unpacked_tree::apply(&dir, tree)
                .map_err(|e| format!("cannot read the unpacked layer `{}`: {e}", dir.display()))?,
            None => {
                // A folder a layer: file names restart with each layer.
                let extract = extract.map(|dir| dir.join(format!("layer-{n}")));
                if let Some(dir) = &extract {
                    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
                }
                super::base::apply_layers(std::slice::from_ref(layer), tree, extract.as_deref())?;
            }
        }
    }
    Ok(())
}

use super::base::{BaseLayer, blob_path};
use super::layer::Compression;
use super::tree::{Kind, Tree};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bump when what a run step produces changes, so old cache records are not used.
const VERSION: &str = "imgc-run-cache-3";

/// Where a secret's bytes come from (`--secret id=NAME,src=FILE|env=VAR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    File(PathBuf),
    Env(String),
}

/// What run steps may use from the host.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub secrets: Vec<(String, SecretSource)>,
    /// The ssh agent socket forwarded to `ssh` mounts (`--ssh default`: `SSH_AUTH_SOCK`).
    pub ssh: Option<PathBuf>,
    /// The OCI runtime (runc's command line); `runc` on PATH when `None`.
    pub runtime: Option<PathBuf>,
    /// Steps with `security insecure` may run with every capability (`--allow security.insecure`).
    pub allow_insecure: bool,
    /// Where CDI device specs are read (`/etc/cdi` and `/var/run/cdi` when empty).
    pub cdi_spec_dirs: Vec<PathBuf>,
}

/// Parses `id=NAME,src=FILE`, `id=NAME,env=VAR` (or `source=`, `type=file|env`).
pub fn parse_secret(text: &str) -> Result<(String, SecretSource), String> {
    let mut id = None;
    let mut source = None;
    for field in text.split(',') {
        match field.split_once('=') {
            Some(("id", value)) => id = Some(value.to_string()),
            Some(("src" | "source", value)) => source = Some(SecretSource::File(PathBuf::from(value))),
            Some(("env", value)) => source = Some(SecretSource::Env(value.to_string())),
            Some(("type", "file" | "env")) => {}
            _ => return Err(format!("`{field}`: write id=NAME,src=FILE or id=NAME,env=VAR")),
        }
    }
    let id = id.ok_or("a secret needs an `id=`")?;
    let source = source.unwrap_or_else(|| SecretSource::Env(id.clone()));
    Ok((id, source))
}

/// Why a run step did not give a layer.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// The command failed: how it ended and its last lines of output.
    Failed {
        ending: Ending,
        tail: Vec<String>,
    },
    /// runc, overlayfs or root is missing.
    Runtime(String),
    /// A secret or ssh agent the step needs is not there.
    Secret(String),
    /// A path a mount needs is not in what it mounts from.
    SourceNotFound(String),
    /// A mount setting or user that does not fit (E0020).
    Invalid(String),
    Other(String),
}

/// A run step, everything expanded.
pub struct Step<'a> {
    /// The step's number in the build, shown before each line of its output.
    pub number: usize,
    /// The step as the Dockerfile writes it (part of the cache key).
    pub text: &'a str,
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub user: String,
    pub cwd: String,
    pub network_none: bool,
    /// `security insecure`: every capability, `/sys` writable.
    pub privileged: bool,
    /// A here-document with a `#!` line: its name and text, run as `/dev/pipes/NAME`.
    pub script: Option<(String, String)>,
    /// CDI devices: name and whether the step must have it.
    pub devices: Vec<(String, bool)>,
    pub mounts: Vec<MountRequest>,
    /// The stage's layers so far, bottom first, all written.
    pub parents: Vec<BaseLayer>,
    /// The stage's files before the step.
    pub tree: &'a Tree,
}

/// Runs steps for one build.
pub struct Runner {
    store: store::Store,
    context: PathBuf,
    use_cache: bool,
    compression: Compression,
    epoch: u64,
    options: RunOptions,
}

static CONTAINERS: AtomicUsize = AtomicUsize::new(0);

impl Runner {
    /// A runner on `cache_dir`, which it first sweeps of what killed builds left.
    pub fn new(
        cache_dir: PathBuf,
        context: &Path,
        use_cache: bool,
        compression: Compression,
        epoch: u64,
        options: RunOptions,
    ) -> Runner {
        sweep::sweep(&cache_dir.join("tmp"), runc::find(options.runtime.as_deref()).ok().as_deref());
        Runner {
            store: store::Store::new(cache_dir),
            context: context.to_path_buf(),
            use_cache,
            compression,
            epoch,
            options,
        }
    }

    /// Writes a layer made by another step into the store (so a step can run on it).
    pub fn write_layer(&self, changes: &super::layer::Changes) -> Result<BaseLayer, String> {
        let (blob, path) = self.store.write(changes, self.compression, self.epoch)?;
        Ok(self.base_layer(blob, path))
    }

    fn base_layer(&self, blob: super::layer::LayerBlob, path: PathBuf) -> BaseLayer {
        BaseLayer {
            blob: path,
            digest: blob.digest,
            size: blob.size,
            media_type: self.compression.media_type().to_string(),
            diff_id: blob.diff_id,
        }
    }

    /// Runs `step`; its layer, `None` when it changed no file.
    pub fn run(&self, step: &Step) -> Result<Option<BaseLayer>, RunError> {
        let work = self.store.temp_dir("run").map_err(|e| RunError::Other(format!("cannot create a folder: {e}")))?;
        if step.privileged && !self.options.allow_insecure {
            return Err(RunError::Secret(
                "the step asks for `security insecure`: allow it with `--allow security.insecure`".into(),
            ));
        }
        let unpack = |layer: &BaseLayer| self.store.unpacked(layer);
        let mut mounts = mounts::prepare(
            &step.mounts,
            &step.cwd,
            self.store.dir(),
            &self.context,
            &self.options,
            work.path(),
            &unpack,
        )?;
        if let Some((name, text)) = &step.script {
            mounts::script(name, text, work.path(), &mut mounts)?;
        }
        let spec_dirs = if self.options.cdi_spec_dirs.is_empty() {
            cdi::DEFAULT_SPEC_DIRS.iter().map(PathBuf::from).collect()
        } else {
            self.options.cdi_spec_dirs.clone()
        };
        let devices = cdi::apply(&step.devices, &spec_dirs)?;
        mounts.key.extend(devices.key.iter().map(|d| format!("device {d}")));
        let key = self.key(step, &mounts.key);
        if self.use_cache
            && let Some(cached) = self.cached(&key)
        {
            eprintln!("#{} CACHED {}", step.number, step.text);
            return Ok(cached);
        }
        eprintln!("#{} {}", step.number, step.text);
        let runc = runc::find(self.options.runtime.as_deref()).map_err(RunError::Runtime)?;
        let lowers: Vec<PathBuf> =
            step.parents.iter().map(|l| self.store.unpacked(l)).collect::<Result<_, _>>().map_err(RunError::Other)?;
        let overlay = overlay::Overlay::mount(&lowers, work.path()).map_err(RunError::Runtime)?;
        let root = overlay.merged().to_path_buf();
        let ids = self.user(step, &root)?;
        let hosts = work.path().join("hosts");
        std::fs::write(&hosts, spec::hosts_file()).map_err(|e| RunError::Other(e.to_string()))?;
        let resolv_conf = if Path::new("/etc/resolv.conf").exists() {
            PathBuf::from("/etc/resolv.conf")
        } else {
            let empty = work.path().join("resolv.conf");
            std::fs::write(&empty, "").map_err(|e| RunError::Other(e.to_string()))?;
            empty
        };
        let mut env = step.env.clone();
        env.extend(mounts.env.iter().cloned());
        env.extend(devices.env.iter().cloned());
        let mut container_mounts = mounts.mounts.clone();
        container_mounts.extend(devices.mounts.iter().cloned());
        let container = spec::Container {
            root: &root,
            args: step.args.clone(),
            env,
            cwd: step.cwd.clone(),
            ids,
            network_none: step.network_none,
            privileged: if step.privileged { Some(host_capabilities()?) } else { None },
            hosts: &hosts,
            resolv_conf: &resolv_conf,
            mounts: container_mounts,
            devices: devices.devices.clone(),
        };
        let spec = spec::spec(container).map_err(RunError::Other)?;
        let bundle = work.path().join("bundle");
        std::fs::create_dir_all(&bundle).map_err(|e| RunError::Other(e.to_string()))?;
        spec.save(bundle.join("config.json")).map_err(|e| RunError::Other(e.to_string()))?;
        let id = format!(
            "{}{}-{}",
            sweep::container_prefix(),
            CONTAINERS.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        );
        let finished = runc::run(&runc, &bundle, &id, &format!("#{} | ", step.number)).map_err(RunError::Runtime)?;
        let mount_targets = mounts.targets.clone();
        drop(mounts);
        overlay.unmount().map_err(|e| RunError::Other(format!("cannot unmount the step's file system: {e}")))?;
        if finished.ending != Ending::Exited(0) {
            return Err(RunError::Failed { ending: finished.ending, tail: finished.tail });
        }
        let upper = work.path().join("upper");
        // The runtime's own mount points (`/proc`, `/dev`, `/sys`) are not stubs: where the stage
        // has none, runc makes them and they stay in the layer as empty folders, as BuildKit
        // leaves them (its MountStubsCleaner takes the files it binds and the step's mounts).
        let mut targets = vec!["/etc/hosts".to_string(), "/etc/resolv.conf".to_string()];
        targets.extend(mount_targets);
        remove_stubs(&upper, step.tree, &targets);
        let changes =
            whiteout::changes(&upper).map_err(|e| RunError::Other(format!("cannot read the step's changes: {e}")))?;
        let layer = if changes.entries.is_empty() && changes.whiteouts.is_empty() {
            None
        } else {
            let (blob, path) = self.store.write(&changes, self.compression, self.epoch).map_err(RunError::Other)?;
            // The upper dir is the layer in overlay's form: it is the next steps' lower dir.
            self.store.adopt(&upper, &blob.digest).map_err(RunError::Other)?;
            Some(self.base_layer(blob, path))
        };
        self.record(&key, layer.as_ref());
        Ok(layer)
    }

    fn user(&self, step: &Step, root: &Path) -> Result<user::Ids, RunError> {
        let read = |path: &str| {
            step.tree
                .resolve(path, true)
                .and_then(|resolved| std::fs::read_to_string(root.join(resolved)).ok())
                .unwrap_or_default()
        };
        user::resolve(&step.user, &read("etc/passwd"), &read("etc/group")).map_err(RunError::Invalid)
    }

    fn key(&self, step: &Step, mount_keys: &[String]) -> String {
        let mut hasher = super::digest::HashWriter::new(std::io::sink());
        let _ = writeln!(hasher, "{VERSION} {:?} {}", self.compression, self.epoch);
        for parent in &step.parents {
            let _ = writeln!(hasher, "parent {}", parent.diff_id);
        }
        let _ = writeln!(hasher, "step {:?}", step.text);
        let _ = writeln!(hasher, "args {:?}", step.args);
        let _ = writeln!(hasher, "env {:?}", step.env);
        let _ = writeln!(hasher, "user {:?} cwd {:?} network-none {}", step.user, step.cwd, step.network_none);
        let _ = writeln!(hasher, "privileged {} script {:?}", step.privileged, step.script);
        for mount in mount_keys {
            let _ = writeln!(hasher, "mount {mount}");
        }
        hasher.finish().1.trim_start_matches("sha256:").to_string()
    }

    fn record_path(&self, key: &str) -> PathBuf {
        self.store.dir().join("runs").join(key)
    }

    /// The cached result of a step: `Some(None)` for a step that changed nothing.
    fn cached(&self, key: &str) -> Option<Option<BaseLayer>> {
        let text = std::fs::read_to_string(self.record_path(key)).ok()?;
        if text.trim() == "empty" {
            return Some(None);
        }
        let mut fields = text.split_whitespace();
        let (diff_id, digest, size) = (fields.next()?, fields.next()?, fields.next()?.parse().ok()?);
        let path = blob_path(self.store.dir(), digest);
        (std::fs::metadata(&path).ok()?.len() == size).then(|| {
            Some(self.base_layer(
                super::layer::LayerBlob { diff_id: diff_id.to_string(), digest: digest.to_string(), size },
                path,
            ))
        })
    }

    /// Failing to record is not an error: the next build runs the step again.
    fn record(&self, key: &str, layer: Option<&BaseLayer>) {
        let path = self.record_path(key);
        let text = match layer {
            Some(l) => format!("{} {} {}\n", l.diff_id, l.digest, l.size),
            None => "empty\n".to_string(),
        };
        let temp = path.with_extension(format!("partial-{}", std::process::id()));
        let _ = std::fs::create_dir_all(path.parent().unwrap_or(self.store.dir()))
            .and_then(|()| std::fs::write(&temp, text))
            .and_then(|()| std::fs::rename(&temp, &path));
    }
}

/// The capabilities imgc may hand on (its bounding set), as a mask: bit N is capability N.
fn host_capabilities() -> Result<u64, RunError> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| RunError::Other(e.to_string()))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapBnd:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .ok_or_else(|| RunError::Other("no CapBnd line in /proc/self/status".into()))
}

/// Removes what runc created in the upper dir only to mount something there (a mount point that
/// did not exist in the stage) at `targets`, and the copied-up directories left empty by that,
/// as BuildKit removes its mount stubs.
fn remove_stubs(upper: &Path, tree: &Tree, targets: &[String]) {
    for target in targets {
        let clean = super::dockerignore::clean(target);
        let parts: Vec<&str> = super::tree::split(&clean);
        let Some(first_missing) = (1..=parts.len()).map(|n| parts[..n].join("/")).find(|p| tree.get(p).is_none())
        else {
            continue;
        };
        let stub = upper.join(&first_missing);
        if is_stub(&stub) {
            let _ = if stub.is_dir() { std::fs::remove_dir_all(&stub) } else { std::fs::remove_file(&stub) };
        }
        // Parents copied up only to hold the stub: empty, and as they are below.
        let mut parent = super::tree::parent(&first_missing).to_string();
        while !parent.is_empty() {
            let dir = upper.join(&parent);
            let unchanged = match (std::fs::symlink_metadata(&dir), tree.get(&parent)) {
                (Ok(meta), Some(node)) if matches!(node.kind, Kind::Dir) => {
                    use std::os::unix::fs::MetadataExt;
                    meta.is_dir()
                        && meta.mode() & 0o7777 == node.mode
                        && u64::from(meta.uid()) == node.uid
                        && u64::from(meta.gid()) == node.gid
                        && xattr::get(&dir, xattr::OPAQUE).ok().flatten().is_none()
                }
                _ => false,
            };
            if !unchanged || std::fs::remove_dir(&dir).is_err() {
                break;
            }
            parent = super::tree::parent(&parent).to_string();
        }
    }
}

/// An empty file, or a folder of empty folders and files.
fn is_stub(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    if meta.is_file() {
        return meta.len() == 0;
    }
    meta.is_dir() && std::fs::read_dir(path).is_ok_and(|entries| entries.flatten().all(|e| is_stub(&e.path())))
}

/// Empties the cache at `dir` (not while a build uses it); the bytes freed.
pub fn prune(dir: &Path) -> Result<u64, String> {
    fn size(path: &Path) -> u64 {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::symlink_metadata(path) else { return 0 };
        if meta.is_dir() {
            std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| size(&e.path())).sum::<u64>()
        } else {
            meta.blocks() * 512
        }
    }
    if !dir.exists() {
        return Ok(0);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut freed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let bytes = size(&path);
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|e| format!("cannot remove `{}`: {e}", path.display()))?;
        freed += bytes;
    }
    Ok(freed)
}

/// `1.5 GB`, `12 kB`.
pub fn human_size(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", units[unit]) }
}
