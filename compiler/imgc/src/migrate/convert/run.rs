//! `RUN`: the script split into steps at `&&`, idioms recognized, here-documents, and the comments
//! inside a continued line.

use super::{Converter, comment_line};
use crate::dockerfile::{self, Arguments, Heredoc, Instruction, InstructionKind, csv_fields};
use crate::migrate::idioms::{Item, recognize};
use crate::migrate::literal::{string_literal, string_literal_raw_tabs};
use crate::migrate::shell::{self, Token};
use std::collections::HashMap;

impl Converter<'_> {
    pub(super) fn run(&mut self, instruction: &Instruction, frontend: bool, trigger: bool) -> Vec<String> {
        let Some(clauses) = self.run_clauses(instruction) else { return Vec::new() };
        let suffix = if clauses.is_empty() { String::new() } else { format!(" {}", clauses.join(" ")) };
        // A step kept whole has the comments written inside it above it.
        let mut whole: Vec<String> = instruction.inner_comments.iter().map(comment_line).collect();
        if let Some(heredoc) = self.run_heredoc(instruction) {
            whole.extend(heredoc.map(|command| format!("run {command}{suffix}")));
            return whole;
        }
        let script = match &instruction.args {
            Arguments::Exec(words) => {
                let items: Vec<String> = words.iter().map(|w| string_literal(w)).collect();
                whole.push(format!("run [{}]{suffix}", items.join(", ")));
                return whole;
            }
            Arguments::Shell(script) => script,
            // `RUN --mount=…` alone: BuildKit gives the shell an empty script. `.img` refuses an
            // empty command, so the step names the shell (known unless a `SHELL` changes it).
            _ if !self.df.instructions.iter().any(|i| i.kind == InstructionKind::Shell) => {
                whole.push(format!("run [\"/bin/sh\", \"-c\", \"\"]{suffix}"));
                return whole;
            }
            _ => {
                self.unsupported(
                    instruction.span,
                    "a `RUN` without a command after a `SHELL`",
                    "give the command to run",
                );
                return whole;
            }
        };
        let splittable = !trigger && !self.whole_runs && self.splittable_mounts(instruction);
        let chain = shell::tokens_with_ranges(script)
            .filter(|_| splittable)
            .and_then(|(tokens, ranges)| shell::and_chain_bounds(&tokens).map(|bounds| (tokens, ranges, bounds)));
        let Some((tokens, ranges, bounds)) = chain else {
            whole.push(format!("run {}{suffix}", self.script_literal(instruction, script)));
            return whole;
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
        let mut out = Vec::new();
        let inner = self.inner_comment_positions(instruction, script, &ranges, &bounds);
        for (item, start, end) in recognize(&commands[..stateful], frontend) {
            out.extend((start..end).flat_map(|i| inner.get(&i).into_iter().flatten().cloned()));
            match item {
                Item::Call(call) if clauses.is_empty() => {
                    self.imports.insert(call.module());
                    out.push(call.source());
                }
                _ => out.push(format!("run {}{suffix}", string_literal(&text_of(start, end)))),
            }
        }
        if stateful < commands.len() {
            out.extend((stateful..commands.len()).flat_map(|i| inner.get(&i).into_iter().flatten().cloned()));
            out.push(format!("run {}{suffix}", string_literal(&text_of(stateful, commands.len()))));
        }
        out
    }

    /// A whole script as a string literal, broken where the Dockerfile broke its lines (a `\` at
    /// the end of a line inside an `.img` string joins the lines, as a continuation does).
    fn script_literal(&self, instruction: &Instruction, script: &str) -> String {
        let offset = instruction.original.trim_end().len().saturating_sub(script.len());
        let breaks: Vec<usize> = instruction
            .line_starts
            .iter()
            .skip(1)
            .filter_map(|&(start, _)| start.checked_sub(offset))
            .filter(|&at| at > 0 && at < script.len() && script.is_char_boundary(at))
            .collect();
        if breaks.is_empty() {
            return string_literal(script);
        }
        let mut out = String::from("\"");
        let mut from = 0;
        for at in breaks.into_iter().chain(std::iter::once(script.len())) {
            let piece = string_literal_raw_tabs(&script[from..at]);
            out.push_str(&piece);
            if at < script.len() {
                out.push_str("\\\n");
            }
            from = at;
        }
        out.push('"');
        out
    }

    /// Which comments written inside a continued `RUN` go before which command of its chain:
    /// each before the first command that starts after it.
    fn inner_comment_positions(
        &self,
        instruction: &Instruction,
        script: &str,
        ranges: &shell::Ranges,
        bounds: &[(usize, usize)],
    ) -> HashMap<usize, Vec<String>> {
        let mut out: HashMap<usize, Vec<String>> = HashMap::new();
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
            out.entry(target).or_default().push(comment_line(comment));
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
    fn run_heredoc(&mut self, instruction: &Instruction) -> Option<Option<String>> {
        let [first, ..] = instruction.heredocs.as_slice() else { return None };
        let Arguments::Shell(command) = &instruction.args else { return None };
        let simple = instruction.heredocs.len() == 1
            && dockerfile::is_heredoc_word(command.trim())
            && !command.trim().contains(char::is_whitespace);
        if simple {
            let content = first.chomped_content();
            if content.starts_with("#!") {
                let mut text = format!("heredoc({}", string_literal(&content));
                if first.name != "EOF" {
                    text.push_str(&format!(", name: {}", string_literal(&first.name)));
                }
                text.push(')');
                return Some(self.heredoc_ok(instruction, first, &content).then_some(text));
            }
            return Some(Some(string_literal(&content)));
        }
        // The shell reads the here-documents itself: the command and the documents, as written.
        let mut script = command.to_string();
        for heredoc in &instruction.heredocs {
            script.push('\n');
            script.push_str(&heredoc.content);
            script.push_str(&heredoc.name);
        }
        Some(Some(string_literal(&script)))
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
