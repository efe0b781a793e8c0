//! Helpers for the tests of `imgc build`: building with the library, reading images back with
//! skopeo and umoci, validating layouts against the OCI schemas, comparing file trees.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use imgc::oci::{self, Built, output::Destination};

use crate::cmd::{Output, ToolError, run_ok};

const TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The OCI image-spec schemas: `IMGC_OCI_SCHEMAS`, else `tests/corpus/oci-image-spec-schema`
/// (vendored from the image-spec repository; see its `SOURCE.txt`).
pub fn schema_dir() -> PathBuf {
    std::env::var_os("IMGC_OCI_SCHEMAS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::repo_root().join("tests/corpus/oci-image-spec-schema"))
}

/// Compiles `source` (as `context/app.img`) and builds it to `destination`.
pub fn build(source: &str, destination: &str, options: &oci::Options) -> Result<Built, String> {
    let compilation =
        imgc::compile_source(&options.context.join("app.img").to_string_lossy(), source, &imgc::Options::default());
    if compilation.has_errors() {
        return Err(compilation.render(&compilation.diagnostics, false));
    }
    let program = compilation.program.as_ref().ok_or("no program")?;
    let destination = Destination::parse(destination)?;
    oci::build(program, &destination, options).map_err(|e| match e {
        oci::Error::Program(diagnostics) => compilation.render(&diagnostics, false),
        oci::Error::Failed(message) => message,
    })
}

/// The program `source` compiles to, as `context/app.img`; panics with the diagnostics if it
/// has errors.
pub fn compile_program(source: &str, context: &Path) -> imgc::ir::Program {
    let compilation =
        imgc::compile_source(&context.join("app.img").to_string_lossy(), source, &imgc::Options::default());
    assert!(!compilation.has_errors(), "{}", compilation.render(&compilation.diagnostics, false));
    compilation.program.expect("a program")
}

/// Build options for a program in `context`, with the cache under `dir` and no registry
/// credentials.
pub fn test_options(dir: &Path, context: &Path) -> oci::Options {
    let mut options = oci::Options::new(context);
    options.cache_dir = Some(dir.join("cache"));
    options.authfile = Some(dir.join("no-config.json"));
    options
}

/// A JSON file, read and parsed (panics when it is missing or malformed).
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("JSON")
}

/// Where the blob `digest` (`sha256:…`) is in an OCI layout.
pub fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))
}

/// `tests/scripts/validate-oci-layout.py SCHEMAS LAYOUT`: schemas, digests and sizes. Runs
/// Debian's `/usr/bin/python3` (with `python3-jsonschema`), or `IMGC_PYTHON`.
pub fn validate_layout(layout: &Path) -> Result<Output, ToolError> {
    let python = std::env::var("IMGC_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_string());
    let script = crate::repo_root().join("tests/scripts/validate-oci-layout.py");
    run_ok(Command::new(python).arg(script).arg(schema_dir()).arg(layout), TIMEOUT)
}

/// `skopeo ARGS…`.
pub fn skopeo(args: &[&str]) -> Result<Output, ToolError> {
    run_ok(Command::new("skopeo").args(args), TIMEOUT)
}

/// Copies `docker.io/library/IMAGE` from buildah's store into the layout `dir` as `tag`.
pub fn export_base(image: &str, dir: &Path, tag: &str) -> Result<Output, ToolError> {
    let source = format!("{}docker.io/library/{image}", crate::buildah::STORE);
    let _store = crate::store_lock::shared();
    skopeo(&["copy", "-q", &source, &format!("oci:{}:{tag}", dir.display())])
}

/// `umoci unpack --image DIR:TAG BUNDLE`; the files are in `BUNDLE/rootfs`.
pub fn umoci_unpack(layout: &Path, tag: &str, bundle: &Path) -> Result<Output, ToolError> {
    run_ok(
        Command::new("umoci").arg("unpack").arg("--image").arg(format!("{}:{tag}", layout.display())).arg(bundle),
        TIMEOUT,
    )
}

/// One path of an unpacked image, as the tree comparisons see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// `dir`, `file`, `link`.
    pub kind: &'static str,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// A file's bytes or a link's target.
    pub content: Vec<u8>,
}

/// Every path under `root` (relative, sorted) with its type, mode, owner and contents.
pub fn file_tree(root: &Path) -> BTreeMap<String, FileInfo> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, FileInfo>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let metadata = std::fs::symlink_metadata(&path).expect("metadata");
            let relative = path.strip_prefix(root).expect("under root").to_string_lossy().into_owned();
            let (kind, content) = if metadata.is_dir() {
                ("dir", Vec::new())
            } else if metadata.file_type().is_symlink() {
                ("link", std::fs::read_link(&path).expect("link").to_string_lossy().into_owned().into_bytes())
            } else {
                ("file", std::fs::read(&path).expect("file"))
            };
            let info =
                FileInfo { kind, mode: metadata.mode() & 0o7777, uid: metadata.uid(), gid: metadata.gid(), content };
            out.insert(relative, info);
            if metadata.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A temporary directory whose path has no capital letter (buildah takes an image name from
/// the path of a layout).
pub fn lowercase_tempdir() -> tempfile::TempDir {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    let prefix = format!("imgc-oci-{millis}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    let root = std::env::temp_dir().to_string_lossy().to_lowercase();
    tempfile::Builder::new().prefix(&prefix).rand_bytes(0).tempdir_in(root).expect("temp dir")
}

/// Writes `files` (path, contents, mode) under `dir`.
pub fn write_files(dir: &Path, files: &[(&str, &str, u32)]) {
    use std::os::unix::fs::PermissionsExt;
    for (path, contents, mode) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, contents).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).expect("chmod");
    }
}
