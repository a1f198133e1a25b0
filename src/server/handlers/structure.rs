//! A note's own structure: folding ranges and semantic tokens.

use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::convert::TextPositions;
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;

pub fn folding_ranges(s: &Snapshot, p: &FoldingRangeParams) -> Answer<Option<Vec<FoldingRange>>> {
    use features::structure::FoldKind;
    let Some((_, vault, file)) = s.note_of(&p.text_document.uri) else {
        return Ok(None);
    };
    Ok(Some(
        features::structure::folding_ranges(vault, file)
            .into_iter()
            .map(|f| FoldingRange {
                start_line: f.start_line,
                end_line: f.end_line,
                kind: Some(match f.kind {
                    FoldKind::Frontmatter => FoldingRangeKind::Comment,
                    FoldKind::Section | FoldKind::List => FoldingRangeKind::Region,
                }),
                ..FoldingRange::default()
            })
            .collect(),
    ))
}

pub fn semantic_tokens(
    s: &Snapshot,
    p: &SemanticTokensParams,
) -> Answer<Option<SemanticTokensResult>> {
    use features::semantic::TokenKind;
    let Some((_, vault, file)) = s.note_of(&p.text_document.uri) else {
        return Ok(None);
    };
    let Some(note) = vault.note(file) else {
        return Ok(None);
    };
    let positions = TextPositions::of(note, s.unit());
    let mut data = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for (span, kind) in features::semantic::tokens(vault, file) {
        let start = positions.position(span.start as usize);
        let end = positions.position(span.end as usize);
        if start.line != end.line {
            continue; // tokens cannot span lines
        }
        let (token_type, modifiers) = match kind {
            TokenKind::Link => (0, 0),
            TokenKind::BrokenLink => (0, 1),
            TokenKind::Tag => (1, 0),
            TokenKind::BlockId => (2, 0),
        };
        let delta_start = if start.line == line {
            start.character - col
        } else {
            start.character
        };
        data.push(SemanticToken {
            delta_line: start.line - line,
            delta_start,
            length: end.character - start.character,
            token_type,
            token_modifiers_bitset: modifiers,
        });
        (line, col) = (start.line, start.character);
    }
    Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    })))
}
