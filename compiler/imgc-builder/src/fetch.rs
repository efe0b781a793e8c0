//! What an `add` fetches from the network: a URL's file (over HTTP or HTTPS, checked against the
//! step's `checksum`; with a checksum it is kept in the blob cache and not fetched again) and
//! a git repository at a ref (through the `git` command).
//!
//! Knows nothing of trees' placement: it hands back files and nodes.

use super::tree::{Content, Kind, Node};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Downloads `url` into `scratch`; the file's name (the URL path's last part) and its path.
pub fn download(url: &str, checksum: Option<&str>, scratch: &Path) -> Result<(String, PathBuf), String> {
    std::fs::create_dir_all(scratch).map_err(|e| format!("cannot create `{}`: {e}", scratch.display()))?;
    let path_part = url.split(['?', '#']).next().unwrap_or(url);
    let name = path_part
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && !path_part.ends_with("//") && path_part.matches('/').count() > 2)
        .unwrap_or("download")
        .to_string();
    let file = scratch.join("download");
    get(url, &file)?;
    if let Some(expected) = checksum {
        let bytes = std::fs::File::open(&file).map_err(|e| e.to_string())?;
        let mut hasher = super::digest::HashWriter::new(std::io::sink());
        std::io::copy(&mut std::io::BufReader::new(bytes), &mut hasher).map_err(|e| e.to_string())?;
        let (_, found, _) = hasher.finish();
        if found != expected {
            return Err(format!("`{url}` does not match its checksum: expected {expected}, got {found}"));
        }
    }
    Ok((name, file))
}

#[cfg(feature = "registry")]
fn get(url: &str, file: &Path) -> Result<(), String> {
    use std::io::Write;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    let failed = |e: &dyn std::fmt::Display| format!("cannot download `{url}`: {e}");
    runtime.block_on(async {
        let response = reqwest::get(url).await.map_err(|e| failed(&e))?;
        if !response.status().is_success() {
            return Err(failed(&response.status()));
        }
        let mut out = std::fs::File::create(file).map_err(|e| failed(&e))?;
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(|e| failed(&e))? {
            out.write_all(&chunk).map_err(|e| failed(&e))?;
        }
        Ok(())
    })
}

#[cfg(not(feature = "registry"))]
fn get(url: &str, _: &Path) -> Result<(), String> {
    Err(format!("cannot download `{url}`: this imgc was built without network support (feature `registry`)"))
}

/// Clones `source` (`URL[#REF]`) at its ref into `scratch`; its files as nodes relative to the
/// repository's root, `.git` left out unless `keep_git_dir`.
pub fn git(source: &str, keep_git_dir: bool, scratch: &Path) -> Result<Vec<(String, Node)>, String> {
    let (url, reference) = match source.split_once('#') {
        Some((url, reference)) => (url, reference.split(':').next().unwrap_or_default()),
        None => (source, ""),
    };
    let dir = scratch.join("checkout");
    std::fs::create_dir_all(scratch).map_err(|e| format!("cannot create `{}`: {e}", scratch.display()))?;
    let run = |args: &[&str], cwd: &Path| -> Result<(), String> {
        let output = git_command(cwd)
            .args(args)
            .output()
            .map_err(|e| format!("cannot run `git` (Debian: `apt-get install git`): {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("cannot clone `{source}`: {}", String::from_utf8_lossy(&output.stderr).trim()))
        }
    };
    run(&["clone", "--quiet", "--no-checkout", "--", url, "checkout"], scratch)?;
    let reference = if reference.is_empty() { "HEAD" } else { reference };
    run(&["checkout", "--quiet", reference, "--"], &dir)
        .or_else(|_| run(&["checkout", "--quiet", &format!("origin/{reference}"), "--"], &dir))?;
    let mut nodes = Vec::new();
    walk(&dir, "", keep_git_dir, &mut nodes)?;
    Ok(nodes)
}

/// `git` with no user or system configuration, files written `0644`/`0755`.
fn git_command(cwd: &Path) -> Command {
    use std::os::unix::process::CommandExt;
    let mut command = Command::new("git");
    command
        .current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0");
    // SAFETY: umask is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            libc::umask(0o022);
            Ok(())
        });
    }
    command
}

fn walk(dir: &Path, prefix: &str, keep_git_dir: bool, out: &mut Vec<(String, Node)>) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".git" && prefix.is_empty() && !keep_git_dir {
            continue;
        }
        let relative = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let meta = entry.metadata().map_err(|e| e.to_string())?;
        let mode = meta.mode() & 0o7777;
        let kind = if meta.is_dir() {
            Kind::Dir
        } else if meta.file_type().is_symlink() {
            Kind::Symlink(std::fs::read_link(entry.path()).map_err(|e| e.to_string())?.to_string_lossy().into_owned())
        } else if meta.is_file() {
            Kind::File { content: Content::Disk(entry.path()), size: meta.len() }
        } else {
            continue;
        };
        let is_dir = meta.is_dir();
        out.push((relative.clone(), Node { kind, mode, uid: 0, gid: 0, attrs: Default::default() }));
        if is_dir {
            walk(&entry.path(), &relative, keep_git_dir, out)?;
        }
    }
    Ok(())
}
