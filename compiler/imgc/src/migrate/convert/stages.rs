//! Stages: the header (`stage NAME from BASE`), the base image, the body, and `step`, which
//! dispatches one instruction to the file for its family.

use super::Converter;
use super::config::frontend_after;
use crate::dockerfile::words::{Piece, parse_word};
use crate::dockerfile::{Arguments, Instruction, InstructionKind};
use crate::migrate::env::movable;
use crate::migrate::tree::{self, Body, Parts};
use crate::syntax::ast::{Expr, StageAlias, StageDecl, Statement, StatementKind};

impl Converter<'_> {
    /// The stage's declaration, its body still empty.
    pub(super) fn stage_header(&mut self, from: &Instruction, last: bool) -> StageDecl {
        let ident = self.stages[self.current].ident.clone();
        let name = match (last, &self.stages[self.current].dockerfile_name) {
            (true, None) => None,
            _ => Some(tree::ident(&ident)),
        };
        let base = match &from.args {
            Arguments::Words(words) if !words.is_empty() => self.base(from, &words[0]),
            _ => None,
        }
        .unwrap_or_else(tree::scratch);
        let mut platform = None;
        for flag in &from.flags {
            match (flag.name.as_str(), flag.value.as_deref()) {
                ("platform", Some(value)) => {
                    let Some(word) = self.word(from, value) else { continue };
                    if let Some(Err(problem)) = word.literal().map(|p| crate::literals::check_platform(&p)) {
                        self.invalid(from, problem);
                        continue;
                    }
                    if let Some(text) = self.word_text(from, &word) {
                        platform = Some(text);
                    }
                }
                _ => self.unsupported(flag.span, format!("the flag `--{}` of `FROM`", flag.name), "remove the flag"),
            }
        }
        let alias = self.stage_alias(last);
        StageDecl { name, is_image: last, base, platform, alias, body: Vec::new() }
    }

    /// The `as` clause keeping the current stage's Dockerfile name when its `.img` name differs:
    /// `as "dev-envs"`, or `as none` for an unnamed stage (the unnamed image needs neither).
    fn stage_alias(&self, last: bool) -> Option<StageAlias> {
        let stage = &self.stages[self.current];
        let name = match &stage.dockerfile_name {
            None if last => return None,
            None => None,
            Some(name) if *name == stage.ident || !crate::literals::is_dockerfile_stage_name(name) => return None,
            Some(name) => Some(name.clone()),
        };
        Some(StageAlias { name, span: tree::nowhere() })
    }

    /// The base of a stage: an earlier stage, `scratch`, or an image reference (global arguments
    /// inserted by name).
    fn base(&mut self, from: &Instruction, text: &str) -> Option<Expr> {
        let word = self.word(from, text)?;
        if let Some(literal) = word.literal() {
            if literal == "scratch" {
                return Some(tree::scratch());
            }
            if let Some(stage) =
                self.stage_named(&literal, Some(self.current)).filter(|_| literal.parse::<usize>().is_err())
            {
                return Some(tree::name(&self.stages[stage].ident));
            }
            if let Err(problem) = crate::literals::check_image_reference(&literal) {
                self.invalid(from, format!("`{literal}` is not an image reference: {problem}"));
                return None;
            }
        }
        let mut parts = Parts::default();
        for piece in &word.0 {
            match piece {
                Piece::Variable(v)
                    if v.modifier.is_none()
                        && self.global_args.contains(&v.name)
                        && crate::syntax::is_ident(&v.name) =>
                {
                    parts.interpolate(tree::name(&v.name));
                }
                other => parts.extend(self.pieces(from, std::slice::from_ref(other))?),
            }
        }
        Some(tree::string_of(parts))
    }

    pub(super) fn stage_body(&mut self, instructions: &[&Instruction], from_line: usize) -> Body {
        let escape = self.df.escape;
        let runtime = movable(instructions, escape);
        let mut frontend = self.base_frontend();
        let mut out = Body::default();
        let mut previous_line = from_line;
        let mut index = 0;
        while index < instructions.len() {
            let instruction = instructions[index];
            let first_line =
                instruction.leading_comments.first().map_or(instruction.span.start.line, |c| c.span.start.line);
            if first_line > previous_line + 1 {
                out.blank();
            }
            out.comments(&instruction.leading_comments);
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
                let mut block = Body::default();
                for trigger in &triggers {
                    block.comments(&trigger.inner_comments);
                    if let Arguments::Onbuild(child) = &trigger.args {
                        self.step(&mut block, child, &[], frontend, true);
                    }
                }
                let (statements, leftover) = block.finish();
                out.push(tree::statement(StatementKind::OnBuild(statements)));
                out.lines(leftover);
                previous_line = triggers[triggers.len() - 1].span.end.line;
                index += 1;
                continue;
            }
            self.step(&mut out, instruction, &runtime[index], frontend, false);
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

    /// One instruction of a stage (or an `ONBUILD` trigger) as `.img` steps, written to `out`.
    pub(super) fn step(
        &mut self,
        out: &mut Body,
        instruction: &Instruction,
        runtime: &[bool],
        frontend: bool,
        trigger: bool,
    ) {
        // A `RUN` places the comments written inside it beside the commands they precede.
        if !trigger && instruction.kind != InstructionKind::Run {
            out.comments(&instruction.inner_comments);
        }
        // A step of one operand, when the operand could be written.
        let operand_step = |kind: fn(Expr) -> StatementKind, operand: Option<Expr>| -> Vec<Statement> {
            operand.map(|e| tree::statement(kind(e))).into_iter().collect()
        };
        let statements: Vec<Statement> = match (&instruction.kind, &instruction.args) {
            (InstructionKind::Run, _) => return self.run(out, instruction, frontend, trigger),
            (InstructionKind::Copy | InstructionKind::Add, _) => self.copy(instruction).into_iter().collect(),
            (InstructionKind::Env, Arguments::KeyValues(pairs)) => self.env(instruction, pairs, runtime, trigger),
            (InstructionKind::Label, Arguments::KeyValues(pairs)) => {
                self.label(instruction, pairs).into_iter().collect()
            }
            (InstructionKind::Arg, Arguments::ArgDecls(decls)) => {
                let mut statements = Vec::new();
                for decl in decls {
                    let statement = if trigger {
                        self.trigger_arg(instruction, &decl.name, decl.value.as_deref())
                    } else {
                        self.arg_decl(instruction, &decl.name, decl.value.as_deref(), true)
                    };
                    statements.extend(statement);
                }
                statements
            }
            (InstructionKind::Workdir, Arguments::Text(text)) => {
                operand_step(StatementKind::Workdir, self.single(instruction, text))
            }
            (InstructionKind::User, Arguments::Text(text)) => {
                let literal = parse_word(text, self.df.escape).ok().and_then(|w| w.literal());
                if literal.is_some_and(|u| u.is_empty() || u.contains(char::is_whitespace)) {
                    self.unsupported(instruction.span, "a user name with spaces", "name the user without spaces");
                    Vec::new()
                } else {
                    operand_step(StatementKind::User, self.single(instruction, text))
                }
            }
            (InstructionKind::Stopsignal, Arguments::Text(text)) => {
                let literal = parse_word(text, self.df.escape).ok().and_then(|w| w.literal());
                match literal.map(|l| crate::literals::check_signal(&l)) {
                    Some(Err(problem)) => {
                        self.invalid(instruction, problem);
                        Vec::new()
                    }
                    _ => operand_step(StatementKind::StopSignal, self.single(instruction, text)),
                }
            }
            (InstructionKind::Maintainer, Arguments::Text(text)) => {
                vec![tree::statement(StatementKind::Maintainer(tree::string(text)))]
            }
            (InstructionKind::Expose, Arguments::Words(words)) => self.expose(instruction, words).into_iter().collect(),
            (InstructionKind::Volume, Arguments::Words(words) | Arguments::Exec(words)) => {
                let mut items = Vec::new();
                for word in words {
                    let word = self.word(instruction, word);
                    // A word that reads as nothing (`\` alone) is a volume the builder refuses.
                    if word.as_ref().is_some_and(|w| w.literal().is_some_and(|l| l.is_empty())) {
                        self.unsupported(instruction.span, "an empty volume path", "remove the empty path");
                        return;
                    }
                    items.push(word.and_then(|w| self.word_text(instruction, &w)));
                }
                match items.into_iter().collect::<Option<Vec<Expr>>>() {
                    Some(items) => vec![tree::statement(StatementKind::Volume(items))],
                    None => Vec::new(),
                }
            }
            (InstructionKind::Cmd | InstructionKind::Entrypoint, args) => {
                let keyword = if instruction.kind == InstructionKind::Cmd {
                    StatementKind::Cmd
                } else {
                    StatementKind::Entrypoint
                };
                operand_step(keyword, self.command(instruction, args))
            }
            (InstructionKind::Shell, Arguments::Exec(words)) => {
                vec![tree::statement(StatementKind::Shell(tree::strings(words)))]
            }
            (InstructionKind::Healthcheck, Arguments::Healthcheck { kind, args }) => {
                self.healthcheck(instruction, kind, args).into_iter().collect()
            }
            _ => {
                self.unsupported(
                    instruction.span,
                    format!("this `{}` instruction", instruction.keyword.to_uppercase()),
                    "write it in the forms the Dockerfile reference documents",
                );
                Vec::new()
            }
        };
        for statement in statements {
            out.push(statement);
        }
    }
}
