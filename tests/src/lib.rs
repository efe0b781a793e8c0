//! Test harness for imgc's system tests: builds Dockerfiles for real with
//! buildah and docker, runs the images and checks how they behave.
//!
//! Every test that builds or runs images starts with [`ensure_test_env`]; it
//! runs `scripts/setup-test-env` once per process and panics if the tools or
//! base images cannot be had, so such tests fail rather than pass vacuously.
//!
//! ```no_run
//! use imgc_tests::{Dockerfile, Engine, checks, ensure_test_env, example_dir};
//!
//! ensure_test_env();
//! let dir = example_dir("nginx");
//! for engine in Engine::ALL {
//!     let image = engine
//!         .build_image(Dockerfile::Path(&dir.join("Dockerfile.naive")), &dir, "nginx-naive")
//!         .unwrap();
//!     checks::check_nginx(engine, &image.reference);
//! } // dropping `image` removes its tag
//! ```
//!
//! Environment: `IMGC_TEST_KEEP_IMAGES=1` keeps images and containers;
//! `IMGC_TEST_SKIP_SETUP=1` skips the setup script (the environment must be
//! ready); `IMGC_BUILDAH` / `IMGC_DOCKER` override the programs.

pub mod buildah;
pub mod builder;
pub mod checks;
pub mod cmd;
pub mod docker;
pub mod egress;
pub mod file_server;
pub mod hostports;
pub mod http;
pub mod image;
pub mod oci;
pub mod programs;
pub mod registry;
pub mod snapshot;
pub mod store_lock;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

pub use cmd::{Output, ToolError};
pub use hostports::{HostPortsGuard, lock_host_ports};
pub use http::{HttpResponse, http_get, port_is_free, wait_for_http, wait_for_http_while};
pub use image::{BuildOptions, Dockerfile, Engine, Image, ImageConfig, keep_images, unique_tag};

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `examples/NAME`.
pub fn example_dir(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

/// The contents of `examples/EXAMPLE/RELATIVE`; panics if unreadable.
pub fn read_example_file(example: &str, relative: &str) -> String {
    let path = example_dir(example).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Builds `examples/EXAMPLE/DOCKERFILE_NAME` with the example's directory as
/// context into a unique tag (trusting the network's CA for an example that
/// fetches from a registry: [`egress`]); panics with the build log if the build fails.
pub fn build_example(engine: Engine, example: &str, dockerfile_name: &str) -> Image {
    let dir = example_dir(example);
    let dockerfile = dir.join(dockerfile_name);
    assert!(dockerfile.is_file(), "{} does not exist", dockerfile.display());
    let name = format!("{example}-{}", dockerfile_name.to_ascii_lowercase());
    if egress::REGISTRY_EXAMPLES.contains(&example) {
        let text = std::fs::read_to_string(&dockerfile).unwrap_or_else(|e| panic!("{}: {e}", dockerfile.display()));
        let build = egress::trusting(&text, &dir);
        return engine
            .build_image(Dockerfile::Text(&build.dockerfile), build.context.path(), &name)
            .unwrap_or_else(|e| panic!("{engine} build of {}: {e}", dockerfile.display()));
    }
    engine
        .build_image(Dockerfile::Path(&dockerfile), &dir, &name)
        .unwrap_or_else(|e| panic!("{engine} build of {}: {e}", dockerfile.display()))
}

/// Runs `scripts/setup-test-env` once per process (installing tools, starting
/// dockerd, creating the base images as needed). Panics with the script's
/// output if it fails: tests that need the tools fail without them.
pub fn ensure_test_env() {
    static SETUP: OnceLock<Result<(), String>> = OnceLock::new();
    let result = SETUP.get_or_init(|| {
        if std::env::var("IMGC_TEST_SKIP_SETUP").is_ok_and(|v| !v.is_empty() && v != "0") {
            return Ok(());
        }
        let script = repo_root().join("scripts").join("setup-test-env");
        let mut cmd = Command::new("bash");
        cmd.arg(&script);
        match cmd::run_command(&mut cmd, None, Duration::from_secs(30 * 60)) {
            Ok(out) if out.success() => {
                eprint!("{}", out.stdout);
                Ok(())
            }
            Ok(out) => Err(format!("{out:?}")),
            Err(e) => Err(e.to_string()),
        }
    });
    if let Err(message) = result {
        panic!(
            "the test environment is not ready: scripts/setup-test-env failed \
             (these tests need root, buildah, docker and the local base images):\n{message}"
        );
    }
}
