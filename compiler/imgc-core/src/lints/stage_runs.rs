//! The `run` steps of one stage as the shell layer reads them, for every rule at once: each run's
//! command is rendered as shell script text at most once, and read into simple commands at most
//! once, when a rule first asks. Rules get a [`StageRuns`] instead of rendering runs themselves.
//!
//! Must never depend on: the rules (it only reads; what a read means is theirs).

use crate::ir::{Command, Instruction, InstructionKind, Run, Stage, Text};
use crate::shell;
use crate::shell::script::{self, Script, SimpleCommand};
use std::cell::OnceCell;

/// The steps of a stage, each `run` with its [`RunRead`].
pub(super) struct StageRuns<'a> {
    steps: Vec<(&'a Instruction, Option<RunRead<'a>>)>,
}

impl<'a> StageRuns<'a> {
    pub(super) fn new(stage: &'a Stage) -> StageRuns<'a> {
        let steps = stage
            .instructions
            .iter()
            .map(|instruction| match &instruction.kind {
                InstructionKind::Run(run) => (instruction, Some(RunRead::new(run))),
                _ => (instruction, None),
            })
            .collect();
        StageRuns { steps }
    }

    /// Every step in order, with its read when it is a `run`.
    pub(super) fn steps(&self) -> impl Iterator<Item = (&'a Instruction, Option<&RunRead<'a>>)> + '_ {
        self.steps.iter().map(|(instruction, read)| (*instruction, read.as_ref()))
    }

    /// The `run` steps in order.
    pub(super) fn runs(&self) -> impl Iterator<Item = (&'a Instruction, &RunRead<'a>)> + '_ {
        self.steps.iter().filter_map(|(instruction, read)| Some((*instruction, read.as_ref()?)))
    }
}

/// One `run`, rendered and read when first asked.
pub(super) struct RunRead<'a> {
    pub(super) run: &'a Run,
    rendered: OnceCell<Vec<String>>,
    scripts: OnceCell<Vec<Script>>,
}

impl<'a> RunRead<'a> {
    fn new(run: &'a Run) -> RunRead<'a> {
        RunRead { run, rendered: OnceCell::new(), scripts: OnceCell::new() }
    }

    /// The shell-form texts of the command (one, or each of a chain) rendered as shell script
    /// text; none for the exec form or a here-document.
    pub(super) fn shell_texts(&self) -> &[String] {
        self.rendered.get_or_init(|| {
            let texts = match &self.run.command {
                Command::Shell(text) => std::slice::from_ref(text),
                Command::Chain(texts) => texts.as_slice(),
                Command::Exec(_) | Command::Heredoc(_) => &[],
            };
            texts.iter().map(shell::render).collect()
        })
    }

    /// The run read by the shell layer, the exec form as its words quoted; a here-document is a
    /// script of its own interpreter, not read. A text that cannot be read gives no script.
    pub(super) fn scripts(&self) -> &[Script] {
        self.scripts.get_or_init(|| match &self.run.command {
            Command::Exec(words) => {
                let words = words.iter().map(|w| shell::render(&Text::value(w.display()))).collect::<Vec<_>>();
                script::read(&words.join(" ")).into_iter().collect()
            }
            _ => self.shell_texts().iter().filter_map(|t| script::read(t).ok()).collect(),
        })
    }

    /// The simple commands of the run, exec form included; none when it cannot be read.
    pub(super) fn commands(&self) -> impl Iterator<Item = &SimpleCommand> + '_ {
        self.scripts().iter().flat_map(|s| &s.commands)
    }

    /// Whether a command of the run may be named one of `names`, found without reading the run:
    /// a command's name is a word with no expansion, whose letters are in the script as written
    /// with only quotes, backslashes and line continuations between them. So a name missing from
    /// the script with those characters left out is the name of none of its commands.
    pub(super) fn may_run_any(&self, names: &[&str]) -> bool {
        let has_any = |text: &str| {
            let letters: String = text.chars().filter(|c| !matches!(c, '\'' | '"' | '\\' | '\n')).collect();
            names.iter().any(|name| letters.contains(name))
        };
        match &self.run.command {
            Command::Exec(words) => words.iter().any(|w| has_any(&w.display())),
            Command::Heredoc(_) => false,
            Command::Shell(_) | Command::Chain(_) => self.shell_texts().iter().any(|t| has_any(t)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StageRuns;
    use crate::ir::{Command, InstructionKind, Text};

    fn stage(source: &str) -> crate::ir::Stage {
        let program = crate::optimize::test_support::program(source);
        program.stages.into_iter().last().expect("a stage")
    }

    #[test]
    fn each_run_is_rendered_and_read_once_for_every_rule() {
        let stage = stage(
            "arg v: string = \"1\"\nimage from \"busybox:1.35\" {\n    run \"echo ${v} 'it''s'\"\n    workdir \"/w\"\n    run [\"ls\", \"-l\", \"a b\"]\n}\n",
        );
        let runs = StageRuns::new(&stage);
        assert_eq!(runs.steps().count(), stage.instructions.len());
        let reads: Vec<_> = runs.runs().map(|(_, read)| read).collect();
        assert_eq!(reads.len(), 2);
        assert_eq!(reads[0].shell_texts(), ["echo \"${v}\" 'it''s'"]);
        // The same text, not a second rendering.
        assert!(std::ptr::eq(reads[0].shell_texts(), reads[0].shell_texts()));
        assert!(std::ptr::eq(reads[0].scripts(), reads[0].scripts()));
        let names: Vec<_> = reads[0].commands().filter_map(|c| c.name()).collect();
        assert_eq!(names, ["echo"]);
        // Exec form: no shell text, read as its words quoted.
        assert!(reads[1].shell_texts().is_empty());
        let words: Vec<_> = reads[1].commands().flat_map(|c| c.arguments().flatten()).collect();
        assert_eq!(words, ["-l", "a b"]);
        assert!(reads[1].may_run_any(&["ls"]) && !reads[1].may_run_any(&["apk"]));
    }

    #[test]
    fn names_split_by_quotes_may_be_run_and_heredocs_are_not_read() {
        let mut stage = stage("image from \"busybox:1.35\" {\n    run \"a'p'k add x\"\n}\n");
        let runs = StageRuns::new(&stage);
        let (_, read) = runs.runs().next().expect("a run");
        assert!(read.may_run_any(&["apk"]));
        assert!(!read.may_run_any(&["apt"]));
        let heredoc = crate::ir::Heredoc { name: "EOF".into(), content: Text::value("apk add x\n"), expand: false };
        let Some(InstructionKind::Run(run)) = stage.instructions.last_mut().map(|i| &mut i.kind) else {
            panic!("a run")
        };
        run.command = Command::Heredoc(heredoc);
        let runs = StageRuns::new(&stage);
        let (_, read) = runs.runs().next().expect("a run");
        assert!(!read.may_run_any(&["apk"]));
        assert!(read.scripts().is_empty() && read.shell_texts().is_empty());
    }
}
