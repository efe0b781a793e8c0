//! Stages: the header (`stage NAME from BASE`), the base image, the body, and `step`, which
//! dispatches one instruction to the file for its family.

use super::config::frontend_after;
use super::{Converter, comment_line};
use crate::dockerfile::words::{Piece, parse_word};
use crate::dockerfile::{Arguments, Instruction, InstructionKind};
use crate::migrate::env::movable;
use crate::migrate::literal::string_literal;

impl Converter<'_> {
    pub(super) fn stage_header(&mut self, from: &Instruction, last: bool) -> String {
        let ident = self.stages[self.current].ident.clone();
        let keyword = if last {
            match self.stages[self.current].dockerfile_name {
                Some(_) => format!("image {ident}"),
                None => "image".to_string(),
            }
        } else {
            format!("stage {ident}")
        };
        let base = match &from.args {
            Arguments::Words(words) if !words.is_empty() => self.base(from, &words[0]),
            _ => None,
        }
        .unwrap_or_else(|| "scratch".to_string());
        let mut line = format!("{keyword} from {base}");
        for flag in &from.flags {
            match (flag.name.as_str(), flag.value.as_deref()) {
                ("platform", Some(value)) => {
                    let Some(word) = self.word(from, value) else { continue };
                    if let Some(Err(problem)) = word.literal().map(|p| crate::literals::check_platform(&p)) {
                        self.invalid(from, problem);
                        continue;
                    }
                    if let Some(text) = self.word_text(from, &word) {
                        line.push_str(&format!(" platform {text}"));
                    }
                }
                _ => self.unsupported(flag.span, format!("the flag `--{}` of `FROM`", flag.name), "remove the flag"),
            }
        }
        if let Some(alias) = self.stage_alias(last) {
            line.push_str(&format!(" as {alias}"));
        }
        line.push_str(" {");
        line
    }

    /// The `as` clause keeping the current stage's Dockerfile name when its `.img` name differs:
    /// `as "dev-envs"`, or `as none` for an unnamed stage (the unnamed image needs neither).
    fn stage_alias(&self, last: bool) -> Option<String> {
        let stage = &self.stages[self.current];
        match &stage.dockerfile_name {
            None if last => None,
            None => Some("none".to_string()),
            Some(name) if *name == stage.ident || !crate::literals::is_dockerfile_stage_name(name) => None,
            Some(name) => Some(string_literal(name)),
        }
    }

    /// The base of a stage: an earlier stage, `scratch`, or an image reference (global arguments
    /// inserted by name).
    fn base(&mut self, from: &Instruction, text: &str) -> Option<String> {
        let word = self.word(from, text)?;
        if let Some(literal) = word.literal() {
            if literal == "scratch" {
                return Some("scratch".to_string());
            }
            if let Some(stage) =
                self.stage_named(&literal, Some(self.current)).filter(|_| literal.parse::<usize>().is_err())
            {
                return Some(self.stages[stage].ident.clone());
            }
            if let Err(problem) = crate::literals::check_image_reference(&literal) {
                self.invalid(from, format!("`{literal}` is not an image reference: {problem}"));
                return None;
            }
        }
        let mut out = String::from("\"");
        for piece in &word.0 {
            match piece {
                Piece::Variable(v)
                    if v.modifier.is_none()
                        && self.global_args.contains(&v.name)
                        && crate::syntax::is_ident(&v.name) =>
                {
                    out.push_str(&format!("${{{}}}", v.name));
                }
                other => out.push_str(&self.pieces_text(from, std::slice::from_ref(other))?),
            }
        }
        out.push('"');
        Some(out)
    }

    pub(super) fn stage_body(&mut self, instructions: &[&Instruction], from_line: usize) -> Vec<String> {
        let escape = self.df.escape;
        let runtime = movable(instructions, escape);
        let mut frontend = self.base_frontend();
        let mut out: Vec<String> = Vec::new();
        let mut previous_line = from_line;
        let mut index = 0;
        while index < instructions.len() {
            let instruction = instructions[index];
            let first_line =
                instruction.leading_comments.first().map_or(instruction.span.start.line, |c| c.span.start.line);
            if first_line > previous_line + 1 && !out.is_empty() {
                out.push(String::new());
            }
            out.extend(instruction.leading_comments.iter().map(|c| format!("    {}", comment_line(c))));
            if instruction.kind == InstructionKind::Onbuild {
                // Consecutive triggers share one `onbuild` block.
                let mut triggers = vec![instruction];
                while let Some(next) = instructions.get(index + 1).filter(|n| {
                    n.kind == InstructionKind::Onbuild
                        && n.leading_comments.is_empty()
                        && n.span.start.line == triggers[triggers.len() - 1].span.end.line + 1
                }) {
                    triggers.push(next);
                    index += 1;
                }
                out.push("    onbuild {".to_string());
                for trigger in &triggers {
                    out.extend(trigger.inner_comments.iter().map(|c| format!("        {}", comment_line(c))));
                    if let Arguments::Onbuild(child) = &trigger.args {
                        for line in self.step(child, &[], frontend, true) {
                            out.push(format!("        {line}"));
                        }
                    }
                }
                out.push("    }".to_string());
                previous_line = triggers[triggers.len() - 1].span.end.line;
                index += 1;
                continue;
            }
            let lines = self.step(instruction, &runtime[index], frontend, false);
            out.extend(lines.into_iter().map(|l| if l.is_empty() { l } else { format!("    {l}") }));
            if let (InstructionKind::Env, Arguments::KeyValues(pairs)) = (&instruction.kind, &instruction.args) {
                frontend = frontend_after(frontend, pairs, escape);
            }
            previous_line = instruction.span.end.line;
            index += 1;
        }
        self.frontend_at_end.push(frontend);
        out
    }

    /// Whether a stage starts with `DEBIAN_FRONTEND=noninteractive` set: only known for a stage
    /// built on an earlier one.
    fn base_frontend(&self) -> bool {
        let Some(from) = self.df.instructions.iter().filter(|i| i.kind == InstructionKind::From).nth(self.current)
        else {
            return false;
        };
        let Arguments::Words(words) = &from.args else { return false };
        words
            .first()
            .and_then(|base| self.stage_named(base, Some(self.current)))
            .and_then(|stage| self.frontend_at_end.get(stage).copied())
            .unwrap_or(false)
    }

    /// One instruction of a stage (or an `ONBUILD` trigger) as `.img` steps.
    pub(super) fn step(
        &mut self,
        instruction: &Instruction,
        runtime: &[bool],
        frontend: bool,
        trigger: bool,
    ) -> Vec<String> {
        // A `RUN` places the comments written inside it beside the commands they precede.
        let mut out: Vec<String> = if trigger || instruction.kind == InstructionKind::Run {
            Vec::new()
        } else {
            instruction.inner_comments.iter().map(comment_line).collect()
        };
        match (&instruction.kind, &instruction.args) {
            (InstructionKind::Run, _) => out.extend(self.run(instruction, frontend, trigger)),
            (InstructionKind::Copy | InstructionKind::Add, _) => out.extend(self.copy(instruction)),
            (InstructionKind::Env, Arguments::KeyValues(pairs)) => {
                out.extend(self.env(instruction, pairs, runtime, trigger))
            }
            (InstructionKind::Label, Arguments::KeyValues(pairs)) => out.extend(self.label(instruction, pairs)),
            (InstructionKind::Arg, Arguments::ArgDecls(decls)) => {
                for decl in decls {
                    let line = if trigger {
                        self.trigger_arg(instruction, &decl.name, decl.value.as_deref())
                    } else {
                        self.arg_decl(instruction, &decl.name, decl.value.as_deref(), true)
                    };
                    out.extend(line);
                }
            }
            (InstructionKind::Workdir, Arguments::Text(text)) => out.extend(self.single("workdir", instruction, text)),
            (InstructionKind::User, Arguments::Text(text)) => {
                let literal = parse_word(text, self.df.escape).ok().and_then(|w| w.literal());
                if literal.is_some_and(|u| u.is_empty() || u.contains(char::is_whitespace)) {
                    self.unsupported(instruction.span, "a user name with spaces", "name the user without spaces");
                } else {
                    out.extend(self.single("user", instruction, text));
                }
            }
            (InstructionKind::Stopsignal, Arguments::Text(text)) => {
                let literal = parse_word(text, self.df.escape).ok().and_then(|w| w.literal());
                match literal.map(|l| crate::literals::check_signal(&l)) {
                    Some(Err(problem)) => self.invalid(instruction, problem),
                    _ => out.extend(self.single("stopsignal", instruction, text)),
                }
            }
            (InstructionKind::Maintainer, Arguments::Text(text)) => {
                out.push(format!("maintainer {}", string_literal(text)))
            }
            (InstructionKind::Expose, Arguments::Words(words)) => out.extend(self.expose(instruction, words)),
            (InstructionKind::Volume, Arguments::Words(words) | Arguments::Exec(words)) => {
                let mut items = Vec::new();
                for word in words {
                    items.push(self.word(instruction, word).and_then(|w| self.word_text(instruction, &w)));
                }
                if let Some(items) = items.into_iter().collect::<Option<Vec<String>>>() {
                    out.push(format!("volume {}", items.join(", ")));
                }
            }
            (InstructionKind::Cmd | InstructionKind::Entrypoint, args) => {
                let keyword = if instruction.kind == InstructionKind::Cmd { "cmd" } else { "entrypoint" };
                out.extend(self.command(instruction, args).map(|c| format!("{keyword} {c}")));
            }
            (InstructionKind::Shell, Arguments::Exec(words)) => {
                out.push(format!("shell [{}]", words.iter().map(|w| string_literal(w)).collect::<Vec<_>>().join(", ")));
            }
            (InstructionKind::Healthcheck, Arguments::Healthcheck { kind, args }) => {
                out.extend(self.healthcheck(instruction, kind, args));
            }
            _ => self.unsupported(
                instruction.span,
                format!("this `{}` instruction", instruction.keyword.to_uppercase()),
                "write it in the forms the Dockerfile reference documents",
            ),
        }
        out
    }
}
