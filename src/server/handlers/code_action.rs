//! `textDocument/codeAction`: quick fixes for links (suggestions, a new note for a missing
//! one, mojibake repairs).

use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::{TextPositions, path_to_uri};
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;
use crate::server::to_proto;

pub fn code_actions(s: &Snapshot, p: &CodeActionParams) -> Answer<Option<CodeActionResponse>> {
    let Some((id, vault, file)) = s.note_of(&p.text_document.uri) else {
        return Ok(None);
    };
    let (Some(note), Some(workspace)) = (vault.note(file), s.workspace(id)) else {
        return Ok(None);
    };
    let positions = TextPositions::of(note, s.unit());
    let start = positions.offset(p.range.start);
    let span = crate::syntax::Span::new(start, positions.offset(p.range.end).max(start));
    let options = features::code_actions::CodeActionOptions {
        templates: workspace.config.templates.as_deref(),
        daily: Some((super::completion::today(), &workspace.config.daily)),
        new_notes: Some(&workspace.config.new_notes),
    };
    let mut out: CodeActionResponse = Vec::new();
    let mut first_suggestion = true;
    for action in features::code_actions::code_actions(vault, file, span, &options) {
        let diagnostics = p
            .context
            .diagnostics
            .iter()
            .filter(|d| {
                let d_start = positions.offset(d.range.start) as u32;
                let d_end = positions.offset(d.range.end) as u32;
                d_start < action.link_span.end && action.link_span.start < d_end.max(d_start + 1)
            })
            .cloned()
            .collect::<Vec<_>>();
        let creates = action.create.is_some();
        let mut title = action.title;
        let Some(edit) = workspace_edit(s, id, action.create, action.edits, &mut title) else {
            continue;
        };
        let is_suggestion = !creates;
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(diagnostics),
            edit: Some(edit),
            is_preferred: Some(is_suggestion && std::mem::take(&mut first_suggestion)),
            ..CodeAction::default()
        }));
    }
    // Refactors: extract the selection or the section under the cursor to a new note.
    for action in features::extract::extract_actions(vault, file, span, &workspace.config.new_notes)
    {
        let mut title = action.title;
        let Some(edit) = workspace_edit(s, id, action.create, action.edits, &mut title) else {
            continue;
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::REFACTOR_EXTRACT),
            edit: Some(edit),
            ..CodeAction::default()
        }));
    }
    Ok(Some(out))
}

/// The workspace edit of an action: a note to create (path and content), and edits to notes
/// that exist. A client that cannot create files gets an edit to the new file's URI, which
/// editors open as an unsaved buffer (`title` says so).
fn workspace_edit(
    s: &Snapshot,
    id: crate::server::state::VaultId,
    create: Option<(String, String)>,
    edits: Vec<features::links::Edit>,
    title: &mut String,
) -> Option<WorkspaceEdit> {
    let workspace = s.workspace(id)?;
    let edits = to_proto::edits_by_file(s, id, edits);
    let Some((path, content)) = create else {
        let changes = edits
            .into_iter()
            .map(|(uri, _, edits)| (uri, edits))
            .collect();
        return Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        });
    };
    let uri = path_to_uri(&workspace.root.join(&path))?;
    let insert = TextEdit {
        range: Range::default(),
        new_text: content,
    };
    if !s.caps.create_files {
        // The editor cannot create files through its language server, but it opens a buffer
        // for an edit to a file that does not exist yet: the note is written there, and
        // exists once the user saves it.
        *title += " (save it to create the file)";
        let mut changes: std::collections::HashMap<Uri, Vec<TextEdit>> = edits
            .into_iter()
            .map(|(uri, _, edits)| (uri, edits))
            .collect();
        changes.insert(uri, vec![insert]);
        return Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        });
    }
    let mut operations = vec![
        DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
            uri: uri.clone(),
            options: Some(CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(true),
            }),
            annotation_id: None,
        })),
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
            edits: vec![OneOf::Left(insert)],
        }),
    ];
    operations.extend(edits.into_iter().map(|(uri, version, edits)| {
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
            edits: edits.into_iter().map(OneOf::Left).collect(),
        })
    }));
    Some(WorkspaceEdit {
        document_changes: Some(DocumentChanges::Operations(operations)),
        ..WorkspaceEdit::default()
    })
}
