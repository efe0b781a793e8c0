//! Emitters: from the IR to output formats.

pub mod dockerfile;
#[cfg(feature = "oci")]
pub mod oci;
pub mod rust;
