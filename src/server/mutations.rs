//! The write path: the one task that applies every [`Mutation`], in arrival order. Disk
//! reads happen here too, off the lock, so a change is applied only after everything that
//! arrived before it.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc::UnboundedReceiver;
use tower_lsp_server::ls_types::*;

use super::Backend;
use super::convert::{apply_change, path_to_uri, uri_to_path};
use super::log::{Level, log};
use super::scheduler::Mutation;
use super::state::{
    Document, State, VaultId, Workspace, folder_config, folder_identity, normalize,
};
use super::watch;
use crate::config::Config;
use crate::vault::path::is_note_path;

/// Where a vault's own settings live; a change to them reloads the folder's settings.
const SETTINGS_FILES: [&str; 3] = [
    crate::config::CONFIG_FILE,
    ".obsidian/app.json",
    ".obsidian/daily-notes.json",
];

impl Backend {
    /// Applies mutations until the queue closes. Each runs as its own task, so a panic in one
    /// is logged and the next still runs.
    pub(super) async fn writer(self, mut queue: UnboundedReceiver<Mutation>) {
        while let Some(m) = queue.recv().await {
            let backend = self.clone();
            if tokio::spawn(async move { backend.apply(m).await })
                .await
                .is_err()
            {
                log(
                    Level::Error,
                    "applying a change failed (panic); still serving",
                );
            }
            self.core.mark_applied();
        }
    }

    async fn apply(&self, m: Mutation) {
        match m {
            Mutation::Open(p) => {
                let path = uri_to_path(&p.text_document.uri);
                self.core.write("didOpen", |s| open(s, p.text_document));
                if let Some(path) = path {
                    self.adopt_vault_of(&path).await;
                }
            }
            Mutation::Change(p) => {
                self.core.write("didChange", |s| change(s, p));
            }
            Mutation::Close(p) => self.close(p.text_document.uri).await,
            Mutation::Disk(paths) => self.disk_changed(paths).await,
            Mutation::Folders(p) => self.folders_changed(p.event).await,
            Mutation::Settings(value) => {
                // Clients send either our section or the whole settings object.
                let value = value.get("vaultls").cloned().unwrap_or(value);
                self.core.write("settings", |s| s.settings = value);
                let folders: Vec<usize> = (0..self.core.peek().folders.len()).collect();
                for folder in folders {
                    self.reload_settings(folder, false).await;
                }
            }
            Mutation::Loaded {
                folder,
                load,
                identity,
                root,
                vault,
                took,
            } => {
                self.loaded(folder, (load, identity), root, vault, took)
                    .await
            }
        }
    }

    async fn close(&self, uri: Uri) {
        let closed = self
            .core
            .write("didClose", |s| s.documents.remove(uri.as_str()))
            .flatten();
        if let Some(doc) = closed {
            let disk = self.disk_version(doc.vault, &doc.path).await;
            self.core.write("didClose", |s| {
                if let Some(w) = s.workspace_mut(doc.vault) {
                    restore(&mut w.vault, &doc.path, disk);
                }
            });
            // The file was read outside the lock: a change the watcher applied in between
            // (the note no longer open) was just overwritten by the older read. Read again,
            // as a change: what it finds is applied after the restore (the same text changes
            // nothing).
            if let Some(path) = uri_to_path(&doc.uri) {
                self.disk_changed(vec![path]).await;
            }
        }
        self.core
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uri.as_str());
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
    }

    /// What the disk holds for a note the editor lets go of (closed, or moved to another
    /// vault): its text and modification time, or `None` when no regular file is there, or
    /// the vault leaves it out (the loose vault, hidden and ignored folders).
    async fn disk_version(&self, vault: VaultId, path: &str) -> Option<watch::DiskText> {
        // What a fresh load would hold: nothing in a hidden or ignored folder, whatever the
        // disk has (an editor may open a note there; closing it must not bring it in).
        let root = self
            .core
            .peek()
            .workspace(vault)
            .filter(|w| vault != VaultId::Loose && !w.leaves_out(path))
            .map(|w| w.root.clone())?;
        let path = path.to_string();
        tokio::task::spawn_blocking(move || vault_read(&root, &path))
            .await
            .ok()
            .flatten()
    }

    /// Applies changes made on disk to the vaults. Files open in the editor keep the editor's
    /// text; a folder still loading re-reads them when its load ends.
    async fn disk_changed(&self, paths: Vec<PathBuf>) {
        let mut settings_changed = Vec::new();
        let mut roots_changed = Vec::new();
        let mut pending: Vec<(usize, String)> = Vec::new();
        let changes: Vec<Change> = {
            let state = self.core.peek();
            let mut changes = Vec::new();
            for p in paths {
                // Every folder holding the path: nested workspace folders share files.
                for (folder, rel) in state.locate_all(&p) {
                    let id = VaultId::Folder(folder);
                    let Some(w) = state.workspace(id) else {
                        continue;
                    };
                    if rel.is_empty() {
                        // The root itself: a reload only when it is gone or another folder
                        // (deleted and made again); its contents come as their own events.
                        if folder_identity(&w.root) == w.identity && w.identity.is_some() {
                            log(
                                Level::Debug,
                                format!("disk: the root {} is the same folder", p.display()),
                            );
                        } else {
                            log(
                                Level::Debug,
                                format!("disk: the root {} was replaced or removed", p.display()),
                            );
                            roots_changed.push(folder);
                        }
                    } else if SETTINGS_FILES.contains(&rel.as_str()) {
                        log(Level::Debug, format!("disk: {rel}: settings changed"));
                        settings_changed.push(folder);
                    } else if w.leaves_out(&rel) {
                        log(
                            Level::Debug,
                            format!("disk: {}: hidden or ignored", p.display()),
                        );
                    } else if !w.indexed {
                        log(
                            Level::Debug,
                            format!("disk: {rel}: read again once the load ends"),
                        );
                        pending.push((folder, rel));
                    } else {
                        changes.push((id, w.root.clone(), rel, w.config.clone()));
                    }
                }
            }
            changes
        };
        if !pending.is_empty() {
            self.core.write("disk change", |s| {
                for (folder, rel) in pending {
                    if let Some(w) = s.workspace_mut(VaultId::Folder(folder)) {
                        w.pending.push(rel);
                    }
                }
            });
        }
        if !changes.is_empty() {
            // A folder that appeared (made, moved in, renamed): our watcher names events by
            // the paths folders had when it started watching them, so after a rename it would
            // report changes under the old name. The root is watched again as the folder is
            // found, before it is read: a file made in between is in what is read.
            let backend = self.clone();
            let mut rewatched: Vec<VaultId> = Vec::new();
            let updates = read_changes(changes, move |id| {
                if let VaultId::Folder(folder) = id
                    && !rewatched.contains(&id)
                {
                    rewatched.push(id);
                    backend.rewatch(folder);
                }
            })
            .await;
            self.core
                .write("disk change", |s| apply_updates(s, updates));
        }
        roots_changed.sort_unstable();
        roots_changed.dedup();
        for &folder in &roots_changed {
            self.rewatch(folder);
            self.reload_settings(folder, true).await;
        }
        settings_changed.sort_unstable();
        settings_changed.dedup();
        for folder in settings_changed {
            if !roots_changed.contains(&folder) {
                self.reload_settings(folder, false).await;
            }
        }
    }

    /// Watches a folder again, when we watch files ourselves (a root made again is a new
    /// folder to the kernel; a folder renamed inside it keeps its old name in our watcher's
    /// events until then).
    fn rewatch(&self, folder: usize) {
        let Some(root) = self
            .core
            .peek()
            .workspace(VaultId::Folder(folder))
            .map(|w| std::fs::canonicalize(&w.root).unwrap_or_else(|_| w.canonical.clone()))
        else {
            return;
        };
        let mut watcher = self.core.watcher.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = watcher.as_mut()
            && root.is_dir()
            && let Err(err) = w.watch(&root)
        {
            log(
                Level::Warn,
                format!("cannot watch {}: {err}", root.display()),
            );
        }
    }

    async fn folders_changed(&self, event: WorkspaceFoldersChangeEvent) {
        for removed in &event.removed {
            if let Some(path) = uri_to_path(&removed.uri) {
                let given = normalize(&path);
                let named = std::fs::canonicalize(&given).unwrap_or_else(|_| given.clone());
                let root = vault_root_of(&given);
                let canonical = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
                self.core.write("workspace folders", |s| {
                    for slot in s.folders.iter_mut() {
                        let Some(w) = slot
                            .as_mut()
                            .filter(|w| w.root == root || w.canonical == canonical)
                        else {
                            continue;
                        };
                        // The vault stays while another folder the client named is in it.
                        let before = w.named.len();
                        w.named.retain(|n| *n != named && *n != given);
                        let unknown = w.named.len() == before;
                        if w.named.is_empty()
                            || unknown && (w.root == given || w.canonical == named)
                        {
                            *slot = None;
                        }
                    }
                });
            }
        }
        let uris: Vec<Uri> = event.added.iter().map(|f| f.uri.clone()).collect();
        self.add_and_load(&uris).await;
    }

    /// A file opened outside every workspace folder (single-file mode, or a note of another
    /// vault) whose folders up hold `.obsidian/`: that vault is served as a workspace folder,
    /// so its links resolve and its findings are right.
    async fn adopt_vault_of(&self, file: &Path) {
        if self.core.peek().locate(file).0 != VaultId::Loose {
            return;
        }
        let Some(root) = file.parent().and_then(crate::vault::load::find_vault_root) else {
            return;
        };
        log(
            Level::Info,
            format!(
                "{} is in the vault {}: serving it",
                file.display(),
                root.display()
            ),
        );
        if let Some(uri) = path_to_uri(&root) {
            self.add_and_load(&[uri]).await;
        }
    }

    /// Adds workspace folders, watches them and starts their loads; open documents move to
    /// the folder that now holds them.
    async fn add_and_load(&self, uris: &[Uri]) {
        let added: Vec<(usize, PathBuf)> = uris.iter().filter_map(|u| self.add_folder(u)).collect();
        // We watch the new folders when the client does not, or when we already watch (the
        // client refused or never answered the registration).
        let watching = self
            .core
            .watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some();
        if watching || !self.core.peek().caps.watch_registration {
            let folders: Vec<usize> = added.iter().map(|(i, _)| *i).collect();
            self.start_watching(&folders);
        }
        for (folder, root) in added {
            self.start_indexing(folder, root, 0);
        }
        self.relocate_documents().await;
    }

    /// After workspace folders changed: each open document moves to the vault that now holds
    /// its file (the deepest folder, else the loose vault). The vault it leaves gets the disk's
    /// version back (or loses the note, if it was never saved), as on close.
    async fn relocate_documents(&self) {
        let moves: Vec<(String, VaultId, String, PathBuf)> = {
            let s = self.core.peek();
            s.documents
                .values()
                .filter_map(|d| {
                    let path = uri_to_path(&d.uri)?;
                    let (vault, mut rel) = s.locate(&path);
                    if !is_note_path(&rel) {
                        rel.push_str(".md");
                    }
                    ((vault, &rel) != (d.vault, &d.path))
                        .then(|| (d.uri.as_str().to_string(), vault, rel, path))
                })
                .collect()
        };
        for (uri, vault, rel, abs) in moves {
            let Some((old_vault, old_path)) = self
                .core
                .peek()
                .documents
                .get(&uri)
                .map(|d| (d.vault, d.path.clone()))
            else {
                continue;
            };
            let disk = self.disk_version(old_vault, &old_path).await;
            self.core.write("workspace folders", |s| {
                let Some(doc) = s.documents.get_mut(&uri) else {
                    return;
                };
                let text = doc.text.clone();
                doc.vault = vault;
                doc.path = rel.clone();
                log(
                    Level::Debug,
                    format!("{uri}: now {rel} of {vault:?} (was {old_path} of {old_vault:?})"),
                );
                if let Some(w) = s.workspace_mut(old_vault) {
                    restore(&mut w.vault, &old_path, disk);
                }
                if let Some(w) = s.workspace_mut(vault) {
                    w.vault.update_note(&rel, text);
                }
            });
            // As on close: the old vault's copy was read outside the lock; a change made
            // since is read again, after the restore.
            self.disk_changed(vec![abs]).await;
        }
    }

    /// Adds a workspace folder (not loaded yet): its index and canonical root, or `None` when
    /// it is not a local folder or is already there.
    pub(super) fn add_folder(&self, uri: &Uri) -> Option<(usize, PathBuf)> {
        let path = uri_to_path(uri)?;
        let given = normalize(&path);
        let named = std::fs::canonicalize(&given).unwrap_or_else(|_| given.clone());
        // Kept as the client named it (a symlinked root stays one: see `Workspace::root`).
        let root = vault_root_of(&given);
        let client = self.core.peek().client_settings();
        let (config, problems) = folder_config(&root, &client);
        let mut workspace = Workspace::new(root.clone(), config, problems);
        workspace.named.push(named.clone());
        self.core
            .write("workspace folders", |s| {
                if let Some(w) = s
                    .folders
                    .iter_mut()
                    .flatten()
                    .find(|w| w.canonical == workspace.canonical)
                {
                    if !w.named.contains(&named) {
                        w.named.push(named);
                    }
                    return None;
                }
                s.folders.push(Some(workspace));
                Some((s.folders.len() - 1, root))
            })
            .flatten()
    }

    /// Reads a folder's settings again (its files changed, or the client's settings did);
    /// a changed `ignore` list, or `reload`, loads the folder again.
    async fn reload_settings(&self, folder: usize, reload: bool) {
        let Some(root) = self
            .core
            .peek()
            .workspace(VaultId::Folder(folder))
            .map(|w| w.root.clone())
        else {
            return;
        };
        let client = self.core.peek().client_settings();
        let (config, problems) = folder_config(&root, &client);
        let reload = self
            .core
            .write("settings", |s| {
                let w = s.workspace_mut(VaultId::Folder(folder))?;
                let reload = reload || w.config.ignore != config.ignore;
                w.config = config;
                w.config_problems = problems;
                reload.then(|| {
                    w.indexed = false;
                    w.pending.clear();
                    w.load += 1;
                    w.load
                })
            })
            .flatten();
        log(
            Level::Info,
            format!("settings of {} reloaded", root.display()),
        );
        self.report_config_problems(Some(folder)).await;
        if let Some(load) = reload {
            self.start_indexing(folder, root, load);
        }
    }

    /// Installs a finished load: changes seen on disk while it ran are read again, and open
    /// documents keep their editor text.
    /// `load` is the load's number and the root folder's identity when it started.
    async fn loaded(
        &self,
        folder: usize,
        (load, identity): (u64, Option<super::state::FolderIdentity>),
        root: PathBuf,
        vault: Result<Box<crate::vault::Vault>, String>,
        took: std::time::Duration,
    ) {
        let id = VaultId::Folder(folder);
        // A load started before the settings last changed, or for a folder since replaced,
        // is dropped: the current load is on its way.
        let current = |s: &State| {
            s.workspace(id)
                .is_some_and(|w| w.root == root && w.load == load && !w.indexed)
        };
        let mut vault = match vault {
            Ok(vault) => vault,
            Err(message) => {
                // An unreadable root holds nothing but the open documents, as in a fresh
                // server.
                self.core.write("load", |s| {
                    if !current(s) {
                        return;
                    }
                    let mut vault = crate::vault::Vault::new(&root);
                    for doc in s.documents.values().filter(|d| d.vault == id) {
                        vault.update_note(&doc.path, doc.text.clone());
                    }
                    if let Some(w) = s.workspace_mut(id) {
                        w.vault = vault;
                        w.indexed = true;
                        w.identity = identity;
                    }
                });
                self.client
                    .show_message(MessageType::ERROR, format!("vaultls: {message}"))
                    .await;
                return;
            }
        };
        if !current(&self.core.peek()) {
            return; // the folder went, or its settings changed: another load is on its way
        }
        for issue in vault.issues() {
            log(Level::Warn, format!("{}: {}", issue.path, issue.message));
        }
        // Folders renamed while the load ran keep their old names in our watcher's events:
        // watch again before the changes seen meanwhile are read.
        self.rewatch(folder);
        let pending = self
            .core
            .write("load", |s| {
                s.workspace_mut(id).map(|w| std::mem::take(&mut w.pending))
            })
            .flatten()
            .unwrap_or_default();
        let config = self
            .core
            .peek()
            .workspace(id)
            .map(|w| w.config.clone())
            .unwrap_or_default();
        let mut pending: Vec<Change> = pending
            .into_iter()
            .map(|rel| (id, root.clone(), rel, config.clone()))
            .collect();
        pending.sort_by(|a, b| a.2.cmp(&b.2));
        pending.dedup_by(|a, b| a.2 == b.2);
        // Watched again above already.
        let updates = read_changes(pending, |_| {}).await;
        let notes = vault.notes().count();
        // The editor's texts, then what changed on disk meanwhile (open notes keep the
        // editor's text, and take the disk's modification time: a note the load did not find
        // is the editor's by then); outside the lock (the new vault is ours alone, and only
        // this task changes the open documents).
        let (open, docs) = {
            let s = self.core.peek();
            let docs: Vec<(String, String)> = s
                .documents
                .values()
                .filter(|d| d.vault == id)
                .map(|d| (d.path.clone(), d.text.clone()))
                .collect();
            (open_paths(&s, id), docs)
        };
        for (path, text) in docs {
            vault.update_note(&path, text);
        }
        for update in updates {
            update.apply_to(&mut vault, &|p| open.contains(p));
        }
        let installed = self
            .core
            .write("load", |s| {
                // Checked again: the settings may have changed while the changes above were
                // read, and the load they started (it clears the pending changes, as it
                // reads every file) must not be dropped for this one.
                if !current(s) {
                    return None;
                }
                let w = s.workspace_mut(id)?;
                w.indexed = true;
                w.identity = identity;
                // Changes seen while the ones taken above were read: the vault is indexed
                // now, so they are read as any change is, after it is installed.
                let late: Vec<PathBuf> = std::mem::take(&mut w.pending)
                    .into_iter()
                    .map(|rel| w.root.join(rel))
                    .collect();
                Some((std::mem::replace(&mut w.vault, *vault), late))
            })
            .flatten();
        let Some((old, late)) = installed else {
            log(
                Level::Debug,
                format!(
                    "{}: load dropped, a newer one is on its way",
                    root.display()
                ),
            );
            return;
        };
        // Freeing the previous vault (a reload's) takes a while at 50k notes: not under the
        // lock.
        drop(old);
        if !late.is_empty() {
            log(
                Level::Debug,
                format!(
                    "{}: {} changes seen at the load's end",
                    root.display(),
                    late.len()
                ),
            );
            self.disk_changed(late).await;
        }
        log(
            Level::Info,
            format!(
                "{}: {notes} notes indexed in {} ms",
                root.display(),
                took.as_millis()
            ),
        );
    }
}

/// Opens a document: it joins the vault of the deepest folder holding it (or the loose one).
fn open(s: &mut State, doc: TextDocumentItem) {
    let (vault, mut path) = match uri_to_path(&doc.uri) {
        Some(p) => s.locate(&p),
        // Unsaved buffers and other schemes: a note of the loose vault.
        None => (
            VaultId::Loose,
            format!("untitled/{}", doc.uri.as_str().replace(['/', ':'], "_")),
        ),
    };
    if !is_note_path(&path) {
        path.push_str(".md");
    }
    if let Some(w) = s.workspace_mut(vault) {
        w.vault.update_note(&path, doc.text.clone());
    }
    s.documents.insert(
        doc.uri.as_str().to_string(),
        Document {
            uri: doc.uri,
            text: doc.text,
            version: doc.version,
            vault,
            path,
        },
    );
}

/// Applies an edit to an open document and re-indexes its note.
fn change(s: &mut State, p: DidChangeTextDocumentParams) {
    let unit = s.unit();
    let uri = p.text_document.uri;
    let Some(doc) = s.documents.get_mut(uri.as_str()) else {
        log(
            Level::Warn,
            format!(
                "didChange for a document that is not open: {}",
                uri.as_str()
            ),
        );
        return;
    };
    if p.text_document.version <= doc.version {
        log(
            Level::Warn,
            format!(
                "didChange version {} after {} for {}; applied anyway",
                p.text_document.version,
                doc.version,
                uri.as_str()
            ),
        );
    }
    for change in p.content_changes {
        match change.range {
            Some(range) => apply_change(&mut doc.text, range, &change.text, unit),
            None => doc.text = change.text,
        }
    }
    doc.version = p.text_document.version;
    let (vault, path, text) = (doc.vault, doc.path.clone(), doc.text.clone());
    if let Some(w) = s.workspace_mut(vault) {
        w.vault.update_note(&path, text);
    }
}

/// A path changed on disk: its vault, the vault's root, its vault path, and the vault's
/// settings (their ignored folders).
type Change = (VaultId, PathBuf, String, Config);

/// What is on disk now at each changed path, read on the blocking pool; `found_folder` is
/// told, on that thread, each time a path is a folder, before the folder is read.
async fn read_changes(
    changes: Vec<Change>,
    mut found_folder: impl FnMut(VaultId) + Send + 'static,
) -> Vec<watch::Update> {
    tokio::task::spawn_blocking(move || {
        changes
            .into_iter()
            .map(|(id, root, rel, config)| {
                watch::read_change(id, &root, &rel, &|path| config.ignores(path), &mut || {
                    found_folder(id)
                })
            })
            .collect()
    })
    .await
    .unwrap_or_default()
}

/// The vault paths of the documents open in vault `id`.
fn open_paths(s: &State, id: VaultId) -> std::collections::HashSet<String> {
    s.documents
        .values()
        .filter(|d| d.vault == id)
        .map(|d| d.path.clone())
        .collect()
}

/// Applies what was read from disk; open documents keep the editor's text.
fn apply_updates(s: &mut State, updates: Vec<watch::Update>) {
    // The open documents of each vault, gathered once per batch (a `git pull` is thousands
    // of updates).
    let mut open: Vec<(VaultId, std::collections::HashSet<String>)> = Vec::new();
    for update in updates {
        let id = update.vault;
        if !open.iter().any(|(v, _)| *v == id) {
            open.push((id, open_paths(s, id)));
        }
        let Some((_, paths)) = open.iter().find(|(v, _)| *v == id) else {
            continue;
        };
        if let Some(w) = s.workspace_mut(id) {
            update.apply_to(&mut w.vault, &|p| paths.contains(p));
        }
    }
}

/// Gives a vault the disk's version of a note the editor held (or drops the note, if it was
/// never saved).
fn restore(vault: &mut crate::vault::Vault, path: &str, disk: Option<watch::DiskText>) {
    match disk {
        Some((text, modified)) => {
            // The disk's: held as a fresh load holds it.
            vault.upsert_file(path, Some(text));
            vault.set_modified(path, modified);
        }
        None => {
            vault.remove_file(path);
        }
    }
}

/// A note's text and modification time from disk for the store (lossy, size-limited;
/// problems are logged); `None` when no regular file is there (symlinks are not followed).
fn vault_read(root: &Path, path: &str) -> Option<watch::DiskText> {
    use crate::vault::load::{DiskEntry, disk_entry, read_note};
    if path.is_empty() || disk_entry(root, path) != DiskEntry::File {
        return None;
    }
    let read = read_note(&root.join(path))?;
    if let Some(p) = read.problem {
        log(Level::Warn, format!("{path}: {p}"));
    }
    Some((read.text, read.modified))
}

/// The vault a workspace folder the client names belongs to: the folder itself, or the
/// nearest folder above it holding `.obsidian/` ([`crate::vault::load::find_vault_root`]).
fn vault_root_of(folder: &Path) -> PathBuf {
    match crate::vault::load::find_vault_root(folder) {
        Some(root) if root != folder => {
            log(
                Level::Info,
                format!(
                    "{} is inside the vault {}: serving the vault",
                    folder.display(),
                    root.display()
                ),
            );
            root
        }
        _ => folder.to_path_buf(),
    }
}
