//! The `run` steps of one stage as the shell layer reads them, for every rule at once: each run's
//! command is rendered as shell script text at most once, and read into simple commands at most
//! once, when a rule first asks. Rules get a [`StageRuns`] instead of rendering runs themselves.
//!
//! Must never depend on: the rules (it only reads; what a read means is theirs).

use crate::ir::{Command, Instruction, InstructionKind, Run, Stage, Text, TextPart};
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
    /// the script's [`letters`] is the name of none of its commands.
    pub(super) fn may_run_any(&self, names: &[&str]) -> bool {
        match &self.run.command {
            Command::Exec(words) => words.iter().any(|word| holds_any(word, names)),
            _ => self.shell_text_may_hold(names),
        }
    }

    /// Whether the shell-form text may hold a word or parameter named one of `names`, found
    /// without rendering it: a name missing from its [`letters`] is in none of its words.
    pub(super) fn shell_text_may_hold(&self, names: &[&str]) -> bool {
        match &self.run.command {
            Command::Shell(text) => holds_any(text, names),
            Command::Chain(texts) => texts.iter().any(|text| holds_any(text, names)),
            Command::Exec(_) | Command::Heredoc(_) => false,
        }
    }
}

fn holds_any(text: &Text, names: &[&str]) -> bool {
    let letters = letters(text);
    names.iter().any(|name| letters.contains(name))
}

/// The text as rendered, less its quotes, backslashes and line breaks, found without rendering
/// it: rendering writes code as it is, each value with only quotes and backslashes added, and
/// each argument as `${name}` with at most quotes around it.
fn letters(text: &Text) -> String {
    let kept = |c: &char| !matches!(c, '\'' | '"' | '\\' | '\n');
    // An argument is written `${name}`: three bytes more than its name.
    let mut out = String::with_capacity(text.parts_len() + 3 * text.0.len());
    for part in &text.0 {
        match part {
            TextPart::Code(s) | TextPart::Value(s) => out.extend(s.chars().filter(kept)),
            TextPart::Arg(name) => {
                out.push_str("${");
                out.extend(name.chars().filter(kept));
                out.push('}');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{StageRuns, letters};
    use crate::ir::{Command, InstructionKind, Text, TextPart};

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

    /// Every sequence of three parts (code opening and closing each shell context, values with
    /// what rendering escapes, an argument) renders to the letters `letters` finds without
    /// rendering: the prefilter of `may_run_any` misses no command.
    #[test]
    fn letters_are_the_rendered_letters_without_rendering() {
        let code = [
            "echo ",
            "'",
            "\"",
            "`",
            "$(",
            ")",
            "${X:-",
            "}",
            "# c\n",
            "cat <<EOF\n",
            "cat <<-'E'\n",
            "\nEOF\n",
            "\nE\n",
            "ap",
            "k add\n",
            " | ",
            "\\\n",
            "\\",
        ];
        let values = ["k", "it's", "a\"b", "$x", "`y`", "\\", "a\nb", "", "EOF", "\tE"];
        let parts: Vec<TextPart> = code
            .iter()
            .map(|c| TextPart::Code(c.to_string()))
            .chain(values.iter().map(|v| TextPart::Value(v.to_string())))
            .chain([TextPart::Arg("V".into())])
            .collect();
        let rendered_letters = |text: &Text| -> String {
            crate::shell::render(text).chars().filter(|c| !matches!(c, '\'' | '"' | '\\' | '\n')).collect()
        };
        let mut checked = 0;
        for a in &parts {
            for b in &parts {
                for c in &parts {
                    let text = Text(vec![a.clone(), b.clone(), c.clone()]);
                    assert_eq!(letters(&text), rendered_letters(&text), "{text:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, parts.len().pow(3));
    }
}
