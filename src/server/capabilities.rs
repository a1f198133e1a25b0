//! What the client can do (read at `initialize`) and what the server offers.

use tower_lsp_server::ls_types::*;

use super::state::ClientCaps;
use super::{ADD_BLOCK_ID, UNLINKED_MENTIONS};
use crate::syntax::ColumnUnit;

/// Semantic token types: links (broken ones also `deprecated`), tags, block ids.
pub const TOKEN_TYPES: [SemanticTokenType; 3] = [
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::DECORATOR,
    SemanticTokenType::MACRO,
];

pub fn client_caps(caps: &ClientCapabilities) -> ClientCaps {
    let utf8 = caps
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref())
        .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
    let workspace_edit = caps
        .workspace
        .as_ref()
        .and_then(|w| w.workspace_edit.as_ref());
    // The resource operations a client lists are the ones it applies, whether or not it also
    // says `documentChanges` (the spec ties them; Neovim 0.7 lists rename, create and delete
    // without it, and applies them).
    let resource_op = |kind: ResourceOperationKind| {
        workspace_edit
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&kind))
    };
    ClientCaps {
        unit: if utf8 {
            ColumnUnit::Utf8
        } else {
            ColumnUnit::Utf16
        },
        work_done_progress: caps
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false),
        watch_registration: caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false),
        document_changes: workspace_edit.is_some_and(|e| e.document_changes == Some(true)),
        rename_files: resource_op(ResourceOperationKind::Rename),
        create_files: resource_op(ResourceOperationKind::Create),
        // Pulled findings need a way to say they changed (a link elsewhere breaks when a note
        // goes): without `refreshSupport`, findings are pushed.
        pull_diagnostics: caps
            .text_document
            .as_ref()
            .is_some_and(|t| t.diagnostic.is_some())
            && caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false),
    }
}

pub fn server_capabilities(unit: ColumnUnit, pull_diagnostics: bool) -> ServerCapabilities {
    ServerCapabilities {
        diagnostic_provider: pull_diagnostics.then(|| {
            DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some("vaultls".to_string()),
                // A note's findings change with other notes (a link breaks when its target
                // goes), and every note of the vault has findings to list.
                inter_file_dependencies: true,
                workspace_diagnostics: true,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            })
        }),
        position_encoding: Some(if unit == ColumnUnit::Utf8 {
            PositionEncodingKind::UTF8
        } else {
            PositionEncodingKind::UTF16
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                ..TextDocumentSyncOptions::default()
            },
        )),
        completion_provider: Some(CompletionOptions {
            resolve_provider: Some(true),
            trigger_characters: Some(
                ["[", "#", "^", "|", "/", "("]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            ),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: TOKEN_TYPES.to_vec(),
                    token_modifiers: vec![SemanticTokenModifier::DEPRECATED],
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_link_provider: Some(DocumentLinkOptions {
            resolve_provider: Some(false),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        // Empty unless the vault's settings turn them on (`[hints] embeds = true`).
        inlay_hint_provider: Some(OneOf::Left(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![UNLINKED_MENTIONS.to_string(), ADD_BLOCK_ID.to_string()],
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        references_provider: Some(OneOf::Left(true)),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            // A rename in the editor's file tree rewrites the links to what moved.
            file_operations: Some(WorkspaceFileOperationsServerCapabilities {
                // Notes, attachments and folders: whatever moves, links to it follow.
                will_rename: Some(FileOperationRegistrationOptions {
                    filters: [
                        FileOperationPatternKind::File,
                        FileOperationPatternKind::Folder,
                    ]
                    .into_iter()
                    .map(|kind| FileOperationFilter {
                        scheme: Some("file".to_string()),
                        pattern: FileOperationPattern {
                            glob: "**/*".to_string(),
                            matches: Some(kind),
                            options: None,
                        },
                    })
                    .collect(),
                }),
                ..WorkspaceFileOperationsServerCapabilities::default()
            }),
        }),
        ..ServerCapabilities::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_only_when_offered() {
        let mut caps = ClientCapabilities::default();
        assert_eq!(client_caps(&caps).unit, ColumnUnit::Utf16);
        caps.general = Some(GeneralClientCapabilities {
            position_encodings: Some(vec![
                PositionEncodingKind::UTF16,
                PositionEncodingKind::UTF8,
            ]),
            ..GeneralClientCapabilities::default()
        });
        let unit = client_caps(&caps).unit;
        assert_eq!(unit, ColumnUnit::Utf8);
        assert_eq!(
            server_capabilities(unit, false).position_encoding,
            Some(PositionEncodingKind::UTF8)
        );
    }
}
