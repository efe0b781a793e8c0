//! Whether a shell command may add a command to `PATH`: create a file under a name the shell
//! would find before the one it found earlier. A shell remembers where it found each command
//! (its hash table) and, for a later run of the same name, starts looking there; a command
//! created in an earlier `PATH` directory in between is seen by a fresh shell (a `RUN` of its
//! own) but not by the shell that remembered. merge-runs asks this to keep such steps apart.
//!
//! The answer is "no" only for commands known to create no file a shell could run: the ones that
//! only read, remove or print; package managers' index and cleanup commands; account tools; and
//! file tools whose every operand is a literal absolute path outside any `bin` directory. Anything
//! else, a command substitution, or a redirection into such a place may.

use crate::shell::script::{Script, SimpleCommand};

/// Commands that create no file a shell could run, whatever their operands (`mkdir` makes
/// directories, which a shell skips when it looks a command up).
const CREATE_NO_COMMAND: &[&str] = &[
    "true",
    "false",
    ":",
    "echo",
    "printf",
    "test",
    "[",
    "cat",
    "ls",
    "id",
    "whoami",
    "sleep",
    "pwd",
    "uname",
    "date",
    "grep",
    "rm",
    "rmdir",
    "groupadd",
    "useradd",
    "addgroup",
    "adduser",
    "usermod",
    "groupmod",
    "locale-gen",
    "ldconfig",
    "update-ca-certificates",
    "wc",
    "head",
    "tail",
    "stat",
    "du",
    "df",
    "env",
    "dirname",
    "basename",
    "mkdir",
];

/// File tools that create files only where their operands say.
const CREATE_AT_OPERANDS: &[&str] = &["chmod", "chown", "chgrp", "ln", "cp", "mv", "touch"];

/// Whether running `script` may put a new command in front of one found before.
pub fn may_add_commands(script: &Script) -> bool {
    script.commands.iter().any(|command| !adds_no_command(command))
}

fn adds_no_command(command: &SimpleCommand) -> bool {
    let substitutions_add = command.assignments.iter().chain(&command.words).chain(&command.redirections).any(|word| {
        word.text.contains('`') || substitutions(&word.text).is_none_or(|inner| inner.iter().any(|s| may_add_text(s)))
    });
    if substitutions_add || !command.redirections.iter().all(|target| safe_target(target.literal.as_deref())) {
        return false;
    }
    let Some(name) = command.name() else {
        // Assignments alone run nothing.
        return command.words.is_empty();
    };
    let name = name.rsplit('/').next().unwrap_or(name);
    let subcommand = command.arguments().flatten().find(|a| !a.starts_with('-'));
    match name {
        _ if CREATE_NO_COMMAND.contains(&name) => {
            // `env NAME=value command` runs the command.
            name != "env" || command.words.len() == 1
        }
        "apt-get" | "apt" => {
            matches!(subcommand, Some("update" | "clean" | "autoclean" | "autoremove" | "remove" | "purge"))
        }
        "apk" => matches!(subcommand, Some("update" | "del" | "cache")),
        "yum" | "dnf" | "microdnf" => matches!(subcommand, Some("clean" | "makecache" | "remove" | "erase")),
        "curl" => curl_writes_no_command(command),
        _ if CREATE_AT_OPERANDS.contains(&name) => command
            .arguments()
            .all(|operand| operand.is_some_and(|o| o.starts_with('-') || (o.starts_with('/') && outside_bin(o)))),
        _ => false,
    }
}

/// `curl` writes to standard output, or to the file of `-o`: no command unless that file is in a
/// `bin` directory or named by the server (`-O`).
fn curl_writes_no_command(command: &SimpleCommand) -> bool {
    let arguments: Vec<Option<&str>> = command.arguments().collect();
    let mut output_next = false;
    for argument in arguments {
        let Some(argument) = argument else { return false };
        if output_next {
            if !(argument.starts_with('/') && outside_bin(argument)) {
                return false;
            }
            output_next = false;
        } else if argument == "--output" {
            output_next = true;
        } else if argument.starts_with("--remote-name") || argument.starts_with("--output-dir") {
            return false;
        } else if let Some(flags) = argument.strip_prefix('-').filter(|f| !f.starts_with('-')) {
            if flags.contains('O') {
                return false;
            }
            output_next = flags.ends_with('o');
        }
    }
    !output_next
}

/// The texts of the `$( … )` substitutions in a word, as written; `None` when one is not closed
/// where this simple reading expects.
fn substitutions(word: &str) -> Option<Vec<&str>> {
    let mut found = Vec::new();
    let mut rest = word;
    while let Some(start) = rest.find("$(") {
        let inner = &rest[start + 2..];
        let mut depth = 1usize;
        let end = inner.char_indices().find_map(|(i, c)| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        })?;
        found.push(&inner[..end]);
        rest = &inner[end + 1..];
    }
    Some(found)
}

/// Whether a command line (a substitution's) may add a command; so does one that cannot be read.
fn may_add_text(text: &str) -> bool {
    crate::shell::script::read(text).map_or(true, |script| may_add_commands(&script))
}

/// A redirection target that cannot be a command: a descriptor, `-`, or an absolute path outside
/// any `bin` directory.
fn safe_target(target: Option<&str>) -> bool {
    target.is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()) || t == "-" || (t.starts_with('/') && outside_bin(t)))
}

fn outside_bin(path: &str) -> bool {
    !path.split('/').any(|component| component.contains("bin"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::script::read;

    fn may_add(line: &str) -> bool {
        may_add_commands(&read(line).expect("readable"))
    }

    #[test]
    fn index_updates_and_cleanups_add_no_command() {
        assert!(!may_add("apt-get update"));
        assert!(!may_add("rm -rf /var/lib/apt/lists/*"));
        assert!(!may_add("apt-get clean && rm -rf /tmp/*"));
        assert!(!may_add("groupadd --system app && useradd --system --shell /usr/sbin/nologin -g app app"));
        assert!(!may_add("mkdir -p /app/data && echo ok > /app/data/ok"));
        assert!(!may_add("ln -sf /dev/stdout /var/log/nginx/access.log"));
        assert!(!may_add("mkdir -p \"$(dirname /var/log/nginx/access.log)\""));
        assert!(!may_add("curl -fsSL -o /tmp/download https://example.com/tool.tar.gz"));
    }

    #[test]
    fn installs_and_writes_into_bin_may() {
        assert!(may_add("apt-get install -y curl"));
        assert!(may_add("pip install -U pip"));
        assert!(may_add("ln -s /opt/node/bin/node /usr/local/bin/node"));
        assert!(may_add("echo x > /usr/local/bin/tool"));
        assert!(may_add("cp tool ./bin/"));
        assert!(may_add("echo $(make)"));
        assert!(may_add("env PATH=/x make"));
        assert!(may_add("chmod +x $DIR/tool"));
        assert!(may_add("mkdir -p \"$(make dir)\""));
        assert!(may_add("curl -fsSLO https://example.com/tool"));
        assert!(may_add("curl -o /usr/local/bin/tool https://example.com/tool"));
        assert!(may_add("curl -fsSLo"));
    }
}
