//! Publishing the open notes' findings: debounced after changes, computed on the read pool,
//! and sent only while the document is still at the version they were computed for.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tower_lsp_server::ls_types::*;

use super::Backend;
use super::convert::TextPositions;
use super::scheduler::Answer;
use super::state::Snapshot;
use super::to_proto;
use crate::features;

/// Diagnostics wait this long after the last change before they are computed.
const DEBOUNCE: Duration = Duration::from_millis(50);

impl Backend {
    /// Publishes diagnostics for open notes whenever something changed.
    pub(super) async fn publish_diagnostics(self) {
        loop {
            self.core.changed.notified().await;
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
        let Some(note) = w.vault.note(file) else {
            continue;
        };
        let positions = TextPositions::of(note, s.unit());
        let findings = features::diagnostics::note_diagnostics(&w.vault, file);
        let mut findings = features::diagnostics::configured(&w.config, findings);
        // Least serious first: editors that show one sign per line (Neovim, Vim) show the
        // one placed last, so a broken link wins over a hint on its line. The order of a
        // publish carries no other meaning.
        findings.sort_by_key(|d| std::cmp::Reverse(d.severity));
        let diagnostics = findings
            .into_iter()
            .map(|d| to_proto::diagnostic(&positions, d))
            .collect();
        out.push((doc.uri.clone(), doc.version, diagnostics));
    }
    Ok(out)
}
