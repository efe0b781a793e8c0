//! Which variables an instruction reads and sets, as the builder sees them: the passes that move
//! instructions use this to keep every expansion seeing the values it saw before.

use crate::ir::{Command, CopySource, InstructionKind, Text, TextPart};
use std::collections::BTreeSet;

/// Variables a text refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    Names(BTreeSet<String>),
    /// A `$` the reader cannot follow, or a `RUN`, whose shell sees every variable.
    Everything,
}

impl Reads {
    pub fn none() -> Reads {
        Reads::Names(BTreeSet::new())
    }

    pub fn any_of<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> bool {
        match self {
            Reads::Everything => true,
            Reads::Names(read) => names.into_iter().any(|n| read.contains(n)),
        }
    }

    fn add(&mut self, other: Reads) {
        match (self, other) {
            (Reads::Names(a), Reads::Names(b)) => a.extend(b),
            (this, _) => *this = Reads::Everything,
        }
    }

    /// The names, for messages: `$A`, `$B`.
    pub fn describe(&self, among: &[&str]) -> String {
        match self {
            Reads::Everything => "variables imgc cannot list".to_string(),
            Reads::Names(names) => names
                .iter()
                .filter(|n| among.contains(&n.as_str()))
                .map(|n| format!("`${n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// The variables the builder expands in a text: `$name` and `${name…}` in code (values are
/// escaped, so the builder never expands them) and build arguments.
pub fn text_reads(text: &Text) -> Reads {
    let mut names = BTreeSet::new();
    for part in &text.0 {
        match part {
            TextPart::Value(_) => {}
            TextPart::Arg(name) => {
                names.insert(name.clone());
            }
            TextPart::Code(code) => {
                let chars: Vec<char> = code.chars().collect();
                let mut i = 0;
                while i < chars.len() {
                    if chars[i] != '$' {
                        i += 1;
                        continue;
                    }
                    let braced = chars.get(i + 1) == Some(&'{');
                    let start = if braced { i + 2 } else { i + 1 };
                    let mut end = start;
                    while chars.get(end).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                        end += 1;
                    }
                    let name: String = chars[start..end].iter().collect();
                    let valid = !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit());
                    let lone_dollar = !braced && chars.get(start).is_none_or(|c| c.is_whitespace());
                    if valid {
                        names.insert(name);
                    } else if !lone_dollar {
                        return Reads::Everything;
                    }
                    i = end.max(i + 1);
                }
            }
        }
    }
    Reads::Names(names)
}

fn texts_reads<'a>(texts: impl IntoIterator<Item = &'a Text>) -> Reads {
    let mut reads = Reads::none();
    for text in texts {
        reads.add(text_reads(text));
    }
    reads
}

/// What the builder expands when it runs the instruction. A `RUN` reads everything: its shell
/// sees every variable. `CMD`, `ENTRYPOINT`, `HEALTHCHECK`, `SHELL` and `MAINTAINER` are not expanded, and
/// an `ONBUILD` trigger only in the builds that use the image.
pub fn reads(kind: &InstructionKind) -> Reads {
    match kind {
        InstructionKind::Run(_) => Reads::Everything,
        InstructionKind::Arg(def) => texts_reads(def.default.iter()),
        InstructionKind::Copy(copy) => {
            let mut texts: Vec<&Text> = copy.sources.iter().chain([&copy.dest]).chain(copy.chown.iter()).collect();
            texts.extend(copy.exclude.iter());
            if let Some(CopySource::Image(image)) = &copy.from {
                texts.push(image);
            }
            texts_reads(texts)
        }
        InstructionKind::Env { vars, .. } | InstructionKind::Label(vars) => texts_reads(vars.iter().map(|(_, v)| v)),
        InstructionKind::Workdir(text) | InstructionKind::User(text) | InstructionKind::StopSignal(text) => {
            text_reads(text)
        }
        InstructionKind::Expose(texts) | InstructionKind::Volume(texts) => texts_reads(texts),
        InstructionKind::Cmd(_)
        | InstructionKind::Entrypoint(_)
        | InstructionKind::Healthcheck(_)
        | InstructionKind::Shell(_)
        | InstructionKind::OnBuild(_)
        | InstructionKind::Maintainer(_)
        | InstructionKind::LayerBoundary => Reads::none(),
    }
}

/// The variables the instruction sets for the instructions after it.
pub fn sets(kind: &InstructionKind) -> Vec<&str> {
    match kind {
        InstructionKind::Arg(def) => vec![def.name.as_str()],
        InstructionKind::Env { vars, .. } => vars.iter().map(|(k, _)| k.as_str()).collect(),
        _ => Vec::new(),
    }
}

/// A command run by the stage's shell when the container starts: where it is written decides
/// which `SHELL` runs it.
pub fn uses_shell(command: &Command) -> bool {
    !matches!(command, Command::Exec(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(reads: Reads) -> Vec<String> {
        match reads {
            Reads::Names(names) => names.into_iter().collect(),
            Reads::Everything => vec!["*".to_string()],
        }
    }

    #[test]
    fn code_references_are_read_and_values_are_not() {
        let text = Text(vec![
            TextPart::Code("$HOME/bin:${PATH}:$".into()),
            TextPart::Value("$NOT".into()),
            TextPart::Arg("version".into()),
        ]);
        assert_eq!(names(text_reads(&text)), ["HOME", "PATH", "version"]);
        assert_eq!(names(text_reads(&Text::code("cost: $ 5"))), Vec::<String>::new());
        assert_eq!(names(text_reads(&Text::code("$1"))), ["*"]);
        assert_eq!(names(text_reads(&Text::code("${#x}"))), ["*"]);
    }
}
