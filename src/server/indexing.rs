//! Loading a workspace folder in the background, with progress when the client shows it.
//! The finished load is a mutation like the others ([`Mutation::Loaded`]).

use std::path::PathBuf;

use tower_lsp_server::ls_types::*;

use super::Backend;
use super::log::{Level, log};
use super::scheduler::Mutation;
use super::state::VaultId;
use crate::vault::{LoadOptions, Vault, cache};

impl Backend {
    /// Starts load number `load` of a folder.
    pub(super) fn start_indexing(&self, folder: usize, root: PathBuf, load: u64) {
        if load == 0 {
            let first = self.core.write("first load", |s| {
                s.workspace_mut(VaultId::Folder(folder))
                    .is_some_and(|w| !std::mem::replace(&mut w.first_load_started, true))
            });
            if first != Some(true) {
                return;
            }
        }
        let backend = self.clone();
        tokio::spawn(async move { backend.index_folder(folder, root, load).await });
    }

    async fn index_folder(&self, folder: usize, root: PathBuf, load: u64) {
        let (progress_supported, config) = {
            let state = self.core.peek();
            let Some(w) = state.workspace(VaultId::Folder(folder)) else {
                return;
            };
            if w.load != load {
                return;
            }
            (state.caps.work_done_progress, w.config.clone())
        };
        // The folder this load reads; a later event naming the root compares against it.
        let identity = super::state::folder_identity(&root);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
        let load_root = root.clone();
        let job = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let ignored = |path: &str| config.ignores(path);
            let progress = |done, total| {
                let _ = tx.send((done, total));
            };
            let cache = cache::cache_file(&load_root);
            let options = LoadOptions {
                ignored: Some(&ignored),
                progress: Some(&progress),
                cache: cache.as_deref(),
                // Closed notes keep only what their summaries read (issue 18).
                pieces: true,
                without_search: false,
            };
            let loaded = Vault::load_cached(&load_root, &options);
            (loaded, started.elapsed())
        });
        let token = NumberOrString::String(format!("vaultls-index-{folder}-{load}"));
        // Asked while the load runs; a client that never answers gets no progress.
        let created = async {
            let asked = self.client.create_work_done_progress(token.clone());
            matches!(
                tokio::time::timeout(super::CLIENT_TIMEOUT, asked).await,
                Ok(Ok(()))
            )
        };
        let progress = if progress_supported && created.await {
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
        while let Some((done, total)) = rx.recv().await {
            if let Some(p) = &progress {
                let percent = (done * 100).checked_div(total).unwrap_or(100) as u32;
                p.report_with_message(format!("{done}/{total} notes"), percent)
                    .await;
            }
        }
        let message = match job.await {
            Ok((loaded, took)) => {
                let notes = loaded.as_ref().map_or(0, |l| l.vault.notes().count());
                let mut cache_write = None;
                let vault = loaded.map(|loaded| {
                    match &loaded.cache_unused {
                        Some(why) => log(Level::Info, format!("cache not used: {why}")),
                        None => log(
                            Level::Info,
                            format!("{} notes read from the cache", loaded.from_cache),
                        ),
                    }
                    cache_write = loaded.cache_write;
                    Box::new(loaded.vault)
                });
                let vault = vault.map_err(|err| {
                    let message = format!("cannot read vault {}: {err}", root.display());
                    log(Level::Error, &message);
                    message
                });
                let message = match &vault {
                    Ok(_) => format!("{notes} notes indexed in {} ms", took.as_millis()),
                    Err(message) => message.clone(),
                };
                self.core.mutate(Mutation::Loaded {
                    folder,
                    load,
                    identity,
                    root,
                    vault,
                    took,
                });
                // Written off the loop and after the load is in place: it delays nothing.
                if let Some(write) = cache_write {
                    tokio::task::spawn_blocking(move || {
                        let file = write.file().to_path_buf();
                        if let Err(err) = write.write() {
                            log(
                                Level::Warn,
                                format!("cache {} not written: {err}", file.display()),
                            );
                        }
                    });
                }
                // The progress ends once the load is in place.
                self.core.caught_up().await;
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
    }
}
