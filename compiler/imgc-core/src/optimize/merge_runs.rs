//! merge-runs: consecutive shell-form `run` steps with the same options (mounts, network,
//! security) and the same shell become one `RUN`, joined with `&&`, one command a line.
//!
//! Every `RUN` starts a fresh shell, and stops the build when its command fails. In one shell,
//! `a && b` runs `b` only when `a` succeeded, so the build still stops at the first failure. What
//! differs is what a step leaves behind in the shell, and how `&&` binds. So each step is read
//! with the shell tokenizer, and:
//! - a step that changes the shell itself (`cd`, `export`, `umask`, `trap`, `exit`…) is wrapped in
//!   a subshell `( … )`, unless it is the last command, after which the shell ends anyway;
//! - a shell remembers where in `PATH` it found a command; when a step runs a command an earlier
//!   step of the chain looked up, and a step from that one on may have added a command to `PATH`
//!   (`pip install -U pip`), `hash -r` before it makes the shell look it up afresh, as a `RUN` of
//!   its own would ([`super::path_lookup`] says which steps cannot add a command);
//! - a step with `;`, `||` or other list operators is wrapped too, so `&&` applies to all of it;
//! - a step that may turn on `set -e` can only be the last command: on the left of `&&` the
//!   shell ignores errexit; so can one that names the shell's own program (`ln -sf bash /bin/sh`),
//!   since the commands after it would still run in the old shell, one that may start a daemon,
//!   which a RUN of its own stops when it ends, one that names `BASH_ENV`, which each shell reads
//!   when it starts, and one that removes the working directory, which the commands after it
//!   would still be in; so can one that may write under a declared `VOLUME`, since buildah and
//!   docker's classic builder reset the volume's content when the RUN ends;
//! - a step is not merged when it cannot be written on one line of a chain (comments, here-documents,
//!   line breaks), runs a background job, reads `$_`, or cannot be read at all; nor when it has a
//!   mount whose content each RUN gets afresh (tmpfs, a read-write bind mount); exec-form steps
//!   are never rewritten; the stage's shell must be a POSIX shell without `-e`.

use super::Pass;
use super::explain::{EventKind, Explain};
use super::path_lookup;
use crate::ir::{Base, Command, Instruction, InstructionKind, MountKind, Program, Run, Stage, Text, TextPart};
use crate::shell;
use crate::shell::{script, volumes};
use crate::source::Span;
use std::collections::BTreeSet;

const PASS: Pass = Pass::MergeRuns;

pub fn merge_runs(program: &mut Program, explain: &mut Explain) {
    for index in 0..program.stages.len() {
        let shell = program.initial_shell(index);
        // A volume imgc cannot read could be anywhere: `/` stands for it.
        let volumes = inherited_volumes(program, index).unwrap_or_else(|| vec!["/".to_string()]);
        merge_stage(&mut program.stages[index], shell, volumes, explain);
    }
}

/// The volumes the stage's base stages declare, as literal paths (`None` when one is not literal).
fn inherited_volumes(program: &Program, stage: usize) -> Option<Vec<String>> {
    let mut volumes = Vec::new();
    for instruction in program.base_volumes(stage) {
        if let InstructionKind::Volume(paths) = &instruction.kind {
            for path in paths {
                volumes.push(path.as_literal()?);
            }
        }
    }
    Some(volumes)
}

/// A `RUN` that may go into a chain, and how.
struct Step {
    instruction: Instruction,
    text: Text,
    /// What it changes in the shell: it needs a subshell unless it runs last.
    state_change: Option<String>,
    /// An operator that `&&` would bind across: it needs `( … )` wherever it is.
    separator: Option<&'static str>,
    /// Why it must run last: it may turn on errexit, or replace the shell's program.
    ends_chain: Option<String>,
    /// The commands it runs in the shell itself that the shell looks up in `PATH`.
    looked_up: BTreeSet<String>,
    /// Every word in it: the names a later step could run.
    words: BTreeSet<String>,
    /// It runs a command whose name is computed: it could run any of them.
    runs_anything: bool,
    /// It may create a command a shell would find before one it found earlier.
    may_add_commands: bool,
}

impl Step {
    fn run(&self) -> Option<&Run> {
        match &self.instruction.kind {
            InstructionKind::Run(run) => Some(run),
            _ => None,
        }
    }
}

/// What each instruction is to this pass.
enum Item {
    Mergeable(Step),
    /// A `RUN` that stays alone, and why.
    Alone(Instruction, String),
    Boundary(Instruction),
    Other(Instruction),
}

fn merge_stage(stage: &mut Stage, initial_shell: Vec<String>, mut volumes: Vec<String>, explain: &mut Explain) {
    let mut shell = initial_shell;
    // The working directory, when the stage sets it; `/` is the default of a new stage.
    let mut workdir: Option<String> = matches!(stage.base, Base::Scratch).then(|| "/".to_string());
    let mut items = Vec::new();
    for instruction in std::mem::take(&mut stage.instructions) {
        items.push(match &instruction.kind {
            InstructionKind::Run(run) => match classify(run, &shell) {
                Ok((text, script)) => Item::Mergeable(Step {
                    text,
                    state_change: script.state_change(),
                    separator: script.list_separator(),
                    ends_chain: ends_chain(&script, &shell, workdir.as_deref()).or_else(|| {
                        volumes::may_write_under(&script, &volumes).map(|volume| {
                            format!(
                                "may write under the volume `{volume}`, which buildah and docker's classic builder \
                                 reset when the RUN ends"
                            )
                        })
                    }),
                    looked_up: script.looked_up().map(str::to_string).collect(),
                    runs_anything: script.runs_computed_command(),
                    may_add_commands: path_lookup::may_add_commands(&script),
                    words: script.lexed.words,
                    instruction,
                }),
                Err(reason) => Item::Alone(instruction, reason),
            },
            InstructionKind::LayerBoundary => Item::Boundary(instruction),
            InstructionKind::Workdir(path) => {
                workdir = match (path.as_literal(), &workdir) {
                    (Some(path), _) if path.starts_with('/') => Some(path),
                    (Some(path), Some(current)) => Some(format!("{}/{path}", current.trim_end_matches('/'))),
                    _ => None,
                };
                Item::Other(instruction)
            }
            InstructionKind::Shell(words) => {
                shell = words.clone();
                Item::Other(instruction)
            }
            InstructionKind::Volume(paths) => {
                volumes.extend(paths.iter().map(|p| p.as_literal().unwrap_or_else(|| "/".to_string())));
                Item::Other(instruction)
            }
            _ => Item::Other(instruction),
        });
    }
    explain_lone_runs(stage, &items, explain);

    let mut out = Vec::new();
    let mut chain: Vec<Step> = Vec::new();
    // Where the last `RUN` seen is written, and whether a layer edge came after it.
    let mut previous: Option<(Span, bool)> = None;
    for item in items {
        match item {
            Item::Mergeable(step) => {
                if let Some(last) = chain.last() {
                    match joinable(last, &step) {
                        Ok(()) => {
                            previous = Some((step.instruction.origin, false));
                            chain.push(step);
                            continue;
                        }
                        Err((reason, about_last)) => {
                            let (first, second) = if about_last { (last, &step) } else { (&step, last) };
                            explain.record(
                                PASS,
                                stage,
                                EventKind::Refused,
                                vec![first.instruction.origin, second.instruction.origin],
                                format!(
                                    "not merged with the run {}: {reason}",
                                    if about_last { "after it" } else { "before it" }
                                ),
                            );
                        }
                    }
                } else if let Some((before, true)) = &previous {
                    explain.record(
                        PASS,
                        stage,
                        EventKind::Refused,
                        vec![step.instruction.origin, *before],
                        "not merged with the run before it: a `layer` block edge lies between them",
                    );
                }
                flush(&mut chain, &mut out, stage, explain);
                previous = Some((step.instruction.origin, false));
                chain.push(step);
            }
            Item::Alone(instruction, _) => {
                flush(&mut chain, &mut out, stage, explain);
                previous = Some((instruction.origin, false));
                out.push(instruction);
            }
            Item::Boundary(instruction) => {
                flush(&mut chain, &mut out, stage, explain);
                if let Some((_, edge)) = &mut previous {
                    *edge = true;
                }
                out.push(instruction);
            }
            Item::Other(instruction) => {
                flush(&mut chain, &mut out, stage, explain);
                previous = None;
                out.push(instruction);
            }
        }
    }
    flush(&mut chain, &mut out, stage, explain);
    stage.instructions = out;
}

/// Records why each `RUN` that stays alone does, when a `RUN` is next to it.
fn explain_lone_runs(stage: &Stage, items: &[Item], explain: &mut Explain) {
    let is_run = |item: Option<&Item>| matches!(item, Some(Item::Mergeable(_) | Item::Alone(..)));
    for (index, item) in items.iter().enumerate() {
        if let Item::Alone(instruction, reason) = item {
            let neighbour = is_run(index.checked_sub(1).and_then(|i| items.get(i))) || is_run(items.get(index + 1));
            if neighbour {
                explain.record(
                    PASS,
                    stage,
                    EventKind::Refused,
                    vec![instruction.origin],
                    format!("not merged: it {reason}"),
                );
            }
        }
    }
}

/// Whether `next` may follow `last` in a chain; if not, why, and whether the reason is about `last`.
fn joinable(last: &Step, next: &Step) -> Result<(), (String, bool)> {
    if let Some(reason) = &last.ends_chain {
        return Err((format!("it {reason}, so it must be the last command of a RUN"), true));
    }
    let (Some(a), Some(b)) = (last.run(), next.run()) else {
        return Err(("it is not a run".to_string(), false));
    };
    if a.mounts != b.mounts {
        return Err(("it has different mounts".to_string(), false));
    }
    if a.network != b.network {
        return Err(("it has a different `network`".to_string(), false));
    }
    if a.security != b.security {
        return Err(("it has a different `security`".to_string(), false));
    }
    if a.devices != b.devices {
        return Err(("it has different devices".to_string(), false));
    }
    Ok(())
}

/// Writes the pending chain: one step as it was, several as one `RUN`.
fn flush(chain: &mut Vec<Step>, out: &mut Vec<Instruction>, stage: &Stage, explain: &mut Explain) {
    let steps = std::mem::take(chain);
    if steps.len() < 2 {
        out.extend(steps.into_iter().map(|s| s.instruction));
        return;
    }
    let origins: Vec<_> = steps.iter().flat_map(|s| s.instruction.origins()).collect();
    explain.record(
        PASS,
        stage,
        EventKind::Merged,
        origins.clone(),
        format!("{} consecutive runs with the same options joined with `&&` into one RUN", origins.len()),
    );
    let last = steps.len() - 1;
    let mut commands = Vec::new();
    // The commands the chain's shell has looked up since its table was last reset, and whether a
    // step may have added a command to `PATH` since then.
    let mut remembered: std::collections::BTreeMap<&str, bool> = std::collections::BTreeMap::new();
    for (position, step) in steps.iter().enumerate() {
        let stale = remembered
            .iter()
            .find(|(name, stale)| **stale && (step.runs_anything || step.words.contains(**name)))
            .map(|(name, _)| name.to_string());
        if let Some(name) = stale {
            explain.record(
                PASS,
                stage,
                EventKind::Rehashed,
                vec![step.instruction.origin],
                format!(
                    "it runs `{name}`, which an earlier command of this RUN looked up before a command that may \
                     add one to PATH: `hash -r` before it makes the shell look it up afresh"
                ),
            );
            commands.push(Text::code("hash -r"));
            remembered.clear();
        }
        let why = if position == last {
            None
        } else {
            step.state_change
                .as_ref()
                .map(|state| format!("it {state}; wrapped in a subshell so the change stays in it"))
        };
        let why = why.or_else(|| {
            step.separator
                .map(|separator| format!("it has `{separator}`; wrapped in `( … )` so that `&&` applies to all of it"))
        });
        for stale in remembered.values_mut() {
            *stale |= step.may_add_commands;
        }
        match why {
            Some(message) => {
                explain.record(PASS, stage, EventKind::Wrapped, vec![step.instruction.origin], message);
                let mut text = Text::code("( ");
                text.append(trimmed(&step.text));
                text.push(TextPart::Code(" )".into()));
                commands.push(text);
            }
            None => {
                for name in &step.looked_up {
                    remembered.insert(name, step.may_add_commands);
                }
                commands.push(trimmed(&step.text));
            }
        }
    }
    let mut iter = steps.into_iter();
    let Some(first) = iter.next() else { return };
    let mut instruction = first.instruction;
    for step in iter {
        instruction.merged.extend(step.instruction.origins());
    }
    if let InstructionKind::Run(run) = &mut instruction.kind {
        run.command = Command::Chain(commands);
    }
    out.push(instruction);
}

/// Why a step must be the last command of its RUN, if it must.
fn ends_chain(script: &script::Script, shell: &[String], workdir: Option<&str>) -> Option<String> {
    if let Some(reason) = script.errexit() {
        return Some(format!("{reason}, and errexit is ignored on the left of `&&`"));
    }
    if let Some(reason) = script.starts_daemon() {
        return Some(format!("{reason}, which a RUN of its own would stop when it ends"));
    }
    if script.lexed.parameters.contains("BASH_ENV") || script.lexed.words.iter().any(|w| w.contains("BASH_ENV")) {
        return Some("names `BASH_ENV`, the file each new bash reads when it starts".to_string());
    }
    if let Some(program) = shell.first() {
        let name = program.rsplit('/').next().unwrap_or(program);
        let paths = [program.clone(), format!("/bin/{name}"), format!("/usr/bin/{name}")];
        if let Some(named) = paths.iter().find(|p| script.lexed.words.contains(p.as_str())) {
            return Some(format!("names `{named}`, the shell running it, which the commands after it would still use"));
        }
    }
    let workdir = workdir.unwrap_or("/");
    // After a `cd`, a relative path could name anything.
    let moves = script.commands.iter().any(|c| matches!(c.name(), Some("cd" | "chdir" | "pushd" | "popd")));
    let removed = script.removed_paths().into_iter().find(|path| {
        if moves && !path.starts_with('/') {
            return true;
        }
        let absolute = if path.starts_with('/') { path.to_string() } else { format!("{workdir}/{path}") };
        let absolute = absolute.trim_end_matches('/');
        workdir == absolute || workdir.starts_with(&format!("{absolute}/")) || matches!(*path, "." | "..")
    });
    removed.map(|path| {
        format!(
            "removes `{path}`, which may hold the working directory `{workdir}`, where the commands after it would stay"
        )
    })
}

/// The text without the blanks (spaces, tabs) around it, which a chain line does not need. Other
/// white space is part of a word to the shell, and stays.
fn trimmed(text: &Text) -> Text {
    let mut parts = text.0.clone();
    if let Some(TextPart::Code(code)) = parts.first_mut() {
        *code = code.trim_start_matches([' ', '\t']).to_string();
    }
    if let Some(TextPart::Code(code)) = parts.last_mut() {
        *code = code.trim_end_matches([' ', '\t']).to_string();
    }
    let mut out = Text::default();
    for part in parts {
        out.push(part);
    }
    out
}

/// Reads a `RUN` for merging: its shell text and what it does, or why it stays alone.
fn classify(run: &Run, shell: &[String]) -> Result<(Text, script::Script), String> {
    let Command::Shell(text) = &run.command else {
        return Err("is in exec form, which runs without a shell; imgc does not rewrite it in shell form".to_string());
    };
    for mount in &run.mounts {
        if mount.kind == MountKind::Tmpfs {
            return Err("has a tmpfs mount, which every RUN gets empty: in one RUN, a later command would see \
                        what this one left in it"
                .to_string());
        }
        let read_write =
            mount.options.iter().any(|(k, v)| k == "readwrite" && v.as_literal().as_deref() == Some("true"));
        if mount.kind == MountKind::Bind && read_write {
            return Err("has a read-write bind mount, whose changes are dropped when its RUN ends: in one RUN, a \
                        later command would see them"
                .to_string());
        }
    }
    if let Some(reason) = shell_refusal(shell) {
        return Err(reason);
    }
    let line = shell::render(text);
    if line.contains(['\n', '\r']) {
        return Err("spans several lines, so it is written in exec form".to_string());
    }
    let script = script::read(&line).map_err(|e| format!("cannot be read with certainty: {e}"))?;
    let lexed = &script.lexed;
    if lexed.comment {
        return Err("has a `#` comment, which would hide the commands joined after it".to_string());
    }
    if lexed.here_document {
        return Err("has a here-document, which reads the lines after it".to_string());
    }
    if line.contains("<<") {
        return Err("contains `<<`, which BuildKit would read as a here-document".to_string());
    }
    if lexed.background || script.commands.iter().any(|c| c.name() == Some("coproc")) {
        return Err("starts a background job, which could still be running when the next command starts".to_string());
    }
    if lexed.parameters.contains("_") {
        return Err("reads `$_`, which the command before it would set".to_string());
    }
    Ok((text.clone(), script))
}

/// Why merged steps could mean something else in this shell, if they could.
fn shell_refusal(shell: &[String]) -> Option<String> {
    let shown = format!("[{}]", shell.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", "));
    let program = shell.first().map(|p| p.rsplit('/').next().unwrap_or(p)).unwrap_or_default();
    if !["sh", "bash", "dash", "ash", "ksh", "mksh"].contains(&program) {
        return Some(format!("runs in the shell {shown}, which is not a POSIX shell imgc knows"));
    }
    let flags = &shell[1..];
    let mut index = 0;
    while index < flags.len() {
        let flag = flags[index].as_str();
        let last = index + 1 == flags.len();
        if flag == "-o" || flag == "+o" {
            match flags.get(index + 1).map(String::as_str) {
                Some("errexit") => {
                    return Some(format!(
                        "runs in the shell {shown}, with errexit, which `&&` would switch off for every command but the last"
                    ));
                }
                Some("pipefail" | "nounset" | "xtrace" | "verbose" | "noglob" | "posix") => index += 2,
                _ => return Some(format!("runs in the shell {shown}, with an option imgc does not know")),
            }
            continue;
        }
        let letters = flag.strip_prefix('-').filter(|l| !l.is_empty() && !l.starts_with('-'));
        let Some(letters) = letters else {
            return Some(format!("runs in the shell {shown}, with an option imgc does not know"));
        };
        if letters.contains('e') {
            return Some(format!(
                "runs in the shell {shown}, with `-e`, which `&&` would switch off for every command but the last"
            ));
        }
        let ends_with_c = letters.ends_with('c');
        if !letters.chars().all(|c| "cxuvf".contains(c)) || (letters.contains('c') && !(last && ends_with_c)) {
            return Some(format!("runs in the shell {shown}, with an option imgc does not know"));
        }
        if last && !ends_with_c {
            return Some(format!("runs in the shell {shown}, which does not end with `-c`"));
        }
        index += 1;
    }
    if flags.last().is_none_or(|f| !f.ends_with('c') || f.starts_with("--")) {
        return Some(format!("runs in the shell {shown}, which does not end with `-c`"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lines, program};
    use super::*;

    fn merged(body: &str) -> (Vec<String>, Explain) {
        let mut program = program(&format!("image from \"busybox:1.35\" {{\n{body}\n}}\n"));
        let mut explain = Explain::default();
        merge_runs(&mut program, &mut explain);
        (lines(&program, 0), explain)
    }

    fn messages(explain: &Explain, kind: EventKind) -> Vec<String> {
        explain.events().iter().filter(|e| e.kind == kind).map(|e| e.message.clone()).collect()
    }

    #[test]
    fn consecutive_runs_become_one_run_one_command_a_line() {
        let (lines, explain) = merged("run \"mkdir -p /a\"\nrun \"touch /a/b\"\nrun \"rm -rf /var/lib/apt/lists/*\"");
        assert_eq!(lines, ["RUN mkdir -p /a \\\n    && touch /a/b \\\n    && rm -rf /var/lib/apt/lists/*"]);
        assert_eq!(messages(&explain, EventKind::Merged).len(), 1);
        assert_eq!(explain.events()[0].steps.len(), 3);
    }

    #[test]
    fn a_step_that_may_write_under_a_volume_ends_its_run() {
        let (written, explain) = merged(
            "run \"mkdir -p /data\"\nvolume \"/data\"\nrun \"echo a > /a\"\nrun \"echo after > /data/after.txt\"\n\
             run \"ls /data > /ls.txt\"\nrun \"cat /data/after.txt > /copy.txt\"",
        );
        assert_eq!(
            written,
            [
                "RUN mkdir -p /data",
                "VOLUME /data",
                "RUN echo a > /a \\\n    && echo after > /data/after.txt",
                "RUN ls /data > /ls.txt \\\n    && cat /data/after.txt > /copy.txt",
            ]
        );
        assert!(messages(&explain, EventKind::Refused).iter().any(|m| m.contains("volume `/data`")));
        // A volume of the base stage counts too.
        let mut program = program(
            "stage base from \"busybox:1.35\" {\n    volume \"/data\"\n}\nimage from base {\n    \
             run \"touch /data/x\"\n    run \"ls /data > /ls\"\n}\n",
        );
        merge_runs(&mut program, &mut Explain::default());
        assert_eq!(lines(&program, 1), ["RUN touch /data/x", "RUN ls /data > /ls"]);
    }

    #[test]
    fn white_space_other_than_blanks_stays_in_the_chain() {
        let (lines, _) = merged("run \" echo a\u{c}\t\"\nrun \"echo b\"");
        assert_eq!(lines, ["RUN echo a\u{c} \\\n    && echo b"]);
    }

    #[test]
    fn state_changes_are_wrapped_unless_last() {
        let (lines, explain) = merged("run \"cd /tmp\"\nrun \"pwd > /pwd\"\nrun \"cd /\"");
        assert_eq!(lines, ["RUN ( cd /tmp ) \\\n    && pwd > /pwd \\\n    && cd /"]);
        let wrapped = messages(&explain, EventKind::Wrapped);
        assert_eq!(wrapped.len(), 1);
        assert!(wrapped[0].contains("runs `cd`"), "{wrapped:?}");
    }

    #[test]
    fn list_operators_are_grouped_wherever_the_step_is() {
        let (lines, _) = merged("run \"false || true\"\nrun \"echo a; echo b\"");
        assert_eq!(lines, ["RUN ( false || true ) \\\n    && ( echo a; echo b )"]);
        let (lines, _) = merged("run \"a | b && c\"\nrun \"d\"");
        assert_eq!(lines, ["RUN a | b && c \\\n    && d"]);
    }

    #[test]
    fn a_command_run_again_later_is_looked_up_again() {
        let (lines, explain) = merged("run \"pip install -U pip\"\nrun \"pip install flask\"\nrun \"echo done\"");
        assert_eq!(
            lines,
            ["RUN pip install -U pip \\\n    && hash -r \\\n    && pip install flask \\\n    && echo done"]
        );
        assert!(messages(&explain, EventKind::Rehashed)[0].contains("look it up afresh"));
        let (lines, _) = merged("run \"make\"\nrun \"$CC -v\"");
        assert_eq!(lines, ["RUN make \\\n    && hash -r \\\n    && $CC -v"]);
    }

    #[test]
    fn no_rehash_when_nothing_between_may_add_a_command() {
        let (lines, explain) =
            merged("run \"apt-get update\"\nrun \"apt-get purge -y curl\"\nrun \"rm -rf /var/lib/apt/lists/*\"");
        assert_eq!(
            lines,
            ["RUN apt-get update \\\n    && apt-get purge -y curl \\\n    && rm -rf /var/lib/apt/lists/*"]
        );
        assert!(
            messages(&explain, EventKind::Rehashed).is_empty() && messages(&explain, EventKind::Wrapped).is_empty()
        );
        // An install between two runs of `apt-get` may add one: the second looks it up again.
        let (lines, _) = merged("run \"apt-get update\"\nrun \"apt-get install -y x\"\nrun \"apt-get clean\"");
        assert_eq!(
            lines,
            ["RUN apt-get update \\\n    && apt-get install -y x \\\n    && hash -r \\\n    && apt-get clean"]
        );
    }

    #[test]
    fn a_stale_lookup_is_reset_for_a_step_in_a_subshell_too() {
        let (lines, _) = merged("run \"pip install -U pip\"\nrun \"cd /app && pip install .\"\nrun \"true\"");
        assert_eq!(
            lines,
            ["RUN pip install -U pip \\\n    && hash -r \\\n    && ( cd /app && pip install . ) \\\n    && true"]
        );
    }

    #[test]
    fn replacing_the_shell_ends_a_run() {
        let (lines, explain) = merged("run \"true\"\nrun \"ln -sf /bin/bash /bin/sh\"\nrun \"echo next\"");
        assert_eq!(lines, ["RUN true \\\n    && ln -sf /bin/bash /bin/sh", "RUN echo next"]);
        assert!(messages(&explain, EventKind::Refused)[0].contains("`/bin/sh`"));
    }

    #[test]
    fn daemons_bash_env_and_removing_the_workdir_end_a_run() {
        for step in
            ["service nginx start", "echo 'export A=1' >> \\\"$BASH_ENV\\\"", "rm -rf /app", "cd / && rm -rf app"]
        {
            let (lines, explain) =
                merged(&format!("workdir \"/app\"\nrun \"true\"\nrun \"{step}\"\nrun \"echo next\""));
            assert_eq!(lines.len(), 3, "{step}: {lines:?}");
            assert!(messages(&explain, EventKind::Refused)[0].contains("last command"), "{step}");
        }
        let (lines, _) = merged("workdir \"/app\"\nrun \"rm -rf /app/cache /tmp/x\"\nrun \"echo next\"");
        assert_eq!(lines.len(), 2, "{lines:?}");
    }

    #[test]
    fn errexit_ends_a_run() {
        let (lines, explain) = merged("run \"true\"\nrun \"set -e; false; echo no\"\nrun \"echo next\"");
        assert_eq!(lines, ["RUN true \\\n    && ( set -e; false; echo no )", "RUN echo next"]);
        assert!(messages(&explain, EventKind::Refused)[0].contains("last command"));
    }

    #[test]
    fn unsafe_steps_stay_alone_with_a_reason() {
        for (step, reason) in [
            ("echo a # note", "comment"),
            ("sleep 1 &", "background"),
            ("echo $_", "`$_`"),
            ("echo 'unterminated", "cannot be read"),
            ("echo '<<EOF'", "here-document"),
            ("cat <<EOF", "here-document"),
        ] {
            let (lines, explain) = merged(&format!("run \"true\"\nrun {step:?}\nrun \"true\""));
            assert_eq!(lines.len(), 3, "{step}: {lines:?}");
            let refused = messages(&explain, EventKind::Refused);
            assert!(refused.len() == 1 && refused[0].contains(reason), "{step}: {refused:?}");
        }
    }

    #[test]
    fn exec_form_and_multi_line_steps_are_not_rewritten() {
        let (lines, explain) = merged("run \"true\"\nrun [\"/bin/true\"]\nrun \"printf 'a\\nb'\"\nrun \"true\"");
        assert_eq!(lines.len(), 4, "{lines:?}");
        let refused = messages(&explain, EventKind::Refused);
        assert!(refused[0].contains("exec form") && refused[1].contains("several lines"), "{refused:?}");
    }

    #[test]
    fn different_options_and_layer_edges_stop_merging() {
        let (lines, explain) =
            merged("run \"a\"\nrun \"b\" network \"none\"\nlayer {\n    run \"c\"\n    run \"d\"\n}\nrun \"e\"");
        assert_eq!(lines, ["RUN a", "RUN --network=none b", "RUN c \\\n    && d", "RUN e"]);
        let refused = messages(&explain, EventKind::Refused);
        assert!(refused[0].contains("different `network`"), "{refused:?}");
        assert!(refused.iter().filter(|m| m.contains("`layer`")).count() == 2, "{refused:?}");
    }

    #[test]
    fn mounts_each_run_gets_afresh_stop_merging() {
        let (lines, explain) = merged("run \"a\" tmpfs \"/t\"\nrun \"b\" tmpfs \"/t\"");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(messages(&explain, EventKind::Refused).iter().all(|m| m.contains("tmpfs")));
        let (lines, _) = merged("run \"a\" bind \"/c\" (readwrite: true)\nrun \"b\" bind \"/c\" (readwrite: true)");
        assert_eq!(lines.len(), 2, "{lines:?}");
        let (lines, _) =
            merged("run \"a\" bind \"/c\"\nrun \"b\" bind \"/c\"\nrun \"c\" cache \"/k\"\nrun \"d\" cache \"/k\"");
        assert_eq!(lines.len(), 2, "{lines:?}");
    }

    #[test]
    fn runs_on_both_sides_of_another_step_stay_apart() {
        let (lines, explain) = merged("run \"a\"\nworkdir \"/x\"\nrun \"b\"");
        assert_eq!(lines, ["RUN a", "WORKDIR /x", "RUN b"]);
        assert!(explain.events().is_empty());
    }

    #[test]
    fn shells_decide_whether_merging_is_safe() {
        assert_eq!(shell_refusal(&["/bin/sh".into(), "-c".into()]), None);
        assert_eq!(shell_refusal(&["/bin/bash".into(), "-o".into(), "pipefail".into(), "-c".into()]), None);
        assert_eq!(shell_refusal(&["bash".into(), "-xc".into()]), None);
        for shell in [
            vec!["/bin/sh", "-ec"],
            vec!["/bin/bash", "-e", "-c"],
            vec!["/bin/bash", "-o", "errexit", "-c"],
            vec!["pwsh", "-Command"],
            vec!["/bin/bash", "-l", "-c"],
            vec!["/bin/sh"],
            vec!["cmd", "/S", "/C"],
        ] {
            let shell: Vec<String> = shell.iter().map(|s| s.to_string()).collect();
            assert!(shell_refusal(&shell).is_some(), "{shell:?}");
        }
        let (lines, _) = merged("shell [\"/bin/sh\", \"-ec\"]\nrun \"a\"\nrun \"b\"");
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn build_arguments_in_merged_runs_stay_quoted() {
        let mut program = program(
            "arg v = \"1\"\nimage from \"busybox:1.35\" {\n    run \"echo ${v} > /v\"\n    run \"echo ${v} >> /v\"\n}\n",
        );
        merge_runs(&mut program, &mut Explain::default());
        assert_eq!(lines(&program, 0), ["ARG v", "RUN echo \"${v}\" > /v \\\n    && echo \"${v}\" >> /v"]);
    }
}
