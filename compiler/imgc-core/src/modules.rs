//! Loads the compiled file and every module it imports (standard modules from the embedded
//! library, user modules relative to the importing file), and rejects import cycles.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};
use crate::stdlib;
use crate::syntax::incremental::Parsed;
use crate::syntax::{self, ast};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Reads source files. The core does no IO: the `imgc` crate's `FsLoader` reads the disk, and
/// tests, the language server and build scripts may supply their own.
pub trait Loader {
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// A loader that has no files: only the standard library (embedded) can be imported.
pub struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, _path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

/// Where a module came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModuleKey {
    Std(String),
    File(PathBuf),
}

/// A parsed module.
#[derive(Debug, Clone)]
pub struct LoadedModule {
    pub key: ModuleKey,
    pub file: FileId,
    pub ast: ast::Module,
    /// For each import statement (by its span), the index of the module it names.
    pub imports: HashMap<Span, usize>,
}

/// The compiled file (index 0) and everything it imports.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    pub modules: Vec<LoadedModule>,
    /// Every file path read from disk, for build scripts' `rerun-if-changed`.
    pub files_read: Vec<PathBuf>,
}

struct GraphLoader<'a> {
    loader: &'a dyn Loader,
    sources: &'a mut SourceMap,
    diagnostics: &'a mut Diagnostics,
    graph: ModuleGraph,
    index: HashMap<ModuleKey, usize>,
    /// Modules being loaded, for cycle detection.
    stack: Vec<ModuleKey>,
}

/// Loads `root` from `text` and, recursively, its imports.
pub fn load(
    root: &Path,
    text: String,
    loader: &dyn Loader,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> Option<ModuleGraph> {
    load_root(root, text, None, loader, sources, diagnostics)
}

/// [`load`] with the root file already parsed (an editor reparses only what an edit reaches);
/// `parsed` must be the parse of `text` as file 0.
pub fn load_parsed(
    root: &Path,
    parsed: &Parsed,
    loader: &dyn Loader,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> Option<ModuleGraph> {
    load_root(root, parsed.text.clone(), Some(parsed), loader, sources, diagnostics)
}

fn load_root(
    root: &Path,
    text: String,
    parsed: Option<&Parsed>,
    loader: &dyn Loader,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
) -> Option<ModuleGraph> {
    let mut graph_loader = GraphLoader {
        loader,
        sources,
        diagnostics,
        graph: ModuleGraph::default(),
        index: HashMap::new(),
        stack: Vec::new(),
    };
    let key = ModuleKey::File(normalize(root));
    graph_loader.graph.files_read.push(root.to_path_buf());
    let name = root.display().to_string();
    graph_loader.load_text(key, name, text, parsed)?;
    Some(graph_loader.graph)
}

impl GraphLoader<'_> {
    fn load_text(&mut self, key: ModuleKey, name: String, text: String, parsed: Option<&Parsed>) -> Option<usize> {
        let file = self.sources.add(name, text);
        let text = self.sources.get(file).map(|f| f.text.clone()).unwrap_or_default();
        let (module, errors) = match parsed {
            Some(parsed) => (parsed.module.clone(), parsed.diagnostics.clone()),
            None => syntax::parse(file, &text),
        };
        self.diagnostics.extend(errors);
        let module = module?;
        let index = self.graph.modules.len();
        let imports: Vec<(ast::Import, Span)> = module
            .statements
            .iter()
            .filter_map(|statement| match &statement.kind {
                ast::StatementKind::Import(import) => Some((import.clone(), statement.span)),
                _ => None,
            })
            .collect();
        self.graph.modules.push(LoadedModule { key: key.clone(), file, ast: module, imports: HashMap::new() });
        self.index.insert(key.clone(), index);
        self.stack.push(key.clone());
        for (import, span) in imports {
            if let Some(target) = self.import(&key, &import, span) {
                self.graph.modules[index].imports.insert(span, target);
            }
        }
        self.stack.pop();
        Some(index)
    }

    fn import(&mut self, from: &ModuleKey, import: &ast::Import, span: Span) -> Option<usize> {
        let (key, shown_span) = match import {
            ast::Import::Std { path } => {
                let names: Vec<&str> = path.iter().map(|i| i.name.as_str()).collect();
                let full = names.join(".");
                let module_name = match names.as_slice() {
                    ["std", name] if stdlib::module(name).is_some() => (*name).to_string(),
                    _ => {
                        let available: Vec<String> = stdlib::MODULES.iter().map(|(n, _)| format!("std.{n}")).collect();
                        self.diagnostics.push(
                            Diagnostic::error(Code::ImportNotFound, format!("there is no module `{full}`"))
                                .with_label(span, "not in the standard library")
                                .with_help(format!(
                                    "standard modules: {}; import a file with `import \"./file.img\" as name`",
                                    available.join(", ")
                                )),
                        );
                        return None;
                    }
                };
                (ModuleKey::Std(module_name), span)
            }
            ast::Import::File { path, path_span, .. } => {
                let base = match from {
                    ModuleKey::File(file) => file.parent().map(Path::to_path_buf).unwrap_or_default(),
                    ModuleKey::Std(_) => PathBuf::new(),
                };
                (ModuleKey::File(normalize(&base.join(path))), *path_span)
            }
        };
        if let Some(position) = self.stack.iter().position(|k| *k == key) {
            let chain: Vec<String> = self.stack[position..].iter().chain(std::iter::once(&key)).map(describe).collect();
            self.diagnostics.push(
                Diagnostic::error(Code::ImportCycle, format!("import cycle: {}", chain.join(" → ")))
                    .with_label(shown_span, "this import closes the cycle")
                    .with_help("move what both modules need into a third module that imports neither"),
            );
            return None;
        }
        if let Some(&index) = self.index.get(&key) {
            return Some(index);
        }
        match &key {
            ModuleKey::Std(name) => {
                let text = stdlib::module(name).unwrap_or_default().to_string();
                self.load_text(key.clone(), format!("std/{name}.img"), text, None)
            }
            ModuleKey::File(path) => match self.loader.read(path) {
                Ok(text) => {
                    self.graph.files_read.push(path.clone());
                    self.load_text(key.clone(), path.display().to_string(), text, None)
                }
                Err(error) => {
                    self.diagnostics.push(
                        Diagnostic::error(Code::ImportNotFound, format!("cannot read `{}`: {error}", path.display()))
                            .with_label(shown_span, "imported here")
                            .with_help("a file import is relative to the importing file"),
                    );
                    None
                }
            },
        }
    }
}

fn describe(key: &ModuleKey) -> String {
    match key {
        ModuleKey::Std(name) => format!("std.{name}"),
        ModuleKey::File(path) => path.display().to_string(),
    }
}

/// Removes `.` and resolves `..` lexically, so one file has one key however it is reached.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
