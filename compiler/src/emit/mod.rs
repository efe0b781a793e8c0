//! Emitters: from the IR to output formats.

pub mod dockerfile;
pub mod rust;
