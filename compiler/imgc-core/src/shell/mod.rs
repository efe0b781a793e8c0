//! The one POSIX shell layer: how imgc reads shell command lines and writes values into them.
//!
//! [`lexer`] tokenizes a command line (quoting, operators, expansions), [`script`] reads its
//! tokens into simple commands and owns the table of built-ins that change the shell's own state
//! (what decides whether two commands may share one shell), and [`quote`] writes values so the
//! shell reads them back exactly. The optimizer, the Dockerfile emitter, the builder and migrate
//! all use these; none has a shell reader of its own.
//!
//! Must never depend on: the optimizer, the emitters, or anything outside the IR's plain data.

pub mod lexer;
mod quote;
pub mod script;
pub mod volumes;

pub use quote::{Unquotable, quote, render, unquotable};
