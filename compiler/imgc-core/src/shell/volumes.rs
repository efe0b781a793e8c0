//! What a command line does under a declared `VOLUME`: buildah and docker's classic builder
//! discard what a `RUN` writes under a volume when that `RUN` ends (BuildKit keeps it). Used by
//! the merge-runs pass (a step that may write there ends its RUN) and by the W0107 lint (a step
//! that surely writes there).
//!
//! Must never depend on: the optimizer, the emitters, the lints.

use super::script::{Script, SimpleCommand};

/// Commands that only read the paths they are given (when given no option that writes).
const READERS: &[&str] = &[
    "ls",
    "cat",
    "test",
    "[",
    "stat",
    "grep",
    "egrep",
    "fgrep",
    "head",
    "tail",
    "wc",
    "du",
    "df",
    "echo",
    "printf",
    "readlink",
    "realpath",
    "file",
    "diff",
    "cmp",
    "sha256sum",
    "sha1sum",
    "sha512sum",
    "md5sum",
    "basename",
    "dirname",
    "true",
    "false",
    "tree",
    "less",
    "more",
    "od",
    "hexdump",
    "xxd",
    "strings",
    "ldd",
];

/// Commands that write every path operand they are given.
const WRITERS: &[&str] =
    &["touch", "mkdir", "mv", "rm", "rmdir", "tee", "chmod", "chown", "chgrp", "truncate", "mkfifo"];

/// Commands that write their last operand (the destination).
const DESTINATION_WRITERS: &[&str] = &["cp", "ln", "install", "rsync"];

/// Whether `path` is `volume` or under it.
pub fn is_under(path: &str, volume: &str) -> bool {
    let volume = volume.trim_end_matches('/');
    let path = path.trim_end_matches('/');
    path == volume || path.strip_prefix(volume).is_some_and(|rest| rest.starts_with('/')) || volume.is_empty()
}

fn operands(command: &SimpleCommand) -> Vec<&str> {
    command
        .words
        .iter()
        .skip(1)
        .map(|w| w.literal.as_deref().unwrap_or(w.text.as_str()))
        .filter(|a| !a.starts_with('-'))
        .collect()
}

/// The paths the script surely writes: output redirections, and operands of commands known to
/// write them.
pub fn surely_written(script: &Script) -> Vec<String> {
    let mut out = Vec::new();
    for command in &script.commands {
        out.extend(command.written_files.iter().map(|w| w.literal.clone().unwrap_or_else(|| w.text.clone())));
        let operands = operands(command);
        match command.name() {
            Some(name) if WRITERS.contains(&name) => out.extend(operands.iter().map(|s| s.to_string())),
            Some(name) if DESTINATION_WRITERS.contains(&name) => out.extend(operands.last().map(|s| s.to_string())),
            _ => {}
        }
    }
    out
}

/// The first volume the script may write under: a path it surely writes, or a path under a
/// volume given to a command not known to only read (or after a `cd`, anything relative).
pub fn may_write_under<'v>(script: &Script, volumes: &'v [String]) -> Option<&'v str> {
    let moves = script.commands.iter().any(|c| matches!(c.name(), Some("cd" | "chdir" | "pushd" | "popd")));
    let mut paths = surely_written(script);
    for command in &script.commands {
        let reader = command.name().is_some_and(|n| READERS.contains(&n));
        if !reader {
            paths.extend(command.words.iter().skip(1).map(|w| w.literal.clone().unwrap_or_else(|| w.text.clone())));
            paths.extend(command.redirections.iter().map(|w| w.literal.clone().unwrap_or_else(|| w.text.clone())));
        }
    }
    volumes.iter().map(String::as_str).find(|volume| {
        paths.iter().any(|p| {
            // `--target=/data/x`, `of=/data/x`: a path after `=`.
            let path = p.rsplit_once('=').map_or(p.as_str(), |(_, v)| v);
            is_under(path, volume) || (moves && !path.starts_with('/') && !path.is_empty())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::script;

    fn read(s: &str) -> Script {
        script::read(s).expect("reads")
    }

    #[test]
    fn reads_and_writes_under_a_volume_are_told_apart() {
        let volumes = vec!["/data".to_string()];
        assert_eq!(may_write_under(&read("echo after > /data/after.txt"), &volumes), Some("/data"));
        assert_eq!(may_write_under(&read("ls /data > /ls.txt"), &volumes), None);
        assert_eq!(may_write_under(&read("cat /data/x | wc -l > /n"), &volumes), None);
        assert_eq!(may_write_under(&read("python3 /data/fill.py"), &volumes), Some("/data"));
        assert_eq!(may_write_under(&read("cd /data && touch x"), &volumes), Some("/data"));
        assert_eq!(may_write_under(&read("echo /database > /x"), &volumes), None);
        assert_eq!(surely_written(&read("cp a b /data/ && ls /data")), ["/data/"]);
        assert!(surely_written(&read("ls /data > /ls.txt")).iter().all(|p| !is_under(p, "/data")));
    }
}
