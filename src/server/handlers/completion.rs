//! `textDocument/completion` and `completionItem/resolve`.

use serde_json::json;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::TextPositions;
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;
use crate::server::to_proto;

/// Completion lists are capped; the client asks again as the user types.
const COMPLETION_LIMIT: usize = 100;

pub fn completion(s: &Snapshot, p: &CompletionParams) -> Answer<Option<CompletionResponse>> {
    let at = &p.text_document_position;
    let Some((id, vault, file)) = s.note_of(&at.text_document.uri) else {
        return Ok(None);
    };
    let (Some(note), Some(workspace)) = (vault.note(file), s.workspace(id)) else {
        return Ok(None);
    };
    let positions = TextPositions::of(note, s.unit());
    let offset = positions.offset(at.position);
    let options = features::completion::CompletionOptions {
        limit: COMPLETION_LIMIT,
        format: workspace.config.link_format(),
        daily: Some((today(), workspace.config.daily.clone())),
    };
    let Some(result) = features::completion::completion(vault, file, offset, &options) else {
        return Ok(None);
    };
    let uri = at.text_document.uri.as_str();
    let items = result
        .items
        .into_iter()
        .enumerate()
        .map(|(rank, item)| CompletionItem {
            label: item.label,
            kind: Some(to_proto::completion_kind(item.kind)),
            detail: item.detail,
            sort_text: Some(format!("{rank:05}")),
            filter_text: Some(item.filter_text),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: positions.range(item.replace),
                new_text: item.new_text,
            })),
            data: item
                .file
                .map(|f| json!({ "uri": uri, "path": vault.path(f) })),
            ..CompletionItem::default()
        })
        .collect();
    Ok(Some(CompletionResponse::List(CompletionList {
        // Until the load ends the list is partial: ask again.
        is_incomplete: result.is_incomplete || !workspace.indexed,
        items,
    })))
}

pub fn resolve(s: &Snapshot, item: &CompletionItem) -> Answer<CompletionItem> {
    let mut item = item.clone();
    let docs = (|| {
        let data = item.data.as_ref()?;
        let uri: Uri = data.get("uri")?.as_str()?.parse().ok()?;
        let path = data.get("path")?.as_str()?;
        let (id, _) = s.locate_uri(&uri)?;
        let vault = &s.workspace(id)?.vault;
        features::completion::documentation(vault, vault.id(path)?)
    })();
    if let Some(value) = docs {
        item.documentation = Some(Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }));
    }
    Ok(item)
}

/// Today by the user's clock (the machine's local time zone), for daily notes.
pub fn today() -> features::dates::Date {
    use chrono::Datelike;
    let now = chrono::Local::now().date_naive();
    features::dates::Date {
        year: now.year(),
        month: now.month(),
        day: now.day(),
    }
}
