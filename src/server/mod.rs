//! The LSP server: the only layer that knows the protocol. Nothing here writes the user's
//! files.
//!
//! - [`scheduler`]: the state model (writes in arrival order on one path, reads on a pool,
//!   cancellation); [`state`]: what it holds; [`mutations`]: the write path;
//!   [`indexing`]: loading folders; [`diagnostics`]: publishing findings.
//! - [`handlers`]: one file per request family, thin; [`to_proto`] and [`convert`]: protocol
//!   conversions; [`capabilities`]: what each side can do.

mod capabilities;
pub mod convert;
mod diagnostics;
mod handlers;
mod indexing;
mod log;
mod mutations;
mod scheduler;
mod state;
mod to_proto;
mod transport;
mod watch;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::config::{CONFIG_FILE, ConfigProblem};
use convert::path_to_uri;
pub use log::Level;
use log::log;
use scheduler::{Answer, Core, During, Mutation};
use state::Snapshot;

/// `workspace/executeCommand` with a note's URI: the note's unlinked mentions, as locations.
pub const UNLINKED_MENTIONS: &str = "vaultls.unlinkedMentions";
/// `workspace/executeCommand` run by an accepted block-search item: adds the block's new id
/// to its note (through `workspace/applyEdit`: the server never writes files).
pub const ADD_BLOCK_ID: &str = "vaultls.addBlockId";

/// How many requests the transport runs at once. Reads wait on the pool, not in the
/// transport's queue: with a small limit, a few long reads would hold up the edits behind them.
const CONCURRENCY: usize = 64;

/// How long the server waits for the client to answer one of its own requests (file watching
/// registration, a progress token) before it goes on without.
const CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Set once the client has sent `shutdown`.
static SHUTDOWN_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Serves LSP on stdin/stdout until the client says `exit` (or closes the pipe). Whether the
/// session ended cleanly, with `shutdown` before `exit`.
pub async fn run_stdio() -> bool {
    let (service, socket) = LspService::new(Backend::new);
    // Frames are checked before tower-lsp sees them ([`transport`]): a malformed one is
    // answered and the session goes on.
    // Large pipes: a note's diagnostics can be megabytes, each pass through a pipe a wakeup.
    let (to_server, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, from_server) = tokio::io::duplex(4 << 20);
    let (frames_tx, frames_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(transport::pump_input(
        tokio::io::stdin(),
        to_server,
        frames_tx.clone(),
    ));
    let output = tokio::spawn(transport::pump_output(from_server, frames_tx.clone()));
    let writer = tokio::spawn(transport::write_frames(tokio::io::stdout(), frames_rx));
    Server::new(server_in, server_out, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
    // Everything tower-lsp wrote reaches the client before the process ends: the empty frame
    // after it tells the writer to stop.
    let _ = output.await;
    let _ = frames_tx.send(Vec::new());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer).await;
    SHUTDOWN_REQUESTED.load(Ordering::SeqCst)
}

#[derive(Clone)]
pub struct Backend {
    client: Client,
    core: Arc<Core>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        let (core, queue) = Core::new();
        let backend = Backend {
            client,
            core: Arc::new(core),
        };
        tokio::spawn(backend.clone().writer(queue));
        backend
    }

    /// Answers a read request on the pool once every folder is loaded (see
    /// [`scheduler::read`]).
    async fn read<T, F>(&self, what: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Snapshot) -> Answer<T> + Send + Sync + 'static,
    {
        scheduler::read(&self.core, what, During::WaitForLoad, f).await
    }

    /// Answers a read request on the pool at once, loads or not.
    async fn read_now<T, F>(&self, what: &'static str, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Snapshot) -> Answer<T> + Send + Sync + 'static,
    {
        scheduler::read(&self.core, what, During::AnswerNow, f).await
    }

    /// Shows what was wrong with the settings of one folder (or all): diagnostics on
    /// `.vaultls.toml` (none clears earlier ones), a message for the rest. The defaults apply
    /// in their place.
    async fn report_config_problems(&self, folder: Option<usize>) {
        let reports: Vec<(PathBuf, Vec<ConfigProblem>)> = self
            .core
            .peek()
            .folders
            .iter()
            .enumerate()
            .filter(|(i, _)| folder.is_none_or(|f| f == *i))
            .filter_map(|(_, w)| w.as_ref())
            .map(|w| (w.root.clone(), w.config_problems.clone()))
            .collect();
        let unit = self.core.peek().unit();
        for (root, problems) in reports {
            let (in_file, other): (Vec<_>, Vec<_>) =
                problems.into_iter().partition(|p| p.source == CONFIG_FILE);
            if let Some(uri) = path_to_uri(&root.join(CONFIG_FILE))
                && (folder.is_some() || !in_file.is_empty())
            {
                // Positions in the client's unit, from the file as it is now (small).
                let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap_or_default();
                let diagnostics = in_file
                    .into_iter()
                    .map(|p| {
                        let at = p.line_col(&text, unit).unwrap_or_default();
                        Diagnostic {
                            range: Range::new(
                                Position::new(at.line, at.col),
                                Position::new(at.line, at.col + 1),
                            ),
                            severity: Some(DiagnosticSeverity::ERROR),
                            code: Some(NumberOrString::String("config".to_string())),
                            source: Some("vaultls".to_string()),
                            message: format!("{} (defaults apply)", p.message),
                            ..Diagnostic::default()
                        }
                    })
                    .collect();
                self.client
                    .publish_diagnostics(uri, diagnostics, None)
                    .await;
            }
            for p in other {
                let message = format!("vaultls: {}: {}", p.source, p.message);
                log(Level::Warn, &message);
                self.client
                    .show_message(MessageType::WARNING, message)
                    .await;
            }
        }
    }

    /// Asks the client to send `workspace/didChangeWatchedFiles` for every file.
    async fn register_watchers(&self) -> bool {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*".to_string()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "vaultls-watch".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        let asked = self.client.register_capability(vec![registration]);
        match tokio::time::timeout(CLIENT_TIMEOUT, asked).await {
            Ok(Ok(())) => true,
            Ok(Err(err)) => {
                log(
                    Level::Warn,
                    format!("client refused file watching ({err}); watching ourselves"),
                );
                false
            }
            Err(_) => {
                log(
                    Level::Warn,
                    "client did not answer the file watching registration; watching ourselves",
                );
                false
            }
        }
    }

    /// After `initialized`: loads every folder, publishes findings from then on, reports the
    /// settings' problems and sets up file watching.
    async fn start(self) {
        tokio::spawn(self.clone().publish_diagnostics());
        let (folders, register): (Vec<(usize, PathBuf)>, bool) = {
            let state = self.core.peek();
            let folders = state
                .folders
                .iter()
                .enumerate()
                .filter_map(|(i, w)| Some((i, w.as_ref()?.root.clone())))
                .collect();
            (folders, state.caps.watch_registration)
        };
        for (folder, root) in &folders {
            self.start_indexing(*folder, root.clone(), 0);
        }
        self.report_config_problems(None).await;
        let registered = register && self.register_watchers().await;
        if !registered {
            let folders: Vec<usize> = folders.iter().map(|(i, _)| *i).collect();
            self.start_watching(&folders);
        }
    }

    /// Watches folders ourselves, by their paths with symlinks resolved; batches of changed
    /// paths become [`Mutation::Disk`].
    fn start_watching(&self, folders: &[usize]) {
        let roots: Vec<PathBuf> = {
            let state = self.core.peek();
            folders
                .iter()
                .filter_map(|&i| Some(state.folders.get(i)?.as_ref()?.canonical.clone()))
                .collect()
        };
        let mut watcher = self.core.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if watcher.is_none() {
            let core = self.core.clone();
            match watch::Watcher::start(move |paths| {
                core.mutate(Mutation::Disk(paths));
                std::future::ready(())
            }) {
                Ok(w) => *watcher = Some(w),
                Err(err) => {
                    log(Level::Warn, format!("cannot watch files: {err}"));
                    return;
                }
            }
        }
        if let Some(w) = watcher.as_mut() {
            for root in &roots {
                if let Err(err) = w.watch(root) {
                    log(
                        Level::Warn,
                        format!("cannot watch {}: {err}", root.display()),
                    );
                }
            }
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = capabilities::client_caps(&params.capabilities);
        // The first message: nothing else is queued or running yet.
        self.core.write("initialize", |s| {
            s.caps = caps;
            s.init_options = params.initialization_options.clone().unwrap_or_default();
        });
        #[allow(deprecated)]
        let folders: Vec<Uri> = match (&params.workspace_folders, &params.root_uri) {
            (Some(folders), _) if !folders.is_empty() => {
                folders.iter().map(|f| f.uri.clone()).collect()
            }
            (_, Some(root)) => vec![root.clone()],
            _ => Vec::new(),
        };
        for uri in &folders {
            self.add_folder(uri);
        }
        log(
            Level::Info,
            format!(
                "initialize: {} folder(s), positions in {:?}",
                folders.len(),
                caps.unit
            ),
        );
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "vaultls".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: capabilities::server_capabilities(caps.unit, caps.pull_diagnostics),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.core.started.store(true, Ordering::SeqCst);
        // In its own task: the transport waits for every handler before it exits, and this
        // one asks the client things a client may never answer.
        tokio::spawn(self.clone().start());
    }

    async fn shutdown(&self) -> Result<()> {
        log(Level::Info, "shutdown");
        SHUTDOWN_REQUESTED.store(true, Ordering::SeqCst);
        Ok(())
    }

    // ----- mutations: queued in arrival order, applied by the writer ---------------------

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        self.core.mutate(Mutation::Open(params));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        self.core.mutate(Mutation::Change(params));
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        self.core.mutate(Mutation::Close(params));
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params
            .changes
            .iter()
            .filter_map(|c| convert::uri_to_path(&c.uri))
            .collect();
        self.core.mutate(Mutation::Disk(paths));
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        self.core.mutate(Mutation::Folders(params));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.core.mutate(Mutation::Settings(params.settings));
    }

    // ----- reads: on the pool, against the state after every earlier mutation ------------

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.read_now("completion", move |s| {
            handlers::completion::completion(s, &p)
        })
        .await
    }

    async fn completion_resolve(&self, item: CompletionItem) -> Result<CompletionItem> {
        self.read_now("completionItem/resolve", move |s| {
            handlers::completion::resolve(s, &item)
        })
        .await
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.read("definition", move |s| {
            handlers::navigation::definition(s, &p)
        })
        .await
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        self.read("hover", move |s| handlers::navigation::hover(s, &p))
            .await
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.read("references", move |s| {
            handlers::navigation::references(s, &p)
        })
        .await
    }

    async fn document_link(&self, p: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        self.read("documentLink", move |s| {
            handlers::navigation::document_links(s, &p)
        })
        .await
    }

    async fn code_lens(&self, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.read("codeLens", move |s| handlers::navigation::code_lens(s, &p))
            .await
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.read("prepareRename", move |s| handlers::rename::prepare(s, &p))
            .await
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let (edit, to_user) = self
            .read("rename", move |s| handlers::rename::rename(s, &p))
            .await?;
        if let Some(message) = to_user {
            self.client
                .show_message(MessageType::WARNING, message)
                .await;
        }
        Ok(edit)
    }

    async fn will_rename_files(&self, p: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        self.read("willRenameFiles", move |s| {
            handlers::rename::will_rename_files(s, &p)
        })
        .await
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.read("codeAction", move |s| {
            handlers::code_action::code_actions(s, &p)
        })
        .await
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.read_now("foldingRange", move |s| {
            handlers::structure::folding_ranges(s, &p)
        })
        .await
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.read("semanticTokens", move |s| {
            handlers::structure::semantic_tokens(s, &p)
        })
        .await
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.read_now("documentSymbol", move |s| {
            handlers::symbols::document_symbols(s, &p)
        })
        .await
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        self.read("workspace/symbol", move |s| {
            handlers::symbols::workspace_symbols(s, &p)
        })
        .await
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.read("inlayHint", move |s| {
            handlers::navigation::inlay_hints(s, &p)
        })
        .await
    }

    async fn diagnostic(
        &self,
        p: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        // After the load: before it, a link to a note not read yet would be flagged broken.
        self.read("textDocument/diagnostic", move |s| {
            handlers::diagnostics::document(s, &p)
        })
        .await
    }

    async fn workspace_diagnostic(
        &self,
        p: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        self.read("workspace/diagnostic", move |s| {
            handlers::diagnostics::workspace(s, &p)
        })
        .await
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if p.command == ADD_BLOCK_ID {
            let argument = p.arguments.first().cloned().unwrap_or_default();
            let edit = self
                .read(ADD_BLOCK_ID, move |s| {
                    handlers::completion::add_block_id(s, &argument)
                })
                .await?;
            if let Some(edit) = edit {
                match self.client.apply_edit(edit).await {
                    Ok(r) if !r.applied => log(
                        Level::Warn,
                        format!(
                            "block id not added: {}",
                            r.failure_reason.unwrap_or_default()
                        ),
                    ),
                    Err(e) => log(Level::Warn, format!("block id not added: {e}")),
                    Ok(_) => {}
                }
            }
            return Ok(None);
        }
        if p.command != UNLINKED_MENTIONS {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                p.command
            )));
        }
        let uri = handlers::mentions::note_argument(&p)?;
        self.read(UNLINKED_MENTIONS, move |s| {
            handlers::mentions::unlinked_mentions(s, &uri)
        })
        .await
    }
}
