//! Inlay hints (opt-in): after an embed of a block or a heading (`![[Pricing#^tiers]]`), the
//! first line of what it embeds, so a note reads without opening the other.

use super::blocks::one_line;
use crate::syntax::{Span, Subpath};
use crate::vault::subpath::{find_block, find_heading};
use crate::vault::{FileId, Vault};

/// Longest hint, in characters.
const HINT_MAX: usize = 60;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedHint {
    /// Right after the embed.
    pub offset: usize,
    pub label: String,
}

/// The hints for the embeds of note `file` that `range` touches.
pub fn embed_hints(vault: &Vault, file: FileId, range: Span) -> Vec<EmbedHint> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
        let span = link.span();
        if !link.embed() || span.end < range.start || range.end < span.start {
            continue;
        }
        let (Some(id), Some(subpath)) = (resolution.file(), link.subpath(note.src())) else {
            continue;
        };
        let Some(target) = vault.note(id) else {
            continue;
        };
        // The first line of a section or block is prose: a note held in pieces is read from
        // its file.
        let Some(text) = vault.text(id) else {
            continue;
        };
        let text: &str = &text;
        let first = match &subpath {
            Subpath::Block(block) => find_block(text, &target.syntax, block).map(|b| {
                let shown = &text[b.block_span.range()];
                // Without its own `^id`.
                shown.replace(&text[b.span.range()], "")
            }),
            Subpath::Heading(chain) => find_heading(text, &target.syntax, chain).and_then(|h| {
                let i = target
                    .syntax
                    .headings
                    .iter()
                    .position(|o| o.span == h.span)?;
                let end = target.syntax.section_end(i, text.len());
                let body = text.get(h.span.end as usize..end)?;
                body.lines()
                    .find(|l| !l.trim().is_empty())
                    .map(String::from)
            }),
        };
        let Some(first) = first else { continue };
        let line = first.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let label = one_line(line.trim_start_matches(['-', '*', '+', ' ']), HINT_MAX);
        if !label.is_empty() {
            out.push(EmbedHint {
                offset: span.end as usize,
                label,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::fixture::Fixture;

    #[test]
    fn block_and_heading_embeds_show_their_first_line() {
        let f = Fixture::parse(
            "//- Pricing.md\n# Pricing\n## Tiers\n\nThree tiers: basic, pro, enterprise.\nMore.\n\n- Discount 10% ^disc\n\
             //- Home.md\n$0![[Pricing#^disc]] ![[Pricing#Tiers]] [[Pricing#Tiers]] ![[Pricing]] ![[Pricing#^nope]]\n",
        );
        let text = &f.vault.note(f.file).unwrap().text().unwrap();
        let hints = embed_hints(&f.vault, f.file, Span::new(0, text.len()));
        let got: Vec<(&str, &str)> = hints
            .iter()
            .map(|h| (&text[..h.offset], h.label.as_str()))
            .map(|(before, label)| (&before[before.rfind("![[").unwrap()..], label))
            .collect();
        assert_eq!(
            got,
            [
                ("![[Pricing#^disc]]", "Discount 10%"),
                ("![[Pricing#Tiers]]", "Three tiers: basic, pro, enterprise.")
            ]
        );
        // Only those the range touches.
        assert_eq!(embed_hints(&f.vault, f.file, Span::new(0, 3)).len(), 1);
    }
}
