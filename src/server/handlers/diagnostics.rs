//! Pulled findings (LSP 3.17): `textDocument/diagnostic` for one note and
//! `workspace/diagnostic` for every note of every vault, each report with a result id so
//! that a note whose findings did not change is answered "unchanged".

use std::collections::HashMap;

use tower_lsp_server::ls_types::*;

use crate::server::diagnostics::{note_findings, result_id};
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;

pub fn document(
    s: &Snapshot,
    p: &DocumentDiagnosticParams,
) -> Answer<DocumentDiagnosticReportResult> {
    let uri = &p.text_document.uri;
    let items = s
        .locate_uri(uri)
        .and_then(|(id, path)| {
            let w = s.workspace(id)?;
            note_findings(w, w.vault.id(&path)?, s.unit())
        })
        .unwrap_or_default();
    let id = result_id(&items);
    let report = if p.previous_result_id.as_deref() == Some(id.as_str()) {
        DocumentDiagnosticReport::Unchanged(RelatedUnchangedDocumentDiagnosticReport {
            related_documents: None,
            unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                result_id: id,
            },
        })
    } else {
        DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
            related_documents: None,
            full_document_diagnostic_report: FullDocumentDiagnosticReport {
                result_id: Some(id),
                items,
            },
        })
    };
    Ok(DocumentDiagnosticReportResult::Report(report))
}

/// Every note of every loaded vault, in path order, "unchanged" where the client's previous
/// result id still holds. Reads the whole vault: it steps aside for every change (the
/// client asks again when told to refresh).
pub fn workspace(
    s: &Snapshot,
    p: &WorkspaceDiagnosticParams,
) -> Answer<WorkspaceDiagnosticReportResult> {
    let previous: HashMap<&str, &str> = p
        .previous_result_ids
        .iter()
        .map(|r| (r.uri.as_str(), r.value.as_str()))
        .collect();
    let mut items = Vec::new();
    for (vault_id, w) in s.workspaces().filter(|(_, w)| w.indexed) {
        let mut notes: Vec<_> = w.vault.notes().map(|(id, _)| id).collect();
        notes.sort_by_key(|&id| w.vault.path(id));
        for file in notes {
            s.cancel.check()?;
            let Some(uri) = s.uri_of(vault_id, w.vault.path(file)) else {
                continue;
            };
            let Some(findings) = note_findings(w, file, s.unit()) else {
                continue;
            };
            let version = s.documents.get(uri.as_str()).map(|d| d.version as i64);
            let id = result_id(&findings);
            items.push(if previous.get(uri.as_str()) == Some(&id.as_str()) {
                WorkspaceDocumentDiagnosticReport::Unchanged(
                    WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version,
                        unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport {
                            result_id: id,
                        },
                    },
                )
            } else {
                WorkspaceDocumentDiagnosticReport::Full(WorkspaceFullDocumentDiagnosticReport {
                    uri,
                    version,
                    full_document_diagnostic_report: FullDocumentDiagnosticReport {
                        result_id: Some(id),
                        items: findings,
                    },
                })
            });
        }
    }
    Ok(WorkspaceDiagnosticReportResult::Report(
        WorkspaceDiagnosticReport { items },
    ))
}
