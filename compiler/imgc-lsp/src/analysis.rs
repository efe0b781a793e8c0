//! One compilation of an open document, as the features read it: the compiler's result, the
//! name index, and where each of its files lives for the editor (the document itself, a file on
//! disk, or a standard module written read-only to the server's directory). The open documents
//! are read from memory, every other file from disk: this is the server's only file IO.
//!
//! Must never depend on: the protocol's transport, the server's state.

use imgc_core::index::Index;
use imgc_core::modules::{Loader, ModuleKey};
use imgc_core::source::{FileId, SourceFile, Span};
use imgc_core::syntax::ast::StatementKind;
use imgc_core::syntax::incremental::Parsed;
use imgc_core::{Compilation, Options, compile_parsed, stdlib};
use lsp_types::{Location, Url};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::text::LineIndex;

/// Reads open documents from memory and other files from disk.
pub struct OverlayLoader<'a> {
    pub open: &'a HashMap<PathBuf, String>,
}

impl Loader for OverlayLoader<'_> {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.open.get(path) {
            Some(text) => Ok(text.clone()),
            None => std::fs::read_to_string(path),
        }
    }
}

/// The server's own directory, removed when it stops: the standard library's modules written out
/// read-only (so "go to definition" has a file to open) and the Dockerfiles it shows.
pub struct ServerFiles {
    dir: tempfile::TempDir,
}

impl ServerFiles {
    pub fn create() -> std::io::Result<ServerFiles> {
        let dir = tempfile::Builder::new().prefix("imgc-lsp-").tempdir()?;
        std::fs::create_dir(dir.path().join("std"))?;
        for (name, text) in stdlib::MODULES {
            let path = dir.path().join("std").join(format!("{name}.img"));
            std::fs::write(&path, text)?;
            let mut permissions = std::fs::metadata(&path)?.permissions();
            permissions.set_readonly(true);
            std::fs::set_permissions(&path, permissions)?;
        }
        Ok(ServerFiles { dir })
    }

    pub fn path(&self, module: &str) -> PathBuf {
        self.dir.path().join("std").join(format!("{module}.img"))
    }

    /// Writes the Dockerfile of the document `stem` for the editor to show; returns its path.
    pub fn write_dockerfile(&self, stem: &str, text: &str) -> std::io::Result<PathBuf> {
        let path = self.dir.path().join(format!("{stem}.Dockerfile"));
        std::fs::write(&path, text)?;
        Ok(path)
    }
}

/// A compiled document.
pub struct Analysis {
    pub uri: Url,
    pub compilation: Compilation,
    /// Empty when the document does not parse.
    pub index: Index,
    /// Where each file of the compilation is, for the editor.
    files: HashMap<FileId, Url>,
}

impl Analysis {
    /// Compiles the document `parsed` (its text and parse) at `path`.
    pub fn new(
        uri: Url,
        path: &Path,
        parsed: &Parsed,
        open: &HashMap<PathBuf, String>,
        server_files: Option<&ServerFiles>,
    ) -> Analysis {
        let loader = OverlayLoader { open };
        let mut compilation = compile_parsed(path, parsed, &loader, &Options::default());
        let index =
            compilation.modules.as_ref().map(|graph| Index::build(graph, &compilation.sources)).unwrap_or_default();
        let mut files = HashMap::new();
        files.insert(FileId(0), uri.clone());
        if let Some(graph) = &compilation.modules {
            for module in graph.modules.iter().skip(1) {
                let path = match &module.key {
                    ModuleKey::File(path) => Some(path.clone()),
                    ModuleKey::Std(name) => server_files.map(|s| s.path(name)),
                };
                if let Some(url) = path.and_then(|p| Url::from_file_path(p).ok()) {
                    files.insert(module.file, url);
                }
            }
            // A module (a file with no stage) is checked alone without asking for an image.
            let is_module = graph
                .modules
                .first()
                .is_some_and(|root| !root.ast.statements.iter().any(|s| matches!(s.kind, StatementKind::Stage(_))));
            if is_module {
                compilation.diagnostics.retain(|d| d.code != imgc_core::diagnostics::Code::NoImage);
            }
        }
        Analysis { uri, compilation, index, files }
    }

    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.compilation.sources.get(id)
    }

    pub fn url(&self, id: FileId) -> Option<&Url> {
        self.files.get(&id)
    }

    /// The file of the document itself.
    pub fn root_text(&self) -> &str {
        self.file(FileId(0)).map_or("", |f| f.text.as_str())
    }

    /// A span as a protocol location, when its file has one.
    pub fn location(&self, span: Span) -> Option<Location> {
        let url = self.url(span.file)?.clone();
        let text = &self.file(span.file)?.text;
        Some(Location::new(url, LineIndex::new(text).range(span.range())))
    }

    /// The file a module index stands for.
    pub fn module_file(&self, module: usize) -> Option<FileId> {
        Some(self.compilation.modules.as_ref()?.modules.get(module)?.file)
    }

    /// The parsed document, when it parses.
    pub fn root_statements(&self) -> &[imgc_core::syntax::ast::Statement] {
        self.compilation.modules.as_ref().and_then(|g| g.modules.first()).map_or(&[], |m| m.ast.statements.as_slice())
    }
}
