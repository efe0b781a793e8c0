//! What a shell command line does, read from its tokens: the simple commands it runs, whether
//! any of them changes the state of the shell itself (its directory, variables, options, traps…),
//! and how its commands are joined.

use super::lexer::{LexError, Lexed, Operator, Token, Word, lex};

/// A command line, read.
#[derive(Debug, Clone)]
pub struct Script {
    pub lexed: Lexed,
    /// Every simple command outside substitutions, in order. A reserved word that starts a
    /// construct which binds a variable (`for`, `case`, `select`, `function`, `coproc`, `[[`)
    /// is a command of its own here.
    pub commands: Vec<SimpleCommand>,
    /// Operators that end a command other than `&&` and `|`: `;`, `||`, `&`, `;;`, line breaks.
    pub separators: Vec<&'static str>,
}

/// `NAME=value … command arguments…`, without its redirections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    pub assignments: Vec<Word>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    /// The words after its redirection operators: files, descriptors, here-document delimiters.
    pub redirections: Vec<Word>,
    /// The files its output redirections (`>`, `>>`, `>|`, `<>`) open for writing.
    pub written_files: Vec<Word>,
    /// `name() …`: defines a function called `words[0]`.
    pub defines_function: bool,
    /// Inside `( … )`: it runs in a subshell, so what it changes in the shell does not last.
    pub in_subshell: bool,
}

impl SimpleCommand {
    /// The command name, when it is known before running.
    pub fn name(&self) -> Option<&str> {
        self.words.first().and_then(|w| w.literal.as_deref())
    }

    /// The arguments' values (`None` for one only known when running).
    pub fn arguments(&self) -> impl Iterator<Item = Option<&str>> {
        self.words.iter().skip(1).map(|w| w.literal.as_deref())
    }
}

/// Reserved words after which a command follows.
const LEADING_RESERVED: &[&str] =
    &["!", "{", "}", "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "time"];
/// Reserved words that start a construct binding a variable or running in the background.
const BINDING_RESERVED: &[&str] = &["for", "case", "select", "function", "coproc", "[["];
/// Special built-ins before which an assignment stays in the shell (XCU 2.14).
const SPECIAL_BUILTINS: &[&str] = &[
    ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times",
    "trap", "unset",
];

/// Reads a command line into its simple commands.
pub fn read(input: &str) -> Result<Script, LexError> {
    let lexed = lex(input)?;
    let mut commands = Vec::new();
    let mut separators = Vec::new();
    let mut current = SimpleCommand::default();
    let mut redirection_target = false;
    let mut output_target = false;
    // Open subshells, and whether the next `)` closes a function definition's `()`.
    let mut subshells = 0usize;
    let mut function_parens = false;
    let flush = |current: &mut SimpleCommand, commands: &mut Vec<SimpleCommand>, subshells: usize| {
        if !current.words.is_empty() || !current.assignments.is_empty() || !current.redirections.is_empty() {
            current.in_subshell = subshells > 0;
            commands.push(std::mem::take(current));
        }
    };
    for token in &lexed.tokens {
        match token {
            Token::Word(word) => {
                if redirection_target {
                    redirection_target = false;
                    if std::mem::take(&mut output_target) {
                        current.written_files.push(word.clone());
                    }
                    current.redirections.push(word.clone());
                    continue;
                }
                if word.io_number {
                    continue;
                }
                if current.words.is_empty() {
                    let reserved = current.assignments.is_empty().then_some(()).and(word.literal.as_deref());
                    if reserved.is_some_and(|w| LEADING_RESERVED.contains(&w)) {
                        continue;
                    }
                    if reserved.is_some_and(|w| BINDING_RESERVED.contains(&w)) {
                        commands.push(SimpleCommand { words: vec![word.clone()], ..SimpleCommand::default() });
                        continue;
                    }
                    if is_assignment(&word.text) {
                        current.assignments.push(word.clone());
                        continue;
                    }
                }
                current.words.push(word.clone());
            }
            Token::Operator(operator) if operator.is_redirection() => {
                redirection_target = true;
                output_target = matches!(
                    operator,
                    Operator::Great | Operator::DoubleGreat | Operator::Clobber | Operator::LessGreat
                );
            }
            Token::Operator(Operator::OpenParen) if current.words.len() == 1 => {
                current.defines_function = true;
                function_parens = true;
                flush(&mut current, &mut commands, subshells);
            }
            Token::Operator(operator) => {
                flush(&mut current, &mut commands, subshells);
                match operator {
                    Operator::OpenParen => subshells += 1,
                    Operator::CloseParen if function_parens => function_parens = false,
                    Operator::CloseParen => subshells = subshells.saturating_sub(1),
                    _ => {}
                }
                if matches!(
                    operator,
                    Operator::Semicolon | Operator::OrIf | Operator::Ampersand | Operator::DoubleSemicolon
                ) {
                    separators.push(operator.as_str());
                }
            }
            Token::Newline => {
                flush(&mut current, &mut commands, subshells);
                separators.push("a line break");
            }
        }
    }
    flush(&mut current, &mut commands, subshells);
    Ok(Script { lexed, commands, separators })
}

/// `NAME=…`, `NAME+=…` or `NAME[…]=…`, written unquoted.
fn is_assignment(text: &str) -> bool {
    let name_end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    if name_end == 0 || text.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    let rest = &text[name_end..];
    rest.starts_with('=') || rest.starts_with("+=") || (rest.starts_with('[') && rest.contains("]="))
}

/// What a built-in changes in the shell that runs it, for the ones that change something.
fn builtin_effect(name: &str) -> Option<&'static str> {
    Some(match name {
        "cd" | "chdir" | "pushd" | "popd" | "dirs" => "changes the working directory",
        "export" | "readonly" | "unset" | "declare" | "typeset" | "local" | "let" | "read" | "readarray"
        | "mapfile" | "getopts" | "shift" => "changes shell variables",
        "set" | "shopt" | "setopt" | "unsetopt" => "changes shell options",
        "umask" => "changes the file-creation mask",
        "ulimit" => "changes resource limits",
        "trap" => "sets a trap, which runs when the shell exits",
        "alias" | "unalias" | "hash" | "enable" | "bind" | "complete" | "disown" | "fc" | "history" => {
            "changes the shell's tables"
        }
        "exec" | "newgrp" => "replaces the shell (or its open files)",
        "exit" | "logout" | "return" | "break" | "continue" => "ends the shell or changes its flow",
        "source" | "." => "reads commands into the shell itself",
        "eval" => "runs text as commands of the shell itself",
        "for" | "select" => "sets a loop variable",
        "case" => "has a `case`, which imgc reads only roughly",
        "function" => "defines a function",
        "[[" => "uses `[[`, which can set `BASH_REMATCH`",
        "coproc" => "starts a coprocess",
        "wait" => "waits for the shell's background jobs",
        _ => return None,
    })
}

impl Script {
    /// How running it changes the shell for the commands after it, if it does.
    pub fn state_change(&self) -> Option<String> {
        if self.lexed.assigning_expansion {
            return Some("assigns a variable inside an expansion".to_string());
        }
        for command in self.commands.iter().filter(|c| !c.in_subshell) {
            if command.defines_function {
                return Some(format!("defines the shell function `{}`", command.words[0].text));
            }
            let Some(word) = command.words.first() else {
                match command.assignments.first() {
                    Some(assignment) => {
                        let name = assignment.text.split(['=', '+', '[']).next().unwrap_or_default();
                        return Some(format!("assigns the shell variable `{name}`"));
                    }
                    None => continue,
                }
            };
            let Some(name) = command.name() else {
                return Some(format!("runs a command whose name is only known when it runs (`{}`)", word.text));
            };
            let name = self.effective_name(command).unwrap_or(name);
            if let Some(effect) = builtin_effect(name) {
                return Some(format!("runs `{name}`, which {effect}"));
            }
            if !command.assignments.is_empty() && SPECIAL_BUILTINS.contains(&name) {
                return Some(format!("assigns variables before the special built-in `{name}`, so they stay set"));
            }
            if name == "printf" && command.arguments().any(|a| a.is_none_or(|a| a.starts_with("-v"))) {
                return Some("runs `printf -v`, which assigns a variable".to_string());
            }
        }
        None
    }

    /// For `command NAME …` and `builtin NAME …`, NAME: that is what runs.
    fn effective_name<'a>(&self, command: &'a SimpleCommand) -> Option<&'a str> {
        match command.name()? {
            "command" | "builtin" => {
                command.arguments().find(|a| !a.is_some_and(|a| a.starts_with('-'))).map(|a| a.unwrap_or("?"))
            }
            _ => None,
        }
    }

    /// Why it may leave a process running after it, if it may: a daemon, which a `RUN` of its own
    /// would stop when it ends. Read from the command's name and flags: a heuristic, as any
    /// program may detach itself.
    pub fn starts_daemon(&self) -> Option<String> {
        const STARTERS: &[&str] =
            &["service", "systemctl", "invoke-rc.d", "start-stop-daemon", "nohup", "setsid", "daemonize", "daemon"];
        const FLAGS: &[&str] = &["-d", "-D", "--daemon", "-daemon", "--daemonize", "--fork", "-fork", "--detach"];
        for command in &self.commands {
            let Some(name) = command.name() else { continue };
            if STARTERS.contains(&name) || name.starts_with("/etc/init.d/") {
                return Some(format!("runs `{name}`, which may start a daemon"));
            }
            let flag = command.arguments().flatten().find(|a| FLAGS.contains(a));
            if let Some(flag) = flag.filter(|_| name.ends_with('d') || name.contains("daemon")) {
                return Some(format!("runs `{name} {flag}`, which may start a daemon"));
            }
        }
        None
    }

    /// The paths it removes or moves away (`rm`, `rmdir`, `mv` sources), as written.
    pub fn removed_paths(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for command in &self.commands {
            let operands: Vec<&str> = command
                .words
                .iter()
                .skip(1)
                .map(|w| w.literal.as_deref().unwrap_or(w.text.as_str()))
                .filter(|a| !a.starts_with('-'))
                .collect();
            match command.name() {
                Some("rm" | "rmdir") => out.extend(operands),
                Some("mv") => out.extend(operands.iter().take(operands.len().saturating_sub(1))),
                _ => {}
            }
        }
        out
    }

    /// Why it may turn on `set -e` (errexit), if it may.
    pub fn errexit(&self) -> Option<String> {
        for command in &self.commands {
            match command.name() {
                Some("set") => {
                    let arguments: Vec<Option<&str>> = command.arguments().collect();
                    for (i, argument) in arguments.iter().enumerate() {
                        let Some(argument) = argument else {
                            return Some("runs `set` with a computed option, which may be `-e`".to_string());
                        };
                        if *argument == "--" || !(argument.starts_with('-') || argument.starts_with('+')) {
                            break;
                        }
                        let cluster =
                            argument.starts_with('-') && !argument.starts_with("--") && argument.contains('e');
                        let long = *argument == "-o" && arguments.get(i + 1).is_some_and(|a| *a == Some("errexit"));
                        if cluster || long {
                            return Some(format!("runs `set {argument}`, which turns on errexit"));
                        }
                    }
                }
                Some(name @ ("." | "source" | "eval")) => {
                    return Some(format!("runs `{name}`, which may turn on errexit"));
                }
                _ => {}
            }
        }
        None
    }

    /// The commands it runs in the shell itself (not in a subshell) that the shell looks up in
    /// `PATH` and remembers where it found: all but the built-ins every shell has.
    pub fn looked_up(&self) -> impl Iterator<Item = &str> {
        const BUILTINS: &[&str] =
            &["echo", "printf", "test", "[", "true", "false", ":", "pwd", "type", "kill", "wait", "command", "builtin"];
        self.commands
            .iter()
            .filter(|c| !c.in_subshell && !c.defines_function)
            .filter_map(SimpleCommand::name)
            .filter(|name| !name.contains('/') && !BUILTINS.contains(name) && builtin_effect(name).is_none())
    }

    /// Whether a command's name is only known when it runs.
    pub fn runs_computed_command(&self) -> bool {
        self.commands.iter().any(|c| c.words.first().is_some_and(|w| w.literal.is_none()))
    }

    /// The first operator that would make `&&` bind to only part of the line.
    pub fn list_separator(&self) -> Option<&'static str> {
        self.separators.first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(input: &str) -> Vec<String> {
        read(input)
            .expect("reads")
            .commands
            .iter()
            .map(|c| {
                c.name().map_or_else(|| format!("?{}", c.words.first().map_or("", |w| w.text.as_str())), str::to_string)
            })
            .collect()
    }

    fn change(input: &str) -> Option<String> {
        read(input).expect("reads").state_change()
    }

    #[test]
    fn commands_are_found_after_operators_reserved_words_and_redirections() {
        assert_eq!(names("a && b | c; d || e"), ["a", "b", "c", "d", "e"]);
        assert_eq!(names("X=1 Y=2 env >out 2>&1"), ["env"]);
        assert_eq!(names(">log echo hi"), ["echo"]);
        assert_eq!(names("if test -f x; then rm x; else touch x; fi"), ["test", "rm", "touch"]);
        assert_eq!(names("! grep -q a f && { echo b; }"), ["grep", "echo"]);
        assert_eq!(names("cat <<EOF"), ["cat"]);
    }

    #[test]
    fn state_changes_are_found_wherever_they_are() {
        assert!(change("cd /src && make").is_some_and(|r| r.contains("`cd`")));
        assert!(change("make && cd /src").is_some());
        assert!(change("if true; then export A=1; fi").is_some_and(|r| r.contains("`export`")));
        assert!(change("A=1").is_some_and(|r| r.contains("`A`")));
        assert!(change("A=1 :").is_some_and(|r| r.contains("special built-in")));
        assert!(change("umask 077; touch f").is_some());
        assert!(change("trap 'rm -f x' EXIT").is_some());
        assert!(change("f() { echo; }; f").is_some_and(|r| r.contains("function")));
        assert!(change("for i in 1 2; do echo $i; done").is_some_and(|r| r.contains("loop variable")));
        assert!(change("$CC -o x x.c").is_some_and(|r| r.contains("`$CC`")));
        assert!(change(": ${A:=1}").is_some());
        assert!(change("echo $((n += 1))").is_some());
        assert!(change("command cd /").is_some_and(|r| r.contains("`cd`")));
        assert!(change("printf -v x %s 1").is_some());
        assert!(change("exec >log").is_some());
        assert!(change(". /etc/os-release").is_some());
        assert!(change("f() ( cd /x ); cd /").is_some_and(|r| r.contains("function")));
        assert!(change("(cd /a) && cd /b").is_some_and(|r| r.contains("`cd`")));
    }

    #[test]
    fn commands_that_leave_the_shell_alone_are_not_state_changes() {
        for input in [
            "apt-get update && apt-get install -y curl",
            "A=1 make install",
            "echo cd export > /notes",
            "( cd /src && make )",
            "x=$(cd /tmp; pwd) echo",
            "command -v curl",
            "printf '%s' cd",
            "echo \"$(set -e)\"",
        ] {
            assert_eq!(change(input), None, "{input}");
        }
    }

    #[test]
    fn errexit_is_found_in_every_spelling() {
        for input in
            ["set -e", "set -eux", "set -o errexit", "set -xe; make", ". ./env.sh", "eval \"$X\"", "( set -e; false )"]
        {
            assert!(read(input).expect("reads").errexit().is_some(), "{input}");
        }
        for input in ["set -x", "set +e", "set -- -e", "set -o pipefail", "echo set -e"] {
            assert_eq!(read(input).expect("reads").errexit(), None, "{input}");
        }
    }

    #[test]
    fn commands_looked_up_in_path_are_listed() {
        let script = read("apt-get update && echo x | sort; ( make ); /bin/ls; cd /; f() { g; }").expect("reads");
        let names: Vec<&str> = script.looked_up().collect();
        assert_eq!(names, ["apt-get", "sort", "g"]);
        assert!(read("$CC x.c").expect("reads").runs_computed_command());
    }

    #[test]
    fn daemons_and_removals_are_found() {
        for input in ["service nginx start", "/etc/init.d/ssh start", "dockerd -D", "nohup sleep 9"] {
            assert!(read(input).expect("reads").starts_daemon().is_some(), "{input}");
        }
        for input in ["apt-get install -y nginx", "tar -d x", "make -d"] {
            assert_eq!(read(input).expect("reads").starts_daemon(), None, "{input}");
        }
        let script = read("rm -rf /app /tmp/x && mv /src /dst && rmdir ../b").expect("reads");
        assert_eq!(script.removed_paths(), ["/app", "/tmp/x", "/src", "../b"]);
    }

    #[test]
    fn redirections_alone_are_no_command() {
        assert_eq!(change("{ echo grouped; } > /g"), None);
        assert_eq!(change("> /empty"), None);
    }

    /// Random command lines built from the characters shells treat specially: reading them
    /// never panics, and what is read can be asked every question.
    #[test]
    fn reading_any_text_never_panics() {
        const PIECES: &[&str] = &[
            " ", "a", "cd", "=", "X=1", "'", "\"", "\\", "$", "${", "}", "$(", "(", ")", "$((", "`", "#", ";", "&",
            "|", "<", ">", "<<", "!", "{", "\n", "set", "-e", "f()", "case", "for", "in", "do", "done", "*", "~",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut line = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for i in 0..(state % 12) {
                let index = ((state >> (i * 5)) as usize) % PIECES.len();
                line.push_str(PIECES[index]);
            }
            if let Ok(script) = read(&line) {
                let _ = (script.state_change(), script.errexit(), script.list_separator());
            }
        }
    }

    #[test]
    fn separators_other_than_and_and_pipe_are_listed() {
        assert_eq!(read("a && b | c").expect("reads").list_separator(), None);
        assert_eq!(read("a; b").expect("reads").list_separator(), Some(";"));
        assert_eq!(read("a || b").expect("reads").list_separator(), Some("||"));
        assert_eq!(read("echo 'a; b' \"c || d\"").expect("reads").list_separator(), None);
    }
}
