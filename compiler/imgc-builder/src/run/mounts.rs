//! A step's `--mount`s made real: `cache` (a folder kept under the cache dir by id, with the
//! `shared`, `private` and `locked` sharing modes), `tmpfs`, `secret` (the bytes on a tmpfs of
//! their own, bound read-only, or given as an environment variable), `bind` from the build
//! context (less what `.dockerignore` excludes; read-only, or a throw-away copy with `rw`) or from a stage or image (its layers on an
//! overlay of their own, writes thrown away), `ssh` (the agent socket of `--ssh`), and the
//! `/dev/pipes/` file a `#!` here-document runs as. Also what of each belongs in the step's cache
//! key: never a secret's bytes.
//!
//! Knows the host side of mounts; the container side is [`super::spec`]'s.

use super::context_view;
use super::overlay::Overlay;
use super::spec;
use super::{RunError, RunOptions, SecretSource};
use crate::base::BaseLayer;
use oci_spec::runtime::Mount;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

/// One `--mount`, its options expanded.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: imgc_core::ir::MountKind,
    pub options: BTreeMap<String, String>,
    /// The layers of the stage or image a bind mount comes `from`, bottom first.
    pub from: Option<Vec<BaseLayer>>,
}

/// The mounts of one step and what keeps them valid until it ends.
#[derive(Default)]
pub struct Prepared {
    pub mounts: Vec<Mount>,
    /// What the cache key must cover.
    pub key: Vec<String>,
    /// Variables the step gets (`SSH_AUTH_SOCK`, secrets given as variables): not in the key.
    pub env: Vec<String>,
    /// Where mounts land: cleared of stubs afterwards.
    pub targets: Vec<String>,
    /// Locks on `locked` caches and tmpfs mounts of secrets, released or unmounted on drop.
    locks: Vec<File>,
    tmpfs: Vec<PathBuf>,
    /// Stages and images bind-mounted `from`: unmounted on drop, before the tmpfs mounts.
    overlays: Vec<Overlay>,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        self.overlays.clear();
        for dir in &self.tmpfs {
            let _ = super::overlay::unmount(dir);
        }
        self.locks.clear();
    }
}

fn option<'a>(request: &'a Request, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| request.options.get(*n)).map(String::as_str)
}

fn flag(request: &Request, names: &[&str]) -> bool {
    names.iter().any(|n| request.options.get(*n).is_some_and(|v| v.is_empty() || v == "true"))
}

/// The `mode` setting, octal or symbolic (applied to `default`).
fn octal(request: &Request, default: u32, is_dir: bool) -> Result<u32, RunError> {
    match option(request, &["mode"]) {
        Some(text) => crate::chmod::Chmod::parse(text)
            .map(|mode| mode.apply(default, is_dir))
            .ok_or_else(|| RunError::Invalid(format!("`mode={text}` is not an octal or symbolic mode"))),
        None => Ok(default),
    }
}

fn id_option(request: &Request, name: &str) -> Result<u32, RunError> {
    match option(request, &[name]) {
        Some(text) => text.parse().map_err(|_| RunError::Invalid(format!("`{name}={text}` is not a number"))),
        None => Ok(0),
    }
}

/// Absolute inside the container, against the step's directory.
fn target(request: &Request, cwd: &str, default: Option<String>) -> Result<String, RunError> {
    let text = option(request, &["target", "dst", "destination"])
        .map(str::to_string)
        .or(default)
        .ok_or_else(|| RunError::Invalid(format!("a {} mount needs a `target`", request.kind.as_str())))?;
    let joined = if text.starts_with('/') { text } else { format!("{cwd}/{text}") };
    Ok(format!("/{}", crate::dockerignore::clean(&joined).trim_start_matches('/')))
}

fn io(what: &str, e: impl std::fmt::Display) -> RunError {
    RunError::Other(format!("{what}: {e}"))
}

/// Prepares every mount of a step; `scratch` is the step's own temporary folder.
pub fn prepare(
    requests: &[Request],
    cwd: &str,
    cache_dir: &Path,
    context: &Path,
    options: &RunOptions,
    scratch: &Path,
    unpacked: &dyn Fn(&BaseLayer) -> Result<PathBuf, String>,
) -> Result<Prepared, RunError> {
    let mut prepared = Prepared::default();
    for (n, request) in requests.iter().enumerate() {
        use imgc_core::ir::MountKind;
        match request.kind {
            MountKind::Cache => cache(request, cwd, cache_dir, scratch, n, &mut prepared)?,
            MountKind::Tmpfs => {
                let target = target(request, cwd, None)?;
                let mut mount_options = vec!["nosuid".to_string(), "nodev".to_string()];
                if let Some(size) = option(request, &["size"]) {
                    mount_options.push(format!("size={size}"));
                }
                prepared.key.push(format!("tmpfs {target} {:?}", option(request, &["size"])));
                prepared.mounts.push(spec::tmpfs(&target, mount_options).map_err(RunError::Other)?);
                prepared.targets.push(target);
            }
            MountKind::Secret => secret(request, cwd, options, scratch, &mut prepared)?,
            MountKind::Bind if request.from.is_some() => bind_from(request, cwd, scratch, n, unpacked, &mut prepared)?,
            MountKind::Bind => bind(request, cwd, context, scratch, n, &mut prepared)?,
            MountKind::Ssh => {
                let target = target(request, cwd, Some("/run/buildkit/ssh_agent.0".to_string()))?;
                let Some(socket) = &options.ssh else {
                    if flag(request, &["required"]) {
                        return Err(RunError::Secret(
                            "the step mounts an ssh agent: give one with `--ssh default` (it forwards SSH_AUTH_SOCK)"
                                .into(),
                        ));
                    }
                    continue;
                };
                prepared.mounts.push(spec::bind(socket, &target, false).map_err(RunError::Other)?);
                prepared.env.push(format!("SSH_AUTH_SOCK={target}"));
                prepared.key.push(format!("ssh {target}"));
                prepared.targets.push(target);
            }
        }
    }
    Ok(prepared)
}

fn cache(
    request: &Request,
    cwd: &str,
    cache_dir: &Path,
    scratch: &Path,
    n: usize,
    prepared: &mut Prepared,
) -> Result<(), RunError> {
    let target = target(request, cwd, None)?;
    let id = option(request, &["id"]).unwrap_or(&target).to_string();
    let sharing = option(request, &["sharing"]).unwrap_or("shared");
    let read_only = flag(request, &["ro", "readonly"]);
    let name = crate::digest::sha256_digest(id.as_bytes());
    let mut dir = cache_dir.join("mounts").join(name.trim_start_matches("sha256:"));
    std::fs::create_dir_all(&dir).map_err(|e| io("cannot create a cache mount", e))?;
    let lock_path = dir.with_extension("lock");
    let lock = File::create(&lock_path).map_err(|e| io("cannot lock a cache mount", e))?;
    match sharing {
        "shared" => {}
        "locked" => {
            // SAFETY: flock on an open descriptor.
            unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
            prepared.locks.push(lock);
        }
        "private" => {
            // SAFETY: flock on an open descriptor.
            if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                prepared.locks.push(lock);
            } else {
                // In use by another build: this one gets a folder of its own.
                dir = scratch.join(format!("cache-{n}"));
                std::fs::create_dir_all(&dir).map_err(|e| io("cannot create a cache mount", e))?;
            }
        }
        other => return Err(RunError::Invalid(format!("`sharing={other}`: write shared, private or locked"))),
    }
    let data = dir.join("data");
    if !data.exists() {
        std::fs::create_dir_all(&data).map_err(|e| io("cannot create a cache mount", e))?;
        let mode = octal(request, 0o755, true)?;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(mode)).map_err(|e| io("chmod", e))?;
        chown(&data, Some(id_option(request, "uid")?), Some(id_option(request, "gid")?)).map_err(|e| io("chown", e))?;
    }
    prepared.key.push(format!("cache {target} {id:?} {sharing} {read_only}"));
    prepared.mounts.push(spec::bind(&data, &target, read_only).map_err(RunError::Other)?);
    prepared.targets.push(target);
    Ok(())
}

fn secret(
    request: &Request,
    cwd: &str,
    options: &RunOptions,
    scratch: &Path,
    prepared: &mut Prepared,
) -> Result<(), RunError> {
    let id = option(request, &["id"]).map(str::to_string);
    let env = option(request, &["env"]);
    let default_target = id.as_ref().map(|id| format!("/run/secrets/{id}"));
    let target = target(request, cwd, default_target)?;
    let id = id.unwrap_or_else(|| crate::tree::base_name(&target).to_string());
    let required = flag(request, &["required"]);
    let bytes = match options.secrets.iter().find(|(name, _)| *name == id) {
        Some((_, SecretSource::File(path))) => std::fs::read(path)
            .map_err(|e| RunError::Secret(format!("cannot read the secret `{id}` from `{}`: {e}", path.display())))?,
        Some((_, SecretSource::Env(var))) => std::env::var_os(var)
            .map(std::os::unix::ffi::OsStringExt::into_vec)
            .ok_or_else(|| RunError::Secret(format!("the secret `{id}` comes from `${var}`, which is not set")))?,
        None if required => {
            return Err(RunError::Secret(format!(
                "the step needs the secret `{id}`: give it with `--secret id={id},src=FILE` or `--secret id={id},env=VAR`"
            )));
        }
        // As BuildKit: a secret not given and not required is simply not mounted.
        None => return Ok(()),
    };
    if let Some(name) = env {
        let value = String::from_utf8(bytes.clone())
            .map_err(|_| RunError::Secret(format!("the secret `{id}` is given as `${name}` but is not UTF-8 text")))?;
        prepared.key.push(format!("secret env {name} {id:?}"));
        prepared.env.push(format!("{name}={value}"));
        // As BuildKit: with `env` and no `target`, the secret is no file.
        if option(request, &["target", "dst", "destination"]).is_none() {
            return Ok(());
        }
    }
    let dir = scratch.join(format!("secret-{}", prepared.tmpfs.len()));
    std::fs::create_dir_all(&dir).map_err(|e| io("cannot create a secret's folder", e))?;
    mount_tmpfs(&dir, c"mode=0700,size=16m").map_err(|e| io("cannot mount a tmpfs for a secret", e))?;
    prepared.tmpfs.push(dir.clone());
    let file = dir.join("secret");
    let mut out = File::create(&file).map_err(|e| io("cannot write a secret", e))?;
    out.write_all(&bytes).map_err(|e| io("cannot write a secret", e))?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(octal(request, 0o400, false)?))
        .map_err(|e| io("chmod", e))?;
    chown(&file, Some(id_option(request, "uid")?), Some(id_option(request, "gid")?)).map_err(|e| io("chown", e))?;
    // The key names the secret, never its bytes.
    prepared.key.push(format!("secret {target} {id:?}"));
    prepared.mounts.push(spec::bind(&file, &target, true).map_err(RunError::Other)?);
    prepared.targets.push(target);
    Ok(())
}

/// Mounts a tmpfs with the options `data` on `dir`.
fn mount_tmpfs(dir: &Path, data: &std::ffi::CStr) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let target = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let (source, kind) = (c"tmpfs", c"tmpfs");
    // SAFETY: valid C strings, not kept.
    let result = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            kind.as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            data.as_ptr().cast(),
        )
    };
    if result != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn bind(
    request: &Request,
    cwd: &str,
    context: &Path,
    scratch: &Path,
    n: usize,
    prepared: &mut Prepared,
) -> Result<(), RunError> {
    let target = target(request, cwd, None)?;
    let source = option(request, &["source", "src"]).unwrap_or(".");
    let cleaned = crate::dockerignore::clean(source);
    if cleaned.split('/').any(|p| p == "..") {
        return Err(RunError::Invalid(format!("the bind source `{source}` is outside the build context")));
    }
    // The context as BuildKit's client sends it: less what .dockerignore excludes.
    let opened = crate::context::Context::open(context).map_err(RunError::Invalid)?;
    let hidden = context_view::excluded(opened.root(), opened.ignore()).map_err(RunError::Other)?;
    let view = if hidden.is_empty() {
        None
    } else {
        let work_root = scratch.join(format!("context-{n}"));
        std::fs::create_dir_all(&work_root).map_err(|e| io("cannot create the context's view", e))?;
        let inside = work_root.canonicalize().map_err(|e| io("the step's folder", e))?.starts_with(opened.root());
        if inside {
            // The cache is inside the context: overlayfs refuses layers inside one another, so
            // the view's own folders go on a tmpfs of their own.
            mount_tmpfs(&work_root, c"mode=0700").map_err(|e| io("cannot mount a tmpfs for the context's view", e))?;
            prepared.tmpfs.push(work_root.clone());
        }
        Some(context_view::mount(opened.root(), &hidden, &work_root).map_err(RunError::Runtime)?)
    };
    let root = view.as_ref().map_or(opened.root(), |overlay| overlay.merged()).to_path_buf();
    let mut host = root.join(cleaned.trim_start_matches('/'));
    if view.is_some() && std::fs::symlink_metadata(&host).is_err() {
        return Err(RunError::SourceNotFound(format!(
            "the bind source `{source}` is not in the build context (or .dockerignore excludes it)"
        )));
    }
    let canonical = host.canonicalize().map_err(|e| io(&format!("bind source `{source}`"), e))?;
    let root = root.canonicalize().map_err(|e| io("the build context", e))?;
    if !canonical.starts_with(&root) {
        return Err(RunError::Invalid(format!("the bind source `{source}` is outside the build context")));
    }
    prepared.key.push(format!("bind {target} {source:?} {}", content_digest(&canonical)));
    let writable = flag(request, &["rw", "readwrite"]);
    if let Some(overlay) = view {
        // Writes land in the view's upper dir, thrown away with the step.
        prepared.overlays.push(overlay);
        host = canonical;
    } else if writable {
        // Writes go to a copy, thrown away with the step (never a copy of the copy, when the
        // cache is inside the context).
        let copy = scratch.join(format!("bind-{n}"));
        let copy_into = |from: &Path, to: &Path| -> Result<(), RunError> {
            let status = std::process::Command::new("cp")
                .args(["-a", "--"])
                .arg(from)
                .arg(to)
                .status()
                .map_err(|e| io("cannot copy a bind source", e))?;
            if !status.success() {
                return Err(RunError::Other(format!("cannot copy the bind source `{source}`")));
            }
            Ok(())
        };
        let scratch = scratch.canonicalize().map_err(|e| io("the step's folder", e))?;
        if scratch.starts_with(&canonical) && canonical.is_dir() {
            std::fs::create_dir(&copy).map_err(|e| io("cannot copy a bind source", e))?;
            let mode = std::fs::metadata(&canonical).map_err(|e| io("bind source", e))?.permissions();
            std::fs::set_permissions(&copy, mode).map_err(|e| io("chmod", e))?;
            for entry in std::fs::read_dir(&canonical).map_err(|e| io("bind source", e))?.flatten() {
                if !scratch.starts_with(entry.path()) {
                    copy_into(&entry.path(), &copy)?;
                }
            }
        } else {
            copy_into(&canonical, &copy)?;
        }
        host = copy;
    } else {
        host = canonical;
    }
    prepared.mounts.push(spec::bind(&host, &target, !writable).map_err(RunError::Other)?);
    prepared.targets.push(target);
    Ok(())
}

/// A bind mount `from` a stage or image: its layers stacked on an overlay of the step's own
/// (so `rw` writes land in a throw-away upper dir), `source` inside it bound at the target.
fn bind_from(
    request: &Request,
    cwd: &str,
    scratch: &Path,
    n: usize,
    unpacked: &dyn Fn(&BaseLayer) -> Result<PathBuf, String>,
    prepared: &mut Prepared,
) -> Result<(), RunError> {
    let target = target(request, cwd, None)?;
    let layers = request.from.as_deref().unwrap_or_default();
    let source = option(request, &["source", "src"]).unwrap_or("/");
    let cleaned = crate::dockerignore::clean(&format!("/{source}"));
    let lowers: Vec<PathBuf> = layers.iter().map(unpacked).collect::<Result<_, _>>().map_err(RunError::Other)?;
    let overlay = Overlay::mount(&lowers, &scratch.join(format!("from-{n}"))).map_err(RunError::Runtime)?;
    let host = overlay.merged().join(cleaned.trim_start_matches('/'));
    prepared.overlays.push(overlay);
    if std::fs::symlink_metadata(&host).is_err() {
        return Err(RunError::SourceNotFound(format!(
            "the bind source `{source}` does not exist in the stage or image it comes from"
        )));
    }
    let diff_ids: Vec<&str> = layers.iter().map(|l| l.diff_id.as_str()).collect();
    let writable = flag(request, &["rw", "readwrite"]);
    prepared.key.push(format!("bind {target} from {diff_ids:?} {source:?} {writable}"));
    prepared.mounts.push(spec::bind(&host, &target, !writable).map_err(RunError::Other)?);
    prepared.targets.push(target);
    Ok(())
}

/// The file a here-document with a `#!` line runs as: `/dev/pipes/NAME`, `0755`, read-only, as
/// BuildKit mounts it.
pub fn script(name: &str, text: &str, scratch: &Path, prepared: &mut Prepared) -> Result<(), RunError> {
    let dir = scratch.join("pipes");
    std::fs::create_dir_all(&dir).map_err(|e| io("cannot create the script's folder", e))?;
    let file = dir.join(name);
    std::fs::write(&file, text).map_err(|e| io("cannot write the script", e))?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).map_err(|e| io("chmod", e))?;
    prepared.mounts.push(spec::bind(&dir, "/dev/pipes", true).map_err(RunError::Other)?);
    Ok(())
}

/// A digest of everything under `path`: names, modes and bytes.
fn content_digest(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    let mut hasher = crate::digest::HashWriter::new(std::io::sink());
    fn visit(path: &Path, relative: &str, hasher: &mut crate::digest::HashWriter<std::io::Sink>) {
        let Ok(meta) = std::fs::symlink_metadata(path) else { return };
        let _ = writeln!(hasher, "{relative:?} {:o}", meta.mode());
        if meta.is_dir() {
            let mut names: Vec<_> =
                std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
            names.sort();
            for name in names {
                visit(&path.join(&name), &format!("{relative}/{}", name.to_string_lossy()), hasher);
            }
        } else if meta.is_file() {
            if let Ok(mut file) = File::open(path) {
                let _ = std::io::copy(&mut file, hasher);
            }
        } else if let Ok(target) = std::fs::read_link(path) {
            let _ = writeln!(hasher, "-> {target:?}");
        }
    }
    visit(path, "", &mut hasher);
    hasher.finish().1
}
