//! `COPY` and `ADD`: sources, destination and flags.

use super::Converter;
use crate::dockerfile::{self, Arguments, Instruction, InstructionKind};
use crate::literals::escapes_context;
use crate::migrate::tree;
use crate::syntax::ast::{Expr, Statement, StatementKind};

impl Converter<'_> {
    pub(super) fn copy(&mut self, instruction: &Instruction) -> Option<Statement> {
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
                let Some(heredoc) = heredocs.next() else {
                    // BuildKit found no here-document on the line (its word reader failed on
                    // it) and copies an empty file named after the word: nothing `.img` says.
                    self.unsupported(
                        instruction.span,
                        format!("`{source}` with no here-document after it"),
                        "write the here-document's lines and its end line after the instruction, or quote the path",
                    );
                    return None;
                };
                let content = heredoc.chomped_content();
                if !self.heredoc_ok(instruction, heredoc, &content) {
                    return None;
                }
                items.push(heredoc_call(&content, &heredoc.name, heredoc.expand && content.contains(['$', '\\'])));
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
        if !instruction.heredocs.is_empty() {
            // The here-document form writes every path bare; one that needs quotes needs the JSON
            // form, which has no here-documents.
            let paths = sources.iter().filter(|s| !dockerfile::is_heredoc_word(s)).chain([dest]);
            if let Some(path) = paths.into_iter().find(|p| self.word(instruction, p).is_none_or(|w| !bare(&w))) {
                self.unsupported(
                    instruction.span,
                    format!("a here-document beside a path that needs quotes (`{path}`)"),
                    "copy that path in an instruction of its own",
                );
                return None;
            }
        }
        let dest = self.word_text(instruction, &dest_word)?;
        let mut from = None;
        let mut clauses = Vec::new();
        for flag in &instruction.flags {
            let value = flag.value.as_deref();
            let clause = match (flag.name.as_str(), value) {
                ("from", Some(v)) => {
                    match self.stage_named(v, Some(self.current)) {
                        Some(stage) => from = Some(tree::name(&self.stages[stage].ident)),
                        None if self.stage_named(v, None).is_some() => {
                            self.unsupported(
                                flag.span,
                                format!("copying from the later stage `{v}`"),
                                "move the stage it copies from before this one",
                            );
                            return None;
                        }
                        None => from = Some(tree::string(v)),
                    }
                    continue;
                }
                ("chown", Some(v)) => {
                    let word = self.word(instruction, v)?;
                    tree::clause("chown", Some(self.word_text(instruction, &word)?), Vec::new())
                }
                ("chmod", Some(v)) if crate::literals::check_mode(v).is_ok() => {
                    tree::clause("chmod", Some(tree::string(v)), Vec::new())
                }
                ("exclude", Some(v)) => {
                    let word = self.word(instruction, v)?;
                    tree::clause("exclude", Some(self.word_text(instruction, &word)?), Vec::new())
                }
                ("checksum", Some(v)) if v.strip_prefix("sha256:").is_some_and(|h| h.len() == 64) => {
                    tree::clause("checksum", Some(tree::string(v)), Vec::new())
                }
                ("link" | "parents" | "keep-git-dir" | "unpack", value) => {
                    let name = flag.name.replace('-', "_");
                    let value = match value.map(|v| v.to_lowercase()) {
                        None => None,
                        Some(v) if v == "true" => Some(tree::boolean(true)),
                        Some(v) if v == "false" => Some(tree::boolean(false)),
                        Some(_) => return None,
                    };
                    tree::clause(&name, value, Vec::new())
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
        if is_add && from.is_some() {
            self.unsupported(instruction.span, "`ADD --from`", "copy from a stage or an image with `COPY --from`");
            return None;
        }
        Some(tree::statement(if is_add {
            StatementKind::Add { sources: items, dest, clauses }
        } else {
            StatementKind::Copy { from, sources: items, dest, clauses }
        }))
    }
}

/// Whether a path can be written without quotes beside a here-document: not empty, no white
/// space, quote, backslash or literal `$`, and variables without modifiers (whose words could
/// hold any of those).
fn bare(word: &dockerfile::words::Word) -> bool {
    !word.0.is_empty()
        && word.0.iter().all(|piece| match piece {
            dockerfile::words::Piece::Literal(text) => !text.chars().any(|c| c.is_whitespace() || "'\"\\$".contains(c)),
            dockerfile::words::Piece::Variable(variable) => {
                variable.modifier.is_none() && variable.replacement.is_none()
            }
        })
}

/// `heredoc(content[, name: NAME][, expand: true])`: a file written by the step.
pub(super) fn heredoc_call(content: &str, name: &str, expand: bool) -> Expr {
    let mut args = vec![(None, tree::string(content))];
    if name != "EOF" {
        args.push((Some("name"), tree::string(name)));
    }
    if expand {
        args.push((Some("expand"), tree::boolean(true)));
    }
    tree::call_expr(tree::call("heredoc", args))
}
