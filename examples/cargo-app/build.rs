//! Compiles app.img whenever it (or what it copies) changes: writes the Dockerfile next to it
//! and the constants src/main.rs takes its port and variable names from.

use imgc::build_script::{Error, Image};
use imgc::Target;

fn main() -> Result<(), Error> {
    Image::new("app.img")
        .arg("version", env!("CARGO_PKG_VERSION"))
        // Buildah and docker's classic builder must build it, not only BuildKit.
        .target(Target::Classic)
        .dockerfile("Dockerfile")
        // $OUT_DIR/image.rs, for `cargo build`.
        .rust_constants("image.rs")
        // The same module in the build context: the image's build stage compiles src/main.rs
        // with rustc alone, without this script.
        .rust_constants(concat!(env!("CARGO_MANIFEST_DIR"), "/gen/image.rs"))
        .run()?;
    Ok(())
}
