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

use super::script::{Script, SimpleCommand};

/// Commands that create no file a shell could run, whatever their operands.
const CREATE_NO_COMMAND: &[&str] = &[
    "true", "false", ":", "echo", "printf", "test", "[", "cat", "ls", "id", "whoami", "sleep", "pwd", "uname",
    "date", "grep", "rm", "rmdir", "groupadd", "useradd", "addgroup", "adduser", "usermod", "groupmod",
    "locale-gen", "ldconfig", "update-ca-certificates", "wc", "head", "tail", "stat", "du", "df", "env",
];

/// File tools that create files only where their operands say.
const CREATE_AT_OPERANDS: &[&str] = &["mkdir", "chmod", "chown", "chgrp", "ln", "cp", "mv", "touch"];

/// Whether running `script` may put a new command in front of one found before.
pub fn may_add_commands(script: &Script) -> bool {
    script.commands.iter().any(|command| !adds_no_command(command))
}

fn adds_no_command(command: &SimpleCommand) -> bool {
    let substitutes = command
        .assignments
        .iter()
        .chain(&command.words)
        .chain(&command.redirections)
        .any(|word| word.text.contains("$(") || word.text.contains('`'));
    if substitutes || !command.redirections.iter().all(|target| safe_target(target.literal.as_deref())) {
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
        _ if CREATE_AT_OPERANDS.contains(&name) => command
            .arguments()
            .all(|operand| operand.is_some_and(|o| o.starts_with('-') || (o.starts_with('/') && outside_bin(o)))),
        _ => false,
    }
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
    use crate::optimize::script::read;

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
        assert!(may_add("mkdir -p $DIR"));
    }
}
