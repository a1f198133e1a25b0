//! The LSP server: the only layer that knows the protocol. It keeps one vault per workspace
//! folder (plus one for files outside any folder), applies edits on one path under a write
//! lock, and answers requests from the features under a read lock. Nothing here writes the
//! user's files.

pub mod convert;
mod log;
mod watch;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use serde_json::json;
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

use crate::config::{Config, ConfigProblem};
use crate::features::{self, completion::ItemKind};
use crate::syntax::ColumnUnit;
use crate::vault::path::is_note_path;
use crate::vault::{FileId, Vault};
use convert::{TextPositions, apply_change, path_to_uri, uri_to_path};
pub use log::Level;
use log::log;

/// `workspace/executeCommand` with a note's URI: the note's unlinked mentions, as locations.
pub const UNLINKED_MENTIONS: &str = "vaultls.unlinkedMentions";

/// Semantic token types: links (broken ones also `deprecated`), tags, block ids.
const TOKEN_TYPES: [SemanticTokenType; 3] = [
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::MACRO,
];

/// Completion lists are capped; the client asks again as the user types.
const COMPLETION_LIMIT: usize = 100;
/// Diagnostics wait this long after the last change before they are computed.
const DIAGNOSTICS_DEBOUNCE: Duration = Duration::from_millis(50);

/// Set once the client has sent `shutdown`.
static SHUTDOWN_REQUESTED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Serves LSP on stdin/stdout until the client says `exit` (or closes the pipe). Whether the
/// session ended cleanly, with `shutdown` before `exit`.
pub async fn run_stdio() -> bool {
    let (service, socket) = LspService::new(Backend::new);
    Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
    SHUTDOWN_REQUESTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Which vault a document belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VaultId {
    /// A workspace folder (index into `State::folders`).
    Folder(usize),
    /// Files outside every workspace folder: open documents only.
    Loose,
}

struct Workspace {
    root: PathBuf,
    vault: Vault,
    /// `.obsidian/app.json`, `.vaultls.toml` and the client's `initializationOptions`.
    config: Config,
    /// What was wrong with them, reported once the client is initialized.
    config_problems: Vec<ConfigProblem>,
    /// Whether the initial load has finished.
    indexed: bool,
}

struct Document {
    uri: Uri,
    text: String,
    version: i32,
    vault: VaultId,
    /// The document's path in its vault.
    path: String,
}

struct State {
    unit: ColumnUnit,
    /// Workspace folders; `None` for folders removed from the workspace.
    folders: Vec<Option<Workspace>>,
    loose: Workspace,
    documents: HashMap<String, Document>,
    work_done_progress: bool,
    watch_registration: bool,
    /// Whether the client applies file renames in workspace edits.
    rename_files: bool,
    /// Whether the client applies file creations in workspace edits.
    create_files: bool,
    /// The client's `initializationOptions` (settings that apply to every folder).
    init_options: serde_json::Value,
}

impl State {
    fn workspace(&self, id: VaultId) -> Option<&Workspace> {
        match id {
            VaultId::Folder(i) => self.folders.get(i)?.as_ref(),
            VaultId::Loose => Some(&self.loose),
        }
    }

    fn workspace_mut(&mut self, id: VaultId) -> Option<&mut Workspace> {
        match id {
            VaultId::Folder(i) => self.folders.get_mut(i)?.as_mut(),
            VaultId::Loose => Some(&mut self.loose),
        }
    }

    /// The vault and vault path of a local file: the deepest workspace folder containing it,
    /// else the loose vault.
    fn locate(&self, path: &Path) -> (VaultId, String) {
        // `/vault/../etc/passwd` is not in the vault: resolve `.` and `..` first.
        let path = &normalize(path);
        let best = self
            .folders
            .iter()
            .enumerate()
            .filter_map(|(i, w)| Some((i, w.as_ref()?)))
            .filter(|(_, w)| path.starts_with(&w.root))
            .max_by_key(|(_, w)| w.root.components().count());
        match best {
            Some((i, w)) => (
                VaultId::Folder(i),
                vault_path(path.strip_prefix(&w.root).ok()),
            ),
            None => (VaultId::Loose, vault_path(path.strip_prefix("/").ok())),
        }
    }

    /// Where a URI lives: an open document, else a file of a vault.
    fn locate_uri(&self, uri: &Uri) -> Option<(VaultId, String)> {
        if let Some(doc) = self.documents.get(uri.as_str()) {
            return Some((doc.vault, doc.path.clone()));
        }
        uri_to_path(uri).map(|p| self.locate(&p))
    }

    /// The vault and note a request is about.
    fn note_of(&self, uri: &Uri) -> Option<(VaultId, &Vault, FileId)> {
        let (id, path) = self.locate_uri(uri)?;
        let vault = &self.workspace(id)?.vault;
        let file = vault.id(&path)?;
        vault.note(file)?;
        Some((id, vault, file))
    }

    /// The URI of a vault file: the open document's own URI when it is open.
    fn uri_of(&self, id: VaultId, path: &str) -> Option<Uri> {
        if let Some(doc) = self
            .documents
            .values()
            .find(|d| d.vault == id && d.path == path)
        {
            return Some(doc.uri.clone());
        }
        let root = &self.workspace(id)?.root;
        path_to_uri(&root.join(path))
    }

    fn location(&self, id: VaultId, loc: features::Location) -> Option<Location> {
        self.locations(id, vec![loc]).pop()
    }

    /// Groups edits by file as LSP text edits: the file's URI, its open version, the edits.
    fn edits_by_file(
        &self,
        id: VaultId,
        edits: Vec<features::rename::Edit>,
    ) -> Vec<(Uri, Option<i32>, Vec<TextEdit>)> {
        let Some(vault) = self.workspace(id).map(|w| &w.vault) else {
            return Vec::new();
        };
        let mut by_file: HashMap<FileId, Vec<features::rename::Edit>> = HashMap::new();
        for edit in edits {
            by_file.entry(edit.file).or_default().push(edit);
        }
        let mut out: Vec<(Uri, Option<i32>, Vec<TextEdit>)> = by_file
            .into_iter()
            .filter_map(|(file, edits)| {
                let path = vault.path(file);
                let uri = self.uri_of(id, path)?;
                let version = self.documents.get(uri.as_str()).map(|d| d.version);
                let positions = TextPositions::of(vault.note(file)?, self.unit);
                let edits = edits
                    .into_iter()
                    .map(|e| TextEdit {
                        range: positions.range(e.span),
                        new_text: e.new_text,
                    })
                    .collect();
                Some((uri, version, edits))
            })
            .collect();
        out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        out
    }

    /// Converts many locations, indexing the lines of each file once.
    fn locations(&self, id: VaultId, locs: Vec<features::Location>) -> Vec<Location> {
        let Some(vault) = self.workspace(id).map(|w| &w.vault) else {
            return Vec::new();
        };
        let mut files: HashMap<FileId, (Option<Uri>, Option<TextPositions>)> = HashMap::new();
        locs.into_iter()
            .filter_map(|loc| {
                let (uri, positions) = files.entry(loc.file).or_insert_with(|| {
                    let uri = self.uri_of(id, vault.path(loc.file));
                    let positions = vault
                        .note(loc.file)
                        .map(|n| TextPositions::of(n, self.unit));
                    (uri, positions)
                });
                Some(Location {
                    uri: uri.clone()?,
                    range: positions
                        .as_ref()
                        .map_or_else(Range::default, |p| p.range(loc.span)),
                })
            })
            .collect()
    }
}

/// `path` with `.` parts dropped and each `..` taking away the part before it (lexically; the
/// file system is not asked).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A vault path from the components of a relative path (`/`-separated, lossy for non-UTF-8).
fn vault_path(rel: Option<&Path>) -> String {
    rel.map(|r| {
        r.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    })
    .unwrap_or_default()
}

struct Inner {
    state: RwLock<State>,
    /// Wakes the diagnostics task after any change.
    changed: Notify,
    /// The last diagnostics sent per URI, so unchanged ones are not sent again.
    published: Mutex<HashMap<String, Vec<Diagnostic>>>,
    watcher: Mutex<Option<watch::Watcher>>,
}

#[derive(Clone)]
pub struct Backend {
    client: Client,
    inner: Arc<Inner>,
}

impl Backend {
    fn new(client: Client) -> Backend {
        Backend {
            client,
            inner: Arc::new(Inner {
                state: RwLock::new(State {
                    unit: ColumnUnit::Utf16,
                    folders: Vec::new(),
                    loose: Workspace {
                        root: PathBuf::from("/"),
                        vault: Vault::new("/"),
                        config: Config::default(),
                        config_problems: Vec::new(),
                        indexed: true,
                    },
                    init_options: serde_json::Value::Null,
                    documents: HashMap::new(),
                    work_done_progress: false,
                    watch_registration: false,
                    rename_files: false,
                    create_files: false,
                }),
                changed: Notify::new(),
                published: Mutex::new(HashMap::new()),
                watcher: Mutex::new(None),
            }),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.inner.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.inner.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a read-only request; a panic becomes an internal error instead of a dead server.
    fn answer<T>(&self, what: &str, f: impl FnOnce(&State) -> Option<T>) -> Result<Option<T>> {
        let state = self.read();
        match catch_unwind(AssertUnwindSafe(|| f(&state))) {
            Ok(v) => Ok(v),
            Err(_) => {
                log(
                    Level::Error,
                    format!("{what} failed (panic); still serving"),
                );
                Err(Error::internal_error())
            }
        }
    }

    fn note_changed(&self) {
        self.inner.changed.notify_one();
    }

    /// Loads a workspace folder in the background, reporting progress when the client can
    /// show it; open documents keep their editor text.
    async fn index_folder(&self, index: usize, root: PathBuf) {
        let progress_supported = self.read().work_done_progress;
        let token = NumberOrString::String(format!("vaultls-index-{index}"));
        let progress = if progress_supported
            && self
                .client
                .create_work_done_progress(token.clone())
                .await
                .is_ok()
        {
            Some(
                self.client
                    .progress(token, "Indexing vault")
                    .with_message(root.display().to_string())
                    .with_percentage(0)
                    .begin()
                    .await,
            )
        } else {
            None
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
        let load_root = root.clone();
        let config = self
            .read()
            .folders
            .get(index)
            .and_then(|w| w.as_ref())
            .map(|w| w.config.clone())
            .unwrap_or_default();
        let load = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let ignored = |path: &str| config.ignores(path);
            let vault = Vault::load_filtered(&load_root, &ignored, &|done, total| {
                let _ = tx.send((done, total));
            });
            (vault, started.elapsed())
        });
        while let Some((done, total)) = rx.recv().await {
            if let Some(p) = &progress {
                let percent = (done * 100).checked_div(total).unwrap_or(100) as u32;
                p.report_with_message(format!("{done}/{total} notes"), percent)
                    .await;
            }
        }
        let message = match load.await {
            Ok((Ok(mut vault), took)) => {
                for issue in vault.issues() {
                    log(Level::Warn, format!("{}: {}", issue.path, issue.message));
                }
                let notes = vault.notes().count();
                let mut state = self.write();
                for doc in state.documents.values() {
                    if doc.vault == VaultId::Folder(index) {
                        vault.update_note(&doc.path, doc.text.clone());
                    }
                }
                if let Some(Some(w)) = state.folders.get_mut(index) {
                    w.vault = vault;
                    w.indexed = true;
                }
                let message = format!("{notes} notes indexed in {} ms", took.as_millis());
                log(Level::Info, format!("{}: {message}", root.display()));
                message
            }
            Ok((Err(err), _)) => {
                let message = format!("cannot read vault {}: {err}", root.display());
                log(Level::Error, &message);
                self.client
                    .show_message(MessageType::ERROR, format!("vaultls: {message}"))
                    .await;
                if let Some(Some(w)) = self.write().folders.get_mut(index) {
                    w.indexed = true;
                }
                message
            }
            Err(err) => {
                log(
                    Level::Error,
                    format!("indexing {} failed: {err}", root.display()),
                );
                err.to_string()
            }
        };
        if let Some(p) = progress {
            p.finish_with_message(message).await;
        }
        self.note_changed();
    }

    /// Publishes diagnostics for open notes whenever something changed, debounced.
    async fn diagnostics_loop(self) {
        loop {
            self.inner.changed.notified().await;
            tokio::time::sleep(DIAGNOSTICS_DEBOUNCE).await;
            let batch = {
                let state = self.read();
                let computed = catch_unwind(AssertUnwindSafe(|| {
                    state
                        .documents
                        .values()
                        .filter_map(|doc| {
                            let vault = &state.workspace(doc.vault)?.vault;
                            let file = vault.id(&doc.path)?;
                            let note = vault.note(file)?;
                            let positions = TextPositions::of(note, state.unit);
                            let config = &state.workspace(doc.vault)?.config;
                            let diagnostics = config
                                .apply_to(features::diagnostics::note_diagnostics(vault, file))
                                .into_iter()
                                .map(|d| to_lsp_diagnostic(&positions, d))
                                .collect::<Vec<_>>();
                            Some((doc.uri.clone(), doc.version, diagnostics))
                        })
                        .collect::<Vec<_>>()
                }));
                match computed {
                    Ok(batch) => batch,
                    Err(_) => {
                        log(Level::Error, "diagnostics failed (panic); still serving");
                        continue;
                    }
                }
            };
            let fresh: Vec<_> = {
                let mut published = self
                    .inner
                    .published
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                let mut fresh = Vec::new();
                for (uri, version, diagnostics) in batch {
                    if published.get(uri.as_str()) != Some(&diagnostics) {
                        published.insert(uri.as_str().to_string(), diagnostics.clone());
                        fresh.push((uri, version, diagnostics));
                    }
                }
                fresh
            };
            for (uri, version, diagnostics) in fresh {
                self.client
                    .publish_diagnostics(uri, diagnostics, Some(version))
                    .await;
            }
        }
    }

    /// Applies changes made on disk (by the file watcher or the client's notifications) to the
    /// vaults. Files open in the editor keep the editor's text.
    async fn disk_changed(&self, paths: Vec<PathBuf>) {
        let changes = {
            let state = self.read();
            paths
                .into_iter()
                .filter_map(|p| {
                    let (id, rel) = state.locate(&p);
                    let w = state.workspace(id)?;
                    let ignored = w.config.ignores(&rel);
                    (id != VaultId::Loose && !rel.is_empty() && !watch::is_hidden(&rel) && !ignored)
                        .then(|| (id, w.root.clone(), rel))
                })
                .collect::<Vec<_>>()
        };
        if changes.is_empty() {
            return;
        }
        // Read outside the lock.
        let updates: Vec<watch::Update> = tokio::task::spawn_blocking(move || {
            changes
                .into_iter()
                .flat_map(|(id, root, rel)| watch::read_change(id, &root, &rel))
                .collect()
        })
        .await
        .unwrap_or_default();
        {
            let mut state = self.write();
            for update in updates {
                let open = |state: &State, id: VaultId, path: &str| {
                    state
                        .documents
                        .values()
                        .any(|d| d.vault == id && d.path == path)
                };
                match update {
                    watch::Update::Write { vault, path, text } => {
                        if open(&state, vault, &path) {
                            continue;
                        }
                        if let Some(w) = state.workspace_mut(vault) {
                            w.vault.upsert_file(&path, text);
                        }
                    }
                    watch::Update::Remove { vault, path } => {
                        if open(&state, vault, &path) {
                            continue;
                        }
                        if let Some(w) = state.workspace_mut(vault)
                            && !w.vault.remove_file(&path)
                        {
                            // A removed folder: everything under it.
                            let prefix = format!("{path}/");
                            let under: Vec<String> = w
                                .vault
                                .files()
                                .filter(|(_, f)| f.path.starts_with(&prefix))
                                .map(|(_, f)| f.path.clone())
                                .collect();
                            for p in under {
                                w.vault.remove_file(&p);
                            }
                        }
                    }
                }
            }
        }
        self.note_changed();
    }

    fn add_folder(&self, uri: &Uri) -> Option<(usize, PathBuf)> {
        let path = uri_to_path(uri)?;
        let root = std::fs::canonicalize(&path).unwrap_or(path);
        let (mut config, mut config_problems) = Config::load(&root);
        let mut state = self.write();
        if state.folders.iter().flatten().any(|w| w.root == root) {
            return None;
        }
        config_problems.extend(
            config
                .apply_json(&state.init_options)
                .into_iter()
                .map(|message| ConfigProblem {
                    source: "initializationOptions".to_string(),
                    position: None,
                    message,
                }),
        );
        state.folders.push(Some(Workspace {
            root: root.clone(),
            vault: Vault::new(&root),
            config,
            config_problems,
            indexed: false,
        }));
        Some((state.folders.len() - 1, root))
    }

    fn start_watching(&self, roots: &[PathBuf]) {
        let mut watcher = self.inner.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if watcher.is_none() {
            let backend = self.clone();
            match watch::Watcher::start(move |paths| {
                let backend = backend.clone();
                async move { backend.disk_changed(paths).await }
            }) {
                Ok(w) => *watcher = Some(w),
                Err(err) => {
                    log(Level::Warn, format!("cannot watch files: {err}"));
                    return;
                }
            }
        }
        if let Some(w) = watcher.as_mut() {
            for root in roots {
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

fn to_document_symbol(positions: &TextPositions, o: &features::symbols::Outline) -> DocumentSymbol {
    #[allow(deprecated)]
    DocumentSymbol {
        name: o.name.clone(),
        detail: Some(format!("H{}", o.level)),
        kind: SymbolKind::STRING,
        tags: None,
        deprecated: None,
        range: positions.range(o.span),
        selection_range: positions.range(o.selection),
        children: Some(
            o.children
                .iter()
                .map(|c| to_document_symbol(positions, c))
                .collect(),
        ),
    }
}

fn to_lsp_diagnostic(
    positions: &TextPositions,
    d: features::diagnostics::Diagnostic,
) -> Diagnostic {
    use features::diagnostics::Severity;
    Diagnostic {
        range: positions.range(d.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("vaultls".to_string()),
        message: d.message,
        ..Diagnostic::default()
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let utf8 = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        {
            let mut state = self.write();
            state.unit = if utf8 {
                ColumnUnit::Utf8
            } else {
                ColumnUnit::Utf16
            };
            state.work_done_progress = caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false);
            let resource_op = |kind: ResourceOperationKind| {
                caps.workspace
                    .as_ref()
                    .and_then(|w| w.workspace_edit.as_ref())
                    .is_some_and(|e| {
                        e.document_changes == Some(true)
                            && e.resource_operations
                                .as_ref()
                                .is_some_and(|ops| ops.contains(&kind))
                    })
            };
            state.rename_files = resource_op(ResourceOperationKind::Rename);
            state.create_files = resource_op(ResourceOperationKind::Create);
            state.watch_registration = caps
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
        }
        self.write().init_options = params.initialization_options.clone().unwrap_or_default();
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
                "initialize: {} folder(s), positions in {}",
                folders.len(),
                if utf8 { "UTF-8" } else { "UTF-16" }
            ),
        );
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "vaultls".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    resolve_provider: Some(true),
                    trigger_characters: Some(
                        ["[", "#", "^", "|", "/", "("]
                            .iter()
                            .map(|s| s.to_string())
                            .collect(),
                    ),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: TOKEN_TYPES.to_vec(),
                                token_modifiers: vec![SemanticTokenModifier::DEPRECATED],
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: WorkDoneProgressOptions::default(),
                        },
                    ),
                ),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![UNLINKED_MENTIONS.to_string()],
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                references_provider: Some(OneOf::Left(true)),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    // A rename in the editor's file tree rewrites the links to the note.
                    file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                        will_rename: Some(FileOperationRegistrationOptions {
                            filters: vec![FileOperationFilter {
                                scheme: Some("file".to_string()),
                                pattern: FileOperationPattern {
                                    glob: "**/*.md".to_string(),
                                    matches: Some(FileOperationPatternKind::File),
                                    options: None,
                                },
                            }],
                        }),
                        ..WorkspaceFileOperationsServerCapabilities::default()
                    }),
                }),
                ..ServerCapabilities::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        tokio::spawn(self.clone().diagnostics_loop());
        let (roots, register): (Vec<(usize, PathBuf)>, bool) = {
            let state = self.read();
            let roots = state
                .folders
                .iter()
                .enumerate()
                .filter_map(|(i, w)| Some((i, w.as_ref()?.root.clone())))
                .collect();
            (roots, state.watch_registration)
        };
        self.report_config_problems().await;
        let registered = register && self.register_watchers().await;
        if !registered {
            let paths: Vec<PathBuf> = roots.iter().map(|(_, r)| r.clone()).collect();
            self.start_watching(&paths);
        }
        for (index, root) in roots {
            let backend = self.clone();
            tokio::spawn(async move { backend.index_folder(index, root).await });
        }
    }

    async fn shutdown(&self) -> Result<()> {
        log(Level::Info, "shutdown");
        SHUTDOWN_REQUESTED.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        {
            let mut state = self.write();
            let (vault, mut path) = match uri_to_path(&doc.uri) {
                Some(p) => state.locate(&p),
                // Unsaved buffers and other schemes: a note of the loose vault.
                None => (
                    VaultId::Loose,
                    format!("untitled/{}", doc.uri.as_str().replace(['/', ':'], "_")),
                ),
            };
            if !is_note_path(&path) {
                path.push_str(".md");
            }
            if let Some(w) = state.workspace_mut(vault) {
                w.vault.update_note(&path, doc.text.clone());
            }
            state.documents.insert(
                doc.uri.as_str().to_string(),
                Document {
                    uri: doc.uri.clone(),
                    text: doc.text.clone(),
                    version: doc.version,
                    vault,
                    path,
                },
            );
        }
        self.note_changed();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        {
            let mut state = self.write();
            let unit = state.unit;
            let Some(doc) = state.documents.get_mut(params.text_document.uri.as_str()) else {
                log(
                    Level::Warn,
                    format!(
                        "didChange for a document that is not open: {}",
                        params.text_document.uri.as_str()
                    ),
                );
                return;
            };
            if params.text_document.version <= doc.version {
                log(
                    Level::Warn,
                    format!(
                        "didChange version {} after {} for {}; applied anyway",
                        params.text_document.version,
                        doc.version,
                        params.text_document.uri.as_str()
                    ),
                );
            }
            for change in &params.content_changes {
                match change.range {
                    Some(range) => apply_change(&mut doc.text, range, &change.text, unit),
                    None => doc.text = change.text.clone(),
                }
            }
            doc.version = params.text_document.version;
            let (vault, path, text) = (doc.vault, doc.path.clone(), doc.text.clone());
            if let Some(w) = state.workspace_mut(vault) {
                w.vault.update_note(&path, text);
            }
        }
        self.note_changed();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let closed = self.write().documents.remove(uri.as_str());
        if let Some(doc) = closed {
            // The disk version counts again (or the note goes, if it was never saved).
            let root = self.read().workspace(doc.vault).map(|w| w.root.clone());
            let text = root.and_then(|root| vault_read(&root, &doc.path));
            let mut state = self.write();
            if let Some(w) = state.workspace_mut(doc.vault) {
                match text {
                    Some(text) if doc.vault != VaultId::Loose => {
                        w.vault.update_note(&doc.path, text)
                    }
                    _ => {
                        w.vault.remove_file(&doc.path);
                    }
                }
            }
        }
        self.inner
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uri.as_str());
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
        self.note_changed();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let paths = params
            .changes
            .iter()
            .filter_map(|c| uri_to_path(&c.uri))
            .collect();
        self.disk_changed(paths).await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        for removed in &params.event.removed {
            if let Some(path) = uri_to_path(&removed.uri) {
                let root = std::fs::canonicalize(&path).unwrap_or(path);
                let mut state = self.write();
                for slot in state.folders.iter_mut() {
                    if slot.as_ref().is_some_and(|w| w.root == root) {
                        *slot = None;
                    }
                }
            }
        }
        let added: Vec<(usize, PathBuf)> = params
            .event
            .added
            .iter()
            .filter_map(|f| self.add_folder(&f.uri))
            .collect();
        if !self.read().watch_registration {
            let roots: Vec<PathBuf> = added.iter().map(|(_, r)| r.clone()).collect();
            self.start_watching(&roots);
        }
        for (index, root) in added {
            let backend = self.clone();
            tokio::spawn(async move { backend.index_folder(index, root).await });
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        self.answer("completion", |state| {
            let (id, vault, file) = state.note_of(&at.text_document.uri)?;
            let note = vault.note(file)?;
            let positions = TextPositions::of(note, state.unit);
            let offset = positions.offset(at.position);
            let workspace = state.workspace(id)?;
            let result = features::completion::completion_styled(
                vault,
                file,
                offset,
                COMPLETION_LIMIT,
                workspace.config.link_format(),
            )?;
            let indexing = !workspace.indexed;
            let items = result
                .items
                .into_iter()
                .enumerate()
                .map(|(rank, item)| CompletionItem {
                    label: item.label,
                    kind: Some(match item.kind {
                        ItemKind::Note => CompletionItemKind::FILE,
                        ItemKind::Alias => CompletionItemKind::REFERENCE,
                        ItemKind::Attachment => CompletionItemKind::FILE,
                        ItemKind::Heading => CompletionItemKind::MODULE,
                        ItemKind::Block => CompletionItemKind::REFERENCE,
                        ItemKind::Tag => CompletionItemKind::KEYWORD,
                        ItemKind::Property => CompletionItemKind::PROPERTY,
                        ItemKind::Value => CompletionItemKind::VALUE,
                    }),
                    detail: item.detail,
                    sort_text: Some(format!("{rank:05}")),
                    filter_text: Some(item.filter_text),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                        range: positions.range(item.replace),
                        new_text: item.new_text,
                    })),
                    data: item.file.map(
                        |f| json!({ "uri": at.text_document.uri.as_str(), "path": vault.path(f) }),
                    ),
                    ..CompletionItem::default()
                })
                .collect();
            Some(CompletionResponse::List(CompletionList {
                is_incomplete: result.is_incomplete || indexing,
                items,
            }))
        })
    }

    async fn completion_resolve(&self, mut item: CompletionItem) -> Result<CompletionItem> {
        let data = item.data.clone();
        let docs = self.answer("completionItem/resolve", |state| {
            let data = data.as_ref()?;
            let uri: Uri = data.get("uri")?.as_str()?.parse().ok()?;
            let path = data.get("path")?.as_str()?;
            let (id, _) = state.locate_uri(&uri)?;
            let vault = &state.workspace(id)?.vault;
            features::completion::documentation(vault, vault.id(path)?)
        })?;
        if let Some(value) = docs {
            item.documentation = Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }));
        }
        Ok(item)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        self.answer("definition", |state| {
            let (id, vault, file) = state.note_of(&at.text_document.uri)?;
            let note = vault.note(file)?;
            let offset = TextPositions::of(note, state.unit).offset(at.position);
            let target = features::definition::definition(vault, file, offset)?;
            Some(GotoDefinitionResponse::Scalar(state.location(id, target)?))
        })
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        self.answer("hover", |state| {
            let (_, vault, file) = state.note_of(&at.text_document.uri)?;
            let positions = TextPositions::of(vault.note(file)?, state.unit);
            let info = features::hover::hover(vault, file, positions.offset(at.position))?;
            Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: info.markdown,
                }),
                range: Some(positions.range(info.span)),
            })
        })
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.answer("prepareRename", |state| {
            let (_, vault, file) = state.note_of(&params.text_document.uri)?;
            let positions = TextPositions::of(vault.note(file)?, state.unit);
            let (_, span, placeholder) =
                features::rename::prepare(vault, file, positions.offset(params.position))?;
            Some(PrepareRenameResponse::RangeWithPlaceholder {
                range: positions.range(span),
                placeholder,
            })
        })
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        use features::rename::{RenameTarget, rename_heading, rename_note, rename_tag};
        let at = params.text_document_position;
        let state = self.read();
        // Plan under the lock, catching a panic as an internal error.
        let planned = catch_unwind(AssertUnwindSafe(|| {
            let (id, vault, file) = state.note_of(&at.text_document.uri)?;
            let offset = TextPositions::of(vault.note(file)?, state.unit).offset(at.position);
            let (target, _, _) = features::rename::prepare(vault, file, offset)?;
            let planned = match target {
                RenameTarget::Note(note) => rename_note(vault, note, &params.new_name)
                    .map(|r| (r.edits, Some((r.file, r.new_path)))),
                RenameTarget::Heading(note, index) => {
                    rename_heading(vault, note, index, &params.new_name).map(|e| (e, None))
                }
                RenameTarget::Tag(tag) => {
                    rename_tag(vault, &tag, &params.new_name).map(|e| (e, None))
                }
            };
            Some((id, planned))
        }))
        .map_err(|_| Error::internal_error())?;
        let Some((id, planned)) = planned else {
            return Err(Error::invalid_params(
                "nothing to rename here: put the cursor on a link, a heading or a tag",
            ));
        };
        let (edits, file_move) = planned.map_err(Error::invalid_params)?;
        if file_move.is_some() && !state.rename_files {
            return Err(Error::invalid_params(
                "this editor cannot rename files through the language server; rename the note in the file tree instead",
            ));
        }
        let mut operations: Vec<DocumentChangeOperation> = state
            .edits_by_file(id, edits)
            .into_iter()
            .map(|(uri, version, edits)| {
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                })
            })
            .collect();
        if let Some((file, new_path)) = file_move
            && let Some(w) = state.workspace(id)
            && let (Some(old_uri), Some(new_uri)) = (
                state.uri_of(id, w.vault.path(file)),
                path_to_uri(&w.root.join(&new_path)),
            )
        {
            operations.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                RenameFile {
                    old_uri,
                    new_uri,
                    options: None,
                    annotation_id: None,
                },
            )));
        }
        Ok(Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..WorkspaceEdit::default()
        }))
    }

    async fn will_rename_files(&self, params: RenameFilesParams) -> Result<Option<WorkspaceEdit>> {
        self.answer("willRenameFiles", |state| {
            let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
            for file in &params.files {
                let (Ok(old), Ok(new)) = (file.old_uri.parse::<Uri>(), file.new_uri.parse::<Uri>())
                else {
                    continue;
                };
                let (Some(old_path), Some(new_path)) = (uri_to_path(&old), uri_to_path(&new))
                else {
                    continue;
                };
                let (id, old_rel) = state.locate(&old_path);
                let (new_id, new_rel) = state.locate(&new_path);
                if id != new_id || id == VaultId::Loose || !is_note_path(&new_rel) {
                    continue;
                }
                let vault = &state.workspace(id)?.vault;
                let Some(note) = vault.id(&old_rel) else {
                    continue;
                };
                let edits = features::rename::rewrite_links(vault, note, &new_rel);
                for (uri, _, edits) in state.edits_by_file(id, edits) {
                    changes.entry(uri).or_default().extend(edits);
                }
            }
            Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            })
        })
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.answer("codeAction", |state| {
            let (id, vault, file) = state.note_of(&params.text_document.uri)?;
            let positions = TextPositions::of(vault.note(file)?, state.unit);
            let span = crate::syntax::Span::new(
                positions.offset(params.range.start),
                positions
                    .offset(params.range.end)
                    .max(positions.offset(params.range.start)),
            );
            let root = &state.workspace(id)?.root;
            let mut out: CodeActionResponse = Vec::new();
            let mut first_suggestion = true;
            let templates = state.workspace(id)?.config.templates.as_deref();
            for action in
                features::code_actions::code_actions_with_templates(vault, file, span, templates)
            {
                let diagnostics = params
                    .context
                    .diagnostics
                    .iter()
                    .filter(|d| {
                        let d_start = positions.offset(d.range.start) as u32;
                        let d_end = positions.offset(d.range.end) as u32;
                        d_start < action.link_span.end
                            && action.link_span.start < d_end.max(d_start + 1)
                    })
                    .cloned()
                    .collect::<Vec<_>>();
                let edit = if let Some((path, content)) = action.create {
                    if !state.create_files {
                        continue;
                    }
                    let Some(uri) = path_to_uri(&root.join(&path)) else {
                        continue;
                    };
                    WorkspaceEdit {
                        document_changes: Some(DocumentChanges::Operations(vec![
                            DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                                uri: uri.clone(),
                                options: Some(CreateFileOptions {
                                    overwrite: Some(false),
                                    ignore_if_exists: Some(true),
                                }),
                                annotation_id: None,
                            })),
                            DocumentChangeOperation::Edit(TextDocumentEdit {
                                text_document: OptionalVersionedTextDocumentIdentifier {
                                    uri,
                                    version: None,
                                },
                                edits: vec![OneOf::Left(TextEdit {
                                    range: Range::default(),
                                    new_text: content,
                                })],
                            }),
                        ])),
                        ..WorkspaceEdit::default()
                    }
                } else {
                    let changes = state
                        .edits_by_file(id, action.edits)
                        .into_iter()
                        .map(|(uri, _, edits)| (uri, edits))
                        .collect();
                    WorkspaceEdit {
                        changes: Some(changes),
                        ..WorkspaceEdit::default()
                    }
                };
                let is_suggestion = edit.changes.is_some();
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: action.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(diagnostics),
                    edit: Some(edit),
                    is_preferred: Some(is_suggestion && std::mem::take(&mut first_suggestion)),
                    ..CodeAction::default()
                }));
            }
            Some(out)
        })
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.answer("foldingRange", |state| {
            let (_, vault, file) = state.note_of(&params.text_document.uri)?;
            let folds = features::structure::folding_ranges(vault.note(file)?);
            Some(
                folds
                    .into_iter()
                    .map(|f| FoldingRange {
                        start_line: f.start_line,
                        end_line: f.end_line,
                        kind: Some(match f.kind {
                            features::structure::FoldKind::Frontmatter => FoldingRangeKind::Comment,
                            features::structure::FoldKind::Section
                            | features::structure::FoldKind::List => FoldingRangeKind::Region,
                        }),
                        ..FoldingRange::default()
                    })
                    .collect(),
            )
        })
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        self.answer("documentLink", |state| {
            let (id, vault, file) = state.note_of(&params.text_document.uri)?;
            let positions = TextPositions::of(vault.note(file)?, state.unit);
            Some(
                features::structure::document_links(vault, file)
                    .into_iter()
                    .filter_map(|(span, target)| {
                        Some(DocumentLink {
                            range: positions.range(span),
                            target: Some(state.uri_of(id, vault.path(target))?),
                            tooltip: Some(vault.path(target).to_string()),
                            data: None,
                        })
                    })
                    .collect(),
            )
        })
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = params.text_document.uri;
        self.answer("codeLens", |state| {
            let (_, vault, file) = state.note_of(&uri)?;
            let links = vault.backlinks(file).len();
            let notes = vault.linking_notes(file);
            let title = match links {
                0 => "no backlinks".to_string(),
                1 => "1 backlink".to_string(),
                n if notes == 1 => format!("{n} backlinks from 1 note"),
                n => format!("{n} backlinks from {notes} notes"),
            };
            Some(vec![CodeLens {
                range: Range::default(),
                command: Some(Command {
                    title,
                    command: "vaultls.showBacklinks".to_string(),
                    arguments: Some(vec![
                        json!(uri.as_str()),
                        json!({"line": 0, "character": 0}),
                    ]),
                }),
                data: None,
            }])
        })
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if params.command != UNLINKED_MENTIONS {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let Some(uri) = params
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .and_then(|s| s.parse::<Uri>().ok())
        else {
            return Err(Error::invalid_params(
                "expected the note's URI as the first argument",
            ));
        };
        self.answer(UNLINKED_MENTIONS, |state| {
            let (id, vault, file) = state.note_of(&uri)?;
            let found = features::mentions::unlinked_mentions(vault, file);
            serde_json::to_value(state.locations(id, found)).ok()
        })
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        use features::semantic::TokenKind;
        self.answer("semanticTokens", |state| {
            let (_, vault, file) = state.note_of(&params.text_document.uri)?;
            let positions = TextPositions::of(vault.note(file)?, state.unit);
            let mut data = Vec::new();
            let (mut line, mut col) = (0u32, 0u32);
            for (span, kind) in features::semantic::tokens(vault, file) {
                let start = positions.position(span.start as usize);
                let end = positions.position(span.end as usize);
                if start.line != end.line {
                    continue; // tokens cannot span lines
                }
                let (token_type, modifiers) = match kind {
                    TokenKind::Link => (0, 0),
                    TokenKind::BrokenLink => (0, 1),
                    TokenKind::Tag => (1, 0),
                    TokenKind::BlockId => (2, 0),
                };
                let delta_start = if start.line == line {
                    start.character - col
                } else {
                    start.character
                };
                data.push(SemanticToken {
                    delta_line: start.line - line,
                    delta_start,
                    length: end.character - start.character,
                    token_type,
                    token_modifiers_bitset: modifiers,
                });
                (line, col) = (start.line, start.character);
            }
            Some(SemanticTokensResult::Tokens(SemanticTokens {
                result_id: None,
                data,
            }))
        })
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.answer("documentSymbol", |state| {
            let (_, vault, file) = state.note_of(&params.text_document.uri)?;
            let note = vault.note(file)?;
            let positions = TextPositions::of(note, state.unit);
            let outline = features::symbols::outline(&note.syntax, &note.text);
            Some(DocumentSymbolResponse::Nested(
                outline
                    .iter()
                    .map(|o| to_document_symbol(&positions, o))
                    .collect(),
            ))
        })
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.answer("workspace/symbol", |state| {
            let mut found = Vec::new();
            let vaults = state
                .folders
                .iter()
                .enumerate()
                .filter_map(|(i, w)| Some((VaultId::Folder(i), w.as_ref()?)))
                .chain(std::iter::once((VaultId::Loose, &state.loose)));
            for (id, w) in vaults {
                for s in features::symbols::workspace_symbols(&w.vault, &params.query, 100) {
                    let heading = !s.span.is_empty();
                    let Some(location) = state.location(
                        id,
                        features::Location {
                            file: s.file,
                            span: s.span,
                        },
                    ) else {
                        continue;
                    };
                    #[allow(deprecated)]
                    found.push(SymbolInformation {
                        name: s.name,
                        kind: if heading {
                            SymbolKind::STRING
                        } else {
                            SymbolKind::FILE
                        },
                        tags: None,
                        deprecated: None,
                        location,
                        container_name: Some(s.detail),
                    });
                }
            }
            found.truncate(100);
            Some(WorkspaceSymbolResponse::Flat(found))
        })
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        let include_declaration = params.context.include_declaration;
        self.answer("references", |state| {
            let (id, vault, file) = state.note_of(&at.text_document.uri)?;
            let note = vault.note(file)?;
            let offset = TextPositions::of(note, state.unit).offset(at.position);
            let found = features::references::references(vault, file, offset, include_declaration);
            Some(state.locations(id, found))
        })
    }
}

impl Backend {
    /// Shows what was wrong with each folder's settings: diagnostics on `.vaultls.toml`, a
    /// message for the rest. The defaults apply in their place.
    async fn report_config_problems(&self) {
        let reports: Vec<(PathBuf, Vec<ConfigProblem>)> = self
            .read()
            .folders
            .iter()
            .flatten()
            .filter(|w| !w.config_problems.is_empty())
            .map(|w| (w.root.clone(), w.config_problems.clone()))
            .collect();
        for (root, problems) in reports {
            let (in_file, other): (Vec<_>, Vec<_>) = problems
                .into_iter()
                .partition(|p| p.source == crate::config::CONFIG_FILE);
            if let Some(uri) = path_to_uri(&root.join(crate::config::CONFIG_FILE))
                && !in_file.is_empty()
            {
                let diagnostics = in_file
                    .into_iter()
                    .map(|p| {
                        let (line, col) = p.position.unwrap_or((0, 0));
                        Diagnostic {
                            range: Range::new(
                                Position::new(line, col),
                                Position::new(line, col + 1),
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
        match self.client.register_capability(vec![registration]).await {
            Ok(()) => true,
            Err(err) => {
                log(
                    Level::Warn,
                    format!("client refused file watching ({err}); watching ourselves"),
                );
                false
            }
        }
    }
}

/// A note's text from disk for the store (lossy, size-limited; problems are logged); `None`
/// when no regular file is there (symlinks are not followed).
fn vault_read(root: &Path, path: &str) -> Option<String> {
    use crate::vault::load::{DiskEntry, disk_entry, read_note};
    if path.is_empty() || disk_entry(root, path) != DiskEntry::File {
        return None;
    }
    let (text, problem) = read_note(&root.join(path))?;
    if let Some(p) = problem {
        log(Level::Warn, format!("{path}: {p}"));
    }
    Some(text)
}
