//! Semantic tokens: which links resolve and which do not, tags and block ids.

use crate::syntax::Span;
use crate::vault::{FileId, Vault};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Link,
    BrokenLink,
    Tag,
    BlockId,
}

/// The note's tokens, in text order.
pub fn tokens(vault: &Vault, file: FileId) -> Vec<(Span, TokenKind)> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let mut out: Vec<(Span, TokenKind)> = note
        .syntax
        .links
        .iter()
        .zip(note.resolved.iter())
        .filter(|(l, _)| !l.target_span().is_empty())
        .map(|(l, r)| {
            let kind = match r.file() {
                Some(_) => TokenKind::Link,
                None => TokenKind::BrokenLink,
            };
            (l.target_span(), kind)
        })
        .collect();
    out.extend(note.syntax.tags.iter().map(|t| (t.span, TokenKind::Tag)));
    out.extend(
        note.syntax
            .blocks
            .iter()
            .map(|b| (b.span, TokenKind::BlockId)),
    );
    out.sort_by_key(|(s, _)| (s.start, s.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::fixture::Fixture;

    #[test]
    fn resolved_broken_tags_blocks() {
        let f = Fixture::parse("//- A.md\n[[B]] [[Nope]] #tag para ^id$0\n//- B.md\n");
        let text = &f.vault.note(f.file).unwrap().text().unwrap();
        let got: Vec<(&str, TokenKind)> = tokens(&f.vault, f.file)
            .into_iter()
            .map(|(s, k)| (&text[s.range()], k))
            .collect();
        assert_eq!(
            got,
            vec![
                ("B", TokenKind::Link),
                ("Nope", TokenKind::BrokenLink),
                ("#tag", TokenKind::Tag),
                ("^id", TokenKind::BlockId),
            ]
        );
    }
}
