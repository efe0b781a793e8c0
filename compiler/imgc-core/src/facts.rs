//! What a checked program says about the image it builds, with build arguments replaced by their
//! values: the exposed ports, the runtime environment, the labels, the user and the name. Build
//! scripts turn these into Rust constants.

use crate::ir::{Base, EnvScope, InstructionKind, Program, Stage, Text, TextPart};
use std::collections::HashMap;

/// A port the image exposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub number: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// The image's configuration as far as the program sets it (the base image may add to it).
/// A value that depends on a build argument without a value, or on a `$VARIABLE` the builder
/// expands, is given as written in the Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageFacts {
    /// `image NAME from …`.
    pub name: Option<String>,
    /// The last `user`.
    pub user: Option<String>,
    /// Exposed ports, in order, each once.
    pub ports: Vec<Port>,
    /// `expose` operands that are not a port until the build (a build argument without a value).
    pub unknown_ports: Vec<String>,
    /// The container's environment (`env` and `env both`), sorted by name.
    pub env: Vec<(String, String)>,
    /// Labels in order; a key set again keeps its place and takes the new value.
    pub labels: Vec<(String, String)>,
}

impl ImageFacts {
    /// The facts of the stage `program` builds, including what it inherits from the stages it is
    /// built `from`.
    pub fn of(program: &Program) -> ImageFacts {
        let mut facts = ImageFacts {
            name: program.stages.get(program.target).and_then(|s| s.name.clone()),
            ..ImageFacts::default()
        };
        let mut env = HashMap::new();
        for stage in lineage(program, program.target) {
            let mut args = ArgScope::new(program);
            for instruction in &stage.instructions {
                args.enter(&instruction.kind);
                match &instruction.kind {
                    InstructionKind::User(user) => facts.user = Some(args.resolve(user)),
                    InstructionKind::Expose(ports) => {
                        for port in ports {
                            facts.add_port(args.resolve(port));
                        }
                    }
                    InstructionKind::Env { scope: EnvScope::Runtime | EnvScope::Both, vars } => {
                        for (name, value) in vars {
                            env.insert(name.clone(), args.resolve(value));
                        }
                    }
                    InstructionKind::Label(labels) => {
                        for (key, value) in labels {
                            let value = args.resolve(value);
                            match facts.labels.iter_mut().find(|(k, _)| k == key) {
                                Some(entry) => entry.1 = value,
                                None => facts.labels.push((key.clone(), value)),
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        facts.env = env.into_iter().collect();
        facts.env.sort();
        facts
    }

    fn add_port(&mut self, text: String) {
        let (number, protocol) = text.split_once('/').unwrap_or((&text, "tcp"));
        match number.parse() {
            Ok(number) => {
                let port = Port { number, protocol: protocol.to_ascii_lowercase() };
                if !self.ports.contains(&port) {
                    self.ports.push(port);
                }
            }
            Err(_) => self.unknown_ports.push(text),
        }
    }
}

/// The stage at `index` and the stages it is built `from`, base first.
fn lineage(program: &Program, index: usize) -> Vec<&Stage> {
    let mut chain = Vec::new();
    let mut next = program.stages.get(index);
    while let Some(stage) = next {
        chain.push(stage);
        // The checker rejects cycles; the length bound keeps a malformed IR from looping.
        next = match stage.base {
            Base::Stage(base) if chain.len() <= program.stages.len() => program.stages.get(base),
            _ => None,
        };
    }
    chain.reverse();
    chain
}

/// The values build arguments have at one point of a stage when the builder is given no
/// `--build-arg`: their defaults (which `--arg` replaced when compiling).
#[derive(Debug, Clone)]
pub struct ArgScope {
    values: HashMap<String, Option<String>>,
}

impl ArgScope {
    /// The scope at the start of a stage: the program's global build arguments.
    pub fn new(program: &Program) -> ArgScope {
        let mut scope = ArgScope { values: HashMap::new() };
        for arg in &program.args {
            let value = arg.default.as_ref().and_then(|text| scope.value(text));
            scope.values.insert(arg.name.clone(), value);
        }
        scope
    }

    /// Takes in a stage-level `arg` (other instructions change nothing). One without a default
    /// keeps the global value, as in a Dockerfile.
    pub fn enter(&mut self, instruction: &InstructionKind) {
        if let InstructionKind::Arg(arg) = instruction {
            if let Some(default) = &arg.default {
                let value = self.value(default);
                self.values.insert(arg.name.clone(), value);
            } else {
                self.values.entry(arg.name.clone()).or_insert(None);
            }
        }
    }

    /// The text with every build argument replaced by its value, or `None` when one has none.
    pub fn value(&self, text: &Text) -> Option<String> {
        let mut out = String::new();
        for part in &text.0 {
            match part {
                TextPart::Code(s) | TextPart::Value(s) => out.push_str(s),
                TextPart::Arg(name) => out.push_str(self.values.get(name)?.as_deref()?),
            }
        }
        Some(out)
    }

    /// The text up to the first build argument without a value, and whether that is all of it.
    pub fn prefix(&self, text: &Text) -> (String, bool) {
        let mut out = String::new();
        for part in &text.0 {
            match part {
                TextPart::Code(s) | TextPart::Value(s) => out.push_str(s),
                TextPart::Arg(name) => match self.values.get(name).and_then(Option::as_deref) {
                    Some(value) => out.push_str(value),
                    None => return (out, false),
                },
            }
        }
        (out, true)
    }

    /// [`value`](Self::value), or the text as the Dockerfile writes it (`${NAME}`).
    pub fn resolve(&self, text: &Text) -> String {
        self.value(text).unwrap_or_else(|| text.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, compile_source};

    fn facts(source: &str, args: &[(&str, &str)]) -> ImageFacts {
        let options = Options { args: args.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
        let compilation = compile_source("app.img", source, &options);
        let rendered = compilation.render(&compilation.diagnostics, false);
        ImageFacts::of(compilation.program.as_ref().unwrap_or_else(|| panic!("does not compile:\n{rendered}")))
    }

    #[test]
    fn the_image_and_the_stages_it_is_built_from() {
        let source = r#"
arg version = "1.0"
stage base from "debian:bookworm-slim" {
    env { BASE_ONLY = "yes", SHARED = "base" }
    expose 9000/udp
    label "stage" = "base"
    user "nobody"
}
stage other from "debian:bookworm-slim" {
    env { NOT_IN_IMAGE = "1" }
    expose 1234
}
image app from base {
    env build { BUILD_ONLY = "1" }
    env both { PATH = "/app/bin:$PATH" }
    env { SHARED = "image", VERSION = version }
    expose 8080, 9000/udp
    label { "stage" = "image", "org.opencontainers.image.version" = version }
    user "app:app"
}
"#;
        let facts = facts(source, &[("version", "2.5")]);
        assert_eq!(facts.name.as_deref(), Some("app"));
        assert_eq!(facts.user.as_deref(), Some("app:app"));
        let ports: Vec<(u16, &str)> = facts.ports.iter().map(|p| (p.number, p.protocol.as_str())).collect();
        assert_eq!(ports, [(9000, "udp"), (8080, "tcp")]);
        let env: Vec<(&str, &str)> = facts.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(env, [("BASE_ONLY", "yes"), ("PATH", "/app/bin:$PATH"), ("SHARED", "image"), ("VERSION", "2.5")]);
        let labels: Vec<(&str, &str)> = facts.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(labels, [("stage", "image"), ("org.opencontainers.image.version", "2.5")]);
        assert!(facts.unknown_ports.is_empty());
    }

    #[test]
    fn an_unnamed_image_from_an_external_base_has_only_what_it_declares() {
        let facts = facts("image from \"debian:bookworm-slim\" {\n    run \"true\"\n}\n", &[]);
        assert_eq!(facts, ImageFacts::default());
    }

    #[test]
    fn arguments_without_a_value_stay_as_written() {
        let source = r#"
image from "debian:bookworm-slim" {
    arg TARGETARCH
    arg TARGETVARIANT: port
    env { ARCH = "${TARGETARCH}" }
    expose 80, TARGETVARIANT
}
"#;
        let facts = facts(source, &[]);
        assert_eq!(facts.env, [("ARCH".to_string(), "${TARGETARCH}".to_string())]);
        assert_eq!(facts.ports, [Port { number: 80, protocol: "tcp".into() }]);
        assert_eq!(facts.unknown_ports, ["${TARGETVARIANT}"]);
    }
}
