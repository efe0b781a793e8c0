//! The planner's side of `copy` and `add`: the request worked out from the stage (sources,
//! destination against the working directory, owner, mode, `exclude`, `parents`), and where the
//! files come from: the context, another stage, an image, here-documents, and for `add` archives
//! unpacked, URLs downloaded (checked against `checksum`) and git repositories cloned.

use super::{Error, Planner, Stage, absolute, copy_error, expand};
use crate::archive;
use crate::chmod::Chmod;
use crate::copy::{self, CopyRequest};
use crate::layer::Changes;
use crate::tree::{Content, Kind, Node, Tree};
use imgc_core::ir::{Copy, CopySource, Instruction, Text, TextPart};

impl Planner<'_> {
    /// The layer of a `copy` or `add` step; `state`'s tree gets its files.
    pub(super) fn copy_step(
        &mut self,
        state: &mut Stage,
        instruction: &Instruction,
        ir_copy: &Copy,
        states: &[Option<Stage>],
    ) -> Result<Changes, Error> {
        let workdir = state.config.config.working_dir.clone().unwrap_or_else(|| "/".to_string());
        let dest_text = expand(&ir_copy.dest, &state.vars);
        let chmod = match &ir_copy.chmod {
            Some(text) => Some(
                Chmod::parse(text)
                    .ok_or_else(|| Error::Failed(format!("`{text}` is not an octal or symbolic mode")))?,
            ),
            None => None,
        };
        let request = CopyRequest {
            sources: ir_copy.sources.iter().map(|s| expand(s, &state.vars)).collect(),
            dest: absolute(&workdir, &dest_text),
            dest_is_dir: dest_text.ends_with('/') || ir_copy.sources.len() + ir_copy.heredocs.len() > 1,
            chown: ir_copy.chown.as_ref().map(|c| expand(c, &state.vars)),
            chmod,
            exclude: ir_copy.exclude.iter().map(|p| expand(p, &state.vars)).collect(),
            parents: ir_copy.parents,
        };
        let failed = |e| copy_error(instruction, e);
        let mut changes = Changes::default();
        if !ir_copy.heredocs.is_empty() {
            let files = ir_copy
                .heredocs
                .iter()
                .map(|heredoc| {
                    let text = heredoc.content.display();
                    // As BuildKit: an unquoted delimiter expands what the Dockerfile holds.
                    let text =
                        if heredoc.expand { expand(&Text(vec![TextPart::Code(text)]), &state.vars) } else { text };
                    let size = text.len() as u64;
                    let kind = Kind::File { content: Content::Bytes(text.into_bytes().into()), size };
                    (heredoc.name.clone(), Node { kind, mode: 0o644, uid: 0, gid: 0, attrs: Default::default() })
                })
                .collect();
            merge(&mut changes, copy::from_files(&mut state.tree, files, &request).map_err(failed)?);
        }
        if request.sources.is_empty() {
            return Ok(changes);
        }
        let more = match &ir_copy.from {
            Some(CopySource::Stage(index)) => {
                let source = states
                    .get(*index)
                    .and_then(Option::as_ref)
                    .map(|s| &s.tree)
                    .ok_or_else(|| Error::Failed(format!("stage {index} was not built")))?;
                copy::from_tree(&mut state.tree, source, &request).map_err(failed)?
            }
            Some(CopySource::Image(name)) => {
                let source = self.image_tree(&expand(name, &state.vars), &state.platform)?;
                copy::from_tree(&mut state.tree, &source, &request).map_err(failed)?
            }
            None if ir_copy.is_add => self.add(state, instruction, ir_copy, &request)?,
            None => copy::from_context(&mut state.tree, &self.context, &request).map_err(failed)?,
        };
        merge(&mut changes, more);
        Ok(changes)
    }

    /// The files of an image, contents extracted (a `copy` from it).
    fn image_tree(&mut self, name: &str, platform: &crate::platform::Platform) -> Result<Tree, Error> {
        let image = self.base_image(name, platform)?;
        let dir = self.scratch.join(format!("image-{}", self.layers.len()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::Failed(format!("cannot create `{}`: {e}", dir.display())))?;
        let mut tree = Tree::default();
        self.apply_layers(&image.layers, &mut tree, Some(&dir))?;
        Ok(tree)
    }

    /// An `add`: URLs downloaded, git repositories cloned, local archives unpacked, other files
    /// copied as `copy` copies them.
    fn add(
        &mut self,
        state: &mut Stage,
        instruction: &Instruction,
        ir_copy: &Copy,
        request: &CopyRequest,
    ) -> Result<Changes, Error> {
        let failed = |e| copy_error(instruction, e);
        let unpack_local = ir_copy.unpack != Some(false);
        // An archive's entries keep their own modes whatever the `chmod`, as BuildKit unpacks
        // (its unpacking takes the owner, not the mode); a `chown` applies to them.
        let unpacked = CopyRequest { chmod: None, ..request.clone() };
        let mut changes = Changes::default();
        let mut plain = Vec::new();
        let many = request.sources.len() > 1;
        for (n, source) in request.sources.iter().enumerate() {
            let scratch = self.scratch.join(format!("add-{}-{n}", self.layers.len()));
            if let Some(repository) = git_source(source) {
                let nodes = crate::fetch::git(&repository, ir_copy.keep_git_dir == Some(true), &scratch)
                    .map_err(|e| add_error(instruction, e))?;
                merge(&mut changes, copy::from_nodes(&mut state.tree, nodes, request).map_err(failed)?);
            } else if source.starts_with("http://") || source.starts_with("https://") {
                let (name, path) = crate::fetch::download(source, ir_copy.checksum.as_deref(), &scratch)
                    .map_err(|e| add_error(instruction, e))?;
                if ir_copy.unpack == Some(true) && archive::is_archive(&path) {
                    let nodes = archive::unpack(&path, &scratch.join("unpacked")).map_err(Error::Failed)?;
                    merge(&mut changes, copy::from_nodes(&mut state.tree, nodes, &unpacked).map_err(failed)?);
                } else {
                    let size = std::fs::metadata(&path).map_err(|e| Error::Failed(e.to_string()))?.len();
                    // As Docker: a downloaded file is readable by its owner only.
                    let node = Node {
                        kind: Kind::File { content: Content::Disk(path), size },
                        mode: 0o600,
                        uid: 0,
                        gid: 0,
                        attrs: Default::default(),
                    };
                    let single = CopyRequest { dest_is_dir: request.dest_is_dir || many, ..request.clone() };
                    merge(
                        &mut changes,
                        copy::from_files(&mut state.tree, vec![(name, node)], &single).map_err(failed)?,
                    );
                }
            } else {
                for found in self.context.sources(source).map_err(failed)? {
                    if unpack_local && found.metadata.is_file() && archive::is_archive(&found.path) {
                        let nodes = archive::unpack(&found.path, &scratch).map_err(Error::Failed)?;
                        merge(&mut changes, copy::from_nodes(&mut state.tree, nodes, &unpacked).map_err(failed)?);
                    } else {
                        plain.push(found.relative);
                    }
                }
            }
        }
        if !plain.is_empty() {
            let rest = CopyRequest {
                dest_is_dir: request.dest_is_dir || many || plain.len() > 1,
                sources: plain,
                ..request.clone()
            };
            merge(&mut changes, copy::from_context(&mut state.tree, &self.context, &rest).map_err(failed)?);
        }
        Ok(changes)
    }
}

/// A git repository an `add` clones, as BuildKit recognises one: `git@…`, `git://…`,
/// `ssh://…`, or an HTTP(S) URL whose path ends with `.git` (a `#ref` may follow).
fn git_source(source: &str) -> Option<String> {
    let without_ref = source.split('#').next().unwrap_or(source);
    let git = source.starts_with("git@")
        || source.starts_with("git://")
        || source.starts_with("ssh://")
        || ((source.starts_with("https://") || source.starts_with("http://")) && without_ref.ends_with(".git"));
    git.then(|| source.to_string())
}

/// A later set of changes over an earlier one (both made on the same tree, in order).
fn merge(changes: &mut Changes, more: Changes) {
    for path in more.whiteouts {
        changes.entries.remove_all(&path);
        changes.whiteouts.insert(path);
    }
    for (path, node) in more.entries.iter() {
        changes.entries.insert(path.clone(), node.clone());
    }
}

fn add_error(instruction: &Instruction, message: String) -> Error {
    use imgc_core::diagnostics::{Code, Diagnostic};
    let mut diagnostic = Diagnostic::error(Code::CopySourceNotFound, message)
        .with_label(instruction.span, "this `add` cannot get its source")
        .with_help("check the URL (and `checksum`), or that the repository and its ref exist");
    if instruction.origin != instruction.span {
        diagnostic = diagnostic.with_secondary(instruction.origin, "from this call");
    }
    Error::Program(vec![diagnostic])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_sources_are_recognised_as_buildkit_does() {
        assert!(git_source("https://github.com/moby/buildkit.git#v0.14.0").is_some());
        assert!(git_source("git@github.com:org/repo.git").is_some());
        assert!(git_source("https://example.com/tool-1.2.tar.gz").is_none());
        assert!(git_source("vendor.tar.gz").is_none());
    }
}
