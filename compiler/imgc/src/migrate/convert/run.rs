//! `RUN`: the script split into steps at `&&`, idioms recognized, here-documents, and the comments
//! inside a continued line.

use super::Converter;
use super::copy::heredoc_call;
use crate::dockerfile::{self, Arguments, Comment, Heredoc, Instruction, InstructionKind, csv_fields};
use crate::migrate::idioms::{Item, recognize};
use crate::migrate::shell::{self, Token};
use crate::migrate::tree::{self, Body};
use crate::syntax::ast::{Expr, StatementKind};
use std::collections::HashMap;

impl Converter<'_> {
    pub(super) fn run(&mut self, out: &mut Body, instruction: &Instruction, frontend: bool, trigger: bool) {
        let Some(clauses) = self.run_clauses(instruction) else { return };
        let run = |command: Expr| tree::statement(StatementKind::Run { command, clauses: clauses.clone() });
        // A step kept whole has the comments written inside it above it.
        let whole = |out: &mut Body, command: Expr| {
            out.comments(&instruction.inner_comments);
            out.push(run(command));
        };
        if let Some(heredoc) = self.run_heredoc(instruction) {
            if let Some(command) = heredoc {
                whole(out, command);
            }
            return;
        }
        let script = match &instruction.args {
            Arguments::Exec(words) => return whole(out, tree::strings(words)),
            Arguments::Shell(script) => script,
            // `RUN --mount=…` alone: BuildKit gives the shell an empty script. `.img` refuses an
            // empty command, so the step names the shell (known unless a `SHELL` changes it).
            _ if !self.df.instructions.iter().any(|i| i.kind == InstructionKind::Shell) => {
                let shell = ["/bin/sh", "-c", ""].map(String::from);
                return whole(out, tree::strings(&shell));
            }
            _ => {
                self.unsupported(
                    instruction.span,
                    "a `RUN` without a command after a `SHELL`",
                    "give the command to run",
                );
                return;
            }
        };
        let splittable = !trigger && !self.whole_runs && self.splittable_mounts(instruction);
        let chain = shell::tokens_with_ranges(script)
            .filter(|_| splittable)
            .and_then(|(tokens, ranges)| shell::and_chain_bounds(&tokens).map(|bounds| (tokens, ranges, bounds)));
        let Some((tokens, ranges, bounds)) = chain else {
            return whole(out, self.script_literal(instruction, script));
        };
        let commands: Vec<Vec<Token>> = bounds.iter().map(|&(s, e)| tokens[s..e].to_vec()).collect();
        // Commands split into steps up to the first that leaves state behind; from there on, one
        // step, so the commands still share their shell.
        let stateful = commands.iter().position(|c| !shell::is_stateless(c)).unwrap_or(commands.len());
        // The commands as written, one space between tokens that had space between them and
        // none between those that touched (`2>&1`, `>log`).
        let text_of = |from: usize, to: usize| -> String {
            let first = bounds[from].0;
            let last = bounds[to - 1].1;
            let mut text = String::new();
            for (index, range) in ranges[first..last].iter().enumerate() {
                if index > 0 && ranges[first + index - 1].end != range.start {
                    text.push(' ');
                }
                text.push_str(&script[range.clone()]);
            }
            text
        };
        let mut inner = self.inner_comment_positions(instruction, script, &ranges, &bounds);
        let mut comments_before = |out: &mut Body, from: usize, to: usize| {
            for index in from..to {
                inner.remove(&index).into_iter().flatten().for_each(|c| out.comment(c));
            }
        };
        for (item, start, end) in recognize(&commands[..stateful], frontend) {
            comments_before(out, start, end);
            match item {
                Item::Call(call) if clauses.is_empty() => {
                    self.imports.insert(call.module());
                    out.push(tree::statement(StatementKind::Call(call.tree())));
                }
                _ => out.push(run(tree::string(&text_of(start, end)))),
            }
        }
        if stateful < commands.len() {
            comments_before(out, stateful, commands.len());
            out.push(run(tree::string(&text_of(stateful, commands.len()))));
        }
    }

    /// A whole script as a string, broken where the Dockerfile broke its lines (a `\` at the
    /// end of a line inside an `.img` string joins the lines, as a continuation does).
    fn script_literal(&self, instruction: &Instruction, script: &str) -> Expr {
        let offset = instruction.original.trim_end().len().saturating_sub(script.len());
        let breaks: Vec<usize> = instruction
            .line_starts
            .iter()
            .skip(1)
            .filter_map(|&(start, _)| start.checked_sub(offset))
            .filter(|&at| at > 0 && at < script.len() && script.is_char_boundary(at))
            .collect();
        tree::continued_string(script, breaks)
    }

    /// Which comments written inside a continued `RUN` go before which command of its chain:
    /// each before the first command that starts after it.
    fn inner_comment_positions<'i>(
        &self,
        instruction: &'i Instruction,
        script: &str,
        ranges: &shell::Ranges,
        bounds: &[(usize, usize)],
    ) -> HashMap<usize, Vec<&'i Comment>> {
        let mut out: HashMap<usize, Vec<&Comment>> = HashMap::new();
        if instruction.inner_comments.is_empty() {
            return out;
        }
        // The physical line each command starts on: count the line pieces of the logical line.
        let script_offset = instruction.original.trim_end().len().saturating_sub(script.len());
        let command_lines: Vec<usize> =
            bounds.iter().map(|&(start, _)| instruction.line_of(script_offset + ranges[start].start)).collect();
        for comment in &instruction.inner_comments {
            let line = comment.span.start.line;
            let target = command_lines.iter().position(|&l| l > line).unwrap_or(0);
            out.entry(target).or_default().push(comment);
        }
        out
    }

    /// Splitting a step with these mounts keeps its meaning: not with a `tmpfs` or a writable
    /// bind mount, whose content does not outlive the step.
    fn splittable_mounts(&self, instruction: &Instruction) -> bool {
        instruction.flags.iter().filter(|f| f.name == "mount").all(|f| {
            let fields = f.value.as_deref().map(csv_fields).and_then(Result::ok).unwrap_or_default();
            let kind = fields
                .iter()
                .find_map(|field| field.strip_prefix("type=").map(str::to_lowercase))
                .unwrap_or_else(|| "bind".into());
            let writable = fields.iter().any(|field| {
                let lower = field.to_lowercase();
                lower == "rw" || lower == "readwrite" || lower == "rw=true" || lower == "readwrite=true"
            });
            kind != "tmpfs" && !(kind == "bind" && writable)
        })
    }

    /// A `RUN <<EOF` whose document is a `#!` script: `heredoc(…)`. A shell script document is
    /// the multi-line command `run "…"`. `None` when the step has no here-document.
    fn run_heredoc(&mut self, instruction: &Instruction) -> Option<Option<Expr>> {
        let [first, ..] = instruction.heredocs.as_slice() else { return None };
        let Arguments::Shell(command) = &instruction.args else { return None };
        let simple = instruction.heredocs.len() == 1
            && dockerfile::is_heredoc_word(command.trim())
            && !command.trim().contains(char::is_whitespace);
        if simple {
            let content = first.chomped_content();
            if content.starts_with("#!") {
                let call = heredoc_call(&content, &first.name, false);
                return Some(self.heredoc_ok(instruction, first, &content).then_some(call));
            }
            return Some(Some(tree::string(&content)));
        }
        // The shell reads the here-documents itself: the command and the documents, as written.
        let mut script = command.to_string();
        for heredoc in &instruction.heredocs {
            script.push('\n');
            script.push_str(&heredoc.content);
            script.push_str(&heredoc.name);
        }
        Some(Some(tree::string(&script)))
    }

    /// A here-document `heredoc(…)` can write: text ending with a line break, a plain name.
    pub(super) fn heredoc_ok(&mut self, instruction: &Instruction, heredoc: &Heredoc, content: &str) -> bool {
        let plain_name =
            !heredoc.name.is_empty() && heredoc.name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if !plain_name || !(content.is_empty() || content.ends_with('\n')) || content.contains('\0') {
            self.unsupported(
                heredoc.span,
                format!("the here-document `{}`", heredoc.name),
                "name it with letters, digits, `_`, `.` and `-`",
            );
            let _ = instruction;
            return false;
        }
        true
    }
}
