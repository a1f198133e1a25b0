//! Going places: definition, references, hover, document links and the backlinks code lens.

use serde_json::json;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::TextPositions;
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;
use crate::server::to_proto;

pub fn definition(
    s: &Snapshot,
    p: &GotoDefinitionParams,
) -> Answer<Option<GotoDefinitionResponse>> {
    let at = &p.text_document_position_params;
    Ok((|| {
        let (id, vault, file) = s.note_of(&at.text_document.uri)?;
        let offset = TextPositions::of(vault.note(file)?, s.unit()).offset(at.position);
        let target = features::definition::definition(vault, file, offset)?;
        Some(GotoDefinitionResponse::Scalar(to_proto::location(
            s, id, target,
        )?))
    })())
}

pub fn references(s: &Snapshot, p: &ReferenceParams) -> Answer<Option<Vec<Location>>> {
    let at = &p.text_document_position;
    let Some((id, vault, file)) = s.note_of(&at.text_document.uri) else {
        return Ok(None);
    };
    let Some(note) = vault.note(file) else {
        return Ok(None);
    };
    let offset = TextPositions::of(note, s.unit()).offset(at.position);
    let declaration = p.context.include_declaration;
    let found = features::references::references(vault, file, offset, declaration, s.cancel)?;
    Ok(Some(to_proto::locations(s, id, found)))
}

pub fn hover(s: &Snapshot, p: &HoverParams) -> Answer<Option<Hover>> {
    let at = &p.text_document_position_params;
    Ok((|| {
        let (_, vault, file) = s.note_of(&at.text_document.uri)?;
        let positions = TextPositions::of(vault.note(file)?, s.unit());
        let info = features::hover::hover(vault, file, positions.offset(at.position))?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: info.markdown,
            }),
            range: Some(positions.range(info.span)),
        })
    })())
}

/// Inlay hints after block and heading embeds, when the vault's settings ask for them.
pub fn inlay_hints(s: &Snapshot, p: &InlayHintParams) -> Answer<Option<Vec<InlayHint>>> {
    Ok((|| {
        let (id, vault, file) = s.note_of(&p.text_document.uri)?;
        if !s.workspace(id)?.config.embed_hints {
            return Some(Vec::new());
        }
        let positions = TextPositions::of(vault.note(file)?, s.unit());
        let range = crate::syntax::Span::new(
            positions.offset(p.range.start),
            positions
                .offset(p.range.end)
                .max(positions.offset(p.range.start)),
        );
        Some(
            features::inlay::embed_hints(vault, file, range)
                .into_iter()
                .map(|h| InlayHint {
                    position: positions.position(h.offset),
                    label: InlayHintLabel::String(h.label),
                    kind: None,
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
                .collect(),
        )
    })())
}

pub fn document_links(s: &Snapshot, p: &DocumentLinkParams) -> Answer<Option<Vec<DocumentLink>>> {
    Ok((|| {
        let (id, vault, file) = s.note_of(&p.text_document.uri)?;
        let positions = TextPositions::of(vault.note(file)?, s.unit());
        Some(
            features::structure::document_links(vault, file)
                .into_iter()
                .filter_map(|(span, target)| {
                    Some(DocumentLink {
                        range: positions.range(span),
                        target: Some(s.uri_of(id, vault.path(target))?),
                        tooltip: Some(vault.path(target).to_string()),
                        data: None,
                    })
                })
                .collect(),
        )
    })())
}

pub fn code_lens(s: &Snapshot, p: &CodeLensParams) -> Answer<Option<Vec<CodeLens>>> {
    let uri = &p.text_document.uri;
    let Some((_, vault, file)) = s.note_of(uri) else {
        return Ok(None);
    };
    let links = vault.backlinks(file).len();
    let notes = vault.linking_notes(file);
    let title = match links {
        0 => "no backlinks".to_string(),
        1 => "1 backlink".to_string(),
        n if notes == 1 => format!("{n} backlinks from 1 note"),
        n => format!("{n} backlinks from {notes} notes"),
    };
    Ok(Some(vec![CodeLens {
        range: Range::default(),
        command: Some(Command {
            title,
            command: "vaultls.showBacklinks".to_string(),
            arguments: Some(vec![
                json!(uri.as_str()),
                json!({"line": 0, "character": 0}),
            ]),
        }),
        data: None,
    }]))
}
