//! `textDocument/completion` and `completionItem/resolve`.

use serde_json::json;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::TextPositions;
use crate::server::scheduler::Answer;
use crate::server::state::{Snapshot, VaultId};
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
        // Read at each request: what the client has open (tens of documents), not the vault.
        open: (s.state.documents.values())
            .filter(|doc| doc.vault == id)
            .filter_map(|doc| vault.id(&doc.path))
            .collect(),
    };
    let (result, new_ids) =
        match features::completion::block_search(vault, file, offset, &options, s.cancel) {
            Some(found) => found?,
            None => match features::completion::completion(vault, file, offset, &options) {
                Some(result) => (result, Vec::new()),
                None => return Ok(None),
            },
        };
    let mut new_ids = new_ids.into_iter();
    let items = result
        .items
        .into_iter()
        .enumerate()
        .map(|(rank, item)| CompletionItem {
            // The label when left out (LSP): most items filter on their label.
            filter_text: Some(item.filter_text).filter(|f| *f != item.label),
            // A block found by `[[^^` that has no id yet gets it when the item is accepted.
            command: new_ids
                .next()
                .flatten()
                .and_then(|new| add_block_id_command(s, id, vault, new)),
            label: item.label,
            kind: Some(to_proto::completion_kind(item.kind)),
            detail: item.detail,
            sort_text: Some(format!("{rank:05}")),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: positions.range(item.replace),
                new_text: item.new_text,
            })),
            // The vault by its index, not the document's URI: a list can hold hundreds of
            // items, and the URI was a sixth of each one's JSON.
            data: item
                .file
                .map(|f| json!({ "vault": vault_index(id), "path": vault.path(f) })),
            ..CompletionItem::default()
        })
        .collect();
    // Always incomplete, so that the client asks again at each letter typed: the order is
    // the server's and changes with every letter (how a name matches, the words before),
    // while a client filtering a list it has by itself sorts by its own score of the filter
    // texts, which begin with the letters typed before (`typed_first` in the feature). That
    // covers a list cut (`result.is_incomplete`) and one given while the load goes on.
    Ok(Some(CompletionResponse::List(CompletionList {
        is_incomplete: true,
        items,
    })))
}

pub fn resolve(s: &Snapshot, item: &CompletionItem) -> Answer<CompletionItem> {
    let mut item = item.clone();
    let docs = (|| {
        let data = item.data.as_ref()?;
        let id = match data.get("vault")?.as_i64()? {
            -1 => VaultId::Loose,
            i => VaultId::Folder(usize::try_from(i).ok()?),
        };
        let path = data.get("path")?.as_str()?;
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

/// A vault in completion items' data: a workspace folder's index (never reused while the
/// server runs), or -1 for the open files outside every folder.
fn vault_index(id: VaultId) -> i64 {
    match id {
        VaultId::Folder(i) => i as i64,
        VaultId::Loose => -1,
    }
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

/// The command that adds a new block id where a block search found the block.
fn add_block_id_command(
    s: &Snapshot,
    id: crate::server::state::VaultId,
    vault: &crate::vault::Vault,
    new: features::blocks::NewBlockId,
) -> Option<Command> {
    let uri = s.uri_of(id, vault.path(new.file))?;
    Some(Command {
        title: format!("Add ^{} to the block", new.id),
        command: crate::server::ADD_BLOCK_ID.to_string(),
        arguments: Some(vec![json!({
            "uri": uri.as_str(),
            "start": new.block.start,
            "end": new.block.end,
            "text": new.block_text,
            "id": new.id,
        })]),
    })
}

/// `vaultls.addBlockId`: the edit giving a block its id, from the command's argument.
pub fn add_block_id(s: &Snapshot, argument: &serde_json::Value) -> Answer<Option<WorkspaceEdit>> {
    let parsed = (|| {
        let uri: Uri = argument.get("uri")?.as_str()?.parse().ok()?;
        let start = argument.get("start")?.as_u64()? as usize;
        let end = argument.get("end")?.as_u64()? as usize;
        let text = argument.get("text")?.as_str()?.to_string();
        let id = argument.get("id")?.as_str()?.to_string();
        let valid = end >= start
            && !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        valid.then_some((uri, start, end, text, id))
    })();
    let Some((uri, start, end, block_text, new_id)) = parsed else {
        return Err(tower_lsp_server::jsonrpc::Error::invalid_params(
            "expected {uri, start, end, text, id} of a block",
        )
        .into());
    };
    let Some((vault_id, vault, file)) = s.note_of(&uri) else {
        return Ok(None);
    };
    let new = features::blocks::NewBlockId {
        file,
        block: crate::syntax::Span::new(start, end),
        block_text,
        id: new_id,
    };
    let Some(edit) = features::blocks::add_id(vault, &new) else {
        return Ok(None);
    };
    let changes = to_proto::edits_by_file(s, vault_id, vec![edit])
        .into_iter()
        .map(|(uri, _, edits)| (uri, edits))
        .collect();
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}
