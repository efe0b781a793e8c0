//! Emitters: from the IR to text (the Dockerfile, and Rust constants for build scripts).
//! The image itself is written by the `imgc-builder` crate.

pub mod dockerfile;
pub mod heredoc_run;
pub mod line_break;
pub mod rust;
