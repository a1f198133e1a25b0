//! Renames: `textDocument/prepareRename`, `textDocument/rename` (a note, a heading, a tag) and
//! `workspace/willRenameFiles` (a note renamed in the editor's file tree).

use std::collections::HashMap;

use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::{TextPositions, path_to_uri, uri_to_path};
use crate::server::scheduler::{Answer, Failure};
use crate::server::state::{Snapshot, VaultId};
use crate::server::to_proto;
use crate::vault::path::is_note_path;

pub fn prepare(
    s: &Snapshot,
    p: &TextDocumentPositionParams,
) -> Answer<Option<PrepareRenameResponse>> {
    Ok((|| {
        let (_, vault, file) = s.note_of(&p.text_document.uri)?;
        let positions = TextPositions::of(vault.note(file)?, s.unit());
        let (_, span, placeholder) =
            features::rename::prepare(vault, file, positions.offset(p.position))?;
        Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: positions.range(span),
            placeholder,
        })
    })())
}

/// A rename's edit, and what to tell the user when the editor cannot do all of it (a note to
/// move by hand).
pub fn rename(s: &Snapshot, p: &RenameParams) -> Answer<(Option<WorkspaceEdit>, Option<String>)> {
    use features::rename::{
        RenameError, RenameTarget, rename_heading, rename_label, rename_note, rename_tag,
    };
    let at = &p.text_document_position;
    let nothing = || {
        Error::invalid_params(
            "nothing to rename here: put the cursor on a link, a heading or a tag",
        )
    };
    let (id, vault, file) = s.note_of(&at.text_document.uri).ok_or_else(nothing)?;
    let note = vault.note(file).ok_or_else(nothing)?;
    let offset = TextPositions::of(note, s.unit()).offset(at.position);
    let (target, _, _) = features::rename::prepare(vault, file, offset).ok_or_else(nothing)?;
    let new_name = &p.new_name;
    let planned = match target {
        RenameTarget::Note(note) => rename_note(vault, note, new_name, s.cancel)
            .map(|r| (r.edits, Some((r.file, r.new_path)))),
        RenameTarget::Heading(note, index) => {
            rename_heading(vault, note, index, new_name, s.cancel).map(|e| (e, None))
        }
        RenameTarget::Tag(tag) => rename_tag(vault, &tag, new_name, s.cancel).map(|e| (e, None)),
        RenameTarget::Label(note, index) => {
            rename_label(vault, note, index, new_name).map(|e| (e, None))
        }
    };
    let (edits, file_move) = match planned {
        Ok(plan) => plan,
        Err(RenameError::Refused(why)) => return Err(Error::invalid_params(why).into()),
        Err(RenameError::Cancelled) => return Err(Failure::Cancelled),
    };
    let by_file = to_proto::edits_by_file(s, id, edits);
    let move_uris = file_move.as_ref().and_then(|(file, new_path)| {
        let w = s.workspace(id)?;
        Some((
            s.uri_of(id, w.vault.path(*file))?,
            path_to_uri(&w.root.join(new_path))?,
        ))
    });
    // An editor that cannot rename files still gets every link rewritten; the user is told
    // which file to rename (the links resolve again as soon as it is).
    let mut to_user = None;
    if let (Some((file, new_path)), false) = (&file_move, s.caps.rename_files) {
        to_user = Some(format!(
            "vaultls: the links now point at \"{new_path}\". This editor cannot rename files \
             through its language server: rename \"{}\" to \"{new_path}\" to finish.",
            vault.path(*file)
        ));
    }
    let with_move = move_uris.filter(|_| s.caps.rename_files);
    if with_move.is_none() && !s.caps.document_changes {
        let changes = by_file.into_iter().map(|(uri, _, e)| (uri, e)).collect();
        return Ok((
            Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            to_user,
        ));
    }
    let mut operations: Vec<DocumentChangeOperation> = by_file
        .into_iter()
        .map(|(uri, version, edits)| {
            DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
        })
        .collect();
    if let Some((old_uri, new_uri)) = with_move {
        operations.push(DocumentChangeOperation::Op(ResourceOp::Rename(
            RenameFile {
                old_uri,
                new_uri,
                options: None,
                annotation_id: None,
            },
        )));
    }
    Ok((
        Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..WorkspaceEdit::default()
        }),
        to_user,
    ))
}

/// Files and folders renamed or moved in the editor's file tree: every link to what moves is
/// rewritten, and so are the moved notes' links that would break from their new place. All
/// the moves of one request are planned together (a link between two moved notes is written
/// once, for both new places).
pub fn will_rename_files(s: &Snapshot, p: &RenameFilesParams) -> Answer<Option<WorkspaceEdit>> {
    let mut moves: HashMap<VaultId, Vec<(crate::vault::FileId, String)>> = HashMap::new();
    for file in &p.files {
        s.cancel.check()?;
        let (Ok(old), Ok(new)) = (file.old_uri.parse::<Uri>(), file.new_uri.parse::<Uri>()) else {
            continue;
        };
        let (Some(old_path), Some(new_path)) = (uri_to_path(&old), uri_to_path(&new)) else {
            continue;
        };
        let (id, old_rel) = s.locate(&old_path);
        let (new_id, new_rel) = s.locate(&new_path);
        if id != new_id || id == VaultId::Loose || new_rel.is_empty() {
            continue;
        }
        let Some(vault) = s.workspace(id).map(|w| &w.vault) else {
            continue;
        };
        let planned = moves.entry(id).or_default();
        match vault.id(&old_rel) {
            // A note must stay a note (`.md`) for its links to keep finding it.
            Some(one) if vault.note(one).is_none() || is_note_path(&new_rel) => {
                planned.push((one, new_rel));
            }
            Some(_) => {}
            // A folder: everything under it.
            None => {
                let prefix = format!("{old_rel}/");
                planned.extend(vault.files().filter_map(|(f, _)| {
                    let rest = vault.path(f).strip_prefix(&prefix)?;
                    Some((f, format!("{new_rel}/{rest}")))
                }));
            }
        }
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (id, planned) in moves {
        let Some(vault) = s.workspace(id).map(|w| &w.vault) else {
            continue;
        };
        let edits = features::rename::move_files(vault, &planned, s.cancel)?;
        for (uri, _, edits) in to_proto::edits_by_file(s, id, edits) {
            changes.entry(uri).or_default().extend(edits);
        }
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }))
}
