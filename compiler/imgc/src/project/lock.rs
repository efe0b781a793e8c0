//! `imgc.lock`: each base image reference of a project pinned to a digest, and for each platform
//! the project builds, the digest of that platform's manifest. Written sorted (references,
//! platforms) so that a change is a small diff; read back with coded errors (E0044). Also says
//! which references a compiled program needs, whether a lock covers them, and writes locked
//! references into a program for `imgc dockerfile`. Resolving digests is the caller's job.

use super::Invalid;
use imgc_core::diagnostics::{Code, Diagnostic};
use imgc_core::ir::{Base, Program, Text, TextPart};
use imgc_core::source::{SourceMap, Span};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The format version this imgc writes and reads.
pub const VERSION: u32 = 1;
/// `source` of a reference resolved from its registry.
pub const REGISTRY: &str = "registry";

const HEADER: &str = "# imgc.lock: the base images of this project, pinned by `imgc lock`.\n\
# Commit it; `imgc lock --update` moves the pins. Do not edit it by hand.\n\n";

/// The lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// By reference, as the programs write it (build arguments expanded).
    #[serde(default, rename = "image", skip_serializing_if = "BTreeMap::is_empty")]
    pub images: BTreeMap<String, Locked>,
}

/// One pinned reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    /// `registry`, or the local location it was read from (`oci:DIR[:TAG]`, as written).
    pub source: String,
    /// What the reference named when it was locked: an image index or a manifest.
    pub digest: String,
    /// `os/arch[/variant]` to the digest of that platform's manifest.
    pub platforms: BTreeMap<String, String>,
}

/// A base image reference the project needs, for some platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// `registry`, or where the local copy is (as written in `imgc.toml` or the program).
    pub source: String,
    pub platforms: BTreeSet<String>,
}

/// What a project needs: reference to [`Need`].
pub type Needs = BTreeMap<String, Need>;

impl Lock {
    /// Reads a lock file's text (named `name` in messages).
    pub fn parse(name: &str, text: &str) -> Result<Lock, Invalid> {
        let mut sources = SourceMap::new();
        let file = sources.add(name, text);
        let fail = |sources: SourceMap, message: &str, range: Option<std::ops::Range<usize>>| {
            let mut diagnostic = Diagnostic::error(Code::LockFile, message.trim_end().to_string())
                .with_help("`imgc lock --update` writes the lock file anew");
            if let Some(range) = range {
                diagnostic = diagnostic.with_label(Span::new(file, range), "here");
            }
            Err(Invalid { sources, diagnostics: vec![diagnostic] })
        };
        let lock: Lock = match toml::from_str(text) {
            Ok(lock) => lock,
            Err(error) => return fail(sources, error.message(), error.span()),
        };
        if lock.version != VERSION {
            let message = format!("lock file version {} is not {VERSION}, the one this imgc reads", lock.version);
            return fail(sources, &message, None);
        }
        let bad = lock.images.iter().find_map(|(reference, locked)| {
            std::iter::once(&locked.digest)
                .chain(locked.platforms.values())
                .find(|d| !is_digest(d))
                .map(|d| format!("`{d}` (for `{reference}`) is not a sha256 digest"))
        });
        match bad {
            Some(message) => fail(sources, &message, None),
            None => Ok(lock),
        }
    }

    /// The file's text: sorted tables, one line a platform.
    pub fn render(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// The manifest digest pinned for `reference` on `platform`.
    pub fn pin(&self, reference: &str, platform: &str) -> Option<&str> {
        self.images.get(reference)?.platforms.get(platform).map(String::as_str)
    }

    /// Why this lock does not pin exactly what `needs` says: one line each; empty when it does.
    pub fn stale(&self, needs: &Needs) -> Vec<String> {
        let mut reasons = Vec::new();
        for (reference, need) in needs {
            match self.images.get(reference) {
                None => reasons.push(format!("`{reference}` is not locked")),
                Some(locked) if locked.source != need.source => reasons.push(format!(
                    "`{reference}` was locked from `{}`, the project now reads it from `{}`",
                    locked.source, need.source
                )),
                Some(locked) => {
                    for platform in need.platforms.iter().filter(|p| !locked.platforms.contains_key(*p)) {
                        reasons.push(format!("`{reference}` is not locked for {platform}"));
                    }
                }
            }
        }
        for reference in self.images.keys().filter(|r| !needs.contains_key(*r)) {
            reasons.push(format!("`{reference}` is locked but no image uses it"));
        }
        reasons
    }

    /// The E0044 for a lock that is missing (`None`) or stale.
    pub fn stale_error(&self, needs: &Needs, exists: bool) -> Option<Diagnostic> {
        let reasons = if exists { self.stale(needs) } else { Vec::new() };
        if exists && reasons.is_empty() {
            return None;
        }
        let (message, help) = if exists {
            (format!("imgc.lock is out of date: {}", reasons.join("; ")), "run `imgc lock` to bring it up to date")
        } else {
            ("the project has no imgc.lock, and `--locked` needs one".to_string(), "run `imgc lock` to write it")
        };
        Some(Diagnostic::error(Code::LockFile, message).with_help(help))
    }

    /// Writes each locked base reference of `program` as `NAME:TAG@DIGEST`, the digest of what the
    /// tag named when it was locked (an index serves every platform). References that use build
    /// arguments are left as they are.
    pub fn pin_program(&self, program: &mut Program) {
        for stage in &mut program.stages {
            let Base::Image(text) = &stage.base else { continue };
            if text.0.iter().any(|part| matches!(part, TextPart::Arg(_))) {
                continue;
            }
            let reference = literal(text);
            if let Some(locked) = self.images.get(&reference)
                && locked.source == REGISTRY
                && !reference.contains('@')
            {
                stage.base = Base::Image(Text(vec![TextPart::Value(format!("{reference}@{}", locked.digest))]));
            }
        }
    }
}

/// The base image references of `program` and the platforms each is needed for: a stage that
/// names its platform needs that one, the others `platforms` (the host's when empty).
/// `local` says where a reference is read from instead of its registry, if anywhere.
pub fn needs(program: &Program, platforms: &[String], host: &str, local: &dyn Fn(&str) -> Option<String>) -> Needs {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for arg in &program.args {
        let value = arg.default.as_ref().map(|d| expand(d, &vars)).unwrap_or_default();
        vars.insert(arg.name.clone(), value);
    }
    let defaults: Vec<String> = if platforms.is_empty() { vec![host.to_string()] } else { platforms.to_vec() };
    let mut out = Needs::new();
    for stage in &program.stages {
        let Base::Image(text) = &stage.base else { continue };
        let reference = expand(text, &vars);
        let stage_platforms = match stage.platform.as_ref().map(|p| expand(p, &vars)) {
            Some(platform) if imgc_core::literals::check_platform(&platform).is_ok() => vec![platform],
            _ => defaults.clone(),
        };
        let source = local(&reference).unwrap_or_else(|| REGISTRY.to_string());
        let need = out.entry(reference).or_insert_with(|| Need { source, platforms: BTreeSet::new() });
        need.platforms.extend(stage_platforms);
    }
    out
}

/// Adds `more` to `needs`.
pub fn merge(needs: &mut Needs, more: Needs) {
    for (reference, need) in more {
        match needs.get_mut(&reference) {
            Some(existing) => existing.platforms.extend(need.platforms),
            None => {
                needs.insert(reference, need);
            }
        }
    }
}

fn literal(text: &Text) -> String {
    text.0
        .iter()
        .map(|part| match part {
            TextPart::Code(s) | TextPart::Value(s) => s.as_str(),
            TextPart::Arg(_) => "",
        })
        .collect()
}

/// The text with build arguments replaced by their values.
fn expand(text: &Text, vars: &BTreeMap<String, String>) -> String {
    text.0
        .iter()
        .map(|part| match part {
            TextPart::Code(s) | TextPart::Value(s) => s.clone(),
            TextPart::Arg(name) => vars.get(name).cloned().unwrap_or_default(),
        })
        .collect()
}

fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    fn lock() -> Lock {
        let platforms = BTreeMap::from([("linux/amd64".to_string(), digest('b'))]);
        let locked = Locked { source: REGISTRY.into(), digest: digest('a'), platforms };
        Lock { version: VERSION, images: BTreeMap::from([("debian:bookworm-slim".to_string(), locked)]) }
    }

    fn need(platforms: &[&str]) -> Need {
        Need { source: REGISTRY.into(), platforms: platforms.iter().map(|p| p.to_string()).collect() }
    }

    #[test]
    fn a_lock_reads_back_what_it_wrote() {
        let text = lock().render();
        assert!(text.contains("[image.\"debian:bookworm-slim\"]"), "{text}");
        assert_eq!(Lock::parse("imgc.lock", &text).expect("reads"), lock());
    }

    #[test]
    fn references_and_platforms_are_written_sorted() {
        let mut lock = lock();
        let mut other = lock.images["debian:bookworm-slim"].clone();
        other.platforms.insert("linux/arm64".into(), digest('c'));
        lock.images.insert("alpine:3".into(), other);
        let text = lock.render();
        let alpine = text.find("alpine:3").expect("alpine");
        let debian = text.find("debian:bookworm-slim").expect("debian");
        assert!(alpine < debian, "{text}");
        assert!(text.find("linux/amd64") < text.find("linux/arm64"), "{text}");
    }

    #[test]
    fn staleness_names_what_is_missing_or_extra() {
        let lock = lock();
        let mut needs = Needs::from([("debian:bookworm-slim".to_string(), need(&["linux/amd64"]))]);
        assert!(lock.stale(&needs).is_empty());
        needs.insert("debian:bookworm-slim".into(), need(&["linux/amd64", "linux/arm64"]));
        assert_eq!(lock.stale(&needs), ["`debian:bookworm-slim` is not locked for linux/arm64"]);
        let needs = Needs::from([("busybox:1.35".to_string(), need(&["linux/amd64"]))]);
        assert_eq!(
            lock.stale(&needs),
            ["`busybox:1.35` is not locked", "`debian:bookworm-slim` is locked but no image uses it"]
        );
        assert!(lock.stale_error(&Needs::new(), false).is_some_and(|d| d.code == Code::LockFile));
    }

    #[test]
    fn bad_lock_files_are_e0044() {
        for text in [
            "version = 1\n[image.x]\nsource = 1\n",
            "version = 2\n",
            "version = 1\n[image.x]\nsource = \"registry\"\ndigest = \"sha256:1\"\nplatforms = {}\n",
        ] {
            let invalid = Lock::parse("imgc.lock", text).expect_err(text);
            assert_eq!(invalid.diagnostics[0].code, Code::LockFile, "{text}");
        }
    }

    #[test]
    fn programs_get_locked_references_with_the_tag_kept() {
        let source = "stage build from \"debian:bookworm-slim\" {\n}\nimage from \"busybox:1.35\" {\n    copy from build \"/etc/hostname\" to \"/x\"\n}\n";
        let compilation = crate::compile_source("app.img", source, &crate::Options::default());
        let mut program = compilation.program.expect("compiles");
        let needs = needs(&program, &[], "linux/amd64", &|_| None);
        assert_eq!(needs.keys().collect::<Vec<_>>(), ["busybox:1.35", "debian:bookworm-slim"]);
        lock().pin_program(&mut program);
        let Base::Image(text) = &program.stages[0].base else { panic!("an image base") };
        assert_eq!(literal(text), format!("debian:bookworm-slim@{}", digest('a')));
        let Base::Image(text) = &program.stages[1].base else { panic!("an image base") };
        assert_eq!(literal(text), "busybox:1.35");
    }
}
