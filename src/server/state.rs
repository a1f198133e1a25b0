//! The server's mutable model: one vault per workspace folder (plus one for files outside
//! every folder), the open documents, and what the client can do. Only the scheduler's write
//! path changes it ([`super::scheduler`]); reads see it through a [`Snapshot`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::Uri;

use super::convert::{path_to_uri, uri_to_path};
use crate::config::{Config, ConfigProblem};
use crate::features::Cancel;
use crate::syntax::ColumnUnit;
use crate::vault::{FileId, Vault};

/// Which vault a document belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VaultId {
    /// A workspace folder (index into `State::folders`).
    Folder(usize),
    /// Files outside every workspace folder: open documents only.
    Loose,
}

pub struct Workspace {
    /// The folder as the client named it: file URIs are made from it, so answers name files
    /// the way the editor opened them (through a symlinked root too).
    pub root: PathBuf,
    /// The same folder with symlinks resolved: documents and events may come by either path.
    pub canonical: PathBuf,
    pub vault: Vault,
    /// `.obsidian/app.json`, `.obsidian/daily-notes.json`, `.vaultls.toml` and the client's
    /// settings.
    pub config: Config,
    /// What was wrong with them, reported once the client is initialized.
    pub config_problems: Vec<ConfigProblem>,
    /// Whether the folder's current load has finished. Until then the vault holds the open
    /// documents (and, during a reload, the previous load): findings are not published,
    /// whole-vault requests wait, and disk events wait in `pending`.
    pub indexed: bool,
    /// Vault paths changed on disk while the load ran, re-read once it has finished (the load
    /// may have read them before the change).
    pub pending: Vec<String>,
    /// Which load of the folder is current: a load started before the settings changed (or
    /// the folder was replaced) finishes into nothing.
    pub load: u64,
    /// The root folder's identity when its load started: an event naming the root reloads
    /// the vault only when the folder there is another one (deleted and made again) or gone.
    pub identity: Option<FolderIdentity>,
    /// Whether the folder's first load has started: the client's `initialized` and a note
    /// opened in a vault found above it may both ask for it.
    pub first_load_started: bool,
    /// The workspace folders the client named that this vault serves (several when they lie
    /// in one vault, `People/` and `Projects/`), with symlinks resolved: it goes when the last
    /// of them does.
    pub named: Vec<PathBuf>,
}

/// What tells one folder from another made at the same path: device, inode and creation
/// time (inodes are reused at once after a delete; the creation time is not, where the file
/// system records it).
pub type FolderIdentity = (u64, u64, Option<std::time::SystemTime>);

/// The identity of the folder at `path`, symlinks followed; `None` when there is none.
pub fn folder_identity(path: &Path) -> Option<FolderIdentity> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    // Elsewhere std has no stable file id: the creation time alone tells folders apart.
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    meta.is_dir().then(|| (dev, ino, meta.created().ok()))
}

impl Workspace {
    /// Whether a fresh load leaves the vault path `path` out: hidden (a dot-folder or
    /// dot-file) or in a folder the settings ignore.
    pub fn leaves_out(&self, path: &str) -> bool {
        super::watch::is_hidden(path) || self.config.ignores(path)
    }

    pub fn new(root: PathBuf, config: Config, config_problems: Vec<ConfigProblem>) -> Workspace {
        let canonical = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
        Workspace {
            vault: Vault::new(&root),
            canonical,
            root,
            config,
            config_problems,
            indexed: false,
            pending: Vec::new(),
            load: 0,
            identity: None,
            first_load_started: false,
            named: Vec::new(),
        }
    }
}

pub struct Document {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
    pub vault: VaultId,
    /// The document's path in its vault.
    pub path: String,
}

/// What the client said it can do, at `initialize`.
#[derive(Clone, Copy, Debug)]
pub struct ClientCaps {
    pub unit: ColumnUnit,
    pub work_done_progress: bool,
    pub watch_registration: bool,
    /// Whether the client takes `documentChanges` in workspace edits.
    pub document_changes: bool,
    /// Whether the client applies file renames in workspace edits.
    pub rename_files: bool,
    /// Whether the client applies file creations in workspace edits.
    pub create_files: bool,
    /// Whether the client pulls diagnostics (LSP 3.17) and takes `workspace/diagnostic/refresh`:
    /// then findings are pulled, for every note of the vault, and not pushed.
    pub pull_diagnostics: bool,
}

impl Default for ClientCaps {
    fn default() -> ClientCaps {
        ClientCaps {
            unit: ColumnUnit::Utf16,
            work_done_progress: false,
            watch_registration: false,
            document_changes: false,
            rename_files: false,
            create_files: false,
            pull_diagnostics: false,
        }
    }
}

pub struct State {
    pub caps: ClientCaps,
    /// Workspace folders; `None` for folders removed from the workspace.
    pub folders: Vec<Option<Workspace>>,
    pub loose: Workspace,
    pub documents: HashMap<String, Document>,
    /// The client's `initializationOptions` (settings that apply to every folder).
    pub init_options: serde_json::Value,
    /// The client's settings from `workspace/didChangeConfiguration`, applied after them.
    pub settings: serde_json::Value,
}

impl Default for State {
    fn default() -> State {
        let mut loose = Workspace::new(PathBuf::from("/"), Config::default(), Vec::new());
        loose.indexed = true;
        State {
            caps: ClientCaps::default(),
            folders: Vec::new(),
            loose,
            documents: HashMap::new(),
            init_options: serde_json::Value::Null,
            settings: serde_json::Value::Null,
        }
    }
}

/// What a read request sees: the state, and whether its answer is still wanted.
pub struct Snapshot<'a> {
    pub state: &'a State,
    pub cancel: Cancel<'a>,
}

impl std::ops::Deref for Snapshot<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        self.state
    }
}

impl State {
    pub fn unit(&self) -> ColumnUnit {
        self.caps.unit
    }

    pub fn workspace(&self, id: VaultId) -> Option<&Workspace> {
        match id {
            VaultId::Folder(i) => self.folders.get(i)?.as_ref(),
            VaultId::Loose => Some(&self.loose),
        }
    }

    pub fn workspace_mut(&mut self, id: VaultId) -> Option<&mut Workspace> {
        match id {
            VaultId::Folder(i) => self.folders.get_mut(i)?.as_mut(),
            VaultId::Loose => Some(&mut self.loose),
        }
    }

    /// Every live vault with its id: the folders, then the loose one.
    pub fn workspaces(&self) -> impl Iterator<Item = (VaultId, &Workspace)> {
        self.folders
            .iter()
            .enumerate()
            .filter_map(|(i, w)| Some((VaultId::Folder(i), w.as_ref()?)))
            .chain(std::iter::once((VaultId::Loose, &self.loose)))
    }

    /// The vault and vault path of a local file: the deepest workspace folder containing it,
    /// else the loose vault.
    pub fn locate(&self, path: &Path) -> (VaultId, String) {
        match self
            .folders_holding(path)
            .max_by_key(|&(_, depth, _)| depth)
        {
            Some((i, _, rel)) => (VaultId::Folder(i), rel),
            None => (
                VaultId::Loose,
                vault_path(normalize(path).strip_prefix("/").ok()),
            ),
        }
    }

    /// Each workspace folder holding `path` (by either of its paths, the deeper if both),
    /// with its depth and the path in it.
    fn folders_holding<'a>(
        &'a self,
        path: &Path,
    ) -> impl Iterator<Item = (usize, usize, String)> + 'a {
        // `/vault/../etc/passwd` is not in the vault: resolve `.` and `..` first.
        let path = normalize(path);
        self.folders
            .iter()
            .enumerate()
            .filter_map(|(i, w)| Some((i, w.as_ref()?)))
            .filter_map(move |(i, w)| {
                let root = [&w.root, &w.canonical]
                    .into_iter()
                    .filter(|root| path.starts_with(root))
                    .max_by_key(|root| root.components().count())?;
                let rel = vault_path(path.strip_prefix(root).ok());
                Some((i, root.components().count(), rel))
            })
    }

    /// Every workspace folder holding a local file, with its path there: a file of a folder
    /// opened inside another folder is in both vaults (each loads all its files), while an
    /// open document belongs to the deepest ([`State::locate`]).
    pub fn locate_all(&self, path: &Path) -> Vec<(usize, String)> {
        self.folders_holding(path)
            .map(|(i, _, rel)| (i, rel))
            .collect()
    }

    /// Where a URI lives: an open document, else a file of a vault.
    pub fn locate_uri(&self, uri: &Uri) -> Option<(VaultId, String)> {
        if let Some(doc) = self.documents.get(uri.as_str()) {
            return Some((doc.vault, doc.path.clone()));
        }
        uri_to_path(uri).map(|p| self.locate(&p))
    }

    /// The vault and note a request is about.
    pub fn note_of(&self, uri: &Uri) -> Option<(VaultId, &Vault, FileId)> {
        let (id, path) = self.locate_uri(uri)?;
        let vault = &self.workspace(id)?.vault;
        let file = vault.id(&path)?;
        vault.note(file)?;
        Some((id, vault, file))
    }

    /// The URI of a vault file: the open document's own URI when it is open.
    pub fn uri_of(&self, id: VaultId, path: &str) -> Option<Uri> {
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

    /// The client's settings, to apply over a folder's files ([`folder_config`]).
    pub fn client_settings(&self) -> [(&'static str, serde_json::Value); 2] {
        [
            ("initializationOptions", self.init_options.clone()),
            ("workspace/didChangeConfiguration", self.settings.clone()),
        ]
    }
}

/// A folder's settings: its files, then the client's settings over them. Reads the files:
/// called with no lock held.
pub fn folder_config(
    root: &Path,
    client: &[(&'static str, serde_json::Value)],
) -> (Config, Vec<ConfigProblem>) {
    let (mut config, mut problems) = Config::load(root);
    for (source, value) in client {
        problems.extend(
            config
                .apply_json(value)
                .into_iter()
                .map(|message| ConfigProblem {
                    source: source.to_string(),
                    at: None,
                    message,
                }),
        );
    }
    (config, problems)
}

/// `path` with `.` parts dropped and each `..` taking away the part before it (lexically; the
/// file system is not asked).
pub fn normalize(path: &Path) -> PathBuf {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(root: &str) -> Option<Workspace> {
        Some(Workspace::new(
            PathBuf::from(root),
            Config::default(),
            Vec::new(),
        ))
    }

    #[test]
    fn files_belong_to_the_deepest_folder() {
        let state = State {
            folders: vec![folder("/v"), folder("/v/sub"), None],
            ..State::default()
        };
        assert_eq!(
            state.locate(Path::new("/v/sub/a/B.md")),
            (VaultId::Folder(1), "a/B.md".to_string())
        );
        assert_eq!(
            state.locate(Path::new("/v/x.md")),
            (VaultId::Folder(0), "x.md".to_string())
        );
        // `..` is resolved before the folder is chosen.
        assert_eq!(
            state.locate(Path::new("/v/../etc/passwd")),
            (VaultId::Loose, "etc/passwd".to_string())
        );
        assert_eq!(state.workspaces().count(), 3);
    }
}
