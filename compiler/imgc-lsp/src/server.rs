//! The server's loop: the open documents, their analyses (computed when first asked for after an
//! edit), diagnostics published once edits pause for [`DEBOUNCE`], and each request routed to
//! the feature that answers it.
//!
//! Must never depend on: how the connection is carried (stdio or memory).

use crate::actions::{self, SHOW_DOCKERFILE};
use crate::analysis::{Analysis, ServerFiles};
use crate::text::{self, LineIndex};
use crate::{complete, diagnostics, hover, navigate, outline};
use imgc_core::syntax::incremental::Parsed;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response, ResponseError};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, CodeLensRequest, Completion, DocumentSymbolRequest, ExecuteCommand, FoldingRangeRequest,
    Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest, References, Rename, Request as _,
    SemanticTokensFullRequest, ShowDocument,
};
use lsp_types::*;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How long edits must pause before diagnostics are published.
pub const DEBOUNCE: Duration = Duration::from_millis(10);

struct Document {
    text: String,
    /// The client's version of the text, sent back with its diagnostics.
    version: i32,
    path: PathBuf,
    analysis: Option<Rc<Analysis>>,
    /// The text's last parse: the next analysis reparses only what the edits since reached.
    parsed: Option<Parsed>,
    /// The last analysis of this document that parsed (completion reads it while the text is
    /// half-typed).
    last_parsed: Option<Rc<Analysis>>,
}

pub struct Server {
    connection: Connection,
    documents: HashMap<Url, Document>,
    files: Option<ServerFiles>,
    /// Documents whose diagnostics are due, and when.
    dirty: HashSet<Url>,
    deadline: Option<Instant>,
    /// The files each document last published diagnostics for, to clear them later.
    published: HashMap<Url, Vec<Url>>,
    shows_documents: bool,
    next_id: i32,
}

/// What the server says it can do.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), ":".to_string(), "(".to_string()]),
            ..Default::default()
        }),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: outline::TOKEN_TYPES.to_vec(),
                    token_modifiers: Vec::new(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                ..Default::default()
            },
        )),
        code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![SHOW_DOCKERFILE.to_string()],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A request the server answers with an error: why it cannot.
struct Refusal(String);

impl From<String> for Refusal {
    fn from(message: String) -> Refusal {
        Refusal(message)
    }
}

type Answer<T> = Result<T, Refusal>;

impl Server {
    pub fn new(connection: Connection, params: &InitializeParams) -> Server {
        let shows_documents =
            params.capabilities.window.as_ref().and_then(|w| w.show_document.as_ref()).is_some_and(|s| s.support);
        Server {
            connection,
            documents: HashMap::new(),
            files: ServerFiles::create().ok(),
            dirty: HashSet::new(),
            deadline: None,
            published: HashMap::new(),
            shows_documents,
            next_id: 0,
        }
    }

    /// Serves until the client says `exit` (or the connection closes).
    pub fn run(&mut self) -> Result<(), lsp_server::ProtocolError> {
        loop {
            let received = match self.deadline {
                Some(deadline) => match self.connection.receiver.recv_deadline(deadline) {
                    Ok(message) => Some(message),
                    Err(error) if error.is_timeout() => None,
                    Err(_) => return Ok(()),
                },
                None => match self.connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(()),
                },
            };
            let Some(message) = received else {
                self.publish_due();
                continue;
            };
            match message {
                Message::Request(request) => {
                    if self.connection.handle_shutdown(&request)? {
                        return Ok(());
                    }
                    let response = self.answer(request);
                    self.send(Message::Response(response));
                }
                Message::Notification(notification) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    self.notified(notification);
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: Message) {
        // The client is gone when this fails; the loop ends at the next receive.
        let _ = self.connection.sender.send(message);
    }

    fn notified(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<DidOpenTextDocumentParams>(notification.params) {
                    let uri = params.text_document.uri;
                    let path = uri.to_file_path().unwrap_or_else(|_| PathBuf::from(uri.path()));
                    let document = Document {
                        text: params.text_document.text,
                        version: params.text_document.version,
                        path,
                        analysis: None,
                        parsed: None,
                        last_parsed: None,
                    };
                    self.documents.insert(uri.clone(), document);
                    self.edited();
                    self.publish(&uri);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<DidChangeTextDocumentParams>(notification.params)
                    && let Some(document) = self.documents.get_mut(&params.text_document.uri)
                {
                    text::apply_changes(&mut document.text, params.content_changes);
                    document.version = params.text_document.version;
                    let path = document.path.clone();
                    // The documents that import the edited one are due too.
                    let importers: Vec<Url> = self
                        .documents
                        .iter()
                        .filter(|(_, d)| {
                            d.analysis
                                .as_ref()
                                .or(d.last_parsed.as_ref())
                                .is_some_and(|a| a.compilation.files_read.contains(&path))
                        })
                        .map(|(uri, _)| uri.clone())
                        .collect();
                    self.edited();
                    self.dirty.insert(params.text_document.uri);
                    self.dirty.extend(importers);
                    self.deadline = Some(Instant::now() + DEBOUNCE);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<DidCloseTextDocumentParams>(notification.params) {
                    self.documents.remove(&params.text_document.uri);
                    self.dirty.remove(&params.text_document.uri);
                    self.edited();
                    for url in self.published.remove(&params.text_document.uri).unwrap_or_default() {
                        self.send_diagnostics(url, Vec::new());
                    }
                }
            }
            _ => {}
        }
    }

    /// A document changed: every analysis may have read it (as an import).
    fn edited(&mut self) {
        for document in self.documents.values_mut() {
            document.analysis = None;
        }
    }

    fn publish_due(&mut self) {
        self.deadline = None;
        let due: Vec<Url> = self.dirty.drain().collect();
        for uri in due {
            self.publish(&uri);
        }
    }

    /// Publishes a document's diagnostics (and those of the modules it imports), clearing the
    /// files that had some before and have none now.
    fn publish(&mut self, uri: &Url) {
        let Some(analysis) = self.analysis(uri) else { return };
        let by_file = diagnostics::by_file(&analysis);
        let before = self.published.remove(uri).unwrap_or_default();
        for url in before.into_iter().filter(|u| !by_file.contains_key(u)) {
            self.send_diagnostics(url, Vec::new());
        }
        self.published.insert(uri.clone(), by_file.keys().cloned().collect());
        for (url, list) in by_file {
            self.send_diagnostics(url, list);
        }
    }

    fn send_diagnostics(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>) {
        let version = self.documents.get(&uri).map(|d| d.version);
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.send(Message::Notification(Notification::new(PublishDiagnostics::METHOD.to_string(), params)));
    }

    /// The current analysis of an open document.
    fn analysis(&mut self, uri: &Url) -> Option<Rc<Analysis>> {
        let document = self.documents.get(uri)?;
        if let Some(analysis) = &document.analysis {
            return Some(analysis.clone());
        }
        let open: HashMap<PathBuf, String> =
            self.documents.values().map(|d| (d.path.clone(), d.text.clone())).collect();
        let root = imgc_core::source::FileId(0);
        let parsed = match &document.parsed {
            Some(parsed) if parsed.text == document.text => parsed.clone(),
            Some(parsed) => parsed.reparse(root, &document.text),
            None => Parsed::new(root, &document.text),
        };
        let analysis = Rc::new(Analysis::new(uri.clone(), &document.path, &parsed, &open, self.files.as_ref()));
        let document = self.documents.get_mut(uri)?;
        document.parsed = Some(parsed);
        document.analysis = Some(analysis.clone());
        if analysis.compilation.modules.is_some() {
            document.last_parsed = Some(analysis.clone());
        }
        Some(analysis)
    }

    /// The analysis of a document and the byte offset of a position in it.
    fn at(&mut self, position: &TextDocumentPositionParams) -> Option<(Rc<Analysis>, usize)> {
        let analysis = self.analysis(&position.text_document.uri)?;
        let offset = LineIndex::new(analysis.root_text()).offset(position.position);
        Some((analysis, offset))
    }

    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            HoverRequest::METHOD => self.call(request, Self::hover),
            GotoDefinition::METHOD => self.call(request, Self::definition),
            References::METHOD => self.call(request, Self::references),
            PrepareRenameRequest::METHOD => self.call(request, Self::prepare_rename),
            Rename::METHOD => self.call(request, Self::rename),
            Completion::METHOD => self.call(request, Self::completion),
            DocumentSymbolRequest::METHOD => self.call(request, Self::symbols),
            Formatting::METHOD => self.call(request, Self::format),
            CodeActionRequest::METHOD => self.call(request, Self::code_actions),
            FoldingRangeRequest::METHOD => self.call(request, Self::folding),
            SemanticTokensFullRequest::METHOD => self.call(request, Self::semantic_tokens),
            CodeLensRequest::METHOD => self.call(request, Self::code_lenses),
            ExecuteCommand::METHOD => self.call(request, Self::execute_command),
            method => Err(ResponseError {
                code: ErrorCode::MethodNotFound as i32,
                message: format!("imgc lsp does not answer {method}"),
                data: None,
            }),
        };
        match result {
            Ok(value) => Response { id, result: Some(value), error: None },
            Err(error) => Response { id, result: None, error: Some(error) },
        }
    }

    fn call<P: serde::de::DeserializeOwned, R: serde::Serialize>(
        &mut self,
        request: Request,
        handler: fn(&mut Self, P) -> Answer<R>,
    ) -> Result<serde_json::Value, ResponseError> {
        let params: P = serde_json::from_value(request.params).map_err(|error| ResponseError {
            code: ErrorCode::InvalidParams as i32,
            message: error.to_string(),
            data: None,
        })?;
        let result = handler(self, params).map_err(|Refusal(message)| ResponseError {
            code: ErrorCode::RequestFailed as i32,
            message,
            data: None,
        })?;
        Ok(serde_json::to_value(result).unwrap_or(serde_json::Value::Null))
    }

    fn hover(&mut self, params: HoverParams) -> Answer<Option<Hover>> {
        let Some((analysis, offset)) = self.at(&params.text_document_position_params) else { return Ok(None) };
        Ok(hover::hover(&analysis, offset as u32).map(|(text, span)| Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: text }),
            range: Some(LineIndex::new(analysis.root_text()).range(span.range())),
        }))
    }

    fn definition(&mut self, params: GotoDefinitionParams) -> Answer<Option<GotoDefinitionResponse>> {
        let Some((analysis, offset)) = self.at(&params.text_document_position_params) else { return Ok(None) };
        Ok(navigate::definition(&analysis, offset as u32).map(GotoDefinitionResponse::Scalar))
    }

    fn references(&mut self, params: ReferenceParams) -> Answer<Option<Vec<Location>>> {
        let Some((analysis, offset)) = self.at(&params.text_document_position) else { return Ok(None) };
        Ok(Some(navigate::references(&analysis, offset as u32, params.context.include_declaration)))
    }

    fn prepare_rename(&mut self, params: TextDocumentPositionParams) -> Answer<Option<PrepareRenameResponse>> {
        let Some((analysis, offset)) = self.at(&params) else { return Ok(None) };
        Ok(Some(PrepareRenameResponse::Range(navigate::prepare_rename(&analysis, offset as u32)?)))
    }

    /// Renames in the document and the modules it reads, and in the other open documents that
    /// read the renamed name's file (a module edited on its own renames its importers' uses too).
    fn rename(&mut self, params: RenameParams) -> Answer<Option<WorkspaceEdit>> {
        let Some((analysis, offset)) = self.at(&params.text_document_position) else { return Ok(None) };
        let mut edit = navigate::rename(&analysis, offset as u32, &params.new_name)?;
        if let Some(declaration) = navigate::declaration(&analysis, offset as u32) {
            let others: Vec<Url> = self
                .documents
                .keys()
                .filter(|u| **u != params.text_document_position.text_document.uri)
                .cloned()
                .collect();
            for other in others {
                if let Some(other) = self.analysis(&other) {
                    navigate::rename_uses_of(&other, &declaration, &params.new_name, &mut edit);
                }
            }
        }
        Ok(Some(edit))
    }

    fn completion(&mut self, params: CompletionParams) -> Answer<Option<CompletionResponse>> {
        let uri = &params.text_document_position.text_document.uri;
        self.analysis(uri);
        let Some(document) = self.documents.get(uri) else { return Ok(None) };
        let offset = LineIndex::new(&document.text).offset(params.text_document_position.position);
        let items = complete::complete(&document.text, offset, document.last_parsed.as_deref());
        Ok(Some(CompletionResponse::Array(items)))
    }

    fn symbols(&mut self, params: DocumentSymbolParams) -> Answer<Option<DocumentSymbolResponse>> {
        let Some(analysis) = self.analysis(&params.text_document.uri) else { return Ok(None) };
        Ok(Some(DocumentSymbolResponse::Nested(outline::symbols(&analysis))))
    }

    fn format(&mut self, params: DocumentFormattingParams) -> Answer<Option<Vec<TextEdit>>> {
        let Some(document) = self.documents.get(&params.text_document.uri) else { return Ok(None) };
        // A program that does not parse is left as it is (its syntax error is already shown).
        let Ok(formatted) = imgc_core::format::format_source(imgc_core::source::FileId(0), &document.text) else {
            return Ok(None);
        };
        if formatted == document.text {
            return Ok(Some(Vec::new()));
        }
        let whole = LineIndex::new(&document.text).range(0..document.text.len());
        Ok(Some(vec![TextEdit::new(whole, formatted)]))
    }

    fn code_actions(&mut self, params: CodeActionParams) -> Answer<Option<CodeActionResponse>> {
        let Some(analysis) = self.analysis(&params.text_document.uri) else { return Ok(None) };
        let actions = actions::code_actions(&analysis, params.range);
        Ok(Some(actions.into_iter().map(CodeActionOrCommand::CodeAction).collect()))
    }

    fn folding(&mut self, params: FoldingRangeParams) -> Answer<Option<Vec<FoldingRange>>> {
        let Some(analysis) = self.analysis(&params.text_document.uri) else { return Ok(None) };
        Ok(Some(outline::folding(&analysis)))
    }

    fn semantic_tokens(&mut self, params: SemanticTokensParams) -> Answer<Option<SemanticTokensResult>> {
        let Some(analysis) = self.analysis(&params.text_document.uri) else { return Ok(None) };
        let data = outline::tokens(&analysis);
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data })))
    }

    fn code_lenses(&mut self, params: CodeLensParams) -> Answer<Option<Vec<CodeLens>>> {
        let Some(analysis) = self.analysis(&params.text_document.uri) else { return Ok(None) };
        Ok(Some(actions::code_lenses(&analysis)))
    }

    /// `imgc.showDockerfile URI`: answers with the Dockerfile's text and, where the editor can,
    /// opens it beside the program.
    fn execute_command(&mut self, params: ExecuteCommandParams) -> Answer<Option<serde_json::Value>> {
        if params.command != SHOW_DOCKERFILE {
            return Err(Refusal(format!("unknown command `{}`", params.command)));
        }
        let uri = params
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .and_then(|a| Url::parse(a).ok())
            .ok_or_else(|| Refusal(format!("{SHOW_DOCKERFILE} takes the URI of an open .img document")))?;
        let analysis = self.analysis(&uri).ok_or_else(|| Refusal(format!("{uri} is not open")))?;
        let dockerfile = actions::dockerfile(&analysis)?;
        if self.shows_documents
            && let Some(files) = &self.files
        {
            let stem = analysis.file(imgc_core::source::FileId(0)).map_or("app".to_string(), |f| {
                std::path::Path::new(&f.name)
                    .file_stem()
                    .map_or("app".to_string(), |s| s.to_string_lossy().into_owned())
            });
            if let Ok(path) = files.write_dockerfile(&stem, &dockerfile)
                && let Ok(url) = Url::from_file_path(path)
            {
                let params =
                    ShowDocumentParams { uri: url, external: Some(false), take_focus: Some(false), selection: None };
                self.next_id += 1;
                let request = Request::new(
                    RequestId::from(format!("imgc-show-{}", self.next_id)),
                    ShowDocument::METHOD.to_string(),
                    params,
                );
                self.send(Message::Request(request));
            }
        }
        Ok(Some(serde_json::Value::String(dockerfile)))
    }
}
