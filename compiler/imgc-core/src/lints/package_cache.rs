//! W0102: a step that leaves a package manager's cache or lists in its layer.

use super::{at, commands, has_cache_mount, is_apt, mentions, subcommand};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, Run};
use crate::shell::script::SimpleCommand;

pub(super) fn package_cache(instruction: &Instruction, run: &Run, out: &mut Vec<Diagnostic>) {
    let commands = commands(run);
    let any = |f: &dyn Fn(&SimpleCommand) -> bool| commands.iter().any(f);
    let left = if any(&|c| is_apt(c, "update"))
        && !mentions(&commands, "rm", "/var/lib/apt/lists")
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
    {
        Some((
            "pip's download cache",
            "add `--no-cache-dir` to `pip install`, or use a cache mount: `cache \"/root/.cache/pip\"`",
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, image};

    #[test]
    fn caches_left_in_a_layer() {
        assert_eq!(codes(&image("run \"apt-get update && apt-get install -y curl\"")), ["W0102"]);
        assert_eq!(codes(&image("run \"pip install flask\"")), ["W0102"]);
        assert!(codes(&image("run \"pip install --no-cache-dir flask\"")).is_empty());
        assert_eq!(codes(&image("run \"apk add curl\"")), ["W0102"]);
        assert!(codes(&image("run \"apk add --no-cache curl\"")).is_empty());
        assert!(
            codes(&image("run \"apt-get update && apt-get install -y curl\" cache \"/var/lib/apt/lists\"")).is_empty()
        );
    }
}
