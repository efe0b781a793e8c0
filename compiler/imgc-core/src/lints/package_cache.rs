//! W0102: a step that leaves a package manager's cache or lists in its layer. Judged on the RUNs
//! the optimizer writes, and on the environment the step runs in (`PIP_NO_CACHE_DIR`), which
//! includes the runtime `env` of the stages it is built `from`.

use super::stage_runs::RunRead;
use super::{at, has_cache_mount, is_apt, mentions, subcommand};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Base, EnvScope, Instruction, InstructionKind, Program, Text};
use crate::shell::script::SimpleCommand;

pub(super) fn package_cache(
    program: &Program,
    stage: usize,
    instruction: &Instruction,
    read: &RunRead,
    out: &mut Vec<Diagnostic>,
) {
    let run = read.run;
    let any = |f: &dyn Fn(&SimpleCommand) -> bool| read.commands().any(f);
    let left = if any(&|c| is_apt(c, "update"))
        && !mentions(read, "rm", "/var/lib/apt/lists")
        && !has_cache_mount(run, "/var/lib/apt")
    {
        Some((
            "the package lists `apt-get update` downloads",
            "add `&& rm -rf /var/lib/apt/lists/*` after the install, as `apt.install` from `std.apt` does",
        ))
    } else if any(&|c| {
        c.name() == Some("apk") && subcommand(c) == Some("add") && !c.arguments().flatten().any(|a| a == "--no-cache")
    }) && !has_cache_mount(run, "/var/cache/apk")
    {
        Some(("apk's package index", "add `--no-cache` to `apk add`"))
    } else if any(&|c| {
        let pip = matches!(c.name(), Some("pip" | "pip3"))
            || (matches!(c.name(), Some("python" | "python3")) && c.arguments().flatten().any(|a| a == "pip"));
        pip && c.arguments().flatten().any(|a| a == "install")
            && !c.arguments().flatten().any(|a| a == "--no-cache-dir")
    }) && !has_cache_mount(run, "/root/.cache")
        && !env_turns_on(program, stage, instruction, read, "PIP_NO_CACHE_DIR")
    {
        Some((
            "pip's download cache",
            "add `--no-cache-dir` to `pip install`, or use a cache mount: `cache \"/root/.cache/pip\"`",
        ))
    } else if any(&|c| c.name() == Some("npm") && matches!(subcommand(c), Some("install" | "i" | "ci" | "add")))
        && !any(&|c| c.name() == Some("npm") && subcommand(c) == Some("cache"))
        && !has_cache_mount(run, "/root/.npm")
        && !env_turns_on(program, stage, instruction, read, "NPM_CONFIG_CACHE")
    {
        Some((
            "npm's download cache (`~/.npm`)",
            "add `&& npm cache clean --force` in the same step, or use a cache mount: `cache \"/root/.npm\"`",
        ))
    } else if any(&|c| matches!(c.name(), Some("dnf" | "yum" | "microdnf")) && subcommand(c) == Some("install"))
        && !any(&|c| matches!(c.name(), Some("dnf" | "yum" | "microdnf")) && subcommand(c) == Some("clean"))
        && !has_cache_mount(run, "/var/cache")
    {
        Some((
            "the package manager's metadata and downloads",
            "add `&& dnf clean all` (or `yum clean all`) in the same step",
        ))
    } else {
        None
    };
    if let Some((what, help)) = left {
        out.push(at(
            Code::PackageCacheLeft,
            instruction,
            format!("this step leaves {what} in its layer"),
            "leaves a cache in the image",
            &format!("{help}; a file removed by a later step still takes space in this layer"),
        ));
    }
}

/// Whether `name` is set to a true value (not empty, `0`, `false`, `no` or `off`) in the
/// environment `instruction` (its run `read`) runs in: by the command itself (`NAME=1 pip …`),
/// by an `env both` or `env build` before it in its stage, or by any `env` of a stage it is built
/// `from` (that stage's runtime env is in the image it starts from).
fn env_turns_on(program: &Program, stage: usize, instruction: &Instruction, read: &RunRead, name: &str) -> bool {
    let on = |value: &Text| {
        value
            .as_literal()
            .is_some_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false" | "no" | "off"))
    };
    let sets = |kind: &InstructionKind, scopes: &[EnvScope]| match kind {
        InstructionKind::Env { scope, vars } if scopes.contains(scope) => {
            vars.iter().rev().find(|(k, _)| k == name).map(|(_, v)| on(v))
        }
        _ => None,
    };
    let prefix = format!("{name}=");
    let assigned = read.commands().any(|c| {
        c.assignments.iter().any(|a| a.text.starts_with(&prefix))
            || (c.name() == Some("export") && c.arguments().flatten().any(|a| a.starts_with(&prefix)))
    });
    if assigned {
        return true;
    }
    let Some(current) = program.stages.get(stage) else { return false };
    let position = current.instructions.iter().position(|i| std::ptr::eq(i, instruction)).unwrap_or(0);
    if let Some(set) =
        current.instructions[..position].iter().rev().find_map(|i| sets(&i.kind, &[EnvScope::Both, EnvScope::Build]))
    {
        return set;
    }
    let mut base = &current.base;
    for _ in 0..program.stages.len() {
        let Base::Stage(index) = base else { break };
        let Some(base_stage) = program.stages.get(*index) else { break };
        let all = [EnvScope::Both, EnvScope::Runtime];
        if let Some(set) = base_stage.instructions.iter().rev().find_map(|i| sets(&i.kind, &all)) {
            return set;
        }
        base = &base_stage.base;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn pip_with_its_cache_turned_off() {
        assert!(codes(&image("env both { PIP_NO_CACHE_DIR = \"1\" }\nrun \"pip install flask\"")).is_empty());
        assert!(codes(&image("env build { PIP_NO_CACHE_DIR = \"1\" }\nrun \"pip install flask\"")).is_empty());
        assert!(codes(&image("run \"PIP_NO_CACHE_DIR=1 pip install flask\"")).is_empty());
        assert_eq!(codes(&image("env both { PIP_NO_CACHE_DIR = \"0\" }\nrun \"pip install flask\"")), ["W0102"]);
        // The runtime env of this stage is not seen by its steps; a base stage's is.
        assert_eq!(codes(&image("env { PIP_NO_CACHE_DIR = \"1\" }\nrun \"pip install flask\"")), ["W0102"]);
        let from_base = "stage base from \"python:3.12-slim\" {\n    env { PIP_NO_CACHE_DIR = \"1\" }\n}\n\
                         image from base {\n    run \"pip install flask\"\n}\n";
        assert!(codes(from_base).is_empty(), "{:?}", codes(from_base));
    }

    #[test]
    fn npm_cache_left_in_a_layer() {
        assert_eq!(codes(&image("run \"npm ci\"")), ["W0102"]);
        assert!(codes(&image("run \"npm ci && npm cache clean --force\"")).is_empty());
        assert!(codes(&image("run \"npm ci\" cache \"/root/.npm\"")).is_empty());
    }

    #[test]
    fn steps_the_optimizer_merges_are_one_layer() {
        let split =
            image("run \"apt-get update\"\nrun \"apt-get install -y curl\"\nrun \"rm -rf /var/lib/apt/lists/*\"");
        assert!(codes(&split).is_empty(), "{:?}", codes(&split));
        let apart = image("run \"apt-get update\"\nworkdir \"/src\"\nrun \"apt-get install -y curl\"");
        assert_eq!(codes(&apart), ["W0101", "W0102"]);
    }

    #[test]
    fn caches_left_in_a_layer() {
        assert_eq!(codes(&image("run \"apt-get update && apt-get install -y curl\"")), ["W0102"]);
        assert_eq!(codes(&image("run \"pip install flask\"")), ["W0102"]);
        assert!(codes(&image("run \"pip install --no-cache-dir flask\"")).is_empty());
        let alpine = |body: &str| codes(&format!("image from \"alpine:3.20\" {{\n{body}\n}}\n"));
        assert_eq!(alpine("run \"apk add curl\""), ["W0102"]);
        assert!(alpine("run \"apk add --no-cache curl\"").is_empty());
        assert!(
            codes(&image("run \"apt-get update && apt-get install -y curl\" cache \"/var/lib/apt/lists\"")).is_empty()
        );
    }
}
