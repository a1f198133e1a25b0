//! Our own file watcher, for clients that cannot watch files for us, and reading what
//! changed on disk.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher as _};

use super::log::{Level, log};
use super::state::VaultId;
use crate::vault::Vault;
use crate::vault::load::{DiskEntry, disk_entry, read_note, walk};
use crate::vault::path::is_note_path;

/// How long a burst of events (a `git pull`) is collected before it is applied.
const BATCH: Duration = Duration::from_millis(30);

pub struct Watcher {
    inner: notify::RecommendedWatcher,
    /// The roots watched with everything under them, as given to [`Watcher::watch`].
    roots: Vec<PathBuf>,
}

impl Watcher {
    /// Starts watching nothing yet; `on_change` gets batches of changed paths.
    pub fn start<F, Fut>(on_change: F) -> notify::Result<Watcher>
    where
        F: Fn(Vec<PathBuf>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
        // Symlinks are never followed: a link to `/usr` in a vault would watch all of it.
        let config = notify::Config::default().with_follow_symlinks(false);
        let handler = move |event: notify::Result<notify::Event>| match event {
            Ok(event) if !matches!(event.kind, EventKind::Access(_)) => {
                for path in event.paths {
                    let _ = tx.send(path);
                }
            }
            Ok(_) => {}
            Err(err) => log(Level::Warn, format!("file watcher: {err}")),
        };
        let inner = notify::RecommendedWatcher::new(handler, config)?;
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
        Ok(Watcher {
            inner,
            roots: Vec::new(),
        })
    }

    /// Watches a vault root and everything under it, and its parent folder (not recursively),
    /// so a root deleted and made again (a re-clone) is seen and can be watched again.
    ///
    /// Watching a root again (a folder appeared, a load ended, the root was made again) adds
    /// to the watches in place (on Linux; see below): every folder under it is watched under the name it has now
    /// (a folder renamed is reported under its new name from then on) and a new root folder
    /// gets its own watch. Nothing is unwatched first: the kernel keeps one watch per folder,
    /// shared by every root holding it, and a file made between an unwatch and the watch
    /// after it was never reported, to the nested folder or the root around it (the
    /// consistency test lost a note so, once in about 50 runs). A root inside a root watched
    /// already is watched already. The parent is watched alone only when no watched root
    /// holds it: watching a folder alone also tells the watcher not to watch the folders
    /// made in it, and a root's new folders must be.
    pub fn watch(&mut self, root: &Path) -> notify::Result<()> {
        let held = |folder: &Path| self.roots.iter().any(|r| folder.starts_with(r));
        if self.roots.iter().any(|r| root.starts_with(r) && r != root) {
            return Ok(());
        }
        if let Some(parent) = root.parent()
            && !held(parent)
            && let Err(err) = self.inner.watch(parent, RecursiveMode::NonRecursive)
        {
            log(
                Level::Debug,
                format!("cannot watch {}: {err}", parent.display()),
            );
        }
        // inotify (Linux) keeps a watch per folder, and watching again updates them in place
        // as said above. The other platforms' watchers watch a root whole, by its path, and
        // a second watch of one path is a second stream there (macOS) or replaces the first:
        // the old root goes first.
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let _ = self.inner.unwatch(root);
        // Only a root watched whole holds the folders under it: one watched folder by folder
        // (a subfolder could not be read) does not watch the folders made in them.
        if self.watch_tree(root, 0)? && !self.roots.iter().any(|r| r == root) {
            self.roots.push(root.to_path_buf());
        }
        Ok(())
    }

    /// Watches `folder` recursively; if that fails (a subfolder that cannot be read stops
    /// notify's recursive watch part way), watches `folder` alone and each of its subfolders
    /// the same way, so one unreadable folder leaves only itself unwatched. (Folders created
    /// later inside a folder watched alone are not watched; such folders are rare.) Whether
    /// it was watched whole.
    fn watch_tree(&mut self, folder: &Path, depth: usize) -> notify::Result<bool> {
        let Err(err) = self.inner.watch(folder, RecursiveMode::Recursive) else {
            return Ok(true);
        };
        let _ = self.inner.unwatch(folder);
        if depth > 64 {
            return Err(err);
        }
        log(
            Level::Warn,
            format!(
                "cannot watch all of {} ({err}); watching its folders one by one",
                folder.display()
            ),
        );
        self.inner.watch(folder, RecursiveMode::NonRecursive)?;
        let Ok(entries) = std::fs::read_dir(folder) else {
            return Ok(false);
        };
        for entry in entries.flatten() {
            // `file_type` does not follow symlinks: a link to a folder is not watched.
            let is_folder = entry.file_type().is_ok_and(|t| t.is_dir());
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if is_folder
                && !hidden
                && let Err(err) = self.watch_tree(&entry.path(), depth + 1)
            {
                log(
                    Level::Warn,
                    format!(
                        "cannot watch {}: {err}; changes in it are not seen",
                        entry.path().display()
                    ),
                );
            }
        }
        Ok(false)
    }
}

/// Whether a vault path lies in a dot-folder or is a dot-file (`.obsidian/`, `.git/`).
pub fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.'))
}

/// What is at a vault path now, read from disk, to apply to a vault.
pub struct Update {
    pub vault: VaultId,
    /// The vault path an event named.
    pub path: String,
    pub now: Now,
}

/// A note's text and modification time as read from disk ([`read_note`]).
pub type DiskText = (String, Option<u64>);

/// What a path holds on disk now.
pub enum Now {
    /// A file; its text for notes, `None` for attachments.
    File(Option<DiskText>),
    /// A folder and the files under it (vault paths, texts as for `File`), hidden and ignored
    /// ones left out.
    Folder(Vec<(String, Option<DiskText>)>),
    /// Nothing the vault holds: no entry, a symlink, a FIFO, or a file that cannot be read.
    Nothing,
}

impl Update {
    /// Makes the vault hold at `path` (the path itself and everything under it) exactly what
    /// the disk holds: a note replaced by a folder of the same name, or the reverse, leaves
    /// nothing behind. Files `is_open` says the editor holds keep the editor's text. What it
    /// did is logged at debug level.
    pub fn apply_to(self, vault: &mut Vault, is_open: &dyn Fn(&str) -> bool) {
        let Update { path, now, .. } = self;
        let prefix = format!("{path}/");
        // Store files under `path/`: a scan of the vault, done only when `path` is or was a
        // folder (a file event that finds a file there skips it).
        let under = |vault: &Vault| -> Vec<String> {
            vault
                .files()
                .filter(|(_, f)| f.path().starts_with(&prefix))
                .map(|(_, f)| f.path().to_string())
                .collect()
        };
        let remove = |vault: &mut Vault, p: &str| {
            if is_open(p) {
                log(
                    Level::Debug,
                    format!("disk: {p} is gone; kept, open in the editor"),
                );
                // As a fresh load would have it: the editor's note, not on disk.
                vault.set_modified(p, None);
            } else if vault.remove_file(p) {
                log(Level::Debug, format!("disk: {p} removed"));
            }
        };
        let write = |vault: &mut Vault, p: &str, read: Option<DiskText>| {
            let (text, modified) = match read {
                Some((text, modified)) => (Some(text), modified),
                None => (None, None),
            };
            if is_open(p) {
                log(
                    Level::Debug,
                    format!("disk: {p} changed; the editor's text stays"),
                );
                vault.set_modified(p, modified);
                return;
            }
            let same = vault
                .id(p)
                .map(|id| match (vault.note(id), &text) {
                    (Some(note), Some(text)) => note.has_text(text),
                    (None, None) => true,
                    _ => false,
                })
                .unwrap_or(false);
            if !same {
                log(Level::Debug, format!("disk: {p} read"));
                vault.upsert_file(p, text);
            }
            // Even when the text is the same: a file saved unchanged was still modified.
            vault.set_modified(p, modified);
        };
        match now {
            Now::File(text) => {
                if vault.id(&path).is_none() {
                    for p in under(vault) {
                        remove(vault, &p); // a folder became this file
                    }
                }
                write(vault, &path, text);
            }
            Now::Folder(files) => {
                remove(vault, &path); // a file became this folder
                let on_disk: std::collections::HashSet<&str> =
                    files.iter().map(|(p, _)| p.as_str()).collect();
                for p in under(vault) {
                    if !on_disk.contains(p.as_str()) {
                        remove(vault, &p);
                    }
                }
                for (p, text) in files {
                    write(vault, &p, text);
                }
            }
            Now::Nothing => {
                if vault.id(&path).is_some() {
                    remove(vault, &path);
                } else {
                    for p in under(vault) {
                        remove(vault, &p);
                    }
                }
            }
        }
    }
}

/// What is at vault path `rel` of the vault at `root` now: a file, a folder's files, or
/// nothing. Symlinks, FIFOs and devices count as nothing ([`disk_entry`]); so does a file
/// that cannot be read (logged). `ignored` leaves out files of the settings' ignored folders
/// (a folder moved in keeps its ignored subfolders out). `before_folder` is called when the
/// path is a folder, before it is walked.
pub fn read_change(
    vault: VaultId,
    root: &Path,
    rel: &str,
    ignored: &dyn Fn(&str) -> bool,
    before_folder: &mut dyn FnMut(),
) -> Update {
    let read = |path: &str, abs: &Path| -> Option<Option<DiskText>> {
        if !is_note_path(path) {
            return Some(None);
        }
        match read_note(abs) {
            Some(read) => {
                if let Some(p) = read.problem {
                    log(Level::Warn, format!("{path}: {p}"));
                }
                Some(Some((read.text, read.modified)))
            }
            None => {
                log(Level::Warn, format!("{path}: cannot be read; left out"));
                None
            }
        }
    };
    let abs = root.join(rel);
    let now = match disk_entry(root, rel) {
        DiskEntry::Folder => {
            before_folder();
            match walk(&abs) {
                Ok((files, issues)) => {
                    for issue in issues {
                        log(
                            Level::Warn,
                            format!("{rel}/{}: {}", issue.path, issue.message),
                        );
                    }
                    Now::Folder(
                        files
                            .into_iter()
                            .map(|(sub, sub_abs)| (format!("{rel}/{sub}"), sub_abs))
                            .filter(|(path, _)| !is_hidden(path) && !ignored(path))
                            .filter_map(|(path, sub_abs)| {
                                Some((path.clone(), read(&path, &sub_abs)?))
                            })
                            .collect(),
                    )
                }
                Err(err) => {
                    log(Level::Warn, format!("{rel}: folder not listed: {err}"));
                    Now::Nothing
                }
            }
        }
        DiskEntry::File => match read(rel, &abs) {
            Some(text) => Now::File(text),
            None => Now::Nothing,
        },
        DiskEntry::Nothing => Now::Nothing,
    };
    Update {
        vault,
        path: rel.to_string(),
        now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    /// Watching folders again, as the server does (a nested workspace folder added, the root
    /// after a folder appeared or a load ended), while files are being made: no file made
    /// in a watched folder goes unreported. Unwatching a tree before watching it again lost
    /// the files made in between, in the nested folder and in the root alike: the two share
    /// one kernel watch per folder. And a folder made in the root afterwards is watched too
    /// (watching the nested folder's parent alone had stopped that).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn watching_again_loses_no_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("vault");
        let nested = root.join("People");
        std::fs::create_dir_all(nested.join("deep")).unwrap();
        let seen: Arc<Mutex<HashSet<PathBuf>>> = Arc::default();
        let sink = seen.clone();
        let mut watcher = Watcher::start(move |paths| {
            sink.lock().unwrap().extend(paths);
            std::future::ready(())
        })
        .unwrap();
        // The nested folder first (its parent, the root, is then watched alone), then the
        // root around it.
        watcher.watch(&nested).unwrap();
        watcher.watch(&root).unwrap();
        let folders = [root.clone(), nested.clone(), nested.join("deep")];
        let made: Vec<PathBuf> = (0..300)
            .map(|i| folders[i % 3].join(format!("note {i}.md")))
            .collect();
        let to_make = made.clone();
        let maker = std::thread::spawn(move || {
            for path in to_make {
                std::fs::write(path, "text").unwrap();
                std::thread::sleep(Duration::from_micros(300));
            }
        });
        while !maker.is_finished() {
            watcher.watch(&root).unwrap();
            watcher.watch(&nested).unwrap();
        }
        maker.join().unwrap();
        // A folder made in the root, and a note made in it a moment later.
        let new = root.join("New");
        std::fs::create_dir(&new).unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut made = made;
        made.push(new.join("late.md"));
        std::fs::write(new.join("late.md"), "text").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let missed = loop {
            let missed: Vec<&PathBuf> = {
                let seen = seen.lock().unwrap();
                made.iter().filter(|p| !seen.contains(*p)).collect()
            };
            if missed.is_empty() || std::time::Instant::now() > deadline {
                break missed;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(
            missed.is_empty(),
            "{} of {} files never reported: {missed:?}",
            missed.len(),
            made.len()
        );
    }
}
