//! `textDocument/documentSymbol` (the heading outline) and `workspace/symbol`.

use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::TextPositions;
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;
use crate::server::to_proto;

/// Workspace symbol answers are capped; the client asks again with a longer query.
const SYMBOL_LIMIT: usize = 100;

pub fn document_symbols(
    s: &Snapshot,
    p: &DocumentSymbolParams,
) -> Answer<Option<DocumentSymbolResponse>> {
    let Some((_, vault, file)) = s.note_of(&p.text_document.uri) else {
        return Ok(None);
    };
    let Some(note) = vault.note(file) else {
        return Ok(None);
    };
    let positions = TextPositions::of(note, s.unit());
    let outline = features::symbols::outline(&note.syntax, note.src());
    Ok(Some(DocumentSymbolResponse::Nested(
        outline
            .iter()
            .map(|o| to_proto::document_symbol(&positions, o))
            .collect(),
    )))
}

pub fn workspace_symbols(
    s: &Snapshot,
    p: &WorkspaceSymbolParams,
) -> Answer<Option<WorkspaceSymbolResponse>> {
    let mut found = Vec::new();
    for (id, w) in s.workspaces() {
        let symbols =
            features::symbols::workspace_symbols(&w.vault, &p.query, SYMBOL_LIMIT, s.cancel)?;
        for symbol in symbols {
            let heading = !symbol.span.is_empty();
            let place = features::Location {
                file: symbol.file,
                span: symbol.span,
            };
            let Some(location) = to_proto::location(s, id, place) else {
                continue;
            };
            #[allow(deprecated)]
            found.push(SymbolInformation {
                name: symbol.name,
                kind: if heading {
                    SymbolKind::STRING
                } else {
                    SymbolKind::FILE
                },
                tags: None,
                deprecated: None,
                location,
                container_name: Some(symbol.detail),
            });
        }
    }
    found.truncate(SYMBOL_LIMIT);
    Ok(Some(WorkspaceSymbolResponse::Flat(found)))
}
