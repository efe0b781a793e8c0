//! `imgc lsp`: the `.img` language server. It speaks the Language Server Protocol over a
//! connection (standard input and output for editors) and answers from the compiler used as a
//! library: the same parser, checker, lints, optimizer, emitter and formatter as `imgc`, and the
//! core's name index. Nothing here parses or checks `.img` a second time.
//!
//! Must never depend on: the `imgc` crate (the CLI), the builder, an async runtime.

mod actions;
mod analysis;
mod complete;
mod diagnostics;
mod hover;
mod navigate;
mod outline;
mod server;
mod text;

pub use server::{DEBOUNCE, capabilities};

use lsp_server::Connection;

/// Serves one client on a connection until it says `exit`.
pub fn serve(connection: Connection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let capabilities = serde_json::to_value(capabilities())?;
    let params = connection.initialize(capabilities)?;
    let params: lsp_types::InitializeParams = serde_json::from_value(params)?;
    server::Server::new(connection, &params).run()?;
    Ok(())
}

/// Serves the editor that started `imgc lsp` on standard input and output.
pub fn run_stdio() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, io_threads) = Connection::stdio();
    serve(connection)?;
    io_threads.join()?;
    Ok(())
}
