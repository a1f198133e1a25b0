//! Publishing the open notes' findings: debounced after changes, computed on the read pool,
//! and sent only while the document is still at the version they were computed for.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tower_lsp_server::ls_types::*;

use super::Backend;
use super::convert::TextPositions;
use super::log::{Level, log};
use super::scheduler::Answer;
use super::state::{Snapshot, Workspace};
use super::to_proto;
use crate::features;
use crate::syntax::ColumnUnit;
use crate::vault::FileId;

/// Diagnostics wait this long after the last change before they are computed.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// Clients that pull are asked to pull again this long after the last change: each refresh
/// has them pull every open note and the workspace.
const REFRESH_DEBOUNCE: Duration = Duration::from_millis(300);

impl Backend {
    /// Publishes diagnostics for open notes whenever something changed.
    pub(super) async fn publish_diagnostics(self) {
        loop {
            self.core.changed.notified().await;
            if self.core.peek().caps.pull_diagnostics {
                // The client pulls the note it edits by itself; the others (a link elsewhere
                // breaks when a heading goes, a load ends) it pulls again when told.
                tokio::time::sleep(REFRESH_DEBOUNCE).await;
                if let Err(e) = self.client.workspace_diagnostic_refresh().await {
                    log(Level::Debug, format!("diagnostic refresh: {e}"));
                }
                continue;
            }
            tokio::time::sleep(DEBOUNCE).await;
            let core = self.core.clone();
            let stop = Arc::new(AtomicBool::new(false));
            let computed = tokio::task::spawn_blocking(move || {
                core.run_read("diagnostics", &stop, &open_notes_diagnostics)
            })
            .await;
            // Content modified: the change that did it wakes this loop again.
            let Ok(Ok(batch)) = computed else { continue };
            let fresh: Vec<_> = {
                let state = self.core.peek();
                let mut published = self
                    .core
                    .published
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                batch
                    .into_iter()
                    .filter(|(uri, version, _)| {
                        state
                            .documents
                            .get(uri.as_str())
                            .is_some_and(|d| d.version == *version)
                    })
                    .filter(|(uri, _, diagnostics)| {
                        let unchanged = published.get(uri.as_str()) == Some(diagnostics);
                        if !unchanged {
                            published.insert(uri.as_str().to_string(), diagnostics.clone());
                        }
                        !unchanged
                    })
                    .collect()
            };
            for (uri, version, diagnostics) in fresh {
                self.client
                    .publish_diagnostics(uri, diagnostics, Some(version))
                    .await;
            }
        }
    }
}

/// The findings of every open note whose folder has finished loading (before that, a link
/// to a note not read yet would be flagged broken), with the version they are for.
fn open_notes_diagnostics(s: &Snapshot) -> Answer<Vec<(Uri, i32, Vec<Diagnostic>)>> {
    let mut out = Vec::new();
    for doc in s.documents.values() {
        s.cancel.check()?;
        let Some(w) = s.workspace(doc.vault).filter(|w| w.indexed) else {
            continue;
        };
        let Some(file) = w.vault.id(&doc.path) else {
            continue;
        };
        let Some(diagnostics) = note_findings(w, file, s.unit()) else {
            continue;
        };
        out.push((doc.uri.clone(), doc.version, diagnostics));
    }
    Ok(out)
}

/// The findings of note `file` as the client gets them: with the workspace's settings, in
/// its position unit, least serious first (editors that show one sign per line, Neovim and
/// Vim, show the one placed last, so a broken link wins over a hint on its line; the order
/// carries no other meaning).
pub(super) fn note_findings(
    w: &Workspace,
    file: FileId,
    unit: ColumnUnit,
) -> Option<Vec<Diagnostic>> {
    let note = w.vault.note(file)?;
    let positions = TextPositions::of(note, unit);
    let findings = features::diagnostics::note_diagnostics(&w.vault, file);
    let mut findings = features::diagnostics::configured(&w.config, findings);
    findings.sort_by_key(|d| std::cmp::Reverse(d.severity));
    Some(
        findings
            .into_iter()
            .map(|d| to_proto::diagnostic(&positions, d))
            .collect(),
    )
}

/// A pulled report's result id: a hash of the findings themselves, so "unchanged" is exact
/// whatever changed elsewhere (and costs no bookkeeping of what a note's findings depend on).
pub(super) fn result_id(diagnostics: &[Diagnostic]) -> String {
    use std::hash::BuildHasher;
    let bytes = serde_json::to_vec(diagnostics).unwrap_or_default();
    format!("{:016x}", rustc_hash::FxBuildHasher.hash_one(bytes))
}
