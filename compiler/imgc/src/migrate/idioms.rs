//! The commands the standard library writes, both ways: [`canonical`] puts a command's words in
//! one order and spelling (flags of `apt-get`, `rm`, `ln`, `groupadd`, `useradd`, `addgroup`,
//! `adduser` in any order, long or short), and [`recognize`] finds, in an `&&` chain, the
//! commands that a call of `std.apt`, `std.user` or `std.log` expands to exactly.

use super::shell::{Token, canonical_words, is_plain_word};
use super::tree;
use crate::syntax::ast;

/// A standard library call that writes exactly some commands of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `apt.install` (`recommends: false`) or `apt.install_with_recommends`.
    AptInstall {
        packages: Vec<String>,
        recommends: bool,
    },
    AptPurge {
        packages: Vec<String>,
    },
    /// `user.create` (`busybox: false`) or `user.create_busybox`.
    UserCreate {
        name: String,
        uid: i64,
        gid: i64,
        home: String,
        shell: String,
        busybox: bool,
    },
    /// `log.to_stdout` or `log.to_stderr`.
    Log {
        file: String,
        stderr: bool,
    },
}

impl Call {
    /// The call as an `.img` syntax tree.
    pub fn tree(&self) -> ast::Call {
        // A long package list reads best one package a line.
        let list = |items: &[String]| tree::list(items.iter().map(|p| tree::string(p)).collect(), items.len() > 3);
        match self {
            Call::AptInstall { packages, recommends } => {
                let function = if *recommends { "apt.install_with_recommends" } else { "apt.install" };
                tree::call(function, vec![(None, list(packages))])
            }
            Call::AptPurge { packages } => tree::call("apt.purge", vec![(None, list(packages))]),
            Call::UserCreate { name, uid, gid, home, shell, busybox } => {
                let (function, default_shell) = if *busybox {
                    ("user.create_busybox", "/sbin/nologin")
                } else {
                    ("user.create", "/usr/sbin/nologin")
                };
                let mut args = vec![(None, tree::string(name)), (Some("uid"), tree::int(*uid))];
                if gid != uid {
                    args.push((Some("gid"), tree::int(*gid)));
                }
                if *home != format!("/home/{name}") {
                    args.push((Some("home"), tree::string(home)));
                }
                if shell != default_shell {
                    args.push((Some("login_shell"), tree::string(shell)));
                }
                tree::call(function, args)
            }
            Call::Log { file, stderr } => {
                let function = if *stderr { "log.to_stderr" } else { "log.to_stdout" };
                tree::call(function, vec![(None, tree::string(file))])
            }
        }
    }

    /// The module the call needs imported.
    pub fn module(&self) -> &'static str {
        match self {
            Call::AptInstall { .. } | Call::AptPurge { .. } => "apt",
            Call::UserCreate { .. } => "user",
            Call::Log { .. } => "log",
        }
    }
}

/// How the options of a command are spelled: short flags that take a value, and long names
/// mapped to short ones (a long name mapped to `'-'` has no short form).
struct Options {
    command: &'static str,
    /// The subcommand that follows the command (`apt-get install`).
    subcommand: Option<&'static str>,
    with_value: &'static [char],
    without_value: &'static [char],
    long: &'static [(&'static str, char)],
}

/// A long option without a short form, kept under its canonical long name.
const LONG_ONLY: char = '-';

const COMMANDS: &[Options] = &[
    Options {
        command: "apt-get",
        subcommand: Some("install"),
        with_value: &[],
        without_value: &['y'],
        long: &[("yes", 'y'), ("assume-yes", 'y'), ("no-install-recommends", LONG_ONLY)],
    },
    Options {
        command: "apt-get",
        subcommand: Some("purge"),
        with_value: &[],
        without_value: &['y'],
        long: &[("yes", 'y'), ("assume-yes", 'y'), ("auto-remove", LONG_ONLY), ("autoremove", LONG_ONLY)],
    },
    Options { command: "rm", subcommand: None, with_value: &[], without_value: &['r', 'R', 'f'], long: &[] },
    Options { command: "ln", subcommand: None, with_value: &[], without_value: &['s', 'f'], long: &[] },
    Options {
        command: "groupadd",
        subcommand: None,
        with_value: &['g'],
        without_value: &['r'],
        long: &[("system", 'r'), ("gid", 'g')],
    },
    Options {
        command: "useradd",
        subcommand: None,
        with_value: &['u', 'g', 'd', 's'],
        without_value: &['r', 'm'],
        long: &[("system", 'r'), ("uid", 'u'), ("gid", 'g'), ("home-dir", 'd'), ("create-home", 'm'), ("shell", 's')],
    },
    Options { command: "addgroup", subcommand: None, with_value: &['g'], without_value: &['S'], long: &[] },
    Options {
        command: "adduser",
        subcommand: None,
        with_value: &['u', 'G', 'h', 's'],
        without_value: &['S', 'D'],
        long: &[],
    },
];

/// A command read against its option table: `(flag, value)` pairs in canonical order (a flag
/// written `-x`, or `--name` when it has no short form), and the operands in their order.
#[derive(Debug, PartialEq, Eq)]
struct Parsed {
    prefix: Vec<String>,
    command: &'static str,
    subcommand: Option<&'static str>,
    options: Vec<(String, Option<String>)>,
    operands: Vec<String>,
}

impl Parsed {
    fn flags(&self) -> Vec<&str> {
        self.options.iter().map(|(f, _)| f.as_str()).collect()
    }

    fn value(&self, flag: &str) -> Option<String> {
        self.options.iter().find(|(f, _)| f == flag).and_then(|(_, v)| v.clone())
    }
}

/// Reads a command's words with its option table; `None` for any other command, a flag the
/// table does not know, or a flag given twice.
fn parse(words: &[String]) -> Option<Parsed> {
    let start = words.iter().position(|w| !super::shell::is_assignment(w))?;
    let (prefix, words) = words.split_at(start);
    let table = COMMANDS.iter().find(|t| {
        words.first().is_some_and(|w| w == t.command)
            && t.subcommand.is_none_or(|sub| words.get(1).is_some_and(|w| w == sub))
    })?;
    let mut rest = words[1 + usize::from(table.subcommand.is_some())..].iter();
    let mut options: Vec<(String, Option<String>)> = Vec::new();
    let mut operands = Vec::new();
    while let Some(word) = rest.next() {
        if let Some(long) = word.strip_prefix("--") {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let (_, flag) = table.long.iter().find(|(n, _)| *n == name)?;
            let canonical = if *flag == LONG_ONLY { format!("--{name}") } else { format!("-{flag}") };
            let value = match (table.with_value.contains(flag), attached) {
                (true, Some(value)) => Some(value),
                (true, None) => Some(rest.next()?.clone()),
                (false, Some(_)) => return None,
                (false, None) => None,
            };
            options.push((canonical, value));
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            let chars: Vec<char> = shorts.chars().collect();
            for (index, flag) in chars.iter().enumerate() {
                if table.with_value.contains(flag) {
                    let attached: String = chars[index + 1..].iter().collect();
                    let value = if attached.is_empty() { rest.next().cloned()? } else { attached };
                    options.push((format!("-{flag}"), Some(value)));
                    break;
                }
                if !table.without_value.contains(flag) {
                    return None;
                }
                options.push((format!("-{flag}"), None));
            }
        } else {
            operands.push(word.clone());
        }
    }
    options.sort();
    if options.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    Some(Parsed { prefix: prefix.to_vec(), command: table.command, subcommand: table.subcommand, options, operands })
}

/// The assignment the standard library writes before `apt-get install`.
const FRONTEND: &str = "DEBIAN_FRONTEND=noninteractive";

/// A command's words in canonical form. `frontend` tells that `DEBIAN_FRONTEND=noninteractive`
/// is already in the environment (so writing it before a command changes nothing).
pub fn canonical(command: &[Token], frontend: bool) -> Vec<String> {
    let mut words = canonical_words(command);
    if frontend && words.first().is_some_and(|w| w == FRONTEND) && words.len() > 1 {
        words.remove(0);
    }
    match parse(&words) {
        Some(parsed) => {
            let mut out = parsed.prefix;
            out.push(parsed.command.to_string());
            out.extend(parsed.subcommand.map(str::to_string));
            for (flag, value) in parsed.options {
                out.push(flag);
                out.extend(value);
            }
            out.extend(parsed.operands);
            out
        }
        None => words,
    }
}

/// The commands of a chain in canonical form, with the `mkdir -p "$(dirname F)"` that
/// `std.log` writes before `ln -sf /dev/stdout F` left out (it changes nothing when the `ln`
/// succeeds, as the folder then exists).
pub fn canonical_chain(commands: &[Vec<Token>], frontend: bool) -> Vec<Vec<String>> {
    let canonical: Vec<Vec<String>> = commands.iter().map(|c| canonical(c, frontend)).collect();
    let mut out = Vec::new();
    for (index, words) in canonical.iter().enumerate() {
        let next_links = canonical.get(index + 1).and_then(|next| log_link(next));
        if let Some((file, _)) = next_links
            && *words == mkdir_for(&file)
        {
            continue;
        }
        out.push(words.clone());
    }
    out
}

fn mkdir_for(file: &str) -> Vec<String> {
    vec!["mkdir".into(), "-p".into(), format!("\"$(dirname {file})\"")]
}

/// `ln -sf /dev/stdout F`: the file and whether it is standard error. Only for a file `std.log`
/// writes back as it is, unquoted (`a=b` is quoted, as the shell could take it for an assignment).
fn log_link(words: &[String]) -> Option<(String, bool)> {
    match words {
        [ln, s, f, target, file]
            if ln == "ln" && s == "-f" && f == "-s" && is_plain_word(file) && crate::shell::quote(file) == *file =>
        {
            match target.as_str() {
                "/dev/stdout" => Some((file.clone(), false)),
                "/dev/stderr" => Some((file.clone(), true)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// One item of a chain after recognition: commands kept as they are, or a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Commands `start..end` of the chain.
    Commands(usize, usize),
    Call(Call),
}

/// Finds the standard library calls in a chain of commands (each given as tokens). Commands
/// that are no call are returned one an item.
pub fn recognize(commands: &[Vec<Token>], frontend: bool) -> Vec<(Item, usize, usize)> {
    let canonical: Vec<Vec<String>> = commands.iter().map(|c| canonical(c, frontend)).collect();
    let mut out = Vec::new();
    let mut index = 0;
    while index < canonical.len() {
        let (call, used) = match call_at(&canonical[index..], frontend) {
            Some(found) => found,
            None => {
                out.push((Item::Commands(index, index + 1), index, index + 1));
                index += 1;
                continue;
            }
        };
        out.push((Item::Call(call), index, index + used));
        index += used;
    }
    out
}

/// A call whose expansion is the first commands of `words`, and how many it covers.
fn call_at(words: &[Vec<String>], frontend: bool) -> Option<(Call, usize)> {
    let word = |i: usize| words.get(i).map(|w| w.iter().map(String::as_str).collect::<Vec<&str>>());
    let lists_removed = |i: usize| word(i).is_some_and(|w| w == ["rm", "-f", "-r", "/var/lib/apt/lists/*"]);
    if word(0).is_some_and(|w| w == ["apt-get", "update"]) && lists_removed(2) {
        let install = parse(&words[1])?;
        let prefix_ok = frontend && install.prefix.is_empty() || install.prefix == [FRONTEND];
        let recommends = match install.flags().as_slice() {
            ["--no-install-recommends", "-y"] => false,
            ["-y"] => true,
            _ => return None,
        };
        if install.subcommand == Some("install") && prefix_ok && packages_ok(&install.operands) {
            return Some((Call::AptInstall { packages: install.operands, recommends }, 3));
        }
        return None;
    }
    if let Some(purge) = parse(&words[0]).filter(|p| p.subcommand == Some("purge"))
        && lists_removed(1)
    {
        let auto_remove = matches!(purge.flags().as_slice(), ["--auto-remove" | "--autoremove", "-y"]);
        if purge.prefix.is_empty() && auto_remove && packages_ok(&purge.operands) {
            return Some((Call::AptPurge { packages: purge.operands }, 2));
        }
        return None;
    }
    if let (Some(group), Some(user)) = (parse(&words[0]), words.get(1).and_then(|w| parse(w)))
        && let Some(call) = user_create(&group, &user)
    {
        return Some((call, 2));
    }
    if let Some((file, stderr)) = log_link(&words[0]) {
        return Some((Call::Log { file, stderr }, 1));
    }
    if words.len() > 1 && log_link(&words[1]).is_some_and(|(file, _)| words[0] == mkdir_for(&file)) {
        let (file, stderr) = log_link(&words[1])?;
        return Some((Call::Log { file, stderr }, 2));
    }
    None
}

fn packages_ok(packages: &[String]) -> bool {
    !packages.is_empty() && packages.iter().all(|p| is_plain_word(p) && !p.starts_with('-'))
}

/// `groupadd … && useradd …` (or the busybox pair) as `std.user` writes it.
fn user_create(group: &Parsed, user: &Parsed) -> Option<Call> {
    let number =
        |text: Option<String>| text.and_then(|t| t.parse::<i64>().ok().filter(|n| *n >= 0 && n.to_string() == t));
    if !group.prefix.is_empty() || !user.prefix.is_empty() {
        return None;
    }
    let ([group_name], [user_name]) = (group.operands.as_slice(), user.operands.as_slice()) else {
        return None;
    };
    if group_name != user_name || !is_plain_word(group_name) {
        return None;
    }
    let (gid, uid, home, shell, busybox) = match (group.command, user.command) {
        ("groupadd", "useradd") => {
            if group.flags() != ["-g", "-r"] || user.flags() != ["-d", "-g", "-m", "-r", "-s", "-u"] {
                return None;
            }
            let gid = number(group.value("-g"))?;
            if number(user.value("-g"))? != gid {
                return None;
            }
            (gid, number(user.value("-u"))?, user.value("-d")?, user.value("-s")?, false)
        }
        ("addgroup", "adduser") => {
            if group.flags() != ["-S", "-g"] || user.flags() != ["-D", "-G", "-S", "-h", "-s", "-u"] {
                return None;
            }
            if user.value("-G")? != *group_name {
                return None;
            }
            (number(group.value("-g"))?, number(user.value("-u"))?, user.value("-h")?, user.value("-s")?, true)
        }
        _ => return None,
    };
    if !is_plain_word(&home) || !is_plain_word(&shell) {
        return None;
    }
    Some(Call::UserCreate { name: group_name.clone(), uid, gid, home, shell, busybox })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::shell::{and_chain, tokens};

    fn chain(script: &str) -> Vec<Vec<Token>> {
        let tokens = tokens(script).unwrap_or_default();
        and_chain(&tokens).unwrap_or_else(|| vec![tokens])
    }

    fn calls(script: &str, frontend: bool) -> Vec<Item> {
        recognize(&chain(script), frontend).into_iter().map(|(item, _, _)| item).collect()
    }

    #[test]
    fn apt_chains_become_apt_calls() {
        assert_eq!(
            calls(
                "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install --no-install-recommends -y curl 'nginx=1.22' && rm -fr /var/lib/apt/lists/* && make",
                false
            ),
            [
                Item::Call(Call::AptInstall { packages: vec!["curl".into(), "nginx=1.22".into()], recommends: false }),
                Item::Commands(3, 4)
            ]
        );
        assert_eq!(
            calls("apt-get update && apt-get install --yes jq && rm -rf /var/lib/apt/lists/*", true),
            [Item::Call(Call::AptInstall { packages: vec!["jq".into()], recommends: true })]
        );
    }

    #[test]
    fn near_misses_stay_commands() {
        for script in [
            "apt-get update && apt-get install -y jq && rm -rf /var/lib/apt/lists/*",
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq && rm -rf /var/lib/apt/lists/*",
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $PKGS && rm -rf /var/lib/apt/lists/*",
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y jq && apt-get clean",
            "groupadd -r app && useradd -r -g app app",
            "ln -s /dev/stdout /var/log/x",
        ] {
            assert!(calls(script, false).iter().all(|i| matches!(i, Item::Commands(..))), "{script}");
        }
    }

    #[test]
    fn users_and_log_links() {
        assert_eq!(
            calls("groupadd -g 1000 -r app && useradd -r -u 1000 --gid=1000 -m -d /srv/app -s /bin/sh app", false),
            [Item::Call(Call::UserCreate {
                name: "app".into(),
                uid: 1000,
                gid: 1000,
                home: "/srv/app".into(),
                shell: "/bin/sh".into(),
                busybox: false
            })]
        );
        assert_eq!(
            calls("addgroup -S -g 101 web && adduser -SD -u 100 -G web -h /home/web -s /sbin/nologin web", false).len(),
            1
        );
        assert_eq!(
            calls("ln -sf /dev/stdout /var/log/nginx/access.log && ln -fs /dev/stderr /var/log/nginx/error.log", false),
            [
                Item::Call(Call::Log { file: "/var/log/nginx/access.log".into(), stderr: false }),
                Item::Call(Call::Log { file: "/var/log/nginx/error.log".into(), stderr: true })
            ]
        );
    }

    #[test]
    fn canonical_forms_equate_spellings_and_the_log_folder() {
        let canon = |s: &str, frontend| canonical_chain(&chain(s), frontend);
        assert_eq!(
            canon("mkdir -p \"$(dirname /var/log/a)\" && ln -sf /dev/stdout /var/log/a", false),
            canon("ln -s -f /dev/stdout /var/log/a", false)
        );
        assert_eq!(
            canon("DEBIAN_FRONTEND=noninteractive apt-get install -y x", true),
            canon("apt-get install --assume-yes x", false)
        );
        assert_ne!(
            canon("DEBIAN_FRONTEND=noninteractive apt-get install -y x", false),
            canon("apt-get install -y x", false)
        );
        assert_ne!(canon("rm -rf /a /b", false), canon("rm -rf /b /a", false));
    }
}
