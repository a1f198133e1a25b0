//! Our own file watcher, for clients that cannot watch files for us, and reading what
//! changed on disk.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher as _};

use super::state::VaultId;
use crate::vault::Vault;
use crate::vault::load::{DiskEntry, disk_entry, read_note, walk};
use crate::vault::path::is_note_path;

/// How long a burst of events (a `git pull`) is collected before it is applied.
const BATCH: Duration = Duration::from_millis(30);

pub struct Watcher {
    inner: notify::RecommendedWatcher,
}

impl Watcher {
    /// Starts watching nothing yet; `on_change` gets batches of changed paths.
    pub fn start<F, Fut>(on_change: F) -> notify::Result<Watcher>
    where
        F: Fn(Vec<PathBuf>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
        let inner = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && !matches!(event.kind, EventKind::Access(_))
            {
                for path in event.paths {
                    let _ = tx.send(path);
                }
            }
        })?;
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                tokio::time::sleep(BATCH).await;
                let mut paths = vec![first];
                while let Ok(p) = rx.try_recv() {
                    paths.push(p);
                }
                paths.sort();
                paths.dedup();
                on_change(paths).await;
            }
        });
        Ok(Watcher { inner })
    }

    pub fn watch(&mut self, root: &Path) -> notify::Result<()> {
        self.inner.watch(root, RecursiveMode::Recursive)
    }
}

/// Whether a vault path lies in a dot-folder or is a dot-file (`.obsidian/`, `.git/`).
pub fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.'))
}

/// A change to apply to a vault.
pub enum Update {
    /// A file exists with this content (`None` for attachments).
    Write {
        vault: VaultId,
        path: String,
        text: Option<String>,
    },
    /// Nothing exists at this path any more (a file, or a folder and all under it).
    Remove { vault: VaultId, path: String },
}

impl Update {
    pub fn vault(&self) -> VaultId {
        match self {
            Update::Write { vault, .. } | Update::Remove { vault, .. } => *vault,
        }
    }

    pub fn path(&self) -> &str {
        match self {
            Update::Write { path, .. } | Update::Remove { path, .. } => path,
        }
    }

    /// Applies the change to `vault` (the caller has checked the file is not open).
    pub fn apply_to(self, vault: &mut Vault) {
        match self {
            Update::Write { path, text, .. } => vault.upsert_file(&path, text),
            Update::Remove { path, .. } => {
                if !vault.remove_file(&path) {
                    // A removed folder: everything under it.
                    let prefix = format!("{path}/");
                    let under: Vec<String> = vault
                        .files()
                        .filter(|(_, f)| f.path.starts_with(&prefix))
                        .map(|(_, f)| f.path.clone())
                        .collect();
                    for p in under {
                        vault.remove_file(&p);
                    }
                }
            }
        }
    }
}

/// What is at vault path `rel` of the vault at `root` now: a file, a folder's files, or
/// nothing. Symlinks, FIFOs and devices count as nothing ([`disk_entry`]).
pub fn read_change(vault: VaultId, root: &Path, rel: &str) -> Vec<Update> {
    let remove = || Update::Remove {
        vault,
        path: rel.to_string(),
    };
    let read = |path: String, abs: &Path| {
        if !is_note_path(&path) {
            return Some(Update::Write {
                vault,
                path,
                text: None,
            });
        }
        let (text, _) = read_note(abs)?;
        Some(Update::Write {
            vault,
            path,
            text: Some(text),
        })
    };
    let abs = root.join(rel);
    match disk_entry(root, rel) {
        DiskEntry::Folder => {
            let Ok((files, _)) = walk(&abs) else {
                return Vec::new();
            };
            files
                .into_iter()
                .map(|(sub, sub_abs)| (format!("{rel}/{sub}"), sub_abs))
                .filter(|(path, _)| !is_hidden(path))
                .filter_map(|(path, sub_abs)| read(path, &sub_abs))
                .collect()
        }
        DiskEntry::File => vec![read(rel.to_string(), &abs).unwrap_or_else(remove)],
        DiskEntry::Nothing => vec![remove()],
    }
}
