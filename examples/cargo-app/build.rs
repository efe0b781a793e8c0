//! Compiles app.img whenever it (or what it copies) changes: writes the Dockerfile next to it
//! and the constants src/main.rs takes its port and variable names from; with the feature
//! `image`, builds the image as well.

use imgc::build_script::{Error, Image};
use imgc::Target;

fn main() -> Result<(), Error> {
    let image = Image::new("app.img")
        .arg("version", env!("CARGO_PKG_VERSION"))
        // Buildah and docker's classic builder must build it, not only BuildKit.
        .target(Target::Classic)
        .dockerfile("Dockerfile")
        // $OUT_DIR/image.rs, for `cargo build`.
        .rust_constants("image.rs")
        // The same module in the build context: the image's build stage compiles src/main.rs
        // with rustc alone, without this script.
        .rust_constants(concat!(env!("CARGO_MANIFEST_DIR"), "/gen/image.rs"));
    // With `--features image`, the image itself too. Its base comes from the docker engine, or
    // from where CARGO_APP_BASE says (any `imgc build --base-image` location).
    #[cfg(feature = "image")]
    let image = {
        println!("cargo:rerun-if-env-changed=CARGO_APP_BASE");
        let base = std::env::var("CARGO_APP_BASE").unwrap_or_else(|_| "docker-daemon:debian:bookworm-slim".into());
        image.oci("oci:target/image:latest").base_image("debian:bookworm-slim", base)
    };
    image.run()?;
    Ok(())
}
