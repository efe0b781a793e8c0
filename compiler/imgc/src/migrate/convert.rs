//! Dockerfile to `.img` source: stages named, arguments typed, settings scoped, `RUN` chains
//! split into steps, standard idioms written as library calls, comments kept beside what they
//! describe. The text is written plainly; [`crate::format`] gives it its layout.

use super::env::movable;
use super::idioms::{Item, recognize};
use super::literal::{string_literal, string_literal_raw_tabs};
use super::shell::{self, Token};
use crate::diagnostics::{Code, Diagnostic};
use crate::dockerfile::words::{Piece, Variable, Word, parse_word};
use crate::dockerfile::{
    self, Arguments, Comment, Dockerfile, Flag, Heredoc, Instruction, InstructionKind, KeyValue, csv_fields,
};
use crate::literals::{AUTOMATIC_ARGS, escapes_context};
use crate::source::{FileId, Span};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Converts a parsed Dockerfile (its text in `file`) into `.img` source, or says which
/// constructs have no `.img` form. With `whole_runs`, every `RUN` stays one step.
pub fn convert(df: &Dockerfile, file: FileId, whole_runs: bool) -> Result<String, Vec<Diagnostic>> {
    let mut converter = Converter::new(df, file);
    converter.whole_runs = whole_runs;
    let text = converter.program();
    if converter.errors.is_empty() { Ok(text) } else { Err(converter.errors) }
}

/// Names a stage or a secret cannot take: the modules migrate imports.
const MODULE_NAMES: &[&str] = &["apt", "user", "log"];

struct StageInfo {
    /// The Dockerfile's name, lowercased (`AS Build` is `build`).
    dockerfile_name: Option<String>,
    ident: String,
}

struct Converter<'d> {
    df: &'d Dockerfile,
    file: FileId,
    errors: Vec<Diagnostic>,
    imports: BTreeSet<&'static str>,
    /// `let NAME: secret = "ID"` declarations: (name, id).
    secrets: Vec<(String, String)>,
    global_args: Vec<String>,
    stages: Vec<StageInfo>,
    taken: HashSet<String>,
    /// The stage being written, by index.
    current: usize,
    /// Per stage: whether `DEBIAN_FRONTEND=noninteractive` is in the build environment at its end.
    frontend_at_end: Vec<bool>,
    /// Keep each `RUN` one step: split no `&&` chain.
    whole_runs: bool,
}

impl<'d> Converter<'d> {
    fn new(df: &'d Dockerfile, file: FileId) -> Converter<'d> {
        Converter {
            df,
            file,
            errors: Vec::new(),
            imports: BTreeSet::new(),
            secrets: Vec::new(),
            global_args: Vec::new(),
            stages: Vec::new(),
            taken: HashSet::new(),
            current: 0,
            frontend_at_end: Vec::new(),
            whole_runs: false,
        }
    }

    fn span(&self, span: dockerfile::Span) -> Span {
        Span::new(self.file, span.start.offset..span.end.offset)
    }

    /// A value builders refuse when they build (an image reference, a platform, a signal).
    fn invalid(&mut self, instruction: &Instruction, message: String) {
        self.errors.push(
            Diagnostic::error(Code::DockerfileSyntax, message)
                .with_label(self.span(instruction.span), "in this instruction")
                .with_help("builders refuse it too when they build; correct the Dockerfile"),
        );
    }

    /// A construct that `.img` cannot say.
    fn unsupported(&mut self, span: dockerfile::Span, what: impl Into<String>, help: impl Into<String>) {
        let what = what.into();
        self.errors.push(
            Diagnostic::error(Code::NotMigratable, format!("{what} has no `.img` form"))
                .with_label(self.span(span), what)
                .with_help(help),
        );
    }

    fn program(&mut self) -> String {
        let df = self.df;
        let first_from = df.instructions.iter().position(|i| i.kind == InstructionKind::From);
        let globals = &df.instructions[..first_from.unwrap_or(df.instructions.len())];
        self.global_args = globals
            .iter()
            .filter_map(|i| match &i.args {
                Arguments::ArgDecls(decls) => Some(decls.iter().map(|d| d.name.clone()).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        self.taken.extend(self.global_args.iter().cloned());
        self.taken.extend(MODULE_NAMES.iter().map(|s| s.to_string()));
        self.name_stages();

        let mut body: Vec<String> = Vec::new();
        let mut header: Vec<String> = Vec::new();
        let mut previous_line: Option<usize> = None;
        for (index, instruction) in globals.iter().enumerate() {
            let comments = if index == 0 {
                let (top, attached) = split_header(&instruction.leading_comments, instruction.span.start.line);
                header.extend(top.iter().map(comment_line));
                attached
            } else {
                &instruction.leading_comments[..]
            };
            self.separate(&mut body, previous_line, comments, instruction, 0);
            body.extend(comments.iter().map(comment_line));
            body.extend(instruction.inner_comments.iter().map(comment_line));
            body.extend(self.global_arg(instruction));
            previous_line = Some(instruction.span.end.line);
        }
        let stage_starts: Vec<usize> = df
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == InstructionKind::From)
            .map(|(index, _)| index)
            .collect();
        for (stage, &start) in stage_starts.iter().enumerate() {
            let end = stage_starts.get(stage + 1).copied().unwrap_or(df.instructions.len());
            let from = &df.instructions[start];
            let comments = if start == 0 {
                let (top, attached) = split_header(&from.leading_comments, from.span.start.line);
                header.extend(top.iter().map(comment_line));
                attached
            } else {
                &from.leading_comments[..]
            };
            if !body.is_empty() {
                body.push(String::new());
            }
            body.extend(comments.iter().map(comment_line));
            body.extend(from.inner_comments.iter().map(comment_line));
            self.current = stage;
            let last = stage + 1 == stage_starts.len();
            body.push(self.stage_header(from, last));
            let instructions: Vec<&Instruction> = df.instructions[start + 1..end].iter().collect();
            body.extend(self.stage_body(&instructions, from.span.end.line));
            body.push("}".to_string());
        }
        let mut out = header;
        if !out.is_empty() {
            out.push(String::new());
        }
        for directive in &df.directives {
            match directive.name.as_str() {
                "syntax" | "check" => {
                    out.push(format!("directive {} = {}", directive.name, string_literal(&directive.value)))
                }
                _ => {}
            }
        }
        for module in &self.imports {
            out.push(format!("import std.{module}"));
        }
        if !self.secrets.is_empty() {
            out.push(String::new());
            for (name, id) in &self.secrets {
                out.push(format!("let {name}: secret = {}", string_literal(id)));
            }
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(body);
        out.extend(df.trailing_comments.iter().map(comment_line));
        let mut text = out.join("\n");
        text.push('\n');
        text
    }

    /// A blank line before an instruction when the Dockerfile has one.
    fn separate(
        &self,
        body: &mut Vec<String>,
        previous_line: Option<usize>,
        comments: &[Comment],
        instruction: &Instruction,
        _indent: usize,
    ) {
        let first_line = comments.first().map_or(instruction.span.start.line, |c| c.span.start.line);
        if previous_line.is_some_and(|p| first_line > p + 1) && body.last().is_some_and(|l| !l.trim().is_empty()) {
            body.push(String::new());
        }
    }

    /// Stage names: the Dockerfile's, made valid `.img` names, or `stage0`, `stage1`, ….
    fn name_stages(&mut self) {
        let froms: Vec<&Instruction> =
            self.df.instructions.iter().filter(|i| i.kind == InstructionKind::From).collect();
        for (index, from) in froms.iter().enumerate() {
            let dockerfile_name = match &from.args {
                Arguments::Words(words) if words.len() == 3 => Some(words[2].to_lowercase()),
                _ => None,
            };
            let wanted = match &dockerfile_name {
                Some(name) => {
                    let cleaned: String =
                        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
                    if cleaned.starts_with(|c: char| c.is_ascii_lowercase()) { cleaned } else { format!("s_{cleaned}") }
                }
                None => format!("stage{index}"),
            };
            let ident = self.fresh(&wanted);
            self.stages.push(StageInfo { dockerfile_name, ident });
        }
    }

    /// `wanted`, or the first of `wanted_stage`, `wanted_2`, … that is a free name.
    fn fresh(&mut self, wanted: &str) -> String {
        let usable = |name: &str, taken: &HashSet<String>| crate::syntax::is_ident(name) && !taken.contains(name);
        let mut candidate = wanted.to_string();
        if !usable(&candidate, &self.taken) {
            candidate = format!("{wanted}_stage");
        }
        let mut counter = 2;
        while !usable(&candidate, &self.taken) {
            candidate = format!("{wanted}_{counter}");
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// The stage a name refers to, among the stages before `before` (or all, with `None`).
    fn stage_named(&self, name: &str, before: Option<usize>) -> Option<usize> {
        let limit = before.unwrap_or(self.stages.len());
        if let Ok(index) = name.parse::<usize>() {
            return (index < limit).then_some(index);
        }
        let lower = name.to_lowercase();
        self.stages[..limit].iter().position(|s| s.dockerfile_name.as_deref() == Some(lower.as_str()))
    }

    // ---- global arguments ----

    fn global_arg(&mut self, instruction: &Instruction) -> Vec<String> {
        let Arguments::ArgDecls(decls) = &instruction.args else { return Vec::new() };
        let mut out = Vec::new();
        for decl in decls {
            if let Some(line) = self.arg_decl(instruction, &decl.name, decl.value.as_deref(), false) {
                out.push(line);
            }
        }
        out
    }

    /// `arg NAME[: TYPE] = DEFAULT`, `arg NAME = none`, or a stage's `arg NAME` redeclaring a
    /// global argument.
    fn arg_decl(
        &mut self,
        instruction: &Instruction,
        name: &str,
        value: Option<&str>,
        in_stage: bool,
    ) -> Option<String> {
        if !is_arg_name(name) {
            self.unsupported(
                instruction.span,
                format!("the build argument name `{name}`"),
                "name the argument with letters, digits and `_`",
            );
            return None;
        }
        let Some(value) = value else {
            let redeclared = in_stage && self.global_args.iter().any(|g| g == name);
            return Some(if redeclared || AUTOMATIC_ARGS.contains(&name) {
                format!("arg {name}")
            } else {
                format!("arg {name} = none")
            });
        };
        if AUTOMATIC_ARGS.contains(&name) {
            self.unsupported(
                instruction.span,
                format!("a default for `{name}`, which BuildKit sets itself"),
                format!("declare it without a value: `ARG {name}`"),
            );
            return None;
        }
        let word = self.word(instruction, value)?;
        let text = self.word_text(instruction, &word)?;
        let ty = match word.literal() {
            Some(literal) => arg_type(name, &literal),
            None => None,
        };
        Some(match (ty, word.literal()) {
            (Some(ty @ ("int" | "bool")), Some(literal)) => format!("arg {name}: {ty} = {literal}"),
            (Some("port"), Some(literal)) => format!("arg {name}: port = {literal}"),
            _ => format!("arg {name} = {text}"),
        })
    }

    /// An `ONBUILD ARG`: `arg NAME [= DEFAULT]` in the `onbuild` block.
    fn trigger_arg(&mut self, instruction: &Instruction, name: &str, value: Option<&str>) -> Option<String> {
        if !is_arg_name(name) {
            self.unsupported(
                instruction.span,
                format!("the build argument name `{name}`"),
                "name it with letters, digits and `_`",
            );
            return None;
        }
        match value {
            Some(value) => {
                let word = self.word(instruction, value)?;
                Some(format!("arg {name} = {}", self.word_text(instruction, &word)?))
            }
            None => Some(format!("arg {name}")),
        }
    }

    // ---- stages ----

    fn stage_header(&mut self, from: &Instruction, last: bool) -> String {
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

    fn stage_body(&mut self, instructions: &[&Instruction], from_line: usize) -> Vec<String> {
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
    fn step(&mut self, instruction: &Instruction, runtime: &[bool], frontend: bool, trigger: bool) -> Vec<String> {
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

    // ---- words ----

    /// Reads a builder-expanded word of `instruction`.
    fn word(&mut self, instruction: &Instruction, text: &str) -> Option<Word> {
        match parse_word(text, self.df.escape) {
            Ok(word) => Some(word),
            Err(problem) => {
                self.errors.push(
                    Diagnostic::error(Code::DockerfileSyntax, format!("`{text}` cannot be read: {problem}"))
                        .with_label(self.span(instruction.span), "in this instruction")
                        .with_help("the builder would refuse it too; fix the quoting"),
                );
                None
            }
        }
    }

    /// A word as an `.img` string: its text as written code, variables as `$NAME`.
    fn word_text(&mut self, instruction: &Instruction, word: &Word) -> Option<String> {
        Some(format!("\"{}\"", self.pieces_text(instruction, &word.0)?))
    }

    /// The inside of a string literal for some pieces of a word.
    fn pieces_text(&mut self, instruction: &Instruction, pieces: &[Piece]) -> Option<String> {
        let mut code = String::new();
        for (index, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Literal(text) => {
                    if text.contains(['\n', '\r', '\0']) {
                        self.unsupported(instruction.span, "a line break in an operand", "remove it");
                        return None;
                    }
                    let next = pieces.get(index + 1).map(|p| matches!(p, Piece::Variable(_)));
                    code.push_str(&literal_text(text, next.unwrap_or(false)));
                }
                Piece::Variable(variable) => {
                    code.push_str(&self.variable_text(instruction, variable, pieces.get(index + 1))?)
                }
            }
        }
        Some(code)
    }

    /// `$NAME` or `\${NAME…}` as code in a string.
    fn variable_text(
        &mut self,
        instruction: &Instruction,
        variable: &Variable,
        next: Option<&Piece>,
    ) -> Option<String> {
        let next_is_name =
            matches!(next, Some(Piece::Literal(t)) if t.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
        if variable.modifier.is_none() && !variable.braced && !next_is_name {
            return Some(format!("${}", variable.name));
        }
        let mut out = format!("\\${{{}", variable.name);
        if let Some((op, word)) = &variable.modifier {
            out.push_str(op);
            // The pattern of `${NAME/pattern/replacement}` ends at a `/`.
            let pattern = op.starts_with('/');
            out.push_str(&self.nested_text(instruction, word, pattern)?);
            if let Some(replacement) = &variable.replacement {
                out.push('/');
                out.push_str(&self.nested_text(instruction, replacement, false)?);
            }
        }
        out.push('}');
        Some(out)
    }

    /// A word inside `${NAME:-word}`: the builder reads it again, so characters it would take
    /// for syntax there (and that imgc cannot escape) cannot be written.
    fn nested_text(&mut self, instruction: &Instruction, word: &Word, pattern: bool) -> Option<String> {
        let special: &[char] = if pattern { &['}', '\'', '/'] } else { &['}', '\''] };
        for piece in &word.0 {
            if let Piece::Literal(text) = piece
                && text.contains(special)
            {
                self.unsupported(
                    instruction.span,
                    "a literal `}`, `'` (or `/` in a pattern) inside a `${…}` substitution",
                    "set the value with an `ARG` or `ENV` first and substitute that",
                );
                return None;
            }
        }
        self.pieces_text(instruction, &word.0)
    }

    fn single(&mut self, keyword: &str, instruction: &Instruction, text: &str) -> Option<String> {
        let word = self.word(instruction, text)?;
        let literal = self.word_text(instruction, &word)?;
        Some(format!("{keyword} {literal}"))
    }

    // ---- RUN ----

    fn run(&mut self, instruction: &Instruction, frontend: bool, trigger: bool) -> Vec<String> {
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
        // The commands as written, one space between their words.
        let text_of = |from: usize, to: usize| -> String {
            let first = bounds[from].0;
            let last = bounds[to - 1].1;
            ranges[first..last].iter().map(|r| &script[r.clone()]).collect::<Vec<_>>().join(" ")
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
        let mut script = command.clone();
        for heredoc in &instruction.heredocs {
            script.push('\n');
            script.push_str(&heredoc.content);
            script.push_str(&heredoc.name);
        }
        Some(Some(string_literal(&script)))
    }

    /// A here-document `heredoc(…)` can write: text ending with a line break, a plain name.
    fn heredoc_ok(&mut self, instruction: &Instruction, heredoc: &Heredoc, content: &str) -> bool {
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

    /// The options of a `RUN`: mounts, network, security, devices.
    fn run_clauses(&mut self, instruction: &Instruction) -> Option<Vec<String>> {
        let mut out = Vec::new();
        let mut ok = true;
        for flag in &instruction.flags {
            let value = flag.value.as_deref().unwrap_or_default();
            let clause = match flag.name.as_str() {
                "mount" => self.mount(instruction, flag, value),
                "network" | "security" if !value.contains('$') => {
                    Some(format!("{} {}", flag.name, string_literal(value)))
                }
                "device" => self.device(flag, value),
                _ => {
                    self.unsupported(flag.span, format!("`--{}={value}`", flag.name), "write the value literally");
                    None
                }
            };
            match clause {
                Some(clause) => out.push(clause),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn device(&mut self, flag: &Flag, value: &str) -> Option<String> {
        let fields = csv_fields(value).unwrap_or_default();
        let mut name = None;
        let mut required = false;
        for field in fields {
            match field.split_once('=') {
                Some((key, v)) if key.eq_ignore_ascii_case("name") => name = Some(v.to_string()),
                Some((key, v)) if key.eq_ignore_ascii_case("required") => required = go_bool(v)?,
                None if field.eq_ignore_ascii_case("required") => required = true,
                _ if name.is_none() => name = Some(field),
                _ => {
                    self.unsupported(
                        flag.span,
                        format!("the device setting `{field}`"),
                        "give the name and `required`",
                    );
                    return None;
                }
            }
        }
        let name = name?;
        let options = if required { " (required: true)" } else { "" };
        Some(format!("device {}{options}", string_literal(&name)))
    }

    fn mount(&mut self, instruction: &Instruction, flag: &Flag, value: &str) -> Option<String> {
        let Ok(fields) = csv_fields(value) else { return None };
        let mut kind = "bind".to_string();
        let mut target = None;
        let mut options: Vec<(String, String)> = Vec::new();
        let mut id = None;
        for field in &fields {
            let (key, v) = match field.split_once('=') {
                Some((k, v)) => (k.to_lowercase(), Some(v.to_string())),
                None => (field.to_lowercase(), None),
            };
            match (key.as_str(), v) {
                ("type", Some(v)) => kind = v.to_lowercase(),
                ("target" | "dst" | "destination", Some(v)) => target = Some(v),
                ("id", Some(v)) => id = Some(v),
                ("readonly" | "ro", None) => options.push(("readonly".into(), "true".into())),
                ("readonly" | "ro", Some(v)) => options.push(("readonly".into(), go_bool(&v)?.to_string())),
                ("readwrite" | "rw", None) => options.push(("readwrite".into(), "true".into())),
                ("readwrite" | "rw", Some(v)) => options.push(("readwrite".into(), go_bool(&v)?.to_string())),
                ("required", None) => options.push(("required".into(), "true".into())),
                ("required", Some(v)) => options.push(("required".into(), go_bool(&v)?.to_string())),
                ("source" | "src", Some(v)) => options.push(("source".into(), string_literal(&v))),
                ("from", Some(v)) => {
                    let from = match self.stage_named(&v, Some(self.current)) {
                        Some(stage) => self.stages[stage].ident.clone(),
                        None => string_literal(&v),
                    };
                    options.push(("from".into(), from));
                }
                ("uid" | "gid" | "size", Some(v)) if v.parse::<u64>().is_ok_and(|n| n.to_string() == v) => {
                    options.push((key.clone(), v));
                }
                ("mode" | "sharing" | "env", Some(v)) => options.push((key.clone(), string_literal(&v))),
                _ => {
                    self.unsupported(
                        flag.span,
                        format!("the mount setting `{field}`"),
                        "see the mount settings `.img` has in the language reference",
                    );
                    return None;
                }
            }
        }
        let allowed: &[&str] = match kind.as_str() {
            "cache" => &["sharing", "from", "source", "mode", "uid", "gid", "readonly"],
            "bind" => &["from", "source", "readwrite"],
            "tmpfs" => &["size"],
            "secret" => &["env", "required", "mode", "uid", "gid"],
            "ssh" => &["required", "mode", "uid", "gid"],
            _ => &[],
        };
        // A bind mount is read-only unless it says otherwise.
        if kind == "bind" {
            options.retain(|(k, v)| !(k == "readonly" && v == "true"));
        }
        if let Some((key, _)) = options.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            self.unsupported(flag.span, format!("the setting `{key}` on a {kind} mount"), "remove the setting");
            return None;
        }
        let settings = |extra: Vec<(String, String)>| -> String {
            let all: Vec<String> = extra.into_iter().chain(options.clone()).map(|(k, v)| format!("{k}: {v}")).collect();
            if all.is_empty() { String::new() } else { format!(" ({})", all.join(", ")) }
        };
        Some(match kind.as_str() {
            "cache" | "bind" | "tmpfs" => {
                // BuildKit mounts it at the working directory: `.`, which it joins to that.
                let target = target.unwrap_or_else(|| ".".to_string());
                let extra = id.map(|id| vec![("id".to_string(), string_literal(&id))]).unwrap_or_default();
                if kind != "cache" && !extra.is_empty() {
                    self.unsupported(flag.span, format!("an `id` on a {kind} mount"), "remove the setting");
                    return None;
                }
                format!("{kind} {}{}", string_literal(&target), settings(extra))
            }
            "secret" => {
                let id = id.or_else(|| target.as_ref().map(|t| t.rsplit('/').next().unwrap_or(t).to_string()));
                let Some(id) = id.filter(|id| !id.is_empty()) else {
                    self.unsupported(flag.span, "a secret mount without an id or target", "give the secret's id");
                    return None;
                };
                let name = self.secret(flag, &id)?;
                let extra = target.map(|t| vec![("target".to_string(), string_literal(&t))]).unwrap_or_default();
                format!("secret {name}{}", settings(extra))
            }
            "ssh" => {
                let extra = target.map(|t| vec![("target".to_string(), string_literal(&t))]).unwrap_or_default();
                match id {
                    Some(id) => format!("ssh {}{}", string_literal(&id), settings(extra)),
                    None => format!("ssh{}", settings(extra)),
                }
            }
            _ => {
                let _ = instruction;
                self.unsupported(
                    flag.span,
                    format!("the mount type `{kind}`"),
                    "use cache, bind, tmpfs, secret or ssh",
                );
                return None;
            }
        })
    }

    /// The `let` name of a secret, declared once per id.
    fn secret(&mut self, flag: &Flag, id: &str) -> Option<String> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
            self.unsupported(
                flag.span,
                format!("the secret id `{id}`"),
                "name the secret with letters, digits, `_`, `.` and `-`",
            );
            return None;
        }
        Some(self.secret_name(id))
    }

    fn secret_name(&mut self, id: &str) -> String {
        if let Some((name, _)) = self.secrets.iter().find(|(_, known)| known == id) {
            return name.clone();
        }
        let cleaned: String =
            id.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let wanted =
            if cleaned.starts_with(|c: char| c.is_ascii_lowercase()) { cleaned } else { format!("s_{cleaned}") };
        let name = self.fresh(&wanted);
        self.secrets.push((name.clone(), id.to_string()));
        name
    }

    // ---- COPY / ADD ----

    fn copy(&mut self, instruction: &Instruction) -> Option<String> {
        let is_add = instruction.kind == InstructionKind::Add;
        let words = match &instruction.args {
            Arguments::Words(words) | Arguments::Exec(words) => words,
            _ => return None,
        };
        let (dest, sources) = words.split_last()?;
        let mut heredocs = instruction.heredocs.iter();
        let mut items = Vec::new();
        for source in sources {
            if matches!(instruction.args, Arguments::Words(_)) && dockerfile::is_heredoc_word(source) {
                let heredoc = heredocs.next()?;
                let content = heredoc.chomped_content();
                if !self.heredoc_ok(instruction, heredoc, &content) {
                    return None;
                }
                let mut text = format!("heredoc({}", string_literal(&content));
                if heredoc.name != "EOF" {
                    text.push_str(&format!(", name: {}", string_literal(&heredoc.name)));
                }
                if heredoc.expand && content.contains(['$', '\\']) {
                    text.push_str(", expand: true");
                }
                text.push(')');
                items.push(text);
                continue;
            }
            let word = self.word(instruction, source)?;
            let remote = source.contains("://") || source.starts_with("git@");
            if instruction.flag("from").is_none() && !remote && word.literal().is_some_and(|p| escapes_context(&p)) {
                self.unsupported(
                    instruction.span,
                    format!("the path `{source}` outside the build context"),
                    "copy files from inside the build context",
                );
                return None;
            }
            items.push(self.word_text(instruction, &word)?);
        }
        let dest_word = self.word(instruction, dest)?;
        let dest = self.word_text(instruction, &dest_word)?;
        let mut line = String::from(if is_add { "add " } else { "copy " });
        let mut clauses = Vec::new();
        for flag in &instruction.flags {
            let value = flag.value.as_deref();
            let clause = match (flag.name.as_str(), value) {
                ("from", Some(v)) => {
                    match self.stage_named(v, Some(self.current)) {
                        Some(stage) => line.push_str(&format!("from {} ", self.stages[stage].ident)),
                        None if self.stage_named(v, None).is_some() => {
                            self.unsupported(
                                flag.span,
                                format!("copying from the later stage `{v}`"),
                                "move the stage it copies from before this one",
                            );
                            return None;
                        }
                        None => line.push_str(&format!("from {} ", string_literal(v))),
                    }
                    continue;
                }
                ("chown", Some(v)) => {
                    let word = self.word(instruction, v)?;
                    format!("chown {}", self.word_text(instruction, &word)?)
                }
                ("chmod", Some(v)) if crate::literals::check_mode(v).is_ok() => {
                    format!("chmod {}", string_literal(v))
                }
                ("exclude", Some(v)) => {
                    let word = self.word(instruction, v)?;
                    format!("exclude {}", self.word_text(instruction, &word)?)
                }
                ("checksum", Some(v)) if v.strip_prefix("sha256:").is_some_and(|h| h.len() == 64) => {
                    format!("checksum {}", string_literal(v))
                }
                ("link" | "parents" | "keep-git-dir" | "unpack", value) => {
                    let name = flag.name.replace('-', "_");
                    match value.map(|v| v.to_lowercase()) {
                        None => name,
                        Some(v) if v == "true" => format!("{name} true"),
                        Some(v) if v == "false" => format!("{name} false"),
                        Some(_) => return None,
                    }
                }
                _ => {
                    self.unsupported(
                        flag.span,
                        format!("`--{}={}`", flag.name, value.unwrap_or_default()),
                        "write the value literally",
                    );
                    return None;
                }
            };
            clauses.push(clause);
        }
        line.push_str(&items.join(", "));
        line.push_str(" to ");
        line.push_str(&dest);
        for clause in clauses {
            line.push(' ');
            line.push_str(&clause);
        }
        Some(line)
    }

    // ---- ENV / LABEL ----

    fn env(&mut self, instruction: &Instruction, pairs: &[KeyValue], runtime: &[bool], trigger: bool) -> Vec<String> {
        let mut both = Vec::new();
        let mut config = Vec::new();
        for (index, pair) in pairs.iter().enumerate() {
            let Some(key) = self.word(instruction, &pair.key).and_then(|w| w.literal()) else {
                self.unsupported(instruction.span, "a variable in an `ENV` name", "write the name literally");
                return Vec::new();
            };
            if !crate::literals::is_env_name(&key) {
                self.unsupported(
                    instruction.span,
                    format!("the environment variable name `{key}`"),
                    "name it with letters, digits and `_`, not starting with a digit",
                );
                return Vec::new();
            }
            let Some(value) = self.word(instruction, &pair.value).and_then(|w| self.word_text(instruction, &w)) else {
                return Vec::new();
            };
            let entry = format!("{} = {value}", entry_key(&key));
            if !trigger && runtime.get(index).copied().unwrap_or(false) {
                config.push(entry);
            } else {
                both.push(entry);
            }
        }
        let mut out = Vec::new();
        if !both.is_empty() {
            out.push(format!("env both {{ {} }}", both.join(", ")));
        }
        if !config.is_empty() {
            out.push(format!("env {{ {} }}", config.join(", ")));
        }
        out
    }

    fn label(&mut self, instruction: &Instruction, pairs: &[KeyValue]) -> Option<String> {
        let mut entries = Vec::new();
        for pair in pairs {
            let Some(key) = self.word(instruction, &pair.key)?.literal() else {
                self.unsupported(instruction.span, "a variable in a `LABEL` key", "write the key literally");
                return None;
            };
            if key.is_empty() || key.contains(['\n', '\r']) {
                return None;
            }
            let value = self.word(instruction, &pair.value)?;
            entries.push(format!("{} = {}", entry_key(&key), self.word_text(instruction, &value)?));
        }
        Some(format!("label {{ {} }}", entries.join(", ")))
    }

    // ---- the rest ----

    fn expose(&mut self, instruction: &Instruction, words: &[String]) -> Option<String> {
        let mut ports = Vec::new();
        for text in words {
            let word = self.word(instruction, text)?;
            let port = match word.literal() {
                Some(literal) => match port_literal(&literal) {
                    Some(port) => port,
                    None => {
                        self.unsupported(
                            instruction.span,
                            format!("the port `{literal}`"),
                            "expose the ports one by one, as `NUMBER[/tcp|udp|sctp]`",
                        );
                        return None;
                    }
                },
                None => self.word_text(instruction, &word)?,
            };
            ports.push(port);
        }
        Some(format!("expose {}", ports.join(", ")))
    }

    /// A `CMD`/`ENTRYPOINT` command: shell form as written, or the exec list.
    fn command(&mut self, instruction: &Instruction, args: &Arguments) -> Option<String> {
        match args {
            Arguments::Shell(text) => Some(string_literal(text)),
            Arguments::Exec(words) => {
                Some(format!("[{}]", words.iter().map(|w| string_literal(w)).collect::<Vec<_>>().join(", ")))
            }
            Arguments::Empty => {
                self.unsupported(instruction.span, "an empty command", "give the command");
                None
            }
            _ => None,
        }
    }

    fn healthcheck(&mut self, instruction: &Instruction, kind: &str, args: &Arguments) -> Option<String> {
        if kind.eq_ignore_ascii_case("none") {
            return Some("healthcheck none".to_string());
        }
        let command = self.command(instruction, args)?;
        let mut line = format!("healthcheck {command}");
        for flag in &instruction.flags {
            let value = flag.value.as_deref().unwrap_or_default();
            let clause = match flag.name.as_str() {
                "retries" => value.parse::<i64>().ok().filter(|n| *n >= 0).map(|n| format!("retries {n}")),
                name => go_duration_literal(value).map(|d| format!("{} {d}", name.replace('-', "_"))),
            };
            match clause {
                Some(clause) => {
                    line.push(' ');
                    line.push_str(&clause);
                }
                None => {
                    self.unsupported(
                        flag.span,
                        format!("`--{}={value}`", flag.name),
                        "durations are whole milliseconds, retries a number, both written literally",
                    );
                    return None;
                }
            }
        }
        Some(line)
    }
}

/// The first comments of a file that stand apart (a blank line before the instruction or before
/// the comments that follow): the file's header, and the comments that describe the instruction.
fn split_header(comments: &[Comment], instruction_line: usize) -> (&[Comment], &[Comment]) {
    let mut split = 0;
    for (index, comment) in comments.iter().enumerate() {
        let next_line = comments.get(index + 1).map_or(instruction_line, |c| c.span.start.line);
        if next_line > comment.span.start.line + 1 {
            split = index + 1;
        }
    }
    comments.split_at(split)
}

/// A Dockerfile comment as an `.img` comment.
fn comment_line(comment: &Comment) -> String {
    format!("#{}", comment.text.trim_end())
}

/// `DEBIAN_FRONTEND` after an `ENV`: set to `noninteractive` (literally), or unset as known.
fn frontend_after(before: bool, pairs: &[KeyValue], escape: char) -> bool {
    let mut value = before;
    for pair in pairs {
        if pair.key == "DEBIAN_FRONTEND" {
            let literal = parse_word(&pair.value, escape).ok().and_then(|w| w.literal());
            value = literal.as_deref() == Some("noninteractive");
        }
    }
    value
}

/// Go's `strconv.ParseBool`.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A Go duration as an `.img` duration literal (whole milliseconds).
fn go_duration_literal(text: &str) -> Option<String> {
    let nanos = dockerfile::go_duration(text).ok()?;
    if nanos <= 0 || nanos % 1_000_000 != 0 {
        return None;
    }
    let millis = u64::try_from(nanos / 1_000_000).ok()?;
    Some(crate::value::format_duration(millis))
}

/// A literal `EXPOSE` port as an `.img` port, or `None` (a range, a bad number).
fn port_literal(text: &str) -> Option<String> {
    let (number, protocol) = match text.split_once('/') {
        Some((n, p)) => (n, Some(p.to_lowercase())),
        None => (text, None),
    };
    let value: u16 = number.parse().ok().filter(|n| *n >= 1 && number.starts_with(|c: char| c != '0'))?;
    match protocol.as_deref() {
        None => Some(value.to_string()),
        Some(p @ ("tcp" | "udp" | "sctp")) => Some(format!("{value}/{p}")),
        Some(_) => None,
    }
}

/// The type a build argument's default makes clear, when the text of that type's value is the
/// default exactly: `int` for a plain number (not a version), `bool` for `true`/`false`, `port`
/// for `8080/tcp`.
fn arg_type(name: &str, default: &str) -> Option<&'static str> {
    let upper = name.to_uppercase();
    let versionish = upper.contains("VERSION") || upper.ends_with("_VER") || upper.contains("TAG");
    if default == "true" || default == "false" {
        return Some("bool");
    }
    if !versionish && default.parse::<i64>().is_ok_and(|n| n >= 0 && n.to_string() == default) {
        return Some("int");
    }
    if let Some((number, protocol)) = default.split_once('/')
        && matches!(protocol, "tcp" | "udp" | "sctp")
        && number.parse::<u16>().is_ok_and(|n| n >= 1 && n.to_string() == number)
    {
        return Some("port");
    }
    None
}

/// A name a build argument may have in `.img` (also a keyword).
fn is_arg_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An `env`/`label` key: a name where the grammar allows one, otherwise a string.
fn entry_key(key: &str) -> String {
    if crate::syntax::is_ident(key) { key.to_string() } else { string_literal(key) }
}

/// Literal text of a word as the inside of an `.img` string: escapes for `\`, `"` and `${`; a `$`
/// that the builder would take for a variable is inserted as a value (`${"$"}`).
fn literal_text(text: &str, variable_follows: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (index, &c) in chars.iter().enumerate() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => {
                let next = chars.get(index + 1).copied();
                let starts_variable = match next {
                    Some(n) => n == '{' || n.is_alphanumeric() || "_@*#?-$!".contains(n),
                    None => variable_follows,
                };
                out.push_str(if starts_variable { "${\"$\"}" } else { "$" });
            }
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_what_imgc_would_read() {
        assert_eq!(string_literal("echo \"$HOME\" ${X} \\n"), "\"echo \\\"$HOME\\\" \\${X} \\\\n\"");
        assert_eq!(literal_text("cost $5 and $", true), "cost ${\"$\"}5 and ${\"$\"}");
        assert_eq!(literal_text("a$ b", false), "a$ b");
    }

    #[test]
    fn argument_types_only_when_the_text_is_the_same() {
        assert_eq!(arg_type("WORKERS", "4"), Some("int"));
        assert_eq!(arg_type("NODE_VERSION", "20"), None);
        assert_eq!(arg_type("X", "007"), None);
        assert_eq!(arg_type("DEBUG", "false"), Some("bool"));
        assert_eq!(arg_type("PORT", "8080"), Some("int"));
        assert_eq!(arg_type("PORT", "8080/tcp"), Some("port"));
        assert_eq!(arg_type("NAME", "app"), None);
    }

    #[test]
    fn ports_durations_and_headers() {
        assert_eq!(port_literal("80"), Some("80".into()));
        assert_eq!(port_literal("53/UDP"), Some("53/udp".into()));
        assert_eq!(port_literal("8000-8010"), None);
        assert_eq!(go_duration_literal("90s"), Some("1m30s".into()));
        assert_eq!(go_duration_literal("0.5s"), Some("500ms".into()));
        assert_eq!(go_duration_literal("1us"), None);
    }
}
