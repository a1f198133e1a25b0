//! From the features' results to protocol types: locations, edits grouped by file,
//! diagnostics, symbols.

use std::collections::HashMap;

use tower_lsp_server::ls_types::*;

use super::convert::TextPositions;
use super::state::{State, VaultId};
use crate::features;
use crate::vault::FileId;

pub fn location(state: &State, id: VaultId, loc: features::Location) -> Option<Location> {
    locations(state, id, vec![loc]).pop()
}

/// Converts many locations, setting up each file's positions once.
pub fn locations(state: &State, id: VaultId, locs: Vec<features::Location>) -> Vec<Location> {
    let Some(vault) = state.workspace(id).map(|w| &w.vault) else {
        return Vec::new();
    };
    let mut files: HashMap<FileId, (Option<Uri>, Option<TextPositions>)> = HashMap::new();
    locs.into_iter()
        .filter_map(|loc| {
            let (uri, positions) = files.entry(loc.file).or_insert_with(|| {
                let uri = state.uri_of(id, vault.path(loc.file));
                let positions = vault
                    .note(loc.file)
                    .map(|n| TextPositions::of(n, state.unit()));
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

/// Groups edits by file as LSP text edits: the file's URI, its open version, the edits; in
/// URI order.
pub fn edits_by_file(
    state: &State,
    id: VaultId,
    edits: Vec<features::links::Edit>,
) -> Vec<(Uri, Option<i32>, Vec<TextEdit>)> {
    let Some(vault) = state.workspace(id).map(|w| &w.vault) else {
        return Vec::new();
    };
    let mut by_file: HashMap<FileId, Vec<features::links::Edit>> = HashMap::new();
    for edit in edits {
        by_file.entry(edit.file).or_default().push(edit);
    }
    let mut out: Vec<(Uri, Option<i32>, Vec<TextEdit>)> = by_file
        .into_iter()
        .filter_map(|(file, edits)| {
            let uri = state.uri_of(id, vault.path(file))?;
            let version = state.documents.get(uri.as_str()).map(|d| d.version);
            let positions = TextPositions::of(vault.note(file)?, state.unit());
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

pub fn diagnostic(positions: &TextPositions, d: features::diagnostics::Diagnostic) -> Diagnostic {
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

pub fn document_symbol(
    positions: &TextPositions,
    o: &features::symbols::Outline,
) -> DocumentSymbol {
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
                .map(|c| document_symbol(positions, c))
                .collect(),
        ),
    }
}

pub fn completion_kind(kind: features::completion::ItemKind) -> CompletionItemKind {
    use features::completion::ItemKind;
    match kind {
        ItemKind::Note | ItemKind::Attachment => CompletionItemKind::FILE,
        ItemKind::Alias | ItemKind::Block => CompletionItemKind::REFERENCE,
        ItemKind::Heading => CompletionItemKind::MODULE,
        ItemKind::Tag => CompletionItemKind::KEYWORD,
        ItemKind::Property => CompletionItemKind::PROPERTY,
        ItemKind::Value => CompletionItemKind::VALUE,
        ItemKind::Unresolved => CompletionItemKind::TEXT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::diagnostics::Severity;
    use crate::syntax::{ColumnUnit, Span};

    #[test]
    fn diagnostics_convert_in_the_client_unit() {
        let text = "😀 [[Missing]]\n";
        let at = text.find("[[").unwrap();
        let d = features::diagnostics::Diagnostic {
            span: Span::new(at, at + "[[Missing]]".len()),
            severity: Severity::Warning,
            code: "broken-link",
            message: "no note".to_string(),
            target: None,
        };
        let utf16 = diagnostic(&TextPositions::new(text, ColumnUnit::Utf16), d.clone());
        assert_eq!(
            utf16.range,
            Range::new(Position::new(0, 3), Position::new(0, 14))
        );
        let utf8 = diagnostic(&TextPositions::new(text, ColumnUnit::Utf8), d);
        assert_eq!(
            utf8.range,
            Range::new(Position::new(0, 5), Position::new(0, 16))
        );
        assert_eq!(utf8.severity, Some(DiagnosticSeverity::WARNING));
    }
}
