//! Block search (Obsidian's `[[^^words`): paragraphs and list items across the vault that hold
//! every typed word, each completing to a link to it (`[[Note#^id]]`). A block without an id
//! gets one, in Obsidian's style, added to the other note by a command the server runs when
//! the item is accepted (an item's own edits reach only the note being written).
//!
//! There is no index of every paragraph of the vault (it would cost more memory than the
//! notes' text): the search reads the notes (from their files, for notes held in pieces),
//! a batch at a time on every core, skipping those that do not hold every word, and stops
//! when cancelled.

use super::{Cancel, Cancelled};
use crate::syntax::{Span, block_marker, opaque_spans};
use crate::vault::path::fold;
use crate::vault::{FileId, Vault};

/// A paragraph or list item a search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockHit {
    pub file: FileId,
    /// The block, its trailing newline excluded.
    pub span: Span,
    /// Its `^id` when it has one already.
    pub id: Option<String>,
}

/// What accepting a block without an id adds to its note: ` ^id` at the end of the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBlockId {
    pub file: FileId,
    /// The block as it was found: the id goes at its end, if it still reads `block_text`.
    pub block: Span,
    pub block_text: String,
    pub id: String,
}

/// Blocks holding every word of `query` (case and accents as names are folded), in path
/// order, then text order; at most `limit`, and whether more matched.
pub fn search(
    vault: &Vault,
    query: &str,
    limit: usize,
    cancel: Cancel,
) -> Result<(Vec<BlockHit>, bool), Cancelled> {
    let words: Vec<String> = query
        .split_whitespace()
        .map(|w| fold(w).into_owned())
        .collect();
    if words.is_empty() {
        return Ok((Vec::new(), false));
    }
    if words.iter().map(|w| w.chars().count()).sum::<usize>() < 3 {
        return Ok((Vec::new(), true));
    }
    let mut out = Vec::new();
    let found = |id| note_blocks(vault, id, &words);
    let more = super::scan_notes(vault, None, cancel, found, |hit| {
        if out.len() == limit {
            return false;
        }
        out.push(hit);
        true
    })?;
    Ok((out, more))
}

/// The blocks of note `id` holding every word of `words`.
fn note_blocks(vault: &Vault, id: FileId, words: &[String]) -> Vec<BlockHit> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    // A note held in pieces is read from its file (`None` when it changed since: the
    // watcher brings it).
    let Some(text) = vault.text(id) else {
        return Vec::new();
    };
    if !words.iter().all(|w| may_hold(&text, w)) {
        return Vec::new();
    }
    // Blocks by lines first; the parse that finds code and comments only for a note with a
    // match.
    let matching: Vec<Span> = blocks_by_lines(&text, note.syntax.body_start())
        .into_iter()
        .filter(|span| {
            let folded = fold(&text[span.range()]);
            words.iter().all(|w| folded.contains(w.as_str()))
        })
        .collect();
    if matching.is_empty() {
        return Vec::new();
    }
    let opaque = opaque_spans(&text);
    matching
        .into_iter()
        .filter(|s| !overlaps(&opaque, *s))
        .map(|span| BlockHit {
            file: id,
            span,
            id: existing_id(&text[span.range()]).map(String::from),
        })
        .collect()
}

/// A quick test of whether a note's text can hold a folded word: for an ASCII word, its bytes
/// in any case (folding turns no other character into an ASCII letter that matters here);
/// else the text folded in full.
fn may_hold(text: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return fold(text).contains(word);
    }
    let (hay, needle) = (text.as_bytes(), word.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), hay).any(|i| {
        hay.get(i..i + needle.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(needle))
    })
}

fn overlaps(opaque: &[Span], s: Span) -> bool {
    opaque.iter().any(|o| o.start < s.end && s.start < o.end)
}

/// The paragraphs and list items of a note's body, in text order, each without its
/// trailing newline: a blank line ends a block, a list item or heading starts one; headings,
/// code, math and comments are not blocks.
pub fn blocks(text: &str, body_start: usize) -> Vec<Span> {
    let opaque = opaque_spans(text);
    blocks_by_lines(text, body_start)
        .into_iter()
        .filter(|s| !overlaps(&opaque, *s))
        .collect()
}

/// [`blocks`] by lines alone: code, math and comments not left out.
fn blocks_by_lines(text: &str, body_start: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut at = body_start.min(text.len());
    while at < text.len() {
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = text[at..end].trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            out.extend(current.take().map(|(s, e)| Span::new(s, e)));
        } else if starts_list_item(trimmed) {
            out.extend(current.take().map(|(s, e)| Span::new(s, e)));
            current = Some((at, at + line.len()));
        } else {
            match &mut current {
                Some((_, block_end)) => *block_end = at + line.len(),
                None => current = Some((at, at + line.len())),
            }
        }
        at = end + 1;
    }
    out.extend(current.map(|(s, e)| Span::new(s, e)));
    out
}

fn starts_list_item(line: &str) -> bool {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return true;
    }
    let digits = line.trim_start_matches(|c: char| c.is_ascii_digit());
    digits.len() < line.len() && (digits.starts_with(". ") || digits.starts_with(") "))
}

/// The `^id` a block ends with, read by the parser's one rule ([`block_marker`]).
pub fn existing_id(block: &str) -> Option<&str> {
    let block = block.trim_end();
    block_marker(block).map(|caret| &block[caret + 1..])
}

/// A new id for a block of note `file`, in Obsidian's style (six lowercase letters and
/// digits), from the block's text so every server picks the same, and unused in the note.
pub fn new_id(vault: &Vault, file: FileId, block: &str) -> String {
    use std::hash::BuildHasher;
    let taken = |id: &str| {
        vault
            .note(file)
            .is_some_and(|n| n.syntax.blocks.iter().any(|b| b.id(n.src()) == id))
    };
    let mut seed = rustc_hash::FxBuildHasher.hash_one((vault.path(file), block));
    loop {
        let mut id = String::with_capacity(6);
        let mut n = seed;
        for _ in 0..6 {
            let digit = (n % 36) as u32;
            id.push(char::from_digit(digit, 36).unwrap_or('0'));
            n /= 36;
        }
        if !taken(&id) {
            return id;
        }
        seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    }
}

/// The edit that gives a block its new id: ` ^id` at its end, where the block still reads
/// as it did when found (else where its text is now, if once in the note). `None` when the
/// block is gone or has an id already.
pub fn add_id(vault: &Vault, new: &NewBlockId) -> Option<super::links::Edit> {
    let text = vault.text(new.file)?;
    let start = if text.get(new.block.range()) == Some(new.block_text.as_str()) {
        new.block.start as usize
    } else {
        let at = text.find(new.block_text.as_str())?;
        // Only when it is there once: else which one was meant is a guess.
        if text[at + 1..].contains(new.block_text.as_str()) {
            return None;
        }
        at
    };
    let end = start + new.block_text.len();
    // An id given meanwhile is written after the text found, on its last line.
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    if existing_id(&text[start..line_end]).is_some() {
        return None;
    }
    Some(super::links::Edit {
        file: new.file,
        span: Span::empty(end),
        new_text: format!(" ^{}", new.id),
    })
}

/// A block's text in one line for a completion label, at most `max` characters.
pub fn one_line(block: &str, max: usize) -> String {
    let words: Vec<&str> = block.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let cut: String = line.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_paragraphs_and_list_items() {
        let text = "---\na: b\n---\n# Title\nFirst para\ngoes on.\n\n- item one\n  continued\n- item two ^abc\n\n```\ncode here\n```\n1. numbered\n";
        let body = text.find("# Title").unwrap();
        let got: Vec<&str> = blocks(text, body)
            .iter()
            .map(|s| &text[s.range()])
            .collect();
        assert_eq!(
            got,
            [
                "First para\ngoes on.",
                "- item one\n  continued",
                "- item two ^abc",
                "1. numbered"
            ]
        );
        assert_eq!(existing_id("- item two ^abc"), Some("abc"));
        assert_eq!(existing_id("x^abc"), None);
        assert_eq!(existing_id("no id"), None);
    }

    #[test]
    fn search_holds_every_word_in_path_order() {
        let vault = Vault::from_files(
            "/v",
            vec![
                (
                    "B.md".into(),
                    Some("# B\nThe Pricing tiers ship.\n\n- pricing for ÉTÉ tiers ^t1\n".into()),
                ),
                (
                    "A.md".into(),
                    Some("Tiers of pricing here\n\nOther\n".into()),
                ),
                ("C.md".into(), Some("```\npricing tiers\n```\n".into())),
            ],
        );
        let (hits, more) = search(&vault, "tiers PRIC", 10, Cancel::NEVER).unwrap();
        let got: Vec<(&str, Option<&str>)> = hits
            .iter()
            .map(|h| (vault.path(h.file), h.id.as_deref()))
            .collect();
        assert_eq!(got, [("A.md", None), ("B.md", None), ("B.md", Some("t1"))]);
        assert!(!more);
        let (hits, more) = search(&vault, "tiers", 1, Cancel::NEVER).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(more);
        // Accents and case folded as names are.
        let (hits, _) = search(&vault, "été", 10, Cancel::NEVER).unwrap();
        assert_eq!(hits.len(), 1);
    }

    #[test]
    fn an_id_goes_at_the_end_of_the_block_where_it_now_is() {
        let text = "# A\nThe tiers ship.\nSecond line.\n\nOther\n";
        let mut vault = Vault::from_files("/v", vec![("A.md".into(), Some(text.into()))]);
        let a = vault.id("A.md").unwrap();
        let span = blocks(text, 0)[0];
        let new = NewBlockId {
            file: a,
            block: span,
            block_text: text[span.range()].to_string(),
            id: "x1y2z3".into(),
        };
        let edit = add_id(&vault, &new).unwrap();
        assert_eq!(edit.span, Span::empty(span.end as usize));
        assert_eq!(edit.new_text, " ^x1y2z3");
        // The note changed above the block: found by its text.
        vault.update_note("A.md", format!("# A\nNew line\n\n{}", &text[4..]));
        let edit = add_id(&vault, &new).unwrap();
        let now = &vault.note(a).unwrap().text().unwrap();
        assert_eq!(
            &now[..edit.span.start as usize],
            "# A\nNew line\n\nThe tiers ship.\nSecond line."
        );
        // Gone, or given an id meanwhile: nothing.
        vault.update_note("A.md", "# A\nThe tiers ship.\nSecond line. ^abc\n".into());
        assert_eq!(add_id(&vault, &new), None);
    }

    #[test]
    fn new_ids_are_stable_and_unused() {
        let vault = Vault::from_files("/v", vec![("A.md".into(), Some("x ^abc\n".into()))]);
        let a = vault.id("A.md").unwrap();
        let id = new_id(&vault, a, "Some block");
        assert_eq!(id, new_id(&vault, a, "Some block"));
        assert_eq!(id.len(), 6);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(one_line("a\n  b   c", 3), "a…");
    }
}
