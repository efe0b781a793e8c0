//! What the `imgc` command reads and how it reports what is not a diagnostic: programs from a
//! path or from standard input (`-`), and I/O and usage errors in the chosen message format
//! (a JSON line has the diagnostics' shape, with no code and no location).

use imgc::{Compilation, Options};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name messages give the program read from standard input.
const STDIN_NAME: &str = "<stdin>";

/// Whether `path` names standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads and compiles the program at `path`, or on standard input when `path` is `-` (its
/// relative imports resolve from the current directory).
pub fn compile(path: &Path, options: &Options) -> Result<Compilation, String> {
    if is_stdin(path) {
        let text = read_stdin()?;
        return Ok(imgc::compile_source(STDIN_NAME, &text, options));
    }
    imgc::compile_file(path, options).map_err(|error| error.to_string())
}

/// Reads a text input (a Dockerfile, a program): the file at `path`, or standard input for `-`.
pub fn read(path: &Path) -> Result<String, String> {
    if is_stdin(path) { read_stdin() } else { imgc::read_text(path).map_err(|error| error.to_string()) }
}

/// The name to show for `path` in messages.
pub fn display_name(path: &Path) -> String {
    if is_stdin(path) { STDIN_NAME.to_string() } else { path.display().to_string() }
}

/// The path relative imports of `path` resolve against.
pub fn program_path(path: &Path) -> PathBuf {
    if is_stdin(path) { PathBuf::from(STDIN_NAME) } else { path.to_path_buf() }
}

fn read_stdin() -> Result<String, String> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).map_err(|error| format!("cannot read standard input: {error}"))?;
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "cannot read standard input: it is not UTF-8 text (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        )
    })
}

/// An error that is no diagnostic (a file that cannot be read or written, a bad command line) as
/// one JSON line.
pub fn error_json(message: &str) -> String {
    let value = serde_json::json!({
        "severity": "error",
        "code": null,
        "message": message,
        "location": null,
        "related": [],
        "help": null,
    });
    format!("{value}\n")
}

/// Whether the command line asks for JSON messages; read before the command line is parsed, so
/// that a usage error is reported in the format asked for.
pub fn wants_json(args: &[String]) -> bool {
    args.iter().enumerate().any(|(i, arg)| {
        arg == "--message-format=json" || (arg == "--message-format" && args.get(i + 1).is_some_and(|v| v == "json"))
    })
}
