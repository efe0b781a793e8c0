//! The layout rules of ARCHITECTURE.md that a reader of the source can check: no two modules of a
//! crate import each other, pest types stay in the parsers, and the core does no IO. Each rule
//! reads the crates' sources (tests excluded: a `#[cfg(test)]` module may reach anywhere).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each module of `crate_dir/src` (as its path below the crate root) and its non-test source.
fn modules(crate_dir: &Path) -> BTreeMap<Vec<String>, String> {
    let src = crate_dir.join("src");
    let mut files = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(&src).expect("below src").with_extension("");
            let mut module: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                module.pop();
            }
            let text = fs::read_to_string(&file).expect("a source file");
            (module, code_only(text.split("#[cfg(test)]").next().unwrap_or_default()))
        })
        .collect()
}

/// `source` without its comments and the contents of its string literals (generated code and
/// messages may name anything).
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |end| &rest[end..]);
        } else if rest.starts_with("'\"'") {
            rest = &rest[3..];
        } else if let Some(raw) = rest.strip_prefix('r').filter(|r| r.starts_with(['"', '#'])) {
            let hashes = raw.len() - raw.trim_start_matches('#').len();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = &raw[hashes + 1..];
            rest = body.find(&close).map_or("", |end| &body[end + close.len()..]);
            out.push_str("\"\"");
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut escaped = false;
            let end = body.find(|c| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            });
            rest = end.map_or("", |end| &body[end + 1..]);
            out.push_str("\"\"");
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fn crate_name(dir: &Path) -> String {
    dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn crate_dirs() -> Vec<PathBuf> {
    let compiler = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&compiler)
        .expect("compiler/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file() && p.join("src").is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The module paths `code` (of `module`) names through `crate::…` and `super::…`.
fn references(module: &[String], code: &str) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    for (at, _) in code.match_indices("crate::").chain(code.match_indices("super::")) {
        if code[..at].ends_with(is_name) {
            continue;
        }
        let mut base: Vec<String> = Vec::new();
        let mut rest = &code[at..];
        if let Some(after) = rest.strip_prefix("crate::") {
            rest = after;
        } else {
            base = module.to_vec();
            while let Some(after) = rest.strip_prefix("super::") {
                base.pop();
                rest = after;
            }
        }
        let path = &rest[..rest.find(|c: char| !is_name(c) && c != ':').unwrap_or(rest.len())];
        // `use super::{a, b}` names the base itself.
        base.extend(path.split("::").filter(|part| !part.is_empty()).map(str::to_string));
        found.insert(base);
    }
    found
}

#[test]
fn no_two_modules_import_each_other() {
    let mut pairs = Vec::new();
    for dir in crate_dirs() {
        let modules = modules(&dir);
        let known: BTreeSet<&Vec<String>> = modules.keys().collect();
        // The module a reference lands in: its longest prefix that is a module.
        let target =
            |path: &Vec<String>| (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| known.contains(p));
        let mut edges: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
        for (module, code) in &modules {
            for path in references(module, code) {
                if let Some(to) = target(&path) {
                    // A module and its own ancestors or descendants are one room.
                    if !to.starts_with(module) && !module.starts_with(&to) {
                        edges.entry(module).or_default().insert(to);
                    }
                }
            }
        }
        for (from, tos) in &edges {
            for to in tos {
                if *from < to && edges.get(to).is_some_and(|back| back.contains(*from)) {
                    pairs.push(format!("{}: {} <-> {}", crate_name(&dir), from.join("::"), to.join("::")));
                }
            }
        }
    }
    assert!(pairs.is_empty(), "modules that import each other:\n{}", pairs.join("\n"));
}

#[test]
fn pest_types_stay_in_the_parsers_and_the_core_does_no_io() {
    let mut broken = Vec::new();
    for dir in crate_dirs() {
        let name = crate_name(&dir);
        for (module, code) in modules(&dir) {
            let in_parser = (name == "imgc-core" && module.first().is_some_and(|m| m == "syntax"))
                || (name == "imgc-dockerfile" && module.first().is_some_and(|m| m == "oracle"));
            if !in_parser && (code.contains("pest::") || code.contains("pest_derive")) {
                broken.push(format!("{name}::{} names pest", module.join("::")));
            }
            if name == "imgc-core" {
                for io in ["std::fs", "std::net", "std::process", "std::thread", "std::env::var", "tokio"] {
                    if code.contains(io) {
                        broken.push(format!("imgc-core::{} uses {io}", module.join("::")));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_checks_see_an_import_cycle() {
    let a = vec!["a".to_string()];
    let code = code_only(
        "use super::b::thing;\nuse crate::c::{d, e};\n// crate::x\nfn f() { crate::g::h(\"crate::y\", r#\"crate::z\"#); }",
    );
    let names: Vec<String> = references(&a, &code).iter().map(|p| p.join("::")).collect();
    assert_eq!(names, ["b::thing", "c", "g::h"]);
}
