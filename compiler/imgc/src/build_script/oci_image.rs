//! [`Image::oci`](super::Image::oci): the image built from a build script, as `imgc build` builds it.

use super::Error;
use crate::Compilation;
use crate::ir::Program;
use crate::oci::{self, output::Destination};
use std::path::Path;

/// `text` as `imgc build --output` reads it, a relative path taken in `package`.
pub fn destination(text: &str, package: &Path) -> Result<Destination, String> {
    Ok(match Destination::parse(text)? {
        Destination::Layout { dir, tag } => Destination::Layout { dir: package.join(dir), tag },
        Destination::OciArchive { file, tag } => Destination::OciArchive { file: package.join(file), tag },
        Destination::DockerArchive { file, reference } => {
            Destination::DockerArchive { file: package.join(file), reference }
        }
        #[cfg(feature = "registry")]
        registry @ Destination::Registry { .. } => registry,
    })
}

/// What to build and where.
pub struct Target<'a> {
    pub program: &'a Program,
    pub destination: &'a Destination,
    pub context: &'a Path,
    /// `(NAME, LOCATION)`, as `--base-image` takes them.
    pub base_images: Vec<(String, String)>,
}

/// A base image's location, a relative `oci:`/`oci-archive:` path taken in `package`.
pub fn base_location(location: &str, package: &Path) -> String {
    for prefix in ["oci:", "oci-archive:"] {
        if let Some(path) = location.strip_prefix(prefix)
            && !path.starts_with('/')
        {
            return format!("{prefix}{}", package.join(path).display());
        }
    }
    location.to_string()
}

/// Builds the target's program from its context to its destination; the manifest digest.
/// Program errors (a failing step, a missing source) are reported like compile errors, with the
/// program's source.
pub fn build(target: &Target, compilation: &Compilation, program_path: &Path) -> Result<String, Error> {
    let (program, destination, context) = (target.program, target.destination, target.context);
    let failed = |reason: String| Error::Image { destination: destination.path().display().to_string(), reason };
    if let Some(parent) = local_path(destination).and_then(Path::parent) {
        std::fs::create_dir_all(parent).map_err(|e| failed(format!("cannot create `{}`: {e}", parent.display())))?;
    }
    let mut options = oci::Options::new(context);
    options.layer_cache = true;
    options.base_images = target.base_images.clone();
    match oci::build(program, destination, &options) {
        Ok(built) => Ok(built.manifest_digest),
        Err(oci::Error::Program(diagnostics)) => Err(Error::Compile {
            program: program_path.to_path_buf(),
            rendered: compilation.render(&diagnostics, false),
            errors: diagnostics.len(),
        }),
        Err(oci::Error::Failed(reason)) => Err(failed(reason)),
    }
}

/// The file or folder written, unless the image is pushed.
fn local_path(destination: &Destination) -> Option<&Path> {
    match destination {
        #[cfg(feature = "registry")]
        Destination::Registry { .. } => None,
        _ => Some(destination.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BuildEnv, Error, Image};
    use std::fs;

    fn package(program: &str) -> (tempfile::TempDir, tempfile::TempDir, BuildEnv) {
        let package = tempfile::tempdir().expect("temp dir");
        let out_dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir(package.path().join("static")).expect("folder");
        fs::write(package.path().join("static/index.html"), "<h1>hi</h1>\n").expect("file");
        fs::write(package.path().join("app.img"), program).expect("program");
        let env = BuildEnv { manifest_dir: package.path().into(), out_dir: out_dir.path().into() };
        (package, out_dir, env)
    }

    #[test]
    fn the_image_is_built_in_the_package_and_again_the_same() {
        let (package, _out, env) =
            package("image from scratch {\n    copy \"static/\" to \"/srv/\"\n    cmd [\"/bin/app\"]\n}\n");
        let image = Image::new("app.img").dockerfile("Dockerfile").oci("oci:target/image:v1");
        let mut cargo = Vec::new();
        let built = image.clone().run_in(&env, &mut cargo).expect("builds");
        let digest = built.image.expect("an image");
        assert!(digest.starts_with("sha256:"), "{digest}");
        let index = fs::read_to_string(package.path().join("target/image/index.json")).expect("a layout");
        assert!(index.contains("\"org.opencontainers.image.ref.name\":\"v1\""), "{index}");
        let cargo = String::from_utf8(cargo).expect("utf-8");
        assert!(!cargo.contains("target"), "the image is an output, not an input:\n{cargo}");
        // The same files: the same image.
        let again = image.run_in(&env, &mut Vec::new()).expect("builds again");
        assert_eq!(again.image.as_deref(), Some(digest.as_str()));
    }

    #[test]
    fn a_run_step_runs_in_the_script_as_with_imgc_build() {
        let program = "image from scratch {\n    copy \"busybox\" to \"/bin/busybox\"\n    run [\"/bin/busybox\", \"sh\", \"-c\", \"echo built > /built\"]\n}\n";
        let (package, _out, env) = package(program);
        fs::copy("/bin/busybox", package.path().join("busybox")).expect("Debian's busybox-static");
        let built = Image::new("app.img").oci("oci:target/image:v1").run_in(&env, &mut Vec::new()).expect("builds");
        assert!(built.image.is_some_and(|digest| digest.starts_with("sha256:")));
        let layout = package.path().join("target/image");
        let platform = crate::oci::platform::Platform::host();
        let image = crate::oci::base::open_layout(&layout, Some("v1"), &platform).expect("a layout");
        assert_eq!(image.layers.len(), 2, "the copy's layer and the run step's");
        let mut tree = crate::oci::tree::Tree::default();
        let files = package.path().join("files");
        fs::create_dir(&files).expect("folder");
        crate::oci::base::apply_layers(&image.layers, &mut tree, Some(&files)).expect("layers");
        assert!(tree.get("built").is_some(), "the step's file is in the image");
    }

    #[test]
    fn a_missing_source_or_a_bad_destination_fails_the_script() {
        let (_package, _out, env) = package("image from scratch {\n    add \"nowhere/\" to \"/srv/\"\n}\n");
        let error = Image::new("app.img").oci("oci:out").run_in(&env, &mut Vec::new()).expect_err("refused");
        assert!(matches!(&error, Error::Compile { rendered, .. } if rendered.contains("E0031")), "{error}");
        let error = Image::new("app.img").oci("ftp:out").run_in(&env, &mut Vec::new()).expect_err("refused");
        assert!(matches!(error, Error::Setting(_)), "{error}");
    }
}
