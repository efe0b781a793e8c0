//! `COPY` and `ADD`: sources, destination and flags.

use super::Converter;
use crate::dockerfile::{self, Arguments, Instruction, InstructionKind};
use crate::literals::escapes_context;
use crate::migrate::literal::string_literal;

impl Converter<'_> {
    pub(super) fn copy(&mut self, instruction: &Instruction) -> Option<String> {
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
}
