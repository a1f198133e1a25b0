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
        let edit = if let Some((path, content)) = action.create {
            let Some(uri) = path_to_uri(&workspace.root.join(&path)) else {
                continue;
            };
            if !s.caps.create_files {
                // The editor cannot create files through its language server, but it opens a
                // buffer for an edit to a file that does not exist yet: the note is written
                // there, and exists once the user saves it.
                title += " (save it to create the file)";
                let insert = TextEdit {
                    range: Range::default(),
                    new_text: content,
                };
                WorkspaceEdit {
                    changes: Some([(uri, vec![insert])].into_iter().collect()),
                    ..WorkspaceEdit::default()
                }
            } else {
                WorkspaceEdit {
                    document_changes: Some(DocumentChanges::Operations(vec![
                        DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                            uri: uri.clone(),
                            options: Some(CreateFileOptions {
                                overwrite: Some(false),
                                ignore_if_exists: Some(true),
                            }),
                            annotation_id: None,
                        })),
                        DocumentChangeOperation::Edit(TextDocumentEdit {
                            text_document: OptionalVersionedTextDocumentIdentifier {
                                uri,
                                version: None,
                            },
                            edits: vec![OneOf::Left(TextEdit {
                                range: Range::default(),
                                new_text: content,
                            })],
                        }),
                    ])),
                    ..WorkspaceEdit::default()
                }
            }
        } else {
            let changes = to_proto::edits_by_file(s, id, action.edits)
                .into_iter()
                .map(|(uri, _, edits)| (uri, edits))
                .collect();
            WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }
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
    Ok(Some(out))
}
