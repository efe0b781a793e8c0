//! Where an image goes, with skopeo's transport names, and writing it there whole or not at all.
//!
//! Everything is first written into a staging directory beside the destination. A new layout is
//! renamed into place; an existing layout gets its new blobs moved in and its `index.json`
//! replaced by rename (a failure removes the blobs it added); an archive is written to a
//! temporary file that is renamed over the destination.

use super::base::{REF_NAME, blob_path};
use super::digest::is_sha256;
use oci_spec::image::{Descriptor, ImageIndex, ImageIndexBuilder, MediaType, OciLayout, OciLayoutBuilder};
use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// An output of `imgc build`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `oci:DIR[:TAG]`
    Layout { dir: PathBuf, tag: Option<String> },
    /// `oci-archive:FILE[:TAG]`
    OciArchive { file: PathBuf, tag: Option<String> },
    /// `docker-archive:FILE[:NAME:TAG]`
    DockerArchive { file: PathBuf, reference: Option<String> },
    /// `docker://HOST/REPO:TAG`: pushed to a registry.
    #[cfg(feature = "registry")]
    Registry { reference: String },
}

impl Destination {
    pub fn parse(text: &str) -> Result<Destination, String> {
        let split_tag = |rest: &str| -> (PathBuf, Option<String>) {
            match rest.split_once(':') {
                Some((path, tag)) if !tag.is_empty() => (PathBuf::from(path), Some(tag.to_string())),
                Some((path, _)) => (PathBuf::from(path), None),
                None => (PathBuf::from(rest), None),
            }
        };
        let (transport, rest) = text.split_once(':').ok_or_else(|| unknown(text))?;
        if rest.is_empty() {
            return Err(format!("`{text}` names no path"));
        }
        match transport {
            "oci" => {
                let (dir, tag) = split_tag(rest);
                Ok(Destination::Layout { dir, tag })
            }
            "oci-archive" => {
                let (file, tag) = split_tag(rest);
                Ok(Destination::OciArchive { file, tag })
            }
            "docker-archive" => {
                let (file, reference) = match rest.split_once(':') {
                    Some((file, reference)) if !reference.is_empty() => {
                        let reference =
                            if reference.contains(':') { reference.to_string() } else { format!("{reference}:latest") };
                        (PathBuf::from(file), Some(reference))
                    }
                    _ => (PathBuf::from(rest.trim_end_matches(':')), None),
                };
                Ok(Destination::DockerArchive { file, reference })
            }
            #[cfg(feature = "registry")]
            "docker" => match rest.strip_prefix("//") {
                Some(reference) if !reference.is_empty() => {
                    Ok(Destination::Registry { reference: reference.to_string() })
                }
                _ => Err(format!("`{text}` is not docker://HOST/REPO:TAG")),
            },
            #[cfg(not(feature = "registry"))]
            "docker" => Err(format!(
                "`{text}`: pushing to a registry is not built in this imgc; write oci:, oci-archive: or docker-archive: \
                 and copy it with `skopeo copy`"
            )),
            _ => Err(unknown(text)),
        }
    }

    /// The file or directory written (the reference, for a registry).
    pub fn path(&self) -> &Path {
        match self {
            Destination::Layout { dir, .. } => dir,
            Destination::OciArchive { file, .. } | Destination::DockerArchive { file, .. } => file,
            #[cfg(feature = "registry")]
            Destination::Registry { reference } => Path::new(reference),
        }
    }

    /// A path in the directory where the image is staged before it is moved into place.
    pub fn staging_place(&self) -> PathBuf {
        match self {
            #[cfg(feature = "registry")]
            Destination::Registry { .. } => std::env::temp_dir().join("imgc-push"),
            _ => self.path().to_path_buf(),
        }
    }

    /// The tag given in the destination, if any (a registry reference carries its own).
    pub fn tag(&self) -> Option<&str> {
        match self {
            Destination::Layout { tag, .. } | Destination::OciArchive { tag, .. } => tag.as_deref(),
            Destination::DockerArchive { reference, .. } => reference.as_deref(),
            #[cfg(feature = "registry")]
            Destination::Registry { .. } => None,
        }
    }
}

fn unknown(text: &str) -> String {
    format!("`{text}` is not an output: write oci:DIR[:TAG], oci-archive:FILE[:TAG] or docker-archive:FILE[:NAME:TAG]")
}

/// A staging directory holding an OCI layout being written.
pub struct Staging {
    dir: tempfile::TempDir,
}

/// How a staging directory's name starts (then `-PID-…`).
pub const STAGING_NAME: &str = ".imgc-build";

impl Staging {
    /// A staging directory beside `destination` (so renames stay on one file system).
    pub fn beside(destination: &Path) -> Result<Staging, String> {
        let parent = destination.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(format!("cannot write `{}`: `{}` is not a directory", destination.display(), parent.display()));
        }
        // Staging folders of builds that were killed are swept first.
        super::run::sweep_staging(parent);
        let prefix = super::run::stale_prefix(STAGING_NAME);
        let dir = tempfile::Builder::new().prefix(&prefix).tempdir_in(parent).map_err(|e| {
            format!(
                "cannot write `{}`: cannot create a staging directory in `{}`: {e}",
                destination.display(),
                parent.display()
            )
        })?;
        let staging = Staging { dir };
        std::fs::create_dir_all(staging.layout().join("blobs/sha256")).map_err(|e| staging.error(e))?;
        Ok(staging)
    }

    /// Scratch space (extracted base files, unpacked archives).
    pub fn scratch(&self) -> PathBuf {
        self.dir.path().join("scratch")
    }

    /// The layout being written.
    pub fn layout(&self) -> PathBuf {
        self.dir.path().join("layout")
    }

    fn error(&self, e: impl std::fmt::Display) -> String {
        format!("cannot write in `{}`: {e}", self.dir.path().display())
    }

    /// A fresh path for a blob being written.
    pub fn temp_blob(&self, n: usize) -> PathBuf {
        self.layout().join("blobs/sha256").join(format!(".partial-{n}"))
    }

    /// Moves a finished blob to its digest's name.
    pub fn commit_blob(&self, temp: &Path, digest: &str) -> Result<(), String> {
        std::fs::rename(temp, blob_path(&self.layout(), digest)).map_err(|e| self.error(e))
    }

    /// Writes a blob from bytes.
    pub fn put_bytes(&self, digest: &str, bytes: &[u8]) -> Result<(), String> {
        std::fs::write(blob_path(&self.layout(), digest), bytes).map_err(|e| self.error(e))
    }

    /// Places an existing blob (a base layer, a cached one): a hard link when possible, a copy
    /// otherwise. A blob already there is kept: the same digest is the same bytes, and layers
    /// written at once may place one at the same moment. A copy is made under a temporary name:
    /// copying onto the name would truncate the file when the name is already a link to it.
    pub fn put_file(&self, digest: &str, source: &Path) -> Result<(), String> {
        let target = blob_path(&self.layout(), digest);
        match std::fs::hard_link(source, &target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(_) => {
                let temp = target.with_extension(format!("copy-{}", super::cache::temp_suffix()));
                std::fs::copy(source, &temp).and_then(|_| std::fs::rename(&temp, &target)).map_err(|e| {
                    let _ = std::fs::remove_file(&temp);
                    format!("cannot copy `{}`: {e}", source.display())
                })
            }
        }
    }

    /// Writes the layout's `oci-layout` and `index.json`.
    fn write_layout_files(&self, index: &ImageIndex) -> Result<(), String> {
        let layout: OciLayout =
            OciLayoutBuilder::default().image_layout_version("1.0.0").build().map_err(|e| self.error(e))?;
        let text = serde_json::to_string(&layout).map_err(|e| self.error(e))?;
        std::fs::write(self.layout().join("oci-layout"), text).map_err(|e| self.error(e))?;
        write_index(&self.layout().join("index.json"), index).map_err(|e| self.error(e))
    }
}

/// A descriptor naming `manifest` with the tag annotation.
fn tagged(manifest: &Descriptor, tag: Option<&str>) -> Descriptor {
    let mut descriptor = manifest.clone();
    if let Some(tag) = tag {
        descriptor.set_annotations(Some(HashMap::from([(REF_NAME.to_string(), tag.to_string())])));
    }
    descriptor
}

fn index_of(manifests: Vec<Descriptor>) -> Result<ImageIndex, String> {
    ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(manifests)
        .build()
        .map_err(|e| e.to_string())
}

fn write_index(path: &Path, index: &ImageIndex) -> std::io::Result<()> {
    let text = serde_json::to_string(index).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}

/// Moves the staged image to `destination`, tagged with `tags` (pushed with the credentials in
/// `authfile`, for a registry).
pub fn finish(
    staging: Staging,
    destination: &Destination,
    manifest: &Descriptor,
    tags: &[String],
    authfile: Option<&Path>,
) -> Result<(), String> {
    #[cfg(not(feature = "registry"))]
    let _ = authfile;
    let tag_list: Vec<Option<&str>> =
        if tags.is_empty() { vec![None] } else { tags.iter().map(|t| Some(t.as_str())).collect() };
    match destination {
        Destination::Layout { dir, .. } => {
            if dir.join("oci-layout").is_file() {
                return add_to_layout(staging, dir, manifest, &tag_list);
            }
            if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
                return Err(format!("`{}` exists and is not an OCI layout: refusing to write into it", dir.display()));
            }
            let index = index_of(tag_list.iter().map(|t| tagged(manifest, *t)).collect())?;
            staging.write_layout_files(&index)?;
            if dir.exists() {
                std::fs::remove_dir(dir).map_err(|e| format!("cannot replace `{}`: {e}", dir.display()))?;
            }
            std::fs::rename(staging.layout(), dir).map_err(|e| format!("cannot write `{}`: {e}", dir.display()))
        }
        Destination::OciArchive { file, .. } => {
            let index = index_of(tag_list.iter().map(|t| tagged(manifest, *t)).collect())?;
            staging.write_layout_files(&index)?;
            write_archive(&staging, file, None)
        }
        #[cfg(feature = "registry")]
        Destination::Registry { reference } => {
            super::registry::push(&staging.layout(), manifest.digest().as_ref(), reference, tags, authfile)
        }
        Destination::DockerArchive { file, .. } => {
            let index = index_of(vec![manifest.clone()])?;
            staging.write_layout_files(&index)?;
            let docker_manifest = docker_manifest(&staging, manifest, tags)?;
            write_archive(&staging, file, Some(&docker_manifest))
        }
    }
}

/// `manifest.json` of a `docker save` archive, pointing into the layout's blobs.
fn docker_manifest(staging: &Staging, manifest: &Descriptor, tags: &[String]) -> Result<String, String> {
    let path = blob_path(&staging.layout(), manifest.digest().as_ref());
    let bytes = std::fs::read(&path).map_err(|e| staging.error(e))?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| staging.error(e))?;
    let blob = |d: &serde_json::Value| format!("blobs/{}", d["digest"].as_str().unwrap_or_default().replace(':', "/"));
    let layers: Vec<String> = json["layers"].as_array().into_iter().flatten().map(blob).collect();
    let entry = serde_json::json!([{ "Config": blob(&json["config"]), "RepoTags": tags, "Layers": layers }]);
    Ok(entry.to_string())
}

/// Tars the staged layout (and `manifest.json`) into a temporary file and renames it to `file`.
fn write_archive(staging: &Staging, file: &Path, docker_manifest: Option<&str>) -> Result<(), String> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "image.tar".into());
    let temp = staging.dir.path().join(format!(".{name}.partial"));
    let io = |e: std::io::Error| format!("cannot write `{}`: {e}", file.display());
    let out = BufWriter::with_capacity(1 << 20, File::create(&temp).map_err(io)?);
    let mut builder = tar::Builder::new(out);
    let layout = staging.layout();
    let mut files = vec!["oci-layout".to_string(), "index.json".to_string()];
    let mut blobs: Vec<String> = std::fs::read_dir(layout.join("blobs/sha256"))
        .map_err(io)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_sha256(&format!("sha256:{n}")))
        .collect();
    blobs.sort();
    for dir in ["blobs/", "blobs/sha256/"] {
        let mut header = archive_header(tar::EntryType::Directory, 0o755, 0);
        builder.append_data(&mut header, dir, std::io::empty()).map_err(io)?;
    }
    files.extend(blobs.into_iter().map(|b| format!("blobs/sha256/{b}")));
    for path in files {
        let mut source = File::open(layout.join(&path)).map_err(io)?;
        let size = source.metadata().map_err(io)?.len();
        let mut header = archive_header(tar::EntryType::Regular, 0o644, size);
        builder.append_data(&mut header, &path, &mut source).map_err(io)?;
    }
    if let Some(text) = docker_manifest {
        let mut header = archive_header(tar::EntryType::Regular, 0o644, text.len() as u64);
        builder.append_data(&mut header, "manifest.json", text.as_bytes()).map_err(io)?;
    }
    let out = builder.into_inner().map_err(io)?;
    let out = out.into_inner().map_err(|e| io(e.into_error()))?;
    out.sync_all().map_err(io)?;
    std::fs::rename(&temp, file).map_err(io)
}

fn archive_header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header
}

/// Adds the staged blobs to an existing layout and replaces its index; on failure the blobs
/// that were added are removed and the index is as it was.
fn add_to_layout(staging: Staging, dir: &Path, manifest: &Descriptor, tags: &[Option<&str>]) -> Result<(), String> {
    let io = |e: std::io::Error| format!("cannot write `{}`: {e}", dir.display());
    let index_path = dir.join("index.json");
    let text = std::fs::read_to_string(&index_path).map_err(io)?;
    let old: ImageIndex =
        serde_json::from_str(&text).map_err(|e| format!("`{}` is not a valid index: {e}", index_path.display()))?;
    let mut manifests: Vec<Descriptor> = old
        .manifests()
        .iter()
        .filter(|d| {
            let tag = d.annotations().as_ref().and_then(|a| a.get(REF_NAME)).map(String::as_str);
            tag.is_some() && !tags.contains(&tag)
        })
        .cloned()
        .collect();
    manifests.extend(tags.iter().map(|t| tagged(manifest, *t)));
    let index = index_of(manifests)?;
    let blobs_dir = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs_dir).map_err(io)?;
    let mut added = Vec::new();
    let result = (|| -> Result<(), String> {
        for entry in std::fs::read_dir(staging.layout().join("blobs/sha256")).map_err(io)? {
            let entry = entry.map_err(io)?;
            let target = blobs_dir.join(entry.file_name());
            if !target.exists() {
                std::fs::rename(entry.path(), &target).map_err(io)?;
                added.push(target);
            }
        }
        let temp = staging.dir.path().join("index.json");
        write_index(&temp, &index).map_err(io)?;
        std::fs::rename(&temp, &index_path).map_err(io)
    })();
    if result.is_err() {
        for blob in added {
            let _ = std::fs::remove_file(blob);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_placed_at_once_stay_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let staging = Staging::beside(&dir.path().join("out")).expect("staging");
        let sources: Vec<(String, PathBuf)> = (0..200)
            .map(|i| {
                let source = dir.path().join(format!("blob-{i}"));
                std::fs::write(&source, format!("layer {i}")).expect("write");
                (format!("sha256:{i:064}"), source)
            })
            .collect();
        // Layers written at once may place the same blob at the same moment (identical layers, a
        // cached layer): each name ends up a whole blob, and no source is truncated.
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for (digest, source) in &sources {
                        staging.put_file(digest, source).expect("placed");
                    }
                });
            }
        });
        for (i, (digest, source)) in sources.iter().enumerate() {
            assert_eq!(
                std::fs::read_to_string(blob_path(&staging.layout(), digest)).expect("read"),
                format!("layer {i}")
            );
            assert_eq!(std::fs::read_to_string(source).expect("read"), format!("layer {i}"));
        }
    }

    #[test]
    fn transports_parse_like_skopeo() {
        assert_eq!(
            Destination::parse("oci:out:v1"),
            Ok(Destination::Layout { dir: "out".into(), tag: Some("v1".into()) })
        );
        assert_eq!(
            Destination::parse("oci-archive:/x/a.tar"),
            Ok(Destination::OciArchive { file: "/x/a.tar".into(), tag: None })
        );
        assert_eq!(
            Destination::parse("docker-archive:a.tar:app"),
            Ok(Destination::DockerArchive { file: "a.tar".into(), reference: Some("app:latest".into()) })
        );
        assert_eq!(
            Destination::parse("docker-archive:a.tar:app:1.0"),
            Ok(Destination::DockerArchive { file: "a.tar".into(), reference: Some("app:1.0".into()) })
        );
        assert!(Destination::parse("dir:/x").is_err());
        assert!(Destination::parse("oci:").is_err());
        #[cfg(feature = "registry")]
        assert_eq!(
            Destination::parse("docker://localhost:5000/a:b"),
            Ok(Destination::Registry { reference: "localhost:5000/a:b".into() })
        );
        #[cfg(not(feature = "registry"))]
        assert!(Destination::parse("docker://localhost:5000/a:b").unwrap_err().contains("registry"));
    }
}
